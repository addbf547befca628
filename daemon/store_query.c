/*
 * store_query.c — the admin API's reads: rollups, reports, the journal,
 * groups for completeness and the ledger, the roster journal.  Filters make
 * the WHERE clause, so each query is built for the filters given (and can
 * use the indexes) and prepared per call; bound values, never spliced text.
 * The writes (roster, reminders) are in store_query_write.c.
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_query_int.h"

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SQLite's progress callback: stops a query that has run past its deadline. */
static int
sq_progress(void *arg)
{
	struct store_query *q = arg;

	if (q->deadline_ms != 0 && mono_ms() > q->deadline_ms) {
		q->timed_out = true;
		return 1;
	}
	return 0;
}

struct store_query *
store_query_open(const char *path, char *err, size_t errlen)
{
	struct store_query *q = calloc(1, sizeof *q);
	int version = -1;

	if (q == NULL) {
		snprintf(err, errlen, "api database: out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "api database %s: %s", path, q->db ? sqlite3_errmsg(q->db) : "cannot open");
		store_query_close(q);
		return NULL;
	}
	q->query_ms = SQ_QUERY_MS;
	sqlite3_busy_timeout(q->db, SQ_BUSY_MS);
	sqlite3_progress_handler(q->db, 10000, sq_progress, q);
	sqlite3_stmt *st = NULL;
	if (sqlite3_exec(q->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "api database %s: %s", path, sqlite3_errmsg(q->db));
		sqlite3_finalize(st);
		store_query_close(q);
		return NULL;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version < SQ_SCHEMA_MIN) {
		snprintf(err, errlen, "api database %s: schema version %d, need %d (schema/sql/010_api.sql)",
		    path, version, SQ_SCHEMA_MIN);
		store_query_close(q);
		return NULL;
	}
	return q;
}

void
store_query_close(struct store_query *q)
{
	if (q == NULL)
		return;
	sqlite3_close_v2(q->db);
	free(q);
}

const char *
store_query_error(const struct store_query *q)
{
	return q->err;
}

void
store_query_set_timeout(struct store_query *q, int64_t ms)
{
	q->query_ms = ms > 0 ? ms : SQ_QUERY_MS;
}

bool
store_query_timed_out(const struct store_query *q)
{
	return q->timed_out;
}

void
sq_fail(struct store_query *q, const char *what)
{
	if (q->timed_out)
		snprintf(q->err, sizeof q->err, "%s: stopped after %d ms: narrow it (area, kind, period, "
		    "since, limit; api-query-timeout)", what, (int)q->query_ms);
	else
		snprintf(q->err, sizeof q->err, "%s: %s", what, sqlite3_errmsg(q->db));
}

/* ---- the query builder ---- */

void
sqlb_init(struct sqlb *b, const char *select)
{
	memset(b, 0, sizeof *b);
	sqlb_sql(b, select);
}

void
sqlb_sql(struct sqlb *b, const char *frag)
{
	size_t n = strlen(frag);

	if (b->len + n + 1 > sizeof b->sql) {
		b->overflow = true;
		return;
	}
	memcpy(b->sql + b->len, frag, n + 1);
	b->len += n;
}

/* Starts a condition: " WHERE " first, " AND " after. */
static void
sqlb_cond(struct sqlb *b, const char *frag)
{
	sqlb_sql(b, b->nconds++ == 0 ? " WHERE " : " AND ");
	sqlb_sql(b, frag);
}

static struct sqlb_bind *
sqlb_bind_next(struct sqlb *b)
{
	if (b->nbinds == SQLB_BINDS) {
		b->overflow = true;
		return NULL;
	}
	return &b->binds[b->nbinds++];
}

void
sqlb_text(struct sqlb *b, const char *cond, const char *v)
{
	struct sqlb_bind *x = sqlb_bind_next(b);

	if (cond != NULL)
		sqlb_cond(b, cond);
	if (x != NULL) {
		x->text = true;
		snprintf(x->s, sizeof x->s, "%s", v);
		if (strlen(v) >= sizeof x->s)
			b->overflow = true;
	}
}

void
sqlb_int(struct sqlb *b, const char *cond, int64_t v)
{
	struct sqlb_bind *x = sqlb_bind_next(b);

	if (cond != NULL)
		sqlb_cond(b, cond);
	if (x != NULL) {
		x->text = false;
		x->i = v;
	}
}

void
sqlb_subtree(struct sqlb *b, const char *col, const char *area)
{
	char cond[256], lo[SQLB_TEXT_MAX], hi[SQLB_TEXT_MAX];

	if (area == NULL || *area == '\0')
		return;
	/*
	 * One range [area, area0) that an index scans ('/' + 1 == '0'), then the
	 * residue: area itself or a path under area/ (not a sibling "area-x").
	 */
	snprintf(cond, sizeof cond, "(%s >= ? AND %s < ? AND (%s = ? OR %s > ?))",
	    col, col, col, col);
	snprintf(lo, sizeof lo, "%s/", area);
	snprintf(hi, sizeof hi, "%s0", area);
	sqlb_text(b, cond, area);
	sqlb_text(b, NULL, hi);
	sqlb_text(b, NULL, area);
	sqlb_text(b, NULL, lo);
}

void
sqlb_where(struct sqlb *b, const char *cond)
{
	sqlb_cond(b, cond);
}

sqlite3_stmt *
sqlb_prepare(struct store_query *q, struct sqlb *b)
{
	sqlite3_stmt *st = NULL;

	if (b->overflow) {
		snprintf(q->err, sizeof q->err, "query too long");
		return NULL;
	}
	q->timed_out = false;
	q->deadline_ms = mono_ms() + q->query_ms;
	if (sqlite3_prepare_v2(q->db, b->sql, (int)b->len, &st, NULL) != SQLITE_OK) {
		sq_fail(q, "prepare");
		return NULL;
	}
	for (int i = 0; i < b->nbinds; i++) {
		const struct sqlb_bind *x = &b->binds[i];
		int rc = x->text ? sqlite3_bind_text(st, i + 1, x->s, -1, SQLITE_TRANSIENT)
		    : sqlite3_bind_int64(st, i + 1, x->i);
		if (rc != SQLITE_OK) {
			sq_fail(q, "bind");
			sqlite3_finalize(st);
			return NULL;
		}
	}
	return st;
}

const char *
sq_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

const char *
sq_text0(sqlite3_stmt *st, int col)
{
	const char *s = sq_text(st, col);

	return s != NULL ? s : "";
}

int
sq_finish(struct store_query *q, sqlite3_stmt *st, int rc, const char *what)
{
	bool ok = rc == SQLITE_DONE || rc == SQLITE_ROW;

	if (!ok)
		sq_fail(q, what);
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/*
 * Prepares b and steps through its rows, handing each to row(st, arg)
 * until one returns false.  Returns the number of rows seen, or -1 with
 * q's error set (what names the query).
 */
static int
sq_each(struct store_query *q, struct sqlb *b, const char *what,
    bool (*row)(sqlite3_stmt *st, void *arg), void *arg)
{
	sqlite3_stmt *st = sqlb_prepare(q, b);
	int rc, n = 0;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (!row(st, arg))
			break;
	}
	return sq_finish(q, st, rc, what) == 0 ? n : -1;
}

/*
 * A caller's callback and its argument, for the row adapters below: each
 * turns a statement's row into the struct its kind of callback takes.
 */
struct sq_cb {
	union {
		bool (*rollup)(void *arg, const struct sq_rollup *r);
		bool (*journal)(void *arg, const struct sq_journal *j);
		bool (*group)(void *arg, const struct sq_group *g);
		bool (*period)(void *arg, const char *period);
		bool (*area)(void *arg, const struct sq_area *a);
		bool (*reporter)(void *arg, const struct sq_reporter *r);
		bool (*change)(void *arg, const struct sq_change *c);
	} fn;
	void *arg;
};

/* ---- rollups ---- */

/* A rollup row: area, kind, period, field, sum, count, max, last, yes, scale, updated_at. */
static bool
rollup_row(sqlite3_stmt *st, void *arg)
{
	const struct sq_cb *cb = arg;
	struct sq_rollup r = {
		.area = sq_text0(st, 0), .kind = sq_text0(st, 1), .period = sq_text0(st, 2),
		.field = sq_text0(st, 3),
		.st = { .sum = sqlite3_column_int64(st, 4), .count = sqlite3_column_int64(st, 5),
			.max = sqlite3_column_int64(st, 6), .last = sqlite3_column_int64(st, 7),
			.yes = sqlite3_column_int64(st, 8) },
		.scale = (unsigned)sqlite3_column_int(st, 9), .updated_at = sqlite3_column_int64(st, 10),
	};

	return cb->fn.rollup(cb->arg, &r);
}

#define ROLLUP_COLS "SELECT area, kind, period, field, sum, count, max, last, yes, scale, updated_at FROM rollups"

bool
store_query_rollups(struct store_query *q, const char *area, const char *kind,
    const char *period, const char *after_area, const char *after_kind, const char *after_period,
    bool (*fn)(void *arg, const struct sq_rollup *r), void *arg)
{
	struct sq_cb cb = { .fn.rollup = fn, .arg = arg };
	struct sqlb b;

	sqlb_init(&b, ROLLUP_COLS);
	sqlb_subtree(&b, "area", area);
	if (*kind)
		sqlb_text(&b, "kind = ?", kind);
	if (*period)
		sqlb_text(&b, "period = ?", period);
	if (*after_area) {
		sqlb_text(&b, "(area, kind, period) > (?, ?, ?)", after_area);
		sqlb_text(&b, NULL, after_kind);
		sqlb_text(&b, NULL, after_period);
	}
	sqlb_sql(&b, " ORDER BY area, kind, period, field");
	return sq_each(q, &b, "rollups", rollup_row, &cb) >= 0;
}

bool
store_query_cell(struct store_query *q, const char *area, const char *kind, const char *period,
    bool (*fn)(void *arg, const struct sq_rollup *r), void *arg)
{
	struct sq_cb cb = { .fn.rollup = fn, .arg = arg };
	struct sqlb b;

	sqlb_init(&b, ROLLUP_COLS);
	sqlb_text(&b, "area = ?", area);
	sqlb_text(&b, "kind = ?", kind);
	sqlb_text(&b, "period = ?", period);
	return sq_each(q, &b, "rollup cell", rollup_row, &cb) >= 0;
}

bool
store_query_counts(struct store_query *q, const char *area, const char *kind,
    const char *period, unsigned *expected, unsigned *reported)
{
	struct sqlb b;
	sqlite3_stmt *st;
	int rc;

	sqlb_init(&b, "SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM reports r "
	    "WHERE r.area = a.path AND r.kind = ? AND r.period = ? AND r.status = 'active')), 0) "
	    "FROM areas a");
	sqlb_text(&b, NULL, kind);
	sqlb_text(&b, NULL, period);
	sqlb_where(&b, "a.expected = 1");
	sqlb_subtree(&b, "a.path", area);
	if ((st = sqlb_prepare(q, &b)) == NULL)
		return false;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*expected = (unsigned)sqlite3_column_int(st, 0);
		*reported = (unsigned)sqlite3_column_int(st, 1);
	}
	return sq_finish(q, st, rc, "counts") == 0;
}

/* ---- reports ---- */

/* Reads the values of report id into q's scratch array; returns their count or -1. */
static int
report_values(struct store_query *q, sqlite3_stmt *vals, int64_t id, struct sq_value *v,
    char (*names)[SQ_FIELD_MAX], size_t max)
{
	int n = 0, rc;

	sqlite3_reset(vals);
	sqlite3_bind_int64(vals, 1, id);
	while ((rc = sqlite3_step(vals)) == SQLITE_ROW && (size_t)n < max) {
		snprintf(names[n], SQ_FIELD_MAX, "%s", sq_text0(vals, 0));
		v[n].field = names[n];
		v[n].value = sqlite3_column_int64(vals, 1);
		v[n].scale = (unsigned)sqlite3_column_int(vals, 2);
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sq_fail(q, "report values");
		return -1;
	}
	return n;
}

/*
 * Builds the reports query for filter f in two steps: the page's ids first,
 * from an index alone when the filters are on indexed columns, then only
 * those rows (read in one step, every report of a group was fetched from
 * the table to be sorted by id: 3,300 random pages for 50 rows on 10^7
 * reports).  Kind and period together narrow to one cell through
 * reports_kind_period_area; a kind alone is a seventh of the ledger, so
 * the unary + keeps SQLite from choosing the kind's range over the
 * subtree's (reports_area_kind_period) or, without an area, over the ids
 * in order.
 */
static void
reports_sql(struct sqlb *b, const struct sq_report_filter *f)
{
	bool cell = *f->kind && *f->period;

	sqlb_init(b, "SELECT id, journal_seq, area, kind, period, reporter, created_at, status, "
	    "coalesce(superseded_by, 0), coalesce(replaces, 0) FROM reports "
	    "WHERE id IN (SELECT id FROM reports");
	sqlb_subtree(b, "area", f->area);
	if (*f->kind)
		sqlb_text(b, cell ? "kind = ?" : "+kind = ?", f->kind);
	if (*f->period)
		sqlb_text(b, cell ? "period = ?" : "+period = ?", f->period);
	if (f->reporter != NULL)
		sqlb_text(b, "reporter = ?", f->reporter);
	if (f->status != NULL)
		sqlb_text(b, "status = ?", f->status);
	if (f->since != INT64_MIN)
		sqlb_int(b, "created_at >= ?", f->since);
	if (f->after > 0)
		sqlb_int(b, "id > ?", f->after);
	sqlb_sql(b, " ORDER BY id LIMIT ?) ORDER BY id");
	sqlb_int(b, NULL, f->limit);
}

bool
store_query_reports(struct store_query *q, const struct sq_report_filter *f,
    bool (*fn)(void *arg, const struct sq_report *r), void *arg)
{
	struct sq_value v[SQ_VALUES_MAX];
	char names[SQ_VALUES_MAX][SQ_FIELD_MAX];
	sqlite3_stmt *st, *vals = NULL;
	struct sqlb b;
	int rc;

	reports_sql(&b, f);
	if ((st = sqlb_prepare(q, &b)) == NULL)
		return false;
	if (sqlite3_prepare_v2(q->db, "SELECT field, value, scale FROM report_values WHERE report = ?",
	    -1, &vals, NULL) != SQLITE_OK) {
		sq_fail(q, "prepare values");
		sqlite3_finalize(st);
		return false;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sq_report r = {
			.id = sqlite3_column_int64(st, 0), .journal_seq = sqlite3_column_int64(st, 1),
			.area = sq_text0(st, 2), .kind = sq_text0(st, 3), .period = sq_text0(st, 4),
			.reporter = sq_text(st, 5), .created_at = sqlite3_column_int64(st, 6),
			.status = sq_text0(st, 7), .superseded_by = sqlite3_column_int64(st, 8),
			.replaces = sqlite3_column_int64(st, 9), .values = v,
		};
		int n = report_values(q, vals, r.id, v, names, SQ_VALUES_MAX);
		if (n < 0) {
			rc = SQLITE_ERROR;
			break;
		}
		r.nvalues = (size_t)n;
		if (!fn(arg, &r))
			break;
	}
	sqlite3_finalize(vals);
	if (rc == SQLITE_ERROR) {
		sqlite3_finalize(st);
		return false;
	}
	return sq_finish(q, st, rc, "reports") == 0;
}

/* ---- journal ---- */

static bool
journal_row(sqlite3_stmt *st, void *arg)
{
	const struct sq_cb *cb = arg;
	struct sq_journal j = {
		.seq = sqlite3_column_int64(st, 0), .msg_id = sq_text(st, 1),
		.source = sq_text(st, 2), .channel = sq_text(st, 3), .sender = sq_text(st, 4),
		.topic = sq_text(st, 5), .payload = sqlite3_column_blob(st, 6),
		.len = (size_t)sqlite3_column_bytes(st, 6),
		.received_at = sqlite3_column_int64(st, 7), .status = sq_text(st, 8),
		.error = sq_text(st, 9), .detail = sq_text(st, 10), .command = sq_text(st, 11),
		.report_id = sqlite3_column_int64(st, 12), .area = sq_text(st, 13),
	};

	if (j.payload == NULL)
		j.payload = "";
	return cb->fn.journal(cb->arg, &j);
}

bool
store_query_journal(struct store_query *q, const struct sq_journal_filter *f,
    bool (*fn)(void *arg, const struct sq_journal *j), void *arg)
{
	struct sq_cb cb = { .fn.journal = fn, .arg = arg };
	struct sqlb b;

	sqlb_init(&b, "SELECT j.seq, j.msg_id, j.source, j.channel, j.sender, j.topic, j.payload, "
	    "j.received_at, j.status, j.error, j.detail, j.command, coalesce(j.report_id, 0), "
	    "coalesce(rp.area, rr.area) AS area FROM journal j "
	    "LEFT JOIN reports rp ON rp.id = j.report_id LEFT JOIN reporters rr ON rr.id = j.sender");
	sqlb_subtree(&b, "coalesce(rp.area, rr.area)", f->area);
	if (*f->kind)
		sqlb_text(&b, "rp.kind = ?", f->kind);
	if (*f->period)
		sqlb_text(&b, "rp.period = ?", f->period);
	if (f->sender != NULL)
		sqlb_text(&b, "j.sender = ?", f->sender);
	if (f->status != NULL)
		sqlb_text(&b, "j.status = ?", f->status);
	if (f->since != INT64_MIN)
		sqlb_int(&b, "j.received_at >= ?", f->since);
	if (f->after > 0)
		sqlb_int(&b, "j.seq > ?", f->after);
	sqlb_sql(&b, " ORDER BY j.seq LIMIT ?");
	sqlb_int(&b, NULL, f->limit);
	return sq_each(q, &b, "journal", journal_row, &cb) >= 0;
}

/* ---- groups ---- */

static bool
group_row(sqlite3_stmt *st, void *arg)
{
	const struct sq_cb *cb = arg;
	struct sq_group g = {
		.path = sq_text0(st, 0), .name = sq_text0(st, 1),
		.parent_name = sq_text0(st, 2), .grandparent_name = sq_text0(st, 3),
		.expected = sqlite3_column_int(st, 4) != 0, .reporter = sq_text(st, 5),
		.reporter_name = sq_text(st, 6), .reported_at = sqlite3_column_int64(st, 7),
		.reported = sqlite3_column_int(st, 8) != 0,
	};

	return cb->fn.group(cb->arg, &g);
}

bool
store_query_groups(struct store_query *q, const char *area, const char *kind,
    const char *period, bool (*fn)(void *arg, const struct sq_group *g), void *arg)
{
	struct sq_cb cb = { .fn.group = fn, .arg = arg };
	struct sqlb b;

	/* The latest active report of each group (ids grow with time). */
	sqlb_init(&b, "SELECT a.path, a.name, coalesce(p.name, ''), coalesce(gp.name, ''), a.expected, "
	    "r.reporter, rr.name, r.created_at, r.id IS NOT NULL FROM areas a "
	    "LEFT JOIN areas p ON p.path = a.parent LEFT JOIN areas gp ON gp.path = p.parent "
	    "LEFT JOIN reports r ON r.id = (SELECT max(id) FROM reports x WHERE x.area = a.path "
	    "AND x.kind = ? AND x.period = ? AND x.status = 'active') "
	    "LEFT JOIN reporters rr ON rr.id = r.reporter");
	sqlb_text(&b, NULL, kind);
	sqlb_text(&b, NULL, period);
	sqlb_where(&b, "(a.expected = 1 OR r.id IS NOT NULL)");
	sqlb_subtree(&b, "a.path", area);
	sqlb_sql(&b, " ORDER BY a.path");
	return sq_each(q, &b, "groups", group_row, &cb) >= 0;
}

static bool
period_row(sqlite3_stmt *st, void *arg)
{
	const struct sq_cb *cb = arg;

	return cb->fn.period(cb->arg, sq_text0(st, 0));
}

bool
store_query_periods(struct store_query *q, const char *area, const char *kind,
    bool (*fn)(void *arg, const char *period), void *arg)
{
	struct sq_cb cb = { .fn.period = fn, .arg = arg };
	struct sqlb b;

	/*
	 * The kind's periods one seek each (the next period after the last, in
	 * reports_kind_period_area), each kept if the subtree has an active
	 * report in it: one more seek.  SELECT DISTINCT read every report of
	 * the kind, 1.4 million for livestock on 10^7 reports (0.5 s).
	 */
	sqlb_init(&b, "WITH RECURSIVE p(period) AS (SELECT (SELECT min(period) FROM reports "
	    "WHERE kind = ?) UNION ALL SELECT (SELECT min(period) FROM reports WHERE kind = ? "
	    "AND period > p.period) FROM p WHERE p.period IS NOT NULL) SELECT period FROM p");
	sqlb_text(&b, NULL, kind);
	sqlb_text(&b, NULL, kind);
	sqlb_where(&b, "period IS NOT NULL");
	sqlb_where(&b, "EXISTS (SELECT 1 FROM reports r WHERE r.kind = ? AND r.period = p.period "
	    "AND r.status = 'active'");
	sqlb_text(&b, NULL, kind);
	sqlb_subtree(&b, "r.area", area);
	sqlb_sql(&b, ") ORDER BY period");
	return sq_each(q, &b, "periods", period_row, &cb) >= 0;
}

/* ---- roster reads ---- */

/*
 * Hands the row of select whose cond ("path = ?") holds for key to row:
 * 1 found, 0 none, -1 error (what names the query).
 */
static int
sq_one(struct store_query *q, const char *what, const char *select, const char *cond,
    const char *key, bool (*row)(sqlite3_stmt *st, void *arg), struct sq_cb *cb)
{
	struct sqlb b;
	int n;

	sqlb_init(&b, select);
	sqlb_text(&b, cond, key);
	n = sq_each(q, &b, what, row, cb);
	return n < 0 ? -1 : n > 0;
}

/* An area row: path, name, parent, depth, expected. */
static bool
area_row(sqlite3_stmt *st, void *arg)
{
	const struct sq_cb *cb = arg;
	struct sq_area a = {
		.path = sq_text0(st, 0), .name = sq_text0(st, 1), .parent = sq_text(st, 2),
		.depth = sqlite3_column_int(st, 3), .expected = sqlite3_column_int(st, 4) != 0,
	};

	return cb->fn.area(cb->arg, &a);
}

#define AREA_COLS "SELECT path, name, parent, depth, expected FROM areas"

bool
store_query_areas(struct store_query *q, const char *area, const char *after, unsigned limit,
    bool (*fn)(void *arg, const struct sq_area *a), void *arg)
{
	struct sq_cb cb = { .fn.area = fn, .arg = arg };
	struct sqlb b;

	sqlb_init(&b, AREA_COLS);
	sqlb_subtree(&b, "path", area);
	if (*after)
		sqlb_text(&b, "path > ?", after);
	sqlb_sql(&b, " ORDER BY path LIMIT ?");
	sqlb_int(&b, NULL, limit);
	return sq_each(q, &b, "areas", area_row, &cb) >= 0;
}

int
store_query_area_get(struct store_query *q, const char *path,
    bool (*fn)(void *arg, const struct sq_area *a), void *arg)
{
	struct sq_cb cb = { .fn.area = fn, .arg = arg };

	return sq_one(q, "areas", AREA_COLS, "path = ?", path, area_row, &cb);
}

bool
store_query_area_name(struct store_query *q, const char *path, char *buf, size_t buflen)
{
	struct sqlb b;
	sqlite3_stmt *st;
	int rc;

	sqlb_init(&b, "SELECT name FROM areas");
	sqlb_text(&b, "path = ?", path);
	if ((st = sqlb_prepare(q, &b)) == NULL)
		return false;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && *sq_text0(st, 0) != '\0')
		snprintf(buf, buflen, "%s", sq_text0(st, 0));
	return sq_finish(q, st, rc, "area name") == 0;
}

/* A reporter row: id, name, area, role, lang. */
static bool
reporter_row(sqlite3_stmt *st, void *arg)
{
	const struct sq_cb *cb = arg;
	struct sq_reporter r = {
		.id = sq_text0(st, 0), .name = sq_text0(st, 1), .area = sq_text0(st, 2),
		.role = sq_text0(st, 3), .lang = sq_text0(st, 4),
	};

	return cb->fn.reporter(cb->arg, &r);
}

#define REPORTER_COLS "SELECT id, name, area, role, lang FROM reporters"

bool
store_query_reporters(struct store_query *q, const char *area, const char *role,
    const char *after, unsigned limit, bool (*fn)(void *arg, const struct sq_reporter *r), void *arg)
{
	struct sq_cb cb = { .fn.reporter = fn, .arg = arg };
	struct sqlb b;

	sqlb_init(&b, REPORTER_COLS);
	sqlb_subtree(&b, "area", area);
	if (role != NULL)
		sqlb_text(&b, "role = ?", role);
	if (*after)
		sqlb_text(&b, "id > ?", after);
	sqlb_sql(&b, " ORDER BY id LIMIT ?");
	sqlb_int(&b, NULL, limit);
	return sq_each(q, &b, "reporters", reporter_row, &cb) >= 0;
}

bool
store_query_reporters_at(struct store_query *q, const char *area, const char *role,
    bool (*fn)(void *arg, const struct sq_reporter *r), void *arg)
{
	struct sq_cb cb = { .fn.reporter = fn, .arg = arg };
	struct sqlb b;

	sqlb_init(&b, REPORTER_COLS);
	sqlb_text(&b, "area = ?", area);
	if (role != NULL)
		sqlb_text(&b, "role = ?", role);
	sqlb_sql(&b, " ORDER BY id");
	return sq_each(q, &b, "reporters", reporter_row, &cb) >= 0;
}

int
store_query_reporter_get(struct store_query *q, const char *id,
    bool (*fn)(void *arg, const struct sq_reporter *r), void *arg)
{
	struct sq_cb cb = { .fn.reporter = fn, .arg = arg };

	return sq_one(q, "reporters", REPORTER_COLS, "id = ?", id, reporter_row, &cb);
}

static bool
change_row(sqlite3_stmt *st, void *arg)
{
	const struct sq_cb *cb = arg;
	struct sq_change c = {
		.seq = sqlite3_column_int64(st, 0), .who = sq_text0(st, 1),
		.at = sqlite3_column_int64(st, 2), .what = sq_text0(st, 3),
	};

	return cb->fn.change(cb->arg, &c);
}

bool
store_query_changes(struct store_query *q, int64_t since, int64_t after, unsigned limit,
    bool (*fn)(void *arg, const struct sq_change *c), void *arg)
{
	struct sq_cb cb = { .fn.change = fn, .arg = arg };
	struct sqlb b;

	sqlb_init(&b, "SELECT seq, who, at, what FROM roster_changes");
	if (since != INT64_MIN)
		sqlb_int(&b, "at >= ?", since);
	if (after > 0)
		sqlb_int(&b, "seq > ?", after);
	sqlb_sql(&b, " ORDER BY seq LIMIT ?");
	sqlb_int(&b, NULL, limit);
	return sq_each(q, &b, "roster changes", change_row, &cb) >= 0;
}
