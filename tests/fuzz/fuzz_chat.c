/*
 * fuzz_chat.c — the chat platforms' parsers (bridge/ch_wecom.c,
 * ch_wechat.c) on arbitrary input, past their signatures: the bytes are
 * the plaintext a platform would send, encrypted under a fixed key and
 * signed with the right token here, so the fuzzer reaches the message
 * reader.  The first byte picks the target (an ASCII digit, as the seeds
 * are written, or any byte modulo 5), the rest is its input:
 *   0 WeCom message plaintext   1 WeChat safe-mode plaintext
 *   2 WeChat plain-mode body    3 an API's token answer (JSON)
 *   4 an API's send answer (JSON)
 * Invariants on every accepted message: a valid envelope id, a sender,
 * well-formed UTF-8 text without NUL; its reply request and passive
 * answer build or fail cleanly; a token read is NUL-terminated and its
 * lifetime positive; a verdict is one of the four.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct chat_conf wecom, wechat;

static void
fuzz_init(void)
{
	wecom.ops = &ch_wecom;
	conf_defaults(ch_wecom.table, &wecom);
	snprintf(wecom.name, sizeof wecom.name, "f");
	snprintf(wecom.module, sizeof wecom.module, "wecom:f");
	snprintf(wecom.token, sizeof wecom.token, "QDG6eK");
	snprintf(wecom.aes_key, sizeof wecom.aes_key, "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C");
	snprintf(wecom.receiver, sizeof wecom.receiver, "wx5823bf96d3bd56c7");
	snprintf(wecom.agent_id, sizeof wecom.agent_id, "1000002");
	wechat = wecom;
	wechat.ops = &ch_wechat;
	conf_defaults(ch_wechat.table, &wechat);
	snprintf(wechat.module, sizeof wechat.module, "wechat:f");
	snprintf(wechat.token, sizeof wechat.token, "spamtest");
	snprintf(wechat.aes_key, sizeof wechat.aes_key, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG");
	snprintf(wechat.receiver, sizeof wechat.receiver, "wx2c2769f8efd9abc2");
}

/* Checks an accepted message and builds its reply and passive answer. */
static void
fuzz_check(const struct chat_conf *cc, const struct inbound *in)
{
	static struct outreq req;
	static char body[8192];
	char err[256], ctype[64];
	size_t len;

	if (in->verify || in->ignore)
		return;
	if (!payload_id_valid(in->id, strlen(in->id)) || in->from[0] == '\0' ||
	    in->textlen != strlen(in->text) || !utf8_valid(in->text, in->textlen))
		abort();
	(void)cc->ops->reply(cc, 1700000000000LL, in->id, in->from, in->ctx, "tok", in->text, &req, err, sizeof err);
	if (cc->ops->passive(cc, in, in->text, 1700000000000LL, "0123456789abcdef", body, sizeof body, &len, ctype,
	    sizeof ctype, err, sizeof err) && len >= sizeof body)
		abort();
}

/* Encrypts plain for cc, signs it, and hands the POST to the channel. */
static void
fuzz_post(const struct chat_conf *cc, const char *plain, size_t len, bool encrypt)
{
	static struct inbound in;
	static char enc[65536], body[66000], query[512];
	unsigned char key[WX_KEY_LEN];
	const char *parts[4] = { cc->token, "1700000000", "42", enc };
	char sig[41], psig[41], err[256];
	size_t n = 0;

	if (encrypt) {
		if (!wx_key(cc->aes_key, key) || !wx_encrypt(key, (const unsigned char *)"0123456789abcdef", plain, len,
		    cc->receiver, enc, sizeof enc, &n))
			return;
		wx_signature(parts, 4, sig);
		wx_signature(parts, 3, psig);
		snprintf(query, sizeof query, "signature=%s&timestamp=1700000000&nonce=42&encrypt_type=aes&"
		    "msg_signature=%s", psig, sig);
		n = (size_t)snprintf(body, sizeof body, "<xml><Encrypt><![CDATA[%s]]></Encrypt></xml>", enc);
	} else {
		wx_signature(parts, 3, psig);
		snprintf(query, sizeof query, "signature=%s&timestamp=1700000000&nonce=42", psig);
		n = len < sizeof body ? len : sizeof body;
		memcpy(body, plain, n);
	}
	struct webhook w = { .method = "POST", .path = "/x", .query = query, .querylen = strlen(query),
		.body = body, .bodylen = n, .peer = "127.0.0.1", .now = 1700000000000LL };

	memset(&in, 0, sizeof in);
	err[0] = '\0';
	if (cc->ops->parse(cc, &w, &in, err, sizeof err) == 200)
		fuzz_check(cc, &in);
	else if (err[0] == '\0')
		abort();	/* every refusal says why */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	const char *buf = (const char *)data + 1;
	char token[64], note[256], err[256];
	int64_t exp = 0;

	if (!ready) {
		fuzz_init();
		ready = true;
	}
	if (size < 1 || size > 16384)
		return 0;
	switch (data[0] >= '0' && data[0] <= '4' ? data[0] - '0' : data[0] % 5) {
	case 0:
		fuzz_post(&wecom, buf, size - 1, true);
		break;
	case 1:
		wechat.plain = false;
		fuzz_post(&wechat, buf, size - 1, true);
		break;
	case 2:
		wechat.plain = true;
		fuzz_post(&wechat, buf, size - 1, false);
		break;
	case 3:
		err[0] = '\0';
		if (wx_token_read(200, buf, size - 1, token, sizeof token, &exp, err, sizeof err) &&
		    (memchr(token, '\0', sizeof token) == NULL || exp <= 0))
			abort();
		break;
	default:
		if ((unsigned)wx_judge("send", 200, buf, size - 1, note, sizeof note) > SEND_TOKEN)
			abort();
		break;
	}
	return 0;
}
