/*
 * feishu_crypto.c — Feishu's (Lark's) event crypto: the X-Lark-Signature
 * of a request and the `encrypt` member of an event body.
 *
 * With an Encrypt Key set on the console, every event arrives as
 * {"encrypt":"<base64>"}: the base64 decodes to a 16-byte IV followed by
 * the AES-256-CBC ciphertext of the event's JSON, under the key SHA-256 of
 * the Encrypt Key, padded with PKCS#7 to 16-byte blocks (unlike the
 * 32-byte padding of WeCom's scheme).  Each request also carries
 * X-Lark-Request-Timestamp, X-Lark-Request-Nonce and X-Lark-Signature =
 * hex(SHA-256(timestamp ‖ nonce ‖ Encrypt Key ‖ raw body)).  Pure: OpenSSL's
 * libcrypto computes, nothing else is touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "chatdf.h"

#define FS_BLOCK 16

void
feishu_signature(const char *timestamp, const char *nonce, const char *encrypt_key,
    const void *body, size_t len, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int mdlen = 0, i;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, timestamp, strlen(timestamp)) != 1 ||
	    EVP_DigestUpdate(ctx, nonce, strlen(nonce)) != 1 ||
	    EVP_DigestUpdate(ctx, encrypt_key, strlen(encrypt_key)) != 1 ||
	    EVP_DigestUpdate(ctx, body, len) != 1 || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		mdlen = 0;	/* an empty hex matches no header */
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * i] = '\0';
}

/* The AES key: SHA-256 of the Encrypt Key's text. */
static void
feishu_key(const char *encrypt_key, unsigned char key[32])
{
	SHA256((const unsigned char *)encrypt_key, strlen(encrypt_key), key);
}

/*
 * Decodes strict base64 (length a multiple of 4, '=' only at the end) into
 * a malloc'd buffer the caller frees; NULL when it is not base64.
 */
static unsigned char *
feishu_b64(const char *b64, size_t len, size_t *outlen)
{
	unsigned char *out;
	size_t pad = 0, i;
	int n;

	if (len == 0 || len % 4 != 0 || len > (size_t)1 << 30)
		return NULL;
	for (i = 0; i < len; i++) {
		char c = b64[i];

		if (c == '=') {
			if (i < len - 2)
				return NULL;
			pad++;
		} else if (pad > 0 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return NULL;
	}
	if ((out = malloc(len / 4 * 3 + 1)) == NULL)
		return NULL;
	/* EVP_DecodeBlock counts the '=' padding as zero bytes: take them off. */
	n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(out);
		return NULL;
	}
	*outlen = (size_t)n - pad;
	return out;
}

/* One AES-256-CBC pass without OpenSSL's padding; false on a library failure. */
static bool
feishu_cbc(bool enc, const unsigned char key[32], const unsigned char *iv, const unsigned char *in, size_t len,
    unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;
	bool ok;

	ok = ctx != NULL && EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv, enc ? 1 : 0) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
	    EVP_CipherFinal_ex(ctx, out + n, &m) == 1 && (size_t)(n + m) == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

bool
feishu_decrypt(const char *encrypt_key, const char *b64, size_t b64len, char *out, size_t outsize,
    size_t *outlen, char *err, size_t errlen)
{
	unsigned char key[32], *raw, *plain = NULL;
	size_t rawlen = 0, clen, pad, i;
	bool ok = false;

	if ((raw = feishu_b64(b64, b64len, &rawlen)) == NULL) {
		snprintf(err, errlen, "encrypt is not base64");
		return false;
	}
	clen = rawlen - (rawlen >= FS_BLOCK ? FS_BLOCK : rawlen);
	if (rawlen < 2 * FS_BLOCK || clen % FS_BLOCK != 0) {
		snprintf(err, errlen, "encrypt decodes to %zu bytes, not an IV and whole AES blocks", rawlen);
		goto done;
	}
	feishu_key(encrypt_key, key);
	if ((plain = malloc(clen)) == NULL || !feishu_cbc(false, key, raw, raw + FS_BLOCK, clen, plain)) {
		snprintf(err, errlen, "encrypt: AES-256-CBC failed");
		goto done;
	}
	/* PKCS#7: 1 to 16 bytes, each holding the count; anything else is the wrong key or a forgery. */
	pad = plain[clen - 1];
	ok = pad >= 1 && pad <= FS_BLOCK;
	for (i = 0; ok && i < pad; i++)
		ok = plain[clen - 1 - i] == pad;
	if (!ok) {
		snprintf(err, errlen, "encrypt: bad padding after decryption (a wrong Encrypt Key?)");
		goto done;
	}
	if (clen - pad >= outsize) {
		snprintf(err, errlen, "encrypt: %zu bytes of plaintext do not fit in %zu", clen - pad, outsize - 1);
		ok = false;
		goto done;
	}
	memcpy(out, plain, clen - pad);
	out[clen - pad] = '\0';
	*outlen = clen - pad;
done:
	OPENSSL_cleanse(key, sizeof key);
	if (plain != NULL) {
		OPENSSL_cleanse(plain, clen);
		free(plain);
	}
	free(raw);
	return ok;
}

bool
feishu_encrypt(const char *encrypt_key, const unsigned char iv[16], const char *msg, size_t len,
    char *out, size_t outsize, size_t *outlen)
{
	size_t pad = FS_BLOCK - len % FS_BLOCK, clen = len + pad, rawlen = FS_BLOCK + clen;
	unsigned char key[32], *raw;
	bool ok;

	if (len > ((size_t)1 << 28) || (rawlen + 2) / 3 * 4 >= outsize || (raw = malloc(rawlen)) == NULL)
		return false;
	memcpy(raw, iv, FS_BLOCK);
	memcpy(raw + FS_BLOCK, msg, len);
	memset(raw + FS_BLOCK + len, (int)pad, pad);
	feishu_key(encrypt_key, key);
	ok = feishu_cbc(true, key, iv, raw + FS_BLOCK, clen, raw + FS_BLOCK);
	OPENSSL_cleanse(key, sizeof key);
	if (ok)
		*outlen = (size_t)EVP_EncodeBlock((unsigned char *)out, raw, (int)rawlen);
	free(raw);
	return ok;
}
