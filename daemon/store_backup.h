/*
 * store_backup.h — consistent copies of cunbaod's database, and the checks a
 * copy must pass before it may replace one (cunbaoctl backup / restore).
 *
 * A backup is taken with SQLite's online backup API in one step: it reads
 * one snapshot of the live database (WAL: cunbaod goes on committing while
 * it runs, and the copy holds exactly what was committed when it began),
 * written to FILE.tmp, synced and renamed over FILE, so that FILE is never a
 * half-written copy.  These functions open their own connections, never
 * log, and put what failed, naming the file, in the caller's err.
 */
#ifndef CUNBAOD_STORE_BACKUP_H
#define CUNBAOD_STORE_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a database file holds, as store_backup and store_backup_check found it. */
struct store_backup_info {
	int version;		/* PRAGMA user_version: the schema migration it is at */
	int64_t pages, page_size;
	int64_t journal, reports;	/* rows */
	int64_t last_received;	/* the newest journal row's received_at (0: none) */
};

/* The newest schema version this build knows (its last embedded migration). */
int store_schema_latest(void);

/*
 * Copies the database at src into dst (replacing dst only once the copy is
 * whole and synced) and fills *info from the copy.  Returns false with the
 * reason in err; dst is then untouched and no dst.tmp is left behind.
 */
bool store_backup(const char *src, const char *dst, struct store_backup_info *info, char *err,
    size_t errlen);

/*
 * Checks that path is a cunbao database that may be restored: SQLite opens
 * it read-only, PRAGMA integrity_check says ok, its schema version is one
 * this build knows (1 .. store_schema_latest()) and it has the journal.
 * Fills *info.  Returns false with the first problem in err.
 */
bool store_backup_check(const char *path, struct store_backup_info *info, char *err, size_t errlen);

#endif
