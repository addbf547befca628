/*
 * tz.h — the clock and the time zone, at the edge of the pure core.
 *
 * lib/ takes `now` and a UTC offset as parameters; this is where they come
 * from.  The zone is the process's TZ (set once by tz_set, from --tz).
 */
#ifndef CUNBAOD_TZ_H
#define CUNBAOD_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TZ_STAMP_MAX 32		/* "2023-12-05T08:30:00+08:00" + NUL */

/* Makes zone the process's time zone (setenv TZ + tzset). */
void tz_set(const char *zone);

/* Seconds east of UTC that hold at instant t in the process's zone. */
int32_t tz_offset(int64_t t);

/* Unix seconds now. */
int64_t tz_now(void);

/* Writes t as RFC 3339 local time with its offset; returns the length. */
size_t tz_format(int64_t t, char *buf, size_t buflen);

/*
 * Parses RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)" into unix seconds.
 * Returns false on anything else (a time without offset included).
 */
bool tz_parse(const char *s, int64_t *out);

#endif
