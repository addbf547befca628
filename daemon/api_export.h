/*
 * api_export.h — what the ledger's exports share (daemon/api_export*.c):
 * the grid ledger (台账) built one table per kind and period
 * (api_export_grid.c) and written as CSV (api_export.c) or as an .xlsx
 * workbook (api_export_xlsx.c), and the download's file name.
 */
#ifndef CUNBAOD_API_EXPORT_H
#define CUNBAOD_API_EXPORT_H

#include "api_int.h"
#include "grid.h"

#define EXPORT_TABLES_MAX 500	/* tables (kind x period) in one grid ledger */
#define EXPORT_TITLE_MAX  (GRID_NAME_MAX + CATALOG_NAME_MAX + CB_PERIOD_MAX + 8)

/* One table to build: a kind and one of its periods. */
struct export_table {
	const struct kind *k;
	char period[CB_PERIOD_MAX];
};

/*
 * A grid ledger in the making: the request's filters and language, the
 * area asked for, the tables to build, and the one in hand.  Owns tables
 * and g (export_grid_end frees them).
 */
struct export_grid {
	struct api_req *r;
	struct api_filter f;
	enum lang lang;
	char area_name[GRID_NAME_MAX];	/* "" for the whole roster */
	int area_depth;			/* 0 for the whole roster */
	struct export_table *tables;
	size_t ntables;
	struct grid g;			/* the table in hand */
	char title[EXPORT_TITLE_MAX];	/* "河西村 牲畜 2023-12" */
	const char *level;		/* what the first column is called: 组, 村 ... */
	const char *failed;		/* NULL, or why the export failed (a 500, or 503 for a query stopped) */
	char why[256];
};

/*
 * Reads the grid ledger's parameters (area, kind, period, lang; layout
 * must be grid when given), looks the area up and lists the tables: a 4xx
 * answered and false on a bad parameter, an unknown area or too many
 * tables, a 500/503 answered and false when the database fails.
 */
bool export_grid_begin(struct api_req *r, struct export_grid *x);

/*
 * Builds each table in turn (x->g, x->title, x->level) and hands it to fn;
 * fn returns false to stop, setting x->failed.  Returns false when a table
 * could not be built (x->failed says why) or fn stopped.
 */
bool export_grid_each(struct export_grid *x, bool (*fn)(void *arg, struct export_grid *x), void *arg);

/* Frees what export_grid_begin and export_grid_each hold. */
void export_grid_end(struct export_grid *x);

/*
 * The Content-Disposition naming the download after what it holds:
 * attachment; filename="cunbao-xinzhuang-hexi-livestock-2023-12<tail>",
 * tail ".csv", "-grid.csv" or ".xlsx".
 */
void export_filename(const struct api_filter *f, const char *tail, char *buf, size_t buflen);

#endif
