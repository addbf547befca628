/*
 * test_dec.c — exact decimals: parse, format, checked arithmetic, rounding
 * division, at every scale and at the edges of int64.
 */
#include <string.h>
#include <criterion/criterion.h>

#include "dec.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *text;
	unsigned scale;
	enum cb_error err;
	int64_t want;
} parse_cases[] = {
	{ "12", 0, CB_OK, 12 },
	{ "227.74", 2, CB_OK, 22774 },
	{ "227.74", 6, CB_OK, 227740000 },
	{ "-3", 0, CB_OK, -3 },
	{ "+3", 1, CB_OK, 30 },
	{ "0.5", 1, CB_OK, 5 },
	{ "1.", 0, CB_OK, 1 },
	{ "1.", 2, CB_OK, 100 },
	{ ".5", 1, CB_OK, 5 },
	{ "-.5", 3, CB_OK, -500 },
	{ "-0", 0, CB_OK, 0 },
	{ "007", 0, CB_OK, 7 },
	{ "0.000001", 6, CB_OK, 1 },
	{ "9223372036854775807", 0, CB_OK, INT64_MAX },
	{ "-9223372036854775808", 0, CB_OK, INT64_MIN },
	{ "9223372036854.775807", 6, CB_OK, INT64_MAX },
	{ "-9223372036854.775808", 6, CB_OK, INT64_MIN },
	{ "922337203685477580.7", 1, CB_OK, INT64_MAX },
	{ "00000000000000000000000000001", 0, CB_OK, 1 },
	/* Rejections. */
	{ "9223372036854775808", 0, CB_BAD_VALUE, 0 },
	{ "-9223372036854775809", 0, CB_BAD_VALUE, 0 },
	{ "9223372036854775807", 1, CB_BAD_VALUE, 0 },
	{ "9223372036854.775808", 6, CB_BAD_VALUE, 0 },
	{ "99999999999999999999999", 0, CB_BAD_VALUE, 0 },
	{ "", 0, CB_BAD_VALUE, 0 },
	{ "-", 0, CB_BAD_VALUE, 0 },
	{ "+", 2, CB_BAD_VALUE, 0 },
	{ ".", 2, CB_BAD_VALUE, 0 },
	{ "-.", 2, CB_BAD_VALUE, 0 },
	{ "0.5", 0, CB_BAD_VALUE, 0 },
	{ "1.234", 2, CB_BAD_VALUE, 0 },
	{ "1.2.3", 6, CB_BAD_VALUE, 0 },
	{ "1,5", 1, CB_BAD_VALUE, 0 },
	{ " 1", 0, CB_BAD_VALUE, 0 },
	{ "1 ", 0, CB_BAD_VALUE, 0 },
	{ "1e3", 0, CB_BAD_VALUE, 0 },
	{ "--1", 0, CB_BAD_VALUE, 0 },
	{ "+-1", 0, CB_BAD_VALUE, 0 },
	{ "0x10", 0, CB_BAD_VALUE, 0 },
	{ "１２", 0, CB_BAD_VALUE, 0 },
	{ "1", 7, CB_BAD_VALUE, 0 },
};

Test(dec, parse)
{
	for (size_t i = 0; i < NELEM(parse_cases); i++) {
		int64_t v = 424242;
		enum cb_error e = dec_parse(parse_cases[i].text, strlen(parse_cases[i].text),
		    parse_cases[i].scale, &v);

		cr_expect_eq(e, parse_cases[i].err, "'%s' scale %u: error %d",
		    parse_cases[i].text, parse_cases[i].scale, e);
		if (parse_cases[i].err == CB_OK)
			cr_expect_eq(v, parse_cases[i].want, "'%s' scale %u: got %lld",
			    parse_cases[i].text, parse_cases[i].scale, (long long)v);
		else
			cr_expect_eq(v, 424242, "'%s': out changed on failure", parse_cases[i].text);
	}
}

Test(dec, parse_respects_len)
{
	int64_t v;

	cr_expect_eq(dec_parse("12345", 2, 0, &v), CB_OK);
	cr_expect_eq(v, 12);
	cr_expect_eq(dec_parse("1.5x", 3, 1, &v), CB_OK);
	cr_expect_eq(v, 15);
	cr_expect_eq(dec_parse("1\0" "5", 3, 0, &v), CB_BAD_VALUE);
	cr_expect_eq(dec_parse(NULL, 0, 0, &v), CB_BAD_VALUE);
}

static const struct {
	int64_t v;
	unsigned scale;
	const char *full, *trimmed;
} format_cases[] = {
	{ 0, 0, "0", "0" },
	{ 0, 2, "0.00", "0" },
	{ 12, 0, "12", "12" },
	{ 22774, 2, "227.74", "227.74" },
	{ -5, 2, "-0.05", "-0.05" },
	{ 7500, 4, "0.7500", "0.75" },
	{ 600, 2, "6.00", "6" },
	{ 10, 1, "1.0", "1" },
	{ 1, 6, "0.000001", "0.000001" },
	{ -1000000, 6, "-1.000000", "-1" },
	{ 100, 0, "100", "100" },
	{ 1050, 3, "1.050", "1.05" },
	{ INT64_MAX, 0, "9223372036854775807", "9223372036854775807" },
	{ INT64_MIN, 0, "-9223372036854775808", "-9223372036854775808" },
	{ INT64_MAX, 6, "9223372036854.775807", "9223372036854.775807" },
	{ INT64_MIN, 6, "-9223372036854.775808", "-9223372036854.775808" },
	{ INT64_MIN, 18, "-9.223372036854775808", "-9.223372036854775808" },
	{ 1, 18, "0.000000000000000001", "0.000000000000000001" },
	{ 250, 8, "0.00000250", "0.0000025" },
};

Test(dec, format)
{
	for (size_t i = 0; i < NELEM(format_cases); i++) {
		char buf[DEC_TEXT_MAX];
		size_t n;

		n = dec_format(format_cases[i].v, format_cases[i].scale, false, buf, sizeof buf);
		cr_expect_str_eq(buf, format_cases[i].full, "case %zu", i);
		cr_expect_eq(n, strlen(format_cases[i].full), "case %zu", i);
		n = dec_format(format_cases[i].v, format_cases[i].scale, true, buf, sizeof buf);
		cr_expect_str_eq(buf, format_cases[i].trimmed, "case %zu trimmed", i);
		cr_expect_eq(n, strlen(format_cases[i].trimmed), "case %zu trimmed", i);
	}
}

Test(dec, format_small_buffer)
{
	char buf[8];

	memset(buf, 'X', sizeof buf);
	cr_expect_eq(dec_format(22774, 2, false, buf, 6), 0);	/* needs 7 */
	cr_expect_str_eq(buf, "");
	cr_expect_eq(buf[6], 'X');
	cr_expect_eq(dec_format(22774, 2, false, buf, 7), 6);
	cr_expect_str_eq(buf, "227.74");
	cr_expect_eq(dec_format(600, 2, true, buf, 2), 1);
	cr_expect_str_eq(buf, "6");
	cr_expect_eq(dec_format(1, 0, false, buf, 0), 0);
	cr_expect_eq(dec_format(1, 19, false, buf, sizeof buf), 0);
}

/* Every scale 0..6: parse(format(v)) == v for edge values. */
Test(dec, round_trip_every_scale)
{
	static const int64_t values[] = {
		0, 1, -1, 9, 10, 99, 100, 123456, -123456, 1000000, INT64_MAX, INT64_MIN,
		INT64_MAX - 1, INT64_MIN + 1,
	};
	for (unsigned s = 0; s <= DEC_SCALE_MAX; s++) {
		for (size_t i = 0; i < NELEM(values); i++) {
			for (int trim = 0; trim < 2; trim++) {
				char buf[DEC_TEXT_MAX];
				int64_t back = 0;
				size_t n = dec_format(values[i], s, trim, buf, sizeof buf);

				cr_assert_gt(n, 0);
				cr_expect_eq(dec_parse(buf, n, s, &back), CB_OK, "%s at %u", buf, s);
				cr_expect_eq(back, values[i], "%s at %u", buf, s);
			}
		}
	}
}

Test(dec, tenths_add_exactly)
{
	int64_t a, b, sum;
	char buf[DEC_TEXT_MAX];

	cr_assert_eq(dec_parse("0.1", 3, 1, &a), CB_OK);
	cr_assert_eq(dec_parse("0.2", 3, 1, &b), CB_OK);
	cr_assert(dec_add(a, b, &sum));
	dec_format(sum, 1, true, buf, sizeof buf);
	cr_expect_str_eq(buf, "0.3");

	/* Ten times 0.1 is exactly 1, and 227.74 + 143.09 is 370.83. */
	int64_t acc = 0;
	for (int i = 0; i < 10; i++)
		cr_assert(dec_add(acc, a, &acc));
	dec_format(acc, 1, true, buf, sizeof buf);
	cr_expect_str_eq(buf, "1");
	cr_assert(dec_add(22774, 14309, &acc));
	dec_format(acc, 2, true, buf, sizeof buf);
	cr_expect_str_eq(buf, "370.83");
}

static const struct {
	int64_t a, b;
	bool add_ok, sub_ok;
	int64_t add, sub;
} arith_cases[] = {
	{ 1, 2, true, true, 3, -1 },
	{ INT64_MAX, 0, true, true, INT64_MAX, INT64_MAX },
	{ INT64_MAX, 1, false, true, 0, INT64_MAX - 1 },
	{ INT64_MIN, -1, false, true, 0, INT64_MIN + 1 },
	{ INT64_MIN, 1, true, false, INT64_MIN + 1, 0 },
	{ INT64_MAX, -1, true, false, INT64_MAX - 1, 0 },
	{ 0, INT64_MIN, true, false, INT64_MIN, 0 },
	{ -1, INT64_MIN, false, true, 0, INT64_MAX },
	{ INT64_MIN, INT64_MIN, false, true, 0, 0 },
	{ INT64_MAX, INT64_MAX, false, true, 0, 0 },
};

Test(dec, add_sub_overflow)
{
	for (size_t i = 0; i < NELEM(arith_cases); i++) {
		int64_t r = 77;

		cr_expect_eq(dec_add(arith_cases[i].a, arith_cases[i].b, &r),
		    arith_cases[i].add_ok, "add case %zu", i);
		cr_expect_eq(r, arith_cases[i].add_ok ? arith_cases[i].add : 77, "add case %zu", i);
		r = 77;
		cr_expect_eq(dec_sub(arith_cases[i].a, arith_cases[i].b, &r),
		    arith_cases[i].sub_ok, "sub case %zu", i);
		cr_expect_eq(r, arith_cases[i].sub_ok ? arith_cases[i].sub : 77, "sub case %zu", i);
	}
}

static const struct {
	int64_t v;
	unsigned from, to;
	bool ok;
	int64_t want;
} rescale_cases[] = {
	{ 12, 0, 2, true, 1200 },
	{ 12, 2, 2, true, 12 },
	{ -7, 1, 6, true, -700000 },
	{ 0, 0, 18, true, 0 },
	{ 1, 0, 18, true, 1000000000000000000LL },
	{ 10, 0, 18, false, 0 },
	{ 1, 0, 19, false, 0 },
	{ 12, 2, 1, false, 0 },
	{ INT64_MAX, 0, 0, true, INT64_MAX },
	{ INT64_MAX / 10, 0, 1, true, INT64_MAX / 10 * 10 },
	{ INT64_MAX / 10 + 1, 0, 1, false, 0 },
	{ INT64_MIN / 10, 0, 1, true, INT64_MIN / 10 * 10 },
	{ INT64_MIN / 10 - 1, 0, 1, false, 0 },
};

Test(dec, rescale_up)
{
	for (size_t i = 0; i < NELEM(rescale_cases); i++) {
		int64_t r = 77;

		cr_expect_eq(dec_rescale_up(rescale_cases[i].v, rescale_cases[i].from,
		    rescale_cases[i].to, &r), rescale_cases[i].ok, "case %zu", i);
		cr_expect_eq(r, rescale_cases[i].ok ? rescale_cases[i].want : 77, "case %zu", i);
	}
}

static const struct {
	int64_t num, den;
	unsigned extra;
	bool ok;
	int64_t want;
} div_cases[] = {
	{ 10, 4, 0, true, 3 },		/* 2.5 -> 3 */
	{ -10, 4, 0, true, -3 },	/* -2.5 -> -3 */
	{ 10, -4, 0, true, -3 },
	{ -10, -4, 0, true, 3 },
	{ 9, 4, 0, true, 2 },		/* 2.25 -> 2 */
	{ 11, 4, 0, true, 3 },		/* 2.75 -> 3 */
	{ -9, 4, 0, true, -2 },
	{ 3, 4, 4, true, 7500 },	/* rate 0.7500 */
	{ 1, 3, 4, true, 3333 },
	{ 2, 3, 4, true, 6667 },
	{ -2, 3, 4, true, -6667 },
	{ 1, 8, 2, true, 13 },		/* 0.125 -> 0.13 */
	{ 61, 8, 2, true, 763 },	/* avg 7.625 -> 7.63 */
	{ 0, 5, 2, true, 0 },
	{ 7, 7, 0, true, 1 },
	{ 1, 0, 0, false, 0 },
	{ 0, 0, 2, false, 0 },
	{ INT64_MAX, 1, 0, true, INT64_MAX },
	{ INT64_MIN, 1, 0, true, INT64_MIN },
	{ INT64_MIN, -1, 0, false, 0 },
	{ INT64_MAX, -1, 0, true, -INT64_MAX },
	{ INT64_MAX, 1, 1, false, 0 },
	{ INT64_MAX, 10, 1, true, INT64_MAX },
	{ INT64_MIN, 10, 1, true, INT64_MIN },
	{ INT64_MAX, INT64_MAX, 18, true, 1000000000000000000LL },
	{ INT64_MAX, 2, 0, true, INT64_MAX / 2 + 1 },	/* x.5 rounds up */
	{ INT64_MIN, 2, 0, true, INT64_MIN / 2 },
	{ INT64_MIN, INT64_MAX, 0, true, -1 },
	{ 1, INT64_MIN, 0, true, 0 },
	{ 1, 2, 19, false, 0 },
};

Test(dec, div_rounds_half_away_from_zero)
{
	for (size_t i = 0; i < NELEM(div_cases); i++) {
		int64_t r = 77;

		cr_expect_eq(dec_div(div_cases[i].num, div_cases[i].den, div_cases[i].extra, &r),
		    div_cases[i].ok, "case %zu", i);
		cr_expect_eq(r, div_cases[i].ok ? div_cases[i].want : 77,
		    "case %zu: got %lld", i, (long long)r);
	}
}
