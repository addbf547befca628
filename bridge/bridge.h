/*
 * bridge.h — cunbao-bridge's private interfaces.
 *
 * The bridge turns webhooks (Kannel, a generic HTTP SMS gateway, a
 * Telegram-style bot) into inbox envelopes on MQTT and receipts and outbox
 * messages back into replies on the same channel.  Its parts:
 *
 *   pure (no I/O, unit-tested and fuzzed):
 *     phone.c    E.164 normalisation (now lib/phone.c)
 *     form.c     application/x-www-form-urlencoded, binary-safe
 *     charset.c  UTF-16BE / UCS-2 / Latin-1 / UTF-8 text to clean UTF-8
 *     sig.c      HMAC-SHA256 signatures, constant-time comparison
 *     httpreq.c  an HTTP/1.x request head, parsed in place
 *     guard.c    per-sender rate limit, loop guard, retry pacing
 *     ch_*.c     one file per channel: parse a webhook, build a reply request
 *     channel.c  the channel table
 *   adapters:
 *     spool.c    the only SQLite user: inbound rows and replies
 *     mqtt.c     the only libmosquitto user, inside the libevent loop
 *     http.c     the webhook server: connection cap, deadline, size limits, routes
 *     client.c   outbound HTTP(S) requests with timeouts
 *     relay.c    the rules that tie them together
 *   main.c, config.c, log.c: options, the config table, signals, logging.
 */
#ifndef CB_BRIDGE_H
#define CB_BRIDGE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "cunbao.h"
#include "payload.h"
#include "topic.h"

#define BR_URL_MAX	512
#define BR_SECRET_MAX	256
#define BR_LIST_MAX	256

/* ------------------------------------------------------------------ config.c */

#define BR_CHATS_MAX	16
#define CHAT_NAME_MAX	16		/* [a-z0-9-]{1,16} */

struct chat_ops;

/* One configured instance.  Which keys mean what depends on the platform (see its ch_*.c). */
struct chat_conf {
	const struct chat_ops *ops;
	char name[CHAT_NAME_MAX + 1];	/* the section's name: route /<platform>/<name> */
	char module[32];		/* "<platform>:<name>": the spool's module column */
	char token[BR_SECRET_MAX];	/* callback signature token (WeCom, WeChat, DingTalk events),
					 * Feishu's Verification Token */
	char token_file[512];
	char aes_key[BR_SECRET_MAX];	/* EncodingAESKey (43 base64 characters); Feishu's Encrypt Key */
	char aes_key_file[512];
	char receiver[128];		/* the id the crypto checks: WeCom CorpID, WeChat AppID,
					 * DingTalk AppKey/corpId; Feishu App ID */
	char agent_id[64];		/* WeCom AgentID; DingTalk robotCode */
	char secret[BR_SECRET_MAX];	/* the app secret for access tokens (and DingTalk's sign) */
	char secret_file[512];
	char api[BR_URL_MAX];		/* API base URL (tests point it at a local fake) */
	char reply[16];			/* "api" (default), "passive" (in the HTTP response), "both":
					 * passive when the receipt comes in time, else the API */
	int64_t window;			/* ms a signed timestamp may be off our clock */
	int64_t passive_wait;		/* ms the relay holds a passive answer open for the receipt */
	char nontext_reply[CB_REPLY_MAX];	/* answer to images, voice, edits…; "" = none */
	char unknown_reply[CB_REPLY_MAX];	/* reserved */
	bool plain;			/* WeChat: plain (unencrypted) mode */
};


/* Every setting of the bridge; filled from the table in config.c. */
struct bridge_conf {
	char broker[128];		/* MQTT HOST:PORT (an IP: names resolve blocking) */
	char listen[128];		/* webhook server ADDR:PORT */
	char spool[512];		/* SQLite spool file */
	char prefix[130];		/* topic root, "cunbao/v1" */
	char source[CB_ID_MAX + 1];	/* receipts come back on <prefix>/receipt/<source> */
	char country[8];		/* default country calling code, "86" */
	char mqtt_id[CB_ID_MAX + 1];	/* MQTT client id; "" = "cunbao-bridge-<source>" */
	int64_t mqtt_keepalive;		/* seconds */
	char mqtt_user[CB_ID_MAX + 1];	/* "" : connect anonymously */
	char mqtt_password_file[512];	/* first line: the password */
	char mqtt_cafile[512];		/* "" : plain TCP; else TLS, the broker checked against this CA */
	char mqtt_certfile[512];	/* client certificate and key, "" : none */
	char mqtt_keyfile[512];

	int64_t max_body;		/* bytes of one webhook body */
	int64_t max_headers;		/* bytes of one webhook's request line and headers */
	int64_t http_timeout;		/* ms a webhook request may take, from accept to the last byte answered */
	int64_t http_max_connections;	/* webhook connections open at once */
	int64_t send_timeout;		/* ms an outbound request may take */

	int64_t republish_after;	/* ms before an unreceipted envelope goes out again */
	int64_t republish_max;		/* ms cap of the doubling republish interval */
	int64_t retry_min, retry_max;	/* ms: backoff of failed replies */
	int64_t give_up_after;		/* ms after which an undelivered reply is given up */
	int64_t keep_done;		/* ms done rows are kept (absorbs gateway retries) */
	int64_t send_concurrency;	/* replies in flight at once */
	int64_t confirm_wait;		/* ms an interrupted send waits for a delivery report */

	int64_t rate_limit;		/* messages per sender per rate_window; 0 = off */
	int64_t rate_window;		/* ms */
	int64_t loop_repeat;		/* same text from one sender more often than this: muted; 0 = off */
	int64_t loop_window;		/* ms */
	char own_numbers[BR_LIST_MAX];	/* numbers never answered, comma separated */
	char sms_gateway[16];		/* channel module that sends "sms" outbox messages */

	bool kannel;
	char kannel_sendsms[BR_URL_MAX];
	char kannel_user[64];
	char kannel_pass[BR_SECRET_MAX];
	char kannel_from[32];
	char kannel_smsc[64];
	char kannel_allow[BR_LIST_MAX];	/* peers allowed to call /kannel/incoming; "" = any */
	char kannel_dlr_url[BR_URL_MAX];	/* where Kannel reports deliveries; "" = from listen, "off" */
	char kannel_secret[BR_SECRET_MAX];	/* `key=` of the get-url and dlr-url; "" = none */
	char kannel_secret_file[512];		/* a file holding kannel_secret (read at load) */

	bool generic;
	char generic_secret[BR_SECRET_MAX];
	char generic_reply_url[BR_URL_MAX];
	char generic_header[64];
	int64_t generic_window;		/* ms a signed request's timestamp may be off our clock */

	bool telegram;
	char telegram_secret[BR_SECRET_MAX];
	char telegram_token[BR_SECRET_MAX];
	char telegram_api[BR_URL_MAX];
	char telegram_edit_reply[CB_REPLY_MAX];	/* the answer to an edited message; "" = none */

	struct chat_conf chats[BR_CHATS_MAX];	/* the [<platform> <name>] sections, in file order */
	int nchats;
};

extern const struct conf_entry bridge_conf_table[];

/*
 * Checks what the table cannot: ids, the topic root, the enabled channels'
 * settings.  Appends one line per problem to err; returns the number of
 * problems.
 */
int config_check(const struct bridge_conf *c, char *err, size_t errlen);

/*
 * Parses a config file's text into c (on top of its defaults): the global
 * `key value` lines with bridge_conf_table, each [<platform> <name>]
 * section (up to the next header) with its platform's table into
 * c->chats.  Lines keep their numbers in every message.  Returns the
 * number of errors, each a "file:line: message" line appended to err.
 */
int config_parse_file(struct bridge_conf *c, const char *file, const char *text, size_t len, char *err,
    size_t errlen);

/*
 * Reads the secrets given as files (kannel-secret-file) into their keys;
 * a file given together with its key, or unreadable, or empty, is an
 * error.  Appends one line per problem to err; returns their number.
 */
int config_read_secrets(struct bridge_conf *c, char *err, size_t errlen);

/*
 * Settings that are valid but weaker than they should be (Kannel's routes
 * without a secret, a Feishu bot without an Encrypt Key, a WeChat account
 * in plain mode): one line each into out; returns their number.  Shown
 * by -n and logged as warnings at start.
 */
int config_warnings(const struct bridge_conf *c, char *out, size_t outlen);


/* ------------------------------------------------------------------ log.c */

/* verbose: log debug lines (-v); unmasked: whole sender ids in every line (--log-unmasked). */
void log_init(bool verbose, bool unmasked);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* adds strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* The wall clock in milliseconds since the epoch (the spool persists these times). */
int64_t clock_ms(void);
/* A sender id with its middle hidden ("+86138****0003", "tg:70****03", "wecom:****"), for logs at info level. */
const char *log_who(const char *id, char *buf, size_t buflen);

/* ------------------------------------------------------------------ phone.c */

/* phone_e164, phone_in_list: lib/phone.h (shared with cunbaod). */
#include "phone.h"

/* ------------------------------------------------------------------ form.c */

/*
 * Finds key in an application/x-www-form-urlencoded string and decodes its
 * value (%XX and '+') into out, binary-safe: *outlen gets the byte count and
 * out is NUL-terminated after it.  Returns false when the key is absent, a
 * %-escape is malformed or the value does not fit.
 */
bool form_get(const char *form, size_t len, const char *key, char *out, size_t outsize, size_t *outlen);

/*
 * Appends "key=value" URL-encoded to buf at *off, after an "&" unless buf is
 * empty or ends in "?" or "&"; false (buf unchanged) if it does not fit.
 */
bool form_put(char *buf, size_t bufsize, size_t *off, const char *key, const char *val, size_t vallen);

/* ------------------------------------------------------------------ charset.c */

/*
 * Converts text in the named charset (Kannel's %C: "UTF-8", "UTF-16BE",
 * "UCS-2", "ISO-8859-1", "WINDOWS-1252", "8-BIT"; "" means by coding: 2 is
 * UTF-16BE, anything else UTF-8) to UTF-8.  Malformed input becomes U+FFFD,
 * so the leader still gets an answer.  Returns false for an unknown charset
 * or when the result does not fit in outsize-1 bytes.
 */
bool charset_to_utf8(const char *charset, int coding, const char *in, size_t len,
    char *out, size_t outsize, size_t *outlen);

/* True if charset names one charset_to_utf8 reads (case-insensitive). */
bool charset_known(const char *charset);

/* Copies in to out replacing malformed UTF-8 with U+FFFD; false if it does not fit. */
bool charset_clean_utf8(const char *in, size_t len, char *out, size_t outsize, size_t *outlen);

/* ------------------------------------------------------------------ sig.c */

#define SIG_HEX_LEN 64

/* Writes the lower-case hex HMAC-SHA256 of body under secret into hex[SIG_HEX_LEN + 1]. */
void sig_hmac_hex(const char *secret, const void *body, size_t len, char *hex);
/* True if header ("sha256=<hex>" or "<hex>") is body's signature under secret; constant time. */
bool sig_check(const char *secret, const char *header, const void *body, size_t len);
/*
 * The generic channel's signature: the hex HMAC-SHA256 of "<stamp>.<body>"
 * (stamp: the X-Cunbao-Timestamp header's text), so an old request cannot be
 * replayed with a new time.  hex as above.
 */
void sig_hmac_stamped_hex(const char *secret, const char *stamp, const void *body, size_t len, char *hex);
/* True if header is the stamped signature of body (as sig_check); constant time. */
bool sig_check_stamped(const char *secret, const char *header, const char *stamp, const void *body, size_t len);
/* True if a and b are equal strings, in time independent of where they differ. */
bool sig_equal(const char *a, const char *b);

/* ------------------------------------------------------------------ guard.c */

enum guard_verdict {
	GUARD_PASS,		/* forward and answer */
	GUARD_RATE,		/* over the sender's rate: refuse (429), the gateway retries later */
	GUARD_OWN,		/* from one of our own numbers: forward, never answer */
	GUARD_ECHO,		/* our own reply bounced back: forward, never answer */
	GUARD_REPEAT,		/* the same text again and again: forward, do not answer */
};

struct guard_conf {
	int64_t rate_limit, rate_window;	/* messages per window (ms); 0 = no limit */
	int64_t loop_repeat, loop_window;	/* answers to one text per window (ms); 0 = no limit */
	const char *own_numbers, *country;	/* borrowed for the guard's life */
};

struct guard;
struct guard *guard_new(const struct guard_conf *gc);
void guard_free(struct guard *g);
/* Judges one inbound message from `from` at now (ms). */
enum guard_verdict guard_inbound(struct guard *g, const char *from, const char *text, size_t len, int64_t now);
/* Remembers a reply sent to `to`, so it is recognised if it bounces back. */
void guard_replied(struct guard *g, const char *to, const char *text, size_t len, int64_t now);
/* True if `to` is one of our own numbers. */
bool guard_own(const struct guard *g, const char *to);
const char *guard_name(enum guard_verdict v);

/* Delay before attempt n+1 after n failed attempts: min·2^(n-1), capped at max. */
int64_t backoff_ms(int attempts, int64_t min, int64_t max);

/* ------------------------------------------------------------------ channels */

struct br_header {
	const char *name;
	const char *value;
};

/* One webhook request, as the channels see it (no libevent types). */
struct webhook {
	const char *method;		/* "GET", "POST", ... */
	const char *path;
	const char *query;		/* raw, after '?'; "" if none */
	size_t querylen;
	const struct br_header *headers;
	size_t nheaders;
	const char *body;		/* raw body (not NUL-terminated) */
	size_t bodylen;
	const char *peer;		/* peer address */
	int64_t now;			/* when it arrived, ms since the epoch (the channels read no clock) */
};

/* The header's value (case-insensitive name), or NULL. */
const char *webhook_header(const struct webhook *w, const char *name);

/* What a channel reads out of a webhook. */
struct inbound {
	char id[CB_ID_MAX + 1];		/* "kannel:<id>", "http:<id>", "tg:<update_id>" */
	char from[CB_ID_MAX + 1];	/* E.164, or "tg:<chat id>" */
	char text[CB_PAYLOAD_MAX];	/* clean UTF-8 */
	size_t textlen;
	int64_t sent_at;		/* seconds since the epoch the gateway gives; 0 if none */
	bool ignore;			/* nothing to forward (acknowledge, log `why`) */
	char why[128];
	char answer[CB_REPLY_MAX];	/* with ignore: what the bridge itself answers `from` ("": nothing) */

	/* Chat platforms only (the SMS and Telegram channels leave these empty): */
	char resp[2048];		/* the HTTP body to answer the platform ("" = the default empty 200):
					 * a URL check's echo, {"challenge":…}, "success" */
	char resp_ctype[64];		/* its Content-Type ("" = text/plain; charset=utf-8) */
	size_t resplen;
	bool verify;			/* a URL/endpoint check: answer resp and do nothing else */
	char ctx[1024];			/* reply context kept with the message in the spool and handed
					 * back to the instance's reply(): DingTalk's sessionWebhook and
					 * its expiry, Feishu's message_id, WeChat's gh_ id; "" = none */
	bool passive;			/* the platform takes the reply in this HTTP response (WeChat OA,
					 * WeCom in passive mode): the relay may hold the answer open */
};

#define OUTREQ_URL_MAX	4096
#define OUTREQ_BODY_MAX	8192
#define OUTREQ_HEADERS_MAX 4

/* One outbound HTTP request a channel builds for a reply. */
struct outreq {
	bool post;			/* POST body, else GET url */
	char url[OUTREQ_URL_MAX];
	char ctype[64];
	struct {
		char name[64];
		char value[160];
	} hdrs[OUTREQ_HEADERS_MAX];	/* extra headers (signature, timestamp, idempotency key) */
	size_t nhdrs;
	char body[OUTREQ_BODY_MAX];
	size_t bodylen;
};

/* Empties req for a channel to fill. */
void outreq_reset(struct outreq *req);
/* Adds an extra header to req; false if there is no room or it does not fit. */
bool outreq_header(struct outreq *req, const char *name, const char *value);

enum send_verdict {
	SEND_OK,
	SEND_RETRY,
	SEND_FAIL,
	SEND_TOKEN,	/* chat platforms: the access token was refused (expired, revoked): fetch a
			 * new one and send again at once (not counted as a failed attempt) */
};

/* A gateway's delivery report for one of our replies. */
struct delivery {
	char id[CB_ID_MAX + 1];		/* the reply's id, as we gave it to the gateway */
	bool failed;			/* the network refused or lost it */
	int code;			/* the gateway's own status, for the log */
};

/*
 * One channel: a webhook route in, a reply request out.  Adding a channel is
 * one file with one of these and one line in channel.c's table.
 */
struct channel_ops {
	const char *name;	/* module name, config key prefix, spool column: "kannel" */
	const char *channel;	/* envelope channel: "sms", "tg" */
	const char *route;	/* webhook path */
	bool (*enabled)(const struct bridge_conf *c);
	/* Appends "name: problem" lines to err for missing settings; returns their number. */
	int (*check)(const struct bridge_conf *c, char *err, size_t errlen);
	/* Reads one webhook into out; returns the HTTP status (200: out is filled), err says why not. */
	int (*parse)(const struct bridge_conf *c, const struct webhook *w, struct inbound *out,
	    char *err, size_t errlen);
	/* Builds the request that sends text to `to` at now (ms); false (err) when it cannot be built. */
	bool (*reply)(const struct bridge_conf *c, int64_t now, const char *id, const char *to, const char *text,
	    struct outreq *req, char *err, size_t errlen);
	/* Reads the gateway's answer (status 0: no answer); fills note on failure. */
	enum send_verdict (*judge)(int status, const char *body, size_t len, char *note, size_t notelen);
	/* Delivery reports: their path (NULL: the channel has none) and their parser (status as parse). */
	const char *report_route;
	int (*report)(const struct bridge_conf *c, const struct webhook *w, struct delivery *out,
	    char *err, size_t errlen);
};

extern const struct channel_ops ch_kannel, ch_generic, ch_telegram;

/* The channel table, NULL-terminated. */
extern const struct channel_ops *const channel_table[];
const struct channel_ops *channel_find(const char *name);
/* The enabled module that sends replies on envelope channel ch ("sms", "tg"), or NULL. */
const struct channel_ops *channel_for_reply(const struct bridge_conf *c, const char *ch);

/* Shared by the channels: id of the form "<prefix>:<raw>", hashing raw when it is not a valid id. */
void channel_make_id(const char *prefix, const char *raw, size_t rawlen, char *out, size_t outlen);

/* Splits "HOST:PORT" or "[V6]:PORT"; false unless the port is 1..65535 and host fits. */
bool addr_split(const char *addr, char *host, size_t hostlen, int *port);

/* True if the comma-separated list holds item (blanks around entries ignored). */
bool list_has(const char *list, const char *item);

/* True (and *out set) if m is a JSON number holding an integer within ±2^53. */
struct cJSON;
bool channel_json_int(const struct cJSON *m, int64_t *out);

/* Appends formatted text to err (err stays NUL-terminated, truncated if full). */
void err_append(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Config checks the channels share: a secret of at least 16 characters
 * (`what` names it in the message) and an http(s) URL.  Each returns the
 * number of problems appended to err (0 or 1).
 */
int channel_check_secret(const char *key, const char *value, const char *what, char *err, size_t errlen);
int channel_check_url(const char *key, const char *url, char *err, size_t errlen);

/* ------------------------------------------------------------------ chat platforms */

/*
 * WeCom, WeChat Official Accounts, DingTalk and Feishu are "chat platforms":
 * each configured instance is a section of the config file,
 *
 *     [wecom hexi]
 *     token        QDG6eK
 *     aes-key-file /etc/cunbao/wecom-hexi.aes
 *     receiver     wx5823bf96d3bd56c7
 *     ...
 *
 * whose keys are the platform's own table (chat_ops.table, offsets into
 * struct chat_conf; a key of another platform is an unknown key), and whose
 * route is /<platform>/<name>.  The envelope channel is the platform name
 * ("wecom"), the sender "<platform>:<user id>" ("wecom:zhangsan"), the
 * message id "<platform>:<the platform's message id>" (MsgId, msgId,
 * event_id), so the platform's retries are one message.
 */
/* BR_CHATS_MAX, CHAT_NAME_MAX and struct chat_conf: at the top (struct bridge_conf holds the instances). */

/* An entry of a platform's key table: CONF_STR, CHAT_M(token), ... */
#define CHAT_M(member) offsetof(struct chat_conf, member), sizeof(((struct chat_conf *)0)->member)

/* How an instance answers (its `reply` key). */
enum chat_reply_mode { CHAT_REPLY_API, CHAT_REPLY_PASSIVE, CHAT_REPLY_BOTH, CHAT_REPLY_BAD };
enum chat_reply_mode chat_reply_mode(const struct chat_conf *cc);

/* The platforms this bridge knows (chat.c), NULL-terminated; one by name, or NULL. */
extern const struct chat_ops *const chat_platforms[];
const struct chat_ops *chat_platform(const char *name);
/* "wecom, wechat, ...", for messages. */
const char *chat_platform_names(void);
/* The instance whose module is "<platform>:<name>", or NULL. */
const struct chat_conf *chat_find(const struct bridge_conf *c, const char *module);
/* The first instance of platform ch (an envelope channel: "wecom"), or NULL: it sends outbox messages. */
const struct chat_conf *chat_for_channel(const struct bridge_conf *c, const char *ch);
/* The checks every instance gets (reply mode, API URL); "[wecom hexi] key: ..." lines; their number. */
int chat_check_common(const struct chat_conf *cc, char *err, size_t errlen);

/*
 * Helpers for the platforms' files.  chat_query: the decoded value of key
 * in the webhook's query (a '+' that became a space stays a space: the
 * crypto puts it back); false when absent or too long.  chat_utf8_cut:
 * the length of the longest prefix of s[0..len) of at most max bytes that
 * ends on a UTF-8 character boundary.
 */
bool chat_query(const struct webhook *w, const char *key, char *out, size_t outsize);
size_t chat_utf8_cut(const char *s, size_t len, size_t max);
/* Appends "[platform name] " + the formatted text + "\n" to err; returns 1 (one problem). */
int chat_err(const struct chat_conf *cc, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A platform.  One file each: ch_wecom.c, ch_wechat.c, ch_dingtalk.c, ch_feishu.c. */
struct chat_ops {
	const char *platform;		/* "wecom": section word, route prefix, envelope channel, id prefix */
	const struct conf_entry *table;	/* the keys a section of this platform takes */
	/* Checks one instance's settings; appends "[wecom hexi] key: problem" lines; returns their number. */
	int (*check)(const struct chat_conf *cc, char *err, size_t errlen);
	/*
	 * Reads one webhook (signature checked first: a bad one is 403 and nothing
	 * else is read).  Returns the HTTP status; 200 fills out: a message, or
	 * out->ignore (with an answer), or out->verify (answer out->resp only).
	 */
	int (*parse)(const struct chat_conf *cc, const struct webhook *w, struct inbound *out,
	    char *err, size_t errlen);
	/*
	 * The answer to the platform that carries text as a passive reply to in
	 * (NULL when the platform has none): fills body/bodylen and ctype; nonce
	 * and now make it reproducible.  False (err) when it cannot be built.
	 */
	bool (*passive)(const struct chat_conf *cc, const struct inbound *in, const char *text, int64_t now,
	    const char *nonce16, char *body, size_t bodysize, size_t *bodylen, char *ctype, size_t ctypelen,
	    char *err, size_t errlen);
	/* The request for an access token (NULL: the platform's replies need none). */
	bool (*token_req)(const struct chat_conf *cc, struct outreq *req, char *err, size_t errlen);
	/*
	 * Whether this reply needs the access token (NULL: whenever token_req is
	 * set).  DingTalk answers through the message's sessionWebhook (in ctx)
	 * while it is valid, without a token: no token is fetched for it.
	 */
	bool (*needs_token)(const struct chat_conf *cc, const char *ctx, int64_t now);
	/* Reads the token answer: the token and its lifetime in seconds; false (err) if refused. */
	bool (*token_read)(int status, const char *body, size_t len, char *token, size_t tokensize,
	    int64_t *expires_s, char *err, size_t errlen);
	/*
	 * Builds the request that sends text to `to` ("wecom:zhangsan"); ctx is
	 * what parse kept with the message ("" for outbox messages), token the
	 * cached access token ("" when token_req is NULL or needs_token said
	 * no).  False (err) when it cannot be built: the reply is kept as failed.
	 */
	bool (*reply)(const struct chat_conf *cc, int64_t now, const char *id, const char *to, const char *ctx,
	    const char *token, const char *text, struct outreq *req, char *err, size_t errlen);
	/* Reads the API's answer to a reply; SEND_TOKEN asks for a new token. */
	enum send_verdict (*judge)(int status, const char *body, size_t len, char *note, size_t notelen);
};

extern const struct chat_ops ch_wecom, ch_wechat, ch_dingtalk, ch_feishu;

/* ------------------------------------------------------------------ wxcrypt.c */

/*
 * The "WXBizMsgCrypt" scheme of WeCom, WeChat OA safe mode and DingTalk's
 * event callbacks: AES-256-CBC, key = base64(EncodingAESKey + "="), IV = the
 * key's first 16 bytes, plaintext = random(16) ‖ len(4, big-endian) ‖ msg ‖
 * receiver, PKCS#7 padding to 32 bytes; signature = hex SHA-1 of the sorted
 * concatenation of token, timestamp, nonce and the ciphertext.  Pure.
 */
#define WX_KEY_LEN	32

/* Decodes a 43-character EncodingAESKey into key[32]; false if it is not one. */
bool wx_key(const char *encoding_aes_key, unsigned char key[WX_KEY_LEN]);
/* hex[41] = SHA-1 of the byte-wise sorted concatenation of the n strings (n <= 4). */
void wx_signature(const char *const *parts, size_t n, char hex[41]);
/* True if sig is the signature of token, timestamp, nonce and encrypt; constant time. */
bool wx_check(const char *token, const char *timestamp, const char *nonce, const char *encrypt,
    const char *sig);
/*
 * Decrypts base64 ciphertext b64 into msg (msgsize bytes, NUL-terminated,
 * *msglen without the NUL) and checks that the receiver is `receiver`
 * ("" = any, for DingTalk's suite keys).  False with err naming what was wrong
 * (base64, length, padding, length field, receiver).
 */
bool wx_decrypt(const unsigned char key[WX_KEY_LEN], const char *b64, size_t b64len, const char *receiver,
    char *msg, size_t msgsize, size_t *msglen, char *err, size_t errlen);
/* Encrypts msg for receiver with the 16 random bytes given into base64 out; false if it does not fit. */
bool wx_encrypt(const unsigned char key[WX_KEY_LEN], const unsigned char random16[16], const char *msg,
    size_t msglen, const char *receiver, char *out, size_t outsize, size_t *outlen);

/*
 * wx.c: what ch_wecom.c and ch_wechat.c share:
 *   wx_check_keys  token, aes-key (need_key: required) and receiver checks
 *   wx_open        checks msg_signature (query) over encrypt and decrypts it
 *                  for cc->receiver; false (err) on any failure (a 403)
 *   wx_open_body   the same for a POSTed body's <Encrypt>: 200, 400 or 403
 *   wx_message     reads a decrypted message's fields into in (status)
 *   wx_text_xml    a passive text reply's plain XML
 *   wx_seal        encrypts xml into the <Encrypt/MsgSignature/TimeStamp/
 *                  Nonce> answer (the random prefix is nonce16)
 *   wx_token_read  {"access_token","expires_in"} or errcode/errmsg
 *   wx_judge       an API answer's errcode as a send verdict (what: the API)
 *   wx_passive     the passive text reply from `from`, plain or sealed
 *   wx_token_req   GET <api><path>&id_key=receiver&secret_key=secret
 *   wx_send_text   POST <api><path>?access_token: the text message JSON
 *                  (agent_id: WeCom's agentid and "safe":0; NULL: none)
 */
int wx_check_keys(const struct chat_conf *cc, bool need_key, char *err, size_t errlen);
bool wx_open(const struct chat_conf *cc, const struct webhook *w, const char *encrypt, char *plain,
    size_t plainsize, size_t *plainlen, char *err, size_t errlen);
int wx_open_body(const struct chat_conf *cc, const struct webhook *w, char *plain, size_t plainsize,
    size_t *plainlen, char *err, size_t errlen);
int wx_message(const struct chat_conf *cc, const char *xml, size_t len, struct inbound *in, char *err,
    size_t errlen);
bool wx_text_xml(const char *to, const char *from, int64_t now, const char *text, char *out, size_t size,
    size_t *len);
bool wx_seal(const struct chat_conf *cc, const char *xml, size_t xmllen, int64_t now, const char *nonce16,
    char *body, size_t bodysize, size_t *bodylen, char *err, size_t errlen);
bool wx_token_read(int status, const char *body, size_t len, char *token, size_t tokensize,
    int64_t *expires_s, char *err, size_t errlen);
enum send_verdict wx_judge(const char *what, int status, const char *body, size_t len, char *note,
    size_t notelen);
bool wx_passive(const struct chat_conf *cc, const struct inbound *in, const char *from, bool plain,
    const char *text, int64_t now, const char *nonce16, char *body, size_t bodysize, size_t *bodylen,
    char *ctype, size_t ctypelen, char *err, size_t errlen);
bool wx_token_req(const struct chat_conf *cc, const char *path, const char *id_key, const char *secret_key,
    struct outreq *req, char *err, size_t errlen);
bool wx_send_text(const struct chat_conf *cc, const char *who, const char *path, const char *agent_id,
    const char *id, const char *to, const char *token, const char *text, struct outreq *req, char *err,
    size_t errlen);

/* ------------------------------------------------------------------ xml.c */

/*
 * The value of the first <name>…</name> element of a flat XML document (as
 * WeCom and WeChat send: <xml><A><![CDATA[..]]></A><B>12</B></xml>), CDATA
 * unwrapped and the five predefined entities decoded.  False when absent,
 * malformed or too long for out.  Pure; no DTDs, no nesting beyond one level.
 */
bool xml_field(const char *xml, size_t len, const char *name, char *out, size_t outsize, size_t *outlen);

/* ------------------------------------------------------------------ spool.c */

enum spool_rc { SPOOL_OK, SPOOL_DUP, SPOOL_NONE, SPOOL_ERR };
enum reply_state { REPLY_PENDING = 0, REPLY_SENT = 1, REPLY_FAILED = 2, REPLY_MUTED = 3 };

/* A new inbound row: the envelope as it will be published. */
struct spool_new {
	const char *id, *module, *channel, *sender;
	const char *payload;
	size_t len;
	const char *mute;		/* "" to answer, else why not */
	const char *ctx;		/* the chat platform's reply context (struct inbound.ctx); "" = none */
};

/* What the spool remembers about an inbound id. */
struct spool_origin {
	char module[32];		/* "kannel", or a chat instance's "wecom:hexi" */
	char ctx[1024];			/* the reply context the channel kept with the message */
	char channel[CB_CHANNEL_MAX + 1];
	char mute[64];
	bool done;
};

/* An unreceipted envelope due for (re)publication; payload is malloc'd (spool_in_clear). */
struct spool_in {
	char id[CB_ID_MAX + 1];
	char channel[CB_CHANNEL_MAX + 1];
	char *payload;
	size_t len;
	int publishes;
};

/* A reply (or outbox message) to deliver. */
struct spool_reply {
	char id[CB_ID_MAX + 1];		/* the inbound id it answers, or the outbox id */
	char module[32];
	char ctx[1024];			/* the inbound's reply context ("" for outbox messages) */
	char to[CB_ID_MAX + 1];
	char text[CB_REPLY_MAX];
	int attempts;
	int64_t created;
};

struct spool_counts {
	int64_t inbound[2];		/* waiting for a receipt, done */
	int64_t reply[4];		/* by enum reply_state */
};

struct spool;
/* Opens (creating) the spool; NULL with err on failure. */
struct spool *spool_open(const char *path, char *err, size_t errlen);
void spool_free(struct spool *sp);
/* Stores an inbound row (committed on return): SPOOL_OK, SPOOL_DUP (id known), SPOOL_ERR. */
enum spool_rc spool_inbound_put(struct spool *sp, const struct spool_new *n, int64_t now);
/* Looks an inbound id up: SPOOL_OK (out filled), SPOOL_NONE, SPOOL_ERR. */
enum spool_rc spool_inbound_get(struct spool *sp, const char *id, struct spool_origin *out);
/* Up to max unreceipted envelopes due at now, oldest first; returns the count. */
int spool_inbound_due(struct spool *sp, int64_t now, struct spool_in *out, int max);
void spool_in_clear(struct spool_in *rows, int n);
/* Makes every unreceipted envelope due now (after a reconnect). */
bool spool_inbound_rush(struct spool *sp, int64_t now);
/* Records one publication and when the next one is due. */
bool spool_inbound_published(struct spool *sp, const char *id, int64_t next);
/*
 * In one transaction: marks inbound id done and, when r is given, queues
 * its reply in state (pending, or muted with note).  SPOOL_OK when the
 * reply is new, SPOOL_DUP when it was queued before (or r is NULL), SPOOL_ERR.
 */
enum spool_rc spool_receipt(struct spool *sp, const char *id, const struct spool_reply *r,
    enum reply_state state, const char *note, int64_t now);
/* Queues an outbox message: SPOOL_OK, SPOOL_DUP, SPOOL_ERR. */
enum spool_rc spool_reply_put(struct spool *sp, const struct spool_reply *r, enum reply_state state,
    const char *note, int64_t now);
/* Up to max pending replies due at now; returns the count. */
int spool_reply_due(struct spool *sp, int64_t now, struct spool_reply *out, int max);
/* Counts an attempt and holds the reply back until `until` while it is in flight. */
bool spool_reply_lease(struct spool *sp, const char *id, int64_t until);
bool spool_reply_retry(struct spool *sp, const char *id, int64_t next, const char *note);
/* A reply's state, note and text: SPOOL_OK, SPOOL_NONE (no reply for id), SPOOL_ERR. */
enum spool_rc spool_reply_get(struct spool *sp, const char *id, enum reply_state *state, char *note,
    size_t notelen, char *text, size_t textlen);
/* Moves a closed reply from state `from` to `to` with note (a muted one sent passively after all). */
enum spool_rc spool_reply_move(struct spool *sp, const char *id, enum reply_state from, enum reply_state to,
    const char *note, int64_t now);
/* Makes module's pending replies held back with exactly this note due now (a token has come). */
bool spool_reply_rush(struct spool *sp, const char *module, const char *note, int64_t now);
/* Makes a pending reply due at next again, taking back the attempt its lease counted (a refused token). */
bool spool_reply_unlease(struct spool *sp, const char *id, int64_t next, const char *note);
/* Closes a pending reply as sent, failed or muted: SPOOL_OK, SPOOL_NONE (not pending), SPOOL_ERR. */
enum spool_rc spool_reply_close(struct spool *sp, const char *id, enum reply_state state, const char *note,
    int64_t now);
/* Deletes done inbound rows and sent or muted replies closed before `before`; failed ones stay. */
int spool_purge(struct spool *sp, int64_t before);
bool spool_counts(struct spool *sp, struct spool_counts *c);

/* ------------------------------------------------------------------ mqtt.c */

struct event_base;

struct mqtt_handlers {
	void (*connected)(void *arg);	/* CONNACK accepted, subscriptions sent */
	/* One message; the PUBACK of a QoS 1 message leaves only after this returns. */
	void (*message)(void *arg, const char *topic, const char *payload, size_t len);
};

/* mosquitto_lib_init (true) or _cleanup (false), once per process. */
void mqtt_lib(bool init);

struct mqtt;
/* A client for c->broker (persistent session, QoS 1); NULL on a bad address or no memory. */
struct mqtt *mqtt_new(struct event_base *base, const struct bridge_conf *c, const struct mqtt_handlers *h,
    void *arg);
/* Adds a subscription made on every (re)connect; false when the table is full. */
bool mqtt_watch(struct mqtt *m, const char *pattern);
/* Starts connecting; reconnects for ever with a doubling delay. */
void mqtt_start(struct mqtt *m);
bool mqtt_connected(const struct mqtt *m);
/* Publishes QoS 1; false (nothing sent) while not connected. */
bool mqtt_publish(struct mqtt *m, const char *topic, const char *payload, size_t len);
void mqtt_free(struct mqtt *m);

/* ------------------------------------------------------------------ client.c */

/*
 * The answer to one request: status 0 when there was none (refused, timed
 * out, reset), -1 when client_free cancelled the request.
 */
typedef void (*client_done_fn)(void *arg, int status, const char *body, size_t len);

struct client;
struct client *client_new(struct event_base *base, int64_t timeout_ms);
/* Cancels every request in flight (their callbacks get status -1). */
void client_free(struct client *cl);
/* Starts r; false (err) if it could not start, and then done is never called. */
bool client_send(struct client *cl, const struct outreq *r, client_done_fn done, void *arg,
    char *err, size_t errlen);
size_t client_inflight(const struct client *cl);

/* ------------------------------------------------------------------ httpreq.c */

#define HTTPREQ_HEADERS_MAX 64

/* One request's head, pointing into the buffer httpreq_parse cut up. */
struct httpreq {
	const char *method, *path, *query;	/* query: after '?', "" if none */
	struct br_header headers[HTTPREQ_HEADERS_MAX];
	size_t nheaders;
	int64_t content_length;			/* 0 when absent */
	bool expect_continue;			/* "Expect: 100-continue" */
};

/*
 * Parses head (the request line and header fields up to and including the
 * blank line, NUL-terminated, without NUL inside) in place into r.
 * Returns 200, or the status to answer (400, 411, 431, 505) with err set.
 */
int httpreq_parse(char *head, struct httpreq *r, char *err, size_t errlen);

/* ------------------------------------------------------------------ http.c */

/* One webhook connection (http.c); the relay holds it while it defers a chat platform's answer. */
struct http_conn;

/* A chat webhook's answer: status 0 means deferred (the handler called http_defer). */
struct chat_answer {
	int status;
	char ctype[64];			/* "" : text/plain; charset=utf-8 */
	char body[4096];		/* the platform's body, sent as it is (no newline added) */
	size_t len;
	char msg[256];			/* for a refusal: one sentence (then body is unused) */
};

struct http_handlers {
	/* One webhook for channel ch; returns the status, msg a sentence for a non-200. */
	int (*webhook)(void *arg, const struct channel_ops *ch, const struct webhook *w, char *msg, size_t msglen);
	/* A delivery report for channel ch; returns the status. */
	int (*report)(void *arg, const struct channel_ops *ch, const struct webhook *w, char *msg, size_t msglen);
	/* GET /healthz; returns the status, msg the body. */
	int (*health)(void *arg, char *msg, size_t msglen);
	/* A webhook for chat instance cc on /<platform>/<name>: fills a (a->status 0: deferred). */
	void (*chat)(void *arg, const struct chat_conf *cc, const struct webhook *w, struct http_conn *hc,
	    struct chat_answer *a);
};

/*
 * Holds hc's answer open: the handler answers later with http_finish.  If
 * the connection ends first (the client goes, http-timeout passes, the
 * server shuts down), gone(arg) is called once and hc must not be used
 * after it.  http_finish answers status with body (ctype "" = text/plain)
 * and lets the connection close once it is written; gone is not called.
 */
void http_defer(struct http_conn *hc, void (*gone)(void *arg), void *arg);
void http_finish(struct http_conn *hc, int status, const char *ctype, const char *body, size_t len);

struct http;
/* Listens on c->listen with routes for the enabled channels; NULL with err. */
struct http *http_new(struct event_base *base, const struct bridge_conf *c, const struct http_handlers *h,
    void *arg, char *err, size_t errlen);
/* Re-applies the size limits and timeout after a reload. */
void http_apply(struct http *hs);
/* Closes the listener and every open connection. */
void http_free(struct http *hs);

/* ------------------------------------------------------------------ relay.c */

struct relay;
/* The bridge's rules around spool (borrowed), MQTT and outbound requests; NULL with err. */
struct relay *relay_new(struct event_base *base, const struct bridge_conf *c, struct spool *sp,
    char *err, size_t errlen);
/* Connects to the broker and starts the timers. */
void relay_start(struct relay *r);
/* http_handlers for the webhook server. */
int relay_webhook(void *arg, const struct channel_ops *ch, const struct webhook *w, char *msg, size_t msglen);
int relay_report(void *arg, const struct channel_ops *ch, const struct webhook *w, char *msg, size_t msglen);
int relay_health(void *arg, char *msg, size_t msglen);
void relay_chat(void *arg, const struct chat_conf *cc, const struct webhook *w, struct http_conn *hc,
    struct chat_answer *a);
/* Rebuilds what depends on settings that may change on SIGHUP (the guard). */
void relay_reconfigure(struct relay *r);
/* Stops sending; calls done once nothing is in flight (at once if nothing is). */
void relay_drain(struct relay *r, void (*done)(void *arg), void *arg);
void relay_free(struct relay *r);

#endif
