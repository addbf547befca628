/*
 * ch_feishu.c — a Feishu (飞书) or Lark custom app's bot.
 *
 * In: Feishu POSTs event subscriptions to /feishu/<name> as JSON.  With an
 * Encrypt Key set (aes-key, recommended) the body is {"encrypt":"…"}
 * (feishu_crypto.c) and the request carries X-Lark-Signature over its
 * timestamp, nonce, the key and the raw body: a wrong one is 403 and
 * nothing else is read; a request without one is accepted only when it is
 * the URL check.  Every event's Verification Token (`token`; header.token
 * in schema 2.0) must be ours (403).  Then:
 *   - url_verification: answered {"challenge":…} and nothing else done;
 *   - im.message.receive_v1 with a text message in a 1:1 chat (p2p), or in
 *     a group when it mentions the bot: a report from
 *     "feishu:<sender open_id>" with the id "feishu:<header.event_id>"
 *     (Feishu retries on the same event_id).  The text is a JSON string
 *     inside the event ({"text":"@_user_1 牲畜 牛12"}): the @_user_N
 *     placeholders of mentions are taken out;
 *   - any other message type: not a report, the sender gets nontext-reply;
 *   - other events, messages from apps, group chatter: ignored (200).
 *
 * Out: a tenant access token from POST
 * <api>/open-apis/auth/v3/tenant_access_token/internal {app_id, app_secret},
 * then POST <api>/open-apis/im/v1/messages/<message_id>/reply (a reply to
 * the message, in its chat) or, for outbox messages,
 * <api>/open-apis/im/v1/messages?receive_id_type=open_id, with
 * Authorization: Bearer <token>.  Each request carries a uuid made from the
 * reply's id: Feishu sends one message per uuid within an hour, so a reply
 * repeated after a crash of the bridge is not shown twice.
 *
 * Settings (a [feishu <name>] section): receiver (App ID), secret or
 * secret-file (App Secret), token or token-file (Verification Token),
 * aes-key or aes-key-file (Encrypt Key), agent-id (the bot's open_id:
 * in groups only messages that mention it count), api, nontext-reply.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bridge.h"
#include "chatdf.h"
#include "jdec.h"
#include "jsonw.h"


#define FS_API_DEFAULT "https://open.feishu.cn"
#define FS_RECEIVE "im.message.receive_v1"
/* Said to anyone who sends a picture, a voice message, a file… instead of text. */
#define CHAT_NONTEXT_REPLY "只能读文字消息。请用文字发送，例如：牲畜 牛12 猪40 羊5；如需改数，请发：更正 加上正确的内容"

static const struct conf_entry feishu_table[] = {
	{ "receiver", CONF_STR, CHAT_M(receiver), 0, 0, "", "the app's App ID (cli_…)" },
	{ "secret", CONF_STR, CHAT_M(secret), 0, 0, "", "the app's App Secret (for the tenant access token)" },
	{ "secret-file", CONF_STR, CHAT_M(secret_file), 0, 0, "", "file holding the App Secret (its first line)" },
	{ "token", CONF_STR, CHAT_M(token), 0, 0, "", "the event subscription's Verification Token" },
	{ "token-file", CONF_STR, CHAT_M(token_file), 0, 0, "", "file holding the Verification Token" },
	{ "aes-key", CONF_STR, CHAT_M(aes_key), 0, 0, "", "the event subscription's Encrypt Key (events encrypted and signed)" },
	{ "aes-key-file", CONF_STR, CHAT_M(aes_key_file), 0, 0, "", "file holding the Encrypt Key" },
	{ "agent-id", CONF_STR, CHAT_M(agent_id), 0, 0, "", "the bot's open_id: in a group only messages mentioning it count (empty: any mention)" },
	{ "api", CONF_STR, CHAT_M(api), 0, 0, FS_API_DEFAULT, "Open API base URL (Lark: https://open.larksuite.com)" },
	{ "reply", CONF_STR, CHAT_M(reply), 0, 0, "api", "api: im/v1/messages (Feishu takes no passive reply)" },
	{ "nontext-reply", CONF_STR, CHAT_M(nontext_reply), 0, 0, CHAT_NONTEXT_REPLY, "answer to pictures, voice, files (empty: none)" },
	{ .key = NULL },
};

/* Counts a problem when value and its file (NULL: none) are both empty. */
static int
feishu_need(const struct chat_conf *cc, const char *key, const char *value, const char *file, const char *what,
    char *err, size_t errlen)
{
	if (value[0] != '\0' || (file != NULL && file[0] != '\0'))
		return 0;
	if (file == NULL)
		return chat_err(cc, err, errlen, "%s: %s is required", key, what);
	return chat_err(cc, err, errlen, "%s: %s is required (%s or %s-file)", key, what, key, key);
}

/* What Feishu needs beyond the checks every instance gets (chat_check_common: reply, api). */
static int
feishu_check(const struct chat_conf *cc, char *err, size_t errlen)
{
	return feishu_need(cc, "receiver", cc->receiver, NULL, "the App ID", err, errlen) +
	    feishu_need(cc, "secret", cc->secret, cc->secret_file, "the App Secret", err, errlen) +
	    feishu_need(cc, "token", cc->token, cc->token_file, "the Verification Token", err, errlen);
}

/* The string member name of obj, or NULL. */
static const char *
fs_str(const cJSON *obj, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

/* Parses buf as a JSON object, refusing what two readers would read differently; NULL (err) if not one. */
static cJSON *
fs_json(const char *buf, size_t len, const char *what, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(buf, len);
	char why[160];

	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "%s is not a JSON object", what);
	} else if (jdec_strict(buf, len, root, why, sizeof why) != CB_OK) {
		snprintf(err, errlen, "%s is not plain JSON: %.100s", what, why);	/* a NUL, a member twice */
	} else {
		return root;
	}
	cJSON_Delete(root);
	return NULL;
}

/*
 * Checks X-Lark-Signature when there is one.  Returns 200 with *signed
 * true (checked) or false (absent), or 403 (wrong) with err set.
 */
static int
fs_signed(const struct chat_conf *cc, const struct webhook *w, bool *sig_ok, char *err, size_t errlen)
{
	const char *sig = webhook_header(w, "X-Lark-Signature");
	const char *ts = webhook_header(w, "X-Lark-Request-Timestamp");
	const char *nonce = webhook_header(w, "X-Lark-Request-Nonce");
	char want[65];

	*sig_ok = false;
	if (sig == NULL)
		return 200;
	if (ts == NULL || nonce == NULL) {
		snprintf(err, errlen, "X-Lark-Signature without X-Lark-Request-Timestamp and -Nonce");
		return 403;
	}
	feishu_signature(ts, nonce, cc->aes_key, w->body, w->bodylen, want);
	if (want[0] == '\0' || !sig_equal(want, sig)) {
		snprintf(err, errlen, "X-Lark-Signature is wrong (not SHA-256 of timestamp, nonce, Encrypt Key "
		    "and body)");
		return 403;
	}
	*sig_ok = true;
	return 200;
}

/*
 * The event's JSON: the body itself, or with an Encrypt Key the body's
 * `encrypt` member decrypted into *plain (malloc'd, the caller frees).
 * NULL with the status in *status and err set.
 */
static cJSON *
fs_event_json(const struct chat_conf *cc, const struct webhook *w, char **plain, int *status, char *err,
    size_t errlen)
{
	cJSON *outer = fs_json(w->body, w->bodylen, "body", err, errlen), *inner;
	const char *enc = fs_str(outer, "encrypt");
	size_t len;

	*plain = NULL;
	*status = 400;
	if (outer == NULL)
		return NULL;
	if (cc->aes_key[0] == '\0') {
		if (enc == NULL)
			return outer;
		snprintf(err, errlen, "the body is encrypted but no aes-key (Encrypt Key) is set");
		cJSON_Delete(outer);
		return NULL;
	}
	if (enc == NULL) {
		snprintf(err, errlen, "the body has no encrypt member (an Encrypt Key is set)");
		cJSON_Delete(outer);
		return NULL;
	}
	if ((*plain = malloc(w->bodylen + 1)) == NULL ||
	    !feishu_decrypt(cc->aes_key, enc, strlen(enc), *plain, w->bodylen + 1, &len, err, errlen)) {
		if (*plain == NULL)
			snprintf(err, errlen, "out of memory");
		*status = *plain == NULL ? 503 : 403;	/* not ours: under another key */
		cJSON_Delete(outer);
		return NULL;
	}
	cJSON_Delete(outer);
	inner = fs_json(*plain, len, "the decrypted event", err, errlen);
	return inner;
}

/* True if the event's Verification Token (header.token in schema 2.0, else token) is ours. */
static bool
fs_token_ok(const struct chat_conf *cc, const cJSON *root)
{
	const cJSON *header = cJSON_GetObjectItemCaseSensitive(root, "header");
	const char *tok = fs_str(root, "schema") != NULL ? fs_str(header, "token") : fs_str(root, "token");

	return tok != NULL && cc->token[0] != '\0' && sig_equal(tok, cc->token);
}

/* Marks in as ignored, why naming the event. */
static int
fs_ignore(struct inbound *in, const char *what)
{
	in->ignore = true;
	snprintf(in->why, sizeof in->why, "event %s: %s", in->id, what);
	return 200;
}

/*
 * True if a group message is meant for the bot: one of its mentions is
 * the bot (agent-id, its open_id), or, when agent-id is not set, it
 * mentions anyone (an app with only the "@bot messages in groups" scope
 * gets no other group messages).
 */
static bool
fs_mentions_bot(const struct chat_conf *cc, const cJSON *msg)
{
	const cJSON *mentions = cJSON_GetObjectItemCaseSensitive(msg, "mentions"), *m;

	if (!cJSON_IsArray(mentions) || cJSON_GetArraySize(mentions) == 0)
		return false;
	if (cc->agent_id[0] == '\0')
		return true;
	cJSON_ArrayForEach(m, mentions) {
		const char *oid = fs_str(cJSON_GetObjectItemCaseSensitive(m, "id"), "open_id");

		if (oid != NULL && strcmp(oid, cc->agent_id) == 0)
			return true;
	}
	return false;
}

/* Length of the blank at s[0..n) (ASCII blanks, no-break, U+2000–U+200B, ideographic space), 0 if none. */
static size_t
fs_blank(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n >= 1 && (u[0] == ' ' || u[0] == '\t' || u[0] == '\r' || u[0] == '\n'))
		return 1;
	if (n >= 2 && u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (n >= 3 && ((u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x80 && u[2] <= 0x8b) ||
	    (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)))
		return 3;
	return 0;
}

/*
 * Copies text into in->text without the mention placeholders
 * ("@_user_1", "@_all") and the blanks around the whole; false if it
 * does not fit.
 */
static bool
fs_text(const char *text, struct inbound *in)
{
	size_t n = strlen(text), i = 0, o = 0, k;
	char buf[CB_PAYLOAD_MAX];

	while (i < n) {
		if (strncmp(text + i, "@_user_", 7) == 0 && text[i + 7] >= '0' && text[i + 7] <= '9') {
			for (i += 7; text[i] >= '0' && text[i] <= '9'; i++)
				;
			continue;
		}
		if (strncmp(text + i, "@_all", 5) == 0) {
			i += 5;
			continue;
		}
		if (o + 1 >= sizeof buf)
			return false;
		buf[o++] = text[i++];
	}
	/* Blanks at both ends; those a placeholder left inside stay (one space is a separator). */
	for (i = 0; i < o && (k = fs_blank(buf + i, o - i)) > 0; i += k)
		;
	while (o > i) {
		size_t back = 0;

		for (k = 1; k <= 3 && k <= o - i; k++)
			if (fs_blank(buf + o - k, k) == k) {
				back = k;
				break;
			}
		if (back == 0)
			break;
		o -= back;
	}
	return charset_clean_utf8(buf + i, o - i, in->text, sizeof in->text, &in->textlen);
}

/* True if s is a Feishu id usable in a URL path and a context: [A-Za-z0-9_-]{1,127}. */
static bool
fs_id_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0, i;

	if (n == 0 || n > 127)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* Keeps the message's id and chat as the reply context: {"message_id":…,"chat_id":…}. */
static void
fs_ctx(const char *message_id, const char *chat_id, struct inbound *in)
{
	struct jsonw w;

	jsonw_init(&w, in->ctx, sizeof in->ctx);
	jsonw_obj(&w);
	jsonw_key(&w, "message_id");
	jsonw_str(&w, message_id);
	if (fs_id_ok(chat_id)) {
		jsonw_key(&w, "chat_id");
		jsonw_str(&w, chat_id);
	}
	jsonw_end(&w);
	if (jsonw_finish(&w) == 0)
		in->ctx[0] = '\0';
}

/* Reads an im.message.receive_v1 event (authenticated, in->id set) into in. */
static int
fs_message(const struct chat_conf *cc, const cJSON *event, struct inbound *in, char *err, size_t errlen)
{
	const cJSON *sender = cJSON_GetObjectItemCaseSensitive(event, "sender");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(event, "message");
	const char *stype = fs_str(sender, "sender_type");
	const char *oid = fs_str(cJSON_GetObjectItemCaseSensitive(sender, "sender_id"), "open_id");
	const char *mid = fs_str(msg, "message_id"), *chat = fs_str(msg, "chat_type");
	const char *type = fs_str(msg, "message_type"), *content = fs_str(msg, "content");
	const char *created = fs_str(msg, "create_time");
	const char *text;
	cJSON *c;
	bool ok;

	if (stype != NULL && strcmp(stype, "user") != 0)
		return fs_ignore(in, "the message is from an app, not a person");
	if (!fs_id_ok(oid) || strlen(oid) > CB_ID_MAX - 7) {
		snprintf(err, errlen, "event.sender.sender_id.open_id is missing or not an id");
		return 400;
	}
	if (!fs_id_ok(mid)) {
		snprintf(err, errlen, "event.message.message_id is missing or not an id");
		return 400;
	}
	if (chat == NULL || (strcmp(chat, "p2p") != 0 && !fs_mentions_bot(cc, msg)))
		return fs_ignore(in, "a group message that does not mention the bot");
	snprintf(in->from, sizeof in->from, "feishu:%s", oid);
	fs_ctx(mid, fs_str(msg, "chat_id"), in);
	if (created != NULL)
		in->sent_at = strtoll(created, NULL, 10) / 1000;
	if (type == NULL || strcmp(type, "text") != 0 || content == NULL) {
		snprintf(in->answer, sizeof in->answer, "%s", cc->nontext_reply);
		return fs_ignore(in, "the message is not text");
	}
	if ((c = fs_json(content, strlen(content), "event.message.content", err, errlen)) == NULL)
		return 400;
	text = fs_str(c, "text");
	ok = text != NULL && fs_text(text, in);
	cJSON_Delete(c);
	if (!ok) {
		snprintf(err, errlen, "event.message.content has no text, or too long a one");
		return text == NULL ? 400 : 413;
	}
	if (in->textlen == 0)
		return fs_ignore(in, "no text besides the mentions");
	return 200;
}

/* Answers a url_verification with {"challenge":…}; the token was checked. */
static int
fs_challenge(const cJSON *root, struct inbound *in, char *err, size_t errlen)
{
	const char *ch = fs_str(root, "challenge");
	struct jsonw w;

	if (ch == NULL) {
		snprintf(err, errlen, "url_verification without a challenge");
		return 400;
	}
	jsonw_init(&w, in->resp, sizeof in->resp);
	jsonw_obj(&w);
	jsonw_key(&w, "challenge");
	jsonw_str(&w, ch);
	jsonw_end(&w);
	if ((in->resplen = jsonw_finish(&w)) == 0) {
		snprintf(err, errlen, "url_verification: the challenge is too long");
		return 400;
	}
	snprintf(in->resp_ctype, sizeof in->resp_ctype, "application/json");
	in->verify = true;
	return 200;
}

/* Reads an authenticated event. */
static int
fs_event(const struct chat_conf *cc, const cJSON *root, bool sig_ok, struct inbound *in, char *err,
    size_t errlen)
{
	const cJSON *header = cJSON_GetObjectItemCaseSensitive(root, "header");
	const char *type = fs_str(root, "type"), *schema = fs_str(root, "schema");
	const char *eid = fs_str(header, "event_id"), *etype = fs_str(header, "event_type");

	if (!fs_token_ok(cc, root)) {
		snprintf(err, errlen, "the Verification Token is missing or wrong");
		return 403;
	}
	if (type != NULL && strcmp(type, "url_verification") == 0)
		return fs_challenge(root, in, err, errlen);
	/* Only the URL check comes unsigned; an event without X-Lark-Signature may be a replay. */
	if (cc->aes_key[0] != '\0' && !sig_ok) {
		snprintf(err, errlen, "X-Lark-Signature is missing");
		return 403;
	}
	if (schema == NULL || strcmp(schema, "2.0") != 0) {
		const char *uuid = fs_str(root, "uuid");

		channel_make_id("feishu", uuid ? uuid : "", uuid ? strlen(uuid) : 0, in->id, sizeof in->id);
		return fs_ignore(in, "an event of schema 1.0");
	}
	if (eid == NULL || eid[0] == '\0') {
		snprintf(err, errlen, "header.event_id is missing");
		return 400;
	}
	channel_make_id("feishu", eid, strlen(eid), in->id, sizeof in->id);
	if (etype == NULL || strcmp(etype, FS_RECEIVE) != 0)
		return fs_ignore(in, "not " FS_RECEIVE);
	return fs_message(cc, cJSON_GetObjectItemCaseSensitive(root, "event"), in, err, errlen);
}

static int
feishu_parse(const struct chat_conf *cc, const struct webhook *w, struct inbound *in, char *err, size_t errlen)
{
	char *plain = NULL;
	cJSON *root;
	bool sig_ok = false;
	int status;

	if (strcmp(w->method, "POST") != 0) {
		snprintf(err, errlen, "use POST, not %s", w->method);
		return 405;
	}
	if (cc->aes_key[0] != '\0' && (status = fs_signed(cc, w, &sig_ok, err, errlen)) != 200)
		return status;
	if ((root = fs_event_json(cc, w, &plain, &status, err, errlen)) == NULL) {
		free(plain);
		return status;
	}
	status = fs_event(cc, root, cc->aes_key[0] != '\0' && sig_ok, in, err, errlen);
	cJSON_Delete(root);
	free(plain);
	return status;
}

/* url = api + path (printf-style); false (err) if it does not fit. */
static bool
fs_url(struct outreq *req, const struct chat_conf *cc, const char *path, const char *arg, char *err, size_t errlen)
{
	int n = snprintf(req->url, sizeof req->url, "%s", cc->api);
	int m = n < 0 || (size_t)n >= sizeof req->url ? -1 :
	    snprintf(req->url + n, sizeof req->url - (size_t)n, path, arg);

	if (m < 0 || (size_t)(n + m) >= sizeof req->url) {
		snprintf(err, errlen, "[feishu %s] api makes too long a URL", cc->name);
		return false;
	}
	return true;
}

static bool
feishu_token_req(const struct chat_conf *cc, struct outreq *req, char *err, size_t errlen)
{
	struct jsonw w;

	outreq_reset(req);
	if (!fs_url(req, cc, "/open-apis/auth/v3/tenant_access_token/internal%s", "", err, errlen))
		return false;
	req->post = true;
	snprintf(req->ctype, sizeof req->ctype, "application/json; charset=utf-8");
	jsonw_init(&w, req->body, sizeof req->body);
	jsonw_obj(&w);
	jsonw_key(&w, "app_id");
	jsonw_str(&w, cc->receiver);
	jsonw_key(&w, "app_secret");
	jsonw_str(&w, cc->secret);
	jsonw_end(&w);
	if ((req->bodylen = jsonw_finish(&w)) == 0) {
		snprintf(err, errlen, "[feishu %s] the token request does not fit", cc->name);
		return false;
	}
	return true;
}

/* {"code":0,"tenant_access_token":"t-…","expire":7200} is a token; any other code is a refusal. */
static bool
feishu_token_read(int status, const char *body, size_t len, char *token, size_t tokensize,
    int64_t *expires_s, char *err, size_t errlen)
{
	char why[160];
	cJSON *root = fs_json(body, len, "the answer", why, sizeof why);
	const char *tok = fs_str(root, "tenant_access_token"), *msg = fs_str(root, "msg");
	int64_t code = -1;
	bool ok = false;

	(void)channel_json_int(cJSON_GetObjectItemCaseSensitive(root, "code"), &code);
	if (status == 200 && code == 0 && tok != NULL && tok[0] != '\0' && strlen(tok) < tokensize &&
	    strlen(tok) + 7 < sizeof ((struct outreq *)0)->hdrs[0].value &&
	    channel_json_int(cJSON_GetObjectItemCaseSensitive(root, "expire"), expires_s) && *expires_s > 0) {
		snprintf(token, tokensize, "%s", tok);
		ok = true;
	} else {
		snprintf(err, errlen, "tenant_access_token: HTTP %d code %lld %.100s", status, (long long)code,
		    msg ? msg : root == NULL ? why : "(no usable token)");
	}
	cJSON_Delete(root);
	return ok;
}

/*
 * Builds the reply to `to` ("feishu:<open_id>"): a reply to the message
 * ctx names, or (no context: an outbox message) a new message to the
 * person.  The text travels as the JSON string content {"text":…}.
 */
static bool
feishu_reply(const struct chat_conf *cc, int64_t now, const char *id, const char *to, const char *ctx,
    const char *token, const char *text, struct outreq *req, char *err, size_t errlen)
{
	char content[CB_REPLY_MAX * 6 + 32], auth[160], uuid[SIG_HEX_LEN + 1], why[160];
	cJSON *c = ctx[0] != '\0' ? fs_json(ctx, strlen(ctx), "ctx", why, sizeof why) : NULL;
	const char *mid = fs_str(c, "message_id");
	struct jsonw w;
	bool ok;

	outreq_reset(req);
	if (strncmp(to, "feishu:", 7) != 0 || !fs_id_ok(to + 7)) {
		snprintf(err, errlen, "reply %s: \"%s\" is not a Feishu open_id", id, to);
		cJSON_Delete(c);
		return false;
	}
	ok = fs_id_ok(mid) ? fs_url(req, cc, "/open-apis/im/v1/messages/%s/reply", mid, err, errlen) :
	    fs_url(req, cc, "/open-apis/im/v1/messages?receive_id_type=open_id%s", "", err, errlen);
	cJSON_Delete(c);
	snprintf(auth, sizeof auth, "Bearer %s", token);
	if (!ok || token[0] == '\0' || !outreq_header(req, "Authorization", auth)) {
		if (ok)
			snprintf(err, errlen, "reply %s: no usable tenant access token", id);
		return false;
	}
	req->post = true;
	snprintf(req->ctype, sizeof req->ctype, "application/json; charset=utf-8");
	jsonw_init(&w, content, sizeof content);
	jsonw_obj(&w);
	jsonw_key(&w, "text");
	jsonw_str(&w, text);
	jsonw_end(&w);
	ok = jsonw_finish(&w) > 0;
	/* Feishu sends one message per uuid (at most 50 characters) within an hour. */
	sig_hmac_hex("cunbao-reply", id, strlen(id), uuid);
	uuid[40] = '\0';
	jsonw_init(&w, req->body, sizeof req->body);
	jsonw_obj(&w);
	if (strstr(req->url, "/reply") == NULL) {
		jsonw_key(&w, "receive_id");
		jsonw_str(&w, to + 7);
	}
	jsonw_key(&w, "msg_type");
	jsonw_str(&w, "text");
	jsonw_key(&w, "content");
	jsonw_str(&w, content);
	jsonw_key(&w, "uuid");
	jsonw_str(&w, uuid);
	jsonw_end(&w);
	if (!ok || (req->bodylen = jsonw_finish(&w)) == 0) {
		snprintf(err, errlen, "reply %s does not fit in a request body", id);
		return false;
	}
	return true;
}

/*
 * {"code":0} is delivery.  99991661 (no token), 99991663 (invalid) and
 * 99991664 (expired) ask for a new token; 99991400 and 230020 (rate
 * limits), 429, 5xx and no answer are retried; other codes (the bot is
 * not in the chat, the person out of the app's range) fail.
 */
static enum send_verdict
feishu_judge(int status, const char *body, size_t len, char *note, size_t notelen)
{
	char why[160];
	cJSON *root = fs_json(body, len, "the answer", why, sizeof why);
	const char *msg = fs_str(root, "msg");
	int64_t code = -1;
	enum send_verdict v;

	(void)channel_json_int(cJSON_GetObjectItemCaseSensitive(root, "code"), &code);
	if (status == 200 && code == 0)
		v = SEND_OK;
	else if (code == 99991661 || code == 99991663 || code == 99991664)
		v = SEND_TOKEN;
	else if (status == 0 || status == 429 || status >= 500 || code == 99991400 || code == 230020 ||
	    (root == NULL && status < 300))	/* an answer read differently by two readers: as none */
		v = SEND_RETRY;
	else
		v = SEND_FAIL;
	if (v != SEND_OK)
		snprintf(note, notelen, "feishu: HTTP %d code %lld %.100s", status, (long long)code,
		    msg ? msg : root == NULL ? "(no JSON answer)" : "");
	cJSON_Delete(root);
	return v;
}

const struct chat_ops ch_feishu = {
	.platform = "feishu",
	.table = feishu_table,
	.check = feishu_check,
	.parse = feishu_parse,
	.passive = NULL,
	.token_req = feishu_token_req,
	.token_read = feishu_token_read,
	.reply = feishu_reply,
	.judge = feishu_judge,
};
