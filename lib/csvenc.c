/*
 * csvenc.c — a clerk's CSV to UTF-8; see csvenc.h.
 *
 * The order of the guesses: a BOM says what it is; NUL bytes in every
 * other position say UTF-16 without one (a CSV is mostly ASCII: commas,
 * digits, line ends); text that is valid UTF-8 is UTF-8 (GBK text almost
 * never is); anything else is tried as GB18030, the superset of GBK and
 * GB2312 that Chinese Windows calls ANSI.  A file that fails all of them
 * is refused with the line where it fails and what to do about it.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvenc.h"
#include "utf8.h"

#define SNIFF_MAX 4096	/* bytes looked at for UTF-16's NULs */

/* The line (1-based) that byte offset at of text falls on. */
static size_t
line_at(const char *text, size_t at)
{
	size_t line = 1;

	for (size_t i = 0; i < at; i++)
		line += text[i] == '\n';
	return line;
}

/* The offset of the first byte of text that is not UTF-8 (a NUL counts as bad), or len. */
static size_t
utf8_bad_at(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t at = i;

		if (utf8_next(text, len, &i) <= 0)
			return at;
	}
	return len;
}

/*
 * UTF-16 without a BOM: "LE" when the odd bytes of the start are mostly
 * NUL and the even ones not (ASCII "a," is 61 00 2C 00), "BE" for the
 * mirror, NULL otherwise.
 */
static const char *
utf16_sniff(const unsigned char *t, size_t len)
{
	size_t n = (len < SNIFF_MAX ? len : SNIFF_MAX) & ~(size_t)1, z[2] = { 0, 0 };

	if (n < 4)
		return NULL;
	for (size_t i = 0; i < n; i++)
		z[i & 1] += t[i] == 0;
	if (z[1] * 4 >= n / 2 && z[0] * 8 <= z[1])
		return "UTF-16LE";
	if (z[0] * 4 >= n / 2 && z[1] * 8 <= z[0])
		return "UTF-16BE";
	return NULL;
}

/*
 * Converts in[0..len) from charset `from` to UTF-8 into a new buffer.
 * NULL on a sequence that is not of that charset: *bad then gets the
 * offset in `in` where it failed (len when out of memory).
 */
static char *
convert(const char *from, const char *in, size_t len, size_t *outlen, size_t *bad)
{
	iconv_t cd = iconv_open("UTF-8", from);
	size_t cap = len * 2 + 16, left = len, room = cap - 1;
	char *out = malloc(cap), *ip = (char *)in, *op = out;

	*bad = len;
	if (cd == (iconv_t)-1 || out == NULL) {
		if (cd != (iconv_t)-1)
			iconv_close(cd);
		free(out);
		return NULL;
	}
	/* UTF-16 and GB18030 take at most 2 bytes in for 3 out: cap suffices, E2BIG cannot happen. */
	if (iconv(cd, &ip, &left, &op, &room) == (size_t)-1) {
		*bad = (size_t)(ip - in);
		iconv_close(cd);
		free(out);
		return NULL;
	}
	iconv_close(cd);
	*op = '\0';
	*outlen = (size_t)(op - out);
	return out;
}

/* A copy of text[0..len), NUL-terminated; NULL when out of memory. */
static char *
copy_of(const char *text, size_t len, size_t *outlen)
{
	char *out = malloc(len + 1);

	if (out == NULL)
		return NULL;
	memcpy(out, text, len);
	out[len] = '\0';
	*outlen = len;
	return out;
}

/* Decodes UTF-16 (after its BOM, if any); on failure names the line, counted in what was read. */
static char *
from_utf16(const char *cs, const char *text, size_t len, size_t *outlen, char *err, size_t errlen)
{
	size_t bad, line = 1;
	char *out = convert(cs, text, len, outlen, &bad), *nul;

	if (out == NULL && bad < len) {
		/* A '\n' is 0A 00 (LE) or 00 0A (BE): count those in the pairs before the bad one. */
		for (size_t i = 0; i + 1 < bad; i += 2)
			line += strcmp(cs, "UTF-16LE") == 0 ? (text[i] == '\n' && text[i + 1] == 0) :
			    (text[i] == 0 && text[i + 1] == '\n');
		snprintf(err, errlen, "line %zu is not valid %s (the file starts like UTF-16); %s", line, cs,
		    CSVENC_HINT);
	} else if (out == NULL)
		snprintf(err, errlen, "out of memory converting %s", cs);
	else if ((nul = memchr(out, '\0', *outlen)) != NULL) {
		/* U+0000 would cut a field short without a word: refused like a bad byte. */
		snprintf(err, errlen, "line %zu is not valid %s text: it holds U+0000; %s",
		    line_at(out, (size_t)(nul - out)), cs, CSVENC_HINT);
		free(out);
		out = NULL;
	}
	return out;
}

char *
csvenc_decode(const char *text, size_t len, size_t *outlen, const char **charset, char *err, size_t errlen)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t bad, gbad;
	char *out;

	*outlen = 0;
	if (len >= 2 && ((t[0] == 0xFF && t[1] == 0xFE) || (t[0] == 0xFE && t[1] == 0xFF))) {
		*charset = t[0] == 0xFF ? "UTF-16LE" : "UTF-16BE";
		return from_utf16(*charset, text + 2, len - 2, outlen, err, errlen);
	}
	if ((*charset = utf16_sniff(t, len)) != NULL)
		return from_utf16(*charset, text, len, outlen, err, errlen);
	if (len >= 3 && t[0] == 0xEF && t[1] == 0xBB && t[2] == 0xBF) {
		*charset = "UTF-8 with BOM";
		text += 3;
		len -= 3;
	} else
		*charset = "UTF-8";
	if ((bad = utf8_bad_at(text, len)) == len) {
		if ((out = copy_of(text, len, outlen)) == NULL)
			snprintf(err, errlen, "out of memory");
		return out;
	}
	*charset = "GB18030";
	if (memchr(text, '\0', len) == NULL && (out = convert("GB18030", text, len, outlen, &gbad)) != NULL)
		return out;
	if (memchr(text, '\0', len) != NULL)
		gbad = (size_t)((const char *)memchr(text, '\0', len) - text);
	/* The later of the two failures: where the file stops being either. */
	snprintf(err, errlen, "line %zu is not valid UTF-8, GB18030 or UTF-16; %s",
	    line_at(text, bad > gbad ? bad : gbad), CSVENC_HINT);
	return NULL;
}
