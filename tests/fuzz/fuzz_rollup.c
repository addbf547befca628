/*
 * fuzz_rollup.c — feeds arbitrary bytes to rollup_decode (a federating
 * cunbaod's reading of a child's rollup) against the shipped catalog.
 * Checks: the error text is terminated; a catalog mismatch is never
 * reported as success; what decodes has a valid area, a kind of the
 * catalog and a period of its type, and encodes (rollup_encode_seq) and
 * decodes back to the same cells, counts and seq; merging it into an empty
 * parent gives the same figures as the child's own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "shipped_catalog.h"
#include "rollup.h"
#include "topic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct catalog *cat;

/* The figures of two cells of field f agree (both absent, or the same value and scale). */
static bool
same_figure(const struct field *f, const struct rollup_state *a, const struct rollup_state *b)
{
	int64_t va = 0, vb = 0;
	unsigned sa = 0, sb = 0;
	bool ha = rollup_value(a, f, &va, &sa), hb = rollup_value(b, f, &vb, &sb);

	return ha == hb && (!ha || (va == vb && sa == sb));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[CB_PAYLOAD_MAX * 2];
	struct rollup_in in, back;
	struct rollup_state parent[CB_MAX_FIELDS];
	char err[256];

	if (cat == NULL)
		cat = shipped_catalog();
	memset(err, 'x', sizeof err);
	enum cb_error e = rollup_decode((const char *)data, size, cat, &in, err, sizeof err);
	if (memchr(err, '\0', sizeof err) == NULL)
		abort();
	if (e == CB_OK && in.mismatch)
		abort();
	if (e != CB_OK)
		return 0;
	if (in.k == NULL || in.k != catalog_kind(cat, in.kind) || !topic_area_valid(in.area, strlen(in.area)))
		abort();
	size_t n = rollup_encode_seq(in.area, in.k, in.period, in.st, (unsigned)in.reported,
	    (unsigned)in.expected, in.updated_at, in.seq, buf, sizeof buf);
	if (n == 0)
		return 0;	/* an average that overflows, or an updated_at that escapes too long */
	if (n <= CB_PAYLOAD_MAX) {
		if (rollup_decode(buf, n, cat, &back, err, sizeof err) != CB_OK || back.seq != in.seq ||
		    back.reported != in.reported || back.expected != in.expected)
			abort();
		for (size_t i = 0; i < in.k->nfields; i++) {
			int64_t n1, d1, n2, d2;

			rollup_terms(&in.k->fields[i], &in.st[i], &n1, &d1);
			rollup_terms(&in.k->fields[i], &back.st[i], &n2, &d2);
			if (n1 != n2 || d1 != d2)
				abort();
		}
	}
	memset(parent, 0, sizeof parent);
	if (!rollup_merge(in.k, parent, in.st))
		abort();	/* into an empty parent nothing can overflow */
	for (size_t i = 0; i < in.k->nfields; i++)
		if (!same_figure(&in.k->fields[i], &parent[i], &in.st[i]))
			abort();
	return 0;
}
