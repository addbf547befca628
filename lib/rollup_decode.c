/*
 * rollup_decode.c — a child's retained rollup read back, for a federating
 * cunbaod: the members rollup_encode_seq writes, checked against our own
 * catalog so that only rollups of the same kind, fields, scales and
 * aggregations are ever combined.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dec.h"
#include "jdec.h"
#include "period.h"
#include "rollup.h"
#include "topic.h"

/* An integer member of obj, 0 <= v <= 2^53 (exact in a double); false when absent or not one. */
static bool
int_member(const cJSON *obj, const char *name, int64_t *v)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!cJSON_IsNumber(j) || j->valuedouble < 0 || j->valuedouble > 9007199254740992.0 ||
	    (double)(int64_t)j->valuedouble != j->valuedouble)
		return false;
	*v = (int64_t)j->valuedouble;
	return true;
}

static bool
area_valid(const char *s, size_t len)
{
	return topic_area_valid(s, len);
}

static bool
code_valid(const char *s, size_t len)
{
	return jdec_word(s, len, CB_CODE_MAX, "_");
}

/* Notes a catalog mismatch on field (NULL: the kind) and returns code. */
static enum cb_error
mismatch(struct rollup_in *out, const char *field, enum cb_error code)
{
	out->mismatch = true;
	snprintf(out->field, sizeof out->field, "%s", field ? field : "");
	return code;
}

/*
 * Reads one field's terms into out->st: the aggregation must be ours, the
 * numerator exact at our scale, the denominator a count.
 */
static enum cb_error
decode_term(const cJSON *t, const struct field *f, struct rollup_in *out, char *err, size_t errlen)
{
	const cJSON *agg = cJSON_GetObjectItemCaseSensitive(t, "agg");
	const cJSON *num = cJSON_GetObjectItemCaseSensitive(t, "num");
	int64_t n, den;

	if (!cJSON_IsObject(t) || !cJSON_IsString(agg) || !cJSON_IsString(num)) {
		jdec_err(err, errlen, "terms.%s: not an object with agg, num and den", f->code);
		return CB_BAD_TYPE;
	}
	if (strcmp(agg->valuestring, agg_name(f->agg)) != 0) {
		jdec_err(err, errlen, "terms.%s: aggregation %.16s, ours is %s", f->code, agg->valuestring,
		    agg_name(f->agg));
		return mismatch(out, f->code, CB_UNKNOWN_FIELD);
	}
	if (dec_parse(num->valuestring, strlen(num->valuestring), f->agg == AGG_RATE ? 0 : f->scale,
	    &n) != CB_OK || !int_member(t, "den", &den) ||
	    !rollup_from_terms(f, n, den, &out->st[f->index])) {
		jdec_err(err, errlen, "terms.%s: num %.32s and den are not a %s at scale %u", f->code,
		    num->valuestring, agg_name(f->agg), f->scale);
		return CB_BAD_VALUE;
	}
	return CB_OK;
}

/* The checks a table of strings cannot make: def, values against terms, the counts. */
static enum cb_error
decode_rest(const cJSON *root, struct rollup_in *out, const struct catalog *cat, char *err, size_t errlen)
{
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(root, "values");
	const cJSON *terms = cJSON_GetObjectItemCaseSensitive(root, "terms");
	const cJSON *def = cJSON_GetObjectItemCaseSensitive(root, "def"), *v;
	char ours[12];
	enum cb_error e;

	if ((out->k = catalog_kind(cat, out->kind)) == NULL) {
		jdec_err(err, errlen, "kind: %s is not in our catalog", out->kind);
		return mismatch(out, NULL, CB_UNKNOWN_KIND);
	}
	snprintf(ours, sizeof ours, "%08x", (unsigned)rollup_kind_def(out->k));
	if (def != NULL && (!cJSON_IsString(def) || strcmp(def->valuestring, ours) != 0)) {
		jdec_err(err, errlen, "def: kind %s defined otherwise (%.16s, ours %s)", out->kind,
		    cJSON_IsString(def) ? def->valuestring : "?", ours);
		mismatch(out, NULL, CB_UNKNOWN_KIND);	/* a field below may name the difference */
	}
	if (!int_member(root, "reported", &out->reported) || !int_member(root, "expected", &out->expected) ||
	    out->reported > UINT32_MAX || out->expected > UINT32_MAX) {
		jdec_err(err, errlen, "reported, expected: not counts");
		return CB_BAD_TYPE;
	}
	if (cJSON_GetObjectItemCaseSensitive(root, "seq") != NULL && !int_member(root, "seq", &out->seq)) {
		jdec_err(err, errlen, "seq: not a count");
		return CB_BAD_TYPE;
	}
	if (!cJSON_IsObject(values) || (terms != NULL && !cJSON_IsObject(terms))) {
		jdec_err(err, errlen, "values, terms: not objects");
		return CB_BAD_TYPE;
	}
	cJSON_ArrayForEach(v, values) {
		const struct field *f = kind_field(out->k, v->string);
		const cJSON *t = terms ? cJSON_GetObjectItemCaseSensitive(terms, v->string) : NULL;

		if (f == NULL) {
			jdec_err(err, errlen, "values.%.32s: kind %s has no such field here", v->string, out->kind);
			return mismatch(out, v->string, CB_UNKNOWN_FIELD);
		}
		if (t == NULL) {
			jdec_err(err, errlen, "terms.%s: absent (a publisher without federation terms)", f->code);
			return mismatch(out, f->code, CB_UNKNOWN_FIELD);
		}
		if ((e = decode_term(t, f, out, err, errlen)) != CB_OK)
			return e;
	}
	if (out->mismatch)
		return CB_UNKNOWN_KIND;	/* def differed though no term said where */
	return CB_OK;
}

/* See rollup.h. */
enum cb_error
rollup_decode(const char *buf, size_t len, const struct catalog *cat, struct rollup_in *out,
    char *err, size_t errlen)
{
	cJSON *root = NULL;
	enum cb_error e;

	memset(out, 0, sizeof *out);
	err[0] = '\0';
	if ((e = jdec_parse(buf, len, &root, err, errlen)) != CB_OK)
		return e;
	const struct jdec_str t[] = {
		{ "area", true, out->area, sizeof out->area, area_valid, CB_BAD_AREA, "1-5 slugs" },
		{ "kind", true, out->kind, sizeof out->kind, code_valid, CB_BAD_TYPE, "[a-z0-9_]{1,32}" },
		{ "period", true, out->period, sizeof out->period, NULL, CB_BAD_PERIOD, "a period" },
		{ "updated_at", true, out->updated_at, sizeof out->updated_at, NULL, CB_BAD_TYPE, "RFC 3339" },
	};

	if ((e = jdec_strings(root, t, sizeof t / sizeof t[0], err, errlen)) == CB_OK) {
		struct period p;

		e = decode_rest(root, out, cat, err, errlen);
		if (e == CB_OK && period_parse(out->period, strlen(out->period), out->k->period, &p) != CB_OK) {
			jdec_err(err, errlen, "period: %s is not a %s", out->period,
			    period_type_name(out->k->period));
			e = CB_BAD_PERIOD;
		}
	}
	cJSON_Delete(root);
	return e;
}
