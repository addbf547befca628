/*
 * test_trust_bridge_generic.c — one message, one reply, on the generic
 * HTTP gateway too, through kill -9 of the bridge mid-stream.
 *
 * A thread of this test plays the gateway: it takes each reply (slowly:
 * 300 ms between reading a reply and answering it, so a kill lands while
 * the gateway holds a reply the bridge has not seen answered) and, like
 * Kannel, confirms each reply it took with a signed delivery report on
 * /sms/report, retried while the bridge is down.  The bridge is killed
 * twice right after a reply reached the gateway.  Before the generic
 * channel had delivery reports, such a reply was sent again once its lease
 * ran out: every kill meant a second reply to some leader.  Every reply
 * also carries its message id as Idempotency-Key, checked here too.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test_bridge.h"

#define SECRET "generic-shared-secret-for-tests"
#define STREAM 40

static struct world w;
static struct tb_endpoint gw;
static bool reported[TB_REQS_MAX];

/* Lower-case hex HMAC-SHA256 of "<stamp>.<body>" under SECRET, by `openssl dgst`. */
static void
stamped_hmac(long long stamp, const char *body, char *hex, size_t hexlen)
{
	const char *file = h_path("hmac-body");
	char cmd[1024], text[4096], *out, *eq;
	int rc;

	snprintf(text, sizeof text, "%lld.%s", stamp, body);
	cr_assert(h_write_file(file, text));
	snprintf(cmd, sizeof cmd, "openssl dgst -sha256 -hmac '%s' '%s'", SECRET, file);
	out = h_run(cmd, &rc);
	cr_assert(out != NULL && rc == 0, "openssl dgst failed");
	eq = strstr(out, "= ");
	cr_assert_not_null(eq);
	snprintf(hex, hexlen, "%.64s", eq + 2);
	free(out);
}

/* POSTs a signed JSON body to path; the status, 0 when the bridge did not answer. */
static int
post_signed(const char *path, const char *body)
{
	long long now = (long long)time(NULL);
	char headers[512], hex[80];
	struct tb_resp r;

	stamped_hmac(now, body, hex, sizeof hex);
	snprintf(headers, sizeof headers, "Content-Type: application/json\r\nX-Cunbao-Timestamp: %lld\r\n"
	    "X-Cunbao-Signature: sha256=%s\r\n", now, hex);
	if (!tb_http(w.bridge_port, "POST", path, headers, body, strlen(body), &r))
		return 0;
	return r.status;
}

/* The reply id ("http:gw-N") of a recorded reply, into id; false if none. */
static bool
reply_id(const struct tb_req *q, char *id, size_t idlen)
{
	const char *p = strstr(q->body, "\"id\":\"");
	const char *end = p ? strchr(p + 6, '"') : NULL;

	if (end == NULL)
		return false;
	snprintf(id, idlen, "%.*s", (int)(end - p - 6), p + 6);
	return true;
}

/*
 * The gateway's side: a delivery report for every reply it took and has
 * not reported yet.  No answer or a 5xx is tried again on the next call;
 * any other answer ends it (a bridge without the route answers 404).
 */
static void
report_replies(void)
{
	int i, n = tb_endpoint_count(&gw);

	for (i = 0; i < n; i++) {
		char id[96], body[160];
		int st;

		if (reported[i] || !reply_id(&gw.reqs[i], id, sizeof id))
			continue;
		snprintf(body, sizeof body, "{\"id\":\"%s\",\"status\":\"sent\"}", id);
		st = post_signed("/sms/report", body);
		if (st != 0 && st < 500)
			reported[i] = true;
	}
}

/* Sends message i as the gateway would: again and again until the bridge answers 200. */
static void
send_message(int i)
{
	static const char *const texts[8] = {
		"牲畜 牛11 猪40 羊5", "牲畜 牛12 猪41 羊5", "牲畜 牛13 猪42 羊5", "道路 硬化100米",
		"劳务 输转12", "卫生 清运4 保洁出勤7 合格", "建设 改厕3", "LS cattle 8 pigs 30 sheep 2",
	};
	long long end = tb_now_ms() + 30000;
	char body[256];

	snprintf(body, sizeof body, "{\"from\":\"+86138000000%02d\",\"text\":\"%s\",\"id\":\"gw-%d\"}",
	    i % 8 + 1, texts[i % 8], i);
	while (post_signed("/sms/incoming", body) != 200) {
		cr_assert(tb_now_ms() < end, "message %d never accepted", i);
		report_replies();
		tb_sleep_ms(100);
	}
}

/* Kills the bridge just after a new reply reached the gateway (which holds its answer back), then restarts it. */
static void
kill_mid_reply(void)
{
	int seen = tb_endpoint_count(&gw);
	long long end = tb_now_ms() + 20000;

	while (tb_endpoint_count(&gw) == seen) {
		cr_assert(tb_now_ms() < end, "no reply reached the gateway");
		tb_sleep_ms(5);
	}
	h_kill9(w.bridge);
	report_replies();	/* refused while it is down: tried again later */
	tb_sleep_ms(300);
	if (!tb_bridge(&w)) {
		h_dump_log(w.bridge);
		cr_assert_fail("the bridge did not come back");
	}
}

Test(trust_bridge_generic, kill9_mid_stream_one_reply_per_message, .timeout = 240)
{
	static const int ok[] = { 200, 0 };
	static int per_id[STREAM];
	char url[128], id[96];
	long long end;
	int i, n, distinct = 0;

	memset(&w, 0, sizeof w);
	cr_assert(tb_endpoint_start(&gw, ok, "ok"));
	gw.delay_ms = 300;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/reply", gw.port);
	tb_flag(&w, "kannel", "no");
	tb_flag(&w, "generic", "yes");
	tb_flag(&w, "generic-secret", SECRET);
	tb_flag(&w, "generic-reply-url", url);
	tb_flag(&w, "sms-gateway", "generic");
	tb_flag(&w, "republish-after", "1s");
	tb_flag(&w, "republish-max", "2s");
	tb_flag(&w, "retry-min", "200ms");
	tb_flag(&w, "retry-max", "1s");
	tb_flag(&w, "send-timeout", "3s");
	tb_flag(&w, "confirm-wait", "5s");
	tb_flag(&w, "loop-repeat", "0");
	tb_flag(&w, "rate-limit", "0");
	cr_assert(h_broker_start(&w.broker));
	cr_assert(tb_cunbaod(&w));
	cr_assert(tb_bridge(&w));

	for (i = 0; i < STREAM; i++) {
		send_message(i);
		report_replies();
		if (i == STREAM / 3 || i == 2 * STREAM / 3)
			kill_mid_reply();
	}
	/* Settled: every message answered, nothing pending (a reply waiting out its lease is pending). */
	end = tb_now_ms() + 90000;
	do {
		report_replies();
		tb_sleep_ms(200);
	} while ((tb_health(&w, "replies_pending") != 0 || tb_health(&w, "inbound_waiting") != 0 ||
	    tb_health(&w, "replies_sent") < STREAM) && tb_now_ms() < end);
	cr_expect_eq(tb_health(&w, "replies_pending"), 0);
	tb_sleep_ms(500);

	n = tb_endpoint_count(&gw);
	for (i = 0; i < n; i++) {
		int k;

		cr_assert(reply_id(&gw.reqs[i], id, sizeof id), "reply %d without id: %s", i, gw.reqs[i].body);
		cr_assert(sscanf(id, "http:gw-%d", &k) == 1 && k >= 0 && k < STREAM, "reply to %s", id);
		cr_expect(strstr(gw.reqs[i].headers, "\r\nIdempotency-Key: ") != NULL &&
		    strstr(gw.reqs[i].headers, id) != NULL, "reply %s without its Idempotency-Key", id);
		per_id[k]++;
	}
	for (i = 0; i < STREAM; i++) {
		cr_expect_eq(per_id[i], 1, "message gw-%d got %d replies", i, per_id[i]);
		distinct += per_id[i] > 0;
	}
	cr_expect_eq(distinct, STREAM);
	cr_expect_eq(n, STREAM, "%d replies for %d messages", n, STREAM);
	cr_expect_eq(tb_sql(h_path("cunbao.db"), "SELECT count(DISTINCT msg_id) FROM journal"), STREAM);
	cr_expect(tb_bridge_stop(&w), "the bridge did not exit cleanly");
	tb_endpoint_stop(&gw);
}
