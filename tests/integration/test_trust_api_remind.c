/*
 * test_trust_api_remind.c — POST /v1/reminders cannot text a county by
 * mistake: without an area it is refused unless "all": true says so; one
 * request sends at most remind-max (3 here); a leader reminded of the same
 * kind and period within remind-dedup is skipped, and the answer says who
 * was skipped and why.  Real cunbaod and mosquitto; nothing of the example
 * village has reported livestock for 2023-12, so its 8 groups (9 leaders)
 * are all missing.
 */
#include "test_api.h"

#define OUTBOX CBD_ROOT "/outbox/#"

/* Posts a reminder request; returns the parsed 200 answer (cJSON_Delete it). */
static cJSON *
remind(struct api *a, const char *body)
{
	struct resp r = http_req(a->port, "POST", "/v1/reminders", TOKEN_ADMIN, "application/json", body);
	cJSON *j;

	cr_assert_eq(r.status, 200, "%s: %d %s", body, r.status, r.body);
	j = cJSON_Parse(r.body);
	cr_assert_not_null(j, "%s", r.body);
	resp_free(&r);
	return j;
}

/* How many skipped entries of j have a reason containing want. */
static int
skipped_for(const cJSON *j, const char *want)
{
	const cJSON *it;
	int n = 0;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "skipped")) {
		const cJSON *why = cJSON_GetObjectItem(it, "reason");
		n += cJSON_IsString(why) && strstr(why->valuestring, want) != NULL;
	}
	return n;
}

/* Waits until n messages are on the outbox; returns how many there are. */
static size_t
outbox_count(struct api *a, size_t n)
{
	size_t got = 0;

	for (int i = 0; i < 200 && (got = h_mqtt_count(a->cbd.mq, OUTBOX)) < n; i++)
		usleep(50 * 1000);
	return got;
}

/* Without an area it is refused unless "all": true; then nobody is texted twice within remind-dedup. */
Test(trust_api_remind, area_required_and_deduplicated)
{
	struct api a = { 0 };
	cJSON *j;

	api_start(&a);
	api_roster_backdate(&a);	/* the roster predates 2023-12 */
	cr_assert(h_mqtt_sub(a.cbd.mq, OUTBOX, 1));
	expect_error(&a, "POST", "/v1/reminders", TOKEN_ADMIN, "{\"kind\":\"livestock\",\"period\":\"2023-12\"}",
	    400, "\"all\": true");
	j = remind(&a, "{\"kind\":\"livestock\",\"period\":\"2023-12\",\"all\":true}");
	cr_expect_eq(cJSON_GetObjectItem(j, "sent")->valueint, 9);
	cr_expect_not(cJSON_IsTrue(cJSON_GetObjectItem(j, "capped")));
	cJSON_Delete(j);
	cr_expect_eq(outbox_count(&a, 9), 9);
	j = remind(&a, "{\"kind\":\"livestock\",\"period\":\"2023-12\",\"area\":\"xinzhuang\"}");
	cr_expect_eq(cJSON_GetObjectItem(j, "sent")->valueint, 0);
	cr_expect_eq(skipped_for(j, "already reminded"), 9, "%d", skipped_for(j, "already reminded"));
	cJSON_Delete(j);
	usleep(300 * 1000);	/* a tenth would have been queued before the answer */
	cr_expect_eq(h_mqtt_count(a.cbd.mq, OUTBOX), 9, "a leader was texted twice");
	api_stop(&a);
}

/* One request sends at most remind-max (3 here); the rest are listed as skipped for it. */
Test(trust_api_remind, capped)
{
	struct api a = { 0 };
	cJSON *j;

	static char listen[64], tokens[256];
	const char *extra[] = { "--listen", listen, "--tokens", tokens, "--remind-interval", "0",
		"--remind-max", "3", NULL };

	/* test_api.h's api_start takes no more flags: the same start, with --remind-max 3. */
	a.port = h_free_port();
	snprintf(listen, sizeof listen, "127.0.0.1:%d", a.port);
	snprintf(tokens, sizeof tokens, "%s", h_path("tokens"));
	api_tokens_write(tokens, 0600);
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		a.cbd.extra[i] = extra[i];
	cbd_start(&a.cbd);
	cr_assert(h_wait_port(a.port, CBD_WAIT));
	api_roster_backdate(&a);	/* the roster predates 2023-12 */
	cr_assert(h_mqtt_sub(a.cbd.mq, OUTBOX, 1));

	/* No area and no "all": refused, nothing sent. */
	expect_error(&a, "POST", "/v1/reminders", TOKEN_ADMIN, "{\"kind\":\"livestock\",\"period\":\"2023-12\"}",
	    400, "\"all\": true");
	expect_error(&a, "POST", "/v1/reminders", TOKEN_ADMIN,
	    "{\"kind\":\"livestock\",\"period\":\"2023-12\",\"all\":\"yes\"}", 400, "all");
	expect_error(&a, "POST", "/v1/reminders", TOKEN_ADMIN,
	    "{\"kind\":\"livestock\",\"period\":\"2023-12\",\"all\":true,\"area\":\"xinzhuang\"}", 400, "not both");

	/* The whole roster, said so: 3 sent (the cap), the other 6 leaders skipped for it. */
	j = remind(&a, "{\"kind\":\"livestock\",\"period\":\"2023-12\",\"all\":true}");
	cr_expect_eq(cJSON_GetObjectItem(j, "sent")->valueint, 3);
	cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "capped")));
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "reminders")), 3);
	cr_expect_eq(skipped_for(j, "remind-max"), 6, "skipped for the cap: %d", skipped_for(j, "remind-max"));
	cJSON_Delete(j);
	cr_expect_eq(outbox_count(&a, 3), 3);

	/* Again: the 3 reminded are skipped (dedup), the next 3 go. */
	j = remind(&a, "{\"kind\":\"livestock\",\"period\":\"2023-12\",\"all\":true}");
	cr_expect_eq(cJSON_GetObjectItem(j, "sent")->valueint, 3);
	cr_expect_eq(skipped_for(j, "already reminded"), 3);
	cr_expect_eq(skipped_for(j, "remind-max"), 3);
	cJSON_Delete(j);

	/* One group whose leader was just reminded: nobody texted twice. */
	j = remind(&a, "{\"kind\":\"livestock\",\"period\":\"2023-12\",\"area\":\"xinzhuang/hexi/g01\"}");
	cr_expect_eq(cJSON_GetObjectItem(j, "sent")->valueint, 0);
	cr_expect_eq(skipped_for(j, "already reminded"), 1);
	cr_expect_not(cJSON_IsTrue(cJSON_GetObjectItem(j, "capped")));
	cJSON_Delete(j);
	cr_expect_eq(outbox_count(&a, 6), 6);
	usleep(300 * 1000);	/* a seventh would have been queued before the answer */
	cr_expect_eq(h_mqtt_count(a.cbd.mq, OUTBOX), 6, "a leader was texted twice");
	api_stop(&a);
}
