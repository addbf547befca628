/*
 * chatdf.h — the pure helpers of the DingTalk and Feishu channels
 * (ch_dingtalk.c, ch_feishu.c, feishu_crypto.c) that their unit tests,
 * fuzz harnesses and integration tests use too, to sign and encrypt
 * requests the way the platforms do.
 */
#ifndef CB_CHATDF_H
#define CB_CHATDF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * DingTalk's robot callback signature: base64(HMAC-SHA256(key = app
 * secret, data = timestamp + "\n" + app secret)) into out[45] (44
 * characters and the NUL).  timestamp is the `timestamp` header's text.
 */
#define DINGTALK_SIGN_LEN 44
void dingtalk_sign(const char *secret, const char *timestamp, char out[DINGTALK_SIGN_LEN + 1]);

/*
 * Feishu's X-Lark-Signature: hex(SHA-256(timestamp + nonce + encrypt_key +
 * body)) over the raw body bytes, into hex[65].
 */
void feishu_signature(const char *timestamp, const char *nonce, const char *encrypt_key,
    const void *body, size_t len, char hex[65]);

/*
 * Decrypts the `encrypt` member of a Feishu event (base64 of IV(16) ‖
 * AES-256-CBC ciphertext, key = SHA-256(encrypt_key), PKCS#7 to 16 bytes)
 * into out (outsize bytes, NUL-terminated, *outlen without the NUL).
 * False with err naming what was wrong (base64, length, padding, room).
 */
bool feishu_decrypt(const char *encrypt_key, const char *b64, size_t b64len, char *out, size_t outsize,
    size_t *outlen, char *err, size_t errlen);

/*
 * The inverse, with the IV given (so a test reproduces a published
 * ciphertext byte for byte): base64 into out (NUL-terminated, *outlen
 * without it).  False when it does not fit.
 */
bool feishu_encrypt(const char *encrypt_key, const unsigned char iv[16], const char *msg, size_t len,
    char *out, size_t outsize, size_t *outlen);

#endif
