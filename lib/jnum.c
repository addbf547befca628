/*
 * jnum.c — JSON numbers as exact decimal text (see jnum.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jnum.h"

#define JNUM_DIGITS_MAX 17	/* a double never needs more significant digits */

/* Copies s into buf if it fits with its NUL; returns its length or 0. */
static size_t
jnum_copy(const char *s, char *buf, size_t buflen)
{
	size_t n = strlen(s);

	if (n + 1 > buflen) {
		if (buflen > 0)
			buf[0] = '\0';
		return 0;
	}
	memcpy(buf, s, n + 1);
	return n;
}

/*
 * Writes "[-]d.ddde±x", the shortest exponent form of d that reads back as
 * d, into e (64 bytes).  Then splits it: the significant digits into digits
 * (NUL-terminated) and the decimal exponent of the first one into *exp.
 */
static void
jnum_shortest(double d, char *e, char *digits, int *exp)
{
	for (int p = 1; p <= JNUM_DIGITS_MAX; p++) {
		snprintf(e, 64, "%.*e", p - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	size_t k = 0;
	const char *s = e + (e[0] == '-');
	for (; *s != '\0' && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			digits[k++] = *s;
	digits[k] = '\0';
	*exp = *s == 'e' ? atoi(s + 1) : 0;
}

/*
 * Lays out digits with the decimal exponent exp in plain notation into
 * out (outlen bytes): "22774", 2 -> "227.74"; "5", -1 -> "0.5".  Returns
 * the length, 0 if it does not fit.
 */
static size_t
jnum_plain(bool neg, const char *digits, int exp, char *out, size_t outlen)
{
	char tmp[400];
	size_t o = 0, k = strlen(digits);

	if (exp > 330 || exp < -330)
		return 0;
	if (neg)
		tmp[o++] = '-';
	if (exp < 0) {
		tmp[o++] = '0';
		tmp[o++] = '.';
		for (int z = 0; z < -exp - 1; z++)
			tmp[o++] = '0';
		memcpy(tmp + o, digits, k);
		o += k;
	} else {
		for (size_t i = 0; i < k || i <= (size_t)exp; i++) {
			if (i == (size_t)exp + 1)
				tmp[o++] = '.';
			tmp[o++] = i < k ? digits[i] : '0';
		}
	}
	tmp[o] = '\0';
	return jnum_copy(tmp, out, outlen);
}

/* See jnum.h. */
size_t
jnum_text(double d, char *buf, size_t buflen)
{
	char e[64], digits[JNUM_DIGITS_MAX + 2];
	int exp;

	if (isnan(d)) {
		if (buflen > 0)
			buf[0] = '\0';
		return 0;
	}
	if (isinf(d))
		return jnum_copy(d < 0 ? "-1e+999" : "1e+999", buf, buflen);
	jnum_shortest(d, e, digits, &exp);
	size_t n = jnum_plain(signbit(d) != 0, digits, exp, buf, buflen);
	return n > 0 ? n : jnum_copy(e, buf, buflen);
}

/* Reads a run of ASCII digits at s[*i]; returns how many there were. */
static size_t
jnum_digits(const char *s, size_t len, size_t *i)
{
	size_t start = *i;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9')
		(*i)++;
	return *i - start;
}

/*
 * Reads an optional exponent "e[+-]digits" at s[*i] into *exp, saturating
 * far beyond any double.  Returns false on an 'e' without digits.
 */
static bool
jnum_exponent(const char *s, size_t len, size_t *i, long *exp)
{
	bool neg = false;

	*exp = 0;
	if (*i >= len || (s[*i] != 'e' && s[*i] != 'E'))
		return true;
	(*i)++;
	if (*i < len && (s[*i] == '+' || s[*i] == '-'))
		neg = s[(*i)++] == '-';
	size_t start = *i;
	for (; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++)
		if (*exp < 100000)
			*exp = *exp * 10 + (s[*i] - '0');
	if (neg)
		*exp = -*exp;
	return *i > start;
}

/* See jnum.h. */
bool
jnum_is_huge(const char *s, size_t len, unsigned digits)
{
	size_t i = 0;
	long exp, mag;

	if (s == NULL)
		return false;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	size_t istart = i, ilen = jnum_digits(s, len, &i), fstart = i + 1, flen = 0;
	if (i < len && s[i] == '.') {
		i++;
		flen = jnum_digits(s, len, &i);
	}
	if (ilen + flen == 0 || !jnum_exponent(s, len, &i, &exp) || i != len)
		return false;
	/* mag: the power of ten of the first significant digit. */
	size_t z = 0;
	while (z < ilen && s[istart + z] == '0')
		z++;
	if (z < ilen) {
		mag = (long)(ilen - z) - 1 + exp;
	} else {
		size_t f = 0;
		while (f < flen && s[fstart + f] == '0')
			f++;
		if (f == flen)
			return false;	/* zero */
		mag = -(long)f - 1 + exp;
	}
	return mag >= (long)digits;
}
