/*
 * sms_num.c — numbers the way leaders write them: ASCII digits with exact
 * fractions ("227.74"), Chinese numerals ("十二", "两百", "一千零二十",
 * "三百五", "一万二"), the formal forms of receipts ("壹贰叁"), digit by
 * digit ("二〇二三"), mixtures with a multiplier ("1.2万", "3千"), and
 * the spoken decimal point ("二点五").
 *
 * A number is read as a run of atoms — a run of ASCII digits, one Chinese
 * digit, or one unit (十 百 千 万 亿) — then evaluated.  Nothing here
 * allocates; values stay exact as a mantissa and a count of fraction digits.
 */
#include <string.h>

#include "sms_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define ATOMS_MAX 40
#define FRAC_MAX 9
#define VALUE_MAX 1000000000000000LL	/* 10^15: beyond any bound a catalog sets */

enum numeral_kind { N_DIGIT, N_UNIT, N_POINT };

static const struct numeral {
	const char *s;
	enum numeral_kind kind;
	int64_t v;
} numerals[] = {
	{ "零", N_DIGIT, 0 }, { "〇", N_DIGIT, 0 },
	{ "一", N_DIGIT, 1 }, { "壹", N_DIGIT, 1 },
	{ "二", N_DIGIT, 2 }, { "两", N_DIGIT, 2 }, { "兩", N_DIGIT, 2 },
	{ "贰", N_DIGIT, 2 }, { "貳", N_DIGIT, 2 },
	{ "三", N_DIGIT, 3 }, { "叁", N_DIGIT, 3 }, { "參", N_DIGIT, 3 },
	{ "四", N_DIGIT, 4 }, { "肆", N_DIGIT, 4 },
	{ "五", N_DIGIT, 5 }, { "伍", N_DIGIT, 5 },
	{ "六", N_DIGIT, 6 }, { "陆", N_DIGIT, 6 }, { "陸", N_DIGIT, 6 },
	{ "七", N_DIGIT, 7 }, { "柒", N_DIGIT, 7 },
	{ "八", N_DIGIT, 8 }, { "捌", N_DIGIT, 8 },
	{ "九", N_DIGIT, 9 }, { "玖", N_DIGIT, 9 },
	{ "十", N_UNIT, 10 }, { "拾", N_UNIT, 10 },
	{ "百", N_UNIT, 100 }, { "佰", N_UNIT, 100 },
	{ "千", N_UNIT, 1000 }, { "仟", N_UNIT, 1000 },
	{ "万", N_UNIT, 10000 }, { "萬", N_UNIT, 10000 },
	{ "亿", N_UNIT, 100000000 }, { "億", N_UNIT, 100000000 },
	{ "点", N_POINT, 0 }, { "點", N_POINT, 0 },
};

static const int64_t pow10_tab[] = {
	1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
	100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
	1000000000000LL, 10000000000000LL, 100000000000000LL,
	1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
	1000000000000000000LL,
};

enum atom_kind { A_DIGITS, A_CDIGIT, A_UNIT };

struct atom {
	enum atom_kind kind;
	int64_t v;
};

/* The Chinese numeral at s[i], or NULL. */
static const struct numeral *
numeral_at(const char *s, size_t len, size_t i)
{
	/* Every numeral is a 3-byte character of U+3007..U+9FFF: lead byte E3..E9. */
	if (i >= len || (unsigned char)s[i] < 0xe3 || (unsigned char)s[i] > 0xe9)
		return NULL;
	if (i + 3 > len)
		return NULL;
	for (size_t k = 0; k < NELEM(numerals); k++)
		if (memcmp(s + i, numerals[k].s, 3) == 0)
			return &numerals[k];
	return NULL;
}

/* True if a digit (ASCII or Chinese) starts at s[i]. */
static bool
digit_at(const char *s, size_t len, size_t i)
{
	const struct numeral *nm;

	if (i >= len)
		return false;
	if (sms_is_digit(s[i]))
		return true;
	nm = numeral_at(s, len, i);
	return nm != NULL && nm->kind == N_DIGIT;
}

/*
 * Reads the run of ASCII digits at s[i] into *v; returns its length.  A run
 * longer than SMS_NUM_DIGITS_MAX sets *err to CB_OUT_OF_RANGE.
 */
static size_t
ascii_run(const char *s, size_t len, size_t i, int64_t *v, enum cb_error *err)
{
	size_t j = i;

	*v = 0;
	while (j < len && sms_is_digit(s[j])) {
		if (j - i < SMS_NUM_DIGITS_MAX)
			*v = *v * 10 + (s[j] - '0');
		else
			*err = CB_OUT_OF_RANGE;
		j++;
	}
	return j - i;
}

/*
 * Collects the integer atoms starting at s[i] into a[] (*n of them); returns
 * the index after them.  More than ATOMS_MAX atoms make the number bad.
 */
static size_t
atoms_scan(const char *s, size_t len, size_t i, struct atom *a, size_t *n,
    struct sms_num *out)
{
	const struct numeral *nm;
	struct atom at;

	while (i < len) {
		if (sms_is_digit(s[i])) {
			at.kind = A_DIGITS;
			i += ascii_run(s, len, i, &at.v, &out->err);
		} else if ((nm = numeral_at(s, len, i)) != NULL && nm->kind != N_POINT) {
			at.kind = nm->kind == N_DIGIT ? A_CDIGIT : A_UNIT;
			at.v = nm->v;
			out->chinese = true;
			i += strlen(nm->s);
		} else
			break;
		if (*n < ATOMS_MAX)
			a[(*n)++] = at;
		else
			out->err = CB_BAD_VALUE;
	}
	return i;
}

/* True for numerals written digit by digit: two or more Chinese digits, no unit. */
static bool
atoms_positional(const struct atom *a, size_t n)
{
	if (n < 2)
		return false;
	for (size_t k = 0; k < n; k++)
		if (a[k].kind != A_CDIGIT)
			return false;
	return true;
}

/*
 * Applies one unit atom to the running sums of atoms_eval: 十百千 multiply
 * the pending digit into the section, 万 and 亿 close the section into the
 * total.  Units must come in decreasing order.  Returns CB_BAD_VALUE when
 * they do not, or when a unit other than 十 has no digit before it, and
 * CB_OUT_OF_RANGE on overflow.
 */
static enum cb_error
atoms_unit(int64_t u, int64_t *total, int64_t *section, int64_t *pending,
    int64_t *small, int64_t *big)
{
	int64_t add;

	if (u < 10000) {
		if (*pending == -1 && u == 10)
			*pending = 1;	/* 十二: the one of ten is left out */
		if (*pending <= 0 || u >= *small)
			return CB_BAD_VALUE;
		*section += *pending * u;
		*small = u;
	} else {
		if ((*pending == -1 && *section == 0) || u >= *big)
			return CB_BAD_VALUE;
		if (__builtin_mul_overflow(*section + (*pending > 0 ? *pending : 0), u, &add) ||
		    __builtin_add_overflow(*total, add, total) || *total > VALUE_MAX)
			return CB_OUT_OF_RANGE;
		*section = 0;
		*small = 10000;
		*big = u;
	}
	*pending = -1;
	return CB_OK;
}

/*
 * Evaluates integer atoms into *out.  Spoken shorthand is read as people
 * mean it: a last digit right after 百, 千 or 万 counts one place lower
 * (三百五 = 350, 一万二 = 12000), but not after 零 (一千零二 = 1002).
 * Returns CB_OK, CB_BAD_VALUE or CB_OUT_OF_RANGE.
 */
static enum cb_error
atoms_eval(const struct atom *a, size_t n, int64_t *out)
{
	int64_t total = 0, section = 0, pending = -1, small = 10000, big = INT64_MAX;
	enum cb_error e;

	if (atoms_positional(a, n)) {
		if (n > SMS_NUM_DIGITS_MAX)
			return CB_OUT_OF_RANGE;
		*out = 0;
		for (size_t k = 0; k < n; k++)
			*out = *out * 10 + a[k].v;
		return CB_OK;
	}
	for (size_t k = 0; k < n; k++) {
		if (a[k].kind != A_UNIT) {
			if (pending > 0)
				return CB_BAD_VALUE;	/* two digits in a row: 二三百 */
			pending = a[k].v;
		} else if ((e = atoms_unit(a[k].v, &total, &section, &pending, &small,
		    &big)) != CB_OK)
			return e;
	}
	if (pending > 0 && n >= 2 && a[n - 1].kind == A_CDIGIT &&
	    a[n - 2].kind == A_UNIT && a[n - 2].v >= 100)
		pending *= a[n - 2].v / 10;
	if (pending < 0)
		pending = 0;
	if (total > VALUE_MAX || section > VALUE_MAX || pending > VALUE_MAX ||
	    total + section + pending > VALUE_MAX)
		return CB_OUT_OF_RANGE;
	*out = total + section + pending;
	return CB_OK;
}

/*
 * Reads an optional fraction at s[i] — '.' or 点 followed by digits — and
 * a multiplier after it ("1.2万").  Updates out->m and out->frac from the
 * integer part already in out->m; returns the index after what it read.
 */
static size_t
fraction_scan(const char *s, size_t len, size_t i, struct sms_num *out)
{
	const struct numeral *nm = NULL;
	int64_t m = out->m;
	unsigned f = 0;

	if (i < len && s[i] == '.' && i + 1 < len && sms_is_digit(s[i + 1]))
		i++;
	else if ((nm = numeral_at(s, len, i)) != NULL && nm->kind == N_POINT &&
	    digit_at(s, len, i + strlen(nm->s)))
		i += strlen(nm->s);
	else
		return i;
	while (digit_at(s, len, i)) {
		int d;
		if (sms_is_digit(s[i]))
			d = s[i++] - '0';
		else {
			nm = numeral_at(s, len, i);
			d = (int)nm->v;
			i += strlen(nm->s);
		}
		if (f >= FRAC_MAX || m > VALUE_MAX) {
			out->err = CB_BAD_VALUE;
			continue;
		}
		m = m * 10 + d;
		f++;
	}
	if ((nm = numeral_at(s, len, i)) != NULL && nm->kind == N_UNIT) {
		i += strlen(nm->s);
		out->chinese = true;
		if (__builtin_mul_overflow(m, nm->v, &m))
			out->err = CB_OUT_OF_RANGE;
	}
	while (f > 0 && m % 10 == 0) {	/* 1.2万 = 12000: no fraction left */
		m /= 10;
		f--;
	}
	if (out->err == CB_OK && m > VALUE_MAX * 1000)
		out->err = CB_OUT_OF_RANGE;
	out->m = m;
	out->frac = f;
	return i;
}

/* See sms_int.h. */
size_t
sms_num_scan(const char *s, size_t len, size_t i, struct sms_num *out)
{
	struct atom a[ATOMS_MAX];
	size_t n = 0, j = i;
	bool neg = false;
	enum cb_error e;

	memset(out, 0, sizeof *out);
	if (i >= len)
		return 0;
	if (s[j] == '-') {
		if (j + 1 >= len || !sms_is_digit(s[j + 1]) ||
		    (i > 0 && (sms_is_alpha(s[i - 1]) || sms_is_digit(s[i - 1]))))
			return 0;
		neg = true;
		j++;
	}
	j = atoms_scan(s, len, j, a, &n, out);
	if (n == 0 || (a[0].kind == A_UNIT && a[0].v != 10)) {
		memset(out, 0, sizeof *out);	/* 万家, 百姓: words, not numbers */
		return 0;
	}
	e = atoms_eval(a, n < ATOMS_MAX ? n : ATOMS_MAX, &out->m);
	if (out->err == CB_OK)
		out->err = e;
	j = fraction_scan(s, len, j, out);
	if (neg)
		out->m = -out->m;
	return j - i;
}

/* See sms_int.h. */
bool
sms_num_scaled(const struct sms_num *n, unsigned scale, int64_t *out)
{
	if (n->err != CB_OK || scale >= NELEM(pow10_tab) || n->frac >= NELEM(pow10_tab))
		return false;
	if (n->frac <= scale)
		return !__builtin_mul_overflow(n->m, pow10_tab[scale - n->frac], out);
	if (n->m % pow10_tab[n->frac - scale] != 0)
		return false;
	*out = n->m / pow10_tab[n->frac - scale];
	return true;
}
