/*
 * test_dingtalk.c — the DingTalk robot channel (ch_dingtalk.c): the
 * callback's sign, its messages in 1:1 chats and groups, the refusals, and
 * the reply requests built for the session webhook and the OpenAPI.
 *
 * DingTalk publishes no test vector for the robot's `sign` header; the
 * fixture below was computed independently (Python's hmac module:
 * base64(HMAC-SHA256("testAppSecret", "1577262236757\ntestAppSecret"))).
 * The callback bodies follow the example of DingTalk's robot documentation.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"
#include "chatdf.h"

#define APPSECRET "testAppSecret-0123456789abcdef"
#define NOW 1701736200000LL			/* the clock parse is given, ms */
#define HOOK "http://127.0.0.1:9/robot/sendBySession?session=abc"

static struct chat_conf cc;

static void
setup(void)
{
	memset(&cc, 0, sizeof cc);
	conf_defaults(ch_dingtalk.table, &cc);
	cc.ops = &ch_dingtalk;
	snprintf(cc.name, sizeof cc.name, "hexi");
	snprintf(cc.module, sizeof cc.module, "dingtalk:hexi");
	snprintf(cc.secret, sizeof cc.secret, APPSECRET);
	snprintf(cc.receiver, sizeof cc.receiver, "dingappkey123");
	snprintf(cc.api, sizeof cc.api, "http://127.0.0.1:9");
}

TestSuite(dingtalk, .init = setup);

Test(dingtalk, sign_fixture)
{
	char sign[DINGTALK_SIGN_LEN + 1];

	dingtalk_sign("testAppSecret", "1577262236757", sign);
	cr_expect_str_eq(sign, "Dc2jA7l8d6QkQ44GaOlQvDzR5W1cS7UBLolNXURn+v4=");
}

/* Parses body as a callback stamped at ts (ms) and signed with secret ("" : no sign header). */
static int
post_at(const char *body, long long ts, const char *secret, struct inbound *in, char *err)
{
	char stamp[32], sign[DINGTALK_SIGN_LEN + 1];
	struct br_header h[3] = {
		{ "Content-Type", "application/json; charset=utf-8" },
		{ "timestamp", stamp },
		{ "sign", sign },
	};
	struct webhook w = { .method = "POST", .path = "/dingtalk/hexi", .query = "", .headers = h,
		.nheaders = secret[0] ? 3 : 2, .body = body, .bodylen = strlen(body), .peer = "127.0.0.1",
		.now = NOW };

	snprintf(stamp, sizeof stamp, "%lld", ts);
	dingtalk_sign(secret, stamp, sign);
	memset(in, 0, sizeof *in);
	err[0] = '\0';
	return ch_dingtalk.parse(&cc, &w, in, err, 256);
}

static int
post(const char *body, struct inbound *in, char *err)
{
	return post_at(body, NOW - 1500, APPSECRET, in, err);
}

#define ONE_TO_ONE "{\"msgtype\":\"text\",\"text\":{\"content\":\"  牲畜 牛12 猪40 羊5　\"}," \
	"\"msgId\":\"msgABC+/==\",\"createAt\":1701736198500,\"conversationType\":\"1\"," \
	"\"conversationId\":\"cidP2P\",\"senderId\":\"$:LWCP_v1:$xx\",\"senderNick\":\"张组长\"," \
	"\"senderStaffId\":\"zhang01\",\"senderCorpId\":\"dingcorp\",\"chatbotUserId\":\"$:bot\"," \
	"\"robotCode\":\"dingappkey123\",\"isInAtList\":true,\"sessionWebhook\":\"" HOOK "\"," \
	"\"sessionWebhookExpiredTime\":1701741600000}"

Test(dingtalk, one_to_one_text)
{
	struct inbound in;
	char err[256];

	cr_assert_eq(post(ONE_TO_ONE, &in, err), 200, "%s", err);
	cr_expect(!in.ignore, "%s", in.why);
	cr_expect_str_eq(in.text, "牲畜 牛12 猪40 羊5");
	cr_expect_eq(in.textlen, strlen("牲畜 牛12 猪40 羊5"));
	cr_expect_str_eq(in.from, "dingtalk:zhang01");
	/* msgId holds characters an id may not: hashed, the same every time. */
	cr_expect(strncmp(in.id, "dingtalk:h", 10) == 0, "%s", in.id);
	cr_expect(payload_id_valid(in.id, strlen(in.id)));
	cr_expect_eq(in.sent_at, 1701736198);
	cr_expect_str_eq(in.ctx, "{\"webhook\":\"" HOOK "\",\"expires\":1701741600000,\"conv\":\"1\","
	    "\"cid\":\"cidP2P\"}");
	cr_expect(!in.verify && !in.passive && in.resp[0] == '\0');

	struct inbound again;
	cr_assert_eq(post(ONE_TO_ONE, &again, err), 200);
	cr_expect_str_eq(again.id, in.id);
}

#define GROUP(at, content) "{\"msgtype\":\"text\",\"text\":{\"content\":\"" content "\"}," \
	"\"msgId\":\"msg0002\",\"createAt\":1701736198500,\"conversationType\":\"2\"," \
	"\"conversationId\":\"cidGROUP+x==\",\"conversationTitle\":\"河西村\",\"senderStaffId\":\"li02\"," \
	"\"isInAtList\":" at ",\"sessionWebhook\":\"" HOOK "\",\"sessionWebhookExpiredTime\":1701741600000}"

Test(dingtalk, group_only_when_mentioned)
{
	static const struct {
		const char *body, *text;
	} cases[] = {
		{ GROUP("true", " 牲畜 牛12"), "牲畜 牛12" },
		{ GROUP("true", "@村报机器人 牲畜 牛12"), "牲畜 牛12" },
		{ GROUP("true", "@村报机器人\u2005牲畜 牛12 "), "牲畜 牛12" },
		{ GROUP("true", "@村报机器人 @王五 牲畜 牛12"), "牲畜 牛12" },
	};
	struct inbound in;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert_eq(post(cases[i].body, &in, err), 200, "case %zu: %s", i, err);
		cr_expect(!in.ignore, "case %zu: %s", i, in.why);
		cr_expect_str_eq(in.text, cases[i].text, "case %zu", i);
		cr_expect_str_eq(in.from, "dingtalk:li02", "case %zu: the person, never the group", i);
		cr_expect_str_eq(in.id, "dingtalk:msg0002");
		cr_expect(strstr(in.ctx, "\"conv\":\"2\",\"cid\":\"cidGROUP+x==\"") != NULL, "%s", in.ctx);
	}

	/* Chatter in the group that does not mention the robot: acknowledged, not forwarded, not answered. */
	cr_assert_eq(post(GROUP("false", "牲畜 牛12"), &in, err), 200, "%s", err);
	cr_expect(in.ignore);
	cr_expect_str_eq(in.answer, "");
	cr_expect(in.why[0] != '\0');
	/* Only the mention: nothing to count. */
	cr_assert_eq(post(GROUP("true", "@村报机器人 "), &in, err), 200, "%s", err);
	cr_expect(in.ignore);
	cr_expect_str_eq(in.answer, "");
}

Test(dingtalk, nontext_answered)
{
	const char *pic = "{\"msgtype\":\"picture\",\"content\":{\"downloadCode\":\"x\"},\"msgId\":\"msg0003\","
	    "\"conversationType\":\"1\",\"senderStaffId\":\"zhang01\",\"sessionWebhook\":\"" HOOK "\","
	    "\"sessionWebhookExpiredTime\":1701741600000}";
	struct inbound in;
	char err[256];

	cr_assert_eq(post(pic, &in, err), 200, "%s", err);
	cr_expect(in.ignore);
	cr_expect_str_eq(in.from, "dingtalk:zhang01");
	cr_expect_str_eq(in.id, "dingtalk:msg0003");
	cr_expect_str_eq(in.answer, cc.nontext_reply);
	cr_expect(strstr(in.answer, "更正") != NULL);
	cr_expect(strstr(in.ctx, HOOK) != NULL, "the answer goes back the same way: %s", in.ctx);

	/* An empty nontext-reply: ignored without an answer. */
	cc.nontext_reply[0] = '\0';
	cr_assert_eq(post(pic, &in, err), 200, "%s", err);
	cr_expect(in.ignore);
	cr_expect_str_eq(in.answer, "");
}

Test(dingtalk, refusals)
{
	struct inbound in;
	char err[256];
	struct br_header h[1] = { { "timestamp", "1701736200000" } };
	struct webhook w = { .method = "POST", .path = "/dingtalk/hexi", .query = "", .headers = h,
		.nheaders = 1, .body = ONE_TO_ONE, .bodylen = strlen(ONE_TO_ONE), .now = NOW };

	/* A sign made with another secret, no sign at all, a time too old or too far ahead. */
	cr_expect_eq(post_at(ONE_TO_ONE, NOW, "another-secret-0123456789", &in, err), 403);
	cr_expect(strstr(err, "sign") != NULL, "%s", err);
	cr_expect(strstr(err, APPSECRET) == NULL, "the secret is never in a message");
	cr_expect_eq(post_at(ONE_TO_ONE, NOW, "", &in, err), 403);
	cr_expect_eq(ch_dingtalk.parse(&cc, &w, &in, err, sizeof err), 403);
	cr_expect_eq(post_at(ONE_TO_ONE, NOW - 3600000 - 1000, APPSECRET, &in, err), 403);
	cr_expect(strstr(err, "behind") != NULL, "%s", err);
	cr_expect_eq(post_at(ONE_TO_ONE, NOW + 3600000 + 1000, APPSECRET, &in, err), 403);
	cr_expect(strstr(err, "ahead") != NULL, "%s", err);
	/* Just inside the window. */
	cr_expect_eq(post_at(ONE_TO_ONE, NOW - 3600000 + 1000, APPSECRET, &in, err), 200, "%s", err);

	/* Signed, but not what a robot callback is. */
	cr_expect_eq(post("{\"msgId\":\"a\",\"msgId\":\"b\",\"msgtype\":\"text\"}", &in, err), 400);
	cr_expect(strstr(err, "twice") != NULL, "%s", err);
	cr_expect_eq(post("{\"msgtype\":\"text\",\"text\":{\"content\":\"x\",\"content\":\"y\"},"
	    "\"msgId\":\"m\",\"conversationType\":\"1\",\"senderStaffId\":\"s\"}", &in, err), 400);
	cr_expect_eq(post("[1]", &in, err), 400);
	cr_expect_eq(post("{\"msgtype\":\"text\",\"text\":{\"content\":\"x\"}}", &in, err), 400);
	cr_expect(strstr(err, "msgId") != NULL, "%s", err);
	w.method = "GET";
	cr_expect_eq(ch_dingtalk.parse(&cc, &w, &in, err, sizeof err), 405);
}

Test(dingtalk, check_names_the_key)
{
	char err[1024] = "";

	cr_expect_eq(chat_check_common(&cc, err, sizeof err) + ch_dingtalk.check(&cc, err, sizeof err), 0, "%s", err);
	cc.secret[0] = cc.receiver[0] = '\0';
	snprintf(cc.api, sizeof cc.api, "api.dingtalk.com");
	snprintf(cc.reply, sizeof cc.reply, "both");
	cr_expect_eq(chat_check_common(&cc, err, sizeof err) + ch_dingtalk.check(&cc, err, sizeof err), 4, "%s", err);
	cr_expect(strstr(err, "[dingtalk hexi] secret:") != NULL, "%s", err);
	cr_expect(strstr(err, "[dingtalk hexi] receiver:") != NULL, "%s", err);
	cr_expect(strstr(err, "[dingtalk hexi] api:") != NULL, "%s", err);
	cr_expect(strstr(err, "[dingtalk hexi] reply:") != NULL, "%s", err);
	/* The defaults: the public OpenAPI, an hour's window. */
	struct chat_conf d;
	conf_defaults(ch_dingtalk.table, &d);
	cr_expect_str_eq(d.api, "https://api.dingtalk.com");
	cr_expect_eq(d.window, 3600000);
	cr_expect_str_eq(d.reply, "api");
}

#define CTX1 "{\"webhook\":\"" HOOK "\",\"expires\":1701741600000,\"conv\":\"1\",\"cid\":\"cidP2P\"}"
#define CTX2 "{\"webhook\":\"" HOOK "\",\"expires\":1701741600000,\"conv\":\"2\",\"cid\":\"cidGROUP+x==\"}"

Test(dingtalk, reply_through_the_session_webhook)
{
	struct outreq req;
	char err[256];

	cr_assert(ch_dingtalk.reply(&cc, NOW, "dingtalk:msg1", "dingtalk:zhang01", CTX1, "", "已收到：牛12",
	    &req, err, sizeof err), "%s", err);
	cr_expect(req.post);
	cr_expect_str_eq(req.url, HOOK);
	cr_expect_str_eq(req.ctype, "application/json");
	cr_expect_eq(req.nhdrs, 0, "the session webhook takes no token");
	cr_expect_str_eq(req.body, "{\"msgtype\":\"text\",\"text\":{\"content\":\"已收到：牛12\"}}");
	cr_expect_eq(req.bodylen, strlen(req.body));

	/* In a group the sender is @-mentioned. */
	cr_assert(ch_dingtalk.reply(&cc, NOW, "dingtalk:msg2", "dingtalk:li02", CTX2, "tok", "已收到",
	    &req, err, sizeof err), "%s", err);
	cr_expect_str_eq(req.url, HOOK);
	cr_expect_str_eq(req.body, "{\"msgtype\":\"text\",\"text\":{\"content\":\"已收到\"},"
	    "\"at\":{\"atUserIds\":[\"li02\"]}}");
}

Test(dingtalk, reply_through_the_openapi)
{
	struct outreq req;
	char err[256];
	/* A minute before the webhook's expiry it is no longer used. */
	int64_t late = 1701741600000LL - 59000;

	cr_assert(ch_dingtalk.reply(&cc, late, "dingtalk:msg1", "dingtalk:zhang01", CTX1, "tok123",
	    "已收到：\"牛\"12", &req, err, sizeof err), "%s", err);
	cr_expect_str_eq(req.url, "http://127.0.0.1:9/v1.0/robot/oToMessages/batchSend");
	cr_expect_eq(req.nhdrs, 1);
	cr_expect_str_eq(req.hdrs[0].name, "x-acs-dingtalk-access-token");
	cr_expect_str_eq(req.hdrs[0].value, "tok123");
	cr_expect_str_eq(req.body, "{\"robotCode\":\"dingappkey123\",\"userIds\":[\"zhang01\"],"
	    "\"msgKey\":\"sampleText\",\"msgParam\":\"{\\\"content\\\":\\\"已收到：\\\\\\\"牛\\\\\\\"12\\\"}\"}");

	/* A group's message after the webhook expired: to the group, with agent-id as the robotCode. */
	snprintf(cc.agent_id, sizeof cc.agent_id, "robot77");
	cr_assert(ch_dingtalk.reply(&cc, late, "dingtalk:msg2", "dingtalk:li02", CTX2, "tok123", "好",
	    &req, err, sizeof err), "%s", err);
	cr_expect_str_eq(req.url, "http://127.0.0.1:9/v1.0/robot/groupMessages/send");
	cr_expect_str_eq(req.body, "{\"robotCode\":\"robot77\",\"openConversationId\":\"cidGROUP+x==\","
	    "\"msgKey\":\"sampleText\",\"msgParam\":\"{\\\"content\\\":\\\"好\\\"}\"}");

	/* An outbox message (no context) goes to the person. */
	cr_assert(ch_dingtalk.reply(&cc, NOW, "remind-1", "dingtalk:zhang01", "", "tok123", "请报数",
	    &req, err, sizeof err), "%s", err);
	cr_expect_str_eq(req.url, "http://127.0.0.1:9/v1.0/robot/oToMessages/batchSend");

	/* The OpenAPI without a token, or to someone not on DingTalk: not built. */
	cr_expect(!ch_dingtalk.reply(&cc, NOW, "remind-1", "dingtalk:zhang01", "", "", "x", &req, err, sizeof err));
	cr_expect(strstr(err, "token") != NULL, "%s", err);
	cr_expect(!ch_dingtalk.reply(&cc, NOW, "r", "tg:12", "", "tok", "x", &req, err, sizeof err));
	cr_expect(!ch_dingtalk.reply(&cc, NOW, "r", "dingtalk:", "", "tok", "x", &req, err, sizeof err));
}

Test(dingtalk, token)
{
	struct outreq req;
	char err[256], tok[128];
	int64_t exp = 0;

	cr_assert(ch_dingtalk.token_req(&cc, &req, err, sizeof err), "%s", err);
	cr_expect(req.post);
	cr_expect_str_eq(req.url, "http://127.0.0.1:9/v1.0/oauth2/accessToken");
	cr_expect_str_eq(req.body, "{\"appKey\":\"dingappkey123\",\"appSecret\":\"" APPSECRET "\"}");

	const char *ok = "{\"accessToken\":\"fw8ef8we8f76e6f7s8df8s\",\"expireIn\":7200}";
	cr_assert(ch_dingtalk.token_read(200, ok, strlen(ok), tok, sizeof tok, &exp, err, sizeof err), "%s", err);
	cr_expect_str_eq(tok, "fw8ef8we8f76e6f7s8df8s");
	cr_expect_eq(exp, 7200);

	const char *bad = "{\"code\":\"invalidClientIdOrSecret\",\"requestid\":\"x\",\"message\":\"无效的clientId或者clientSecret\"}";
	cr_expect(!ch_dingtalk.token_read(400, bad, strlen(bad), tok, sizeof tok, &exp, err, sizeof err));
	cr_expect(strstr(err, "invalidClientIdOrSecret") != NULL, "%s", err);
	cr_expect(!ch_dingtalk.token_read(0, "", 0, tok, sizeof tok, &exp, err, sizeof err));
	const char *twice = "{\"accessToken\":\"a\",\"accessToken\":\"b\",\"expireIn\":7200}";
	cr_expect(!ch_dingtalk.token_read(200, twice, strlen(twice), tok, sizeof tok, &exp, err, sizeof err));
}

Test(dingtalk, judge)
{
	static const struct {
		int status;
		const char *body;
		enum send_verdict v;
	} cases[] = {
		{ 200, "{\"errcode\":0,\"errmsg\":\"ok\"}", SEND_OK },
		{ 200, "{\"errcode\":130101,\"errmsg\":\"send too fast\"}", SEND_RETRY },
		{ 200, "{\"errcode\":300001,\"errmsg\":\"session is invalid\"}", SEND_FAIL },
		{ 200, "{\"processQueryKey\":\"k\",\"invalidStaffIdList\":[],\"flowControlledStaffIdList\":[]}", SEND_OK },
		{ 200, "{\"processQueryKey\":\"k\",\"invalidStaffIdList\":[\"zhang01\"]}", SEND_FAIL },
		{ 200, "{\"processQueryKey\":\"k\",\"flowControlledStaffIdList\":[\"zhang01\"]}", SEND_RETRY },
		{ 401, "{\"code\":\"InvalidAuthentication\",\"message\":\"不合法的access_token\"}", SEND_TOKEN },
		{ 400, "{\"code\":\"InvalidAuthentication\",\"message\":\"不合法的access_token\"}", SEND_TOKEN },
		{ 403, "{\"code\":\"Forbidden.AccessDenied.QpsLimitForApi\",\"message\":\"qps\"}", SEND_RETRY },
		{ 400, "{\"code\":\"param.error\",\"message\":\"robotCode\"}", SEND_FAIL },
		{ 500, "{\"code\":\"ServiceUnavailable\"}", SEND_RETRY },
		{ 502, "<html>", SEND_RETRY },
		{ 0, "", SEND_RETRY },
	};
	char note[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		note[0] = '\0';
		cr_expect_eq(ch_dingtalk.judge(cases[i].status, cases[i].body, strlen(cases[i].body), note,
		    sizeof note), cases[i].v, "case %zu", i);
		if (cases[i].v != SEND_OK)
			cr_expect(note[0] != '\0', "case %zu: no note", i);
	}
}
