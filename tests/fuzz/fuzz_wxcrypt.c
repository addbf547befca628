/*
 * fuzz_wxcrypt.c — the WXBizMsgCrypt frame parser (bridge/wxcrypt.c) on
 * arbitrary input under a fixed key.  Two ways in: the bytes as base64
 * text (the base64 and block checks), and the bytes encrypted as a frame
 * (so the padding, length field and receiver checks see every shape).
 * Checks: a decryption that succeeds gives a message within the buffer,
 * NUL-terminated at its length; one that fails says why; what encrypts
 * decrypts back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bridge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define RECEIVER "wx5823bf96d3bd56c7"

static char msg[8192], err[256];

/* Decrypts b64 and checks the invariants of the answer. */
static void
check(const unsigned char *key, const char *b64, size_t len, const char *receiver)
{
	size_t n = 0;

	err[0] = '\0';
	if (wx_decrypt(key, b64, len, receiver, msg, sizeof msg, &n, err, sizeof err)) {
		if (n >= sizeof msg || msg[n] != '\0')
			abort();
	} else if (err[0] == '\0' || memchr(err, '\0', sizeof err) == NULL) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char key[WX_KEY_LEN];
	static char b64[16384];
	unsigned char frame[4096], cipher[4096];
	EVP_CIPHER_CTX *ctx;
	size_t len, n;
	int a = 0, b = 0;

	if (!wx_key(KEY, key))
		abort();
	check(key, (const char *)data, size, RECEIVER);
	/* The bytes as a frame, padded with zeros to whole blocks, encrypted with padding off. */
	len = size > sizeof frame ? sizeof frame : size;
	len = (len + 15) / 16 * 16;
	if (len == 0)
		return 0;
	memset(frame, 0, len);
	memcpy(frame, data, size < len ? size : len);
	ctx = EVP_CIPHER_CTX_new();
	EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, key);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	EVP_EncryptUpdate(ctx, cipher, &a, frame, (int)len);
	EVP_EncryptFinal_ex(ctx, cipher + a, &b);
	EVP_CIPHER_CTX_free(ctx);
	n = (size_t)EVP_EncodeBlock((unsigned char *)b64, cipher, (int)len);
	check(key, b64, n, RECEIVER);
	check(key, b64, n, "");
	/* Round trip: the bytes as a message. */
	if (size <= 2048 && wx_encrypt(key, (const unsigned char *)"0123456789abcdef", (const char *)data, size,
	    RECEIVER, b64, sizeof b64, &n)) {
		size_t m = 0;

		if (!wx_decrypt(key, b64, n, RECEIVER, msg, sizeof msg, &m, err, sizeof err) || m != size ||
		    memcmp(msg, data, size) != 0)
			abort();
	}
	return 0;
}
