/*
 * test_grid.c — the ledger's tables (lib/grid.c): what each cell says for
 * every aggregation, totals by the rollup's arithmetic (227.74 stays
 * exact), headers with units, sheet names within Excel's rules, number
 * formats, and the doubles a spreadsheet cell gets.
 */
#include <stdio.h>
#include <string.h>
#include <criterion/criterion.h>

#include "grid.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct field
mkfield(const char *code, const char *zh, const char *en, enum field_type type, unsigned scale,
    enum agg agg, const char *unit_zh, const char *unit_en)
{
	struct field f;

	memset(&f, 0, sizeof f);
	snprintf(f.code, sizeof f.code, "%s", code);
	snprintf(f.name_zh, sizeof f.name_zh, "%s", zh);
	snprintf(f.name_en, sizeof f.name_en, "%s", en);
	f.type = type;
	f.scale = scale;
	f.agg = agg;
	snprintf(f.unit_zh, sizeof f.unit_zh, "%s", unit_zh);
	snprintf(f.unit_en, sizeof f.unit_en, "%s", unit_en);
	if (type == FIELD_YESNO) {
		const char *yes[] = { "合格", "passed" }, *no[] = { "不合格", "failed" };
		for (size_t i = 0; i < 2; i++) {
			snprintf(f.yes.w[i], CATALOG_WORD_MAX, "%s", yes[i]);
			snprintf(f.no.w[i], CATALOG_WORD_MAX, "%s", no[i]);
		}
		f.yes.n = f.no.n = 2;
	}
	return f;
}

/* A kind like the catalog's: one field per aggregation and a decimal field. */
static struct kind
mixed_kind(void)
{
	struct kind k;

	memset(&k, 0, sizeof k);
	snprintf(k.code, sizeof k.code, "mixed");
	k.fields[0] = mkfield("cattle", "牛", "cattle", FIELD_COUNT, 0, AGG_LAST, "头", "head");
	k.fields[1] = mkfield("intercrop", "套种", "intercrop", FIELD_DECIMAL, 2, AGG_LAST, "亩", "mu");
	k.fields[2] = mkfield("bought", "购进", "bought", FIELD_COUNT, 0, AGG_SUM, "头", "head");
	k.fields[3] = mkfield("cleaners", "保洁出勤", "cleaners", FIELD_COUNT, 0, AGG_AVG, "人", "people");
	k.fields[4] = mkfield("peak", "最高", "peak", FIELD_COUNT, 0, AGG_MAX, "", "");
	k.fields[5] = mkfield("passed", "合格", "passed", FIELD_YESNO, 0, AGG_RATE, "", "");
	k.nfields = 6;
	for (size_t i = 0; i < k.nfields; i++)
		k.fields[i].index = i;
	return k;
}

/* A state from reported values, as rollup_apply builds a group's cell. */
static struct rollup_state
state_of(const int64_t *v, size_t n)
{
	struct rollup_state s = { 0 };

	for (size_t i = 0; i < n; i++)
		cr_assert(rollup_apply(&s, v[i]));
	return s;
}

static void
expect_cell(const struct field *f, struct rollup_state st, bool total, enum lang l, const char *want,
    enum grid_cell_type type)
{
	struct grid_cell c;

	cr_assert(grid_cell(f, &st, true, total, l, &c), "%s", f->code);
	cr_expect_str_eq(c.text, want, "%s", f->code);
	cr_expect_eq(c.type, type, "%s: type %d", f->code, c.type);
}

Test(grid, cells_by_aggregation)
{
	struct kind k = mixed_kind();
	struct grid_cell c;

	expect_cell(&k.fields[0], state_of((int64_t[]){ 9 }, 1), false, LANG_ZH, "9", GRID_NUMBER);
	expect_cell(&k.fields[1], state_of((int64_t[]){ 8050 }, 1), false, LANG_ZH, "80.50", GRID_NUMBER);
	expect_cell(&k.fields[1], state_of((int64_t[]){ 22774 }, 1), false, LANG_ZH, "227.74", GRID_NUMBER);
	expect_cell(&k.fields[2], state_of((int64_t[]){ 10, 9 }, 2), false, LANG_ZH, "19", GRID_NUMBER);
	expect_cell(&k.fields[3], state_of((int64_t[]){ 6, 8, 7, 7 }, 4), false, LANG_ZH, "7.00", GRID_NUMBER);
	expect_cell(&k.fields[3], state_of((int64_t[]){ 6, 7 }, 2), false, LANG_ZH, "6.50", GRID_NUMBER);
	expect_cell(&k.fields[4], state_of((int64_t[]){ 3, 12, 5 }, 3), false, LANG_ZH, "12", GRID_NUMBER);
	/* A yes/no answered once by a row is its word; a rate is a percentage with its digits. */
	expect_cell(&k.fields[5], state_of((int64_t[]){ 1 }, 1), false, LANG_ZH, "合格", GRID_WORD);
	expect_cell(&k.fields[5], state_of((int64_t[]){ 0 }, 1), false, LANG_ZH, "不合格", GRID_WORD);
	expect_cell(&k.fields[5], state_of((int64_t[]){ 1 }, 1), false, LANG_EN, "passed", GRID_WORD);
	expect_cell(&k.fields[5], state_of((int64_t[]){ 1 }, 1), true, LANG_ZH, "100.00%", GRID_NUMBER);
	expect_cell(&k.fields[5], state_of((int64_t[]){ 1, 1, 0, 1 }, 4), false, LANG_EN, "75.00%",
	    GRID_NUMBER);
	expect_cell(&k.fields[5], state_of((int64_t[]){ 1, 1, 0 }, 3), true, LANG_ZH, "66.67%", GRID_NUMBER);

	struct rollup_state rate = state_of((int64_t[]){ 1, 1, 0, 1 }, 4);
	cr_assert(grid_cell(&k.fields[5], &rate, true, true, LANG_ZH, &c));
	cr_expect(c.percent);
	cr_expect_eq(c.v, 7500);
	cr_expect_eq(c.scale, 4);

	/* Nothing reported: an empty cell, so the gap shows. */
	struct rollup_state none = { 0 };
	cr_assert(grid_cell(&k.fields[0], &none, true, false, LANG_ZH, &c));
	cr_expect_eq(c.type, GRID_EMPTY);
	cr_expect_str_eq(c.text, "");
	cr_assert(grid_cell(&k.fields[0], &rate, false, false, LANG_ZH, &c));
	cr_expect_eq(c.type, GRID_EMPTY);
}

Test(grid, total_uses_the_rollup_arithmetic)
{
	struct kind k = mixed_kind();
	struct grid g = { 0 };
	struct grid_cell c;
	char err[128];
	/* The example village's intercrop: 80.5 + 62.24 + 85 = 227.74 亩 (never 227.73999). */
	static const struct {
		const char *path, *name;
		int64_t intercrop, cleaners, passed;
		bool reported;
	} rows[] = {
		{ "x/v/g01", "一组", 8050, 6, 1, true },
		{ "x/v/g02", "", 0, 0, 0, false },
		{ "x/v/g03", "三组", 6224, 8, 1, true },
		{ "x/v/g04", "四组", 8500, 7, 0, true },
		{ "x/v/g05", "五组", 0, 7, 1, true },
	};

	grid_reset(&g, &k, "2023");
	for (size_t i = 0; i < NELEM(rows); i++) {
		struct grid_row *r = grid_row_add(&g, rows[i].path, rows[i].name, 3);
		cr_assert_not_null(r);
		if (!rows[i].reported)
			continue;
		if (rows[i].intercrop != 0) {
			r->st[1] = state_of(&rows[i].intercrop, 1);
			r->have[1] = true;
		}
		r->st[3] = state_of(&rows[i].cleaners, 1);
		r->st[5] = state_of(&rows[i].passed, 1);
		r->have[3] = r->have[5] = true;
	}
	cr_expect_str_eq(g.rows[1].name, "g02", "a row without a name is called by its slug");
	cr_expect(g.rows[1].leaf, "a row is a group's until said otherwise");
	cr_assert(grid_total(&g, err, sizeof err), "%s", err);
	cr_assert(grid_cell(&k.fields[1], &g.total[1], g.total_have[1], true, LANG_ZH, &c));
	cr_expect_str_eq(c.text, "227.74");
	cr_expect_eq(c.v, 22774);
	cr_assert(grid_cell(&k.fields[3], &g.total[3], g.total_have[3], true, LANG_ZH, &c));
	cr_expect_str_eq(c.text, "7.00");
	cr_assert(grid_cell(&k.fields[5], &g.total[5], g.total_have[5], true, LANG_ZH, &c));
	cr_expect_str_eq(c.text, "75.00%");
	cr_assert(grid_cell(&k.fields[0], &g.total[0], g.total_have[0], true, LANG_ZH, &c));
	cr_expect_eq(c.type, GRID_EMPTY, "no row has cattle: the total is empty, not 0");

	/* A total that would overflow is refused, naming the field. */
	g.rows[0].st[2] = (struct rollup_state){ .sum = INT64_MAX, .count = 1, .max = INT64_MAX,
		.last = INT64_MAX };
	g.rows[2].st[2] = (struct rollup_state){ .sum = 1, .count = 1, .max = 1, .last = 1 };
	g.rows[0].have[2] = g.rows[2].have[2] = true;
	cr_expect_not(grid_total(&g, err, sizeof err));
	cr_expect(strstr(err, "bought") != NULL, "%s", err);

	/* Reused for the next table, then freed. */
	grid_reset(&g, &k, "2024");
	cr_expect_eq(g.nrows, 0);
	cr_expect_str_eq(g.period, "2024");
	grid_free(&g);
	grid_free(NULL);
}

Test(grid, headers_and_names)
{
	struct kind k = mixed_kind();
	char buf[128];
	static const struct {
		size_t field;
		enum lang l;
		const char *want;
	} heads[] = {
		{ 0, LANG_ZH, "牛（头）" }, { 0, LANG_EN, "cattle (head)" }, { 1, LANG_ZH, "套种（亩）" },
		{ 3, LANG_EN, "cleaners (people)" }, { 5, LANG_ZH, "合格" }, { 4, LANG_EN, "peak" },
	};

	for (size_t i = 0; i < NELEM(heads); i++) {
		grid_header(&k.fields[heads[i].field], heads[i].l, buf, sizeof buf);
		cr_expect_str_eq(buf, heads[i].want);
	}
	cr_expect_str_eq(grid_level_name(3, LANG_ZH), "组");
	cr_expect_str_eq(grid_level_name(2, LANG_ZH), "村");
	cr_expect_str_eq(grid_level_name(1, LANG_EN), "township");
	cr_expect_str_eq(grid_level_name(5, LANG_ZH), "地区");
	cr_expect_str_eq(grid_total_name(LANG_ZH), "合计");
	cr_expect_str_eq(grid_total_name(LANG_EN), "Total");
}

/* UTF-16 units of s, as Excel counts a sheet name. */
static size_t
units(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n += (unsigned char)*s >= 0xF0 ? 2 : 1;
	return n;
}

Test(grid, sheet_names_follow_excel_rules)
{
	char buf[256], kind[256] = "";
	static const struct {
		const char *kind, *period, *suffix, *want;
	} names[] = {
		{ "牲畜", "2023-12", NULL, "牲畜 2023-12" },
		{ "livestock", "2023-W49", "", "livestock 2023-W49" },
		{ "a/b:c[d]*?\\", "2023", NULL, "a_b_c_d____ 2023" },
		{ "'quoted'", "2023-Q4", NULL, "quoted' 2023-Q4" },
		{ "牲畜", "2023-12", " (2)", "牲畜 2023-12 (2)" },
		{ "", "2023-12-05", NULL, "2023-12-05" },
	};

	for (size_t i = 0; i < NELEM(names); i++) {
		grid_sheet_name(names[i].kind, names[i].period, names[i].suffix, buf, sizeof buf);
		cr_expect_str_eq(buf, names[i].want);
	}
	/* A long Chinese kind name is cut on a character, the period kept whole. */
	for (int i = 0; i < 20; i++)
		strcat(kind, "畜");
	grid_sheet_name(kind, "2023-12-05", " (3)", buf, sizeof buf);
	cr_expect_eq(units(buf), GRID_SHEET_MAX, "%s", buf);
	cr_expect(utf8_valid(buf, strlen(buf)));
	cr_expect(strstr(buf, " 2023-12-05 (3)") != NULL, "%s", buf);
	/* A character outside the BMP counts twice, as in Excel. */
	kind[0] = '\0';
	for (int i = 0; i < 20; i++)
		strcat(kind, "\xF0\xA0\x80\x80");
	grid_sheet_name(kind, "2023-12", NULL, buf, sizeof buf);
	cr_expect_leq(units(buf), GRID_SHEET_MAX, "%s", buf);
	cr_expect(utf8_valid(buf, strlen(buf)));
}

Test(grid, number_formats_show_every_digit)
{
	char buf[32];
	static const struct {
		unsigned scale;
		bool percent;
		const char *want;
	} fmts[] = {
		{ 0, false, "0" }, { 2, false, "0.00" }, { 6, false, "0.000000" }, { 4, true, "0.00%" },
		{ 2, true, "0%" },
	};

	for (size_t i = 0; i < NELEM(fmts); i++) {
		struct grid_cell c = { .type = GRID_NUMBER, .scale = fmts[i].scale, .percent = fmts[i].percent };
		grid_number_format(&c, buf, sizeof buf);
		cr_expect_str_eq(buf, fmts[i].want);
	}
}

Test(grid, doubles_hold_the_exact_decimal)
{
	static const struct {
		int64_t v;
		unsigned scale;
		const char *text;	/* the decimal, trimmed */
		bool number;
	} cases[] = {
		{ 22774, 2, "227.74", true }, { 14309, 2, "143.09", true }, { 7500, 4, "0.75", true },
		{ 700, 2, "7", true }, { 0, 2, "0", true }, { -305, 1, "-30.5", true },
		{ 11387000, 2, "113870", true }, { 7401844088, 5, "74018.44088", true },
		{ 900000000000001, 14, "9.00000000000001", true },
		{ 999999999999999, 0, "999999999999999", true },
		{ 999999999999999, 2, "9999999999999.99", true },
		{ 1000000000000000, 0, NULL, false }, { -1234567890123456, 2, NULL, false },
		{ INT64_MAX, 0, NULL, false }, { INT64_MIN, 6, NULL, false },
	};
	char got[64];

	for (size_t i = 0; i < NELEM(cases); i++) {
		double d = -1;
		bool exact = false;
		cr_expect_eq(grid_double(cases[i].v, cases[i].scale, &d, &exact), cases[i].number,
		    "case %zu", i);
		if (!cases[i].number)
			continue;
		/* What a spreadsheet shows (15 significant digits) is the decimal itself. */
		snprintf(got, sizeof got, "%.15G", d);
		cr_expect_str_eq(got, cases[i].text, "case %zu", i);
		/* And when the 16-digit text libxlsxwriter writes is the decimal, exact says so. */
		snprintf(got, sizeof got, "%.16G", d);
		cr_expect_eq(strcmp(got, cases[i].text) == 0, exact, "case %zu: %s", i, got);
	}
	/* The example's figures are written as their exact decimal text. */
	double d;
	bool exact;
	cr_assert(grid_double(22774, 2, &d, &exact));
	cr_expect(exact);
	cr_expect(d == 227.74);
}
