/*
 * fuzz_webhook.c — libFuzzer harness for the bridge's webhook parsers and
 * reply builders (bridge/ch_*.c, form.c, charset.c, phone.c).
 *
 * The first byte picks the target (an ASCII digit, as the seeds are
 * written, or any byte modulo 9), the rest is its input:
 *   0 Kannel get-url query   1 generic JSON body   2 generic form body
 *   3 Telegram Update body   4 charset decoding     5 phone number
 *   6 Kannel delivery report query
 *   7 HTTP request head (httpreq.c)   8 generic delivery report body
 * Generic bodies are signed with the right secret here, so the fuzzer gets
 * past the signature check into the parsers.  Invariants checked on every
 * accepted message: a valid envelope id, a sender, well-formed UTF-8 text
 * without NUL, and a reply request that builds (or fails cleanly).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bridge_conf conf;

static void
fuzz_init(void)
{
	snprintf(conf.country, sizeof conf.country, "86");
	conf.kannel = conf.generic = conf.telegram = true;
	snprintf(conf.sms_gateway, sizeof conf.sms_gateway, "kannel");
	snprintf(conf.kannel_sendsms, sizeof conf.kannel_sendsms, "http://127.0.0.1:13013/cgi-bin/sendsms");
	snprintf(conf.kannel_user, sizeof conf.kannel_user, "cunbao");
	snprintf(conf.kannel_from, sizeof conf.kannel_from, "10690001");
	snprintf(conf.generic_secret, sizeof conf.generic_secret, "fuzz-secret-0123456789");
	snprintf(conf.generic_reply_url, sizeof conf.generic_reply_url, "http://127.0.0.1:9/reply");
	snprintf(conf.generic_header, sizeof conf.generic_header, "X-Cunbao-Signature");
	snprintf(conf.telegram_secret, sizeof conf.telegram_secret, "fuzz-telegram-secret-0123");
	snprintf(conf.telegram_token, sizeof conf.telegram_token, "1:X");
	snprintf(conf.telegram_api, sizeof conf.telegram_api, "http://127.0.0.1:9");
}

/* Checks what every accepted message must satisfy, and builds its reply. */
static void
fuzz_check(const struct channel_ops *ch, const struct inbound *in)
{
	static struct outreq req;
	char err[256];

	if (in->ignore)
		return;
	if (!payload_id_valid(in->id, strlen(in->id)) || in->from[0] == '\0' ||
	    in->textlen != strlen(in->text) || !utf8_valid(in->text, in->textlen))
		abort();
	if (ch == &ch_telegram || strncmp(in->from, "tg:", 3) != 0)
		(void)ch->reply(&conf, 1701736200000LL, in->id, in->from, in->text, &req, err, sizeof err);
}

static void
fuzz_channel(const struct channel_ops *ch, const char *method, const char *ctype, const char *buf, size_t len)
{
	static struct inbound in;
	char sig[SIG_HEX_LEN + 16], err[256];
	struct br_header h[4] = {
		{ "Content-Type", ctype },
		{ "X-Cunbao-Signature", sig },
		{ "X-Telegram-Bot-Api-Secret-Token", conf.telegram_secret },
		{ "X-Cunbao-Timestamp", "1701736200" },
	};
	struct webhook w = { .method = method, .path = ch->route, .query = "", .headers = h, .nheaders = 4,
		.body = buf, .bodylen = len, .peer = "127.0.0.1", .now = 1701736200000LL };

	if (ch == &ch_kannel) {
		w.query = buf;
		w.querylen = len;
		w.body = "";
		w.bodylen = 0;
	}
	memcpy(sig, "sha256=", 7);
	sig_hmac_stamped_hex(conf.generic_secret, "1701736200", buf, len, sig + 7);
	memset(&in, 0, sizeof in);
	if (ch->parse(&conf, &w, &in, err, sizeof err) == 200)
		fuzz_check(ch, &in);
}

static void
fuzz_report(const char *buf, size_t len)
{
	struct webhook w = { .method = "GET", .path = "/kannel/dlr", .query = buf, .querylen = len,
		.peer = "127.0.0.1" };
	struct delivery d;
	char err[256];

	memset(&d, 0, sizeof d);
	if (ch_kannel.report(&conf, &w, &d, err, sizeof err) == 200 &&
	    (!payload_id_valid(d.id, strlen(d.id)) || d.code <= 0))
		abort();
}

/* A request head: parsed in place; every field it gives points inside the buffer and is a string. */
static void
fuzz_httpreq(const char *buf, size_t len)
{
	static char head[65537];
	struct httpreq r;
	char err[256];
	size_t i;

	memcpy(head, buf, len);
	head[len] = '\0';
	if (memchr(head, '\0', len) != NULL || httpreq_parse(head, &r, err, sizeof err) != 200)
		return;
	if (r.content_length < 0 || r.nheaders > HTTPREQ_HEADERS_MAX || strlen(r.method) == 0)
		abort();
	for (i = 0; i < r.nheaders; i++)
		if (r.headers[i].name < head || r.headers[i].name >= head + len + 1 || r.headers[i].name[0] == '\0')
			abort();
}

/* A generic delivery report, signed so the fuzzer reaches the parsers. */
static void
fuzz_generic_report(const char *buf, size_t len, const char *ctype)
{
	char sig[SIG_HEX_LEN + 16], err[256];
	struct br_header h[3] = {
		{ "Content-Type", ctype }, { "X-Cunbao-Signature", sig }, { "X-Cunbao-Timestamp", "1701736200" },
	};
	struct webhook w = { .method = "POST", .path = "/sms/report", .query = "", .headers = h, .nheaders = 3,
		.body = buf, .bodylen = len, .peer = "127.0.0.1", .now = 1701736200000LL };
	struct delivery d;

	memcpy(sig, "sha256=", 7);
	sig_hmac_stamped_hex(conf.generic_secret, "1701736200", buf, len, sig + 7);
	memset(&d, 0, sizeof d);
	if (ch_generic.report(&conf, &w, &d, err, sizeof err) == 200 && !payload_id_valid(d.id, strlen(d.id)))
		abort();
}

static void
fuzz_charset(const char *buf, size_t len)
{
	static const char *const names[] = { "UTF-8", "UTF-16BE", "UTF-16", "ISO-8859-1", "WINDOWS-1252",
		"8-BIT", "" };
	static char out[CB_PAYLOAD_MAX];
	size_t n;

	if (len == 0)
		return;
	if (charset_to_utf8(names[(unsigned char)buf[0] % 7], buf[0] & 2, buf + 1, len - 1, out, sizeof out, &n) &&
	    (!utf8_valid(out, n) || n != strlen(out)))
		abort();
}

static void
fuzz_phone(const char *buf, size_t len)
{
	char out[32], val[64];
	size_t n;

	if (phone_e164(buf, len, "86", out, sizeof out) && out[0] != '+' && strspn(out, "0123456789") != strlen(out))
		abort();
	(void)form_get(buf, len, "from", val, sizeof val, &n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	const char *buf = (const char *)data + 1;

	if (!ready) {
		fuzz_init();
		ready = true;
	}
	if (size < 1 || size > 65536)
		return 0;
	switch (data[0] >= '0' && data[0] <= '8' ? data[0] - '0' : data[0] % 9) {
	case 0:
		fuzz_channel(&ch_kannel, "GET", "", buf, size - 1);
		break;
	case 1:
		fuzz_channel(&ch_generic, "POST", "application/json", buf, size - 1);
		break;
	case 2:
		fuzz_channel(&ch_generic, "POST", "application/x-www-form-urlencoded", buf, size - 1);
		break;
	case 3:
		fuzz_channel(&ch_telegram, "POST", "application/json", buf, size - 1);
		break;
	case 4:
		fuzz_charset(buf, size - 1);
		break;
	case 5:
		fuzz_phone(buf, size - 1);
		break;
	case 6:
		fuzz_report(buf, size - 1);
		break;
	case 7:
		fuzz_httpreq(buf, size - 1);
		break;
	default:
		fuzz_generic_report(buf, size - 1, data[0] & 16 ? "application/x-www-form-urlencoded" :
		    "application/json");
		break;
	}
	return 0;
}
