/*
 * store_backup.c — consistent copies of a live database and the checks a
 * copy passes before a restore (store_backup.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "migrations.h"
#include "store_backup.h"

#define BACKUP_BUSY_MS 10000

int
store_schema_latest(void)
{
	int v = 0;

	for (const struct migration *m = migrations; m->name != NULL; m++)
		v = m->version;
	return v;
}

/* Puts "path: what: SQLite's message" into err and returns false. */
static bool
backup_fail(sqlite3 *db, const char *path, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s: %s", path, what, db ? sqlite3_errmsg(db) : "out of memory");
	return false;
}

/* The first column of the first row of sql as an integer; -1 when it fails. */
static int64_t
backup_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Fills *info from an open database; false (with err) when it has no journal or reports. */
static bool
backup_describe(sqlite3 *db, const char *path, struct store_backup_info *info, char *err,
    size_t errlen)
{
	memset(info, 0, sizeof *info);
	info->version = (int)backup_int(db, "PRAGMA user_version");
	info->pages = backup_int(db, "PRAGMA page_count");
	info->page_size = backup_int(db, "PRAGMA page_size");
	if (backup_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
	    "name IN ('journal', 'reports')") != 2) {
		snprintf(err, errlen, "%s: not a cunbao database (no journal and reports tables)", path);
		return false;
	}
	info->journal = backup_int(db, "SELECT count(*) FROM journal");
	info->reports = backup_int(db, "SELECT count(*) FROM reports");
	info->last_received = backup_int(db, "SELECT coalesce(max(received_at), 0) FROM journal");
	if (info->journal < 0 || info->reports < 0)
		return backup_fail(db, path, "count", err, errlen);
	return true;
}

/* fsyncs path (a file, or with O_DIRECTORY a folder); false with err. */
static bool
backup_fsync(const char *path, int flags, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);

	if (fd < 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: fsync: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	return true;
}

/*
 * Copies src into the fresh database tmp in one backup step (one read
 * snapshot of src: writers go on in WAL mode) and leaves tmp a single file
 * in rollback-journal mode, described in *info.
 */
static bool
backup_copy(const char *src, const char *tmp, struct store_backup_info *info, char *err,
    size_t errlen)
{
	sqlite3 *from = NULL, *to = NULL;
	sqlite3_backup *b;
	bool ok = false;

	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		backup_fail(from, src, "open", err, errlen);
		goto out;
	}
	sqlite3_busy_timeout(from, BACKUP_BUSY_MS);
	if (sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		backup_fail(to, tmp, "create", err, errlen);
		goto out;
	}
	if ((b = sqlite3_backup_init(to, "main", from, "main")) == NULL) {
		backup_fail(to, tmp, "backup", err, errlen);
		goto out;
	}
	int rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: backup: %s", src, sqlite3_errstr(rc));
		goto out;
	}
	if (sqlite3_exec(to, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		backup_fail(to, tmp, "journal_mode", err, errlen);
		goto out;
	}
	ok = backup_describe(to, src, info, err, errlen);
out:
	sqlite3_close(from);
	sqlite3_close(to);
	return ok;
}

bool
store_backup(const char *src, const char *dst, struct store_backup_info *info, char *err,
    size_t errlen)
{
	char tmp[4096], dir[4096];

	if (access(src, R_OK) != 0) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		return false;
	}
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", dst) >= sizeof tmp) {
		snprintf(err, errlen, "%s: name too long", dst);
		return false;
	}
	unlink(tmp);
	if (!backup_copy(src, tmp, info, err, errlen) || !backup_fsync(tmp, 0, err, errlen)) {
		unlink(tmp);
		return false;
	}
	if (rename(tmp, dst) != 0) {
		snprintf(err, errlen, "%s: rename to %s: %s", tmp, dst, strerror(errno));
		unlink(tmp);
		return false;
	}
	snprintf(dir, sizeof dir, "%s", dst);
	return backup_fsync(dirname(dir), O_DIRECTORY, err, errlen);
}

bool
store_backup_check(const char *path, struct store_backup_info *info, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool ok = false;
	int latest = store_schema_latest();

	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		backup_fail(db, path, "open", err, errlen);
		goto out;
	}
	sqlite3_busy_timeout(db, BACKUP_BUSY_MS);
	/* integrity_check answers "ok", or one row per problem: the first is named. */
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		backup_fail(db, path, "integrity_check", err, errlen);
		goto out;
	}
	const char *verdict = (const char *)sqlite3_column_text(st, 0);
	if (verdict == NULL || strcmp(verdict, "ok") != 0) {
		snprintf(err, errlen, "%s: integrity_check: %s", path, verdict ? verdict : "no answer");
		goto out;
	}
	if (!backup_describe(db, path, info, err, errlen))
		goto out;
	if (info->version < 1 || info->version > latest) {
		snprintf(err, errlen, "%s: schema version %d, this cunbao knows 1 to %d%s", path,
		    info->version, latest,
		    info->version > latest ? " (made by a newer cunbaod: upgrade first)" : "");
		goto out;
	}
	ok = true;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}
