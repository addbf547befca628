/*
 * shipped_catalog.h — the catalog the fuzz harnesses check against
 * (schema/catalog.json of the source tree), loaded once.  Used by
 * fuzz_report.c, fuzz_rollup.c and fuzz_sms.c.
 */
#ifndef SHIPPED_CATALOG_H
#define SHIPPED_CATALOG_H

#include <stdio.h>
#include <stdlib.h>

#include "catalog.h"

/*
 * Loads schema/catalog.json on the first call and returns it (owned here,
 * kept for the process's life); aborts when it cannot, as a fuzzer cannot
 * run without it.
 */
static struct catalog *
shipped_catalog(void)
{
	static struct catalog *cat;
	static char text[1 << 20];
	char err[4096];
	FILE *f;
	size_t n;

	if (cat != NULL)
		return cat;
	if ((f = fopen(CUNBAO_SOURCE_DIR "/schema/catalog.json", "rb")) == NULL)
		abort();
	n = fread(text, 1, sizeof text, f);
	fclose(f);
	cat = catalog_load(text, n, "catalog.json", err, sizeof err);
	if (cat == NULL)
		abort();
	return cat;
}

#endif
