/*
 * test_trust_bridge.c — the bridge against a hostile or careless client,
 * with the real broker, cunbaod and the bridge (a thread of this test plays
 * the Bot API and a gateway's reply URL):
 *   - Telegram: an edited message is not counted again (the person is told
 *     to send 更正), a group's message is no report, the sender is the
 *     person (from.id), not the chat;
 *   - Kannel's routes need the get-url's shared secret (`key=`), even from
 *     127.0.0.1 (behind a proxy every caller is 127.0.0.1);
 *   - signed generic webhooks carry a signed timestamp and are refused
 *     outside the window, so an old request cannot be replayed;
 *   - the webhook listener caps connections and cuts a request that takes
 *     longer than http-timeout, however slowly it trickles;
 *   - -d means foreground (as cunbaod's); whole phone numbers are logged
 *     only with --log-unmasked, which says so with a warning.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test_bridge.h"

#define SECRET "generic-shared-secret-for-tests"
#define TGSECRET "telegram-secret-token-for-tests"
#define KEY "change-me-kannel-get-url-key"	/* kannel-secret of bridge/examples/cunbao-bridge.conf */
#define REPORT "牲畜 牛12 猪40 羊5"

static struct world w;
static struct tb_endpoint gw;

/* The world: broker, cunbaod, the bridge with all three channels, gw as reply URL and Bot API. */
static void
up(const char *const *flags)
{
	static const int ok[] = { 200, 0 };
	char url[128], api[128];

	memset(&w, 0, sizeof w);
	cr_assert(tb_endpoint_start(&gw, ok, "{\"ok\":true,\"result\":{}}"));
	snprintf(url, sizeof url, "http://127.0.0.1:%d/reply", gw.port);
	snprintf(api, sizeof api, "http://127.0.0.1:%d", gw.port);
	tb_flag(&w, "generic", "yes");
	tb_flag(&w, "generic-secret", SECRET);
	tb_flag(&w, "generic-reply-url", url);
	tb_flag(&w, "telegram", "yes");
	tb_flag(&w, "telegram-secret", TGSECRET);
	tb_flag(&w, "telegram-token", "123:ABC");
	tb_flag(&w, "telegram-api", api);
	tb_flag(&w, "retry-min", "200ms");
	for (; flags != NULL && flags[0] != NULL; flags += 2)
		tb_flag(&w, flags[0], flags[1]);
	w.sendsms_port = gw.port;
	cr_assert(h_broker_start(&w.broker));
	cr_assert(tb_cunbaod(&w));
	if (!tb_bridge(&w)) {
		h_dump_log(w.bridge);
		cr_assert_fail("the bridge did not start");
	}
}

static void
down(void)
{
	cr_expect(tb_bridge_stop(&w), "the bridge did not exit cleanly");
	tb_endpoint_stop(&gw);
}

static long
journal(void)
{
	return tb_sql(h_path("cunbao.db"), "SELECT count(*) FROM journal");
}

static long
spooled(void)
{
	return tb_sql(h_path("bridge.db"), "SELECT count(*) FROM inbound");
}

static int
post_telegram(const char *body)
{
	struct tb_resp r;

	cr_assert(tb_http(w.bridge_port, "POST", "/telegram/webhook", "Content-Type: application/json\r\n"
	    "X-Telegram-Bot-Api-Secret-Token: " TGSECRET "\r\n", body, strlen(body), &r));
	return r.status;
}

#define TG(kind, id, from, chat, type, text) "{\"update_id\":" id ",\"" kind "\":{\"message_id\":7," \
	"\"from\":{\"id\":" from ",\"is_bot\":false,\"first_name\":\"志强\"},\"chat\":{\"id\":" chat \
	",\"type\":\"" type "\"},\"date\":1701736200,\"text\":\"" text "\"}}"

Test(trust_bridge, telegram_edits_groups_and_senders, .timeout = 90)
{
	int i, hint = 0, receipts = 0;

	up(NULL);
	/* A report, then its edit: counted once; the edit is answered with the 更正 hint. */
	cr_assert_eq(post_telegram(TG("message", "800001", "700000003", "700000003", "private", REPORT)), 200);
	cr_assert_eq(post_telegram(TG("edited_message", "800002", "700000003", "700000003", "private",
	    "牲畜 牛13 猪40 羊5")), 200);
	/* Telegram resends the edit: still one hint. */
	cr_assert_eq(post_telegram(TG("edited_message", "800002", "700000003", "700000003", "private",
	    "牲畜 牛13 猪40 羊5")), 200);
	/* Someone in a group: no report, no answer, even with the registered id as the chat. */
	cr_assert_eq(post_telegram(TG("message", "800003", "700000099", "700000003", "group", REPORT)), 200);
	cr_assert_eq(post_telegram(TG("message", "800004", "700000099", "-100777", "supergroup", REPORT)), 200);
	cr_assert(tb_health_wait(&w, "replies_sent", 2, 20000), "replies_sent %ld", tb_health(&w, "replies_sent"));
	tb_sleep_ms(500);
	cr_expect_eq(journal(), 1);
	cr_expect_eq(tb_sql(h_path("cunbao.db"), "SELECT count(*) FROM journal WHERE sender = 'tg:700000003'"), 1);
	cr_expect_eq(spooled(), 1);
	cr_assert_eq(tb_endpoint_count(&gw), 2);
	for (i = 0; i < 2; i++) {
		cr_expect(strstr(gw.reqs[i].body, "\"chat_id\":700000003") != NULL, "%s", gw.reqs[i].body);
		hint += strstr(gw.reqs[i].body, "更正") != NULL;
		receipts += strstr(gw.reqs[i].body, "已收到") != NULL;
	}
	cr_expect_eq(hint, 1);
	cr_expect_eq(receipts, 1);
	/* The sender is the person: a private message from 700000004 is filed under it. */
	cr_assert_eq(post_telegram(TG("message", "800005", "700000004", "700000004", "private", "卫生 合格")), 200);
	cr_expect(tb_health_wait(&w, "inbound_done", 2, 20000));
	cr_expect_eq(tb_sql(h_path("cunbao.db"), "SELECT count(*) FROM journal WHERE sender = 'tg:700000004'"), 1);
	down();
}
