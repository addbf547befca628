/*
 * store_query_write.c — the admin API's writes: areas and reporters, the
 * roster journal, reminders and the health check.  Each runs inside one
 * short transaction the caller opens with store_query_begin and ends before
 * it returns to the event loop.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store_query_int.h"
#include "topic.h"

/* Runs one statement with text/integer binds given as a builder; returns sqlite3_changes or -1. */
static int
sq_exec(struct store_query *q, struct sqlb *b, const char *what)
{
	sqlite3_stmt *st = sqlb_prepare(q, b);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (sq_finish(q, st, rc, what) != 0)
		return -1;
	return sqlite3_changes(q->db);
}

/* Runs a query whose first column is an integer; returns it (0 when no row) or -1. */
static int64_t
sq_int(struct store_query *q, struct sqlb *b, const char *what)
{
	sqlite3_stmt *st = sqlb_prepare(q, b);
	int64_t v = 0;
	int rc;

	if (st == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	if (sq_finish(q, st, rc, what) != 0)
		return -1;
	return v;
}

/* Runs plain SQL without results; false with q's error set. */
static bool
sq_plain(struct store_query *q, const char *sql)
{
	if (sqlite3_exec(q->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		sq_fail(q, sql);
		return false;
	}
	return true;
}

bool
store_query_begin(struct store_query *q)
{
	return sq_plain(q, "BEGIN IMMEDIATE");
}

bool
store_query_commit(struct store_query *q)
{
	return sq_plain(q, "COMMIT");
}

void
store_query_rollback(struct store_query *q)
{
	if (!sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
}

bool
store_query_savepoint(struct store_query *q)
{
	return sq_plain(q, "SAVEPOINT one");
}

bool
store_query_release(struct store_query *q)
{
	return sq_plain(q, "RELEASE one");
}

void
store_query_rollback_to(struct store_query *q)
{
	sqlite3_exec(q->db, "ROLLBACK TO one; RELEASE one", NULL, NULL, NULL);
}

bool
store_query_writable(struct store_query *q, int64_t now)
{
	struct sqlb b;

	sqlb_init(&b, "INSERT INTO api_health(id, checked_at) VALUES (1, ?) "
	    "ON CONFLICT(id) DO UPDATE SET checked_at = excluded.checked_at");
	sqlb_int(&b, NULL, now);
	return sq_exec(q, &b, "health check") >= 0;
}

/* ---- areas ---- */

/* 1 if the area exists (and fills name/expected), 0 if not, -1 on error. */
static int
area_current(struct store_query *q, const char *path, char *name, size_t namelen, bool *expected)
{
	struct sqlb b;
	sqlite3_stmt *st;
	int rc, found = 0;

	sqlb_init(&b, "SELECT name, expected FROM areas");
	sqlb_text(&b, "path = ?", path);
	if ((st = sqlb_prepare(q, &b)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(name, namelen, "%s", sq_text0(st, 0));
		*expected = sqlite3_column_int(st, 1) != 0;
		found = 1;
	}
	return sq_finish(q, st, rc, "area") == 0 ? found : -1;
}

/* 1 if the parent of path exists or path is at the top, 0 if it is missing, -1 on error. */
static int
area_parent_ok(struct store_query *q, const char *path)
{
	char parent[CB_AREA_MAX], name[8];
	bool expected;

	if (!topic_area_parent(path, parent, sizeof parent))
		return 1;
	return area_current(q, parent, name, sizeof name, &expected);
}

/* Inserts a new area under an existing parent: 1, -3 parent missing, -1 error. */
static int
area_insert(struct store_query *q, const char *path, const char *name, bool expected)
{
	char parent[CB_AREA_MAX];
	bool top = !topic_area_parent(path, parent, sizeof parent);
	int ok = area_parent_ok(q, path);
	struct sqlb b;

	if (ok <= 0)
		return ok < 0 ? -1 : -3;
	sqlb_init(&b, "INSERT INTO areas(path, name, parent, depth, expected) VALUES (?, ?, ");
	sqlb_text(&b, NULL, path);
	sqlb_text(&b, NULL, name);
	if (top) {
		sqlb_sql(&b, "NULL, ?, ?)");
	} else {
		sqlb_sql(&b, "?, ?, ?)");
		sqlb_text(&b, NULL, parent);
	}
	sqlb_int(&b, NULL, topic_area_depth(path));
	sqlb_int(&b, NULL, expected);
	return sq_exec(q, &b, "insert area") < 0 ? -1 : 1;
}

/* Updates an existing area's name and expected flag: 1, or -1. */
static int
area_update(struct store_query *q, const char *path, const char *name, bool expected)
{
	struct sqlb b;

	sqlb_init(&b, "UPDATE areas SET name = ?, expected = ?");
	sqlb_text(&b, NULL, name);
	sqlb_int(&b, NULL, expected);
	sqlb_text(&b, "path = ?", path);
	return sq_exec(q, &b, "update area") < 0 ? -1 : 1;
}

int
store_query_area_put(struct store_query *q, const char *path, const char *name,
    bool expected, bool create)
{
	char cur[256];
	bool cur_expected = false;
	int found = area_current(q, path, cur, sizeof cur, &cur_expected);

	if (found < 0)
		return -1;
	if (create)
		return found ? -2 : area_insert(q, path, name, expected);
	if (!found)
		return -2;
	if (strcmp(cur, name) == 0 && cur_expected == expected)
		return 0;
	return area_update(q, path, name, expected);
}

int
store_query_area_upsert(struct store_query *q, const char *path, const char *name, bool expected)
{
	char cur[256];
	bool cur_expected = false;
	int found = area_current(q, path, cur, sizeof cur, &cur_expected), rc;

	if (found < 0)
		return -1;
	if (!found)
		return area_insert(q, path, name, expected);
	if (strcmp(cur, name) == 0 && cur_expected == expected)
		return 0;
	rc = area_update(q, path, name, expected);
	return rc < 0 ? -1 : 2;
}

int
store_query_area_delete(struct store_query *q, const char *path)
{
	static const struct {
		const char *sql;
		int refusal;
	} uses[] = {
		{ "SELECT count(*) FROM areas WHERE parent = ?", -2 },
		{ "SELECT count(*) FROM reporters WHERE area = ?", -3 },
		{ "SELECT count(*) FROM reports WHERE area = ?", -4 },
	};
	struct sqlb b;
	int n;

	for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++) {
		int64_t c;
		sqlb_init(&b, uses[i].sql);
		sqlb_text(&b, NULL, path);
		if ((c = sq_int(q, &b, "area uses")) != 0)
			return c < 0 ? -1 : uses[i].refusal;
	}
	sqlb_init(&b, "DELETE FROM areas");
	sqlb_text(&b, "path = ?", path);
	n = sq_exec(q, &b, "delete area");
	return n < 0 ? -1 : n > 0;
}

/* ---- reporters ---- */

/* Whether reporter r->id exists (1, 0; -1 error) and, if so, whether its row equals r (*same). */
static int
reporter_same(struct store_query *q, const struct sq_reporter *r, bool *same)
{
	struct sqlb b;
	sqlite3_stmt *st;
	int rc, found = 0;

	sqlb_init(&b, "SELECT name = ? AND area = ? AND role = ? AND lang = ? FROM reporters");
	sqlb_text(&b, NULL, r->name);
	sqlb_text(&b, NULL, r->area);
	sqlb_text(&b, NULL, r->role);
	sqlb_text(&b, NULL, r->lang);
	sqlb_text(&b, "id = ?", r->id);
	if ((st = sqlb_prepare(q, &b)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*same = sqlite3_column_int(st, 0) != 0;
		found = 1;
	}
	return sq_finish(q, st, rc, "reporter") == 0 ? found : -1;
}

/* Writes a reporter row (insert or replace) after checking its area: 1, -3, -1. */
static int
reporter_write(struct store_query *q, const struct sq_reporter *r, bool insert)
{
	char name[8];
	bool expected;
	struct sqlb b;
	int ok = area_current(q, r->area, name, sizeof name, &expected);

	if (ok <= 0)
		return ok < 0 ? -1 : -3;
	if (insert)
		sqlb_init(&b, "INSERT INTO reporters(name, area, role, lang, id) VALUES (?, ?, ?, ?, ?)");
	else
		sqlb_init(&b, "UPDATE reporters SET name = ?, area = ?, role = ?, lang = ? WHERE id = ?");
	sqlb_text(&b, NULL, r->name);
	sqlb_text(&b, NULL, r->area);
	sqlb_text(&b, NULL, r->role);
	sqlb_text(&b, NULL, r->lang);
	sqlb_text(&b, NULL, r->id);
	return sq_exec(q, &b, "write reporter") < 0 ? -1 : 1;
}

int
store_query_reporter_put(struct store_query *q, const struct sq_reporter *r, bool create)
{
	bool same = false;
	int found = reporter_same(q, r, &same);

	if (found < 0)
		return -1;
	if (create)
		return found ? -2 : reporter_write(q, r, true);
	if (!found)
		return -2;
	return same ? 0 : reporter_write(q, r, false);
}

int
store_query_reporter_upsert(struct store_query *q, const struct sq_reporter *r)
{
	bool same = false;
	int found = reporter_same(q, r, &same), rc;

	if (found < 0)
		return -1;
	if (!found)
		return reporter_write(q, r, true);
	if (same)
		return 0;
	rc = reporter_write(q, r, false);
	return rc == 1 ? 2 : rc;
}

int
store_query_reporter_delete(struct store_query *q, const char *id)
{
	struct sqlb b;
	int n;

	sqlb_init(&b, "DELETE FROM reporters");
	sqlb_text(&b, "id = ?", id);
	n = sq_exec(q, &b, "delete reporter");
	return n < 0 ? -1 : n > 0;
}

bool
store_query_change(struct store_query *q, const char *who, int64_t at, const char *what)
{
	struct sqlb b;

	sqlb_init(&b, "INSERT INTO roster_changes(who, at, what) VALUES (?, ?, ?)");
	sqlb_text(&b, NULL, who);
	sqlb_int(&b, NULL, at);
	sqlb_text(&b, NULL, what);
	return sq_exec(q, &b, "roster change") >= 0;
}

/* ---- reminders ---- */

int
store_query_reminded(struct store_query *q, const char *reporter, const char *kind,
    const char *period, const char *type)
{
	struct sqlb b;
	int64_t n;

	sqlb_init(&b, "SELECT count(*) FROM reminders");
	sqlb_text(&b, "reporter = ?", reporter);
	sqlb_text(&b, "kind = ?", kind);
	sqlb_text(&b, "period = ?", period);
	/* An admin's manual reminder counts as the automatic one: a leader hears it once. */
	if (strcmp(type, "remind") == 0)
		sqlb_where(&b, "type IN ('remind', 'manual')");
	else
		sqlb_text(&b, "type = ?", type);
	n = sq_int(q, &b, "reminded");
	return n < 0 ? -1 : n > 0;
}

int64_t
store_query_last_reminder(struct store_query *q, const char *reporter, const char *kind,
    const char *period)
{
	struct sqlb b;

	/* reminders_cell (kind, period, reporter) answers it. */
	sqlb_init(&b, "SELECT coalesce(max(sent_at), 0) FROM reminders");
	sqlb_text(&b, "kind = ?", kind);
	sqlb_text(&b, "period = ?", period);
	sqlb_text(&b, "reporter = ?", reporter);
	sqlb_where(&b, "type IN ('remind', 'manual')");
	return sq_int(q, &b, "last reminder");
}

int64_t
store_query_reminder_add(struct store_query *q, const char *reporter, const char *area,
    const char *kind, const char *period, const char *type, const char *channel,
    int64_t at, const char *who)
{
	struct sqlb b;

	sqlb_init(&b, "INSERT INTO reminders(reporter, area, kind, period, type, channel, sent_at, who) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	sqlb_text(&b, NULL, reporter);
	sqlb_text(&b, NULL, area);
	sqlb_text(&b, NULL, kind);
	sqlb_text(&b, NULL, period);
	sqlb_text(&b, NULL, type);
	sqlb_text(&b, NULL, channel);
	sqlb_int(&b, NULL, at);
	sqlb_text(&b, NULL, who ? who : "");
	if (sq_exec(q, &b, "reminder") < 0)
		return -1;
	return sqlite3_last_insert_rowid(q->db);
}
