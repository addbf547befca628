/*
 * ch_dingtalk.c — a DingTalk (钉钉) enterprise app robot in HTTP mode.
 *
 * In: DingTalk POSTs each message the robot receives to /dingtalk/<name> as
 * JSON, with two headers: `timestamp` (ms since the epoch) and `sign` =
 * base64(HMAC-SHA256(key = AppSecret, data = timestamp "\n" AppSecret)).
 * A missing or wrong sign, or a timestamp further than `window` from our
 * clock, is 403 and nothing else is read.  A text message is a report:
 *   - in a 1:1 chat (conversationType "1") from its sender;
 *   - in a group ("2") only when it mentions the robot (isInAtList), and
 *     then from the person who wrote it (senderStaffId), never the group,
 *     with the leading "@robot" text taken off; other group chatter is
 *     ignored silently (the robot answering it would be noise).
 * The sender is "dingtalk:<senderStaffId>", the message id
 * "dingtalk:<msgId>" (DingTalk delivers again when it gets no quick
 * answer; the spool makes the same msgId one message).  Pictures, voice,
 * files and rich text are not reports: the sender gets nontext-reply.
 *
 * Out: while the message's sessionWebhook is valid (its
 * sessionWebhookExpiredTime, less a margin for the request's own time) the
 * reply is POSTed there, {"msgtype":"text","text":{"content":…}} (in a
 * group with the sender @-mentioned), which needs no token.  After that,
 * and for outbox messages (no context), the robot OpenAPI: an access
 * token from POST <api>/v1.0/oauth2/accessToken {appKey, appSecret}, then
 * POST <api>/v1.0/robot/oToMessages/batchSend (to the person) or
 * /v1.0/robot/groupMessages/send (to the group the message came from)
 * with the token in x-acs-dingtalk-access-token.
 *
 * Settings (a [dingtalk <name>] section): secret or secret-file (the
 * AppSecret: the sign's key and the token's), receiver (the AppKey),
 * agent-id (the robotCode; empty: the AppKey, which an enterprise internal
 * app's robot has as its robotCode), api, window, nontext-reply.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bridge.h"
#include "chatdf.h"
#include "jdec.h"
#include "jsonw.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

/* A session webhook is not used in its last minute: the reply must arrive before it expires. */
#define DT_WEBHOOK_MARGIN (60 * SEC)
#define DT_API_DEFAULT "https://api.dingtalk.com"
/* Said to anyone who sends a picture, a voice message, a file… instead of text. */
#define CHAT_NONTEXT_REPLY "只能读文字消息。请用文字发送，例如：牲畜 牛12 猪40 羊5；如需改数，请发：更正 加上正确的内容"

static const struct conf_entry dingtalk_table[] = {
	{ "secret", CONF_STR, CHAT_M(secret), 0, 0, "", "the app's AppSecret: the key of the callback's sign and of the access token" },
	{ "secret-file", CONF_STR, CHAT_M(secret_file), 0, 0, "", "file holding the AppSecret (its first line)" },
	{ "receiver", CONF_STR, CHAT_M(receiver), 0, 0, "", "the app's AppKey (Client ID)" },
	{ "agent-id", CONF_STR, CHAT_M(agent_id), 0, 0, "", "the robot's robotCode (empty: the AppKey)" },
	{ "api", CONF_STR, CHAT_M(api), 0, 0, DT_API_DEFAULT, "OpenAPI base URL" },
	{ "reply", CONF_STR, CHAT_M(reply), 0, 0, "api", "api: the session webhook, else the robot OpenAPI (DingTalk takes no passive reply)" },
	{ "window", CONF_DURATION, CHAT_M(window), MIN, DAY, "1h", "a callback whose timestamp is further than this from our clock is refused (403)" },
	{ "nontext-reply", CONF_STR, CHAT_M(nontext_reply), 0, 0, CHAT_NONTEXT_REPLY, "answer to pictures, voice, files (empty: none)" },
	{ .key = NULL },
};

void
dingtalk_sign(const char *secret, const char *timestamp, char out[DINGTALK_SIGN_LEN + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t tl = strlen(timestamp), sl = strlen(secret);
	char *data = malloc(tl + 1 + sl + 1);

	out[0] = '\0';		/* on failure: matches no header */
	if (data == NULL)
		return;
	memcpy(data, timestamp, tl);
	data[tl] = '\n';
	memcpy(data + tl + 1, secret, sl);
	if (HMAC(EVP_sha256(), secret, (int)sl, (unsigned char *)data, tl + 1 + sl, mac, &maclen) != NULL &&
	    maclen == 32)
		EVP_EncodeBlock((unsigned char *)out, mac, 32);
	OPENSSL_cleanse(data, tl + 1 + sl);
	OPENSSL_cleanse(mac, sizeof mac);
	free(data);
}

/* The robotCode: agent-id, or the AppKey when it is not set. */
static const char *
dingtalk_robot(const struct chat_conf *cc)
{
	return cc->agent_id[0] != '\0' ? cc->agent_id : cc->receiver;
}

/* What DingTalk needs beyond the checks every instance gets (chat_check_common: reply, api). */
static int
dingtalk_check(const struct chat_conf *cc, char *err, size_t errlen)
{
	int n = 0;

	if (cc->secret[0] == '\0' && cc->secret_file[0] == '\0')
		n += chat_err(cc, err, errlen, "secret: the AppSecret is required (secret or secret-file): it signs "
		    "every callback");
	if (cc->receiver[0] == '\0')
		n += chat_err(cc, err, errlen, "receiver: the AppKey is required (the OpenAPI's access token)");
	return n;
}

/*
 * Checks the `sign` header, then the `timestamp` against w->now.  Returns
 * 200, or 403 with err saying which (never the secret or the right sign).
 */
static int
dingtalk_signed(const struct chat_conf *cc, const struct webhook *w, char *err, size_t errlen)
{
	const char *stamp = webhook_header(w, "timestamp"), *sign = webhook_header(w, "sign");
	char want[DINGTALK_SIGN_LEN + 1], *end;
	long long ts, skew;

	if (stamp == NULL || stamp[0] < '0' || stamp[0] > '9' || strlen(stamp) > 15 ||
	    (ts = strtoll(stamp, &end, 10), *end != '\0')) {
		snprintf(err, errlen, "the timestamp header is missing or not ms since the epoch");
		return 403;
	}
	if (cc->secret[0] == '\0' || sign == NULL) {
		snprintf(err, errlen, "the sign header is missing");
		return 403;
	}
	dingtalk_sign(cc->secret, stamp, want);
	if (want[0] == '\0' || !sig_equal(want, sign)) {
		snprintf(err, errlen, "the sign header is wrong (not base64 HMAC-SHA256 of timestamp \"\\n\" "
		    "AppSecret under the AppSecret)");
		return 403;
	}
	skew = (long long)w->now - ts;
	if (skew > cc->window || skew < -cc->window) {
		snprintf(err, errlen, "timestamp %lld is %lld s %s our clock (window %lld s): refused as a replay",
		    ts, (skew < 0 ? -skew : skew) / 1000, skew < 0 ? "ahead of" : "behind",
		    (long long)(cc->window / 1000));
		return 403;
	}
	return 200;
}

/*
 * Length of the blank at s[0..n) (ASCII space, tab, CR, LF, no-break
 * space, U+2000–U+200B, ideographic space), 0 if none: DingTalk puts a
 * U+2005 after an @-mention, phones put full-width spaces anywhere.
 */
static size_t
dingtalk_blank(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n >= 1 && (u[0] == ' ' || u[0] == '\t' || u[0] == '\r' || u[0] == '\n'))
		return 1;
	if (n >= 2 && u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (n >= 3 && u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x80 && u[2] <= 0x8b)
		return 3;
	if (n >= 3 && u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

/*
 * Trims in->text in place: blanks at both ends and, in a group
 * (mentions), each leading "@name" with the blank after it.
 */
static void
dingtalk_trim(struct inbound *in, bool mentions)
{
	size_t start = 0, end = in->textlen, k;

	for (;;) {
		while (start < end && (k = dingtalk_blank(in->text + start, end - start)) > 0)
			start += k;
		if (!mentions || start == end || in->text[start] != '@')
			break;
		while (start < end && dingtalk_blank(in->text + start, end - start) == 0)
			start++;
	}
	for (;;) {
		size_t back = 0;

		for (k = 1; k <= 3 && k <= end - start; k++)
			if (dingtalk_blank(in->text + end - k, k) == k) {
				back = k;
				break;
			}
		if (back == 0)
			break;
		end -= back;
	}
	memmove(in->text, in->text + start, end - start);
	in->textlen = end - start;
	in->text[in->textlen] = '\0';
}

/* The string member name of obj, or NULL. */
static const char *
dingtalk_str(const cJSON *obj, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

/*
 * The reply context kept with the message: the session webhook and its
 * expiry, the conversation's type and id (for the OpenAPI's group send),
 * as JSON {"webhook":…,"expires":…,"conv":"1|2","cid":…}.  A webhook that
 * is not an http(s) URL, or too long to keep, is left out: the reply then
 * goes through the OpenAPI.
 */
static void
dingtalk_ctx(const cJSON *root, bool group, struct inbound *in)
{
	const char *hook = dingtalk_str(root, "sessionWebhook");
	const char *cid = dingtalk_str(root, "conversationId");
	int64_t expires = 0;
	struct jsonw w;

	if (hook != NULL && strncmp(hook, "http://", 7) != 0 && strncmp(hook, "https://", 8) != 0)
		hook = NULL;
	if (!channel_json_int(cJSON_GetObjectItemCaseSensitive(root, "sessionWebhookExpiredTime"), &expires))
		hook = NULL;
	if (cid != NULL && (strlen(cid) >= 160 || !jdec_printable(cid, strlen(cid))))
		cid = NULL;
	for (int pass = 0; pass < 2; pass++) {
		jsonw_init(&w, in->ctx, sizeof in->ctx);
		jsonw_obj(&w);
		if (hook != NULL && pass == 0) {
			jsonw_key(&w, "webhook");
			jsonw_str(&w, hook);
			jsonw_key(&w, "expires");
			jsonw_int(&w, expires);
		}
		jsonw_key(&w, "conv");
		jsonw_str(&w, group ? "2" : "1");
		if (cid != NULL) {
			jsonw_key(&w, "cid");
			jsonw_str(&w, cid);
		}
		jsonw_end(&w);
		if (jsonw_finish(&w) > 0)
			return;
	}
	in->ctx[0] = '\0';
}

/* Marks in as ignored for why (printf-style); the answer, if any, is set by the caller. */
static int
dingtalk_ignore(struct inbound *in, const char *fmt, const char *arg)
{
	in->ignore = true;
	snprintf(in->why, sizeof in->why, fmt, arg);
	return 200;
}

/* Reads one robot message (the signature already checked) into in. */
static int
dingtalk_message(const struct chat_conf *cc, const cJSON *root, struct inbound *in, char *err, size_t errlen)
{
	const char *msgid = dingtalk_str(root, "msgId"), *conv = dingtalk_str(root, "conversationType");
	const char *staff = dingtalk_str(root, "senderStaffId"), *type = dingtalk_str(root, "msgtype");
	const char *content = dingtalk_str(cJSON_GetObjectItemCaseSensitive(root, "text"), "content");
	bool group;
	int64_t at;

	if (msgid == NULL || msgid[0] == '\0') {
		snprintf(err, errlen, "msgId is missing or not a string");
		return 400;
	}
	channel_make_id("dingtalk", msgid, strlen(msgid), in->id, sizeof in->id);
	if (conv == NULL || (strcmp(conv, "1") != 0 && strcmp(conv, "2") != 0))
		return dingtalk_ignore(in, "message %s is in no 1:1 or group conversation", in->id);
	group = conv[0] == '2';
	/* In a group only what mentions the robot is meant for it. */
	if (group && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "isInAtList")))
		return dingtalk_ignore(in, "message %s in a group does not mention the robot", in->id);
	if (staff == NULL || staff[0] == '\0' || strlen(staff) > CB_ID_MAX - 9 ||
	    !payload_id_valid(staff, strlen(staff)))
		return dingtalk_ignore(in, "message %s: no usable senderStaffId (an outsider?)", in->id);
	snprintf(in->from, sizeof in->from, "dingtalk:%s", staff);
	dingtalk_ctx(root, group, in);
	if (channel_json_int(cJSON_GetObjectItemCaseSensitive(root, "createAt"), &at))
		in->sent_at = at / 1000;
	if (type == NULL || strcmp(type, "text") != 0 || content == NULL) {
		snprintf(in->answer, sizeof in->answer, "%s", cc->nontext_reply);
		return dingtalk_ignore(in, "message %s is not text", in->id);
	}
	if (!charset_clean_utf8(content, strlen(content), in->text, sizeof in->text, &in->textlen)) {
		snprintf(err, errlen, "text.content is too long");
		return 413;
	}
	dingtalk_trim(in, group);
	if (in->textlen == 0)
		return dingtalk_ignore(in, "message %s has no text besides the mention", in->id);
	return 200;
}

static int
dingtalk_parse(const struct chat_conf *cc, const struct webhook *w, struct inbound *in, char *err, size_t errlen)
{
	cJSON *root;
	char why[160];
	int status;

	if (strcmp(w->method, "POST") != 0) {
		snprintf(err, errlen, "use POST, not %s", w->method);
		return 405;
	}
	if ((status = dingtalk_signed(cc, w, err, errlen)) != 200)
		return status;
	root = cJSON_ParseWithLength(w->body, w->bodylen);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		snprintf(err, errlen, "body is not a JSON object");
		return 400;
	}
	if (jdec_strict(w->body, w->bodylen, root, why, sizeof why) != CB_OK) {
		cJSON_Delete(root);
		snprintf(err, errlen, "body is not plain JSON: %s", why);	/* a NUL, a member twice */
		return 400;
	}
	status = dingtalk_message(cc, root, in, err, errlen);
	cJSON_Delete(root);
	return status;
}

static bool
dingtalk_token_req(const struct chat_conf *cc, struct outreq *req, char *err, size_t errlen)
{
	struct jsonw w;
	int n;

	outreq_reset(req);
	n = snprintf(req->url, sizeof req->url, "%s/v1.0/oauth2/accessToken", cc->api);
	if (n < 0 || (size_t)n >= sizeof req->url) {
		snprintf(err, errlen, "[dingtalk %s] api makes too long a URL", cc->name);
		return false;
	}
	req->post = true;
	snprintf(req->ctype, sizeof req->ctype, "application/json");
	jsonw_init(&w, req->body, sizeof req->body);
	jsonw_obj(&w);
	jsonw_key(&w, "appKey");
	jsonw_str(&w, cc->receiver);
	jsonw_key(&w, "appSecret");
	jsonw_str(&w, cc->secret);
	jsonw_end(&w);
	if ((req->bodylen = jsonw_finish(&w)) == 0) {
		snprintf(err, errlen, "[dingtalk %s] the token request does not fit", cc->name);
		return false;
	}
	return true;
}

/* Parses body as a JSON object, refusing what two readers would read differently; NULL if not one. */
static cJSON *
dingtalk_json(const char *body, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(body, len);

	if (!cJSON_IsObject(root) || jdec_strict(body, len, root, NULL, 0) != CB_OK) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/*
 * {"accessToken":"…","expireIn":7200} is a token; an error answers
 * {"code":"…","message":"…"} (a wrong AppKey or AppSecret, say).
 */
static bool
dingtalk_token_read(int status, const char *body, size_t len, char *token, size_t tokensize,
    int64_t *expires_s, char *err, size_t errlen)
{
	cJSON *root = dingtalk_json(body, len);
	const char *tok = dingtalk_str(root, "accessToken"), *code = dingtalk_str(root, "code");
	const char *msg = dingtalk_str(root, "message");
	bool ok = false;

	if (status == 200 && tok != NULL && tok[0] != '\0' && strlen(tok) < tokensize &&
	    channel_json_int(cJSON_GetObjectItemCaseSensitive(root, "expireIn"), expires_s) && *expires_s > 0) {
		snprintf(token, tokensize, "%s", tok);
		ok = true;
	} else {
		snprintf(err, errlen, "oauth2/accessToken: HTTP %d %.60s %.100s", status, code ? code : "",
		    msg ? msg : (root == NULL ? "(no JSON answer)" : "(no accessToken)"));
	}
	cJSON_Delete(root);
	return ok;
}

/* What reply() reads back out of the context dingtalk_ctx wrote. */
struct dingtalk_ctx {
	char webhook[OUTREQ_URL_MAX];
	int64_t expires;
	bool group;
	char cid[160];
};

/* Reads ctx ("" for outbox messages: 1:1 through the OpenAPI). */
static void
dingtalk_ctx_read(const char *ctx, struct dingtalk_ctx *c)
{
	cJSON *root = ctx[0] != '\0' ? dingtalk_json(ctx, strlen(ctx)) : NULL;
	const char *hook = dingtalk_str(root, "webhook"), *conv = dingtalk_str(root, "conv");
	const char *cid = dingtalk_str(root, "cid");

	memset(c, 0, sizeof *c);
	if (hook != NULL && strlen(hook) < sizeof c->webhook &&
	    channel_json_int(cJSON_GetObjectItemCaseSensitive(root, "expires"), &c->expires))
		snprintf(c->webhook, sizeof c->webhook, "%s", hook);
	c->group = conv != NULL && strcmp(conv, "2") == 0;
	if (cid != NULL && strlen(cid) < sizeof c->cid)
		snprintf(c->cid, sizeof c->cid, "%s", cid);
	cJSON_Delete(root);
}

/* True while ctx holds a session webhook valid at now: the reply goes there and needs no token. */
static bool
dingtalk_hook_valid(const struct dingtalk_ctx *c, int64_t now)
{
	return c->webhook[0] != '\0' && now < c->expires - DT_WEBHOOK_MARGIN;
}

/* chat_ops.needs_token: only a reply through the OpenAPI (no valid session webhook) needs one. */
static bool
dingtalk_needs_token(const struct chat_conf *cc, const char *ctx, int64_t now)
{
	struct dingtalk_ctx c;

	(void)cc;
	dingtalk_ctx_read(ctx, &c);
	return !dingtalk_hook_valid(&c, now);
}

/* The session webhook's body: the text, and in a group an @ of the sender. */
static void
dingtalk_webhook_body(struct jsonw *w, const char *staff, bool group, const char *text)
{
	jsonw_obj(w);
	jsonw_key(w, "msgtype");
	jsonw_str(w, "text");
	jsonw_key(w, "text");
	jsonw_obj(w);
	jsonw_key(w, "content");
	jsonw_str(w, text);
	jsonw_end(w);
	if (group) {
		jsonw_key(w, "at");
		jsonw_obj(w);
		jsonw_key(w, "atUserIds");
		jsonw_arr(w);
		jsonw_str(w, staff);
		jsonw_end(w);
		jsonw_end(w);
	}
	jsonw_end(w);
}

/*
 * The OpenAPI's body: the robotCode, the person (userIds) or the group
 * (openConversationId), and the text as sampleText, whose msgParam is
 * itself a JSON string.
 */
static bool
dingtalk_api_body(struct jsonw *w, const struct chat_conf *cc, const char *staff, const char *cid,
    const char *text)
{
	char param[CB_REPLY_MAX * 6 + 32];
	struct jsonw p;

	jsonw_init(&p, param, sizeof param);
	jsonw_obj(&p);
	jsonw_key(&p, "content");
	jsonw_str(&p, text);
	jsonw_end(&p);
	if (jsonw_finish(&p) == 0)
		return false;
	jsonw_obj(w);
	jsonw_key(w, "robotCode");
	jsonw_str(w, dingtalk_robot(cc));
	if (cid != NULL) {
		jsonw_key(w, "openConversationId");
		jsonw_str(w, cid);
	} else {
		jsonw_key(w, "userIds");
		jsonw_arr(w);
		jsonw_str(w, staff);
		jsonw_end(w);
	}
	jsonw_key(w, "msgKey");
	jsonw_str(w, "sampleText");
	jsonw_key(w, "msgParam");
	jsonw_str(w, param);
	jsonw_end(w);
	return true;
}

/*
 * Builds the reply to `to` ("dingtalk:<staffId>"): through the session
 * webhook ctx holds while it is valid at now, else through the OpenAPI
 * with token (false when there is none yet, or it does not fit).
 */
static bool
dingtalk_reply(const struct chat_conf *cc, int64_t now, const char *id, const char *to, const char *ctx,
    const char *token, const char *text, struct outreq *req, char *err, size_t errlen)
{
	const char *staff = to + 9;
	struct dingtalk_ctx c;
	struct jsonw w;
	bool hook;
	int n;

	outreq_reset(req);
	if (strncmp(to, "dingtalk:", 9) != 0 || staff[0] == '\0') {
		snprintf(err, errlen, "reply %s: \"%s\" is not a DingTalk staff id", id, to);
		return false;
	}
	dingtalk_ctx_read(ctx, &c);
	hook = dingtalk_hook_valid(&c, now);
	req->post = true;
	snprintf(req->ctype, sizeof req->ctype, "application/json");
	jsonw_init(&w, req->body, sizeof req->body);
	if (hook) {
		snprintf(req->url, sizeof req->url, "%s", c.webhook);
		dingtalk_webhook_body(&w, staff, c.group, text);
	} else {
		bool group = c.group && c.cid[0] != '\0';

		if (token[0] == '\0' || !outreq_header(req, "x-acs-dingtalk-access-token", token)) {
			snprintf(err, errlen, "reply %s: the OpenAPI needs an access token, and there is %s", id,
			    token[0] == '\0' ? "none" : "one too long");
			return false;
		}
		n = snprintf(req->url, sizeof req->url, "%s%s", cc->api,
		    group ? "/v1.0/robot/groupMessages/send" : "/v1.0/robot/oToMessages/batchSend");
		if (n < 0 || (size_t)n >= sizeof req->url || !dingtalk_api_body(&w, cc, staff, group ? c.cid : NULL,
		    text)) {
			snprintf(err, errlen, "reply %s does not fit in a request", id);
			return false;
		}
	}
	if ((req->bodylen = jsonw_finish(&w)) == 0) {
		snprintf(err, errlen, "reply %s does not fit in a request body", id);
		return false;
	}
	return true;
}

/* True if the OpenAPI's error code says the token is bad (expired, revoked, malformed). */
static bool
dingtalk_token_error(const char *code)
{
	return code != NULL && (strcmp(code, "InvalidAuthentication") == 0 ||
	    strstr(code, "AccessToken") != NULL || strstr(code, "accessToken") != NULL);
}

/* True if the person's id is in the member `list` (an array of strings) of the batchSend answer. */
static bool
dingtalk_listed(const cJSON *root, const char *list)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, list);

	return cJSON_IsArray(a) && cJSON_GetArraySize(a) > 0;
}

/*
 * The session webhook answers {"errcode":0,"errmsg":"ok"}; the OpenAPI 200
 * with a processQueryKey (and the people it could not reach in
 * invalidStaffIdList, those over their rate in flowControlledStaffIdList)
 * or an error status with {"code","message"}.  A refused token asks for a
 * new one; rate limits, 5xx and no answer are retried; the rest fail.
 */
static enum send_verdict
dingtalk_judge(int status, const char *body, size_t len, char *note, size_t notelen)
{
	cJSON *root = dingtalk_json(body, len);
	const cJSON *errcode = cJSON_GetObjectItemCaseSensitive(root, "errcode");
	const char *code = dingtalk_str(root, "code"), *msg = dingtalk_str(root, "message");
	enum send_verdict v;
	int64_t ec = -1;

	if (cJSON_IsNumber(errcode)) {
		/* The session webhook: 0 is delivery; 130101 is "too fast". */
		(void)channel_json_int(errcode, &ec);
		msg = dingtalk_str(root, "errmsg");
		v = status == 200 && ec == 0 ? SEND_OK : (ec == 130101 || status == 0 || status >= 500 ||
		    status == 429) ? SEND_RETRY : SEND_FAIL;
	} else if (status == 200 && root != NULL && code == NULL) {
		v = dingtalk_listed(root, "invalidStaffIdList") ? SEND_FAIL :
		    dingtalk_listed(root, "flowControlledStaffIdList") ? SEND_RETRY : SEND_OK;
		if (v != SEND_OK)
			msg = v == SEND_FAIL ? "the person is not reachable (invalidStaffIdList)" :
			    "the person is over the rate limit (flowControlledStaffIdList)";
	} else if (status == 401 || dingtalk_token_error(code)) {
		v = SEND_TOKEN;
	} else if (status == 0 || status == 429 || status >= 500 ||
	    (code != NULL && (strstr(code, "QpsLimit") != NULL || strstr(code, "Throttling") != NULL))) {
		v = SEND_RETRY;
	} else {
		v = SEND_FAIL;
	}
	if (v != SEND_OK && ec >= 0)
		snprintf(note, notelen, "dingtalk: HTTP %d errcode %lld %.100s", status, (long long)ec,
		    msg ? msg : "");
	else if (v != SEND_OK)
		snprintf(note, notelen, "dingtalk: HTTP %d %.60s %.100s", status, code ? code : "",
		    msg ? msg : "");
	cJSON_Delete(root);
	return v;
}

const struct chat_ops ch_dingtalk = {
	.platform = "dingtalk",
	.table = dingtalk_table,
	.check = dingtalk_check,
	.parse = dingtalk_parse,
	.passive = NULL,
	.token_req = dingtalk_token_req,
	.needs_token = dingtalk_needs_token,
	.token_read = dingtalk_token_read,
	.reply = dingtalk_reply,
	.judge = dingtalk_judge,
};
