/*
 * cmd_rebuild.c — `cunbaoctl rebuild --db FILE [--catalog FILE] [--prefix ROOT] [--tz ZONE]`:
 * recomputes reports and rollups from cunbaod's journal (daemon/rebuild.h),
 * running the daemon's own ingest code on every journaled message at the
 * time it was received, in one transaction.  Run it with cunbaod stopped.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "config.h"
#include "cunbaoctl.h"
#include "dblock.h"
#include "rebuild.h"
#include "store.h"
#include "topic.h"
#include "tz.h"

#define REBUILD_CATALOG_MAX (16u << 20)

static void
rebuild_usage(FILE *f)
{
	fprintf(f, "usage: cunbaoctl rebuild [-c FILE] [--apply] [--db FILE] [--catalog FILE] [--prefix ROOT]\n"
	    "                        [--tz ZONE]\n\n"
	    "Recomputes reports, their values and every rollup from cunbaod's journal, by\n"
	    "replaying each journaled message (in order, at the time it was received)\n"
	    "through cunbaod's own ingest code, in one transaction.  Reports keep their\n"
	    "ids; one accepted now and refused before gets an id above every journaled one.\n"
	    "Without --apply it is a dry run: it says what would change and writes nothing.\n"
	    "Refused while cunbaod runs on the database (its lock, FILE.lock).  It reads\n"
	    "cunbaod's config, so that it replays with cunbaod's catalog, time zone and\n"
	    "topic root, and the roster in the database, as cunbaod does.\n\n"
	    "  -c, --config FILE  cunbaod's config (default " CONFIG_DEFAULT_FILE ", if present)\n"
	    "  --apply         write the result (default: a dry run)\n"
	    "  --db FILE       cunbaod's database (default: the config's db)\n"
	    "  --catalog FILE  the catalog (default: the config's catalog)\n"
	    "  --prefix ROOT   the topic root (default: the config's prefix)\n"
	    "  --tz ZONE       the time zone (default: the config's tz)\n\n"
	    "Exit: 0 rebuilt, 1 failed (nothing changed), 2 usage error, 3 file not found.\n");
}

/* Reads and loads the catalog at path; NULL after printing why. */
static struct catalog *
rebuild_catalog(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *json = malloc(REBUILD_CATALOG_MAX), err[4096];
	size_t len = 0;
	struct catalog *c = NULL;

	if (f == NULL || json == NULL) {
		fprintf(stderr, "cunbaoctl rebuild: %s: %s\n", path, strerror(f ? ENOMEM : errno));
	} else {
		len = fread(json, 1, REBUILD_CATALOG_MAX - 1, f);
		json[len] = '\0';
		if ((c = catalog_load(json, len, path, err, sizeof err)) == NULL)
			fprintf(stderr, "%s", err);
	}
	if (f != NULL)
		fclose(f);
	free(json);
	return c;
}

/* Opens, rebuilds (or only tries: apply false), reports. */
static int
rebuild_do(const char *db, const char *catalog, const char *prefix, bool apply)
{
	int lock;

	struct rebuild_stats st;
	struct catalog *c;
	struct store *s;
	char err[1024];
	int rc = CTL_FAIL;

	if (access(db, F_OK) != 0) {
		fprintf(stderr, "cunbaoctl rebuild: %s: %s\n", db, strerror(errno));
		return CTL_NOTFOUND;
	}
	if ((lock = ctl_db_lock(db, "rebuild")) < 0)
		return CTL_FAIL;
	if ((c = rebuild_catalog(catalog)) == NULL) {
		close(lock);
		return CTL_FAIL;
	}
	if ((s = store_open(db, 5000, err, sizeof err)) == NULL)
		fprintf(stderr, "cunbaoctl rebuild: %s\n", err);
	else if (!rebuild_run(s, c, prefix, apply, &st, err, sizeof err))
		fprintf(stderr, "cunbaoctl rebuild: %s: %s (nothing changed)\n", db, err);
	else {
		printf("%s %s: %zu messages replayed (%zu accepted, %zu rejected, %zu with another "
		    "outcome than before), %zu rollup cells%s\n", apply ? "rebuilt" : "dry run of", db,
		    st.messages, st.accepted, st.rejected, st.changed, st.cells,
		    apply ? "" : "; nothing written: --apply writes it");
		rc = CTL_OK;
	}
	store_close(s);
	catalog_free(c);
	close(lock);
	return rc;
}

int
cmd_rebuild(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'C' },	/* also -c */
		{ "db", required_argument, NULL, 'd' },
		{ "catalog", required_argument, NULL, 'k' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "tz", required_argument, NULL, 'z' },
		{ "apply", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config_flags flags = { 0 };
	struct config conf;
	const char *file = CONFIG_DEFAULT_FILE;
	bool apply = false, must_exist = false;
	char err[4096];
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		const char *key = ch == 'd' ? "db" : ch == 'k' ? "catalog" : ch == 'p' ? "prefix" :
		    ch == 'z' ? "tz" : NULL;

		if (key != NULL) {
			config_flag(&flags, key, optarg, err, sizeof err);
			continue;
		}
		switch (ch) {
		case 'c':
		case 'C':
			file = optarg;
			must_exist = true;
			break;
		case 'a': apply = true; break;
		case 'h': rebuild_usage(stdout); return CTL_OK;
		default: rebuild_usage(stderr); return CTL_USAGE;
		}
	}
	if (optind < argc) {
		rebuild_usage(stderr);
		return CTL_USAGE;
	}
	/* cunbaod's own config, as cunbaod assembles it: its defaults, the file, then the flags. */
	if (config_load(&conf, file, must_exist, &flags, err, sizeof err) > 0) {
		fprintf(stderr, "%scunbaoctl rebuild: configuration invalid\n", err);
		return CTL_USAGE;
	}
	tz_set(conf.tz);
	return rebuild_do(conf.db, conf.catalog, conf.prefix, apply);
}
