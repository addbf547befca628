/*
 * meta.c — the retained meta topics (meta.h): the roster's area names and
 * the catalog's kinds, fields and units, encoded here and published on
 * cunbaod's connection.
 *
 * What was last published is remembered as a list of (topic, payload hash)
 * sorted by topic, so that a roster change republishes only the areas it
 * touched and clears the topics of areas and kinds that are gone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "daemon.h"
#include "jsonw.h"
#include "log.h"
#include "meta.h"
#include "mqtt.h"
#include "roster.h"
#include "topic.h"

struct meta_item {
	char *topic;		/* owned */
	uint64_t hash;		/* FNV-1a of the payload */
};

struct meta {
	size_t n;
	struct meta_item *v;	/* owned, sorted by topic */
};

struct meta *
meta_new(void)
{
	return calloc(1, sizeof(struct meta));
}

/* Frees the items of a list of n. */
static void
items_free(struct meta_item *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].topic);
	free(v);
}

void
meta_free(struct meta *m)
{
	if (m == NULL)
		return;
	items_free(m->v, m->n);
	free(m);
}

static uint64_t
fnv1a(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static int
item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct meta_item *)a)->topic, ((const struct meta_item *)b)->topic);
}

/* {"area":…,"name":…,"expected":…,"expected_under":…,"leaf":…}; 0 when it does not fit. */
static size_t
area_encode(const struct area *a, char *buf, size_t buflen)
{
	struct jsonw w;

	jsonw_init(&w, buf, buflen);
	jsonw_obj(&w);
	jsonw_key(&w, "area");
	jsonw_str(&w, a->path);
	jsonw_key(&w, "name");
	jsonw_str(&w, a->name);
	jsonw_key(&w, "expected");
	jsonw_bool(&w, a->expected);
	jsonw_key(&w, "expected_under");
	jsonw_int(&w, a->nexpected);
	jsonw_key(&w, "leaf");
	jsonw_bool(&w, a->child == NULL);
	jsonw_end(&w);
	return jsonw_finish(&w);
}

/* Writes key: the zh and en strings as "<key>_zh" and "<key>_en". */
static void
pair_encode(struct jsonw *w, const char *key, const char *zh, const char *en)
{
	char k[32];

	snprintf(k, sizeof k, "%s_zh", key);
	jsonw_key(w, k);
	jsonw_str(w, zh);
	snprintf(k, sizeof k, "%s_en", key);
	jsonw_key(w, k);
	jsonw_str(w, en);
}

/* One field of a kind's payload. */
static void
field_encode(struct jsonw *w, const struct field *f)
{
	jsonw_obj(w);
	jsonw_key(w, "field");
	jsonw_str(w, f->code);
	pair_encode(w, "name", f->name_zh, f->name_en);
	pair_encode(w, "unit", f->unit_zh, f->unit_en);
	jsonw_key(w, "type");
	jsonw_str(w, field_type_name(f->type));
	jsonw_key(w, "scale");
	jsonw_int(w, f->scale);
	jsonw_key(w, "agg");
	jsonw_str(w, agg_name(f->agg));
	jsonw_end(w);
}

/* A kind with its fields in the catalog's order; 0 when it does not fit. */
static size_t
kind_encode(const struct kind *k, char *buf, size_t buflen)
{
	struct jsonw w;

	jsonw_init(&w, buf, buflen);
	jsonw_obj(&w);
	jsonw_key(&w, "kind");
	jsonw_str(&w, k->code);
	pair_encode(&w, "name", k->name_zh, k->name_en);
	jsonw_key(&w, "order");
	jsonw_int(&w, k->index);
	jsonw_key(&w, "period");
	jsonw_str(&w, period_type_name(k->period));
	jsonw_key(&w, "deadline");
	jsonw_obj(&w);
	jsonw_key(&w, "day");
	jsonw_int(&w, k->deadline.day);
	jsonw_key(&w, "hour");
	jsonw_int(&w, k->deadline.hour);
	jsonw_end(&w);
	jsonw_key(&w, "fields");
	jsonw_arr(&w);
	for (size_t i = 0; i < k->nfields; i++)
		field_encode(&w, &k->fields[i]);
	jsonw_end(&w);
	jsonw_end(&w);
	return jsonw_finish(&w);
}

/*
 * Publishes payload on topic when all, or when old (sorted, n) lacks the
 * topic or holds another hash; records it in *out.  False when the
 * publication failed or memory ran out.
 */
static bool
item_put(struct daemon *d, const struct meta *old, bool all, struct meta_item *out,
    const char *topic, const char *payload, size_t len)
{
	struct meta_item key = { .topic = (char *)topic }, *was;

	out->hash = fnv1a(payload, len);
	if ((out->topic = strdup(topic)) == NULL)
		return false;
	was = old->n > 0 ? bsearch(&key, old->v, old->n, sizeof *old->v, item_cmp) : NULL;
	if (!all && was != NULL && was->hash == out->hash)
		return true;
	return mqtt_publish(d->mqtt, topic, payload, len, true, NULL);
}

/* Clears (empty retained message) every topic of old that now lacks (sorted, n). */
static bool
items_clear(struct daemon *d, const struct meta *old, const struct meta_item *now, size_t n)
{
	for (size_t i = 0; i < old->n; i++)
		if (bsearch(&old->v[i], now, n, sizeof *now, item_cmp) == NULL &&
		    !mqtt_publish(d->mqtt, old->v[i].topic, "", 0, true, NULL))
			return false;
	return true;
}

/*
 * Encodes and publishes every area and kind into v (room for all of them);
 * *n gets the number recorded.  False when a publication failed.
 */
static bool
meta_put_all(struct meta *m, struct daemon *d, bool all, struct meta_item *v, size_t *n)
{
	char topic[CB_TOPIC_MAX], buf[CB_PAYLOAD_MAX];
	size_t len;

	*n = 0;
	for (size_t i = 0; i < roster_nareas(d->roster); i++) {
		const struct area *a = roster_area_at(d->roster, i);

		snprintf(topic, sizeof topic, "%s/meta/area/%s", d->conf.prefix, a->path);
		if ((len = area_encode(a, buf, sizeof buf)) == 0) {
			log_warnx("meta: area %s does not fit %d bytes; not published", a->path, CB_PAYLOAD_MAX);
			continue;
		}
		if (!item_put(d, m, all, &v[(*n)++], topic, buf, len))
			return false;
	}
	for (size_t i = 0; i < d->catalog->nkinds; i++) {
		const struct kind *k = &d->catalog->kinds[i];

		snprintf(topic, sizeof topic, "%s/meta/kind/%s", d->conf.prefix, k->code);
		if ((len = kind_encode(k, buf, sizeof buf)) == 0) {
			log_warnx("meta: kind %s does not fit %d bytes; not published", k->code, CB_PAYLOAD_MAX);
			continue;
		}
		if (!item_put(d, m, all, &v[(*n)++], topic, buf, len))
			return false;
	}
	return true;
}

void
meta_publish(struct meta *m, struct daemon *d, bool all)
{
	size_t cap, n = 0;
	struct meta_item *v;

	if (m == NULL || d->mqtt == NULL || !mqtt_connected(d->mqtt) || d->roster == NULL ||
	    d->catalog == NULL)
		return;
	cap = roster_nareas(d->roster) + d->catalog->nkinds;
	if ((v = calloc(cap + 1, sizeof *v)) == NULL) {
		log_warnx("meta: out of memory; names and units not published");
		return;
	}
	if (!meta_put_all(m, d, all, v, &n)) {
		/* The broker went away: the next connect publishes everything again. */
		log_warnx("meta: publication failed; retried on the next connect");
		items_free(v, cap);
		return;
	}
	qsort(v, n, sizeof *v, item_cmp);
	if (!items_clear(d, m, v, n)) {
		items_free(v, cap);
		return;
	}
	items_free(m->v, m->n);
	m->v = v;
	m->n = n;
	mqtt_flush(d->mqtt);
	log_debug("meta: %zu area and kind topics%s", n, all ? ", all published" : "");
}
