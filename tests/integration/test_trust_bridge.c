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
/* The example's bridge-1 login off: its password file is not on a build machine. */
#define ANON "--mqtt-user '' --mqtt-password-file ''"
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

/* Kannel's get-url for one SMS from 127.0.0.1 with key (NULL: none); returns the status. */
static int
kannel_sms(const char *id, const char *key)
{
	char target[512];
	struct tb_resp r;

	snprintf(target, sizeof target, "/kannel/incoming?from=13800000003&text=%%E5%%8D%%AB%%E7%%94%%9F+"
	    "%%E5%%90%%88%%E6%%A0%%BC&id=%s&coding=0&charset=UTF-8%s%s", id, key ? "&key=" : "", key ? key : "");
	cr_assert(tb_http(w.bridge_port, "GET", target, NULL, "", 0, &r));
	return r.status;
}

/*
 * Behind a proxy every caller is 127.0.0.1: the address proves nothing, the
 * get-url's key does.  A missing or wrong key is 403 and nothing is spooled;
 * the shipped examples' key goes through; the log never shows the key.
 */
Test(trust_bridge, kannel_routes_need_the_shared_secret, .timeout = 90)
{
	struct tb_resp r;
	char *log;

	up(NULL);
	cr_expect_eq(kannel_sms("k-1", NULL), 403);
	cr_expect_eq(kannel_sms("k-2", "not-the-kannel-secret-at-all"), 403);
	cr_expect_eq(kannel_sms("k-3", ""), 403);
	cr_assert(tb_http(w.bridge_port, "GET", "/kannel/dlr?id=kannel%3Ak-1&status=8", NULL, "", 0, &r));
	cr_expect_eq(r.status, 403);
	cr_expect_eq(spooled(), 0);
	cr_expect_eq(kannel_sms("k-4", TB_KANNEL_KEY), 200);
	cr_expect(tb_health_wait(&w, "inbound_done", 1, 20000));
	cr_expect_eq(spooled(), 1);
	cr_expect_eq(tb_sql(h_path("bridge.db"), "SELECT count(*) FROM inbound WHERE id = 'kannel:k-4'"), 1);
	down();
	log = h_read_file(w.bridge->log, NULL);
	cr_assert_not_null(log);
	cr_expect(strstr(log, "key is missing or wrong") != NULL, "no refusal logged");
	cr_expect(strstr(log, TB_KANNEL_KEY) == NULL && strstr(log, "not-the-kannel-secret") == NULL,
	    "a key in the log");
	free(log);
}

/* -n: a configuration without kannel-secret is valid, with a warning; so is the start. */
Test(trust_bridge, kannel_without_secret_warns_in_check_and_at_start, .timeout = 60)
{
	char cmd[1024], *out;
	int rc = -1;

	snprintf(cmd, sizeof cmd, "'%s' -n -c '%s' --kannel-secret '' " ANON " 2>&1", h_bin("bridge/cunbao-bridge"),
	    h_src("bridge/examples/cunbao-bridge.conf"));
	out = h_run(cmd, &rc);
	cr_assert_not_null(out);
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect(strstr(out, "warning: kannel-secret: not set") != NULL, "%s", out);
	cr_expect(strstr(out, "configuration OK") != NULL, "%s", out);
	free(out);
	snprintf(cmd, sizeof cmd, "'%s' -n -c '%s' " ANON " 2>&1", h_bin("bridge/cunbao-bridge"),
	    h_src("bridge/examples/cunbao-bridge.conf"));
	out = h_run(cmd, &rc);
	cr_assert_not_null(out);
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect(strstr(out, "warning") == NULL, "the shipped example warns: %s", out);
	free(out);

	static const char *const flags[] = { "kannel-secret", "", NULL };
	up(flags);
	cr_expect(h_wait_log(w.bridge, "kannel-secret: not set", 5000));
	/* The peer check still holds, and without a secret a call from 127.0.0.1 passes. */
	cr_expect_eq(kannel_sms("k-5", NULL), 200);
	down();
}

/*
 * -d means foreground, as cunbaod's: the harness starts the bridge with -d
 * -v, and the log shows phone numbers masked.  --log-unmasked shows them
 * whole and says so with a warning.
 */
Test(trust_bridge, numbers_masked_unless_log_unmasked, .timeout = 90)
{
	static const int ok[] = { 200, 0 };
	struct tb_resp r;
	char cmd[1024], *log, *out;
	int rc = -1;

	up(NULL);
	cr_assert(tb_http(w.bridge_port, "GET", "/nowhere", NULL, "", 0, &r));	/* a debug line */
	cr_expect_eq(kannel_sms("m-1", TB_KANNEL_KEY), 200);
	cr_expect(h_wait_log(w.bridge, "+86138****0003", 10000));
	down();
	log = h_read_file(w.bridge->log, NULL);
	cr_assert_not_null(log);
	cr_expect(strstr(log, "13800000003") == NULL, "a whole number in the log with -d -v");
	cr_expect(strstr(log, "debug:") != NULL, "-v logs no debug lines");
	free(log);
	h_broker_stop(&w.broker);
	h_stop(w.cunbaod, SIGTERM, 10000);

	snprintf(cmd, sizeof cmd, "'%s' --help", h_bin("bridge/cunbao-bridge"));
	out = h_run(cmd, &rc);
	cr_assert_not_null(out);
	cr_expect(strstr(out, "-d                 stay in the foreground") != NULL, "%s", out);
	cr_expect(strstr(out, "--log-unmasked") != NULL, "%s", out);
	free(out);

	memset(&w, 0, sizeof w);
	cr_assert(tb_endpoint_start(&gw, ok, "ok"));
	w.sendsms_port = gw.port;
	cr_assert(h_broker_start(&w.broker));
	cr_assert(tb_cunbaod(&w));
	/* tb_flag takes --key value pairs; --log-unmasked stands alone, so it goes in by hand. */
	w.bridge_flags[w.nflags++] = "--log-unmasked";
	w.bridge_flags[w.nflags] = NULL;
	cr_assert(tb_bridge(&w));
	cr_expect(h_wait_log(w.bridge, "--log-unmasked: whole phone numbers", 5000));
	cr_expect_eq(kannel_sms("m-2", TB_KANNEL_KEY), 200);
	cr_expect(h_wait_log(w.bridge, "from +8613800000003 spooled", 10000));
	down();
}

/* Lower-case hex HMAC-SHA256 of "<stamp>.<body>" under secret, by `openssl dgst`. */
static void
stamped_hmac(const char *secret, long long stamp, const char *body, char *hex, size_t hexlen)
{
	const char *file = h_path("hmac-body");
	char cmd[1024], text[4096], *out, *eq;
	int rc;

	snprintf(text, sizeof text, "%lld.%s", stamp, body);
	cr_assert(h_write_file(file, text));
	snprintf(cmd, sizeof cmd, "openssl dgst -sha256 -hmac '%s' '%s'", secret, file);
	out = h_run(cmd, &rc);
	cr_assert(out != NULL && rc == 0, "openssl dgst failed");
	eq = strstr(out, "= ");
	cr_assert_not_null(eq);
	snprintf(hex, hexlen, "%.64s", eq + 2);
	free(out);
}

/* POSTs body to /sms/incoming signed at stamp (seconds); returns the status. */
static int
post_generic_at(const char *body, long long stamp)
{
	char headers[512], hex[80];
	struct tb_resp r;

	stamped_hmac(SECRET, stamp, body, hex, sizeof hex);
	snprintf(headers, sizeof headers, "Content-Type: application/json\r\nX-Cunbao-Timestamp: %lld\r\n"
	    "X-Cunbao-Signature: sha256=%s\r\n", stamp, hex);
	cr_assert(tb_http(w.bridge_port, "POST", "/sms/incoming", headers, body, strlen(body), &r));
	return r.status;
}

/*
 * A signed request captured once is worthless later: its timestamp is
 * signed, and outside generic-window (here 30 s) it is 403 and nothing is
 * kept — even after the spool forgot the id.  A fresh one goes through.
 */
Test(trust_bridge, generic_replay_outside_the_window_refused, .timeout = 90)
{
	static const char *const flags[] = { "generic-window", "30s", NULL };
	const char *body = "{\"from\":\"13800000003\",\"text\":\"" REPORT "\",\"id\":\"gw-replay\"}";
	long long now = (long long)time(NULL);

	up(flags);
	cr_expect_eq(post_generic_at(body, now - 3600), 403);
	cr_expect_eq(post_generic_at(body, now + 120), 403);
	cr_expect_eq(post_generic_at(body, now - 1), 200);
	cr_expect(tb_health_wait(&w, "inbound_done", 1, 20000));
	/* The spool forgets the id (as after keep-done); the old request replayed is still refused. */
	cr_assert_eq(tb_sql(h_path("bridge.db"), "SELECT count(*) FROM inbound"), 1);
	{
		sqlite3 *db;

		cr_assert_eq(sqlite3_open(h_path("bridge.db"), &db), SQLITE_OK);
		sqlite3_busy_timeout(db, 5000);
		cr_assert_eq(sqlite3_exec(db, "DELETE FROM inbound", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	cr_expect_eq(post_generic_at(body, now - 3600), 403);
	cr_expect_eq(spooled(), 0);
	cr_expect_eq(journal(), 1);
	down();
}

/* A connected socket to the bridge (no request sent); -1 on failure. */
static int
raw_connect(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)w.bridge_port) };
	struct timeval tv = { 15, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads what the server says until it closes (or 15 s pass); the status, 0 if none. */
static int
raw_status(int fd, char *buf, size_t buflen)
{
	size_t have = 0;
	ssize_t k;
	int status = 0;

	while (have < buflen - 1 && (k = read(fd, buf + have, buflen - 1 - have)) > 0)
		have += (size_t)k;
	buf[have] = '\0';
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		status = 0;
	return status;
}

/*
 * A client that trickles a byte every 300 ms used to keep its connection
 * (the old idle timeout restarted with every byte): now it is answered 408
 * and closed when http-timeout (2 s) has passed since it connected.
 */
Test(trust_bridge, trickling_client_is_cut_at_the_deadline, .timeout = 90)
{
	static const char *const flags[] = { "http-timeout", "2s", NULL };
	static const char head[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
	char buf[2048];
	long long start, took;
	size_t i;
	int fd, status;

	up(flags);
	cr_assert((fd = raw_connect()) >= 0);
	start = tb_now_ms();
	for (i = 0; i < sizeof head - 1 && tb_now_ms() - start < 8000; i++) {
		if (send(fd, head + i, 1, MSG_NOSIGNAL) != 1)
			break;
		tb_sleep_ms(300);
	}
	/* Keep trickling until the server closes, for at most 8 s. */
	while (tb_now_ms() - start < 8000 && send(fd, "x", 1, MSG_NOSIGNAL) == 1) {
		struct timeval tv = { 0, 300000 };
		fd_set rd;

		FD_ZERO(&rd);
		FD_SET(fd, &rd);
		if (select(fd + 1, &rd, NULL, NULL, &tv) > 0)
			break;	/* the answer, or the close */
	}
	status = raw_status(fd, buf, sizeof buf);
	took = tb_now_ms() - start;
	close(fd);
	cr_expect_eq(status, 408, "answer: %s", buf);
	cr_expect(strstr(buf, "http-timeout") != NULL, "%s", buf);
	cr_expect(took < 4500, "the trickling client was cut only after %lld ms", took);
	/* The bridge serves others as before. */
	cr_expect_eq(tb_health(&w, "inbound_waiting"), 0);
	down();
}

/*
 * With http-max-connections 20, 60 idle connections: 20 are held, 40 are
 * answered 503 at once, and so is a real request while the slots are
 * full; after http-timeout (4 s) the idle ones are cut (408) and requests
 * are served again.  Heads and bodies over the limits get text/plain answers.
 */
Test(trust_bridge, connections_capped_and_limits_answered, .timeout = 90)
{
	static const char *const flags[] = { "http-timeout", "4s", "http-max-connections", "20", NULL };
	enum { IDLE = 60 };
	int fds[IDLE], i, busy = 0, held = 0, cut = 0;
	char buf[2048];
	struct tb_resp r;
	long long start;

	up(flags);
	cr_assert(tb_http(w.bridge_port, "GET", "/healthz", NULL, "", 0, &r) && r.status == 200);
	start = tb_now_ms();
	for (i = 0; i < IDLE; i++)
		cr_assert((fds[i] = raw_connect()) >= 0, "connect %d", i);
	/* The refused ones answer at once; the held ones say nothing until their deadline. */
	tb_sleep_ms(500);
	for (i = 0; i < IDLE; i++) {
		struct timeval tv = { 0, 0 };
		fd_set rd;

		FD_ZERO(&rd);
		FD_SET(fds[i], &rd);
		if (select(fds[i] + 1, &rd, NULL, NULL, &tv) > 0) {
			cr_expect_eq(raw_status(fds[i], buf, sizeof buf), 503, "%s", buf);
			cr_expect(strstr(buf, "http-max-connections") != NULL, "%s", buf);
			busy++;
			close(fds[i]);
			fds[i] = -1;
		}
	}
	cr_assert(tb_now_ms() - start < 3500, "too slow a machine for this test's timing");
	/* A connection of the harness's own (its port probe) may still hold a slot for a moment. */
	cr_expect(busy >= IDLE - 20 && busy <= IDLE - 19, "refused %d of %d", busy, IDLE);
	if (tb_now_ms() - start < 3000) {
		cr_assert(tb_http(w.bridge_port, "GET", "/healthz", NULL, "", 0, &r));
		cr_expect_eq(r.status, 503, "a request while every slot is taken: %d", r.status);
	}
	for (i = 0; i < IDLE; i++) {
		if (fds[i] < 0)
			continue;
		held++;
		cut += raw_status(fds[i], buf, sizeof buf) == 408;
		close(fds[i]);
	}
	cr_expect_eq(held, IDLE - busy);
	cr_expect_eq(cut, held, "%d of %d idle connections answered 408", cut, held);
	cr_expect(tb_now_ms() - start < 8000, "the idle ones were cut after %lld ms", tb_now_ms() - start);
	cr_assert(tb_http(w.bridge_port, "GET", "/healthz", NULL, "", 0, &r));
	cr_expect_eq(r.status, 200, "after the cut: %d %s", r.status, r.body);

	/* Limits, each with a sentence. */
	static char big[9100];
	int fd;

	memset(big, 'a', sizeof big - 1);
	memcpy(big, "GET /healthz HTTP/1.1\r\nX-Big: ", 31);
	cr_assert((fd = raw_connect()) >= 0);
	cr_expect(send(fd, big, sizeof big - 1, MSG_NOSIGNAL) > 0);
	cr_expect_eq(raw_status(fd, buf, sizeof buf), 431, "%s", buf);
	cr_expect(strstr(buf, "max-headers") != NULL, "%s", buf);
	close(fd);
	static char body[20000];
	memset(body, 'b', sizeof body - 1);
	cr_assert(tb_http(w.bridge_port, "POST", "/sms/incoming", "Content-Type: application/json\r\n", body,
	    sizeof body - 1, &r));
	cr_expect_eq(r.status, 413);
	cr_expect(strstr(r.body, "max-body") != NULL, "%s", r.body);
	cr_assert(tb_http(w.bridge_port, "DELETE", "/sms/incoming", NULL, "", 0, &r));
	cr_expect_eq(r.status, 405);
	cr_expect_eq(spooled(), 0);
	down();
}
