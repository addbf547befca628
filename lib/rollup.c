/*
 * rollup.c — exact rollup arithmetic and the retained rollup payloads.
 *
 * Every update is computed into a copy of the state and stored only when no
 * step overflowed, so a refused update leaves the cell exactly as it was.
 */
#include <stdio.h>
#include <string.h>

#include "dec.h"
#include "jsonw.h"
#include "period.h"
#include "rollup.h"

/*
 * Adds one value of a group's report: it counts, adds to the sum, may raise
 * the maximum, becomes the latest value, and counts as a yes when non-zero
 * (yes/no values are 0 or 1, so yes equals their sum).
 */
bool
rollup_apply(struct rollup_state *s, int64_t v)
{
	struct rollup_state n = *s;

	if (!dec_add(n.sum, v, &n.sum) || !dec_add(n.count, 1, &n.count) ||
	    !dec_add(n.yes, v != 0, &n.yes))
		return false;
	n.max = s->count == 0 || v > s->max ? v : s->max;
	n.last = v;
	*s = n;
	return true;
}

/*
 * Adds a child's cell into its parent's: sums, counts, yes answers and
 * latest values add up; the maximum is the larger of the two (a child with
 * no values leaves it alone).
 */
bool
rollup_combine(struct rollup_state *parent, const struct rollup_state *child)
{
	struct rollup_state n = *parent;

	if (!dec_add(n.sum, child->sum, &n.sum) ||
	    !dec_add(n.count, child->count, &n.count) ||
	    !dec_add(n.last, child->last, &n.last) ||
	    !dec_add(n.yes, child->yes, &n.yes))
		return false;
	if (child->count > 0 && (parent->count == 0 || child->max > parent->max))
		n.max = child->max;
	*parent = n;
	return true;
}

/*
 * Takes a child's earlier cell back out of its parent.  The maximum stays as
 * it was (the caller recomputes it from the remaining children), except that
 * a parent left with no values gets 0.  Refuses, besides overflow, to take
 * out more values than the parent counts.
 */
bool
rollup_uncombine(struct rollup_state *parent, const struct rollup_state *child)
{
	struct rollup_state n = *parent;

	if (!dec_sub(n.sum, child->sum, &n.sum) ||
	    !dec_sub(n.count, child->count, &n.count) ||
	    !dec_sub(n.last, child->last, &n.last) ||
	    !dec_sub(n.yes, child->yes, &n.yes) || n.count < 0)
		return false;
	if (n.count == 0)
		n.max = 0;
	*parent = n;
	return true;
}

/*
 * The figure a cell shows under f's aggregation, with its scale: the stock,
 * the sum or the maximum at the field's scale; the mean with
 * ROLLUP_AVG_EXTRA more fraction digits; the yes share at ROLLUP_RATE_SCALE.
 * Averages and rates round half away from zero.
 */
bool
rollup_value(const struct rollup_state *s, const struct field *f, int64_t *v, unsigned *scale)
{
	if (s->count <= 0)
		return false;
	switch (f->agg) {
	case AGG_LAST:
		*v = s->last;
		break;
	case AGG_SUM:
		*v = s->sum;
		break;
	case AGG_MAX:
		*v = s->max;
		break;
	case AGG_AVG:
		if (!dec_div(s->sum, s->count, ROLLUP_AVG_EXTRA, v))
			return false;
		*scale = f->scale + ROLLUP_AVG_EXTRA;
		return true;
	case AGG_RATE:
		if (!dec_div(s->yes, s->count, ROLLUP_RATE_SCALE, v))
			return false;
		*scale = ROLLUP_RATE_SCALE;
		return true;
	default:
		return false;
	}
	*scale = f->scale;
	return true;
}

/* Writes the "area", "kind" and "period" members every retained payload opens with. */
static void
encode_head(struct jsonw *w, const char *area, const char *kind, const char *period)
{
	jsonw_obj(w);
	jsonw_key(w, "area");
	jsonw_str(w, area);
	jsonw_key(w, "kind");
	jsonw_str(w, kind);
	jsonw_key(w, "period");
	jsonw_str(w, period);
}

/* The numerator and denominator of a field's figure (see rollup.h). */
void
rollup_terms(const struct field *f, const struct rollup_state *s, int64_t *num, int64_t *den)
{
	*den = s->count;
	switch (f->agg) {
	case AGG_LAST:
		*num = s->last;
		break;
	case AGG_MAX:
		*num = s->max;
		break;
	case AGG_RATE:
		*num = s->yes;
		break;
	default:	/* sum, avg */
		*num = s->sum;
		break;
	}
}

/*
 * The state a child's terms stand for: only the members the field's
 * aggregation reads are set (the others are 0), which is all that
 * rollup_combine and rollup_value read for that field.
 */
bool
rollup_from_terms(const struct field *f, int64_t num, int64_t den, struct rollup_state *out)
{
	memset(out, 0, sizeof *out);
	if (den < 1)
		return false;
	out->count = den;
	switch (f->agg) {
	case AGG_LAST:
		out->last = num;
		break;
	case AGG_MAX:
		out->max = num;
		break;
	case AGG_RATE:
		if (num < 0 || num > den)
			return false;
		out->yes = num;
		break;
	default:
		out->sum = num;
		break;
	}
	return true;
}

/* Combines every field of a child into a copy first, so an overflow changes nothing. */
bool
rollup_merge(const struct kind *k, struct rollup_state *parent, const struct rollup_state *child)
{
	struct rollup_state n[CB_MAX_FIELDS];
	size_t nf = k->nfields < CB_MAX_FIELDS ? k->nfields : CB_MAX_FIELDS;

	memcpy(n, parent, nf * sizeof *n);
	for (size_t i = 0; i < nf; i++)
		if (child[i].count > 0 && !rollup_combine(&n[i], &child[i]))
			return false;
	memcpy(parent, n, nf * sizeof *n);
	return true;
}

/* FNV-1a of one string and a separator into h. */
static uint32_t
def_mix(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h ^ '|') * 16777619u;
}

/* See rollup.h: what two catalogs must agree on for a kind's rollups to combine. */
uint32_t
rollup_kind_def(const struct kind *k)
{
	uint32_t h = def_mix(2166136261u, k->code);
	char scale[4];

	h = def_mix(h, period_type_name(k->period));
	for (size_t i = 0; i < k->nfields && i < CB_MAX_FIELDS; i++) {
		snprintf(scale, sizeof scale, "%u", k->fields[i].scale);
		h = def_mix(h, k->fields[i].code);
		h = def_mix(h, field_type_name(k->fields[i].type));
		h = def_mix(h, scale);
		h = def_mix(h, agg_name(k->fields[i].agg));
	}
	return h;
}

/* Writes "terms": one {"agg","num","den"} per field with values. */
static void
encode_terms(struct jsonw *w, const struct kind *k, const struct rollup_state *states)
{
	char text[DEC_TEXT_MAX];

	jsonw_key(w, "terms");
	jsonw_obj(w);
	for (size_t i = 0; i < k->nfields && i < CB_MAX_FIELDS; i++) {
		const struct field *f = &k->fields[i];
		int64_t num, den;

		if (states[i].count == 0)
			continue;
		rollup_terms(f, &states[i], &num, &den);
		dec_format(num, f->agg == AGG_RATE ? 0 : f->scale, false, text, sizeof text);
		jsonw_key(w, f->code);
		jsonw_obj(w);
		jsonw_key(w, "agg");
		jsonw_str(w, agg_name(f->agg));
		jsonw_key(w, "num");
		jsonw_str(w, text);
		jsonw_key(w, "den");
		jsonw_int(w, den);
		jsonw_end(w);
	}
	jsonw_end(w);
}

/*
 * Encodes one rollup (see rollup.h).  A field whose figure cannot be
 * computed (an average overflowing) makes the whole payload fail with 0
 * rather than go out silently without it.
 */
size_t
rollup_encode_seq(const char *area, const struct kind *k, const char *period,
    const struct rollup_state *states, unsigned reported, unsigned expected,
    const char *updated_at, int64_t seq, char *buf, size_t buflen)
{
	struct jsonw w;
	char def[12];

	jsonw_init(&w, buf, buflen);
	encode_head(&w, area, k->code, period);
	jsonw_key(&w, "values");
	jsonw_obj(&w);
	for (size_t i = 0; i < k->nfields && i < CB_MAX_FIELDS; i++) {
		int64_t v;
		unsigned scale;

		if (states[i].count == 0)
			continue;
		if (!rollup_value(&states[i], &k->fields[i], &v, &scale)) {
			w.overflow = true;	/* jsonw_finish now returns 0 */
			break;
		}
		jsonw_key(&w, k->fields[i].code);
		jsonw_dec(&w, v, scale);
	}
	jsonw_end(&w);
	jsonw_key(&w, "reported");
	jsonw_int(&w, reported);
	jsonw_key(&w, "expected");
	jsonw_int(&w, expected);
	jsonw_key(&w, "updated_at");
	jsonw_str(&w, updated_at);
	snprintf(def, sizeof def, "%08x", (unsigned)rollup_kind_def(k));
	jsonw_key(&w, "def");
	jsonw_str(&w, def);
	encode_terms(&w, k, states);
	if (seq > 0) {
		jsonw_key(&w, "seq");
		jsonw_int(&w, seq);
	}
	jsonw_end(&w);
	return jsonw_finish(&w);
}

size_t
rollup_encode(const char *area, const struct kind *k, const char *period,
    const struct rollup_state *states, unsigned reported, unsigned expected,
    const char *updated_at, char *buf, size_t buflen)
{
	return rollup_encode_seq(area, k, period, states, reported, expected, updated_at, 0, buf, buflen);
}

/* Writes n strings as a JSON array. */
static void
encode_list(struct jsonw *w, const char *const *list, size_t n)
{
	jsonw_arr(w);
	for (size_t i = 0; i < n; i++)
		jsonw_str(w, list[i]);
	jsonw_end(w);
}

size_t
completeness_encode(const char *area, const char *kind, const char *period,
    const char *const *reported, size_t nreported,
    const char *const *missing, size_t nmissing,
    const char *updated_at, char *buf, size_t buflen)
{
	return completeness_encode_sub(area, kind, period, reported, nreported, missing, nmissing,
	    updated_at, 0, -1, 0, buf, buflen);
}

/* Encodes one completeness payload; "expected" is reported plus missing. */
size_t
completeness_encode_sub(const char *area, const char *kind, const char *period,
    const char *const *reported, size_t nreported,
    const char *const *missing, size_t nmissing,
    const char *updated_at, int64_t sub_reported, int64_t sub_expected, int64_t seq,
    char *buf, size_t buflen)
{
	struct jsonw w;

	jsonw_init(&w, buf, buflen);
	encode_head(&w, area, kind, period);
	jsonw_key(&w, "expected");
	jsonw_int(&w, (int64_t)(nreported + nmissing));
	jsonw_key(&w, "reported");
	encode_list(&w, reported, nreported);
	jsonw_key(&w, "missing");
	encode_list(&w, missing, nmissing);
	jsonw_key(&w, "updated_at");
	jsonw_str(&w, updated_at);
	if (sub_expected >= 0) {
		jsonw_key(&w, "sub_reported");
		jsonw_int(&w, sub_reported);
		jsonw_key(&w, "sub_expected");
		jsonw_int(&w, sub_expected);
	}
	if (seq > 0) {
		jsonw_key(&w, "seq");
		jsonw_int(&w, seq);
	}
	jsonw_end(&w);
	return jsonw_finish(&w);
}
