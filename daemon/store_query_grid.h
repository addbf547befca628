/*
 * store_query_grid.h — the admin API's read for the ledger's grid
 * (台账, daemon/api_export_grid.c): the child areas of an area with their
 * rollup cells of one kind and period.  Same rules as store_query.h: rows
 * reach the caller through a callback, pointers valid only during the call,
 * false on an SQLite failure with the message in store_query_error().
 */
#ifndef CUNBAOD_STORE_QUERY_GRID_H
#define CUNBAOD_STORE_QUERY_GRID_H

#include "store_query.h"

/* One (area, field) of a grid; field is NULL for an area with no rollup cell. */
struct sq_grid_cell {
	const char *path, *name;
	int depth;
	bool leaf;		/* no area has it as parent */
	const char *field;
	struct rollup_state st;
	unsigned scale;
};

/*
 * The areas whose parent is area ("" : the top-level areas), or with self
 * the area itself, in path order, each with its rollup rows of kind and
 * period (one call per field, ordered by field; one call with field NULL
 * when the area has none).
 */
bool store_query_grid(struct store_query *q, const char *area, bool self, const char *kind,
    const char *period, bool (*fn)(void *arg, const struct sq_grid_cell *c), void *arg);

#endif
