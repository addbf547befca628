/*
 * test_feishu.c — the Feishu channel (ch_feishu.c, feishu_crypto.c): the
 * published vectors of its event crypto, the URL check, message events in
 * 1:1 chats and groups, the refusals, and the reply requests.
 *
 * Vectors:
 *   - Feishu's documentation ("Encrypt Key" decryption example): key
 *     "test key", P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk= is
 *     "hello world";
 *   - the official Go SDK (larksuite/oapi-sdk-go, MIT,
 *     event/dispatcher/dispatcher_test.go): key "1212121212", the
 *     ciphertext below is a url_verification with challenge "1212" and
 *     Verification Token "v";
 *   - X-Lark-Signature: no official vector; the fixture was computed
 *     independently (Python's hashlib: sha256 of "1700000000" "nonce"
 *     "my-key" '{"encrypt":"abc"}').
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "chatdf.h"

#define NOW 1701736200000LL
#define KEY "encrypt-key-0123456789"
#define VTOKEN "verification-token-0123"

#define SDK_CIPHER "bZ3L7yh6m3Fkuffl4g+3uGjIHnhOm5fVZbKVuyT8t7tcd5ABMYm8l28/X900ZL3knZ7n+sCREu/H2WnIzft0amC7+xWqNH8o25IU63N4BnZWfHh+4hyG76QPd19vkw2bPJCx9aqxK8Nz+xqFNbk0RdgyWhmgd30jSxHtcQXAllkI7FMpGpOCteJad3bLXPDBQIV/xkCtKICCS7Z63gakpxZCLaRZ3qCXP1fapHh+LBIupxenrU6ysc7I3nHmjmKie41IiWwS5puG4zQHhVbq6KWLcgWm/3NBZOPQy53ucMu75SXA55I7jarVLZXWUcqBGrcgE3vouWbtwgZuzmoTQl0GSh5VYSVvpW992BuGxUWj0XjPYdICJm6Cr7xouNXwMcdb7N8caVdkdSZeEnswG19qSyDoQhklwzNGW0yiaayulBqJNjfge/G5V3401c2XaIuAeEIo+QQ4RSNpRGfnHkbu/j55FGQAGWjpuBNaIwZbaUoVP3NkGP+vM5rpEDe3sL2GN+Xsd+g9yBs7FqdMV8mXTGgLjCqjrPrke5/km76Q3Pe6KPs2YexMRG4MkSx3xUTzZnNn7zIzShPcjeSwBd2pxk6ht5N+fzueZdxl6Oo="

static struct chat_conf cc;

static void
setup(void)
{
	memset(&cc, 0, sizeof cc);
	conf_defaults(ch_feishu.table, &cc);
	cc.ops = &ch_feishu;
	snprintf(cc.name, sizeof cc.name, "hexi");
	snprintf(cc.module, sizeof cc.module, "feishu:hexi");
	snprintf(cc.receiver, sizeof cc.receiver, "cli_a1b2c3");
	snprintf(cc.secret, sizeof cc.secret, "app-secret-0123456789");
	snprintf(cc.token, sizeof cc.token, VTOKEN);
	snprintf(cc.aes_key, sizeof cc.aes_key, KEY);
	snprintf(cc.api, sizeof cc.api, "http://127.0.0.1:9");
}

TestSuite(feishu, .init = setup);

Test(feishu, doc_vector_both_ways)
{
	static const char b64[] = "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=";
	/* The example's IV: the first 16 bytes of its decoded data. */
	static const unsigned char iv[16] = { 0x3f, 0x7e, 0xf0, 0xf9, 0x56, 0x48, 0x98, 0xd8,
		0x0f, 0x10, 0xed, 0x51, 0x06, 0x12, 0x7a, 0x46 };
	char out[256], err[256];
	size_t len = 0;

	cr_assert(feishu_decrypt("test key", b64, strlen(b64), out, sizeof out, &len, err, sizeof err), "%s", err);
	cr_expect_eq(len, 11);
	cr_expect_str_eq(out, "hello world");
	cr_assert(feishu_encrypt("test key", iv, "hello world", 11, out, sizeof out, &len));
	cr_expect_str_eq(out, b64, "re-encrypted byte for byte");
	cr_expect_eq(len, strlen(b64));

	/* Another key, a cut, or not base64: refused, each with its reason. */
	cr_expect(!feishu_decrypt("test keY", b64, strlen(b64), out, sizeof out, &len, err, sizeof err));
	cr_expect(strstr(err, "padding") != NULL, "%s", err);
	cr_expect(!feishu_decrypt("test key", b64, 24, out, sizeof out, &len, err, sizeof err));
	cr_expect(strstr(err, "blocks") != NULL, "%s", err);
	cr_expect(!feishu_decrypt("test key", "P37w*VZI", 8, out, sizeof out, &len, err, sizeof err));
	cr_expect(strstr(err, "base64") != NULL, "%s", err);
	cr_expect(!feishu_decrypt("test key", b64, strlen(b64), out, 11, &len, err, sizeof err), "no room");
}

Test(feishu, go_sdk_vector)
{
	char out[2048], err[256];
	size_t len = 0;

	cr_assert(feishu_decrypt("1212121212", SDK_CIPHER, strlen(SDK_CIPHER), out, sizeof out, &len, err,
	    sizeof err), "%s", err);
	cr_expect_eq(len, strlen(out));
	cr_expect(strncmp(out, "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"f7984f25108f8137722bb63cee927e66\"",
	    71) == 0, "%s", out);
	cr_expect(strstr(out, "\"challenge\":\"1212\",\"type\":\"url_verification\"}") != NULL, "%s", out);
}

Test(feishu, signature_fixture)
{
	char hex[65];

	feishu_signature("1700000000", "nonce", "my-key", "{\"encrypt\":\"abc\"}", 17, hex);
	cr_expect_str_eq(hex, "e9bf716fbdde9d353a5620337e0c2da0f8fc60af5cdacc4a14d6b36a7d3973da");
}

/* Parses body as Feishu posts it: signed when sign is true (with the key set), as is otherwise. */
static int
post_raw(const char *body, bool sign, struct inbound *in, char *err)
{
	char hex[65];
	struct br_header h[4] = {
		{ "Content-Type", "application/json; charset=utf-8" },
		{ "X-Lark-Request-Timestamp", "1701736199" },
		{ "X-Lark-Request-Nonce", "1363917446" },
		{ "X-Lark-Signature", hex },
	};
	struct webhook w = { .method = "POST", .path = "/feishu/hexi", .query = "", .headers = h,
		.nheaders = sign ? 4 : 1, .body = body, .bodylen = strlen(body), .peer = "127.0.0.1", .now = NOW };

	feishu_signature("1701736199", "1363917446", cc.aes_key, body, strlen(body), hex);
	memset(in, 0, sizeof *in);
	err[0] = '\0';
	return ch_feishu.parse(&cc, &w, in, err, 256);
}

/* Encrypts event under cc's key (a fixed IV) into {"encrypt":…} and posts it. */
static int
post(const char *event, bool sign, struct inbound *in, char *err)
{
	static const unsigned char iv[16] = "0123456789abcdef";
	static char body[16384];
	size_t len;

	memcpy(body, "{\"encrypt\":\"", 12);
	cr_assert(feishu_encrypt(cc.aes_key, iv, event, strlen(event), body + 12, sizeof body - 16, &len));
	memcpy(body + 12 + len, "\"}", 3);
	return post_raw(body, sign, in, err);
}

Test(feishu, url_verification)
{
	struct inbound in;
	char err[256], body[1024];

	/* The SDK's vector as the request Feishu makes (the URL check comes unsigned). */
	snprintf(cc.aes_key, sizeof cc.aes_key, "1212121212");
	snprintf(cc.token, sizeof cc.token, "v");
	snprintf(body, sizeof body, "{\"encrypt\":\"%s\"}", SDK_CIPHER);
	cr_assert_eq(post_raw(body, false, &in, err), 200, "%s", err);
	cr_expect(in.verify);
	cr_expect_str_eq(in.resp, "{\"challenge\":\"1212\"}");
	cr_expect_eq(in.resplen, strlen(in.resp));
	cr_expect_str_eq(in.resp_ctype, "application/json");
	cr_expect(in.id[0] == '\0' && !in.ignore);

	/* Another Verification Token: 403. */
	snprintf(cc.token, sizeof cc.token, "w");
	cr_expect_eq(post_raw(body, false, &in, err), 403);
	cr_expect(!in.verify);

	/* Without an Encrypt Key: the plain form, {"challenge","token","type"}. */
	setup();
	cc.aes_key[0] = '\0';
	cr_assert_eq(post_raw("{\"challenge\":\"ajls384kdjx98XX\",\"token\":\"" VTOKEN "\",\"type\":\"url_verification\"}",
	    false, &in, err), 200, "%s", err);
	cr_expect_str_eq(in.resp, "{\"challenge\":\"ajls384kdjx98XX\"}");
	cr_expect_eq(post_raw("{\"challenge\":\"a\",\"token\":\"nope\",\"type\":\"url_verification\"}", false, &in, err),
	    403);
}

#define EVENT(eid, chat, type, content, mentions) "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"" eid "\"," \
	"\"event_type\":\"im.message.receive_v1\",\"create_time\":\"1701736199000\",\"token\":\"" VTOKEN "\"," \
	"\"app_id\":\"cli_a1b2c3\",\"tenant_key\":\"2ca1d211f64f6438\"},\"event\":{\"sender\":{\"sender_id\":" \
	"{\"union_id\":\"on_8ed6aa67826108097d9ee143816345\",\"user_id\":\"e33ggbyz\",\"open_id\":" \
	"\"ou_84aad35d084aa403a838cf73ee18467\"},\"sender_type\":\"user\",\"tenant_key\":\"2ca1d211f64f6438\"}," \
	"\"message\":{\"message_id\":\"om_5ce6d572455d361153b7cb51da133945\",\"root_id\":\"\",\"parent_id\":\"\"," \
	"\"create_time\":\"1701736198000\",\"chat_id\":\"oc_5ce6d572455d361153b7cb5xxfsdfsdfdsf\"," \
	"\"chat_type\":\"" chat "\",\"message_type\":\"" type "\",\"content\":\"" content "\"" mentions "}}}"

#define BOT_MENTION ",\"mentions\":[{\"key\":\"@_user_1\",\"id\":{\"union_id\":\"on_x\",\"user_id\":\"\"," \
	"\"open_id\":\"ou_bot000000000000000000000000001\"},\"name\":\"村报\",\"tenant_key\":\"2ca1d211f64f6438\"}]"
#define OTHER_MENTION ",\"mentions\":[{\"key\":\"@_user_1\",\"id\":{\"open_id\":\"ou_somebodyelse\"},\"name\":\"王五\"}]"

Test(feishu, p2p_text)
{
	struct inbound in;
	char err[256];

	cr_assert_eq(post(EVENT("5e3702a84e847582be8db7fb73283c02", "p2p", "text",
	    "{\\\"text\\\":\\\" 牲畜 牛12 猪40 羊5 \\\"}", ""), true, &in, err), 200, "%s", err);
	cr_expect(!in.ignore, "%s", in.why);
	cr_expect_str_eq(in.text, "牲畜 牛12 猪40 羊5");
	cr_expect_str_eq(in.from, "feishu:ou_84aad35d084aa403a838cf73ee18467");
	cr_expect_str_eq(in.id, "feishu:5e3702a84e847582be8db7fb73283c02");
	cr_expect_eq(in.sent_at, 1701736198);
	cr_expect_str_eq(in.ctx, "{\"message_id\":\"om_5ce6d572455d361153b7cb51da133945\","
	    "\"chat_id\":\"oc_5ce6d572455d361153b7cb5xxfsdfsdfdsf\"}");
	cr_expect(!in.verify && in.resp[0] == '\0');
}

Test(feishu, group_only_when_the_bot_is_mentioned)
{
	struct inbound in;
	char err[256];

	cr_assert_eq(post(EVENT("e1", "group", "text", "{\\\"text\\\":\\\"@_user_1 牲畜 牛12\\\"}", BOT_MENTION),
	    true, &in, err), 200, "%s", err);
	cr_expect(!in.ignore, "%s", in.why);
	cr_expect_str_eq(in.text, "牲畜 牛12");
	cr_expect_str_eq(in.from, "feishu:ou_84aad35d084aa403a838cf73ee18467", "the person, not the chat");

	/* No mention at all: group chatter, silently acknowledged. */
	cr_assert_eq(post(EVENT("e2", "group", "text", "{\\\"text\\\":\\\"牲畜 牛12\\\"}", ""), true, &in, err), 200);
	cr_expect(in.ignore);
	cr_expect_str_eq(in.answer, "");

	/* With agent-id (the bot's open_id) set, a mention of somebody else is not for the bot. */
	snprintf(cc.agent_id, sizeof cc.agent_id, "ou_bot000000000000000000000000001");
	cr_assert_eq(post(EVENT("e3", "group", "text", "{\\\"text\\\":\\\"@_user_1 牲畜 牛12\\\"}", OTHER_MENTION),
	    true, &in, err), 200);
	cr_expect(in.ignore);
	cr_assert_eq(post(EVENT("e4", "group", "text", "{\\\"text\\\":\\\"@_user_1 牲畜 牛12 @_all\\\"}",
	    BOT_MENTION), true, &in, err), 200);
	cr_expect(!in.ignore, "%s", in.why);
	cr_expect_str_eq(in.text, "牲畜 牛12");
}

Test(feishu, nontext_and_other_events)
{
	struct inbound in;
	char err[256];

	cr_assert_eq(post(EVENT("e5", "p2p", "image", "{\\\"image_key\\\":\\\"img_x\\\"}", ""), true, &in, err), 200,
	    "%s", err);
	cr_expect(in.ignore);
	cr_expect_str_eq(in.answer, cc.nontext_reply);
	cr_expect_str_eq(in.from, "feishu:ou_84aad35d084aa403a838cf73ee18467");
	cr_expect_str_eq(in.id, "feishu:e5");

	const char *read = "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"e6\",\"event_type\":"
	    "\"im.message.message_read_v1\",\"token\":\"" VTOKEN "\"},\"event\":{}}";
	cr_assert_eq(post(read, true, &in, err), 200, "%s", err);
	cr_expect(in.ignore);
	cr_expect_str_eq(in.answer, "");
	cr_expect_str_eq(in.id, "feishu:e6");
}

Test(feishu, refusals)
{
	struct inbound in;
	char err[256];
	const char *ev = EVENT("e7", "p2p", "text", "{\\\"text\\\":\\\"牛12\\\"}", "");

	/* Signed with another key; an event without a signature (only the URL check comes unsigned). */
	snprintf(cc.aes_key, sizeof cc.aes_key, "another-key");
	cr_expect_eq(post(ev, false, &in, err), 403);	/* encrypted under another key */
	setup();
	cr_expect_eq(post(ev, false, &in, err), 403, "%s", err);
	cr_expect(strstr(err, "X-Lark-Signature") != NULL, "%s", err);

	/* A correct signature over another body. */
	struct br_header h[4] = {
		{ "X-Lark-Request-Timestamp", "1" }, { "X-Lark-Request-Nonce", "2" },
		{ "X-Lark-Signature", "e9bf716fbdde9d353a5620337e0c2da0f8fc60af5cdacc4a14d6b36a7d3973da" },
	};
	struct webhook w = { .method = "POST", .path = "/feishu/hexi", .query = "", .headers = h, .nheaders = 3,
		.body = "{\"encrypt\":\"abc\"}", .bodylen = 17, .now = NOW };
	cr_expect_eq(ch_feishu.parse(&cc, &w, &in, err, sizeof err), 403);
	w.method = "GET";
	cr_expect_eq(ch_feishu.parse(&cc, &w, &in, err, sizeof err), 405);

	/* Another Verification Token inside a good encryption and signature. */
	char *wrong = strdup(ev), *p = strstr(wrong, VTOKEN);
	p[0] = 'V';
	cr_expect_eq(post(wrong, true, &in, err), 403);
	free(wrong);

	/* Signed and decrypted, but a member twice, outside or inside content. */
	cr_expect_eq(post("{\"schema\":\"2.0\",\"schema\":\"2.0\"}", true, &in, err), 400);
	cr_expect(strstr(err, "twice") != NULL, "%s", err);
	cr_expect_eq(post(EVENT("e8", "p2p", "text", "{\\\"text\\\":\\\"a\\\",\\\"text\\\":\\\"b\\\"}", ""), true, &in,
	    err), 400);
	cr_expect_eq(post_raw("{\"encrypt\":\"x\",\"encrypt\":\"y\"}", true, &in, err), 400);
	cr_expect_eq(post_raw("{\"schema\":\"2.0\"}", true, &in, err), 400, "not encrypted while a key is set");

	/* Without an Encrypt Key: the token alone authenticates, and an encrypted body is an error. */
	cc.aes_key[0] = '\0';
	cr_expect_eq(post_raw(ev, false, &in, err), 200, "%s", err);
	cr_expect_str_eq(in.text, "牛12");
	cr_expect_eq(post_raw("{\"encrypt\":\"abc\"}", false, &in, err), 400);
	cr_expect(strstr(err, "aes-key") != NULL, "%s", err);
}

Test(feishu, check_names_the_key)
{
	char err[1024] = "";

	cr_expect_eq(chat_check_common(&cc, err, sizeof err) + ch_feishu.check(&cc, err, sizeof err), 0, "%s", err);
	cc.receiver[0] = cc.secret[0] = cc.token[0] = '\0';
	snprintf(cc.reply, sizeof cc.reply, "passive");
	cr_expect_eq(chat_check_common(&cc, err, sizeof err) + ch_feishu.check(&cc, err, sizeof err), 4, "%s", err);
	cr_expect(strstr(err, "[feishu hexi] receiver:") != NULL, "%s", err);
	cr_expect(strstr(err, "[feishu hexi] secret:") != NULL, "%s", err);
	cr_expect(strstr(err, "[feishu hexi] token:") != NULL, "%s", err);
	cr_expect(strstr(err, "[feishu hexi] reply:") != NULL, "%s", err);
	err[0] = '\0';
	snprintf(cc.token_file, sizeof cc.token_file, "/etc/cunbao/feishu.token");
	snprintf(cc.receiver, sizeof cc.receiver, "cli_x");
	snprintf(cc.secret, sizeof cc.secret, "s");
	snprintf(cc.reply, sizeof cc.reply, "api");
	cr_expect_eq(chat_check_common(&cc, err, sizeof err) + ch_feishu.check(&cc, err, sizeof err), 0, "%s", err);
}

/* The uuid the reply to id carries: 40 hex digits of an HMAC of the id. */
static void
uuid_of(const char *id, char *out)
{
	sig_hmac_hex("cunbao-reply", id, strlen(id), out);
	out[40] = '\0';
}

Test(feishu, reply_requests)
{
	struct outreq req;
	char err[256], uuid[SIG_HEX_LEN + 1], want[1024];

	cr_assert(ch_feishu.reply(&cc, NOW, "feishu:e1", "feishu:ou_84aad35d", "{\"message_id\":\"om_5ce6\","
	    "\"chat_id\":\"oc_5ce\"}", "t-g1044ghJRUIJJ5ELPSH", "已收到：\"牛\"12", &req, err, sizeof err), "%s", err);
	cr_expect(req.post);
	cr_expect_str_eq(req.url, "http://127.0.0.1:9/open-apis/im/v1/messages/om_5ce6/reply");
	cr_expect_str_eq(req.ctype, "application/json; charset=utf-8");
	cr_expect_eq(req.nhdrs, 1);
	cr_expect_str_eq(req.hdrs[0].name, "Authorization");
	cr_expect_str_eq(req.hdrs[0].value, "Bearer t-g1044ghJRUIJJ5ELPSH");
	uuid_of("feishu:e1", uuid);
	snprintf(want, sizeof want, "{\"msg_type\":\"text\",\"content\":\"{\\\"text\\\":\\\"已收到：\\\\\\\"牛\\\\\\\"12\\\"}\","
	    "\"uuid\":\"%s\"}", uuid);
	cr_expect_str_eq(req.body, want);
	cr_expect_eq(req.bodylen, strlen(want));

	/* An outbox message: a new message to the person. */
	cr_assert(ch_feishu.reply(&cc, NOW, "remind-7", "feishu:ou_84aad35d", "", "t-1", "请报数", &req, err,
	    sizeof err), "%s", err);
	cr_expect_str_eq(req.url, "http://127.0.0.1:9/open-apis/im/v1/messages?receive_id_type=open_id");
	uuid_of("remind-7", uuid);
	snprintf(want, sizeof want, "{\"receive_id\":\"ou_84aad35d\",\"msg_type\":\"text\","
	    "\"content\":\"{\\\"text\\\":\\\"请报数\\\"}\",\"uuid\":\"%s\"}", uuid);
	cr_expect_str_eq(req.body, want);

	/* No token, or not a Feishu user: not built. */
	cr_expect(!ch_feishu.reply(&cc, NOW, "r", "feishu:ou_1", "", "", "x", &req, err, sizeof err));
	cr_expect(!ch_feishu.reply(&cc, NOW, "r", "dingtalk:ou_1", "", "t", "x", &req, err, sizeof err));
	cr_expect(!ch_feishu.reply(&cc, NOW, "r", "feishu:ou/../x", "", "t", "x", &req, err, sizeof err));
}

Test(feishu, token)
{
	struct outreq req;
	char err[256], tok[128];
	int64_t exp = 0;

	cr_assert(ch_feishu.token_req(&cc, &req, err, sizeof err), "%s", err);
	cr_expect(req.post);
	cr_expect_str_eq(req.url, "http://127.0.0.1:9/open-apis/auth/v3/tenant_access_token/internal");
	cr_expect_str_eq(req.body, "{\"app_id\":\"cli_a1b2c3\",\"app_secret\":\"app-secret-0123456789\"}");

	const char *ok = "{\"code\":0,\"msg\":\"ok\",\"tenant_access_token\":\"t-caecc734c2e3328a62489fe0648c4b98779515d3\",\"expire\":7200}";
	cr_assert(ch_feishu.token_read(200, ok, strlen(ok), tok, sizeof tok, &exp, err, sizeof err), "%s", err);
	cr_expect_str_eq(tok, "t-caecc734c2e3328a62489fe0648c4b98779515d3");
	cr_expect_eq(exp, 7200);
	const char *bad = "{\"code\":10014,\"msg\":\"app secret invalid\"}";
	cr_expect(!ch_feishu.token_read(200, bad, strlen(bad), tok, sizeof tok, &exp, err, sizeof err));
	cr_expect(strstr(err, "app secret invalid") != NULL, "%s", err);
	cr_expect(!ch_feishu.token_read(502, "", 0, tok, sizeof tok, &exp, err, sizeof err));
}

Test(feishu, judge)
{
	static const struct {
		int status;
		const char *body;
		enum send_verdict v;
	} cases[] = {
		{ 200, "{\"code\":0,\"msg\":\"success\",\"data\":{\"message_id\":\"om_x\"}}", SEND_OK },
		{ 400, "{\"code\":99991663,\"msg\":\"Invalid access token for authorization.\"}", SEND_TOKEN },
		{ 400, "{\"code\":99991664,\"msg\":\"expired\"}", SEND_TOKEN },
		{ 400, "{\"code\":99991661,\"msg\":\"Missing access token\"}", SEND_TOKEN },
		{ 400, "{\"code\":99991400,\"msg\":\"request trigger frequency limit\"}", SEND_RETRY },
		{ 429, "{\"code\":230020,\"msg\":\"rate limit\"}", SEND_RETRY },
		{ 400, "{\"code\":230002,\"msg\":\"Bot/User can NOT be out of the chat.\"}", SEND_FAIL },
		{ 500, "", SEND_RETRY },
		{ 0, "", SEND_RETRY },
		{ 200, "{\"code\":0,\"code\":1}", SEND_RETRY },
	};
	char note[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		note[0] = '\0';
		cr_expect_eq(ch_feishu.judge(cases[i].status, cases[i].body, strlen(cases[i].body), note,
		    sizeof note), cases[i].v, "case %zu", i);
		if (cases[i].v != SEND_OK)
			cr_expect(note[0] != '\0', "case %zu: no note", i);
	}
}
