/*
 * test_csv.c — RFC 4180 records: quoting, line ends, BOM, blank lines,
 * Chinese text, every kind of malformed record, limits; and csv_put,
 * including read-back of what it writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "csv.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Reads every record of text[0..len) and renders them one per line: fields
 * joined by '|', CR and LF inside fields as \r and \n, a malformed record
 * as "!".  Checks that the whole text is consumed.  The text is read from
 * a heap copy of exactly len bytes, so ASan catches a read past its end.
 */
static void
render(const char *src, size_t len, int maxfields, size_t storelen, char *out, size_t outlen)
{
	size_t pos = 0, o = 0;
	char *fields[8], store[256];
	int n, guard = 0;
	char *text = malloc(len ? len : 1);

	cr_assert_not_null(text);
	memcpy(text, src, len);
	out[0] = '\0';
	cr_assert_leq(storelen, sizeof store);
	while ((n = csv_record(text, len, &pos, fields, maxfields, store, storelen)) != 0) {
		cr_assert(guard++ < 100, "no progress");
		if (n < 0) {
			o += (size_t)snprintf(out + o, outlen - o, "!\n");
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (i > 0)
				out[o++] = '|';
			for (const char *c = fields[i]; *c != '\0'; c++) {
				if (*c == '\n' || *c == '\r') {
					out[o++] = '\\';
					out[o++] = *c == '\n' ? 'n' : 'r';
				} else {
					out[o++] = *c;
				}
			}
		}
		out[o++] = '\n';
		out[o] = '\0';
	}
	cr_expect_eq(pos, len, "pos %zu != len %zu at the end", pos, len);
	free(text);
}

static const struct {
	const char *name;
	const char *text;
	const char *want;
} cases[] = {
	{ "empty", "", "" },
	{ "only line ends", "\r\n\n\r", "" },
	{ "one field", "a", "a\n" },
	{ "crlf", "a,b\r\nc,d\r\n", "a|b\nc|d\n" },
	{ "lf", "a,b\nc,d\n", "a|b\nc|d\n" },
	{ "lone cr", "a,b\rc,d", "a|b\nc|d\n" },
	{ "no final line end", "a,b\nc,d", "a|b\nc|d\n" },
	{ "blank lines skipped", "a\n\n\r\n\nb\n", "a\nb\n" },
	{ "empty fields", ",,\n,\n", "||\n|\n" },
	{ "trailing comma at end", "a,", "a|\n" },
	{ "spaces kept", " a , b ", " a | b \n" },
	{ "quoted comma", "\"a,b\",c", "a,b|c\n" },
	{ "doubled quotes", "\"say \"\"hi\"\"\",x", "say \"hi\"|x\n" },
	{ "empty quoted", "\"\",\"\"\n", "|\n" },
	{ "only a doubled quote", "\"\"\"\"", "\"\n" },
	{ "quoted newline lf", "\"line1\nline2\",b\nc", "line1\\nline2|b\nc\n" },
	{ "quoted newline crlf", "\"l1\r\nl2\"\r\nnext\r\n", "l1\\r\\nl2\nnext\n" },
	{ "bom skipped", "\xef\xbb\xbf" "code,name\r\ng01,一组\r\n", "code|name\ng01|一组\n" },
	{ "bom only at start", "a\n\xef\xbb\xbf" "b\n", "a\n\xef\xbb\xbf" "b\n" },
	{ "chinese", "xinzhuang/hexi/g03,第三组,张三,+8613800000003,zh\n",
	  "xinzhuang/hexi/g03|第三组|张三|+8613800000003|zh\n" },
	{ "chinese quoted with full-width comma", "\"河西村，三组\",\"说“好”\"\n",
	  "河西村，三组|说“好”\n" },
	/* Malformed records fail alone; the next record still reads. */
	{ "unterminated quote", "a,\"bc\nd,e\n", "!\n" },
	{ "text after closing quote", "\"ab\"c,d\nx,y\n", "!\nx|y\n" },
	{ "space after closing quote", "\"ab\" ,d\nx\n", "!\nx\n" },
	{ "quote inside unquoted", "ab\"c,d\nx\n", "!\nx\n" },
	{ "too many fields", "1,2,3,4,5,6,7,8,9\nok\n", "!\nok\n" },
	{ "too many fields, quoted newline", "1,2,3,4,5,\"6\n7\",8,9,10\nok\n", "!\nok\n" },
	{ "max fields exactly", "1,2,3,4,5,6,7,8\n", "1|2|3|4|5|6|7|8\n" },
};

Test(csv, records)
{
	for (size_t i = 0; i < NELEM(cases); i++) {
		char out[1024];

		render(cases[i].text, strlen(cases[i].text), 8, 256, out, sizeof out);
		cr_expect_str_eq(out, cases[i].want, "%s", cases[i].name);
	}
}

Test(csv, nul_byte_is_malformed)
{
	static const char text[] = "a\0b,c\nd\n\"x\0\"\ny\n";
	char out[256];

	render(text, sizeof text - 1, 8, 256, out, sizeof out);
	cr_expect_str_eq(out, "!\nd\n!\ny\n");
}

/* Storage: "ab,c" needs 3 + 2 bytes; one byte less is malformed, never overrun. */
Test(csv, storage_limit)
{
	char *fields[4], store[8];
	size_t pos;

	for (size_t len = 0; len <= 6; len++) {
		memset(store, 'X', sizeof store);
		pos = 0;
		int n = csv_record("ab,c\nz", 6, &pos, fields, 4, store, len);
		cr_expect_eq(n, len < 5 ? -1 : 2, "storelen %zu", len);
		cr_expect_eq(pos, 5, "storelen %zu", len);
		for (size_t i = len; i < sizeof store; i++)
			cr_expect_eq(store[i], 'X', "storelen %zu: wrote store[%zu]", len, i);
	}
	pos = 0;
	cr_assert_eq(csv_record("ab,c\nz", 6, &pos, fields, 4, store, 5), 2);
	cr_expect_str_eq(fields[0], "ab");
	cr_expect_str_eq(fields[1], "c");
	cr_expect_eq(csv_record("ab,c\nz", 6, &pos, fields, 0, store, 5), -1, "no room for fields");
}

Test(csv, positions_advance_past_line_end)
{
	static const char text[] = "a,b\r\n\"c\r\nd\"\re\n";
	char *fields[4], store[64];
	size_t pos = 0;

	cr_expect_eq(csv_record(text, sizeof text - 1, &pos, fields, 4, store, sizeof store), 2);
	cr_expect_eq(pos, 5);
	cr_expect_eq(csv_record(text, sizeof text - 1, &pos, fields, 4, store, sizeof store), 1);
	cr_expect_eq(pos, 12);
	cr_expect_str_eq(fields[0], "c\r\nd");
	cr_expect_eq(csv_record(text, sizeof text - 1, &pos, fields, 4, store, sizeof store), 1);
	cr_expect_str_eq(fields[0], "e");
	cr_expect_eq(pos, sizeof text - 1);
	cr_expect_eq(csv_record(text, sizeof text - 1, &pos, fields, 4, store, sizeof store), 0);
	cr_expect_eq(csv_record(text, sizeof text - 1, &pos, fields, 4, store, sizeof store), 0);
}

static const struct {
	const char *in, *out;
} put_cases[] = {
	{ "plain", "plain" },
	{ "", "" },
	{ "a,b", "\"a,b\"" },
	{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
	{ "two\nlines", "\"two\nlines\"" },
	{ "cr\r", "\"cr\r\"" },
	{ " lead", "\" lead\"" },
	{ "trail ", "\"trail \"" },
	{ "mid space", "mid space" },
	{ "第三组", "第三组" },
	{ "河西村，三组", "河西村，三组" },
	{ "\"", "\"\"\"\"" },
	{ "\xef\xbb\xbf" "bom", "\"\xef\xbb\xbf" "bom\"" },
};

Test(csv, put_and_read_back)
{
	for (size_t i = 0; i < NELEM(put_cases); i++) {
		char buf[128], store[128], *fields[4];
		size_t off = 0, pos = 0;

		cr_assert(csv_put(buf, sizeof buf, &off, put_cases[i].in));
		cr_expect_str_eq(buf, put_cases[i].out, "case %zu", i);
		cr_expect_eq(off, strlen(put_cases[i].out));
		/* Two fields in a record read back as written. */
		buf[off++] = ',';
		cr_assert(csv_put(buf, sizeof buf, &off, put_cases[i].in));
		buf[off++] = '\n';
		int n = csv_record(buf, off, &pos, fields, 4, store, sizeof store);
		cr_expect_eq(n, 2, "case %zu", i);
		if (n == 2) {
			cr_expect_str_eq(fields[0], put_cases[i].in);
			cr_expect_str_eq(fields[1], put_cases[i].in);
		}
	}
}

Test(csv, put_limits)
{
	char buf[8];
	size_t off;

	/* "a,b" quoted is 5 bytes plus the NUL: 6 fits, 5 does not. */
	for (size_t len = 0; len <= 7; len++) {
		memset(buf, 'X', sizeof buf);
		off = 0;
		cr_expect_eq(csv_put(buf, len, &off, "a,b"), len >= 6, "len %zu", len);
		cr_expect_eq(off, len >= 6 ? 5 : 0, "len %zu", len);
		for (size_t i = len; i < sizeof buf; i++)
			cr_expect_eq(buf[i], 'X', "len %zu: wrote buf[%zu]", len, i);
	}
	off = 3;
	memcpy(buf, "ab,", 3);
	cr_expect_not(csv_put(buf, 6, &off, "long"));
	cr_expect_eq(off, 3);
	cr_expect_str_eq(buf, "ab,");
	cr_expect(csv_put(buf, 6, &off, NULL));
	cr_expect_str_eq(buf, "ab,");
	off = 9;
	cr_expect_not(csv_put(buf, 8, &off, "x"), "offset past the end");
}

/* What a spreadsheet would run as a formula is written as text; the rest as csv_put writes it. */
static const struct { const char *in, *out; } text_cases[] = {
	{ "=HYPERLINK(\"http://x\",\"a\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"a\"\")\"" },
	{ "+8613800000003", "'+8613800000003" },
	{ "-1+1", "'-1+1" },
	{ "@SUM(A1)", "'@SUM(A1)" },
	{ "\tx", "'\tx" },
	{ "\rx", "\"'\rx\"" },
	{ "王组长", "王组长" },
	{ "a=b", "a=b" },
	{ "", "" },
};

Test(csv, put_text_neutralises_formulas)
{
	for (size_t i = 0; i < NELEM(text_cases); i++) {
		char buf[128];
		size_t off = 0;

		cr_assert(csv_put_text(buf, sizeof buf, &off, text_cases[i].in));
		cr_expect_str_eq(buf, text_cases[i].out, "case %zu", i);
	}
	char buf[8];
	size_t off = 0;

	cr_expect_not(csv_put_text(buf, sizeof buf, &off, "=1234567"), "did not fit");
	cr_expect_eq(off, 0);
	cr_expect(csv_put_text(buf, sizeof buf, &off, NULL));
}

