/*
 * test_sms_num.c — the scanners under the SMS grammar, without a catalog:
 * numerals (sms_num_scan, sms_num_scaled), period tokens (sms_when_scan,
 * sms_when_resolve against an injected now) and group tokens.
 */
#include <string.h>
#include <criterion/criterion.h>

#include "sms_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NOW 1701736200		/* 2023-12-05T08:30+08:00, a Tuesday of 2023-W49 */
#define SHANGHAI 28800

static const struct {
	const char *text;	/* folded text; scanning starts at 0 */
	size_t used;		/* bytes consumed, 0: no number */
	enum cb_error err;
	int64_t m;
	unsigned frac;
} num_cases[] = {
	{ "12", 2, CB_OK, 12, 0 },
	{ "012", 3, CB_OK, 12, 0 },
	{ "0", 1, CB_OK, 0, 0 },
	{ "227.74", 6, CB_OK, 22774, 2 },
	{ "227.74亩", 6, CB_OK, 22774, 2 },
	{ "12.50", 5, CB_OK, 125, 1 },
	{ "12.0", 4, CB_OK, 12, 0 },
	{ "12.", 2, CB_OK, 12, 0 },		/* the point is stray punctuation */
	{ "12.x", 2, CB_OK, 12, 0 },
	{ "-3", 2, CB_OK, -3, 0 },
	{ "-", 0, CB_OK, 0, 0 },
	{ "-x", 0, CB_OK, 0, 0 },
	{ "12头", 2, CB_OK, 12, 0 },
	{ "1020m", 4, CB_OK, 1020, 0 },
	{ "十", 3, CB_OK, 10, 0 },
	{ "十二", 6, CB_OK, 12, 0 },
	{ "二十", 6, CB_OK, 20, 0 },
	{ "二十五", 9, CB_OK, 25, 0 },
	{ "一百", 6, CB_OK, 100, 0 },
	{ "一百零五", 12, CB_OK, 105, 0 },
	{ "一百一十", 12, CB_OK, 110, 0 },
	{ "两百", 6, CB_OK, 200, 0 },
	{ "兩百", 6, CB_OK, 200, 0 },
	{ "三百九十八", 15, CB_OK, 398, 0 },
	{ "一千零二十", 15, CB_OK, 1020, 0 },
	{ "一千零二", 12, CB_OK, 1002, 0 },
	{ "三百五", 9, CB_OK, 350, 0 },
	{ "一千二", 9, CB_OK, 1200, 0 },
	{ "一万二", 9, CB_OK, 12000, 0 },
	{ "两万三千", 12, CB_OK, 23000, 0 },
	{ "十万", 6, CB_OK, 100000, 0 },
	{ "一千万", 9, CB_OK, 10000000, 0 },
	{ "一亿二千万", 15, CB_OK, 120000000, 0 },
	{ "壹拾贰", 9, CB_OK, 12, 0 },
	{ "叁佰玖拾捌", 15, CB_OK, 398, 0 },
	{ "壹贰叁", 9, CB_OK, 123, 0 },
	{ "二〇二三", 12, CB_OK, 2023, 0 },
	{ "零", 3, CB_OK, 0, 0 },
	{ "〇", 3, CB_OK, 0, 0 },
	{ "12万", 5, CB_OK, 120000, 0 },
	{ "1.2万", 6, CB_OK, 12000, 0 },
	{ "11.387万", 9, CB_OK, 113870, 0 },
	{ "1.23456万", 10, CB_OK, 123456, 1 },
	{ "3千", 4, CB_OK, 3000, 0 },
	{ "1万2000", 8, CB_OK, 12000, 0 },
	{ "二点五", 9, CB_OK, 25, 1 },
	{ "十二点五", 12, CB_OK, 125, 1 },
	{ "三点五万", 12, CB_OK, 35000, 0 },
	{ "二点", 3, CB_OK, 2, 0 },		/* 点 without digits is not a point */
	{ "五只", 3, CB_OK, 5, 0 },
	/* Words that start like numerals are not numbers. */
	{ "万家", 0, CB_OK, 0, 0 },
	{ "百姓", 0, CB_OK, 0, 0 },
	{ "千米", 0, CB_OK, 0, 0 },
	{ "点", 0, CB_OK, 0, 0 },
	{ "牛", 0, CB_OK, 0, 0 },
	{ "", 0, CB_OK, 0, 0 },
	/* Malformed runs are consumed whole and bad. */
	{ "十十", 6, CB_BAD_VALUE, 0, 0 },
	{ "二三百", 9, CB_BAD_VALUE, 0, 0 },
	{ "百十", 0, CB_OK, 0, 0 },
	{ "一百千", 9, CB_BAD_VALUE, 0, 0 },
	{ "一万万", 9, CB_BAD_VALUE, 0, 0 },
	{ "12三", 5, CB_BAD_VALUE, 0, 0 },
	{ "零十", 6, CB_BAD_VALUE, 0, 0 },
	/* Too long. */
	{ "1234567890123456", 16, CB_OUT_OF_RANGE, 0, 0 },
	{ "99999999999999999999", 20, CB_OUT_OF_RANGE, 0, 0 },
	{ "一万亿", 9, CB_BAD_VALUE, 0, 0 },
	{ "九千九百九十九万亿", 27, CB_BAD_VALUE, 0, 0 },
	{ "999999999999999", 15, CB_OK, 999999999999999, 0 },
	{ "1.1234567891", 12, CB_BAD_VALUE, 0, 0 },
};

Test(sms_num, scan)
{
	for (size_t i = 0; i < NELEM(num_cases); i++) {
		struct sms_num n;
		const char *t = num_cases[i].text;
		size_t used = sms_num_scan(t, strlen(t), 0, &n);

		cr_expect_eq(used, num_cases[i].used, "'%s': used %zu", t, used);
		if (used == 0)
			continue;
		cr_expect_eq(n.err, num_cases[i].err, "'%s': %s", t, cb_error_name(n.err));
		if (num_cases[i].err != CB_OK)
			continue;
		cr_expect_eq(n.m, num_cases[i].m, "'%s': m %lld", t, (long long)n.m);
		cr_expect_eq(n.frac, num_cases[i].frac, "'%s': frac %u", t, n.frac);
	}
}

/* A '-' is a sign only where a word starts, not in the middle of one. */
Test(sms_num, sign_only_at_word_start)
{
	struct sms_num n;

	cr_expect_eq(sms_num_scan("a-3", 3, 1, &n), 0);
	cr_expect_eq(sms_num_scan("5-3", 3, 1, &n), 0);
	cr_expect_eq(sms_num_scan(" -3", 3, 1, &n), 2);
	cr_expect_eq(n.m, -3);
}

static const struct {
	int64_t m;
	unsigned frac, scale;
	bool ok;
	int64_t want;
} scaled_cases[] = {
	{ 12, 0, 0, true, 12 },
	{ 12, 0, 2, true, 1200 },
	{ 22774, 2, 2, true, 22774 },
	{ 22774, 2, 3, true, 227740 },
	{ 22774, 2, 1, false, 0 },
	{ 125, 1, 0, false, 0 },
	{ 120, 1, 0, true, 12 },	/* 12.0 is a whole number */
	{ -3, 0, 2, true, -300 },
	{ INT64_MAX / 10, 0, 2, false, 0 },
};

Test(sms_num, scaled)
{
	for (size_t i = 0; i < NELEM(scaled_cases); i++) {
		struct sms_num n = { .m = scaled_cases[i].m, .frac = scaled_cases[i].frac };
		int64_t v = 0;
		bool ok = sms_num_scaled(&n, scaled_cases[i].scale, &v);

		cr_expect_eq(ok, scaled_cases[i].ok, "case %zu", i);
		if (ok)
			cr_expect_eq(v, scaled_cases[i].want, "case %zu: %lld", i, (long long)v);
	}
	struct sms_num bad = { .m = 1, .err = CB_BAD_VALUE };
	int64_t v;
	cr_expect_not(sms_num_scaled(&bad, 0, &v), "a bad numeral has no value");
}

#define ALL ((size_t)-1)	/* the whole text */

static const struct {
	const char *text;
	size_t used;		/* bytes consumed: 0, or ALL */
	const char *want;	/* the resolved period, or an error name */
} when_cases[] = {
	{ "11月", ALL, "2023-11" },
	{ "12月", ALL, "2023-12" },
	{ "1月", ALL, "2023-01" },
	{ "十一月", ALL, "2023-11" },
	{ "11月份", ALL, "2023-11" },
	{ "2023-11", ALL, "2023-11" },
	{ "2023/11", ALL, "2023-11" },
	{ "2023-1", ALL, "2023-01" },
	{ "2023年11月", ALL, "2023-11" },
	{ "23年11月", ALL, "2023-11" },
	{ "二〇二二年十二月", ALL, "2022-12" },
	{ "上月", ALL, "2023-11" },
	{ "上个月", ALL, "2023-11" },
	{ "本月", ALL, "2023-12" },
	{ "这个月", ALL, "2023-12" },
	{ "nov", ALL, "2023-11" },
	{ "november", ALL, "2023-11" },
	{ "dec", ALL, "2023-12" },
	{ "jan", ALL, "2023-01" },
	{ "sept", ALL, "2023-09" },
	{ "last month", ALL, "2023-11" },
	{ "this month", ALL, "2023-12" },
	{ "w48", ALL, "2023-W48" },
	{ "w49", ALL, "2023-W49" },
	{ "w50", ALL, "2022-W50" },
	{ "w1", ALL, "2023-W01" },
	{ "第48周", ALL, "2023-W48" },
	{ "48周", ALL, "2023-W48" },
	{ "上周", ALL, "2023-W48" },
	{ "上星期", ALL, "2023-W48" },
	{ "本周", ALL, "2023-W49" },
	{ "2023-w48", ALL, "2023-W48" },
	{ "2023w48", ALL, "2023-W48" },
	{ "2020-w53", ALL, "2020-W53" },
	{ "last week", ALL, "2023-W48" },
	{ "q4", ALL, "2023-Q4" },
	{ "q1", ALL, "2023-Q1" },
	{ "2023-q3", ALL, "2023-Q3" },
	{ "2023q3", ALL, "2023-Q3" },
	{ "第四季度", ALL, "2023-Q4" },
	{ "三季度", ALL, "2023-Q3" },
	{ "上季度", ALL, "2023-Q3" },
	{ "2023年第三季度", ALL, "2023-Q3" },
	{ "2023年", ALL, "2023" },
	{ "二〇二三年", ALL, "2023" },
	{ "去年", ALL, "2022" },
	{ "今年", ALL, "2023" },
	{ "last year", ALL, "2022" },
	{ "12月5日", ALL, "2023-12-05" },
	{ "12月5号", ALL, "2023-12-05" },
	{ "12月6日", ALL, "2022-12-06" },
	{ "十二月五日", ALL, "2023-12-05" },
	{ "2023-12-05", ALL, "2023-12-05" },
	{ "2023/12/5", ALL, "2023-12-05" },
	{ "2023年12月1日", ALL, "2023-12-01" },
	{ "5日", ALL, "2023-12-05" },
	{ "6日", ALL, "2023-11-06" },
	{ "31号", ALL, "2023-10-31" },
	{ "2月29日", ALL, "2020-02-29" },
	{ "今天", ALL, "2023-12-05" },
	{ "昨天", ALL, "2023-12-04" },
	{ "前天", ALL, "2023-12-03" },
	{ "today", ALL, "2023-12-05" },
	{ "yesterday", ALL, "2023-12-04" },
	/* Malformed or impossible. */
	{ "13月", ALL, "bad_period" },
	{ "0月", ALL, "bad_period" },
	{ "2023-13", ALL, "bad_period" },
	{ "2023-00-05", ALL, "bad_period" },
	{ "2023-02-30", ALL, "bad_period" },
	{ "2月30日", ALL, "bad_period" },
	{ "12月32日", ALL, "bad_period" },
	{ "w0", ALL, "bad_period" },
	{ "w54", ALL, "bad_period" },
	{ "第60周", ALL, "bad_period" },
	{ "2021-w53", ALL, "bad_period" },
	{ "q0", ALL, "bad_period" },
	{ "q5", ALL, "bad_period" },
	{ "1969年", ALL, "bad_period" },
	{ "10000年", ALL, "bad_period" },
	/* In the future. */
	{ "2024年", ALL, "future_period" },
	{ "2024-01", ALL, "future_period" },
	{ "2023-12-06", ALL, "future_period" },
	{ "2023-w50", ALL, "future_period" },
	{ "2024-q1", ALL, "future_period" },
	/* Not periods. */
	{ "12", 0, NULL },
	{ "2023", 0, NULL },
	{ "20231", 0, NULL },
	{ "2023-123", 0, NULL },
	{ "w", 0, NULL },
	{ "w480", 0, NULL },
	{ "decembers", 0, NULL },
	{ "月", 0, NULL },
	{ "第3组", 0, NULL },
	{ "may", ALL, "2023-05" },
	{ "mayor", 0, NULL },
};

Test(sms_time, periods)
{
	for (size_t i = 0; i < NELEM(when_cases); i++) {
		const char *t = when_cases[i].text;
		struct sms_when w;
		struct period p;
		char got[CB_PERIOD_MAX];
		size_t used = sms_when_scan(t, strlen(t), 0, &w);
		size_t want = when_cases[i].used == ALL ? strlen(t) : when_cases[i].used;

		cr_expect_eq(used, want, "'%s': used %zu", t, used);
		if (used == 0 || when_cases[i].want == NULL)
			continue;
		enum cb_error e = sms_when_resolve(&w, NOW, SHANGHAI, &p);
		if (e == CB_OK)
			period_format(&p, got, sizeof got);
		cr_expect_str_eq(e == CB_OK ? got : cb_error_name(e), when_cases[i].want, "'%s'", t);
	}
}

/* An ASCII period word inside a longer word is not one: "mayor", "wq4". */
Test(sms_time, ascii_boundaries)
{
	struct sms_when w;

	cr_expect_eq(sms_when_scan("xw48", 4, 1, &w), 0);
	cr_expect_eq(sms_when_scan("aq4", 3, 1, &w), 0);
	cr_expect_eq(sms_when_scan("12nov", 5, 2, &w), 3, "a digit is a boundary");
}

static const struct {
	const char *text;
	size_t used;
	int group;
	enum cb_error err;
} group_cases[] = {
	{ "3组", 4, 3, CB_OK },
	{ "03组", 5, 3, CB_OK },
	{ "三组", 6, 3, CB_OK },
	{ "十二组", 9, 12, CB_OK },
	{ "第3组", 7, 3, CB_OK },
	{ "第三组", 9, 3, CB_OK },
	{ "3小组", 7, 3, CB_OK },
	{ "3队", 4, 3, CB_OK },
	{ "g3", 2, 3, CB_OK },
	{ "g03", 3, 3, CB_OK },
	{ "g99", 3, 99, CB_OK },
	{ "99组", 5, 99, CB_OK },
	{ "0组", 4, 0, CB_BAD_GROUP },
	{ "零组", 6, 0, CB_BAD_GROUP },
	{ "100组", 6, 100, CB_BAD_GROUP },
	{ "g0", 2, 0, CB_BAD_GROUP },
	{ "g100", 4, 100, CB_BAD_GROUP },
	{ "g00003", 6, 0, CB_BAD_GROUP },
	{ "g", 0, 0, CB_OK },
	{ "3", 0, 0, CB_OK },
	{ "组", 0, 0, CB_OK },
	{ "3.5组", 0, 0, CB_OK },
	{ "第组", 0, 0, CB_OK },
	{ "go", 0, 0, CB_OK },
};

Test(sms_time, groups)
{
	for (size_t i = 0; i < NELEM(group_cases); i++) {
		const char *t = group_cases[i].text;
		int g = -1;
		enum cb_error e = CB_INTERNAL;
		size_t used = sms_group_scan(t, strlen(t), 0, &g, &e);

		cr_expect_eq(used, group_cases[i].used, "'%s': used %zu", t, used);
		if (used == 0)
			continue;
		cr_expect_eq(e, group_cases[i].err, "'%s': %s", t, cb_error_name(e));
		if (e == CB_OK)
			cr_expect_eq(g, group_cases[i].group, "'%s': %d", t, g);
	}
	int g;
	enum cb_error e;
	cr_expect_eq(sms_group_scan("xg3", 3, 1, &g, &e), 0, "g inside a word");
}

/* Folding keeps a map from every folded byte to the original text. */
Test(sms_lex, fold_map)
{
	static struct sms_text t;
	const char *text = "ＬＳ　牛１２";
	uint32_t at[2];

	sms_fold(text, strlen(text), &t);
	cr_expect_str_eq(t.s, "ls 牛12");
	cr_expect_eq(t.orig_len, strlen(text));
	sms_span(&t, 4, 9, at);		/* "牛12" */
	cr_expect_eq(at[0], 9);
	cr_expect_eq(at[1], strlen(text));
	sms_span(&t, 0, 2, at);		/* "ls" */
	cr_expect_eq(at[0], 0);
	cr_expect_eq(at[1], 6);
}
