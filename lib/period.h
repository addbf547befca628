/*
 * period.h — reporting periods: day, ISO week, month, quarter, year.
 *
 * Which period an instant falls in depends on the area's time zone; lib/ has
 * no time-zone database, so callers pass the UTC offset in seconds that holds
 * at that instant (Asia/Shanghai: +28800).  Text forms, which cross process
 * boundaries (topics, payloads, the database):
 *   day "2023-12-05", week "2023-W48" (ISO 8601 week-year), month "2023-12",
 *   quarter "2023-Q4", year "2023".
 */
#ifndef CB_PERIOD_H
#define CB_PERIOD_H

#include "cunbao.h"

enum period_type { PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH, PERIOD_QUARTER, PERIOD_YEAR };

/*
 * One period.  year is the calendar year (the ISO week-year for weeks);
 * n is the day-of-month's month (day), week 1..53, month 1..12, quarter 1..4,
 * unused (0) for a year; day is 1..31 for a day period, else 0.
 */
struct period {
	enum period_type type;
	int year;
	int n;
	int day;
};

/* "day", "week", "month", "quarter", "year" <-> enum; parse returns false on anything else. */
const char *period_type_name(enum period_type t);
bool period_type_parse(const char *s, enum period_type *out);

/* The period of type t that contains the instant t_unix (seconds) at utc_offset seconds east of UTC. */
struct period period_of(enum period_type t, int64_t t_unix, int32_t utc_offset);

/*
 * Parses the canonical text form of a period of type t (see above).  Returns
 * CB_BAD_PERIOD for text of another type, impossible dates (2023-02-30,
 * 2021-W53) or years outside 1970..9999.
 */
enum cb_error period_parse(const char *s, size_t len, enum period_type t, struct period *out);

/* Writes the canonical text; returns its length, 0 if buflen < CB_PERIOD_MAX. */
size_t period_format(const struct period *p, char *buf, size_t buflen);

/* The period just before / after p, of the same type. */
struct period period_prev(const struct period *p);
struct period period_next(const struct period *p);

/* First instant (unix seconds) of p at utc_offset. */
int64_t period_start(const struct period *p, int32_t utc_offset);
/* First instant after p (the start of period_next). */
int64_t period_end(const struct period *p, int32_t utc_offset);

/* <0, 0, >0 as a is before, equal to, after b; periods of different types compare by start. */
int period_cmp(const struct period *a, const struct period *b);

/* Civil-date helpers used by the grammar and by deadlines. */
bool period_valid_date(int year, int month, int day);
int64_t period_days_from_civil(int year, int month, int day);	/* days since 1970-01-01 */

#endif
