/*
 * dbsize.c — what a pass's database holds once cunbaod has stopped: the
 * file and its WAL, the journal rows and reports stored, and which tables
 * (with their indexes) take the bytes, read through SQLite's dbstat table.
 * Read-only; the sizing figures of docs/scale.md come from here.
 */
#include "bench.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* One integer from a query on h; -1 on any error. */
static long long
q_int(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

bool
db_size_read(const char *db, struct db_size *out)
{
	char wal[1024];
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;

	memset(out, 0, sizeof *out);
	snprintf(wal, sizeof wal, "%s-wal", db);
	out->file = file_size(db);
	out->wal = file_size(wal);
	if (out->file <= 0 || sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return false;
	}
	out->journal = q_int(h, "SELECT count(*) FROM journal");
	out->reports = q_int(h, "SELECT count(*) FROM reports");
	out->rollups = q_int(h, "SELECT count(*) FROM rollups");
	/* Bytes per table, its indexes counted with it (dbstat: every page of every b-tree). */
	if (sqlite3_prepare_v2(h, "SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s "
	    "LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY 1 ORDER BY 2 DESC", -1, &st, NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW && out->ntables < DB_SIZE_TABLES) {
			snprintf(out->table[out->ntables].name, sizeof out->table[0].name, "%s",
			    (const char *)sqlite3_column_text(st, 0));
			out->table[out->ntables++].bytes = sqlite3_column_int64(st, 1);
		}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return true;
}
