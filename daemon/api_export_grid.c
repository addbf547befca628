/*
 * api_export_grid.c — the ledger (台账) as officials keep it, built for the
 * exports: for an area and each kind and period asked for, a table with a
 * row per child area (groups under a village, villages under a township;
 * the area itself when it has none), the rollup cell of each field and
 * the total (lib/grid.c).  Children that did not report keep their row,
 * empty.  api_export.c writes the tables as CSV, api_export_xlsx.c as a
 * workbook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_export.h"
#include "store_query.h"
#include "store_query_grid.h"

/* Copies the name and depth of the area found (store_query_area_get). */
static bool
area_found(void *arg, const struct sq_area *a)
{
	struct export_grid *x = arg;

	snprintf(x->area_name, sizeof x->area_name, "%s", *a->name ? a->name : a->path);
	x->area_depth = a->depth;
	return true;
}

/* Adds a table for kind k and period; false when there are too many already. */
static bool
table_add(struct export_grid *x, const struct kind *k, const char *period)
{
	if (x->ntables >= EXPORT_TABLES_MAX)
		return false;
	x->tables[x->ntables].k = k;
	snprintf(x->tables[x->ntables].period, CB_PERIOD_MAX, "%s", period);
	x->ntables++;
	return true;
}

/* The kind whose periods are being listed, for period_found. */
struct period_walk {
	struct export_grid *x;
	const struct kind *k;
	bool full;
};

static bool
period_found(void *arg, const char *period)
{
	struct period_walk *w = arg;

	if (!table_add(w->x, w->k, period)) {
		w->full = true;
		return false;
	}
	return true;
}

/*
 * Lists the tables: each kind asked for (every kind of the catalog by
 * default) in catalog order, for the period asked for when it is of the
 * kind's type, else for every period of the kind with a report under the
 * area.  Answers and returns false on a failure or too many tables.
 */
static bool
tables_list(struct export_grid *x)
{
	const struct catalog *c = api_catalog(x->r->api);

	for (size_t i = 0; c != NULL && i < c->nkinds; i++) {
		const struct kind *k = &c->kinds[i];
		struct period_walk w = { .x = x, .k = k };
		bool ok;

		if (x->f.kind != NULL && x->f.kind != k)
			continue;
		if (*x->f.period) {
			ok = true;
			if (api_period_valid(k, x->f.period) && !table_add(x, k, x->f.period))
				w.full = true;
		} else {
			ok = store_query_periods(x->r->api->sq, x->f.area, k->code, period_found, &w);
		}
		if (w.full) {
			api_error(x->r, 400, "bad_parameter", "the ledger would have more than %d tables "
			    "(one per kind and period): give kind or period", EXPORT_TABLES_MAX);
			return false;
		}
		if (!ok) {
			api_fail(x->r, store_query_error(x->r->api->sq));
			return false;
		}
	}
	return true;
}

bool
export_grid_begin(struct api_req *r, struct export_grid *x)
{
	const char *lang = api_param(r, "lang"), *layout = api_param(r, "layout");

	memset(x, 0, sizeof *x);
	x->r = r;
	if (!api_filter_parse(r, &x->f))
		return false;
	if (lang != NULL && !lang_parse(lang, &x->lang)) {
		api_error(r, 400, "bad_parameter", "lang=%.16s: give zh or en", lang);
		return false;
	}
	if (layout != NULL && strcmp(layout, "grid") != 0) {
		api_error(r, 400, "bad_parameter", "layout=%.16s: the workbook is the grid ledger only "
		    "(layout=grid); the ledger with one row per field is /v1/export.csv", layout);
		return false;
	}
	if (*x->f.area) {
		int found = store_query_area_get(r->api->sq, x->f.area, area_found, x);
		if (found < 0) {
			api_fail(r, store_query_error(r->api->sq));
			return false;
		}
		if (found == 0) {
			api_error(r, 404, "not_found", "area %s: no such area in the roster", x->f.area);
			return false;
		}
	}
	if ((x->tables = calloc(EXPORT_TABLES_MAX, sizeof *x->tables)) == NULL) {
		api_internal(r, "out of memory");
		return false;
	}
	if (!tables_list(x)) {
		export_grid_end(x);
		return false;
	}
	return true;
}

/* The grid being filled, and the row of the area the query is on. */
struct grid_fill {
	struct export_grid *x;
	struct grid_row *row;
	bool oom;
};

/* Adds one (area, field) of the query: a new row at each new area, the field's cell into it. */
static bool
grid_cell_found(void *arg, const struct sq_grid_cell *c)
{
	struct grid_fill *gf = arg;
	struct grid *g = &gf->x->g;
	const struct field *f;

	if (gf->row == NULL || strcmp(gf->row->path, c->path) != 0) {
		if ((gf->row = grid_row_add(g, c->path, c->name, c->depth)) == NULL) {
			gf->oom = true;
			return false;
		}
		gf->row->leaf = c->leaf;
	}
	/* A cell stored at another scale than the catalog's (a catalog changed since) is left out. */
	if (c->field != NULL && (f = kind_field(g->k, c->field)) != NULL && c->scale == f->scale) {
		gf->row->st[f->index] = c->st;
		gf->row->have[f->index] = true;
	}
	return true;
}

/* Fills x->g with the rows of one table: the area's children, or the area itself if it has none. */
static bool
grid_fill(struct export_grid *x, const struct export_table *t)
{
	struct grid_fill gf = { .x = x };
	struct store_query *q = x->r->api->sq;

	grid_reset(&x->g, t->k, t->period);
	if (!store_query_grid(q, x->f.area, false, t->k->code, t->period, grid_cell_found, &gf) ||
	    (!gf.oom && x->g.nrows == 0 && *x->f.area &&
	    !store_query_grid(q, x->f.area, true, t->k->code, t->period, grid_cell_found, &gf))) {
		x->failed = store_query_error(q);
		return false;
	}
	if (gf.oom) {
		snprintf(x->why, sizeof x->why, "more than %d areas under %s, or out of memory: "
		    "ask for a smaller area", GRID_ROWS_MAX, *x->f.area ? x->f.area : "the roster");
		x->failed = x->why;
		return false;
	}
	if (!grid_total(&x->g, x->why, sizeof x->why)) {
		x->failed = x->why;
		return false;
	}
	return true;
}

bool
export_grid_each(struct export_grid *x, bool (*fn)(void *arg, struct export_grid *x), void *arg)
{
	for (size_t i = 0; i < x->ntables; i++) {
		const struct export_table *t = &x->tables[i];

		if (!grid_fill(x, t))
			return false;
		snprintf(x->title, sizeof x->title, "%s%s%s %s", x->area_name, *x->area_name ? " " : "",
		    kind_name(t->k, x->lang), t->period);
		x->level = grid_level_name(x->g.nrows > 0 ? x->g.rows[0].depth : x->area_depth + 1, x->lang);
		if (!fn(arg, x))
			return false;
	}
	return true;
}

void
export_grid_end(struct export_grid *x)
{
	free(x->tables);
	x->tables = NULL;
	x->ntables = 0;
	grid_free(&x->g);
}

void
export_filename(const struct api_filter *f, const char *tail, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "attachment; filename=\"cunbao%s%s%s%s%s%s%s\"",
	    *f->area ? "-" : "", f->area, f->kind ? "-" : "", f->kind ? f->kind->code : "",
	    *f->period ? "-" : "", f->period, tail);
	for (char *p = strchr(buf, '"'); p != NULL && *p != '\0'; p++)
		if (*p == '/')
			*p = '-';
}
