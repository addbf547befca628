/*
 * fuzz_dingtalk.c — libFuzzer harness for the DingTalk robot channel
 * (bridge/ch_dingtalk.c).
 *
 * The first byte picks the target (an ASCII digit, as the seeds are
 * written, or any byte modulo 4), the rest is its input:
 *   0 a callback body, signed here with the right secret and a fresh
 *     timestamp so the fuzzer gets past the sign into the JSON;
 *   1 an answer to a reply (judge);   2 an answer to a token request;
 *   3 a reply context, as the spool hands it back to reply().
 * Invariants on every accepted message: a valid envelope id, a DingTalk
 * sender, well-formed UTF-8 text without NUL and without blanks at its
 * ends, a context that reply() reads back into a request that builds (the
 * session webhook and the OpenAPI both).
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

static struct chat_conf cc;

static void
fuzz_init(void)
{
	conf_defaults(ch_dingtalk.table, &cc);
	cc.ops = &ch_dingtalk;
	snprintf(cc.name, sizeof cc.name, "fuzz");
	snprintf(cc.secret, sizeof cc.secret, "fuzz-app-secret-0123456789");
	snprintf(cc.receiver, sizeof cc.receiver, "dingfuzz");
	snprintf(cc.api, sizeof cc.api, "http://127.0.0.1:9");
}

/* Builds the reply to an accepted message both ways; a request that builds must be whole. */
static void
fuzz_reply(const char *id, const char *to, const char *ctx)
{
	static struct outreq req;
	char err[256];
	int64_t when[2] = { NOW, NOW + 400LL * 86400000 };

	for (int i = 0; i < 2; i++) {
		if (!ch_dingtalk.reply(&cc, when[i], id, to, ctx, "tok", "已收到：牛12", &req, err, sizeof err))
			continue;
		if (req.bodylen == 0 || req.bodylen != strlen(req.body) || req.url[0] == '\0')
			abort();
	}
}

static void
fuzz_callback(const char *buf, size_t len)
{
	static struct inbound in;
	char stamp[32], sign[DINGTALK_SIGN_LEN + 1], err[256];
	struct br_header h[2] = { { "timestamp", stamp }, { "sign", sign } };
	struct webhook w = { .method = "POST", .path = "/dingtalk/fuzz", .query = "", .headers = h, .nheaders = 2,
		.body = buf, .bodylen = len, .peer = "127.0.0.1", .now = NOW };
	int status;

	snprintf(stamp, sizeof stamp, "%lld", NOW - 1000);
	dingtalk_sign(cc.secret, stamp, sign);
	memset(&in, 0, sizeof in);
	err[0] = '\0';
	status = ch_dingtalk.parse(&cc, &w, &in, err, sizeof err);
	if (status != 200) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (in.id[0] != '\0' && !payload_id_valid(in.id, strlen(in.id)))
		abort();
	if (in.ignore) {
		if (in.answer[0] != '\0' && strncmp(in.from, "dingtalk:", 9) != 0)
			abort();	/* an answer needs someone to answer */
		if (in.answer[0] != '\0')
			fuzz_reply(in.id, in.from, in.ctx);
		return;
	}
	if (in.id[0] == '\0' || strncmp(in.from, "dingtalk:", 9) != 0 || in.textlen == 0 ||
	    in.textlen != strlen(in.text) || !utf8_valid(in.text, in.textlen) || in.text[0] == ' ' ||
	    in.text[in.textlen - 1] == ' ')
		abort();
	fuzz_reply(in.id, in.from, in.ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static char ctx[1024], tok[256];
	char note[256], err[256];
	int64_t exp;

	if (!ready) {
		fuzz_init();
		ready = true;
	}
	if (size < 1)
		return 0;
	const char *buf = (const char *)data + 1;
	size_t len = size - 1;

	switch ((data[0] >= '0' && data[0] <= '9' ? data[0] - '0' : data[0]) % 4) {
	case 0:
		fuzz_callback(buf, len);
		break;
	case 1:
		note[0] = '\0';
		if (ch_dingtalk.judge(200, buf, len, note, sizeof note) != SEND_OK && note[0] == '\0')
			abort();
		(void)ch_dingtalk.judge(401, buf, len, note, sizeof note);
		break;
	case 2:
		if (ch_dingtalk.token_read(200, buf, len, tok, sizeof tok, &exp, err, sizeof err) &&
		    (tok[0] == '\0' || exp <= 0))
			abort();
		break;
	case 3:
		if (len >= sizeof ctx)
			break;
		memcpy(ctx, buf, len);
		ctx[len] = '\0';
		fuzz_reply("dingtalk:m1", "dingtalk:zhang01", ctx);
		break;
	}
	return 0;
}
