/*
 * test_federation_check.c — `cunbaod -n` on a federating cunbaod's config
 * (docs/federation.md, "Setting up a province"): an upstream-of entry that
 * is not an area of the areas file stops cunbaod at start, so -n says so
 * while the database is still to be made; names in the areas file resolve
 * as they will at start; with a database there -n stays silent (its roster
 * may hold areas added through the API).
 */
#include "test_api.h"

/* Runs cunbaod -n in the scratch directory with the province roster and extra; returns its output. */
static char *
check(const char *extra, int *rc)
{
	char cmd[4096];

	snprintf(cmd, sizeof cmd, "cd %s && %s -n --catalog %s --areas prov-areas.csv --db prov.db %s 2>&1",
	    h_tmpdir(), h_bin("daemon/cunbaod"), h_src("schema/catalog.json"), extra);
	return h_run(cmd, rc);
}

Test(federation_check, an_upstream_area_missing_from_the_roster_is_named)
{
	char path[1024];
	int rc;

	cr_assert(h_write_file(h_path("prov-areas.csv"), "path,name,expected\ngansu,甘肃省,0\n"
	    "gansu/lanzhou,兰州市,0\ngansu/lanzhou/county-a,A县,0\ngansu/兰州市/county-b,B县,0\n"));
	char *out = check("--upstream-of 'gansu/lanzhou/county-a, gansu/lanzhou/county-b'", &rc);
	cr_expect(rc == 0 && strstr(out, "configuration OK") != NULL, "a name in the file's path: %s", out);
	free(out);

	out = check("--upstream-of 'gansu/lanzhou/county-a gansu/lanzhou/county-c'", &rc);
	cr_expect_eq(rc, 1, "%s", out);
	cr_expect(strstr(out, "upstream-of: gansu/lanzhou/county-c is not an area of the areas file "
	    "prov-areas.csv: a new database's roster has only that file's areas, so cunbaod would stop at "
	    "start") != NULL, "%s", out);
	cr_expect(strstr(out, "county-a is not") == NULL, "%s", out);
	free(out);
	snprintf(path, sizeof path, "%s/prov.db", h_tmpdir());
	cr_expect(access(path, F_OK) != 0, "-n made the database");

	/* With a database there, its roster is not known to -n: nothing is said. */
	cr_assert(h_write_file(path, ""));
	out = check("--upstream-of gansu/lanzhou/county-c", &rc);
	cr_expect(rc == 0 && strstr(out, "configuration OK") != NULL, "%s", out);
	free(out);
}

/*
 * upstream-of-file: a province's counties do not fit on one config line, so
 * the list may be a file, one path a line with comments; it is checked as
 * upstream-of is, and the two keys together are refused.
 */
Test(federation_check, the_children_may_be_listed_in_a_file)
{
	char big[64 << 10];
	size_t off = 0;
	int rc;

	/* 120 counties with their full paths: several kilobytes, more than one config line holds. */
	off += (size_t)snprintf(big + off, sizeof big - off, "path,name,expected\ngansu,甘肃省,0\n"
	    "gansu/lanzhou,兰州市,0\n");
	for (int i = 1; i <= 120; i++)
		off += (size_t)snprintf(big + off, sizeof big - off, "gansu/lanzhou/county-%03d,县%d,0\n", i, i);
	cr_assert(h_write_file(h_path("prov-areas.csv"), big));
	off = (size_t)snprintf(big, sizeof big, "# the counties of the province\n\n");
	for (int i = 1; i <= 120; i++)
		off += (size_t)snprintf(big + off, sizeof big - off, "  gansu/lanzhou/county-%03d   # 县%d\n", i, i);
	cr_assert_gt(off, 1024);
	cr_assert(h_write_file(h_path("children.txt"), big));

	char *out = check("--upstream-of-file children.txt", &rc);
	cr_expect(rc == 0 && strstr(out, "configuration OK") != NULL, "%s", out);
	free(out);

	/* The file's entries are checked against the roster as upstream-of's are. */
	cr_assert(h_write_file(h_path("children.txt"), "gansu/lanzhou/county-001\ngansu/lanzhou/county-999\n"));
	out = check("--upstream-of-file children.txt", &rc);
	cr_expect(rc == 1 && strstr(out, "upstream-of: gansu/lanzhou/county-999 is not an area") != NULL, "%s", out);
	free(out);

	cr_assert(h_write_file(h_path("children.txt"), "gansu/lanzhou/County_1\n"));
	out = check("--upstream-of-file children.txt", &rc);
	cr_expect(rc == 1 && strstr(out, "children.txt: \"gansu/lanzhou/County_1\" is not an area path") != NULL,
	    "%s", out);
	free(out);

	out = check("--upstream-of-file children.txt --upstream-of gansu/lanzhou/county-001", &rc);
	cr_expect(rc == 1 && strstr(out, "upstream-of-file: upstream-of is given too") != NULL, "%s", out);
	free(out);

	out = check("--upstream-of-file nowhere.txt", &rc);
	cr_expect(rc == 1 && strstr(out, "upstream-of-file: nowhere.txt: No such file or directory") != NULL,
	    "%s", out);
	free(out);
}
