/*
 * test_cunbaod_admin.c — running cunbaod: -n on a good and a bad
 * configuration (every problem at once, golden output), --help and -V,
 * SIGTERM (commit, receipts, offline status, exit 0, nothing lost), and
 * SIGHUP (a broken catalog keeps the old one; a changed roster CSV is
 * imported).
 */
#include "test_cunbaod.h"

/* Runs cunbaod with args in the scratch dir; returns its output (stdout and stderr) and exit code. */
static char *
run_cunbaod(const char *args, int *rc)
{
	char cmd[2048];

	snprintf(cmd, sizeof cmd, "cd %s && %s %s 2>&1", h_tmpdir(), h_bin("daemon/cunbaod"), args);
	return h_run(cmd, rc);
}

Test(admin, check_good_config)
{
	char conf[1024];
	int rc;

	snprintf(conf, sizeof conf, "# a good one\ncatalog %s\nareas %s\nreporters %s\ntz UTC\nbatch-max 500\n",
	    h_src("schema/catalog.json"), h_src("schema/examples/areas.csv"),
	    h_src("schema/examples/reporters.csv"));
	cr_assert(h_write_file(h_path("good.conf"), conf));
	char *out = run_cunbaod("-n -c good.conf", &rc);
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect_str_eq(out, "configuration OK\n");
	free(out);
	/* A flag wins over the file: a bad one is reported as a command-line problem. */
	out = run_cunbaod("-n -c good.conf --batch-max 0", &rc);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(out, "command line: batch-max") != NULL, "%s", out);
	free(out);
}

Test(admin, check_bad_config_lists_every_problem)
{
	int rc;

	cr_assert(h_write_file(h_path("bad.conf"), "colour red\nbatch-max 0\ntz Mars/Olympus\n"
	    "catalog /nonexistent/catalog.json\nareas bad_areas.csv\nbroker nohost\n"));
	cr_assert(h_write_file(h_path("bad_areas.csv"), "path,name,expected\nxinzhuang,镇,0\n"
	    "Xin/Bad,x,1\nxinzhuang/a,a,2\n"));
	char *out = run_cunbaod("-n -c bad.conf", &rc), *golden = h_read_file(h_src("tests/golden/cunbaod_check_bad.golden"), NULL);
	cr_expect_eq(rc, 1);
	cr_assert_not_null(golden);
	cr_expect_str_eq(out, golden);
	free(out);
	free(golden);
	/* A missing -c file is a problem; the default file may be absent. */
	out = run_cunbaod("-n -c missing.conf --catalog /nonexistent", &rc);
	cr_expect_eq(rc, 1);
	cr_expect(strstr(out, "missing.conf: No such file or directory") != NULL, "%s", out);
	free(out);
}

Test(admin, help_version_usage)
{
	int rc;
	char *out = run_cunbaod("--help", &rc);

	cr_expect_eq(rc, 0);
	cr_expect(strstr(out, "usage: cunbaod") != NULL && strstr(out, "rollup-interval") != NULL &&
	    strstr(out, "SIGHUP") != NULL, "%s", out);
	free(out);
	out = run_cunbaod("-V", &rc);
	cr_expect_eq(rc, 0);
	cr_expect(strncmp(out, "cunbaod ", 8) == 0, "%s", out);
	free(out);
	out = run_cunbaod("--no-such-option", &rc);
	cr_expect_eq(rc, 2);
	free(out);
	out = run_cunbaod("-d stray", &rc);
	cr_expect_eq(rc, 2);
	free(out);
}

#define BURST 600

Test(admin, sigterm_commits_answers_and_exits_0)
{
	struct cbd c = { 0 };
	char id[32], text[64];
	int receipts = 0;
	struct h_msg *m;

	cbd_start(&c);
	for (int i = 0; i < BURST; i++) {
		snprintf(id, sizeof id, "t:%d", i);
		snprintf(text, sizeof text, "牲畜 牛%d", i % 90);
		cr_assert(cbd_sms(&c, id, "+8613800000001", text));
	}
	cr_assert(h_wait_log(c.proc, "batch: begins", CBD_WAIT));
	cr_assert_eq(cbd_term(&c), 0, "SIGTERM must exit 0");
	while ((m = h_mqtt_wait(c.mq, CBD_ROOT "/receipt/test", NULL, 300)) != NULL) {
		const char *p = strstr(m->payload, "\"id\":\"");
		char where[128];

		snprintf(where, sizeof where, "SELECT count(*) FROM journal WHERE msg_id = '%.*s'",
		    p ? (int)strcspn(p + 6, "\"") : 0, p ? p + 6 : "");
		cr_expect_eq(db_int(c.db, where), 1, "a receipt for a message not journaled: %s", m->payload);
		receipts++;
		h_msg_free(m);
	}
	cr_expect_gt(receipts, 0);
	cr_expect_geq(db_int(c.db, "SELECT count(*) FROM journal"), receipts);
	char *st = h_retained(c.broker.port, CBD_ROOT "/status/cunbaod", CBD_WAIT);
	cr_assert_not_null(st);
	cr_expect(strstr(st, "\"state\":\"offline\"") && strstr(st, "\"reason\":\"shutdown\""), "%s", st);
	free(st);
	/* What was still queued for it arrives after a restart: every message gets its receipt. */
	cr_assert(cbd_spawn(&c));
	for (int i = 0; i < BURST; i++) {
		snprintf(id, sizeof id, "t:%d", i);
		cr_assert(cbd_sms(&c, id, "+8613800000001", "牲畜 牛1"));	/* a retry: same id */
	}
	static bool held[BURST];
	int answered = 0;

	while (answered < BURST && (m = h_mqtt_wait(c.mq, CBD_ROOT "/receipt/test", NULL, CBD_WAIT)) != NULL) {
		const char *p = strstr(m->payload, "\"id\":\"t:");
		int i = p ? atoi(p + 8) : -1;

		if (i >= 0 && i < BURST && !held[i]) {
			held[i] = true;
			answered++;
		}
		h_msg_free(m);
	}
	cr_expect_eq(answered, BURST, "only %d of %d messages hold a receipt", answered, BURST);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal"), BURST);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports"), BURST);
	cbd_stop(&c);
}

/* Copies a source-tree file into the scratch dir; returns the copy's path (static rotation). */
static const char *
copy_src(const char *rel, const char *name)
{
	char *text = h_read_file(h_src(rel), NULL);

	cr_assert_not_null(text);
	cr_assert(h_write_file(h_path(name), text));
	free(text);
	return h_path(name);
}

Test(admin, sighup_keeps_a_broken_catalog_out_and_imports_the_roster)
{
	struct cbd c = { 0 };
	char catalog[256], reporters[256];
	char *good;

	snprintf(catalog, sizeof catalog, "%s", copy_src("schema/catalog.json", "catalog.json"));
	snprintf(reporters, sizeof reporters, "%s", copy_src("schema/examples/reporters.csv", "reporters.csv"));
	c.catalog = catalog;
	c.reporters = reporters;
	cbd_start(&c);
	cJSON_Delete(cbd_expect(&c, "h:1", "+8613800000001", "牲畜 牛1", "accepted", NULL));
	cJSON_Delete(cbd_expect(&c, "h:2", "+8613800000031", "牲畜 牛1", "rejected", "unknown_sender"));

	good = h_read_file(catalog, NULL);
	cr_assert(h_write_file(catalog, "{ \"kinds\": [ broken"));
	char *csv = h_read_file(reporters, NULL), more[8192];
	snprintf(more, sizeof more, "%s+8613800000031,新人,xinzhuang/hexi/g01,leader,zh\n", csv);
	free(csv);
	cr_assert(h_write_file(reporters, more));
	kill(c.proc->pid, SIGHUP);
	cr_assert(h_wait_log(c.proc, "invalid; keeping the one in use", CBD_WAIT), "no word of the bad catalog");
	cr_assert(h_wait_log(c.proc, "roster: 10 areas, 12 reporters", CBD_WAIT), "the roster was not reloaded");
	cJSON_Delete(cbd_expect(&c, "h:3", "+8613800000001", "牲畜 牛2", "accepted", NULL));
	cJSON_Delete(cbd_expect(&c, "h:4", "+8613800000031", "牲畜 猪3", "accepted", NULL));

	cr_assert(h_write_file(catalog, good));
	free(good);
	kill(c.proc->pid, SIGHUP);
	char needle[512];

	snprintf(needle, sizeof needle, "reload: catalog %s, 7 kinds", catalog);
	cr_assert(h_wait_log(c.proc, needle, CBD_WAIT), "the mended catalog was not loaded");
	cJSON_Delete(cbd_expect(&c, "h:5", "+8613800000001", "牲畜 牛3", "accepted", NULL));
	char *p = cbd_rollup_wait(&c, "xinzhuang/hexi/g01", "livestock", "current", "pigs", "3", CBD_WAIT);
	cr_expect_not_null(p, "the reloaded catalog lost the figures");
	free(p);
	cr_assert(h_alive(c.proc));
	cbd_stop(&c);
}
