/*
 * rollcache.h — the live rollups in memory.
 *
 * One cell per (area, kind, period) at every area level from the group to
 * the top, holding one rollup_state per field of the kind.  Cells are loaded
 * from the database on first use (rollups rows plus the count of active
 * reports) and kept; an accepted report changes its group's cell and carries
 * the difference to every ancestor, so a report costs O(levels) in memory
 * and the database sees each changed cell once per batch.
 *
 * Changes are computed into copies and installed only when every step
 * succeeded (no overflow, no store error), so a refused report leaves the
 * cache exactly as it was.  After a failed transaction the caller drops the
 * whole cache (rollcache_clear): it reloads from the database on demand.
 *
 * Cells borrow their kind from the catalog they were made with: clear the
 * cache before freeing that catalog.
 */
#ifndef CUNBAOD_ROLLCACHE_H
#define CUNBAOD_ROLLCACHE_H

#include "catalog.h"
#include "cunbao.h"
#include "parsed.h"
#include "period.h"
#include "reply.h"
#include "rollup.h"

struct store;
struct roster;

struct cell {
	struct cell *hnext;		/* hash chain */
	struct cell *dnext;		/* changed since the last commit */
	uint32_t hash;
	bool dirty;
	bool regroup;			/* which areas under it have reported changed (completeness) */
	int nreported;			/* the publisher's count of expected areas reported; -1: unknown */
	uint64_t nreported_gen;		/* the roster generation that count was made with */
	uint32_t touched;		/* fields changed since the last flush (bit = field index) */
	const struct kind *kind;
	struct period period;
	char pstr[CB_PERIOD_MAX];	/* the period as text */
	int64_t own;			/* active reports made for this very area */
	int64_t updated_at;		/* unix seconds of the last change */
	int64_t *changed;		/* per field: unix seconds of its last change (stored after st[]) */
	const char *area;		/* stored after changed[] */
	size_t n;			/* kind->nfields */
	struct rollup_state st[];
};

struct rollcache;

struct rollcache *rollcache_new(void);
void rollcache_free(struct rollcache *rc);
/* Drops every cell (after a failed batch, or before the catalog changes). */
void rollcache_clear(struct rollcache *rc);
size_t rollcache_size(const struct rollcache *rc);

/* The cell, loaded from s on a miss; NULL on a store error (store_error) or out of memory. */
struct cell *rollcache_get(struct rollcache *rc, struct store *s, const char *area,
    const struct kind *k, const struct period *p);

/*
 * Adds the values of one accepted report for area (a leaf) at time t to its
 * cell and all ancestors.  Returns CB_OK; CB_INTERNAL on a store error;
 * CB_OUT_OF_RANGE when a sum would overflow (nothing changed).
 */
enum cb_error rollcache_add(struct rollcache *rc, struct store *s, const char *area,
    const struct kind *k, const struct period *p, const struct value *v, size_t n, int64_t t);

/*
 * Rebuilds area's cell from its active reports in the database (after a
 * correction or a withdrawal) and carries the difference up, recomputing
 * maxima from the children the roster lists.  Same returns as rollcache_add.
 */
enum cb_error rollcache_recompute(struct rollcache *rc, struct store *s, const struct roster *r,
    const char *area, const struct kind *k, const struct period *p, int64_t t);

/*
 * 1 when area has reports in effect for kind k and period p, 0 when not,
 * -1 on a store error.  The first question about a (kind, period) loads
 * every such area in one query; later changes keep the answer current.
 */
int rollcache_reported(struct rollcache *rc, struct store *s, const char *area,
    const struct kind *k, const struct period *p);

/* Writes every changed cell into the open transaction; false on a store error. */
bool rollcache_flush(struct rollcache *rc, struct store *s);

/*
 * After the commit: calls fn for every cell changed in the batch (to publish
 * it; c->regroup says whether the areas reported under it changed too) and
 * forgets the changes.
 */
void rollcache_committed(struct rollcache *rc, void (*fn)(void *arg, const struct cell *c), void *arg);

/* The figures of a cell for reply_query: one per field with values; returns how many. */
size_t rollcache_figures(const struct cell *c, struct reply_figure *out, size_t max);

#endif
