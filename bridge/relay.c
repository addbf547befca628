/*
 * relay.c — the bridge's rules, between the webhook server, the spool, the
 * broker and the gateways.
 *
 *   webhook -> parse (channel) -> already spooled? absorbed -> guard ->
 *     envelope -> spool (committed) -> 200 -> publish QoS 1
 *   tick/reconnect -> republish every envelope still without a receipt, same
 *     id, at doubling intervals (cunbaod stores each id once)
 *   receipt -> inbound done + reply queued, in one transaction, before the
 *     PUBACK leaves -> dispatch
 *   outbox  -> reply queued -> dispatch
 *   dispatch -> channel request -> delivered / retried with backoff / given
 *     up after give-up-after (kept in the spool as failed, and logged)
 *
 * Chat platforms (WeCom, WeChat OA, DingTalk, Feishu; module
 * "<platform>:<name>") add three things:
 *   - access tokens: one per instance, fetched before the first reply,
 *     refreshed TOKEN_MARGIN_MS before expiry, dropped and fetched again
 *     when the API refuses one (SEND_TOKEN: the reply goes again without
 *     counting an attempt); requests for tokens are paced (TOKEN_PAUSE_*)
 *     so a wrong secret cannot hammer the platform;
 *   - passive replies: when the platform takes the reply in the webhook's
 *     own answer and the instance's reply mode is passive or both, the
 *     answer is held (http_defer) for passive-wait; the receipt's reply
 *     goes in it (recorded as sent first, then answered), else the
 *     platform's plain acknowledgement goes when the wait is over, and the
 *     reply later goes by the API (both) or is muted "no passive window"
 *     (passive).  After a restart no answer is held any more: the reply
 *     goes by the API;
 *   - the reply context (struct inbound.ctx) is spooled with the message
 *     and handed back to the platform's reply builder.
 *
 * Replies are keyed by the id they answer, so however many receipts repeat
 * one (republication brings "duplicate" receipts), one reply is queued.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "bridge.h"
#include "jsonw.h"

#define RELAY_BATCH	64
#define RELAY_ROUNDS	16	/* batches per wake-up before yielding to the loop */
#define RELAY_TICK_MS	500
#define RELAY_PURGE_MS	(3600 * 1000LL)
#define TOKEN_MARGIN_MS	(5 * 60 * 1000LL)	/* a token is refreshed this long before it expires */
#define TOKEN_PAUSE_MIN	(10 * 1000LL)		/* between two token requests of one instance */
#define TOKEN_PAUSE_MAX	(10 * 60 * 1000LL)	/* ... doubling with each refusal up to this */
#define TOKEN_WAIT_MS	1000			/* a reply waiting for a token looks again after this */

/* One chat instance's access token. */
struct relay_token {
	char token[1024];
	int64_t expires;		/* ms since the epoch; 0: none */
	int64_t next_try;		/* no token request before this */
	int fails;			/* refusals in a row (the pause doubles) */
	bool fetching;
};

/* A webhook answer held open for a passive reply; in the relay's list, freed by relay_wait_free. */
struct relay_wait {
	struct relay *r;
	struct relay_wait *prev, *next;
	const struct chat_conf *cc;
	struct http_conn *hc;
	struct event *timer;
	struct inbound in;		/* the message, for the platform's passive answer */
};

struct relay {
	struct event_base *base;
	const struct bridge_conf *conf;
	struct spool *sp;
	struct mqtt *mqtt;
	struct client *client;
	struct guard *guard;
	char own[BR_LIST_MAX + 40];	/* own-numbers and kannel-from */
	struct event *tick, *kick;
	int64_t purge_at;
	struct relay_token tokens[BR_CHATS_MAX];	/* by instance (index in conf->chats) */
	struct relay_wait *waits;
	bool draining;
	void (*drained)(void *);
	void *drained_arg;
};

/* One reply in flight. */
struct relay_send {
	struct relay *r;
	const struct chat_conf *cc;	/* the chat instance sending it; NULL: a channel module */
	struct spool_reply row;
};

/* One token request in flight. */
struct relay_tokreq {
	struct relay *r;
	int k;				/* the instance */
};

static void relay_on_message(void *arg, const char *topic, const char *payload, size_t len);
static void relay_on_connected(void *arg);

/* ISO 8601 local time with its offset, the form envelopes carry: "2023-12-05T08:30:00+08:00". */
static void
relay_time(int64_t secs, char *buf, size_t len)
{
	time_t t = (time_t)secs;
	struct tm tm;
	long off;
	size_t n;

	localtime_r(&t, &tm);
	off = labs(tm.tm_gmtoff / 60);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n > 0 && n < len)
		snprintf(buf + n, len - n, "%c%02d:%02d", tm.tm_gmtoff < 0 ? '-' : '+', (int)(off / 60 % 24),
		    (int)(off % 60));
}

/* Publishes one spooled envelope and books the next publication. */
static void
relay_publish(struct relay *r, const char *id, const char *channel, const char *payload, size_t len,
    int publishes)
{
	char topic[CB_TOPIC_MAX];
	int64_t now = clock_ms();

	if (topic_inbox(r->conf->prefix, channel, topic, sizeof topic) == 0) {
		log_warnx("envelope %s: no inbox topic for channel %s", id, channel);
		return;
	}
	if (!mqtt_publish(r->mqtt, topic, payload, len))
		return;		/* still due: published once connected */
	if (publishes > 0)
		log_info("envelope %s: no receipt yet, published again (%d)", id, publishes + 1);
	spool_inbound_published(r->sp, id, now + backoff_ms(publishes + 1, r->conf->republish_after,
	    r->conf->republish_max));
}

/* Publishes what is due; true if more may be waiting. */
static bool
relay_republish(struct relay *r)
{
	struct spool_in rows[RELAY_BATCH];
	int n, i, round;

	for (round = 0; round < RELAY_ROUNDS && mqtt_connected(r->mqtt); round++) {
		n = spool_inbound_due(r->sp, clock_ms(), rows, RELAY_BATCH);
		for (i = 0; i < n; i++)
			relay_publish(r, rows[i].id, rows[i].channel, rows[i].payload, rows[i].len,
			    rows[i].publishes);
		spool_in_clear(rows, n);
		if (n < RELAY_BATCH)
			return false;
	}
	return mqtt_connected(r->mqtt);
}

/*
 * Builds the envelope of in, spools it (under module, with in's reply
 * context) and publishes it on channel; returns the HTTP status.
 */
static int
relay_accept(struct relay *r, const char *module, const char *channel, const struct inbound *in,
    const char *mute, char *msg, size_t msglen)
{
	static struct envelope e;
	static char payload[CB_PAYLOAD_MAX];
	int64_t now = clock_ms();
	struct spool_new n;
	char who[40];
	size_t len;

	memset(&e, 0, sizeof e);
	snprintf(e.id, sizeof e.id, "%s", in->id);
	snprintf(e.source, sizeof e.source, "%s", r->conf->source);
	snprintf(e.channel, sizeof e.channel, "%s", channel);
	snprintf(e.from, sizeof e.from, "%s", in->from);
	memcpy(e.text, in->text, in->textlen + 1);
	e.textlen = in->textlen;
	relay_time(in->sent_at > 0 ? in->sent_at : now / 1000, e.received_at, sizeof e.received_at);
	if ((len = envelope_encode(&e, payload, sizeof payload)) == 0) {
		snprintf(msg, msglen, "message too long for an envelope (%zu bytes of text)", in->textlen);
		log_warnx("%s: %s from %s: %s", module, in->id, log_who(in->from, who, sizeof who), msg);
		return 413;
	}
	n = (struct spool_new){ in->id, module, channel, in->from, payload, len, mute, in->ctx };
	switch (spool_inbound_put(r->sp, &n, now)) {
	case SPOOL_ERR:
		snprintf(msg, msglen, "cannot spool the message now; try again");
		return 503;
	case SPOOL_DUP:
		return 200;
	default:
		break;
	}
	log_info("%s: %s from %s spooled%s%s", module, in->id, log_who(in->from, who, sizeof who),
	    mute[0] ? "; not to be answered: " : "", mute);
	relay_publish(r, in->id, channel, payload, len, 0);
	return 200;
}

/*
 * A message that is not forwarded but that the channel wants answered (an
 * edited chat message: "send 更正 instead").  The answer is queued under
 * the message's own id, so a gateway resending it is answered once; the
 * guard still applies (a sender over the rate, or our own reply bounced,
 * gets nothing).  Returns the HTTP status.
 */
static int
relay_answer(struct relay *r, const char *module, const struct inbound *in, char *msg, size_t msglen)
{
	static struct spool_reply row;
	char who[40];

	if (in->answer[0] == '\0' || in->from[0] == '\0')
		return 200;
	if (guard_inbound(r->guard, in->from, in->text, in->textlen, clock_ms()) != GUARD_PASS) {
		log_info("%s: %s from %s: not answered (guard)", module, in->id,
		    log_who(in->from, who, sizeof who));
		return 200;
	}
	memset(&row, 0, sizeof row);
	snprintf(row.id, sizeof row.id, "%s", in->id);
	snprintf(row.module, sizeof row.module, "%s", module);
	snprintf(row.ctx, sizeof row.ctx, "%s", in->ctx);
	snprintf(row.to, sizeof row.to, "%s", in->from);
	snprintf(row.text, sizeof row.text, "%s", in->answer);
	switch (spool_reply_put(r->sp, &row, REPLY_PENDING, "", clock_ms())) {
	case SPOOL_ERR:
		snprintf(msg, msglen, "cannot spool the answer now; try again");
		return 503;
	case SPOOL_OK:
		log_info("%s: %s from %s: answered by the bridge", module, in->id,
		    log_who(in->from, who, sizeof who));
		event_active(r->kick, 0, 0);
		break;
	default:
		break;
	}
	return 200;
}

int
relay_webhook(void *arg, const struct channel_ops *ch, const struct webhook *w, char *msg, size_t msglen)
{
	static struct inbound in;
	struct relay *r = arg;
	struct spool_origin o;
	enum guard_verdict v;
	char who[40];
	int status;

	memset(&in, 0, sizeof in);
	if ((status = ch->parse(r->conf, w, &in, msg, msglen)) != 200) {
		log_warnx("%s: %s from %s refused (%d): %s", ch->name, w->method, w->peer ? w->peer : "?",
		    status, msg);
		return status;
	}
	if (in.ignore) {
		log_info("%s: %s: acknowledged, nothing to forward", ch->name, in.why);
		return relay_answer(r, ch->name, &in, msg, msglen);
	}
	switch (spool_inbound_get(r->sp, in.id, &o)) {
	case SPOOL_ERR:
		snprintf(msg, msglen, "cannot read the spool now; try again");
		return 503;
	case SPOOL_OK:
		log_info("%s: %s again: already spooled, absorbed", ch->name, in.id);
		return 200;
	default:
		break;
	}
	v = guard_inbound(r->guard, in.from, in.text, in.textlen, clock_ms());
	if (v == GUARD_RATE) {
		snprintf(msg, msglen, "too many messages from this sender; try later");
		log_warnx("%s: %s from %s: over the rate limit, refused for now", ch->name, in.id,
		    log_who(in.from, who, sizeof who));
		return 429;
	}
	return relay_accept(r, ch->name, ch->channel, &in, v == GUARD_PASS ? "" : guard_name(v), msg, msglen);
}


/* ------------------------------------------------------------------ chat platforms */

/* 16 random letters and digits: the random prefix of an encrypted passive answer. */
static void
relay_nonce16(char out[17])
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char raw[16];
	size_t i;

	if (RAND_bytes(raw, sizeof raw) != 1)
		for (i = 0; i < sizeof raw; i++)
			raw[i] = (unsigned char)(clock_ms() >> (i % 8) ^ (int64_t)i * 131);
	for (i = 0; i < 16; i++)
		out[i] = abc[raw[i] % (sizeof abc - 1)];
	out[16] = '\0';
}

/* The platform's plain acknowledgement of in (its resp: "success", or an empty 200) into a. */
static void
relay_chat_ack(struct chat_answer *a, const struct inbound *in)
{
	a->status = 200;
	snprintf(a->ctype, sizeof a->ctype, "%s", in->resp_ctype);
	a->len = in->resplen < sizeof a->body ? in->resplen : 0;
	memcpy(a->body, in->resp, a->len);
}

/* Builds the passive answer carrying text into a; false (logged) when the platform cannot. */
static bool
relay_chat_passive(const struct chat_conf *cc, const struct inbound *in, const char *text, struct chat_answer *a)
{
	char nonce[17], err[256];

	relay_nonce16(nonce);
	if (cc->ops->passive == NULL || !cc->ops->passive(cc, in, text, clock_ms(), nonce, a->body, sizeof a->body,
	    &a->len, a->ctype, sizeof a->ctype, err, sizeof err)) {
		log_warnx("%s: %s: no passive answer: %s", cc->module, in->id, cc->ops->passive ? err : "none");
		return false;
	}
	a->status = 200;
	return true;
}

static struct relay_wait *
relay_wait_find(struct relay *r, const char *id)
{
	struct relay_wait *w;

	for (w = r->waits; w != NULL; w = w->next)
		if (strcmp(w->in.id, id) == 0)
			return w;
	return NULL;
}

/* Unlinks and frees a wait (its connection is answered or gone already). */
static void
relay_wait_free(struct relay_wait *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		w->r->waits = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	if (w->timer != NULL)
		event_free(w->timer);
	free(w);
}

/* Answers a held connection with a (or the plain acknowledgement when a is NULL) and frees the wait. */
static void
relay_wait_answer(struct relay_wait *w, const struct chat_answer *a)
{
	if (a != NULL)
		http_finish(w->hc, 200, a->ctype, a->body, a->len);
	else
		http_finish(w->hc, 200, w->in.resp_ctype, w->in.resp, w->in.resplen);
	relay_wait_free(w);
}

/* passive-wait is over without a receipt: the plain acknowledgement goes; the reply later. */
static void
relay_on_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct relay_wait *w = arg;

	log_info("%s: %s: no receipt within passive-wait (%lld ms): acknowledged without the reply, %s",
	    w->cc->module, w->in.id, (long long)w->cc->passive_wait,
	    chat_reply_mode(w->cc) == CHAT_REPLY_BOTH ? "which goes by the API" : "which will be muted");
	relay_wait_answer(w, NULL);
}

/* http.c: the held connection ended first (the platform gave up, or we shut down). */
static void
relay_on_wait_gone(void *arg)
{
	struct relay_wait *w = arg;

	log_info("%s: %s: the platform's connection ended before the receipt", w->cc->module, w->in.id);
	relay_wait_free(w);
}

/* Holds hc's answer for the receipt of in; false (answer now) when it cannot. */
static bool
relay_hold(struct relay *r, const struct chat_conf *cc, struct http_conn *hc, const struct inbound *in)
{
	struct timeval tv = { cc->passive_wait / 1000, (cc->passive_wait % 1000) * 1000 };
	struct relay_wait *w = calloc(1, sizeof *w);

	if (w == NULL || (w->timer = evtimer_new(r->base, relay_on_wait_timeout, w)) == NULL) {
		free(w);
		return false;
	}
	w->r = r;
	w->cc = cc;
	w->hc = hc;
	w->in = *in;
	w->next = r->waits;
	if (r->waits != NULL)
		r->waits->prev = w;
	r->waits = w;
	evtimer_add(w->timer, &tv);
	http_defer(hc, relay_on_wait_gone, w);
	return true;
}

/*
 * A message the platform sends that is not forwarded (an image, an edit)
 * but answered: passively at once when the instance answers passively,
 * else by the API under the message's id (relay_answer).  Fills a.
 */
static void
relay_chat_ignored(struct relay *r, const struct chat_conf *cc, const struct inbound *in, struct chat_answer *a)
{
	char who[40];

	log_info("%s: %s: acknowledged, nothing to forward", cc->module, in->why);
	relay_chat_ack(a, in);
	if (in->answer[0] == '\0' || in->from[0] == '\0')
		return;
	if (in->passive && chat_reply_mode(cc) != CHAT_REPLY_API) {
		if (guard_inbound(r->guard, in->from, in->text, in->textlen, clock_ms()) != GUARD_PASS)
			log_info("%s: %s from %s: not answered (guard)", cc->module, in->id,
			    log_who(in->from, who, sizeof who));
		else if (relay_chat_passive(cc, in, in->answer, a))
			log_info("%s: %s from %s: answered by the bridge, passively", cc->module, in->id,
			    log_who(in->from, who, sizeof who));
		return;
	}
	if ((a->status = relay_answer(r, cc->module, in, a->msg, sizeof a->msg)) == 200)
		relay_chat_ack(a, in);
}

void
relay_chat(void *arg, const struct chat_conf *cc, const struct webhook *w, struct http_conn *hc,
    struct chat_answer *a)
{
	static struct inbound in;
	struct relay *r = arg;
	struct spool_origin o;
	enum guard_verdict v;
	char who[40];

	memset(&in, 0, sizeof in);
	if ((a->status = cc->ops->parse(cc, w, &in, a->msg, sizeof a->msg)) != 200) {
		log_warnx("%s: %s from %s refused (%d): %s", cc->module, w->method, w->peer ? w->peer : "?",
		    a->status, a->msg);
		return;
	}
	if (in.verify) {
		log_info("%s: URL check from %s answered", cc->module, w->peer ? w->peer : "?");
		relay_chat_ack(a, &in);
		return;
	}
	if (in.ignore) {
		relay_chat_ignored(r, cc, &in, a);
		return;
	}
	switch (spool_inbound_get(r->sp, in.id, &o)) {
	case SPOOL_ERR:
		a->status = 503;
		snprintf(a->msg, sizeof a->msg, "cannot read the spool now; try again");
		return;
	case SPOOL_OK:
		log_info("%s: %s again: already spooled, absorbed", cc->module, in.id);
		relay_chat_ack(a, &in);
		return;
	default:
		break;
	}
	v = guard_inbound(r->guard, in.from, in.text, in.textlen, clock_ms());
	if (v == GUARD_RATE) {
		a->status = 429;
		snprintf(a->msg, sizeof a->msg, "too many messages from this sender; try later");
		log_warnx("%s: %s from %s: over the rate limit, refused for now", cc->module, in.id,
		    log_who(in.from, who, sizeof who));
		return;
	}
	a->status = relay_accept(r, cc->module, cc->ops->platform, &in, v == GUARD_PASS ? "" : guard_name(v),
	    a->msg, sizeof a->msg);
	if (a->status != 200)
		return;
	relay_chat_ack(a, &in);
	/* Spooled: the platform's answer may now wait for the receipt. */
	if (in.passive && v == GUARD_PASS && chat_reply_mode(cc) != CHAT_REPLY_API && relay_hold(r, cc, hc, &in))
		a->status = 0;
}

static void relay_on_token(void *arg, int status, const char *body, size_t len);

/* Asks for instance k's access token, unless one is on its way or the pause since the last is not over. */
static void
relay_token_fetch(struct relay *r, const struct chat_conf *cc, int64_t now)
{
	static struct outreq req;
	int k = (int)(cc - r->conf->chats);
	struct relay_token *t = &r->tokens[k];
	struct relay_tokreq *q;
	char err[256];

	if (t->fetching || now < t->next_try)
		return;
	t->next_try = now + backoff_ms(t->fails + 1, TOKEN_PAUSE_MIN, TOKEN_PAUSE_MAX);
	if (!cc->ops->token_req(cc, &req, err, sizeof err)) {
		log_warnx("%s: cannot ask for an access token: %s", cc->module, err);
		return;
	}
	if ((q = malloc(sizeof *q)) == NULL)
		return;
	q->r = r;
	q->k = k;
	if (!client_send(r->client, &req, relay_on_token, q, err, sizeof err)) {
		log_warnx("%s: cannot ask for an access token: %s", cc->module, err);
		free(q);
		return;
	}
	t->fetching = true;
	log_debug("%s: asking for an access token", cc->module);
}

/* The answer to a token request: the token cached until shortly before it expires, or the refusal logged. */
static void
relay_on_token(void *arg, int status, const char *body, size_t len)
{
	struct relay_tokreq *q = arg;
	struct relay *r = q->r;
	struct relay_token *t = &r->tokens[q->k];
	const struct chat_conf *cc = &r->conf->chats[q->k];
	int64_t now = clock_ms(), exp = 0;
	char err[256] = "";

	free(q);
	if (status < 0)
		return;		/* cancelled at shutdown */
	t->fetching = false;
	if (cc->ops->token_read(status, body, len, t->token, sizeof t->token, &exp, err, sizeof err)) {
		t->expires = now + exp * 1000;
		t->fails = 0;
		t->next_try = now + TOKEN_PAUSE_MIN;
		log_info("%s: access token fetched, valid for %lld s", cc->module, (long long)exp);
	} else {
		t->token[0] = '\0';
		t->expires = 0;
		t->fails++;
		t->next_try = now + backoff_ms(t->fails, TOKEN_PAUSE_MIN, TOKEN_PAUSE_MAX);
		log_warnx("%s: access token refused: %s; asking again in %lld s (check secret and the "
		    "platform's settings)", cc->module, err[0] ? err : "no answer", (long long)((t->next_try - now) / 1000));
	}
	if (r->draining && client_inflight(r->client) == 0 && r->drained != NULL)
		r->drained(r->drained_arg);
	else
		event_active(r->kick, 0, 0);
}

/*
 * Builds a chat instance's reply request into req: with its access token
 * when the platform needs one (fetched first: the reply then waits without
 * counting an attempt).  Returns 1 to send, 0 to wait, -1 when it cannot be
 * built (err).
 */
static int
relay_chat_request(struct relay *r, const struct chat_conf *cc, const struct spool_reply *row, int64_t now,
    struct outreq *req, char *err, size_t errlen)
{
	struct relay_token *t = &r->tokens[cc - r->conf->chats];

	if (cc->ops->token_req != NULL && (t->token[0] == '\0' || now >= t->expires - TOKEN_MARGIN_MS)) {
		relay_token_fetch(r, cc, now);
		if (t->token[0] == '\0' || now >= t->expires) {
			spool_reply_retry(r->sp, row->id, now + TOKEN_WAIT_MS, "waiting for an access token");
			return 0;
		}
	}
	return cc->ops->reply(cc, now, row->id, row->to, row->ctx, cc->ops->token_req ? t->token : "", row->text,
	    req, err, errlen) ? 1 : -1;
}

static void relay_on_sent(void *arg, int status, const char *body, size_t len);

/*
 * A gateway's delivery report.  Any report proves the gateway took the
 * reply, so a reply still pending (its send cut short by a restart, or its
 * answer not yet read) is closed as sent and never repeated; a failure is
 * logged with the gateway's code.
 */
int
relay_report(void *arg, const struct channel_ops *ch, const struct webhook *w, char *msg, size_t msglen)
{
	struct relay *r = arg;
	struct delivery d;
	char note[64];
	int status;

	memset(&d, 0, sizeof d);
	if ((status = ch->report(r->conf, w, &d, msg, msglen)) != 200) {
		log_warnx("%s: delivery report from %s refused (%d): %s", ch->name, w->peer ? w->peer : "?",
		    status, msg);
		return status;
	}
	snprintf(note, sizeof note, "%s delivery report %d", ch->name, d.code);
	switch (spool_reply_close(r->sp, d.id, REPLY_SENT, note, clock_ms())) {
	case SPOOL_ERR:
		snprintf(msg, msglen, "cannot write the spool now; try again");
		return 503;
	case SPOOL_OK:
		log_info("reply %s: %s, handed over", d.id, note);
		break;
	default:
		log_debug("reply %s: %s", d.id, note);
		break;
	}
	if (d.failed)
		log_warnx("reply %s: %s: the network did not take it", d.id, note);
	return 200;
}

/* Sends one due reply, or closes it when its time is up or it cannot be built. */
static void
relay_send(struct relay *r, const struct spool_reply *row, int64_t now)
{
	static struct outreq req;
	const struct channel_ops *ch = channel_find(row->module);
	const struct chat_conf *cc = chat_find(r->conf, row->module);
	struct relay_send *s;
	char err[256], who[40];
	int built;

	log_who(row->to, who, sizeof who);
	if (now - row->created >= r->conf->give_up_after) {
		snprintf(err, sizeof err, "given up after %d attempts", row->attempts);
		log_warnx("reply %s to %s: %s; kept in the spool as failed", row->id, who, err);
		spool_reply_close(r->sp, row->id, REPLY_FAILED, err, now);
		return;
	}
	if (cc == NULL && (ch == NULL || !ch->enabled(r->conf))) {
		log_warnx("reply %s to %s: channel %s is off; kept for later", row->id, who, row->module);
		spool_reply_retry(r->sp, row->id, now + r->conf->retry_max, "channel off");
		return;
	}
	if (cc != NULL)
		built = relay_chat_request(r, cc, row, now, &req, err, sizeof err);
	else
		built = ch->reply(r->conf, now, row->id, row->to, row->text, &req, err, sizeof err) ? 1 : -1;
	if (built == 0)
		return;		/* waiting for an access token */
	if (built < 0) {
		log_warnx("reply %s to %s: %s; kept in the spool as failed", row->id, who, err);
		spool_reply_close(r->sp, row->id, REPLY_FAILED, err, now);
		return;
	}
	if ((s = malloc(sizeof *s)) == NULL)
		return;
	s->r = r;
	s->cc = cc;
	s->row = *row;
	/* Held back past the send's own timeout: if we die meanwhile, a delivery report may still come. */
	spool_reply_lease(r->sp, row->id, now + r->conf->send_timeout + r->conf->confirm_wait);
	if (!client_send(r->client, &req, relay_on_sent, s, err, sizeof err)) {
		log_warnx("reply %s to %s via %s: %s", row->id, who, row->module, err);
		spool_reply_retry(r->sp, row->id, now + backoff_ms(row->attempts + 1, r->conf->retry_min,
		    r->conf->retry_max), err);
		free(s);
	}
}

/* Sends due replies while there is room for more in flight. */
static void
relay_dispatch(struct relay *r)
{
	struct spool_reply rows[RELAY_BATCH];
	int64_t room, now = clock_ms();
	int n, i;

	if (r->draining)
		return;
	room = r->conf->send_concurrency - (int64_t)client_inflight(r->client);
	if (room <= 0)
		return;
	n = spool_reply_due(r->sp, now, rows, room < RELAY_BATCH ? (int)room : RELAY_BATCH);
	for (i = 0; i < n; i++)
		relay_send(r, &rows[i], now);
}

static void
relay_on_sent(void *arg, int status, const char *body, size_t len)
{
	struct relay_send *s = arg;
	struct relay *r = s->r;
	const struct channel_ops *ch = channel_find(s->row.module);
	int64_t now = clock_ms(), next;
	char note[256] = "", who[40];
	int v;		/* an enum send_verdict, or -1 once handled here */

	if (status < 0) {
		/* Cancelled at shutdown: the lease runs out and the reply goes after the restart. */
		free(s);
		return;
	}
	log_who(s->row.to, who, sizeof who);
	if (s->cc != NULL)
		v = s->cc->ops->judge(status, body, len, note, sizeof note);
	else
		v = ch ? ch->judge(status, body, len, note, sizeof note) : SEND_RETRY;
	if (s->cc != NULL && v == SEND_TOKEN) {
		struct relay_token *t = &r->tokens[s->cc - r->conf->chats];

		/* The token is dropped and fetched again (paced); this attempt is not counted. */
		t->token[0] = '\0';
		t->expires = 0;
		t->fails++;
		spool_reply_unlease(r->sp, s->row.id, now, note);
		log_warnx("reply %s to %s: %s; the access token is fetched again", s->row.id, who, note);
		v = -1;
	} else if (s->cc != NULL && v == SEND_OK) {
		r->tokens[s->cc - r->conf->chats].fails = 0;
	}
	switch (v) {
	case SEND_OK:
		guard_replied(r->guard, s->row.to, s->row.text, strlen(s->row.text), now);
		if (spool_reply_close(r->sp, s->row.id, REPLY_SENT, "", now) == SPOOL_OK)
			log_info("reply %s delivered to %s via %s", s->row.id, who, s->row.module);
		break;
	case SEND_FAIL:
		spool_reply_close(r->sp, s->row.id, REPLY_FAILED, note, now);
		log_warnx("reply %s to %s: %s; kept in the spool as failed", s->row.id, who, note);
		break;
	case SEND_TOKEN:	/* the legacy channels use no tokens: as a retry */
	case SEND_RETRY:
		next = backoff_ms(s->row.attempts + 1, r->conf->retry_min, r->conf->retry_max);
		spool_reply_retry(r->sp, s->row.id, now + next, note);
		log_warnx("reply %s to %s: %s; attempt %d, again in %lld ms", s->row.id, who, note,
		    s->row.attempts + 1, (long long)next);
		break;
	default:
		break;
	}
	free(s);
	if (r->draining && client_inflight(r->client) == 0 && r->drained != NULL)
		r->drained(r->drained_arg);
	else
		event_active(r->kick, 0, 0);
}

/*
 * The module that sends messages on envelope channel ch: the channel
 * module ("kannel"), or the first instance of that chat platform
 * ("wecom:hexi"); NULL when none here does.
 */
static const char *
relay_module_for(const struct relay *r, const char *ch)
{
	const struct channel_ops *c = channel_for_reply(r->conf, ch);
	const struct chat_conf *cc;

	if (c != NULL)
		return c->name;
	cc = chat_for_channel(r->conf, ch);
	return cc ? cc->module : NULL;
}

/* The reply of a receipt goes out on the module (instance) the message came in on, if it is that channel. */
static const char *
relay_reply_module(const struct relay *r, const struct receipt *rc, const struct spool_origin *o)
{
	if (strcmp(rc->channel, o->channel) == 0)
		return o->module;
	return relay_module_for(r, rc->channel);
}

/*
 * A receipt's reply to a chat message: in the held answer when there is
 * one (body into a; the reply recorded as sent), else by the API, or muted
 * when the instance answers only passively.  Adjusts *state and *note.
 */
static void
relay_receipt_chat(struct relay *r, const struct chat_conf *cc, struct relay_wait *w, const char *text,
    enum reply_state *state, const char **note, struct chat_answer *a, bool *passive)
{
	*passive = false;
	if (*state != REPLY_PENDING)
		return;
	if (w != NULL && w->cc == cc && relay_chat_passive(cc, &w->in, text, a)) {
		*state = REPLY_SENT;
		*note = "passive: in the answer to the platform";
		*passive = true;
	} else if (chat_reply_mode(cc) == CHAT_REPLY_PASSIVE) {
		*state = REPLY_MUTED;
		*note = "no passive window";
	}
}

static void
relay_receipt(struct relay *r, const char *payload, size_t len)
{
	static struct receipt rc;
	static struct spool_reply row;
	static struct chat_answer a;
	struct spool_origin o;
	const char *module, *note = "";
	enum reply_state state = REPLY_PENDING;
	const struct chat_conf *cc;
	struct relay_wait *w;
	bool passive = false;
	enum spool_rc src;
	char err[256];

	if (receipt_decode(payload, len, &rc, err, sizeof err) != CB_OK) {
		log_warnx("receipt %.64s: unreadable (%s); ignored", rc.id[0] ? rc.id : "?", err);
		return;
	}
	if (spool_inbound_get(r->sp, rc.id, &o) != SPOOL_OK) {
		log_debug("receipt %s: not one of ours, or long done", rc.id);
		return;
	}
	w = relay_wait_find(r, rc.id);
	if (rc.channel[0] == '\0' || rc.to[0] == '\0' || rc.text[0] == '\0') {
		spool_receipt(r->sp, rc.id, NULL, REPLY_PENDING, NULL, clock_ms());
		if (w != NULL)
			relay_wait_answer(w, NULL);
		log_info("receipt %s: %s, no reply to send", rc.id, receipt_status_name(rc.status));
		return;
	}
	memset(&row, 0, sizeof row);
	module = relay_reply_module(r, &rc, &o);
	snprintf(row.id, sizeof row.id, "%s", rc.id);
	snprintf(row.module, sizeof row.module, "%s", module ? module : rc.channel);
	snprintf(row.to, sizeof row.to, "%s", rc.to);
	snprintf(row.text, sizeof row.text, "%s", rc.text);
	if (module != NULL && strcmp(module, o.module) == 0)
		snprintf(row.ctx, sizeof row.ctx, "%s", o.ctx);	/* the context is the message's own */
	if (o.mute[0] != '\0' || guard_own(r->guard, rc.to)) {
		state = REPLY_MUTED;
		note = o.mute[0] ? o.mute : guard_name(GUARD_OWN);
	} else if (module == NULL) {
		state = REPLY_FAILED;
		note = "no channel here sends that reply";
	}
	if (module != NULL && (cc = chat_find(r->conf, module)) != NULL)
		relay_receipt_chat(r, cc, w, rc.text, &state, &note, &a, &passive);
	/* Recorded first, then answered: a crash in between loses that one answer, never doubles it. */
	src = spool_receipt(r->sp, rc.id, &row, state, note, clock_ms());
	if (w != NULL && src != SPOOL_ERR)
		relay_wait_answer(w, passive && src == SPOOL_OK ? &a : NULL);
	if (src != SPOOL_OK)
		return;		/* a repeat: its reply was queued before */
	log_info("receipt %s: %s; reply %s%s", rc.id, receipt_status_name(rc.status),
	    state == REPLY_PENDING ? "queued" : state == REPLY_MUTED ? "muted: " : state == REPLY_SENT ?
	    "sent, " : "failed: ", note);
	event_active(r->kick, 0, 0);
}

static void
relay_outbox(struct relay *r, const char *payload, size_t len)
{
	static struct outbox ob;
	static struct spool_reply row;
	const char *module;
	bool own;
	char err[256];

	if (outbox_decode(payload, len, &ob, err, sizeof err) != CB_OK) {
		log_warnx("outbox %.64s: unreadable (%s); ignored", ob.id[0] ? ob.id : "?", err);
		return;
	}
	if ((module = relay_module_for(r, ob.channel)) == NULL) {
		log_info("outbox %s: channel %s is not served here", ob.id, ob.channel);
		return;
	}
	memset(&row, 0, sizeof row);
	snprintf(row.id, sizeof row.id, "%s", ob.id);
	snprintf(row.module, sizeof row.module, "%s", module);
	snprintf(row.to, sizeof row.to, "%s", ob.to);
	snprintf(row.text, sizeof row.text, "%s", ob.text);
	own = guard_own(r->guard, ob.to);
	if (spool_reply_put(r->sp, &row, own ? REPLY_MUTED : REPLY_PENDING, own ? guard_name(GUARD_OWN) : "",
	    clock_ms()) != SPOOL_OK)
		return;
	log_info("outbox %s: queued on %s%s", ob.id, module, own ? " (muted: own number)" : "");
	event_active(r->kick, 0, 0);
}

static void
relay_on_message(void *arg, const char *topic, const char *payload, size_t len)
{
	struct relay *r = arg;
	struct topic t;

	switch (topic_parse(r->conf->prefix, topic, &t)) {
	case TOPIC_RECEIPT:
		if (strcmp(t.source, r->conf->source) == 0)
			relay_receipt(r, payload, len);
		break;
	case TOPIC_OUTBOX:
		relay_outbox(r, payload, len);
		break;
	default:
		log_debug("mqtt: message on %s ignored", topic);
		break;
	}
}

/* After every (re)connect, whatever waits for a receipt goes out again at once. */
static void
relay_on_connected(void *arg)
{
	struct relay *r = arg;

	spool_inbound_rush(r->sp, clock_ms());
	event_active(r->kick, 0, 0);
}

static void
relay_on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;

	if (relay_republish(r))
		event_active(r->kick, 0, 0);
	relay_dispatch(r);
}

static void
relay_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	int64_t now = clock_ms();
	int n;

	relay_on_kick(fd, what, arg);
	if (now >= r->purge_at) {
		r->purge_at = now + RELAY_PURGE_MS;
		if ((n = spool_purge(r->sp, now - r->conf->keep_done)) > 0)
			log_info("spool: %d old rows purged", n);
	}
}

int
relay_health(void *arg, char *msg, size_t msglen)
{
	struct relay *r = arg;
	struct spool_counts c;
	struct jsonw w;

	if (!spool_counts(r->sp, &c)) {
		snprintf(msg, msglen, "spool unreadable");
		return 503;
	}
	jsonw_init(&w, msg, msglen);
	jsonw_obj(&w);
	jsonw_key(&w, "mqtt");
	jsonw_str(&w, mqtt_connected(r->mqtt) ? "connected" : "disconnected");
	jsonw_key(&w, "inbound_waiting");
	jsonw_int(&w, c.inbound[0]);
	jsonw_key(&w, "inbound_done");
	jsonw_int(&w, c.inbound[1]);
	jsonw_key(&w, "replies_pending");
	jsonw_int(&w, c.reply[REPLY_PENDING]);
	jsonw_key(&w, "replies_sent");
	jsonw_int(&w, c.reply[REPLY_SENT]);
	jsonw_key(&w, "replies_failed");
	jsonw_int(&w, c.reply[REPLY_FAILED]);
	jsonw_key(&w, "replies_muted");
	jsonw_int(&w, c.reply[REPLY_MUTED]);
	jsonw_end(&w);
	return jsonw_finish(&w) > 0 ? 200 : 500;
}

void
relay_reconfigure(struct relay *r)
{
	struct guard_conf gc = {
		.rate_limit = r->conf->rate_limit, .rate_window = r->conf->rate_window,
		.loop_repeat = r->conf->loop_repeat, .loop_window = r->conf->loop_window,
		.own_numbers = r->own, .country = r->conf->country,
	};
	struct guard *g;

	snprintf(r->own, sizeof r->own, "%s,%s", r->conf->own_numbers, r->conf->kannel_from);
	if ((g = guard_new(&gc)) == NULL) {
		log_warnx("guard: out of memory; keeping the old one");
		return;
	}
	guard_free(r->guard);
	r->guard = g;
}

struct relay *
relay_new(struct event_base *base, const struct bridge_conf *c, struct spool *sp, char *err, size_t errlen)
{
	struct mqtt_handlers h = { relay_on_connected, relay_on_message };
	struct relay *r = calloc(1, sizeof *r);
	char receipts[CB_TOPIC_MAX], outbox[CB_TOPIC_MAX];

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->base = base;
	r->conf = c;
	r->sp = sp;
	relay_reconfigure(r);
	r->mqtt = mqtt_new(base, c, &h, r);
	r->client = client_new(base, c->send_timeout);
	r->tick = event_new(base, -1, EV_PERSIST, relay_on_tick, r);
	r->kick = event_new(base, -1, 0, relay_on_kick, r);
	if (r->guard == NULL || r->mqtt == NULL || r->client == NULL || r->tick == NULL || r->kick == NULL ||
	    topic_receipt(c->prefix, c->source, receipts, sizeof receipts) == 0 ||
	    snprintf(outbox, sizeof outbox, "%s/outbox/+", c->prefix) >= (int)sizeof outbox ||
	    !mqtt_watch(r->mqtt, receipts) || !mqtt_watch(r->mqtt, outbox)) {
		snprintf(err, errlen, "cannot set up the relay (broker %s, prefix %s)", c->broker, c->prefix);
		relay_free(r);
		return NULL;
	}
	return r;
}

void
relay_start(struct relay *r)
{
	struct timeval tv = { 0, RELAY_TICK_MS * 1000 };

	mqtt_start(r->mqtt);
	event_add(r->tick, &tv);
	event_active(r->kick, 0, 0);
}

void
relay_drain(struct relay *r, void (*done)(void *arg), void *arg)
{
	r->draining = true;
	r->drained = done;
	r->drained_arg = arg;
	if (client_inflight(r->client) == 0)
		done(arg);
}

void
relay_free(struct relay *r)
{
	if (r == NULL)
		return;
	if (r->tick != NULL)
		event_free(r->tick);
	if (r->kick != NULL)
		event_free(r->kick);
	while (r->waits != NULL)	/* their connections went with the server */
		relay_wait_free(r->waits);
	client_free(r->client);
	mqtt_free(r->mqtt);
	guard_free(r->guard);
	free(r);
}
