/*
 * batch.c — group commit.  The messages of one readable burst are handled
 * inside one transaction; at the end of the burst the dirty rollups are
 * written, the transaction commits, and only then are the receipts
 * published and the PUBACKs written (mqtt.c writes after burst_end).  When
 * anything fails the transaction rolls back, the rollup cache is dropped
 * (it reloads from the database), and the connection is aborted so that no
 * PUBACK of the batch reaches the broker: it redelivers, the senders retry.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "ingest.h"
#include "log.h"
#include "mqtt.h"
#include "rollcache.h"
#include "store.h"
#include "tz.h"

/* Rollup cells kept in memory at most (about 300 bytes each: this bounds RSS to ~15 MB). */
#define BATCH_CACHE_MAX 50000

/* A receipt waiting for its commit, laid out in the arena. */
struct pending {
	size_t topic_len, len, corr_len;
	/* followed by topic\0, payload, correlation */
};

struct batch {
	struct daemon *d;
	bool open;			/* a transaction is open */
	bool failed;			/* the burst failed: ignore the rest of it */
	size_t n;			/* messages in the open batch */
	int64_t now;			/* unix seconds when the burst began */
	struct timespec t0;
	struct outcome out;		/* reused for every message */
	char *arena;			/* pending receipts */
	size_t used, cap;
	size_t nreceipts;
};

struct batch *
batch_new(struct daemon *d)
{
	struct batch *b = calloc(1, sizeof *b);

	if (b != NULL)
		b->d = d;
	return b;
}

void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
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

/* Forgets the open batch (after its commit or its rollback). */
static void
batch_reset(struct batch *b)
{
	b->open = false;
	b->n = 0;
	b->used = 0;
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
	batch_reset(b);
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
	}
	struct ingest_env env = { d->catalog, d->roster, d->store, d->cache, d->conf.prefix };
	struct inbound in = { msg->topic, msg->payload, msg->len, b->now, 0, 0 };

	if (!ingest_message(&env, &in, &b->out)) {
		batch_fail(b, "ingest");
		return;
	}
	b->n++;
	batch_count(&d->metrics, &b->out);
	batch_log(msg, &b->out);
	topic = msg->response_topic ? msg->response_topic : b->out.topic;
	if (topic[0] == '\0' || b->out.len == 0) {
		d->metrics.receipts_unsent++;
		return;
	}
	if (!batch_keep(b, topic, b->out.payload, b->out.len, msg->correlation, msg->correlation_len))
		batch_fail(b, "out of memory for receipts");
}

/* Publishes the receipts of the committed batch (written after burst_end returns). */
static void
batch_send(struct batch *b)
{
	struct daemon *d = b->d;
	size_t off = 0;

	for (size_t i = 0; i < b->nreceipts; i++) {
		const struct pending *p = (const struct pending *)(b->arena + off);
		const char *topic = (const char *)(p + 1), *payload = topic + p->topic_len + 1;
		struct mqtt_msg reply = { .correlation = p->corr_len ? payload + p->len : NULL,
			.correlation_len = p->corr_len };
		size_t need = sizeof *p + p->topic_len + 1 + p->len + p->corr_len;

		if (mqtt_publish(d->mqtt, topic, payload, p->len, false, &reply))
			d->metrics.receipts_sent++;
		else
			d->metrics.receipts_unsent++;
		off += (need + 7) & ~(size_t)7;
	}
}

void
batch_end(void *arg)
{
	struct batch *b = arg;
	struct daemon *d = b->d;
	struct timespec tc;

	if (b->failed || !b->open) {
		b->failed = false;
		return;
	}
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
	batch_send(b);
	metrics_latency(&d->metrics, elapsed_us(&b->t0), b->n);
	d->metrics.batches++;
	d->metrics.batch_messages += b->n;
	if (b->n > d->metrics.batch_max)
		d->metrics.batch_max = b->n;
	if (rollcache_size(d->cache) > BATCH_CACHE_MAX)
		rollcache_clear(d->cache);	/* all committed: it reloads what it needs */
	d->metrics.cache_cells = rollcache_size(d->cache);
	batch_reset(b);
}
