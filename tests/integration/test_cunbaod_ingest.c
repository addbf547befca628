/*
 * test_cunbaod_ingest.c — cunbaod against a real mosquitto: every message
 * gets one receipt after its commit, the roster rules hold, every kind of
 * bad input is rejected with its code and journaled, a repeated id is
 * stored once and answered with the original reply, corrections and
 * withdrawals move the rollups, and the v5 response topic wins.
 */
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <pthread.h>

#include "test_cunbaod.h"

#define DEC5 "2023-12-05T08:30:00+08:00"	/* messages are dated: periods are fixed */

static void
sms(struct cbd *c, const char *id, const char *from, const char *text)
{
	cr_assert(cbd_sms_at(c, id, from, text, DEC5));
}

/*
 * Sends a dated SMS and checks status, code (NULL: not checked) and that the
 * reply contains want ("": any reply at all; NULL: not checked).
 */
static void
expect(struct cbd *c, const char *id, const char *from, const char *text,
    const char *status, const char *code, const char *want)
{
	cJSON *r;

	sms(c, id, from, text);
	r = cbd_receipt(c, id);
	cr_assert_not_null(r, "no receipt for %s \"%s\"", id, text);
	cr_expect_str_eq(rc_str(r, "status"), status, "%s \"%s\"", id, text);
	if (code != NULL)
		cr_expect_str_eq(rc_str(r, "code"), code, "%s \"%s\"", id, text);
	if (want != NULL && want[0] == '\0')
		cr_expect(rc_str(r, "text")[0] != '\0', "%s \"%s\": no reply text", id, text);
	else if (want != NULL)
		cr_expect(strstr(rc_str(r, "text"), want) != NULL, "%s \"%s\": reply \"%s\" lacks \"%s\"",
		    id, text, rc_str(r, "text"), want);
	cJSON_Delete(r);
}

static long long
journal_count(struct cbd *c, const char *where)
{
	char sql[512];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM journal WHERE %s", where);
	return db_int(c->db, sql);
}

Test(cunbaod, reports_receipts_rollups_and_duplicates)
{
	struct cbd c = { 0 };
	char *p;

	cbd_start(&c);
	expect(&c, "k:1", "+8613800000003", "牲畜 牛12 猪40 羊5", "accepted", NULL, "已收到 3组 12月 牲畜：牛12 猪40 羊5");
	expect(&c, "k:2", "+8613800000004", "牲畜 牛9 猪30", "accepted", NULL, "4组");
	expect(&c, "k:3", "+8613800000008", "LS cattle 4 pigs 5", "accepted", NULL, "Received G8 Dec livestock");

	/* The same id again: stored once, answered duplicate with the original reply and report. */
	cJSON *first = NULL, *again;

	sms(&c, "k:4", "+8613800000005", "牲畜 牛7");
	first = cbd_receipt(&c, "k:4");
	sms(&c, "k:4", "+8613800000005", "牲畜 牛7");
	again = cbd_receipt(&c, "k:4");
	cr_assert_not_null(first);
	cr_assert_not_null(again);
	cr_expect_str_eq(rc_str(first, "status"), "accepted");
	cr_expect_str_eq(rc_str(again, "status"), "duplicate");
	cr_expect_str_eq(rc_str(again, "report"), rc_str(first, "report"));
	cr_expect_str_eq(rc_str(again, "text"), rc_str(first, "text"));
	cJSON_Delete(first);
	cJSON_Delete(again);
	cr_expect_eq(journal_count(&c, "msg_id = 'k:4'"), 1);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports WHERE area = 'xinzhuang/hexi/g05'"), 1);

	/* Village and township: 12 + 9 + 4 + 7 cattle; completeness lists who is missing. */
	p = cbd_rollup_wait(&c, "xinzhuang/hexi", "livestock", "2023-12", "cattle", "32", CBD_WAIT);
	cr_assert_not_null(p, "village rollup never showed 32 cattle");
	cr_expect(strstr(p, "\"reported\":4,\"expected\":8") != NULL, "%s", p);
	free(p);
	p = cbd_rollup_wait(&c, "xinzhuang", "livestock", "2023-12", "pigs", "75", CBD_WAIT);
	cr_assert_not_null(p);
	free(p);
	p = h_retained(c.broker.port, CBD_ROOT "/completeness/xinzhuang/hexi/livestock/2023-12", CBD_WAIT);
	cr_assert_not_null(p);
	cr_expect(strstr(p, "\"reported\":[\"g03\",\"g04\",\"g05\",\"g08\"]") != NULL, "%s", p);
	cr_expect(strstr(p, "\"missing\":[\"g01\",\"g02\",\"g06\",\"g07\"]") != NULL, "%s", p);
	free(p);
	cbd_stop(&c);
}

Test(cunbaod, roster_rules_and_commands)
{
	struct cbd c = { 0 };
	char *p;

	cbd_start(&c);
	expect(&c, "r:1", "+8613800009999", "牲畜 牛1", "rejected", "unknown_sender", "未登记");
	expect(&c, "r:2", "+8613800000003", "牲畜 2组 牛1", "rejected", "not_permitted", NULL);
	expect(&c, "r:3", "+8613800000003", "牲畜 3组 牛2", "accepted", NULL, "3组");
	expect(&c, "r:4", "+8613800000010", "牲畜 牛1", "rejected", "bad_group", NULL);
	expect(&c, "r:5", "+8613800000010", "牲畜 9组 牛1", "rejected", "bad_group", NULL);
	expect(&c, "r:6", "+8613800000010", "牲畜 2组 牛6", "accepted", NULL, "2组");
	expect(&c, "r:7", "+8613800000020", "牲畜 2组 牛6", "rejected", "bad_group", NULL);
	expect(&c, "r:8", "tg:700000003", "牲畜 羊3", "accepted", NULL, "3组");

	/* 更正 replaces the sender's last report of the kind and period; 撤销 withdraws it. */
	expect(&c, "r:9", "+8613800000004", "牲畜 牛9 猪30", "accepted", NULL, "已收到");
	expect(&c, "r:10", "+8613800000004", "更正 牲畜 牛8 猪30", "accepted", NULL, "已更正");
	p = cbd_rollup_wait(&c, "xinzhuang/hexi/g04", "livestock", "2023-12", "cattle", "8", CBD_WAIT);
	cr_expect_not_null(p, "the correction did not replace 9 cattle by 8");
	free(p);
	expect(&c, "r:11", "+8613800000004", "查询", "accepted", NULL, "4组12月牲畜：牛8 猪30");
	expect(&c, "r:12", "+8613800000004", "撤销", "accepted", NULL, "已撤销");
	p = cbd_rollup_wait(&c, "xinzhuang/hexi/g04", "livestock", "2023-12", "cattle", "", CBD_WAIT);
	cr_expect_not_null(p, "the withdrawal left figures in g04");
	free(p);
	expect(&c, "r:13", "+8613800000004", "撤销", "rejected", "nothing_to_fix", NULL);
	expect(&c, "r:14", "+8613800000004", "更正 牲畜 牛1", "rejected", "nothing_to_fix", NULL);
	expect(&c, "r:15", "+8613800000001", "帮助", "accepted", NULL, "牲畜");
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports WHERE area = 'xinzhuang/hexi/g04'"), 2);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports WHERE status = 'superseded'"), 1);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports WHERE status = 'withdrawn'"), 1);

	/* Village: g03 2 (leader) + g02 6 (admin); g04 withdrawn. */
	p = cbd_rollup_wait(&c, "xinzhuang/hexi", "livestock", "2023-12", "cattle", "8", CBD_WAIT);
	cr_expect_not_null(p, "village cattle should be 2 + 6");
	free(p);
	cr_expect_eq(journal_count(&c, "msg_id LIKE 'r:%'"), 15);
	cr_expect_eq(journal_count(&c, "error = 'unknown_sender' AND sender = '+8613800009999'"), 1);
	cbd_stop(&c);
}

/* One grammar error per code, as a leader would type it. */
static const struct {
	const char *text, *code;
} grammar_errors[] = {
	{ "   ", "empty" },
	{ "养殖 牛12", "unknown_kind" },
	{ "牲畜 牛12 鸡5", "unknown_field" },
	{ "牛abc", "bad_value" },
	{ "牛-3", "out_of_range" },
	{ "牛12米", "unit_mismatch" },
	{ "牲畜", "missing_field" },
	{ "13月 牛12", "bad_period" },
	{ "牲畜 2024-01 牛1", "future_period" },
	{ "牛12 硬化100", "ambiguous_kind" },
	{ "牛12 牛13", "duplicate_field" },
	{ "100组 牛12", "bad_group" },
};

Test(cunbaod, every_grammar_error_rejected_and_journaled)
{
	struct cbd c = { 0 };
	char id[32];

	cbd_start(&c);
	for (size_t i = 0; i < sizeof grammar_errors / sizeof grammar_errors[0]; i++) {
		snprintf(id, sizeof id, "g:%zu", i);
		expect(&c, id, "+8613800000006", grammar_errors[i].text, "rejected", grammar_errors[i].code, "");
	}
	char big[600];	/* over the 480 bytes of text the grammar reads */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	expect(&c, "g:big", "+8613800000006", big, "rejected", "too_large", NULL);
	for (size_t i = 0; i < sizeof grammar_errors / sizeof grammar_errors[0]; i++) {
		char where[128];

		snprintf(where, sizeof where, "msg_id = 'g:%zu' AND status = 'rejected' AND error = '%s'",
		    i, grammar_errors[i].code);
		cr_expect_eq(journal_count(&c, where), 1, "journal of %s", grammar_errors[i].code);
	}
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports"), 0);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM rollups"), 0);
	cbd_stop(&c);
}

Test(cunbaod, malformed_payloads_rejected_and_journaled)
{
	struct cbd c = { 0 };
	cJSON *r;

	cbd_start(&c);
	/* Unreadable: nowhere to answer, but journaled raw. */
	cr_assert(cbd_raw(&c, "inbox/sms", "{not json", 9));
	/* Bad UTF-8 and oversize: refused unparsed, yet answered when id and source can be found. */
	const char bad[] = "{\"id\":\"u:1\",\"source\":\"test\",\"text\":\"\xff\xfe\"}";
	cr_assert(cbd_raw(&c, "inbox/sms", bad, sizeof bad - 1));
	r = cbd_receipt(&c, "u:1");
	cr_assert_not_null(r);
	cr_expect_str_eq(rc_str(r, "code"), "bad_utf8");
	cJSON_Delete(r);
	/* Readable enough to answer. */
	const char *missing = "{\"id\":\"u:2\",\"source\":\"test\",\"channel\":\"sms\",\"text\":\"牛1\"}";
	cr_assert(cbd_raw(&c, "inbox/sms", missing, strlen(missing)));
	r = cbd_receipt(&c, "u:2");
	cr_assert_not_null(r);
	cr_expect_str_eq(rc_str(r, "status"), "rejected");
	cr_expect_str_eq(rc_str(r, "code"), "missing_member");
	cJSON_Delete(r);
	const char *wrongtype = "{\"id\":\"u:3\",\"source\":\"test\",\"channel\":\"sms\",\"from\":12,\"text\":\"牛1\"}";
	cr_assert(cbd_raw(&c, "inbox/sms", wrongtype, strlen(wrongtype)));
	r = cbd_receipt(&c, "u:3");
	cr_assert_not_null(r);
	cr_expect_str_eq(rc_str(r, "code"), "bad_type");
	cJSON_Delete(r);
	/* Over 4 KiB. */
	size_t n = 5000;
	char *big = malloc(n + 1);
	int head = snprintf(big, n, "{\"id\":\"u:4\",\"source\":\"test\",\"channel\":\"sms\",\"from\":\"+8613800000001\",\"text\":\"");
	memset(big + head, 'a', n - (size_t)head - 2);
	memcpy(big + n - 2, "\"}", 3);
	cr_assert(cbd_raw(&c, "inbox/sms", big, n));
	free(big);
	r = cbd_receipt(&c, "u:4");
	cr_assert_not_null(r, "an oversize envelope whose id is readable is answered");
	cr_expect_str_eq(rc_str(r, "code"), "too_large");
	cJSON_Delete(r);
	/* A marker after them all: once it is answered, the rest is journaled. */
	expect(&c, "u:5", "+8613800000001", "牲畜 牛1", "accepted", NULL, NULL);
	cr_expect_eq(journal_count(&c, "error = 'bad_json'"), 1);
	cr_expect_eq(journal_count(&c, "error = 'bad_utf8'"), 1);
	cr_expect_eq(journal_count(&c, "error = 'too_large'"), 1);
	cr_expect_eq(journal_count(&c, "status = 'rejected'"), 5);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports"), 1);
	cr_assert(h_alive(c.proc));
	cbd_stop(&c);
}

/* Publishes a structured report and returns its receipt (from receipt/app). */
static cJSON *
report(struct cbd *c, const char *id, const char *topic_area, const char *json_tail)
{
	char topic[256], buf[1024];

	snprintf(topic, sizeof topic, "report/%s", topic_area);
	snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"source\":\"app\",%s}", id, json_tail);
	cr_assert(cbd_raw(c, topic, buf, strlen(buf)));
	return cbd_receipt_from(c, "app", id, CBD_WAIT);
}

static const struct {
	const char *id, *topic_area, *tail, *status, *code;
} reports[] = {
	{ "a:1", "xinzhuang/hexi/g01", "\"kind\":\"livestock\",\"area\":\"xinzhuang/hexi/g01\",\"period\":\"2023-12\","
	  "\"values\":{\"cattle\":10,\"bought\":2}", "accepted", NULL },
	{ "a:2", "xinzhuang/hexi/g01", "\"kind\":\"livestock\",\"area\":\"xinzhuang/hexi/g02\",\"period\":\"2023-12\","
	  "\"values\":{\"cattle\":1}", "rejected", "bad_area" },
	{ "a:3", "xinzhuang/hexi/g77", "\"kind\":\"livestock\",\"area\":\"xinzhuang/hexi/g77\",\"period\":\"2023-12\","
	  "\"values\":{\"cattle\":1}", "rejected", "unknown_area" },
	{ "a:4", "xinzhuang/hexi", "\"kind\":\"livestock\",\"area\":\"xinzhuang/hexi\",\"period\":\"2023-12\","
	  "\"values\":{\"cattle\":1}", "rejected", "not_permitted" },
	{ "a:5", "xinzhuang/hexi/g01", "\"kind\":\"livestock\",\"area\":\"xinzhuang/hexi/g01\",\"period\":\"2023-12\","
	  "\"values\":{\"cattle\":1},\"reporter\":\"+8613800000002\"", "rejected", "not_permitted" },
	{ "a:6", "xinzhuang/hexi/g01", "\"kind\":\"livestock\",\"area\":\"xinzhuang/hexi/g01\",\"period\":\"2023-12\","
	  "\"values\":{\"cattle\":1},\"reporter\":\"+8613800000999\"", "rejected", "unknown_sender" },
	{ "a:7", "xinzhuang/hexi/g01", "\"kind\":\"poultry\",\"area\":\"xinzhuang/hexi/g01\",\"period\":\"2023-12\","
	  "\"values\":{\"hens\":1}", "rejected", "unknown_kind" },
	{ "a:8", "xinzhuang/hexi/g01", "\"kind\":\"livestock\",\"area\":\"xinzhuang/hexi/g01\",\"period\":\"2023-12\","
	  "\"values\":{\"cattle\":-1}", "rejected", "out_of_range" },
	{ "a:9", "xinzhuang/hexi/g01", "\"kind\":\"livestock\",\"area\":\"xinzhuang/hexi/g01\",\"period\":\"2023-12\"",
	  "rejected", "missing_member" },
	{ "a:10", "xinzhuang/hexi/g01", "\"kind\":\"livestock\",\"area\":\"xinzhuang/hexi/g01\",\"period\":\"2999-12\","
	  "\"values\":{\"cattle\":1}", "rejected", "future_period" },
	{ "a:11", "xinzhuang/hexi/g01", "\"kind\":\"livestock\",\"area\":\"xinzhuang/hexi/g01\",\"period\":\"2023-12\","
	  "\"values\":{\"cattle\":3,\"bought\":5},\"reporter\":\"+8613800000010\"", "accepted", NULL },
	{ "a:1", "xinzhuang/hexi/g01", "\"kind\":\"livestock\",\"area\":\"xinzhuang/hexi/g01\",\"period\":\"2023-12\","
	  "\"values\":{\"cattle\":10,\"bought\":2}", "duplicate", NULL },
};

Test(cunbaod, structured_reports)
{
	struct cbd c = { 0 };
	char *p;

	cbd_start(&c);
	cr_assert(h_mqtt_sub(c.mq, CBD_ROOT "/receipt/app", 1));
	for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
		cJSON *r = report(&c, reports[i].id, reports[i].topic_area, reports[i].tail);

		cr_assert_not_null(r, "no receipt for %s", reports[i].id);
		cr_expect_str_eq(rc_str(r, "status"), reports[i].status, "%s", reports[i].id);
		if (reports[i].code != NULL)
			cr_expect_str_eq(rc_str(r, "code"), reports[i].code, "%s", reports[i].id);
		cr_expect_null(cJSON_GetObjectItem(r, "reply"), "reports get no SMS reply");
		cJSON_Delete(r);
	}
	/* cattle is a stock (the latest report counts), bought a flow (every report adds). */
	p = cbd_rollup_wait(&c, "xinzhuang/hexi/g01", "livestock", "2023-12", "bought", "7", CBD_WAIT);
	cr_assert_not_null(p);
	cr_expect(strstr(p, "\"cattle\":3") != NULL, "%s", p);
	free(p);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports"), 2);
	cr_expect_eq(journal_count(&c, "msg_id LIKE 'a:%'"), 11);
	cbd_stop(&c);
}

/* An MQTT v5 client that asks with a response topic and correlation data. */
struct v5 {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char payload[4096];
	char corr[64];
	bool got;
};

static void
v5_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg, const mosquitto_property *props)
{
	struct v5 *v = arg;
	void *cd = NULL;
	uint16_t len = 0;

	pthread_mutex_lock(&v->lock);
	snprintf(v->payload, sizeof v->payload, "%.*s", msg->payloadlen, (const char *)msg->payload);
	if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &cd, &len, false) != NULL)
		snprintf(v->corr, sizeof v->corr, "%.*s", (int)len, (const char *)cd);
	free(cd);
	v->got = true;
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
}

Test(cunbaod, response_topic_wins)
{
	struct cbd c = { 0 };
	struct v5 v = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, "", "", false };
	mosquitto_property *props = NULL;
	const char *env = "{\"id\":\"v5:1\",\"source\":\"test\",\"channel\":\"sms\","
	    "\"from\":\"+8613800000007\",\"text\":\"牲畜 牛3\"}";

	cbd_start(&c);
	mosquitto_lib_init();
	struct mosquitto *m = mosquitto_new("test-v5", true, &v);
	cr_assert_not_null(m);
	mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_message_v5_callback_set(m, v5_message);
	cr_assert_eq(mosquitto_connect(m, "127.0.0.1", c.broker.port, 30), MOSQ_ERR_SUCCESS);
	cr_assert_eq(mosquitto_loop_start(m), MOSQ_ERR_SUCCESS);
	cr_assert_eq(mosquitto_subscribe_v5(m, NULL, CBD_ROOT "/receipt/test/v5", 1, 0, NULL), MOSQ_ERR_SUCCESS);
	usleep(200 * 1000);	/* let the SUBACK come back before asking */
	mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, CBD_ROOT "/receipt/test/v5");
	mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, "corr-42", 7);
	cr_assert_eq(mosquitto_publish_v5(m, NULL, CBD_ROOT "/inbox/sms", (int)strlen(env), env, 1, false, props),
	    MOSQ_ERR_SUCCESS);
	mosquitto_property_free_all(&props);
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += CBD_WAIT / 1000;
	pthread_mutex_lock(&v.lock);
	while (!v.got && pthread_cond_timedwait(&v.cond, &v.lock, &dl) == 0)
		;
	pthread_mutex_unlock(&v.lock);
	cr_assert(v.got, "no receipt on the response topic");
	cr_expect(strstr(v.payload, "\"status\":\"accepted\"") != NULL, "%s", v.payload);
	cr_expect_str_eq(v.corr, "corr-42");
	cr_expect_null(h_mqtt_wait(c.mq, CBD_ROOT "/receipt/test", "v5:1", 300),
	    "the receipt went to receipt/<source> as well");
	mosquitto_disconnect(m);
	mosquitto_loop_stop(m, false);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	cbd_stop(&c);
}
