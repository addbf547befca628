/*
 * cmd_backup.c — `cunbaoctl backup [-c FILE] [--db FILE] OUT` and
 * `cunbaoctl restore [-c FILE] [--db FILE] [--check] BACKUP`.
 *
 * backup copies cunbaod's database while cunbaod runs: one consistent
 * snapshot (SQLite's online backup API; WAL lets cunbaod go on committing),
 * written beside OUT and renamed over it once whole and synced.
 *
 * restore checks BACKUP first (integrity_check, a schema version this
 * cunbao knows, the journal there) and replaces nothing when it fails; it
 * refuses while cunbaod holds the database's lock; the database it
 * replaces is kept, with its WAL, as DB.before-restore-<time>, and the
 * restored file gets the replaced one's owner and mode (cunbaod runs as
 * its own user).  A newer cunbaod migrates a restored older schema when it
 * starts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "cunbaoctl.h"
#include "dblock.h"
#include "store_backup.h"

/* Prints the help of backup (restore false) or restore to f. */
static void
backup_usage(FILE *f, bool restore)
{
	if (!restore)
		fprintf(f, "usage: cunbaoctl backup [-c FILE] [--db FILE] OUT\n\n"
		    "Copies cunbaod's database into OUT while cunbaod runs: one consistent\n"
		    "snapshot of what was committed when the copy began (SQLite's online backup;\n"
		    "ingest goes on).  OUT is written beside itself and renamed into place once\n"
		    "whole and synced, so it is never a half-written copy.\n\n");
	else
		fprintf(f, "usage: cunbaoctl restore [-c FILE] [--db FILE] [--check] BACKUP\n\n"
		    "Checks BACKUP (PRAGMA integrity_check, a schema version this cunbao knows,\n"
		    "the journal and reports tables) and, with cunbaod stopped, makes it the\n"
		    "database.  Nothing is replaced when a check fails.  The database it replaces\n"
		    "is kept, with its WAL, as DB.before-restore-<time>.\n\n"
		    "  --check           check BACKUP only, replace nothing\n");
	fprintf(f, "  -c, --config FILE cunbaod's config (default " CONFIG_DEFAULT_FILE ", if present)\n"
	    "  --db FILE         the database (default: the config's db)\n\n"
	    "Exit: 0 done, 1 failed (nothing replaced), 2 usage error, 3 file not found,\n"
	    "4 refused (cunbaod runs on the database).\n");
}

/* Prints what a database file holds. */
static void
backup_print(const char *what, const char *path, const struct store_backup_info *i)
{
	char when[32] = "never";
	time_t t = (time_t)i->last_received;
	struct tm tm;

	if (t > 0 && localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s %s: schema %d, %lld journal rows, %lld reports, last message %s, %.1f MB\n", what,
	    path, i->version, (long long)i->journal, (long long)i->reports, when,
	    (double)(i->pages * i->page_size) / 1e6);
}

/* backup: copies conf's db into out. */
static int
backup_do(const char *db, const char *out)
{
	struct store_backup_info info;
	char err[4096];

	if (access(db, F_OK) != 0) {
		fprintf(stderr, "cunbaoctl backup: %s: %s\n", db, strerror(errno));
		return CTL_NOTFOUND;
	}
	if (!store_backup(db, out, &info, err, sizeof err)) {
		fprintf(stderr, "cunbaoctl backup: %s\n", err);
		return CTL_FAIL;
	}
	backup_print("backed up", out, &info);
	return CTL_OK;
}

/* Renames db and its -wal aside as db.before-restore-<stamp>; its -shm goes. */
static bool
restore_set_aside(const char *db, char *kept, size_t keptlen)
{
	char stamp[32], from[4096], to[4096];
	time_t now = time(NULL);
	struct tm tm;

	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", localtime_r(&now, &tm));
	if ((size_t)snprintf(kept, keptlen, "%s.before-restore-%s", db, stamp) >= keptlen) {
		fprintf(stderr, "cunbaoctl restore: %s: name too long\n", db);
		return false;
	}
	if (rename(db, kept) != 0) {
		fprintf(stderr, "cunbaoctl restore: %s: rename to %s: %s\n", db, kept, strerror(errno));
		return false;
	}
	if ((size_t)snprintf(from, sizeof from, "%s-wal", db) >= sizeof from ||
	    (size_t)snprintf(to, sizeof to, "%s-wal", kept) >= sizeof to) {
		fprintf(stderr, "cunbaoctl restore: %s: name too long\n", db);
		rename(kept, db);
		return false;
	}
	if (rename(from, to) != 0 && errno != ENOENT) {
		fprintf(stderr, "cunbaoctl restore: %s: rename to %s: %s\n", from, to, strerror(errno));
		rename(kept, db);
		return false;
	}
	if ((size_t)snprintf(from, sizeof from, "%s-shm", db) < sizeof from)
		unlink(from);
	return true;
}

/* restore: checks backup, then (unless check_only) makes it db. */
static int
restore_do(const char *db, const char *backup, bool check_only)
{
	struct store_backup_info info;
	struct stat old;
	char err[4096], kept[4096] = "";
	bool had = stat(db, &old) == 0;
	int lock;

	if (access(backup, F_OK) != 0) {
		fprintf(stderr, "cunbaoctl restore: %s: %s\n", backup, strerror(errno));
		return CTL_NOTFOUND;
	}
	if (!store_backup_check(backup, &info, err, sizeof err)) {
		fprintf(stderr, "cunbaoctl restore: %s (nothing replaced)\n", err);
		return CTL_FAIL;
	}
	backup_print("checked", backup, &info);
	if (check_only)
		return CTL_OK;
	if ((lock = ctl_db_lock(db, "restore")) < 0)
		return CTL_REFUSED;
	if (had && !restore_set_aside(db, kept, sizeof kept)) {
		ctl_db_unlock(lock);
		return CTL_FAIL;
	}
	if (!store_backup(backup, db, &info, err, sizeof err)) {
		fprintf(stderr, "cunbaoctl restore: %s\n", err);
		if (had && rename(kept, db) == 0)
			fprintf(stderr, "cunbaoctl restore: %s put back as it was\n", db);
		ctl_db_unlock(lock);
		return CTL_FAIL;
	}
	if (had && (chown(db, old.st_uid, old.st_gid) != 0 || chmod(db, old.st_mode & 07777) != 0))
		fprintf(stderr, "cunbaoctl restore: warning: %s: owner or mode not copied: %s\n", db,
		    strerror(errno));
	ctl_db_unlock(lock);
	backup_print("restored", db, &info);
	if (had)
		printf("the database it replaced is kept as %s\n", kept);
	printf("start cunbaod again (it migrates an older schema when it starts)\n");
	return CTL_OK;
}

/* The command line both subcommands share; restore is argv[0]. */
static int
backup_main(int argc, char **argv, bool restore)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config_flags flags = { 0 };
	struct config conf;
	const char *file = CONFIG_DEFAULT_FILE;
	bool must_exist = false, check_only = false;
	char err[4096];
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': file = optarg; must_exist = true; break;
		case 'd':
			if (!config_flag(&flags, "db", optarg, err, sizeof err)) {
				fprintf(stderr, "cunbaoctl %s: %s\n", argv[0], err);
				return CTL_USAGE;
			}
			break;
		case 'k':
			if (!restore) {
				backup_usage(stderr, restore);
				return CTL_USAGE;
			}
			check_only = true;
			break;
		case 'h': backup_usage(stdout, restore); return CTL_OK;
		default: backup_usage(stderr, restore); return CTL_USAGE;
		}
	}
	if (optind != argc - 1) {
		backup_usage(stderr, restore);
		return CTL_USAGE;
	}
	/* cunbaod's own config, as cunbaod assembles it: its defaults, the file, then the flags. */
	if (config_load(&conf, file, must_exist, &flags, err, sizeof err) > 0) {
		fprintf(stderr, "%scunbaoctl %s: configuration invalid\n", err, argv[0]);
		return CTL_USAGE;
	}
	return restore ? restore_do(conf.db, argv[optind], check_only) :
	    backup_do(conf.db, argv[optind]);
}

int
cmd_backup(int argc, char **argv)
{
	return backup_main(argc, argv, false);
}

int
cmd_restore(int argc, char **argv)
{
	return backup_main(argc, argv, true);
}
