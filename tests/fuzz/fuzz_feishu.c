/*
 * fuzz_feishu.c — libFuzzer harness for the Feishu channel
 * (bridge/ch_feishu.c, bridge/feishu_crypto.c).
 *
 * The first byte picks the target (an ASCII digit, as the seeds are
 * written, or any byte modulo 6), the rest is its input:
 *   0 an event's JSON, encrypted and signed here with the right Encrypt
 *     Key (a fixed IV) so the fuzzer reaches the decrypted event's parser;
 *   1 a plain body with no Encrypt Key set (the token-only mode);
 *   2 the `encrypt` frame itself: base64, IV, blocks, padding;
 *   3 an answer to a reply (judge);   4 an answer to a token request;
 *   5 a reply context, as the spool hands it back to reply().
 * Invariants: what encrypts decrypts back to itself; an accepted message
 * has a valid envelope id, a Feishu sender, well-formed UTF-8 text without
 * NUL, and a reply request that builds whole.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "chatdf.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1701736200000LL
#define KEY "fuzz-encrypt-key"
#define FRAME_MAX 8192

static struct chat_conf cc;

static void
fuzz_conf(bool encrypted)
{
	memset(&cc, 0, sizeof cc);
	conf_defaults(ch_feishu.table, &cc);
	cc.ops = &ch_feishu;
	snprintf(cc.name, sizeof cc.name, "fuzz");
	snprintf(cc.receiver, sizeof cc.receiver, "cli_fuzz");
	snprintf(cc.secret, sizeof cc.secret, "fuzz-app-secret");
	snprintf(cc.token, sizeof cc.token, "vtoken");
	snprintf(cc.aes_key, sizeof cc.aes_key, "%s", encrypted ? KEY : "");
	snprintf(cc.api, sizeof cc.api, "http://127.0.0.1:9");
}

static void
fuzz_reply(const char *id, const char *to, const char *ctx)
{
	static struct outreq req;
	char err[256];

	if (ch_feishu.reply(&cc, NOW, id, to, ctx, "t-fuzz", "已收到：牛12", &req, err, sizeof err) &&
	    (req.bodylen == 0 || req.bodylen != strlen(req.body) || req.nhdrs != 1))
		abort();
}

/* Parses body (signed when sign) and checks what an accepted message must be. */
static void
fuzz_parse(const char *body, size_t len, bool sign)
{
	static struct inbound in;
	char hex[65], err[256];
	struct br_header h[3] = {
		{ "X-Lark-Request-Timestamp", "1701736199" },
		{ "X-Lark-Request-Nonce", "42" },
		{ "X-Lark-Signature", hex },
	};
	struct webhook w = { .method = "POST", .path = "/feishu/fuzz", .query = "", .headers = h,
		.nheaders = sign ? 3 : 0, .body = body, .bodylen = len, .peer = "127.0.0.1", .now = NOW };
	int status;

	feishu_signature("1701736199", "42", cc.aes_key, body, len, hex);
	memset(&in, 0, sizeof in);
	err[0] = '\0';
	status = ch_feishu.parse(&cc, &w, &in, err, sizeof err);
	if (status != 200) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (in.verify) {
		if (in.resplen == 0 || in.resplen != strlen(in.resp))
			abort();
		return;
	}
	if (in.id[0] == '\0' || !payload_id_valid(in.id, strlen(in.id)))
		abort();
	if (in.ignore) {
		if (in.answer[0] != '\0')
			fuzz_reply(in.id, in.from, in.ctx);
		return;
	}
	if (strncmp(in.from, "feishu:", 7) != 0 || in.textlen == 0 || in.textlen != strlen(in.text) ||
	    !utf8_valid(in.text, in.textlen))
		abort();
	fuzz_reply(in.id, in.from, in.ctx);
}

/* Encrypts the event under KEY and parses it as Feishu would post it; checks the round trip. */
static void
fuzz_encrypted(const char *event, size_t len)
{
	static const unsigned char iv[16] = "fuzz-iv-01234567";
	static char body[FRAME_MAX * 2], back[FRAME_MAX];
	char err[256];
	size_t n, m;

	if (len > FRAME_MAX - 64)
		return;
	memcpy(body, "{\"encrypt\":\"", 12);
	if (!feishu_encrypt(KEY, iv, event, len, body + 12, sizeof body - 16, &n))
		abort();
	if (!feishu_decrypt(KEY, body + 12, n, back, sizeof back, &m, err, sizeof err) || m != len ||
	    memcmp(back, event, len) != 0)
		abort();
	memcpy(body + 12 + n, "\"}", 3);
	fuzz_parse(body, 12 + n + 2, true);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char frame[FRAME_MAX], ctx[1024], tok[256];
	char note[256], err[256];
	size_t n;
	int64_t exp;

	if (size < 1)
		return 0;
	const char *buf = (const char *)data + 1;
	size_t len = size - 1;

	switch ((data[0] >= '0' && data[0] <= '9' ? data[0] - '0' : data[0]) % 6) {
	case 0:
		fuzz_conf(true);
		fuzz_encrypted(buf, len);
		break;
	case 1:
		fuzz_conf(false);
		fuzz_parse(buf, len, false);
		break;
	case 2:
		err[0] = '\0';
		if (feishu_decrypt(KEY, buf, len, frame, sizeof frame, &n, err, sizeof err)) {
			if (n >= sizeof frame || frame[n] != '\0')
				abort();
		} else if (err[0] == '\0') {
			abort();
		}
		break;
	case 3:
		note[0] = '\0';
		if (ch_feishu.judge(200, buf, len, note, sizeof note) != SEND_OK && note[0] == '\0')
			abort();
		break;
	case 4:
		if (ch_feishu.token_read(200, buf, len, tok, sizeof tok, &exp, err, sizeof err) &&
		    (tok[0] == '\0' || exp <= 0))
			abort();
		break;
	case 5:
		if (len >= sizeof ctx)
			break;
		fuzz_conf(true);
		memcpy(ctx, buf, len);
		ctx[len] = '\0';
		fuzz_reply("feishu:e1", "feishu:ou_fuzz", ctx);
		break;
	}
	return 0;
}
