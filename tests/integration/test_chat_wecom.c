/*
 * test_chat_wecom.c — a WeCom self-built app through a real cunbao-bridge,
 * mosquitto and cunbaod, its API played by fake_chat_api.py (test_chat.h):
 *
 *   - the URL check (WeCom's own sample) answered with the plaintext;
 *   - a leader's encrypted Chinese message in: the report stored and
 *     counted, exactly one reply out by message/send (after one gettoken)
 *     with the receipt's text, which is the text an SMS leader of the same
 *     group gets for the same message (a second cunbaod, same village,
 *     the leader's phone instead of the WeCom UserID);
 *   - the same MsgId again: absorbed, counted once, no second reply;
 *   - a bad signature: 403, nothing spooled;
 *   - kill -9 of the bridge after it answered WeCom and before the receipt
 *     (cunbaod stopped meanwhile): counted once, replied once after both
 *     restart.
 */
#include "test_cunbaod.h"
#include "test_chat.h"

#define TOKEN "QDG6eK"
#define KEY "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define CORP "wx5823bf96d3bd56c7"
#define TEXT "牲畜 牛12 猪40"
#define SEND "/cgi-bin/message/send"
#define CATTLE "SELECT coalesce(sum(sum), -1) FROM rollups WHERE area = 'xinzhuang/hexi' AND kind = 'livestock'" \
	" AND field = 'cattle'"

static const char roster[] = "id,name,area,role,lang\n"
	"wecom:zhangsan,张志强,xinzhuang/hexi/g05,leader,zh\n"
	"wecom:lisi,李四,xinzhuang/hexi/g06,leader,zh\n";
/* The same village with the same leader on a phone: the SMS reference. */
static const char roster_sms[] = "id,name,area,role,lang\n"
	"+8613800000099,张志强,xinzhuang/hexi/g05,leader,zh\n";

/* Waits until the query on cunbaod's database gives want. */
static bool
db_wait(const char *db, const char *sql, long long want)
{
	long long end = tb_now_ms() + TC_WAIT;

	while (db_int(db, sql) != want) {
		if (tb_now_ms() >= end)
			return false;
		tb_sleep_ms(50);
	}
	return true;
}

/* POSTs a text message from user as WeCom does; returns the HTTP status (0: no answer). */
static int
post(const struct tc_bridge *b, const char *user, const char *msgid, const char *text, bool bad_sig)
{
	char xml[2048], query[512], body[8192], target[600];
	struct tb_resp r;

	tc_wx_text(CORP, user, msgid, text, xml, sizeof xml);
	tc_wx_post(TOKEN, KEY, CORP, xml, false, query, sizeof query, body, sizeof body);
	if (bad_sig)
		query[strlen("msg_signature=")] ^= 1;
	snprintf(target, sizeof target, "/wecom/hexi?%s", query);
	if (!tb_http(b->port, "POST", target, "Content-Type: text/xml\r\n", body, strlen(body), &r))
		return 0;
	if (r.status == 200)
		cr_expect_str_eq(r.body, "", "WeCom gets an empty answer");
	return r.status;
}

/* The reply content of the i-th message/send, checked to go to touser (malloc'd). */
static char *
sent(const struct tc_api *api, int i, const char *touser)
{
	cJSON *j = tc_api_line(api, SEND, i, NULL), *js = cJSON_GetObjectItem(j, "json");
	const cJSON *content = cJSON_GetObjectItem(cJSON_GetObjectItem(js, "text"), "content");
	char *out;

	cr_assert_not_null(j, "message/send %d", i);
	cr_expect_str_eq(cJSON_GetObjectItem(js, "touser")->valuestring, touser);
	cr_expect_str_eq(cJSON_GetObjectItem(js, "msgtype")->valuestring, "text");
	cr_expect_eq(cJSON_GetObjectItem(js, "agentid")->valueint, 1000002);
	cr_assert(cJSON_IsString(content));
	out = strdup(content->valuestring);
	cJSON_Delete(j);
	return out;
}

Test(chat_wecom, end_to_end, .timeout = 400)
{
	static struct cbd c, ref;
	static struct tc_api api;
	static struct tc_bridge b;
	static char sections[1024];
	struct tb_resp r;
	char *reply, *reply2;
	cJSON *rc;

	cr_assert(h_write_file(h_path("roster.csv"), roster));
	c.reporters = h_path("roster.csv");
	cbd_start(&c);
	cr_assert(tc_api_start(&api, ""), "fake API did not start");
	snprintf(sections, sizeof sections, "[wecom hexi]\ntoken %s\naes-key %s\nreceiver %s\nagent-id 1000002\n"
	    "secret test-secret-0001\napi %s\n", TOKEN, KEY, CORP, tc_api_url(&api));
	b.broker_port = c.broker.port;
	cr_assert(tc_bridge_start(&b, sections), "bridge did not start");

	/* WeCom's URL check, its own sample: the plaintext, nothing else. */
	cr_assert(tb_http(b.port, "GET", "/wecom/hexi?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	    "&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3t"
	    "P3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D", NULL, "", 0, &r));
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(r.body, "1616140317555161061");

	/* A leader's message: stored, counted, answered once by the API with the receipt's text. */
	cr_assert_eq(post(&b, "zhangsan", "1001", TEXT, false), 200);
	rc = cbd_receipt_from(&c, "bridge-1", "wecom:1001", TC_WAIT);
	cr_assert_not_null(rc, "no receipt for wecom:1001");
	cr_expect_str_eq(rc_str(rc, "status"), "accepted");
	cr_expect_str_eq(rc_str(rc, "to"), "wecom:zhangsan");
	cr_assert(tc_api_wait(&api, SEND, 1, TC_WAIT), "no message/send");
	reply = sent(&api, 0, "zhangsan");
	cr_expect_str_eq(reply, rc_str(rc, "text"));
	cr_expect_eq(tc_api_count(&api, "/cgi-bin/gettoken"), 1);
	cr_assert(db_wait(c.db, CATTLE, 12), "cattle: %lld", db_int(c.db, CATTLE));
	cJSON_Delete(rc);

	/* WeCom delivers it again: absorbed, counted once, no second reply. */
	cr_assert_eq(post(&b, "zhangsan", "1001", TEXT, false), 200);
	cr_assert(h_wait_log(b.proc, "wecom:1001 again: already spooled", TC_WAIT));
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id = 'wecom:1001'"), 1);

	/* A bad signature: 403, nothing spooled. */
	long before = tc_spooled(&b);
	cr_assert_eq(post(&b, "zhangsan", "1003", "牲畜 牛99", true), 403);
	cr_expect_eq(tc_spooled(&b), before);
	cr_expect(h_wait_log(b.proc, "refused (403)", TC_WAIT));

	/* kill -9 after WeCom got its answer, before the receipt (cunbaod is down). */
	cr_assert_eq(cbd_term(&c), 0);
	cr_assert_eq(post(&b, "lisi", "1002", "牲畜 牛7 猪1", false), 200);
	cr_expect_eq(tc_spooled(&b), before + 1);
	h_kill9(b.proc);
	cr_assert(cbd_spawn(&c), "cunbaod did not restart");
	cr_assert(tc_bridge_start(&b, sections), "bridge did not restart");
	cr_assert(tc_api_wait(&api, SEND, 2, TC_WAIT), "no reply after the restart");
	reply2 = sent(&api, 1, "lisi");
	cr_expect(strstr(reply2, "7") != NULL, "%s", reply2);
	cr_assert(db_wait(c.db, CATTLE, 19), "cattle: %lld", db_int(c.db, CATTLE));
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id = 'wecom:1002'"), 1);
	tb_sleep_ms(2000);	/* time for a second reply that must not come */
	cr_expect_eq(tc_api_count(&api, SEND), 2);
	cr_expect_eq(tb_sql(b.spool, "SELECT count(*) FROM reply WHERE state = 1"), 2);
	cr_expect_eq(h_stop(b.proc, SIGTERM, TC_WAIT), 0, "the bridge did not stop cleanly");

	/* The same message from the same leader's phone, on a fresh cunbaod: the same reply. */
	cr_assert_eq(cbd_term(&c), 0);
	cr_assert(h_write_file(h_path("roster-sms.csv"), roster_sms));
	ref.broker = c.broker;
	ref.mq = c.mq;
	ref.starts = 10;
	ref.reporters = h_path("roster-sms.csv");
	snprintf(ref.db, sizeof ref.db, "%s", h_path("reference.db"));
	cr_assert(cbd_spawn(&ref), "reference cunbaod did not start");
	cr_assert(cbd_sms(&ref, "ref:1", "+8613800000099", TEXT));
	rc = cbd_receipt(&ref, "ref:1");
	cr_assert_not_null(rc);
	cr_expect_str_eq(reply, rc_str(rc, "text"), "WeCom's reply differs from an SMS leader's");
	cJSON_Delete(rc);
	free(reply);
	free(reply2);
	cbd_stop(&ref);
}
