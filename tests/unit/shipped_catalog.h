/*
 * shipped_catalog.h — what the unit tests of the grammar and the replies
 * share: the catalog shipped in schema/catalog.json, loaded once a call
 * (the caller frees it with catalog_free).
 */
#ifndef TEST_SHIPPED_CATALOG_H
#define TEST_SHIPPED_CATALOG_H

#include <stdio.h>
#include <criterion/criterion.h>

#include "catalog.h"

static inline struct catalog *
shipped(void)
{
	static char text[1 << 20];
	char path[512], err[4096];
	FILE *f;
	size_t n;
	struct catalog *c;

	snprintf(path, sizeof path, "%s/schema/catalog.json", CUNBAO_SOURCE_DIR);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	n = fread(text, 1, sizeof text, f);
	fclose(f);
	c = catalog_load(text, n, path, err, sizeof err);
	cr_assert_not_null(c, "%s", err);
	return c;
}

#endif
