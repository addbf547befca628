/*
 * test_wxcrypt.c — the WXBizMsgCrypt scheme against the platforms' own
 * published vectors (exact values from the official SDK samples), then bad
 * inputs: each must fail with an error naming what is wrong.
 *
 *   A  WeCom's classic sample (Sample.cpp/.cs/.py): VerifyURL, DecryptMsg,
 *      and the DecryptMsg ciphertext re-encrypted byte for byte with its
 *      random prefix "0960688932c47ef1"
 *   B  WeCom's newer Python sample (weworkapi_python callback/Sample.py):
 *      VerifyURL and the decryption of 你好
 *   C  WeChat's Java WXBizMsgCryptTest: deterministic encryption of
 *      我是中文abcd123 with random "aaaabbbbccccdddd"; the Python cryptoDemo's
 *      decryption; the plain-mode signature of the OA documentation
 *   D  DingTalk's event-crypto vector (receiver suite4xxxxxxxxxxxxxxx)
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bridge.h"

/* A: WeCom classic. */
#define A_TOKEN "QDG6eK"
#define A_KEY "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define A_CORP "wx5823bf96d3bd56c7"
#define A_ECHO "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
#define A_MSG "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="

/* B: WeCom's newer Python sample. */
#define B_TOKEN "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
#define B_KEY "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
#define B_CORP "ww1436e0e65a779aee"
#define B_ECHO "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
#define B_MSG "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"

/* C: WeChat OA. */
#define C_TOKEN "spamtest"
#define C_KEY "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define C_APPID "wx2c2769f8efd9abc2"
#define C_MSG "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
#define C_JAVA "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="

/* D: DingTalk event callbacks. */
#define D_TOKEN "123456"
#define D_KEY "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij"
#define D_SUITE "suite4xxxxxxxxxxxxxxx"
#define D_MSG "1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ=="

static char msg[4096], err[256];
static size_t msglen;

static bool
decrypt(const char *k, const char *b64, const char *receiver)
{
	unsigned char key[WX_KEY_LEN];

	cr_assert(wx_key(k, key), "key %s", k);
	err[0] = '\0';
	return wx_decrypt(key, b64, strlen(b64), receiver, msg, sizeof msg, &msglen, err, sizeof err);
}

static void
field(const char *name, const char *want)
{
	char v[256];
	size_t n;

	cr_assert(xml_field(msg, msglen, name, v, sizeof v, &n), "field %s in %s", name, msg);
	cr_expect_str_eq(v, want);
	cr_expect_eq(n, strlen(want));
}

Test(wxcrypt, wecom_classic_verify_url)
{
	cr_expect(wx_check(A_TOKEN, "1409659589", "263014780", A_ECHO, "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"));
	cr_assert(decrypt(A_KEY, A_ECHO, A_CORP), "%s", err);
	cr_expect_str_eq(msg, "1616140317555161061");
}

Test(wxcrypt, wecom_classic_decrypt_and_reencrypt)
{
	unsigned char key[WX_KEY_LEN];
	char back[1024];
	size_t backlen;

	cr_expect(wx_check(A_TOKEN, "1409659813", "1372623149", A_MSG, "477715d11cdb4164915debcba66cb864d751f3e6"));
	cr_assert(decrypt(A_KEY, A_MSG, A_CORP), "%s", err);
	cr_expect_eq(msglen, 284);
	field("ToUserName", A_CORP);
	field("FromUserName", "mycreate");
	field("Content", "hello");
	field("MsgId", "4561255354251345929");
	field("AgentID", "218");
	field("MsgType", "text");
	wx_key(A_KEY, key);
	cr_assert(wx_encrypt(key, (const unsigned char *)"0960688932c47ef1", msg, msglen, A_CORP, back,
	    sizeof back, &backlen));
	cr_expect_eq(backlen, strlen(A_MSG));
	cr_expect_str_eq(back, A_MSG);
}

Test(wxcrypt, wecom_python_sample)
{
	cr_expect(wx_check(B_TOKEN, "1476416373", "47744683", B_ECHO, "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"));
	cr_assert(decrypt(B_KEY, B_ECHO, B_CORP), "%s", err);
	cr_expect_str_eq(msg, "1288432023552776189");
	cr_expect(wx_check(B_TOKEN, "1476422779", "1597212914", B_MSG, "0c3914025cb4b4d68103f6bfc8db550f79dcf48e"));
	cr_assert(decrypt(B_KEY, B_MSG, B_CORP), "%s", err);
	field("FromUserName", "ChenJiaShun");
	field("Content", "你好");
	field("MsgId", "1456453720");
	field("AgentID", "1000002");
}

Test(wxcrypt, wechat_java_deterministic_encrypt)
{
	static const char text[] = "我是中文abcd123";
	unsigned char key[WX_KEY_LEN];
	char out[256];
	size_t outlen;

	cr_assert(wx_key(C_KEY, key));
	cr_assert(wx_encrypt(key, (const unsigned char *)"aaaabbbbccccdddd", text, strlen(text),
	    "wxb11529c136998cb6", out, sizeof out, &outlen));
	cr_expect_str_eq(out, C_JAVA);
	cr_assert(decrypt(C_KEY, C_JAVA, "wxb11529c136998cb6"), "%s", err);
	cr_expect_str_eq(msg, text);
}

Test(wxcrypt, wechat_python_cryptodemo)
{
	cr_expect(wx_check(C_TOKEN, "1409735669", "1320562132", C_MSG, "5d197aaffba7e9b25a30732f161a50dee96bd5fa"));
	cr_assert(decrypt(C_KEY, C_MSG, C_APPID), "%s", err);
	field("ToUserName", "gh_10f6c3c3ac5a");
	field("FromUserName", "oyORnuP8q7ou2gfYjqLzSIWZf0rs");
	field("Content", "abcdteT");
	field("MsgId", "6054768590064713728");
	field("CreateTime", "1409735668");
}

Test(wxcrypt, wechat_plain_mode_signature)
{
	const char *parts[] = { "AAAAA", "1714037059", "486452656" };
	char hex[41];

	wx_signature(parts, 3, hex);
	cr_expect_str_eq(hex, "899cf89e464efb63f54ddac96b0a0a235f53aa78");
	cr_expect(wx_check("AAAAA", "1714037059", "486452656", NULL, "899cf89e464efb63f54ddac96b0a0a235f53aa78"));
	cr_expect(wx_check("AAAAA", "1714037059", "486452656", NULL, "899CF89E464EFB63F54DDAC96B0A0A235F53AA78"));
	cr_expect(!wx_check("AAAAA", "1714037059", "486452657", NULL, "899cf89e464efb63f54ddac96b0a0a235f53aa78"));
}

Test(wxcrypt, dingtalk_event_crypto)
{
	cr_expect(wx_check(D_TOKEN, "1445827045067", "nEXhMP4r", D_MSG, "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0"));
	cr_assert(decrypt(D_KEY, D_MSG, D_SUITE), "%s", err);
	cr_expect_str_eq(msg, "{\"EventType\":\"check_create_suite_url\",\"Random\":\"LPIdSnlF\","
	    "\"TestSuiteKey\":\"suite4xxxxxxxxxxxxxxx\"}");
	cr_assert(decrypt(D_KEY, D_MSG, ""), "any receiver: %s", err);
}

/* A '+' that a form decoder turned into a space still decrypts. */
Test(wxcrypt, space_for_plus)
{
	char spaced[sizeof A_ECHO];
	size_t i;

	for (i = 0; i < sizeof A_ECHO; i++)
		spaced[i] = A_ECHO[i] == '+' ? ' ' : A_ECHO[i];
	cr_assert(decrypt(A_KEY, spaced, A_CORP), "%s", err);
	cr_expect_str_eq(msg, "1616140317555161061");
}

Test(wxcrypt, bad_keys)
{
	unsigned char key[WX_KEY_LEN];

	cr_expect(!wx_key("", key));
	cr_expect(!wx_key("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2", key));	/* 42 */
	cr_expect(!wx_key("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2CC", key));	/* 44 */
	cr_expect(!wx_key("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2!", key));
	cr_expect(!wx_key("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2=", key));
}

Test(wxcrypt, wrong_key_or_receiver)
{
	cr_expect(!decrypt(B_KEY, A_MSG, A_CORP));
	cr_expect(strstr(err, "padding") != NULL || strstr(err, "length field") != NULL, "%s", err);
	cr_expect(!decrypt(A_KEY, A_MSG, "ww0000000000000000"));
	cr_expect(strstr(err, "receiver \"wx5823bf96d3bd56c7\" is not \"ww0000000000000000\"") != NULL, "%s", err);
	cr_expect(!decrypt(A_KEY, A_MSG, "wx5823bf96d3bd56c"));	/* a prefix is not the receiver */
	cr_expect(strstr(err, "receiver") != NULL, "%s", err);
}

Test(wxcrypt, bad_signatures)
{
	cr_expect(!wx_check(A_TOKEN, "1409659813", "1372623149", A_MSG, "477715d11cdb4164915debcba66cb864d751f3e7"));
	cr_expect(!wx_check(A_TOKEN, "1409659813", "1372623149", A_MSG, "477715d11cdb4164915debcba66cb864d751f3e"));
	cr_expect(!wx_check(A_TOKEN, "1409659813", "1372623149", A_MSG, ""));
	cr_expect(!wx_check(A_TOKEN, "1409659813", "1372623149", A_MSG, NULL));
	cr_expect(!wx_check("other", "1409659813", "1372623149", A_MSG, "477715d11cdb4164915debcba66cb864d751f3e6"));
}

Test(wxcrypt, bad_base64)
{
	cr_expect(!decrypt(A_KEY, "", A_CORP));
	cr_expect(!decrypt(A_KEY, "abc", A_CORP));
	cr_expect(strstr(err, "base64") != NULL, "%s", err);
	cr_expect(!decrypt(A_KEY, "ab!d", A_CORP));
	cr_expect(strstr(err, "base64") != NULL, "%s", err);
	cr_expect(!decrypt(A_KEY, "a=cd", A_CORP));
	cr_expect(strstr(err, "base64") != NULL, "%s", err);
	cr_expect(!decrypt(A_KEY, "AAAAAAAAAAAAAAAAAAAAAA==", A_CORP));	/* 16 bytes: no frame */
	cr_expect(strstr(err, "AES blocks") != NULL, "%s", err);
}

/* Encrypts a hand-made frame (padding and length field chosen by the test) under key A. */
static void
forge(const unsigned char *plain, size_t len, char *b64)
{
	unsigned char key[WX_KEY_LEN], *out = malloc(len);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;

	wx_key(A_KEY, key);
	EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, key);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	EVP_EncryptUpdate(ctx, out, &n, plain, (int)len);
	EVP_EncryptFinal_ex(ctx, out + n, &m);
	EVP_CIPHER_CTX_free(ctx);
	EVP_EncodeBlock((unsigned char *)b64, out, (int)len);
	free(out);
}

Test(wxcrypt, corrupt_frames)
{
	unsigned char plain[64];
	char b64[128];

	/* random(16) len(4)=5 "hello" "wx5823bf96d3bd56c7"(18) = 43, pad 21 to 64 */
	memset(plain, 'r', 16);
	memcpy(plain + 16, "\0\0\0\5hellowx5823bf96d3bd56c7", 27);
	memset(plain + 43, 21, 21);
	forge(plain, 64, b64);
	cr_assert(decrypt(A_KEY, b64, A_CORP), "the well-formed frame: %s", err);
	cr_expect_str_eq(msg, "hello");

	plain[63] = 33;			/* pad beyond 32 */
	forge(plain, 64, b64);
	cr_expect(!decrypt(A_KEY, b64, A_CORP));
	cr_expect(strstr(err, "padding") != NULL, "%s", err);
	plain[63] = 21;
	plain[50] = 20;			/* pad bytes differ */
	forge(plain, 64, b64);
	cr_expect(!decrypt(A_KEY, b64, A_CORP));
	cr_expect(strstr(err, "padding") != NULL, "%s", err);
	plain[50] = 21;
	plain[16] = 0x7f;		/* length field beyond the buffer */
	forge(plain, 64, b64);
	cr_expect(!decrypt(A_KEY, b64, A_CORP));
	cr_expect(strstr(err, "length field") != NULL, "%s", err);
	plain[16] = 0;
	plain[19] = 24;			/* one byte more than what is left */
	forge(plain, 64, b64);
	cr_expect(!decrypt(A_KEY, b64, A_CORP));
	cr_expect(strstr(err, "length field 24 is beyond the 23 bytes left") != NULL, "%s", err);
	plain[19] = 0;
	memset(plain + 20, 32, 44);	/* head only, padded */
	memset(plain + 32, 32, 32);
	forge(plain, 64, b64);
	cr_expect(!decrypt(A_KEY, b64, A_CORP));
	cr_expect(strstr(err, "receiver") != NULL, "%s", err);
}

Test(wxcrypt, message_too_long_for_the_buffer)
{
	unsigned char key[WX_KEY_LEN];
	char small[8];
	size_t n;

	wx_key(A_KEY, key);
	cr_expect(!wx_decrypt(key, A_MSG, strlen(A_MSG), A_CORP, small, sizeof small, &n, err, sizeof err));
	cr_expect(strstr(err, "too long") != NULL, "%s", err);
}
