/*
 * store_query_int.h — what store_query.c (reads) and store_query_write.c
 * (roster writes, reminders) share: the connection and a small builder of
 * queries whose WHERE clause depends on the filters given.
 */
#ifndef CUNBAOD_STORE_QUERY_INT_H
#define CUNBAOD_STORE_QUERY_INT_H

#include <sqlite3.h>

#include "cunbao.h"
#include "store_query.h"

#define SQ_BUSY_MS    2000	/* a roster write waits at most this long for the ingest connection */
#define SQ_QUERY_MS   3000	/* a query runs at most this long: the event loop waits for it */
#define SQ_VALUES_MAX CB_MAX_FIELDS
#define SQ_FIELD_MAX  (CB_CODE_MAX + 1)

struct store_query {
	sqlite3 *db;
	char err[512];
	int64_t deadline_ms;	/* monotonic ms at which the running query is stopped; 0: none */
	int64_t query_ms;	/* a query's budget (store_query_set_timeout); SQ_QUERY_MS by default */
	bool timed_out;		/* the last failure was that stop */
};

/* Records "what: SQLite's message" as the last error. */
void sq_fail(struct store_query *q, const char *what);

#define SQLB_BINDS 16
#define SQLB_TEXT_MAX 256

struct sqlb_bind {
	bool text;
	char s[SQLB_TEXT_MAX];
	int64_t i;
};

/* A query under construction: SQL text and its bound values, in order. */
struct sqlb {
	char sql[2048];
	size_t len;
	int nconds;
	int nbinds;
	struct sqlb_bind binds[SQLB_BINDS];
	bool overflow;
};

/* Starts a query with its SELECT ... FROM ... text. */
void sqlb_init(struct sqlb *b, const char *select);
/* Appends raw SQL (ORDER BY, LIMIT ?). */
void sqlb_sql(struct sqlb *b, const char *frag);
/* Adds a condition (cond NULL: only the bind) with one text / integer value. */
void sqlb_text(struct sqlb *b, const char *cond, const char *v);
void sqlb_int(struct sqlb *b, const char *cond, int64_t v);
/* Adds a condition without values. */
void sqlb_where(struct sqlb *b, const char *cond);
/* Adds "col is area or under it" (nothing for "" / NULL). */
void sqlb_subtree(struct sqlb *b, const char *col, const char *area);
/* Prepares and binds; NULL with q's error set. */
sqlite3_stmt *sqlb_prepare(struct store_query *q, struct sqlb *b);

/* Column text, NULL / "" when NULL. */
const char *sq_text(sqlite3_stmt *st, int col);
const char *sq_text0(sqlite3_stmt *st, int col);
/* Finalizes st; returns 0 if rc ended the steps well (DONE or ROW), else -1 with q's error set. */
int sq_finish(struct store_query *q, sqlite3_stmt *st, int rc, const char *what);

#endif
