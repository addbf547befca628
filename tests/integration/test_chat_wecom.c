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
 *   - a reminder (outbox) to wecom:<UserID>, published twice, sent once;
 *   - a bad signature: 403, nothing spooled;
 *   - kill -9 of the bridge after it answered WeCom and before the receipt
 *     (cunbaod stopped meanwhile): counted once, replied once after both
 *     restart.
 */
#include "test_chat.h"

#define TOKEN "QDG6eK"
#define KEY "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define CORP "wx5823bf96d3bd56c7"
#define SEND "/cgi-bin/message/send"

static const char roster[] = "id,name,area,role,lang\n"
	"wecom:zhangsan,张志强,xinzhuang/hexi/g05,leader,zh\n"
	"wecom:lisi,李四,xinzhuang/hexi/g06,leader,zh\n";

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
	cJSON *j;
	char *out = tc_api_text(api, SEND, i, &j);
	const cJSON *js = cJSON_GetObjectItem(j, "json");

	cr_expect_str_eq(cJSON_GetObjectItem(js, "touser")->valuestring, touser);
	cr_expect_eq(cJSON_GetObjectItem(js, "agentid")->valueint, 1000002);
	cJSON_Delete(j);
	return out;
}

Test(chat_wecom, end_to_end, .timeout = 400)
{
	static struct cbd c;
	static struct tc_api api;
	static struct tc_bridge b;
	struct tb_resp r;
	char *reply, *reply2;
	cJSON *rc;

	tc_start(&c, &api, "", &b, roster, "[wecom hexi]\ntoken %s\naes-key %s\nreceiver %s\nagent-id 1000002\n"
	    "secret test-secret-0001\n", TOKEN, KEY, CORP);

	/* WeCom's URL check, its own sample: the plaintext, nothing else. */
	cr_assert(tb_http(b.port, "GET", "/wecom/hexi?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	    "&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3t"
	    "P3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D", NULL, "", 0, &r));
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(r.body, "1616140317555161061");

	/* A leader's message: stored, counted, answered once by the API with the receipt's text. */
	cr_assert_eq(post(&b, "zhangsan", "1001", TC_TEXT, false), 200);
	rc = tc_accepted(&c, "wecom:1001", "wecom:zhangsan");
	cr_assert(tc_api_wait(&api, SEND, 1, TC_WAIT), "no message/send");
	reply = sent(&api, 0, "zhangsan");
	cr_expect_str_eq(reply, rc_str(rc, "text"));
	cr_expect_eq(tc_api_count(&api, "/cgi-bin/gettoken"), 1);
	tc_cattle(&c, 12);
	cJSON_Delete(rc);

	/* WeCom delivers it again: absorbed, counted once, no second reply. */
	cr_assert_eq(post(&b, "zhangsan", "1001", TC_TEXT, false), 200);
	tc_absorbed(&c, &b, "wecom:1001");

	/* A reminder (outbox) to a WeCom user goes out through the instance, once. */
	static const char ob[] = "{\"id\":\"remind:2023-12:g05\",\"channel\":\"wecom\",\"to\":\"wecom:zhangsan\","
	    "\"text\":\"请在12月5日前报牲畜\"}";
	cr_assert(h_mqtt_pub(c.mq, "cunbao/v1/outbox/wecom", ob, strlen(ob), 1, false));
	cr_assert(h_mqtt_pub(c.mq, "cunbao/v1/outbox/wecom", ob, strlen(ob), 1, false));
	cr_assert(tc_api_wait(&api, SEND, 2, TC_WAIT), "the reminder was not sent");
	char *remind = sent(&api, 1, "zhangsan");
	cr_expect_str_eq(remind, "请在12月5日前报牲畜");
	free(remind);

	/* A bad signature: 403, nothing spooled. */
	long before = tc_spooled(&b);
	cr_assert_eq(post(&b, "zhangsan", "1003", "牲畜 牛99", true), 403);
	cr_expect_eq(tc_spooled(&b), before);
	cr_expect(h_wait_log(b.proc, "refused (403)", TC_WAIT));

	/* kill -9 after WeCom got its answer, before the receipt (cunbaod is down). */
	cr_assert_eq(cbd_term(&c), 0);
	cr_assert_eq(post(&b, "lisi", "1002", "牲畜 牛7 猪1", false), 200);
	cr_expect_eq(tc_spooled(&b), before + 1);
	tc_crash(&c, &b);
	cr_assert(tc_api_wait(&api, SEND, 3, TC_WAIT), "no reply after the restart");
	reply2 = sent(&api, 2, "lisi");
	cr_expect(strstr(reply2, "7") != NULL, "%s", reply2);
	tc_cattle(&c, 19);
	cr_expect_eq(tc_journal(&c, "wecom:1002"), 1);
	tb_sleep_ms(2000);	/* time for a second reply that must not come */
	cr_expect_eq(tc_api_count(&api, SEND), 3);
	cr_expect_eq(tb_sql(b.spool, "SELECT count(*) FROM reply WHERE state = 1"), 3);
	cr_expect_eq(h_stop(b.proc, SIGTERM, TC_WAIT), 0, "the bridge did not stop cleanly");

	/* The same message from the same leader's phone, on a fresh cunbaod: the same reply. */
	tc_same_as_sms(&c, reply, "WeCom");
	free(reply);
	free(reply2);
}
