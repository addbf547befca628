/*
 * test_rollup.c — rollup arithmetic for every aggregation, combining
 * children into parents and back, overflow refusal, and the exact payloads.
 */
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "rollup.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct field
mkfield(const char *code, enum field_type type, unsigned scale, enum agg agg)
{
	struct field f;

	memset(&f, 0, sizeof f);
	strcpy(f.code, code);
	f.type = type;
	f.scale = scale;
	f.agg = agg;
	return f;
}

/* A kind of one field per aggregation, plus the livestock kind of schema/catalog.json. */
static struct kind
mixed_kind(void)
{
	struct kind k;

	memset(&k, 0, sizeof k);
	strcpy(k.code, "mixed");
	k.fields[0] = mkfield("stock", FIELD_DECIMAL, 2, AGG_LAST);
	k.fields[1] = mkfield("metres", FIELD_DECIMAL, 1, AGG_SUM);
	k.fields[2] = mkfield("attendance", FIELD_COUNT, 0, AGG_AVG);
	k.fields[3] = mkfield("peak", FIELD_COUNT, 0, AGG_MAX);
	k.fields[4] = mkfield("passed", FIELD_YESNO, 0, AGG_RATE);
	k.nfields = 5;
	for (size_t i = 0; i < k.nfields; i++)
		k.fields[i].index = i;
	return k;
}

static struct kind
livestock_kind(void)
{
	struct kind k;

	memset(&k, 0, sizeof k);
	strcpy(k.code, "livestock");
	k.fields[0] = mkfield("cattle", FIELD_COUNT, 0, AGG_LAST);
	k.fields[1] = mkfield("pigs", FIELD_COUNT, 0, AGG_LAST);
	k.fields[2] = mkfield("sheep", FIELD_COUNT, 0, AGG_LAST);
	k.nfields = 3;
	return k;
}

static void
expect_state(const struct rollup_state *s, int64_t sum, int64_t count, int64_t max,
    int64_t last, int64_t yes, const char *what)
{
	cr_expect_eq(s->sum, sum, "%s: sum %lld", what, (long long)s->sum);
	cr_expect_eq(s->count, count, "%s: count %lld", what, (long long)s->count);
	cr_expect_eq(s->max, max, "%s: max %lld", what, (long long)s->max);
	cr_expect_eq(s->last, last, "%s: last %lld", what, (long long)s->last);
	cr_expect_eq(s->yes, yes, "%s: yes %lld", what, (long long)s->yes);
}

static const struct {
	const char *name;
	int64_t values[6];
	size_t n;
	struct rollup_state want;	/* sum, count, max, last, yes */
} apply_cases[] = {
	{ "one", { 12 }, 1, { 12, 1, 12, 12, 1 } },
	{ "stock then correction", { 12, 15, 14 }, 3, { 41, 3, 15, 14, 3 } },
	{ "negative max", { -5, -3, -9 }, 3, { -17, 3, -3, -9, 3 } },
	{ "zero counts but is no yes", { 0, 0, 1 }, 3, { 1, 3, 1, 1, 1 } },
	{ "yes/no", { 1, 0, 1, 1 }, 4, { 3, 4, 1, 1, 3 } },
	{ "tenths", { 1, 2 }, 2, { 3, 2, 2, 2, 2 } },
	{ "edges", { INT64_MAX, INT64_MIN }, 2, { -1, 2, INT64_MAX, INT64_MIN, 2 } },
};

Test(rollup, apply)
{
	for (size_t i = 0; i < NELEM(apply_cases); i++) {
		struct rollup_state s = { 0 };
		const struct rollup_state *w = &apply_cases[i].want;

		for (size_t j = 0; j < apply_cases[i].n; j++)
			cr_assert(rollup_apply(&s, apply_cases[i].values[j]), "%s", apply_cases[i].name);
		expect_state(&s, w->sum, w->count, w->max, w->last, w->yes, apply_cases[i].name);
	}
}

/* An update that would overflow returns false and leaves every member as it was. */
Test(rollup, overflow_refused_state_unchanged)
{
	static const struct rollup_state starts[] = {
		{ INT64_MAX, 1, INT64_MAX, INT64_MAX, 1 },
		{ 0, INT64_MAX, 5, 5, 0 },
		{ 0, 3, 5, 5, INT64_MAX },
	};
	static const int64_t adds[] = { 1, 0, 1 };

	for (size_t i = 0; i < NELEM(starts); i++) {
		struct rollup_state s = starts[i];

		cr_expect_not(rollup_apply(&s, adds[i]), "apply case %zu", i);
		cr_expect_eq(memcmp(&s, &starts[i], sizeof s), 0, "apply case %zu changed", i);
	}

	struct rollup_state parent = { 10, 2, 7, INT64_MAX - 1, 1 };
	struct rollup_state before = parent;
	struct rollup_state child = { 1, 1, 9, 2, 1 };
	cr_expect_not(rollup_combine(&parent, &child));	/* last overflows, others would not */
	cr_expect_eq(memcmp(&parent, &before, sizeof parent), 0, "combine changed");

	struct rollup_state low = { INT64_MIN, 2, 0, 0, 0 };
	struct rollup_state low_before = low;
	struct rollup_state pos = { 1, 1, 1, 0, 0 };
	cr_expect_not(rollup_uncombine(&low, &pos));
	cr_expect_eq(memcmp(&low, &low_before, sizeof low), 0, "uncombine changed");

	struct rollup_state small = { 5, 1, 5, 5, 1 };
	struct rollup_state small_before = small;
	struct rollup_state big = { 5, 2, 5, 5, 1 };
	cr_expect_not(rollup_uncombine(&small, &big), "more values out than in");
	cr_expect_eq(memcmp(&small, &small_before, sizeof small), 0, "uncombine changed");
}

Test(rollup, combine_children)
{
	struct rollup_state g1 = { 0 }, g2 = { 0 }, g3 = { 0 }, village = { 0 };

	rollup_apply(&g1, 12);	/* cattle: g1 reports 12, corrects to 15 */
	rollup_apply(&g1, 15);
	rollup_apply(&g2, 40);
	/* g3 has not reported: its empty cell changes nothing. */
	cr_assert(rollup_combine(&village, &g1));
	cr_assert(rollup_combine(&village, &g2));
	cr_assert(rollup_combine(&village, &g3));
	expect_state(&village, 67, 3, 40, 55, 3, "village");

	/* Negative children: max must come from the children, not the empty 0. */
	struct rollup_state n1 = { 0 }, n2 = { 0 }, np = { 0 };
	rollup_apply(&n1, -4);
	rollup_apply(&n2, -2);
	cr_assert(rollup_combine(&np, &n1));
	cr_assert(rollup_combine(&np, &n2));
	expect_state(&np, -6, 2, -2, -6, 2, "negative");

	/* Parents combine into grandparents the same way. */
	struct rollup_state town = { 0 };
	cr_assert(rollup_combine(&town, &village));
	cr_assert(rollup_combine(&town, &np));
	expect_state(&town, 61, 5, 40, 49, 5, "town");
}

Test(rollup, uncombine_is_inverse)
{
	struct rollup_state g1 = { 0 }, g2 = { 0 }, g1_new = { 0 }, v = { 0 };

	rollup_apply(&g1, 12);
	rollup_apply(&g2, 40);
	rollup_combine(&v, &g1);
	rollup_combine(&v, &g2);

	/* g1 corrects its report: take the old cell out, put the new one in. */
	rollup_apply(&g1_new, 20);
	cr_assert(rollup_uncombine(&v, &g1));
	expect_state(&v, 40, 1, 40, 40, 1, "without g1");
	cr_assert(rollup_combine(&v, &g1_new));
	expect_state(&v, 60, 2, 40, 60, 2, "with new g1");

	/* Emptied completely: back to zero. */
	cr_assert(rollup_uncombine(&v, &g1_new));
	cr_assert(rollup_uncombine(&v, &g2));
	expect_state(&v, 0, 0, 0, 0, 0, "empty");
}

static const struct {
	const char *name;
	struct rollup_state s;
	enum agg agg;
	unsigned field_scale;
	bool ok;
	int64_t v;
	unsigned scale;
} value_cases[] = {
	{ "last", { 41, 3, 15, 14, 3 }, AGG_LAST, 0, true, 14, 0 },
	{ "sum", { 41, 3, 15, 14, 3 }, AGG_SUM, 0, true, 41, 0 },
	{ "max", { 41, 3, 15, 14, 3 }, AGG_MAX, 0, true, 15, 0 },
	{ "sum decimal", { 22774, 2, 20000, 2774, 2 }, AGG_SUM, 2, true, 22774, 2 },
	{ "avg exact", { 40, 4, 13, 7, 4 }, AGG_AVG, 0, true, 1000, 2 },
	{ "avg 7.625 up", { 61, 8, 9, 7, 8 }, AGG_AVG, 0, true, 763, 2 },
	{ "avg 1/3", { 1, 3, 1, 0, 1 }, AGG_AVG, 0, true, 33, 2 },
	{ "avg 2/3", { 2, 3, 1, 1, 2 }, AGG_AVG, 0, true, 67, 2 },
	{ "avg negative half", { -1, 8, 0, 0, 1 }, AGG_AVG, 0, true, -13, 2 },
	{ "avg decimal scale", { 22774, 3, 9000, 2774, 3 }, AGG_AVG, 2, true, 759133, 4 },
	{ "rate 3/4", { 3, 4, 1, 1, 3 }, AGG_RATE, 0, true, 7500, 4 },
	{ "rate 2/3", { 2, 3, 1, 1, 2 }, AGG_RATE, 0, true, 6667, 4 },
	{ "rate 1/8", { 1, 8, 1, 0, 1 }, AGG_RATE, 0, true, 1250, 4 },
	{ "rate 1/16 half up", { 1, 16, 1, 0, 1 }, AGG_RATE, 0, true, 625, 4 },
	{ "rate 1/32 half up", { 1, 32, 1, 0, 1 }, AGG_RATE, 0, true, 313, 4 },
	{ "rate none", { 0, 5, 0, 0, 0 }, AGG_RATE, 0, true, 0, 4 },
	{ "rate all", { 5, 5, 1, 1, 5 }, AGG_RATE, 0, true, 10000, 4 },
	{ "nothing reported", { 0, 0, 0, 0, 0 }, AGG_SUM, 0, false, 0, 0 },
	{ "nothing to average", { 0, 0, 0, 0, 0 }, AGG_AVG, 0, false, 0, 0 },
	{ "avg overflow", { INT64_MAX, 1, 0, 0, 0 }, AGG_AVG, 0, false, 0, 0 },
	{ "bad agg", { 1, 1, 1, 1, 1 }, (enum agg)42, 0, false, 0, 0 },
};

Test(rollup, value)
{
	for (size_t i = 0; i < NELEM(value_cases); i++) {
		struct field f = mkfield("f", FIELD_COUNT, value_cases[i].field_scale,
		    value_cases[i].agg);
		int64_t v = 777;
		unsigned scale = 99;

		cr_expect_eq(rollup_value(&value_cases[i].s, &f, &v, &scale), value_cases[i].ok,
		    "%s", value_cases[i].name);
		if (!value_cases[i].ok)
			continue;
		cr_expect_eq(v, value_cases[i].v, "%s: %lld", value_cases[i].name, (long long)v);
		cr_expect_eq(scale, value_cases[i].scale, "%s: scale %u", value_cases[i].name, scale);
	}
}

/* Parses the payload with cJSON: what we write must be JSON. */
static void
expect_json(const char *buf)
{
	cJSON *j = cJSON_Parse(buf);

	cr_expect_not_null(j, "not JSON: %s", buf);
	cJSON_Delete(j);
}

Test(rollup, encode_livestock_golden)
{
	struct kind k = livestock_kind();
	struct rollup_state st[3] = { { 0 } };
	static const int64_t groups[][3] = {
		{ 10, 50, 20 }, { 8, 60, 18 }, { 9, 48, 15 }, { 7, 52, 16 },
		{ 6, 58, 14 }, { 12, 70, 20 }, { 9, 60, 15 },
	};
	char buf[CB_PAYLOAD_MAX];

	/* Seven groups, one cell each, combined into the village. */
	for (size_t g = 0; g < NELEM(groups); g++) {
		for (size_t f = 0; f < 3; f++) {
			struct rollup_state cell = { 0 };

			cr_assert(rollup_apply(&cell, groups[g][f]));
			cr_assert(rollup_combine(&st[f], &cell));
		}
	}
	size_t n = rollup_encode("xinzhuang/hexi", &k, "2023-12", st, 7, 8,
	    "2023-12-05T08:30:00+08:00", buf, sizeof buf);
	const char *want = "{\"area\":\"xinzhuang/hexi\",\"kind\":\"livestock\",\"period\":\"2023-12\","
	    "\"values\":{\"cattle\":61,\"pigs\":398,\"sheep\":118},\"reported\":7,\"expected\":8,"
	    "\"updated_at\":\"2023-12-05T08:30:00+08:00\",\"def\":\"";
	const char *terms = ",\"terms\":{\"cattle\":{\"agg\":\"last\",\"num\":\"61\",\"den\":7},"
	    "\"pigs\":{\"agg\":\"last\",\"num\":\"398\",\"den\":7},"
	    "\"sheep\":{\"agg\":\"last\",\"num\":\"118\",\"den\":7}}}";
	/* The members before the federation's, then "def" (8 hex digits) and the terms. */
	cr_expect(strncmp(buf, want, strlen(want)) == 0, "%s", buf);
	cr_expect_str_eq(buf + strlen(want) + 9, terms);
	cr_expect_eq(n, strlen(want) + 9 + strlen(terms));
	expect_json(buf);
}

Test(rollup, encode_every_aggregation)
{
	struct kind k = mixed_kind();
	struct rollup_state st[5] = { { 0 } };
	char buf[CB_PAYLOAD_MAX];

	rollup_apply(&st[0], 22774);	/* stock 227.74 */
	rollup_apply(&st[1], 1);	/* metres 0.1 + 0.2 */
	rollup_apply(&st[1], 2);
	rollup_apply(&st[2], 7);	/* attendance avg of 7, 8, 8 = 7.67 */
	rollup_apply(&st[2], 8);
	rollup_apply(&st[2], 8);
	/* peak: nothing reported, so left out */
	rollup_apply(&st[4], 1);	/* passed 3 of 4 */
	rollup_apply(&st[4], 1);
	rollup_apply(&st[4], 0);
	rollup_apply(&st[4], 1);
	size_t n = rollup_encode("xinzhuang/hexi/g03", &k, "2023-W48", st, 1, 1,
	    "2023-11-28T10:00:00+08:00", buf, sizeof buf);
	const char *want = "{\"area\":\"xinzhuang/hexi/g03\",\"kind\":\"mixed\",\"period\":\"2023-W48\","
	    "\"values\":{\"stock\":227.74,\"metres\":0.3,\"attendance\":7.67,\"passed\":0.75},"
	    "\"reported\":1,\"expected\":1,\"updated_at\":\"2023-11-28T10:00:00+08:00\",\"def\":\"";
	/* Numerators and denominators: avg its sum and count, rate its yes and count. */
	const char *terms = ",\"terms\":{\"stock\":{\"agg\":\"last\",\"num\":\"227.74\",\"den\":1},"
	    "\"metres\":{\"agg\":\"sum\",\"num\":\"0.3\",\"den\":2},"
	    "\"attendance\":{\"agg\":\"avg\",\"num\":\"23\",\"den\":3},"
	    "\"passed\":{\"agg\":\"rate\",\"num\":\"3\",\"den\":4}}}";
	cr_expect(strncmp(buf, want, strlen(want)) == 0, "%s", buf);
	cr_expect_str_eq(buf + strlen(want) + 9, terms);
	cr_expect_eq(n, strlen(want) + 9 + strlen(terms));
	expect_json(buf);
}

Test(rollup, encode_empty_and_failures)
{
	struct kind k = livestock_kind();
	struct rollup_state st[3] = { { 0 } };
	char buf[CB_PAYLOAD_MAX];

	size_t n = rollup_encode("a", &k, "2023", st, 0, 8, "t", buf, sizeof buf);
	cr_expect(strncmp(buf, "{\"area\":\"a\",\"kind\":\"livestock\",\"period\":\"2023\","
	    "\"values\":{},\"reported\":0,\"expected\":8,\"updated_at\":\"t\",\"def\":", 108) == 0, "%s", buf);
	cr_expect(strstr(buf, "\"terms\":{}}") != NULL, "%s", buf);
	cr_expect_gt(n, 0);

	/* Too small a buffer: 0 and an empty string, never a cut payload. */
	cr_expect_eq(rollup_encode("a", &k, "2023", st, 0, 8, "t", buf, n), 0);
	cr_expect_str_eq(buf, "");
	cr_expect_eq(rollup_encode("a", &k, "2023", st, 0, 8, "t", buf, n + 1), n);

	/* An average that cannot be computed fails the payload. */
	struct kind m = mixed_kind();
	struct rollup_state ms[5] = { { 0 } };
	ms[2] = (struct rollup_state){ INT64_MAX, 1, 0, 0, 0 };
	cr_expect_eq(rollup_encode("a", &m, "2023", ms, 1, 1, "t", buf, sizeof buf), 0);
	cr_expect_str_eq(buf, "");
}

Test(rollup, completeness_golden)
{
	static const char *const reported[] = { "g01", "g02", "g03" };
	static const char *const missing[] = { "g04" };
	char buf[CB_PAYLOAD_MAX];

	size_t n = completeness_encode("xinzhuang/hexi", "livestock", "2023-12", reported, 3,
	    missing, 1, "2023-12-05T08:30:00+08:00", buf, sizeof buf);
	const char *want = "{\"area\":\"xinzhuang/hexi\",\"kind\":\"livestock\",\"period\":\"2023-12\","
	    "\"expected\":4,\"reported\":[\"g01\",\"g02\",\"g03\"],\"missing\":[\"g04\"],"
	    "\"updated_at\":\"2023-12-05T08:30:00+08:00\"}";
	cr_expect_str_eq(buf, want);
	cr_expect_eq(n, strlen(want));
	expect_json(buf);

	n = completeness_encode("x", "k", "2023", NULL, 0, NULL, 0, "t", buf, sizeof buf);
	cr_expect_str_eq(buf, "{\"area\":\"x\",\"kind\":\"k\",\"period\":\"2023\",\"expected\":0,"
	    "\"reported\":[],\"missing\":[],\"updated_at\":\"t\"}");
	cr_expect_eq(completeness_encode("x", "k", "2023", reported, 3, missing, 1, "t", buf, 20), 0);
	cr_expect_str_eq(buf, "");
}

/* ---- federation: terms, merging children, reading a child's rollup back ---- */

#include "../fed_catalog.h"

static struct catalog *
fed_cat(const char *text)
{
	char err[1024];
	struct catalog *c = catalog_load(text, strlen(text), "fed", err, sizeof err);

	cr_assert_not_null(c, "%s", err);
	return c;
}

/*
 * Two children with different numbers of values per field: the parent read
 * back from their payloads equals the parent computed from every value, for
 * every aggregation (avg weighted by count, rate by its denominator, not an
 * average of the children's figures).
 */
Test(rollup_fed, merge_children_through_payloads_every_aggregation)
{
	struct catalog *cat = fed_cat(fed_catalog);
	const struct kind *k = catalog_kind(cat, "mixed");
	/* values per field per child; -1 ends a list */
	static const int64_t a[5][6] = { { 1000, 250, -1 }, { 15, 5, 1, -1 }, { 10, 20, -1 },
		{ 7, 3, -1 }, { 1, -1 } };
	static const int64_t b[5][6] = { { 33, -1 }, { 2, -1 }, { 3, 3, 3, 4, -1 }, { 9, 1, 2, -1 },
		{ 0, 0, 1, -1 } };
	struct rollup_state sa[5] = { { 0 } }, sb[5] = { { 0 } }, all[5] = { { 0 } }, parent[5] = { { 0 } };
	struct rollup_in in;
	char buf[CB_PAYLOAD_MAX], err[256];

	for (size_t f = 0; f < 5; f++) {
		for (size_t i = 0; a[f][i] >= 0; i++) {
			struct rollup_state g = { 0 };	/* one group per value */
			cr_assert(rollup_apply(&g, a[f][i]));
			cr_assert(rollup_combine(&sa[f], &g));
			cr_assert(rollup_combine(&all[f], &g));
		}
		for (size_t i = 0; b[f][i] >= 0; i++) {
			struct rollup_state g = { 0 };
			cr_assert(rollup_apply(&g, b[f][i]));
			cr_assert(rollup_combine(&sb[f], &g));
			cr_assert(rollup_combine(&all[f], &g));
		}
	}
	const struct rollup_state *children[] = { sa, sb };
	for (size_t c = 0; c < 2; c++) {
		size_t n = rollup_encode_seq(c ? "county-b" : "county-a", k, "2023-12", children[c], 3, 4,
		    "2023-12-05T08:30:00+08:00", 17 + (int64_t)c, buf, sizeof buf);
		cr_assert_gt(n, 0);
		cr_assert_eq(rollup_decode(buf, n, cat, &in, err, sizeof err), CB_OK, "%s: %s", buf, err);
		cr_expect_eq(in.seq, 17 + (int64_t)c);
		cr_expect_eq(in.reported, 3);
		cr_expect_eq(in.expected, 4);
		cr_assert(rollup_merge(k, parent, in.st));
	}
	for (size_t f = 0; f < 5; f++) {
		int64_t want, got;
		unsigned ws, gs;

		cr_assert(rollup_value(&all[f], &k->fields[f], &want, &ws));
		cr_assert(rollup_value(&parent[f], &k->fields[f], &got, &gs));
		cr_expect_eq(got, want, "%s: %lld, want %lld", k->fields[f].code, (long long)got, (long long)want);
		cr_expect_eq(gs, ws);
	}
	/* Spelled out: attendance (10+20+3+3+3+4)/6 = 7.17, not (15+3.25)/2; passed 2 of 4. */
	int64_t v;
	unsigned sc;
	cr_assert(rollup_value(&parent[2], &k->fields[2], &v, &sc));
	cr_expect_eq(v, 717);
	cr_assert(rollup_value(&parent[4], &k->fields[4], &v, &sc));
	cr_expect_eq(v, 5000);
	cr_assert(rollup_value(&parent[3], &k->fields[3], &v, &sc));
	cr_expect_eq(v, 9);
	cr_assert(rollup_value(&parent[0], &k->fields[0], &v, &sc));
	cr_expect_eq(v, 1283);	/* the sum of every group's latest stock: 10.00 + 2.50 + 0.33 */
	catalog_free(cat);
}

Test(rollup_fed, merge_overflow_changes_nothing)
{
	struct catalog *cat = fed_cat(fed_catalog);
	const struct kind *k = catalog_kind(cat, "mixed");
	struct rollup_state p[5] = { { 0 } }, c[5] = { { 0 } }, before[5];

	rollup_apply(&p[0], 5);
	rollup_apply(&p[1], INT64_MAX - 1);
	rollup_apply(&c[0], 5);
	rollup_apply(&c[1], 5);
	memcpy(before, p, sizeof p);
	cr_expect_not(rollup_merge(k, p, c));
	cr_expect(memcmp(before, p, sizeof p) == 0);
	catalog_free(cat);
}

Test(rollup_fed, terms_round_trip_and_refusals)
{
	struct field f = mkfield("passed", FIELD_YESNO, 0, AGG_RATE);
	struct rollup_state s;

	cr_expect_not(rollup_from_terms(&f, 5, 4, &s));	/* more yes than answers */
	cr_expect_not(rollup_from_terms(&f, 1, 0, &s));	/* no denominator */
	cr_expect(rollup_from_terms(&f, 3, 4, &s));
	cr_expect_eq(s.yes, 3);
	cr_expect_eq(s.count, 4);
}

/* What a child whose catalog differs sends is refused, naming the kind and the field. */
Test(rollup_fed, decode_refuses_another_catalog)
{
	struct catalog *cat = fed_cat(fed_catalog);
	const struct kind *k = catalog_kind(cat, "mixed");
	struct rollup_in in;
	char err[256], buf[CB_PAYLOAD_MAX], def[12];
	static const char *const head = "{\"area\":\"county-a\",\"kind\":\"mixed\",\"period\":\"2023-12\","
	    "\"reported\":1,\"expected\":1,\"updated_at\":\"2023-12-05T08:30:00+08:00\",";

	snprintf(def, sizeof def, "%08x", (unsigned)rollup_kind_def(k));
	/* Another aggregation for attendance. */
	snprintf(buf, sizeof buf, "%s\"def\":\"%s\",\"values\":{\"attendance\":7},"
	    "\"terms\":{\"attendance\":{\"agg\":\"max\",\"num\":\"7\",\"den\":1}}}", head, def);
	cr_expect_eq(rollup_decode(buf, strlen(buf), cat, &in, err, sizeof err), CB_UNKNOWN_FIELD);
	cr_expect(in.mismatch);
	cr_expect_str_eq(in.field, "attendance");
	cr_expect(strstr(err, "aggregation max, ours is avg") != NULL, "%s", err);
	/* A field we lack. */
	snprintf(buf, sizeof buf, "%s\"values\":{\"goats\":7},\"terms\":{}}", head);
	cr_expect_eq(rollup_decode(buf, strlen(buf), cat, &in, err, sizeof err), CB_UNKNOWN_FIELD);
	cr_expect_str_eq(in.field, "goats");
	/* A kind we lack. */
	snprintf(buf, sizeof buf, "{\"area\":\"county-a\",\"kind\":\"other\",\"period\":\"2023-12\","
	    "\"values\":{},\"reported\":0,\"expected\":1,\"updated_at\":\"t\"}");
	cr_expect_eq(rollup_decode(buf, strlen(buf), cat, &in, err, sizeof err), CB_UNKNOWN_KIND);
	cr_expect(in.mismatch);
	cr_expect_str_eq(in.field, "");
	/* Another definition (a scale changed) though the terms look alike. */
	snprintf(buf, sizeof buf, "%s\"def\":\"00000000\",\"values\":{},\"terms\":{}}", head);
	cr_expect_eq(rollup_decode(buf, strlen(buf), cat, &in, err, sizeof err), CB_UNKNOWN_KIND);
	cr_expect(in.mismatch);
	/* A publisher without terms (older than federation). */
	snprintf(buf, sizeof buf, "%s\"values\":{\"peak\":3}}", head);
	cr_expect_eq(rollup_decode(buf, strlen(buf), cat, &in, err, sizeof err), CB_UNKNOWN_FIELD);
	cr_expect_str_eq(in.field, "peak");
	/* Malformed, not a mismatch: more decimals than the scale, a bad period. */
	snprintf(buf, sizeof buf, "%s\"values\":{\"stock\":1},\"terms\":{\"stock\":{\"agg\":\"last\","
	    "\"num\":\"1.001\",\"den\":1}}}", head);
	cr_expect_eq(rollup_decode(buf, strlen(buf), cat, &in, err, sizeof err), CB_BAD_VALUE);
	cr_expect_not(in.mismatch);
	snprintf(buf, sizeof buf, "{\"area\":\"county-a\",\"kind\":\"mixed\",\"period\":\"2023-W01\","
	    "\"values\":{},\"reported\":0,\"expected\":1,\"updated_at\":\"t\"}");
	cr_expect_eq(rollup_decode(buf, strlen(buf), cat, &in, err, sizeof err), CB_BAD_PERIOD);
	catalog_free(cat);
}

/* A county's completeness says how many villages reported, exactly, however the lists are cut. */
Test(rollup_fed, completeness_sub_counts_and_seq)
{
	static const char *const reported[] = { "v1/g01" };
	char buf[CB_PAYLOAD_MAX];

	size_t n = completeness_encode_sub("county-a", "mixed", "2023-12", reported, 1, NULL, 0, "t",
	    1, 4, 33, buf, sizeof buf);
	cr_expect_str_eq(buf, "{\"area\":\"county-a\",\"kind\":\"mixed\",\"period\":\"2023-12\",\"expected\":1,"
	    "\"reported\":[\"v1/g01\"],\"missing\":[],\"updated_at\":\"t\",\"sub_reported\":1,\"sub_expected\":4,"
	    "\"seq\":33}");
	cr_expect_eq(n, strlen(buf));
	/* Without counts (sub_expected < 0) and seq (0): the payload of before. */
	completeness_encode_sub("x", "k", "2023", NULL, 0, NULL, 0, "t", 0, -1, 0, buf, sizeof buf);
	cr_expect_str_eq(buf, "{\"area\":\"x\",\"kind\":\"k\",\"period\":\"2023\",\"expected\":0,"
	    "\"reported\":[],\"missing\":[],\"updated_at\":\"t\"}");
}
