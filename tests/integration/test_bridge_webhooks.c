/*
 * test_bridge_webhooks.c — the generic HTTP gateway and the Telegram-style
 * bot against local endpoints (a thread of this test plays the gateway's
 * reply URL and the Bot API), with the real broker and cunbaod: signed
 * messages in, signed replies out, sendMessage to the chat, retries when
 * the API fails; bad signatures and secret tokens get 401 and publish
 * nothing; oversized and malformed bodies get 4xx and leave the spool as
 * it was.  HMACs are computed with the openssl command-line tool, which
 * keeps the check independent of the bridge's own code; a signature covers
 * "<X-Cunbao-Timestamp>.<body>".
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test_bridge.h"

#define SECRET "generic-shared-secret-for-tests"
#define TGSECRET "telegram-secret-token-for-tests"
#define REPORT "牲畜 牛１２ 猪40 羊5"
#define ECHO "牲畜：牛12 猪40 羊5"

static struct world w;
static struct tb_endpoint gw;
static struct h_mqtt *inbox;

/* Lower-case hex HMAC-SHA256 of body under secret, by `openssl dgst`. */
static void
hmac_hex(const char *secret, const char *body, char *hex, size_t hexlen)
{
	const char *file = h_path("hmac-body");
	char cmd[1024], *out, *eq;
	int rc;

	cr_assert(h_write_file(file, body));
	snprintf(cmd, sizeof cmd, "openssl dgst -sha256 -hmac '%s' '%s'", secret, file);
	out = h_run(cmd, &rc);
	cr_assert(out != NULL && rc == 0, "openssl dgst failed");
	eq = strstr(out, "= ");
	cr_assert_not_null(eq);
	snprintf(hex, hexlen, "%.64s", eq + 2);
	free(out);
}

/* The world: broker, cunbaod, the bridge with the generic and Telegram channels on gw. */
static void
up(const int *statuses, const char *answer, const char *flag, const char *value)
{
	char url[128], api[128];

	memset(&w, 0, sizeof w);
	cr_assert(tb_endpoint_start(&gw, statuses, answer));
	snprintf(url, sizeof url, "http://127.0.0.1:%d/reply", gw.port);
	snprintf(api, sizeof api, "http://127.0.0.1:%d", gw.port);
	tb_flag(&w, "kannel", "no");
	tb_flag(&w, "generic", "yes");
	tb_flag(&w, "generic-secret", SECRET);
	tb_flag(&w, "generic-reply-url", url);
	tb_flag(&w, "sms-gateway", "generic");
	tb_flag(&w, "telegram", "yes");
	tb_flag(&w, "telegram-secret", TGSECRET);
	tb_flag(&w, "telegram-token", "123:ABC");
	tb_flag(&w, "telegram-api", api);
	tb_flag(&w, "retry-min", "200ms");
	if (flag != NULL)
		tb_flag(&w, flag, value);
	cr_assert(h_broker_start(&w.broker));
	cr_assert(tb_cunbaod(&w));
	cr_assert(tb_bridge(&w));
	inbox = h_mqtt_connect(w.broker.port, "test-inbox", true);
	cr_assert_not_null(inbox);
	cr_assert(h_mqtt_sub(inbox, "cunbao/v1/inbox/#", 1));
}

static void
down(void)
{
	cr_expect(tb_bridge_stop(&w), "the bridge did not exit cleanly");
	h_mqtt_close(inbox);
	tb_endpoint_stop(&gw);
}

/* POSTs body to the generic route, signed with secret now (NULL: no signature header). */
static int
post_generic(const char *ctype, const char *body, size_t len, const char *secret)
{
	char headers[512], hex[80] = "", stamp[24], *signed_text;
	struct tb_resp r;

	snprintf(stamp, sizeof stamp, "%lld", (long long)time(NULL));
	if (secret != NULL) {
		signed_text = malloc(strlen(stamp) + 1 + len + 1);
		sprintf(signed_text, "%s.%.*s", stamp, (int)len, body);
		hmac_hex(secret, signed_text, hex, sizeof hex);
		free(signed_text);
	}
	snprintf(headers, sizeof headers, "Content-Type: %s\r\nX-Cunbao-Timestamp: %s\r\n%s%s%s", ctype, stamp,
	    secret ? "X-Cunbao-Signature: sha256=" : "", hex, secret ? "\r\n" : "");
	cr_assert(tb_http(w.bridge_port, "POST", "/sms/incoming", headers, body, len, &r));
	return r.status;
}

static int
post_telegram(const char *token, const char *body)
{
	char headers[256];
	struct tb_resp r;

	snprintf(headers, sizeof headers, "Content-Type: application/json\r\n%s%s%s",
	    token ? "X-Telegram-Bot-Api-Secret-Token: " : "", token ? token : "", token ? "\r\n" : "");
	cr_assert(tb_http(w.bridge_port, "POST", "/telegram/webhook", headers, body, strlen(body), &r));
	return r.status;
}

/* True if a header line "name: value" is in the recorded request. */
static bool
has_header(const struct tb_req *q, const char *name, const char *value)
{
	char line[256];

	snprintf(line, sizeof line, "\r\n%s: %s", name, value);
	return strstr(q->headers, line) != NULL;
}

Test(bridge_webhooks, generic_signed_in_signed_reply_out, .timeout = 60)
{
	static const int ok[] = { 200, 0 };
	const char *body = "{\"from\":\"+86 138 0000 0003\",\"text\":\"" REPORT "\",\"id\":\"gw-1\"}";
	char hex[80], sig[100];
	struct tb_req q;

	up(ok, "ok", NULL, NULL);
	cr_assert_eq(post_generic("application/json", body, strlen(body), SECRET), 200);
	cr_assert(tb_endpoint_wait(&gw, 1, 15000), "no reply POSTed");
	q = gw.reqs[0];
	cr_expect_str_eq(q.method, "POST");
	cr_expect_str_eq(q.target, "/reply");
	cr_expect(strstr(q.body, "\"id\":\"http:gw-1\"") != NULL, "%s", q.body);
	cr_expect(strstr(q.body, "\"to\":\"+8613800000003\"") != NULL, "%s", q.body);
	cr_expect(strstr(q.body, "已收到 3组") != NULL && strstr(q.body, ECHO) != NULL, "%s", q.body);
	/* Signed over its timestamp and body, and keyed by the message id. */
	char *stamp = strstr(q.headers, "\r\nX-Cunbao-Timestamp: "), text[9000];

	cr_assert_not_null(stamp, "%s", q.headers);
	snprintf(text, sizeof text, "%lld.%s", strtoll(stamp + 22, NULL, 10), q.body);
	cr_expect(llabs(strtoll(stamp + 22, NULL, 10) - (long long)time(NULL)) < 60, "%s", q.headers);
	hmac_hex(SECRET, text, hex, sizeof hex);
	snprintf(sig, sizeof sig, "sha256=%s", hex);
	cr_expect(has_header(&q, "X-Cunbao-Signature", sig), "signature of %s:\n%s", text, q.headers);
	cr_expect(has_header(&q, "Idempotency-Key", "http:gw-1"), "%s", q.headers);

	/* The gateway retries the same message id: absorbed, no second envelope, no second reply. */
	cr_assert_eq(post_generic("application/json", body, strlen(body), SECRET), 200);
	cr_expect(tb_health_wait(&w, "replies_sent", 1, 10000));
	cr_expect_eq(tb_health(&w, "inbound_done"), 1);
	cr_expect_eq(tb_sql(h_path("cunbao.db"), "SELECT count(*) FROM journal"), 1);
	cr_expect_eq(tb_endpoint_count(&gw), 1);
	down();
}

Test(bridge_webhooks, generic_refusals_publish_nothing, .timeout = 60)
{
	static const int ok[] = { 200, 0 };
	static char big[20000];
	const char *good = "{\"from\":\"13800000003\",\"text\":\"" REPORT "\",\"id\":\"gw-2\"}";
	const char *form = "from=13800000003&text=x&id=3";
	struct h_msg *msg;

	up(ok, "ok", NULL, NULL);
	memset(big, 'x', sizeof big - 1);
	cr_expect_eq(post_generic("application/json", good, strlen(good), "not-the-shared-secret!!"), 401);
	cr_expect_eq(post_generic("application/json", good, strlen(good), NULL), 401);
	static const char *const malformed[] = {
		"{\"from\":",						/* not JSON */
		"{\"from\":\"13800000003\",\"text\":\"x\"}",			/* no id */
		"{\"from\":\"nobody\",\"text\":\"x\",\"id\":\"9\"}",		/* not a number */
		"[\"13800000003\",\"x\",\"9\"]",				/* not an object */
	};
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
		cr_expect_eq(post_generic("application/json", malformed[i], strlen(malformed[i]), SECRET), 400,
		    "%s", malformed[i]);
	cr_expect_eq(post_generic("text/plain", form, strlen(form), SECRET), 415);
	cr_expect_eq(post_generic("application/json", big, sizeof big - 1, NULL), 413);
	cr_expect_eq(tb_health(&w, "inbound_waiting"), 0);
	cr_expect_eq(tb_health(&w, "inbound_done"), 0);
	msg = h_mqtt_wait(inbox, "cunbao/v1/inbox/#", NULL, 500);
	cr_expect_null(msg, "published after a refusal: %s", msg ? msg->payload : "");
	h_msg_free(msg);

	/* The refusals left the bridge as it was: the next good message goes through. */
	cr_assert_eq(post_generic("application/json", good, strlen(good), SECRET), 200);
	msg = h_mqtt_wait(inbox, "cunbao/v1/inbox/sms", "\"id\":\"http:gw-2\"", 10000);
	cr_expect_not_null(msg);
	cr_expect(msg == NULL || strstr(msg->payload, "\"text\":\"" REPORT "\"") != NULL);
	h_msg_free(msg);
	cr_expect(tb_endpoint_wait(&gw, 1, 15000));
	cr_expect(tb_health_wait(&w, "replies_sent", 1, 10000));
	down();
}

#define UPDATE(id, chat, text) "{\"update_id\":" id ",\"message\":{\"message_id\":7,\"from\":{\"id\":" chat \
	",\"is_bot\":false,\"first_name\":\"志强\"},\"chat\":{\"id\":" chat ",\"type\":\"private\"}," \
	"\"date\":1701736200,\"text\":\"" text "\"}}"

Test(bridge_webhooks, telegram_update_gets_sendmessage, .timeout = 60)
{
	static const int ok[] = { 200, 0 };
	struct tb_req q;

	up(ok, "{\"ok\":true,\"result\":{}}", NULL, NULL);
	cr_assert_eq(post_telegram(TGSECRET, UPDATE("900001", "700000003", REPORT)), 200);
	cr_assert(tb_endpoint_wait(&gw, 1, 15000), "no sendMessage");
	q = gw.reqs[0];
	cr_expect_str_eq(q.method, "POST");
	cr_expect_str_eq(q.target, "/bot123:ABC/sendMessage");
	cr_expect(has_header(&q, "Content-Type", "application/json"), "%s", q.headers);
	cr_expect(strncmp(q.body, "{\"chat_id\":700000003,\"text\":\"已收到 3组", 40) == 0, "%s", q.body);
	cr_expect(strstr(q.body, ECHO) != NULL, "%s", q.body);
	cr_expect(tb_health_wait(&w, "replies_sent", 1, 10000));
	cr_expect_eq(tb_sql(h_path("cunbao.db"),
	    "SELECT count(*) FROM journal WHERE sender = 'tg:700000003' AND channel = 'tg'"), 1);
	down();
}

Test(bridge_webhooks, telegram_bad_secret_and_malformed_publish_nothing, .timeout = 60)
{
	static const int ok[] = { 200, 0 };
	struct h_msg *msg;

	up(ok, "{\"ok\":true,\"result\":{}}", NULL, NULL);
	cr_expect_eq(post_telegram("a-wrong-secret-token-here", UPDATE("1", "700000003", REPORT)), 401);
	cr_expect_eq(post_telegram(NULL, UPDATE("2", "700000003", REPORT)), 401);
	cr_expect_eq(post_telegram(TGSECRET, "{\"update_id\":3,\"message\":"), 400);
	cr_expect_eq(post_telegram(TGSECRET, "{\"update_id\":\"4\"}"), 400);
	/* An update without text is acknowledged (Telegram would resend it for ever) and not forwarded. */
	cr_expect_eq(post_telegram(TGSECRET, "{\"update_id\":5,\"message\":{\"chat\":{\"id\":1},\"sticker\":{}}}"),
	    200);
	msg = h_mqtt_wait(inbox, "cunbao/v1/inbox/#", NULL, 500);
	cr_expect_null(msg, "published: %s", msg ? msg->payload : "");
	h_msg_free(msg);
	cr_expect_eq(tb_health(&w, "inbound_done") + tb_health(&w, "inbound_waiting"), 0);
	cr_expect_eq(tb_endpoint_count(&gw), 0);
	down();
}

Test(bridge_webhooks, telegram_api_failures_are_retried_until_delivered, .timeout = 60)
{
	static const int flaky[] = { 500, 502, 200, 0 };
	int i;

	up(flaky, "{\"ok\":true,\"result\":{}}", NULL, NULL);
	cr_assert_eq(post_telegram(TGSECRET, UPDATE("900002", "700000003", REPORT)), 200);
	cr_assert(tb_health_wait(&w, "replies_sent", 1, 20000), "not delivered");
	cr_expect_eq(tb_endpoint_count(&gw), 3);
	for (i = 0; i < 3; i++)
		cr_expect_str_eq(gw.reqs[i].body, gw.reqs[0].body, "attempt %d differs", i + 1);
	cr_expect_eq(tb_health(&w, "replies_pending"), 0);
	down();
}

Test(bridge_webhooks, unknown_routes_and_health, .timeout = 60)
{
	static const int ok[] = { 200, 0 };
	struct tb_resp r;

	up(ok, "ok", NULL, NULL);
	cr_assert(tb_http(w.bridge_port, "GET", "/nowhere", NULL, "", 0, &r));
	cr_expect_eq(r.status, 404);
	/* Kannel is off in this world: its route is not served. */
	cr_assert(tb_http(w.bridge_port, "GET", "/kannel/incoming?from=1&text=x", NULL, "", 0, &r));
	cr_expect_eq(r.status, 404);
	cr_assert(tb_http(w.bridge_port, "GET", "/sms/incoming", NULL, "", 0, &r));
	cr_expect_eq(r.status, 405);
	cr_assert(tb_http(w.bridge_port, "GET", "/healthz", NULL, "", 0, &r));
	cr_expect_eq(r.status, 200);
	cr_expect(strstr(r.body, "\"mqtt\":\"connected\"") != NULL, "%s", r.body);
	down();
}
