/*
 * test_bridge_crash.c — nothing lost, nothing twice: a stream of SMS from
 * the eight group leaders through the real Kannel while the bridge is
 * killed with SIGKILL and restarted, then cunbaod, then the broker is
 * restarted.  At the end every message is in cunbaod's journal exactly
 * once and every leader got exactly one reply per message sent.
 *
 * The phones are one fakesmsc (kannel-extras) sending messages picked at
 * random from the eight leaders' texts; it prints every reply it gets.
 * A reply in flight when the bridge dies is settled by Kannel's delivery
 * report, which smsbox retries until the bridge is back: without it the
 * reply would go out twice (that is what this test caught first).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test_bridge.h"

#define STREAM 60

/* Counts "Got message" lines of the phones' log addressed to `to` (NULL: all). */
static int
replies_to(struct h_proc *phones, const char *to)
{
	char *log = h_read_file(phones->log, NULL), *p;
	char want[64];
	int n = 0;

	if (log == NULL)
		return -1;
	snprintf(want, sizeof want, " %s ", to ? to : "");
	for (p = strstr(log, "Got message "); p != NULL; p = strstr(p + 1, "Got message ")) {
		char *lt = strchr(p, '<'), *eol = strchr(p, '\n');
		char line[256];

		if (lt == NULL || (eol != NULL && lt > eol))
			continue;
		snprintf(line, sizeof line, "%.*s", eol ? (int)(eol - lt) : 200, lt);
		if (to == NULL || strstr(line, want) != NULL)
			n++;
	}
	free(log);
	return n;
}

static bool
phones_done(struct h_proc *phones, int timeout_ms)
{
	long long end = tb_now_ms() + timeout_ms;
	char needle[64];

	snprintf(needle, sizeof needle, "sent message %d\n", STREAM);
	while (tb_now_ms() < end) {
		if (replies_to(phones, NULL) >= STREAM && h_wait_log(phones, needle, 1))
			return true;
		tb_sleep_ms(200);
	}
	return false;
}

Test(bridge_crash, kill9_bridge_cunbaod_and_broker_restart_lose_nothing, .timeout = 240)
{
	static const char *const texts[8] = {
		"+8613800000001 10690001 text 牲畜 牛11 猪40 羊5",
		"+8613800000002 10690001 text 牲畜 牛12 猪41 羊5",
		"+8613800000003 10690001 text 牲畜 牛13 猪42 羊5",
		"+8613800000004 10690001 text 道路 硬化100米",
		"+8613800000005 10690001 text 劳务 输转12",
		"+8613800000006 10690001 text 卫生 清运4 保洁出勤7 合格",
		"+8613800000007 10690001 text 建设 改厕3",
		"+8613800000008 10690001 text LS cattle 8 pigs 30 sheep 2",
	};
	struct world w;
	char smsc[16], count[16];
	int i;

	memset(&w, 0, sizeof w);
	/* Fast retries so the test is short; the loop guard off: leaders repeat their texts here. */
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
	cr_assert(tb_kannel(&w, false));
	cr_assert(tb_bridge(&w));

	snprintf(smsc, sizeof smsc, "%d", w.smsc_port);
	snprintf(count, sizeof count, "%d", STREAM);
	char *argv[] = { "/usr/lib/kannel/test/fakesmsc", "-H", "127.0.0.1", "-r", smsc, "-m", count,
		"-i", "0.1", "-v", "0", (char *)texts[0], (char *)texts[1], (char *)texts[2],
		(char *)texts[3], (char *)texts[4], (char *)texts[5], (char *)texts[6], (char *)texts[7], NULL };
	struct h_proc *phones = h_spawn("phones", argv);
	cr_assert_not_null(phones);

	/* The stream runs for about six seconds; each crash lands inside it. */
	tb_sleep_ms(1000);
	h_kill9(w.bridge);
	tb_sleep_ms(500);
	cr_assert(tb_bridge(&w), "the bridge did not come back");
	tb_sleep_ms(1000);
	h_kill9(w.cunbaod);
	tb_sleep_ms(300);
	cr_assert(tb_cunbaod(&w), "cunbaod did not come back");
	tb_sleep_ms(800);
	h_broker_stop(&w.broker);
	tb_sleep_ms(300);
	cr_assert(h_broker_start(&w.broker), "the broker did not come back");

	if (!phones_done(phones, 120000)) {
		h_dump_log(w.bridge);
		h_dump_log(w.smsbox);
		h_dump_log(w.cunbaod);
	}
	cr_assert(tb_health_wait(&w, "inbound_waiting", 0, 30000));
	cr_assert(tb_health_wait(&w, "replies_pending", 0, 30000));
	/* Settled: nothing waits anywhere, so no reply can still be on its way. */
	cr_expect_eq(replies_to(phones, NULL), STREAM, "replies: %d", replies_to(phones, NULL));
	cr_expect_eq(tb_sql(h_path("cunbao.db"), "SELECT count(*) FROM journal"), STREAM);
	cr_expect_eq(tb_sql(h_path("cunbao.db"), "SELECT count(DISTINCT msg_id) FROM journal"), STREAM);
	cr_expect_eq(tb_health(&w, "replies_sent"), STREAM);
	for (i = 1; i <= 8; i++) {
		char who[32], sql[160];
		long stored;

		snprintf(who, sizeof who, "+86138000000%02d", i);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM journal WHERE sender = '%s'", who);
		stored = tb_sql(h_path("cunbao.db"), sql);
		cr_expect_eq(replies_to(phones, who), stored, "%s: %d replies for %ld messages", who,
		    replies_to(phones, who), stored);
	}
	cr_expect(tb_bridge_stop(&w), "the bridge did not exit cleanly");
}
