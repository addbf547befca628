/*
 * test_bench_smoke.c — cunbao-bench keeps working and keeps counting right.
 * No time is asserted: only that the stream means what the bench says it
 * means (--check), that every message of a smoke run got exactly one
 * counted receipt, and that cunbaod, when built, answered each class with
 * the status it is due (accepted, rejected, duplicate) and published the
 * probes' rollups; and that a tiny --federated run (400 child rollups of 20
 * children into a federating cunbaod, a tenth delivered twice) leaves the
 * parent's figures equal to the children's combined, every input journaled
 * once.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test_bench.h"

static double
num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	cr_assert(cJSON_IsNumber(v), "member %s missing", key);
	return v->valuedouble;
}

Test(bench_smoke, stream_reads_as_its_classes_say)
{
	char cmd[1024];
	int rc;

	snprintf(cmd, sizeof cmd, "%s --check 20000", bench_bin());
	char *out = h_run(cmd, &rc);
	cr_assert_not_null(out);
	cr_assert_eq(rc, 0, "--check found wrong messages:\n%s", out);
	static const char *const classes[] = { "sms ", "report ", "bad ", "repeat " };
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
		cr_assert(strstr(out, classes[i]) != NULL, "no %s line in:\n%s", classes[i], out);
	free(out);
}

/* Checks one pass of the smoke run's JSON. */
static void
check_pass(const cJSON *p)
{
	const char *name = cJSON_GetObjectItemCaseSensitive(p, "name")->valuestring;
	bool daemon = strcmp(cJSON_GetObjectItemCaseSensitive(p, "consumer")->valuestring,
	    "cunbaod") == 0;

	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "ran"))) {
		cr_assert(daemon, "%s did not run", name);
		return;
	}
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(p, "failed")), "%s failed: %s",
	    name, cJSON_GetObjectItemCaseSensitive(p, "note")->valuestring);
	cr_assert_eq(num(p, "receipts") + num(p, "repeats_skipped"), num(p, "messages"),
	    "%s: every message gets one counted receipt", name);
	if (!daemon)
		return;
	cr_assert_eq(num(p, "unexpected"), 0, "%s: receipts with a status not due", name);
	cr_assert_gt(num(p, "accepted"), 0, "%s", name);
	cr_assert_gt(num(p, "rejected"), 0, "%s", name);
	cr_assert_gt(num(p, "duplicate"), 0, "%s", name);
	cr_assert_gt(num(p, "probes"), 0, "%s: no staleness probe receipted", name);
	cr_assert_eq(num(p, "probes_lost"), 0, "%s: a probe's rollup never came", name);
	cr_assert_gt(num(p, "db_bytes"), 0, "%s: no database measured", name);
}

Test(bench_smoke, smoke_run_counts_every_receipt, .timeout = 300)
{
	char cmd[1024];
	int rc;

	snprintf(cmd, sizeof cmd, "%s --smoke --json 2>%s", bench_bin(), h_path("bench.err"));
	char *out = h_run(cmd, &rc);
	cr_assert_not_null(out);
	char *err = h_read_file(h_path("bench.err"), NULL);
	cr_assert_eq(rc, 0, "cunbao-bench --smoke exited %d:\n%s\n%s", rc, out, err ? err : "");
	cJSON *root = cJSON_Parse(out);
	cr_assert_not_null(root, "not JSON:\n%s", out);
	const cJSON *passes = cJSON_GetObjectItemCaseSensitive(root, "passes");
	cr_assert(cJSON_IsArray(passes));
	cr_assert_geq(cJSON_GetArraySize(passes), 2);
	const cJSON *p;
	cJSON_ArrayForEach(p, passes)
		check_pass(p);
	cJSON_Delete(root);
	free(out);
	free(err);
}

/* Checks one federated pass of the smoke run's JSON: ran, complete, correct, nothing twice. */
static void
check_fed_pass(const cJSON *p, double inputs)
{
	const char *name = cJSON_GetObjectItemCaseSensitive(p, "name")->valuestring;

	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "ran")), "%s did not run: %s",
	    name, cJSON_GetObjectItemCaseSensitive(p, "note")->valuestring);
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(p, "failed")), "%s failed: %s",
	    name, cJSON_GetObjectItemCaseSensitive(p, "note")->valuestring);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "correct")),
	    "%s: the parent's figures are not the children's combined", name);
	cr_assert_eq(num(p, "children"), 20, "%s", name);
	cr_assert_eq(num(p, "inputs"), inputs, "%s", name);
	cr_assert_eq(num(p, "journaled"), inputs, "%s: a repeat journaled, or an input lost", name);
	cr_assert_eq(num(p, "repeats"), inputs / 10, "%s: a tenth delivered twice", name);
	cr_assert_eq(num(p, "lag_lost"), 0, "%s: the parent's rollup never counted some", name);
	cr_assert_gt(num(p, "db_bytes"), 0, "%s: no database measured", name);
}

Test(bench_smoke, federated_run_combines_children_exactly, .timeout = 300)
{
	char cmd[1024];
	int rc;

	snprintf(cmd, sizeof cmd, "%s --smoke --federated --json 2>%s", bench_bin(),
	    h_path("bench-fed.err"));
	char *out = h_run(cmd, &rc);
	cr_assert_not_null(out);
	char *err = h_read_file(h_path("bench-fed.err"), NULL);
	cr_assert_eq(rc, 0, "cunbao-bench --smoke --federated exited %d:\n%s\n%s", rc, out,
	    err ? err : "");
	cJSON *root = cJSON_Parse(out);
	cr_assert_not_null(root, "not JSON:\n%s", out);
	const cJSON *fed = cJSON_GetObjectItemCaseSensitive(root, "federated");
	cr_assert(cJSON_IsArray(fed));
	cr_assert_eq(cJSON_GetArraySize(fed), 2, "a full-speed and a paced pass");
	check_fed_pass(cJSON_GetArrayItem(fed, 0), 400);
	check_fed_pass(cJSON_GetArrayItem(fed, 1), 200);
	cJSON_Delete(root);
	free(out);
	free(err);
}
