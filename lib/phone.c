/*
 * phone.c — phone numbers to E.164.
 *
 * Gateways hand us senders in every shape: "13800000003", "8613800000003",
 * "+86 138-0000-0003", "0086 138 0000 0003", full-width digits from a chat
 * client.  The roster keys leaders by E.164 ("+8613800000003"), so every
 * number is brought to that form here, with a configurable default country.
 * Moved from the bridge: cunbaod brings the numbers of its roster, its admin
 * API and its envelopes to the same form.
 */
#include <string.h>

#include "phone.h"
#include "utf8.h"

#define PHONE_DIGITS_MAX 15	/* E.164 */

/* Characters people put between digits. */
static bool
phone_separator(int32_t cp)
{
	static const char seps[] = " \t-.()/";

	return cp != 0 && cp < 0x80 && strchr(seps, (int)cp) != NULL;
}

/*
 * Collects the digits of in[0..len) into d (NUL-terminated, at most dsize-1)
 * and whether a leading '+' was seen.  Returns the digit count, or -1 for a
 * character that has no place in a phone number.
 */
static int
phone_digits(const char *in, size_t len, char *d, size_t dsize, bool *plus)
{
	size_t i = 0, n = 0;

	*plus = false;
	while (i < len) {
		int32_t cp = utf8_next(in, len, &i);

		if (cp < 0)
			return -1;
		cp = utf8_fold(cp);
		if (cp >= '0' && cp <= '9') {
			if (n + 1 >= dsize)
				return -1;
			d[n++] = (char)cp;
		} else if (cp == '+' && n == 0 && !*plus) {
			*plus = true;
		} else if (!phone_separator(cp)) {
			return -1;
		}
	}
	d[n] = '\0';
	return (int)n;
}

/* See phone.h. */
bool
phone_cc_valid(const char *cc)
{
	size_t n = strlen(cc);

	if (n < 1 || n > 3 || cc[0] == '0')
		return false;
	return strspn(cc, "0123456789") == n;
}

/* Writes "+" a b into out if the digits are a plausible E.164 number. */
static bool
phone_put(const char *a, const char *b, char *out, size_t outlen)
{
	size_t n = strlen(a) + strlen(b);

	if (n < 7 || n > PHONE_DIGITS_MAX || n + 2 > outlen)
		return false;
	if ((a[0] ? a[0] : b[0]) == '0')
		return false;
	out[0] = '+';
	memcpy(out + 1, a, strlen(a));
	memcpy(out + 1 + strlen(a), b, strlen(b) + 1);
	return true;
}

bool
phone_e164(const char *in, size_t len, const char *cc, char *out, size_t outlen)
{
	char d[32];
	bool plus;
	int n;

	if (!phone_cc_valid(cc) || outlen == 0)
		return false;
	n = phone_digits(in, len, d, sizeof d, &plus);
	if (n < 3)
		return false;
	if (plus)
		return phone_put("", d, out, outlen);
	if (n > 2 && d[0] == '0' && d[1] == '0')
		return phone_put("", d + 2, out, outlen);
	if (n <= 6) {
		/* A short code ("10086"): no country, kept as dialled. */
		if ((size_t)n + 1 > outlen)
			return false;
		memcpy(out, d, (size_t)n + 1);
		return true;
	}
	if (n >= 12 && strncmp(d, cc, strlen(cc)) == 0)
		return phone_put("", d, out, outlen);
	if (d[0] == '0')
		return phone_put(cc, d + 1, out, outlen);
	return phone_put(cc, d, out, outlen);
}

bool
phone_in_list(const char *number, const char *list, const char *cc)
{
	const char *p = list;

	while (p != NULL && *p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char norm[32];

		if (phone_e164(p, n, cc, norm, sizeof norm) && strcmp(norm, number) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* See phone.h.  A ':' (ASCII or full-width) marks a chat id; a phone number never has one. */
bool
phone_reporter_id(const char *in, size_t len, const char *cc, char *out, size_t outlen)
{
	if (outlen == 0)
		return false;
	out[0] = '\0';
	if (memchr(in, ':', len) != NULL) {
		if (len + 1 > outlen || memchr(in, '\0', len) != NULL)
			return false;
		memcpy(out, in, len);
		out[len] = '\0';
		return true;
	}
	if (!phone_e164(in, len, cc, out, outlen) || out[0] != '+') {
		out[0] = '\0';
		return false;
	}
	return true;
}
