/*
 * batch.c — group commit.  The messages of one readable burst are handled
 * inside one transaction; at the end of the burst the dirty rollups are
 * written and the transaction commits; the PUBACKs are written then
 * (mqtt.c writes after burst_end).  The receipts wait until the commit is
 * durable: at once when COMMIT syncs itself, or — with the store's sync
 * thread (store_sync_start) — when the fdatasync covering the commit is
 * done, while the loop goes on with the next bursts.  A burst that ends
 * while an fdatasync is under way, or less than BATCH_GAP_US after the last
 * commit, is not committed yet: the transaction stays open (and the
 * socket's writes held, PUBACKs included) and takes the following bursts
 * too, until that fdatasync is done (on_synced) or the gap has passed
 * (on_gap), or BATCH_HOLD_MAX messages wait — one commit per fdatasync at
 * most, as few WAL pages per message as the load allows.  When anything fails
 * the transaction rolls back, the rollup cache is dropped (it reloads from
 * the database), and the connection is aborted so that no PUBACK of the
 * batch reaches the broker: it redelivers, the senders retry.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "daemon.h"
#include "ingest.h"
#include "log.h"
#include "mqtt.h"
#include "rollcache.h"
#include "store.h"
#include "tz.h"

/* Rollup cells kept in memory at most (about 300 bytes each: this bounds RSS to ~15 MB). */
#define BATCH_CACHE_MAX 50000
/* Messages a batch may take while it waits for an fdatasync under way. */
#define BATCH_HOLD_MAX 4000
/*
 * With the sync thread, commits at most this often (µs): each costs WAL
 * pages and an fdatasync, and without the gap the thread's quick syncs cut
 * the stream into small batches (3.9 WAL pages a message instead of 3.3).
 */
#define BATCH_GAP_US 5000

/* A receipt waiting for its commit to be durable, laid out in the arena. */
struct pending {
	uint64_t ticket;		/* its commit's ticket; 0 while the batch is open */
	uint64_t t0_us;			/* when its batch began */
	size_t topic_len, len, corr_len;
	/* followed by topic\0, payload, correlation */
};

/*
 * The arena holds, in order: receipts already sent [0, sent) (reclaimed
 * lazily), receipts of committed batches waiting for durability [sent,
 * open_off), and those of the open batch [open_off, used).
 */
struct batch {
	struct daemon *d;
	struct event *ev_sync;		/* the store's sync descriptor: durable moved */
	struct event *ev_gap;		/* commits a held batch once the gap has passed */
	struct timespec last_commit;
	bool open;			/* a transaction is open */
	bool failed;			/* the burst failed: ignore the rest of it */
	bool held;			/* open across bursts, waiting for the fdatasync under way */
	bool fresh;			/* a new burst of a held batch: read the clock again */
	size_t n;			/* messages in the open batch */
	int64_t now;			/* unix seconds when the burst began */
	struct timespec t0;
	struct outcome out;		/* reused for every message */
	char *arena;			/* pending receipts */
	size_t used, cap, sent, open_off;
	size_t nreceipts;		/* in the open batch */
};

static void on_synced(evutil_socket_t fd, short what, void *arg);
static void on_gap(evutil_socket_t fd, short what, void *arg);
static bool batch_wait(struct batch *b);
static void batch_commit(struct batch *b);

struct batch *
batch_new(struct daemon *d)
{
	struct batch *b = calloc(1, sizeof *b);
	int fd = store_sync_fd(d->store);

	if (b == NULL)
		return NULL;
	b->d = d;
	if (fd >= 0 && ((b->ev_sync = event_new(d->base, fd, EV_READ | EV_PERSIST, on_synced, b)) == NULL ||
	    event_add(b->ev_sync, NULL) != 0 || (b->ev_gap = evtimer_new(d->base, on_gap, b)) == NULL)) {
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
	if (b->ev_sync != NULL)
		event_free(b->ev_sync);
	if (b->ev_gap != NULL)
		event_free(b->ev_gap);
	free(b->arena);
	free(b);
}

static uint64_t
elapsed_us(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)(t.tv_sec - t0->tv_sec) * 1000000u + (uint64_t)((t.tv_nsec - t0->tv_nsec) / 1000);
}

/* Keeps a receipt (topic, payload, correlation data) until the commit. */
static bool
batch_keep(struct batch *b, const char *topic, const char *payload, size_t len,
    const void *corr, size_t corr_len)
{
	size_t tl = strlen(topic), need = sizeof(struct pending) + tl + 1 + len + corr_len;

	need = (need + 7) & ~(size_t)7;
	if (b->used + need > b->cap) {
		size_t cap = b->cap ? b->cap : 64 * 1024;
		char *n;

		while (cap < b->used + need)
			cap *= 2;
		if ((n = realloc(b->arena, cap)) == NULL)
			return false;
		b->arena = n;
		b->cap = cap;
	}
	struct pending *p = (struct pending *)(b->arena + b->used);
	char *q = (char *)(p + 1);

	p->ticket = 0;
	p->t0_us = (uint64_t)b->t0.tv_sec * 1000000u + (uint64_t)b->t0.tv_nsec / 1000;
	p->topic_len = tl;
	p->len = len;
	p->corr_len = corr_len;
	memcpy(q, topic, tl + 1);
	memcpy(q + tl + 1, payload, len);
	if (corr_len > 0)
		memcpy(q + tl + 1 + len, corr, corr_len);
	b->used += need;
	b->nreceipts++;
	return true;
}

/* Forgets the open batch after its commit (its receipts stay until sent). */
static void
batch_reset(struct batch *b)
{
	b->open = false;
	b->held = b->fresh = false;
	b->n = 0;
	b->open_off = b->used;
	b->nreceipts = 0;
}

/*
 * Gives up the burst: roll back, forget the cache and the receipts, and drop
 * the connection with its PUBACKs unsent.
 */
static void
batch_fail(struct batch *b, const char *what)
{
	struct daemon *d = b->d;

	log_warnx("batch rolled back after %zu messages: %s: %s", b->n, what, store_error(d->store));
	if (b->open)
		store_rollback(d->store);
	rollcache_clear(d->cache);
	d->metrics.batches_failed++;
	b->used = b->open_off;	/* the open batch's receipts go: nothing of it was stored */
	batch_reset(b);
	mqtt_hold(d->mqtt, false);
	b->failed = true;
	mqtt_abort(d->mqtt);
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

void
batch_message(void *arg, const struct mqtt_msg *msg)
{
	struct batch *b = arg;
	struct daemon *d = b->d;
	const char *topic;

	if (b->failed)
		return;	/* the connection is being dropped: the broker redelivers */
	if (!b->open) {
		log_debug("batch: begins with %s", msg->topic);
		clock_gettime(CLOCK_MONOTONIC, &b->t0);
		b->now = tz_now();
		if (!store_begin(d->store)) {
			batch_fail(b, "begin");
			return;
		}
		b->open = true;
	} else if (b->fresh) {
		b->now = tz_now();
		b->fresh = false;
	}
	struct ingest_env env = { d->catalog, d->roster, d->store, d->cache, d->conf.prefix,
		d->conf.max_received_age > 0 ? (d->conf.max_received_age + 999) / 1000 : -1,
		d->conf.report_apps, d->conf.reports_need_reporter };
	struct inbound in = { .topic = msg->topic, .payload = msg->payload, .len = msg->len,
		.received_at = b->now, .response_topic = msg->response_topic };

	if (!ingest_message(&env, &in, &b->out)) {
		batch_fail(b, "ingest");
		return;
	}
	b->n++;
	batch_count(&d->metrics, &b->out);
	batch_log(msg, &b->out);
	topic = b->out.topic;	/* ingest checked any response topic: never outside receipt/<source> */
	if (topic[0] == '\0' || b->out.len == 0) {
		d->metrics.receipts_unsent++;
		return;
	}
	if (!batch_keep(b, topic, b->out.payload, b->out.len, msg->correlation, msg->correlation_len))
		batch_fail(b, "out of memory for receipts");
}

/* The size of one arena record. */
static size_t
pending_size(const struct pending *p)
{
	return (sizeof *p + p->topic_len + 1 + p->len + p->corr_len + 7) & ~(size_t)7;
}

/* Reclaims the arena's sent part: all of it when everything went, else by moving the rest down. */
static void
batch_compact(struct batch *b)
{
	if (b->sent == b->used) {
		b->sent = b->used = b->open_off = 0;
		return;
	}
	if (b->sent < b->cap / 2)
		return;
	memmove(b->arena, b->arena + b->sent, b->used - b->sent);
	b->used -= b->sent;
	b->open_off -= b->sent;
	b->sent = 0;
}

/*
 * Publishes, in order, the receipts of committed batches whose commit is
 * durable (ticket <= durable); mqtt.c writes them after the burst, or on
 * mqtt_flush.
 */
static void
batch_release(struct batch *b, uint64_t durable)
{
	struct daemon *d = b->d;
	struct timespec now;
	uint64_t now_us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	now_us = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000;
	while (b->sent < b->open_off) {
		const struct pending *p = (const struct pending *)(b->arena + b->sent);
		const char *topic = (const char *)(p + 1), *payload = topic + p->topic_len + 1;
		struct mqtt_msg reply = { .correlation = p->corr_len ? payload + p->len : NULL,
			.correlation_len = p->corr_len };

		if (p->ticket > durable)
			break;
		if (mqtt_publish(d->mqtt, topic, payload, p->len, false, &reply))
			d->metrics.receipts_sent++;
		else
			d->metrics.receipts_unsent++;
		metrics_latency(&d->metrics, now_us - p->t0_us, 1);
		b->sent += pending_size(p);
	}
	batch_compact(b);
}

/* Copies the store's commit figures into the metrics. */
static void
batch_stats(struct daemon *d)
{
	struct store_stats st;

	store_stats(d->store, &st);
	d->metrics.syncs = st.syncs;
	d->metrics.sync_us = st.sync_us;
	d->metrics.checkpoints = st.checkpoints;
	d->metrics.wal_frames = st.wal_frames;
}

/* The store's sync thread made more commits durable: their receipts go now. */
static void
on_synced(evutil_socket_t fd, short what, void *arg)
{
	struct batch *b = arg;
	struct daemon *d = b->d;
	uint64_t durable = store_durable(d->store);

	if (store_sync_failed(d->store))
		fatalx("cannot make commits durable (%s): stopping before any more receipts",
		    store_error(d->store));
	batch_stats(d);
	batch_release(b, durable);
	if (b->held && !batch_wait(b))
		batch_commit(b);	/* the next fdatasync starts now and covers it */
	mqtt_flush(d->mqtt);
}

static void
on_gap(evutil_socket_t fd, short what, void *arg)
{
	struct batch *b = arg;

	if (b->held && !batch_wait(b)) {
		batch_commit(b);
		mqtt_flush(b->d->mqtt);
	}
}


/*
 * True when the open batch should wait: an fdatasync is under way (on_synced
 * comes), or the last commit was less than the gap ago (on_gap is armed).
 */
static bool
batch_wait(struct batch *b)
{
	struct daemon *d = b->d;
	int64_t since = (int64_t)elapsed_us(&b->last_commit);

	if (b->n >= BATCH_HOLD_MAX || d->stopping)
		return false;
	if (store_durable(d->store) < store_committed(d->store))
		return true;
	if (since < BATCH_GAP_US) {
		struct timeval tv = { 0, (suseconds_t)(BATCH_GAP_US - since) };

		evtimer_add(b->ev_gap, &tv);
		return true;
	}
	return false;
}

void
batch_drain(struct batch *b)
{
	struct daemon *d = b->d;
	uint64_t durable;

	if (b->held)
		batch_commit(b);
	durable = store_sync_wait(d->store);
	if (store_sync_failed(d->store))
		fatalx("cannot make commits durable (%s): stopping before any more receipts",
		    store_error(d->store));
	batch_release(b, durable);
	mqtt_flush(d->mqtt);
}

bool
batch_held(const struct batch *b)
{
	return b->held;
}

/* Gives the open batch's receipts the ticket of the commit that just stored them. */
static void
batch_ticket(struct batch *b, uint64_t ticket)
{
	for (size_t off = b->open_off; off < b->used;) {
		struct pending *p = (struct pending *)(b->arena + off);

		p->ticket = ticket;
		off += pending_size(p);
	}
}

/*
 * Writes the open batch's rollups, commits it and gives its receipts the
 * commit's ticket (released when durable); on failure gives the batch up.
 */
static void
batch_commit(struct batch *b)
{
	struct daemon *d = b->d;
	struct timespec tc;

	mqtt_hold(d->mqtt, false);
	clock_gettime(CLOCK_MONOTONIC, &b->last_commit);
	if (!rollcache_flush(d->cache, d->store)) {
		batch_fail(b, "rollups");
		b->failed = false;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &tc);
	if (!store_commit(d->store)) {
		batch_fail(b, "commit");
		b->failed = false;
		return;
	}
	uint64_t commit_us = elapsed_us(&tc);

	d->metrics.commit_us += commit_us;
	log_debug("batch: %zu messages, %zu receipts, commit %.1f ms, %.1f ms since the first read", b->n,
	    b->nreceipts, (double)commit_us / 1000, (double)elapsed_us(&b->t0) / 1000);
	rollcache_committed(d->cache, publisher_mark, d->pub);
	batch_ticket(b, store_committed(d->store));
	batch_stats(d);
	d->metrics.batches++;
	d->metrics.batch_messages += b->n;
	if (b->n > d->metrics.batch_max)
		d->metrics.batch_max = b->n;
	if (rollcache_size(d->cache) > BATCH_CACHE_MAX)
		rollcache_clear(d->cache);	/* all committed: it reloads what it needs */
	d->metrics.cache_cells = rollcache_size(d->cache);
	batch_reset(b);
	batch_release(b, store_durable(d->store));
}

void
batch_end(void *arg)
{
	struct batch *b = arg;
	struct daemon *d = b->d;

	if (b->failed || !b->open) {
		b->failed = false;
		return;
	}
	if (b->ev_sync != NULL && batch_wait(b)) {
		b->held = b->fresh = true;	/* on_synced or on_gap commits it */
		mqtt_hold(d->mqtt, true);
		return;
	}
	batch_commit(b);
}
