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
	struct api_req *r;
	struct api_list list;
	unsigned limit;
	const char *failed;		/* why the page failed, NULL while it has not */
	bool more;			/* a cell beyond the page exists */
	bool open;			/* cell holds rows */
	char area[CB_AREA_MAX], kind[CB_CODE_MAX + 1], period[CB_PERIOD_MAX];
	const struct kind *k;		/* NULL: a kind the catalog no longer has */
	struct rollup_state states[CB_MAX_FIELDS];
	int64_t updated_at;
	char last_key[API_CURSOR_MAX];	/* the last cell written */
};

/* Encodes the gathered cell as one list item. */
static void
cell_flush(struct rollup_page *pg)
{
	char buf[CB_PAYLOAD_MAX], at[40];
	unsigned expected = 0, reported = 0;
	size_t n;

	if (!pg->open)
		return;
	pg->open = false;
	if (pg->k == NULL)
		return;
	if (!store_query_counts(pg->r->api->sq, pg->area, pg->kind, pg->period, &expected, &reported)) {
		pg->failed = store_query_error(pg->r->api->sq);
		return;
	}
	api_time_format(pg->r->api, pg->updated_at, at, sizeof at);
	n = rollup_encode(pg->area, pg->k, pg->period, pg->states, reported, expected, at,
	    buf, sizeof buf);
	if (n == 0) {
		pg->failed = "a rollup is too large to encode";
		return;
	}
	api_list_item(&pg->list, buf, n);
	snprintf(pg->last_key, sizeof pg->last_key, "%s\t%s\t%s", pg->area, pg->kind, pg->period);
}

/* Row callback: starts a new cell when area, kind or period change; stops after a full page. */
static bool
rollup_row(void *arg, const struct sq_rollup *row)
{
	struct rollup_page *pg = arg;
	const struct field *f;

	if (!pg->open || strcmp(pg->area, row->area) != 0 || strcmp(pg->kind, row->kind) != 0 ||
	    strcmp(pg->period, row->period) != 0) {
		cell_flush(pg);
		if (pg->failed != NULL)
			return false;
		if (pg->list.n == pg->limit) {
			pg->more = true;
			return false;
		}
		pg->open = true;
		snprintf(pg->area, sizeof pg->area, "%s", row->area);
		snprintf(pg->kind, sizeof pg->kind, "%s", row->kind);
		snprintf(pg->period, sizeof pg->period, "%s", row->period);
		pg->k = catalog_kind(api_catalog(pg->r->api), row->kind);
		memset(pg->states, 0, sizeof pg->states);
		pg->updated_at = 0;
	}
	if (pg->k != NULL && (f = kind_field(pg->k, row->field)) != NULL && row->scale == f->scale)
		pg->states[f->index] = row->st;
	if (row->updated_at > pg->updated_at)
		pg->updated_at = row->updated_at;
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
	struct rollup_page pg = { .r = r };
	const char *aa = "", *ak = "", *ap = "";
	struct evbuffer *out;

	if (!api_filter_parse(r, &f))
		return;
	if (f.cursor[0] != '\0' && !cursor_split(f.cursor, &aa, &ak, &ap)) {
		api_error(r, 400, "bad_parameter", "cursor: not one this resource gave");
		return;
	}
	if ((out = evbuffer_new()) == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	pg.limit = f.limit;
	api_list_begin(&pg.list, out);
	bool ok = store_query_rollups(r->api->sq, f.area, f.kind ? f.kind->code : "", f.period,
	    aa, ak, ap, rollup_row, &pg);
	if (ok && !pg.more)
		cell_flush(&pg);
	if (!ok || pg.failed != NULL) {
		if (ok)
			api_fail(r, pg.failed);
		else
			api_db_error(r);
	} else {
		api_list_end(&pg.list, pg.more ? pg.last_key : NULL);
		api_reply_json(r, 200, out);
	}
	evbuffer_free(out);
}
