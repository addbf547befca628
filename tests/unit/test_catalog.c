/*
 * test_catalog.c — the catalog loader and its lookups.
 *
 * The error cases start from one small valid catalog and change one thing
 * (a text substitution); each must fail with the expected message naming
 * the file, the kind and field, and the problem.  JSON is written with
 * single quotes here and turned into double quotes before loading.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define ERR_MAX 8192

static const char base_doc[] =
    "{'version':1,'kinds':[{'code':'ls','names':{'zh':'牲畜','en':'livestock'},"
    "'keywords':['ls','牲畜'],'period':'month','agg':'last',"
    "'deadline':{'day':25,'hour':18,'remind_hours':24},"
    "'example':{'zh':'牲畜 牛12','en':'LS cattle 12'},"
    "'fields':[{'code':'cattle','names':{'zh':'牛','en':'cattle'},'aliases':['cow'],"
    "'type':'count','units':['头'],'max':1000}]}]}";

/* A yesno field and a second kind, spliced in by cases. */
#define F_YN(code, yes, no) "{'code':'" code "','names':{'zh':'" code "','en':'" code "'}," \
	"'type':'yesno','agg':'rate','yes':[" yes "],'no':[" no "]}"
#define K_ROAD(code, kw) "{'code':'" code "','names':{'zh':'道路','en':'road'},'keywords':[" kw "]," \
	"'period':'day','agg':'sum','deadline':{'day':1,'hour':20,'remind_hours':0}," \
	"'example':{'zh':'道路 硬化1020米','en':'ROAD 1020m'},'fields':[{'code':'hardened'," \
	"'names':{'zh':'硬化','en':'hardened'},'type':'count','max':100000}]}"
#define END_FIELDS "'max':1000}]"
#define END_KINDS "'max':1000}]}]}"

/* Returns a malloc'd copy of s with single quotes turned into double quotes. */
static char *
dq(const char *s)
{
	char *d = strdup(s);
	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

/* The base document with the first `from` replaced by `to`, double-quoted. */
static char *
doc_with(const char *from, const char *to)
{
	const char *at = strstr(base_doc, from);
	cr_assert_not_null(at, "'%s' not in the base document", from);
	size_t n = strlen(base_doc) - strlen(from) + strlen(to) + 1;
	char *s = malloc(n);
	snprintf(s, n, "%.*s%s%s", (int)(at - base_doc), base_doc, to, at + strlen(from));
	char *d = dq(s);
	free(s);
	return d;
}

/* Loads text, expecting failure; returns the error text in err. */
static void
load_fails(const char *text, size_t len, char *err, const char *name)
{
	struct catalog *c = catalog_load(text, len, "test.json", err, ERR_MAX);
	cr_expect_null(c, "%s: loaded", name);
	catalog_free(c);
	cr_expect(utf8_valid(err, strlen(err)), "%s: error text is not UTF-8", name);
}

struct bad_case {
	const char *name;
	const char *from, *to;
	const char *expect;
};

static const struct bad_case bad_cases[] = {
	{ "version missing", "'version':1,", "", "test.json: missing 'version'" },
	{ "version 2", "'version':1", "'version':2", "test.json: version 2 is not supported" },
	{ "version string", "'version':1", "'version':'1'", "'version' must be an integer" },
	{ "unknown top member", "'version':1", "'version':1,'extra':true",
	  "test.json: unknown member 'extra'" },
	{ "kinds empty", "'kinds':[{", "'kinds':[],'x':[{", "'kinds' must hold 1 to 64 kinds, not 0" },
	{ "kinds object", "'version':1", "'version':1,'kinds':{}", "test.json: 'kinds' must be an array" },
	{ "kinds twice", "'version':1", "'version':1,'kinds':{}", "test.json: duplicate member 'kinds'" },
	{ "kind not object", "'kinds':[", "'kinds':[7,", "test.json: kinds[0]: must be an object" },
	{ "kind code charset", "'code':'ls'", "'code':'Live stock'",
	  "test.json: kinds[0]: code 'Live stock' must be 1 to 32 of a-z, 0-9 and _" },
	{ "kind code too long", "'code':'ls'", "'code':'abcdefghijklmnopqrstuvwxyz0123456'",
	  "must be 1 to 32 of a-z" },
	{ "kind code missing", "'code':'ls',", "", "test.json: kinds[0]: missing 'code'" },
	{ "kind unknown member", "'period':'month'", "'period':'month','colour':'red'",
	  "test.json: ls: unknown member 'colour'" },
	{ "kind duplicate member", "'period':'month'", "'period':'month','period':'week'",
	  "test.json: ls: duplicate member 'period'" },
	{ "period wrong type", "'period':'month'", "'period':5", "test.json: ls: 'period' must be a string" },
	{ "period unknown", "'period':'month'", "'period':'monthly'",
	  "test.json: ls: period 'monthly' must be one of day, week, month, quarter, year" },
	{ "names missing", "'names':{'zh':'牲畜','en':'livestock'},", "", "test.json: ls: missing 'names'" },
	{ "names.en missing", ",'en':'livestock'", "", "test.json: ls: missing 'names.en'" },
	{ "names.en empty", "'en':'livestock'", "'en':''", "test.json: ls: 'names.en' is empty" },
	{ "names.zh too long", "'zh':'牲畜'",
	  "'zh':'牲畜牲畜牲畜牲畜牲畜牲畜牲畜牲畜牲畜牲畜牲畜牲畜'",
	  "test.json: ls: 'names.zh' is too long (72 bytes, max 63)" },
	{ "names unknown language", "'en':'livestock'", "'en':'livestock','fr':'bétail'",
	  "test.json: ls: unknown member 'names.fr'" },
	{ "example missing", "'example':{'zh':'牲畜 牛12','en':'LS cattle 12'},", "",
	  "test.json: ls: missing 'example'" },
	{ "example.en not string", "'en':'LS cattle 12'", "'en':12", "test.json: ls: 'example.en' must be a string" },
	{ "deadline missing", "'deadline':{'day':25,'hour':18,'remind_hours':24},", "",
	  "test.json: ls: missing 'deadline'" },
	{ "deadline day 0", "'day':25", "'day':0", "test.json: ls: deadline.day 0 out of range (1 to 31 for a month)" },
	{ "deadline day 32", "'day':25", "'day':32", "deadline.day 32 out of range (1 to 31 for a month)" },
	{ "deadline day past week", "'period':'month','agg':'last','deadline':{'day':25",
	  "'period':'week','agg':'last','deadline':{'day':8", "deadline.day 8 out of range (1 to 7 for a week)" },
	{ "deadline hour 24", "'hour':18", "'hour':24", "test.json: ls: deadline.hour 24 out of range (0 to 23)" },
	{ "deadline hour fraction", "'hour':18", "'hour':1.5", "'deadline.hour' must be an integer" },
	{ "deadline remind too long", "'remind_hours':24", "'remind_hours':1000",
	  "deadline.remind_hours 1000 out of range (0 to 744)" },
	{ "deadline missing hour", "'hour':18,", "", "test.json: ls: missing 'deadline.hour'" },
	{ "deadline unknown member", "'hour':18,", "'hour':18,'minute':0,", "unknown member 'deadline.minute'" },
	{ "keywords not array", "'keywords':['ls','牲畜']", "'keywords':'ls'", "'keywords' must be an array" },
	{ "keyword not string", "'keywords':['ls'", "'keywords':[3,'ls'", "test.json: ls: keywords[0] must be a string" },
	{ "keyword digit", "'keywords':['ls'", "'keywords':['ls2'", "test.json: ls: keyword 'ls2' contains a digit" },
	{ "keyword space", "'keywords':['ls'", "'keywords':['l s'", "keyword 'l s' contains a space or control character" },
	{ "keyword comma", "'keywords':['ls'", "'keywords':['l,s'", "keyword 'l,s' contains a separator or punctuation" },
	{ "keyword full-width comma", "'keywords':['ls'", "'keywords':['牲，畜'",
	  "keyword '牲，畜' contains a separator or punctuation" },
	{ "keyword 、", "'keywords':['ls'", "'keywords':['牲、畜'", "contains a separator or punctuation" },
	{ "keyword empty", "'keywords':['ls'", "'keywords':[''", "keyword '' is empty" },
	{ "keyword too long", "'keywords':['ls'", "'keywords':['abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz'",
	  "is too long (max 47 bytes)" },
	{ "keyword twice", "'keywords':['ls'", "'keywords':['xm','ls','XM'", "test.json: ls: keyword 'XM' is listed twice" },
	{ "too many keywords", "'keywords':['ls'",
	  "'keywords':['a','b','c','d','e','f','g','h','i','j','k','l','m','n','o','p'",
	  "test.json: ls: too many keywords words (max 16, code and names included)" },
	{ "agg unknown on kind", "'agg':'last'", "'agg':'median'",
	  "test.json: ls: agg 'median' must be one of last, sum, avg, max, rate" },
	{ "fields empty", "'fields':[{", "'fields':[],'x':[{", "test.json: ls: 'fields' is empty" },
	{ "fields missing", "'fields':[{", "'x':[{", "test.json: ls: missing 'fields'" },
	{ "field not object", "'fields':[", "'fields':['cattle',", "test.json: ls.fields[0]: must be an object" },
	{ "field code charset", "'code':'cattle'", "'code':'Cattle'",
	  "test.json: ls.fields[0]: code 'Cattle' must be 1 to 32 of a-z, 0-9 and _" },
	{ "field unknown member", "'type':'count'", "'type':'count','colour':1",
	  "test.json: ls.cattle: unknown member 'colour'" },
	{ "field type missing", "'type':'count',", "", "test.json: ls.cattle: missing 'type'" },
	{ "field type unknown", "'type':'count'", "'type':'int'",
	  "test.json: ls.cattle: type 'int' must be one of count, decimal, yesno" },
	{ "field names missing", "'names':{'zh':'牛','en':'cattle'},", "", "test.json: ls.cattle: missing 'names'" },
	{ "alias digit", "'aliases':['cow']", "'aliases':['cow2']", "test.json: ls.cattle: alias 'cow2' contains a digit" },
	{ "alias twice", "'aliases':['cow']", "'aliases':['cow','COW']", "alias 'COW' is listed twice" },
	{ "too many aliases", "'aliases':['cow']",
	  "'aliases':['a','b','c','d','e','f','g','h','i','j','k','l','m','n','o']",
	  "test.json: ls.cattle: too many aliases words (max 16" },
	{ "count scale", "'type':'count'", "'type':'count','scale':2",
	  "test.json: ls.cattle: scale 2 out of range for a count field (0 to 0)" },
	{ "decimal without scale", "'type':'count'", "'type':'decimal'",
	  "test.json: ls.cattle: missing 'scale' (a decimal field needs 1 to 6)" },
	{ "decimal scale 7", "'type':'count'", "'type':'decimal','scale':7",
	  "scale 7 out of range for a decimal field (1 to 6)" },
	{ "decimal scale 0", "'type':'count'", "'type':'decimal','scale':0",
	  "scale 0 out of range for a decimal field (1 to 6)" },
	{ "scale negative", "'type':'count'", "'type':'decimal','scale':-1", "scale -1 out of range" },
	{ "max missing", ",'max':1000", "", "test.json: ls.cattle: missing 'max'" },
	{ "min above max", "'max':1000", "'min':10,'max':5", "test.json: ls.cattle: min 10 is above max 5" },
	{ "max fraction on count", "'max':1000", "'max':1.5",
	  "test.json: ls.cattle: max '1.5' is not a decimal with at most 0 fraction digits" },
	{ "max too many decimals", "'type':'count','units':['头'],'max':1000",
	  "'type':'decimal','scale':2,'units':['头'],'max':'1.234'",
	  "max '1.234' is not a decimal with at most 2 fraction digits" },
	{ "max number too many decimals", "'type':'count','units':['头'],'max':1000",
	  "'type':'decimal','scale':2,'units':['头'],'max':227.745",
	  "max '227.745' is not a decimal with at most 2 fraction digits" },
	{ "max not decimal", "'max':1000", "'max':'lots'", "max 'lots' is not a decimal" },
	{ "max overflow", "'max':1000", "'max':'99999999999999999999'", "max '99999999999999999999' is not a decimal" },
	{ "max huge number", "'max':1000", "'max':1e300", "max '1e+300' is not a decimal" },
	{ "max bool", "'max':1000", "'max':true", "'max' must be a number or a decimal string" },
	{ "min empty", "'max':1000", "'min':'','max':1000", "min '' is not a decimal" },
	{ "required not bool", "'max':1000", "'max':1000,'required':'yes'", "'required' must be true or false" },
	{ "agg missing", "'agg':'last',", "", "test.json: ls.cattle: missing 'agg' (on the field or its kind)" },
	{ "agg unknown", "'max':1000", "'max':1000,'agg':'median'", "ls.cattle: agg 'median' must be one of" },
	{ "rate on count", "'max':1000", "'max':1000,'agg':'rate'",
	  "test.json: ls.cattle: agg 'rate' is not valid for a count field (last, sum, avg, max)" },
	{ "rate from kind", "'agg':'last'", "'agg':'rate'",
	  "test.json: ls.cattle: agg 'rate' (from the kind) is not valid for a count field" },
	{ "unit with digit", "'units':['头']", "'units':['m2']", "test.json: ls.cattle: unit 'm2' contains a digit" },
	{ "units not array", "'units':['头']", "'units':'头'", "'units' must be an array" },
	{ "unit display not a unit", "'units':['头']", "'units':['头'],'unit':{'zh':'只','en':''}",
	  "test.json: ls.cattle: unit.zh '只' is not one of its units" },
	{ "unit display en not a unit", "'units':['头']", "'units':['头'],'unit':{'en':'head'}",
	  "test.json: ls.cattle: unit.en 'head' is not one of its units" },
	{ "unit display unknown member", "'units':['头']", "'units':['头'],'unit':{'de':'Stück'}",
	  "unknown member 'unit.de'" },
	{ "yes on count", "'max':1000", "'max':1000,'yes':['ok']",
	  "test.json: ls.cattle: 'yes' does not apply to a count field" },
	{ "field code twice", END_FIELDS, "'max':1000},{'code':'cattle','names':{'zh':'黄牛','en':'ox'},"
	  "'type':'count','max':5}]", "test.json: ls.cattle: field code 'cattle' is used twice" },
	{ "too many fields", END_FIELDS, "'max':1000}"
	  ",{'code':'f1','names':{'zh':'a1','en':'a1'},'type':'count','max':1}"
	  ",{'code':'f2','names':{'zh':'a2','en':'a2'},'type':'count','max':1}"
	  ",{'code':'f3','names':{'zh':'a3','en':'a3'},'type':'count','max':1}"
	  ",{'code':'f4','names':{'zh':'a4','en':'a4'},'type':'count','max':1}"
	  ",{'code':'f5','names':{'zh':'a5','en':'a5'},'type':'count','max':1}"
	  ",{'code':'f6','names':{'zh':'a6','en':'a6'},'type':'count','max':1}"
	  ",{'code':'f7','names':{'zh':'a7','en':'a7'},'type':'count','max':1}"
	  ",{'code':'f8','names':{'zh':'a8','en':'a8'},'type':'count','max':1}"
	  ",{'code':'f9','names':{'zh':'a9','en':'a9'},'type':'count','max':1}"
	  ",{'code':'f10','names':{'zh':'b0','en':'b0'},'type':'count','max':1}"
	  ",{'code':'f11','names':{'zh':'b1','en':'b1'},'type':'count','max':1}"
	  ",{'code':'f12','names':{'zh':'b2','en':'b2'},'type':'count','max':1}"
	  ",{'code':'f13','names':{'zh':'b3','en':'b3'},'type':'count','max':1}"
	  ",{'code':'f14','names':{'zh':'b4','en':'b4'},'type':'count','max':1}"
	  ",{'code':'f15','names':{'zh':'b5','en':'b5'},'type':'count','max':1}"
	  ",{'code':'f16','names':{'zh':'b6','en':'b6'},'type':'count','max':1}]",
	  "test.json: ls: too many fields (17, max 16)" },
	{ "kind code twice", END_KINDS, "'max':1000}]}," K_ROAD("ls", "'road'") "]}",
	  "test.json: ls: kind code 'ls' is used twice" },
	{ "keyword of two kinds", END_KINDS, "'max':1000}]}," K_ROAD("road", "'LS'") "]}",
	  "test.json: road: keyword 'ls' is also a keyword of kind 'ls'" },
	{ "name of one kind keyword of another", END_KINDS, "'max':1000}]}," K_ROAD("road", "'livestock'") "]}",
	  "test.json: road: keyword 'livestock' is also a keyword of kind 'ls'" },
};

/* Cases that add a field to the base kind. */
static const struct bad_case whole_cases[] = {
	{ "decimal min above max", "'type':'count','units':['头'],'max':1000",
	  "'type':'decimal','scale':2,'units':['头'],'min':'0.5','max':0.25",
	  "test.json: ls.cattle: min 0.5 is above max 0.25" },
	{ "yesno avg", END_FIELDS, "'max':1000},{'code':'ok','names':{'zh':'好','en':'ok'},'type':'yesno',"
	  "'agg':'avg','yes':['y'],'no':['n']}]",
	  "test.json: ls.ok: agg 'avg' is not valid for a yesno field (last, sum, rate)" },
	{ "alias of two fields", END_FIELDS, "'max':1000},{'code':'pigs','names':{'zh':'猪','en':'pigs'},"
	  "'aliases':['COW'],'type':'count','max':1000}]",
	  "test.json: ls.pigs: alias 'cow' is also an alias of field 'cattle'" },
	{ "yesno with units", END_FIELDS, "'max':1000}," "{'code':'ok','names':{'zh':'好','en':'ok'},"
	  "'type':'yesno','agg':'rate','units':['个'],'yes':['y'],'no':['n']}]",
	  "test.json: ls.ok: 'units' does not apply to a yesno field" },
	{ "yesno with max", END_FIELDS, "'max':1000}," "{'code':'ok','names':{'zh':'好','en':'ok'},"
	  "'type':'yesno','agg':'rate','max':1,'yes':['y'],'no':['n']}]",
	  "test.json: ls.ok: 'max' does not apply to a yesno field" },
	{ "yesno without no", END_FIELDS, "'max':1000}," "{'code':'ok','names':{'zh':'好','en':'ok'},"
	  "'type':'yesno','agg':'rate','yes':['y']}]",
	  "test.json: ls.ok: a yesno field needs at least one yes and one no word" },
	{ "yesno word both", END_FIELDS, "'max':1000}," F_YN("ok", "'y','both'", "'n','BOTH'") "]",
	  "test.json: ls.ok: 'both' is both a yes and a no word" },
	{ "yes word is another field's alias", END_FIELDS, "'max':1000}," F_YN("ok", "'cow'", "'n'") "]",
	  "test.json: ls.ok: yes word 'cow' is an alias of field 'cattle'" },
	{ "no word is another field's alias", END_FIELDS, "'max':1000}," F_YN("ok", "'y'", "'牛'") "]",
	  "test.json: ls.ok: no word '牛' is an alias of field 'cattle'" },
	{ "yes word of two yesno fields", END_FIELDS,
	  "'max':1000}," F_YN("ok", "'y'", "'n'") "," F_YN("fine", "'y'", "'nope'") "]",
	  "test.json: ls.fine: yes word 'y' is also a word of field 'ok'" },
	{ "yes word with digit", END_FIELDS, "'max':1000}," F_YN("ok", "'y1'", "'n'") "]",
	  "test.json: ls.ok: yes word 'y1' contains a digit" },
};

Test(catalog, each_problem_is_reported)
{
	char err[ERR_MAX];

	for (size_t i = 0; i < NELEM(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		char *doc = doc_with(c->from, c->to);
		load_fails(doc, strlen(doc), err, c->name);
		cr_expect_not_null(strstr(err, c->expect), "%s: expected \"%s\" in:\n%s", c->name,
		    c->expect, err);
		free(doc);
	}
}

Test(catalog, each_problem_is_reported_whole)
{
	char err[ERR_MAX];

	for (size_t i = 0; i < NELEM(whole_cases); i++) {
		const struct bad_case *c = &whole_cases[i];
		char *doc = doc_with(c->from, c->to);
		load_fails(doc, strlen(doc), err, c->name);
		cr_expect_not_null(strstr(err, c->expect), "%s: expected \"%s\" in:\n%s", c->name,
		    c->expect, err);
		free(doc);
	}
}

struct text_case {
	const char *name;
	const char *text;
	size_t len;	/* 0: strlen */
	const char *expect;
};

static const struct text_case text_cases[] = {
	{ "empty", "", 0, "test.json: line 1, column 1: not valid JSON" },
	{ "bad token", "{\"version\":1,\n  \"kinds\": x}", 0, "test.json: line 2, column 12: not valid JSON" },
	{ "truncated", "{\"version\":1,\n\"kinds\":[", 0, "test.json: line 2, column 9: not valid JSON" },
	{ "trailing text", "{\"version\":1} x", 0, "test.json: line 1, column 15: text after the end of the JSON" },
	{ "array", "[1,2]", 0, "test.json: the catalog must be a JSON object" },
	{ "bad utf8", "{\"version\":1,\n \"x\xC0\xAF\":1}", 0, "test.json: line 2, column 4: not valid UTF-8" },
	{ "embedded NUL", "{\"version\":1}\0{", 15, "text after the end of the JSON" },
};

Test(catalog, text_problems)
{
	char err[ERR_MAX];

	for (size_t i = 0; i < NELEM(text_cases); i++) {
		const struct text_case *c = &text_cases[i];
		size_t len = c->len ? c->len : strlen(c->text);
		load_fails(c->text, len, err, c->name);
		cr_expect_not_null(strstr(err, c->expect), "%s: expected \"%s\" in:\n%s", c->name,
		    c->expect, err);
	}
}

Test(catalog, too_large)
{
	size_t n = 1024 * 1024 + 1;
	char *big = malloc(n);
	char err[ERR_MAX];

	memset(big, ' ', n);
	load_fails(big, n, err, "too large");
	cr_expect_str_eq(err, "test.json: too large (1048577 bytes, max 1048576)");
	free(big);
}

Test(catalog, null_text)
{
	char err[ERR_MAX];

	cr_expect_null(catalog_load(NULL, 0, NULL, err, sizeof err));
	cr_expect_str_eq(err, "catalog: no text");
}

/* Every problem of a document is listed, one per line, not just the first. */
Test(catalog, lists_every_problem)
{
	char err[ERR_MAX];
	char *doc = doc_with("'period':'month','agg':'last'",
	    "'period':'monthly','agg':'median','colour':1");

	load_fails(doc, strlen(doc), err, "three problems");
	free(doc);
	cr_expect_str_eq(err,
	    "test.json: ls: unknown member 'colour'\n"
	    "test.json: ls: period 'monthly' must be one of day, week, month, quarter, year\n"
	    "test.json: ls: agg 'median' must be one of last, sum, avg, max, rate");
}

/* A short error buffer is filled on a character boundary and loading still fails. */
Test(catalog, error_buffer_truncated)
{
	char *doc = doc_with("'zh':'牲畜'", "'zh':''");
	for (size_t len = 0; len < 40; len++) {
		char err[40];
		memset(err, 'x', sizeof err);
		cr_expect_null(catalog_load(doc, strlen(doc), "文件.json", len ? err : NULL, len));
		if (len > 0) {
			cr_expect_lt(strlen(err), len);
			cr_expect(utf8_valid(err, strlen(err)));
		}
	}
	free(doc);
}

/* The base document itself loads, with the defaults the format promises. */
Test(catalog, base_loads_with_defaults)
{
	char err[ERR_MAX] = "unset";
	char *doc = dq(base_doc);
	struct catalog *c = catalog_load(doc, strlen(doc), "test.json", err, sizeof err);
	free(doc);

	cr_assert_not_null(c, "%s", err);
	cr_expect_str_eq(err, "");
	cr_assert_eq(c->nkinds, 1);
	const struct kind *k = &c->kinds[0];
	cr_expect_eq(k->keywords.n, 3, "ls, 牲畜, livestock");
	cr_expect_eq(k->period, PERIOD_MONTH);
	cr_expect_eq(k->deadline.day, 25);
	cr_expect_eq(k->deadline.hour, 18);
	cr_expect_eq(k->deadline.remind_hours, 24);
	const struct field *f = &k->fields[0];
	cr_expect_eq(f->min, 0);
	cr_expect_eq(f->max, 1000);
	cr_expect_eq(f->agg, AGG_LAST, "inherited from the kind");
	cr_expect_not(f->required);
	cr_expect_str_eq(f->unit_zh, "头", "the first unit by default");
	cr_expect_str_eq(f->unit_en, "头");
	cr_expect_eq(f->aliases.n, 3, "cattle, 牛, cow");
	cr_expect_eq(f->index, 0);
	cr_expect_eq(k->index, 0);
	catalog_free(c);
}

/* Sharing an alias across kinds is allowed: the grammar then needs the keyword. */
Test(catalog, alias_shared_across_kinds)
{
	char err[ERR_MAX];
	char *doc = doc_with(END_KINDS, "'max':1000}]}," K_ROAD("road", "'dl'") "]}");
	char *doc2 = NULL;
	/* Give the road field the alias "cow" as well. */
	const char *at = strstr(doc, "\"code\":\"hardened\",");
	cr_assert_not_null(at);
	size_t off = (size_t)(at - doc) + strlen("\"code\":\"hardened\",");
	const char *ins = "\"aliases\":[\"cow\"],";
	doc2 = malloc(strlen(doc) + strlen(ins) + 1);
	sprintf(doc2, "%.*s%s%s", (int)off, doc, ins, doc + off);
	struct catalog *c = catalog_load(doc2, strlen(doc2), "test.json", err, sizeof err);
	cr_assert_not_null(c, "%s", err);
	cr_expect_eq(kind_field_by_alias(&c->kinds[0], "cow", 3), &c->kinds[0].fields[0]);
	cr_expect_eq(kind_field_by_alias(&c->kinds[1], "cow", 3), &c->kinds[1].fields[0]);
	catalog_free(c);
	free(doc);
	free(doc2);
}

/* A yes word may be an alias of its own field: "passed" alone means yes. */
Test(catalog, yes_word_may_be_own_alias)
{
	char err[ERR_MAX];
	char *doc = doc_with(END_FIELDS, "'max':1000}," F_YN("passed", "'passed','合格'", "'不合格'") "]");
	struct catalog *c = catalog_load(doc, strlen(doc), "test.json", err, sizeof err);
	free(doc);

	cr_assert_not_null(c, "%s", err);
	const struct field *f = kind_field(&c->kinds[0], "passed");
	cr_assert_not_null(f);
	cr_expect_eq(f->min, 0);
	cr_expect_eq(f->max, 1);
	cr_expect_eq(f->scale, 0);
	cr_expect_eq(kind_field_by_alias(&c->kinds[0], "passed", 6), f);
	cr_expect_eq(field_yesno_word(f, "passed", 6), 1);
	catalog_free(c);
}

/* Bounds as numbers and as decimal strings are read exactly at the field's scale. */
Test(catalog, decimal_bounds_exact)
{
	static const struct {
		const char *bounds;
		int64_t min, max;
	} cases[] = {
		{ "'min':0,'max':100000.00", 0, 10000000 },
		{ "'min':'0','max':'100000.00'", 0, 10000000 },
		{ "'min':'-1.5','max':227.74", -150, 22774 },
		{ "'min':0.1,'max':0.3", 10, 30 },
		{ "'min':1e-2,'max':1E3", 1, 100000 },
		{ "'min':'227.7','max':'227.74'", 22770, 22774 },
	};
	char err[ERR_MAX];

	for (size_t i = 0; i < NELEM(cases); i++) {
		char to[160];
		snprintf(to, sizeof to, "'type':'decimal','scale':2,'units':['亩'],%s", cases[i].bounds);
		char *doc = doc_with("'type':'count','units':['头'],'max':1000", to);
		struct catalog *c = catalog_load(doc, strlen(doc), "test.json", err, sizeof err);
		free(doc);
		cr_assert_not_null(c, "%s: %s", cases[i].bounds, err);
		cr_expect_eq(c->kinds[0].fields[0].min, cases[i].min, "%s", cases[i].bounds);
		cr_expect_eq(c->kinds[0].fields[0].max, cases[i].max, "%s", cases[i].bounds);
		cr_expect_eq(c->kinds[0].fields[0].scale, 2);
		catalog_free(c);
	}
}

/* Loads the shipped schema/catalog.json; NULL-safe free by the caller. */
static struct catalog *
shipped(void)
{
	static char text[1 << 20];
	char path[512], err[ERR_MAX];

	snprintf(path, sizeof path, "%s/schema/catalog.json", CUNBAO_SOURCE_DIR);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	size_t n = fread(text, 1, sizeof text, f);
	fclose(f);
	struct catalog *c = catalog_load(text, n, path, err, sizeof err);
	cr_assert_not_null(c, "%s", err);
	cr_expect_str_eq(err, "", "no problem reported");
	return c;
}

Test(catalog, shipped_catalog_loads)
{
	static const char *const kinds[] = { "livestock", "road", "sanitation", "crops", "labor",
		"monitoring", "construction" };
	struct catalog *c = shipped();

	for (size_t i = 0; i < NELEM(kinds); i++)
		cr_expect_not_null(catalog_kind(c, kinds[i]), "kind %s", kinds[i]);
	catalog_free(c);
}

struct keyword_case {
	const char *word;
	const char *kind;	/* NULL: none */
};

static const struct keyword_case keyword_cases[] = {
	{ "牲畜", "livestock" }, { "LS", "livestock" }, { "ls", "livestock" }, { "ＬＳ", "livestock" },
	{ "Livestock", "livestock" }, { "道路", "road" }, { "ROAD", "road" }, { "卫生", "sanitation" },
	{ "SAN", "sanitation" }, { "产业", "crops" }, { "CROP", "crops" }, { "劳务", "labor" },
	{ "LABOR", "labor" }, { "监测", "monitoring" }, { "MON", "monitoring" }, { "建设", "construction" },
	{ "BUILD", "construction" }, { "牛", NULL }, { "", NULL }, { "\xC0", NULL },
	{ "l", NULL }, { "lsx", NULL },
};

Test(catalog, shipped_keywords)
{
	struct catalog *c = shipped();

	for (size_t i = 0; i < NELEM(keyword_cases); i++) {
		const struct keyword_case *t = &keyword_cases[i];
		const struct kind *k = catalog_kind_by_keyword(c, t->word, strlen(t->word));
		if (t->kind == NULL)
			cr_expect_null(k, "'%s' named %s", t->word, k ? k->code : "");
		else
			cr_expect(k != NULL && strcmp(k->code, t->kind) == 0, "'%s'", t->word);
	}
	catalog_free(c);
}

struct alias_case {
	const char *kind, *word, *field;	/* field NULL: none */
};

static const struct alias_case alias_cases[] = {
	{ "livestock", "牛", "cattle" }, { "livestock", "cattle", "cattle" }, { "livestock", "Cows", "cattle" },
	{ "livestock", "cow", "cattle" }, { "livestock", "牛只", "cattle" }, { "livestock", "猪", "pigs" },
	{ "livestock", "生猪", "pigs" }, { "livestock", "HOG", "pigs" }, { "livestock", "pig", "pigs" },
	{ "livestock", "羊", "sheep" }, { "livestock", "羊只", "sheep" }, { "livestock", "sheep", "sheep" },
	{ "road", "硬化", "hardened" }, { "road", "road", "hardened" }, { "road", "metres", "hardened" },
	{ "road", "hardened", "hardened" }, { "sanitation", "清运", "cleared" },
	{ "sanitation", "保洁出勤", "cleaners" }, { "sanitation", "保洁", "cleaners" },
	{ "sanitation", "合格", "passed" }, { "crops", "果园", "orchard" }, { "crops", "套种", "intercrop" },
	{ "crops", "蔬菜", "vegetables" }, { "labor", "输转", "placed" }, { "monitoring", "入户", "visits" },
	{ "monitoring", "风险户", "at_risk" }, { "monitoring", "问题", "issues" },
	{ "construction", "温室", "greenhouses" }, { "construction", "温棚", "greenhouses" },
	{ "construction", "大棚", "sheds" }, { "construction", "改厕", "toilets" },
	{ "livestock", "鸡", NULL }, { "road", "牛", NULL }, { "livestock", "不合格", NULL },
};

Test(catalog, shipped_aliases)
{
	struct catalog *c = shipped();

	for (size_t i = 0; i < NELEM(alias_cases); i++) {
		const struct alias_case *t = &alias_cases[i];
		const struct kind *k = catalog_kind(c, t->kind);
		cr_assert_not_null(k, "%s", t->kind);
		const struct field *f = kind_field_by_alias(k, t->word, strlen(t->word));
		if (t->field == NULL)
			cr_expect_null(f, "%s '%s'", t->kind, t->word);
		else
			cr_expect(f != NULL && strcmp(f->code, t->field) == 0, "%s '%s'", t->kind, t->word);
	}
	catalog_free(c);
}

/* The shipped catalog keeps its promises: no keyword of two kinds, no alias of two fields of a kind. */
Test(catalog, shipped_words_unambiguous)
{
	struct catalog *c = shipped();

	for (size_t i = 0; i < c->nkinds; i++) {
		const struct kind *k = &c->kinds[i];
		for (size_t w = 0; w < k->keywords.n; w++) {
			const char *kw = k->keywords.w[w];
			cr_expect_eq(catalog_kind_by_keyword(c, kw, strlen(kw)), k, "keyword %s", kw);
		}
		for (size_t j = 0; j < k->nfields; j++)
			for (size_t a = 0; a < k->fields[j].aliases.n; a++) {
				const char *al = k->fields[j].aliases.w[a];
				cr_expect_eq(kind_field_by_alias(k, al, strlen(al)), &k->fields[j], "alias %s", al);
			}
		cr_expect_str_neq(k->example_zh, "");
		cr_expect_str_neq(k->example_en, "");
	}
	catalog_free(c);
}

Test(catalog, shipped_fields)
{
	struct catalog *c = shipped();
	const struct kind *ls = catalog_kind(c, "livestock");
	const struct kind *road = catalog_kind(c, "road");
	const struct kind *san = catalog_kind(c, "sanitation");
	const struct kind *crops = catalog_kind(c, "crops");

	cr_expect_eq(ls->period, PERIOD_MONTH);
	cr_expect_eq(road->period, PERIOD_DAY);
	cr_expect_eq(san->period, PERIOD_WEEK);
	cr_expect_eq(crops->period, PERIOD_YEAR);
	cr_expect_str_eq(ls->example_zh, "牲畜 牛12 猪40 羊5");
	cr_expect_str_eq(ls->example_en, "LS cattle 12 pigs 40 sheep 5");

	const struct field *cattle = kind_field(ls, "cattle");
	cr_expect_eq(cattle->type, FIELD_COUNT);
	cr_expect_eq(cattle->agg, AGG_LAST);
	cr_expect_eq(cattle->max, 1000000);
	cr_expect(field_has_unit(cattle, "头", strlen("头")));
	cr_expect(field_has_unit(cattle, "HEAD", 4));
	cr_expect_not(field_has_unit(cattle, "米", strlen("米")));
	cr_expect_str_eq(field_name(cattle, LANG_ZH), "牛");
	cr_expect_str_eq(field_name(cattle, LANG_EN), "cattle");
	cr_expect_str_eq(kind_name(ls, LANG_ZH), "牲畜");
	cr_expect_str_eq(kind_name(ls, LANG_EN), "livestock");

	const struct field *hardened = kind_field(road, "hardened");
	cr_expect(hardened->required);
	cr_expect_eq(hardened->agg, AGG_SUM);
	cr_expect_eq(hardened->max, 100000);
	cr_expect(field_has_unit(hardened, "米", strlen("米")));
	cr_expect(field_has_unit(hardened, "M", 1));
	cr_expect(field_has_unit(hardened, "meters", 6));
	cr_expect_str_eq(hardened->unit_en, "m");

	const struct field *passed = kind_field(san, "passed");
	cr_expect_eq(passed->type, FIELD_YESNO);
	cr_expect_eq(passed->agg, AGG_RATE);
	cr_expect_eq(kind_field(san, "cleaners")->agg, AGG_AVG);
	cr_expect_eq(kind_field(san, "cleared")->agg, AGG_SUM);

	const struct field *orchard = kind_field(crops, "orchard");
	cr_expect_eq(orchard->type, FIELD_DECIMAL);
	cr_expect_eq(orchard->scale, 2);
	cr_expect_eq(orchard->max, 10000000);
	cr_expect(field_has_unit(orchard, "亩", strlen("亩")));
	cr_expect(field_has_unit(orchard, "MU", 2));
	catalog_free(c);
}

struct yesno_case {
	const char *word;
	int v;
};

static const struct yesno_case yesno_cases[] = {
	{ "合格", 1 }, { "passed", 1 }, { "PASS", 1 }, { "ok", 1 }, { "ＯＫ", 1 }, { "是", 1 },
	{ "不合格", 0 }, { "failed", 0 }, { "fail", 0 }, { "否", 0 },
	{ "maybe", -1 }, { "", -1 }, { "合", -1 },
};

Test(catalog, shipped_yesno_words)
{
	struct catalog *c = shipped();
	const struct kind *san = catalog_kind(c, "sanitation");
	const struct field *passed = kind_field(san, "passed");

	for (size_t i = 0; i < NELEM(yesno_cases); i++)
		cr_expect_eq(field_yesno_word(passed, yesno_cases[i].word, strlen(yesno_cases[i].word)),
		    yesno_cases[i].v, "'%s'", yesno_cases[i].word);
	cr_expect_eq(field_yesno_word(kind_field(san, "cleared"), "合格", strlen("合格")), -1,
	    "not a yesno field");
	catalog_free(c);
}

Test(catalog, lookups_tolerate_null)
{
	cr_expect_null(catalog_kind(NULL, "x"));
	cr_expect_null(catalog_kind_by_keyword(NULL, "x", 1));
	cr_expect_null(kind_field(NULL, "x"));
	cr_expect_null(kind_field_by_alias(NULL, "x", 1));
	cr_expect_not(field_has_unit(NULL, "x", 1));
	cr_expect_eq(field_yesno_word(NULL, "x", 1), -1);
	cr_expect_str_eq(field_name(NULL, LANG_EN), "");
	cr_expect_str_eq(kind_name(NULL, LANG_ZH), "");
	catalog_free(NULL);
}

Test(catalog, names)
{
	cr_expect_str_eq(field_type_name(FIELD_COUNT), "count");
	cr_expect_str_eq(field_type_name(FIELD_DECIMAL), "decimal");
	cr_expect_str_eq(field_type_name(FIELD_YESNO), "yesno");
	cr_expect_str_eq(field_type_name((enum field_type)9), "unknown");
	cr_expect_str_eq(agg_name(AGG_LAST), "last");
	cr_expect_str_eq(agg_name(AGG_SUM), "sum");
	cr_expect_str_eq(agg_name(AGG_AVG), "avg");
	cr_expect_str_eq(agg_name(AGG_MAX), "max");
	cr_expect_str_eq(agg_name(AGG_RATE), "rate");
	cr_expect_str_eq(agg_name((enum agg)-1), "unknown");
}
