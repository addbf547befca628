/*
 * store.c — opening and migrating the database, transactions, statements,
 * and the journal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrations.h"
#include "store_int.h"

/* Every statement the store runs, indexed by enum stmt. */
static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT msg",
	[ST_RELEASE] = "RELEASE msg",
	[ST_ROLLBACK_TO] = "ROLLBACK TO msg",
	[ST_JOURNAL_FIND] = "SELECT receipt FROM journal WHERE source = ?1 AND msg_id = ?2",
	[ST_JOURNAL_ADD] = "INSERT INTO journal (msg_id, source, channel, sender, topic, payload,"
	    " received_at, status, error, detail, command, report_id, receipt, seq)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	[ST_JOURNAL_MAX] = "SELECT coalesce(max(seq), 0) FROM journal",
	[ST_JOURNAL_OUTCOME] = "UPDATE journal SET status = ?2, error = ?3, detail = ?4,"
	    " report_id = ?5 WHERE seq = ?1",
	[ST_JOURNAL_PAGE] = "SELECT seq, topic, payload, received_at, report_id, detail FROM journal"
	    " WHERE seq > ?1 ORDER BY seq LIMIT 512",
	[ST_REPORT_ADD] = "INSERT INTO reports (id, journal_seq, area, kind, period, reporter,"
	    " created_at, replaces) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_VALUE_ADD] = "INSERT INTO report_values (report, field, value, scale) VALUES (?1, ?2, ?3, ?4)",
	[ST_REPORT_RETIRE] = "UPDATE reports SET status = ?2, superseded_by = ?3 WHERE id = ?1",
	[ST_REPORT_LAST] = "SELECT id, kind, period FROM reports WHERE kind = ?3 AND period = ?4"
	    " AND status = 'active' AND area = ?2 AND reporter = ?1 ORDER BY id DESC LIMIT 1",
	[ST_CELL_VALUES] = "SELECT v.report, v.field, v.value, v.scale FROM reports r"
	    " JOIN report_values v ON v.report = r.id WHERE r.kind = ?2 AND r.period = ?3"
	    " AND r.status = 'active' AND r.area = ?1 ORDER BY r.id, v.field",
	[ST_CELL_REPORTS] = "SELECT count(*) FROM reports WHERE kind = ?2 AND period = ?3"
	    " AND status = 'active' AND area = ?1",
	[ST_REPORTED_AREAS] = "SELECT DISTINCT area FROM reports WHERE kind = ?1 AND period = ?2"
	    " AND status = 'active'",
	[ST_ROLLUP_LOAD] = "SELECT field, sum, count, max, last, yes, scale, updated_at FROM rollups"
	    " WHERE area = ?1 AND kind = ?2 AND period = ?3",
	[ST_ROLLUP_SET] = "UPDATE rollups SET sum = ?5, count = ?6, max = ?7, last = ?8, yes = ?9,"
	    " scale = ?10, updated_at = ?11 WHERE area = ?1 AND kind = ?2 AND period = ?3 AND field = ?4",
	[ST_ROLLUP_PUT] = "INSERT INTO rollups (area, kind, period, field, sum, count, max, last, yes,"
	    " scale, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
	    " ON CONFLICT (area, kind, period, field) DO UPDATE SET sum = excluded.sum,"
	    " count = excluded.count, max = excluded.max, last = excluded.last, yes = excluded.yes,"
	    " scale = excluded.scale, updated_at = excluded.updated_at",
	[ST_ROLLUP_DEL] = "DELETE FROM rollups WHERE area = ?1 AND kind = ?2 AND period = ?3 AND field = ?4",
	[ST_AREA_GET] = "SELECT name, expected FROM areas WHERE path = ?1",
	[ST_AREA_PUT] = "INSERT INTO areas (path, name, parent, depth, expected) VALUES (?1, ?2, ?3, ?4, ?5)"
	    " ON CONFLICT (path) DO UPDATE SET name = excluded.name, expected = excluded.expected",
	[ST_AREA_ALL] = "SELECT path, name, expected FROM areas ORDER BY path",
	[ST_REPORTER_GET] = "SELECT name, area, role, lang FROM reporters WHERE id = ?1",
	[ST_REPORTER_PUT] = "INSERT INTO reporters (id, name, area, role, lang) VALUES (?1, ?2, ?3, ?4, ?5)"
	    " ON CONFLICT (id) DO UPDATE SET name = excluded.name, area = excluded.area,"
	    " role = excluded.role, lang = excluded.lang",
	[ST_REPORTER_ALL] = "SELECT id, name, area, role, lang FROM reporters ORDER BY id",
	[ST_ROSTER_LOG] = "INSERT INTO roster_changes (who, at, what) VALUES (?1, ?2, ?3)",
	[ST_PUBMARK_GET] = "SELECT (SELECT journal_seq FROM publish_mark WHERE id = 1),"
	    " (SELECT coalesce(max(seq), 0) FROM journal)",
	[ST_PUBMARK_SET] = "UPDATE publish_mark SET journal_seq = ?1 WHERE id = 1",
	/* The cells a journal row changed: its report's, and for a correction the replaced one's. */
	[ST_PUBMARK_CELLS] = "SELECT r.area, r.kind, r.period FROM journal j"
	    " JOIN reports r ON r.id = j.report_id WHERE j.seq > ?1"
	    " UNION SELECT o.area, o.kind, o.period FROM journal j JOIN reports r ON r.id = j.report_id"
	    " JOIN reports o ON o.id = r.replaces WHERE j.seq > ?1",
};

bool
store_fail(struct store *s, const char *what)
{
	snprintf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->db));
	return false;
}

const char *
store_error(const struct store *s)
{
	return s->err;
}

sqlite3_stmt *
store_stmt(struct store *s, enum stmt k)
{
	if (s->st[k] == NULL) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[k], -1, SQLITE_PREPARE_PERSISTENT,
		    &s->st[k], NULL) != SQLITE_OK) {
			store_fail(s, stmt_sql[k]);
			return NULL;
		}
	} else {
		sqlite3_reset(s->st[k]);
		sqlite3_clear_bindings(s->st[k]);
	}
	return s->st[k];
}

void
store_bind_text(sqlite3_stmt *st, int i, const char *str)
{
	if (str == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, str, -1, SQLITE_STATIC);
}

bool
store_exec_stmt(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(s, what);
	return true;
}

/* Runs SQL text (pragmas, migrations); false with the error noted. */
static bool
store_exec(struct store *s, const char *sql, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(s->err, sizeof s->err, "%s: %s", what, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return false;
	}
	return true;
}

int
store_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * Applies every embedded migration newer than the database, each in its own
 * transaction together with its user_version, so a crash leaves the
 * database at one version or the next, never between.
 */
static bool
store_migrate(struct store *s)
{
	int have = store_version(s);
	char sql[64];

	if (have < 0)
		return store_fail(s, "user_version");
	for (const struct migration *m = migrations; m->name != NULL; m++) {
		if (m->version <= have)
			continue;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", m->version);
		if (!store_exec(s, "BEGIN IMMEDIATE", m->name) || !store_exec(s, m->sql, m->name) ||
		    !store_exec(s, sql, m->name) || !store_exec(s, "COMMIT", m->name)) {
			store_exec(s, "ROLLBACK", "rollback");
			return false;
		}
		have = m->version;
	}
	return true;
}

/* WAL pages after which a commit checkpoints (40 MB; SQLite's default is 1,000). */
#define STORE_CKPT_PAGES 10000

/*
 * After each commit of the connection: counts the WAL pages written and
 * checkpoints once the WAL holds STORE_CKPT_PAGES, as SQLite's automatic
 * checkpoint (which this hook replaces) would — right after the commit, so
 * every page is copied once and the next transaction restarts the WAL.
 */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *s = arg;

	/* Smaller than before: the WAL restarted, and this commit wrote them all. */
	s->wal_frames += (uint64_t)(frames >= s->last_frames ? frames - s->last_frames : frames);
	s->last_frames = frames;
	if (frames >= STORE_CKPT_PAGES) {
		int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

		s->checkpoints++;
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			s->checkpoint_errors++;
	}
	return SQLITE_OK;
}

struct store *
store_open(const char *path, int64_t busy_ms, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof *s);
	char pragmas[256];

	if (s == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, (int)busy_ms);
	/*
	 * A checkpoint every 10,000 WAL pages (40 MB, store_wal_hook) rather
	 * than SQLite's 1,000: under load the same index pages are rewritten
	 * many times between two checkpoints, so each is copied once instead of
	 * ten times (a third less work per report at 10^5 reports and more); the
	 * WAL file is cut back to 64 MB after each.  The 32 MiB page cache holds
	 * the index pages that random keys (areas, message ids) touch in a
	 * database of 10^6 reports, so the cost of a report stays flat as the
	 * database grows, within the 64 MiB that cunbaod's RSS may take.
	 */
	snprintf(pragmas, sizeof pragmas,
	    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF;"
	    " PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;"
	    " PRAGMA journal_size_limit = 67108864;");
	if (!store_exec(s, pragmas, "pragmas") || !store_migrate(s)) {
		snprintf(err, errlen, "%s: %s", path, s->err);
		store_close(s);
		return NULL;
	}
	sqlite3_wal_hook(s->db, store_wal_hook, s);
	return s;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	for (int k = 0; k < ST_COUNT; k++)
		sqlite3_finalize(s->st[k]);
	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(s->db);
	free(s);
}

/*
 * Starts a write transaction and learns the journal's next seq, so a message
 * can name its journal row (reports point at it) before the row is written.
 */
bool
store_begin(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, ST_BEGIN);

	if (st == NULL || !store_exec_stmt(s, st, "begin"))
		return false;
	s->in_tx = true;
	if ((st = store_stmt(s, ST_JOURNAL_MAX)) == NULL || sqlite3_step(st) != SQLITE_ROW) {
		store_fail(s, "journal seq");
		store_rollback(s);
		return false;
	}
	s->next_seq = sqlite3_column_int64(st, 0) + 1;
	sqlite3_reset(st);
	return true;
}

int64_t
store_journal_next(const struct store *s)
{
	return s->next_seq;
}

bool
store_commit(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, ST_COMMIT);

	if (st == NULL || !store_exec_stmt(s, st, "commit"))
		return false;
	s->in_tx = false;
	s->committed++;
	return true;
}

void
store_rollback(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, ST_ROLLBACK);

	if (st != NULL)
		sqlite3_step(st);
	if (st != NULL)
		sqlite3_reset(st);
	s->in_tx = false;
}

/* Runs one of the savepoint statements. */
static bool
store_step_named(struct store *s, enum stmt k, const char *what)
{
	sqlite3_stmt *st = store_stmt(s, k);

	return st != NULL && store_exec_stmt(s, st, what);
}

bool
store_savepoint(struct store *s)
{
	return store_step_named(s, ST_SAVEPOINT, "savepoint");
}

bool
store_savepoint_release(struct store *s)
{
	return store_step_named(s, ST_RELEASE, "release");
}

bool
store_savepoint_undo(struct store *s)
{
	return store_step_named(s, ST_ROLLBACK_TO, "rollback to") &&
	    store_step_named(s, ST_RELEASE, "release");
}

bool
store_in_tx(const struct store *s)
{
	return s->in_tx;
}

int
store_journal_find(struct store *s, const char *source, const char *msg_id, char *buf, size_t buflen,
    size_t *len)
{
	sqlite3_stmt *st;
	int rc;

	if (source == NULL || msg_id == NULL)
		return 0;	/* no key: never a repeat */
	if ((st = store_stmt(s, ST_JOURNAL_FIND)) == NULL)
		return -1;
	store_bind_text(st, 1, source);
	store_bind_text(st, 2, msg_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		const void *p = sqlite3_column_blob(st, 0);

		if (n >= buflen)
			n = buflen - 1;
		if (n > 0)
			memcpy(buf, p, n);
		buf[n] = '\0';
		*len = n;
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "journal lookup");
		return -1;
	}
	return 0;
}

int64_t
store_journal_add(struct store *s, const struct journal_row *r)
{
	sqlite3_stmt *st = store_stmt(s, ST_JOURNAL_ADD);

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, r->msg_id);
	store_bind_text(st, 2, r->source);
	store_bind_text(st, 3, r->channel);
	store_bind_text(st, 4, r->sender);
	store_bind_text(st, 5, r->topic);
	sqlite3_bind_blob(st, 6, r->payload ? r->payload : "", (int)r->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, r->received_at);
	store_bind_text(st, 8, r->status);
	store_bind_text(st, 9, r->error);
	store_bind_text(st, 10, r->detail);
	store_bind_text(st, 11, r->command);
	if (r->report_id > 0)
		sqlite3_bind_int64(st, 12, r->report_id);
	if (r->receipt != NULL)
		sqlite3_bind_blob(st, 13, r->receipt, (int)r->receipt_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, s->next_seq);
	if (!store_exec_stmt(s, st, "journal insert"))
		return -1;
	return s->next_seq++;
}

bool
store_journal_outcome(struct store *s, int64_t seq, const char *status,
    const char *error, const char *detail, int64_t report_id)
{
	sqlite3_stmt *st = store_stmt(s, ST_JOURNAL_OUTCOME);

	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, seq);
	store_bind_text(st, 2, status);
	store_bind_text(st, 3, error);
	store_bind_text(st, 4, detail);
	if (report_id > 0)
		sqlite3_bind_int64(st, 5, report_id);
	return store_exec_stmt(s, st, "journal outcome");
}

/*
 * Reads the journal in pages of rows copied out of SQLite, so fn may write
 * to the database (rebuild does) without a statement open on the journal.
 */
bool
store_journal_each(struct store *s, bool (*fn)(void *arg, const struct journal_entry *e), void *arg)
{
	enum { PAGE = 512 };
	struct page { struct journal_entry e; char *topic, *payload, *detail; } *pg = calloc(PAGE, sizeof *pg);
	int64_t after = 0;
	bool ok = pg != NULL, more = true;

	while (ok && more) {
		sqlite3_stmt *st = store_stmt(s, ST_JOURNAL_PAGE);
		size_t n = 0;
		int rc = SQLITE_DONE;

		if (st == NULL)
			break;
		sqlite3_bind_int64(st, 1, after);
		while (n < PAGE && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct page *p = &pg[n++];
			size_t len = (size_t)sqlite3_column_bytes(st, 2);
			const unsigned char *detail = sqlite3_column_text(st, 5);

			p->e.seq = sqlite3_column_int64(st, 0);
			p->topic = strdup((const char *)sqlite3_column_text(st, 1));
			p->payload = malloc(len + 1);
			p->detail = detail ? strdup((const char *)detail) : NULL;
			if (p->topic == NULL || p->payload == NULL || (detail != NULL && p->detail == NULL)) {
				ok = store_fail(s, "journal read: out of memory");
				break;
			}
			if (len > 0)
				memcpy(p->payload, sqlite3_column_blob(st, 2), len);
			p->payload[len] = '\0';
			p->e.topic = p->topic;
			p->e.payload = p->payload;
			p->e.len = len;
			p->e.received_at = sqlite3_column_int64(st, 3);
			p->e.report_id = sqlite3_column_int64(st, 4);
			p->e.detail = p->detail;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			ok = store_fail(s, "journal read");
		more = n == PAGE;
		for (size_t i = 0; i < n; i++) {
			if (ok && !fn(arg, &pg[i].e))
				ok = false;
			after = pg[i].e.seq;
			free(pg[i].topic);
			free(pg[i].payload);
			free(pg[i].detail);
			pg[i].topic = pg[i].payload = pg[i].detail = NULL;
		}
	}
	free(pg);
	return ok;
}

void
store_stats(struct store *s, struct store_stats *st)
{
	memset(st, 0, sizeof *st);
	st->wal_frames = s->wal_frames;
	st->checkpoints = s->checkpoints;
	st->checkpoint_errors = s->checkpoint_errors;
}

bool
store_max_pages(struct store *s, int64_t pages)
{
	char sql[64];

	/* 1073741823: SQLite's largest max_page_count before 3.45 (0 would only read it). */
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)(pages > 0 ? pages : 1073741823));
	return store_exec(s, sql, "max_page_count");
}

bool
store_roster_last_import(struct store *s, const char *file, char *buf, size_t buflen, int64_t *at)
{
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_prepare_v2(s->db, "SELECT what, at FROM roster_changes WHERE who = ?1 AND what LIKE"
	    " 'import %' ORDER BY seq DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "roster import mark");
	store_bind_text(st, 1, file);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *w = (const char *)sqlite3_column_text(st, 0);

		snprintf(buf, buflen, "%s", w ? w : "");
		*at = sqlite3_column_int64(st, 1);
		found = true;
	}
	sqlite3_finalize(st);
	return found;
}

bool
store_report_ids_reserve(struct store *s, bool on)
{
	return store_exec(s, on ?
	    "INSERT INTO reports (id, journal_seq, area, kind, period, reporter, created_at)"
	    " SELECT max(report_id) + 1, 0, '', '', '', '', 0 FROM journal"
	    " WHERE report_id > 0 HAVING max(report_id) IS NOT NULL" :
	    "DELETE FROM reports WHERE journal_seq = 0 AND area = '' AND kind = ''", "report ids");
}
