/*
 * spool.c — the bridge's own SQLite spool, and its only SQLite user.
 *
 * Two tables.  `inbound` holds every accepted webhook as the envelope we
 * publish: written (and fsynced: WAL, synchronous=FULL) before the gateway
 * gets its 200, republished with the same id until the receipt arrives,
 * then marked done and kept for keep-done so a gateway's retry of the same
 * message id is absorbed.  `reply` holds every reply and outbox message,
 * keyed by the id it answers, so each is queued once whatever number of
 * receipts repeat it; it is pending until delivered, failed (given up,
 * kept) or muted (the loop guard said never answer).
 *
 * Times are milliseconds since the epoch, passed in by the caller.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bridge.h"

#define SPOOL_VERSION 2	/* 2: the ctx columns (a chat platform's reply context) */

static const char spool_schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"CREATE TABLE IF NOT EXISTS inbound ("
	" id TEXT PRIMARY KEY,"
	" module TEXT NOT NULL,"		/* channel module: kannel, generic, telegram */
	" channel TEXT NOT NULL,"		/* envelope channel: sms, tg */
	" sender TEXT NOT NULL,"
	" payload TEXT NOT NULL,"		/* the envelope exactly as published */
	" mute TEXT NOT NULL DEFAULT '',"	/* why it must not be answered; '' = answer */
	" ctx TEXT NOT NULL DEFAULT '',"	/* a chat platform's reply context (version 2) */
	" state INTEGER NOT NULL DEFAULT 0,"	/* 0 waiting for its receipt, 1 done */
	" publishes INTEGER NOT NULL DEFAULT 0,"
	" next_at INTEGER NOT NULL,"		/* when to publish (again) */
	" created_at INTEGER NOT NULL,"
	" done_at INTEGER);"
	"CREATE INDEX IF NOT EXISTS inbound_due ON inbound(state, next_at);"
	"CREATE TABLE IF NOT EXISTS reply ("
	" id TEXT PRIMARY KEY,"			/* the inbound id it answers, or the outbox id */
	" module TEXT NOT NULL,"
	" recipient TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" state INTEGER NOT NULL DEFAULT 0,"	/* enum reply_state */
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_at INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" closed_at INTEGER,"
	" note TEXT NOT NULL DEFAULT '',"
	" ctx TEXT NOT NULL DEFAULT '');"		/* the inbound's reply context (version 2) */
	"CREATE INDEX IF NOT EXISTS reply_due ON reply(state, next_at);";

enum stmt {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
	ST_IN_PUT, ST_IN_GET, ST_IN_DUE, ST_IN_RUSH, ST_IN_PUBLISHED, ST_IN_DONE,
	ST_RE_PUT, ST_RE_DUE, ST_RE_LEASE, ST_RE_RETRY, ST_RE_UNLEASE, ST_RE_CLOSE,
	ST_PURGE_IN, ST_PURGE_RE, ST_COUNT_IN, ST_COUNT_RE,
	ST_N
};

static const char *const stmt_sql[ST_N] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_IN_PUT] = "INSERT OR IGNORE INTO inbound(id, module, channel, sender, payload, mute,"
	    " next_at, created_at, ctx) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_IN_GET] = "SELECT module, channel, mute, state, ctx FROM inbound WHERE id = ?1",
	[ST_IN_DUE] = "SELECT id, channel, payload, publishes FROM inbound"
	    " WHERE state = 0 AND next_at <= ?1 ORDER BY next_at, created_at LIMIT ?2",
	[ST_IN_RUSH] = "UPDATE inbound SET next_at = ?1 WHERE state = 0 AND next_at > ?1",
	[ST_IN_PUBLISHED] = "UPDATE inbound SET publishes = publishes + 1, next_at = ?2 WHERE id = ?1",
	[ST_IN_DONE] = "UPDATE inbound SET state = 1, done_at = ?2 WHERE id = ?1 AND state = 0",
	[ST_RE_PUT] = "INSERT OR IGNORE INTO reply(id, module, recipient, text, state, note,"
	    " next_at, created_at, closed_at, ctx) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7,"
	    " CASE WHEN ?5 = 0 THEN NULL ELSE ?7 END, ?8)",
	[ST_RE_DUE] = "SELECT id, module, recipient, text, attempts, created_at, ctx FROM reply"
	    " WHERE state = 0 AND next_at <= ?1 ORDER BY next_at LIMIT ?2",
	[ST_RE_LEASE] = "UPDATE reply SET attempts = attempts + 1, next_at = ?2 WHERE id = ?1 AND state = 0",
	[ST_RE_RETRY] = "UPDATE reply SET next_at = ?2, note = ?3 WHERE id = ?1 AND state = 0",
	[ST_RE_UNLEASE] = "UPDATE reply SET attempts = max(attempts - 1, 0), next_at = ?2, note = ?3"
	    " WHERE id = ?1 AND state = 0",
	[ST_RE_CLOSE] = "UPDATE reply SET state = ?2, note = ?3, closed_at = ?4 WHERE id = ?1 AND state = 0",
	[ST_PURGE_IN] = "DELETE FROM inbound WHERE state = 1 AND done_at < ?1",
	[ST_PURGE_RE] = "DELETE FROM reply WHERE state IN (1, 3) AND closed_at < ?1",
	[ST_COUNT_IN] = "SELECT state, count(*) FROM inbound GROUP BY state",
	[ST_COUNT_RE] = "SELECT state, count(*) FROM reply GROUP BY state",
};

struct spool {
	sqlite3 *db;
	char path[512];
	sqlite3_stmt *st[ST_N];
};

/* Logs the database's last error for statement st (or a step name). */
static void
spool_fail(struct spool *sp, const char *what)
{
	log_warnx("spool %s: %s: %s", sp->path, what, sqlite3_errmsg(sp->db));
}

/* Returns st reset and with bindings cleared, ready to bind. */
static sqlite3_stmt *
spool_stmt(struct spool *sp, enum stmt st)
{
	sqlite3_reset(sp->st[st]);
	sqlite3_clear_bindings(sp->st[st]);
	return sp->st[st];
}

/* Steps a statement that returns no rows; true on SQLITE_DONE. */
static bool
spool_run(struct spool *sp, enum stmt st)
{
	int rc = sqlite3_step(sp->st[st]);

	sqlite3_reset(sp->st[st]);
	if (rc != SQLITE_DONE) {
		spool_fail(sp, stmt_sql[st]);
		return false;
	}
	return true;
}

static void
spool_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static void
spool_copy(char *dst, size_t size, sqlite3_stmt *s, int col)
{
	const unsigned char *v = sqlite3_column_text(s, col);

	snprintf(dst, size, "%s", v ? (const char *)v : "");
}

/*
 * Version 1 to 2: the ctx columns, added in one transaction (a crash in
 * between leaves version 1 and the columns absent, and this runs again).
 */
static bool
spool_migrate_1(struct spool *sp, char *err, size_t errlen)
{
	if (sqlite3_exec(sp->db, "BEGIN IMMEDIATE;"
	    "ALTER TABLE inbound ADD COLUMN ctx TEXT NOT NULL DEFAULT '';"
	    "ALTER TABLE reply ADD COLUMN ctx TEXT NOT NULL DEFAULT '';"
	    "PRAGMA user_version = 2;"
	    "COMMIT;", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: migrating the spool to version 2: %s", sp->path, sqlite3_errmsg(sp->db));
		sqlite3_exec(sp->db, "ROLLBACK", NULL, NULL, NULL);
		return false;
	}
	log_info("spool %s: migrated to version 2 (reply contexts)", sp->path);
	return true;
}

/* Creates the tables, checks the version, prepares every statement. */
static bool
spool_setup(struct spool *sp, char *err, size_t errlen)
{
	sqlite3_stmt *v;
	int version = -1, i;

	if (sqlite3_exec(sp->db, spool_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sp->db, "PRAGMA user_version", -1, &v, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", sp->path, sqlite3_errmsg(sp->db));
		return false;
	}
	if (sqlite3_step(v) == SQLITE_ROW)
		version = sqlite3_column_int(v, 0);
	sqlite3_finalize(v);
	if (version == 0)
		sqlite3_exec(sp->db, "PRAGMA user_version = 2", NULL, NULL, NULL);
	else if (version == 1 && !spool_migrate_1(sp, err, errlen))
		return false;
	else if (version != 1 && version != SPOOL_VERSION) {
		snprintf(err, errlen, "%s: spool version %d, this bridge knows %d", sp->path, version,
		    SPOOL_VERSION);
		return false;
	}
	for (i = 0; i < ST_N; i++) {
		if (sqlite3_prepare_v3(sp->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &sp->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s: %s", sp->path, stmt_sql[i], sqlite3_errmsg(sp->db));
			return false;
		}
	}
	return true;
}

struct spool *
spool_open(const char *path, char *err, size_t errlen)
{
	struct spool *sp = calloc(1, sizeof *sp);

	if (sp == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(sp->path, sizeof sp->path, "%s", path);
	if (sqlite3_open_v2(path, &sp->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sp->db ? sqlite3_errmsg(sp->db) : "cannot open");
		spool_free(sp);
		return NULL;
	}
	sqlite3_busy_timeout(sp->db, 5000);
	if (!spool_setup(sp, err, errlen)) {
		spool_free(sp);
		return NULL;
	}
	return sp;
}

void
spool_free(struct spool *sp)
{
	int i;

	if (sp == NULL)
		return;
	for (i = 0; i < ST_N; i++)
		sqlite3_finalize(sp->st[i]);
	sqlite3_close(sp->db);
	free(sp);
}

enum spool_rc
spool_inbound_put(struct spool *sp, const struct spool_new *n, int64_t now)
{
	sqlite3_stmt *s = spool_stmt(sp, ST_IN_PUT);

	spool_text(s, 1, n->id);
	spool_text(s, 2, n->module);
	spool_text(s, 3, n->channel);
	spool_text(s, 4, n->sender);
	sqlite3_bind_text(s, 5, n->payload, (int)n->len, SQLITE_TRANSIENT);
	spool_text(s, 6, n->mute);
	sqlite3_bind_int64(s, 7, now);
	sqlite3_bind_int64(s, 8, now);
	spool_text(s, 9, n->ctx ? n->ctx : "");
	if (!spool_run(sp, ST_IN_PUT))
		return SPOOL_ERR;
	return sqlite3_changes(sp->db) == 1 ? SPOOL_OK : SPOOL_DUP;
}

enum spool_rc
spool_inbound_get(struct spool *sp, const char *id, struct spool_origin *out)
{
	sqlite3_stmt *s = spool_stmt(sp, ST_IN_GET);
	int rc;

	spool_text(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		spool_copy(out->module, sizeof out->module, s, 0);
		spool_copy(out->channel, sizeof out->channel, s, 1);
		spool_copy(out->mute, sizeof out->mute, s, 2);
		out->done = sqlite3_column_int(s, 3) != 0;
		spool_copy(out->ctx, sizeof out->ctx, s, 4);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		spool_fail(sp, "inbound lookup");
		return SPOOL_ERR;
	}
	return rc == SQLITE_ROW ? SPOOL_OK : SPOOL_NONE;
}

int
spool_inbound_due(struct spool *sp, int64_t now, struct spool_in *out, int max)
{
	sqlite3_stmt *s = spool_stmt(sp, ST_IN_DUE);
	int n = 0, rc;

	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, max);
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct spool_in *r = &out[n];
		int len = sqlite3_column_bytes(s, 2);

		spool_copy(r->id, sizeof r->id, s, 0);
		spool_copy(r->channel, sizeof r->channel, s, 1);
		r->publishes = sqlite3_column_int(s, 3);
		r->len = (size_t)len;
		r->payload = malloc(r->len + 1);
		if (r->payload == NULL)
			break;
		memcpy(r->payload, sqlite3_column_blob(s, 2), r->len);
		r->payload[r->len] = '\0';
		n++;
	}
	sqlite3_reset(s);
	return n;
}

void
spool_in_clear(struct spool_in *rows, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(rows[i].payload);
		rows[i].payload = NULL;
	}
}

bool
spool_inbound_rush(struct spool *sp, int64_t now)
{
	sqlite3_bind_int64(spool_stmt(sp, ST_IN_RUSH), 1, now);
	return spool_run(sp, ST_IN_RUSH);
}

bool
spool_inbound_published(struct spool *sp, const char *id, int64_t next)
{
	sqlite3_stmt *s = spool_stmt(sp, ST_IN_PUBLISHED);

	spool_text(s, 1, id);
	sqlite3_bind_int64(s, 2, next);
	return spool_run(sp, ST_IN_PUBLISHED);
}

/* Binds and runs the reply insert; true with *added when a row was new. */
static bool
spool_reply_insert(struct spool *sp, const struct spool_reply *r, enum reply_state state,
    const char *note, int64_t now, bool *added)
{
	sqlite3_stmt *s = spool_stmt(sp, ST_RE_PUT);

	spool_text(s, 1, r->id);
	spool_text(s, 2, r->module);
	spool_text(s, 3, r->to);
	spool_text(s, 4, r->text);
	sqlite3_bind_int(s, 5, (int)state);
	spool_text(s, 6, note ? note : "");
	sqlite3_bind_int64(s, 7, now);
	spool_text(s, 8, r->ctx);
	if (!spool_run(sp, ST_RE_PUT))
		return false;
	*added = sqlite3_changes(sp->db) == 1;
	return true;
}

enum spool_rc
spool_receipt(struct spool *sp, const char *id, const struct spool_reply *r,
    enum reply_state state, const char *note, int64_t now)
{
	bool added = false;
	sqlite3_stmt *s;

	spool_stmt(sp, ST_BEGIN);
	if (!spool_run(sp, ST_BEGIN))
		return SPOOL_ERR;
	s = spool_stmt(sp, ST_IN_DONE);
	spool_text(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	if (!spool_run(sp, ST_IN_DONE) ||
	    (r != NULL && !spool_reply_insert(sp, r, state, note, now, &added))) {
		spool_stmt(sp, ST_ROLLBACK);
		spool_run(sp, ST_ROLLBACK);
		return SPOOL_ERR;
	}
	spool_stmt(sp, ST_COMMIT);
	if (!spool_run(sp, ST_COMMIT)) {
		spool_stmt(sp, ST_ROLLBACK);
		spool_run(sp, ST_ROLLBACK);
		return SPOOL_ERR;
	}
	return added ? SPOOL_OK : SPOOL_DUP;
}

enum spool_rc
spool_reply_put(struct spool *sp, const struct spool_reply *r, enum reply_state state,
    const char *note, int64_t now)
{
	bool added;

	if (!spool_reply_insert(sp, r, state, note, now, &added))
		return SPOOL_ERR;
	return added ? SPOOL_OK : SPOOL_DUP;
}

int
spool_reply_due(struct spool *sp, int64_t now, struct spool_reply *out, int max)
{
	sqlite3_stmt *s = spool_stmt(sp, ST_RE_DUE);
	int n = 0;

	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, max);
	while (n < max && sqlite3_step(s) == SQLITE_ROW) {
		struct spool_reply *r = &out[n++];

		spool_copy(r->id, sizeof r->id, s, 0);
		spool_copy(r->module, sizeof r->module, s, 1);
		spool_copy(r->to, sizeof r->to, s, 2);
		spool_copy(r->text, sizeof r->text, s, 3);
		r->attempts = sqlite3_column_int(s, 4);
		r->created = sqlite3_column_int64(s, 5);
		spool_copy(r->ctx, sizeof r->ctx, s, 6);
	}
	sqlite3_reset(s);
	return n;
}

bool
spool_reply_lease(struct spool *sp, const char *id, int64_t until)
{
	sqlite3_stmt *s = spool_stmt(sp, ST_RE_LEASE);

	spool_text(s, 1, id);
	sqlite3_bind_int64(s, 2, until);
	return spool_run(sp, ST_RE_LEASE);
}

bool
spool_reply_retry(struct spool *sp, const char *id, int64_t next, const char *note)
{
	sqlite3_stmt *s = spool_stmt(sp, ST_RE_RETRY);

	spool_text(s, 1, id);
	sqlite3_bind_int64(s, 2, next);
	spool_text(s, 3, note);
	return spool_run(sp, ST_RE_RETRY);
}

bool
spool_reply_unlease(struct spool *sp, const char *id, int64_t next, const char *note)
{
	sqlite3_stmt *s = spool_stmt(sp, ST_RE_UNLEASE);

	spool_text(s, 1, id);
	sqlite3_bind_int64(s, 2, next);
	spool_text(s, 3, note);
	return spool_run(sp, ST_RE_UNLEASE);
}

enum spool_rc
spool_reply_close(struct spool *sp, const char *id, enum reply_state state, const char *note, int64_t now)
{
	sqlite3_stmt *s = spool_stmt(sp, ST_RE_CLOSE);

	spool_text(s, 1, id);
	sqlite3_bind_int(s, 2, (int)state);
	spool_text(s, 3, note ? note : "");
	sqlite3_bind_int64(s, 4, now);
	if (!spool_run(sp, ST_RE_CLOSE))
		return SPOOL_ERR;
	return sqlite3_changes(sp->db) == 1 ? SPOOL_OK : SPOOL_NONE;
}

int
spool_purge(struct spool *sp, int64_t before)
{
	int n;

	sqlite3_bind_int64(spool_stmt(sp, ST_PURGE_IN), 1, before);
	if (!spool_run(sp, ST_PURGE_IN))
		return -1;
	n = sqlite3_changes(sp->db);
	sqlite3_bind_int64(spool_stmt(sp, ST_PURGE_RE), 1, before);
	if (!spool_run(sp, ST_PURGE_RE))
		return -1;
	return n + sqlite3_changes(sp->db);
}

/* Runs a "state, count" query into counts[0..n). */
static bool
spool_count(struct spool *sp, enum stmt st, int64_t *counts, int n)
{
	sqlite3_stmt *s = spool_stmt(sp, st);
	int rc;

	memset(counts, 0, sizeof *counts * (size_t)n);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int state = sqlite3_column_int(s, 0);

		if (state >= 0 && state < n)
			counts[state] = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		spool_fail(sp, "count");
		return false;
	}
	return true;
}

bool
spool_counts(struct spool *sp, struct spool_counts *c)
{
	return spool_count(sp, ST_COUNT_IN, c->inbound, 2) && spool_count(sp, ST_COUNT_RE, c->reply, 4);
}
