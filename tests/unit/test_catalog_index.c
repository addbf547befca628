/*
 * test_catalog_index.c — the catalog's word index (catalog_index_build,
 * catalog_words_at, catalog_word_find).
 *
 * A small catalog holds the awkward cases: words that are prefixes of
 * others (牛, 牛只, 牛只数; ls, lsx, livestock), words written full-width or
 * in capitals (stored folded), one word that is an alias in one kind and a
 * unit or keyword in another.  Generated catalogs add a run of 240 aliases
 * sharing one first character and ~1,900 distinct first characters (a hash
 * table with collisions).  Every answer of the index is also checked
 * against a brute-force walk over the kinds' word lists.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define ERR_MAX 8192
#define DOC_MAX (1 << 20)

/* JSON with single quotes for double quotes (see dq). */
static const char idx_doc[] =
    "{'version':1,'kinds':["
    "{'code':'ls','names':{'zh':'牲畜','en':'livestock'},'keywords':['ls','ＬＳＸ'],"
    "'period':'month','agg':'last','deadline':{'day':25,'hour':18,'remind_hours':24},"
    "'example':{'zh':'牲畜 牛12','en':'LS cattle 12'},'fields':["
    "{'code':'cattle','names':{'zh':'牛','en':'cattle'},'aliases':['牛只','COW'],"
    "'type':'count','units':['头','HEAD'],'max':1000},"
    "{'code':'pigs','names':{'zh':'猪','en':'pigs'},'aliases':['猪只','牛只数'],"
    "'type':'count','units':['头'],'max':1000},"
    "{'code':'checked','names':{'zh':'检查','en':'checked'},'type':'yesno','agg':'rate',"
    "'yes':['合格','ok'],'no':['不合格']}]},"
    "{'code':'road','names':{'zh':'道路','en':'road'},'keywords':['猪只'],"
    "'period':'day','agg':'sum','deadline':{'day':1,'hour':20,'remind_hours':0},"
    "'example':{'zh':'道路 硬化1020米','en':'ROAD 1020m'},'fields':["
    "{'code':'hardened','names':{'zh':'硬化','en':'hardened'},'type':'count',"
    "'units':['米','M','牛只'],'max':100000}]}]}";

/* A malloc'd copy of s with single quotes turned into double quotes. */
static char *
dq(const char *s)
{
	char *d = strdup(s);

	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

/* Loads JSON text that must load. */
static struct catalog *
load_ok(const char *json)
{
	char err[ERR_MAX];
	struct catalog *c = catalog_load(json, strlen(json), "index.json", err, sizeof err);

	cr_assert_not_null(c, "%s", err);
	return c;
}

static struct catalog *
idx_catalog(void)
{
	char *doc = dq(idx_doc);
	struct catalog *c = load_ok(doc);

	free(doc);
	return c;
}

/* Appends the UTF-8 form of code point cp to buf at *o. */
static void
put_cp(char *buf, size_t *o, int32_t cp)
{
	*o += utf8_put(cp, buf + *o);
}

/*
 * A catalog of nkinds kinds of 16 fields with nalias aliases each.  With
 * shared, every alias starts with 保 and goes on with (a % 3 + 1) copies of
 * one character of its own; otherwise each alias is one character of its
 * own.  Field names are characters no alias uses.
 */
static char *
gen_doc(size_t nkinds, size_t nalias, bool shared)
{
	char *d = malloc(DOC_MAX);
	size_t o = 0;
	int32_t next = 0x4E00;

	o += (size_t)sprintf(d + o, "{\"version\":1,\"kinds\":[");
	for (size_t k = 0; k < nkinds; k++) {
		o += (size_t)sprintf(d + o, "%s{\"code\":\"k%zu\",\"names\":{\"zh\":\"k%zu\","
		    "\"en\":\"k%zu\"},\"period\":\"month\",\"agg\":\"last\",\"deadline\":{\"day\":1,"
		    "\"hour\":1,\"remind_hours\":1},\"example\":{\"zh\":\"x\",\"en\":\"x\"},"
		    "\"fields\":[", k ? "," : "", k, k, k);
		for (size_t f = 0; f < 16; f++) {
			o += (size_t)sprintf(d + o, "%s{\"code\":\"f%zu\",\"names\":{\"zh\":\"", f ? "," : "", f);
			put_cp(d, &o, 0x9000 + (int32_t)(k * 16 + f));
			o += (size_t)sprintf(d + o, "\",\"en\":\"f%zu\"},\"type\":\"count\",\"max\":9,"
			    "\"aliases\":[", f);
			for (size_t a = 0; a < nalias; a++) {
				int32_t own = next++;
				o += (size_t)sprintf(d + o, "%s\"", a ? "," : "");
				if (shared)
					put_cp(d, &o, 0x4FDD);	/* 保 */
				for (size_t r = 0; r < (shared ? a % 3 + 1 : 1); r++)
					put_cp(d, &o, own);
				d[o++] = '"';
			}
			o += (size_t)sprintf(d + o, "]}");
		}
		o += (size_t)sprintf(d + o, "]}");
	}
	o += (size_t)sprintf(d + o, "]}");
	cr_assert_lt(o, (size_t)DOC_MAX);
	return d;
}

/* Calls fn on every word of every list of c (duplicates included). */
static void
each_word(const struct catalog *c, void (*fn)(const struct catalog *, const char *, void *),
    void *arg)
{
	for (size_t k = 0; k < c->nkinds; k++) {
		const struct kind *kd = &c->kinds[k];
		for (size_t w = 0; w < kd->keywords.n; w++)
			fn(c, kd->keywords.w[w], arg);
		for (size_t f = 0; f < kd->nfields; f++) {
			const struct field *fd = &kd->fields[f];
			const struct words *lists[] = { &fd->aliases, &fd->units, &fd->yes, &fd->no };
			for (size_t l = 0; l < NELEM(lists); l++)
				for (size_t w = 0; w < lists[l]->n; w++)
					fn(c, lists[l]->w[w], arg);
		}
	}
}

/* What the catalog says of word w by brute force, as the index must. */
struct brute {
	const struct kind *keyword_of;
	bool field, unit, any;
};

static bool
has(const struct words *ws, const char *w)
{
	for (size_t i = 0; i < ws->n; i++)
		if (strcmp(ws->w[i], w) == 0)
			return true;
	return false;
}

static struct brute
brute_of(const struct catalog *c, const char *w)
{
	struct brute b = { NULL, false, false, false };

	for (size_t k = 0; k < c->nkinds; k++) {
		const struct kind *kd = &c->kinds[k];
		if (b.keyword_of == NULL && has(&kd->keywords, w))
			b.keyword_of = kd;
		for (size_t f = 0; f < kd->nfields; f++) {
			const struct field *fd = &kd->fields[f];
			bool yn = has(&fd->yes, w) || has(&fd->no, w);
			b.field |= has(&fd->aliases, w) || (fd->type == FIELD_YESNO && yn);
			b.unit |= has(&fd->units, w);
			b.any |= has(&fd->aliases, w) || has(&fd->units, w) || yn;
		}
	}
	b.any |= b.keyword_of != NULL;
	return b;
}

/*
 * One stored word against the index: found, with what it names; its run
 * holds it, longest first, every word starting with its first character.
 */
static void
check_word(const struct catalog *c, const char *w, void *count)
{
	const struct catalog_word *cw = catalog_word_find(c, w, strlen(w));
	struct brute b = brute_of(c, w);
	size_t n, clen = 0, wl = strlen(w);

	cr_assert_not_null(cw, "'%s' not in the index", w);
	cr_expect_str_eq(cw->w, w);
	cr_expect_eq(cw->len, wl, "'%s'", w);
	cr_expect_eq(cw->keyword_of, b.keyword_of, "'%s': keyword_of", w);
	cr_expect_eq(cw->field, b.field, "'%s': field", w);
	cr_expect_eq(cw->unit, b.unit, "'%s': unit", w);
	utf8_next(w, wl, &clen);
	const struct catalog_word *run = catalog_words_at(c, w, wl, &n);
	cr_assert_not_null(run, "'%s': no run", w);
	cr_expect(cw >= run && cw < run + n, "'%s' outside its run", w);
	for (size_t k = 0; k < n; k++) {
		cr_expect(run[k].len >= clen && memcmp(run[k].w, w, clen) == 0,
		    "'%s' in the run of '%s'", run[k].w, w);
		if (k > 0)
			cr_expect_geq(run[k - 1].len, run[k].len, "'%s' before '%s'", run[k - 1].w,
			    run[k].w);
	}
	(*(size_t *)count)++;
}

/* Counts the distinct words of c by brute force: words never seen before. */
static void
count_distinct(const struct catalog *c, const char *w, void *arg)
{
	struct { const char *seen[4096]; size_t n; } *d = arg;

	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->seen[i], w) == 0)
			return;
	cr_assert_lt(d->n, NELEM(d->seen));
	d->seen[d->n++] = w;
}

/* Every word found as itself with what it names, and nothing counted twice. */
static void
check_whole_index(const struct catalog *c)
{
	static struct { const char *seen[4096]; size_t n; } d;
	size_t checked = 0;

	d.n = 0;
	each_word(c, check_word, &checked);
	each_word(c, count_distinct, &d);
	cr_expect_gt(checked, 0);
	cr_expect_eq(c->index.nwords, d.n, "one entry per distinct word");
}

Test(catalog_index, every_word_found_with_what_it_names)
{
	struct catalog *c = idx_catalog();

	check_whole_index(c);
	catalog_free(c);
}

/* Runs by first character: longest first. */
static const struct {
	const char *at;		/* folded text; the run of its first character */
	const char *want;	/* the run's words, space separated */
} run_cases[] = {
	{ "牛只数12", "牛只数 牛只 牛" },
	{ "牛", "牛只数 牛只 牛" },
	{ "lsx 3", "livestock lsx ls" },
	{ "head", "hardened head" },
	{ "c", "checked cattle cow" },
	{ "猪只", "猪只 猪" },
	{ "米", "米" },
	{ "不合格", "不合格" },
	{ "m", "m" },
	{ "鸡", "" },
	{ "x", "" },
	{ "1", "" },
	{ " ", "" },
};

Test(catalog_index, runs_longest_first)
{
	struct catalog *c = idx_catalog();
	char got[256];

	for (size_t i = 0; i < NELEM(run_cases); i++) {
		size_t n, o = 0;
		const struct catalog_word *run = catalog_words_at(c, run_cases[i].at,
		    strlen(run_cases[i].at), &n);
		got[0] = '\0';
		for (size_t k = 0; k < n; k++)
			o += (size_t)snprintf(got + o, sizeof got - o, "%s%s", k ? " " : "", run[k].w);
		cr_expect_str_eq(got, run_cases[i].want, "run of '%s'", run_cases[i].at);
		cr_expect_eq(run == NULL, n == 0, "'%s'", run_cases[i].at);
	}
	catalog_free(c);
}

/* Exact look-ups: what a word names across kinds, and what is no word. */
static const struct {
	const char *w;
	const char *keyword_of;	/* kind code or NULL */
	bool field, unit;
} find_cases[] = {
	{ "ls", "ls", false, false },
	{ "lsx", "ls", false, false },		/* stored folded from ＬＳＸ */
	{ "livestock", "ls", false, false },
	{ "牲畜", "ls", false, false },
	{ "牛", NULL, true, false },
	{ "牛只", NULL, true, true },		/* alias in ls, unit in road */
	{ "牛只数", NULL, true, false },
	{ "cow", NULL, true, false },		/* stored folded from COW */
	{ "头", NULL, false, true },
	{ "head", NULL, false, true },
	{ "猪只", "road", true, false },	/* alias in ls, keyword of road */
	{ "合格", NULL, true, false },		/* yes word of a yesno field */
	{ "ok", NULL, true, false },
	{ "不合格", NULL, true, false },
	{ "m", NULL, false, true },
	{ "道路", "road", false, false },
};

static const char *const not_words[] = {
	"牛只数数", "牛只数1", "l", "lsxx", "COW", "ＬＳＸ", "Ls", "牛 ", " 牛", "x", "鸡", "头头",
};

Test(catalog_index, find_exact)
{
	struct catalog *c = idx_catalog();

	for (size_t i = 0; i < NELEM(find_cases); i++) {
		const struct catalog_word *cw = catalog_word_find(c, find_cases[i].w,
		    strlen(find_cases[i].w));
		cr_assert_not_null(cw, "'%s'", find_cases[i].w);
		cr_expect_str_eq(cw->keyword_of ? cw->keyword_of->code : "(none)",
		    find_cases[i].keyword_of ? find_cases[i].keyword_of : "(none)", "'%s'",
		    find_cases[i].w);
		cr_expect_eq(cw->field, find_cases[i].field, "'%s': field", find_cases[i].w);
		cr_expect_eq(cw->unit, find_cases[i].unit, "'%s': unit", find_cases[i].w);
	}
	for (size_t i = 0; i < NELEM(not_words); i++)
		cr_expect_null(catalog_word_find(c, not_words[i], strlen(not_words[i])), "'%s'",
		    not_words[i]);
	/* A length is a length: "牛只" is found within "牛只数", and "" is nothing. */
	cr_expect_not_null(catalog_word_find(c, "牛只数", strlen("牛只")));
	cr_expect_null(catalog_word_find(c, "牛", 0));
	catalog_free(c);
}

/* The folding look-ups of catalog.h go through the index: case and full width. */
Test(catalog_index, keyword_lookup_folds)
{
	struct catalog *c = idx_catalog();
	static const char *const ls[] = { "ls", "LS", "ＬＳ", "ｌｓ", "LSX", "ＬＳＸ", "lSx", "LiveStock" };

	for (size_t i = 0; i < NELEM(ls); i++)
		cr_expect_eq(catalog_kind_by_keyword(c, ls[i], strlen(ls[i])), &c->kinds[0], "'%s'",
		    ls[i]);
	cr_expect_eq(catalog_kind_by_keyword(c, "猪只", strlen("猪只")), &c->kinds[1]);
	cr_expect_null(catalog_kind_by_keyword(c, "ＬＳＸＸ", strlen("ＬＳＸＸ")));
	cr_expect_null(catalog_kind_by_keyword(c, "牛", strlen("牛")), "an alias, not a keyword");
	cr_expect_null(catalog_kind_by_keyword(c, "", 0));
	catalog_free(c);
}

/* 240 aliases share their first character: one long run, each still found. */
Test(catalog_index, many_aliases_sharing_a_first_character)
{
	char *doc = gen_doc(1, 15, true);
	struct catalog *c = load_ok(doc);
	size_t n;

	free(doc);
	const struct catalog_word *run = catalog_words_at(c, "保", strlen("保"), &n);
	cr_assert_eq(n, 16 * 15, "every alias starts with 保");
	cr_expect_eq(run[0].len, strlen("保") + 3 * strlen("一"), "the longest first");
	cr_expect_eq(run[n - 1].len, strlen("保一"), "the shortest last");
	check_whole_index(c);
	for (size_t f = 0; f < c->kinds[0].nfields; f++)
		for (size_t a = 0; a < c->kinds[0].fields[f].aliases.n; a++) {
			const char *w = c->kinds[0].fields[f].aliases.w[a];
			cr_expect_eq(kind_field_by_alias(&c->kinds[0], w, strlen(w)),
			    &c->kinds[0].fields[f], "'%s'", w);
		}
	catalog_free(c);
}

/* Some 1,900 first characters: a table with collisions, every word found. */
Test(catalog_index, many_first_characters)
{
	char *doc = gen_doc(8, 15, false);
	struct catalog *c = load_ok(doc);
	char absent[8];
	size_t o = 0, n;

	free(doc);
	cr_expect_geq(c->index.nwords, 8 * 16 * 15);
	cr_expect_geq(c->index.nslots, 2 * 8 * 16 * 15, "at least twice the characters");
	cr_expect_eq(c->index.nslots & (c->index.nslots - 1), 0, "a power of two");
	check_whole_index(c);
	put_cp(absent, &o, 0x4E00 + 8 * 16 * 15);
	cr_expect_null(catalog_words_at(c, absent, o, &n), "past the last alias");
	cr_expect_eq(n, 0);
	catalog_free(c);
}

/*
 * Building again gives the same index, and takes in words changed by hand.
 * A yes word on a field that is not yesno (the loader refuses one) is a
 * word of the catalog that names no field.  An empty catalog has an empty
 * index.
 */
Test(catalog_index, rebuild_and_empty)
{
	struct catalog *c = idx_catalog();
	size_t nwords = c->index.nwords, n;
	struct field *cattle = &c->kinds[0].fields[0];
	const struct catalog_word *cw;

	cr_expect(catalog_index_build(c));
	cr_expect_eq(c->index.nwords, nwords);
	check_whole_index(c);
	cr_expect_null(catalog_word_find(c, "真的", strlen("真的")));
	strcpy(cattle->yes.w[cattle->yes.n++], "真的");
	strcpy(cattle->aliases.w[cattle->aliases.n++], "黄牛");
	cr_expect(catalog_index_build(c));
	cr_expect_eq(c->index.nwords, nwords + 2);
	cw = catalog_word_find(c, "真的", strlen("真的"));
	cr_assert_not_null(cw);
	cr_expect_not(cw->field, "a yes word of a count field names nothing");
	cr_expect_not(cw->unit);
	cw = catalog_word_find(c, "黄牛", strlen("黄牛"));
	cr_assert_not_null(cw);
	cr_expect(cw->field);
	catalog_free(c);

	struct catalog *e = calloc(1, sizeof *e);
	cr_expect_null(catalog_words_at(e, "牛", strlen("牛"), &n));
	cr_expect_eq(n, 0);
	cr_expect_null(catalog_word_find(e, "牛", strlen("牛")));
	cr_expect(catalog_index_build(e));
	cr_expect_eq(e->index.nwords, 0);
	cr_expect_null(catalog_word_find(e, "牛", strlen("牛")));
	catalog_free(e);
}

Test(catalog_index, tolerates_null_and_empty)
{
	struct catalog *c = idx_catalog();
	size_t n = 99;

	cr_expect_null(catalog_words_at(NULL, "牛", strlen("牛"), &n));
	cr_expect_eq(n, 0);
	cr_expect_null(catalog_words_at(c, "牛", 0, &n));
	cr_expect_null(catalog_words_at(c, NULL, 3, &n));
	cr_expect_null(catalog_word_find(NULL, "ls", 2));
	cr_expect_null(catalog_words_at(c, "\0ls", 3, &n), "no word starts with NUL");
	/* A character cut short matches nothing longer than what is there. */
	cr_expect_null(catalog_words_at(c, "牛", 2, &n));
	catalog_free(c);
}

/* The shipped catalog: every word in, as brute force says. */
Test(catalog_index, shipped_catalog)
{
	static char text[1 << 20];
	char path[512], err[ERR_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "%s/schema/catalog.json", CUNBAO_SOURCE_DIR);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	n = fread(text, 1, sizeof text, f);
	fclose(f);
	struct catalog *c = catalog_load(text, n, path, err, sizeof err);
	cr_assert_not_null(c, "%s", err);
	check_whole_index(c);
	catalog_free(c);
}
