/*
 * tz.c — unix seconds <-> RFC 3339, and the local UTC offset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "period.h"
#include "tz.h"

void
tz_set(const char *zone)
{
	setenv("TZ", zone, 1);
	tzset();
}

int32_t
tz_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return (int32_t)tm.tm_gmtoff;
}

int64_t
tz_now(void)
{
	return (int64_t)time(NULL);
}

size_t
tz_format(int64_t t, char *buf, size_t buflen)
{
	time_t tt = (time_t)t;
	struct tm tm;
	long off;
	int n;

	if (localtime_r(&tt, &tm) == NULL)
		gmtime_r(&tt, &tm);
	off = tm.tm_gmtoff;
	n = snprintf(buf, buflen, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60);
	return n < 0 || (size_t)n >= buflen ? 0 : (size_t)n;
}

/* Reads exactly n digits at s into *v; false if any is not a digit. */
static bool
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

bool
tz_parse(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 1;
	const char *p = s + 19;

	if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return false;
	if (!period_valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 60)
		return false;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' || *p == 'z') {
		if (p[1] != '\0')
			return false;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) ||
		    p[6] != '\0' || oh > 23 || om > 59)
			return false;
	} else
		return false;
	*out = period_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    sign * (oh * 3600 + om * 60);
	return true;
}
