/*
 * sms_time.c — group and period tokens of the SMS grammar.
 *
 * Groups: "3组", "三组", "第3组", "3队", "g3", "g03".  Periods, as leaders
 * write them: "11月", "十一月份", "2023年11月", "2023-11", "上月", "本月",
 * "w48", "第48周", "上周", "q4", "第四季度", "2023年", "12月5日", "5号",
 * "2023-12-05", "昨天", "今天", "Dec", "last month".  Scanning only reads
 * what was written (struct sms_when); sms_when_resolve turns it into a
 * period against the injected `now`.
 *
 * The word lists (relative periods, month names) are in strcmp order for
 * sms_list_longest's binary search; sms_time_lists_check keeps them so.
 */
#include <stdio.h>
#include <string.h>

#include "sms_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define GROUP_MAX 99

/* Words that name a period relative to the current one, in strcmp order. */
static const struct relword {
	const char *s;
	enum period_type type;
	int rel;
} relwords[] = {
	{ "last month", PERIOD_MONTH, -1 }, { "last quarter", PERIOD_QUARTER, -1 },
	{ "last week", PERIOD_WEEK, -1 }, { "last year", PERIOD_YEAR, -1 },
	{ "this month", PERIOD_MONTH, 0 }, { "this quarter", PERIOD_QUARTER, 0 },
	{ "this week", PERIOD_WEEK, 0 }, { "this year", PERIOD_YEAR, 0 },
	{ "today", PERIOD_DAY, 0 }, { "yesterday", PERIOD_DAY, -1 },
	{ "上个星期", PERIOD_WEEK, -1 }, { "上个月", PERIOD_MONTH, -1 },
	{ "上周", PERIOD_WEEK, -1 }, { "上季度", PERIOD_QUARTER, -1 },
	{ "上星期", PERIOD_WEEK, -1 }, { "上月", PERIOD_MONTH, -1 },
	{ "今天", PERIOD_DAY, 0 }, { "今年", PERIOD_YEAR, 0 }, { "今日", PERIOD_DAY, 0 },
	{ "前天", PERIOD_DAY, -2 }, { "去年", PERIOD_YEAR, -1 },
	{ "当月", PERIOD_MONTH, 0 }, { "昨天", PERIOD_DAY, -1 }, { "昨日", PERIOD_DAY, -1 },
	{ "本周", PERIOD_WEEK, 0 }, { "本季度", PERIOD_QUARTER, 0 },
	{ "本年", PERIOD_YEAR, 0 }, { "本星期", PERIOD_WEEK, 0 },
	{ "本月", PERIOD_MONTH, 0 }, { "这个星期", PERIOD_WEEK, 0 },
	{ "这个月", PERIOD_MONTH, 0 }, { "这周", PERIOD_WEEK, 0 },
	{ "这月", PERIOD_MONTH, 0 },
};

/* English month names, folded, in strcmp order. */
static const struct month_name {
	const char *s;
	int month;
} month_names[] = {
	{ "apr", 4 }, { "april", 4 }, { "aug", 8 }, { "august", 8 },
	{ "dec", 12 }, { "december", 12 }, { "feb", 2 }, { "february", 2 },
	{ "jan", 1 }, { "january", 1 }, { "jul", 7 }, { "july", 7 },
	{ "jun", 6 }, { "june", 6 }, { "mar", 3 }, { "march", 3 },
	{ "may", 5 }, { "nov", 11 }, { "november", 11 }, { "oct", 10 },
	{ "october", 10 }, { "sep", 9 }, { "sept", 9 }, { "september", 9 },
};

/* See sms_int.h. */
const char *
sms_time_lists_check(void)
{
	const char *bad;

	if ((bad = sms_list_unsorted(SMS_LIST(relwords))) != NULL ||
	    (bad = sms_list_unsorted(SMS_LIST(month_names))) != NULL)
		return bad;
	return NULL;
}

/* Length of literal w if s[i..] starts with it, else 0. */
static size_t
lit(const char *s, size_t len, size_t i, const char *w)
{
	size_t n = strlen(w);

	return i + n <= len && memcmp(s + i, w, n) == 0 ? n : 0;
}

/*
 * Reads a plain non-negative integer (ASCII or Chinese numerals, no fraction)
 * at s[i] into *v; returns its length or 0.
 */
static size_t
int_at(const char *s, size_t len, size_t i, int *v)
{
	struct sms_num n;
	size_t k;

	if (i >= len || s[i] == '-')
		return 0;
	k = sms_num_scan(s, len, i, &n);
	if (k == 0 || n.err != CB_OK || n.frac != 0 || n.m < 0 || n.m > 99999)
		return 0;
	*v = (int)n.m;
	return k;
}

/* Reads exactly 1..max ASCII digits at s[i] (no more digits after); returns their count or 0. */
static size_t
digits_at(const char *s, size_t len, size_t i, size_t max, int *v)
{
	size_t k = 0;

	*v = 0;
	while (i + k < len && sms_is_digit(s[i + k]) && k <= max) {
		*v = *v * 10 + (s[i + k] - '0');
		k++;
	}
	return k >= 1 && k <= max ? k : 0;
}

/* Sets w to an absolute period, checking the part that was written against its range. */
static void
when_set(struct sms_when *w, enum period_type t, int year, int n, int day)
{
	static const int nmax[] = {
		[PERIOD_DAY] = 12, [PERIOD_WEEK] = 53, [PERIOD_MONTH] = 12,
		[PERIOD_QUARTER] = 4, [PERIOD_YEAR] = 0,
	};

	memset(w, 0, sizeof *w);
	w->type = t;
	w->year = year > 0 && year < 100 ? 2000 + year : year;
	w->n = n;
	w->day = day;
	if (n < 0 || n > nmax[t] || (t != PERIOD_YEAR && t != PERIOD_DAY && n == 0) ||
	    (t == PERIOD_DAY && (day < 1 || day > 31)) || (year == 0 && t == PERIOD_YEAR))
		w->err = CB_BAD_PERIOD;
}

/* Reads 日 or 号 at s[i]; returns its length or 0. */
static size_t
day_mark(const char *s, size_t len, size_t i)
{
	size_t k = lit(s, len, i, "日");

	return k ? k : lit(s, len, i, "号");
}

/*
 * What may follow an optional "<n>年": "<n>月[份][<n>日]", "第<n>周",
 * "[第]<n>季度", "<n>周", or (without a year) "<n>日".  Returns the bytes
 * read after j, 0 when none of them is there.
 */
static size_t
when_cjk_rest(const char *s, size_t len, size_t j, int year, struct sms_when *w)
{
	size_t k, k2, d, di = lit(s, len, j, "第");
	int v, day;

	if ((k = int_at(s, len, j, &v)) != 0 && lit(s, len, j + k, "月")) {
		k += strlen("月");
		k += lit(s, len, j + k, "份");
		if ((k2 = int_at(s, len, j + k, &day)) != 0 && (d = day_mark(s, len, j + k + k2))) {
			when_set(w, PERIOD_DAY, year, v, day);
			k += k2 + d;
		} else
			when_set(w, PERIOD_MONTH, year, v, 0);
		if (v == 0)
			w->err = CB_BAD_PERIOD;		/* 0月5日 */
		return k;
	}
	if ((k = int_at(s, len, j + di, &v)) == 0)
		return 0;
	if ((k2 = lit(s, len, j + di + k, "周")) != 0) {
		when_set(w, PERIOD_WEEK, year, v, 0);
		return di + k + k2;
	}
	if ((k2 = lit(s, len, j + di + k, "季度")) != 0) {
		when_set(w, PERIOD_QUARTER, year, v, 0);
		return di + k + k2;
	}
	if (year == 0 && di == 0 && (d = day_mark(s, len, j + k)) != 0) {
		when_set(w, PERIOD_DAY, 0, 0, v);
		return k + d;
	}
	return 0;
}

/* Chinese forms: an optional "<n>年" and what when_cjk_rest reads. */
static size_t
when_cjk(const char *s, size_t len, size_t i, struct sms_when *w)
{
	size_t k, y = 0, rest;
	int year = 0;

	if ((k = int_at(s, len, i, &year)) != 0 && lit(s, len, i + k, "年"))
		y = k + strlen("年");
	else
		year = 0;
	rest = when_cjk_rest(s, len, i + y, year, w);
	if (rest == 0 && y != 0)
		when_set(w, PERIOD_YEAR, year, 0, 0);
	return y + rest;
}

/*
 * ASCII forms: "2023-11", "2023/11", "2023-12-05", "2023-w48", "2023w48",
 * "2023-q4", "2023q4".  No digit may follow.
 */
static size_t
when_iso(const char *s, size_t len, size_t i, struct sms_when *w)
{
	int y, a, b;
	size_t j = i, k;

	if (digits_at(s, len, j, 4, &y) != 4)
		return 0;
	j += 4;
	if (j < len && s[j] == '-' && j + 1 < len && (s[j + 1] == 'w' || s[j + 1] == 'q'))
		j++;
	if (j < len && (s[j] == 'w' || s[j] == 'q') && (k = digits_at(s, len, j + 1, 2, &a))) {
		when_set(w, s[j] == 'w' ? PERIOD_WEEK : PERIOD_QUARTER, y, a, 0);
		return j + 1 + k - i;
	}
	if (j >= len || (s[j] != '-' && s[j] != '/') || (k = digits_at(s, len, j + 1, 2, &a)) == 0)
		return 0;
	j += 1 + k;
	if (j < len && s[j] == s[i + 4] && (k = digits_at(s, len, j + 1, 2, &b)) != 0) {
		when_set(w, PERIOD_DAY, y, a, b);
		if (a == 0)
			w->err = CB_BAD_PERIOD;		/* 2023-00-05 */
		return j + 1 + k - i;
	}
	when_set(w, PERIOD_MONTH, y, a, 0);
	return j - i;
}

/*
 * "w48", "q4" and English month names, standing alone as ASCII words (a
 * whole word matches, so at most one month name can).
 */
static size_t
when_short(const char *s, size_t len, size_t i, struct sms_when *w)
{
	size_t k, at = 0;
	int v;

	if (i > 0 && sms_is_alpha(s[i - 1]))
		return 0;
	if ((s[i] == 'w' || s[i] == 'q') && (k = digits_at(s, len, i + 1, 2, &v)) != 0) {
		when_set(w, s[i] == 'w' ? PERIOD_WEEK : PERIOD_QUARTER, 0, v, 0);
		return 1 + k;
	}
	if ((k = sms_list_longest(SMS_LIST(month_names), s, len, i, &at)) != 0)
		when_set(w, PERIOD_MONTH, 0, month_names[at].month, 0);
	return k;
}

/* See sms_int.h.  The longest of the forms above wins. */
size_t
sms_when_scan(const char *s, size_t len, size_t i, struct sms_when *w)
{
	size_t (*const forms[])(const char *, size_t, size_t, struct sms_when *) = {
		when_iso, when_cjk, when_short,
	};
	struct sms_when cand;
	size_t best, k, r = 0;

	memset(w, 0, sizeof *w);
	if ((best = sms_list_longest(SMS_LIST(relwords), s, len, i, &r)) != 0) {
		w->type = relwords[r].type;
		w->relative = true;
		w->rel = relwords[r].rel;
	}
	for (size_t f = 0; f < NELEM(forms); f++) {
		memset(&cand, 0, sizeof cand);
		if ((k = forms[f](s, len, i, &cand)) > best) {
			best = k;
			*w = cand;
		}
	}
	return best;
}

/*
 * Fills in the year (and for "5日" the month) that a leader leaves out: the
 * most recent such period that is not after cur.  A day that does not exist
 * then (31日 in November) steps back to the last month or year that has it.
 */
static void
when_default(const struct sms_when *w, const struct period *cur, struct period *p)
{
	p->year = w->year;
	if (w->type == PERIOD_DAY && w->n == 0) {
		p->year = cur->year;
		p->n = w->day <= cur->day ? cur->n : cur->n - 1;
		for (int k = 0; k < 12 && (p->n < 1 || !period_valid_date(p->year, p->n, p->day)); k++) {
			if (p->n < 1 || --p->n < 1) {
				p->n = 12;
				p->year--;
			}
		}
		return;
	}
	if (w->year != 0)
		return;
	if (w->type == PERIOD_DAY) {
		bool later = w->n > cur->n || (w->n == cur->n && w->day > cur->day);
		p->year = later ? cur->year - 1 : cur->year;
		for (int k = 0; k < 8 && !period_valid_date(p->year, p->n, p->day); k++)
			p->year--;
	} else
		p->year = w->n > cur->n ? cur->year - 1 : cur->year;
}

/* See sms_int.h. */
enum cb_error
sms_when_resolve(const struct sms_when *w, int64_t now, int32_t utc_offset, struct period *out)
{
	struct period cur, p;
	char buf[CB_PERIOD_MAX + 8];
	size_t n;

	if (w->err != CB_OK)
		return w->err;
	cur = period_of(w->type, now, utc_offset);
	if (w->relative) {
		*out = cur;
		for (int k = 0; k < -w->rel; k++)
			*out = period_prev(out);
		return CB_OK;
	}
	p = (struct period){ .type = w->type, .n = w->n, .day = w->day };
	when_default(w, &cur, &p);
	if (p.year < 1970 || p.year > 9999)
		return CB_BAD_PERIOD;
	n = period_format(&p, buf, sizeof buf);
	if (n == 0 || period_parse(buf, n, w->type, out) != CB_OK)
		return CB_BAD_PERIOD;
	return period_cmp(out, &cur) > 0 ? CB_FUTURE_PERIOD : CB_OK;
}

/* "g3", "g03": a g standing at the start of a word, then digits. */
static size_t
group_ascii(const char *s, size_t len, size_t i, int *group)
{
	size_t k = 0;

	if (s[i] != 'g' || (i > 0 && sms_is_alpha(s[i - 1])))
		return 0;
	*group = 0;
	while (i + 1 + k < len && sms_is_digit(s[i + 1 + k])) {
		if (k < 4)
			*group = *group * 10 + (s[i + 1 + k] - '0');
		k++;
	}
	if (k > 3)
		*group = GROUP_MAX + 1;
	return k == 0 ? 0 : 1 + k;
}

/* See sms_int.h. */
size_t
sms_group_scan(const char *s, size_t len, size_t i, int *group, enum cb_error *err)
{
	size_t k = 0, di = 0, n;

	*group = 0;
	*err = CB_OK;
	if (i >= len)
		return 0;
	if ((k = group_ascii(s, len, i, group)) == 0) {
		di = lit(s, len, i, "第");
		if ((n = int_at(s, len, i + di, group)) == 0)
			return 0;
		k = di + n;
		k += lit(s, len, i + k, "小");
		if ((n = lit(s, len, i + k, "组")) == 0 && (n = lit(s, len, i + k, "队")) == 0)
			return 0;
		k += n;
	}
	if (*group < 1 || *group > GROUP_MAX)
		*err = CB_BAD_GROUP;
	return k;
}
