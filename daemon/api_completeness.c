/*
 * api_completeness.c — GET /v1/completeness: per area, kind and period,
 * which expected groups reported and exactly which have not, with the
 * leaders to call.  Without kind, every kind of the catalog (whose period
 * type fits the period given); without period, each kind's current one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "jsonw.h"
#include "period.h"
#include "store_query.h"

#define GROUPS_MAX 4096		/* groups listed in one item */

/* The groups of one item, gathered before writing. */
struct groups {
	struct api_req *r;
	size_t nreported, nmissing;
	char (*reported)[CB_AREA_MAX];
	struct missing {
		char path[CB_AREA_MAX];
		char name[128];
	} *missing;
	bool truncated;
};

static bool
group_row(void *arg, const struct sq_group *g)
{
	struct groups *gs = arg;

	if (!g->expected)
		return true;
	if (gs->nreported + gs->nmissing == GROUPS_MAX) {
		gs->truncated = true;
		return false;
	}
	if (g->reported) {
		snprintf(gs->reported[gs->nreported++], CB_AREA_MAX, "%s", g->path);
	} else {
		struct missing *m = &gs->missing[gs->nmissing++];
		snprintf(m->path, sizeof m->path, "%s", g->path);
		snprintf(m->name, sizeof m->name, "%s", g->name);
	}
	return true;
}

static bool
leader_row(void *arg, const struct sq_reporter *rp)
{
	struct jsonw *w = arg;

	jsonw_obj(w);
	jsonw_key(w, "id"); jsonw_str(w, rp->id);
	jsonw_key(w, "name"); jsonw_str(w, rp->name);
	jsonw_key(w, "lang"); jsonw_str(w, rp->lang);
	jsonw_end(w);
	return true;
}

/* Writes the missing groups, each with its leaders. */
static bool
missing_write(struct api_req *r, struct jsonw *w, const struct groups *gs)
{
	jsonw_key(w, "missing");
	jsonw_arr(w);
	for (size_t i = 0; i < gs->nmissing; i++) {
		jsonw_obj(w);
		jsonw_key(w, "area"); jsonw_str(w, gs->missing[i].path);
		jsonw_key(w, "name"); jsonw_str(w, gs->missing[i].name);
		jsonw_key(w, "leaders");
		jsonw_arr(w);
		if (!store_query_reporters_at(r->api->sq, gs->missing[i].path, "leader", leader_row, w))
			return false;
		jsonw_end(w);
		jsonw_end(w);
	}
	jsonw_end(w);
	return true;
}

/*
 * Writes one item (area, kind k, period) to the list.  Returns NULL, or
 * what failed.
 */
static const char *
item_write(struct api_req *r, struct api_list *l, const char *area, const struct kind *k,
    const char *period, struct groups *gs, char *buf, size_t buflen)
{
	struct jsonw w;
	size_t n;

	gs->nreported = gs->nmissing = 0;
	gs->truncated = false;
	if (!store_query_groups(r->api->sq, area, k->code, period, group_row, gs))
		return store_query_error(r->api->sq);
	jsonw_init(&w, buf, buflen);
	jsonw_obj(&w);
	api_json_str(&w, "area", *area ? area : NULL);
	jsonw_key(&w, "kind"); jsonw_str(&w, k->code);
	jsonw_key(&w, "period"); jsonw_str(&w, period);
	jsonw_key(&w, "expected"); jsonw_int(&w, (int64_t)(gs->nreported + gs->nmissing));
	jsonw_key(&w, "reported");
	jsonw_arr(&w);
	for (size_t i = 0; i < gs->nreported; i++)
		jsonw_str(&w, gs->reported[i]);
	jsonw_end(&w);
	if (!missing_write(r, &w, gs))
		return store_query_error(r->api->sq);
	jsonw_key(&w, "truncated"); jsonw_bool(&w, gs->truncated);
	jsonw_end(&w);
	if ((n = jsonw_finish(&w)) == 0)
		return "a completeness item is too large to encode";
	api_list_item(l, buf, n);
	return NULL;
}

/* The period text for kind k: the one asked for (if of k's type), else k's current one. */
static bool
item_period(struct api_req *r, const struct kind *k, const char *asked, char *out, size_t outlen)
{
	if (*asked) {
		snprintf(out, outlen, "%s", asked);
		return api_period_valid(k, asked);
	}
	int64_t now = api_now();
	struct period p = period_of(k->period, now, api_utc_offset(r->api, now));
	return period_format(&p, out, outlen) > 0;
}

static void
completeness_local(struct api_req *r)
{
	struct api_filter f;
	const struct catalog *c = api_catalog(r->api);
	struct groups gs = { .r = r };
	const char *why = NULL;
	struct evbuffer *out = evbuffer_new();
	char *buf = malloc(GROUPS_MAX * 256);
	struct api_list l;

	gs.reported = calloc(GROUPS_MAX, sizeof *gs.reported);
	gs.missing = calloc(GROUPS_MAX, sizeof *gs.missing);
	if (out == NULL || buf == NULL || gs.reported == NULL || gs.missing == NULL) {
		api_internal(r, "out of memory");
	} else if (api_filter_parse(r, &f)) {
		api_list_begin(&l, out);
		for (size_t i = 0; c != NULL && i < c->nkinds && why == NULL; i++) {
			const struct kind *k = &c->kinds[i];
			char period[CB_PERIOD_MAX];
			if ((f.kind == NULL || f.kind == k) && item_period(r, k, f.period, period, sizeof period))
				why = item_write(r, &l, f.area, k, period, &gs, buf, GROUPS_MAX * 256);
		}
		api_list_end(&l, NULL);
		if (why != NULL)
			api_fail(r, why);
		else
			api_reply_json(r, 200, out);
	}
	free(gs.reported);
	free(gs.missing);
	free(buf);
	if (out != NULL)
		evbuffer_free(out);
}

void
api_get_completeness(struct api_req *r)
{
	if (!api_fed_answer(r, true))	/* a federating cunbaod answers for its own areas (api_children.c) */
		completeness_local(r);
}
