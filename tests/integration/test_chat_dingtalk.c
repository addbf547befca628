/*
 * test_chat_dingtalk.c — a DingTalk robot (HTTP mode) through a real
 * cunbao-bridge, mosquitto and cunbaod, its OpenAPI played by
 * fake_chat_api.py (test_chat.h), which also plays the session webhooks:
 * each message carries a sessionWebhook pointing at the fake.
 *
 *   - a leader's signed Chinese message in a 1:1 chat: the report stored
 *     and counted, exactly one reply POSTed to the message's session
 *     webhook with the receipt's text, which is the text an SMS leader of
 *     the same group gets for the same message (a second cunbaod, the
 *     leader's phone instead of the staff id);
 *   - in a group: only with the robot mentioned, answered by the webhook
 *     with the sender @-mentioned;
 *   - the same msgId again: absorbed, counted once, no second reply;
 *   - a bad sign or a stale timestamp: 403, nothing spooled;
 *   - a message whose session webhook has expired: the reply goes by the
 *     robot OpenAPI (oToMessages/batchSend with the access token);
 *   - kill -9 of the bridge after it answered DingTalk and before the
 *     receipt (cunbaod stopped meanwhile): counted once, replied once after
 *     both restart.
 */
#include "test_chat.h"
#include "chatdf.h"

#define SECRET "dingtalk-app-secret-for-tests-0123"
#define APPKEY "dingtestappkey"
#define HOOK_PATH "/robot/sendBySession"
#define BATCH "/v1.0/robot/oToMessages/batchSend"

static const char roster[] = "id,name,area,role,lang\n"
	"dingtalk:zhang01,张志强,xinzhuang/hexi/g05,leader,zh\n"
	"dingtalk:li02,李四,xinzhuang/hexi/g06,leader,zh\n"
	"dingtalk:wang03,王五,xinzhuang/hexi/g07,leader,zh\n"
	"dingtalk:zhao04,赵六,xinzhuang/hexi/g08,leader,zh\n";

static struct tc_api api;

/* The wall clock in ms, as DingTalk stamps its callbacks. */
static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * POSTs a text message as DingTalk does: from staff, in a 1:1 chat or
 * (group) a group with the robot mentioned, its session webhook on the
 * fake API valid for hook_ms more (negative: expired), signed at skew_ms
 * from now with secret.  Returns the HTTP status (0: no answer).
 */
static int
post(const struct tc_bridge *b, const char *staff, const char *msgid, const char *text, bool group,
    long long hook_ms, const char *secret, long long skew_ms)
{
	char body[4096], headers[512], stamp[32], sign[DINGTALK_SIGN_LEN + 1];
	long long now = wall_ms();
	struct tb_resp r;

	snprintf(body, sizeof body, "{\"msgtype\":\"text\",\"text\":{\"content\":\"%s%s\"},\"msgId\":\"%s\","
	    "\"createAt\":%lld,\"conversationType\":\"%s\",\"conversationId\":\"cidTEST%s\","
	    "\"senderNick\":\"组长\",\"senderStaffId\":\"%s\",\"senderCorpId\":\"dingcorp\",\"robotCode\":\"%s\","
	    "\"isAdmin\":false,\"isInAtList\":true,\"sessionWebhook\":\"%s" HOOK_PATH "?session=%s\","
	    "\"sessionWebhookExpiredTime\":%lld}", group ? "@村报 " : " ", text, msgid, now,
	    group ? "2" : "1", group ? "GROUP" : staff, staff, APPKEY, tc_api_url(&api), msgid, now + hook_ms);
	snprintf(stamp, sizeof stamp, "%lld", now + skew_ms);
	dingtalk_sign(secret, stamp, sign);
	snprintf(headers, sizeof headers, "Content-Type: application/json; charset=utf-8\r\ntimestamp: %s\r\n"
	    "sign: %s\r\n", stamp, sign);
	if (!tb_http(b->port, "POST", "/dingtalk/hexi", headers, body, strlen(body), &r))
		return 0;
	return r.status;
}

/* The i-th request to the session webhooks: its text (malloc'd), checked to be for msgid. */
static char *
hooked(int i, const char *msgid, const char *at)
{
	cJSON *j;
	char *out = tc_api_text(&api, HOOK_PATH, i, &j);
	const cJSON *js = cJSON_GetObjectItem(j, "json");
	const cJSON *ats = cJSON_GetObjectItem(cJSON_GetObjectItem(js, "at"), "atUserIds");

	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "query"), "session")->valuestring, msgid);
	if (at == NULL)
		cr_expect_null(ats, "no @ in a 1:1 chat");
	else
		cr_expect_str_eq(cJSON_GetArrayItem(ats, 0)->valuestring, at);
	cJSON_Delete(j);
	return out;
}

Test(chat_dingtalk, end_to_end, .timeout = 400)
{
	static struct cbd c;
	static struct tc_bridge b;
	char *reply, *reply2;
	cJSON *rc, *j;

	tc_start(&c, &api, "", &b, roster, "[dingtalk hexi]\nreceiver %s\nsecret %s\n", APPKEY, SECRET);

	/* A leader's message in a 1:1 chat: stored, counted, answered once through its session webhook. */
	cr_assert_eq(post(&b, "zhang01", "msgA1001", TC_TEXT, false, 5400000, SECRET, 0), 200);
	rc = tc_accepted(&c, "dingtalk:msgA1001", "dingtalk:zhang01");
	cr_assert(tc_api_wait(&api, HOOK_PATH, 1, TC_WAIT), "no reply to the session webhook");
	reply = hooked(0, "msgA1001", NULL);
	cr_expect_str_eq(reply, rc_str(rc, "text"));
	tc_cattle(&c, 12);
	cJSON_Delete(rc);

	/* In a group, with the robot mentioned: the person's report, answered with an @ of them. */
	cr_assert_eq(post(&b, "li02", "msgA1002", "牲畜 牛3", true, 5400000, SECRET, 0), 200);
	rc = tc_accepted(&c, "dingtalk:msgA1002", "dingtalk:li02");
	cr_assert(tc_api_wait(&api, HOOK_PATH, 2, TC_WAIT), "no reply in the group");
	free(hooked(1, "msgA1002", "li02"));
	tc_cattle(&c, 15);
	cJSON_Delete(rc);

	/* DingTalk delivers it again: absorbed, counted once, no second reply. */
	cr_assert_eq(post(&b, "zhang01", "msgA1001", TC_TEXT, false, 5400000, SECRET, 0), 200);
	tc_absorbed(&c, &b, "dingtalk:msgA1001");

	/* A sign under another secret, a stale or future timestamp: 403, nothing spooled. */
	long before = tc_spooled(&b);
	cr_expect_eq(post(&b, "zhang01", "msgA1003", "牲畜 牛99", false, 5400000, "not-the-app-secret", 0), 403);
	cr_expect_eq(post(&b, "zhang01", "msgA1003", "牲畜 牛99", false, 5400000, SECRET, -3700000), 403);
	cr_expect_eq(post(&b, "zhang01", "msgA1003", "牲畜 牛99", false, 5400000, SECRET, 3700000), 403);
	cr_expect_eq(tc_spooled(&b), before);
	cr_expect(h_wait_log(b.proc, "refused (403)", TC_WAIT));

	/* The session webhook has expired: the reply goes by the robot OpenAPI, with the access token. */
	cr_assert_eq(post(&b, "wang03", "msgA1004", "牲畜 牛4", false, -60000, SECRET, 0), 200);
	rc = cbd_receipt_from(&c, "bridge-1", "dingtalk:msgA1004", TC_WAIT);
	cr_assert_not_null(rc, "no receipt for dingtalk:msgA1004");
	cr_assert(tc_api_wait(&api, BATCH, 1, TC_WAIT), "no batchSend");
	j = tc_api_line(&api, BATCH, 0, NULL);
	const cJSON *js = cJSON_GetObjectItem(j, "json");
	cr_expect_str_eq(cJSON_GetObjectItem(js, "robotCode")->valuestring, APPKEY);
	cr_expect_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(js, "userIds"), 0)->valuestring, "wang03");
	cr_expect_str_eq(cJSON_GetObjectItem(js, "msgKey")->valuestring, "sampleText");
	cJSON *param = cJSON_Parse(cJSON_GetObjectItem(js, "msgParam")->valuestring);
	cr_expect_str_eq(cJSON_GetObjectItem(param, "content")->valuestring, rc_str(rc, "text"));
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "headers"), "x-acs-dingtalk-access-token")->valuestring,
	    "tok-1");
	cJSON_Delete(param);
	cJSON_Delete(j);
	cJSON_Delete(rc);
	cr_expect_eq(tc_api_count(&api, HOOK_PATH), 2, "the expired webhook was not used");
	tc_cattle(&c, 19);

	/* kill -9 after DingTalk got its answer, before the receipt (cunbaod is down). */
	cr_assert_eq(cbd_term(&c), 0);
	before = tc_spooled(&b);
	cr_assert_eq(post(&b, "zhao04", "msgA1005", "牲畜 牛7 猪1", false, 5400000, SECRET, 0), 200);
	cr_expect_eq(tc_spooled(&b), before + 1);
	tc_crash(&c, &b);
	cr_assert(tc_api_wait(&api, HOOK_PATH, 3, TC_WAIT), "no reply after the restart");
	reply2 = hooked(2, "msgA1005", NULL);
	cr_expect(strstr(reply2, "7") != NULL, "%s", reply2);
	tc_cattle(&c, 26);
	cr_expect_eq(tc_journal(&c, "dingtalk:msgA1005"), 1);
	tb_sleep_ms(2000);	/* time for a second reply that must not come */
	cr_expect_eq(tc_api_count(&api, HOOK_PATH), 3);
	cr_expect_eq(tc_api_count(&api, BATCH), 1);
	cr_expect_eq(tb_sql(b.spool, "SELECT count(*) FROM reply WHERE state = 1"), 4);
	cr_expect_eq(h_stop(b.proc, SIGTERM, TC_WAIT), 0, "the bridge did not stop cleanly");

	/* The same message from the same leader's phone, on a fresh cunbaod: the same reply. */
	tc_same_as_sms(&c, reply, "DingTalk");
	free(reply);
	free(reply2);
}
