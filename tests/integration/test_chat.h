/*
 * test_chat.h — what the chat-platform integration tests (test_chat_*.c:
 * WeCom, WeChat OA, DingTalk, Feishu) share:
 *
 *   - the fake platform API: tests/integration/fake_chat_api.py on a free
 *     loopback port (its header comment says what it answers), which logs
 *     every request as a JSON line; tc_api_* start it, count and read the
 *     lines;
 *   - a cunbao-bridge started from bridge/examples/cunbao-bridge.conf with
 *     [<platform> <name>] sections appended (tc_bridge_start; a restart
 *     keeps its spool and its port);
 *   - the WXBizMsgCrypt side of the platforms (tc_wx_*): a message
 *     encrypted and signed as WeCom or WeChat sends it;
 *   - the steps every test takes (tc_start: cunbaod on the test's roster,
 *     the fake API, the bridge with the platform's section; tc_crash:
 *     kill -9 of the bridge and both restarted) and the checks they share
 *     (tc_accepted, tc_journal, tc_absorbed, tc_db_wait, tc_cattle,
 *     tc_same_as_sms:
 *     the reply equals an SMS leader's).
 *
 * Together with test_cunbaod.h (mosquitto, cunbaod with a roster of the
 * test's own, a client that sees every receipt) and test_bridge.h (a
 * blocking HTTP client, reading the spool).  Every process goes through
 * h_spawn, so all are stopped even when a test fails; everything waits
 * for an event with a generous deadline.
 */
#ifndef TEST_CHAT_H
#define TEST_CHAT_H

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge.h"
#include "harness.h"
#include "test_bridge.h"
#include "test_cunbaod.h"

#define TC_WAIT 20000		/* ms: a deadline, not an expectation */
#define TC_TEXT "牲畜 牛12 猪40"	/* the first report of every test, as its SMS twin sends it */
/* The village's cattle, summed over its groups' rollups; -1 when there is none yet. */
#define TC_CATTLE "SELECT coalesce(sum(sum), -1) FROM rollups WHERE area = 'xinzhuang/hexi' AND " \
	"kind = 'livestock' AND field = 'cattle'"

/* ------------------------------------------------------------------ the fake API */

struct tc_api {
	int port;
	char log[512];
	struct h_proc *proc;
};

/* Starts fake_chat_api.py with extra options ("" or "--expire-sends 1"); waits until it listens. */
static inline bool
tc_api_start(struct tc_api *a, const char *options)
{
	char cmd[2048];

	a->port = h_free_port();
	snprintf(a->log, sizeof a->log, "%s", h_path("fake_chat_api.jsonl"));
	snprintf(cmd, sizeof cmd, "exec /usr/bin/python3 '%s' --port %d --log '%s' %s",
	    h_src("tests/integration/fake_chat_api.py"), a->port, a->log, options ? options : "");
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	a->proc = h_spawn("fake-api", argv);
	return a->proc != NULL && h_wait_port(a->port, TC_WAIT);
}

/* The API base URL to give the bridge's `api` key. */
static inline const char *
tc_api_url(const struct tc_api *a)
{
	static char url[64];

	snprintf(url, sizeof url, "http://127.0.0.1:%d", a->port);
	return url;
}

/*
 * The i-th (from 0) logged request whose path is `path` (NULL: any), parsed
 * (cJSON_Delete it); NULL when there is no such line.  *count gets the number
 * of such lines when count is not NULL.
 */
static inline cJSON *
tc_api_line(const struct tc_api *a, const char *path, int i, int *count)
{
	char *text = h_read_file(a->log, NULL), *line, *save = NULL;
	cJSON *found = NULL;
	int n = 0;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *j = cJSON_Parse(line);
		const cJSON *p = cJSON_GetObjectItem(j, "path");

		if (j != NULL && (path == NULL || (cJSON_IsString(p) && strcmp(p->valuestring, path) == 0))) {
			if (n++ == i && found == NULL) {
				found = j;
				continue;
			}
		}
		cJSON_Delete(j);
	}
	free(text);
	if (count != NULL)
		*count = n;
	return found;
}

static inline int
tc_api_count(const struct tc_api *a, const char *path)
{
	int n = 0;

	tc_api_line(a, path, -1, &n);
	return n;
}

/* Waits until at least n requests to path were logged; true if they were. */
static inline bool
tc_api_wait(const struct tc_api *a, const char *path, int n, int timeout_ms)
{
	long long end = tb_now_ms() + timeout_ms;

	while (tc_api_count(a, path) < n) {
		if (tb_now_ms() >= end)
			return false;
		tb_sleep_ms(50);
	}
	return true;
}

/*
 * The i-th (from 0) request to path carrying a text message in the shape
 * WeCom, WeChat and DingTalk's webhooks share, {"msgtype":"text","text":
 * {"content":…}}: asserts there is one and that it is text; returns its
 * content (malloc'd) and its log line in *line (cJSON_Delete it) for the
 * platform's own checks.
 */
static inline char *
tc_api_text(const struct tc_api *a, const char *path, int i, cJSON **line)
{
	cJSON *j = tc_api_line(a, path, i, NULL), *js = cJSON_GetObjectItem(j, "json");
	const cJSON *content = cJSON_GetObjectItem(cJSON_GetObjectItem(js, "text"), "content");

	cr_assert_not_null(j, "no request %d to %s", i, path);
	cr_expect_str_eq(cJSON_GetObjectItem(js, "msgtype")->valuestring, "text");
	cr_assert(cJSON_IsString(content), "%s %d: no text content", path, i);
	*line = j;
	return strdup(content->valuestring);
}

/* ------------------------------------------------------------------ the bridge */

struct tc_bridge {
	int port;
	int broker_port;
	char conf[512], spool[512];
	char sections[1024];		/* what tc_start gave it, for restarts */
	struct h_proc *proc;
};

/*
 * Starts (again) cunbao-bridge with the shipped example config plus
 * sections (appended as they are), on b's broker, a free port (kept over
 * restarts) and a spool in the scratch dir; waits until it listens and its
 * broker session is up.
 */
static inline bool
tc_bridge_start(struct tc_bridge *b, const char *sections)
{
	char *example = h_read_file(h_src("bridge/examples/cunbao-bridge.conf"), NULL), *text;
	char broker[32], listen[32];
	bool ok;

	if (example == NULL)
		return false;
	if (b->port == 0)
		b->port = h_free_port();
	snprintf(b->conf, sizeof b->conf, "%s", h_path("bridge-chat.conf"));
	snprintf(b->spool, sizeof b->spool, "%s", h_path("bridge.db"));
	text = malloc(strlen(example) + strlen(sections) + 2);
	sprintf(text, "%s\n%s", example, sections);
	ok = h_write_file(b->conf, text);
	free(text);
	free(example);
	if (!ok)
		return false;
	snprintf(broker, sizeof broker, "127.0.0.1:%d", b->broker_port);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", b->port);
	char *argv[] = { (char *)h_bin("bridge/cunbao-bridge"), "-d", "-v", "-c", b->conf, "--broker", broker,
		"--listen", listen, "--spool", b->spool, "--mqtt-user", "", "--mqtt-password-file", "",
		"--republish-after", "500ms", "--retry-min", "200ms", "--retry-max", "2s", NULL };

	b->proc = h_spawn("bridge", argv);
	if (b->proc == NULL || !h_wait_port(b->port, TC_WAIT) || !h_wait_log(b->proc, "mqtt: connected", TC_WAIT)) {
		if (b->proc != NULL)
			h_dump_log(b->proc);
		return false;
	}
	return true;
}

/* Inbound rows of the bridge's spool (all, whatever their state); -1 on error. */
static inline long
tc_spooled(const struct tc_bridge *b)
{
	return tb_sql(b->spool, "SELECT count(*) FROM inbound");
}

/* ------------------------------------------------------------------ WXBizMsgCrypt, as the platforms */

/*
 * The query and body with which WeCom or WeChat (safe mode) POSTs plain xml:
 * encrypted for receiver under aes_key, msg_signature over token, ts, nonce
 * and the ciphertext; wechat adds its plain signature and encrypt_type=aes.
 */
static inline void
tc_wx_post(const char *token, const char *aes_key, const char *receiver, const char *xml, bool wechat,
    char *query, size_t querylen, char *body, size_t bodylen)
{
	unsigned char key[WX_KEY_LEN];
	char enc[6144], sig[41], plain_sig[41], esc[8192];
	const char *parts[4] = { token, "1700000000", "4242", enc };
	size_t n, i, o = 0;

	cr_assert(wx_key(aes_key, key));
	cr_assert(wx_encrypt(key, (const unsigned char *)"0123456789abcdef", xml, strlen(xml), receiver, enc,
	    sizeof enc, &n));
	wx_signature(parts, 4, sig);
	wx_signature(parts, 3, plain_sig);
	for (i = 0; enc[i] && o + 4 < sizeof esc; i++)	/* as the platforms send it: + / = escaped */
		o += (size_t)snprintf(esc + o, sizeof esc - o, enc[i] == '+' ? "%%2B" : enc[i] == '/' ? "%%2F" :
		    enc[i] == '=' ? "%%3D" : "%c", enc[i]);
	if (wechat)
		snprintf(query, querylen, "signature=%s&timestamp=1700000000&nonce=4242&openid=o&encrypt_type=aes&"
		    "msg_signature=%s", plain_sig, sig);
	else
		snprintf(query, querylen, "msg_signature=%s&timestamp=1700000000&nonce=4242", sig);
	snprintf(body, bodylen, "<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt>"
	    "</xml>", receiver, enc);
}

/* A text message as WeCom/WeChat put it inside Encrypt. */
static inline void
tc_wx_text(const char *to, const char *from, const char *msgid, const char *text, char *xml, size_t len)
{
	/* Sent now: the report's period is this month's, as an SMS's without a date. */
	snprintf(xml, len, "<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"
	    "<CreateTime>%lld</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content>"
	    "<MsgId>%s</MsgId><AgentID>1000002</AgentID></xml>", to, from, (long long)time(NULL), text, msgid);
}

/* ------------------------------------------------------------------ steps and checks */

/*
 * Starts what every chat test runs: cunbaod (and mosquitto) on roster (a CSV
 * written to the scratch dir), the fake API with api_options, and the bridge
 * with the section printf'd from fmt followed by "api <the fake's URL>";
 * the section stays in b->sections for restarts.  Asserts each step.
 */
static inline void __attribute__((format(printf, 6, 7)))
tc_start(struct cbd *c, struct tc_api *api, const char *api_options, struct tc_bridge *b, const char *roster,
    const char *fmt, ...)
{
	va_list ap;
	size_t n;

	cr_assert(h_write_file(h_path("roster.csv"), roster));
	c->reporters = h_path("roster.csv");
	cbd_start(c);
	cr_assert(tc_api_start(api, api_options), "fake API did not start");
	va_start(ap, fmt);
	vsnprintf(b->sections, sizeof b->sections, fmt, ap);
	va_end(ap);
	n = strlen(b->sections);
	cr_assert(snprintf(b->sections + n, sizeof b->sections - n, "api %s\n", tc_api_url(api)) <
	    (int)(sizeof b->sections - n), "the section is too long");
	b->broker_port = c->broker.port;
	cr_assert(tc_bridge_start(b, b->sections), "bridge did not start");
}

/*
 * The crash every test stages once the bridge has answered the platform and
 * before cunbaod's receipt (cunbaod already stopped): kill -9 of the bridge,
 * then cunbaod and the bridge (same section, port and spool) restarted.
 */
static inline void
tc_crash(struct cbd *c, struct tc_bridge *b)
{
	h_kill9(b->proc);
	cr_assert(cbd_spawn(c), "cunbaod did not restart");
	cr_assert(tc_bridge_start(b, b->sections), "bridge did not restart");
}

/* Waits until the query on cunbaod's database gives want; true if it did. */
static inline bool
tc_db_wait(const char *db, const char *sql, long long want)
{
	long long end = tb_now_ms() + TC_WAIT;

	while (db_int(db, sql) != want) {
		if (tb_now_ms() >= end)
			return false;
		tb_sleep_ms(50);
	}
	return true;
}

/* Asserts that the village's cattle (TC_CATTLE) come to want, naming what they are when they do not. */
static inline void
tc_cattle(const struct cbd *c, long long want)
{
	cr_assert(tc_db_wait(c->db, TC_CATTLE, want), "cattle: %lld, not %lld", db_int(c->db, TC_CATTLE), want);
}

/* How many times cunbaod's journal holds message id (one is right, whatever the retries). */
static inline long long
tc_journal(const struct cbd *c, const char *id)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM journal WHERE msg_id = '%s'", id);
	return db_int(c->db, sql);
}

/*
 * Waits for the bridge's receipt of message id and checks it was accepted
 * and (to not NULL) goes to `to`; returns it (cJSON_Delete it).
 */
static inline cJSON *
tc_accepted(struct cbd *c, const char *id, const char *to)
{
	cJSON *rc = cbd_receipt_from(c, "bridge-1", id, TC_WAIT);

	cr_assert_not_null(rc, "no receipt for %s", id);
	cr_expect_str_eq(rc_str(rc, "status"), "accepted");
	if (to != NULL)
		cr_expect_str_eq(rc_str(rc, "to"), to);
	return rc;
}

/* After the platform delivered message id again: the bridge absorbed it and cunbaod holds it once. */
static inline void
tc_absorbed(const struct cbd *c, const struct tc_bridge *b, const char *id)
{
	char line[128];

	snprintf(line, sizeof line, "%s again: already spooled", id);
	cr_assert(h_wait_log(b->proc, line, TC_WAIT), "no \"%s\"", line);
	cr_expect_eq(tc_journal(c, id), 1);
}

/*
 * Checks that reply, the chat reply to TC_TEXT, is the text an SMS leader of
 * the same group gets: c is stopped, and a fresh cunbaod on the same broker
 * whose roster has that leader on a phone answers the same message.
 */
static inline void
tc_same_as_sms(struct cbd *c, const char *reply, const char *platform)
{
	static const char roster_sms[] = "id,name,area,role,lang\n"
		"+8613800000099,张志强,xinzhuang/hexi/g05,leader,zh\n";
	static struct cbd ref;
	cJSON *rc;

	cr_assert_eq(cbd_term(c), 0);
	cr_assert(h_write_file(h_path("roster-sms.csv"), roster_sms));
	ref.broker = c->broker;
	ref.mq = c->mq;
	ref.starts = 10;
	ref.reporters = h_path("roster-sms.csv");
	snprintf(ref.db, sizeof ref.db, "%s", h_path("reference.db"));
	cr_assert(cbd_spawn(&ref), "reference cunbaod did not start");
	cr_assert(cbd_sms(&ref, "ref:1", "+8613800000099", TC_TEXT));
	rc = cbd_receipt(&ref, "ref:1");
	cr_assert_not_null(rc);
	cr_expect_str_eq(reply, rc_str(rc, "text"), "%s's reply differs from an SMS leader's", platform);
	cJSON_Delete(rc);
	cbd_stop(&ref);
}

#endif
