/*
 * dec.c — exact decimals as scaled integers.
 *
 * Every operation is checked with the compiler's overflow builtins and
 * refuses rather than wraps.  Magnitudes are handled as uint64_t so that
 * INT64_MIN round-trips through parse and format.
 */
#include <string.h>

#include "dec.h"

/* Formatting and division accept scales up to 18 (10^18 fits an int64). */
#define DEC_POW_MAX 18

static const int64_t pow10_table[DEC_POW_MAX + 1] = {
	1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
	100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
	1000000000000LL, 10000000000000LL, 100000000000000LL,
	1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
	1000000000000000000LL,
};

/*
 * Accumulates the digits s[0..len) into *acc, kept negative so that the
 * magnitude of INT64_MIN fits.  Returns false on a non-digit or overflow.
 */
static bool
dec_accumulate(const char *s, size_t len, int64_t *acc)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (__builtin_mul_overflow(*acc, 10, acc) ||
		    __builtin_sub_overflow(*acc, s[i] - '0', acc))
			return false;
	}
	return true;
}

/*
 * Parses an optionally signed decimal s[0..len) at scale into *out.  The
 * integer and fraction digits are read as one run, then scaled up by the
 * fraction digits that were left out.  CB_BAD_VALUE on any fault.
 */
enum cb_error
dec_parse(const char *s, size_t len, unsigned scale, int64_t *out)
{
	bool neg = false;
	int64_t acc = 0;

	if (s == NULL || scale > DEC_SCALE_MAX)
		return CB_BAD_VALUE;
	if (len > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		s++;
		len--;
	}
	const char *dot = memchr(s, '.', len);
	size_t ilen = dot ? (size_t)(dot - s) : len;
	size_t flen = dot ? len - ilen - 1 : 0;

	if (ilen + flen == 0 || flen > scale)
		return CB_BAD_VALUE;
	if (!dec_accumulate(s, ilen, &acc) ||
	    !dec_accumulate(s + len - flen, flen, &acc))
		return CB_BAD_VALUE;
	if (__builtin_mul_overflow(acc, pow10_table[scale - flen], &acc))
		return CB_BAD_VALUE;
	if (!neg && __builtin_sub_overflow((int64_t)0, acc, &acc))
		return CB_BAD_VALUE;
	*out = acc;
	return CB_OK;
}

/*
 * Writes v at scale into buf: the magnitude's digits, left-padded with zeros
 * to at least scale + 1 of them, with the point scale digits from the right.
 * With trim the fraction loses its trailing zeros (and the point, if bare).
 * Returns the length, or 0 with buf "" when it does not fit or scale > 18.
 */
size_t
dec_format(int64_t v, unsigned scale, bool trim, char *buf, size_t buflen)
{
	char digits[24], text[DEC_TEXT_MAX + 8];
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t nd = 0, n = 0;

	if (buflen > 0)
		buf[0] = '\0';
	if (scale > DEC_POW_MAX)
		return 0;
	do {
		digits[nd++] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag > 0);
	while (nd < scale + 1)
		digits[nd++] = '0';
	if (v < 0)
		text[n++] = '-';
	for (size_t i = nd; i > 0; i--) {
		if (i == scale)
			text[n++] = '.';
		text[n++] = digits[i - 1];
	}
	if (trim && scale > 0) {
		while (text[n - 1] == '0')
			n--;
		if (text[n - 1] == '.')
			n--;
	}
	if (n + 1 > buflen)
		return 0;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return n;
}

/* *out = a + b unless that overflows; *out is untouched on failure. */
bool
dec_add(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return false;
	*out = r;
	return true;
}

/* *out = a - b unless that overflows; *out is untouched on failure. */
bool
dec_sub(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return false;
	*out = r;
	return true;
}

/* *out = v * 10^(to - from); false when to < from or the product overflows. */
bool
dec_rescale_up(int64_t v, unsigned from, unsigned to, int64_t *out)
{
	int64_t r;

	if (to < from || to - from > DEC_POW_MAX)
		return false;
	if (__builtin_mul_overflow(v, pow10_table[to - from], &r))
		return false;
	*out = r;
	return true;
}

#ifdef __SIZEOF_INT128__
/*
 * Divides num * 10^extra by den, rounding half away from zero.  The product
 * is formed in 128 bits (|num| * 10^18 < 2^127), so only the quotient can
 * overflow.  Returns false on den == 0, extra > 18 or an out-of-range result.
 */
bool
dec_div(int64_t num, int64_t den, unsigned extra, int64_t *out)
{
	if (den == 0 || extra > DEC_POW_MAX)
		return false;

	bool neg = (num < 0) != (den < 0);
	unsigned __int128 un = num < 0 ? (uint64_t)0 - (uint64_t)num : (uint64_t)num;
	unsigned __int128 ud = den < 0 ? (uint64_t)0 - (uint64_t)den : (uint64_t)den;

	un *= (uint64_t)pow10_table[extra];
	unsigned __int128 q = un / ud, r = un % ud;
	if (r >= ud - r)
		q++;
	if (q > (unsigned __int128)INT64_MAX + (neg ? 1 : 0))
		return false;
	*out = neg ? (int64_t)((uint64_t)0 - (uint64_t)q) : (int64_t)q;
	return true;
}
#else
/*
 * The same without 128-bit integers: the scaled numerator must fit an
 * int64 (else false), and the remainder test is done on magnitudes.
 */
bool
dec_div(int64_t num, int64_t den, unsigned extra, int64_t *out)
{
	int64_t n;

	if (den == 0 || extra > DEC_POW_MAX)
		return false;
	if (__builtin_mul_overflow(num, pow10_table[extra], &n))
		return false;

	bool neg = (n < 0) != (den < 0);
	uint64_t un = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
	uint64_t ud = den < 0 ? (uint64_t)0 - (uint64_t)den : (uint64_t)den;
	uint64_t q = un / ud, r = un % ud;

	if (r >= ud - r)
		q++;
	if (q > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return false;
	*out = neg ? (int64_t)((uint64_t)0 - q) : (int64_t)q;
	return true;
}
#endif
