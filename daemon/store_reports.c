/*
 * store_reports.c — reports, their values, and the materialized rollups.
 */
#include <stdio.h>
#include <string.h>

#include "store_int.h"

int64_t
store_report_add(struct store *s, const struct report_row *r)
{
	sqlite3_stmt *st = store_stmt(s, ST_REPORT_ADD);

	if (st == NULL)
		return -1;
	if (r->id > 0)
		sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, r->journal_seq);
	store_bind_text(st, 3, r->area);
	store_bind_text(st, 4, r->kind);
	store_bind_text(st, 5, r->period);
	store_bind_text(st, 6, r->reporter);
	sqlite3_bind_int64(st, 7, r->created_at);
	if (r->replaces > 0)
		sqlite3_bind_int64(st, 8, r->replaces);
	if (!store_exec_stmt(s, st, "report insert"))
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

bool
store_value_add(struct store *s, int64_t report, const char *field, int64_t v, unsigned scale)
{
	sqlite3_stmt *st = store_stmt(s, ST_VALUE_ADD);

	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, report);
	store_bind_text(st, 2, field);
	sqlite3_bind_int64(st, 3, v);
	sqlite3_bind_int(st, 4, (int)scale);
	return store_exec_stmt(s, st, "value insert");
}

bool
store_report_retire(struct store *s, int64_t id, int64_t by)
{
	sqlite3_stmt *st = store_stmt(s, ST_REPORT_RETIRE);

	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, by > 0 ? "superseded" : "withdrawn");
	if (by > 0)
		sqlite3_bind_int64(st, 3, by);
	return store_exec_stmt(s, st, "report retire");
}

/* Copies column i as text into buf (truncating); "" for NULL. */
static void
column_copy(sqlite3_stmt *st, int i, char *buf, size_t buflen)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, buflen, "%s", t ? (const char *)t : "");
}

int
store_report_last(struct store *s, const char *reporter, const char *area,
    const char *kind, const char *period, struct report_ref *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_REPORT_LAST);
	int rc, found = 0;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, reporter);
	store_bind_text(st, 2, area);
	store_bind_text(st, 3, kind);
	store_bind_text(st, 4, period);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		column_copy(st, 1, out->kind, sizeof out->kind);
		column_copy(st, 2, out->period, sizeof out->period);
		found = 1;
	} else if (rc != SQLITE_DONE)
		found = -1;
	sqlite3_reset(st);
	if (found < 0)
		store_fail(s, "last report");
	return found;
}

/*
 * See store.h.  Rare (one per 撤销), so prepared per call rather than kept in
 * the statement table; reports_area_id (area, id) serves it backwards.
 */
int
store_report_latest(struct store *s, const char *reporter, const char *area,
    const char *kind, const char *period, struct report_ref *out)
{
	static const char sql[] = "SELECT id, kind, period FROM reports WHERE area = ?2"
	    " AND reporter = ?1 AND status = 'active' AND (?3 IS NULL OR period = ?3)"
	    " AND (?4 IS NULL OR kind = ?4) ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st = NULL;
	int rc, found = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK) {
		store_bind_text(st, 1, reporter);
		store_bind_text(st, 2, area);
		store_bind_text(st, 3, period);
		store_bind_text(st, 4, kind);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			out->id = sqlite3_column_int64(st, 0);
			column_copy(st, 1, out->kind, sizeof out->kind);
			column_copy(st, 2, out->period, sizeof out->period);
			found = 1;
		} else if (rc == SQLITE_DONE)
			found = 0;
	}
	if (found < 0)
		store_fail(s, "latest report");
	sqlite3_finalize(st);
	return found;
}

/* Binds the (area, kind, period) of a cell as parameters 1..3. */
static void
bind_cell(sqlite3_stmt *st, const char *area, const char *kind, const char *period)
{
	store_bind_text(st, 1, area);
	store_bind_text(st, 2, kind);
	store_bind_text(st, 3, period);
}

bool
store_cell_values(struct store *s, const char *area, const char *kind, const char *period,
    void (*fn)(void *arg, int64_t report, const char *field, int64_t v, unsigned scale), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_CELL_VALUES);
	int rc;

	if (st == NULL)
		return false;
	bind_cell(st, area, kind, period);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_int64(st, 2), (unsigned)sqlite3_column_int(st, 3));
	sqlite3_reset(st);
	return rc == SQLITE_DONE || store_fail(s, "cell values");
}

int64_t
store_cell_reports(struct store *s, const char *area, const char *kind, const char *period)
{
	sqlite3_stmt *st = store_stmt(s, ST_CELL_REPORTS);
	int64_t n = -1;

	if (st == NULL)
		return -1;
	bind_cell(st, area, kind, period);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (n < 0)
		store_fail(s, "cell reports");
	return n;
}

bool
store_reported_areas(struct store *s, const char *kind, const char *period,
    bool (*fn)(void *arg, const char *area), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_REPORTED_AREAS);
	int rc;

	if (st == NULL)
		return false;
	store_bind_text(st, 1, kind);
	store_bind_text(st, 2, period);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!fn(arg, (const char *)sqlite3_column_text(st, 0))) {
			sqlite3_reset(st);
			return store_fail(s, "reported areas: out of memory");
		}
	sqlite3_reset(st);
	return rc == SQLITE_DONE || store_fail(s, "reported areas");
}

bool
store_clear_derived(struct store *s)
{
	static const char *const sql[] = {
		"DELETE FROM report_values", "DELETE FROM reports", "DELETE FROM rollups",
	};

	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
		if (sqlite3_exec(s->db, sql[i], NULL, NULL, NULL) != SQLITE_OK)
			return store_fail(s, sql[i]);
	return true;
}

bool
store_rollup_load(struct store *s, const char *area, const char *kind, const char *period,
    void (*fn)(void *arg, const char *field, const struct rollup_state *st, unsigned scale, int64_t updated_at),
    void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_ROLLUP_LOAD);
	int rc;

	if (st == NULL)
		return false;
	bind_cell(st, area, kind, period);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rollup_state r = {
			.sum = sqlite3_column_int64(st, 1),
			.count = sqlite3_column_int64(st, 2),
			.max = sqlite3_column_int64(st, 3),
			.last = sqlite3_column_int64(st, 4),
			.yes = sqlite3_column_int64(st, 5),
		};
		fn(arg, (const char *)sqlite3_column_text(st, 0), &r,
		    (unsigned)sqlite3_column_int(st, 6), sqlite3_column_int64(st, 7));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE || store_fail(s, "rollup load");
}

/* Binds one rollup row to a statement of the ST_ROLLUP_SET / ST_ROLLUP_PUT shape. */
static void
bind_rollup(sqlite3_stmt *st, const char *area, const char *kind, const char *period,
    const char *field, const struct rollup_state *r, unsigned scale, int64_t updated_at)
{
	bind_cell(st, area, kind, period);
	store_bind_text(st, 4, field);
	sqlite3_bind_int64(st, 5, r->sum);
	sqlite3_bind_int64(st, 6, r->count);
	sqlite3_bind_int64(st, 7, r->max);
	sqlite3_bind_int64(st, 8, r->last);
	sqlite3_bind_int64(st, 9, r->yes);
	sqlite3_bind_int(st, 10, (int)scale);
	sqlite3_bind_int64(st, 11, updated_at);
}

/*
 * Writes one rollup row: an UPDATE, which finds an existing row with one
 * B-tree search (most rows exist: a cell changes many times), and an
 * INSERT only when it found none (an upsert always searches twice).
 */
bool
store_rollup_put(struct store *s, const char *area, const char *kind, const char *period,
    const char *field, const struct rollup_state *r, unsigned scale, int64_t updated_at)
{
	sqlite3_stmt *st = store_stmt(s, ST_ROLLUP_SET);

	if (st == NULL)
		return false;
	bind_rollup(st, area, kind, period, field, r, scale, updated_at);
	if (!store_exec_stmt(s, st, "rollup update"))
		return false;
	if (sqlite3_changes(s->db) > 0)
		return true;
	if ((st = store_stmt(s, ST_ROLLUP_PUT)) == NULL)
		return false;
	bind_rollup(st, area, kind, period, field, r, scale, updated_at);
	return store_exec_stmt(s, st, "rollup write");
}

bool
store_rollup_del(struct store *s, const char *area, const char *kind, const char *period, const char *field)
{
	sqlite3_stmt *st = store_stmt(s, ST_ROLLUP_DEL);

	if (st == NULL)
		return false;
	bind_cell(st, area, kind, period);
	store_bind_text(st, 4, field);
	return store_exec_stmt(s, st, "rollup delete");
}

/*
 * The publish watermark (schema 014): *mark gets the journal seq up to
 * which every changed cell is published, *last the journal's last seq.
 * False (error noted) on a store error or a database without the row.
 */
bool
store_publish_mark(struct store *s, int64_t *mark, int64_t *last)
{
	sqlite3_stmt *st = store_stmt(s, ST_PUBMARK_GET);
	bool ok;

	if (st == NULL)
		return false;
	ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
	if (ok) {
		*mark = sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
	} else
		store_fail(s, "publish_mark row missing or unreadable");
	sqlite3_reset(st);
	return ok;
}

/*
 * Moves the publish watermark to seq inside the open transaction: one row
 * rewritten in a commit that happens anyway, never a commit of its own.
 */
bool
store_publish_mark_set(struct store *s, int64_t seq)
{
	sqlite3_stmt *st = store_stmt(s, ST_PUBMARK_SET);

	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, seq);
	return store_exec_stmt(s, st, "publish_mark update");
}

/*
 * Calls fn once for every (area, kind, period) whose rollup the journal rows
 * after seq changed (a report's cell; for a correction the replaced
 * report's too; a withdrawal's row names the withdrawn report).  The
 * strings are borrowed for the call.  Stops, returning false, when fn does;
 * false (error noted) on a store error.
 */
bool
store_publish_cells(struct store *s, int64_t seq,
    bool (*fn)(void *arg, const char *area, const char *kind, const char *period), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_PUBMARK_CELLS);
	int rc;

	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *area = (const char *)sqlite3_column_text(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		const char *period = (const char *)sqlite3_column_text(st, 2);

		if (area != NULL && kind != NULL && period != NULL && !fn(arg, area, kind, period)) {
			sqlite3_reset(st);
			return false;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "publish_mark cells");
	return true;
}
