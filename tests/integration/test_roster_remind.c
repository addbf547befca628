/*
 * test_roster_remind.c — no false alarms: cunbaod started on a fresh
 * database at a time past several kinds' deadlines chases no period from
 * before its start (no escalation of yesterday's road, of this or last
 * week's sanitation, of this or last month's livestock), while the
 * reminders of the current period (today's road, due tonight) still go;
 * the dry runs (GET /v1/reminders/due, cunbaoctl remind --dry-run) say so
 * before anything is sent.
 *
 * The clock is not faked: as in test_api_remind.c, cunbaod's time zone is
 * picked so that it is about noon there, and the catalog's deadlines are
 * set around that noon: road (daily) due at 23:00 with reminders from 24 h
 * before; sanitation (weekly) due on Monday 00:00 and livestock (monthly)
 * due on the 1st at 00:00, both past, with reminders from 1 h before.
 */
#include "test_api.h"
#include "test_remind.h"

/* Chased from 1 h before a deadline already past: only the roster's start holds back their escalations. */
static const char *const past[] = { "sanitation", "livestock", NULL };
#define LEADERS 9	/* the example village's leaders: groups 1 to 8, and group 3's Telegram id */

/* GET /v1/reminders/due, parsed (cJSON_Delete it). */
static cJSON *
due(struct api *a)
{
	struct resp r = http_get(a->port, "/v1/reminders/due", TOKEN_READ);
	cJSON *j;

	cr_assert_eq(r.status, 200, "%s", r.body);
	j = cJSON_Parse(r.body);
	cr_assert_not_null(j, "%s", r.body);
	resp_free(&r);
	return j;
}

/* How many items of the due list are of type and kind. */
static int
due_count(const cJSON *j, const char *type, const char *kind)
{
	const cJSON *it;
	int n = 0;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "due"))
		n += strcmp(cJSON_GetObjectItem(it, "type")->valuestring, type) == 0 &&
		    strcmp(cJSON_GetObjectItem(it, "kind")->valuestring, kind) == 0;
	return n;
}

Test(roster_remind, the_first_start_chases_only_the_current_period)
{
	struct api a = { 0 };
	char zone[16];
	struct h_msg *m;

	noon_zone(zone, sizeof zone);
	/* A fresh database, its roster imported at this start, reminders checked every 100 ms. */
	api_start_with(&a, zone, "100ms", remind_catalog("past-catalog.json", past));
	cr_assert(h_mqtt_sub(a.cbd.mq, OUTBOX, 1));
	cr_assert(outbox_wait(&a, LEADERS), "%zu reminders of today's road, want %d",
	    h_mqtt_count(a.cbd.mq, OUTBOX), LEADERS);
	usleep(1500 * 1000);	/* fifteen more checks */
	cr_expect_eq(h_mqtt_count(a.cbd.mq, OUTBOX), LEADERS, "more than today's road went out");
	for (int i = 0; i < LEADERS; i++) {
		m = h_mqtt_wait(a.cbd.mq, OUTBOX, NULL, 100);
		cr_assert_not_null(m);
		cr_expect(strstr(m->payload, "道路") != NULL || strstr(m->payload, "road") != NULL, "%s", m->payload);
		cr_expect(strstr(m->payload, "+8613800000010") == NULL, "the village admin heard: %s", m->payload);
		h_msg_free(m);
	}
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM reminders WHERE type = 'escalate'"), 0);
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM reminders WHERE kind <> 'road'"), 0);
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(DISTINCT period) FROM reminders"), 1, "road of one day only");

	/* What was sent, by the API and cunbaoctl; nothing more is due. */
	struct resp r = http_get(a.port, "/v1/reminders?kind=road&area=xinzhuang/hexi", TOKEN_READ);
	cJSON *j = cJSON_Parse(r.body);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), LEADERS, "%s", r.body);
	cr_expect(strstr(r.body, "\"type\":\"remind\"") != NULL, "%s", r.body);
	cJSON_Delete(j);
	resp_free(&r);
	j = due(&a);
	cr_expect_eq(cJSON_GetObjectItem(j, "count")->valueint, 0, "still due after the check sent it");
	cJSON_Delete(j);
	char cmd[2048];
	int rc;
	snprintf(cmd, sizeof cmd, "CUNBAO_TOKEN='%s' '%s' remind --sent --kind road --url %s 2>&1", TOKEN_READ,
	    h_bin("tools/cunbaoctl/cunbaoctl"), a.url);
	char *out = h_run(cmd, &rc);
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect(strstr(out, "rm-1 ") != NULL && strstr(out, "+86138****0008") != NULL, "%s", out);
	cr_expect(strstr(out, "+8613800000008") == NULL, "a whole number without --wide:\n%s", out);
	free(out);
	snprintf(cmd, sizeof cmd, "CUNBAO_TOKEN='%s' '%s' remind --sent --kind road --wide --url %s 2>&1",
	    TOKEN_READ, h_bin("tools/cunbaoctl/cunbaoctl"), a.url);
	out = h_run(cmd, &rc);
	cr_expect(rc == 0 && strstr(out, "+8613800000008") != NULL, "--wide: %s", out);
	free(out);
	api_stop(&a);
}

Test(roster_remind, dry_runs_say_what_is_due_and_send_nothing)
{
	struct api a = { 0 };
	char zone[16], cmd[2048];
	cJSON *j;
	int rc;

	noon_zone(zone, sizeof zone);
	api_start_with(&a, zone, "0", remind_catalog("past-catalog.json", past));
	cr_assert(h_mqtt_sub(a.cbd.mq, OUTBOX, 1));

	j = due(&a);
	cr_expect_eq(cJSON_GetObjectItem(j, "count")->valueint, LEADERS);
	cr_expect_eq(due_count(j, "remind", "road"), LEADERS);
	cr_expect_eq(due_count(j, "escalate", "road") + due_count(j, "escalate", "sanitation") +
	    due_count(j, "escalate", "livestock"), 0, "an escalation of a period before the start is due");
	cJSON_Delete(j);

	snprintf(cmd, sizeof cmd, "CUNBAO_TOKEN='%s' '%s' remind --dry-run --url %s 2>&1", TOKEN_READ,
	    h_bin("tools/cunbaoctl/cunbaoctl"), a.url);
	char *out = h_run(cmd, &rc);
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect(strstr(out, "9 message(s) (dry run: nothing sent)") != NULL, "%s", out);
	cr_expect(strstr(out, "+86138****0008") != NULL && strstr(out, "+8613800000008") == NULL,
	    "numbers masked without --wide:\n%s", out);
	free(out);
	snprintf(cmd, sizeof cmd, "CUNBAO_TOKEN='%s' '%s' remind --dry-run --kind road --area xinzhuang/hexi "
	    "--url %s 2>&1", TOKEN_ADMIN, h_bin("tools/cunbaoctl/cunbaoctl"), a.url);
	out = h_run(cmd, &rc);
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect(strstr(out, "9 reminder(s) would be sent (dry run: nothing sent)") != NULL, "%s", out);
	free(out);

	/* The gate is the roster's start: the same roster as if a month old owes the escalations. */
	api_roster_backdate(&a);
	j = due(&a);
	cr_expect_eq(due_count(j, "remind", "road"), LEADERS);
	cr_expect_eq(due_count(j, "escalate", "road"), 1, "yesterday's road");
	cr_expect_eq(due_count(j, "escalate", "sanitation"), 2, "this and last week's sanitation");
	cr_expect_eq(due_count(j, "escalate", "livestock"), 2, "this and last month's livestock");
	cJSON_Delete(j);

	usleep(300 * 1000);
	cr_expect_eq(h_mqtt_count(a.cbd.mq, OUTBOX), 0, "a dry run sent something");
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM reminders"), 0, "a dry run recorded something");
	api_stop(&a);
}
