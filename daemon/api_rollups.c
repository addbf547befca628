/*
 * api_rollups.c — GET /v1/rollups: the stored rollups of a subtree, one item
 * per area, kind and period, in the very form cunbaod publishes them on
 * <root>/rollup/... (lib/rollup.h rollup_encode), paged by cell.
 */
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "rollup.h"
#include "store_query.h"

/* The cell being gathered from its rows, and the page around it. */
struct rollup_page {
	struct api_page pg;		/* last: the cell last written, "area\tkind\tperiod" */
	bool open;			/* cell holds rows */
	char area[CB_AREA_MAX], kind[CB_CODE_MAX + 1], period[CB_PERIOD_MAX];
	const struct kind *k;		/* NULL: a kind the catalog no longer has */
	struct rollup_state states[CB_MAX_FIELDS];
	int64_t updated_at;
};

/* Encodes the gathered cell as one list item. */
static void
cell_flush(struct rollup_page *rp)
{
	struct api_page *pg = &rp->pg;
	char buf[CB_PAYLOAD_MAX], at[40], key[API_CURSOR_MAX];
	unsigned expected = 0, reported = 0;
	size_t n;

	if (!rp->open)
		return;
	rp->open = false;
	if (rp->k == NULL)
		return;
	if (!store_query_counts(pg->r->api->sq, rp->area, rp->kind, rp->period, &expected, &reported)) {
		pg->failed = store_query_error(pg->r->api->sq);
		return;
	}
	api_time_format(pg->r->api, rp->updated_at, at, sizeof at);
	n = rollup_encode(rp->area, rp->k, rp->period, rp->states, reported, expected, at,
	    buf, sizeof buf);
	if (n == 0) {
		pg->failed = "a rollup is too large to encode";
		return;
	}
	snprintf(key, sizeof key, "%s\t%s\t%s", rp->area, rp->kind, rp->period);
	api_page_add(pg, buf, n, key);
}

/* Row callback: starts a new cell when area, kind or period change; stops after a full page. */
static bool
rollup_row(void *arg, const struct sq_rollup *row)
{
	struct rollup_page *rp = arg;
	const struct field *f;

	if (!rp->open || strcmp(rp->area, row->area) != 0 || strcmp(rp->kind, row->kind) != 0 ||
	    strcmp(rp->period, row->period) != 0) {
		cell_flush(rp);
		if (rp->pg.failed != NULL || !api_page_room(&rp->pg))
			return false;
		rp->open = true;
		snprintf(rp->area, sizeof rp->area, "%s", row->area);
		snprintf(rp->kind, sizeof rp->kind, "%s", row->kind);
		snprintf(rp->period, sizeof rp->period, "%s", row->period);
		rp->k = catalog_kind(api_catalog(rp->pg.r->api), row->kind);
		memset(rp->states, 0, sizeof rp->states);
		rp->updated_at = 0;
	}
	if (rp->k != NULL && (f = kind_field(rp->k, row->field)) != NULL && row->scale == f->scale)
		rp->states[f->index] = row->st;
	if (row->updated_at > rp->updated_at)
		rp->updated_at = row->updated_at;
	return true;
}

/* Splits a rollup cursor "area\tkind\tperiod"; false if it is not one. */
static bool
cursor_split(char *c, const char **area, const char **kind, const char **period)
{
	char *t1 = strchr(c, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;

	if (t2 == NULL)
		return false;
	*t1 = *t2 = '\0';
	*area = c;
	*kind = t1 + 1;
	*period = t2 + 1;
	return **area != '\0';
}

void
api_get_rollups(struct api_req *r)
{
	struct api_filter f;
	struct rollup_page rp = { .open = false };
	const char *aa = "", *ak = "", *ap = "";

	if (api_fed_answer(r, false))
		return;	/* a federating cunbaod: its areas above the children (api_children.c) */
	if (!api_filter_parse(r, &f))
		return;
	if (f.cursor[0] != '\0' && !cursor_split(f.cursor, &aa, &ak, &ap)) {
		api_error(r, 400, "bad_parameter", "cursor: not one this resource gave");
		return;
	}
	if (!api_page_begin(r, &rp.pg, f.limit))
		return;
	bool ok = store_query_rollups(r->api->sq, f.area, f.kind ? f.kind->code : "", f.period,
	    aa, ak, ap, rollup_row, &rp);
	if (ok && !rp.pg.more)
		cell_flush(&rp);
	api_page_send(&rp.pg, ok);
}
