/*
 * test_gsm7.c — which replies go as GSM-7 and how many SMS they take: plain
 * English, the extension characters (€ ^ { } [ ] ~ | \ and form feed, two
 * septets each), the default alphabet's Latin and Greek letters, and what
 * forces UCS-2 (Chinese, an emoji, a backtick, ç, a tab, invalid UTF-8);
 * the 160/153 and 70/67 boundaries, an escape pair never cut between two
 * parts; and the coding ch_kannel puts in its sendsms request.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"
#include "gsm7.h"

static const struct {
	const char *text;
	bool gsm7;
	size_t units, parts;
} cases[] = {
	{ "", true, 0, 1 },
	{ "Received 3 Dec livestock: cattle 12", true, 35, 1 },
	{ "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà", true, 63, 1 },
	{ "a\nb\rc", true, 5, 1 },
	{ "€", true, 2, 1 },
	{ "^{}[]~|\\", true, 16, 1 },
	{ "\f", true, 2, 1 },
	{ "cost 5€ [approx]", true, 19, 1 },
	{ "已收到 3组 12月 牲畜：牛12", false, 17, 1 },
	{ "Received G3 牛", false, 13, 1 },
	{ "ok 😀", false, 5, 1 },		/* an emoji is two UTF-16 units */
	{ "`", false, 1, 1 },			/* the one printable ASCII character GSM lacks */
	{ "ç", false, 1, 1 },			/* only Ç is in the default alphabet */
	{ "a\tb", false, 3, 1 },
	{ "a\xff", false, 2, 1 },		/* invalid UTF-8: sent as UCS-2 with U+FFFD */
	{ "Ω€", true, 3, 1 },
};

Test(gsm7, table)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sms_size z;

		gsm7_measure(cases[i].text, strlen(cases[i].text), &z);
		cr_expect_eq(z.gsm7, cases[i].gsm7, "case %zu \"%s\": gsm7 %d", i, cases[i].text, z.gsm7);
		cr_expect_eq(z.units, cases[i].units, "case %zu \"%s\": %zu units", i, cases[i].text, z.units);
		cr_expect_eq(z.parts, cases[i].parts, "case %zu \"%s\": %zu parts", i, cases[i].text, z.parts);
		cr_expect_eq(gsm7_fits(cases[i].text, strlen(cases[i].text)), cases[i].gsm7, "case %zu", i);
	}
}

/* n1 copies of u1, then n2 of u2, then n3 of u3 (UTF-8 characters), into buf; returns buf. */
static const char *
repeat(char *buf, size_t size, const char *u1, size_t n1, const char *u2, size_t n2, const char *u3, size_t n3)
{
	const char *unit[3] = { u1, u2, u3 };
	size_t n[3] = { n1, n2, n3 }, off = 0, k;

	for (k = 0; k < 3; k++)
		while (n[k]-- > 0 && off + strlen(unit[k]) < size)
			off += (size_t)snprintf(buf + off, size - off, "%s", unit[k]);
	buf[off] = '\0';
	return buf;
}

static void
expect_size(const char *text, bool gsm7, size_t units, size_t parts)
{
	struct sms_size z;

	gsm7_measure(text, strlen(text), &z);
	cr_expect_eq(z.gsm7, gsm7, "%zu bytes: gsm7 %d", strlen(text), z.gsm7);
	cr_expect_eq(z.units, units, "%zu bytes: %zu units, not %zu", strlen(text), z.units, units);
	cr_expect_eq(z.parts, parts, "%zu bytes: %zu parts, not %zu", strlen(text), z.parts, parts);
}

Test(gsm7, gsm7_boundaries)
{
	char b[2048];

	expect_size(repeat(b, sizeof b, "a", 160, "", 0, "", 0), true, 160, 1);
	expect_size(repeat(b, sizeof b, "a", 161, "", 0, "", 0), true, 161, 2);
	expect_size(repeat(b, sizeof b, "a", 306, "", 0, "", 0), true, 306, 2);
	expect_size(repeat(b, sizeof b, "a", 307, "", 0, "", 0), true, 307, 3);
	/* 159 letters and € are 161 septets: over one SMS although 160 characters. */
	expect_size(repeat(b, sizeof b, "a", 159, "€", 1, "", 0), true, 161, 2);
	expect_size(repeat(b, sizeof b, "a", 158, "€", 1, "", 0), true, 160, 1);
	expect_size(repeat(b, sizeof b, "a", 158, "[", 1, "", 0), true, 160, 1);
	/* 152 + € + 152: 306 septets, but € cannot straddle the first part's end: three parts. */
	expect_size(repeat(b, sizeof b, "a", 152, "€", 1, "a", 152), true, 306, 3);
	expect_size(repeat(b, sizeof b, "a", 152, "€", 1, "a", 151), true, 305, 2);
	expect_size(repeat(b, sizeof b, "a", 151, "€", 1, "a", 153), true, 306, 2);
}

Test(gsm7, ucs2_boundaries)
{
	char b[2048];

	expect_size(repeat(b, sizeof b, "牛", 70, "", 0, "", 0), false, 70, 1);
	expect_size(repeat(b, sizeof b, "牛", 71, "", 0, "", 0), false, 71, 2);
	expect_size(repeat(b, sizeof b, "牛", 134, "", 0, "", 0), false, 134, 2);
	expect_size(repeat(b, sizeof b, "牛", 135, "", 0, "", 0), false, 135, 3);
	/* 160 letters and one Chinese character: the whole reply is UCS-2, three SMS. */
	expect_size(repeat(b, sizeof b, "牛", 1, "a", 160, "", 0), false, 161, 3);
	expect_size(repeat(b, sizeof b, "😀", 35, "", 0, "", 0), false, 70, 1);
}

Test(gsm7, septets_of_one_character)
{
	cr_expect_eq(gsm7_septets('A'), 1);
	cr_expect_eq(gsm7_septets('@'), 1);
	cr_expect_eq(gsm7_septets(0x20AC), 2);
	cr_expect_eq(gsm7_septets('|'), 2);
	cr_expect_eq(gsm7_septets(0), 0);
	cr_expect_eq(gsm7_septets(0x7F), 0);
	cr_expect_eq(gsm7_septets(0x725B), 0);	/* 牛 */
	cr_expect_eq(gsm7_septets(-1), 0);
}

/* ch_kannel's sendsms request: coding=0 for a reply that fits GSM-7, coding=2 for Chinese. */
Test(gsm7, kannel_reply_coding)
{
	struct bridge_conf conf;
	struct outreq req;
	char err[128];

	memset(&conf, 0, sizeof conf);
	snprintf(conf.kannel_sendsms, sizeof conf.kannel_sendsms, "http://127.0.0.1:13013/cgi-bin/sendsms");
	snprintf(conf.kannel_user, sizeof conf.kannel_user, "cunbao");
	snprintf(conf.kannel_dlr_url, sizeof conf.kannel_dlr_url, "off");
	cr_assert(ch_kannel.reply(&conf, 0, "kannel:1", "+8613800000008", "Received G8 Dec livestock: cattle 12",
	    &req, err, sizeof err), "%s", err);
	cr_expect(strstr(req.url, "&text=Received%20G8%20Dec%20livestock%3A%20cattle%2012&coding=0&charset=UTF-8")
	    != NULL, "%s", req.url);
	cr_assert(ch_kannel.reply(&conf, 0, "kannel:2", "+8613800000008", "Total 5€ {ok}", &req, err, sizeof err));
	cr_expect(strstr(req.url, "&coding=0&") != NULL, "%s", req.url);
	cr_assert(ch_kannel.reply(&conf, 0, "kannel:3", "+8613800000003", "已收到 牛12", &req, err, sizeof err));
	cr_expect(strstr(req.url, "&coding=2&charset=UTF-8") != NULL, "%s", req.url);
	cr_assert(ch_kannel.reply(&conf, 0, "kannel:4", "+8613800000008", "Received 😀", &req, err, sizeof err));
	cr_expect(strstr(req.url, "&coding=2&") != NULL, "%s", req.url);
}
