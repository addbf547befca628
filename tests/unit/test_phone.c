/*
 * test_phone.c — E.164 normalisation: every shape a gateway or a person
 * writes a number in, with the default country +86 and others.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "phone.h"

static const struct {
	const char *in, *cc, *want;	/* want NULL: refused */
} cases[] = {
	{ "13800000003", "86", "+8613800000003" },
	{ "8613800000003", "86", "+8613800000003" },
	{ "+8613800000003", "86", "+8613800000003" },
	{ "+86 138-0000-0003", "86", "+8613800000003" },
	{ "0086 138 0000 0003", "86", "+8613800000003" },
	{ "(+86) 138.0000.0003", "86", "+8613800000003" },
	{ "１３８０００００００３", "86", "+8613800000003" },	/* full-width digits */
	{ "＋８６　１３８　００００　０００３", "86", "+8613800000003" },	/* full-width plus, ideographic space */
	{ "010-12345678", "86", "+861012345678" },		/* trunk 0 */
	{ "10086", "86", "10086" },				/* short code kept */
	{ "+4915112345678", "86", "+4915112345678" },
	{ "015112345678", "49", "+4915112345678" },
	{ "4915112345678", "49", "+4915112345678" },
	{ "", "86", NULL },
	{ "12", "86", NULL },
	{ "+", "86", NULL },
	{ "+0123456789", "86", NULL },
	{ "1380000000312345", "86", NULL },			/* too long */
	{ "BANK", "86", NULL },
	{ "138abc00003", "86", NULL },
	{ "13800000003", "086", NULL },				/* bad country code */
	{ "1++3800000003", "86", NULL },
	{ "\xff\xfe", "86", NULL },
};

Test(phone, e164_table)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[32] = "unchanged";
		bool ok = phone_e164(cases[i].in, strlen(cases[i].in), cases[i].cc, out, sizeof out);

		if (cases[i].want == NULL) {
			cr_expect(!ok, "case %zu \"%s\": accepted as %s", i, cases[i].in, out);
		} else {
			cr_expect(ok, "case %zu \"%s\": refused", i, cases[i].in);
			cr_expect_str_eq(out, cases[i].want, "case %zu \"%s\"", i, cases[i].in);
		}
	}
}

Test(phone, output_too_small)
{
	char out[8];

	cr_expect(!phone_e164("13800000003", 11, "86", out, sizeof out));
	cr_expect(!phone_e164("10086", 5, "86", out, 5));
	cr_expect(!phone_e164("10086", 5, "86", out, 0));
}

Test(phone, in_list)
{
	const char *list = "10086, +86 138 0000 0009,13800000010";

	cr_expect(phone_in_list("10086", list, "86"));
	cr_expect(phone_in_list("+8613800000009", list, "86"));
	cr_expect(phone_in_list("+8613800000010", list, "86"));
	cr_expect(!phone_in_list("+8613800000003", list, "86"));
	cr_expect(!phone_in_list("+8613800000003", "", "86"));
	cr_expect(!phone_in_list("+8613800000003", ",,", "86"));
}

/* Reporter ids: every way a clerk writes a number, chat ids unchanged. */
static const struct {
	const char *in, *cc, *want;	/* want NULL: refused */
} ids[] = {
	{ "13800000009", "86", "+8613800000009" },
	{ "138 0000 0009", "86", "+8613800000009" },
	{ "+86 138-0000-0009", "86", "+8613800000009" },
	{ "008613800000009", "86", "+8613800000009" },
	{ "１３８０００００００９", "86", "+8613800000009" },
	{ "+8613800000009", "86", "+8613800000009" },
	{ "8613800000009", "86", "+8613800000009" },
	{ "015112345678", "49", "+4915112345678" },
	{ "tg:700000003", "86", "tg:700000003" },
	{ "wecom:zhang.san@corp", "86", "wecom:zhang.san@corp" },
	{ "feishu:ou_0123456789abcdef0123456789abcdef", "86", "feishu:ou_0123456789abcdef0123456789abcdef" },
	{ "10086", "86", NULL },			/* a short code is no reporter */
	{ "zhangsan", "86", NULL },
	{ "", "86", NULL },
};

Test(phone, reporter_id_table)
{
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		char out[65];
		bool ok = phone_reporter_id(ids[i].in, strlen(ids[i].in), ids[i].cc, out, sizeof out);

		if (ids[i].want == NULL) {
			cr_expect(!ok, "case %zu \"%s\": accepted as %s", i, ids[i].in, out);
			cr_expect_str_eq(out, "", "case %zu", i);
		} else {
			cr_expect(ok, "case %zu \"%s\": refused", i, ids[i].in);
			cr_expect_str_eq(out, ids[i].want, "case %zu \"%s\"", i, ids[i].in);
		}
	}
}
