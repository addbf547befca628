/*
 * publish.c — retained rollups and completeness, coalesced.
 *
 * A committed change marks its (area, kind, period); a timer publishes each
 * marked one once per rollup-interval, so a burst of 10,000 reports for one
 * village publishes its rollup a few times, not 10,000, while no retained
 * value is older than the interval plus one batch.  Marks are kept as text
 * (not cell pointers) so they survive a dropped cache and a new catalog, and
 * wait while the broker is away.
 *
 * Two queues: areas with areas under them (villages, townships: few keys,
 * what dashboards watch) go first; leaf areas (groups: thousands of keys,
 * each changed by its own leader's reports) wait in theirs until their first
 * change is leaf-rollup-interval old, so under load they coalesce instead of
 * crowding the upper levels out.  Completeness is published only when the
 * set of areas that have reported changed (the cell's regroup flag), not
 * with every figure.
 *
 * Crashes.  The marks live only in memory, so a kill -9 or a power cut
 * between a commit and the publication of what it changed would leave the
 * retained rollups behind the database until the area reported again.  A
 * watermark in the database (table publish_mark, schema 014) closes that
 * gap without a write of its own: it is a journal seq W such that every
 * cell changed by the journal rows up to W has been published and
 * acknowledged by the broker.  Each key remembers the first journal seq
 * whose change it may still carry (the first row of the batch that first
 * marked it); while keys wait, this floor is the lowest of those minus one,
 * else the last committed row.  A floor becomes W only once the broker has
 * acknowledged every publication queued when it was taken (mqtt_acks), and
 * W is written inside the transaction of the next batch, which commits
 * anyway: no extra transaction, no fsync, one small row per batch and only
 * when W moved.
 * At start, every cell the journal rows after W touched (a report's, a
 * corrected report's, a withdrawn one's) is marked again with all its
 * ancestors and their completeness, and goes out when the broker is
 * reached.  Journal seqs, not clocks: a clock step or the one-second
 * granularity of updated_at cannot hide a change, and a cell left empty by
 * a withdrawal (its rollups rows deleted) is found too.  W lags behind, so
 * a restart may republish a little more than it must: retained messages
 * are idempotent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "catalog.h"
#include "daemon.h"
#include "log.h"
#include "mqtt.h"
#include "rollcache.h"
#include "roster.h"
#include "store.h"
#include "topic.h"
#include "tz.h"

#define PUB_LIST_MAX 2048	/* groups listed in one completeness payload */
/*
 * Keys published per turn of the event loop: a turn may include a commit
 * (an fdatasync), so 64 a turn took 330 ms to publish the 2,100 village keys
 * of cunbao-bench's county.
 */
#define PUB_SLICE 256
/* Unacknowledged publications beyond which rollups wait: mqtt.c's window is 1,024, receipts first. */
#define PUB_INFLIGHT_MAX 768
#define PUB_BACKLOG_US 5000	/* and for how long */

enum { PUB_DONE, PUB_MORE, PUB_BACKLOG, PUB_WAIT };
enum { PUB_UPPER, PUB_LEAF, PUB_QUEUES };

struct pubkey {
	struct pubkey *hnext;
	struct pubkey *next;		/* pending order in its queue */
	uint32_t hash;
	bool leaf;			/* in the leaf queue */
	bool comp;			/* its completeness changed too */
	int64_t since_us;		/* when it was first marked */
	int64_t seq;			/* the first journal seq whose change it may carry */
	char kind[CB_CODE_MAX + 1];
	char period[CB_PERIOD_MAX];
	char area[CB_AREA_MAX];
};

struct publisher {
	struct daemon *d;
	struct event *ev;
	bool armed;
	int64_t due_us;			/* when the armed timer fires (monotonic) */
	struct pubkey **buckets;
	size_t nbuckets;		/* a power of two */
	size_t count;
	struct pubq {
		struct pubkey *head, **tail;
	} q[PUB_QUEUES];
	int64_t wait_us;		/* PUB_WAIT: until the first leaf key is due */
	int64_t next_seq;		/* the journal seq after the last commit marked */
	int64_t readd_seq;		/* the lowest seq of keys put back out of order; INT64_MAX: none */
	int64_t safe;			/* the watermark: published and acknowledged up to this seq */
	int64_t saved;			/* the watermark in the database */
	int64_t saving;			/* the watermark written in the open transaction */
	bool cand_set;			/* a floor waits for its PUBACKs: */
	int64_t cand_floor;		/* the floor */
	uint64_t cand_published;	/* publications queued when it was taken */
	const char *reported[PUB_LIST_MAX], *missing[PUB_LIST_MAX];
	int64_t sub_reported, sub_expected;	/* the last walk's sub-areas (villages) with reports, expected */
	char buf[CB_PAYLOAD_MAX];
};

static void publisher_run(struct publisher *p);
static bool publisher_recover(struct publisher *p);

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct publisher *p = arg;

	p->armed = false;
	publisher_run(p);
}

struct publisher *
publisher_new(struct daemon *d)
{
	struct publisher *p = calloc(1, sizeof *p);

	if (p == NULL)
		return NULL;
	p->d = d;
	p->nbuckets = 256;
	p->buckets = calloc(p->nbuckets, sizeof *p->buckets);
	p->ev = evtimer_new(d->base, on_timer, p);
	for (int i = 0; i < PUB_QUEUES; i++)
		p->q[i].tail = &p->q[i].head;
	p->readd_seq = INT64_MAX;
	if (p->buckets == NULL || p->ev == NULL) {
		publisher_free(p);
		return NULL;
	}
	if (!publisher_recover(p))
		fatalx("%s: cannot read what is left to publish: %s", d->conf.db, store_error(d->store));
	return p;
}

void
publisher_free(struct publisher *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < PUB_QUEUES; i++)
		for (struct pubkey *k = p->q[i].head, *next; k; k = next) {
			next = k->next;
			free(k);
		}
	if (p->ev)
		event_free(p->ev);
	free(p->buckets);
	free(p);
}

size_t
publisher_pending(const struct publisher *p)
{
	return p->count;
}

static uint32_t
key_hash(const char *area, const char *kind, const char *period)
{
	uint32_t h = 2166136261u;
	const char *parts[] = { area, kind, period };

	for (size_t i = 0; i < 3; i++)
		for (const char *s = parts[i]; *s; s++)
			h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/*
 * Doubles the pending-key hash table and rehashes every pending key (they
 * are all on the list), so a burst over thousands of groups keeps lookups
 * short.  Returns false, leaving the table as it was, when memory is short.
 */
static bool
publisher_grow(struct publisher *p)
{
	size_t n = p->nbuckets * 2;
	struct pubkey **b = calloc(n, sizeof *b);

	if (b == NULL)
		return false;
	for (int i = 0; i < PUB_QUEUES; i++)
		for (struct pubkey *k = p->q[i].head; k; k = k->next) {
			k->hnext = b[k->hash & (n - 1)];
			b[k->hash & (n - 1)] = k;
		}
	free(p->buckets);
	p->buckets = b;
	p->nbuckets = n;
	return true;
}

static int64_t
mono_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/*
 * Adds a key to the leaf or the upper queue unless it is pending already
 * (then only its completeness flag grows); false when out of memory.
 */
static bool
publisher_add(struct publisher *p, const char *area, const char *kind, const char *period,
    bool leaf, bool comp, int64_t seq)
{
	uint32_t h = key_hash(area, kind, period);
	struct pubkey *k;
	struct pubq *q = &p->q[leaf ? PUB_LEAF : PUB_UPPER];

	if (p->count >= p->nbuckets)
		publisher_grow(p);	/* on failure the chains just get longer */
	for (k = p->buckets[h & (p->nbuckets - 1)]; k; k = k->hnext)
		if (k->hash == h && strcmp(k->area, area) == 0 && strcmp(k->kind, kind) == 0 &&
		    strcmp(k->period, period) == 0) {
			k->comp |= comp;
			return true;
		}
	if ((k = calloc(1, sizeof *k)) == NULL)
		return false;
	k->hash = h;
	k->leaf = leaf;
	k->comp = comp;
	k->since_us = mono_us();
	k->seq = seq;
	snprintf(k->area, sizeof k->area, "%s", area);
	snprintf(k->kind, sizeof k->kind, "%s", kind);
	snprintf(k->period, sizeof k->period, "%s", period);
	k->hnext = p->buckets[h & (p->nbuckets - 1)];
	p->buckets[h & (p->nbuckets - 1)] = k;
	*q->tail = k;
	q->tail = &k->next;
	p->count++;
	return true;
}

/*
 * Makes the timer fire within us microseconds: arms it, or brings it
 * forward when it waits longer (for a leaf key not yet due, say).
 */
static void
publisher_arm(struct publisher *p, int64_t us)
{
	int64_t due = mono_us() + us;
	struct timeval tv = { (time_t)(us / 1000000), (suseconds_t)(us % 1000000) };

	if (p->armed && p->due_us <= due)
		return;
	evtimer_add(p->ev, &tv);
	p->armed = true;
	p->due_us = due;
}

/*
 * The highest journal seq all of whose changes are published (handed to
 * the broker): below the first seq of every waiting key, or the last
 * committed row when none waits.
 */
static int64_t
publisher_floor(struct publisher *p)
{
	int64_t lo = p->next_seq;

	if (p->count == 0) {
		p->readd_seq = INT64_MAX;	/* nothing was put back that still waits */
		return p->next_seq - 1;
	}
	if (p->readd_seq < lo)
		lo = p->readd_seq;
	for (int i = 0; i < PUB_QUEUES; i++)
		if (p->q[i].head != NULL && p->q[i].head->seq < lo)
			lo = p->q[i].head->seq;	/* each queue is in seq order but for keys put back */
	return lo - 1;
}

/*
 * Moves the watermark up to a floor once the broker has acknowledged every
 * publication queued when that floor was taken: what carried the changes
 * below it is then on the broker, and a crash loses nothing below it.  One
 * candidate (floor, publications queued then) waits for the PUBACKs to
 * reach it, so under a steady load, where something is always in flight,
 * the watermark still follows, one round trip behind.
 */
static void
publisher_sample(struct publisher *p)
{
	struct mqtt *m = p->d->mqtt;
	uint64_t published, acked;
	int64_t f;

	if (m == NULL)
		return;
	mqtt_acks(m, &published, &acked);
	if (p->cand_set && acked >= p->cand_published) {
		if (p->cand_floor > p->safe)
			p->safe = p->cand_floor;
		p->cand_set = false;
	}
	f = publisher_floor(p);
	if (acked >= published) {
		if (f > p->safe)
			p->safe = f;	/* nothing in flight: this floor holds now */
		p->cand_set = false;
	} else if (!p->cand_set) {
		p->cand_floor = f;
		p->cand_published = published;
		p->cand_set = true;
	}
}

/*
 * Marks one cell found at start (recover) with every ancestor, leaf or
 * not as the roster says, completeness included (unknown whether it
 * changed; publishing it again costs one message).
 */
static bool
publisher_recover_cell(void *arg, const char *area, const char *kind, const char *period)
{
	struct publisher *p = arg;
	char path[CB_AREA_MAX], parent[CB_AREA_MAX];

	snprintf(path, sizeof path, "%s", area);
	for (;;) {
		const struct area *a = roster_area(p->d->roster, path);

		if (!publisher_add(p, path, kind, period, a == NULL || a->child == NULL, true, p->safe + 1))
			return false;
		if (!topic_area_parent(path, parent, sizeof parent))
			return true;
		memcpy(path, parent, sizeof path);
	}
}

/*
 * At start: reads the watermark and marks every cell the journal rows after
 * it changed, so what a crash left unpublished goes out once the broker is
 * reached (publisher_flush on connect).  False on a store error (or out of
 * memory); the store's error says which.
 */
static bool
publisher_recover(struct publisher *p)
{
	struct store *s = p->d->store;
	int64_t mark, last;

	if (!store_publish_mark(s, &mark, &last))
		return false;
	p->safe = p->saved = p->saving = mark;
	p->next_seq = last + 1;
	if (!store_publish_cells(s, mark, publisher_recover_cell, p))
		return false;
	p->d->metrics.publish_pending = p->count;
	if (p->count > 0)
		log_info("publish: %zu rollups changed after journal seq %lld (of %lld) are published again",
		    p->count, (long long)mark, (long long)last);
	return true;
}

bool
publisher_save(struct publisher *p)
{
	publisher_sample(p);
	if (p->safe != p->saved && !store_publish_mark_set(p->d->store, p->safe))
		return false;
	p->saving = p->safe;
	return true;
}

void
publisher_committed(struct publisher *p)
{
	p->saved = p->saving;
	rollcache_committed(p->d->cache, publisher_mark, p);
	p->next_seq = store_journal_next(p->d->store);
}

void
publisher_mark(void *arg, const struct cell *c)
{
	struct publisher *p = arg;
	const struct area *a = roster_area(p->d->roster, c->area);

	if (!publisher_add(p, c->area, c->kind->code, c->pstr, a == NULL || a->child == NULL, c->regroup,
	    p->next_seq))
		log_warnx("publish: out of memory: %s/%s/%s not published", c->area, c->kind->code, c->pstr);
	p->d->metrics.publish_pending = p->count;
	publisher_arm(p, p->d->conf.rollup_interval * 1000);
}

/* How a completeness payload names area n under a: relative path, or a's own last slug. */
static const char *
area_rel(const struct area *n, const struct area *a, size_t skip)
{
	const char *slash;

	if (n != a)
		return n->path + skip;
	slash = strrchr(n->path, '/');
	return slash ? slash + 1 : n->path;
}

/*
 * Lists the expected areas under a (itself included) that have reported
 * (own reports in effect) and those missing, as paths relative to a.
 * Returns the number reported (-1 on a store error); *nrep and *nmiss get
 * the listed counts.
 */
static int
publisher_walk(struct publisher *p, const struct area *a, const struct kind *k,
    const struct period *per, size_t *nrep, size_t *nmiss)
{
	struct daemon *d = p->d;
	size_t skip = strlen(a->path) + 1;
	int reported = 0;
	bool sub_exp = false, sub_rep = false;	/* of the sub-area of a being walked */

	*nrep = *nmiss = 0;
	p->sub_reported = p->sub_expected = 0;
	for (const struct area *n = a; n != NULL;) {
		if (n->parent == a) {	/* a new sub-area (a village under a county): count the last */
			p->sub_expected += sub_exp;
			p->sub_reported += sub_rep;
			sub_exp = sub_rep = false;
		}
		if (n->expected) {
			int rep = rollcache_reported(d->cache, d->store, n->path, k, per);
			const char *rel = area_rel(n, a, skip);

			if (rep < 0)
				return -1;
			sub_exp |= n != a;
			sub_rep |= n != a && rep > 0;
			if (rep > 0) {
				reported++;
				if (*nrep < PUB_LIST_MAX)
					p->reported[(*nrep)++] = rel;
			} else if (*nmiss < PUB_LIST_MAX)
				p->missing[(*nmiss)++] = rel;
		}
		if (n->child != NULL) {
			n = n->child;
			continue;
		}
		while (n != a && n->sibling == NULL)
			n = n->parent;
		n = n == a ? NULL : n->sibling;
	}
	p->sub_expected += sub_exp;
	p->sub_reported += sub_rep;
	return reported;
}

/* Encodes the completeness payload, shortening the lists until it fits. */
static size_t
publisher_completeness(struct publisher *p, const char *area, const char *kind, const char *period,
    size_t nrep, size_t nmiss, const char *stamp)
{
	int64_t sr = p->sub_reported, se = p->sub_expected;
	size_t len = completeness_encode_sub(area, kind, period, p->reported, nrep, p->missing, nmiss,
	    stamp, sr, se, p->next_seq - 1, p->buf, sizeof p->buf);

	if (len == 0)
		nrep = 0;
	while (len == 0 && nmiss > 0) {
		len = completeness_encode_sub(area, kind, period, p->reported, 0, p->missing, nmiss,
		    stamp, sr, se, p->next_seq - 1, p->buf, sizeof p->buf);
		nmiss /= 2;
	}
	if (len == 0)
		len = completeness_encode_sub(area, kind, period, NULL, 0, NULL, 0, stamp, sr, se,
		    p->next_seq - 1, p->buf, sizeof p->buf);
	return len;
}

/* Publishes one retained payload; false when it could not be queued. */
static bool
publisher_send(struct publisher *p, const char *topic, size_t len)
{
	return topic[0] != '\0' && len > 0 && mqtt_publish(p->d->mqtt, topic, p->buf, len, true, NULL);
}

/*
 * Publishes the rollup of one key (also as …/current when its period is the
 * current one) and its completeness.  Returns false to keep the key for
 * later (broker away, database error); a key the catalog no longer knows is
 * dropped.
 */
static bool
publisher_one(struct publisher *p, const struct pubkey *key)
{
	struct daemon *d = p->d;
	const struct kind *k = catalog_kind(d->catalog, key->kind);
	char topic[CB_TOPIC_MAX], stamp[TZ_STAMP_MAX];
	struct period per, cur;
	size_t nrep = 0, nmiss = 0, len;
	int reported = 0;

	if (k == NULL || period_parse(key->period, strlen(key->period), k->period, &per) != CB_OK)
		return true;
	struct cell *c = rollcache_get(d->cache, d->store, key->area, k, &per);
	const struct area *a = roster_area(d->roster, key->area);

	if (c == NULL) {
		log_warnx("publish %s/%s/%s: %s", key->area, key->kind, key->period, store_error(d->store));
		return false;
	}
	/* The walk over every area under a: for completeness, or when the count is not known. */
	if (a != NULL && !key->comp && c->nreported >= 0 && c->nreported_gen == d->roster_gen)
		reported = c->nreported;
	else if (a != NULL && (reported = publisher_walk(p, a, k, &per, &nrep, &nmiss)) < 0) {
		log_warnx("publish %s/%s/%s: %s", key->area, key->kind, key->period, store_error(d->store));
		return false;
	} else if (a != NULL) {
		c->nreported = reported;
		c->nreported_gen = d->roster_gen;
	}
	tz_format(c->updated_at, stamp, sizeof stamp);
	/* seq: the last committed journal row, so a later publication never carries less (federation). */
	len = rollup_encode_seq(key->area, k, key->period, c->st, (unsigned)reported, a ? a->nexpected : 0,
	    stamp, p->next_seq - 1, p->buf, sizeof p->buf);
	topic_rollup(d->conf.prefix, key->area, key->kind, key->period, topic, sizeof topic);
	if (!publisher_send(p, topic, len))
		return !mqtt_connected(d->mqtt) ? false : true;
	d->metrics.rollups_published++;
	int64_t now = tz_now();

	cur = period_of(k->period, now, tz_offset(now));
	if (period_cmp(&cur, &per) == 0) {
		topic_rollup(d->conf.prefix, key->area, key->kind, "current", topic, sizeof topic);
		if (publisher_send(p, topic, len))
			d->metrics.rollups_published++;
	}
	if (!key->comp || (a != NULL && a->child == NULL))
		return true;	/* unchanged; or a group's, which is its own rollup's "reported" */
	len = publisher_completeness(p, key->area, key->kind, key->period, nrep, nmiss, stamp);
	topic_completeness(d->conf.prefix, key->area, key->kind, key->period, topic, sizeof topic);
	if (publisher_send(p, topic, len))
		d->metrics.completeness_published++;
	return true;
}

/* Unlinks the first key of queue qi (the caller frees it), or NULL. */
static struct pubkey *
publisher_pop(struct publisher *p, int qi)
{
	struct pubq *q = &p->q[qi];
	struct pubkey *k = q->head, **pp;

	if (k == NULL)
		return NULL;
	if ((q->head = k->next) == NULL)
		q->tail = &q->head;
	for (pp = &p->buckets[k->hash & (p->nbuckets - 1)]; *pp != k; pp = &(*pp)->hnext)
		;
	*pp = k->hnext;
	p->count--;
	return k;
}

/*
 * The queue to publish from next: the upper one while it has keys, else the
 * leaf one once its first key is due (any time when flushing).  -1 when
 * nothing may go now; p->wait_us then says for how long a leaf key waits.
 */
static int
publisher_next(struct publisher *p, bool flush)
{
	const struct pubkey *k = p->q[PUB_LEAF].head;
	int64_t due;

	if (p->q[PUB_UPPER].head != NULL)
		return PUB_UPPER;
	if (k == NULL)
		return -1;
	due = k->since_us + p->d->conf.leaf_rollup_interval * 1000;
	if (flush || mono_us() >= due)
		return PUB_LEAF;
	p->wait_us = due - mono_us();
	return -1;
}

/*
 * Publishes up to max pending keys while the broker keeps up (those that
 * must wait go back on their queue).  Returns PUB_DONE, PUB_MORE (keys that
 * could go now remain), PUB_BACKLOG (the broker has not acknowledged enough
 * of what went before: receipts come first, and the keys coalesce while
 * they wait) or PUB_WAIT (only leaf keys not yet due remain).  flush
 * publishes everything, ignoring both waits.
 */
static int
publisher_some(struct publisher *p, size_t max, bool flush)
{
	struct mqtt *m = p->d->mqtt;
	size_t i;
	struct pubkey *k;
	int more = PUB_DONE, qi;

	publisher_sample(p);
	for (i = 0; i < max && p->count > 0 && mqtt_connected(m); i++) {
		if (!flush && mqtt_inflight(m) >= PUB_INFLIGHT_MAX) {
			more = PUB_BACKLOG;
			break;
		}
		if ((qi = publisher_next(p, flush)) < 0) {
			more = PUB_WAIT;
			break;
		}
		if ((k = publisher_pop(p, qi)) == NULL)
			break;
		if (!publisher_one(p, k)) {
			/* Back at the tail, out of seq order: the watermark must see it. */
			if (k->seq < p->readd_seq)
				p->readd_seq = k->seq;
			if (!publisher_add(p, k->area, k->kind, k->period, k->leaf, k->comp, k->seq))
				log_warnx("publish: out of memory: %s/%s/%s dropped", k->area, k->kind, k->period);
		}
		free(k);
	}
	if (more == PUB_DONE && i == max && p->count > 0 && mqtt_connected(m))
		more = PUB_MORE;
	p->d->metrics.publish_pending = p->count;
	p->d->metrics.cache_cells = rollcache_size(p->d->cache);
	mqtt_flush(m);
	return more;
}

/*
 * A slice of the pending keys per turn of the loop, so a large burst of
 * changes never holds up reading and committing for long: the rest goes on
 * the next turn, or a little later when the broker lags.
 */
static void
publisher_run(struct publisher *p)
{
	int more;

	if (!mqtt_connected(p->d->mqtt))
		return;	/* publisher_flush runs again on connect */
	if (batch_held(p->d->batch))
		more = PUB_BACKLOG;	/* the cache holds uncommitted changes: after the commit */
	else
		more = publisher_some(p, PUB_SLICE, false);
	if (more != PUB_DONE)
		publisher_arm(p, more == PUB_BACKLOG ? PUB_BACKLOG_US : more == PUB_WAIT ? p->wait_us : 0);
}

void
publisher_flush(struct publisher *p)
{
	if (p->armed) {
		evtimer_del(p->ev);
		p->armed = false;
	}
	if (batch_held(p->d->batch)) {
		publisher_run(p);	/* after the commit */
		return;
	}
	while (publisher_some(p, PUB_SLICE, true) == PUB_MORE)
		;
}
