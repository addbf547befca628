/*
 * ch_generic.c — any HTTP SMS gateway that can POST and be POSTed to.
 *
 * In: POST /sms/incoming, a form (from=…&text=…&id=…) or a JSON object
 * {"from":"…","text":"…","id":"…","ts":1701736200}, signed with the shared
 * secret: header `X-Cunbao-Signature: sha256=<hex HMAC-SHA256 of the body>`
 * (the header name is `generic-header`).  A bad or missing signature is 401
 * and nothing is kept.  `id` is the gateway's message id: required, so a
 * gateway retry lands on the same envelope.
 *
 * Out: POST generic-reply-url with {"id":"…","to":"…","text":"…"}, signed
 * the same way; any 2xx is delivery, anything else is retried.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "bridge.h"
#include "jdec.h"
#include "jsonw.h"

static bool
generic_enabled(const struct bridge_conf *c)
{
	return c->generic;
}

static int
generic_check(const struct bridge_conf *c, char *err, size_t errlen)
{
	return channel_check_secret("generic-secret", c->generic_secret, "a shared secret", err, errlen) +
	    channel_check_url("generic-reply-url", c->generic_reply_url, err, errlen);
}

/* The three fields, as raw bytes borrowed from the body or a cJSON tree. */
struct generic_fields {
	char from[64], id[128], text[CB_PAYLOAD_MAX];
	size_t fromlen, idlen, textlen;
	int64_t ts;
};

/*
 * Copies a string member (or, when numbers are allowed, an integral number)
 * into buf; false if absent, of another type or too long.
 */
static bool
generic_member(const cJSON *obj, const char *key, bool numbers, char *buf, size_t size, size_t *len)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);
	int64_t v;
	int n;

	if (cJSON_IsString(m))
		n = snprintf(buf, size, "%s", m->valuestring);
	else if (numbers && channel_json_int(m, &v))
		n = snprintf(buf, size, "%lld", (long long)v);
	else
		return false;
	if (n < 0 || (size_t)n >= size)
		return false;
	*len = (size_t)n;
	return true;
}

static int
generic_json(const struct webhook *w, struct generic_fields *f, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(w->body, w->bodylen);
	int status = 200;
	char why[160];

	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "body is not a JSON object");
		status = 400;
	} else if (jdec_strict(w->body, w->bodylen, root, why, sizeof why) != CB_OK) {
		snprintf(err, errlen, "body is not plain JSON: %s", why);	/* a NUL, a member twice */
		status = 400;
	} else if (!generic_member(root, "from", true, f->from, sizeof f->from, &f->fromlen) ||
	    !generic_member(root, "id", true, f->id, sizeof f->id, &f->idlen) ||
	    !generic_member(root, "text", false, f->text, sizeof f->text, &f->textlen)) {
		snprintf(err, errlen, "from, id and text must be strings (text at most %zu bytes)",
		    sizeof f->text - 1);
		status = 400;
	} else if (!channel_json_int(cJSON_GetObjectItemCaseSensitive(root, "ts"), &f->ts)) {
		f->ts = 0;
	}
	cJSON_Delete(root);
	return status;
}

static int
generic_form(const struct webhook *w, struct generic_fields *f, char *err, size_t errlen)
{
	char ts[24];
	size_t n;

	if (!form_get(w->body, w->bodylen, "from", f->from, sizeof f->from, &f->fromlen) ||
	    !form_get(w->body, w->bodylen, "id", f->id, sizeof f->id, &f->idlen) ||
	    !form_get(w->body, w->bodylen, "text", f->text, sizeof f->text, &f->textlen)) {
		snprintf(err, errlen, "from, id and text are required (text at most %zu bytes)",
		    sizeof f->text - 1);
		return 400;
	}
	if (form_get(w->body, w->bodylen, "ts", ts, sizeof ts, &n))
		f->ts = strtoll(ts, NULL, 10);
	return 200;
}

static int
generic_parse(const struct bridge_conf *c, const struct webhook *w, struct inbound *in,
    char *err, size_t errlen)
{
	static struct generic_fields f;		/* large; the loop is single-threaded */
	const char *ctype = webhook_header(w, "Content-Type");
	int status;

	if (strcmp(w->method, "POST") != 0) {
		snprintf(err, errlen, "use POST, not %s", w->method);
		return 405;
	}
	if (!sig_check(c->generic_secret, webhook_header(w, c->generic_header), w->body, w->bodylen)) {
		snprintf(err, errlen, "%s is missing or wrong", c->generic_header);
		return 401;
	}
	memset(&f, 0, sizeof f);
	if (ctype != NULL && strncasecmp(ctype, "application/json", 16) == 0)
		status = generic_json(w, &f, err, errlen);
	else if (ctype != NULL && strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0)
		status = generic_form(w, &f, err, errlen);
	else {
		snprintf(err, errlen, "Content-Type must be application/json or a form");
		status = 415;
	}
	if (status != 200)
		return status;
	if (f.idlen == 0) {
		snprintf(err, errlen, "id is empty");
		return 400;
	}
	if (!phone_e164(f.from, f.fromlen, c->country, in->from, sizeof in->from)) {
		snprintf(err, errlen, "from \"%.32s\" is not a phone number", f.from);
		return 400;
	}
	if (!charset_clean_utf8(f.text, f.textlen, in->text, sizeof in->text, &in->textlen)) {
		snprintf(err, errlen, "text is too long");
		return 413;
	}
	channel_make_id("http", f.id, f.idlen, in->id, sizeof in->id);
	in->sent_at = f.ts;
	return 200;
}

static bool
generic_reply(const struct bridge_conf *c, const char *id, const char *to, const char *text,
    struct outreq *req, char *err, size_t errlen)
{
	char hex[SIG_HEX_LEN + 1];
	struct jsonw w;

	outreq_reset(req);
	req->post = true;
	snprintf(req->url, sizeof req->url, "%s", c->generic_reply_url);
	snprintf(req->ctype, sizeof req->ctype, "application/json");
	jsonw_init(&w, req->body, sizeof req->body);
	jsonw_obj(&w);
	jsonw_key(&w, "id");
	jsonw_str(&w, id);
	jsonw_key(&w, "to");
	jsonw_str(&w, to);
	jsonw_key(&w, "text");
	jsonw_str(&w, text);
	jsonw_end(&w);
	req->bodylen = jsonw_finish(&w);
	if (req->bodylen == 0) {
		snprintf(err, errlen, "reply %s does not fit in a request body", id);
		return false;
	}
	sig_hmac_hex(c->generic_secret, req->body, req->bodylen, hex);
	snprintf(req->hname, sizeof req->hname, "%s", c->generic_header);
	snprintf(req->hvalue, sizeof req->hvalue, "sha256=%s", hex);
	return true;
}

static enum send_verdict
generic_judge(int status, const char *body, size_t len, char *note, size_t notelen)
{
	size_t n = 0;

	if (status >= 200 && status < 300)
		return SEND_OK;
	while (n < len && n < 120 && body[n] != '\n')
		n++;
	if (status == 0)
		snprintf(note, notelen, "reply URL: no answer");
	else
		snprintf(note, notelen, "reply URL: HTTP %d %.*s", status, (int)n, body);
	return SEND_RETRY;
}

const struct channel_ops ch_generic = {
	.name = "generic",
	.channel = "sms",
	.route = "/sms/incoming",
	.enabled = generic_enabled,
	.check = generic_check,
	.parse = generic_parse,
	.reply = generic_reply,
	.judge = generic_judge,
};
