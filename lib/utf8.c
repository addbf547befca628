/*
 * utf8.c — the few UTF-8 operations the parsers need.
 *
 * Decoding is strict (RFC 3629): overlong forms, surrogates, code points past
 * U+10FFFF and truncated sequences are malformed.  Character classes (CJK,
 * East Asian width) are tables of ranges searched in order, not if-chains.
 */
#include <string.h>

#include "utf8.h"

struct range {
	int32_t lo, hi;
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * What makes a message Chinese: ideographs (all CJK blocks), radicals,
 * CJK symbols and punctuation (、。「」 and the ideographic space), and the
 * full-width punctuation a Chinese input method produces (，：；！？).
 * Full-width letters and digits are not in it: they fold to ASCII.
 */
static const struct range cjk_ranges[] = {
	{ 0x2E80, 0x2FDF },	/* radicals, Kangxi radicals */
	{ 0x3000, 0x303F },	/* CJK symbols and punctuation */
	{ 0x31C0, 0x31EF },	/* strokes */
	{ 0x3200, 0x33FF },	/* enclosed CJK, compatibility */
	{ 0x3400, 0x4DBF },	/* extension A */
	{ 0x4E00, 0x9FFF },	/* unified ideographs */
	{ 0xF900, 0xFAFF },	/* compatibility ideographs */
	{ 0xFE30, 0xFE4F },	/* compatibility forms */
	{ 0xFF01, 0xFF0F },	/* full-width ！＂＃＄％＆＇（）＊＋，－．／ */
	{ 0xFF1A, 0xFF20 },	/* full-width ：；＜＝＞？＠ */
	{ 0xFF3B, 0xFF40 },	/* full-width ［＼］＾＿｀ */
	{ 0xFF5B, 0xFF65 },	/* full-width ｛｜｝～ and half-width CJK punctuation */
	{ 0x20000, 0x2FFFD },	/* extensions B..F, compatibility supplement */
	{ 0x30000, 0x3FFFD },	/* extensions G, H */
};

/* East Asian Wide and Fullwidth characters: two columns in a terminal. */
static const struct range wide_ranges[] = {
	{ 0x1100, 0x115F },	/* Hangul Jamo initials */
	{ 0x2E80, 0x303E },
	{ 0x3041, 0x33FF },
	{ 0x3400, 0x4DBF },
	{ 0x4E00, 0x9FFF },
	{ 0xA000, 0xA4CF },	/* Yi */
	{ 0xAC00, 0xD7A3 },	/* Hangul syllables */
	{ 0xF900, 0xFAFF },
	{ 0xFE30, 0xFE4F },
	{ 0xFF00, 0xFF60 },
	{ 0xFFE0, 0xFFE6 },
	{ 0x1F300, 0x1F64F },	/* pictographs, emoticons */
	{ 0x1F900, 0x1F9FF },
	{ 0x20000, 0x2FFFD },
	{ 0x30000, 0x3FFFD },
};

/* Characters that take no column: combining marks and zero-width ones. */
static const struct range zero_ranges[] = {
	{ 0x0300, 0x036F },
	{ 0x200B, 0x200F },
	{ 0xFE00, 0xFE0F },	/* variation selectors */
	{ 0xFEFF, 0xFEFF },
};

/* True if cp lies in one of the n ranges of r. */
static bool
range_has(const struct range *r, size_t n, int32_t cp)
{
	for (size_t i = 0; i < n; i++)
		if (cp >= r[i].lo && cp <= r[i].hi)
			return true;
	return false;
}

/*
 * The shape of a sequence by its lead byte: how many continuation bytes
 * follow, the lowest code point it may encode (to refuse overlongs) and the
 * bits of the lead byte that carry the value.
 */
struct lead {
	unsigned char mask, bits;
	int ncont;
	int32_t min;
};

static const struct lead leads[] = {
	{ 0x80, 0x00, 0, 0 },
	{ 0xE0, 0xC0, 1, 0x80 },
	{ 0xF0, 0xE0, 2, 0x800 },
	{ 0xF8, 0xF0, 3, 0x10000 },
};

/*
 * Decodes the code point starting at s[*i].  On success advances *i past the
 * sequence and returns the code point; on any malformation (stray
 * continuation byte, bad lead, truncation, overlong, surrogate, > U+10FFFF)
 * advances one byte and returns -1, so a scan always makes progress.
 */
int32_t
utf8_next(const char *s, size_t len, size_t *i)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t at = *i;

	if (at >= len)
		return -1;
	*i = at + 1;
	for (size_t k = 0; k < NELEM(leads); k++) {
		const struct lead *l = &leads[k];
		if ((u[at] & l->mask) != l->bits)
			continue;
		if (len - at - 1 < (size_t)l->ncont)
			return -1;
		int32_t cp = u[at] & (unsigned char)~l->mask;
		for (int c = 1; c <= l->ncont; c++) {
			if ((u[at + c] & 0xC0) != 0x80)
				return -1;
			cp = (cp << 6) | (u[at + c] & 0x3F);
		}
		if (cp < l->min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return -1;
		*i = at + 1 + (size_t)l->ncont;
		return cp;
	}
	return -1;
}

/* Scans the whole text; false at the first malformed sequence. */
bool
utf8_valid(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len)
		if (utf8_next(s, len, &i) < 0)
			return false;
	return true;
}

/*
 * Encodes cp into out (room for 4 bytes, not NUL-terminated).  Returns the
 * byte count, or 0 for a surrogate, a negative value or one past U+10FFFF.
 */
size_t
utf8_put(int32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Folds one code point for matching: full-width ASCII forms (U+FF01..FF5E)
 * to their ASCII twins, the ideographic space U+3000 to ' ', then ASCII
 * upper case to lower case.  Everything else is returned unchanged.
 */
int32_t
utf8_fold(int32_t cp)
{
	if (cp >= 0xFF01 && cp <= 0xFF5E)
		cp -= 0xFEE0;
	else if (cp == 0x3000)
		cp = ' ';
	if (cp >= 'A' && cp <= 'Z')
		cp += 'a' - 'A';
	return cp;
}

/*
 * Writes the folded form of s[0..len) into out (outlen bytes incl. the NUL).
 * Returns its length, or (size_t)-1 if s is not valid UTF-8 or the result
 * does not fit (out then holds "").
 */
size_t
utf8_fold_text(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0;
	char enc[4];

	if (outlen == 0)
		return (size_t)-1;
	while (i < len) {
		int32_t cp = utf8_next(s, len, &i);
		size_t n = cp < 0 ? 0 : utf8_put(utf8_fold(cp), enc);
		if (n == 0 || o + n >= outlen) {
			out[0] = '\0';
			return (size_t)-1;
		}
		memcpy(out + o, enc, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

/* True for the characters listed in cjk_ranges. */
bool
utf8_is_cjk(int32_t cp)
{
	return range_has(cjk_ranges, NELEM(cjk_ranges), cp);
}

/*
 * Display columns of s[0..len): 2 for East Asian wide characters, 0 for
 * control characters and combining marks, 1 for the rest, including each
 * byte of a malformed sequence.
 */
size_t
utf8_width(const char *s, size_t len)
{
	size_t i = 0, w = 0;

	while (i < len) {
		int32_t cp = utf8_next(s, len, &i);
		if (cp < 0)
			w += 1;
		else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) ||
		    range_has(zero_ranges, NELEM(zero_ranges), cp))
			continue;
		else if (range_has(wide_ranges, NELEM(wide_ranges), cp))
			w += 2;
		else
			w += 1;
	}
	return w;
}

/*
 * The longest prefix of s[0..len) of at most max bytes that does not cut a
 * character in two.  A malformed byte counts as a character of its own, so
 * the result is always well defined.
 */
size_t
utf8_truncate(const char *s, size_t len, size_t max)
{
	size_t i = 0, last = 0;

	if (len <= max)
		return len;
	while (i < len) {
		utf8_next(s, len, &i);
		if (i > max)
			break;
		last = i;
	}
	return last;
}
