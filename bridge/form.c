/*
 * form.c — application/x-www-form-urlencoded, binary-safe.
 *
 * Kannel passes UCS-2 text as URL-encoded UTF-16BE, full of %00 bytes, so
 * the usual decoders that hand back C strings would cut the text at the
 * first NUL.  These keep the byte count.
 */
#include <string.h>

#include "bridge.h"

/*
 * Decodes s[0..len) into out (outsize bytes incl. the NUL it adds).
 * Returns the decoded length, or -1 on a bad escape or overflow.
 */
static long
form_decode(const char *s, size_t len, char *out, size_t outsize)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = cb_hex_digit(s[i + 1]);
			lo = cb_hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (n + 1 >= outsize)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return (long)n;
}

bool
form_get(const char *form, size_t len, const char *key, char *out, size_t outsize, size_t *outlen)
{
	size_t klen = strlen(key), pos = 0;

	if (outsize == 0)
		return false;
	while (pos < len) {
		const char *pair = form + pos;
		const char *amp = memchr(pair, '&', len - pos);
		size_t plen = amp ? (size_t)(amp - pair) : len - pos;

		if (plen > klen && pair[klen] == '=' && memcmp(pair, key, klen) == 0) {
			long n = form_decode(pair + klen + 1, plen - klen - 1, out, outsize);

			if (n < 0)
				return false;
			if (outlen != NULL)
				*outlen = (size_t)n;
			return true;
		}
		if (plen == klen && memcmp(pair, key, klen) == 0) {
			out[0] = '\0';
			if (outlen != NULL)
				*outlen = 0;
			return true;
		}
		pos += plen + 1;
	}
	return false;
}

/* Appends s[0..len) to buf at *off; false if it does not fit (with the NUL). */
static bool
form_raw(char *buf, size_t bufsize, size_t *off, const char *s, size_t len)
{
	if (*off + len + 1 > bufsize)
		return false;
	memcpy(buf + *off, s, len);
	*off += len;
	buf[*off] = '\0';
	return true;
}

/* Appends val URL-encoded (RFC 3986 unreserved kept, everything else %XX). */
static bool
form_encode(char *buf, size_t bufsize, size_t *off, const char *val, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)val[i];
		char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			if (!form_raw(buf, bufsize, off, (const char *)&val[i], 1))
				return false;
		} else if (!form_raw(buf, bufsize, off, esc, 3)) {
			return false;
		}
	}
	return true;
}

bool
form_put(char *buf, size_t bufsize, size_t *off, const char *key, const char *val, size_t vallen)
{
	size_t start = *off;
	bool sep = *off > 0 && buf[*off - 1] != '?' && buf[*off - 1] != '&';

	if ((sep && !form_raw(buf, bufsize, off, "&", 1)) ||
	    !form_encode(buf, bufsize, off, key, strlen(key)) ||
	    !form_raw(buf, bufsize, off, "=", 1) ||
	    !form_encode(buf, bufsize, off, val, vallen)) {
		*off = start;
		if (bufsize > start)
			buf[start] = '\0';
		return false;
	}
	return true;
}
