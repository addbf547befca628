/*
 * fuzz_report.c — feeds arbitrary bytes to report_decode, and what decodes
 * to report_validate against the shipped catalog and to report_encode.
 * Checks: the error text is terminated; id and source hold only valid ids;
 * a decoded report encodes and decodes back to itself, and its id is what
 * jdec_salvage finds in the raw text (the strict reading and the salvage
 * agree); a validated report has values of its kind, in field order,
 * within their bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "shipped_catalog.h"
#include "jdec.h"
#include "payload.h"
#include "report.h"
#include "topic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct catalog *cat;

/* The promises of report_validate on success. */
static void
check_parsed(const struct report *r, const struct parsed *p)
{
	if (p->kind == NULL || strcmp(p->kind->code, r->kind) != 0 || p->nvalues == 0 ||
	    p->nvalues > r->nvalues)
		abort();
	for (size_t i = 0; i < p->nvalues; i++) {
		const struct field *f = p->values[i].field;
		if (f != &p->kind->fields[f->index] || p->values[i].v < f->min || p->values[i].v > f->max)
			abort();
		if (i > 0 && p->values[i - 1].field->index >= f->index)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[CB_PAYLOAD_MAX * 8];
	struct report r, back;
	struct parsed p;
	char err[256];

	if (cat == NULL)
		cat = shipped_catalog();
	memset(err, 'x', sizeof err);
	enum cb_error e = report_decode((const char *)data, size, &r, err, sizeof err);
	if (memchr(err, '\0', sizeof err) == NULL)
		abort();
	if ((r.id[0] != '\0' && !payload_id_valid(r.id, strlen(r.id))) ||
	    (r.source[0] != '\0' && !payload_id_valid(r.source, strlen(r.source))))
		abort();
	if (e != CB_OK)
		return 0;
	if (!topic_area_valid(r.area, strlen(r.area)))
		abort();
	char id[CB_ID_MAX + 1];
	if (!jdec_salvage((const char *)data, size, "id", id, sizeof id) || strcmp(id, r.id) != 0)
		abort();
	size_t n = report_encode(&r, buf, sizeof buf);
	if (n == 0)
		abort();
	/* Escaping may grow a payload past the limit (a raw control byte is written back as six). */
	if (n <= CB_PAYLOAD_MAX && (report_decode(buf, n, &back, err, sizeof err) != CB_OK ||
	    memcmp(&r, &back, sizeof r) != 0))
		abort();
	e = report_validate(cat, &r, 1701736200, 28800, &p);
	if (e != p.error || (e != CB_OK && memchr(p.token, '\0', sizeof p.token) == NULL))
		abort();
	if (e == CB_OK)
		check_parsed(&r, &p);
	return 0;
}
