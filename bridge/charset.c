/*
 * charset.c — gateway text to clean UTF-8.
 *
 * Kannel hands the text of an SMS over in the charset it names in %C: with
 * `mo-recode = false` a UCS-2 SMS arrives as UTF-16BE bytes, with it as
 * UTF-8; 7-bit text arrives as UTF-8, 8-bit data as raw bytes.  Whatever
 * comes, the envelope gets well-formed UTF-8: a malformed sequence becomes
 * U+FFFD, so cunbaod can still journal the message and answer the leader.
 */
#include <string.h>
#include <strings.h>

#include "bridge.h"
#include "utf8.h"

#define REPLACEMENT 0xFFFD

struct sink {
	char *out;
	size_t size, len;
	bool overflow;
};

/* Appends code point cp (U+FFFD for NUL and invalid ones). */
static void
sink_put(struct sink *s, int32_t cp)
{
	char buf[4];
	size_t n;

	if (cp <= 0)
		cp = REPLACEMENT;
	n = utf8_put(cp, buf);
	if (n == 0)
		n = utf8_put(REPLACEMENT, buf);
	if (s->len + n + 1 > s->size) {
		s->overflow = true;
		return;
	}
	memcpy(s->out + s->len, buf, n);
	s->len += n;
}

static void
dec_utf8(const unsigned char *in, size_t len, struct sink *s)
{
	size_t i = 0;

	while (i < len && !s->overflow)
		sink_put(s, utf8_next((const char *)in, len, &i));
}

/* UTF-16 in either byte order; pairs of surrogates combine, lone ones are replaced. */
static void
dec_utf16(const unsigned char *in, size_t len, bool be, struct sink *s)
{
	size_t i = 0;

	while (i + 1 < len && !s->overflow) {
		int32_t u = be ? (in[i] << 8 | in[i + 1]) : (in[i + 1] << 8 | in[i]);

		i += 2;
		if (u >= 0xD800 && u <= 0xDBFF && i + 1 < len) {
			int32_t lo = be ? (in[i] << 8 | in[i + 1]) : (in[i + 1] << 8 | in[i]);

			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				i += 2;
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			} else {
				u = REPLACEMENT;
			}
		} else if (u >= 0xD800 && u <= 0xDFFF) {
			u = REPLACEMENT;
		}
		sink_put(s, u);
	}
	if (i < len)
		sink_put(s, REPLACEMENT);	/* an odd byte left over */
}

static void
dec_utf16be(const unsigned char *in, size_t len, struct sink *s)
{
	dec_utf16(in, len, true, s);
}

/* UTF-16 with an optional byte-order mark; big-endian without one. */
static void
dec_utf16bom(const unsigned char *in, size_t len, struct sink *s)
{
	if (len >= 2 && in[0] == 0xFF && in[1] == 0xFE)
		dec_utf16(in + 2, len - 2, false, s);
	else if (len >= 2 && in[0] == 0xFE && in[1] == 0xFF)
		dec_utf16(in + 2, len - 2, true, s);
	else
		dec_utf16(in, len, true, s);
}

static void
dec_latin1(const unsigned char *in, size_t len, struct sink *s)
{
	size_t i;

	for (i = 0; i < len && !s->overflow; i++)
		sink_put(s, in[i]);
}

/* Windows-1252: Latin-1 with printable characters in 0x80–0x9F. */
static void
dec_cp1252(const unsigned char *in, size_t len, struct sink *s)
{
	static const uint16_t c1[32] = {
		0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
		0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
		0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
		0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
	};
	size_t i;

	for (i = 0; i < len && !s->overflow; i++)
		sink_put(s, in[i] >= 0x80 && in[i] < 0xA0 ? c1[in[i] - 0x80] : in[i]);
}

/* Binary data: UTF-8 when it is, Latin-1 otherwise. */
static void
dec_8bit(const unsigned char *in, size_t len, struct sink *s)
{
	if (utf8_valid((const char *)in, len))
		dec_utf8(in, len, s);
	else
		dec_latin1(in, len, s);
}

static const struct {
	const char *name;
	void (*decode)(const unsigned char *, size_t, struct sink *);
} charsets[] = {
	{ "UTF-8", dec_utf8 },
	{ "UTF8", dec_utf8 },
	{ "US-ASCII", dec_utf8 },
	{ "ASCII", dec_utf8 },
	{ "UTF-16BE", dec_utf16be },
	{ "UCS-2", dec_utf16be },
	{ "UCS2", dec_utf16be },
	{ "UCS-2BE", dec_utf16be },
	{ "UTF-16", dec_utf16bom },
	{ "ISO-8859-1", dec_latin1 },
	{ "LATIN1", dec_latin1 },
	{ "WINDOWS-1252", dec_cp1252 },
	{ "CP1252", dec_cp1252 },
	{ "8-BIT", dec_8bit },
};

bool
charset_to_utf8(const char *charset, int coding, const char *in, size_t len,
    char *out, size_t outsize, size_t *outlen)
{
	struct sink s = { out, outsize, 0, false };
	size_t i;

	if (outsize == 0)
		return false;
	if (charset == NULL || charset[0] == '\0')
		charset = coding == 2 ? "UTF-16BE" : coding == 1 ? "8-BIT" : "UTF-8";
	for (i = 0; i < sizeof charsets / sizeof charsets[0]; i++) {
		if (strcasecmp(charsets[i].name, charset) != 0)
			continue;
		charsets[i].decode((const unsigned char *)in, len, &s);
		out[s.len] = '\0';
		if (outlen != NULL)
			*outlen = s.len;
		return !s.overflow;
	}
	out[0] = '\0';
	return false;
}

bool
charset_known(const char *charset)
{
	size_t i;

	for (i = 0; i < sizeof charsets / sizeof charsets[0]; i++)
		if (strcasecmp(charsets[i].name, charset) == 0)
			return true;
	return false;
}

bool
charset_clean_utf8(const char *in, size_t len, char *out, size_t outsize, size_t *outlen)
{
	return charset_to_utf8("UTF-8", 0, in, len, out, outsize, outlen);
}
