/*
 * test_trust_ops.c — cunbaod's operational safety (trust issues 10 and 16):
 * a full database backs off instead of storming the broker, and resumes by
 * itself; a second cunbaod with the same client id, or on the same
 * database, stops or refuses with a clear error; a reconnect storm is
 * logged; /healthz writes nothing; batch-max bounds a transaction; relative
 * file names survive going to the background; a roster CSV is imported
 * only when it changed; sync-thread is ignored with a warning.
 */
#include <sys/wait.h>

#include "test_api.h"

#define FULL_N 200		/* reports sent into the full database */

/* Starts cunbaod with its API, then more arguments (NULL-terminated, may be NULL). */
static void
ops_start(struct api *a, const char *const *more)
{
	api_start_more(a, NULL, "0", NULL, more);
}

/* How often needle occurs in a process's log so far. */
static int
log_count(const struct h_proc *p, const char *needle)
{
	char *text = h_read_file(p->log, NULL);
	int n = 0;

	for (const char *q = text; q != NULL && (q = strstr(q, needle)) != NULL; q += strlen(needle))
		n++;
	free(text);
	return n;
}

/* Publishes report f:<i> (a livestock report of group 1, its own id). */
static void
full_send(struct cbd *c, int i)
{
	char buf[512];
	int len = snprintf(buf, sizeof buf, "{\"id\":\"f:%d\",\"source\":\"full\",\"kind\":\"livestock\","
	    "\"area\":\"xinzhuang/hexi/g01\",\"period\":\"2023-12\",\"values\":{\"cattle\":%d,\"bought\":1},"
	    "\"note\":\"%0200d\"}", i, i % 50, i);

	cr_assert(h_mqtt_pub(c->mq, CBD_ROOT "/report/xinzhuang/hexi/g01", buf, (size_t)len, 1, false));
}

/* Takes the queued receipts of the f: reports, marking their ids; returns how many are marked. */
static int
full_collect(struct cbd *c, bool *got)
{
	struct h_msg *m;
	int n = 0;

	while ((m = h_mqtt_wait(c->mq, CBD_ROOT "/receipt/full", NULL, 1)) != NULL) {
		const char *p = strstr(m->payload, "\"id\":\"f:");

		if (p != NULL && atoi(p + 8) >= 0 && atoi(p + 8) < FULL_N)
			got[atoi(p + 8)] = true;
		h_msg_free(m);
	}
	for (int i = 0; i < FULL_N; i++)
		n += got[i];
	return n;
}

/* The status /healthz answers with. */
static int
healthz(struct api *a, char *body, size_t len)
{
	struct resp r = http_get(a->port, "/healthz", NULL);
	int status = r.status;

	snprintf(body, len, "%s", r.body ? r.body : "");
	resp_free(&r);
	return status;
}

/*
 * 16.3: the database fills (db-max-pages), then is freed (SIGHUP lifts the
 * cap).  While full: one log line, the connection held (no reconnect),
 * no receipt for anything not stored, /healthz "database": false; then
 * every report is stored once and answered.
 */
Test(ops, full_database_backs_off_holds_the_connection_and_resumes, .timeout = 120)
{
	struct api a = { 0 };
	char conf[256], body[512], line[64];
	static bool got[FULL_N];
	int have = 0;

	snprintf(conf, sizeof conf, "%s", h_path("full.conf"));
	cr_assert(h_write_file(conf, "db-max-pages 0\n"));
	const char *more[] = { "-c", conf, NULL };

	ops_start(&a, more);
	cr_assert_eq(healthz(&a, body, sizeof body), 200, "%s", body);
	long long pages = db_int(a.cbd.db, "PRAGMA page_count");

	snprintf(line, sizeof line, "db-max-pages %lld\n", pages + 2);
	cr_assert(h_write_file(conf, line));
	kill(a.cbd.proc->pid, SIGHUP);
	cr_assert(h_wait_log(a.cbd.proc, "reload: catalog", CBD_WAIT));
	for (int i = 0; i < FULL_N; i++)
		full_send(&a.cbd, i);
	cr_assert(h_wait_log(a.cbd.proc, "database: cannot store messages", CBD_WAIT * 3), "never full");
	/* Full for a while: retries back off, nothing reconnects, nothing unstored is answered. */
	for (int w = 0; w < 30; w++) {
		usleep(100 * 1000);
		have = full_collect(&a.cbd, got);
	}
	cr_assert_eq(healthz(&a, body, sizeof body), 503, "%s", body);
	cr_expect(strstr(body, "\"database\":false") != NULL, "%s", body);
	long long stored = db_int(a.cbd.db, "SELECT count(*) FROM journal WHERE msg_id LIKE 'f:%'");

	cr_expect_lt(stored, FULL_N, "everything fit: the cap did not bite");
	for (int i = 0; i < FULL_N; i++)
		if (got[i]) {
			char sql[128];

			snprintf(sql, sizeof sql, "SELECT count(*) FROM journal WHERE msg_id = 'f:%d'", i);
			cr_expect_eq(db_int(a.cbd.db, sql), 1, "a receipt for f:%d, which is not stored", i);
		}
	cr_expect_eq(have, stored, "receipts %d, stored %lld", have, stored);
	cr_expect_eq(log_count(a.cbd.proc, "mqtt: connected"), 1, "cunbaod reconnected while full");
	cr_expect_eq(log_count(a.cbd.proc, "database: cannot store messages"), 1, "logged more than once");
	cr_expect_eq(log_count(a.cbd.proc, "commit: commit:"), 0);
	/* Space comes back: everything is stored once and answered, by itself. */
	cr_assert(h_write_file(conf, "db-max-pages 0\n"));
	kill(a.cbd.proc->pid, SIGHUP);
	cr_assert(h_wait_log(a.cbd.proc, "database: storing again", CBD_WAIT * 2));
	for (int w = 0; w < 300 && (have = full_collect(&a.cbd, got)) < FULL_N; w++)
		usleep(100 * 1000);
	cr_expect_eq(have, FULL_N, "only %d of %d reports answered after space came back", have, FULL_N);
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM journal WHERE msg_id LIKE 'f:%'"), FULL_N);
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(DISTINCT msg_id) FROM journal WHERE msg_id LIKE 'f:%'"),
	    FULL_N);
	cr_expect_eq(healthz(&a, body, sizeof body), 200, "%s", body);
	cr_expect_eq(log_count(a.cbd.proc, "mqtt: connected"), 1, "cunbaod reconnected");
	/* Each message counted once in /metrics, however many times it was tried. */
	struct resp r = http_get(a.port, "/metrics", TOKEN_READ);
	long counted = 0;

	for (const char *q = r.body; q != NULL && (q = strstr(q, "\ncunbaod_messages_total{")) != NULL; q++)
		counted += atol(strchr(q, '}') + 2);
	resp_free(&r);
	cr_expect_eq(counted, FULL_N, "%ld messages counted for %d sent", counted, FULL_N);
	api_stop(&a);
}

/* 16.4: a second cunbaod with the same client id takes the session; the first stops, exit 1. */
Test(ops, session_taken_over_stops_instead_of_fighting, .timeout = 90)
{
	struct cbd one = { 0 }, two = { 0 };

	cbd_start(&one);
	two.broker = one.broker;
	snprintf(two.db, sizeof two.db, "%s", h_path("second.db"));
	two.mq = one.mq;
	two.starts = 10;
	cr_assert(cbd_spawn(&two), "the second cunbaod did not connect");
	cr_assert(h_wait_log(one.proc, "session taken over", CBD_WAIT), "the first never noticed");
	int rc = h_stop(one.proc, 0, CBD_WAIT);

	one.proc = NULL;
	cr_expect_eq(rc, 1, "the first cunbaod exited %d", rc);
	int connects = log_count(two.proc, "mqtt: connected");

	sleep(3);
	cr_expect(h_alive(two.proc));
	cr_expect_leq(connects, 5, "the two fought %d times", connects);
	cr_expect_eq(log_count(two.proc, "mqtt: connected"), connects, "the second still reconnects");
	cr_expect_eq(log_count(two.proc, "session taken over"), 0);
	cr_expect_eq(cbd_term(&two), 0);
	cbd_stop(&one);
}

/* 16.4: a second cunbaod on the same database refuses to start, naming the lock. */
Test(ops, second_daemon_on_one_database_refuses, .timeout = 60)
{
	struct cbd c = { 0 };
	char cmd[2048];
	int rc;

	cbd_start(&c);
	/* timeout: a cunbaod that does not refuse must not hang the test. */
	snprintf(cmd, sizeof cmd, "timeout 10 %s -d --broker 127.0.0.1:%d --db %s --catalog %s --listen off "
	    "--client-id other 2>&1", h_bin("daemon/cunbaod"), c.broker.port, c.db,
	    h_src("schema/catalog.json"));
	char *out = h_run(cmd, &rc);

	cr_expect_eq(rc, 1, "%s", out ? out : "");
	cr_expect(out != NULL && strstr(out, "in use by another cunbaod") != NULL, "%s", out ? out : "");
	free(out);
	cr_expect(h_alive(c.proc));
	cbd_stop(&c);
}

/* 16.1: many connections in a minute are logged once as a storm, and counted in /metrics. */
Test(ops, reconnect_storm_is_logged_and_counted, .timeout = 120)
{
	struct api a = { 0 };
	const char *more[] = { "--reconnect-max", "100ms", NULL };

	ops_start(&a, more);
	h_mqtt_close(a.cbd.mq);
	a.cbd.mq = NULL;
	for (int i = 0; i < 12; i++) {
		h_broker_stop(&a.cbd.broker);
		cr_assert(h_broker_start(&a.cbd.broker));
		for (int w = 0; w < 100 && log_count(a.cbd.proc, "mqtt: connected") < i + 2; w++)
			usleep(50 * 1000);
	}
	cr_assert(h_wait_log(a.cbd.proc, "reconnect storm", CBD_WAIT));
	cr_expect_eq(log_count(a.cbd.proc, "mqtt: reconnect storm"), 1);
	sleep(2);	/* the gauge is refreshed each second */
	struct resp r = http_get(a.port, "/metrics", TOKEN_READ);
	const char *g = strstr(r.body ? r.body : "", "\ncunbaod_connects_last_minute ");

	cr_assert_not_null(g, "%s", r.body);
	cr_expect_gt(atoi(g + strlen("\ncunbaod_connects_last_minute ")), 10);
	resp_free(&r);
	a.cbd.mq = h_mqtt_connect(a.cbd.broker.port, "test-collector", true);
	api_stop(&a);
}

/* 10.15: /healthz reads the daemon's state; it writes nothing to the database. */
Test(ops, healthz_writes_nothing, .timeout = 60)
{
	struct api a = { 0 };
	char body[512];

	ops_start(&a, NULL);
	long long before = db_int(a.cbd.db, "SELECT count(*) FROM api_health");

	for (int i = 0; i < 50; i++)
		cr_assert_eq(healthz(&a, body, sizeof body), 200, "%s", body);
	cr_expect(strstr(body, "\"database\":true") != NULL, "%s", body);
	cr_expect(strstr(body, "\"last_commit_age_s\"") != NULL, "%s", body);
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM api_health"), before, "/healthz wrote");
	api_stop(&a);
}

/* 10.19: no transaction holds more than batch-max messages, and nothing is lost. */
Test(ops, batch_max_bounds_every_transaction, .timeout = 90)
{
	struct cbd c = { .extra = { "--batch-max", "5", NULL } };
	static bool got[FULL_N];
	int have = 0, biggest = 0;

	cbd_start(&c);
	cr_assert(h_mqtt_sub(c.mq, CBD_ROOT "/receipt/full", 1));
	for (int i = 0; i < FULL_N; i++)
		full_send(&c, i);
	for (int w = 0; w < 300 && (have = full_collect(&c, got)) < FULL_N; w++)
		usleep(100 * 1000);
	cr_expect_eq(have, FULL_N);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id LIKE 'f:%'"), FULL_N);
	char *text = h_read_file(c.proc->log, NULL);

	for (const char *q = text; q != NULL && (q = strstr(q, "batch: ")) != NULL; q += 7)
		if (q[7] >= '0' && q[7] <= '9' && atoi(q + 7) > biggest)
			biggest = atoi(q + 7);
	free(text);
	cr_expect(biggest > 0, "no batch logged");
	cr_expect_leq(biggest, 5, "a batch of %d messages with batch-max 5", biggest);
	cbd_stop(&c);
}

/* The pid in cunbaod's retained status, 0 when there is none. */
static pid_t
status_pid(int port)
{
	char *s = h_retained(port, CBD_ROOT "/status/cunbaod", 500);
	const char *p = s ? strstr(s, "\"pid\":") : NULL;
	pid_t pid = p ? (pid_t)atoi(p + 6) : 0;

	free(s);
	return pid;
}

/* 10.19: relative file names given to a cunbaod that goes to the background stay where they were. */
Test(ops, relative_paths_survive_the_background, .timeout = 60)
{
	struct cbd c = { 0 };
	char dir[256], cmd[2048], db[400], unique[64];
	int rc;

	cr_assert(h_broker_start(&c.broker));
	c.mq = h_mqtt_connect(c.broker.port, "test-collector", true);
	cr_assert(h_mqtt_sub(c.mq, CBD_ROOT "/receipt/#", 1));
	snprintf(dir, sizeof dir, "%s", h_tmpdir());
	snprintf(unique, sizeof unique, "rel-%d.db", (int)getpid());
	snprintf(cmd, sizeof cmd, "cd %s && cp %s cat.json && cp %s areas.csv && cp %s reporters.csv && "
	    "%s --broker 127.0.0.1:%d --db %s --catalog cat.json --areas areas.csv --reporters reporters.csv "
	    "--listen off 2>&1", dir, h_src("schema/catalog.json"), h_src("schema/examples/areas.csv"),
	    h_src("schema/examples/reporters.csv"), h_bin("daemon/cunbaod"), c.broker.port, unique);
	char *out = h_run(cmd, &rc);

	cr_expect_eq(rc, 0, "%s", out ? out : "");
	free(out);
	pid_t pid = 0;

	for (int w = 0; w < 20 && (pid = status_pid(c.broker.port)) == 0; w++)
		usleep(100 * 1000);
	snprintf(db, sizeof db, "%s/%s.lock", dir, unique);
	char *lock = h_read_file(db, NULL);

	if (pid == 0 && lock != NULL)
		pid = (pid_t)atoi(lock);	/* online or not, it must be stopped */
	free(lock);
	snprintf(db, sizeof db, "%s/%s", dir, unique);
	bool here = access(db, F_OK) == 0;
	char root[128];

	snprintf(root, sizeof root, "/%s", unique);
	bool at_root = access(root, F_OK) == 0;

	if (at_root) {
		unlink(root);
		snprintf(cmd, sizeof cmd, "rm -f /%s-wal /%s-shm", unique, unique);
		free(h_run(cmd, &rc));
	}
	cr_expect(here, "the database is not in %s", dir);
	cr_expect(!at_root, "the database went to /");
	if (pid > 0) {
		cr_expect(cbd_sms(&c, "rel-1", "+8613800000001", "牲畜 牛12"));
		cJSON *r = cbd_receipt(&c, "rel-1");

		cr_expect_not_null(r, "no receipt from the background cunbaod");
		cJSON_Delete(r);
		kill(pid, SIGTERM);
		for (int w = 0; w < 100 && kill(pid, 0) == 0; w++)
			usleep(100 * 1000);
	}
	cr_expect(pid > 0, "the background cunbaod never went online");
	h_mqtt_close(c.mq);
	h_broker_stop(&c.broker);
}

/* 10.18: a roster CSV is imported again only when it changed; edits made since stay. */
Test(ops, roster_csv_is_imported_only_when_changed, .timeout = 60)
{
	struct cbd c = { 0 };
	char areas[256], cmd[1024];
	int rc;

	snprintf(areas, sizeof areas, "%s", h_path("areas-copy.csv"));
	snprintf(cmd, sizeof cmd, "cp %s %s", h_src("schema/examples/areas.csv"), areas);
	free(h_run(cmd, &rc));
	c.areas = areas;
	cbd_start(&c);
	/* An edit the admin API would make: a group renamed. */
	sqlite3 *db = NULL;

	cr_assert_eq(sqlite3_open(c.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, CBD_WAIT);
	cr_assert_eq(sqlite3_exec(db, "UPDATE areas SET name = 'Renamed' WHERE path = 'xinzhuang/hexi/g01'",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	kill(c.proc->pid, SIGHUP);
	cr_assert(h_wait_log(c.proc, "unchanged since its import", CBD_WAIT));
	usleep(300 * 1000);
	char *name = db_dump(c.db, "SELECT name FROM areas WHERE path = 'xinzhuang/hexi/g01'");

	cr_expect(strstr(name, "Renamed") != NULL, "SIGHUP undid the edit: %s", name);
	free(name);
	/* A restart with the same file keeps it too. */
	cr_assert_eq(cbd_term(&c), 0);
	cr_assert(cbd_spawn(&c));
	name = db_dump(c.db, "SELECT name FROM areas WHERE path = 'xinzhuang/hexi/g01'");
	cr_expect(strstr(name, "Renamed") != NULL, "a restart undid the edit: %s", name);
	free(name);
	/* A changed file is imported, and says so. */
	snprintf(cmd, sizeof cmd, "printf 'xinzhuang/hexi/g09,九组,1\\n' >> %s", areas);
	free(h_run(cmd, &rc));
	kill(c.proc->pid, SIGHUP);
	cr_assert(h_wait_log(c.proc, "is new or changed: imported", CBD_WAIT));
	usleep(300 * 1000);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM areas WHERE path = 'xinzhuang/hexi/g09'"), 1);
	cbd_stop(&c);
}

/* 10.14: sync-thread is gone: the key is accepted and ignored with a warning. */
Test(ops, sync_thread_is_ignored_with_a_warning, .timeout = 60)
{
	struct cbd c = { .extra = { "--sync-thread", "yes", NULL } };

	cbd_start(&c);
	cr_expect(h_wait_log(c.proc, "sync-thread: this setting was removed", CBD_WAIT));
	cr_expect(h_wait_log(c.proc, "fdatasync in COMMIT", CBD_WAIT));
	cJSON *r = cbd_expect(&c, "st-1", "+8613800000001", "牲畜 牛12", "accepted", NULL);

	cJSON_Delete(r);
	cbd_stop(&c);
}

/*
 * 10.13: rebuild refuses while cunbaod runs, is a dry run without --apply,
 * and after a missing sender was added to the roster numbers the newly
 * accepted report above every journaled id (it aborted with UNIQUE
 * constraint failed: reports.id).
 */
Test(ops, rebuild_after_a_sender_was_added, .timeout = 90)
{
	struct cbd c = { 0 };
	char cmd[2048];
	int rc;

	char conf[256], text[1024];

	cbd_start(&c);
	cJSON_Delete(cbd_expect(&c, "rb-1", "+8613900000099", "牲畜 牛3", "rejected", NULL));
	cJSON_Delete(cbd_expect(&c, "rb-2", "+8613800000001", "牲畜 牛12", "accepted", NULL));
	/* cunbaod's config tells rebuild where the database and the catalog are. */
	snprintf(conf, sizeof conf, "%s", h_path("rebuild.conf"));
	snprintf(text, sizeof text, "db %s\ncatalog %s\ntz Asia/Shanghai\n", c.db, h_src("schema/catalog.json"));
	cr_assert(h_write_file(conf, text));
	snprintf(cmd, sizeof cmd, "%s rebuild -c %s --apply 2>&1", h_bin("tools/cunbaoctl/cunbaoctl"), conf);
	char *out = h_run(cmd, &rc);

	cr_expect_neq(rc, 0, "rebuilt under a running cunbaod: %s", out ? out : "");
	cr_expect(out != NULL && strstr(out, "cunbaod is running") != NULL, "%s", out ? out : "");
	free(out);
	cr_assert_eq(cbd_term(&c), 0);
	sqlite3 *db = NULL;

	cr_assert_eq(sqlite3_open(c.db, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "INSERT INTO reporters (id, name, area, role, lang) SELECT "
	    "'+8613900000099', 'new', area, role, lang FROM reporters WHERE id = '+8613800000001'",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	long long before = db_int(c.db, "SELECT count(*) FROM reports");
	char dry[2048];

	snprintf(dry, sizeof dry, "%s rebuild --db %s --catalog %s 2>&1", h_bin("tools/cunbaoctl/cunbaoctl"),
	    c.db, h_src("schema/catalog.json"));
	out = h_run(dry, &rc);
	cr_expect_eq(rc, 0, "%s", out ? out : "");
	cr_expect(out != NULL && strstr(out, "dry run") != NULL, "%s", out ? out : "");
	free(out);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports"), before, "the dry run wrote");
	out = h_run(cmd, &rc);
	cr_expect_eq(rc, 0, "%s", out ? out : "");
	free(out);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports"), before + 1);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports WHERE area = ''"), 0);
	cr_expect_gt(db_int(c.db, "SELECT id FROM reports WHERE reporter = '+8613900000099'"),
	    db_int(c.db, "SELECT max(report_id) FROM journal WHERE msg_id = 'rb-2'"));
	cbd_stop(&c);
}
