/*
 * ch_wecom.c — a WeCom (企业微信) self-built app's callback.  What it
 * shares with WeChat OA (ch_wechat.c) is in wx.c.
 *
 * In, on /wecom/<name>:
 *   GET  ?msg_signature&timestamp&nonce&echostr  the URL check: the
 *        signature over token, timestamp, nonce and echostr is checked, the
 *        echostr decrypted (receiver = the CorpID) and its plaintext
 *        answered as it is (no newline);
 *   POST ?msg_signature&timestamp&nonce with <xml><ToUserName/><Encrypt/>
 *        <AgentID/></xml>: the signature covers the Encrypt value; its
 *        plaintext is the message.  A bad signature, a ciphertext that does
 *        not decrypt or a receiver that is not our CorpID is 403 and nothing
 *        is kept.  MsgType text is a report from "wecom:<FromUserName>" with
 *        the id "wecom:<MsgId>"; images, voice, files... are answered with
 *        nontext-reply; events are acknowledged and ignored.
 *
 * Out: the app message API (reply api, the default): GET
 * <api>/cgi-bin/gettoken?corpid&corpsecret for an access token (the relay
 * caches it), then POST <api>/cgi-bin/message/send?access_token=… with
 * {"touser","msgtype":"text","agentid","text":{"content"},"safe":0}.
 * WeCom cuts content at 2,048 bytes; a reply is at most CB_REPLY_MAX (512)
 * bytes, so it always fits: the cut below (on a UTF-8 boundary) is a guard,
 * never a split.  Errcodes 40001/40014/42001/41001 (token refused) make the
 * relay fetch a new token and send again; 45009/45033/-1 (rate limits, busy)
 * and 60020 (our address is not among the app's trusted IPs) are retried
 * later; any other errcode fails the reply.  Or passively (reply passive
 * or both): the encrypted XML text reply in the callback's own answer.
 */
#include <stdio.h>
#include <string.h>

#include "bridge.h"

#define SEC 1000LL

#define WECOM_NONTEXT "只能读文字消息。请发文字，例如：牲畜 牛12 猪40。改数请发：更正 加上正确的内容。"

static const struct conf_entry wecom_table[] = {
	{ "token", CONF_STR, CHAT_M(token), 0, 0, "", "the callback Token of the app's 接收消息 settings" },
	{ "token-file", CONF_STR, CHAT_M(token_file), 0, 0, "", "file holding token (its first line)" },
	{ "aes-key", CONF_STR, CHAT_M(aes_key), 0, 0, "", "the EncodingAESKey (43 characters)" },
	{ "aes-key-file", CONF_STR, CHAT_M(aes_key_file), 0, 0, "", "file holding aes-key" },
	{ "receiver", CONF_STR, CHAT_M(receiver), 0, 0, "", "the CorpID (企业ID), checked in every message" },
	{ "agent-id", CONF_STR, CHAT_M(agent_id), 0, 0, "", "the app's AgentId (replies by the API)" },
	{ "secret", CONF_STR, CHAT_M(secret), 0, 0, "", "the app's Secret (access tokens for replies by the API)" },
	{ "secret-file", CONF_STR, CHAT_M(secret_file), 0, 0, "", "file holding secret" },
	{ "api", CONF_STR, CHAT_M(api), 0, 0, "https://qyapi.weixin.qq.com", "API base URL" },
	{ "reply", CONF_STR, CHAT_M(reply), 0, 0, "api", "api (message/send), passive (in the callback's answer) or both" },
	{ "passive-wait", CONF_DURATION, CHAT_M(passive_wait), 100, 30 * SEC, "4s", "how long a passive answer waits for the receipt" },
	{ "nontext-reply", CONF_STR, CHAT_M(nontext_reply), 0, 0, WECOM_NONTEXT, "answer to images, voice and other non-text messages (empty: none)" },
	{ .key = NULL },
};

/* ------------------------------------------------------------------ WeCom */

static int
wecom_check(const struct chat_conf *cc, char *err, size_t errlen)
{
	int n = wx_check_keys(cc, true, err, errlen);

	if (chat_reply_mode(cc) != CHAT_REPLY_PASSIVE) {
		if (cc->agent_id[0] == '\0' || strspn(cc->agent_id, "0123456789") != strlen(cc->agent_id))
			n += chat_err(cc, err, errlen, "agent-id: the app's AgentId (digits) is required for replies "
			    "by the API");
		if (cc->secret[0] == '\0')
			n += chat_err(cc, err, errlen, "secret: the app's Secret is required for replies by the API "
			    "(secret or secret-file)");
	}
	return n;
}

/* GET: the URL check.  The echostr's plaintext is the whole answer. */
static int
wecom_verify(const struct chat_conf *cc, const struct webhook *w, struct inbound *in, char *err, size_t errlen)
{
	char echo[1024];

	if (!chat_query(w, "echostr", echo, sizeof echo)) {
		snprintf(err, errlen, "echostr missing from the URL check");
		return 400;
	}
	if (!wx_open(cc, w, echo, in->resp, sizeof in->resp, &in->resplen, err, errlen))
		return 403;
	in->verify = true;
	return 200;
}

static int
wecom_parse(const struct chat_conf *cc, const struct webhook *w, struct inbound *in, char *err, size_t errlen)
{
	static char plain[16384];
	char to[128];
	size_t n, plainlen;
	int st;

	if (strcmp(w->method, "GET") == 0)
		return wecom_verify(cc, w, in, err, errlen);
	if (strcmp(w->method, "POST") != 0) {
		snprintf(err, errlen, "use GET or POST, not %s", w->method);
		return 405;
	}
	if ((st = wx_open_body(cc, w, plain, sizeof plain, &plainlen, err, errlen)) != 200)
		return st;
	if (xml_field(plain, plainlen, "ToUserName", to, sizeof to, &n) && strcmp(to, cc->receiver) != 0) {
		snprintf(err, errlen, "ToUserName \"%.64s\" is not the CorpID", to);
		return 403;
	}
	in->passive = true;
	return wx_message(cc, plain, plainlen, in, err, errlen);
}

/* The encrypted passive answer, from the CorpID. */
static bool
wecom_passive(const struct chat_conf *cc, const struct inbound *in, const char *text, int64_t now,
    const char *nonce16, char *body, size_t bodysize, size_t *bodylen, char *ctype, size_t ctypelen,
    char *err, size_t errlen)
{
	return wx_passive(cc, in, cc->receiver, false, text, now, nonce16, body, bodysize, bodylen, ctype, ctypelen,
	    err, errlen);
}

/* GET <api>/cgi-bin/gettoken?corpid&corpsecret. */
static bool
wecom_token_req(const struct chat_conf *cc, struct outreq *req, char *err, size_t errlen)
{
	return wx_token_req(cc, "/cgi-bin/gettoken?", "corpid", "corpsecret", req, err, errlen);
}

/* An app message: POST <api>/cgi-bin/message/send with agentid and "safe":0. */
static bool
wecom_reply(const struct chat_conf *cc, int64_t now, const char *id, const char *to, const char *ctx,
    const char *token, const char *text, struct outreq *req, char *err, size_t errlen)
{
	return wx_send_text(cc, "WeCom", "/cgi-bin/message/send", cc->agent_id, id, to, token, text, req, err,
	    errlen);
}

static enum send_verdict
wecom_judge(int status, const char *body, size_t len, char *note, size_t notelen)
{
	return wx_judge("message/send", status, body, len, note, notelen);
}

const struct chat_ops ch_wecom = {
	.platform = "wecom",
	.table = wecom_table,
	.check = wecom_check,
	.parse = wecom_parse,
	.passive = wecom_passive,
	.token_req = wecom_token_req,
	.token_read = wx_token_read,
	.reply = wecom_reply,
	.judge = wecom_judge,
};
