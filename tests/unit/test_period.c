/*
 * test_period.c — periods: civil-date arithmetic, ISO weeks and their
 * week-year boundaries, quarters, UTC offsets, parse/format, prev/next,
 * start/end and ordering.
 */
#include <string.h>
#include <criterion/criterion.h>

#include "period.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define SHANGHAI 28800

/* Unix seconds of a UTC civil time, from the function under test's twin. */
static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	return period_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static void
fmt(const struct period *p, char *buf)
{
	cr_assert_gt(period_format(p, buf, CB_PERIOD_MAX), 0, "format failed");
}

Test(period, days_from_civil_known_values)
{
	static const struct {
		int y, m, d;
		int64_t days;
	} cases[] = {
		{ 1970, 1, 1, 0 }, { 1970, 1, 2, 1 }, { 1969, 12, 31, -1 },
		{ 2000, 3, 1, 11017 }, { 2000, 2, 29, 11016 }, { 2023, 12, 5, 19696 },
		{ 1900, 3, 1, -25508 }, { 1600, 1, 1, -135140 }, { 0, 3, 1, -719468 },
		{ 9999, 12, 31, 2932896 }, { 2038, 1, 19, 24855 },
	};
	for (size_t i = 0; i < NELEM(cases); i++)
		cr_expect_eq(period_days_from_civil(cases[i].y, cases[i].m, cases[i].d),
		    cases[i].days, "%04d-%02d-%02d", cases[i].y, cases[i].m, cases[i].d);
}

Test(period, valid_dates)
{
	static const struct {
		int y, m, d;
		bool ok;
	} cases[] = {
		{ 2024, 2, 29, true }, { 2023, 2, 29, false }, { 2000, 2, 29, true },
		{ 1900, 2, 29, false }, { 2100, 2, 29, false }, { 2400, 2, 29, true },
		{ 2023, 4, 30, true }, { 2023, 4, 31, false }, { 2023, 12, 31, true },
		{ 2023, 13, 1, false }, { 2023, 0, 1, false }, { 2023, 1, 0, false },
		{ 2023, 1, 32, false }, { -4, 2, 29, true }, { 2023, -1, 5, false },
	};
	for (size_t i = 0; i < NELEM(cases); i++)
		cr_expect_eq(period_valid_date(cases[i].y, cases[i].m, cases[i].d), cases[i].ok,
		    "%d-%d-%d", cases[i].y, cases[i].m, cases[i].d);
}

/* Every day 1600..2400 converts back and forth and days increase by one. */
Test(period, civil_round_trip)
{
	int64_t prev = period_days_from_civil(1599, 12, 31);

	for (int y = 1600; y <= 2400; y++) {
		for (int m = 1; m <= 12; m++) {
			for (int d = 1; d <= 31 && period_valid_date(y, m, d); d++) {
				int64_t days = period_days_from_civil(y, m, d);
				struct period p = period_of(PERIOD_DAY, days * 86400, 0);

				cr_assert_eq(days, prev + 1, "%d-%d-%d", y, m, d);
				cr_assert(p.year == y && p.n == m && p.day == d, "%d-%d-%d", y, m, d);
				prev = days;
			}
		}
	}
}

static const struct {
	int64_t t;
	int32_t off;
	enum period_type type;
	const char *want;
} of_cases[] = {
	/* Asia/Shanghai: 16:30Z on 30 November is already 1 December. */
	{ 1701361800, SHANGHAI, PERIOD_DAY, "2023-12-01" },	/* 2023-11-30T16:30Z */
	{ 1701361800, 0, PERIOD_DAY, "2023-11-30" },
	{ 1701361800, SHANGHAI, PERIOD_MONTH, "2023-12" },
	{ 1701361800, 0, PERIOD_MONTH, "2023-11" },
	{ 1701361800, SHANGHAI, PERIOD_QUARTER, "2023-Q4" },
	{ 1701361800, SHANGHAI, PERIOD_YEAR, "2023" },
	{ 1701361800, SHANGHAI, PERIOD_WEEK, "2023-W48" },
	/* Negative offsets: New York 2024-01-01T03:00Z is still 31 December. */
	{ 1704078000, -18000, PERIOD_DAY, "2023-12-31" },
	{ 1704078000, -18000, PERIOD_YEAR, "2023" },
	{ 1704078000, -18000, PERIOD_QUARTER, "2023-Q4" },
	{ 1704078000, 0, PERIOD_QUARTER, "2024-Q1" },
	{ 1704078000, -18000, PERIOD_WEEK, "2023-W52" },
	{ 1704078000, 0, PERIOD_WEEK, "2024-W01" },
	/* The last second of a local day and the first of the next. */
	{ 1701359999, SHANGHAI, PERIOD_DAY, "2023-11-30" },
	{ 1701360000, SHANGHAI, PERIOD_DAY, "2023-12-01" },
	/* Before the epoch. */
	{ -1, 0, PERIOD_DAY, "1969-12-31" },
	{ 0, 0, PERIOD_WEEK, "1970-W01" },
	{ -86400 * 3, 0, PERIOD_WEEK, "1970-W01" },		/* Monday 1969-12-29 */
	{ -86400 * 4, 0, PERIOD_WEEK, "1969-W52" },
	/* Quarters. */
	{ 1680307200, 0, PERIOD_QUARTER, "2023-Q2" },		/* 2023-04-01 */
	{ 1680307199, 0, PERIOD_QUARTER, "2023-Q1" },
	{ 1688169600, 0, PERIOD_QUARTER, "2023-Q3" },		/* 2023-07-01 */
	{ 1696118400, 0, PERIOD_QUARTER, "2023-Q4" },		/* 2023-10-01 */
	/* Leap days. */
	{ 1709164800, 0, PERIOD_DAY, "2024-02-29" },
	{ 951782400, 0, PERIOD_DAY, "2000-02-29" },
	{ 4107542400, 0, PERIOD_DAY, "2100-03-01" },		/* no 2100-02-29 */
};

Test(period, period_of)
{
	for (size_t i = 0; i < NELEM(of_cases); i++) {
		char buf[CB_PERIOD_MAX];
		struct period p = period_of(of_cases[i].type, of_cases[i].t, of_cases[i].off);

		fmt(&p, buf);
		cr_expect_str_eq(buf, of_cases[i].want, "case %zu: t=%lld off=%d",
		    i, (long long)of_cases[i].t, of_cases[i].off);
	}
}

/* ISO weeks at week-year boundaries. */
Test(period, iso_weeks)
{
	static const struct {
		int y, m, d;
		const char *want;
	} cases[] = {
		{ 2020, 12, 31, "2020-W53" }, { 2021, 1, 1, "2020-W53" }, { 2021, 1, 3, "2020-W53" },
		{ 2021, 1, 4, "2021-W01" }, { 2024, 12, 29, "2024-W52" }, { 2024, 12, 30, "2025-W01" },
		{ 2025, 1, 1, "2025-W01" }, { 2023, 1, 1, "2022-W52" }, { 2023, 1, 2, "2023-W01" },
		{ 2023, 12, 5, "2023-W49" }, { 2023, 11, 27, "2023-W48" }, { 2026, 1, 1, "2026-W01" },
		{ 2026, 12, 31, "2026-W53" }, { 2027, 1, 3, "2026-W53" }, { 2008, 12, 29, "2009-W01" },
		{ 2010, 1, 3, "2009-W53" }, { 2015, 12, 31, "2015-W53" }, { 2016, 1, 3, "2015-W53" },
		{ 1970, 1, 1, "1970-W01" }, { 1976, 1, 1, "1976-W01" }, { 1977, 1, 2, "1976-W53" },
	};
	for (size_t i = 0; i < NELEM(cases); i++) {
		char buf[CB_PERIOD_MAX];
		struct period p = period_of(PERIOD_WEEK,
		    utc(cases[i].y, cases[i].m, cases[i].d, 12, 0, 0), 0);

		fmt(&p, buf);
		cr_expect_str_eq(buf, cases[i].want, "%04d-%02d-%02d",
		    cases[i].y, cases[i].m, cases[i].d);
	}
}

static const struct {
	const char *text;
	enum period_type type;
	bool ok;
} parse_cases[] = {
	{ "2023-12-05", PERIOD_DAY, true },
	{ "2024-02-29", PERIOD_DAY, true },
	{ "1970-01-01", PERIOD_DAY, true },
	{ "9999-12-31", PERIOD_DAY, true },
	{ "2023-W48", PERIOD_WEEK, true },
	{ "2020-W53", PERIOD_WEEK, true },
	{ "2026-W53", PERIOD_WEEK, true },
	{ "2023-W01", PERIOD_WEEK, true },
	{ "2023-12", PERIOD_MONTH, true },
	{ "2023-01", PERIOD_MONTH, true },
	{ "2023-Q4", PERIOD_QUARTER, true },
	{ "2023-Q1", PERIOD_QUARTER, true },
	{ "2023", PERIOD_YEAR, true },
	{ "1970", PERIOD_YEAR, true },
	/* Impossible dates and numbers. */
	{ "2023-02-29", PERIOD_DAY, false },
	{ "2023-02-30", PERIOD_DAY, false },
	{ "1900-02-29", PERIOD_DAY, false },
	{ "2023-04-31", PERIOD_DAY, false },
	{ "2023-00-10", PERIOD_DAY, false },
	{ "2023-13-01", PERIOD_DAY, false },
	{ "2023-12-00", PERIOD_DAY, false },
	{ "2021-W53", PERIOD_WEEK, false },
	{ "2023-W00", PERIOD_WEEK, false },
	{ "2023-W54", PERIOD_WEEK, false },
	{ "2023-00", PERIOD_MONTH, false },
	{ "2023-13", PERIOD_MONTH, false },
	{ "2023-Q0", PERIOD_QUARTER, false },
	{ "2023-Q5", PERIOD_QUARTER, false },
	/* Years out of range. */
	{ "1969", PERIOD_YEAR, false },
	{ "1969-12-31", PERIOD_DAY, false },
	{ "0000", PERIOD_YEAR, false },
	{ "10000", PERIOD_YEAR, false },
	/* Other types' text and bad shapes. */
	{ "2023-12", PERIOD_DAY, false },
	{ "2023-12-05", PERIOD_MONTH, false },
	{ "2023-W48", PERIOD_MONTH, false },
	{ "2023-Q4", PERIOD_MONTH, false },
	{ "2023", PERIOD_MONTH, false },
	{ "2023-12", PERIOD_YEAR, false },
	{ "2023-w48", PERIOD_WEEK, false },
	{ "2023-W4", PERIOD_WEEK, false },
	{ "2023-W048", PERIOD_WEEK, false },
	{ "2023-q4", PERIOD_QUARTER, false },
	{ "2023-Q04", PERIOD_QUARTER, false },
	{ "2023-1", PERIOD_MONTH, false },
	{ "2023/12", PERIOD_MONTH, false },
	{ "2023-12-5", PERIOD_DAY, false },
	{ "2023-1a-05", PERIOD_DAY, false },
	{ "+023-12", PERIOD_MONTH, false },
	{ "-023", PERIOD_YEAR, false },
	{ " 2023", PERIOD_YEAR, false },
	{ "2023 ", PERIOD_YEAR, false },
	{ "", PERIOD_YEAR, false },
	{ "２０２３", PERIOD_YEAR, false },
};

Test(period, parse_and_format)
{
	for (size_t i = 0; i < NELEM(parse_cases); i++) {
		struct period p = { PERIOD_YEAR, 42, 42, 42 };
		const char *s = parse_cases[i].text;
		enum cb_error e = period_parse(s, strlen(s), parse_cases[i].type, &p);

		cr_expect_eq(e, parse_cases[i].ok ? CB_OK : CB_BAD_PERIOD, "'%s'", s);
		if (parse_cases[i].ok) {
			char buf[CB_PERIOD_MAX];

			cr_expect_eq(p.type, parse_cases[i].type, "'%s'", s);
			fmt(&p, buf);
			cr_expect_str_eq(buf, s);
		} else {
			cr_expect_eq(p.year, 42, "'%s': out written on failure", s);
		}
	}
}

Test(period, parse_fields_and_len)
{
	struct period p;

	cr_assert_eq(period_parse("2023-12-05", 10, PERIOD_DAY, &p), CB_OK);
	cr_expect(p.year == 2023 && p.n == 12 && p.day == 5);
	cr_assert_eq(period_parse("2023-W48", 8, PERIOD_WEEK, &p), CB_OK);
	cr_expect(p.year == 2023 && p.n == 48 && p.day == 0);
	cr_assert_eq(period_parse("2023-Q4", 7, PERIOD_QUARTER, &p), CB_OK);
	cr_expect(p.year == 2023 && p.n == 4 && p.day == 0);
	cr_assert_eq(period_parse("2023xx", 4, PERIOD_YEAR, &p), CB_OK);
	cr_expect(p.year == 2023 && p.n == 0 && p.day == 0);
	cr_expect_eq(period_parse("2023-12-05", 9, PERIOD_DAY, &p), CB_BAD_PERIOD);
	cr_expect_eq(period_parse(NULL, 0, PERIOD_DAY, &p), CB_BAD_PERIOD);
	cr_expect_eq(period_parse("2023", 4, (enum period_type)9, &p), CB_BAD_PERIOD);
}

Test(period, format_refuses)
{
	char buf[CB_PERIOD_MAX];
	struct period ok = { PERIOD_MONTH, 2023, 12, 0 };
	static const struct period bad[] = {
		{ PERIOD_MONTH, 2023, 13, 0 }, { PERIOD_DAY, 2023, 2, 29 },
		{ PERIOD_WEEK, 2021, 53, 0 }, { PERIOD_QUARTER, 2023, 0, 0 },
		{ PERIOD_YEAR, 10000, 0, 0 }, { PERIOD_YEAR, 2023, 1, 0 },
		{ PERIOD_MONTH, 2023, 5, 3 }, { (enum period_type)7, 2023, 1, 0 },
	};

	cr_expect_eq(period_format(&ok, buf, CB_PERIOD_MAX - 1), 0);
	cr_expect_str_eq(buf, "");
	cr_expect_eq(period_format(&ok, buf, CB_PERIOD_MAX), 7);
	for (size_t i = 0; i < NELEM(bad); i++) {
		cr_expect_eq(period_format(&bad[i], buf, sizeof buf), 0, "case %zu", i);
		cr_expect_str_eq(buf, "", "case %zu", i);
	}
}

static const struct {
	enum period_type type;
	const char *p, *prev, *next;
} step_cases[] = {
	{ PERIOD_DAY, "2024-03-01", "2024-02-29", "2024-03-02" },
	{ PERIOD_DAY, "2023-03-01", "2023-02-28", "2023-03-02" },
	{ PERIOD_DAY, "2024-01-01", "2023-12-31", "2024-01-02" },
	{ PERIOD_DAY, "2023-12-31", "2023-12-30", "2024-01-01" },
	{ PERIOD_WEEK, "2021-W01", "2020-W53", "2021-W02" },
	{ PERIOD_WEEK, "2020-W53", "2020-W52", "2021-W01" },
	{ PERIOD_WEEK, "2025-W01", "2024-W52", "2025-W02" },
	{ PERIOD_WEEK, "2023-W52", "2023-W51", "2024-W01" },
	{ PERIOD_MONTH, "2023-01", "2022-12", "2023-02" },
	{ PERIOD_MONTH, "2023-12", "2023-11", "2024-01" },
	{ PERIOD_QUARTER, "2023-Q1", "2022-Q4", "2023-Q2" },
	{ PERIOD_QUARTER, "2023-Q4", "2023-Q3", "2024-Q1" },
	{ PERIOD_YEAR, "2023", "2022", "2024" },
};

Test(period, prev_next)
{
	for (size_t i = 0; i < NELEM(step_cases); i++) {
		struct period p, q;
		char buf[CB_PERIOD_MAX];

		cr_assert_eq(period_parse(step_cases[i].p, strlen(step_cases[i].p),
		    step_cases[i].type, &p), CB_OK, "%s", step_cases[i].p);
		q = period_prev(&p);
		fmt(&q, buf);
		cr_expect_str_eq(buf, step_cases[i].prev, "prev of %s", step_cases[i].p);
		q = period_next(&p);
		fmt(&q, buf);
		cr_expect_str_eq(buf, step_cases[i].next, "next of %s", step_cases[i].p);
		q = period_next(&p);
		q = period_prev(&q);
		cr_expect_eq(period_cmp(&q, &p), 0, "prev(next(%s))", step_cases[i].p);
	}
}

static const struct {
	enum period_type type;
	const char *p;
	int32_t off;
	int64_t start, end;
} span_cases[] = {
	{ PERIOD_DAY, "2023-12-01", SHANGHAI, 1701360000, 1701446400 },
	{ PERIOD_DAY, "2023-12-01", 0, 1701388800, 1701475200 },
	{ PERIOD_DAY, "2023-12-31", -18000, 1703998800, 1704085200 },
	{ PERIOD_MONTH, "2023-12", SHANGHAI, 1701360000, 1704038400 },
	{ PERIOD_MONTH, "2024-02", 0, 1706745600, 1709251200 },
	{ PERIOD_WEEK, "2020-W53", 0, 1609113600, 1609718400 },	/* Mon 2020-12-28 .. Mon 2021-01-04 */
	{ PERIOD_QUARTER, "2023-Q4", 0, 1696118400, 1704067200 },
	{ PERIOD_YEAR, "2024", 0, 1704067200, 1735689600 },
	{ PERIOD_YEAR, "1970", SHANGHAI, -28800, 31536000 - 28800 },
};

Test(period, start_end)
{
	for (size_t i = 0; i < NELEM(span_cases); i++) {
		struct period p;

		cr_assert_eq(period_parse(span_cases[i].p, strlen(span_cases[i].p),
		    span_cases[i].type, &p), CB_OK);
		cr_expect_eq(period_start(&p, span_cases[i].off), span_cases[i].start,
		    "start of %s at %d: %lld", span_cases[i].p, span_cases[i].off,
		    (long long)period_start(&p, span_cases[i].off));
		cr_expect_eq(period_end(&p, span_cases[i].off), span_cases[i].end,
		    "end of %s at %d", span_cases[i].p, span_cases[i].off);
		/* The first and last seconds lie in p, the end in the next one. */
		struct period a = period_of(p.type, span_cases[i].start, span_cases[i].off);
		struct period b = period_of(p.type, span_cases[i].end - 1, span_cases[i].off);
		struct period c = period_of(p.type, span_cases[i].end, span_cases[i].off);
		struct period n = period_next(&p);
		cr_expect_eq(period_cmp(&a, &p), 0, "%s", span_cases[i].p);
		cr_expect_eq(period_cmp(&b, &p), 0, "%s", span_cases[i].p);
		cr_expect_eq(period_cmp(&c, &n), 0, "%s", span_cases[i].p);
	}
}

/* Walking 1970..2100 week by week: every week starts 7 days after the last. */
Test(period, week_walk)
{
	struct period p = { PERIOD_WEEK, 1970, 1, 0 };
	int64_t start = period_start(&p, 0);

	while (p.year < 2100) {
		struct period n = period_next(&p);

		cr_assert_eq(period_start(&n, 0), start + 7 * 86400, "after %d-W%d", p.year, p.n);
		cr_assert_lt(period_cmp(&p, &n), 0);
		cr_assert_eq(period_end(&p, 0), period_start(&n, 0));
		start += 7 * 86400;
		p = n;
	}
}

Test(period, cmp)
{
	static const struct {
		struct period a, b;
		int want;
	} cases[] = {
		{ { PERIOD_MONTH, 2023, 11, 0 }, { PERIOD_MONTH, 2023, 12, 0 }, -1 },
		{ { PERIOD_MONTH, 2024, 1, 0 }, { PERIOD_MONTH, 2023, 12, 0 }, 1 },
		{ { PERIOD_MONTH, 2023, 12, 0 }, { PERIOD_MONTH, 2023, 12, 0 }, 0 },
		{ { PERIOD_DAY, 2023, 12, 5 }, { PERIOD_DAY, 2023, 12, 4 }, 1 },
		{ { PERIOD_WEEK, 2020, 53, 0 }, { PERIOD_WEEK, 2021, 1, 0 }, -1 },
		{ { PERIOD_DAY, 2023, 11, 30 }, { PERIOD_MONTH, 2023, 12, 0 }, -1 },
		{ { PERIOD_YEAR, 2024, 0, 0 }, { PERIOD_MONTH, 2023, 12, 0 }, 1 },
		{ { PERIOD_MONTH, 2023, 12, 0 }, { PERIOD_DAY, 2023, 12, 1 }, 1 },
		{ { PERIOD_DAY, 2023, 12, 1 }, { PERIOD_MONTH, 2023, 12, 0 }, -1 },
	};
	for (size_t i = 0; i < NELEM(cases); i++) {
		int r = period_cmp(&cases[i].a, &cases[i].b);
		int sign = (r > 0) - (r < 0);

		cr_expect_eq(sign, cases[i].want, "case %zu", i);
		r = period_cmp(&cases[i].b, &cases[i].a);
		cr_expect_eq((r > 0) - (r < 0), -cases[i].want, "case %zu reversed", i);
	}
}

Test(period, type_names)
{
	static const char *const names[] = { "day", "week", "month", "quarter", "year" };

	for (int t = PERIOD_DAY; t <= PERIOD_YEAR; t++) {
		enum period_type out = PERIOD_YEAR + 1;

		cr_expect_str_eq(period_type_name((enum period_type)t), names[t]);
		cr_expect(period_type_parse(names[t], &out));
		cr_expect_eq(out, (enum period_type)t);
	}
	enum period_type out = PERIOD_DAY;
	cr_expect_not(period_type_parse("Month", &out));
	cr_expect_not(period_type_parse("", &out));
	cr_expect_not(period_type_parse(NULL, &out));
	cr_expect_eq(out, PERIOD_DAY);
	cr_expect_str_eq(period_type_name((enum period_type)9), "unknown");
}

Test(period, extreme_instants_do_not_crash)
{
	struct period p = period_of(PERIOD_WEEK, INT64_MAX, SHANGHAI);
	struct period q = period_of(PERIOD_DAY, INT64_MIN, -SHANGHAI);
	char buf[CB_PERIOD_MAX];

	cr_expect_eq(period_format(&p, buf, sizeof buf), 0);
	cr_expect_eq(period_format(&q, buf, sizeof buf), 0);
}
