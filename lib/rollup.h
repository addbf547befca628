/*
 * rollup.h — exact rollup arithmetic for every aggregation.
 *
 * A rollup cell is one (area, kind, period, field).  Its state holds enough to
 * answer any aggregation and to combine children into a parent:
 *   sum   — sum of every value reported
 *   count — number of values reported
 *   max   — largest value (valid when count > 0)
 *   last  — for a group: its latest value; for an area above: sum of its
 *           children's last (stock figures: livestock, acreage)
 *   yes   — number of yes answers (yes/no fields; equals sum for them)
 * A group's cell is built with rollup_apply over its reports in effect; a
 * parent's with rollup_combine over its children's cells.  Every operation
 * refuses to overflow: it returns false and leaves the state unchanged.
 *
 * The value shown for a cell (rollup_value):
 *   last -> last, sum -> sum, max -> max (field scale);
 *   avg  -> sum/count at field scale + 2 fraction digits;
 *   rate -> yes/count as a fraction at scale 4 (0.7500).
 */
#ifndef CB_ROLLUP_H
#define CB_ROLLUP_H

#include "cunbao.h"
#include "catalog.h"

struct rollup_state {
	int64_t sum;
	int64_t count;
	int64_t max;
	int64_t last;
	int64_t yes;
};

#define ROLLUP_AVG_EXTRA  2	/* extra fraction digits of an average */
#define ROLLUP_RATE_SCALE 4	/* fraction digits of a rate */

/* Adds one reported value v (scaled) to a group's cell.  false on overflow. */
bool rollup_apply(struct rollup_state *s, int64_t v);

/* Adds a child's cell into a parent's.  false on overflow. */
bool rollup_combine(struct rollup_state *parent, const struct rollup_state *child);

/* Removes a child's previous cell from a parent (the inverse of combine for
 * sum, count, last, yes; max cannot be un-combined: the caller recomputes it).
 * false on overflow. */
bool rollup_uncombine(struct rollup_state *parent, const struct rollup_state *child);

/* The value shown for the cell under field f's aggregation; *scale gets its
 * scale.  Returns false when there is nothing to show (count == 0) or on overflow. */
bool rollup_value(const struct rollup_state *s, const struct field *f, int64_t *v, unsigned *scale);

/*
 * Encodes the retained rollup payload of one area, kind and period:
 *   {"area":"xinzhuang/hexi","kind":"livestock","period":"2023-12",
 *    "values":{"cattle":61,"pigs":398,"sheep":118},"reported":7,"expected":8,
 *    "updated_at":"2023-12-05T08:30:00+08:00"}
 * states[i] belongs to k->fields[i]; a field with count 0 is left out of
 * "values".  Numbers are written as exact decimal literals.  Returns the
 * length, 0 if it does not fit.
 */
size_t rollup_encode(const char *area, const struct kind *k, const char *period,
    const struct rollup_state *states, unsigned reported, unsigned expected,
    const char *updated_at, char *buf, size_t buflen);

/*
 * Encodes the retained completeness payload:
 *   {"area":"xinzhuang/hexi","kind":"livestock","period":"2023-12",
 *    "expected":8,"reported":["g01",...],"missing":["g04"],"updated_at":"…"}
 * reported/missing are area paths (or their last slug, as the caller passes).
 */
size_t completeness_encode(const char *area, const char *kind, const char *period,
    const char *const *reported, size_t nreported,
    const char *const *missing, size_t nmissing,
    const char *updated_at, char *buf, size_t buflen);

#endif
