/*
 * senders.c — K publishers, each with a window of W messages awaiting
 * their receipts, all driven by one poll() loop in one thread (so the
 * bench takes as little of the machine as it can from what it measures).
 *
 * Sender k sends messages k, k+K, k+2K, ... of the stream: the same bytes
 * in every pass.  A message is done only when its receipt arrives; one
 * whose receipt has not come within the timeout is published again with
 * the same id (timeout doubled each time, up to 8×).  Latency is taken
 * from the first publish to the receipt.  A receipt for an id no longer
 * awaited (the second answer to a retried message) is counted as extra.
 */
#include "bench.h"
#include "payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STALL_US	(60 * 1000000LL)	/* no receipt for this long: the pass failed */
#define PING_EVERY_US	250000

struct slot {
	bool used;
	unsigned tries;
	int64_t t_first, deadline;
	struct msg m;
};

struct sender {
	struct pass *pass;
	int k;
	struct mq *mq;
	char source[CB_ID_MAX + 1];
	char ping_id[CB_ID_MAX + 1];
	bool ping_answered;
	uint64_t next;		/* next stream index of this sender */
	unsigned inflight;
	struct slot *slots;	/* W of them */
};

/* Open addressing (linear probing) from id to the slot awaiting it. */
struct idmap {
	struct slot **v;
	size_t mask;
};

struct pass {
	const struct target *t;
	const struct run_opts *o;
	const struct workload *w;
	struct run_result *r;
	struct sender *senders;
	struct mq **mqs;	/* the senders' clients, then the probe's */
	size_t nmqs;
	struct probe *probe;
	struct idmap map;
	uint64_t started, finished;	/* messages begun; receipted or skipped */
	int64_t t0, t_last;
	bool timed;
};

static uint64_t
id_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static size_t
idmap_find(const struct idmap *m, const char *id)
{
	size_t i = id_hash(id) & m->mask;

	while (m->v[i] != NULL && strcmp(m->v[i]->m.id, id) != 0)
		i = (i + 1) & m->mask;
	return i;
}

static void
idmap_put(struct idmap *m, struct slot *s)
{
	m->v[idmap_find(m, s->m.id)] = s;
}

/* Removes the entry at i, shifting back the entries of its probe run. */
static void
idmap_del(struct idmap *m, size_t i)
{
	size_t j = i;

	m->v[i] = NULL;
	for (;;) {
		j = (j + 1) & m->mask;
		if (m->v[j] == NULL)
			return;
		size_t home = id_hash(m->v[j]->m.id) & m->mask;
		/* Move v[j] into the hole unless its home lies cyclically in (i, j]. */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			m->v[i] = m->v[j];
			m->v[j] = NULL;
			i = j;
		}
	}
}

/* True if receipt status st is the one a message of class cls must get from cunbaod. */
static bool
status_fits(enum msg_class cls, enum receipt_status st)
{
	static const enum receipt_status want[MSG_CLASS_COUNT] = {
		[MSG_SMS] = RECEIPT_ACCEPTED, [MSG_REPORT] = RECEIPT_ACCEPTED,
		[MSG_BAD] = RECEIPT_REJECTED, [MSG_DUP] = RECEIPT_DUPLICATE,
	};
	return want[cls] == st;
}

/* Completes the slot awaiting receipt rc, if any: latency, counts, window. */
static void
receipt_match(struct sender *s, const struct receipt *rc)
{
	struct pass *p = s->pass;
	struct run_result *r = p->r;
	size_t i = idmap_find(&p->map, rc->id);
	struct slot *sl = p->map.v[i];
	int64_t now = bench_now_us();

	if (sl == NULL) {
		r->extra++;
		return;
	}
	idmap_del(&p->map, i);
	lat_add(&r->latency, now - sl->t_first);
	r->receipts++;
	r->status[rc->status < 3 ? rc->status : 0]++;
	r->by_class[sl->m.cls]++;
	r->unexpected += !status_fits(sl->m.cls, rc->status);
	sl->used = false;
	s->inflight--;
	p->finished++;
	p->t_last = now;
}

/* A receipt arrived on this sender's topic. */
static void
sender_message(void *arg, const char *topic, const void *payload, size_t len)
{
	struct sender *s = arg;
	struct receipt rc;
	char err[128];

	if (receipt_decode(payload, len, &rc, err, sizeof err) != CB_OK) {
		s->pass->r->bad_receipts++;
		return;
	}
	if (!s->ping_answered && strcmp(rc.id, s->ping_id) == 0) {
		s->ping_answered = true;
		return;
	}
	if (s->pass->timed)
		receipt_match(s, &rc);
	else
		s->pass->r->extra++;
}

/* Connects sender k and subscribes to its receipt topic. */
static bool
sender_open(struct pass *p, struct sender *s, int k, char *err, size_t errlen)
{
	char cid[96], topic[CB_TOPIC_MAX];

	s->pass = p;
	s->k = k;
	s->next = (uint64_t)k;
	snprintf(s->source, sizeof s->source, "bench-%s-%d", p->t->tag, k);
	snprintf(s->ping_id, sizeof s->ping_id, "%s:ping:%d", p->t->tag, k);
	snprintf(cid, sizeof cid, "%s-%d", s->source, (int)getpid());
	if ((s->slots = calloc(p->o->window, sizeof *s->slots)) == NULL) {
		snprintf(err, errlen, "out of memory for %u slots", p->o->window);
		return false;
	}
	if ((s->mq = mq_new(p->t->host, p->t->port, cid, sender_message, s, err, errlen)) == NULL)
		return false;
	if (topic_receipt(p->t->root, s->source, topic, sizeof topic) == 0 ||
	    !mq_subscribe(s->mq, topic, 1)) {
		snprintf(err, errlen, "%s: cannot subscribe to its receipts", s->source);
		return false;
	}
	return true;
}

/* A free slot of s (there is one whenever s->inflight < W). */
static struct slot *
slot_free(struct sender *s)
{
	for (unsigned i = 0; i < s->pass->o->window; i++)
		if (!s->slots[i].used)
			return &s->slots[i];
	return NULL;
}

/*
 * Starts the sender's next message: builds it, records it as awaited and
 * publishes it.  A repeat whose original is itself still awaited is
 * skipped (its receipt could not be told apart).  Returns false when the
 * sender has nothing more to send.
 */
static bool
sender_start(struct sender *s, int64_t now)
{
	struct pass *p = s->pass;
	struct run_result *r = p->r;
	struct slot *sl = slot_free(s);
	uint64_t i = s->next;

	if (sl == NULL || i >= p->o->messages)
		return false;
	s->next += (uint64_t)p->o->senders;
	if (!workload_message(p->w, p->t->root, p->t->tag, s->source, i, (uint64_t)p->o->senders,
	    p->o->window, &sl->m)) {
		fprintf(stderr, "bench: message %llu does not encode; skipped\n", (unsigned long long)i);
		p->finished++;
		return true;
	}
	if (sl->m.cls == MSG_DUP && p->map.v[idmap_find(&p->map, sl->m.id)] != NULL) {
		r->skipped_dups++;
		p->finished++;
		return true;
	}
	sl->used = true;
	sl->tries = 1;
	sl->t_first = now;
	sl->deadline = now + (int64_t)p->o->timeout_ms * 1000;
	idmap_put(&p->map, sl);
	s->inflight++;
	p->started++;
	r->sent++;
	r->publishes++;
	mq_publish(s->mq, sl->m.topic, sl->m.payload, sl->m.len, 1);	/* a refusal is retried */
	return true;
}

/*
 * Starts messages round-robin over the senders while windows have room
 * and, with a rate, while the schedule allows (message n is due at
 * t0 + n/rate).
 */
static void
pass_fill(struct pass *p, int64_t now)
{
	uint64_t allowed = UINT64_MAX;
	bool more = true;

	if (p->o->rate > 0)
		allowed = (uint64_t)((double)(now - p->t0) * p->o->rate / 1e6) + 1;
	while (more) {
		more = false;
		for (int k = 0; k < p->o->senders; k++) {
			struct sender *s = &p->senders[k];
			if (s->inflight < p->o->window && p->started + p->r->skipped_dups < allowed)
				more |= sender_start(s, now);
		}
	}
}

/* Publishes again, with the same id, every message whose receipt is overdue. */
static void
pass_retry(struct pass *p, int64_t now)
{
	for (int k = 0; k < p->o->senders; k++) {
		struct sender *s = &p->senders[k];
		for (unsigned i = 0; s->inflight > 0 && i < p->o->window; i++) {
			struct slot *sl = &s->slots[i];
			if (!sl->used || now < sl->deadline)
				continue;
			unsigned shift = sl->tries < 4 ? sl->tries : 3;
			sl->tries++;
			sl->deadline = now + ((int64_t)p->o->timeout_ms * 1000 << shift);
			p->r->retries++;
			p->r->publishes++;
			mq_publish(s->mq, sl->m.topic, sl->m.payload, sl->m.len, 1);
		}
	}
}

/* Pings from every sender until each has had its answer: the consumer is up. */
static bool
pass_ping(struct pass *p)
{
	int64_t end = bench_now_us() + (int64_t)p->o->ready_ms * 1000, next = 0;
	struct msg m;
	int answered = 0;

	while (answered < p->o->senders) {
		int64_t now = bench_now_us();
		if (now > end || (p->o->consumer != NULL && !proc_alive(p->o->consumer)))
			return false;
		answered = 0;
		for (int k = 0; k < p->o->senders; k++) {
			struct sender *s = &p->senders[k];
			answered += s->ping_answered;
			if (!s->ping_answered && now >= next &&
			    workload_ping(p->w, p->t->root, s->ping_id, s->source, &m))
				mq_publish(s->mq, m.topic, m.payload, m.len, 1);
		}
		if (now >= next)
			next = now + PING_EVERY_US;
		mq_poll(p->mqs, p->nmqs, 20);
	}
	return true;
}

/* The timed stream: until every message is receipted, or nothing moves for a minute. */
static bool
pass_stream(struct pass *p, char *err, size_t errlen)
{
	int64_t now = bench_now_us(), last_retry = now, last_progress = now;
	uint64_t last_finished = 0;

	p->t0 = p->t_last = now;
	p->timed = true;
	while (p->finished < p->o->messages) {
		now = bench_now_us();
		pass_fill(p, now);
		if (p->probe != NULL)
			probe_tick(p->probe, now, true);
		if (now - last_retry >= 10000) {
			pass_retry(p, now);
			last_retry = now;
		}
		mq_poll(p->mqs, p->nmqs, p->o->rate > 0 ? 1 : 10);
		if (p->finished != last_finished) {
			last_finished = p->finished;
			last_progress = now;
		} else if (now - last_progress > STALL_US ||
		    (p->o->consumer != NULL && now - last_progress > 1000000 &&
		    !proc_alive(p->o->consumer))) {
			snprintf(err, errlen, "stalled: %llu of %llu messages receipted, none for %llds",
			    (unsigned long long)p->r->receipts, (unsigned long long)p->o->messages,
			    (long long)((now - last_progress) / 1000000));
			return false;
		}
	}
	return true;
}

/* Lets the last probes see their rollups (at most 5 s), then takes their samples. */
static void
pass_drain_probes(struct pass *p)
{
	int64_t end = bench_now_us() + 5000000;

	if (p->probe == NULL)
		return;
	while (!probe_idle(p->probe) && bench_now_us() < end) {
		probe_tick(p->probe, bench_now_us(), false);
		mq_poll(p->mqs, p->nmqs, 10);
	}
	probe_result(p->probe, p->r);
}

static bool
pass_open(struct pass *p, char *err, size_t errlen)
{
	int K = p->o->senders;
	size_t cap = 16;

	while (cap < (size_t)K * p->o->window * 4)
		cap *= 2;
	p->senders = calloc((size_t)K, sizeof *p->senders);
	p->mqs = calloc((size_t)K + 1, sizeof *p->mqs);
	p->map.v = calloc(cap, sizeof *p->map.v);
	p->map.mask = cap - 1;
	if (p->senders == NULL || p->mqs == NULL || p->map.v == NULL) {
		snprintf(err, errlen, "out of memory for %d senders", K);
		return false;
	}
	for (int k = 0; k < K; k++) {
		if (!sender_open(p, &p->senders[k], k, err, errlen))
			return false;
		p->mqs[p->nmqs++] = p->senders[k].mq;
	}
	if (p->o->probes > 0) {
		p->probe = probe_new(p->t, p->w, p->o->probes, p->o->probe_gap_ms, err, errlen);
		if (p->probe == NULL)
			return false;
		p->mqs[p->nmqs++] = probe_mq(p->probe);
	}
	return true;
}

static void
pass_close(struct pass *p)
{
	for (int k = 0; p->senders != NULL && k < p->o->senders; k++) {
		if (p->senders[k].mq != NULL)
			p->r->reconnects += mq_reconnects(p->senders[k].mq);
		mq_free(p->senders[k].mq);
		free(p->senders[k].slots);
	}
	probe_free(p->probe);
	free(p->senders);
	free(p->mqs);
	free(p->map.v);
}

bool
senders_run(const struct target *t, const struct run_opts *o, const struct workload *w,
    struct run_result *r, char *err, size_t errlen)
{
	struct pass p = { .t = t, .o = o, .w = w, .r = r };
	bool ok;

	memset(r, 0, sizeof *r);
	ok = pass_open(&p, err, errlen);
	if (ok && !(r->ready = pass_ping(&p))) {
		snprintf(err, errlen, "the consumer answered no ping%s",
		    o->consumer != NULL && !proc_alive(o->consumer) ? ": it exited" : " in time");
		ok = false;
	}
	if (ok) {
		if (o->mark)
			o->mark(o->mark_arg, true);
		ok = pass_stream(&p, err, errlen);
		if (o->mark)
			o->mark(o->mark_arg, false);
		pass_drain_probes(&p);
	}
	r->complete = ok && p.finished == o->messages;
	r->seconds = (double)(p.t_last - p.t0) / 1e6;
	r->rate = r->seconds > 0 ? (double)r->receipts / r->seconds : 0;
	pass_close(&p);
	return ok;
}

void
run_result_free(struct run_result *r)
{
	if (r == NULL)
		return;
	lat_free(&r->latency);
	lat_free(&r->stale);
}
