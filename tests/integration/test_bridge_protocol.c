/*
 * test_bridge_protocol.c — the bridge's side of the MQTT protocol, against a
 * real mosquitto, with this test publishing receipts and outbox messages
 * exactly as docs/protocol.md says cunbaod does.  This
 * is not a stand-in for cunbaod (the Kannel, crash and webhook tests run the
 * real one): it provokes what the daemon rarely does on cue — no receipt for
 * a while, the same receipt twice, a reminder repeated — and plays a Kannel
 * sendsms that fails, to check republication with the same id, one reply per
 * message, backoff, giving up, the guards, and a 503 when the spool cannot
 * take a message.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test_bridge.h"

#define RECEIPTS "cunbao/v1/receipt/bridge-1"

static struct world w;
static struct tb_endpoint kannel;	/* plays Kannel's sendsms */
static struct h_mqtt *mq;

static void
up(const int *statuses, const char *const *flags)
{
	memset(&w, 0, sizeof w);
	cr_assert(tb_endpoint_start(&kannel, statuses, "0: Accepted for delivery"));
	w.sendsms_port = kannel.port;
	for (; flags != NULL && flags[0] != NULL; flags += 2)
		tb_flag(&w, flags[0], flags[1]);
	cr_assert(h_broker_start(&w.broker));
	if (!tb_bridge(&w)) {
		h_dump_log(w.bridge);
		cr_assert_fail("the bridge did not start");
	}
	mq = h_mqtt_connect(w.broker.port, "test-cunbaod", true);
	cr_assert_not_null(mq);
	cr_assert(h_mqtt_sub(mq, "cunbao/v1/inbox/#", 1));
}

static void
down(void)
{
	cr_expect(tb_bridge_stop(&w), "the bridge did not exit cleanly");
	h_mqtt_close(mq);
	tb_endpoint_stop(&kannel);
}

/* Kannel's get-url for one SMS; returns the status. */
static int
sms(const char *id, const char *from, const char *text)
{
	char target[1024], enc[512];
	struct tb_resp r;
	size_t i, o = 0;

	for (i = 0; text[i] != '\0' && o + 4 < sizeof enc; i++)
		o += (size_t)snprintf(enc + o, sizeof enc - o, "%%%02X", (unsigned char)text[i]);
	snprintf(target, sizeof target, "/kannel/incoming?from=%s&text=%s&id=%s&coding=0&charset=UTF-8"
	    "&ts=1701736200&key=" TB_KANNEL_KEY,
	    from, enc, id);
	cr_assert(tb_http(w.bridge_port, "GET", target, NULL, "", 0, &r));
	cr_expect(r.status != 200 || r.body[0] == '\0', "a 200 for Kannel must have an empty body: %s", r.body);
	return r.status;
}

/* Publishes the receipt cunbaod would send for envelope id, with reply text to `to`. */
static void
receipt(const char *id, const char *status, const char *to, const char *text)
{
	char payload[1024];

	snprintf(payload, sizeof payload, "{\"id\":\"%s\",\"status\":\"%s\",\"report\":\"r-1\","
	    "\"reply\":{\"channel\":\"sms\",\"to\":\"%s\",\"text\":\"%s\"}}", id, status, to, text);
	cr_assert(h_mqtt_pub(mq, RECEIPTS, payload, strlen(payload), 1, false));
}

static struct h_msg *
envelope(const char *id, int timeout_ms)
{
	char needle[128];

	snprintf(needle, sizeof needle, "\"id\":\"%s\"", id);
	return h_mqtt_wait(mq, "cunbao/v1/inbox/sms", needle, timeout_ms);
}

Test(bridge_protocol, republished_with_the_same_id_until_receipted_then_one_reply, .timeout = 60)
{
	static const int ok[] = { 202, 0 };
	static const char *const flags[] = { "republish-after", "300ms", "republish-max", "600ms", NULL };
	char v[512];
	struct h_msg *m;
	int copies = 0;

	up(ok, flags);
	cr_assert_eq(sms("m-1", "13800000003", "牲畜 牛12 猪40 羊5"), 200);
	while (copies < 3 && (m = envelope("kannel:m-1", 5000)) != NULL) {
		cr_expect(strstr(m->payload, "\"from\":\"+8613800000003\"") != NULL, "%s", m->payload);
		cr_expect(strstr(m->payload, "\"source\":\"bridge-1\"") != NULL, "%s", m->payload);
		cr_expect(strstr(m->payload, "\"text\":\"牲畜 牛12 猪40 羊5\"") != NULL, "%s", m->payload);
		h_msg_free(m);
		copies++;
	}
	cr_assert_eq(copies, 3, "published %d times without a receipt", copies);
	receipt("kannel:m-1", "accepted", "+8613800000003", "已收到 3组 12月 牲畜：牛12 猪40 羊5");
	/* What republication brings: the same receipt again, marked duplicate. */
	receipt("kannel:m-1", "duplicate", "+8613800000003", "已收到 3组 12月 牲畜：牛12 猪40 羊5");
	cr_assert(tb_endpoint_wait(&kannel, 1, 10000), "no sendsms");
	cr_assert(tb_health_wait(&w, "inbound_waiting", 0, 5000));
	cr_expect(tb_health_wait(&w, "replies_sent", 1, 5000));
	cr_expect_eq(tb_endpoint_count(&kannel), 1);
	cr_assert(tb_query(kannel.reqs[0].target, "to", v, sizeof v));
	cr_expect_str_eq(v, "+8613800000003");
	cr_assert(tb_query(kannel.reqs[0].target, "text", v, sizeof v));
	cr_expect_str_eq(v, "已收到 3组 12月 牲畜：牛12 猪40 羊5");
	cr_expect(tb_query(kannel.reqs[0].target, "coding", v, sizeof v) && strcmp(v, "2") == 0);
	cr_expect(tb_query(kannel.reqs[0].target, "charset", v, sizeof v) && strcmp(v, "UTF-8") == 0);
	cr_expect(tb_query(kannel.reqs[0].target, "from", v, sizeof v) && strcmp(v, TB_SMS_FROM) == 0);
	cr_expect(tb_query(kannel.reqs[0].target, "username", v, sizeof v) && strcmp(v, "cunbao") == 0);
	down();
}

Test(bridge_protocol, a_gateway_retry_is_absorbed, .timeout = 60)
{
	static const int ok[] = { 202, 0 };
	static const char *const flags[] = { "republish-after", "1h", "republish-max", "1h", NULL };
	struct h_msg *m;

	up(ok, flags);
	cr_assert_eq(sms("m-2", "13800000003", "牲畜 牛12"), 200);
	cr_assert_eq(sms("m-2", "13800000003", "牲畜 牛12"), 200);
	m = envelope("kannel:m-2", 5000);
	cr_assert_not_null(m);
	h_msg_free(m);
	m = envelope("kannel:m-2", 500);
	cr_expect_null(m, "the retry was published again");
	h_msg_free(m);
	cr_expect_eq(tb_health(&w, "inbound_waiting"), 1);
	down();
}

Test(bridge_protocol, an_outbox_message_is_sent_once, .timeout = 60)
{
	static const int ok[] = { 202, 0 };
	const char *ob = "{\"id\":\"remind:2023-12:g03\",\"channel\":\"sms\",\"to\":\"+8613800000003\","
	    "\"text\":\"请在12月5日前报牲畜\"}";
	char v[256];

	up(ok, NULL);
	cr_assert(h_mqtt_pub(mq, "cunbao/v1/outbox/sms", ob, strlen(ob), 1, false));
	cr_assert(h_mqtt_pub(mq, "cunbao/v1/outbox/sms", ob, strlen(ob), 1, false));
	cr_assert(tb_endpoint_wait(&kannel, 1, 10000));
	cr_expect(tb_health_wait(&w, "replies_sent", 1, 5000));
	cr_expect_eq(tb_endpoint_count(&kannel), 1);
	cr_expect(tb_query(kannel.reqs[0].target, "text", v, sizeof v) && strcmp(v, "请在12月5日前报牲畜") == 0);
	down();
}

Test(bridge_protocol, a_failing_gateway_is_retried_then_given_up_and_kept, .timeout = 60)
{
	static const int failing[] = { 500, 0 };
	static const char *const flags[] = { "retry-min", "100ms", "retry-max", "400ms", "give-up-after", "2s", NULL };
	struct h_msg *m;

	up(failing, flags);
	cr_assert_eq(sms("m-3", "13800000003", "牲畜 牛12"), 200);
	m = envelope("kannel:m-3", 5000);
	cr_assert_not_null(m);
	h_msg_free(m);
	receipt("kannel:m-3", "accepted", "+8613800000003", "已收到");
	cr_assert(tb_health_wait(&w, "replies_failed", 1, 15000), "never given up");
	cr_expect_geq(tb_endpoint_count(&kannel), 3, "only %d attempts", tb_endpoint_count(&kannel));
	cr_expect_eq(tb_health(&w, "replies_pending"), 0);
	cr_expect_eq(tb_sql(h_path("bridge.db"),
	    "SELECT count(*) FROM reply WHERE id = 'kannel:m-3' AND state = 2 AND note LIKE 'given up after%'"), 1);
	cr_expect(h_wait_log(w.bridge, "kept in the spool as failed", 1000));
	down();
}

Test(bridge_protocol, a_gateway_that_is_down_is_retried_until_it_is_up, .timeout = 60)
{
	static const int ok[] = { 202, 0 };
	static const char *const flags[] = { "retry-min", "100ms", "retry-max", "300ms", NULL };
	struct tb_endpoint late;
	struct h_msg *m;
	int port = h_free_port();

	up(ok, flags);
	/* Point the bridge at a sendsms nobody listens on yet. */
	cr_assert(tb_bridge_stop(&w));
	w.sendsms_port = port;
	cr_assert(tb_bridge(&w));
	cr_assert_eq(sms("m-7", "13800000003", "牲畜 牛12"), 200);
	m = envelope("kannel:m-7", 5000);
	cr_assert_not_null(m);
	h_msg_free(m);
	receipt("kannel:m-7", "accepted", "+8613800000003", "已收到");
	cr_assert(h_wait_log(w.bridge, "attempt 3,", 10000), "no retries while the gateway is down");
	cr_assert(tb_endpoint_start_on(&late, port, ok, "0: Accepted for delivery"));
	cr_expect(tb_health_wait(&w, "replies_sent", 1, 10000));
	cr_expect_eq(tb_endpoint_count(&late), 1);
	cr_expect_eq(tb_endpoint_count(&kannel), 0);
	tb_endpoint_stop(&late);
	down();
}

Test(bridge_protocol, a_delivery_report_settles_a_pending_reply, .timeout = 60)
{
	static const int failing[] = { 500, 0 };
	static const char *const flags[] = { "retry-min", "2s", NULL };
	struct tb_resp r;
	struct h_msg *m;

	up(failing, flags);
	cr_assert_eq(sms("m-8", "13800000003", "牲畜 牛12"), 200);
	m = envelope("kannel:m-8", 5000);
	cr_assert_not_null(m);
	h_msg_free(m);
	receipt("kannel:m-8", "accepted", "+8613800000003", "已收到");
	cr_assert(tb_endpoint_wait(&kannel, 1, 10000));
	cr_assert(strstr(kannel.reqs[0].target, "dlr-url=") != NULL, "%s", kannel.reqs[0].target);
	/* Kannel reports the SMSC's ack for it after all (as after a crash mid-send): no more attempts. */
	cr_assert(tb_http(w.bridge_port, "GET", "/kannel/dlr?id=kannel%3Am-8&status=8&key=" TB_KANNEL_KEY, NULL,
	    "", 0, &r));
	cr_expect_eq(r.status, 200);
	cr_expect(tb_health_wait(&w, "replies_sent", 1, 5000));
	cr_expect_eq(tb_health(&w, "replies_pending"), 0);
	cr_expect_eq(tb_sql(h_path("bridge.db"), "SELECT count(*) FROM reply WHERE id = 'kannel:m-8'"
	    " AND state = 1 AND note = 'kannel delivery report 8'"), 1);
	/* Reports for unknown replies, or malformed ones, change nothing. */
	cr_assert(tb_http(w.bridge_port, "GET", "/kannel/dlr?id=kannel%3Anone&status=8&key=" TB_KANNEL_KEY, NULL,
	    "", 0, &r));
	cr_expect_eq(r.status, 200);
	cr_assert(tb_http(w.bridge_port, "GET", "/kannel/dlr?status=8&key=" TB_KANNEL_KEY, NULL, "", 0, &r));
	cr_expect_eq(r.status, 400);
	cr_expect_eq(tb_health(&w, "replies_sent"), 1);
	down();
}

Test(bridge_protocol, messages_wait_in_the_spool_while_the_broker_is_down, .timeout = 60)
{
	static const int ok[] = { 202, 0 };
	struct h_msg *m;

	up(ok, NULL);
	h_mqtt_close(mq);
	h_broker_stop(&w.broker);
	cr_assert_eq(sms("m-4", "13800000003", "牲畜 牛12"), 200);
	cr_assert_eq(sms("m-5", "13800000001", "牲畜 牛11"), 200);
	cr_expect_eq(tb_health(&w, "inbound_waiting"), 2);
	cr_assert(h_broker_start(&w.broker));
	mq = h_mqtt_connect(w.broker.port, "test-cunbaod", true);
	cr_assert_not_null(mq);
	cr_assert(h_mqtt_sub(mq, "cunbao/v1/inbox/#", 1));
	/* The bridge reconnects (its delay doubles up to 5 s) and publishes both at once. */
	m = envelope("kannel:m-4", 20000);
	cr_expect_not_null(m);
	h_msg_free(m);
	m = envelope("kannel:m-5", 20000);
	cr_expect_not_null(m);
	h_msg_free(m);
	down();
}

Test(bridge_protocol, a_webhook_the_spool_cannot_take_gets_503, .timeout = 60)
{
	static const int ok[] = { 202, 0 };
	sqlite3 *db;

	up(ok, NULL);
	/* Another writer holds the spool: the bridge waits its busy timeout, then refuses. */
	cr_assert_eq(sqlite3_open(h_path("bridge.db"), &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	cr_expect_eq(sms("m-6", "13800000003", "牲畜 牛12"), 503);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	/* The gateway's retry finds the spool free again. */
	cr_expect_eq(sms("m-6", "13800000003", "牲畜 牛12"), 200);
	cr_expect_eq(tb_health(&w, "inbound_waiting") + tb_health(&w, "inbound_done"), 1);
	down();
}

Test(bridge_protocol, guards_rate_limit_and_repeated_text, .timeout = 60)
{
	static const int ok[] = { 202, 0 };
	static const char *const flags[] = { "rate-limit", "5", "loop-repeat", "3", NULL };
	char id[32];
	int i;

	up(ok, flags);
	/* The same text five times: the first three are answered, the next two only journaled. */
	for (i = 0; i < 5; i++) {
		struct h_msg *m;

		snprintf(id, sizeof id, "r-%d", i);
		cr_assert_eq(sms(id, "13800000003", "牲畜 牛12"), 200, "message %d", i);
		snprintf(id, sizeof id, "kannel:r-%d", i);
		m = envelope(id, 5000);
		cr_assert_not_null(m, "message %d not published", i);
		h_msg_free(m);
		receipt(id, "accepted", "+8613800000003", "已收到");
	}
	/* The sixth within the window is over the rate: 429, kept by the gateway, not published. */
	cr_expect_eq(sms("r-5", "13800000003", "牲畜 牛13"), 429);
	cr_expect(tb_health_wait(&w, "replies_muted", 2, 10000));
	cr_expect(tb_health_wait(&w, "replies_sent", 3, 10000));
	cr_expect_eq(tb_endpoint_count(&kannel), 3);
	/* Another leader is not limited by the first one's traffic. */
	cr_expect_eq(sms("r-6", "13800000001", "牲畜 牛11"), 200);
	down();
}
