/*
 * payload.h — the other MQTT payloads of docs/protocol.md: inbound message
 * envelopes (bridge -> cunbaod), receipts (cunbaod -> bridge, apps) and
 * outbox messages (cunbaod -> bridge).  JSON, UTF-8, at most CB_PAYLOAD_MAX.
 *
 *   envelope: {"id":"kannel:8841","source":"bridge-1","channel":"sms",
 *              "from":"+8613800000003","text":"牲畜 牛12 猪40 羊5",
 *              "received_at":"2023-12-05T08:30:00+08:00"}
 *   receipt:  {"id":"kannel:8841","status":"accepted","report":"r-1042",
 *              "errors":[{"field":"鸡","code":"unknown_field"}],
 *              "reply":{"channel":"sms","to":"+8613800000003","text":"已收到 …"}}
 *   outbox:   {"id":"remind:…","channel":"sms","to":"+86…","text":"…"}
 *
 * Decoders copy everything they keep into the caller's struct (no pointers
 * into the JSON tree survive); encoders write into a caller's buffer and
 * return the length, 0 if it does not fit.
 */
#ifndef CB_PAYLOAD_H
#define CB_PAYLOAD_H

#include "cunbao.h"

#define CB_CHANNEL_MAX 16	/* "sms", "tg", "http": [a-z0-9-]{1,16} */

struct envelope {
	char id[CB_ID_MAX + 1];
	char source[CB_ID_MAX + 1];
	char channel[CB_CHANNEL_MAX + 1];
	char from[CB_ID_MAX + 1];	/* E.164 "+8613800000003" or "tg:1234" */
	char text[CB_PAYLOAD_MAX];	/* UTF-8, possibly longer than CB_TEXT_MAX: the grammar refuses that */
	size_t textlen;
	char received_at[40];		/* "" when absent */
};

/*
 * Decodes an envelope.  Returns CB_OK, CB_TOO_LARGE, CB_BAD_UTF8, CB_BAD_JSON,
 * CB_BAD_TYPE, CB_MISSING_MEMBER, CB_BAD_ID (id, source, channel or from
 * malformed) or CB_BAD_VALUE (received_at too long), with err naming the member.
 * id and source are filled as far as they could be read, even on failure.
 */
enum cb_error envelope_decode(const char *buf, size_t len, struct envelope *out, char *err, size_t errlen);
size_t envelope_encode(const struct envelope *e, char *buf, size_t buflen);

enum receipt_status { RECEIPT_ACCEPTED, RECEIPT_REJECTED, RECEIPT_DUPLICATE };
const char *receipt_status_name(enum receipt_status s);

struct receipt {
	char id[CB_ID_MAX + 1];
	enum receipt_status status;
	char report[CB_ID_MAX + 1];	/* "r-1042", "" when none */
	enum cb_error error;		/* CB_OK when accepted */
	char error_field[64];		/* the offending token or member, "" if none */
	/* The reply to send, when there is one (envelopes; channel "" for reports). */
	char channel[CB_CHANNEL_MAX + 1];
	char to[CB_ID_MAX + 1];
	char text[CB_REPLY_MAX];
};

size_t receipt_encode(const struct receipt *r, char *buf, size_t buflen);
enum cb_error receipt_decode(const char *buf, size_t len, struct receipt *out, char *err, size_t errlen);

struct outbox {
	char id[CB_ID_MAX + 1];
	char channel[CB_CHANNEL_MAX + 1];
	char to[CB_ID_MAX + 1];
	char text[CB_REPLY_MAX];
};

size_t outbox_encode(const struct outbox *o, char *buf, size_t buflen);
enum cb_error outbox_decode(const char *buf, size_t len, struct outbox *out, char *err, size_t errlen);

/* True if s[0..len) is a valid id/source: [A-Za-z0-9:._-]{1,64}. */
bool payload_id_valid(const char *s, size_t len);
/*
 * True if s[0..len) is a reporter id as the roster keeps it: E.164
 * "+8613800000003" (+ and 7 to 15 digits), or a chat id
 * "<channel>:<id>", channel [a-z0-9-]{1,16}, id [A-Za-z0-9._@-]+
 * (tg:700000003, wecom:zhang.san@corp, wechat:<OpenID>,
 * dingtalk:<staffId>, feishu:ou_<32 hex>), at most CB_ID_MAX bytes in
 * all.  False with the reason, for a person, in why (why needs whylen > 0).
 */
bool payload_reporter_valid(const char *s, size_t len, char *why, size_t whylen);
/* True if s[0..len) is a valid channel: [a-z0-9-]{1,16}. */
bool payload_channel_valid(const char *s, size_t len);

#endif
