/*
 * store_int.h — what the store_*.c files share: the connection, the table of
 * statements (prepared on first use, then reused) and the binding helpers.
 */
#ifndef CUNBAOD_STORE_INT_H
#define CUNBAOD_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

enum stmt {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_SAVEPOINT, ST_RELEASE, ST_ROLLBACK_TO,
	ST_JOURNAL_FIND, ST_JOURNAL_ADD, ST_JOURNAL_MAX, ST_JOURNAL_OUTCOME, ST_JOURNAL_PAGE,
	ST_REPORT_ADD, ST_VALUE_ADD, ST_REPORT_RETIRE, ST_REPORT_LAST,
	ST_CELL_VALUES, ST_CELL_REPORTS, ST_REPORTED_AREAS,
	ST_ROLLUP_LOAD, ST_ROLLUP_SET, ST_ROLLUP_PUT, ST_ROLLUP_DEL,
	ST_AREA_GET, ST_AREA_PUT, ST_AREA_ALL,
	ST_REPORTER_GET, ST_REPORTER_PUT, ST_REPORTER_ALL,
	ST_ROSTER_LOG,
	ST_PUBMARK_GET, ST_PUBMARK_SET, ST_PUBMARK_CELLS,
	ST_COUNT
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	bool in_tx;
	int64_t next_seq;		/* the journal seq the next row gets (valid in a transaction) */
	uint64_t committed;		/* commits so far: the last one's ticket */
	uint64_t wal_frames;		/* pages this connection's commits wrote to the WAL */
	int last_frames;		/* the WAL's size after the previous commit */
	uint64_t checkpoints, checkpoint_errors;
	char err[256];
};

/* The statement k, prepared on first use and reset; NULL (error noted) on failure. */
sqlite3_stmt *store_stmt(struct store *s, enum stmt k);
/* Notes a failure: "what: <sqlite message>"; returns false. */
bool store_fail(struct store *s, const char *what);
/* Binds a string, or NULL when str is NULL. */
void store_bind_text(sqlite3_stmt *st, int i, const char *str);
/* Steps a statement that returns no rows; false (noted as what) on error. */
bool store_exec_stmt(struct store *s, sqlite3_stmt *st, const char *what);

#endif
