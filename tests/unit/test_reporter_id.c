/*
 * test_reporter_id.c — which reporter ids the roster and the envelope's
 * "from" take (lib/payload.c payload_reporter_valid): phone numbers in
 * E.164, the chat platforms' ids with '@' and '.', and a clear reason for
 * the rest, an id over the length limit first of all.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "payload.h"

static const struct {
	const char *id;
	const char *why;	/* NULL: accepted; else a word the reason holds */
} cases[] = {
	{ "+8613800000003", NULL },
	{ "tg:700000003", NULL },
	{ "wecom:zhang.san@corp", NULL },
	{ "wecom:ZhangSan-01_x", NULL },
	{ "wechat:oAbC-12345678901234567890_x", NULL },		/* an OpenID: 28 of [A-Za-z0-9_-] */
	{ "dingtalk:manager4567", NULL },
	{ "feishu:ou_0123456789abcdef0123456789abcdef", NULL },
	{ "wecom:0123456789012345678901234567890123456789012345678901234567", NULL },	/* 64 bytes */
	{ "wecom:01234567890123456789012345678901234567890123456789012345678", "65 bytes" },
	{ "13800000003", "phone number" },
	{ "+0123456789", "phone number" },
	{ "+86138", "phone number" },
	{ ":abc", "chat id" },
	{ "WeCom:abc", "channel" },
	{ "wecom:", "after \"wecom:\"" },
	{ "wecom:zhang san", "after \"wecom:\"" },
	{ "wecom:张三", "after \"wecom:\"" },
	{ "", "chat id" },
};

Test(reporter_id, table)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char why[200] = "unchanged";
		bool ok = payload_reporter_valid(cases[i].id, strlen(cases[i].id), why, sizeof why);

		if (cases[i].why == NULL) {
			cr_expect(ok, "%s refused: %s", cases[i].id, why);
			cr_expect_str_eq(why, "");
		} else {
			cr_expect(!ok, "%s accepted", cases[i].id);
			cr_expect(strstr(why, cases[i].why) != NULL, "%s: \"%s\" lacks \"%s\"", cases[i].id, why,
			    cases[i].why);
		}
	}
}

/* The envelope's "from" takes every chat id, '@' included, and says what an over-long one lacks. */
Test(reporter_id, envelope_from)
{
	struct envelope e;
	char err[256];
	const char *ok = "{\"id\":\"wecom:1\",\"source\":\"bridge-1\",\"channel\":\"wecom\","
	    "\"from\":\"wecom:zhang.san@corp\",\"text\":\"牲畜 牛1\"}";
	const char *longer = "{\"id\":\"wecom:2\",\"source\":\"bridge-1\",\"channel\":\"wecom\","
	    "\"from\":\"wecom:01234567890123456789012345678901234567890123456789012345678\",\"text\":\"x\"}";

	cr_expect_eq(envelope_decode(ok, strlen(ok), &e, err, sizeof err), CB_OK, "%s", err);
	cr_expect_str_eq(e.from, "wecom:zhang.san@corp");
	cr_expect_eq(envelope_decode(longer, strlen(longer), &e, err, sizeof err), CB_BAD_ID);
	cr_expect(strstr(err, "from") != NULL && strstr(err, "64 bytes") != NULL, "%s", err);
}
