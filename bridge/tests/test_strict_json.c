/*
 * test_strict_json.c — the bridge's webhook bodies go through jdec_strict:
 * a JSON body with a NUL in a string or a member given twice is refused
 * (400) instead of being read as cJSON reads it (cut at the NUL, the first
 * member winning).  Each refused body is compared with the same body made
 * plain, which must pass the same checks up to the JSON (so the refusal is
 * the JSON's, whatever else the channel checks first).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"

#define SECRET "generic-secret-0123456789"
#define TGSECRET "telegram-secret-0123456789"

static struct bridge_conf conf;

static void
setup(void)
{
	memset(&conf, 0, sizeof conf);
	snprintf(conf.country, sizeof conf.country, "86");
	conf.generic = conf.telegram = true;
	snprintf(conf.generic_secret, sizeof conf.generic_secret, SECRET);
	snprintf(conf.generic_reply_url, sizeof conf.generic_reply_url, "http://127.0.0.1:9/out");
	snprintf(conf.generic_header, sizeof conf.generic_header, "X-Cunbao-Signature");
	conf.generic_window = 300000;
	snprintf(conf.telegram_secret, sizeof conf.telegram_secret, TGSECRET);
	snprintf(conf.telegram_token, sizeof conf.telegram_token, "123:ABC");
	snprintf(conf.telegram_api, sizeof conf.telegram_api, "http://127.0.0.1:9");
}

TestSuite(strict_json, .init = setup);

#define STAMP "1701736200"		/* the gateway's X-Cunbao-Timestamp */
#define NOW (1701736200LL * 1000)	/* the bridge's clock, ms */

/* POSTs body to channel ch with one header (and the timestamp); returns the parser's status, err its explanation. */
static int
post(const struct channel_ops *ch, const char *hname, const char *hvalue, const char *body, char *err)
{
	struct br_header h[3] = { { "Content-Type", "application/json" }, { hname, hvalue },
		{ "X-Cunbao-Timestamp", STAMP } };
	struct webhook w = { .method = "POST", .path = ch->route, .query = "", .headers = h,
		.nheaders = 3, .body = body, .bodylen = strlen(body), .peer = "127.0.0.1", .now = NOW };
	struct inbound in;

	memset(&in, 0, sizeof in);
	err[0] = '\0';
	return ch->parse(&conf, &w, &in, err, 256);
}

static int
generic(const char *body, char *err)
{
	char hex[SIG_HEX_LEN + 1], header[80];

	sig_hmac_stamped_hex(SECRET, STAMP, body, strlen(body), hex);
	snprintf(header, sizeof header, "sha256=%s", hex);
	return post(&ch_generic, "x-cunbao-signature", header, body, err);
}

static int
telegram(const char *body, char *err)
{
	return post(&ch_telegram, "X-Telegram-Bot-Api-Secret-Token", TGSECRET, body, err);
}

static const struct {
	int (*send)(const char *body, char *err);
	const char *plain, *bad;
} cases[] = {
	{ generic, "{\"from\":\"13800000003\",\"text\":\"牛1\",\"id\":\"1\"}",
	  "{\"from\":\"13800000003\",\"text\":\"牛1\\u0000 猪5\",\"id\":\"1\"}" },
	{ generic, "{\"from\":\"13800000003\",\"text\":\"牛1\",\"id\":\"1\"}",
	  "{\"from\":\"13800000003\",\"text\":\"牛1\",\"id\":\"1\",\"id\":\"2\"}" },
	{ generic, "{\"from\":\"13800000003\",\"text\":\"牛1\",\"id\":\"1\"}",
	  "{\"from\":\"138000\\u000000003\",\"text\":\"牛1\",\"id\":\"1\"}" },
	{ telegram, "{\"update_id\":7,\"message\":{\"message_id\":5,\"from\":{\"id\":700000003},"
	  "\"chat\":{\"id\":700000003,\"type\":\"private\"},\"date\":1701736200,\"text\":\"牛1\"}}",
	  "{\"update_id\":7,\"message\":{\"message_id\":5,\"from\":{\"id\":700000003},"
	  "\"chat\":{\"id\":700000003,\"type\":\"private\"},\"date\":1701736200,\"text\":\"牛1\\u0000\"}}" },
	{ telegram, "{\"update_id\":7,\"message\":{\"message_id\":5,\"from\":{\"id\":700000003},"
	  "\"chat\":{\"id\":700000003,\"type\":\"private\"},\"date\":1701736200,\"text\":\"牛1\"}}",
	  "{\"update_id\":7,\"message\":{\"message_id\":5,\"from\":{\"id\":700000003},"
	  "\"chat\":{\"id\":700000003,\"type\":\"private\",\"id\":1},\"date\":1701736200,\"text\":\"牛1\"}}" },
};

Test(strict_json, nul_and_twice_refused)
{
	char err[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int plain = cases[i].send(cases[i].plain, err);

		cr_expect_eq(plain, 200, "case %zu: the plain body: %d (%s)", i, plain, err);
		int bad = cases[i].send(cases[i].bad, err);
		cr_expect_eq(bad, 400, "case %zu: %d (%s)", i, bad, err);
		cr_expect(strstr(err, "plain JSON") != NULL, "case %zu: %s", i, err);
	}
}

Test(strict_json, telegram_judge_reads_a_twice_given_ok_as_no_answer)
{
	char err[256];
	const char *twice = "{\"ok\":true,\"ok\":false}";

	cr_expect_eq(ch_telegram.judge(200, twice, strlen(twice), err, sizeof err), SEND_RETRY);
}
