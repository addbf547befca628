/*
 * test_channels.c — each channel's webhook parser and reply builder, with
 * the requests real gateways send (the Kannel queries are the ones Kannel
 * 1.4.5's smsbox made here for a UCS-2 and a UTF-8 SMS).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"

#define SECRET "generic-secret-0123456789"
#define TGSECRET "telegram-secret-0123456789"
#define NOW 1701736200000LL		/* the clock the channels are given, ms */
#define STAMP "1701736200"		/* the same, as a gateway's X-Cunbao-Timestamp */

static struct bridge_conf conf;

static void
setup(void)
{
	memset(&conf, 0, sizeof conf);
	snprintf(conf.country, sizeof conf.country, "86");
	conf.kannel = conf.generic = conf.telegram = true;
	snprintf(conf.sms_gateway, sizeof conf.sms_gateway, "kannel");
	snprintf(conf.kannel_sendsms, sizeof conf.kannel_sendsms, "http://127.0.0.1:13013/cgi-bin/sendsms");
	snprintf(conf.kannel_user, sizeof conf.kannel_user, "cunbao");
	snprintf(conf.kannel_pass, sizeof conf.kannel_pass, "p&w");
	snprintf(conf.kannel_from, sizeof conf.kannel_from, "10086");
	snprintf(conf.kannel_allow, sizeof conf.kannel_allow, "127.0.0.1, ::1");
	snprintf(conf.listen, sizeof conf.listen, "127.0.0.1:13080");
	snprintf(conf.generic_secret, sizeof conf.generic_secret, SECRET);
	snprintf(conf.generic_reply_url, sizeof conf.generic_reply_url, "http://127.0.0.1:9/out");
	snprintf(conf.generic_header, sizeof conf.generic_header, "X-Cunbao-Signature");
	conf.generic_window = 300000;
	conf.keep_done = 7 * 86400000LL;
	snprintf(conf.telegram_secret, sizeof conf.telegram_secret, TGSECRET);
	snprintf(conf.telegram_token, sizeof conf.telegram_token, "123:ABC");
	snprintf(conf.telegram_api, sizeof conf.telegram_api, "http://127.0.0.1:9");
	snprintf(conf.telegram_edit_reply, sizeof conf.telegram_edit_reply, "请用更正");
}

TestSuite(channels, .init = setup);

static int
kannel(const char *method, const char *query, const char *peer, struct inbound *in, char *err)
{
	struct webhook w = { .method = method, .path = "/kannel/incoming", .query = query,
		.querylen = strlen(query), .peer = peer };

	memset(in, 0, sizeof *in);
	err[0] = '\0';
	return ch_kannel.parse(&conf, &w, in, err, 256);
}

#define UCS2_QUERY "from=13800000003&text=rru%5C%00+r%5B%FF%11%FF%12%00+s*%004%000%00+%7F%8A%005" \
	"&id=dcbe56bc-a128-4393-8728-78d81bb07bc9&coding=2&charset=UTF-16BE&ts=1796010640"
#define UTF8_QUERY "from=%2B8613800000003&text=%E7%89%B2%E7%95%9C+%E7%89%9B%EF%BC%91%EF%BC%92+" \
	"%E7%8C%AA40+%E7%BE%8A5&id=d2a99b27-9d03-4e4a-a9ef-63510baea493&coding=0&charset=UTF-8&ts=1796010635"

Test(channels, kannel_ucs2_and_utf8)
{
	struct inbound in;
	char err[256];

	cr_assert_eq(kannel("GET", UCS2_QUERY, "127.0.0.1", &in, err), 200, "%s", err);
	cr_expect_str_eq(in.from, "+8613800000003");
	cr_expect_str_eq(in.text, "牲畜 牛１２ 猪40 羊5");
	cr_expect_eq(in.textlen, strlen("牲畜 牛１２ 猪40 羊5"));
	cr_expect_str_eq(in.id, "kannel:dcbe56bc-a128-4393-8728-78d81bb07bc9");
	cr_expect_eq(in.sent_at, 1796010640);
	cr_expect(!in.ignore);

	cr_assert_eq(kannel("GET", UTF8_QUERY, "::ffff:127.0.0.1", &in, err), 200, "%s", err);
	cr_expect_str_eq(in.text, "牲畜 牛１２ 猪40 羊5");
	cr_expect_str_eq(in.id, "kannel:d2a99b27-9d03-4e4a-a9ef-63510baea493");
}

Test(channels, kannel_refusals)
{
	static const struct {
		const char *method, *query, *peer;
		int status;
	} cases[] = {
		{ "POST", UTF8_QUERY, "127.0.0.1", 405 },
		{ "GET", UTF8_QUERY, "10.0.0.7", 403 },
		{ "GET", UTF8_QUERY, NULL, 403 },
		{ "GET", "text=x&id=1", "127.0.0.1", 400 },
		{ "GET", "from=&text=x&id=1", "127.0.0.1", 400 },
		{ "GET", "from=BANK&text=x&id=1", "127.0.0.1", 400 },
		{ "GET", "from=13800000003&id=1", "127.0.0.1", 400 },
		{ "GET", "from=13800000003&text=%zz&id=1", "127.0.0.1", 400 },
		{ "GET", "from=13800000003&text=x&charset=EBCDIC", "127.0.0.1", 400 },
	};
	struct inbound in;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = kannel(cases[i].method, cases[i].query, cases[i].peer, &in, err);

		cr_expect_eq(st, cases[i].status, "case %zu: %d", i, st);
		cr_expect(err[0] != '\0', "case %zu: no explanation", i);
	}
}

Test(channels, kannel_without_id_hashes_stably)
{
	struct inbound a, b, c;
	char err[256];

	cr_assert_eq(kannel("GET", "from=13800000003&text=x&ts=5", "127.0.0.1", &a, err), 200);
	cr_assert_eq(kannel("GET", "from=13800000003&text=x&ts=5", "127.0.0.1", &b, err), 200);
	cr_assert_eq(kannel("GET", "from=13800000003&text=y&ts=5", "127.0.0.1", &c, err), 200);
	cr_expect_str_eq(a.id, b.id);
	cr_expect_str_neq(a.id, c.id);
	cr_expect(strncmp(a.id, "kannel:h", 8) == 0, "%s", a.id);
	cr_expect(payload_id_valid(a.id, strlen(a.id)));
}

Test(channels, kannel_open_when_allow_empty)
{
	struct inbound in;
	char err[256];

	conf.kannel_allow[0] = '\0';
	cr_expect_eq(kannel("GET", UTF8_QUERY, "10.0.0.7", &in, err), 200, "%s", err);
}

static void dlr_of(const char *url, char *out, size_t outlen);

/*
 * With kannel-secret set, a call needs key=<secret> even from an allowed
 * address (behind a proxy every caller is 127.0.0.1): wrong, missing,
 * longer, shorter or empty keys are 403, and the report route too.
 */
Test(channels, kannel_secret_is_required)
{
	static const struct {
		const char *key;	/* appended as &key=...; NULL: none */
		int status;
	} cases[] = {
		{ "kannel-key-0123456789", 200 },
		{ NULL, 403 },
		{ "", 403 },
		{ "kannel-key-012345678", 403 },
		{ "kannel-key-01234567890", 403 },
		{ "Kannel-key-0123456789", 403 },
		{ "kannel-key-0123456789%00", 403 },
	};
	struct inbound in;
	char err[256], query[1024];
	size_t i;

	snprintf(conf.kannel_secret, sizeof conf.kannel_secret, "kannel-key-0123456789");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(query, sizeof query, "%s%s%s", UTF8_QUERY, cases[i].key ? "&key=" : "",
		    cases[i].key ? cases[i].key : "");
		cr_expect_eq(kannel("GET", query, "127.0.0.1", &in, err), cases[i].status, "case %zu: %s", i, err);
		if (cases[i].status != 200) {
			cr_expect(strstr(err, "key") != NULL, "case %zu: %s", i, err);
			cr_expect(strstr(err, "0123456789") == NULL, "case %zu: the secret in the message", i);
		}
	}
	/* The address check still applies. */
	snprintf(query, sizeof query, "%s&key=kannel-key-0123456789", UTF8_QUERY);
	cr_expect_eq(kannel("GET", query, "10.0.0.7", &in, err), 403);

	/* Delivery reports: our dlr-url carries the key, and a report without it is refused. */
	struct outreq req;
	char dlr[1024];
	struct delivery d;
	struct webhook w = { .method = "GET", .path = "/kannel/dlr", .peer = "127.0.0.1" };

	cr_assert(ch_kannel.reply(&conf, NOW, "kannel:1", "+8613800000003", "x", &req, err, sizeof err));
	dlr_of(req.url, dlr, sizeof dlr);
	cr_expect_str_eq(dlr, "http://127.0.0.1:13080/kannel/dlr?id=kannel%3A1&key=kannel-key-0123456789&status=%d");
	w.query = "id=kannel%3A1&status=8";
	w.querylen = strlen(w.query);
	cr_expect_eq(ch_kannel.report(&conf, &w, &d, err, sizeof err), 403);
	w.query = "id=kannel%3A1&key=kannel-key-0123456789&status=8";
	w.querylen = strlen(w.query);
	cr_expect_eq(ch_kannel.report(&conf, &w, &d, err, sizeof err), 200, "%s", err);
}

Test(channels, kannel_secret_checks)
{
	static const struct {
		const char *secret, *allow;
		int problems;
	} cases[] = {
		{ "kannel-key-0123456789", "127.0.0.1", 0 },
		{ "kannel-key-0123456789", "", 0 },
		{ "", "127.0.0.1", 0 },
		{ "", "", 1 },				/* open to anyone */
		{ "short-key", "127.0.0.1", 1 },
		{ "kannel key 0123456789", "127.0.0.1", 1 },	/* breaks the get-url */
		{ "kannel%key&0123456789", "127.0.0.1", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[512] = "";

		snprintf(conf.kannel_secret, sizeof conf.kannel_secret, "%s", cases[i].secret);
		snprintf(conf.kannel_allow, sizeof conf.kannel_allow, "%s", cases[i].allow);
		cr_expect_eq(ch_kannel.check(&conf, err, sizeof err), cases[i].problems, "case %zu: %s", i, err);
	}
}

Test(channels, kannel_reply_url)
{
	struct outreq req;
	char err[128];

	cr_assert(ch_kannel.reply(&conf, NOW, "kannel:1", "+8613800000003", "已收到 牛12", &req, err, sizeof err));
	cr_expect(!req.post);
	cr_expect_str_eq(req.url, "http://127.0.0.1:13013/cgi-bin/sendsms?username=cunbao&password=p%26w"
	    "&from=10086&to=%2B8613800000003&text=%E5%B7%B2%E6%94%B6%E5%88%B0%20%E7%89%9B12"
	    "&coding=2&charset=UTF-8&dlr-mask=24"
	    "&dlr-url=http%3A%2F%2F127.0.0.1%3A13080%2Fkannel%2Fdlr%3Fid%3Dkannel%253A1%26status%3D%25d");
	snprintf(conf.kannel_smsc, sizeof conf.kannel_smsc, "fake");
	snprintf(conf.kannel_sendsms, sizeof conf.kannel_sendsms, "http://h/s?x=1");
	cr_assert(ch_kannel.reply(&conf, NOW, "kannel:1", "+8613800000003", "a", &req, err, sizeof err));
	cr_expect(strncmp(req.url, "http://h/s?x=1&username=", 24) == 0, "%s", req.url);
	cr_expect(strstr(req.url, "&smsc=fake") != NULL, "%s", req.url);
}

/* The dlr-url parameter of a sendsms URL, decoded once (as Kannel reads it), or "" if absent. */
static void
dlr_of(const char *url, char *out, size_t outlen)
{
	const char *q = strchr(url, '?');
	size_t n;

	if (q == NULL || !form_get(q + 1, strlen(q + 1), "dlr-url", out, outlen, &n))
		out[0] = '\0';
}

Test(channels, kannel_delivery_report_urls)
{
	static const struct { const char *listen, *dlr, *want; } cases[] = {
		{ "0.0.0.0:13080", "", "http://127.0.0.1:13080/kannel/dlr?id=remind%3A1&status=%d" },
		{ "[::]:13080", "", "http://[::1]:13080/kannel/dlr?id=remind%3A1&status=%d" },
		{ "10.0.0.2:80", "", "http://10.0.0.2:80/kannel/dlr?id=remind%3A1&status=%d" },
		{ "127.0.0.1:13080", "http://bridge.lan/dlr", "http://bridge.lan/dlr?id=remind%3A1&status=%d" },
		{ "127.0.0.1:13080", "http://b/dlr?k=v", "http://b/dlr?k=v&id=remind%3A1&status=%d" },
		{ "127.0.0.1:13080", "off", "" },
	};
	struct outreq req;
	char err[128], dlr[1024];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(conf.listen, sizeof conf.listen, "%s", cases[i].listen);
		snprintf(conf.kannel_dlr_url, sizeof conf.kannel_dlr_url, "%s", cases[i].dlr);
		cr_assert(ch_kannel.reply(&conf, NOW, "remind:1", "+8613800000003", "x", &req, err, sizeof err));
		dlr_of(req.url, dlr, sizeof dlr);
		cr_expect_str_eq(dlr, cases[i].want, "case %zu", i);
		cr_expect_eq(strstr(req.url, "dlr-mask=24") != NULL, cases[i].want[0] != '\0', "case %zu", i);
	}
}

Test(channels, kannel_delivery_reports)
{
	static const struct {
		const char *method, *query, *peer;
		int status;
		bool failed;
	} cases[] = {
		{ "GET", "id=kannel%3Aabc&status=8", "127.0.0.1", 200, false },
		{ "GET", "id=remind%3A1&status=16", "127.0.0.1", 200, true },
		{ "GET", "id=remind%3A1&status=1", "::1", 200, false },
		{ "GET", "id=remind%3A1&status=2", "127.0.0.1", 200, true },
		{ "GET", "id=remind%3A1&status=8", "10.1.1.1", 403, false },
		{ "POST", "id=remind%3A1&status=8", "127.0.0.1", 405, false },
		{ "GET", "id=bad%20id&status=8", "127.0.0.1", 400, false },
		{ "GET", "status=8", "127.0.0.1", 400, false },
		{ "GET", "id=remind%3A1", "127.0.0.1", 400, false },
		{ "GET", "id=remind%3A1&status=x", "127.0.0.1", 400, false },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct webhook w = { .method = cases[i].method, .path = "/kannel/dlr", .query = cases[i].query,
			.querylen = strlen(cases[i].query), .peer = cases[i].peer };
		struct delivery d;
		char err[256] = "";
		int st;

		memset(&d, 0, sizeof d);
		st = ch_kannel.report(&conf, &w, &d, err, sizeof err);
		cr_expect_eq(st, cases[i].status, "case %zu: %d (%s)", i, st, err);
		if (st == 200) {
			cr_expect_eq(d.failed, cases[i].failed, "case %zu", i);
			cr_expect(strchr(d.id, ':') != NULL, "case %zu: %s", i, d.id);
		} else {
			cr_expect(err[0] != '\0', "case %zu: no explanation", i);
		}
	}
}

Test(channels, kannel_judge)
{
	char note[128] = "";

	cr_expect_eq(ch_kannel.judge(202, "0: Accepted for delivery", 24, note, sizeof note), SEND_OK);
	cr_expect_eq(ch_kannel.judge(400, "Sender missing and no global set, rejected", 42, note, sizeof note),
	    SEND_RETRY);
	cr_expect(strstr(note, "400 Sender missing") != NULL, "%s", note);
	cr_expect_eq(ch_kannel.judge(0, "", 0, note, sizeof note), SEND_RETRY);
}

/* POSTs body to ch with a Content-Type, one more header (hname NULL: none) and, when given, a timestamp. */
static int
post_at(const struct channel_ops *ch, const char *ctype, const char *hname, const char *hvalue,
    const char *stamp, const char *body, struct inbound *in, char *err)
{
	struct br_header h[3] = { { "Content-Type", ctype }, { "X-Cunbao-Timestamp", stamp }, { hname, hvalue } };
	size_t n = 1;
	struct webhook w = { .method = "POST", .path = ch->route, .query = "", .headers = h,
		.body = body, .bodylen = strlen(body), .peer = "127.0.0.1", .now = NOW };

	if (stamp != NULL)
		n++;
	else
		h[1] = h[2];
	if (hname != NULL)
		n++;
	w.nheaders = n;

	memset(in, 0, sizeof *in);
	err[0] = '\0';
	return ch->parse(&conf, &w, in, err, 256);
}

static int
post(const struct channel_ops *ch, const char *ctype, const char *hname, const char *hvalue,
    const char *body, struct inbound *in, char *err)
{
	return post_at(ch, ctype, hname, hvalue, NULL, body, in, err);
}

/* A generic webhook signed (or not: good_sig false) at stamp. */
static int
generic_at(const char *ctype, const char *body, bool good_sig, const char *stamp, struct inbound *in, char *err)
{
	char hex[SIG_HEX_LEN + 1], header[80];

	sig_hmac_stamped_hex(good_sig ? SECRET : "another-secret-entirely", stamp, body, strlen(body), hex);
	snprintf(header, sizeof header, "sha256=%s", hex);
	return post_at(&ch_generic, ctype, "x-cunbao-signature", header, stamp, body, in, err);
}

static int
generic(const char *ctype, const char *body, bool good_sig, struct inbound *in, char *err)
{
	return generic_at(ctype, body, good_sig, STAMP, in, err);
}

/*
 * The timestamp is signed and must be within generic-window of our clock:
 * an old request replayed once the spool forgot its id is 403, a request
 * whose timestamp was changed no longer matches its signature (401), and
 * the old scheme (the body alone signed) is refused.
 */
Test(channels, generic_timestamp_window)
{
	static const struct {
		const char *stamp;
		int status;
	} cases[] = {
		{ "1701736200", 200 },
		{ "1701735900", 200 },		/* 300 s behind: the edge */
		{ "1701736500", 200 },		/* 300 s ahead */
		{ "1701735899", 403 },
		{ "1701736501", 403 },
		{ "1601736200", 403 },		/* a replay years later */
		{ "", 401 },
		{ "-5", 401 },
		{ "17017362OO", 401 },
		{ "99999999999999999999", 401 },
	};
	const char *body = "{\"from\":\"13800000003\",\"text\":\"x\",\"id\":\"1\"}";
	char hex[SIG_HEX_LEN + 1], header[80];
	struct inbound in;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = generic_at("application/json", body, true, cases[i].stamp, &in, err);

		cr_expect_eq(st, cases[i].status, "case %zu (%s): %d %s", i, cases[i].stamp, st, err);
		if (st == 403)
			cr_expect(strstr(err, "generic-window") != NULL, "%s", err);
	}
	/* Signed at one time, sent with another: the signature no longer matches. */
	sig_hmac_stamped_hex(SECRET, "1601736200", body, strlen(body), hex);
	snprintf(header, sizeof header, "sha256=%s", hex);
	cr_expect_eq(post_at(&ch_generic, "application/json", "X-Cunbao-Signature", header, STAMP, body, &in, err),
	    401);
	/* The body alone signed (no timestamp in the HMAC): refused. */
	sig_hmac_hex(SECRET, body, strlen(body), hex);
	snprintf(header, sizeof header, "sha256=%s", hex);
	cr_expect_eq(post_at(&ch_generic, "application/json", "X-Cunbao-Signature", header, STAMP, body, &in, err),
	    401);
	cr_expect_eq(post(&ch_generic, "application/json", "X-Cunbao-Signature", header, body, &in, err), 401);
	cr_expect(strstr(err, "X-Cunbao-Timestamp") != NULL, "%s", err);
	/* A window longer than the spool remembers ids is refused at start. */
	err[0] = '\0';
	conf.generic_window = conf.keep_done + 1;
	cr_expect_eq(ch_generic.check(&conf, err, sizeof err), 1, "%s", err);
	cr_expect(strstr(err, "generic-window:") != NULL, "%s", err);
}

Test(channels, generic_json_and_form)
{
	struct inbound in;
	char err[256];

	cr_assert_eq(generic("application/json; charset=utf-8",
	    "{\"from\":\"+86 138 0000 0003\",\"text\":\"牲畜 牛12\",\"id\":\"gw-77\",\"ts\":1701736200}",
	    true, &in, err), 200, "%s", err);
	cr_expect_str_eq(in.from, "+8613800000003");
	cr_expect_str_eq(in.text, "牲畜 牛12");
	cr_expect_str_eq(in.id, "http:gw-77");
	cr_expect_eq(in.sent_at, 1701736200);

	cr_assert_eq(generic("application/x-www-form-urlencoded",
	    "from=13800000003&text=%E7%89%9B12&id=778", true, &in, err), 200, "%s", err);
	cr_expect_str_eq(in.text, "牛12");
	cr_expect_str_eq(in.id, "http:778");

	cr_assert_eq(generic("application/json", "{\"from\":\"13800000003\",\"text\":\"x\",\"id\":42}",
	    true, &in, err), 200, "%s", err);
	cr_expect_str_eq(in.id, "http:42");
}

Test(channels, generic_refusals)
{
	static const struct {
		const char *ctype, *body;
		bool good_sig;
		int status;
	} cases[] = {
		{ "application/json", "{\"from\":\"13800000003\",\"text\":\"x\",\"id\":\"1\"}", false, 401 },
		{ "text/plain", "from=13800000003&text=x&id=1", true, 415 },
		{ "application/json", "{\"from\":\"13800000003\",\"text\":\"x\"", true, 400 },
		{ "application/json", "[1,2]", true, 400 },
		{ "application/json", "{\"from\":\"13800000003\",\"text\":\"x\"}", true, 400 },
		{ "application/json", "{\"from\":\"13800000003\",\"text\":7,\"id\":\"1\"}", true, 400 },
		{ "application/json", "{\"from\":\"13800000003\",\"text\":\"x\",\"id\":1.5}", true, 400 },
		{ "application/json", "{\"from\":\"13800000003\",\"text\":\"x\",\"id\":\"\"}", true, 400 },
		{ "application/json", "{\"from\":\"nobody\",\"text\":\"x\",\"id\":\"1\"}", true, 400 },
		{ "application/x-www-form-urlencoded", "from=13800000003&text=x", true, 400 },
	};
	struct inbound in;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = generic(cases[i].ctype, cases[i].body, cases[i].good_sig, &in, err);

		cr_expect_eq(st, cases[i].status, "case %zu: %d (%s)", i, st, err);
		cr_expect(err[0] != '\0', "case %zu: no explanation", i);
	}
	cr_expect_eq(post(&ch_generic, "application/json", NULL, NULL, "{}", &in, err), 401);
}

Test(channels, generic_odd_id_is_hashed_and_bad_utf8_replaced)
{
	struct inbound in;
	char err[256];

	cr_assert_eq(generic("application/json",
	    "{\"from\":\"13800000003\",\"text\":\"a\xff" "b\",\"id\":\"id with spaces/and slashes\"}",
	    true, &in, err), 200, "%s", err);
	cr_expect(strncmp(in.id, "http:h", 6) == 0, "%s", in.id);
	cr_expect(payload_id_valid(in.id, strlen(in.id)));
	cr_expect_str_eq(in.text, "a\xef\xbf\xbd" "b");
}

Test(channels, generic_reply_signed)
{
	struct outreq req;
	char err[128];

	cr_assert(ch_generic.reply(&conf, NOW, "http:1", "+8613800000003", "已收到 \"牛\"", &req, err, sizeof err));
	cr_expect(req.post);
	cr_expect_str_eq(req.url, "http://127.0.0.1:9/out");
	cr_expect_str_eq(req.ctype, "application/json");
	cr_expect_str_eq(req.body, "{\"id\":\"http:1\",\"to\":\"+8613800000003\",\"text\":\"已收到 \\\"牛\\\"\"}");
	cr_expect_eq(req.bodylen, strlen(req.body));
	cr_assert_eq(req.nhdrs, 3);
	cr_expect_str_eq(req.hdrs[0].name, "X-Cunbao-Timestamp");
	cr_expect_str_eq(req.hdrs[0].value, STAMP);
	cr_expect_str_eq(req.hdrs[1].name, "X-Cunbao-Signature");
	cr_expect(sig_check_stamped(SECRET, req.hdrs[1].value, STAMP, req.body, req.bodylen));
	cr_expect(!sig_check(SECRET, req.hdrs[1].value, req.body, req.bodylen));
	cr_expect_str_eq(req.hdrs[2].name, "Idempotency-Key");
	cr_expect_str_eq(req.hdrs[2].value, "http:1");
	cr_expect_eq(ch_generic.judge(204, "", 0, err, sizeof err), SEND_OK);
	cr_expect_eq(ch_generic.judge(500, "boom", 4, err, sizeof err), SEND_RETRY);
	cr_expect(strstr(err, "500 boom") != NULL, "%s", err);
}

/* The generic gateway's delivery reports: signed like messages; any status but a failure's is taken. */
Test(channels, generic_delivery_reports)
{
	static const struct {
		const char *ctype, *body, *stamp;
		bool good_sig;
		int status;
		bool failed;
	} cases[] = {
		{ "application/json", "{\"id\":\"http:gw-1\",\"status\":\"sent\"}", STAMP, true, 200, false },
		{ "application/json", "{\"id\":\"http:gw-1\"}", STAMP, true, 200, false },
		{ "application/json", "{\"id\":\"remind:7\",\"status\":\"FAILED\"}", STAMP, true, 200, true },
		{ "application/x-www-form-urlencoded", "id=http%3Agw-1&status=undelivered", STAMP, true, 200, true },
		{ "application/json", "{\"id\":\"http:gw-1\"}", STAMP, false, 401, false },
		{ "application/json", "{\"id\":\"http:gw-1\"}", "1601736200", true, 403, false },
		{ "application/json", "{\"id\":\"bad id\"}", STAMP, true, 400, false },
		{ "application/json", "{\"status\":\"sent\"}", STAMP, true, 400, false },
		{ "application/json", "[1]", STAMP, true, 400, false },
		{ "text/plain", "id=http%3Agw-1", STAMP, true, 415, false },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char hex[SIG_HEX_LEN + 1], sig[80], err[256] = "";
		struct br_header h[3] = { { "Content-Type", cases[i].ctype }, { "X-Cunbao-Timestamp", cases[i].stamp },
			{ "X-Cunbao-Signature", sig } };
		struct webhook w = { .method = "POST", .path = "/sms/report", .query = "", .headers = h, .nheaders = 3,
			.body = cases[i].body, .bodylen = strlen(cases[i].body), .peer = "10.1.1.1", .now = NOW };
		struct delivery d;
		int st;

		sig_hmac_stamped_hex(cases[i].good_sig ? SECRET : "another-secret-entirely", cases[i].stamp,
		    cases[i].body, strlen(cases[i].body), hex);
		snprintf(sig, sizeof sig, "sha256=%s", hex);
		memset(&d, 0, sizeof d);
		st = ch_generic.report(&conf, &w, &d, err, sizeof err);
		cr_expect_eq(st, cases[i].status, "case %zu: %d (%s)", i, st, err);
		if (st == 200)
			cr_expect_eq(d.failed, cases[i].failed, "case %zu", i);
		else
			cr_expect(err[0] != '\0', "case %zu: no explanation", i);
	}
	cr_expect_str_eq(ch_generic.report_route, "/sms/report");
}

static int
tg(const char *token, const char *body, struct inbound *in, char *err)
{
	return post(&ch_telegram, "application/json", token ? "X-Telegram-Bot-Api-Secret-Token" : NULL,
	    token, body, in, err);
}

Test(channels, telegram_update)
{
	struct inbound in;
	char err[256];

	cr_assert_eq(tg(TGSECRET, "{\"update_id\":900001,\"message\":{\"message_id\":5,"
	    "\"from\":{\"id\":700000003,\"is_bot\":false,\"first_name\":\"志强\"},"
	    "\"chat\":{\"id\":700000003,\"type\":\"private\"},\"date\":1701736200,"
	    "\"text\":\"牲畜 牛１２ 猪40 羊5\"}}", &in, err), 200, "%s", err);
	cr_expect(!in.ignore);
	cr_expect_str_eq(in.id, "tg:900001");
	cr_expect_str_eq(in.from, "tg:700000003");
	cr_expect_str_eq(in.text, "牲畜 牛１２ 猪40 羊5");
	cr_expect_eq(in.sent_at, 1701736200);

	cr_assert_eq(tg(TGSECRET, "{\"update_id\":2,\"message\":{\"from\":{\"id\":700000004},"
	    "\"chat\":{\"id\":700000004,\"type\":\"private\"},\"caption\":\"卫生 合格\"}}", &in, err), 200, "%s", err);
	cr_expect(!in.ignore);
	cr_expect_str_eq(in.from, "tg:700000004");
	cr_expect_str_eq(in.text, "卫生 合格");
}

/*
 * The trust rules: the sender is the person (from.id), only private chats
 * report, an edit is never counted again (the person is told to send 更正),
 * channel posts and bots are ignored.
 */
Test(channels, telegram_private_chats_only_and_edits_not_counted)
{
	static const struct {
		const char *body;
		bool ignore;
		const char *from;	/* the sender (or the edit's answer's recipient); "" none */
		bool answer;
	} cases[] = {
		/* A group: anyone there would report as the group; not a report, not answered. */
		{ "{\"update_id\":10,\"message\":{\"from\":{\"id\":700000009},\"chat\":{\"id\":-100777,"
		  "\"type\":\"group\"},\"text\":\"牲畜 牛12\"}}", true, "", false },
		{ "{\"update_id\":11,\"message\":{\"from\":{\"id\":700000009},\"chat\":{\"id\":-100777,"
		  "\"type\":\"supergroup\"},\"text\":\"牲畜 牛12\"}}", true, "", false },
		{ "{\"update_id\":12,\"message\":{\"from\":{\"id\":700000009},\"chat\":{\"id\":700000009},"
		  "\"text\":\"牲畜 牛12\"}}", true, "", false },
		/* An edit in a private chat: not counted, answered with the 更正 hint. */
		{ "{\"update_id\":13,\"edited_message\":{\"from\":{\"id\":700000003},\"chat\":{\"id\":700000003,"
		  "\"type\":\"private\"},\"text\":\"牲畜 牛13\"}}", true, "tg:700000003", true },
		/* An edit in a group: not counted, not answered. */
		{ "{\"update_id\":14,\"edited_message\":{\"from\":{\"id\":700000003},\"chat\":{\"id\":-100777,"
		  "\"type\":\"group\"},\"text\":\"牲畜 牛13\"}}", true, "", false },
		{ "{\"update_id\":15,\"channel_post\":{\"chat\":{\"id\":-1001234,\"type\":\"channel\"},"
		  "\"text\":\"卫生 合格\"}}", true, "", false },
		{ "{\"update_id\":16,\"edited_channel_post\":{\"chat\":{\"id\":-1001234,\"type\":\"channel\"},"
		  "\"text\":\"卫生 合格\"}}", true, "", false },
		{ "{\"update_id\":17,\"message\":{\"from\":{\"id\":5,\"is_bot\":true},\"chat\":{\"id\":5,"
		  "\"type\":\"private\"},\"text\":\"x\"}}", true, "tg:5", false },
		/* The sender is from.id even if the chat id were to differ. */
		{ "{\"update_id\":18,\"message\":{\"from\":{\"id\":700000003},\"chat\":{\"id\":700000099,"
		  "\"type\":\"private\"},\"text\":\"x\"}}", false, "tg:700000003", false },
	};
	struct inbound in;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = tg(TGSECRET, cases[i].body, &in, err);

		cr_expect_eq(st, 200, "case %zu: %d (%s)", i, st, err);
		cr_expect_eq(in.ignore, cases[i].ignore, "case %zu", i);
		cr_expect_str_eq(in.from, cases[i].from, "case %zu", i);
		cr_expect_eq(in.answer[0] != '\0', cases[i].answer, "case %zu: answer \"%s\"", i, in.answer);
		if (in.ignore)
			cr_expect(in.why[0] != '\0', "case %zu: ignored without a reason", i);
	}
	cr_expect(strstr(in.answer, "更正") == NULL);
	cr_assert_eq(tg(TGSECRET, cases[3].body, &in, err), 200);
	cr_expect(strstr(in.answer, "更正") != NULL, "%s", in.answer);
	cr_expect_eq(tg(TGSECRET, "{\"update_id\":19,\"message\":{\"chat\":{\"id\":1,\"type\":\"private\"},"
	    "\"text\":\"x\"}}", &in, err), 400, "a private message without from");
	conf.telegram_edit_reply[0] = '\0';
	cr_assert_eq(tg(TGSECRET, cases[3].body, &in, err), 200);
	cr_expect(in.ignore && in.answer[0] == '\0', "telegram-edit-reply empty: no answer");
}

Test(channels, telegram_ignored_and_refused)
{
	static const struct {
		const char *token, *body;
		int status;
		bool ignore;
	} cases[] = {
		{ TGSECRET, "{\"update_id\":3,\"message\":{\"chat\":{\"id\":1},\"sticker\":{}}}", 200, true },
		{ TGSECRET, "{\"update_id\":4,\"my_chat_member\":{}}", 200, true },
		{ "wrong-secret-0123456789", "{\"update_id\":5}", 401, false },
		{ NULL, "{\"update_id\":5}", 401, false },
		{ TGSECRET, "{\"update_id\":\"x\"}", 400, false },
		{ TGSECRET, "{\"message\":{}}", 400, false },
		{ TGSECRET, "not json", 400, false },
		{ TGSECRET, "{\"update_id\":6,\"message\":{\"text\":\"x\"}}", 200, true },
		{ TGSECRET, "{\"update_id\":6,\"message\":{\"chat\":{\"type\":\"private\"},\"from\":{\"id\":\"x\"},"
		  "\"text\":\"x\"}}", 400, false },
	};
	struct inbound in;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = tg(cases[i].token, cases[i].body, &in, err);

		cr_expect_eq(st, cases[i].status, "case %zu: %d (%s)", i, st, err);
		cr_expect_eq(in.ignore, cases[i].ignore, "case %zu", i);
		if (st != 200)
			cr_expect(err[0] != '\0', "case %zu: no explanation", i);
		else
			cr_expect(in.why[0] != '\0', "case %zu: ignored without a reason", i);
	}
}

Test(channels, telegram_reply_and_judge)
{
	struct outreq req;
	char err[128];

	cr_assert(ch_telegram.reply(&conf, NOW, "tg:1", "tg:-1001234", "已收到", &req, err, sizeof err));
	cr_expect(req.post);
	cr_expect_str_eq(req.url, "http://127.0.0.1:9/bot123:ABC/sendMessage");
	cr_expect_str_eq(req.body, "{\"chat_id\":-1001234,\"text\":\"已收到\"}");
	cr_expect(!ch_telegram.reply(&conf, NOW, "tg:1", "+8613800000003", "x", &req, err, sizeof err));
	cr_expect(!ch_telegram.reply(&conf, NOW, "tg:1", "tg:", "x", &req, err, sizeof err));
	cr_expect(!ch_telegram.reply(&conf, NOW, "tg:1", "tg:12x", "x", &req, err, sizeof err));

	cr_expect_eq(ch_telegram.judge(200, "{\"ok\":true,\"result\":{}}", 23, err, sizeof err), SEND_OK);
	cr_expect_eq(ch_telegram.judge(200, "{\"ok\":false}", 12, err, sizeof err), SEND_RETRY);
	cr_expect_eq(ch_telegram.judge(403, "{\"ok\":false,\"description\":\"Forbidden: bot was blocked\"}",
	    55, err, sizeof err), SEND_FAIL);
	cr_expect(strstr(err, "blocked") != NULL, "%s", err);
	cr_expect_eq(ch_telegram.judge(429, "{\"ok\":false}", 12, err, sizeof err), SEND_RETRY);
	cr_expect_eq(ch_telegram.judge(0, "", 0, err, sizeof err), SEND_RETRY);
}

Test(channels, table_and_reply_routing)
{
	size_t i;
	char err[1024] = "";

	for (i = 0; channel_table[i] != NULL; i++) {
		cr_expect_eq(channel_find(channel_table[i]->name), channel_table[i]);
		cr_expect_eq(channel_table[i]->check(&conf, err, sizeof err), 0, "%s: %s",
		    channel_table[i]->name, err);
	}
	cr_expect_null(channel_find("carrier-pigeon"));
	cr_expect_eq(channel_for_reply(&conf, "sms"), &ch_kannel);
	cr_expect_eq(channel_for_reply(&conf, "tg"), &ch_telegram);
	cr_expect_null(channel_for_reply(&conf, "http"));
	snprintf(conf.sms_gateway, sizeof conf.sms_gateway, "generic");
	cr_expect_eq(channel_for_reply(&conf, "sms"), &ch_generic);
	conf.generic = false;
	cr_expect_eq(channel_for_reply(&conf, "sms"), &ch_kannel);
	conf.telegram = false;
	cr_expect_null(channel_for_reply(&conf, "tg"));
}

Test(channels, checks_report_missing_settings)
{
	char err[1024] = "";

	memset(&conf, 0, sizeof conf);
	cr_expect_eq(ch_kannel.check(&conf, err, sizeof err), 3, "%s", err);
	cr_expect_eq(ch_generic.check(&conf, err, sizeof err), 2, "%s", err);
	cr_expect_eq(ch_telegram.check(&conf, err, sizeof err), 3, "%s", err);
	cr_expect(strstr(err, "kannel-sendsms:") != NULL, "%s", err);
	cr_expect(strstr(err, "telegram-token:") != NULL, "%s", err);
}

Test(channels, make_id)
{
	char id[CB_ID_MAX + 1];
	char longraw[80];

	channel_make_id("kannel", "abc-1", 5, id, sizeof id);
	cr_expect_str_eq(id, "kannel:abc-1");
	memset(longraw, 'a', sizeof longraw);
	channel_make_id("kannel", longraw, sizeof longraw, id, sizeof id);
	cr_expect(strncmp(id, "kannel:h", 8) == 0 && strlen(id) == 48, "%s", id);
	channel_make_id("tg", "", 0, id, sizeof id);
	cr_expect(payload_id_valid(id, strlen(id)), "%s", id);
}
