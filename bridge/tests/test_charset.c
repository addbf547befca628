/*
 * test_charset.c — gateway text to clean UTF-8: UCS-2 as Kannel sends it,
 * surrogate pairs, Latin-1, Windows-1252, 8-bit data, and malformed input
 * that must become U+FFFD rather than be dropped.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "bridge.h"
#include "utf8.h"

static const struct {
	const char *charset;
	int coding;
	const char *in;
	size_t len;
	const char *want;	/* NULL: refused */
} cases[] = {
	{ "UTF-16BE", 2, "\x72\x72\x75\x5c\x00\x20\x72\x5b\xff\x11\xff\x12", 12, "牲畜 牛１２" },
	{ "", 2, "\x72\x72\x75\x5c", 4, "牲畜" },			/* coding 2 means UCS-2 */
	{ "ucs-2", 0, "\x00\x41", 2, "A" },
	{ "UTF-16BE", 2, "\xd8\x3d\xde\x00", 4, "😀" },			/* surrogate pair */
	{ "UTF-16BE", 2, "\xd8\x3d\x00\x41", 4, "\xef\xbf\xbd" "A" },	/* lone high surrogate */
	{ "UTF-16BE", 2, "\xde\x00", 2, "\xef\xbf\xbd" },		/* lone low surrogate */
	{ "UTF-16BE", 2, "\x00\x41\x00", 3, "A\xef\xbf\xbd" },		/* odd byte */
	{ "UTF-16", 2, "\xff\xfe\x41\x00", 4, "A" },			/* little-endian BOM */
	{ "UTF-16", 2, "\xfe\xff\x00\x41", 4, "A" },
	{ "UTF-8", 0, "牛12", 5, "牛12" },
	{ "", 0, "牛12", 5, "牛12" },
	{ "UTF-8", 0, "a\xffz", 3, "a\xef\xbf\xbdz" },			/* malformed byte */
	{ "UTF-8", 0, "a\0z", 3, "a\xef\xbf\xbdz" },			/* NUL */
	{ "ISO-8859-1", 0, "caf\xe9", 4, "café" },
	{ "WINDOWS-1252", 0, "\x80 \x93x\x94", 5, "€ “x”" },
	{ "8-BIT", 1, "牛", 3, "牛" },					/* valid UTF-8 stays */
	{ "8-BIT", 1, "\xe9t\xe9", 3, "été" },				/* else Latin-1 */
	{ "KOI8-R", 0, "x", 1, NULL },
	{ "UTF-16BE", 2, "", 0, "" },
};

Test(charset, table)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[64];
		size_t n = 999;
		bool ok = charset_to_utf8(cases[i].charset, cases[i].coding, cases[i].in, cases[i].len,
		    out, sizeof out, &n);

		if (cases[i].want == NULL) {
			cr_expect(!ok, "case %zu: accepted", i);
			continue;
		}
		cr_expect(ok, "case %zu: refused", i);
		cr_expect_str_eq(out, cases[i].want, "case %zu", i);
		cr_expect_eq(n, strlen(cases[i].want), "case %zu", i);
		cr_expect(utf8_valid(out, n), "case %zu: not UTF-8", i);
	}
}

Test(charset, overflow_is_refused)
{
	char out[4];
	size_t n;

	cr_expect(charset_to_utf8("UTF-8", 0, "abc", 3, out, sizeof out, &n));
	cr_expect(!charset_to_utf8("UTF-8", 0, "abcd", 4, out, sizeof out, &n));
	cr_expect(!charset_to_utf8("UTF-16BE", 2, "\x72\x72\x75\x5c", 4, out, sizeof out, &n));
}

Test(charset, known)
{
	cr_expect(charset_known("utf-16be"));
	cr_expect(charset_known("8-BIT"));
	cr_expect(!charset_known("EBCDIC"));
	cr_expect(!charset_known(""));
}
