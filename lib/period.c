/*
 * period.c — reporting periods on the proleptic Gregorian calendar.
 *
 * Everything is reduced to a day number (days since 1970-01-01, negative
 * before) with Howard Hinnant's days_from_civil / civil_from_days, which are
 * exact for every year an int holds.  A period is then its first day; ISO
 * weeks start on the Monday of the week holding the week-year's 4 January.
 * Instants become local days by adding the caller's UTC offset.
 */
#include <stdio.h>
#include <string.h>

#include "period.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define DAY_SECONDS 86400

/*
 * Names and canonical text patterns by type.  In a pattern, 'y' is a digit
 * of the year, 'n' of the number (month, week, quarter), 'd' of the day;
 * every other character must appear as is.
 */
static const struct {
	const char *name;
	const char *pattern;
} period_types[] = {
	[PERIOD_DAY] = { "day", "yyyy-nn-dd" },
	[PERIOD_WEEK] = { "week", "yyyy-Wnn" },
	[PERIOD_MONTH] = { "month", "yyyy-nn" },
	[PERIOD_QUARTER] = { "quarter", "yyyy-Qn" },
	[PERIOD_YEAR] = { "year", "yyyy" },
};

struct civil {
	int64_t year;
	int month, day;
};

/* Floor division and modulo for a positive divisor. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && a < 0);
}

static int64_t
floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/* Days since 1970-01-01 of a civil date (Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* The civil date of a day number (Hinnant's civil_from_days). */
static struct civil
civil_from_days(int64_t z)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	struct civil c;

	c.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c.year = yoe + era * 400 + (c.month <= 2);
	return c;
}

/* ISO weekday of a day number: Monday 1 .. Sunday 7 (1970-01-01 was a Thursday). */
static int
iso_weekday(int64_t days)
{
	return (int)floor_mod(days + 3, 7) + 1;
}

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int64_t y, int m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

/* Day number of the Monday that starts ISO week 1 of week-year y. */
static int64_t
iso_week1_monday(int64_t y)
{
	int64_t jan4 = days_from_civil(y, 1, 4);

	return jan4 - (iso_weekday(jan4) - 1);
}

/* 52 or 53: the ISO week of 28 December is the last of its week-year. */
static int
iso_weeks_in_year(int64_t y)
{
	return (int)((days_from_civil(y, 12, 28) - iso_week1_monday(y)) / 7 + 1);
}

/* The ISO week holding a day: the week-year is that of the week's Thursday. */
static struct period
iso_week_of(int64_t days)
{
	int64_t thursday = days - iso_weekday(days) + 4;
	struct civil c = civil_from_days(thursday);
	struct period p = { PERIOD_WEEK, (int)c.year, 0, 0 };

	p.n = (int)((thursday - days_from_civil(c.year, 1, 1)) / 7 + 1);
	return p;
}

/* The period of type t holding a day number. */
static struct period
period_of_day(enum period_type t, int64_t days)
{
	struct civil c = civil_from_days(days);
	struct period p = { t, (int)c.year, 0, 0 };

	switch (t) {
	case PERIOD_DAY:
		p.n = c.month;
		p.day = c.day;
		break;
	case PERIOD_WEEK:
		return iso_week_of(days);
	case PERIOD_MONTH:
		p.n = c.month;
		break;
	case PERIOD_QUARTER:
		p.n = (c.month - 1) / 3 + 1;
		break;
	case PERIOD_YEAR:
		break;
	}
	return p;
}

/* The day number of p's first day. */
static int64_t
period_first_day(const struct period *p)
{
	switch (p->type) {
	case PERIOD_DAY:
		return days_from_civil(p->year, p->n, p->day);
	case PERIOD_WEEK:
		return iso_week1_monday(p->year) + 7 * ((int64_t)p->n - 1);
	case PERIOD_MONTH:
		return days_from_civil(p->year, p->n, 1);
	case PERIOD_QUARTER:
		return days_from_civil(p->year, 3 * (p->n - 1) + 1, 1);
	case PERIOD_YEAR:
		break;
	}
	return days_from_civil(p->year, 1, 1);
}

/* True when p's fields make a period of its type (any year). */
static bool
period_valid(const struct period *p)
{
	switch (p->type) {
	case PERIOD_DAY:
		return period_valid_date(p->year, p->n, p->day);
	case PERIOD_WEEK:
		return p->day == 0 && p->n >= 1 && p->n <= iso_weeks_in_year(p->year);
	case PERIOD_MONTH:
		return p->day == 0 && p->n >= 1 && p->n <= 12;
	case PERIOD_QUARTER:
		return p->day == 0 && p->n >= 1 && p->n <= 4;
	case PERIOD_YEAR:
		return p->day == 0 && p->n == 0;
	}
	return false;
}

const char *
period_type_name(enum period_type t)
{
	if ((unsigned)t >= NELEM(period_types))
		return "unknown";
	return period_types[t].name;
}

/* Looks a type name up in the table; false (and *out untouched) if unknown. */
bool
period_type_parse(const char *s, enum period_type *out)
{
	if (s == NULL)
		return false;
	for (size_t i = 0; i < NELEM(period_types); i++) {
		if (strcmp(period_types[i].name, s) == 0) {
			*out = (enum period_type)i;
			return true;
		}
	}
	return false;
}

/* Local day of the instant (saturating far outside any real date), then its period. */
struct period
period_of(enum period_type t, int64_t t_unix, int32_t utc_offset)
{
	int64_t local;

	if (__builtin_add_overflow(t_unix, (int64_t)utc_offset, &local))
		local = utc_offset > 0 ? INT64_MAX : INT64_MIN;
	return period_of_day(t, floor_div(local, DAY_SECONDS));
}

/*
 * Matches s[0..len) against the type's pattern, collecting the year, number
 * and day digits, then checks the result is a real period from 1970 to 9999.
 * *out is written only on success.
 */
enum cb_error
period_parse(const char *s, size_t len, enum period_type t, struct period *out)
{
	struct period p = { t, 0, 0, 0 };

	if (s == NULL || (unsigned)t >= NELEM(period_types))
		return CB_BAD_PERIOD;
	const char *pat = period_types[t].pattern;
	if (len != strlen(pat))
		return CB_BAD_PERIOD;
	for (size_t i = 0; i < len; i++) {
		int *slot = pat[i] == 'y' ? &p.year : pat[i] == 'n' ? &p.n :
		    pat[i] == 'd' ? &p.day : NULL;

		if (slot == NULL) {
			if (s[i] != pat[i])
				return CB_BAD_PERIOD;
		} else if (s[i] >= '0' && s[i] <= '9') {
			*slot = *slot * 10 + (s[i] - '0');
		} else {
			return CB_BAD_PERIOD;
		}
	}
	if (p.year < 1970 || p.year > 9999 || !period_valid(&p))
		return CB_BAD_PERIOD;
	*out = p;
	return CB_OK;
}

/*
 * Writes the canonical text of p.  Returns 0 (buf "" when it has room)
 * if buflen < CB_PERIOD_MAX, p is not a valid period, or its year is
 * outside 0..9999 and so has no four-digit form.
 */
size_t
period_format(const struct period *p, char *buf, size_t buflen)
{
	int n;

	if (buflen > 0)
		buf[0] = '\0';
	if (buflen < CB_PERIOD_MAX || !period_valid(p) || p->year < 0 || p->year > 9999)
		return 0;
	switch (p->type) {
	case PERIOD_DAY:
		n = snprintf(buf, buflen, "%04d-%02d-%02d", p->year, p->n, p->day);
		break;
	case PERIOD_WEEK:
		n = snprintf(buf, buflen, "%04d-W%02d", p->year, p->n);
		break;
	case PERIOD_MONTH:
		n = snprintf(buf, buflen, "%04d-%02d", p->year, p->n);
		break;
	case PERIOD_QUARTER:
		n = snprintf(buf, buflen, "%04d-Q%d", p->year, p->n);
		break;
	default:
		n = snprintf(buf, buflen, "%04d", p->year);
		break;
	}
	return n > 0 ? (size_t)n : 0;
}

/*
 * Steps p by delta (-1 or +1) periods.  Days and weeks step through day
 * numbers; months, quarters and years through a running count so that the
 * year carries.
 */
static struct period
period_step(const struct period *p, int delta)
{
	struct period q = *p;
	int64_t per_year = p->type == PERIOD_MONTH ? 12 : 4, idx;

	switch (p->type) {
	case PERIOD_DAY:
		return period_of_day(PERIOD_DAY, period_first_day(p) + delta);
	case PERIOD_WEEK:
		return iso_week_of(period_first_day(p) + 7 * delta);
	case PERIOD_MONTH:
	case PERIOD_QUARTER:
		idx = (int64_t)p->year * per_year + (p->n - 1) + delta;
		q.year = (int)floor_div(idx, per_year);
		q.n = (int)floor_mod(idx, per_year) + 1;
		break;
	case PERIOD_YEAR:
		q.year = p->year + delta;
		break;
	}
	return q;
}

struct period
period_prev(const struct period *p)
{
	return period_step(p, -1);
}

struct period
period_next(const struct period *p)
{
	return period_step(p, +1);
}

/* Local midnight of the first day, moved back to UTC by the offset. */
int64_t
period_start(const struct period *p, int32_t utc_offset)
{
	return period_first_day(p) * DAY_SECONDS - utc_offset;
}

int64_t
period_end(const struct period *p, int32_t utc_offset)
{
	struct period next = period_next(p);

	return period_start(&next, utc_offset);
}

/*
 * Same types compare field by field (year, number, day), which is time
 * order, the week-year included.  Different types compare by first day; on
 * a tie the shorter type comes first, so the order stays total.
 */
int
period_cmp(const struct period *a, const struct period *b)
{
	if (a->type == b->type) {
		if (a->year != b->year)
			return a->year < b->year ? -1 : 1;
		if (a->n != b->n)
			return a->n < b->n ? -1 : 1;
		if (a->day != b->day)
			return a->day < b->day ? -1 : 1;
		return 0;
	}
	int64_t da = period_first_day(a), db = period_first_day(b);
	if (da != db)
		return da < db ? -1 : 1;
	return a->type < b->type ? -1 : 1;
}

/* True when year-month-day is a date of the proleptic Gregorian calendar. */
bool
period_valid_date(int year, int month, int day)
{
	return month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(year, month);
}

int64_t
period_days_from_civil(int year, int month, int day)
{
	return days_from_civil(year, month, day);
}
