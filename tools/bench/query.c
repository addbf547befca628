/*
 * query.c — `--query`: the admin API's latency on a large database.
 *
 * The database is filled directly through cunbaod's own code (the
 * cunbao_store library: store, roster, rollup cache and ingest), in
 * transactions of QUERY_BATCH messages, exactly as cunbaod would have
 * stored them: journal, reports, values and materialized rollups.  The
 * history is three years of valid reports over every group, so the
 * rollups table holds many periods.  A database given with --query-db is
 * kept, and reused by the next run that asks for as many reports.  Then a
 * cunbaod serves it on --listen and each endpoint is asked a few hundred
 * questions over HTTP/1.1.
 */
#include "bench.h"
#include "catalog.h"
#include "period.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define QUERY_WARMUP	20
#define QUERY_ASKS	200

#ifdef BENCH_HAVE_STORE
#include <sqlite3.h>

#include "ingest.h"
#include "rollcache.h"
#include "roster.h"
#include "store.h"
#include "store_int.h"

/*
 * Messages per transaction.  Each commit writes every page the batch
 * dirtied to the WAL, and the indexes take rows at random places, so fewer,
 * larger commits write far less: 10^6 fills 2.2 times as fast as 5,000 did
 * (the same rows, byte for byte).  The rollup cache is dropped after each
 * commit, which bounds its memory.
 */
#define QUERY_BATCH	1000000
#define QUERY_CACHE_KIB	(2048 * 1024)	/* the fill's page cache: 2 GiB */

/* Reads a whole file into a malloc'd buffer; NULL on error. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
		rewind(f);
		if ((buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf != NULL) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	if (f != NULL)
		fclose(f);
	return buf;
}

/* Imports the bench roster (areas.csv, reporters.csv in dir) into s. */
static bool
fill_roster(struct store *s, const char *dir, int64_t now, char *err, size_t errlen)
{
	static const char *const files[] = { "areas.csv", "reporters.csv" };
	int (*const import[])(struct store *, const char *, size_t, const char *, int64_t,
	    size_t *, char *, size_t) = { roster_import_areas, roster_import_reporters };

	for (size_t i = 0; i < 2; i++) {
		char path[600];
		size_t len = 0, changed = 0;
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		char *text = slurp(path, &len);
		int problems = text ? import[i](s, text, len, path, now, &changed, err, errlen) : -1;
		free(text);
		if (problems != 0) {
			if (text == NULL)
				snprintf(err, errlen, "%s: cannot read", path);
			return false;
		}
	}
	return true;
}

/*
 * The generator's own settings on the store's connection (the bench reaches
 * into store_int.h for its handle; cunbaod never runs like this): no fsync,
 * since a machine crash mid-fill only means filling again and WAL still
 * survives a crash of the bench itself, and a page cache large enough for
 * the indexes the fill writes at random places (reports by kind and period
 * and by area, rollups).  cunbaod reopens the file with its own settings.
 */
static bool
fill_tune(struct store *s, char *err, size_t errlen)
{
	char sql[128], *msg = NULL;

	snprintf(sql, sizeof sql, "PRAGMA synchronous = OFF; PRAGMA cache_size = -%d;",
	    QUERY_CACHE_KIB);
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", sql, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return false;
	}
	return true;
}

/*
 * The number of history messages s already holds: its journal's last seq
 * (each history message is one journal row and one report, seq 1, 2, ...).
 * -1 on a store failure.
 */
static int64_t
fill_count(struct store *s)
{
	int64_t n;

	if (!store_begin(s))
		return -1;
	n = store_journal_next(s) - 1;
	store_rollback(s);
	return n;
}

static void
committed_noop(void *arg, const struct cell *c)
{
}

/* Ends the open transaction: rollups flushed, committed, the next one begun. */
static bool
fill_commit(struct store *s, struct rollcache *rc, bool again)
{
	if (!rollcache_flush(rc, s) || !store_commit(s))
		return false;
	rollcache_committed(rc, committed_noop, NULL);
	return !again || store_begin(s);
}

/* Ingests messages from..n-1 of the history; false with err filled on a store failure. */
static bool
fill_history(const struct workload *w, struct store *s, struct roster *ro, struct rollcache *rc,
    uint64_t from, uint64_t n, int64_t now, char *err, size_t errlen)
{
	struct ingest_env env = { workload_catalog(w), ro, s, rc, "cunbao/v1", 0, NULL, false };
	static struct outcome out;
	static struct msg m;
	int64_t t0 = bench_now_us();
	uint64_t i;

	if (!store_begin(s))
		goto fail;
	for (i = from; i < n; i++) {
		if (!workload_history(w, "cunbao/v1", "h", i, now, &m))
			continue;
		struct inbound in = { .topic = m.topic, .payload = m.payload, .len = m.len,
			.received_at = now };
		if (!ingest_message(&env, &in, &out))
			goto fail;
		if ((i + 1) % QUERY_BATCH != 0)
			continue;
		if (!fill_commit(s, rc, true))
			goto fail;
		rollcache_clear(rc);
		fprintf(stderr, "bench: %llu of %llu reports, %.0f/s\n",
		    (unsigned long long)(i + 1), (unsigned long long)n,
		    (double)(i + 1 - from) * 1e6 / (double)(bench_now_us() - t0 + 1));
	}
	if (fill_commit(s, rc, false))
		return true;
fail:
	snprintf(err, errlen, "filling the database: %s", store_error(s));
	if (store_in_tx(s))
		store_rollback(s);
	return false;
}

/*
 * Makes db hold n history reports with the roster of dir: an existing
 * database that holds n already is used as it is (*had = n); one that holds
 * fewer (a fill that was stopped) gets the rest: the messages a whole fill
 * makes after those (their periods drawn back from today); a new one is
 * filled.  *had is what it held before.
 * Returns false with err filled on failure, or when db holds more than n.
 */
bool
query_fill(const struct workload *w, const char *dir, const char *db, uint64_t n,
    uint64_t *had, char *err, size_t errlen)
{
	int64_t now = (int64_t)time(NULL), have;
	struct store *s = store_open(db, 5000, err, errlen);
	struct roster *ro = NULL;
	struct rollcache *rc = NULL;
	bool ok = false;

	*had = 0;
	if (s == NULL)
		return false;
	if ((have = fill_count(s)) < 0) {
		snprintf(err, errlen, "%s: %s", db, store_error(s));
	} else if ((uint64_t)have > n) {
		snprintf(err, errlen, "%s holds %lld reports, more than --query-reports %llu",
		    db, (long long)have, (unsigned long long)n);
	} else if ((*had = (uint64_t)have) == n) {
		ok = true;
	} else if (fill_tune(s, err, errlen) && fill_roster(s, dir, now, err, errlen) &&
	    (ro = roster_load(s, err, errlen)) != NULL && (rc = rollcache_new()) != NULL) {
		ok = fill_history(w, s, ro, rc, *had, n, now, err, errlen);
	}
	rollcache_free(rc);
	roster_free(ro);
	store_close(s);
	return ok;
}

#else

bool
query_fill(const struct workload *w, const char *dir, const char *db, uint64_t n,
    uint64_t *had, char *err, size_t errlen)
{
	snprintf(err, errlen, "built without cunbaod's store library (daemon/)");
	return false;
}

#endif

/*
 * One GET over a fresh connection (as cunbaoctl makes them), the whole
 * response read; with body, its first bodylen-1 bytes kept there
 * (NUL-terminated).  Returns the time taken in microseconds and the HTTP
 * status in *status (0 when there was no answer).
 */
static int64_t
http_get(int port, const char *path, const char *token, int *status, size_t *bytes,
    char *body, size_t bodylen)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char req[1024], buf[65536];
	int64_t t0 = bench_now_us();
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, n;
	size_t kept = 0;

	*status = 0;
	*bytes = 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (fd >= 0)
			close(fd);
		return bench_now_us() - t0;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Authorization: Bearer %s\r\nConnection: close\r\n\r\n", path, token);
	if (write(fd, req, (size_t)n) == n) {
		ssize_t got;
		while ((got = read(fd, buf, sizeof buf - 1)) > 0) {
			if (*bytes == 0) {
				buf[got] = '\0';
				sscanf(buf, "HTTP/1.%*d %d", status);
			}
			*bytes += (size_t)got;
			for (ssize_t i = 0; body != NULL && i < got && kept + 1 < bodylen; i++)
				body[kept++] = buf[i];
		}
	}
	if (body != NULL && bodylen > 0)
		body[kept] = '\0';
	close(fd);
	return bench_now_us() - t0;
}

/* GETs path into buf (headers and body, NUL-terminated); the HTTP status, 0 if none. */
int
http_fetch(int port, const char *path, const char *token, char *buf, size_t buflen)
{
	int status;
	size_t bytes;

	http_get(port, path, token, &status, &bytes, buf, buflen);
	return status;
}

/* A period of kind k within the history: one of the last three years. */
static void
random_period(const struct kind *k, int64_t now, unsigned *seed, char *buf, size_t buflen)
{
	int64_t back = (int64_t)(rand_r(seed) % (3 * 365)) * 86400;
	struct period p = period_of(k->period, now - back, 8 * 3600);

	period_format(&p, buf, buflen);
}

/* The path of question i for endpoint e: a random village or group, kind and period. */
static void
query_path(const struct workload *w, int e, unsigned *seed, int64_t now, char *buf, size_t buflen)
{
	const struct catalog *c = workload_catalog(w);
	const struct kind *k = &c->kinds[rand_r(seed) % c->nkinds];
	size_t g = (size_t)rand_r(seed) % workload_groups(w);
	char period[CB_PERIOD_MAX], area[CB_AREA_MAX];

	workload_group_area(w, g, area, sizeof area);
	random_period(k, now, seed, period, sizeof period);
	if (e != 2 && e != 4)	/* all but reports: the village, one level up */
		*strrchr(area, '/') = '\0';
	static const char *const fmt[] = {
		"/v1/rollups?area=%s&kind=%s&period=%s",
		"/v1/completeness?area=%s&kind=%s&period=%s",
		"/v1/reports?area=%s&kind=%s&limit=50&period=%s",
		"/v1/export.csv?area=%s&kind=%s&period=%s",
		"/v1/reports?area=%s&limit=50",	/* a group's latest, any kind */
	};
	if (e == 4)
		snprintf(buf, buflen, fmt[e], area);
	else
		snprintf(buf, buflen, fmt[e], area, k->code, period);
}

/*
 * Asks each endpoint QUERY_ASKS questions (after QUERY_WARMUP unmeasured)
 * of the API on port, one at a time.  Fills q->q[]; a non-200 answer is
 * noted (and its time still counted).  Returns false if nothing answered.
 */
bool
query_measure(const struct workload *w, int port, const char *token, struct query_figures *q)
{
	static const char *const names[] = { "rollups", "completeness", "reports", "export.csv",
		"reports-latest" };
	int64_t now = (int64_t)time(NULL);
	unsigned seed = 7;
	bool any = false;

	for (int e = 0; e < 5; e++) {
		struct lat l = { 0 };
		unsigned bad = 0;
		int status;
		size_t bytes;
		char path[512];

		snprintf(q->q[e].name, sizeof q->q[e].name, "%s", names[e]);
		for (int i = 0; i < QUERY_WARMUP + QUERY_ASKS; i++) {
			query_path(w, e, &seed, now, path, sizeof path);
			int64_t us = http_get(port, path, token, &status, &bytes, NULL, 0);
			if (i < QUERY_WARMUP)
				continue;
			lat_add(&l, us);
			bad += status != 200;
			any |= status != 0;
			snprintf(q->q[e].path, sizeof q->q[e].path, "%s", path);
		}
		q->q[e].requests = QUERY_ASKS;
		q->q[e].p50 = lat_quantile(&l, 0.5);
		q->q[e].p99 = lat_quantile(&l, 0.99);
		q->q[e].max = lat_quantile(&l, 1.0);
		if (bad > 0)
			snprintf(q->q[e].path + strlen(q->q[e].path),
			    sizeof q->q[e].path - strlen(q->q[e].path), " (%u not 200)", bad);
		lat_free(&l);
	}
	q->nq = 5;
	return any;
}
