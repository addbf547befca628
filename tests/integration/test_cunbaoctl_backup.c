/*
 * test_cunbaoctl_backup.c — `cunbaoctl backup` of a live database and
 * `cunbaoctl restore` (tools/cunbaoctl/cmd_backup.c, daemon/store_backup.c)
 * against a real cunbaod and mosquitto:
 *   - a backup taken while reports stream in is consistent (integrity_check
 *     ok), holds every report receipted before it began, and ingest goes on
 *     (every report of the stream gets its receipt);
 *   - restore refuses while cunbaod runs, and refuses a damaged file or one
 *     from a newer schema without touching the database;
 *   - with cunbaod stopped, restore replaces the database (the old one kept
 *     beside it, with its WAL) and cunbaod runs on the restored one.
 */
#include "test_cunbaod.h"

#define LEADER "+8613800000001"	/* 王建国, group 1 of the example village */
#define BEFORE 40		/* reports receipted before the backup */
#define DURING 200		/* reports streaming while it runs */

/* Runs cunbaoctl with args (sh words); returns its output (malloc'd) and exit code. */
static char *
ctl(const char *args, int *rc)
{
	char cmd[8192];

	snprintf(cmd, sizeof cmd, "%s %s 2>&1", h_bin("tools/cunbaoctl/cunbaoctl"), args);
	return h_run(cmd, rc);
}

/* Sends n SMS reports ids <tag>:<i> (each adds one bought head) without waiting. */
static void
send_n(struct cbd *c, const char *tag, int n)
{
	char id[64];

	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%s:%d", tag, i);
		cr_assert(cbd_sms(c, id, LEADER, "牲畜 购进1"));
	}
}

/* Waits for the receipts of ids <tag>:0..n-1; asserts each came. */
static void
receipts_n(struct cbd *c, const char *tag, int n)
{
	char id[64];

	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%s:%d", tag, i);
		cJSON *r = cbd_receipt(c, id);
		cr_assert_not_null(r, "no receipt for %s", id);
		cJSON_Delete(r);
	}
}

Test(backup, live_backup_then_restore, .timeout = 180)
{
	struct cbd c = { 0 };
	char args[4096], backup[256], bad[256], newer[256];
	char *out;
	int rc;

	cbd_start(&c);
	send_n(&c, "before", BEFORE);
	receipts_n(&c, "before", BEFORE);

	/* A backup while a stream of reports goes in: ingest is not stopped. */
	snprintf(backup, sizeof backup, "%s", h_path("nightly.db"));
	send_n(&c, "during", DURING);
	snprintf(args, sizeof args, "backup -c /dev/null --db %s %s", c.db, backup);
	out = ctl(args, &rc);
	cr_assert_eq(rc, 0, "backup: %s", out);
	cr_expect(strstr(out, "backed up") != NULL, "%s", out);
	free(out);
	receipts_n(&c, "during", DURING);
	cr_expect(access(h_path("nightly.db.tmp"), F_OK) != 0, "a .tmp was left behind");

	long long in_backup = db_int(backup, "SELECT count(*) FROM journal");
	long long before = db_int(backup, "SELECT count(*) FROM journal WHERE msg_id LIKE 'before:%'");
	cr_expect_eq(before, BEFORE, "the backup lacks reports receipted before it began");
	cr_expect(in_backup >= BEFORE && in_backup <= BEFORE + DURING, "%lld rows", in_backup);
	/* Its figures are the sum of what it holds: one consistent snapshot. */
	cr_expect_eq(db_int(backup, "SELECT count(*) FROM reports WHERE status = 'active'"), in_backup);
	out = ctl((snprintf(args, sizeof args, "restore -c /dev/null --db %s --check %s", c.db, backup),
	    args), &rc);
	cr_expect_eq(rc, 0, "restore --check: %s", out);
	cr_expect(strstr(out, "checked") != NULL, "%s", out);
	free(out);

	/* Restore refuses while cunbaod runs, and the database stays as it is. */
	out = ctl((snprintf(args, sizeof args, "restore -c /dev/null --db %s %s", c.db, backup), args), &rc);
	cr_expect_eq(rc, 4, "restore while cunbaod runs: exit %d: %s", rc, out);
	cr_expect(strstr(out, "cunbaod is running") != NULL, "%s", out);
	free(out);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal"), BEFORE + DURING);

	/* A damaged file and one from a newer cunbao are refused, nothing replaced. */
	snprintf(bad, sizeof bad, "%s", h_path("damaged.db"));
	snprintf(newer, sizeof newer, "%s", h_path("newer.db"));
	snprintf(args, sizeof args, "head -c 20000 %s > %s && cp %s %s && sqlite3 %s 'PRAGMA user_version = 999'",
	    backup, bad, backup, newer, newer);
	free(h_run(args, &rc));
	cr_assert_eq(rc, 0);
	cr_assert_eq(cbd_term(&c), 0);
	out = ctl((snprintf(args, sizeof args, "restore -c /dev/null --db %s %s", c.db, bad), args), &rc);
	cr_expect_eq(rc, 1, "a damaged backup: exit %d: %s", rc, out);
	cr_expect(strstr(out, "nothing replaced") != NULL, "%s", out);
	free(out);
	out = ctl((snprintf(args, sizeof args, "restore -c /dev/null --db %s %s", c.db, newer), args), &rc);
	cr_expect_eq(rc, 1, "a newer schema: exit %d: %s", rc, out);
	cr_expect(strstr(out, "newer cunbaod") != NULL, "%s", out);
	free(out);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal"), BEFORE + DURING);

	/* With cunbaod stopped: the backup becomes the database, the old one is kept. */
	out = ctl((snprintf(args, sizeof args, "restore -c /dev/null --db %s %s", c.db, backup), args), &rc);
	cr_expect_eq(rc, 0, "restore: %s", out);
	cr_expect(strstr(out, "before-restore-") != NULL, "%s", out);
	free(out);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal"), in_backup);
	out = h_run((snprintf(args, sizeof args, "ls %s.before-restore-* | head -1", c.db), args), &rc);
	cr_assert(out != NULL && out[0] != '\0', "the replaced database was not kept");
	out[strcspn(out, "\n")] = '\0';
	cr_expect_eq(db_int(out, "SELECT count(*) FROM journal"), BEFORE + DURING,
	    "the kept database lost rows");
	free(out);

	/* cunbaod runs on the restored database: a repeat is still a duplicate, a new report counts. */
	cr_assert(cbd_spawn(&c), "cunbaod did not start on the restored database");
	cr_assert(cbd_sms(&c, "before:0", LEADER, "牲畜 购进1"));
	cJSON *r = cbd_receipt(&c, "before:0");
	cr_assert_not_null(r);
	cr_expect_str_eq(rc_str(r, "status"), "duplicate");
	cJSON_Delete(r);
	send_n(&c, "after", 1);
	receipts_n(&c, "after", 1);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal"), in_backup + 1);	/* a repeat writes nothing */
	cbd_stop(&c);
}
