/*
 * test_form.c — form decoding keeps every byte (Kannel's UTF-16BE text is
 * full of %00), and encoding round-trips.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "bridge.h"

static const struct {
	const char *form, *key;
	const char *want;	/* NULL: absent or malformed */
	size_t wantlen;
} gets[] = {
	{ "from=%2B8613800000003&text=a+b", "from", "+8613800000003", 14 },
	{ "from=%2B8613800000003&text=a+b", "text", "a b", 3 },
	{ "text=rru%5C%00+r", "text", "rru\\\0 r", 7 },
	{ "a=1&b=2&a=3", "a", "1", 1 },				/* first one wins */
	{ "ab=1&a=2", "a", "2", 1 },				/* whole key */
	{ "flag&x=1", "flag", "", 0 },				/* bare key */
	{ "x=", "x", "", 0 },
	{ "x=%4", "x", NULL, 0 },				/* truncated escape */
	{ "x=%zz", "x", NULL, 0 },
	{ "x=%", "x", NULL, 0 },
	{ "", "x", NULL, 0 },
	{ "y=1", "x", NULL, 0 },
	{ "x=%E7%89%9B", "x", "牛", 3 },
};

Test(form, get_table)
{
	size_t i;

	for (i = 0; i < sizeof gets / sizeof gets[0]; i++) {
		char out[64];
		size_t n = 999;
		bool ok = form_get(gets[i].form, strlen(gets[i].form), gets[i].key, out, sizeof out, &n);

		if (gets[i].want == NULL) {
			cr_expect(!ok, "case %zu: found", i);
			continue;
		}
		cr_expect(ok, "case %zu: not found", i);
		cr_expect_eq(n, gets[i].wantlen, "case %zu: length %zu", i, n);
		cr_expect(memcmp(out, gets[i].want, n) == 0, "case %zu: bytes differ", i);
		cr_expect_eq(out[n], '\0', "case %zu: not terminated", i);
	}
}

Test(form, get_overflow)
{
	char out[4];
	size_t n;

	cr_expect(form_get("x=abc", 5, "x", out, sizeof out, &n));
	cr_expect(!form_get("x=abcd", 6, "x", out, sizeof out, &n));
}

Test(form, put_roundtrip)
{
	char buf[256] = "http://h/s?", got[64];
	size_t off = strlen(buf), n;
	const char bin[] = "a b&c=d+\xe7\x89\x9b\0z";

	cr_assert(form_put(buf, sizeof buf, &off, "to", "+8613800000003", 14));
	cr_assert(form_put(buf, sizeof buf, &off, "text", bin, sizeof bin - 1));
	cr_expect_str_eq(buf, "http://h/s?to=%2B8613800000003&text=a%20b%26c%3Dd%2B%E7%89%9B%00z");
	cr_assert(form_get(buf + 11, off - 11, "text", got, sizeof got, &n));
	cr_expect_eq(n, sizeof bin - 1);
	cr_expect(memcmp(got, bin, n) == 0);
}

Test(form, put_overflow_leaves_buffer)
{
	char buf[16] = "";
	size_t off = 0;

	cr_assert(form_put(buf, sizeof buf, &off, "a", "1", 1));
	cr_expect(!form_put(buf, sizeof buf, &off, "b", "0123456789", 10));
	cr_expect_str_eq(buf, "a=1");
	cr_expect_eq(off, 3);
}
