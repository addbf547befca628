/*
 * ch_wechat.c — a WeChat Official Account (公众号).  What it shares with
 * WeCom (ch_wecom.c) is in wx.c.
 *
 * In, on /wechat/<name>:
 *   GET  ?signature&timestamp&nonce&echostr  the server check: the
 *        signature (SHA-1 of the sorted token, timestamp and nonce) checked,
 *        echostr answered unchanged;
 *   POST ?signature&timestamp&nonce&openid[&encrypt_type=aes&msg_signature]
 *        plain mode (`plain yes`): the XML message itself; the signature
 *        covers only token, timestamp and nonce, not the body.  Safe mode
 *        (the default, as the console's 安全模式): <xml><ToUserName/>
 *        <Encrypt/></xml>, msg_signature over the Encrypt value, decrypted
 *        with the AppID as receiver; a plain message to a safe-mode
 *        instance is refused (its body is signed by nothing).
 *   A bad signature is 403 and nothing is kept.  MsgType text is a report
 *   from "wechat:<OpenID>" with the id "wechat:<MsgId>"; images, voice...
 *   are answered with nontext-reply; events are acknowledged ("success").
 *
 * Out: passively (reply passive, the default): WeChat waits 5 s for the
 * callback's answer, so the relay holds it for passive-wait (4 s) for the
 * receipt and answers the text reply XML (encrypted in safe mode), else
 * "success".  A reply that misses that window cannot be sent later unless
 * the account may use the customer-service API (reply both or api: GET
 * <api>/cgi-bin/token?grant_type=client_credential&appid&secret, then POST
 * <api>/cgi-bin/message/custom/send?access_token=… {"touser","msgtype":
 * "text","text":{"content"}}), which works only within 48 hours of the
 * user's last message (errcode 45015 otherwise: the reply fails with that
 * note) and only for accounts with that permission (48001).
 */
#include <stdio.h>
#include <string.h>

#include "bridge.h"

#define SEC 1000LL

#define WECHAT_NONTEXT "只能读文字消息。请发文字，例如：牲畜 牛12 猪40。改数请发：更正 加上正确的内容。"

static const struct conf_entry wechat_table[] = {
	{ "token", CONF_STR, CHAT_M(token), 0, 0, "", "the Token of the account's server settings (服务器配置)" },
	{ "token-file", CONF_STR, CHAT_M(token_file), 0, 0, "", "file holding token (its first line)" },
	{ "aes-key", CONF_STR, CHAT_M(aes_key), 0, 0, "", "the EncodingAESKey (43 characters; safe mode)" },
	{ "aes-key-file", CONF_STR, CHAT_M(aes_key_file), 0, 0, "", "file holding aes-key" },
	{ "receiver", CONF_STR, CHAT_M(receiver), 0, 0, "", "the AppID, checked in every encrypted message" },
	{ "plain", CONF_BOOL, CHAT_M(plain), 0, 0, "no", "plain mode (明文模式): messages are not encrypted" },
	{ "secret", CONF_STR, CHAT_M(secret), 0, 0, "", "the AppSecret (customer-service replies: reply api or both)" },
	{ "secret-file", CONF_STR, CHAT_M(secret_file), 0, 0, "", "file holding secret" },
	{ "api", CONF_STR, CHAT_M(api), 0, 0, "https://api.weixin.qq.com", "API base URL" },
	{ "reply", CONF_STR, CHAT_M(reply), 0, 0, "passive", "passive (in the 5 s answer), api (customer-service messages, 48 h window) or both" },
	{ "passive-wait", CONF_DURATION, CHAT_M(passive_wait), 100, 30 * SEC, "4s", "how long a passive answer waits for the receipt (WeChat gives up after 5 s)" },
	{ "nontext-reply", CONF_STR, CHAT_M(nontext_reply), 0, 0, WECHAT_NONTEXT, "answer to images, voice and other non-text messages (empty: none)" },
	{ .key = NULL },
};

static int
wechat_check(const struct chat_conf *cc, char *err, size_t errlen)
{
	int n = wx_check_keys(cc, !cc->plain, err, errlen);

	if (chat_reply_mode(cc) != CHAT_REPLY_PASSIVE) {
		if (cc->receiver[0] == '\0')
			n += chat_err(cc, err, errlen, "receiver: the AppID is required for replies by the API");
		if (cc->secret[0] == '\0')
			n += chat_err(cc, err, errlen, "secret: the AppSecret is required for replies by the API "
			    "(secret or secret-file)");
	}
	return n;
}

/* The plain signature of the query (token, timestamp, nonce); false (err) when missing or wrong. */
static bool
wechat_signed(const struct chat_conf *cc, const struct webhook *w, char *err, size_t errlen)
{
	char sig[64], ts[32], nonce[64];

	if (!chat_query(w, "signature", sig, sizeof sig) || !chat_query(w, "timestamp", ts, sizeof ts) ||
	    !chat_query(w, "nonce", nonce, sizeof nonce)) {
		snprintf(err, errlen, "signature, timestamp or nonce missing from the query");
		return false;
	}
	if (!wx_check(cc->token, ts, nonce, NULL, sig)) {
		snprintf(err, errlen, "signature does not match (token, timestamp %s, nonce)", ts);
		return false;
	}
	return true;
}

static int
wechat_parse(const struct chat_conf *cc, const struct webhook *w, struct inbound *in, char *err, size_t errlen)
{
	static char plain[16384];
	char type[16];
	const char *xml = w->body;
	size_t n, len = w->bodylen;
	bool aes;
	int st;

	if (strcmp(w->method, "GET") != 0 && strcmp(w->method, "POST") != 0) {
		snprintf(err, errlen, "use GET or POST, not %s", w->method);
		return 405;
	}
	if (!wechat_signed(cc, w, err, errlen))
		return 403;
	if (strcmp(w->method, "GET") == 0) {
		if (!chat_query(w, "echostr", in->resp, sizeof in->resp)) {
			snprintf(err, errlen, "echostr missing from the server check");
			return 400;
		}
		in->resplen = strlen(in->resp);
		in->verify = true;
		return 200;
	}
	aes = chat_query(w, "encrypt_type", type, sizeof type) && strcmp(type, "aes") == 0;
	if (!aes && !cc->plain) {
		snprintf(err, errlen, "a plain message, but this account is in safe mode (encrypt_type=aes expected)");
		return 403;
	}
	if (aes) {
		if (cc->aes_key[0] == '\0') {
			snprintf(err, errlen, "an encrypted message, but aes-key is not set");
			return 403;
		}
		if ((st = wx_open_body(cc, w, plain, sizeof plain, &len, err, errlen)) != 200)
			return st;
		xml = plain;
	}
	/* The account's own id (gh_…) is the From of a passive reply, also after a restart. */
	if (!xml_field(xml, len, "ToUserName", in->ctx, sizeof in->ctx, &n) || n == 0) {
		snprintf(err, errlen, "ToUserName missing");
		return 400;
	}
	in->passive = true;
	snprintf(in->resp, sizeof in->resp, "success");
	in->resplen = 7;
	return wx_message(cc, xml, len, in, err, errlen);
}

/* The passive answer from the account's own id (in->ctx): plain XML in plain mode, else encrypted. */
static bool
wechat_passive(const struct chat_conf *cc, const struct inbound *in, const char *text, int64_t now,
    const char *nonce16, char *body, size_t bodysize, size_t *bodylen, char *ctype, size_t ctypelen,
    char *err, size_t errlen)
{
	return wx_passive(cc, in, in->ctx, cc->plain, text, now, nonce16, body, bodysize, bodylen, ctype, ctypelen,
	    err, errlen);
}

/* GET <api>/cgi-bin/token?grant_type=client_credential&appid&secret. */
static bool
wechat_token_req(const struct chat_conf *cc, struct outreq *req, char *err, size_t errlen)
{
	return wx_token_req(cc, "/cgi-bin/token?grant_type=client_credential", "appid", "secret", req, err,
	    errlen);
}

/* A customer-service message: POST <api>/cgi-bin/message/custom/send, no agentid. */
static bool
wechat_reply(const struct chat_conf *cc, int64_t now, const char *id, const char *to, const char *ctx,
    const char *token, const char *text, struct outreq *req, char *err, size_t errlen)
{
	return wx_send_text(cc, "WeChat", "/cgi-bin/message/custom/send", NULL, id, to, token, text, req, err,
	    errlen);
}

/* As WeCom's, but 45015 (outside the 48 h window) fails at once: retrying cannot open the window. */
static enum send_verdict
wechat_judge(int status, const char *body, size_t len, char *note, size_t notelen)
{
	return wx_judge("message/custom/send", status, body, len, note, notelen);
}

const struct chat_ops ch_wechat = {
	.platform = "wechat",
	.table = wechat_table,
	.check = wechat_check,
	.parse = wechat_parse,
	.passive = wechat_passive,
	.token_req = wechat_token_req,
	.token_read = wx_token_read,
	.reply = wechat_reply,
	.judge = wechat_judge,
};
