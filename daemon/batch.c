/*
 * batch.c — group commit, and what happens when commits fail.
 *
 * The messages of one readable burst are handled inside one transaction of
 * at most batch-max messages (a longer burst commits every batch-max
 * messages and goes on in a new one); at the end of the burst the dirty
 * rollups are written and the transaction commits (COMMIT syncs itself:
 * synchronous=FULL); the receipts are queued then, and mqtt.c writes the
 * PUBACKs and receipts after burst_end.
 *
 * Every message of the open transaction is also copied into the inbox.
 * When anything fails (the disk is full, another writer holds the lock too
 * long) the transaction rolls back, the rollup cache is dropped (it reloads
 * from the database), and the batch is held: the connection stays up but
 * writes nothing (the PUBACKs libmosquitto queued stay queued) and reads
 * nothing more, and a timer replays the inbox in a new transaction after a
 * growing delay (BATCH_RETRY_MIN_MS doubling to BATCH_RETRY_MAX_MS).  The
 * first failure is logged with SQLite's message and the first commit that
 * succeeds again says so; the retries between are silent.  When the broker
 * drops the held connection (its keepalive), the inbox goes: the broker
 * redelivers it.  daemon_store_ok() is false from the first failure until
 * a commit succeeds.
 *
 * (Until 0.1.0 an option, sync-thread, let COMMIT return before the
 * fdatasync and held a batch open across bursts meanwhile.  It kept BEGIN
 * IMMEDIATE open between loop turns, blocking every other writer, and let
 * PUBACKs out before the fdatasync; it cost 10-25% more CPU per report, so
 * it was removed: config.c accepts the key and ignores it with a warning.)
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "daemon.h"
#include "federate.h"
#include "ingest.h"
#include "log.h"
#include "mqtt.h"
#include "rollcache.h"
#include "store.h"
#include "tz.h"

/* Rollup cells kept in memory at most (about 300 bytes each: this bounds RSS to ~15 MB). */
#define BATCH_CACHE_MAX 50000
/* The first and the longest wait before a failed batch is tried again. */
#define BATCH_RETRY_MIN_MS 100
#define BATCH_RETRY_MAX_MS 5000

/* A receipt waiting for its batch's commit, laid out in the arena. */
struct pending {
	uint64_t t0_us;			/* when its batch began */
	size_t topic_len, len, corr_len;
	/* followed by topic\0, payload, correlation */
};

/* A message of the open batch, kept for a retry, laid out in the inbox. */
struct held {
	int64_t received_at;		/* unix seconds */
	size_t topic_len, len, rt_len, corr_len;	/* rt_len: SIZE_MAX when there is none */
	/* followed by topic\0, payload, response topic\0, correlation */
};

/* A growable byte buffer of 8-aligned records. */
struct buf {
	char *p;
	size_t used, cap;
};

struct batch {
	struct daemon *d;
	struct event *ev_retry;		/* replays the inbox of a held batch */
	bool open;			/* a transaction is open */
	bool holding;			/* a failed batch waits for its retry: reading and writing stopped */
	bool failing;			/* the last commit attempt failed (daemon_store_ok) */
	int64_t retry_ms;		/* the next retry's delay */
	int64_t fail_since;		/* unix seconds of the first failure */
	uint64_t retries;
	size_t n;			/* messages in the open batch */
	int64_t now;			/* unix seconds when the burst began */
	struct timespec t0;
	struct outcome out;		/* reused for every message */
	struct buf receipts;		/* the open batch's receipts (struct pending) */
	size_t nreceipts;
	struct buf inbox;		/* the open batch's messages (struct held) */
	size_t ninbox;
	struct metrics counts;		/* the open batch's outcomes, added to d->metrics at its commit */
};

static void on_retry(evutil_socket_t fd, short what, void *arg);

struct batch *
batch_new(struct daemon *d)
{
	struct batch *b = calloc(1, sizeof *b);

	if (b == NULL)
		return NULL;
	b->d = d;
	if ((b->ev_retry = evtimer_new(d->base, on_retry, b)) == NULL) {
		batch_free(b);
		return NULL;
	}
	return b;
}

void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	if (b->ev_retry != NULL)
		event_free(b->ev_retry);
	free(b->receipts.p);
	free(b->inbox.p);
	free(b);
}

static uint64_t
elapsed_us(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)(t.tv_sec - t0->tv_sec) * 1000000u + (uint64_t)((t.tv_nsec - t0->tv_nsec) / 1000);
}

/* Makes room for need more bytes (rounded up to 8); returns where they go, NULL when out of memory. */
static char *
buf_add(struct buf *a, size_t need)
{
	need = (need + 7) & ~(size_t)7;
	if (a->used + need > a->cap) {
		size_t cap = a->cap ? a->cap : 64 * 1024;
		char *n;

		while (cap < a->used + need)
			cap *= 2;
		if ((n = realloc(a->p, cap)) == NULL)
			return NULL;
		a->p = n;
		a->cap = cap;
	}
	char *at = a->p + a->used;

	a->used += need;
	return at;
}

/* Keeps a receipt (topic, payload, correlation) until the commit. */
static bool
batch_keep(struct batch *b, const char *topic, const char *payload, size_t len,
    const void *corr, size_t corr_len)
{
	size_t tl = strlen(topic);
	struct pending *p = (struct pending *)buf_add(&b->receipts, sizeof *p + tl + 1 + len + corr_len);
	char *q;

	if (p == NULL)
		return false;
	q = (char *)(p + 1);
	p->t0_us = (uint64_t)b->t0.tv_sec * 1000000u + (uint64_t)b->t0.tv_nsec / 1000;
	p->topic_len = tl;
	p->len = len;
	p->corr_len = corr_len;
	memcpy(q, topic, tl + 1);
	memcpy(q + tl + 1, payload, len);
	if (corr_len > 0)
		memcpy(q + tl + 1 + len, corr, corr_len);
	b->nreceipts++;
	return true;
}

/* Copies an inbound message into the inbox (for a retry of its batch); false when out of memory. */
static bool
batch_hold_msg(struct batch *b, const struct mqtt_msg *m, int64_t received_at)
{
	size_t tl = strlen(m->topic), rl = m->response_topic ? strlen(m->response_topic) : 0;
	struct held *h = (struct held *)buf_add(&b->inbox, sizeof *h + tl + 1 + m->len + rl + 1 +
	    m->correlation_len);
	char *q;

	if (h == NULL)
		return false;
	q = (char *)(h + 1);
	h->received_at = received_at;
	h->topic_len = tl;
	h->len = m->len;
	h->rt_len = m->response_topic ? rl : SIZE_MAX;
	h->corr_len = m->correlation != NULL ? m->correlation_len : 0;
	memcpy(q, m->topic, tl + 1);
	memcpy(q + tl + 1, m->payload, m->len);
	memcpy(q + tl + 1 + m->len, m->response_topic ? m->response_topic : "", rl + 1);
	if (h->corr_len > 0)
		memcpy(q + tl + 1 + m->len + rl + 1, m->correlation, h->corr_len);
	b->ninbox++;
	return true;
}

/* The size of an inbox record. */
static size_t
held_size(const struct held *h)
{
	size_t rl = h->rt_len == SIZE_MAX ? 0 : h->rt_len;

	return (sizeof *h + h->topic_len + 1 + h->len + rl + 1 + h->corr_len + 7) & ~(size_t)7;
}

/* The message an inbox record holds (pointers into the record). */
static struct mqtt_msg
held_msg(const struct held *h)
{
	const char *topic = (const char *)(h + 1), *payload = topic + h->topic_len + 1;
	const char *rt = payload + h->len;
	size_t rl = h->rt_len == SIZE_MAX ? 0 : h->rt_len;

	return (struct mqtt_msg){ .topic = topic, .payload = payload, .len = h->len,
		.response_topic = h->rt_len == SIZE_MAX ? NULL : rt,
		.correlation = h->corr_len ? rt + rl + 1 : NULL, .correlation_len = h->corr_len };
}

/* Forgets the open batch (after its commit, or when its messages are gone). */
static void
batch_reset(struct batch *b)
{
	b->open = false;
	b->n = 0;
	b->receipts.used = 0;
	b->nreceipts = 0;
	b->inbox.used = 0;
	b->ninbox = 0;
	memset(&b->counts, 0, sizeof b->counts);
}

/* Adds the committed batch's outcomes to the daemon's counters. */
static void
batch_counts_add(struct metrics *m, const struct metrics *c)
{
	for (int i = 0; i < METRIC_OUTCOMES; i++)
		m->messages[i] += c->messages[i];
	for (int i = 0; i < CB_ERROR_COUNT; i++)
		m->rejected[i] += c->rejected[i];
	m->receipts_unsent += c->receipts_unsent;
}

/* Arms the retry timer after the current delay, then doubles the delay up to its cap. */
static void
batch_retry_later(struct batch *b)
{
	struct timeval tv = { (time_t)(b->retry_ms / 1000), (suseconds_t)(b->retry_ms % 1000) * 1000 };

	evtimer_add(b->ev_retry, &tv);
	b->retry_ms = b->retry_ms * 2 > BATCH_RETRY_MAX_MS ? BATCH_RETRY_MAX_MS : b->retry_ms * 2;
}

/*
 * The batch failed: roll back, forget the cache and the receipts (nothing of
 * the batch was stored), keep its messages in the inbox, stop reading and
 * writing, and retry later.  Logs only when this starts a failure.
 */
static void
batch_fail(struct batch *b, const char *what)
{
	struct daemon *d = b->d;

	if (b->open)
		store_rollback(d->store);
	b->open = false;
	rollcache_clear(d->cache);
	d->metrics.batches_failed++;
	b->receipts.used = 0;
	b->nreceipts = 0;
	memset(&b->counts, 0, sizeof b->counts);	/* retried: counted when committed */
	if (!b->failing) {
		b->failing = true;
		b->fail_since = tz_now();
		b->retry_ms = BATCH_RETRY_MIN_MS;
		b->retries = 0;
		log_warnx("database: cannot store messages (%s: %s); holding %zu unacknowledged and the "
		    "connection, retrying up to every %d s", what, store_error(d->store), b->ninbox,
		    BATCH_RETRY_MAX_MS / 1000);
	} else
		log_debug("batch: retry %llu failed: %s: %s", (unsigned long long)b->retries, what,
		    store_error(d->store));
	if (!b->holding) {
		b->holding = true;
		mqtt_hold(d->mqtt, true);
		mqtt_pause(d->mqtt, true);
	}
	if (!evtimer_pending(b->ev_retry, NULL))
		batch_retry_later(b);
}

/* Counts the outcome of one message. */
static void
batch_count(struct metrics *m, const struct outcome *out)
{
	if (out->duplicate)
		m->messages[METRIC_DUPLICATE]++;
	else if (out->error == CB_OK)
		m->messages[METRIC_ACCEPTED]++;
	else {
		m->messages[METRIC_REJECTED]++;
		if (out->error < CB_ERROR_COUNT)
			m->rejected[out->error]++;
	}
}

/* Logs one outcome at debug level (the sender masked). */
static void
batch_log(const struct mqtt_msg *msg, const struct outcome *out)
{
	char who[CB_ID_MAX + 8];

	if (!log_verbose())
		return;
	log_debug("%s from %s: %s%s%s%s", msg->topic, log_mask(out->sender, who, sizeof who),
	    out->duplicate ? "duplicate" : out->error == CB_OK ? "accepted" : "rejected ",
	    out->duplicate || out->error == CB_OK ? "" : cb_error_name(out->error),
	    out->detail[0] ? ": " : "", out->detail);
}

/* Begins the transaction when none is open; false (the batch failed) when it cannot. */
static bool
batch_open(struct batch *b, const char *first)
{
	if (b->open)
		return true;
	log_debug("batch: begins with %s", first);
	clock_gettime(CLOCK_MONOTONIC, &b->t0);
	if (!store_begin(b->d->store)) {
		batch_fail(b, "begin");
		return false;
	}
	b->open = true;
	return true;
}

/*
 * Stores one message in the open transaction and keeps its receipt; false
 * when the batch failed (batch_fail has run).
 */
static bool
batch_ingest(struct batch *b, const struct mqtt_msg *msg, int64_t received_at)
{
	struct daemon *d = b->d;
	const char *topic;

	if (!batch_open(b, msg->topic))
		return false;
	if (federate_wants(d->fed, msg->topic)) {
		/* A child's rollup (upstream-of): kept in this transaction, no receipt. */
		if (!federate_input(d->fed, msg, received_at)) {
			batch_fail(b, "federate");
			return false;
		}
		b->n++;
		return true;
	}
	struct ingest_env env = { d->catalog, d->roster, d->store, d->cache, d->conf.prefix,
		d->conf.max_received_age > 0 ? (d->conf.max_received_age + 999) / 1000 : -1,
		d->conf.report_apps, d->conf.reports_need_reporter };
	struct inbound in = { .topic = msg->topic, .payload = msg->payload, .len = msg->len,
		.received_at = received_at, .response_topic = msg->response_topic };

	if (!ingest_message(&env, &in, &b->out)) {
		batch_fail(b, "ingest");
		return false;
	}
	b->n++;
	batch_count(&b->counts, &b->out);
	batch_log(msg, &b->out);
	topic = b->out.topic;	/* ingest checked any response topic: never outside receipt/<source> */
	if (topic[0] == '\0' || b->out.len == 0) {
		b->counts.receipts_unsent++;
		return true;
	}
	if (!batch_keep(b, topic, b->out.payload, b->out.len, msg->correlation, msg->correlation_len)) {
		batch_fail(b, "out of memory for receipts");
		return false;
	}
	return true;
}

/* Publishes the committed batch's receipts; mqtt.c writes them after the burst, or on mqtt_flush. */
static void
batch_release(struct batch *b)
{
	struct daemon *d = b->d;
	struct timespec now;
	uint64_t now_us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	now_us = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000;
	for (size_t off = 0; off < b->receipts.used;) {
		const struct pending *p = (const struct pending *)(b->receipts.p + off);
		const char *topic = (const char *)(p + 1), *payload = topic + p->topic_len + 1;
		struct mqtt_msg reply = { .correlation = p->corr_len ? payload + p->len : NULL,
			.correlation_len = p->corr_len };

		if (mqtt_publish(d->mqtt, topic, payload, p->len, false, &reply))
			d->metrics.receipts_sent++;
		else
			d->metrics.receipts_unsent++;
		metrics_latency(&d->metrics, now_us - p->t0_us, 1);
		off += (sizeof *p + p->topic_len + 1 + p->len + p->corr_len + 7) & ~(size_t)7;
	}
}

/* Copies the store's commit figures into the metrics. */
static void
batch_stats(struct daemon *d)
{
	struct store_stats st;

	store_stats(d->store, &st);
	d->metrics.checkpoints = st.checkpoints;
	d->metrics.wal_frames = st.wal_frames;
}

/* Stops holding: no retry armed, reading and writing again. */
static void
batch_unhold(struct batch *b)
{
	evtimer_del(b->ev_retry);
	if (b->holding) {
		b->holding = false;
		mqtt_hold(b->d->mqtt, false);
		mqtt_pause(b->d->mqtt, false);
	}
}

/* A commit succeeded: after failures say so, and read and write again. */
static void
batch_recovered(struct batch *b, size_t stored)
{
	if (b->failing)
		log_info("database: storing again after %lld s and %llu retries (%zu held messages stored)",
		    (long long)(tz_now() - b->fail_since), (unsigned long long)b->retries, stored);
	b->failing = false;
	batch_unhold(b);
}

/*
 * Writes the open batch's rollups, commits it and publishes its receipts;
 * on failure holds the batch for a retry.  Returns true when committed.
 */
static bool
batch_commit(struct batch *b)
{
	struct daemon *d = b->d;
	struct timespec tc;
	size_t stored = b->ninbox;

	if (!rollcache_flush(d->cache, d->store)) {
		batch_fail(b, "rollups");
		return false;
	}
	if (!publisher_save(d->pub)) {
		batch_fail(b, "publish mark");
		return false;
	}
	clock_gettime(CLOCK_MONOTONIC, &tc);
	if (!store_commit(d->store)) {
		batch_fail(b, "commit");
		return false;
	}
	uint64_t commit_us = elapsed_us(&tc);

	d->metrics.commit_us += commit_us;
	d->metrics.last_commit = tz_now();
	log_debug("batch: %zu messages, %zu receipts, commit %.1f ms, %.1f ms since the first read", b->n,
	    b->nreceipts, (double)commit_us / 1000, (double)elapsed_us(&b->t0) / 1000);
	publisher_committed(d->pub);
	batch_stats(d);
	d->metrics.batches++;
	d->metrics.batch_messages += b->n;
	batch_counts_add(&d->metrics, &b->counts);
	if (b->n > d->metrics.batch_max)
		d->metrics.batch_max = b->n;
	if (rollcache_size(d->cache) > BATCH_CACHE_MAX)
		rollcache_clear(d->cache);	/* all committed: it reloads what it needs */
	d->metrics.cache_cells = rollcache_size(d->cache);
	batch_release(b);
	batch_reset(b);
	batch_recovered(b, stored);
	return true;
}

void
batch_message(void *arg, const struct mqtt_msg *msg)
{
	struct batch *b = arg;
	struct daemon *d = b->d;

	if (!b->open && !b->holding)
		b->now = tz_now();
	if (!batch_hold_msg(b, msg, b->now))
		fatalx("out of memory for a batch of %zu messages", b->ninbox);
	if (b->holding)
		return;	/* read in the burst that failed: retried with the rest */
	if (!batch_ingest(b, msg, b->now))
		return;
	if (b->n >= (size_t)d->conf.batch_max)
		batch_commit(b);	/* the rest of the burst goes in the next transaction */
}

/*
 * Replays the held inbox in a new transaction (the retry timer, or
 * batch_drain); on failure batch_fail arms the timer again.
 */
static void
batch_replay(struct batch *b)
{
	if (!b->holding)
		return;
	b->retries++;
	if (b->ninbox == 0) {
		batch_unhold(b);	/* nothing held: the next burst tells whether storing works */
		return;
	}
	for (size_t off = 0; off < b->inbox.used;) {
		const struct held *h = (const struct held *)(b->inbox.p + off);
		struct mqtt_msg m = held_msg(h);

		if (!batch_ingest(b, &m, h->received_at))
			return;
		off += held_size(h);
	}
	if (batch_commit(b))
		mqtt_flush(b->d->mqtt);
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	batch_replay(arg);
}

void
batch_end(void *arg)
{
	struct batch *b = arg;

	if (b->holding || !b->open) {
		if (!b->holding) {
			b->inbox.used = 0;	/* nothing open: no message of it waits */
			b->ninbox = 0;
		}
		return;
	}
	batch_commit(b);
}

void
batch_drain(struct batch *b)
{
	if (b->open && !b->holding)
		batch_commit(b);
	batch_replay(b);	/* a held batch gets one more try now */
	mqtt_flush(b->d->mqtt);
}

void
batch_disconnected(struct batch *b)
{
	if (b->open)
		store_rollback(b->d->store);
	if (b->open || b->ninbox > 0)
		rollcache_clear(b->d->cache);
	if (b->holding)
		log_info("database: the broker dropped the held connection; it redelivers the %zu held messages",
		    b->ninbox);
	batch_reset(b);
	batch_unhold(b);
}

bool
batch_held(const struct batch *b)
{
	return b->holding;
}

bool
batch_store_ok(const struct batch *b)
{
	return !b->failing;
}
