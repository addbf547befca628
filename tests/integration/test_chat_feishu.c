/*
 * test_chat_feishu.c — a Feishu bot through a real cunbao-bridge,
 * mosquitto and cunbaod, its Open API played by fake_chat_api.py
 * (test_chat.h).  Events are encrypted under the Encrypt Key and signed
 * (X-Lark-Signature) as Feishu sends them:
 *
 *   - the URL check answered {"challenge":…}, nothing spooled;
 *   - a leader's Chinese message in a 1:1 chat: the report stored and
 *     counted, exactly one reply by im/v1/messages/<message_id>/reply
 *     (after one tenant access token) with the receipt's text, which is the
 *     text an SMS leader of the same group gets (a second cunbaod, the
 *     leader's phone instead of the open_id);
 *   - in a group: only with the bot mentioned;
 *   - the same event_id again: absorbed, counted once, no second reply;
 *   - a bad signature or a wrong Verification Token: 403, nothing spooled;
 *   - kill -9 of the bridge after it answered Feishu and before the
 *     receipt (cunbaod stopped meanwhile): counted once, replied once after
 *     both restart.
 */
#include "test_chat.h"
#include "chatdf.h"

#define ENCRYPT_KEY "feishu-encrypt-key-for-tests"
#define VTOKEN "feishu-verification-token"
#define TOKEN_PATH "/open-apis/auth/v3/tenant_access_token/internal"
#define OPEN_ZHANG "ou_7d8a6e6df7621556ce0d21922b676706"

static const char roster[] = "id,name,area,role,lang\n"
	"feishu:" OPEN_ZHANG ",张志强,xinzhuang/hexi/g05,leader,zh\n"
	"feishu:ou_li02,李四,xinzhuang/hexi/g06,leader,zh\n"
	"feishu:ou_zhao04,赵六,xinzhuang/hexi/g08,leader,zh\n";

static struct tc_api api;

/* POSTs the event's JSON encrypted and signed as Feishu does (bad_sig: one digit off); the status. */
static int
post_event(const struct tc_bridge *b, const char *event, bool bad_sig, struct tb_resp *r)
{
	static const unsigned char iv[16] = "feishu-iv-012345";
	char body[8192], headers[512], sig[65], stamp[32];
	size_t n;

	memcpy(body, "{\"encrypt\":\"", 12);
	cr_assert(feishu_encrypt(ENCRYPT_KEY, iv, event, strlen(event), body + 12, sizeof body - 16, &n));
	memcpy(body + 12 + n, "\"}", 3);
	snprintf(stamp, sizeof stamp, "%lld", (long long)time(NULL));
	feishu_signature(stamp, "8421", ENCRYPT_KEY, body, strlen(body), sig);
	if (bad_sig)
		sig[0] = sig[0] == '0' ? '1' : '0';
	snprintf(headers, sizeof headers, "Content-Type: application/json; charset=utf-8\r\n"
	    "X-Lark-Request-Timestamp: %s\r\nX-Lark-Request-Nonce: 8421\r\nX-Lark-Signature: %s\r\n", stamp, sig);
	if (!tb_http(b->port, "POST", "/feishu/hexi", headers, body, strlen(body), r))
		return 0;
	return r->status;
}

/*
 * POSTs an im.message.receive_v1 text event from open_id (event eid,
 * message mid) in a 1:1 chat or, with group, a group where the bot is
 * mentioned; token is the Verification Token it carries.
 */
static int
post(const struct tc_bridge *b, const char *open_id, const char *eid, const char *mid, const char *text,
    bool group, const char *token, bool bad_sig)
{
	char event[4096];
	struct tb_resp r;
	int st;

	snprintf(event, sizeof event, "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"%s\",\"event_type\":"
	    "\"im.message.receive_v1\",\"create_time\":\"%lld000\",\"token\":\"%s\",\"app_id\":\"cli_test\","
	    "\"tenant_key\":\"2ca1d211f64f6438\"},\"event\":{\"sender\":{\"sender_id\":{\"union_id\":\"on_x\","
	    "\"user_id\":\"u1\",\"open_id\":\"%s\"},\"sender_type\":\"user\",\"tenant_key\":\"2ca1d211f64f6438\"},"
	    "\"message\":{\"message_id\":\"%s\",\"create_time\":\"%lld000\",\"chat_id\":\"oc_test\",\"chat_type\":"
	    "\"%s\",\"message_type\":\"text\",\"content\":\"{\\\"text\\\":\\\"%s%s\\\"}\"%s}}}", eid,
	    (long long)time(NULL), token, open_id, mid, (long long)time(NULL), group ? "group" : "p2p",
	    group ? "@_user_1 " : "", text, group ? ",\"mentions\":[{\"key\":\"@_user_1\",\"id\":{\"open_id\":"
	    "\"ou_bot\"},\"name\":\"村报\"}]" : "");
	st = post_event(b, event, bad_sig, &r);
	if (st == 200)
		cr_expect_str_eq(r.body, "", "Feishu gets an empty answer");
	return st;
}

/* The reply to message mid: its text (malloc'd), checked to be a text reply with a uuid and the token. */
static char *
replied(const char *mid)
{
	char path[128];
	cJSON *j, *js, *content;
	char *out;

	snprintf(path, sizeof path, "/open-apis/im/v1/messages/%s/reply", mid);
	cr_assert(tc_api_wait(&api, path, 1, TC_WAIT), "no reply to %s", mid);
	j = tc_api_line(&api, path, 0, NULL);
	js = cJSON_GetObjectItem(j, "json");
	cr_expect_str_eq(cJSON_GetObjectItem(js, "msg_type")->valuestring, "text");
	cr_expect(cJSON_IsString(cJSON_GetObjectItem(js, "uuid")));
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "headers"), "authorization")->valuestring,
	    "Bearer tok-1");
	content = cJSON_Parse(cJSON_GetObjectItem(js, "content")->valuestring);
	cr_assert(cJSON_IsString(cJSON_GetObjectItem(content, "text")));
	out = strdup(cJSON_GetObjectItem(content, "text")->valuestring);
	cJSON_Delete(content);
	cJSON_Delete(j);
	return out;
}

Test(chat_feishu, end_to_end, .timeout = 400)
{
	static struct cbd c;
	static struct tc_bridge b;
	struct tb_resp r;
	char *reply, *reply2;
	cJSON *rc;

	tc_start(&c, &api, "", &b, roster, "[feishu hexi]\nreceiver cli_test\nsecret test-app-secret\ntoken %s\n"
	    "aes-key %s\n", VTOKEN, ENCRYPT_KEY);

	/* The URL check, encrypted and unsigned as Feishu sends it: the challenge, nothing else. */
	cr_assert_eq(post_event(&b, "{\"challenge\":\"ajls384kdjx98XX\",\"token\":\"" VTOKEN "\",\"type\":"
	    "\"url_verification\"}", false, &r), 200);
	cr_expect_str_eq(r.body, "{\"challenge\":\"ajls384kdjx98XX\"}");
	cr_expect_eq(tc_spooled(&b), 0);

	/* A leader's message: stored, counted, answered once by a reply to the message. */
	cr_assert_eq(post(&b, OPEN_ZHANG, "ev1001", "om_1001", TC_TEXT, false, VTOKEN, false), 200);
	rc = tc_accepted(&c, "feishu:ev1001", "feishu:" OPEN_ZHANG);
	reply = replied("om_1001");
	cr_expect_str_eq(reply, rc_str(rc, "text"));
	cr_expect_eq(tc_api_count(&api, TOKEN_PATH), 1);
	tc_cattle(&c, 12);
	cJSON_Delete(rc);

	/* In a group, with the bot mentioned: the person's report, without the @_user_1 placeholder. */
	cr_assert_eq(post(&b, "ou_li02", "ev1002", "om_1002", "牲畜 牛3", true, VTOKEN, false), 200);
	rc = tc_accepted(&c, "feishu:ev1002", NULL);
	free(replied("om_1002"));
	tc_cattle(&c, 15);
	cJSON_Delete(rc);

	/* Feishu delivers it again: absorbed, counted once, no second reply. */
	cr_assert_eq(post(&b, OPEN_ZHANG, "ev1001", "om_1001", TC_TEXT, false, VTOKEN, false), 200);
	tc_absorbed(&c, &b, "feishu:ev1001");

	/* A bad signature, another Verification Token: 403, nothing spooled. */
	long before = tc_spooled(&b);
	cr_expect_eq(post(&b, OPEN_ZHANG, "ev1003", "om_1003", "牲畜 牛99", false, VTOKEN, true), 403);
	cr_expect_eq(post(&b, OPEN_ZHANG, "ev1003", "om_1003", "牲畜 牛99", false, "another-token", false), 403);
	cr_expect_eq(tc_spooled(&b), before);
	cr_expect(h_wait_log(b.proc, "refused (403)", TC_WAIT));

	/* kill -9 after Feishu got its answer, before the receipt (cunbaod is down). */
	cr_assert_eq(cbd_term(&c), 0);
	cr_assert_eq(post(&b, "ou_zhao04", "ev1004", "om_1004", "牲畜 牛7 猪1", false, VTOKEN, false), 200);
	cr_expect_eq(tc_spooled(&b), before + 1);
	tc_crash(&c, &b);
	/* The restarted bridge fetches its own token: tok-2. */
	cr_assert(tc_api_wait(&api, "/open-apis/im/v1/messages/om_1004/reply", 1, TC_WAIT), "no reply after the restart");
	cJSON *j = tc_api_line(&api, "/open-apis/im/v1/messages/om_1004/reply", 0, NULL);
	cJSON *content = cJSON_Parse(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "json"), "content")->valuestring);
	reply2 = strdup(cJSON_GetObjectItem(content, "text")->valuestring);
	cJSON_Delete(content);
	cJSON_Delete(j);
	cr_expect(strstr(reply2, "7") != NULL, "%s", reply2);
	tc_cattle(&c, 22);
	cr_expect_eq(tc_journal(&c, "feishu:ev1004"), 1);
	tb_sleep_ms(2000);	/* time for a second reply that must not come */
	cr_expect_eq(tc_api_count(&api, "/open-apis/im/v1/messages/om_1004/reply"), 1);
	cr_expect_eq(tb_sql(b.spool, "SELECT count(*) FROM reply WHERE state = 1"), 3);
	cr_expect_eq(h_stop(b.proc, SIGTERM, TC_WAIT), 0, "the bridge did not stop cleanly");

	/* The same message from the same leader's phone, on a fresh cunbaod: the same reply. */
	tc_same_as_sms(&c, reply, "Feishu");
	free(reply);
	free(reply2);
}
