/*
 * test_bench_query.c — cunbao-bench --only-query with --query-db: the
 * database is filled once and kept, reused by a run that asks for as many
 * reports, completed by one that asks for more, refused by one that asks
 * for fewer; every API question of every run is answered 200.  No time is
 * asserted.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test_bench.h"

/* One run of the bench on the same database, and what it must say. */
struct query_run {
	int reports;		/* --query-reports */
	bool ok;		/* exit 0 and the API measured */
	const char *note;	/* in the query's note; NULL: none of the others */
};

static const struct query_run runs[] = {
	{ 2000, true, NULL },					/* a new file: filled */
	{ 2000, true, "reused " },				/* as many: reused */
	{ 3000, true, "held 2000, completed" },			/* more: the rest added */
	{ 1000, false, "more than --query-reports 1000" },	/* fewer: refused */
};

/* Checks that each endpoint was asked its questions and answered every one with 200. */
static void
check_endpoints(const cJSON *q)
{
	const cJSON *eps = cJSON_GetObjectItemCaseSensitive(q, "endpoints"), *e;

	cr_assert_eq(cJSON_GetArraySize(eps), 5);
	cJSON_ArrayForEach(e, eps) {
		const char *path = cJSON_GetObjectItemCaseSensitive(e, "path")->valuestring;
		cr_assert_gt(cJSON_GetObjectItemCaseSensitive(e, "requests")->valueint, 0, "%s", path);
		cr_assert(strstr(path, "not 200") == NULL, "%s", path);
	}
}

/* Runs one step of the table and checks its JSON. */
static void
check_run(const struct query_run *r, const char *db)
{
	char cmd[2048];
	int rc;

	snprintf(cmd, sizeof cmd, "%s --only-query --json --query-reports %d --query-db %s 2>%s",
	    bench_bin(), r->reports, db, h_path("bench.err"));
	char *out = h_run(cmd, &rc);
	cr_assert_not_null(out);
	cJSON *root = cJSON_Parse(out);
	cr_assert_not_null(root, "not JSON:\n%s", out);
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(root, "query");
	const char *note = cJSON_GetObjectItemCaseSensitive(q, "note")->valuestring;
	cr_assert_eq(rc == 0, r->ok, "--query-reports %d exited %d: %s", r->reports, rc, note);
	cr_assert_eq(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(q, "ran")), r->ok, "%s", note);
	if (r->note != NULL)
		cr_assert(strstr(note, r->note) != NULL, "want \"%s\" in: %s", r->note, note);
	else
		cr_assert(strstr(note, "reused") == NULL && strstr(note, "held") == NULL, "%s", note);
	if (r->ok) {
		cr_assert_eq(cJSON_GetObjectItemCaseSensitive(q, "reports")->valueint, r->reports);
		check_endpoints(q);
	}
	cJSON_Delete(root);
	free(out);
}

Test(bench_query, query_db_is_filled_once_then_reused_or_completed, .timeout = 300)
{
	char db[512];

	snprintf(db, sizeof db, "%s", h_path("query.db"));
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++)
		check_run(&runs[i], db);
	cr_assert(access(db, F_OK) == 0, "--query-db %s was not kept", db);
}
