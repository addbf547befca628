/*
 * store.h — cunbao's SQLite database: the ONLY interface to sqlite3.h.
 *
 * One struct store is one connection in WAL mode with synchronous=FULL (a
 * receipt promises the report survives kill -9 and power loss; group commit
 * keeps that fast), a busy timeout, and every statement prepared
 * once and reused.  store_open applies the embedded migrations (schema/sql) keyed by
 * PRAGMA user_version.
 *
 * Functions that can fail return false (or -1) and leave a message naming
 * what failed in store_error(); they never log.  Strings passed in are
 * borrowed for the call only.  Nothing here holds a transaction open beyond
 * store_begin ... store_commit/store_rollback, which the caller keeps within
 * one event-loop callback so other connections (the admin API) can write
 * between batches.
 */
#ifndef CUNBAOD_STORE_H
#define CUNBAOD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rollup.h"

struct store;

/* Opens (creating) the database at path and migrates it; NULL with a message in err. */
struct store *store_open(const char *path, int64_t busy_ms, char *err, size_t errlen);
void store_close(struct store *s);

/* The last failure, "what: SQLite's message". */
const char *store_error(const struct store *s);
/* The schema version (user_version) of the open database. */
int store_version(struct store *s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  Each commit gets the next ticket (1, 2, ...). */
bool store_begin(struct store *s);
bool store_commit(struct store *s);
void store_rollback(struct store *s);
bool store_in_tx(const struct store *s);
/* A savepoint inside the transaction: release keeps its writes, undo drops them (both end it). */
bool store_savepoint(struct store *s);
bool store_savepoint_release(struct store *s);
bool store_savepoint_undo(struct store *s);

/* What the connection's commits cost: WAL pages and checkpoints. */
struct store_stats {
	uint64_t wal_frames;		/* pages the commits wrote to the WAL */
	uint64_t checkpoints, checkpoint_errors;
};
void store_stats(struct store *s, struct store_stats *st);

/*
 * A testing aid: caps the database at pages pages (PRAGMA max_page_count;
 * 0 lifts the cap), so that a test can fill it like a full disk and free
 * it again.  false (SQLite's message in store_error) on failure.
 */
bool store_max_pages(struct store *s, int64_t pages);

/*
 * Rebuild: on adds a placeholder report whose id is one above the largest
 * the journal names, so that a report given a new id takes one above every
 * journaled id; off removes it.  Inside a transaction; false (store_error) on failure.
 */
bool store_report_ids_reserve(struct store *s, bool on);

/* The last roster_changes entry of an import of file ("import ..."), and its time; false when none. */
bool store_roster_last_import(struct store *s, const char *file, char *buf, size_t buflen, int64_t *at);

/* ---- journal ---- */

struct journal_row {
	const char *msg_id;		/* NULL: unreadable */
	const char *source, *channel, *sender;	/* NULL: none */
	const char *topic;
	const void *payload;
	size_t len;
	int64_t received_at;
	const char *status;		/* "accepted" | "rejected" */
	const char *error;		/* error code name or NULL */
	const char *detail;		/* NULL: none */
	const char *command;		/* NULL: none */
	int64_t report_id;		/* 0: none */
	const void *receipt;
	size_t receipt_len;
};

/*
 * Looks up the message msg_id of source (the idempotency key: ids are
 * unique per sender, so another source's same id is another message);
 * when journaled, copies its stored receipt into buf (NUL-terminated, *len
 * its length) and returns 1.  0: not journaled, or source or msg_id NULL;
 * -1: error.
 */
int store_journal_find(struct store *s, const char *source, const char *msg_id, char *buf, size_t buflen,
    size_t *len);
/* The seq the next journal row will get (inside a transaction). */
int64_t store_journal_next(const struct store *s);
/* Appends a journal row at store_journal_next; returns its seq, or -1. */
int64_t store_journal_add(struct store *s, const struct journal_row *r);
/* Rewrites the outcome of a journaled message (rebuild). */
bool store_journal_outcome(struct store *s, int64_t seq, const char *status,
    const char *error, const char *detail, int64_t report_id);

/* One journaled message as rebuild reads it back; pointers valid during the callback. */
struct journal_entry {
	int64_t seq;
	const char *topic;
	const char *payload;
	size_t len;
	int64_t received_at;
	int64_t report_id;
	const char *detail;		/* NULL: none */
};
/* Calls fn on every journal row in seq order; stops (returning false) when fn does. */
bool store_journal_each(struct store *s, bool (*fn)(void *arg, const struct journal_entry *e), void *arg);

/* ---- reports ---- */

struct report_row {
	int64_t id;			/* 0: a new id */
	int64_t journal_seq;
	const char *area, *kind, *period;
	const char *reporter;		/* NULL: none */
	int64_t created_at;
	int64_t replaces;		/* 0: none */
};

/* Inserts an active report; returns its id, or -1. */
int64_t store_report_add(struct store *s, const struct report_row *r);
bool store_value_add(struct store *s, int64_t report, const char *field, int64_t v, unsigned scale);
/* Marks a report superseded (by > 0) or withdrawn (by == 0). */
bool store_report_retire(struct store *s, int64_t id, int64_t by);

/* A report found by store_report_last. */
struct report_ref {
	int64_t id;
	char kind[40];
	char period[24];
};
/* The reporter's most recent active report for area, of kind and period.  1 found, 0 none, -1 error. */
int store_report_last(struct store *s, const char *reporter, const char *area,
    const char *kind, const char *period, struct report_ref *out);
/*
 * The reporter's most recent active report for area (the highest id), of
 * kind unless kind is NULL and of period (its text, "2023-11") unless period
 * is NULL: what 撤销 withdraws.  1 found, 0 none, -1 error.
 */
int store_report_latest(struct store *s, const char *reporter, const char *area,
    const char *kind, const char *period, struct report_ref *out);

/* Calls fn for every value of the active reports of (area, kind, period), in report order. */
bool store_cell_values(struct store *s, const char *area, const char *kind, const char *period,
    void (*fn)(void *arg, int64_t report, const char *field, int64_t v, unsigned scale), void *arg);
/* Number of active reports of (area, kind, period); -1 on error. */
int64_t store_cell_reports(struct store *s, const char *area, const char *kind, const char *period);

/* Calls fn for every area with active reports of kind and period. */
bool store_reported_areas(struct store *s, const char *kind, const char *period,
    bool (*fn)(void *arg, const char *area), void *arg);

/* Deletes reports, their values and rollups (rebuild, inside a transaction). */
bool store_clear_derived(struct store *s);

/* ---- rollups ---- */

/* Calls fn for every stored field of (area, kind, period). */
bool store_rollup_load(struct store *s, const char *area, const char *kind, const char *period,
    void (*fn)(void *arg, const char *field, const struct rollup_state *st, unsigned scale, int64_t updated_at),
    void *arg);
bool store_rollup_put(struct store *s, const char *area, const char *kind, const char *period,
    const char *field, const struct rollup_state *st, unsigned scale, int64_t updated_at);
bool store_rollup_del(struct store *s, const char *area, const char *kind, const char *period, const char *field);

/* ---- publish watermark (schema 014; publish.c says how it is used) ---- */

/* *mark: the journal seq up to which every changed cell is published; *last: the journal's last seq. */
bool store_publish_mark(struct store *s, int64_t *mark, int64_t *last);
/* Moves the watermark to seq in the open transaction (no commit of its own). */
bool store_publish_mark_set(struct store *s, int64_t seq);
/* Calls fn for every (area, kind, period) the journal rows after seq changed; false on error or when fn is. */
bool store_publish_cells(struct store *s, int64_t seq,
    bool (*fn)(void *arg, const char *area, const char *kind, const char *period), void *arg);

/* ---- roster ---- */

struct area_row {
	const char *path, *name;
	bool expected;
};
struct reporter_row {
	const char *id, *name, *area, *role, *lang;
};

/* Inserts or updates; returns 0 unchanged, 1 added, 2 changed, -1 error. */
int store_area_put(struct store *s, const struct area_row *a);
int store_reporter_put(struct store *s, const struct reporter_row *r);
/* Calls fn on every row; stops (returning false) when fn does. */
bool store_areas_each(struct store *s, bool (*fn)(void *arg, const struct area_row *a), void *arg);
bool store_reporters_each(struct store *s, bool (*fn)(void *arg, const struct reporter_row *r), void *arg);
/* Records a roster change. */
bool store_roster_log(struct store *s, const char *who, int64_t at, const char *what);

#endif
