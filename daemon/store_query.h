/*
 * store_query.h — the admin API's own SQLite connection to cunbaod's
 * database: read queries for rollups, reports, the journal, completeness and
 * the ledger; short roster writes; reminders; the health check.
 *
 * WAL lets this connection read while the ingest connection (store.h)
 * writes; writes here are one short transaction each, never held across
 * event-loop callbacks.  Rows reach the caller through callbacks: every
 * pointer in a row is valid only during the call.  A callback returns false
 * to stop early (a full page).  Functions return false (or -1) on an SQLite
 * failure, with the message in store_query_error(); they never log.
 *
 * Area filters take a subtree: "xinzhuang/hexi" matches that area and every
 * area under it ("xinzhuang/hexi/g03"), never "xinzhuang/hexi2".  "" matches
 * every area.
 */
#ifndef CUNBAOD_STORE_QUERY_H
#define CUNBAOD_STORE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rollup.h"

#define SQ_SCHEMA_MIN 10	/* user_version this file needs (schema/sql/010_api.sql) */

struct store_query;

/* Opens path (which cunbaod's store has created and migrated); NULL with err set. */
struct store_query *store_query_open(const char *path, char *err, size_t errlen);
void store_query_close(struct store_query *q);
const char *store_query_error(const struct store_query *q);
/*
 * True if the last failure was a query stopped for running too long
 * (store_query_set_timeout): the answer is to narrow it, not a fault.
 */
bool store_query_timed_out(const struct store_query *q);
/* How long one query may hold the event loop, in ms (0: SQ_QUERY_MS, 3 s). */
void store_query_set_timeout(struct store_query *q, int64_t ms);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK for the roster writes and reminders. */
bool store_query_begin(struct store_query *q);
bool store_query_commit(struct store_query *q);
void store_query_rollback(struct store_query *q);

/* A savepoint inside the open transaction: one reminder's row, kept only if it went out. */
bool store_query_savepoint(struct store_query *q);
bool store_query_release(struct store_query *q);
void store_query_rollback_to(struct store_query *q);

/* Proves the database writable: one tiny committed write. */
bool store_query_writable(struct store_query *q, int64_t now);

/* ---- rollups ---- */

struct sq_rollup {
	const char *area, *kind, *period, *field;
	struct rollup_state st;
	unsigned scale;
	int64_t updated_at;
};
/*
 * Rollup rows of the subtree area (kind, period: "" for any), ordered by
 * area, kind, period, field, strictly after the cell (after_area,
 * after_kind, after_period) when after_area is not "".
 */
bool store_query_rollups(struct store_query *q, const char *area, const char *kind,
    const char *period, const char *after_area, const char *after_kind, const char *after_period,
    bool (*fn)(void *arg, const struct sq_rollup *r), void *arg);

/*
 * Counts the expected groups of the subtree area and how many of them have
 * an active report of kind and period.
 */
bool store_query_counts(struct store_query *q, const char *area, const char *kind,
    const char *period, unsigned *expected, unsigned *reported);

/* ---- reports and their values ---- */

struct sq_value {
	const char *field;
	int64_t value;
	unsigned scale;
};
struct sq_report {
	int64_t id, journal_seq;
	const char *area, *kind, *period, *reporter;	/* reporter may be NULL */
	int64_t created_at;
	const char *status;			/* active | superseded | withdrawn */
	int64_t superseded_by, replaces;	/* 0: none */
	size_t nvalues;
	const struct sq_value *values;
};
struct sq_report_filter {
	const char *area, *kind, *period;	/* "" : any */
	const char *reporter, *status;		/* NULL: any */
	int64_t since;				/* created_at >= since */
	int64_t after;				/* id > after */
	unsigned limit;
};
/* Reports in id order with their values. */
bool store_query_reports(struct store_query *q, const struct sq_report_filter *f,
    bool (*fn)(void *arg, const struct sq_report *r), void *arg);

/* ---- journal ---- */

struct sq_journal {
	int64_t seq;
	const char *msg_id, *source, *channel, *sender, *topic;	/* may be NULL */
	const char *payload;
	size_t len;
	int64_t received_at;
	const char *status, *error, *detail, *command;		/* may be NULL */
	int64_t report_id;
	const char *area;	/* of its report, or of its sender in the roster; may be NULL */
};
struct sq_journal_filter {
	const char *area, *kind, *period;	/* "" : any; kind and period through its report */
	const char *sender, *status;		/* NULL: any */
	int64_t since, after;
	unsigned limit;
};
bool store_query_journal(struct store_query *q, const struct sq_journal_filter *f,
    bool (*fn)(void *arg, const struct sq_journal *j), void *arg);

/* ---- groups: completeness and the ledger ---- */

struct sq_group {
	const char *path, *name;
	const char *parent_name, *grandparent_name;	/* "" at the top */
	bool expected;
	bool reported;			/* an active report of the kind and period */
	const char *reporter;		/* of the latest active report, NULL if none */
	const char *reporter_name;	/* as the roster spells it, NULL if unknown */
	int64_t reported_at;		/* 0 if none */
};
/*
 * The groups of the subtree area for kind and period: every expected area,
 * and every other area with an active report of kind and period, in path order.
 */
bool store_query_groups(struct store_query *q, const char *area, const char *kind,
    const char *period, bool (*fn)(void *arg, const struct sq_group *g), void *arg);

/* Periods of kind with an active report in the subtree area, in text order. */
bool store_query_periods(struct store_query *q, const char *area, const char *kind,
    bool (*fn)(void *arg, const char *period), void *arg);

/* The stored rollup cell of one area, kind, period; calls fn per field. */
bool store_query_cell(struct store_query *q, const char *area, const char *kind, const char *period,
    bool (*fn)(void *arg, const struct sq_rollup *r), void *arg);

/* ---- roster ---- */

struct sq_area {
	const char *path, *name, *parent;	/* parent NULL at the top */
	int depth;
	bool expected;
};
struct sq_reporter {
	const char *id, *name, *area, *role, *lang;
};

/* Copies the name of area path into buf (left as it is when the area has none or is missing). */
bool store_query_area_name(struct store_query *q, const char *path, char *buf, size_t buflen);

/*
 * When area path / reporter id first appeared in cunbao (unix time;
 * daemon/store_query_since.c): 0 when unknown (a row from before
 * 015_roster_since.sql) or absent, -1 on an error.
 */
int64_t store_query_area_since(struct store_query *q, const char *path);
int64_t store_query_reporter_since(struct store_query *q, const char *id);

/* Areas of the subtree in path order after `after` ("" from the start). */
bool store_query_areas(struct store_query *q, const char *area, const char *after, unsigned limit,
    bool (*fn)(void *arg, const struct sq_area *a), void *arg);
/* One area: 1 found, 0 none, -1 error. */
int store_query_area_get(struct store_query *q, const char *path,
    bool (*fn)(void *arg, const struct sq_area *a), void *arg);
/*
 * Inserts (create) or updates (!create) an area; its parent must exist.
 * Returns 1 done, 0 unchanged, -1 error, -2 exists (create) / missing
 * (update), -3 parent missing.
 */
int store_query_area_put(struct store_query *q, const char *path, const char *name,
    bool expected, bool create);
/*
 * Upserts an area (import): returns 0 unchanged, 1 added, 2 changed, -1
 * error, -3 parent missing.
 */
int store_query_area_upsert(struct store_query *q, const char *path, const char *name, bool expected);
/*
 * Deletes an area with no child areas, reporters or reports.  Returns 1
 * deleted, 0 none, -1 error, -2 it has children, -3 reporters, -4 reports.
 */
int store_query_area_delete(struct store_query *q, const char *path);

/* Reporters of the subtree area (role NULL: any) in id order after `after`. */
bool store_query_reporters(struct store_query *q, const char *area, const char *role,
    const char *after, unsigned limit, bool (*fn)(void *arg, const struct sq_reporter *r), void *arg);
/* Reporters whose area is exactly area, with role (NULL: any). */
bool store_query_reporters_at(struct store_query *q, const char *area, const char *role,
    bool (*fn)(void *arg, const struct sq_reporter *r), void *arg);
/* One reporter: 1 found, 0 none, -1 error. */
int store_query_reporter_get(struct store_query *q, const char *id,
    bool (*fn)(void *arg, const struct sq_reporter *r), void *arg);
/*
 * Inserts (create) or updates (!create) a reporter; its area must exist.
 * Returns 1 done, 0 unchanged, -1 error, -2 exists / missing, -3 area missing.
 */
int store_query_reporter_put(struct store_query *q, const struct sq_reporter *r, bool create);
/* Upserts (import): 0 unchanged, 1 added, 2 changed, -1 error, -3 area missing. */
int store_query_reporter_upsert(struct store_query *q, const struct sq_reporter *r);
/* Deletes a reporter: 1 deleted, 0 none, -1 error. */
int store_query_reporter_delete(struct store_query *q, const char *id);

/* Appends to the roster journal (roster_changes). */
bool store_query_change(struct store_query *q, const char *who, int64_t at, const char *what);

struct sq_change {
	int64_t seq;
	const char *who;
	int64_t at;
	const char *what;
};
bool store_query_changes(struct store_query *q, int64_t since, int64_t after, unsigned limit,
    bool (*fn)(void *arg, const struct sq_change *c), void *arg);

/* ---- reminders ---- */

/* True (1) if reporter already got an automatic or manual reminder of type for kind and period; -1 error. */
int store_query_reminded(struct store_query *q, const char *reporter, const char *kind,
    const char *period, const char *type);
/*
 * When reporter last got any reminder (automatic or manual) of kind and
 * period: unix seconds, 0 for never, -1 on an error.
 */
int64_t store_query_last_reminder(struct store_query *q, const char *reporter, const char *kind,
    const char *period);
/* One reminder sent (the reminders table). */
struct sq_reminder {
	int64_t id;			/* the outbox message's "rm-<id>" */
	const char *reporter, *area, *kind, *period, *type, *channel;
	const char *who;		/* the token's name of a manual one; NULL otherwise */
	int64_t sent_at;
};
/*
 * The reminders sent, by id, after `after`, of the subtree area ("" all),
 * kind and period ("" any) sent at or after since (INT64_MIN: any), at
 * most limit (daemon/store_query_since.c).  False on an error.
 */
bool store_query_reminders(struct store_query *q, const char *area, const char *kind, const char *period,
    int64_t since, int64_t after, unsigned limit, bool (*fn)(void *arg, const struct sq_reminder *r),
    void *arg);
/* Records a reminder; returns its id (the outbox message id's number), or -1. */
int64_t store_query_reminder_add(struct store_query *q, const char *reporter, const char *area,
    const char *kind, const char *period, const char *type, const char *channel,
    int64_t at, const char *who);

#endif
