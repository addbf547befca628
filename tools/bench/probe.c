/*
 * probe.c — rollup staleness: how long after a report's receipt (that is,
 * after its commit) the retained rollup shows it to a subscriber.
 *
 * Each of P probe villages has one group and one leader.  A probe sends a
 * report of the probe kind (a "last" count, so the village's rollup equals
 * the group's value) with a value never sent before, waits for its receipt
 * and then for the village's rollup to carry that value; the time between
 * the two is one sample (0 when the rollup came first).  One probe per
 * village is outstanding at a time, so a value seen is unambiguous.  The
 * probes run alongside the load, through the same broker and daemon.
 */
#include "bench.h"
#include "payload.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBE_RECEIPT_US	(5 * 1000000LL)	/* retry a probe without a receipt */
#define PROBE_ROLLUP_US		(10 * 1000000LL)	/* give up waiting for its rollup */

struct village {
	int64_t value;			/* the value last sent */
	int64_t seen;			/* the value last seen in the rollup */
	int64_t t_receipt, deadline, next_at;
	bool await_receipt, await_rollup;
	struct msg m;
};

struct probe {
	const struct target *t;
	const struct workload *w;
	struct mq *mq;
	int n;
	int64_t gap_us;
	struct village *v;
	char source[CB_ID_MAX + 1];
	char rollups[CB_TOPIC_MAX];	/* "<root>/rollup/probe/" */
	struct lat stale;
	uint64_t probes, lost, publishes;
};

/* The village index of area "probe/pNN" (the rollup's own level), or -1. */
static int
village_of(const struct probe *p, const char *rest)
{
	char area[CB_AREA_MAX];
	const char *kind = strchr(rest, '/');
	const char *k = workload_probe_kind(p->w);

	if (kind == NULL || strncmp(kind + 1, k, strlen(k)) != 0 || kind[1 + strlen(k)] != '/')
		return -1;
	for (int i = 0; i < p->n; i++) {
		workload_probe_area(p->w, i, area, sizeof area);
		/* rest is "pNN/<kind>/<period>"; area is "probe/pNN". */
		if (strncmp(rest, area + 6, (size_t)(kind - rest)) == 0 &&
		    strlen(area + 6) == (size_t)(kind - rest))
			return i;
	}
	return -1;
}

/* The probe field's value in a rollup payload; -1 if absent. */
static int64_t
rollup_value(const struct probe *p, const void *payload, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(payload, len);
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(root, "values");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(values, workload_probe_field(p->w));
	int64_t x = -1;

	if (cJSON_IsNumber(v))
		x = (int64_t)v->valuedouble;
	else if (cJSON_IsString(v))
		x = strtoll(v->valuestring, NULL, 10);
	cJSON_Delete(root);
	return x;
}

static void
on_rollup(struct probe *p, int i, int64_t x, int64_t now)
{
	struct village *v = &p->v[i];

	v->seen = x;
	if (v->await_rollup && x == v->value) {
		lat_add(&p->stale, now - v->t_receipt);
		v->await_rollup = false;
		v->next_at = now + p->gap_us;
	}
}

static void
on_receipt(struct probe *p, const void *payload, size_t len, int64_t now)
{
	struct receipt rc;
	char err[128];

	if (receipt_decode(payload, len, &rc, err, sizeof err) != CB_OK)
		return;
	for (int i = 0; i < p->n; i++) {
		struct village *v = &p->v[i];
		if (!v->await_receipt || strcmp(rc.id, v->m.id) != 0)
			continue;
		v->await_receipt = false;
		v->t_receipt = now;
		p->probes++;
		if (v->seen == v->value) {
			lat_add(&p->stale, 0);	/* the rollup came first */
			v->next_at = now + p->gap_us;
		} else {
			v->await_rollup = true;
			v->deadline = now + PROBE_ROLLUP_US;
		}
	}
}

static void
probe_message(void *arg, const char *topic, const void *payload, size_t len)
{
	struct probe *p = arg;
	int64_t now = bench_now_us();
	size_t plen = strlen(p->rollups);
	int i;

	if (strncmp(topic, p->rollups, plen) == 0) {
		if ((i = village_of(p, topic + plen)) >= 0)
			on_rollup(p, i, rollup_value(p, payload, len), now);
	} else {
		on_receipt(p, payload, len, now);
	}
}

struct probe *
probe_new(const struct target *t, const struct workload *w, int villages, int gap_ms,
    char *err, size_t errlen)
{
	struct probe *p = calloc(1, sizeof *p);
	char cid[96], receipts[CB_TOPIC_MAX], pattern[CB_TOPIC_MAX + 2];

	if (p == NULL || (p->v = calloc((size_t)villages, sizeof *p->v)) == NULL) {
		snprintf(err, errlen, "out of memory for %d probes", villages);
		probe_free(p);
		return NULL;
	}
	p->t = t;
	p->w = w;
	p->n = villages;
	p->gap_us = (int64_t)gap_ms * 1000;
	snprintf(p->source, sizeof p->source, "bench-%s-probe", t->tag);
	snprintf(p->rollups, sizeof p->rollups, "%s/rollup/probe/", t->root);
	snprintf(pattern, sizeof pattern, "%s#", p->rollups);
	snprintf(cid, sizeof cid, "%s-%d", p->source, (int)getpid());
	if ((p->mq = mq_new(t->host, t->port, cid, probe_message, p, err, errlen)) == NULL ||
	    topic_receipt(t->root, p->source, receipts, sizeof receipts) == 0 ||
	    !mq_subscribe(p->mq, receipts, 1) || !mq_subscribe(p->mq, pattern, 1)) {
		if (p->mq != NULL)
			snprintf(err, errlen, "%s: cannot subscribe", p->source);
		probe_free(p);
		return NULL;
	}
	return p;
}

void
probe_free(struct probe *p)
{
	if (p == NULL)
		return;
	mq_free(p->mq);
	lat_free(&p->stale);
	free(p->v);
	free(p);
}

struct mq *
probe_mq(struct probe *p)
{
	return p->mq;
}

/*
 * Per village: gives up on a rollup overdue, publishes again a probe whose
 * receipt is overdue (same id), and with `more` sends the next probe once
 * the previous one is done and the gap has passed.
 */
void
probe_tick(struct probe *p, int64_t now, bool more)
{
	for (int i = 0; i < p->n; i++) {
		struct village *v = &p->v[i];
		if (v->await_rollup && now > v->deadline) {
			v->await_rollup = false;
			p->lost++;
		}
		if (v->await_receipt && now > v->deadline) {
			v->deadline = now + PROBE_RECEIPT_US;
			mq_publish(p->mq, v->m.topic, v->m.payload, v->m.len, 1);
			p->publishes++;
		}
		if (!more || v->await_receipt || v->await_rollup || now < v->next_at)
			continue;
		if (!workload_probe(p->w, p->t->root, p->t->tag, p->source, i, v->value + 1, &v->m))
			continue;
		v->value++;
		v->await_receipt = true;
		v->deadline = now + PROBE_RECEIPT_US;
		mq_publish(p->mq, v->m.topic, v->m.payload, v->m.len, 1);
		p->publishes++;
	}
}

bool
probe_idle(const struct probe *p)
{
	for (int i = 0; i < p->n; i++)
		if (p->v[i].await_receipt || p->v[i].await_rollup)
			return false;
	return true;
}

/* Moves the samples into r (p keeps none) and adds the counts. */
void
probe_result(struct probe *p, struct run_result *r)
{
	for (int i = 0; i < p->n; i++)
		p->lost += p->v[i].await_rollup;
	lat_free(&r->stale);
	r->stale = p->stale;
	memset(&p->stale, 0, sizeof p->stale);
	r->probes = p->probes;
	r->probe_lost = p->lost;
}
