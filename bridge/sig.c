/*
 * sig.c — shared-secret signatures for the generic HTTP gateway, and the
 * constant-time comparison every secret check uses.
 *
 * A signature is the lower-case hex HMAC-SHA256 of the raw request body
 * under the shared secret, sent as "sha256=<hex>" (the GitHub convention)
 * or bare hex.  The generic channel signs "<timestamp>.<body>" instead, so
 * the time a request was made is covered and an old one cannot be replayed
 * (sig_*_stamped).  OpenSSL's libcrypto computes it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bridge.h"

void
sig_hmac_hex(const char *secret, const void *body, size_t len, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, i;

	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, mac, &maclen) == NULL)
		maclen = 0;
	for (i = 0; i < maclen && i < SIG_HEX_LEN / 2; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 15];
	}
	hex[2 * i] = '\0';
	OPENSSL_cleanse(mac, sizeof mac);
}

bool
sig_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	/* The lengths are not secret (the signature's is fixed); the contents are. */
	if (la != lb)
		return false;
	return CRYPTO_memcmp(a, b, la) == 0;
}

/* Lower-cases a header's hex signature ("sha256=" optional) into got; false if it is not one. */
static bool
sig_header_hex(const char *header, char *got)
{
	size_t i, n;

	if (header == NULL)
		return false;
	if (strncmp(header, "sha256=", 7) == 0)
		header += 7;
	n = strlen(header);
	if (n != SIG_HEX_LEN)
		return false;
	/* Hex is case-insensitive; compare in lower case. */
	for (i = 0; i < n; i++)
		got[i] = (header[i] >= 'A' && header[i] <= 'F') ? (char)(header[i] + 32) : header[i];
	got[n] = '\0';
	return true;
}

bool
sig_check(const char *secret, const char *header, const void *body, size_t len)
{
	char want[SIG_HEX_LEN + 1], got[SIG_HEX_LEN + 1];

	if (secret[0] == '\0' || !sig_header_hex(header, got))
		return false;
	sig_hmac_hex(secret, body, len, want);
	return sig_equal(want, got);
}

void
sig_hmac_stamped_hex(const char *secret, const char *stamp, const void *body, size_t len, char *hex)
{
	size_t sl = strlen(stamp);
	char *buf = malloc(sl + 1 + len + 1);

	if (buf == NULL) {
		hex[0] = '\0';		/* matches no signature */
		return;
	}
	memcpy(buf, stamp, sl);
	buf[sl] = '.';
	if (len > 0)
		memcpy(buf + sl + 1, body, len);
	sig_hmac_hex(secret, buf, sl + 1 + len, hex);
	free(buf);
}

bool
sig_check_stamped(const char *secret, const char *header, const char *stamp, const void *body, size_t len)
{
	char want[SIG_HEX_LEN + 1], got[SIG_HEX_LEN + 1];

	if (secret[0] == '\0' || stamp == NULL || !sig_header_hex(header, got))
		return false;
	sig_hmac_stamped_hex(secret, stamp, body, len, want);
	return want[0] != '\0' && sig_equal(want, got);
}
