/*
 * test_cunbaod_schemas.c — the JSON Schemas of schema/mqtt stay true: every
 * payload that crosses the broker in a session of accepted, rejected and
 * repeated messages (envelopes, reports, receipts, rollups, completeness,
 * status, the retained meta names and units) is checked against its schema
 * by test_cunbaod_schemas.py (python3-jsonschema; skipped without it).
 */
#include "test_cunbaod.h"

static const struct {
	const char *topic, *payload;
	bool answered;		/* a receipt comes back on receipt/test */
	bool valid;		/* the payload itself conforms (the others are bad on purpose) */
} traffic[] = {
	{ "inbox/sms", "{\"id\":\"j:1\",\"source\":\"test\",\"channel\":\"sms\",\"from\":\"+8613800000003\","
	  "\"text\":\"牲畜 牛12 猪40 羊5\"}", true, true },
	{ "inbox/sms", "{\"id\":\"j:1\",\"source\":\"test\",\"channel\":\"sms\",\"from\":\"+8613800000003\","
	  "\"text\":\"牲畜 牛12 猪40 羊5\"}", true, true },
	{ "inbox/sms", "{\"id\":\"j:2\",\"source\":\"test\",\"channel\":\"sms\",\"from\":\"+8613800000004\","
	  "\"text\":\"牲畜 鸡30\"}", true, true },
	{ "inbox/sms", "{\"id\":\"j:3\",\"source\":\"test\",\"channel\":\"sms\",\"from\":\"+8613800000099\","
	  "\"text\":\"牛5\"}", true, true },
	{ "inbox/tg", "{\"id\":\"j:4\",\"source\":\"test\",\"channel\":\"tg\",\"from\":\"tg:700000003\","
	  "\"text\":\"卫生 清运1 保洁出勤8 合格\",\"received_at\":\"2023-12-05T08:30:00+08:00\"}", true, true },
	{ "inbox/sms", "{\"id\":\"j:5\",\"source\":\"test\",\"channel\":\"sms\",\"from\":\"+8613800000007\","
	  "\"text\":\"产业 果园100 套种12.5\"}", true, true },
	{ "inbox/sms", "{\"id\":\"j:6\",\"source\":\"test\",\"channel\":\"sms\",\"from\":\"+8613800000008\","
	  "\"text\":\"Q LS\"}", true, true },
	{ "inbox/sms", "{\"id\":\"j:7\",\"source\":\"test\",\"text\":12}", true, false },
	{ "report/xinzhuang/hexi/g01", "{\"id\":\"j:8\",\"source\":\"test\",\"kind\":\"livestock\","
	  "\"area\":\"xinzhuang/hexi/g01\",\"values\":{\"cattle\":\"9\",\"bought\":2}}", true, true },
	{ "report/xinzhuang/hexi/g01", "{\"id\":\"j:9\",\"source\":\"test\",\"kind\":\"livestock\","
	  "\"area\":\"xinzhuang/hexi/g02\",\"values\":{\"cattle\":1}}", true, true },
	{ "inbox/sms", "not json at all", false, false },
};

Test(schemas, every_payload_matches_its_schema)
{
	struct cbd c = { 0 };
	char cmd[1024], *out;
	int rc;

	FILE *f = fopen(h_path("capture.txt"), "w");
	struct h_msg *m;
	size_t n = 0;

	cr_assert_not_null(f);
	cbd_start(&c);
	cr_assert(h_mqtt_sub(c.mq, CBD_ROOT "/#", 1));
	for (size_t i = 0; i < sizeof traffic / sizeof traffic[0]; i++) {
		cr_assert(cbd_raw(&c, traffic[i].topic, traffic[i].payload, strlen(traffic[i].payload)));
		if (traffic[i].valid)
			fprintf(f, "%s/%s %s\n", CBD_ROOT, traffic[i].topic, traffic[i].payload);
		if (!traffic[i].answered)
			continue;
		m = h_mqtt_wait(c.mq, CBD_ROOT "/receipt/test", NULL, CBD_WAIT);
		cr_assert_not_null(m, "no receipt for %s", traffic[i].payload);
		fprintf(f, "%s %s\n", m->topic, m->payload);
		h_msg_free(m);
	}
	char *p = cbd_rollup_wait(&c, "xinzhuang/hexi", "crops", "current", "intercrop", "12.5", CBD_WAIT);
	cr_assert_not_null(p);
	free(p);
	cr_assert_eq(cbd_term(&c), 0);
	m = h_mqtt_wait(c.mq, CBD_ROOT "/status/cunbaod", "offline", CBD_WAIT);
	cr_assert_not_null(m);
	fprintf(f, "%s %s\n", m->topic, m->payload);	/* the offline status is checked too */
	n++;
	h_msg_free(m);

	/* Everything else the collector holds (the inbound messages too) goes to the check. */
	while ((m = h_mqtt_wait(c.mq, CBD_ROOT "/#", NULL, 200)) != NULL) {
		bool ours = strstr(m->topic, "/inbox/") == NULL && strstr(m->topic, "/report/") == NULL;

		if (ours)	/* cunbaod's publications; the inbound ones were written above */
			fprintf(f, "%s %s\n", m->topic, m->payload);
		n += ours;
		h_msg_free(m);
	}
	fclose(f);
	cr_expect_gt(n, 10, "too little traffic captured");
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %s 2>&1", h_src("tests/integration/test_cunbaod_schemas.py"),
	    h_src("schema/mqtt"), h_path("capture.txt"));
	out = h_run(cmd, &rc);
	if (rc == 77) {
		free(out);
		cbd_stop(&c);
		cr_skip_test("python3-jsonschema is not installed");
	}
	cr_expect_eq(rc, 0, "%s", out ? out : "");
	free(out);
	cbd_stop(&c);
}
