/*
 * test_csvenc.c — a clerk's CSV in every charset Excel, WPS and Notepad
 * write comes out as the same UTF-8 (lib/csvenc.c), and a file that is
 * none of them is refused naming its line and what to do.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "csvenc.h"

#define WANT "path,name\nx,河西村\n"

#define B(s) s, sizeof s - 1	/* bytes and their count, NULs included */

static const struct {
	const char *name, *bytes;
	size_t len;
	const char *charset;
} good[] = {
	{ "utf-8", B(WANT), "UTF-8" },
	{ "utf-8 bom", B("\xef\xbb\xbf" WANT), "UTF-8 with BOM" },
	{ "gbk", B("path,name\nx,\xba\xd3\xce\xf7\xb4\xe5\n"), "GB18030" },
	{ "utf-16le bom", B("\xff\xfep\0a\0t\0h\0,\0n\0a\0m\0e\0\n\0x\0,\0\xb3\x6c\x7f\x89\x51\x67\n\0"),
	  "UTF-16LE" },
	{ "utf-16le", B("p\0a\0t\0h\0,\0n\0a\0m\0e\0\n\0x\0,\0\xb3\x6c\x7f\x89\x51\x67\n\0"), "UTF-16LE" },
	{ "utf-16be bom", B("\xfe\xff\0p\0a\0t\0h\0,\0n\0a\0m\0e\0\n\0x\0,\x6c\xb3\x89\x7f\x67\x51\0\n"),
	  "UTF-16BE" },
	{ "utf-16be", B("\0p\0a\0t\0h\0,\0n\0a\0m\0e\0\n\0x\0,\x6c\xb3\x89\x7f\x67\x51\0\n"), "UTF-16BE" },
};

Test(csvenc, every_charset_to_the_same_utf8)
{
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char err[256] = "";
		const char *cs = NULL;
		size_t n = 0;
		char *out = csvenc_decode(good[i].bytes, good[i].len, &n, &cs, err, sizeof err);

		cr_assert_not_null(out, "%s: %s", good[i].name, err);
		cr_expect_str_eq(out, WANT, "%s", good[i].name);
		cr_expect_eq(n, strlen(WANT), "%s", good[i].name);
		cr_expect_str_eq(cs, good[i].charset, "%s", good[i].name);
		free(out);
	}
}

Test(csvenc, none_of_them_names_the_line_and_the_fix)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *want;
	} bad[] = {
		/* UTF-8 with one Latin-1 byte on line 3: GB18030 fails too. */
		{ B("path,name\nx,河西村\ny,Caf\xe9\n"), "line 3 is not valid UTF-8, GB18030 or UTF-16" },
		{ B("a,b\n\xff\xff\n"), "line 2 " },
		{ B("\xff\xfe" "a\0\n\0\0\xd8\n\0"), "line 2 is not valid UTF-16LE" },	/* a lone surrogate */
		{ B("\xff\xfe" "a\0\n\0b\0\0\0\n\0"), "line 2 is not valid UTF-16LE text: it holds U+0000" },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[256] = "";
		const char *cs = NULL;
		size_t n = 0;
		char *out = csvenc_decode(bad[i].bytes, bad[i].len, &n, &cs, err, sizeof err);

		cr_expect_null(out, "case %zu decoded as %s", i, cs);
		free(out);
		cr_expect(strstr(err, bad[i].want) != NULL, "case %zu: %s", i, err);
		cr_expect(strstr(err, "iconv -f GB18030 -t UTF-8") != NULL, "case %zu: %s", i, err);
	}
}
