/*
 * test_api_remind.c — reminders against a real cunbaod and mosquitto: before
 * a deadline each leader still missing gets one reminder on the bridge's
 * outbox (in the leader's language, on the leader's channel), once however
 * often cunbaod checks; groups that reported get none; after a deadline the
 * village's admins hear which groups are missing; POST /v1/reminders sends
 * now to exactly the leaders still missing.
 *
 * The clock is not faked: the test picks cunbaod's time zone so that it is
 * about noon there, and a catalog whose road report (daily) is due at 23:00
 * with reminders from 24 hours before, and whose sanitation report (weekly)
 * was due on Monday at 00:00 (so last week's and this week's are overdue,
 * like yesterday's road).  Every other kind is never chased.
 */
#include "test_api.h"
#include "test_remind.h"

/* Chased after its deadline (test_remind.h): last and this week's sanitation. */
static const char *const chased[] = { "sanitation", NULL };

/* An undated SMS (today's period, in cunbaod's zone) that must be accepted. */
static void
report_today(struct api *a, const char *id, const char *from, const char *text)
{
	cJSON *r;

	cr_assert(cbd_sms(&a->cbd, id, from, text));
	r = cbd_receipt(&a->cbd, id);
	cr_assert_not_null(r, "no receipt for %s", id);
	cr_assert_str_eq(rc_str(r, "status"), "accepted", "%s: %s", id, rc_str(r, "text"));
	cJSON_Delete(r);
}

/* Takes the outbox message to `to` (parsed; cJSON_Delete it), or NULL if there is none. */
static cJSON *
outbox_to(struct api *a, const char *to)
{
	char needle[128];
	struct h_msg *m;
	cJSON *j;

	snprintf(needle, sizeof needle, "\"to\":\"%s\"", to);
	if ((m = h_mqtt_wait(a->cbd.mq, OUTBOX, needle, 100)) == NULL)
		return NULL;
	j = cJSON_Parse(m->payload);
	cr_assert_not_null(j, "outbox payload is not JSON: %s", m->payload);
	cJSON_AddStringToObject(j, "topic", m->topic);
	h_msg_free(m);
	return j;
}

static const char *
jstr(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(j, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The leaders that must hear about the day's road: every group but 1 and 5 (who report). */
static const struct {
	const char *id, *channel, *words;
} reminded[] = {
	{ "+8613800000002", "sms", "二组" },
	{ "+8613800000003", "sms", "三组" },
	{ "tg:700000003", "tg", "三组" },
	{ "+8613800000004", "sms", "四组" },
	{ "+8613800000006", "sms", "六组" },
	{ "+8613800000007", "sms", "七组" },
	{ "+8613800000008", "sms", "Reminder: G8" },
};

Test(api_remind, once_per_leader_before_the_deadline_and_escalated_after)
{
	struct api a = { 0 };
	char zone[16];
	cJSON *m;

	noon_zone(zone, sizeof zone);
	api_start_with(&a, zone, "0", remind_catalog("remind-catalog.json", chased));
	cr_assert(h_mqtt_sub(a.cbd.mq, OUTBOX, 1));
	report_today(&a, "t:1", "+8613800000001", "道路 硬化100米");
	report_today(&a, "t:2", "+8613800000005", "道路 硬化50米");

	/* Now with reminders checked every 100 ms, the roster in cunbao since before last week. */
	cr_assert_eq(cbd_term(&a.cbd), 0);
	api_roster_backdate(&a);
	snprintf(a.interval, sizeof a.interval, "100ms");
	cr_assert(cbd_spawn(&a.cbd));
	/* + to the village admin: yesterday's road, last week's and this week's sanitation. */
	size_t want = sizeof reminded / sizeof reminded[0] + 3;
	cr_assert(outbox_wait(&a, want), "%zu outbox messages, want %zu", h_mqtt_count(a.cbd.mq, OUTBOX), want);
	/* Ten more checks: nothing more goes out. */
	usleep(1000 * 1000);
	cr_expect_eq(h_mqtt_count(a.cbd.mq, OUTBOX), want, "a reminder went out twice");

	for (size_t i = 0; i < sizeof reminded / sizeof reminded[0]; i++) {
		m = outbox_to(&a, reminded[i].id);
		cr_assert_not_null(m, "no reminder to %s", reminded[i].id);
		cr_expect(strncmp(jstr(m, "id"), "rm-", 3) == 0, "%s", jstr(m, "id"));
		cr_expect_str_eq(jstr(m, "channel"), reminded[i].channel);
		cr_expect(strstr(jstr(m, "topic"), reminded[i].channel) != NULL, "%s", jstr(m, "topic"));
		cr_expect(strstr(jstr(m, "text"), reminded[i].words) != NULL, "%s", jstr(m, "text"));
		cr_expect(strstr(jstr(m, "text"), i == 6 ? "road" : "道路") != NULL, "%s", jstr(m, "text"));
		cr_expect(strstr(jstr(m, "text"), i == 6 ? "23:00" : "23时") != NULL, "%s", jstr(m, "text"));
		cJSON_Delete(m);
	}
	int sanitation = 0, road = 0;
	for (int i = 0; i < 3; i++) {
		m = outbox_to(&a, "+8613800000010");
		cr_assert_not_null(m, "the village admin heard %d times, not 3", i);
		cr_expect(strstr(jstr(m, "text"), "催报：河西村") != NULL, "%s", jstr(m, "text"));
		cr_expect(strstr(jstr(m, "text"), "还有8组未报") != NULL, "%s", jstr(m, "text"));
		sanitation += strstr(jstr(m, "text"), "卫生") != NULL;
		road += strstr(jstr(m, "text"), "道路") != NULL;
		cJSON_Delete(m);
	}
	cr_expect(sanitation == 2 && road == 1, "sanitation %d, road %d", sanitation, road);
	cr_expect_null(outbox_to(&a, "+8613800000001"), "group 1 reported");
	cr_expect_null(outbox_to(&a, "+8613800000005"), "group 5 reported");
	cr_expect_null(outbox_to(&a, "+8613800000020"), "the township admin is not a village admin");
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM reminders WHERE type = 'remind'"), 7);
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM reminders WHERE type = 'escalate'"), 3);

	/* A leader added to a missing group is reminded too, and only that one. */
	struct resp r = http_req(a.port, "POST", "/v1/reporters", TOKEN_ADMIN, "application/json",
	    "{\"id\":\"tg:4040\",\"name\":\"刘四\",\"area\":\"xinzhuang/hexi/g04\"}");
	cr_expect_eq(r.status, 201, "%s", r.body);
	resp_free(&r);
	cr_assert(outbox_wait(&a, 1), "the new leader got no reminder");
	m = outbox_to(&a, "tg:4040");
	cr_assert_not_null(m);
	cr_expect(strstr(jstr(m, "text"), "四组") != NULL, "%s", jstr(m, "text"));
	cJSON_Delete(m);
	usleep(500 * 1000);
	cr_expect_eq(h_mqtt_count(a.cbd.mq, OUTBOX), 0, "more than the new leader heard");
	api_stop(&a);
}

Test(api_remind, on_request_only_the_leaders_still_missing)
{
	struct api a = { 0 };
	char zone[16];
	struct resp r;
	cJSON *j;
	const cJSON *it;

	noon_zone(zone, sizeof zone);
	api_start_with(&a, zone, "0", remind_catalog("remind-catalog.json", chased));
	cr_assert(h_mqtt_sub(a.cbd.mq, OUTBOX, 1));
	report_today(&a, "t:1", "+8613800000001", "道路 硬化100米");
	report_today(&a, "t:2", "+8613800000005", "道路 硬化50米");
	report_today(&a, "t:3", "+8613800000002", "道路 硬化30米");

	r = http_req(a.port, "POST", "/v1/reminders", TOKEN_ADMIN, "application/json",
	    "{\"kind\":\"road\",\"area\":\"xinzhuang/hexi\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = cJSON_Parse(r.body);
	resp_free(&r);
	cr_expect_eq(cJSON_GetObjectItem(j, "missing")->valueint, 5);
	cr_expect_eq(cJSON_GetObjectItem(j, "sent")->valueint, 6);
	char to[512] = "";
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "reminders")) {
		strncat(to, jstr(it, "to"), sizeof to - strlen(to) - 1);
		strncat(to, " ", sizeof to - strlen(to) - 1);
	}
	cr_expect_str_eq(to, "+8613800000003 tg:700000003 +8613800000004 +8613800000006 "
	    "+8613800000007 +8613800000008 ");
	cJSON_Delete(j);
	cr_assert(outbox_wait(&a, 6));
	cr_expect_null(outbox_to(&a, "+8613800000002"), "group 2 reported: no reminder");
	cJSON *m = outbox_to(&a, "+8613800000008");
	cr_assert_not_null(m);
	cr_expect(strncmp(jstr(m, "text"), "Reminder: G8", 12) == 0, "%s", jstr(m, "text"));
	cJSON_Delete(m);

	/* Just one group, by area: its leader was reminded a moment ago, so is skipped (remind-dedup). */
	r = http_req(a.port, "POST", "/v1/reminders", TOKEN_ADMIN, "application/json",
	    "{\"kind\":\"road\",\"area\":\"xinzhuang/hexi/g04\"}");
	cr_expect_eq(r.status, 200);
	cr_expect(strstr(r.body, "\"sent\":0,") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "already reminded") != NULL, "%s", r.body);
	resp_free(&r);

	expect_error(&a, "POST", "/v1/reminders", TOKEN_ADMIN, "{\"area\":\"xinzhuang\"}", 400, "kind");
	expect_error(&a, "POST", "/v1/reminders", TOKEN_ADMIN, "{\"kind\":\"rice\"}", 400, "kind");
	expect_error(&a, "POST", "/v1/reminders", TOKEN_ADMIN, "{\"kind\":\"road\",\"period\":\"2023-12\"}", 400,
	    "period");
	expect_error(&a, "POST", "/v1/reminders", TOKEN_ADMIN, "{\"kind\":\"road\",\"area\":\"/\"}", 400, "area");
	expect_error(&a, "POST", "/v1/reminders", TOKEN_ADMIN, "{\"kind\":7}", 400, "kind");

	/* With the broker gone nothing can be sent, and the answer says so. */
	h_broker_stop(&a.cbd.broker);
	bool down = false;
	for (int i = 0; i < 100 && !down; i++) {
		r = http_req(a.port, "POST", "/v1/reminders", TOKEN_ADMIN, "application/json",
		    "{\"kind\":\"road\",\"all\":true}");
		down = r.status == 503;
		resp_free(&r);
		if (!down)
			usleep(100 * 1000);
	}
	cr_expect(down, "reminders accepted with the broker gone");
	cr_assert(h_broker_start(&a.cbd.broker));
	api_stop(&a);
}
