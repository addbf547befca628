/*
 * ch_generic.c — any HTTP SMS gateway that can POST and be POSTed to.
 *
 * In: POST /sms/incoming, a form (from=…&text=…&id=…) or a JSON object
 * {"from":"…","text":"…","id":"…","ts":1701736200}, signed with the shared
 * secret over the time of the request and the body:
 *   X-Cunbao-Timestamp: 1701736200                  (seconds since the epoch)
 *   X-Cunbao-Signature: sha256=<hex HMAC-SHA256 of "1701736200.<body>">
 * (the signature header's name is `generic-header`).  A bad or missing
 * signature or timestamp is 401; a timestamp further than generic-window
 * from our clock is 403 — an old request replayed after the spool forgot
 * its id — and nothing is kept.  `id` is the gateway's message id:
 * required, so a gateway retry lands on the same envelope.
 *
 * Out: POST generic-reply-url with {"id":"…","to":"…","text":"…"}, signed
 * the same way, with the reply's id also as Idempotency-Key: one message
 * gets one reply when the gateway drops a key it has seen (a reply may be
 * POSTed again after a crash of the bridge).  Any 2xx is delivery,
 * anything else is retried.
 *
 * Delivery reports: POST /sms/report {"id":"<reply id>","status":"sent"},
 * signed like a message.  Any report proves the gateway took the reply, so
 * a send cut short by a crash of the bridge is not repeated once its
 * report has come (the rule Kannel's delivery reports follow).
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

#define GENERIC_TS_HEADER "X-Cunbao-Timestamp"

static int
generic_check(const struct bridge_conf *c, char *err, size_t errlen)
{
	int n = channel_check_secret("generic-secret", c->generic_secret, "a shared secret", err, errlen) +
	    channel_check_url("generic-reply-url", c->generic_reply_url, err, errlen);

	/* Within the window a replay is absorbed by the spool's memory of the id; it must outlast it. */
	if (c->generic_window > c->keep_done) {
		err_append(err, errlen, "generic-window: longer than keep-done (a replay inside the window "
		    "would no longer be recognised)\n");
		n++;
	}
	return n;
}

/*
 * Checks the request's signature over its timestamp and body, then the
 * timestamp against now.  Returns 200, 401 (unsigned, badly signed) or
 * 403 (outside generic-window), with err set.
 */
static int
generic_signed(const struct bridge_conf *c, const struct webhook *w, char *err, size_t errlen)
{
	const char *stamp = webhook_header(w, GENERIC_TS_HEADER);
	long long ts, skew, window = (long long)(c->generic_window / 1000);
	char *end;

	if (stamp == NULL || stamp[0] < '0' || stamp[0] > '9' || strlen(stamp) > 12 ||
	    (ts = strtoll(stamp, &end, 10), *end != '\0')) {
		snprintf(err, errlen, "%s is missing or not seconds since the epoch", GENERIC_TS_HEADER);
		return 401;
	}
	if (!sig_check_stamped(c->generic_secret, webhook_header(w, c->generic_header), stamp, w->body,
	    w->bodylen)) {
		snprintf(err, errlen, "%s is missing or wrong (the HMAC of \"<%s>.<body>\")", c->generic_header,
		    GENERIC_TS_HEADER);
		return 401;
	}
	skew = (long long)(w->now / 1000) - ts;
	if (skew > window || skew < -window) {
		snprintf(err, errlen, "%s %lld is %lld s %s our clock (generic-window %lld s): refused as a replay",
		    GENERIC_TS_HEADER, ts, skew < 0 ? -skew : skew, skew < 0 ? "ahead of" : "behind", window);
		return 403;
	}
	return 200;
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
	if ((status = generic_signed(c, w, err, errlen)) != 200)
		return status;
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

/* What a report's status says; GENERIC_FAILED for the words of a failure, else taken. */
enum { GENERIC_TAKEN = 1, GENERIC_FAILED = 2 };

static int
generic_report_code(const char *status)
{
	static const char *const failed[] = { "failed", "undelivered", "rejected", "expired", NULL };
	size_t i;

	for (i = 0; failed[i] != NULL; i++)
		if (strcasecmp(status, failed[i]) == 0)
			return GENERIC_FAILED;
	return GENERIC_TAKEN;
}

/*
 * POST /sms/report: {"id":"http:gw-8841","status":"sent"} (or the same as a
 * form), signed as messages are.  status is optional; failed, undelivered,
 * rejected or expired are logged as failures.  Returns the HTTP status.
 */
static int
generic_report(const struct bridge_conf *c, const struct webhook *w, struct delivery *out,
    char *err, size_t errlen)
{
	const char *ctype = webhook_header(w, "Content-Type");
	char status[32] = "";
	size_t n = 0;
	int st;

	if (strcmp(w->method, "POST") != 0) {
		snprintf(err, errlen, "use POST, not %s", w->method);
		return 405;
	}
	if ((st = generic_signed(c, w, err, errlen)) != 200)
		return st;
	if (ctype != NULL && strncasecmp(ctype, "application/json", 16) == 0) {
		cJSON *root = cJSON_ParseWithLength(w->body, w->bodylen);
		char why[160];
		bool ok = cJSON_IsObject(root) &&	/* no NUL, no member twice: */
		    jdec_strict(w->body, w->bodylen, root, why, sizeof why) == CB_OK &&
		    generic_member(root, "id", false, out->id, sizeof out->id, &n);

		size_t k;

		if (ok && !generic_member(root, "status", false, status, sizeof status, &k))
			status[0] = '\0';
		cJSON_Delete(root);
		if (!ok)
			n = 0;
	} else if (ctype != NULL && strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0) {
		size_t k;

		if (!form_get(w->body, w->bodylen, "id", out->id, sizeof out->id, &n))
			n = 0;
		if (!form_get(w->body, w->bodylen, "status", status, sizeof status, &k))
			status[0] = '\0';
	} else {
		snprintf(err, errlen, "Content-Type must be application/json or a form");
		return 415;
	}
	if (n == 0 || !payload_id_valid(out->id, n)) {
		snprintf(err, errlen, "id is missing or not a reply id");
		return 400;
	}
	out->code = generic_report_code(status);
	out->failed = out->code == GENERIC_FAILED;
	return 200;
}

static bool
generic_reply(const struct bridge_conf *c, int64_t now, const char *id, const char *to, const char *text,
    struct outreq *req, char *err, size_t errlen)
{
	char hex[SIG_HEX_LEN + 1], stamp[24], sig[8 + SIG_HEX_LEN];
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
	snprintf(stamp, sizeof stamp, "%lld", (long long)(now / 1000));
	sig_hmac_stamped_hex(c->generic_secret, stamp, req->body, req->bodylen, hex);
	snprintf(sig, sizeof sig, "sha256=%s", hex);
	if (!outreq_header(req, GENERIC_TS_HEADER, stamp) || !outreq_header(req, c->generic_header, sig) ||
	    !outreq_header(req, "Idempotency-Key", id)) {
		snprintf(err, errlen, "reply %s: its headers do not fit", id);
		return false;
	}
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
	.report_route = "/sms/report",
	.report = generic_report,
};
