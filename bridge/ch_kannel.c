/*
 * ch_kannel.c — SMS through Kannel.
 *
 * In: Kannel's sms-service calls
 *   get-url = "http://HOST:PORT/kannel/incoming?from=%p&text=%b&id=%I&coding=%c&charset=%C&ts=%T"
 * and we answer 200 with an empty body (with `max-messages = 0` and
 * `omit-empty = true` Kannel sends nothing back by itself).  %b arrives in
 * the charset %C names: UTF-16BE for a UCS-2 SMS when mo-recode is off,
 * UTF-8 otherwise.  %I is Kannel's message id; it is the same when Kannel
 * retries a call, so a retry lands on the same envelope id.
 *
 * Out: Kannel's sendsms interface, text in UTF-8 (charset=UTF-8).  A reply
 * whose every character is in the GSM 03.38 alphabet (gsm7.c: plain
 * English) goes with coding=0, as GSM-7: 160 characters an SMS.  Any other
 * (Chinese) goes with coding=2, as UCS-2: 70 characters an SMS; without
 * coding=2 Kannel would turn CJK into '?'.  Longer replies are split and
 * concatenated by Kannel (the sendsms-user's concatenation and max-messages).
 *
 * Trust: a caller must come from an address in kannel-allow and, when
 * kannel-secret is set, carry it as `key=` (the get-url in kannel.conf ends
 * with `&key=<secret>`; our dlr-url carries it too), compared in constant
 * time.  Behind a reverse proxy every caller is 127.0.0.1, so the address
 * alone proves nothing there: wrong or missing key is 403, nothing kept.
 *
 * Delivery reports: each reply asks for the SMSC's ack or nack (dlr-mask=24)
 * at GET /kannel/dlr?id=<reply id>&status=%d.  Any report proves Kannel took
 * the reply, so a send cut short by a crash is not repeated once its report
 * has come (Kannel retries the report until the bridge is back).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "gsm7.h"

/* What a kannel-secret may hold: characters that need no escaping in a URL and are not Kannel's %. */
#define KANNEL_KEY_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-"

static bool
kannel_enabled(const struct bridge_conf *c)
{
	return c->kannel;
}

static int
kannel_check(const struct bridge_conf *c, char *err, size_t errlen)
{
	int n = 0;

	if (strncmp(c->kannel_sendsms, "http://", 7) != 0 && strncmp(c->kannel_sendsms, "https://", 8) != 0) {
		err_append(err, errlen, "kannel-sendsms: \"%s\" is not an http(s) URL\n", c->kannel_sendsms);
		n++;
	}
	if (c->kannel_user[0] == '\0') {
		err_append(err, errlen, "kannel-user: the sendsms-user's username is required\n");
		n++;
	}
	if (c->kannel_secret[0] != '\0' && (strlen(c->kannel_secret) < 16 ||
	    strspn(c->kannel_secret, KANNEL_KEY_CHARS) != strlen(c->kannel_secret))) {
		/* It is pasted into Kannel's get-url as is, where % is a placeholder and & ends it. */
		err_append(err, errlen, "kannel-secret: must be 16 or more of A-Z a-z 0-9 . _ ~ - "
		    "(it is written into Kannel's get-url as is)\n");
		n++;
	}
	if (c->kannel_secret[0] == '\0' && c->kannel_allow[0] == '\0') {
		err_append(err, errlen, "kannel-allow: empty while kannel-secret is not set: anyone could "
		    "send SMS as any number\n");
		n++;
	}
	return n;
}

/* True if the peer may call us: the allow list is empty, or holds its address. */
static bool
kannel_peer_allowed(const char *allow, const char *peer)
{
	if (allow[0] == '\0')
		return true;
	if (peer == NULL)
		return false;
	if (strncmp(peer, "::ffff:", 7) == 0)
		peer += 7;
	return list_has(allow, peer);
}

/* True if the query's key= is kannel-secret (or no secret is set); constant time. */
static bool
kannel_key_ok(const struct bridge_conf *c, const struct webhook *w)
{
	char key[BR_SECRET_MAX];
	size_t n;
	char got[SIG_HEX_LEN + 1], want[SIG_HEX_LEN + 1];

	if (c->kannel_secret[0] == '\0')
		return true;
	if (!form_get(w->query, w->querylen, "key", key, sizeof key, &n))
		return false;
	/* Digests of equal length, so not even the secret's length shows in the time taken. */
	sig_hmac_hex(c->kannel_secret, key, n, got);
	sig_hmac_hex(c->kannel_secret, c->kannel_secret, strlen(c->kannel_secret), want);
	return sig_equal(got, want);
}

/*
 * Checks that a call comes the way Kannel makes it: GET, from a peer in
 * kannel-allow, with the shared secret.  Returns 200, or the status to
 * answer with err set (never the secret or what was given for it).
 */
static int
kannel_caller(const struct bridge_conf *c, const struct webhook *w, char *err, size_t errlen)
{
	if (strcmp(w->method, "GET") != 0) {
		snprintf(err, errlen, "Kannel calls with GET, not %s", w->method);
		return 405;
	}
	if (!kannel_peer_allowed(c->kannel_allow, w->peer)) {
		snprintf(err, errlen, "peer %s is not in kannel-allow", w->peer ? w->peer : "?");
		return 403;
	}
	if (!kannel_key_ok(c, w)) {
		snprintf(err, errlen, "key is missing or wrong (kannel-secret)");
		return 403;
	}
	return 200;
}

/* Reads an optional small integer parameter; def when absent or malformed. */
static long
kannel_num(const struct webhook *w, const char *key, long def)
{
	char buf[24], *end;
	size_t n;
	long v;

	if (!form_get(w->query, w->querylen, key, buf, sizeof buf, &n) || n == 0)
		return def;
	v = strtol(buf, &end, 10);
	return *end == '\0' ? v : def;
}

/* Decodes %b by %C (or %c when %C is absent) into in->text. */
static int
kannel_text(const struct webhook *w, struct inbound *in, char *err, size_t errlen)
{
	static char raw[CB_PAYLOAD_MAX * 2];	/* one request at a time: the loop is single-threaded */
	char charset[32] = "";
	size_t rawlen, n;

	if (!form_get(w->query, w->querylen, "text", raw, sizeof raw, &rawlen)) {
		snprintf(err, errlen, "text is missing, malformed or longer than %zu bytes", sizeof raw - 1);
		return 400;
	}
	if (!form_get(w->query, w->querylen, "charset", charset, sizeof charset, &n))
		charset[0] = '\0';
	if (charset[0] != '\0' && !charset_known(charset)) {
		snprintf(err, errlen, "charset \"%s\" is not one we read", charset);
		return 400;
	}
	if (!charset_to_utf8(charset, (int)kannel_num(w, "coding", 0), raw, rawlen,
	    in->text, sizeof in->text, &in->textlen)) {
		snprintf(err, errlen, "text is longer than %zu bytes of UTF-8", sizeof in->text - 1);
		return 413;
	}
	return 200;
}

static int
kannel_parse(const struct bridge_conf *c, const struct webhook *w, struct inbound *in,
    char *err, size_t errlen)
{
	char from[64], id[128];
	size_t n;
	int status;

	if ((status = kannel_caller(c, w, err, errlen)) != 200)
		return status;
	if (!form_get(w->query, w->querylen, "from", from, sizeof from, &n) || n == 0) {
		snprintf(err, errlen, "from is missing");
		return 400;
	}
	if (!phone_e164(from, n, c->country, in->from, sizeof in->from)) {
		snprintf(err, errlen, "from \"%.32s\" is not a phone number", from);
		return 400;
	}
	if ((status = kannel_text(w, in, err, errlen)) != 200)
		return status;
	in->sent_at = kannel_num(w, "ts", 0);
	if (form_get(w->query, w->querylen, "id", id, sizeof id, &n) && n > 0) {
		channel_make_id("kannel", id, n, in->id, sizeof in->id);
	} else {
		/* No %I: the same sender, time and text are the same message. */
		char key[CB_PAYLOAD_MAX + 96];
		int k = snprintf(key, sizeof key, "%s|%lld|%.*s", in->from, (long long)in->sent_at,
		    (int)in->textlen, in->text);

		/* The key holds '|' and '+', so it is always taken as a digest. */
		channel_make_id("kannel", key, k > 0 ? (size_t)k : 0, in->id, sizeof in->id);
	}
	return 200;
}

/* Kannel's DLR types: 1 delivered, 2 not delivered, 4 queued at the SMSC, 8 SMSC ack, 16 SMSC nack. */
#define DLR_FAILED	(2 | 16)
#define DLR_MASK	"24"

/* The delivery-report URL for reply id (with Kannel's %d for the type); false when reports are off. */
static bool
kannel_dlr_url(const struct bridge_conf *c, const char *id, char *out, size_t outlen)
{
	char host[128];
	size_t off;
	int port;

	if (strcmp(c->kannel_dlr_url, "off") == 0)
		return false;
	if (c->kannel_dlr_url[0] != '\0') {
		off = (size_t)snprintf(out, outlen, "%s%c", c->kannel_dlr_url,
		    strchr(c->kannel_dlr_url, '?') ? '&' : '?');
	} else {
		if (!addr_split(c->listen, host, sizeof host, &port))
			return false;
		/* A wildcard listener is reached on loopback, where Kannel runs beside us. */
		if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
			snprintf(host, sizeof host, "%s", strchr(host, ':') ? "::1" : "127.0.0.1");
		off = (size_t)snprintf(out, outlen, strchr(host, ':') ? "http://[%s]:%d/kannel/dlr?" :
		    "http://%s:%d/kannel/dlr?", host, port);
	}
	if (off >= outlen || !form_put(out, outlen, &off, "id", id, strlen(id)) ||
	    (c->kannel_secret[0] != '\0' &&
	    !form_put(out, outlen, &off, "key", c->kannel_secret, strlen(c->kannel_secret))) ||
	    off + 11 > outlen)
		return false;
	memcpy(out + off, "&status=%d", 11);	/* Kannel puts the DLR type in place of %d */
	return true;
}

/*
 * Builds the sendsms GET for reply id to `to`: GSM-7 (coding 0) when the
 * text fits the GSM alphabet, else UCS-2 (coding 2); the delivery report
 * asked for unless kannel-dlr-url is off.  False (err set) when it does not
 * fit in a URL.
 */
static bool
kannel_reply(const struct bridge_conf *c, int64_t now, const char *id, const char *to, const char *text,
    struct outreq *req, char *err, size_t errlen)
{
	char dlr[1024];
	const char *coding = gsm7_fits(text, strlen(text)) ? "0" : "2";
	size_t off;
	bool ok;

	outreq_reset(req);
	off = (size_t)snprintf(req->url, sizeof req->url, "%s", c->kannel_sendsms);
	if (off >= sizeof req->url - 2) {
		snprintf(err, errlen, "kannel-sendsms is too long");
		return false;
	}
	if (strchr(req->url, '?') == NULL)
		req->url[off++] = '?', req->url[off] = '\0';
	ok = form_put(req->url, sizeof req->url, &off, "username", c->kannel_user, strlen(c->kannel_user)) &&
	    form_put(req->url, sizeof req->url, &off, "password", c->kannel_pass, strlen(c->kannel_pass)) &&
	    (c->kannel_from[0] == '\0' ||
	    form_put(req->url, sizeof req->url, &off, "from", c->kannel_from, strlen(c->kannel_from))) &&
	    form_put(req->url, sizeof req->url, &off, "to", to, strlen(to)) &&
	    form_put(req->url, sizeof req->url, &off, "text", text, strlen(text)) &&
	    form_put(req->url, sizeof req->url, &off, "coding", coding, 1) &&
	    form_put(req->url, sizeof req->url, &off, "charset", "UTF-8", 5) &&
	    (c->kannel_smsc[0] == '\0' ||
	    form_put(req->url, sizeof req->url, &off, "smsc", c->kannel_smsc, strlen(c->kannel_smsc))) &&
	    (!kannel_dlr_url(c, id, dlr, sizeof dlr) ||
	    (form_put(req->url, sizeof req->url, &off, "dlr-mask", DLR_MASK, strlen(DLR_MASK)) &&
	    form_put(req->url, sizeof req->url, &off, "dlr-url", dlr, strlen(dlr))));
	if (!ok)
		snprintf(err, errlen, "reply %s does not fit in a sendsms URL", id);
	return ok;
}

/* Kannel answers 202 "0: Accepted for delivery" (or "3: Queued for later delivery"). */
static enum send_verdict
kannel_judge(int status, const char *body, size_t len, char *note, size_t notelen)
{
	size_t n = 0;

	if (status >= 200 && status < 300)
		return SEND_OK;
	while (n < len && n < 120 && body[n] != '\n' && body[n] != '\r')
		n++;
	if (status == 0)
		snprintf(note, notelen, "sendsms: no answer");
	else
		snprintf(note, notelen, "sendsms: HTTP %d %.*s", status, (int)n, body);
	/* Even a 4xx (bad password, no sender) is a setting someone can fix: keep trying. */
	return SEND_RETRY;
}

/* GET /kannel/dlr?id=<reply id>&status=<type>, called by smsbox. */
static int
kannel_report(const struct bridge_conf *c, const struct webhook *w, struct delivery *out,
    char *err, size_t errlen)
{
	size_t n;
	int status;

	if ((status = kannel_caller(c, w, err, errlen)) != 200)
		return status;
	if (!form_get(w->query, w->querylen, "id", out->id, sizeof out->id, &n) || !payload_id_valid(out->id, n)) {
		snprintf(err, errlen, "id is missing or not a reply id");
		return 400;
	}
	if ((out->code = (int)kannel_num(w, "status", 0)) <= 0) {
		snprintf(err, errlen, "status is missing or not a DLR type");
		return 400;
	}
	out->failed = (out->code & DLR_FAILED) != 0;
	return 200;
}

const struct channel_ops ch_kannel = {
	.name = "kannel",
	.channel = "sms",
	.route = "/kannel/incoming",
	.enabled = kannel_enabled,
	.check = kannel_check,
	.parse = kannel_parse,
	.reply = kannel_reply,
	.judge = kannel_judge,
	.report_route = "/kannel/dlr",
	.report = kannel_report,
};
