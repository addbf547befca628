/*
 * test_remind.h — what the reminder tests (test_api_remind.c,
 * test_roster_remind.c) share: a real clock made to fall at a known hour
 * (cunbaod's time zone picked so that it is about noon there), the shipped
 * catalog with deadlines set around that noon, and a wait for the outbox.
 * Include after test_api.h.
 */
#ifndef TEST_REMIND_H
#define TEST_REMIND_H

#include <time.h>

#include "test_api.h"

#define OUTBOX CBD_ROOT "/outbox/#"

/* A POSIX TZ in which it is now about noon ("TST-5" is UTC+5). */
static inline void
noon_zone(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	int east;

	gmtime_r(&now, &tm);
	east = 12 - tm.tm_hour;	/* -11 .. 12 */
	if (east == 0)
		snprintf(buf, len, "UTC");
	else
		snprintf(buf, len, "TST%c%d", east > 0 ? '-' : '+', east > 0 ? east : -east);
}

/*
 * The shipped catalog with deadlines around noon, written to the scratch
 * dir as `file`; returns its path (static).  Every kind is due on day 1 at
 * 00:00 (Monday for weekly kinds, the 1st for monthly ones: past), road
 * (daily) at 23:00 with reminders from 24 h before; the kinds named in past
 * (NULL-terminated) get reminders from 1 h before, every other kind none.
 */
static inline const char *
remind_catalog(const char *file, const char *const *past)
{
	static char path[512];
	char *text = h_read_file(h_src("schema/catalog.json"), NULL);
	cJSON *c = cJSON_Parse(text), *k;

	cr_assert_not_null(c);
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(c, "kinds")) {
		const char *code = cJSON_GetObjectItem(k, "code")->valuestring;
		cJSON *d = cJSON_GetObjectItem(k, "deadline");
		bool road = strcmp(code, "road") == 0, chased = false;

		for (size_t i = 0; past[i] != NULL; i++)
			chased |= strcmp(code, past[i]) == 0;
		cJSON_ReplaceItemInObject(d, "day", cJSON_CreateNumber(1));
		cJSON_ReplaceItemInObject(d, "hour", cJSON_CreateNumber(road ? 23 : 0));
		cJSON_ReplaceItemInObject(d, "remind_hours", cJSON_CreateNumber(road ? 24 : chased ? 1 : 0));
	}
	char *out = cJSON_Print(c);
	snprintf(path, sizeof path, "%s", h_path(file));
	cr_assert(h_write_file(path, out));
	free(out);
	free(text);
	cJSON_Delete(c);
	return path;
}

/* Waits until n outbox messages have arrived (about 10 s); false at the deadline. */
static inline bool
outbox_wait(struct api *a, size_t n)
{
	for (int i = 0; i < 200; i++) {
		if (h_mqtt_count(a->cbd.mq, OUTBOX) >= n)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

#endif
