/*
 * wx.c — what WeCom (ch_wecom.c) and WeChat Official Accounts (ch_wechat.c)
 * share: both speak WXBizMsgCrypt (wxcrypt.c) over the same XML messages,
 * fetch access tokens the same way and send text through nearly the same
 * JSON API with the same errcodes.  Each channel keeps in its own file what
 * is its platform's: the config table, the checks of its own keys, the URL
 * check, the plain mode (WeChat), the token and message/send paths.
 *
 * Used by: ch_wecom.c, ch_wechat.c (and tests/fuzz/fuzz_chat.c).  Pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bridge.h"
#include "jdec.h"
#include "jsonw.h"

/*
 * Checks the keys both platforms' sections share: token (letters and digits,
 * at most 32), aes-key (an EncodingAESKey; required when need_key) and
 * receiver (required when need_key).  Appends a line to err for each problem
 * and returns their number.
 */
int
wx_check_keys(const struct chat_conf *cc, bool need_key, char *err, size_t errlen)
{
	unsigned char key[WX_KEY_LEN];
	int n = 0;

	if (cc->token[0] == '\0')
		n += chat_err(cc, err, errlen, "token: the callback Token is required (token or token-file)");
	else if (strlen(cc->token) > 32 || strspn(cc->token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789") != strlen(cc->token))
		n += chat_err(cc, err, errlen, "token: letters and digits, at most 32 (as the console makes it)");
	if (need_key && cc->aes_key[0] == '\0')
		n += chat_err(cc, err, errlen, "aes-key: the EncodingAESKey is required (aes-key or aes-key-file)");
	else if (cc->aes_key[0] != '\0' && !wx_key(cc->aes_key, key))
		n += chat_err(cc, err, errlen, "aes-key: not an EncodingAESKey (43 base64 characters that "
		    "decode to 32 bytes)");
	if (need_key && cc->receiver[0] == '\0')
		n += chat_err(cc, err, errlen, "receiver: required (the id every message is checked against)");
	return n;
}

/* Appends s to the XML at *o inside a CDATA section ("]]>" split across two); false if full. */
static bool
wx_cdata(char *buf, size_t size, size_t *o, const char *s)
{
	const char *p;
	int n;

	n = snprintf(buf + *o, size - *o, "<![CDATA[");
	if (n < 0 || (size_t)n >= size - *o)
		return false;
	*o += (size_t)n;
	while ((p = strstr(s, "]]>")) != NULL) {
		n = snprintf(buf + *o, size - *o, "%.*s]]]]><![CDATA[>", (int)(p - s), s);
		if (n < 0 || (size_t)n >= size - *o)
			return false;
		*o += (size_t)n;
		s = p + 3;
	}
	n = snprintf(buf + *o, size - *o, "%s]]>", s);
	if (n < 0 || (size_t)n >= size - *o)
		return false;
	*o += (size_t)n;
	return true;
}

/*
 * Writes the plain XML of a passive text reply (to, from, CreateTime in
 * seconds of now, Content text) into out; false when it does not fit.
 */
bool
wx_text_xml(const char *to, const char *from, int64_t now, const char *text, char *out, size_t size,
    size_t *len)
{
	size_t o = 0;
	int n;

	if ((n = snprintf(out, size, "<xml><ToUserName>")) < 0 || (size_t)n >= size)
		return false;
	o = (size_t)n;
	if (!wx_cdata(out, size, &o, to))
		return false;
	if ((n = snprintf(out + o, size - o, "</ToUserName><FromUserName>")) < 0 || (size_t)n >= size - o)
		return false;
	o += (size_t)n;
	if (!wx_cdata(out, size, &o, from))
		return false;
	n = snprintf(out + o, size - o, "</FromUserName><CreateTime>%lld</CreateTime><MsgType><![CDATA[text]]>"
	    "</MsgType><Content>", (long long)(now / 1000));
	if (n < 0 || (size_t)n >= size - o)
		return false;
	o += (size_t)n;
	if (!wx_cdata(out, size, &o, text))
		return false;
	if ((n = snprintf(out + o, size - o, "</Content></xml>")) < 0 || (size_t)n >= size - o)
		return false;
	*len = o + (size_t)n;
	return true;
}

/*
 * Encrypts xml for cc->receiver with the random prefix nonce16 and writes the
 * <Encrypt/MsgSignature/TimeStamp/Nonce> answer into body; false (err) when
 * the key is bad or the answer does not fit.
 */
bool
wx_seal(const struct chat_conf *cc, const char *xml, size_t xmllen, int64_t now, const char *nonce16,
    char *body, size_t bodysize, size_t *bodylen, char *err, size_t errlen)
{
	unsigned char key[WX_KEY_LEN];
	char enc[4096], ts[24], nonce[16], sig[41], seed[17];
	const char *parts[4];
	size_t enclen;
	int n;

	if (!wx_key(cc->aes_key, key)) {
		snprintf(err, errlen, "aes-key is not an EncodingAESKey");
		return false;
	}
	if (!wx_encrypt(key, (const unsigned char *)nonce16, xml, xmllen, cc->receiver, enc, sizeof enc, &enclen)) {
		snprintf(err, errlen, "the reply does not fit in an encrypted answer");
		return false;
	}
	/* The envelope's Nonce is derived from the random prefix, never the prefix itself. */
	snprintf(seed, sizeof seed, "%.16s", nonce16);
	parts[0] = seed;
	wx_signature(parts, 1, sig);
	snprintf(nonce, sizeof nonce, "%.10s", sig);
	snprintf(ts, sizeof ts, "%lld", (long long)(now / 1000));
	parts[0] = cc->token;
	parts[1] = ts;
	parts[2] = nonce;
	parts[3] = enc;
	wx_signature(parts, 4, sig);
	n = snprintf(body, bodysize, "<xml><Encrypt><![CDATA[%s]]></Encrypt><MsgSignature><![CDATA[%s]]>"
	    "</MsgSignature><TimeStamp>%s</TimeStamp><Nonce><![CDATA[%s]]></Nonce></xml>", enc, sig, ts, nonce);
	if (n < 0 || (size_t)n >= bodysize) {
		snprintf(err, errlen, "the encrypted answer is too long");
		return false;
	}
	*bodylen = (size_t)n;
	return true;
}

/*
 * Checks msg_signature (from the query, with timestamp and nonce) over
 * encrypt and decrypts it for cc->receiver into plain; false (err) on any
 * failure, which the callers answer with 403.
 */
bool
wx_open(const struct chat_conf *cc, const struct webhook *w, const char *encrypt, char *plain, size_t plainsize,
    size_t *plainlen, char *err, size_t errlen)
{
	char sig[64], ts[32], nonce[64];
	unsigned char key[WX_KEY_LEN];
	char e[8192];
	size_t i;

	if (!chat_query(w, "msg_signature", sig, sizeof sig) || !chat_query(w, "timestamp", ts, sizeof ts) ||
	    !chat_query(w, "nonce", nonce, sizeof nonce)) {
		snprintf(err, errlen, "msg_signature, timestamp or nonce missing from the query");
		return false;
	}
	/* A '+' that a query decoder made a space is a '+' of the base64 the signature covers. */
	snprintf(e, sizeof e, "%s", encrypt);
	for (i = 0; e[i] != '\0'; i++)
		if (e[i] == ' ')
			e[i] = '+';
	if (!wx_check(cc->token, ts, nonce, e, sig)) {
		snprintf(err, errlen, "msg_signature does not match (token, timestamp %s, nonce)", ts);
		return false;
	}
	if (!wx_key(cc->aes_key, key) || !wx_decrypt(key, e, strlen(e), cc->receiver, plain, plainsize, plainlen,
	    err, errlen))
		return false;
	return true;
}

/*
 * Reads the <Encrypt> element of a POSTed body and opens it (wx_open) into
 * plain.  Returns 200, 400 when the body has no Encrypt element, or 403 when
 * the signature, the key or the receiver is wrong; err says which.
 */
int
wx_open_body(const struct chat_conf *cc, const struct webhook *w, char *plain, size_t plainsize, size_t *plainlen,
    char *err, size_t errlen)
{
	static char enc[8192];
	size_t n;

	if (!xml_field(w->body, w->bodylen, "Encrypt", enc, sizeof enc, &n)) {
		snprintf(err, errlen, "no Encrypt element in the body");
		return 400;
	}
	if (!wx_open(cc, w, enc, plain, plainsize, plainlen, err, errlen))
		return 403;
	return 200;
}

/*
 * Reads the fields every WeCom/WeChat message has into in: the sender
 * ("<platform>:<FromUserName>"), MsgType, and for text the content and the
 * id "<platform>:<MsgId>".  Non-text messages are ignored with nontext-reply
 * as the answer, events ignored silently.  Returns the HTTP status.
 */
int
wx_message(const struct chat_conf *cc, const char *xml, size_t len, struct inbound *in, char *err, size_t errlen)
{
	static char content[CB_PAYLOAD_MAX];
	char user[128], type[32], msgid[64], stamp[32], ev[64];
	const char *plat = cc->ops->platform;
	size_t n;

	if (!xml_field(xml, len, "FromUserName", user, sizeof user, &n) || n == 0 ||
	    !xml_field(xml, len, "MsgType", type, sizeof type, &n)) {
		snprintf(err, errlen, "FromUserName or MsgType missing");
		return 400;
	}
	if (strcmp(type, "event") == 0) {
		in->ignore = true;
		if (!xml_field(xml, len, "Event", ev, sizeof ev, &n))
			snprintf(ev, sizeof ev, "?");
		snprintf(in->why, sizeof in->why, "event %.32s", ev);
		return 200;
	}
	if (snprintf(in->from, sizeof in->from, "%s:%s", plat, user) >= (int)sizeof in->from ||
	    strspn(user, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:._+-@") != strlen(user)) {
		in->ignore = true;
		in->from[0] = '\0';
		snprintf(in->why, sizeof in->why, "sender id of %zu bytes is not one the roster can hold", strlen(user));
		return 200;
	}
	if (!xml_field(xml, len, "MsgId", msgid, sizeof msgid, &n))
		msgid[0] = '\0';
	if (xml_field(xml, len, "CreateTime", stamp, sizeof stamp, &n))
		in->sent_at = strtoll(stamp, NULL, 10);
	if (msgid[0] == '\0') {
		/* Without MsgId the sender and time identify it (as the platforms advise for events). */
		snprintf(msgid, sizeof msgid, "%.40s-%lld", user, (long long)in->sent_at);
	}
	channel_make_id(plat, msgid, strlen(msgid), in->id, sizeof in->id);
	if (strcmp(type, "text") != 0) {
		in->ignore = true;
		snprintf(in->why, sizeof in->why, "%s message %.40s is not text", type, in->id);
		snprintf(in->answer, sizeof in->answer, "%s", cc->nontext_reply);
		return 200;
	}
	if (!xml_field(xml, len, "Content", content, sizeof content, &n) ||
	    !charset_clean_utf8(content, n, in->text, sizeof in->text, &in->textlen)) {
		snprintf(err, errlen, "Content missing or too long");
		return 413;
	}
	return 200;
}

/*
 * Reads a token answer, {"access_token","expires_in"} or {"errcode","errmsg"}:
 * the token and its lifetime (7,200 s when absent); false (err naming the
 * HTTP status and errcode) when refused.  The chat_ops token_read of both.
 */
bool
wx_token_read(int status, const char *body, size_t len, char *token, size_t tokensize, int64_t *expires_s,
    char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "access_token");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "errmsg");
	int64_t code = 0, exp = 0;
	bool ok = false;

	err[0] = '\0';
	if (root == NULL || jdec_strict(body, len, root, NULL, 0) != CB_OK) {
		snprintf(err, errlen, "HTTP %d, not a JSON object", status);
	} else if (!channel_json_int(cJSON_GetObjectItemCaseSensitive(root, "errcode"), &code)) {
		code = 0;
	}
	if (root != NULL && err[0] == '\0') {
		if (status != 200 || code != 0 || !cJSON_IsString(t) || t->valuestring[0] == '\0' ||
		    strlen(t->valuestring) >= tokensize) {
			snprintf(err, errlen, "HTTP %d, errcode %lld: %.100s", status, (long long)code,
			    cJSON_IsString(msg) ? msg->valuestring : "no access_token");
		} else {
			snprintf(token, tokensize, "%s", t->valuestring);
			if (!channel_json_int(cJSON_GetObjectItemCaseSensitive(root, "expires_in"), &exp) || exp <= 0)
				exp = 7200;
			*expires_s = exp;
			ok = true;
		}
	}
	cJSON_Delete(root);
	return ok;
}

/*
 * Judges an API answer by its errcode: 0 sent; a refused token asks for a
 * new one; rate limits, busy and an untrusted IP (60020) are retried; any
 * other code fails, with a note naming what (the API), the code and errmsg.
 */
enum send_verdict
wx_judge(const char *what, int status, const char *body, size_t len, char *note, size_t notelen)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "errmsg");
	int64_t code = -2;
	enum send_verdict v;

	if (root != NULL && jdec_strict(body, len, root, NULL, 0) != CB_OK) {
		cJSON_Delete(root);
		root = NULL;
		msg = NULL;
	}
	if (status != 200 || !channel_json_int(cJSON_GetObjectItemCaseSensitive(root, "errcode"), &code)) {
		snprintf(note, notelen, "%s: HTTP %d, no errcode", what, status);
		cJSON_Delete(root);
		return SEND_RETRY;
	}
	switch (code) {
	case 0:
		v = SEND_OK;
		break;
	case 40001: case 40014: case 41001: case 42001:
		v = SEND_TOKEN;
		break;
	case -1: case 45009: case 45033: case 45047:
		v = SEND_RETRY;
		break;
	case 60020:
		v = SEND_RETRY;	/* fixed on the console (trusted IP), then it goes */
		break;
	default:
		v = SEND_FAIL;
		break;
	}
	if (v != SEND_OK)
		snprintf(note, notelen, "%s: errcode %lld: %.100s%s", what, (long long)code,
		    cJSON_IsString(msg) ? msg->valuestring : "",
		    code == 60020 ? " (add this server's address to the app's trusted IPs)" :
		    code == 45015 ? " (outside the 48 h window: the user has not written for 48 hours)" :
		    code == 48001 ? " (the account lacks this API's permission)" : "");
	cJSON_Delete(root);
	return v;
}

/*
 * The passive text reply to in (from its sender) from `from` (WeCom: the
 * CorpID; WeChat: the account's own id, kept in in->ctx): the plain XML when
 * plain (WeChat's plain mode), else sealed by wx_seal.  False (err) when
 * there is no sender or `from`, or the answer does not fit.
 */
bool
wx_passive(const struct chat_conf *cc, const struct inbound *in, const char *from, bool plain, const char *text,
    int64_t now, const char *nonce16, char *body, size_t bodysize, size_t *bodylen, char *ctype, size_t ctypelen,
    char *err, size_t errlen)
{
	char xml[2048];
	size_t len;
	const char *user = strchr(in->from, ':');

	if (user == NULL || from[0] == '\0' ||
	    !wx_text_xml(user + 1, from, now, text, plain ? body : xml, plain ? bodysize : sizeof xml,
	    plain ? bodylen : &len)) {
		snprintf(err, errlen, "the reply does not fit in a passive answer");
		return false;
	}
	snprintf(ctype, ctypelen, "text/xml; charset=utf-8");
	if (plain)
		return true;
	return wx_seal(cc, xml, len, now, nonce16, body, bodysize, bodylen, err, errlen);
}

/*
 * Fills req with the GET for an access token: <api><path> and then
 * id_key=<receiver>&secret_key=<secret>, form-encoded (WeCom: gettoken with
 * corpid and corpsecret; WeChat: token?grant_type=client_credential with
 * appid and secret).  False (err) when the URL does not fit.
 */
bool
wx_token_req(const struct chat_conf *cc, const char *path, const char *id_key, const char *secret_key,
    struct outreq *req, char *err, size_t errlen)
{
	size_t off;
	int n;

	outreq_reset(req);
	n = snprintf(req->url, sizeof req->url, "%s%s", cc->api, path);
	off = n > 0 ? (size_t)n : 0;
	if (n < 0 || (size_t)n >= sizeof req->url ||
	    !form_put(req->url, sizeof req->url, &off, id_key, cc->receiver, strlen(cc->receiver)) ||
	    !form_put(req->url, sizeof req->url, &off, secret_key, cc->secret, strlen(cc->secret))) {
		snprintf(err, errlen, "api and secret make too long a URL");
		return false;
	}
	return true;
}

/*
 * Fills req with the POST that sends text to `to` ("<platform>:<user>", who
 * names the platform's users in the error) through
 * <api><path>?access_token=token, the body {"touser","msgtype":"text",
 * "text":{"content"}} with content cut at 2,048 bytes on a UTF-8 boundary.
 * agent_id (WeCom's app messages) adds "agentid" after msgtype and "safe":0
 * at the end; NULL (WeChat's customer-service messages) leaves both out.
 * False (err) when `to` is not this platform's or the request does not fit.
 */
bool
wx_send_text(const struct chat_conf *cc, const char *who, const char *path, const char *agent_id, const char *id,
    const char *to, const char *token, const char *text, struct outreq *req, char *err, size_t errlen)
{
	size_t plen = strlen(cc->ops->platform), off;
	struct jsonw w;
	int n;

	outreq_reset(req);
	if (strncmp(to, cc->ops->platform, plen) != 0 || to[plen] != ':' || to[plen + 1] == '\0') {
		snprintf(err, errlen, "reply %s: \"%s\" is not a %s user", id, to, who);
		return false;
	}
	n = snprintf(req->url, sizeof req->url, "%s%s?", cc->api, path);
	off = n > 0 ? (size_t)n : 0;
	if (n < 0 || (size_t)n >= sizeof req->url ||
	    !form_put(req->url, sizeof req->url, &off, "access_token", token, strlen(token))) {
		snprintf(err, errlen, "api and the access token make too long a URL");
		return false;
	}
	req->post = true;
	snprintf(req->ctype, sizeof req->ctype, "application/json");
	jsonw_init(&w, req->body, sizeof req->body);
	jsonw_obj(&w);
	jsonw_key(&w, "touser");
	jsonw_str(&w, to + plen + 1);
	jsonw_key(&w, "msgtype");
	jsonw_str(&w, "text");
	if (agent_id != NULL) {
		jsonw_key(&w, "agentid");
		jsonw_int(&w, strtoll(agent_id, NULL, 10));
	}
	jsonw_key(&w, "text");
	jsonw_obj(&w);
	jsonw_key(&w, "content");
	jsonw_strn(&w, text, chat_utf8_cut(text, strlen(text), 2048));
	jsonw_end(&w);
	if (agent_id != NULL) {
		jsonw_key(&w, "safe");
		jsonw_int(&w, 0);
	}
	jsonw_end(&w);
	if ((req->bodylen = jsonw_finish(&w)) == 0) {
		snprintf(err, errlen, "reply %s does not fit in a request body", id);
		return false;
	}
	return true;
}
