/*
 * test_utf8.c — strict decoding, encoding, folding, classes, width, truncation.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct valid_case {
	const char *name;
	const char *s;
	size_t len;	/* 0: strlen */
	bool ok;
};

static const struct valid_case valid_cases[] = {
	{ "empty", "", 0, true },
	{ "ascii", "LS cattle 12", 0, true },
	{ "chinese", "牲畜 牛12 猪40 羊5", 0, true },
	{ "full-width", "ＬＳ １２", 0, true },
	{ "four-byte", "\xF0\x9F\x90\x84", 0, true },		/* U+1F404 cow */
	{ "max code point", "\xF4\x8F\xBF\xBF", 0, true },
	{ "embedded NUL", "a\0b", 3, true },
	{ "stray continuation", "\x80", 0, false },
	{ "bad lead F8", "\xF8\x88\x80\x80\x80", 0, false },
	{ "bad lead FF", "\xFF", 0, false },
	{ "truncated 2", "\xC3", 0, false },
	{ "truncated 3", "\xE7\x89", 0, false },
	{ "truncated 4", "\xF0\x9F\x90", 0, false },
	{ "overlong slash", "\xC0\xAF", 0, false },
	{ "overlong C1", "\xC1\xBF", 0, false },
	{ "overlong 3", "\xE0\x80\xAF", 0, false },
	{ "overlong 4", "\xF0\x80\x80\xAF", 0, false },
	{ "surrogate D800", "\xED\xA0\x80", 0, false },
	{ "surrogate DFFF", "\xED\xBF\xBF", 0, false },
	{ "past 10FFFF", "\xF4\x90\x80\x80", 0, false },
	{ "F5 lead", "\xF5\x80\x80\x80", 0, false },
	{ "bad continuation", "\xE7\x28\x9B", 0, false },
	{ "good then bad", "牛\xE7", 0, false },
};

Test(utf8, valid_table)
{
	for (size_t i = 0; i < NELEM(valid_cases); i++) {
		const struct valid_case *c = &valid_cases[i];
		size_t len = c->len ? c->len : strlen(c->s);
		cr_expect_eq(utf8_valid(c->s, len), c->ok, "%s", c->name);
	}
}

struct next_case {
	const char *s;
	int32_t cp;
	size_t adv;
};

static const struct next_case next_cases[] = {
	{ "a", 'a', 1 },
	{ "\xC2\xA9", 0xA9, 2 },
	{ "牛", 0x725B, 3 },
	{ "\xF0\x9F\x90\x84", 0x1F404, 4 },
	{ "\x80", -1, 1 },
	{ "\xC0\xAF", -1, 1 },
	{ "\xED\xA0\x80", -1, 1 },
	{ "\xE7\x89", -1, 1 },
};

Test(utf8, next_table)
{
	for (size_t k = 0; k < NELEM(next_cases); k++) {
		const struct next_case *c = &next_cases[k];
		size_t i = 0;
		int32_t cp = utf8_next(c->s, strlen(c->s), &i);
		cr_expect_eq(cp, c->cp, "case %zu: cp %d", k, cp);
		cr_expect_eq(i, c->adv, "case %zu: advanced %zu", k, i);
	}
}

Test(utf8, next_at_end)
{
	size_t i = 3;
	cr_expect_eq(utf8_next("abc", 3, &i), -1);
	cr_expect_eq(i, 3);
}

Test(utf8, put_roundtrip)
{
	static const int32_t cps[] = { 0, 'a', 0x7F, 0x80, 0x7FF, 0x800, 0x725B, 0xFFFF,
		0x10000, 0x1F404, 0x10FFFF };
	for (size_t k = 0; k < NELEM(cps); k++) {
		char buf[4];
		size_t n = utf8_put(cps[k], buf);
		cr_assert_gt(n, 0, "cp %x", cps[k]);
		size_t i = 0;
		cr_expect_eq(utf8_next(buf, n, &i), cps[k]);
		cr_expect_eq(i, n);
	}
}

Test(utf8, put_rejects)
{
	static const int32_t bad[] = { -1, 0xD800, 0xDFFF, 0x110000, INT32_MAX };
	char buf[4];
	for (size_t k = 0; k < NELEM(bad); k++)
		cr_expect_eq(utf8_put(bad[k], buf), 0, "cp %x", bad[k]);
}

struct fold_case {
	int32_t in, out;
};

static const struct fold_case fold_cases[] = {
	{ 'A', 'a' }, { 'Z', 'z' }, { 'a', 'a' }, { '1', '1' },
	{ 0xFF21, 'a' },	/* Ａ */
	{ 0xFF41, 'a' },	/* ａ */
	{ 0xFF11, '1' },	/* １ */
	{ 0xFF01, '!' }, { 0xFF5E, '~' },
	{ 0xFF5F, 0xFF5F },	/* past the range */
	{ 0xFF00, 0xFF00 },
	{ 0x3000, ' ' },
	{ 0x725B, 0x725B },	/* 牛 */
	{ 0xC9, 0xC9 },		/* É: only ASCII is lower-cased */
};

Test(utf8, fold_table)
{
	for (size_t k = 0; k < NELEM(fold_cases); k++)
		cr_expect_eq(utf8_fold(fold_cases[k].in), fold_cases[k].out, "cp %x",
		    fold_cases[k].in);
}

Test(utf8, fold_text)
{
	char out[32];
	cr_expect_eq(utf8_fold_text("ＬＳ Cattle １２", strlen("ＬＳ Cattle １２"), out, sizeof out), 12);
	cr_expect_str_eq(out, "ls cattle 12");
	cr_expect_eq(utf8_fold_text("牛ＡＢ", strlen("牛ＡＢ"), out, sizeof out), 5);
	cr_expect_str_eq(out, "牛ab");
	cr_expect_eq(utf8_fold_text("", 0, out, sizeof out), 0);
	cr_expect_str_eq(out, "");
	cr_expect_eq(utf8_fold_text("a\x80", 2, out, sizeof out), (size_t)-1);
	cr_expect_str_eq(out, "");
	/* "abcd" needs 5 bytes with the NUL. */
	cr_expect_eq(utf8_fold_text("ABCD", 4, out, 4), (size_t)-1);
	cr_expect_eq(utf8_fold_text("ABCD", 4, out, 5), 4);
	cr_expect_eq(utf8_fold_text("x", 1, out, 0), (size_t)-1);
}

struct cjk_case {
	int32_t cp;
	bool cjk;
};

static const struct cjk_case cjk_cases[] = {
	{ 0x725B, true },	/* 牛 */
	{ 0x4E00, true }, { 0x9FFF, true }, { 0x3400, true }, { 0x20000, true },
	{ 0x3001, true },	/* 、 */
	{ 0x3002, true },	/* 。 */
	{ 0xFF0C, true },	/* ， */
	{ 0xFF1A, true },	/* ： */
	{ 0xFF1B, true },	/* ； */
	{ 0xFF11, false },	/* １ folds to ASCII */
	{ 0xFF21, false },	/* Ａ */
	{ 'a', false }, { ',', false }, { 0xE9, false }, { 0xAC00, false },
};

Test(utf8, cjk_table)
{
	for (size_t k = 0; k < NELEM(cjk_cases); k++)
		cr_expect_eq(utf8_is_cjk(cjk_cases[k].cp), cjk_cases[k].cjk, "cp %x",
		    cjk_cases[k].cp);
}

struct width_case {
	const char *s;
	size_t w;
};

static const struct width_case width_cases[] = {
	{ "", 0 },
	{ "abc", 3 },
	{ "牛12", 4 },
	{ "牲畜", 4 },
	{ "ＬＳ", 4 },
	{ "e\xCC\x81", 1 },	/* e + combining acute */
	{ "a\tb", 2 },		/* a control character takes no column */
	{ "\xFF\xFE", 2 },	/* malformed bytes count one each */
	{ "\xF0\x9F\x90\x84", 2 },
};

Test(utf8, width_table)
{
	for (size_t k = 0; k < NELEM(width_cases); k++)
		cr_expect_eq(utf8_width(width_cases[k].s, strlen(width_cases[k].s)),
		    width_cases[k].w, "'%s'", width_cases[k].s);
}

struct trunc_case {
	const char *s;
	size_t max, n;
};

static const struct trunc_case trunc_cases[] = {
	{ "abc", 5, 3 },
	{ "abc", 3, 3 },
	{ "abc", 2, 2 },
	{ "abc", 0, 0 },
	{ "牛猪", 6, 6 },
	{ "牛猪", 5, 3 },
	{ "牛猪", 4, 3 },
	{ "牛猪", 3, 3 },
	{ "牛猪", 2, 0 },
	{ "a牛", 3, 1 },
	{ "\xF0\x9F\x90\x84x", 3, 0 },
	{ "\xF0\x9F\x90\x84x", 4, 4 },
	{ "\x80\x80\x80", 2, 2 },	/* malformed bytes are one-byte characters */
	{ "a\xE7\x89", 2, 2 },
};

Test(utf8, truncate_table)
{
	for (size_t k = 0; k < NELEM(trunc_cases); k++) {
		const struct trunc_case *c = &trunc_cases[k];
		cr_expect_eq(utf8_truncate(c->s, strlen(c->s), c->max), c->n,
		    "case %zu: got %zu", k, utf8_truncate(c->s, strlen(c->s), c->max));
	}
}
