/*
 * rebuild.h — recomputes everything derived from the journal: reports,
 * their values and the materialized rollups, by replaying every journaled
 * message, in seq order at its received time, through the very ingest code
 * cunbaod runs (ingest_replay).  One transaction: the database holds the old
 * derived tables or the new ones, never a mix.  Reports keep their ids
 * (a message accepted now that was refused before — the catalog or roster
 * changed — gets a new one).  The journal rows get their new outcomes; the
 * receipts stay as they were sent.  Run it while cunbaod is stopped
 * (cunbaod caches rollups in memory).
 */
#ifndef CUNBAOD_REBUILD_H
#define CUNBAOD_REBUILD_H

#include <stdbool.h>
#include <stddef.h>

struct store;
struct catalog;

struct rebuild_stats {
	size_t messages;	/* journal rows replayed */
	size_t accepted;
	size_t rejected;
	size_t changed;		/* rows whose outcome differs from the one journaled */
	size_t cells;		/* rollup cells computed */
};

/*
 * Replays the journal of s against catalog c and the roster in s, with
 * topics under root.  The process's time zone must be cunbaod's (tz_set).
 * A report that gets an id it had not before (a message refused then,
 * accepted now) is numbered above every id the journal names, so that it
 * cannot take the id of a later journaled report.  With apply false the
 * transaction is rolled back at the end (a dry run: st says what would
 * change).  Returns false (nothing changed) with the reason in err.
 */
bool rebuild_run(struct store *s, const struct catalog *c, const char *root, bool apply,
    struct rebuild_stats *st, char *err, size_t errlen);

#endif
