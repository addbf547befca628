/*
 * store_federate.h — a federating cunbaod's inputs in SQLite (tables
 * fed_inputs and fed_journal, schema/sql/016_federation.sql).  Writes go
 * into the transaction the caller (batch.c) holds open; like the rest of
 * the store, these functions never log: false or -1 with store_error().
 */
#ifndef CUNBAOD_STORE_FEDERATE_H
#define CUNBAOD_STORE_FEDERATE_H

#include "store.h"

/* One stored input: the latest of one (child, kind, period, what). */
struct fed_row {
	const char *child, *kind, *period, *what;
	int64_t seq;			/* the child's seq; 0 when it sent none */
	const char *updated_at;
	const char *payload;
	size_t len;
	int64_t fseq;			/* the fed_journal row that set it */
	int64_t received_at;		/* unix seconds */
};

/*
 * The stored input of (child, kind, period, what): 1 with *row filled
 * (strings valid until the next store call), 0 when there is none, -1 on
 * an error.
 */
int store_fed_get(struct store *s, const char *child, const char *kind, const char *period,
    const char *what, struct fed_row *row);

/*
 * Journals an input that changes something and makes it the latest: a
 * fed_journal row (its seq goes into row->fseq) and the fed_inputs row
 * replaced.  Inside a transaction; false on error.
 */
bool store_fed_put(struct store *s, struct fed_row *row);

/* Calls fn for every stored input of what (all kinds and periods when kind is NULL). */
bool store_fed_each(struct store *s, const char *what, const char *kind, const char *period,
    bool (*fn)(void *arg, const struct fed_row *row), void *arg);

#endif
