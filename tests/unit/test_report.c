/*
 * test_report.c — structured reports: decoding (shape), validation against
 * the shipped catalog (meaning) and encoding.
 *
 * "now" is 2023-12-05T08:30:00+08:00 unless a case says otherwise; JSON is
 * written with single quotes and turned into double quotes before decoding.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "period.h"
#include "jnum.h"
#include "report.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define SHANGHAI 28800

static struct catalog *cat;

/* The shipped catalog, loaded once per test process. */
static void
setup(void)
{
	static char text[1 << 20];
	char path[512], err[4096];

	snprintf(path, sizeof path, "%s/schema/catalog.json", CUNBAO_SOURCE_DIR);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	size_t n = fread(text, 1, sizeof text, f);
	fclose(f);
	cat = catalog_load(text, n, path, err, sizeof err);
	cr_assert_not_null(cat, "%s", err);
}

static void
teardown(void)
{
	catalog_free(cat);
	cat = NULL;
}

TestSuite(report, .init = setup, .fini = teardown);

/* Unix time of a local civil time at utc_offset. */
static int64_t
at(int y, int mo, int d, int h, int mi, int32_t off)
{
	return period_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 - off;
}

#define NOW at(2023, 12, 5, 8, 30, SHANGHAI)

/* s with single quotes turned into double quotes, in a static buffer. */
static const char *
dq(const char *s)
{
	static char buf[8192];
	size_t n = strlen(s);

	cr_assert_lt(n, sizeof buf);
	for (size_t i = 0; i <= n; i++)
		buf[i] = s[i] == '\'' ? '"' : s[i];
	return buf;
}

/* A report of kind with the given period member (NULL: none) and values object text. */
static const char *
doc(const char *kind, const char *period, const char *values)
{
	static char buf[6000];

	snprintf(buf, sizeof buf, "{'id':'app:5f0c','source':'app-7','kind':'%s',"
	    "'area':'xinzhuang/hexi/g03'%s%s%s,'values':%s,'reporter':'+8613800000003'}",
	    kind, period ? ",'period':'" : "", period ? period : "", period ? "'" : "", values);
	return dq(buf);
}

Test(report, decode_example)
{
	struct report r;
	char err[128] = "unset";
	const char *j = dq("{'id':'app:5f0c','source':'app-7','kind':'livestock',"
	    "'area':'xinzhuang/hexi/g03','period':'2023-12','values':{'cattle':12,'pigs':40,'sheep':5},"
	    "'reporter':'+8613800000003','sent_at':'2023-12-05T08:30:00+08:00'}");

	cr_assert_eq(report_decode(j, strlen(j), &r, err, sizeof err), CB_OK, "%s", err);
	cr_expect_str_eq(err, "");
	cr_expect_str_eq(r.id, "app:5f0c");
	cr_expect_str_eq(r.source, "app-7");
	cr_expect_str_eq(r.kind, "livestock");
	cr_expect_str_eq(r.area, "xinzhuang/hexi/g03");
	cr_expect_str_eq(r.period, "2023-12");
	cr_expect_str_eq(r.reporter, "+8613800000003");
	cr_expect_str_eq(r.sent_at, "2023-12-05T08:30:00+08:00");
	cr_assert_eq(r.nvalues, 3);
	cr_expect_str_eq(r.values[0].field, "cattle");
	cr_expect_str_eq(r.values[0].text, "12");
	cr_expect_str_eq(r.values[2].field, "sheep");
	cr_expect_str_eq(r.values[2].text, "5");
}

struct text_case {
	const char *value;	/* JSON text of one value */
	const char *text;	/* what report_value.text must hold */
};

static const struct text_case text_cases[] = {
	{ "227.74", "227.74" }, { "'227.74'", "227.74" }, { "0.1", "0.1" }, { "1e3", "1000" },
	{ "1E-2", "0.01" }, { "-0", "-0" }, { "-12", "-12" }, { "1000000", "1000000" },
	{ "12.50", "12.5" }, { "'12.50'", "12.50" }, { "'+5'", "+5" }, { "'.5'", ".5" },
	{ "true", "true" }, { "false", "false" }, { "'合格'", "合格" }, { "'PASS'", "PASS" },
	{ "1e300", "1e+300" }, { "1e999", "1e+999" }, { "-1e999", "-1e+999" },
	{ "123456789012345678", "123456789012345680" },	/* the double's shortest text */
	{ "0.000001", "0.000001" }, { "1e-30", "1e-30" },
};

Test(report, decode_value_text)
{
	for (size_t i = 0; i < NELEM(text_cases); i++) {
		char values[128];
		struct report r;
		char err[128];
		snprintf(values, sizeof values, "{'orchard':%s}", text_cases[i].value);
		const char *j = doc("crops", NULL, values);
		cr_assert_eq(report_decode(j, strlen(j), &r, err, sizeof err), CB_OK, "%s: %s",
		    text_cases[i].value, err);
		cr_expect_str_eq(r.values[0].text, text_cases[i].text, "%s", text_cases[i].value);
	}
}

struct decode_case {
	const char *name;
	const char *json;
	enum cb_error e;
	const char *id, *source;
	const char *err;
};

static const struct decode_case decode_cases[] = {
	{ "not json", "{'id'", CB_BAD_JSON, "", "", "payload: not valid JSON" },
	{ "array", "[]", CB_BAD_JSON, "", "", "payload: not a JSON object" },
	{ "bad utf8", "{'id':'\xF5'}", CB_BAD_UTF8, "", "", "payload: not valid UTF-8" },
	{ "id missing", "{'source':'s','kind':'k','area':'a','values':{}}", CB_MISSING_MEMBER, "", "s",
	  "id: missing" },
	{ "id bad", "{'id':'a b','source':'s','kind':'k','area':'a','values':{}}", CB_BAD_ID, "", "s",
	  "id: 'a b' is not [A-Za-z0-9:._-]{1,64}" },
	{ "source bad", "{'id':'i','source':'s/t','kind':'k','area':'a','values':{}}", CB_BAD_ID, "i", "",
	  "source: 's/t' is not" },
	{ "kind missing", "{'id':'i','source':'s','area':'a','values':{}}", CB_MISSING_MEMBER, "i", "s",
	  "kind: missing" },
	{ "kind not a code", "{'id':'i','source':'s','kind':'Live Stock','area':'a','values':{}}",
	  CB_UNKNOWN_KIND, "i", "s", "kind: 'Live Stock' is not a kind code" },
	{ "kind number", "{'id':'i','source':'s','kind':3,'area':'a','values':{}}", CB_BAD_TYPE, "i", "s",
	  "kind: must be a string" },
	{ "area missing", "{'id':'i','source':'s','kind':'k','values':{}}", CB_MISSING_MEMBER, "i", "s",
	  "area: missing" },
	{ "area upper", "{'id':'i','source':'s','kind':'k','area':'Hexi','values':{}}", CB_BAD_AREA,
	  "i", "s", "area: 'Hexi' is not 1 to 5 slugs" },
	{ "area 6 levels", "{'id':'i','source':'s','kind':'k','area':'a/b/c/d/e/f','values':{}}",
	  CB_BAD_AREA, "i", "s", "area: " },
	{ "area wildcard", "{'id':'i','source':'s','kind':'k','area':'a/+','values':{}}", CB_BAD_AREA,
	  "i", "s", "area: " },
	{ "period number", "{'id':'i','source':'s','kind':'k','area':'a','period':202312,'values':{}}",
	  CB_BAD_TYPE, "i", "s", "period: must be a string" },
	{ "period too long", "{'id':'i','source':'s','kind':'k','area':'a','period':'2023-12-05T08:30',"
	  "'values':{}}", CB_BAD_PERIOD, "i", "s", "period: " },
	{ "values missing", "{'id':'i','source':'s','kind':'k','area':'a'}", CB_MISSING_MEMBER, "i", "s",
	  "values: missing" },
	{ "values array", "{'id':'i','source':'s','kind':'k','area':'a','values':[1]}", CB_BAD_TYPE,
	  "i", "s", "values: must be an object" },
	{ "value code upper", "{'id':'i','source':'s','kind':'k','area':'a','values':{'Cattle':1}}",
	  CB_UNKNOWN_FIELD, "i", "s", "values: 'Cattle' is not a field code" },
	{ "value code chinese", "{'id':'i','source':'s','kind':'k','area':'a','values':{'牛':1}}",
	  CB_UNKNOWN_FIELD, "i", "s", "values: '牛' is not a field code" },
	{ "value null", "{'id':'i','source':'s','kind':'k','area':'a','values':{'cattle':null}}",
	  CB_BAD_TYPE, "i", "s", "values.cattle: must be a number, a string or true/false" },
	{ "value object", "{'id':'i','source':'s','kind':'k','area':'a','values':{'cattle':{}}}",
	  CB_BAD_TYPE, "i", "s", "values.cattle: " },
	{ "value array", "{'id':'i','source':'s','kind':'k','area':'a','values':{'cattle':[12]}}",
	  CB_BAD_TYPE, "i", "s", "values.cattle: " },
	{ "value not decimal", "{'id':'i','source':'s','kind':'k','area':'a','values':{'cattle':'12abc'}}",
	  CB_BAD_VALUE, "i", "s", "values.cattle: not a decimal value or a word" },
	{ "value exponent string", "{'id':'i','source':'s','kind':'k','area':'a','values':{'cattle':'1e3'}}",
	  CB_BAD_VALUE, "i", "s", "values.cattle: " },
	{ "value two points", "{'id':'i','source':'s','kind':'k','area':'a','values':{'cattle':'1.2.3'}}",
	  CB_BAD_VALUE, "i", "s", "values.cattle: " },
	{ "value empty", "{'id':'i','source':'s','kind':'k','area':'a','values':{'cattle':''}}",
	  CB_BAD_VALUE, "i", "s", "values.cattle: " },
	{ "value control", "{'id':'i','source':'s','kind':'k','area':'a','values':{'cattle':'a\\tb'}}",
	  CB_BAD_VALUE, "i", "s", "values.cattle: " },
	{ "value too long", "{'id':'i','source':'s','kind':'k','area':'a','values':{'cattle':"
	  "'12345678901234567890123456789012'}}", CB_BAD_VALUE, "i", "s", "values.cattle: " },
	{ "value twice", "{'id':'i','source':'s','kind':'k','area':'a','values':{'cattle':1,'cattle':2}}",
	  CB_BAD_JSON, "i", "s", "values: member \"cattle\" given twice" },
	{ "17 values", "{'id':'i','source':'s','kind':'k','area':'a','values':{'a':1,'b':1,'c':1,'d':1,"
	  "'e':1,'f':1,'g':1,'h':1,'i':1,'j':1,'k':1,'l':1,'m':1,'n':1,'o':1,'p':1,'q':1}}",
	  CB_BAD_VALUE, "i", "s", "values: more than 16" },
	{ "reporter too long", "{'id':'i','source':'s','kind':'k','area':'a','values':{},'reporter':"
	  "'+86138000000031234567890123456789012345678901234567890123456789012'}", CB_BAD_ID, "i", "s",
	  "reporter: " },
	{ "sent_at number", "{'id':'i','source':'s','kind':'k','area':'a','values':{},'sent_at':5}",
	  CB_BAD_TYPE, "i", "s", "sent_at: must be a string" },
	{ "sent_at too long", "{'id':'i','source':'s','kind':'k','area':'a','values':{},'sent_at':"
	  "'2023-12-05T08:30:00.000000000000000000+08:00'}", CB_BAD_VALUE, "i", "s", "sent_at: " },
};

Test(report, decode_errors)
{
	for (size_t i = 0; i < NELEM(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		struct report r;
		char err[256];
		const char *j = dq(c->json);
		enum cb_error got = report_decode(j, strlen(j), &r, err, sizeof err);
		cr_expect_eq(got, c->e, "%s: %s", c->name, cb_error_name(got));
		cr_expect_str_eq(r.id, c->id, "%s", c->name);
		cr_expect_str_eq(r.source, c->source, "%s", c->name);
		cr_expect_eq(strncmp(err, c->err, strlen(c->err)), 0, "%s: '%s'", c->name, err);
	}
}

Test(report, decode_too_large)
{
	static char big[CB_PAYLOAD_MAX + 2];
	struct report r;

	memset(big, ' ', sizeof big);
	big[0] = '{';
	big[CB_PAYLOAD_MAX] = '}';
	cr_expect_eq(report_decode(big, CB_PAYLOAD_MAX + 1, &r, NULL, 0), CB_TOO_LARGE);
	cr_expect_eq(report_decode(big, CB_PAYLOAD_MAX + 1, &r, NULL, 0), CB_TOO_LARGE);
	big[CB_PAYLOAD_MAX - 1] = '}';
	cr_expect_eq(report_decode(big, CB_PAYLOAD_MAX, &r, NULL, 0), CB_MISSING_MEMBER,
	    "4096 bytes are decoded");
}

struct validate_case {
	const char *name;
	const char *kind, *period, *values;
	enum cb_error e;
	const char *token;	/* on failure */
	int64_t v[4];		/* on success: values in field order */
	size_t n;
};

static const struct validate_case validate_cases[] = {
	{ "livestock", "livestock", "2023-12", "{'cattle':12,'pigs':40,'sheep':5}", CB_OK, "", { 12, 40, 5 }, 3 },
	{ "field order", "livestock", NULL, "{'sheep':5,'cattle':12}", CB_OK, "", { 12, 5 }, 2 },
	{ "strings", "livestock", NULL, "{'cattle':'12','pigs':'+40','sheep':'5.'}", CB_OK, "", { 12, 40, 5 }, 3 },
	{ "zero", "livestock", NULL, "{'cattle':0}", CB_OK, "", { 0 }, 1 },
	{ "max count", "livestock", NULL, "{'cattle':1000000}", CB_OK, "", { 1000000 }, 1 },
	{ "acreage number", "crops", "2023", "{'intercrop':227.74}", CB_OK, "", { 22774 }, 1 },
	{ "acreage string", "crops", "2023", "{'intercrop':'227.74'}", CB_OK, "", { 22774 }, 1 },
	{ "acreage 0.1", "crops", NULL, "{'orchard':0.1,'vegetables':143.09}", CB_OK, "", { 10, 14309 }, 2 },
	{ "acreage max", "crops", NULL, "{'orchard':100000}", CB_OK, "", { 10000000 }, 1 },
	{ "acreage max string", "crops", NULL, "{'orchard':'100000.00'}", CB_OK, "", { 10000000 }, 1 },
	{ "acreage 3 decimals", "crops", NULL, "{'orchard':227.745}", CB_BAD_VALUE, "orchard", { 0 }, 0 },
	{ "acreage 3 decimals string", "crops", NULL, "{'orchard':'227.745'}", CB_BAD_VALUE, "orchard", { 0 }, 0 },
	{ "acreage above max", "crops", NULL, "{'orchard':100000.01}", CB_OUT_OF_RANGE, "orchard", { 0 }, 0 },
	{ "acreage negative", "crops", NULL, "{'orchard':-0.01}", CB_OUT_OF_RANGE, "orchard", { 0 }, 0 },
	{ "acreage huge", "crops", NULL, "{'orchard':1e300}", CB_OUT_OF_RANGE, "orchard", { 0 }, 0 },
	{ "acreage infinite", "crops", NULL, "{'orchard':1e999}", CB_OUT_OF_RANGE, "orchard", { 0 }, 0 },
	{ "acreage tiny", "crops", NULL, "{'orchard':1e-30}", CB_BAD_VALUE, "orchard", { 0 }, 0 },
	{ "count fraction", "livestock", NULL, "{'cattle':12.5}", CB_BAD_VALUE, "cattle", { 0 }, 0 },
	{ "count above max", "livestock", NULL, "{'cattle':1000001}", CB_OUT_OF_RANGE, "cattle", { 0 }, 0 },
	{ "count negative", "livestock", NULL, "{'pigs':-1}", CB_OUT_OF_RANGE, "pigs", { 0 }, 0 },
	{ "count overflow string", "livestock", NULL, "{'pigs':'99999999999999999999'}", CB_OUT_OF_RANGE,
	  "pigs", { 0 }, 0 },
	{ "count bool", "livestock", NULL, "{'cattle':true}", CB_BAD_VALUE, "cattle", { 0 }, 0 },
	{ "count word", "livestock", NULL, "{'cattle':'many'}", CB_BAD_VALUE, "cattle", { 0 }, 0 },
	{ "metres", "road", "2023-12-05", "{'hardened':1020}", CB_OK, "", { 1020 }, 1 },
	{ "metres above max", "road", NULL, "{'hardened':100001}", CB_OUT_OF_RANGE, "hardened", { 0 }, 0 },
	{ "yesno true", "sanitation", NULL, "{'cleared':4,'cleaners':7,'passed':true}", CB_OK, "", { 4, 7, 1 }, 3 },
	{ "yesno false", "sanitation", NULL, "{'passed':false}", CB_OK, "", { 0 }, 1 },
	{ "yesno 1", "sanitation", NULL, "{'passed':1}", CB_OK, "", { 1 }, 1 },
	{ "yesno 0", "sanitation", NULL, "{'passed':0}", CB_OK, "", { 0 }, 1 },
	{ "yesno word yes", "sanitation", NULL, "{'passed':'合格'}", CB_OK, "", { 1 }, 1 },
	{ "yesno word no", "sanitation", NULL, "{'passed':'不合格'}", CB_OK, "", { 0 }, 1 },
	{ "yesno word folded", "sanitation", NULL, "{'passed':'ＰＡＳＳ'}", CB_OK, "", { 1 }, 1 },
	{ "yesno 2", "sanitation", NULL, "{'passed':2}", CB_BAD_VALUE, "passed", { 0 }, 0 },
	{ "yesno word unknown", "sanitation", NULL, "{'passed':'maybe'}", CB_BAD_VALUE, "passed", { 0 }, 0 },
	{ "unknown kind", "chickens", NULL, "{'hens':1}", CB_UNKNOWN_KIND, "kind", { 0 }, 0 },
	{ "unknown field", "livestock", NULL, "{'cattle':1,'chickens':3}", CB_UNKNOWN_FIELD, "chickens", { 0 }, 0 },
	{ "field of another kind", "livestock", NULL, "{'hardened':3}", CB_UNKNOWN_FIELD, "hardened", { 0 }, 0 },
	{ "no values", "livestock", NULL, "{}", CB_MISSING_FIELD, "values", { 0 }, 0 },
	{ "required missing", "road", NULL, "{}", CB_MISSING_FIELD, "hardened", { 0 }, 0 },
	{ "required missing labor", "labor", NULL, "{}", CB_MISSING_FIELD, "placed", { 0 }, 0 },
	{ "past month", "livestock", "2023-11", "{'cattle':1}", CB_OK, "", { 1 }, 1 },
	{ "next month", "livestock", "2024-01", "{'cattle':1}", CB_FUTURE_PERIOD, "period", { 0 }, 0 },
	{ "week for a month kind", "livestock", "2023-W48", "{'cattle':1}", CB_BAD_PERIOD, "period", { 0 }, 0 },
	{ "day for a month kind", "livestock", "2023-12-05", "{'cattle':1}", CB_BAD_PERIOD, "period", { 0 }, 0 },
	{ "month 13", "livestock", "2023-13", "{'cattle':1}", CB_BAD_PERIOD, "period", { 0 }, 0 },
	{ "garbage period", "livestock", "last month", "{'cattle':1}", CB_BAD_PERIOD, "period", { 0 }, 0 },
	{ "today", "road", "2023-12-05", "{'hardened':1}", CB_OK, "", { 1 }, 1 },
	{ "tomorrow", "road", "2023-12-06", "{'hardened':1}", CB_FUTURE_PERIOD, "period", { 0 }, 0 },
	{ "this week", "sanitation", "2023-W49", "{'cleared':1}", CB_OK, "", { 1 }, 1 },
	{ "next week", "sanitation", "2023-W50", "{'cleared':1}", CB_FUTURE_PERIOD, "period", { 0 }, 0 },
	{ "month for a week kind", "sanitation", "2023-12", "{'cleared':1}", CB_BAD_PERIOD, "period", { 0 }, 0 },
	{ "this year", "crops", "2023", "{'orchard':480}", CB_OK, "", { 48000 }, 1 },
	{ "next year", "crops", "2024", "{'orchard':480}", CB_FUTURE_PERIOD, "period", { 0 }, 0 },
	{ "period checked before values", "livestock", "2024-01", "{'chickens':1}", CB_FUTURE_PERIOD,
	  "period", { 0 }, 0 },
};

Test(report, validate_table)
{
	for (size_t i = 0; i < NELEM(validate_cases); i++) {
		const struct validate_case *c = &validate_cases[i];
		struct report r;
		struct parsed p;
		char err[256];
		const char *j = doc(c->kind, c->period, c->values);
		cr_assert_eq(report_decode(j, strlen(j), &r, err, sizeof err), CB_OK, "%s: %s", c->name, err);
		enum cb_error got = report_validate(cat, &r, NOW, SHANGHAI, &p);
		cr_expect_eq(got, c->e, "%s: %s", c->name, cb_error_name(got));
		cr_expect_eq(p.error, got, "%s", c->name);
		cr_expect_eq(p.cmd, CMD_REPORT);
		cr_expect_eq(p.lang, LANG_EN);
		cr_expect_eq(p.group, 0);
		if (c->e != CB_OK) {
			cr_expect_str_eq(p.token, c->token, "%s", c->name);
			continue;
		}
		cr_expect_eq(p.period_given, c->period != NULL, "%s", c->name);
		cr_expect_str_eq(p.kind->code, c->kind, "%s", c->name);
		cr_assert_eq(p.nvalues, c->n, "%s", c->name);
		for (size_t k = 0; k < c->n; k++) {
			cr_expect_eq(p.values[k].v, c->v[k], "%s: value %zu", c->name, k);
			if (k > 0)
				cr_expect_lt(p.values[k - 1].field->index, p.values[k].field->index,
				    "%s: field order", c->name);
		}
	}
}

Test(report, validate_sets_field_on_value_errors)
{
	struct report r;
	struct parsed p;
	const char *j = doc("crops", NULL, "{'orchard':227.745}");

	cr_assert_eq(report_decode(j, strlen(j), &r, NULL, 0), CB_OK);
	cr_expect_eq(report_validate(cat, &r, NOW, SHANGHAI, &p), CB_BAD_VALUE);
	cr_expect_eq(p.field, kind_field(catalog_kind(cat, "crops"), "orchard"));
	cr_expect_eq(p.kind, catalog_kind(cat, "crops"));
}

/* Without a period, the report falls in the period that `now` falls in, in the area's time zone. */
Test(report, default_period_follows_time_zone)
{
	struct report r;
	struct parsed p;
	const char *j = doc("livestock", NULL, "{'cattle':1}");
	/* 2023-11-30T17:00Z is already December 1st in Shanghai. */
	int64_t now = at(2023, 11, 30, 17, 0, 0);

	cr_assert_eq(report_decode(j, strlen(j), &r, NULL, 0), CB_OK);
	cr_assert_eq(report_validate(cat, &r, now, SHANGHAI, &p), CB_OK);
	cr_expect_eq(p.period.year, 2023);
	cr_expect_eq(p.period.n, 12);
	cr_expect_not(p.period_given);
	cr_assert_eq(report_validate(cat, &r, now, 0, &p), CB_OK);
	cr_expect_eq(p.period.n, 11);

	j = doc("livestock", "2023-12", "{'cattle':1}");
	cr_assert_eq(report_decode(j, strlen(j), &r, NULL, 0), CB_OK);
	cr_expect_eq(report_validate(cat, &r, now, SHANGHAI, &p), CB_OK);
	cr_expect_eq(report_validate(cat, &r, now, 0, &p), CB_FUTURE_PERIOD, "still November in UTC");
}

/* A report built by hand (cunbao-bench) can repeat a field: validation still refuses it. */
Test(report, validate_duplicate_built_by_hand)
{
	struct report r = { 0 };
	struct parsed p;

	strcpy(r.id, "x");
	strcpy(r.source, "y");
	strcpy(r.kind, "livestock");
	strcpy(r.area, "a");
	r.nvalues = 2;
	strcpy(r.values[0].field, "cattle");
	strcpy(r.values[0].text, "1");
	strcpy(r.values[1].field, "cattle");
	strcpy(r.values[1].text, "2");
	cr_expect_eq(report_validate(cat, &r, NOW, SHANGHAI, &p), CB_DUPLICATE_FIELD);
	cr_expect_str_eq(p.token, "cattle");
}

Test(report, encode_exact)
{
	struct report r;
	char buf[CB_PAYLOAD_MAX];
	const char *in = "{'id':'app:5f0c','source':'app-7','kind':'livestock','area':'xinzhuang/hexi/g03',"
	    "'period':'2023-12','values':{'cattle':12,'pigs':40,'sheep':5},"
	    "'reporter':'+8613800000003','sent_at':'2023-12-05T08:30:00+08:00'}";
	const char *j = dq(in);

	cr_assert_eq(report_decode(j, strlen(j), &r, NULL, 0), CB_OK);
	size_t n = report_encode(&r, buf, sizeof buf);
	cr_assert_gt(n, 0);
	cr_expect_eq(strlen(buf), n);
	cr_expect_str_eq(buf, dq(in));
	cr_expect_eq(report_encode(&r, buf, 40), 0, "does not fit");
}

/* Whatever decodes, encodes to something that decodes to the same report. */
Test(report, encode_roundtrip)
{
	static const char *const values[] = {
		"{'orchard':227.74,'intercrop':'227.74','vegetables':'+5','subsidy':'.5'}",
		"{'passed':true,'cleared':'12.','cleaners':'合格'}",
		"{'a':1e300,'b':-0,'c':'0012','d':false,'e':'\\u00e9'}",
	};
	char buf[CB_PAYLOAD_MAX];

	for (size_t i = 0; i < NELEM(values); i++) {
		struct report r, back;
		const char *j = doc("crops", i == 0 ? "2023" : NULL, values[i]);
		cr_assert_eq(report_decode(j, strlen(j), &r, NULL, 0), CB_OK, "%s", values[i]);
		size_t n = report_encode(&r, buf, sizeof buf);
		cr_assert_gt(n, 0);
		char err[128] = "";
		cr_assert_eq(report_decode(buf, n, &back, err, sizeof err), CB_OK, "%s: %s", buf, err);
		cr_expect_eq(memcmp(&r, &back, sizeof r), 0, "%s", buf);
	}
}

/* The number text helpers behind exact values (jnum.h). */
struct huge_case {
	const char *s;
	unsigned digits;
	bool huge;
};

static const struct huge_case huge_cases[] = {
	{ "1e300", 18, true }, { "1e+999", 18, true }, { "-1e+999", 18, true },
	{ "99999999999999999999", 18, true }, { "999999999999999999", 18, false },
	{ "1000000000000000000", 18, true }, { "0.5e19", 18, true }, { "0.05e19", 18, false },
	{ "1e-30", 0, false }, { "0", 0, false }, { "0.000", 0, false }, { "1", 0, true },
	{ "0012", 2, false }, { "0012", 1, true }, { "+1e3", 3, true }, { ".5e1", 0, true },
	{ "1.", 0, true }, { "abc", 0, false }, { "1e", 0, false }, { "", 0, false },
	{ "-", 0, false }, { "1.2.3", 0, false }, { "1e5x", 0, false },
};

Test(report, jnum_is_huge_table)
{
	for (size_t i = 0; i < NELEM(huge_cases); i++)
		cr_expect_eq(jnum_is_huge(huge_cases[i].s, strlen(huge_cases[i].s), huge_cases[i].digits),
		    huge_cases[i].huge, "'%s' at %u", huge_cases[i].s, huge_cases[i].digits);
}

Test(report, jnum_text_edges)
{
	char buf[32];

	cr_expect_eq(jnum_text(NAN, buf, sizeof buf), 0, "NaN has no text");
	cr_expect_eq(jnum_text(227.74, buf, 6), 0, "does not fit");
	cr_expect_str_eq(buf, "");
	cr_expect_eq(jnum_text(227.74, buf, 7), 6);
	cr_expect_str_eq(buf, "227.74");
	cr_expect_gt(jnum_text(1.7976931348623157e308, buf, sizeof buf), 0);
	cr_expect_str_eq(buf, "1.7976931348623157e+308", "too long in plain notation");
	cr_expect_gt(jnum_text(5e-324, buf, sizeof buf), 0);
	cr_expect_str_eq(buf, "5e-324");
	cr_expect_gt(jnum_text(123456789.125, buf, sizeof buf), 0);
	cr_expect_str_eq(buf, "123456789.125");
}

/* report-apps: which entries are valid, and who may report where. */
static const struct {
	const char *apps;
	bool ok;
} apps_check_cases[] = {
	{ "", true }, { "   ", true },
	{ "app-7=xinzhuang/hexi", true },
	{ " app-7=xinzhuang/hexi,xinzhuang/dongpo\tsensor:3=xinzhuang/hexi/g03 ", true },
	{ "app-7", false }, { "=xinzhuang", false }, { "app 7=xinzhuang", false },
	{ "app-7=", false }, { "app-7=xinzhuang,", false }, { "app-7=,xinzhuang", false },
	{ "app-7=Xinzhuang", false }, { "app-7=a/b/c/d/e/f", false }, { "app/7=xinzhuang", false },
	{ "app-7=xinzhuang//hexi", false },
};

Test(report, apps_check)
{
	char err[256];

	for (size_t i = 0; i < NELEM(apps_check_cases); i++) {
		err[0] = '\0';
		cr_expect_eq(report_apps_check(apps_check_cases[i].apps, err, sizeof err), apps_check_cases[i].ok,
		    "'%s': %s", apps_check_cases[i].apps, err);
		if (!apps_check_cases[i].ok)
			cr_expect(err[0] != '\0', "'%s': no message", apps_check_cases[i].apps);
	}
}

static const struct {
	const char *source, *area;
	int want;
} apps_allow_cases[] = {
	{ "app-7", "xinzhuang/hexi/g01", 1 },
	{ "app-7", "xinzhuang/hexi", 1 },
	{ "app-7", "xinzhuang/dongpo/g02", 1 },
	{ "app-7", "xinzhuang/hexia/g01", 0 },	/* a prefix of a slug is not the area */
	{ "app-7", "xinzhuang", 0 },
	{ "app-7", "other/hexi/g01", 0 },
	{ "sensor:3", "xinzhuang/hexi/g03", 1 },
	{ "sensor:3", "xinzhuang/hexi/g02", 0 },
	{ "app-", "xinzhuang/hexi/g01", -1 },
	{ "app-77", "xinzhuang/hexi/g01", -1 },
	{ "nobody", "xinzhuang/hexi/g01", -1 },
};

Test(report, apps_allow)
{
	const char *apps = "app-7=xinzhuang/hexi,xinzhuang/dongpo sensor:3=xinzhuang/hexi/g03";

	cr_assert(report_apps_check(apps, NULL, 0));
	for (size_t i = 0; i < NELEM(apps_allow_cases); i++)
		cr_expect_eq(report_apps_allow(apps, apps_allow_cases[i].source, apps_allow_cases[i].area),
		    apps_allow_cases[i].want, "%s %s", apps_allow_cases[i].source, apps_allow_cases[i].area);
	cr_expect_eq(report_apps_allow("", "app-7", "xinzhuang"), -1);
	cr_expect_eq(report_apps_allow(NULL, "app-7", "xinzhuang"), -1);
}
