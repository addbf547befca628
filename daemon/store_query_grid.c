/*
 * store_query_grid.c — the ledger grid's one query (store_query_grid.h):
 * child areas left-joined with their rollup cells, so an area that has not
 * reported still comes, with no cell, and shows as a gap.
 */
#include <sqlite3.h>

#include "store_query_grid.h"
#include "store_query_int.h"

bool
store_query_grid(struct store_query *q, const char *area, bool self, const char *kind,
    const char *period, bool (*fn)(void *arg, const struct sq_grid_cell *c), void *arg)
{
	struct sqlb b;
	sqlite3_stmt *st;
	int rc;

	/* areas_parent finds the children; the rollups' key (area, kind, period, field) their cells. */
	sqlb_init(&b, "SELECT a.path, a.name, a.depth, r.field, r.sum, r.count, r.max, r.last, r.yes, "
	    "r.scale, NOT EXISTS (SELECT 1 FROM areas c WHERE c.parent = a.path) FROM areas a "
	    "LEFT JOIN rollups r ON r.area = a.path AND r.kind = ? AND r.period = ?");
	sqlb_text(&b, NULL, kind);
	sqlb_text(&b, NULL, period);
	if (self)
		sqlb_text(&b, "a.path = ?", area);
	else if (*area)
		sqlb_text(&b, "a.parent = ?", area);
	else
		sqlb_where(&b, "a.parent IS NULL");
	sqlb_sql(&b, " ORDER BY a.path, r.field");
	if ((st = sqlb_prepare(q, &b)) == NULL)
		return false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sq_grid_cell c = {
			.path = sq_text0(st, 0), .name = sq_text0(st, 1), .depth = sqlite3_column_int(st, 2),
			.field = sq_text(st, 3),
			.st = { .sum = sqlite3_column_int64(st, 4), .count = sqlite3_column_int64(st, 5),
				.max = sqlite3_column_int64(st, 6), .last = sqlite3_column_int64(st, 7),
				.yes = sqlite3_column_int64(st, 8) },
			.scale = (unsigned)sqlite3_column_int(st, 9), .leaf = sqlite3_column_int(st, 10) != 0,
		};
		if (sqlite3_column_type(st, 3) == SQLITE_NULL)
			c.field = NULL;
		if (!fn(arg, &c))
			break;
	}
	return sq_finish(q, st, rc, "grid") == 0;
}
