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
#include "cunbaoctl.h"
#include "rebuild.h"
#include "store.h"
#include "topic.h"
#include "tz.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define REBUILD_CATALOG_MAX (16u << 20)

static const char *const rebuild_catalogs[] = {
	CUNBAO_SOURCE_DIR "/schema/catalog.json",
	"/etc/cunbao/catalog.json",
	"/usr/share/cunbao/catalog.json",
};

static void
rebuild_usage(FILE *f)
{
	fprintf(f, "usage: cunbaoctl rebuild --db FILE [--catalog FILE] [--prefix ROOT] [--tz ZONE]\n\n"
	    "Recomputes reports, their values and every rollup from cunbaod's journal, by\n"
	    "replaying each journaled message (in order, at the time it was received)\n"
	    "through cunbaod's own ingest code, in one transaction.  Reports keep their\n"
	    "ids.  Stop cunbaod first: it keeps rollups in memory.\n\n"
	    "  --db FILE       cunbaod's database (required)\n"
	    "  --catalog FILE  the catalog cunbaod runs with (default: the source tree's\n"
	    "                  schema/catalog.json, else /etc/cunbao/catalog.json)\n"
	    "  --prefix ROOT   cunbaod's topic root (default " CB_ROOT_DEFAULT ")\n"
	    "  --tz ZONE       cunbaod's time zone (default Asia/Shanghai)\n\n"
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

/* The first default catalog that exists, or NULL. */
static const char *
rebuild_default_catalog(void)
{
	for (size_t i = 0; i < NELEM(rebuild_catalogs); i++)
		if (access(rebuild_catalogs[i], R_OK) == 0)
			return rebuild_catalogs[i];
	return NULL;
}

/* Opens, rebuilds, reports. */
static int
rebuild_do(const char *db, const char *catalog, const char *prefix)
{
	struct rebuild_stats st;
	struct catalog *c;
	struct store *s;
	char err[1024];
	int rc = CTL_FAIL;

	if (access(db, F_OK) != 0) {
		fprintf(stderr, "cunbaoctl rebuild: %s: %s\n", db, strerror(errno));
		return CTL_NOTFOUND;
	}
	if ((c = rebuild_catalog(catalog)) == NULL)
		return CTL_FAIL;
	if ((s = store_open(db, 5000, err, sizeof err)) == NULL)
		fprintf(stderr, "cunbaoctl rebuild: %s\n", err);
	else if (!rebuild_run(s, c, prefix, &st, err, sizeof err))
		fprintf(stderr, "cunbaoctl rebuild: %s: %s (nothing changed)\n", db, err);
	else {
		printf("rebuilt %s: %zu messages replayed (%zu accepted, %zu rejected, %zu with another "
		    "outcome than before), %zu rollup cells\n", db, st.messages, st.accepted, st.rejected,
		    st.changed, st.cells);
		rc = CTL_OK;
	}
	store_close(s);
	catalog_free(c);
	return rc;
}

int
cmd_rebuild(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "catalog", required_argument, NULL, 'c' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "tz", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *db = NULL, *catalog = NULL, *prefix = CB_ROOT_DEFAULT, *zone = "Asia/Shanghai";
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 'c': catalog = optarg; break;
		case 'p': prefix = optarg; break;
		case 'z': zone = optarg; break;
		case 'h': rebuild_usage(stdout); return CTL_OK;
		default: rebuild_usage(stderr); return CTL_USAGE;
		}
	}
	if (db == NULL || optind < argc || !topic_root_valid(prefix)) {
		rebuild_usage(stderr);
		return CTL_USAGE;
	}
	if (catalog == NULL && (catalog = rebuild_default_catalog()) == NULL) {
		fprintf(stderr, "cunbaoctl rebuild: no catalog found; give --catalog\n");
		return CTL_NOTFOUND;
	}
	tz_set(zone);
	return rebuild_do(db, catalog, prefix);
}
