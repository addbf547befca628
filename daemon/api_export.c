/*
 * api_export.c — GET /v1/export.csv: the ledger (台账) a village hands to the
 * township.  UTF-8 with a BOM (so spreadsheet programs read the Chinese
 * right), CRLF lines, one row per group, kind, period and field, names as
 * the roster and the catalog spell them.  Columns (docs/api.md):
 *
 *   乡镇,村,组,area,kind,种类,period,field,项目,value,unit,reporter,reported_at
 *
 * 乡镇/村/组 are the names of the group's grandparent, parent and itself;
 * value is the group's figure for the period as its rollup shows it; a group
 * that has not reported has a row with value, reporter and reported_at
 * empty.  Without period, every period of the kind that has a report in the
 * subtree; without kind, every kind.
 *
 * With layout=grid the same URL answers the ledger as officials keep it
 * (api_export_grid.c): a section per kind and period, a row per child area,
 * a column per field headed "牛（头）", a total row (合计).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_export.h"
#include "csv.h"
#include "dec.h"
#include "rollup.h"
#include "store_query.h"

static const char *const columns[] = {
	"乡镇", "村", "组", "area", "kind", "种类", "period", "field", "项目", "value", "unit",
	"reporter", "reported_at", NULL
};

struct ledger {
	struct api_req *r;
	struct evbuffer *out;
	const struct kind *k;
	const char *area;
	const char *period;
	struct rollup_state states[CB_MAX_FIELDS];
	bool have[CB_MAX_FIELDS];
	const char *failed;	/* NULL, or why the export failed */
	size_t rows;
};

/* The ledger's column that holds numbers; every other one holds text (csv_put_text). */
#define LEDGER_VALUE_COLUMN 9

/*
 * Appends one CSV line of the NULL-terminated cells to out, text cells
 * neutralised against spreadsheet formulas; false if a cell does not fit.
 */
static bool
csv_line(struct evbuffer *out, const char *const *cells)
{
	char line[4096];
	size_t off = 0;

	for (size_t i = 0; cells[i] != NULL; i++) {
		if (i > 0 && off + 1 < sizeof line)
			line[off++] = ',';
		if (!(i == LEDGER_VALUE_COLUMN ? csv_put : csv_put_text)(line, sizeof line, &off, cells[i]))
			return false;
	}
	evbuffer_add(out, line, off);
	evbuffer_add(out, "\r\n", 2);
	return true;
}

static bool
cell_row(void *arg, const struct sq_rollup *row)
{
	struct ledger *lg = arg;
	const struct field *f = kind_field(lg->k, row->field);

	if (f != NULL && row->scale == f->scale) {
		lg->states[f->index] = row->st;
		lg->have[f->index] = true;
	}
	return true;
}

/*
 * The figure of field f from its cell: for yes/no answered once, the
 * field's yes or no word; otherwise the rollup value as exact decimal text.
 */
static void
value_text(const struct field *f, const struct rollup_state *st, char *buf, size_t buflen)
{
	int64_t v;
	unsigned scale;

	buf[0] = '\0';
	if (f->type == FIELD_YESNO && st->count == 1) {
		const struct words *w = st->yes ? &f->yes : &f->no;
		snprintf(buf, buflen, "%s", w->n > 0 ? w->w[0] : (st->yes ? "1" : "0"));
	} else if (rollup_value(st, f, &v, &scale)) {
		dec_format(v, scale, true, buf, buflen);
	}
}

/* Writes the rows of one group (every field of the kind) for the ledger's kind and period. */
static bool
group_rows(void *arg, const struct sq_group *g)
{
	struct ledger *lg = arg;
	char at[40] = "", value[DEC_TEXT_MAX + CATALOG_WORD_MAX];
	const struct kind *k = lg->k;

	memset(lg->states, 0, sizeof lg->states);
	memset(lg->have, 0, sizeof lg->have);
	if (g->reported && !store_query_cell(lg->r->api->sq, g->path, k->code, lg->period, cell_row, lg)) {
		lg->failed = store_query_error(lg->r->api->sq);
		return false;
	}
	if (g->reported)
		api_time_format(lg->r->api, g->reported_at, at, sizeof at);
	const char *who = !g->reported ? "" : g->reporter_name && *g->reporter_name ? g->reporter_name
	    : g->reporter ? g->reporter : "";
	for (size_t i = 0; i < k->nfields; i++) {
		const struct field *f = &k->fields[i];
		value[0] = '\0';
		if (lg->have[i])
			value_text(f, &lg->states[i], value, sizeof value);
		const char *cells[] = { g->grandparent_name, g->parent_name, g->name, g->path,
			k->code, k->name_zh, lg->period, f->code, f->name_zh, value, f->unit_zh,
			who, at, NULL };
		if (!csv_line(lg->out, cells)) {
			lg->failed = "a ledger row is too long";
			return false;
		}
		lg->rows++;
	}
	return true;
}

/* Writes the rows of one period of the ledger's kind. */
static bool
period_rows(void *arg, const char *period)
{
	struct ledger *lg = arg;
	char p[CB_PERIOD_MAX];

	snprintf(p, sizeof p, "%s", period);
	lg->period = p;
	if (!store_query_groups(lg->r->api->sq, lg->area, lg->k->code, p, group_rows, lg) &&
	    lg->failed == NULL)
		lg->failed = store_query_error(lg->r->api->sq);
	return lg->failed == NULL;
}

/* The periods of one kind, gathered before the groups of each are queried. */
struct plist {
	char (*v)[CB_PERIOD_MAX];
	size_t n, cap;
	bool oom;
};

static bool
period_collect(void *arg, const char *period)
{
	struct plist *pl = arg;

	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 16;
		char (*v)[CB_PERIOD_MAX] = realloc(pl->v, cap * sizeof *v);
		if (v == NULL) {
			pl->oom = true;
			return false;
		}
		pl->v = v;
		pl->cap = cap;
	}
	snprintf(pl->v[pl->n++], CB_PERIOD_MAX, "%s", period);
	return true;
}

/* Writes every row of kind k: the period asked for, or each period that has reports. */
static void
kind_rows(struct ledger *lg, const struct kind *k, const char *period)
{
	struct plist pl = { 0 };

	lg->k = k;
	if (*period) {
		if (api_period_valid(k, period))
			period_rows(lg, period);
		return;
	}
	if (!store_query_periods(lg->r->api->sq, lg->area, k->code, period_collect, &pl))
		lg->failed = store_query_error(lg->r->api->sq);
	else if (pl.oom)
		lg->failed = "out of memory";
	for (size_t i = 0; i < pl.n && lg->failed == NULL; i++)
		period_rows(lg, pl.v[i]);
	free(pl.v);
}

/* Appends one cell to line at *off: number cells as they are, text neutralised against formulas. */
static bool
grid_put(char *line, size_t size, size_t *off, const char *s, bool number, bool first)
{
	if (!first && *off + 1 < size)
		line[(*off)++] = ',';
	return (number ? csv_put : csv_put_text)(line, size, off, s);
}

/* Appends the cells of one row of the table in hand (aggregate: the total, or an area with areas under it). */
static bool
grid_csv_row(struct evbuffer *out, const struct export_grid *x, const char *name,
    const struct rollup_state *st, const bool *have, bool aggregate)
{
	const struct kind *k = x->g.k;
	char line[8192];
	size_t off = 0;
	bool ok = grid_put(line, sizeof line, &off, name, false, true);

	for (size_t i = 0; ok && i < k->nfields; i++) {
		struct grid_cell c;
		if (!grid_cell(&k->fields[i], &st[i], have[i], aggregate, x->lang, &c))
			return false;
		ok = grid_put(line, sizeof line, &off, c.text, c.type == GRID_NUMBER, false);
	}
	if (ok) {
		evbuffer_add(out, line, off);
		evbuffer_add(out, "\r\n", 2);
	}
	return ok;
}

/*
 * Writes the table in hand as one section of the grid CSV: a blank line
 * before every section but the first, the title, the header, a row per
 * child area and the total.
 */
static bool
grid_csv_section(void *arg, struct export_grid *x)
{
	struct evbuffer *out = arg;
	const struct kind *k = x->g.k;
	char line[8192], head[CATALOG_NAME_MAX + CATALOG_WORD_MAX + 8];
	size_t off = 0;
	bool ok;

	if (evbuffer_get_length(out) > 3)
		evbuffer_add(out, "\r\n", 2);
	ok = grid_put(line, sizeof line, &off, x->title, false, true);
	if (ok) {
		evbuffer_add(out, line, off);
		evbuffer_add(out, "\r\n", 2);
	}
	off = 0;
	ok = ok && grid_put(line, sizeof line, &off, x->level, false, true);
	for (size_t i = 0; ok && i < k->nfields; i++) {
		grid_header(&k->fields[i], x->lang, head, sizeof head);
		ok = grid_put(line, sizeof line, &off, head, false, false);
	}
	if (ok) {
		evbuffer_add(out, line, off);
		evbuffer_add(out, "\r\n", 2);
	}
	for (size_t i = 0; ok && i < x->g.nrows; i++)
		ok = grid_csv_row(out, x, x->g.rows[i].name, x->g.rows[i].st, x->g.rows[i].have,
		    !x->g.rows[i].leaf);
	ok = ok && grid_csv_row(out, x, grid_total_name(x->lang), x->g.total, x->g.total_have, true);
	if (!ok) {
		snprintf(x->why, sizeof x->why, "a row of the %s %s table is too long or overflows",
		    k->code, x->g.period);
		x->failed = x->why;
	}
	return ok;
}

/*
 * GET /v1/export.csv?layout=grid: the grid ledger as CSV, UTF-8 with a BOM,
 * one section per kind and period.
 */
static void
export_grid_csv(struct api_req *r)
{
	struct export_grid x;
	struct evbuffer *out;
	char disp[CB_AREA_MAX + 128];

	if (!export_grid_begin(r, &x))
		return;
	if ((out = evbuffer_new()) == NULL) {
		api_internal(r, "out of memory");
		export_grid_end(&x);
		return;
	}
	evbuffer_add(out, "\xEF\xBB\xBF", 3);
	if (!export_grid_each(&x, grid_csv_section, out)) {
		api_fail(r, x.failed);
	} else {
		export_filename(&x.f, "-grid.csv", disp, sizeof disp);
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Disposition", disp);
		api_reply(r, 200, "text/csv; charset=utf-8", out);
	}
	evbuffer_free(out);
	export_grid_end(&x);
}

void
api_get_export(struct api_req *r)
{
	struct api_filter f;
	const struct catalog *c = api_catalog(r->api);
	struct ledger lg = { .r = r };
	char disp[CB_AREA_MAX + 128];
	const char *layout = api_param(r, "layout");

	if (layout != NULL && strcmp(layout, "grid") == 0) {
		export_grid_csv(r);
		return;
	}
	if (layout != NULL && strcmp(layout, "rows") != 0) {
		api_error(r, 400, "bad_parameter", "layout=%.16s: give rows (one row per field, the "
		    "default) or grid (a table per kind and period)", layout);
		return;
	}
	if (api_param(r, "lang") != NULL) {
		api_error(r, 400, "bad_parameter", "lang: the ledger with one row per field has fixed "
		    "columns; lang is for layout=grid and /v1/export.xlsx");
		return;
	}
	if (!api_filter_parse(r, &f))
		return;
	if ((lg.out = evbuffer_new()) == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	lg.area = f.area;
	evbuffer_add(lg.out, "\xEF\xBB\xBF", 3);
	csv_line(lg.out, columns);
	for (size_t i = 0; c != NULL && i < c->nkinds && lg.failed == NULL; i++)
		if (f.kind == NULL || f.kind == &c->kinds[i])
			kind_rows(&lg, &c->kinds[i], f.period);
	if (lg.failed != NULL) {
		api_fail(r, lg.failed);
	} else {
		export_filename(&f, ".csv", disp, sizeof disp);
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Disposition", disp);
		api_reply(r, 200, "text/csv; charset=utf-8", lg.out);
	}
	evbuffer_free(lg.out);
}
