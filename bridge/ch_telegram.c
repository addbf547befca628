/*
 * ch_telegram.c — a Telegram-style bot.
 *
 * In: the Bot API posts each Update as JSON to POST /telegram/webhook with
 * the header X-Telegram-Bot-Api-Secret-Token set to the secret given to
 * setWebhook; anything else is 401 and nothing is kept.  Only a new
 * `message` in a private chat is a report: its text (or a photo's caption)
 * is forwarded from "tg:<from.id>" (the person, never the chat) with the id
 * "tg:<update_id>".  Everything else is acknowledged with 200 and logged,
 * since Telegram would otherwise retry it for ever:
 *   - an `edited_message` is not counted again (it would add every `sum`
 *     field twice); the person is told to send 更正 instead
 *     (`telegram-edit-reply`, which the bridge itself sends);
 *   - a message in a group, supergroup or channel is not a report (anyone
 *     there could otherwise report as a registered member) and is not
 *     answered (a bot answering a group's chatter would be noise);
 *   - updates without text (stickers, joins), from bots, or of other kinds.
 *
 * Out: POST <telegram-api>/bot<token>/sendMessage {"chat_id":…,"text":…};
 * the API base is configurable so tests can point it at a local endpoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bridge.h"
#include "jdec.h"
#include "jsonw.h"

static bool
telegram_enabled(const struct bridge_conf *c)
{
	return c->telegram;
}

static int
telegram_check(const struct bridge_conf *c, char *err, size_t errlen)
{
	int n = channel_check_secret("telegram-secret", c->telegram_secret, "a secret token", err, errlen);

	if (c->telegram_token[0] == '\0') {
		err_append(err, errlen, "telegram-token: the bot token is required\n");
		n++;
	}
	return n + channel_check_url("telegram-api", c->telegram_api, err, errlen);
}

/* The sender of a message: from.id as "tg:<id>"; false (err) when absent. */
static bool
telegram_sender(const cJSON *msg, char *out, size_t outlen, char *err, size_t errlen)
{
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(msg, "from");
	int64_t id;

	if (!channel_json_int(cJSON_GetObjectItemCaseSensitive(from, "id"), &id)) {
		snprintf(err, errlen, "message.from.id is missing or not an integer");
		return false;
	}
	snprintf(out, outlen, "tg:%lld", (long long)id);
	return true;
}

/* True if msg was written in a private chat (with the bot alone). */
static bool
telegram_private(const cJSON *msg)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(msg, "chat"), "type");

	return cJSON_IsString(type) && strcmp(type->valuestring, "private") == 0;
}

/*
 * An edited message is never forwarded: the first version was counted.
 * In a private chat the person is answered with telegram-edit-reply (the
 * relay queues it under the update's id, so a resent update is answered
 * once); elsewhere it is ignored silently.
 */
static int
telegram_edit(const struct bridge_conf *c, const cJSON *msg, const char *raw, struct inbound *in,
    char *err, size_t errlen)
{
	in->ignore = true;
	snprintf(in->why, sizeof in->why, "update %s is an edit, not counted again", raw);
	if (!telegram_private(msg) || c->telegram_edit_reply[0] == '\0')
		return 200;
	if (!telegram_sender(msg, in->from, sizeof in->from, err, errlen))
		return 400;
	snprintf(in->answer, sizeof in->answer, "%s", c->telegram_edit_reply);
	return 200;
}

/* Reads update_id, sender, text and date out of one Update. */
static int
telegram_update(const struct bridge_conf *c, const cJSON *root, struct inbound *in, char *err, size_t errlen)
{
	const cJSON *msg, *text;
	int64_t update_id;
	char raw[32];

	if (!channel_json_int(cJSON_GetObjectItemCaseSensitive(root, "update_id"), &update_id)) {
		snprintf(err, errlen, "update_id is missing or not an integer");
		return 400;
	}
	snprintf(raw, sizeof raw, "%lld", (long long)update_id);
	channel_make_id("tg", raw, strlen(raw), in->id, sizeof in->id);
	if (cJSON_IsObject(msg = cJSON_GetObjectItemCaseSensitive(root, "edited_message")))
		return telegram_edit(c, msg, raw, in, err, errlen);
	if (!cJSON_IsObject(msg = cJSON_GetObjectItemCaseSensitive(root, "message"))) {
		in->ignore = true;
		snprintf(in->why, sizeof in->why, "update %s carries no new message", raw);
		return 200;
	}
	if (!telegram_private(msg)) {
		in->ignore = true;
		snprintf(in->why, sizeof in->why, "update %s is not from a private chat", raw);
		return 200;
	}
	if (!telegram_sender(msg, in->from, sizeof in->from, err, errlen))
		return 400;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(msg, "from"),
	    "is_bot"))) {
		in->ignore = true;
		snprintf(in->why, sizeof in->why, "update %s is from a bot", raw);
		return 200;
	}
	text = cJSON_GetObjectItemCaseSensitive(msg, "text");
	if (!cJSON_IsString(text))
		text = cJSON_GetObjectItemCaseSensitive(msg, "caption");
	if (!cJSON_IsString(text)) {
		in->ignore = true;
		snprintf(in->why, sizeof in->why, "update %s has no text", raw);
		return 200;
	}
	if (!charset_clean_utf8(text->valuestring, strlen(text->valuestring), in->text,
	    sizeof in->text, &in->textlen)) {
		snprintf(err, errlen, "text is too long");
		return 413;
	}
	if (!channel_json_int(cJSON_GetObjectItemCaseSensitive(msg, "date"), &in->sent_at))
		in->sent_at = 0;
	return 200;
}

static int
telegram_parse(const struct bridge_conf *c, const struct webhook *w, struct inbound *in,
    char *err, size_t errlen)
{
	const char *token = webhook_header(w, "X-Telegram-Bot-Api-Secret-Token");
	cJSON *root;
	int status;

	if (strcmp(w->method, "POST") != 0) {
		snprintf(err, errlen, "use POST, not %s", w->method);
		return 405;
	}
	if (token == NULL || c->telegram_secret[0] == '\0' || !sig_equal(token, c->telegram_secret)) {
		snprintf(err, errlen, "X-Telegram-Bot-Api-Secret-Token is missing or wrong");
		return 401;
	}
	root = cJSON_ParseWithLength(w->body, w->bodylen);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		snprintf(err, errlen, "body is not a JSON object");
		return 400;
	}
	char why[160];
	if (jdec_strict(w->body, w->bodylen, root, why, sizeof why) != CB_OK) {
		cJSON_Delete(root);
		snprintf(err, errlen, "body is not plain JSON: %s", why);	/* a NUL, a member twice */
		return 400;
	}
	status = telegram_update(c, root, in, err, errlen);
	cJSON_Delete(root);
	return status;
}

static bool
telegram_reply(const struct bridge_conf *c, int64_t now, const char *id, const char *to, const char *text,
    struct outreq *req, char *err, size_t errlen)
{
	struct jsonw w;
	char *end;
	long long chat;
	int n;

	outreq_reset(req);
	if (strncmp(to, "tg:", 3) != 0 || (chat = strtoll(to + 3, &end, 10), *end != '\0' || end == to + 3)) {
		snprintf(err, errlen, "reply %s: \"%s\" is not a chat id", id, to);
		return false;
	}
	n = snprintf(req->url, sizeof req->url, "%s/bot%s/sendMessage", c->telegram_api, c->telegram_token);
	if (n < 0 || (size_t)n >= sizeof req->url) {
		snprintf(err, errlen, "telegram-api and token make too long a URL");
		return false;
	}
	req->post = true;
	snprintf(req->ctype, sizeof req->ctype, "application/json");
	jsonw_init(&w, req->body, sizeof req->body);
	jsonw_obj(&w);
	jsonw_key(&w, "chat_id");
	jsonw_int(&w, chat);
	jsonw_key(&w, "text");
	jsonw_str(&w, text);
	jsonw_end(&w);
	req->bodylen = jsonw_finish(&w);
	if (req->bodylen == 0) {
		snprintf(err, errlen, "reply %s does not fit in a request body", id);
		return false;
	}
	return true;
}

/*
 * 200 {"ok":true} is delivery; 400 (chat not found) and 403 (bot blocked)
 * will not get better by retrying; anything else (429, 5xx, no answer) may.
 */
static enum send_verdict
telegram_judge(int status, const char *body, size_t len, char *note, size_t notelen)
{
	cJSON *root = cJSON_ParseWithLength(body, len);

	if (root != NULL && jdec_strict(body, len, root, NULL, 0) != CB_OK) {
		cJSON_Delete(root);	/* read differently by two readers: as no answer at all */
		root = NULL;
	}
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(root, "ok");
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(root, "description");
	enum send_verdict v;

	if (status == 200 && cJSON_IsTrue(ok))
		v = SEND_OK;
	else
		v = (status == 400 || status == 403) ? SEND_FAIL : SEND_RETRY;
	if (v != SEND_OK)
		snprintf(note, notelen, "sendMessage: HTTP %d %.100s", status,
		    cJSON_IsString(desc) ? desc->valuestring : "");
	cJSON_Delete(root);
	return v;
}

const struct channel_ops ch_telegram = {
	.name = "telegram",
	.channel = "tg",
	.route = "/telegram/webhook",
	.enabled = telegram_enabled,
	.check = telegram_check,
	.parse = telegram_parse,
	.reply = telegram_reply,
	.judge = telegram_judge,
};
