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
 * Federation: what a parent needs of a child's rollup to combine it exactly.
 * Per field, a numerator and a denominator ("terms"):
 *   last -> (last, count)  sum -> (sum, count)  max -> (max, count)
 *   avg  -> (sum, count)   rate -> (yes, count)
 * so a parent's avg is the sum of its children's sums over the sum of their
 * counts (weighted by how many values each child counted), never an average
 * of averages.  rollup_terms gives them for a state; rollup_from_terms
 * makes back the part of a state the field's aggregation reads (false when
 * they cannot be a state: den < 1, or a rate's yes outside 0..den).
 */
void rollup_terms(const struct field *f, const struct rollup_state *s, int64_t *num, int64_t *den);
bool rollup_from_terms(const struct field *f, int64_t num, int64_t den, struct rollup_state *out);

/*
 * Combines a child's cells (one per field of k) into a parent's: the pure
 * step a federating cunbaod takes for every child rollup under an area.
 * Either every field is combined or, on overflow, none (false).
 */
bool rollup_merge(const struct kind *k, struct rollup_state *parent, const struct rollup_state *child);

/*
 * A fingerprint of what makes two kinds' rollups combinable: the kind's
 * code and period type, and per field its code, type, scale and
 * aggregation, in order.  Written as 8 hex digits ("def") in every rollup.
 */
uint32_t rollup_kind_def(const struct kind *k);

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
 * rollup_encode with the federation members: "def" (rollup_kind_def),
 * "terms" ({"cattle":{"agg":"last","num":"61","den":7}}, one per field in
 * "values", num as exact decimal text at the field's scale, a rate's as a
 * count) and, when seq > 0, "seq": the publisher's position, never smaller
 * in a later publication of the same topic.  rollup_encode is this with
 * seq 0.
 */
size_t rollup_encode_seq(const char *area, const struct kind *k, const char *period,
    const struct rollup_state *states, unsigned reported, unsigned expected,
    const char *updated_at, int64_t seq, char *buf, size_t buflen);

/* A rollup payload read back against our catalog (rollup_decode). */
struct rollup_in {
	char area[CB_AREA_MAX];
	char kind[CB_CODE_MAX + 1];
	char period[CB_PERIOD_MAX];
	char updated_at[40];
	const struct kind *k;		/* ours, borrowed from the catalog */
	int64_t seq;			/* 0: absent */
	int64_t reported, expected;
	struct rollup_state st[CB_MAX_FIELDS];	/* per field of k, from the terms */
	bool mismatch;			/* refused because the catalogs differ */
	char field[CB_CODE_MAX + 1];	/* the field that differs, "" when the kind itself */
};

/*
 * Reads a rollup payload (from a child cunbaod) into out against catalog
 * cat.  Returns CB_OK; CB_BAD_JSON, CB_BAD_TYPE, CB_MISSING_MEMBER,
 * CB_BAD_VALUE for a malformed payload; or, with out->mismatch set and
 * out->field naming the field, CB_UNKNOWN_KIND / CB_UNKNOWN_FIELD when the
 * child's catalog has what ours lacks, or differs ("def", a term's "agg",
 * a field in "values" without terms: a child too old to federate).  err
 * says which member and why.
 */
enum cb_error rollup_decode(const char *buf, size_t len, const struct catalog *cat,
    struct rollup_in *out, char *err, size_t errlen);

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

/*
 * completeness_encode with the counts a parent needs however long the
 * lists: "sub_reported" and "sub_expected", the sub-areas directly under
 * area (villages under a county) with expected areas under them, and of
 * those the ones where at least one reported (left out when sub_expected
 * < 0); and "seq" when seq > 0, as in rollup_encode_seq.
 */
size_t completeness_encode_sub(const char *area, const char *kind, const char *period,
    const char *const *reported, size_t nreported,
    const char *const *missing, size_t nmissing,
    const char *updated_at, int64_t sub_reported, int64_t sub_expected, int64_t seq,
    char *buf, size_t buflen);

#endif
