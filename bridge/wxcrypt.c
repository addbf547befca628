/*
 * wxcrypt.c — the "WXBizMsgCrypt" scheme shared by WeCom, WeChat Official
 * Accounts in safe mode and DingTalk's event callbacks.  Pure: no I/O, no
 * clock, no globals; the random prefix of an encryption is the caller's.
 *
 *   key       = base64(EncodingAESKey + "=")      32 bytes; IV = key[0..16)
 *   plaintext = random(16) ‖ len(4, big-endian) ‖ msg ‖ receiver
 *   padding   = PKCS#7 to a multiple of 32 (pad bytes 1..32): OpenSSL's own
 *               padding works in 16-byte blocks and would refuse these, so
 *               the cipher runs with padding off and we pad by hand
 *   signature = hex SHA-1 of the byte-wise sorted concatenation of token,
 *               timestamp, nonce (and the ciphertext), compared in constant
 *               time
 *
 * Everything read from the network is bounds-checked: the base64, the
 * block size, every padding byte, the length field against what is left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "bridge.h"

#define WX_PAD		32
#define WX_HEAD		20	/* random(16) + len(4) */
#define WX_PLAIN_MAX	(1 << 20)

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Decodes standard base64 (length a multiple of 4, '=' only at the end, at
 * most two) into out (outsize bytes); returns the byte count, or -1.
 */
static long
wx_b64_decode(const char *in, size_t len, unsigned char *out, size_t outsize)
{
	size_t pad = 0, i;
	int n;

	if (len == 0 || len % 4 != 0 || len / 4 * 3 > outsize || len > INT32_MAX)
		return -1;
	while (pad < 2 && in[len - 1 - pad] == '=')
		pad++;
	for (i = 0; i < len - pad; i++)
		if (in[i] == '\0' || strchr(b64chars, in[i]) == NULL)
			return -1;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0)
		return -1;
	return (long)n - (long)pad;	/* EVP_DecodeBlock counts the '=' as zero bytes */
}

bool
wx_key(const char *encoding_aes_key, unsigned char key[WX_KEY_LEN])
{
	char padded[45];
	unsigned char raw[36];

	if (strlen(encoding_aes_key) != 43)
		return false;
	snprintf(padded, sizeof padded, "%s=", encoding_aes_key);
	if (wx_b64_decode(padded, 44, raw, sizeof raw) != WX_KEY_LEN)
		return false;
	memcpy(key, raw, WX_KEY_LEN);
	OPENSSL_cleanse(raw, sizeof raw);
	return true;
}

/* Sorts up to four strings byte-wise (insertion sort: n is tiny). */
static void
wx_sort(const char **v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			const char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

void
wx_signature(const char *const *parts, size_t n, char hex[41])
{
	const char *v[4];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (n > 4)
		n = 4;
	memcpy(v, parts, n * sizeof *v);
	wx_sort(v, n);
	hex[0] = '\0';
	if (ctx == NULL)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1) {
		for (i = 0; i < n; i++)
			EVP_DigestUpdate(ctx, v[i], strlen(v[i]));
		EVP_DigestFinal_ex(ctx, md, &mdlen);
	}
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < mdlen && i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

bool
wx_check(const char *token, const char *timestamp, const char *nonce, const char *encrypt, const char *sig)
{
	const char *parts[4] = { token, timestamp, nonce, encrypt };
	char want[41], got[41];
	size_t i;

	if (token == NULL || timestamp == NULL || nonce == NULL || sig == NULL || strlen(sig) != 40)
		return false;
	for (i = 0; i < 40; i++)	/* hex in either case */
		got[i] = (char)(sig[i] >= 'A' && sig[i] <= 'F' ? sig[i] + 32 : sig[i]);
	got[40] = '\0';
	wx_signature(parts, encrypt != NULL ? 4 : 3, want);
	return strlen(want) == 40 && CRYPTO_memcmp(want, got, 40) == 0;
}

/* AES-256-CBC with IV = key[0..16) and padding off over len bytes (a multiple of 16); false on failure. */
static bool
wx_cipher(const unsigned char key[WX_KEY_LEN], bool enc, const unsigned char *in, size_t len,
    unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;
	bool ok;

	if (ctx == NULL)
		return false;
	ok = EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, key, enc ? 1 : 0) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
	    EVP_CipherFinal_ex(ctx, out + n, &m) == 1 && (size_t)(n + m) == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/*
 * Reads the frame of a decrypted plaintext (len bytes, padding included):
 * the padding, the length field, the receiver.  Sets *msg and *msglen to
 * the message inside plain; false with err naming what is wrong.
 */
static bool
wx_frame(const unsigned char *plain, size_t len, const char *receiver, const unsigned char **msg,
    size_t *msglen, char *err, size_t errlen)
{
	size_t pad = plain[len - 1], body, i, n, rlen;

	if (pad < 1 || pad > WX_PAD || pad > len) {
		snprintf(err, errlen, "padding: last byte %zu is not 1..32 (wrong key?)", pad);
		return false;
	}
	for (i = len - pad; i < len; i++)
		if (plain[i] != pad) {
			snprintf(err, errlen, "padding: bytes differ (wrong key?)");
			return false;
		}
	body = len - pad;
	if (body < WX_HEAD) {
		snprintf(err, errlen, "frame of %zu bytes is shorter than its 20-byte head", body);
		return false;
	}
	n = (size_t)plain[16] << 24 | (size_t)plain[17] << 16 | (size_t)plain[18] << 8 | plain[19];
	if (n > body - WX_HEAD) {
		snprintf(err, errlen, "length field %zu is beyond the %zu bytes left", n, body - WX_HEAD);
		return false;
	}
	rlen = body - WX_HEAD - n;
	if (receiver != NULL && receiver[0] != '\0' &&
	    (rlen != strlen(receiver) || memcmp(plain + WX_HEAD + n, receiver, rlen) != 0)) {
		snprintf(err, errlen, "receiver \"%.*s\" is not \"%s\"", (int)(rlen < 64 ? rlen : 64),
		    (const char *)plain + WX_HEAD + n, receiver);
		return false;
	}
	*msg = plain + WX_HEAD;
	*msglen = n;
	return true;
}

bool
wx_decrypt(const unsigned char key[WX_KEY_LEN], const char *b64, size_t b64len, const char *receiver,
    char *msg, size_t msgsize, size_t *msglen, char *err, size_t errlen)
{
	unsigned char *raw = NULL, *plain = NULL;
	const unsigned char *m;
	char *text = NULL;
	size_t n = 0;
	long rawlen;
	bool ok = false;

	if (b64len == 0 || b64len > WX_PLAIN_MAX / 3 * 4) {
		snprintf(err, errlen, "ciphertext of %zu characters: empty or too long", b64len);
		return false;
	}
	/* A '+' that came through a form decoder unescaped is a space now: put it back. */
	if ((text = malloc(b64len + 1)) == NULL || (raw = malloc(b64len)) == NULL ||
	    (plain = malloc(b64len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < b64len; i++)
		text[i] = b64[i] == ' ' ? '+' : b64[i];
	text[b64len] = '\0';
	if ((rawlen = wx_b64_decode(text, b64len, raw, b64len)) < 0) {
		snprintf(err, errlen, "ciphertext is not base64");
		goto done;
	}
	if (rawlen < WX_PAD || rawlen % 16 != 0) {
		snprintf(err, errlen, "ciphertext of %ld bytes is not whole AES blocks of a frame", rawlen);
		goto done;
	}
	if (!wx_cipher(key, false, raw, (size_t)rawlen, plain)) {
		snprintf(err, errlen, "AES-256-CBC failed");
		goto done;
	}
	if (!wx_frame(plain, (size_t)rawlen, receiver, &m, &n, err, errlen))
		goto done;
	if (n + 1 > msgsize) {
		snprintf(err, errlen, "message of %zu bytes is too long (at most %zu)", n, msgsize - 1);
		goto done;
	}
	memcpy(msg, m, n);
	msg[n] = '\0';
	*msglen = n;
	ok = true;
done:
	if (plain != NULL)
		OPENSSL_cleanse(plain, b64len);
	free(plain);
	free(raw);
	free(text);
	return ok;
}

bool
wx_encrypt(const unsigned char key[WX_KEY_LEN], const unsigned char random16[16], const char *msg,
    size_t msglen, const char *receiver, char *out, size_t outsize, size_t *outlen)
{
	size_t rlen = strlen(receiver), len = WX_HEAD + msglen + rlen, pad, total;
	unsigned char *plain, *cipher;
	bool ok = false;
	int n;

	if (msglen > WX_PLAIN_MAX || rlen > 1024)
		return false;
	pad = WX_PAD - len % WX_PAD;
	total = len + pad;
	if ((total + 2) / 3 * 4 + 1 > outsize)
		return false;
	plain = malloc(total);
	cipher = malloc(total);
	if (plain == NULL || cipher == NULL)
		goto done;
	memcpy(plain, random16, 16);
	plain[16] = (unsigned char)(msglen >> 24);
	plain[17] = (unsigned char)(msglen >> 16);
	plain[18] = (unsigned char)(msglen >> 8);
	plain[19] = (unsigned char)msglen;
	memcpy(plain + WX_HEAD, msg, msglen);
	memcpy(plain + WX_HEAD + msglen, receiver, rlen);
	memset(plain + len, (int)pad, pad);
	if (!wx_cipher(key, true, plain, total, cipher))
		goto done;
	n = EVP_EncodeBlock((unsigned char *)out, cipher, (int)total);
	if (n < 0)
		goto done;
	*outlen = (size_t)n;
	ok = true;
done:
	if (plain != NULL)
		OPENSSL_cleanse(plain, total);
	free(plain);
	free(cipher);
	return ok;
}
