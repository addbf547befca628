/*
 * main.c — cunbao-bench: measures cunbaod against the broker's own limit.
 *
 * One run starts a private mosquitto (or uses --broker), writes a roster of
 * thousands of groups, and sends the same message stream through:
 *   1. the echo ceiling at full speed, then cunbaod (fresh database) at full
 *      speed: both rates and their ratio;
 *   2. both again at half the ceiling's rate: latency and rollup staleness
 *      at a load the daemon should carry with ease;
 *   3. with --scale, cunbaod at 10^4, 10^5 and 10^6 messages: how CPU per
 *      report, memory and database size grow;
 *   4. with --query, API latency on a database of 10^7 reports;
 *   5. with --federated, instead of all these: child rollups into a
 *      federating cunbaod at full speed and at half that (federated.c).
 * --smoke runs 1 and 2 small (seconds) for CI; no time is ever asserted.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <mosquitto.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define BENCH_TOKEN "bench-token-read"

struct options {
	long long smoke, json, scale, query, only_query, keep, help, version, check, dump;
	long long senders, window, messages, timeout_ms, seed, probes, probe_gap_ms;
	long long townships, villages, groups, bad_permille, dup_permille, query_reports, rate;
	long long scale_max, federated, children;
	const char *broker, *cunbaod, *catalog, *tz, *daemon_flags, *query_db;
};

enum opt_type { OPT_FLAG, OPT_INT, OPT_STR };

/* Writes the --query pass's note (a line for people: cut short when it must be). */
static void __attribute__((format(printf, 2, 3)))
query_note(struct query_figures *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->note, sizeof q->note, fmt, ap);
	va_end(ap);
}

/* The command line, as a table: name, type, where it goes, bounds, help. */
static const struct opt {
	const char *name;
	enum opt_type type;
	size_t off;
	long long min, max;
	const char *help;
} opt_table[] = {
	{ "smoke", OPT_FLAG, offsetof(struct options, smoke), 0, 1,
	  "small and quick (CI): 2,000 messages, 80 groups" },
	{ "json", OPT_FLAG, offsetof(struct options, json), 0, 1, "print JSON instead of the table" },
	{ "scale", OPT_FLAG, offsetof(struct options, scale), 0, 1,
	  "also run cunbaod at 10^4, 10^5, 10^6 messages" },
	{ "scale-max", OPT_INT, offsetof(struct options, scale_max), 10000, 100000000,
	  "largest --scale pass (1000000)" },
	{ "query", OPT_FLAG, offsetof(struct options, query), 0, 1,
	  "also measure API latency on a large database" },
	{ "only-query", OPT_FLAG, offsetof(struct options, only_query), 0, 1,
	  "--query alone: no echo or cunbaod passes" },
	{ "query-db", OPT_STR, offsetof(struct options, query_db), 0, 0,
	  "PATH of the --query database, kept: reused if it holds --query-reports, else filled" },
	{ "federated", OPT_FLAG, offsetof(struct options, federated), 0, 1,
	  "only the federated passes: --messages child rollups into a federating cunbaod" },
	{ "children", OPT_INT, offsetof(struct options, children), 1, 100000,
	  "children (counties) of the federating cunbaod (86)" },
	{ "keep", OPT_FLAG, offsetof(struct options, keep), 0, 1, "keep the scratch directory" },
	{ "check", OPT_INT, offsetof(struct options, check), 1, 100000000,
	  "run the first N messages through the pure core and exit" },
	{ "dump", OPT_FLAG, offsetof(struct options, dump), 0, 1, "with --check: print them" },
	{ "help", OPT_FLAG, offsetof(struct options, help), 0, 1, "this text" },
	{ "version", OPT_FLAG, offsetof(struct options, version), 0, 1, "print the version and exit" },
	{ "senders", OPT_INT, offsetof(struct options, senders), 1, 60, "K publishers (8)" },
	{ "window", OPT_INT, offsetof(struct options, window), 1, 4096,
	  "W messages awaiting receipts per publisher (32)" },
	{ "messages", OPT_INT, offsetof(struct options, messages), 10, 100000000,
	  "N messages per full-speed pass (100000)" },
	{ "rate", OPT_INT, offsetof(struct options, rate), 0, 10000000,
	  "pace the main passes at this many messages/s; no half-rate passes (0: full speed)" },
	{ "timeout", OPT_INT, offsetof(struct options, timeout_ms), 10, 600000,
	  "ms before a message is sent again, same id (5000)" },
	{ "seed", OPT_INT, offsetof(struct options, seed), 0, 1LL << 62, "stream seed (1)" },
	{ "probes", OPT_INT, offsetof(struct options, probes), 0, 50,
	  "staleness probe villages (4)" },
	{ "probe-gap", OPT_INT, offsetof(struct options, probe_gap_ms), 0, 10000,
	  "ms between one probe's rollup and its next report (20)" },
	{ "townships", OPT_INT, offsetof(struct options, townships), 1, 99, "townships (10)" },
	{ "villages", OPT_INT, offsetof(struct options, villages), 1, 99,
	  "villages per township (30)" },
	{ "groups", OPT_INT, offsetof(struct options, groups), 1, 99, "groups per village (10)" },
	{ "bad", OPT_INT, offsetof(struct options, bad_permille), 0, 500,
	  "bad input per mille (50)" },
	{ "repeats", OPT_INT, offsetof(struct options, dup_permille), 0, 500,
	  "repeated ids per mille (30)" },
	{ "query-reports", OPT_INT, offsetof(struct options, query_reports), 1000, 100000000,
	  "reports in the --query database (10000000)" },
	{ "broker", OPT_STR, offsetof(struct options, broker), 0, 0,
	  "use this broker IP:PORT instead of a private one" },
	{ "cunbaod", OPT_STR, offsetof(struct options, cunbaod), 0, 0,
	  "the daemon (default: " CUNBAO_SBINDIR "/cunbaod; daemon/cunbaod in the build tree)" },
	{ "catalog", OPT_STR, offsetof(struct options, catalog), 0, 0,
	  "catalog (default: " CUNBAO_CONFDIR "/catalog.json, else " CUNBAO_DATADIR "/catalog.json;"
	  " the source tree's from the build tree)" },
	{ "daemon-flags", OPT_STR, offsetof(struct options, daemon_flags), 0, 0,
	  "extra cunbaod flags, space-separated (\"--rollup-interval 1s\")" },
	{ "tz", OPT_STR, offsetof(struct options, tz), 0, 0, "cunbaod --tz (Asia/Shanghai)" },
};

struct bench {
	struct options o;
	char dir[256];
	char host[64];
	int port;
	struct broker broker;
	bool own_broker;
	struct workload *w;
	char self[512], cunbaod[512];
	char tokens[512];		/* the API token file every cunbaod gets */
	int npasses;
	struct bench_report rep;
};

/* What one pass measures around the timed stream. */
struct meter {
	pid_t consumer, broker;
	struct usage c0, c1, b0, b1;
	double s0, s1;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: cunbao-bench [--option value | --flag]...\n");
	for (size_t i = 0; i < NELEM(opt_table); i++)
		fprintf(f, "  --%-14s %s\n", opt_table[i].name, opt_table[i].help);
}

/* Parses argv by the table into *o; false (after saying why) on any error. */
static bool
options_parse(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const struct opt *op = NULL;
		for (size_t j = 0; j < NELEM(opt_table); j++)
			if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, opt_table[j].name) == 0)
				op = &opt_table[j];
		if (op == NULL) {
			fprintf(stderr, "cunbao-bench: unknown option %s\n", argv[i]);
			return false;
		}
		char *field = (char *)o + op->off;
		if (op->type == OPT_FLAG) {
			*(long long *)field = 1;
			continue;
		}
		if (++i == argc) {
			fprintf(stderr, "cunbao-bench: --%s needs a value\n", op->name);
			return false;
		}
		if (op->type == OPT_STR) {
			*(const char **)field = argv[i];
			continue;
		}
		char *end;
		errno = 0;
		long long v = strtoll(argv[i], &end, 10);
		if (errno || *end || end == argv[i] || v < op->min || v > op->max) {
			fprintf(stderr, "cunbao-bench: --%s %s: want an integer in %lld..%lld\n",
			    op->name, argv[i], op->min, op->max);
			return false;
		}
		*(long long *)field = v;
	}
	return true;
}

/*
 * True when this program is the one in the build tree it was compiled in
 * (CUNBAO_BINARY_DIR, resolved by CMake: no path in the tree is looked at), as scripts/test runs it; false for an installed copy,
 * which never reads the source or build tree.
 */
static bool
running_from_build_tree(void)
{
	static const char tree[] = CUNBAO_BINARY_DIR;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n <= 0)
		return false;
	self[n] = '\0';
	return strncmp(self, tree, sizeof tree - 1) == 0 && self[sizeof tree - 1] == '/';
}

/*
 * The catalog without --catalog: the source tree's for the build tree's
 * program; for an installed one, cunbaod's default (CUNBAO_CONFDIR) when it
 * is there, else the one shipped under the install prefix.
 */
static const char *
default_catalog(void)
{
	if (running_from_build_tree())
		return CUNBAO_SOURCE_DIR "/schema/catalog.json";
	if (access(CUNBAO_CONFDIR "/catalog.json", R_OK) == 0)
		return CUNBAO_CONFDIR "/catalog.json";
	return CUNBAO_DATADIR "/catalog.json";
}

static void
options_default(struct options *o)
{
	*o = (struct options){
		.senders = 8, .window = 32, .messages = 100000, .timeout_ms = 5000, .seed = 1,
		.probes = 4, .probe_gap_ms = 20, .townships = 10, .villages = 30, .groups = 10,
		.bad_permille = 50, .dup_permille = 30, .query_reports = 10000000, .scale_max = 1000000,
		.children = 86,
		.catalog = default_catalog(), .tz = "Asia/Shanghai",
	};
}

static void
meter_mark(void *arg, bool start)
{
	struct meter *m = arg;

	if (start) {
		proc_usage(m->consumer, &m->c0);
		if (m->broker > 0)
			proc_usage(m->broker, &m->b0);
		m->s0 = self_cpu_s();
	} else {
		proc_usage(m->consumer, &m->c1);
		if (m->broker > 0)
			proc_usage(m->broker, &m->b1);
		m->s1 = self_cpu_s();
	}
}

/*
 * Starts the consumer of a pass: the echo (this program), or a fresh
 * cunbaod on database db with the bench roster, its API on listen with the
 * bench's token file, plus the --daemon-flags.  With upstream_of (not
 * NULL) it is a federating cunbaod of those children, on the federated
 * roster and catalog fed_setup wrote into <scratch>/fed.
 */
static bool
consumer_start(struct bench *b, bool daemon, const char *tag, const char *root,
    struct proc *p, const char *db, const char *listen, const char *tokens,
    const char *upstream_of)
{
	char hp[96], log[512], areas[512], reporters[512], cid[64], catalog[512], rdir[300];

	snprintf(hp, sizeof hp, "%s:%d", b->host, b->port);
	snprintf(log, sizeof log, "%s/%s-%s.log", b->dir, daemon ? "cunbaod" : "echo", tag);
	if (!daemon) {
		char *argv[] = { b->self, "--echo", hp, (char *)root, NULL };
		return proc_spawn(p, "echo", argv, log);
	}
	snprintf(rdir, sizeof rdir, "%s%s", b->dir, upstream_of ? "/fed" : "");
	snprintf(areas, sizeof areas, "%s/areas.csv", rdir);
	snprintf(reporters, sizeof reporters, "%s/reporters.csv", rdir);
	snprintf(catalog, sizeof catalog, "%s/catalog.json", rdir);
	snprintf(cid, sizeof cid, "cunbaod-bench-%s-%d", tag, (int)getpid());
	/* Reminders off: the bench measures what a report costs, not the reminder timer. */
	char *argv[64] = { b->cunbaod, "-d", "--broker", hp, "--db", (char *)db,
		"--catalog", upstream_of ? catalog : (char *)b->o.catalog, "--areas", areas, "--reporters", reporters,
		"--prefix", (char *)root, "--client-id", cid, "--tz", (char *)b->o.tz,
		"--remind-interval", "0", "--listen", (char *)listen, "--tokens", (char *)tokens };
	char flags[512];
	size_t n = 24;

	if (upstream_of != NULL) {
		/* Its inputs carry the children's updated_at: the bench's are fixed, not recent. */
		argv[n++] = "--upstream-of";
		argv[n++] = (char *)upstream_of;
		argv[n++] = "--max-received-age";
		argv[n++] = "0";
	}

	snprintf(flags, sizeof flags, "%s", b->o.daemon_flags ? b->o.daemon_flags : "");
	for (char *save, *t = strtok_r(flags, " ", &save); t && n < NELEM(argv) - 1;
	    t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	return proc_spawn(p, "cunbaod", argv, log);
}

/* The value of metric `name` (a line "name value") in a /metrics text; -1 if absent. */
static double
metric(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; (p = strstr(p, name)) != NULL; p += n)
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

/* Reads cunbaod's batch and publish counters from its /metrics into pf->m. */
static void
daemon_metrics(struct pass_figures *pf, int port)
{
	static char text[256 * 1024];

	if (http_fetch(port, "/metrics", BENCH_TOKEN, text, sizeof text) != 200)
		return;
	pf->m.batches = metric(text, "cunbaod_batches_total");
	pf->m.batch_messages = metric(text, "cunbaod_batch_messages_total");
	pf->m.batch_max = metric(text, "cunbaod_batch_max");
	pf->m.commit_s = metric(text, "cunbaod_commit_seconds_total");
	pf->m.rollups = metric(text, "cunbaod_rollups_published_total");
	pf->m.completeness = metric(text, "cunbaod_completeness_published_total");
	pf->m.receipts = metric(text, "cunbaod_receipts_sent_total");
	pf->m.syncs = metric(text, "cunbaod_syncs_total");
	pf->m.sync_s = metric(text, "cunbaod_sync_seconds_total");
	pf->m.wal_frames = metric(text, "cunbaod_wal_frames_total");
	pf->m.have = pf->m.batches > 0;
}

/*
 * Runs one pass through the echo or a fresh cunbaod: n messages, at `rate`
 * per second (0: as fast as receipts come back), with staleness probes for
 * cunbaod.  Fills *pf.  The consumer is stopped (SIGTERM) at the end; the
 * database is measured after that, once its WAL is checkpointed.
 */
static void
run_pass(struct bench *b, struct pass_figures *pf, const char *name, bool daemon,
    uint64_t n, double rate)
{
	struct target t = { .host = b->host, .port = b->port };
	struct meter m = { .broker = b->own_broker ? b->broker.proc.pid : 0 };
	struct run_opts ro = {
		.senders = (int)b->o.senders, .window = (unsigned)b->o.window, .messages = n,
		.rate = rate, .timeout_ms = (int)b->o.timeout_ms, .ready_ms = daemon ? 60000 : 10000,
		.probes = daemon ? (int)b->o.probes : 0, .probe_gap_ms = (int)b->o.probe_gap_ms,
		.mark = meter_mark, .mark_arg = &m,
	};
	char tag[16], root[64], db[512] = "", path[600], err[512] = "", listen[64];
	int api_port = daemon ? port_free() : -1;
	struct proc p;
	struct usage u = { 0 };

	snprintf(pf->name, sizeof pf->name, "%s", name);
	pf->messages = n;
	pf->rate_asked = rate;
	pf->daemon = daemon;
	if (daemon && !file_executable(b->cunbaod)) {
		snprintf(pf->note, sizeof pf->note, "no cunbaod at %s", b->cunbaod);
		return;
	}
	snprintf(tag, sizeof tag, "p%d", ++b->npasses);
	snprintf(root, sizeof root, "bench/%s", tag);
	t.root = root;
	t.tag = tag;
	snprintf(db, sizeof db, "%s/%s.db", b->dir, tag);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", api_port);
	if (!consumer_start(b, daemon, tag, root, &p, db, listen, b->tokens, NULL)) {
		snprintf(pf->note, sizeof pf->note, "%s did not start", daemon ? "cunbaod" : "echo");
		return;
	}
	if (!b->o.json)
		fprintf(stderr, "bench: %s: %llu messages%s\n", name, (unsigned long long)n,
		    rate > 0 ? " (paced)" : "");
	m.consumer = p.pid;
	ro.consumer = &p;
	pf->ran = true;
	pf->failed = !senders_run(&t, &ro, b->w, &pf->r, err, sizeof err);
	if (daemon)
		daemon_metrics(pf, api_port);
	if (proc_usage(p.pid, &u))
		pf->consumer_hwm_kib = u.hwm_kib;
	pf->consumer_cpu_s = m.c1.cpu_s - m.c0.cpu_s;
	pf->consumer_sys_s = m.c1.sys_s - m.c0.sys_s;
	pf->broker_cpu_s = m.broker ? m.b1.cpu_s - m.b0.cpu_s : -1;
	pf->bench_cpu_s = m.s1 - m.s0;
	int rc = proc_stop(&p, 30000);
	if (pf->failed || !pf->r.complete || rc != 0) {
		pf->failed = true;
		snprintf(pf->note, sizeof pf->note, "%s%s%s exited %d", err, err[0] ? "; " : "",
		    daemon ? "cunbaod" : "echo", rc);
		proc_dump_log(&p);
	}
	if (daemon) {
		snprintf(path, sizeof path, "%s-wal", db);
		pf->db_bytes = file_size(db) + file_size(path);
		if (!db_size_read(db, &pf->db))
			pf->db.file = 0;
	}
}

/* Writes the API token file (owner-only, as cunbaod demands) into the scratch dir. */
static bool
tokens_write(struct bench *b, char *err, size_t errlen)
{
	FILE *f;

	snprintf(b->tokens, sizeof b->tokens, "%s/tokens", b->dir);
	if ((f = fopen(b->tokens, "w")) == NULL || fchmod(fileno(f), 0600) != 0 ||
	    fprintf(f, "%s read bench\n", BENCH_TOKEN) < 0) {
		snprintf(err, errlen, "%s: %s", b->tokens, strerror(errno));
		if (f != NULL)
			fclose(f);
		return false;
	}
	return fclose(f) == 0;
}

/* Sets up what every pass shares: scratch dir, roster, broker, paths. */
static bool
bench_open(struct bench *b, int argc, char **argv, char *err, size_t errlen)
{
	struct workload_opts wo = {
		.catalog_path = b->o.catalog, .townships = (int)b->o.townships,
		.villages = (int)b->o.villages, .groups = (int)b->o.groups,
		.probe_villages = (int)b->o.probes, .bad_permille = (unsigned)b->o.bad_permille,
		.dup_permille = (unsigned)b->o.dup_permille, .seed = (uint64_t)b->o.seed,
	};
	ssize_t n = readlink("/proc/self/exe", b->self, sizeof b->self - 1);

	if (n <= 0) {
		snprintf(err, errlen, "/proc/self/exe: %s", strerror(errno));
		return false;
	}
	b->self[n] = '\0';
	if (b->o.cunbaod != NULL) {
		snprintf(b->cunbaod, sizeof b->cunbaod, "%s", b->o.cunbaod);
	} else if (!running_from_build_tree()) {
		snprintf(b->cunbaod, sizeof b->cunbaod, "%s", CUNBAO_SBINDIR "/cunbaod");
	} else {
		char copy[512];
		snprintf(copy, sizeof copy, "%s", b->self);
		snprintf(b->cunbaod, sizeof b->cunbaod, "%s/../../daemon/cunbaod", dirname(copy));
	}
	if (!dir_make(b->dir, sizeof b->dir)) {
		snprintf(err, errlen, "cannot make a scratch directory: %s", strerror(errno));
		return false;
	}
	if ((b->w = workload_new(&wo, err, errlen)) == NULL ||
	    !workload_write_roster(b->w, b->dir, err, errlen) || !tokens_write(b, err, errlen))
		return false;
	if (b->o.broker != NULL) {
		if (sscanf(b->o.broker, "%63[^:]:%d", b->host, &b->port) != 2) {
			snprintf(err, errlen, "--broker %s: want IP:PORT", b->o.broker);
			return false;
		}
		return true;
	}
	snprintf(b->host, sizeof b->host, "127.0.0.1");
	if (!broker_start(&b->broker, b->dir, err, errlen))
		return false;
	b->own_broker = true;
	b->port = b->broker.port;
	return true;
}

/* The machine and the command, for the report. */
static void
bench_describe(struct bench *b, int argc, char **argv)
{
	struct bench_report *r = &b->rep;
	char line[256];
	size_t off = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	for (int i = 0; i < argc && off < sizeof r->command; i++)
		off += (size_t)snprintf(r->command + off, sizeof r->command - off, "%s%s",
		    i ? " " : "", i ? argv[i] : "cunbao-bench");
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "model name", 10) == 0 && strchr(line, ':') != NULL) {
			snprintf(r->cpu, sizeof r->cpu, "%.*s", (int)strcspn(strchr(line, ':') + 2, "\n"),
			    strchr(line, ':') + 2);
			break;
		}
	if (f != NULL)
		fclose(f);
	r->nproc = sysconf(_SC_NPROCESSORS_ONLN);
	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fgets(line, sizeof line, f) != NULL)
			snprintf(r->loadavg, sizeof r->loadavg, "%.*s", (int)strcspn(line, "\n"), line);
		fclose(f);
	}
	mosquitto_version_text(r->mosquitto, sizeof r->mosquitto);
	r->senders = (int)b->o.senders;
	r->window = (unsigned)b->o.window;
	r->seed = (uint64_t)b->o.seed;
	r->groups = workload_groups(b->w);
	r->bad_permille = (unsigned)b->o.bad_permille;
	r->dup_permille = (unsigned)b->o.dup_permille;
}

static void
bench_close(struct bench *b)
{
	struct pass_figures *v[] = { &b->rep.ceiling, &b->rep.daemon, &b->rep.ceiling_half,
		&b->rep.daemon_half };

	for (size_t i = 0; i < NELEM(v); i++)
		run_result_free(&v[i]->r);
	for (size_t i = 0; i < b->rep.nscale; i++)
		run_result_free(&b->rep.scale[i].r);
	for (size_t i = 0; i < b->rep.nfed; i++)
		lat_free(&b->rep.fed[i].r.lag);
	if (b->own_broker)
		proc_stop(&b->broker.proc, 5000);
	workload_free(b->w);
	if (b->dir[0] != '\0' && !b->o.keep)
		dir_remove(b->dir);
	else if (b->dir[0] != '\0')
		fprintf(stderr, "bench: kept %s\n", b->dir);
}

static void query_serve(struct bench *b, struct query_figures *q, const char *db, double mb,
    const char *reused);

/*
 * --query: makes a database of query_reports history reports through
 * cunbaod's store code (in the scratch directory, or --query-db, where one
 * already filled is reused), then measures the API on it.
 */
static void
bench_query(struct bench *b, struct query_figures *q)
{
	char db[512], wal[520], err[512], reused[600] = "";
	int64_t t0 = bench_now_us();
	uint64_t had = 0;

	if (b->o.query_db != NULL)
		snprintf(db, sizeof db, "%s", b->o.query_db);
	else
		snprintf(db, sizeof db, "%s/query.db", b->dir);
	snprintf(wal, sizeof wal, "%s-wal", db);
	q->reports = (uint64_t)b->o.query_reports;
	if (!b->o.json)
		fprintf(stderr, "bench: %s with %llu reports\n", db, (unsigned long long)q->reports);
	if (!query_fill(b->w, b->dir, db, q->reports, &had, err, sizeof err)) {
		query_note(q, "%s", err);
		return;
	}
	/* Reused, the time is opening it: a schema migration on 10^7 reports takes minutes. */
	double seconds = (double)(bench_now_us() - t0) / 1e6;
	if (had == q->reports)
		snprintf(reused, sizeof reused, "; reused %s, filled before (opened in %.1f s)", db,
		    seconds);
	else
		q->fill_seconds = seconds;
	if (had > 0 && had < q->reports)
		snprintf(reused, sizeof reused, "; %s held %llu, completed", db,
		    (unsigned long long)had);
	double mb = (double)(file_size(db) + file_size(wal)) / 1e6;
	if (!file_executable(b->cunbaod)) {
		query_note(q, "database %.0f MB%s; no cunbaod at %s", mb, reused,
		    b->cunbaod);
		return;
	}
	query_serve(b, q, db, mb, reused);
}

/* Serves the filled database with a cunbaod on a free port and asks its API. */
static void
query_serve(struct bench *b, struct query_figures *q, const char *db, double mb,
    const char *reused)
{
	char listen[64], root[64];
	int port = port_free();
	struct proc p;

	snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
	snprintf(root, sizeof root, "bench/q%d", ++b->npasses);
	if (!consumer_start(b, true, "query", root, &p, db, listen, b->tokens, NULL) ||
	    !port_wait(port, 120000) || !proc_alive(&p)) {
		query_note(q, "database %.0f MB%s; cunbaod did not listen on %s",
		    mb, reused, listen);
		proc_stop(&p, 10000);
		proc_dump_log(&p);
		return;
	}
	q->ran = query_measure(b->w, port, BENCH_TOKEN, q);
	query_note(q, "database %.0f MB%s%s", mb, reused,
	    q->ran ? "" : "; the API answered nothing");
	proc_stop(&p, 30000);
}

/*
 * One federated pass: a fresh federating cunbaod of o.children children
 * (roster written by fed_setup under <scratch>/fed), n inputs at `rate`
 * (0: full speed), figures into *ff.  A wrong parent is a failed pass.
 */
static void
run_federated(struct bench *b, struct fed_figures *ff, const char *name, const char *list,
    uint64_t n, double rate)
{
	struct target t = { .host = b->host, .port = b->port };
	struct meter m = { .broker = b->own_broker ? b->broker.proc.pid : 0 };
	char tag[16], root[64], db[512], wal[520], listen[64], fdir[300], metrics[64 * 1024];
	int api_port = port_free();
	struct proc p;
	struct usage u = { 0 };

	snprintf(ff->name, sizeof ff->name, "%s", name);
	ff->children = (int)b->o.children;
	ff->rate_asked = rate;
	ff->rollups_published = -1;
	if (!file_executable(b->cunbaod)) {
		snprintf(ff->note, sizeof ff->note, "no cunbaod at %s", b->cunbaod);
		return;
	}
	snprintf(tag, sizeof tag, "f%d", ++b->npasses);
	snprintf(root, sizeof root, "bench/%s", tag);
	snprintf(db, sizeof db, "%s/%s.db", b->dir, tag);
	snprintf(wal, sizeof wal, "%s-wal", db);
	snprintf(fdir, sizeof fdir, "%s/fed", b->dir);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", api_port);
	t.root = root;
	t.tag = tag;
	if (!consumer_start(b, true, tag, root, &p, db, listen, b->tokens, list)) {
		snprintf(ff->note, sizeof ff->note, "cunbaod did not start");
		return;
	}
	if (!b->o.json)
		fprintf(stderr, "bench: %s: %d children, %llu inputs%s\n", name, ff->children,
		    (unsigned long long)n, rate > 0 ? " (paced)" : "");
	struct fed_opts fo = {
		.children = ff->children, .inputs = n, .rate = rate, .senders = (int)b->o.senders,
		.window = (unsigned)b->o.window, .dir = fdir, .db = db, .consumer = &p,
		.mark = meter_mark, .mark_arg = &m,
	};
	m.consumer = p.pid;
	ff->ran = true;
	bool ran = fed_run(&t, &fo, &ff->r);
	if (http_fetch(api_port, "/metrics", BENCH_TOKEN, metrics, sizeof metrics) == 200)
		ff->rollups_published = metric(metrics, "cunbaod_rollups_published_total");
	if (proc_usage(p.pid, &u))
		ff->consumer_hwm_kib = u.hwm_kib;
	ff->consumer_cpu_s = m.c1.cpu_s - m.c0.cpu_s;
	int rc = proc_stop(&p, 30000);
	ff->db_bytes = file_size(db) + file_size(wal);
	if (!ran || !ff->r.complete || !ff->r.correct || rc != 0) {
		ff->failed = true;
		snprintf(ff->note, sizeof ff->note, "%s%scunbaod exited %d", ff->r.why,
		    ff->r.why[0] ? "; " : "", rc);
		proc_dump_log(&p);
	}
}

/* --federated: full speed, then paced at half that rate (or at --rate); true if both pass. */
static bool
bench_federated(struct bench *b)
{
	struct bench_report *r = &b->rep;
	uint64_t n = (uint64_t)b->o.messages;
	char err[512], fdir[300];
	char *list;

	if (n < (uint64_t)b->o.children) {
		snprintf(r->fed[0].note, sizeof r->fed[0].note, "--messages %llu < --children %lld: "
		    "every child must publish", (unsigned long long)n, b->o.children);
		r->fed[0].failed = true;
		snprintf(r->fed[0].name, sizeof r->fed[0].name, "federated");
		r->nfed = 1;
		return false;
	}
	snprintf(fdir, sizeof fdir, "%s/fed", b->dir);
	if (mkdir(fdir, 0755) != 0) {
		fprintf(stderr, "cunbao-bench: %s: %s\n", fdir, strerror(errno));
		return false;
	}
	if ((list = fed_setup(fdir, (int)b->o.children, err, sizeof err)) == NULL) {
		fprintf(stderr, "cunbao-bench: %s\n", err);
		return false;
	}
	run_federated(b, &r->fed[r->nfed++], "federated", list, n, (double)b->o.rate);
	double half = r->fed[0].r.rate / 2;
	if (b->o.rate == 0 && half > 0 && !r->fed[0].failed)
		run_federated(b, &r->fed[r->nfed++], "federated at 1/2", list, n / 2 >
		    (uint64_t)b->o.children ? n / 2 : (uint64_t)b->o.children, half);
	free(list);
	for (size_t i = 0; i < r->nfed; i++)
		if (!r->fed[i].ran || r->fed[i].failed)
			return false;
	return true;
}

/* Every pass of the run, in order; true if none that ran failed. */
static bool
bench_passes(struct bench *b)
{
	static const uint64_t scales[] = { 10000, 100000, 1000000 };
	struct bench_report *r = &b->rep;
	uint64_t n = (uint64_t)b->o.messages;
	bool ok;

	if (b->o.federated)
		return bench_federated(b);
	if (b->o.only_query) {
		static const char *const names[] = { "ceiling (echo)", "cunbaod",
			"ceiling at 1/2 ceiling", "cunbaod at 1/2 ceiling" };
		struct pass_figures *skip[] = { &r->ceiling, &r->daemon, &r->ceiling_half,
			&r->daemon_half };
		for (size_t i = 0; i < NELEM(skip); i++) {
			snprintf(skip[i]->name, sizeof skip[i]->name, "%s", names[i]);
			snprintf(skip[i]->note, sizeof skip[i]->note, "--only-query");
		}
		bench_query(b, &r->query);
		return r->query.ran;
	}
	run_pass(b, &r->ceiling, "ceiling (echo)", false, n, (double)b->o.rate);
	run_pass(b, &r->daemon, "cunbaod", true, n, (double)b->o.rate);
	double half = r->ceiling.r.rate / 2;
	if (half > 0 && b->o.rate == 0) {
		run_pass(b, &r->ceiling_half, "ceiling at 1/2 ceiling", false, n / 2, half);
		run_pass(b, &r->daemon_half, "cunbaod at 1/2 ceiling", true, n / 2, half);
	}
	for (size_t i = 0; b->o.scale && i < NELEM(scales) && i < SCALE_MAX; i++) {
		if (scales[i] > (uint64_t)b->o.scale_max)
			break;
		char name[48];
		snprintf(name, sizeof name, "cunbaod scale %llu", (unsigned long long)scales[i]);
		run_pass(b, &r->scale[r->nscale++], name, true, scales[i], 0);
	}
	if (b->o.query)
		bench_query(b, &r->query);
	ok = r->ceiling.ran && !r->ceiling.failed;
	for (size_t i = 0; i < r->nscale; i++)
		ok &= !r->scale[i].failed;
	return ok && !r->daemon.failed && !r->ceiling_half.failed && !r->daemon_half.failed;
}

/* --check: the stream through the pure core, no broker, no daemon. */
static int
bench_check(struct bench *b)
{
	struct workload_opts wo = {
		.catalog_path = b->o.catalog, .townships = (int)b->o.townships,
		.villages = (int)b->o.villages, .groups = (int)b->o.groups,
		.probe_villages = (int)b->o.probes, .bad_permille = (unsigned)b->o.bad_permille,
		.dup_permille = (unsigned)b->o.dup_permille, .seed = (uint64_t)b->o.seed,
	};
	char err[1024];
	struct workload *w = workload_new(&wo, err, sizeof err);
	int rc;

	if (w == NULL) {
		fprintf(stderr, "cunbao-bench: %s\n", err);
		return 2;
	}
	rc = check_main(w, (uint64_t)b->o.check, b->o.dump);
	workload_free(w);
	return rc;
}

int
main(int argc, char **argv)
{
	struct bench b = { 0 };
	char err[1024];
	bool ok;

	if (argc == 4 && strcmp(argv[1], "--echo") == 0) {
		char host[64];
		int port;
		if (sscanf(argv[2], "%63[^:]:%d", host, &port) != 2)
			return 2;
		mosquitto_lib_init();
		int rc = echo_main(host, port, argv[3]);
		mosquitto_lib_cleanup();
		return rc;
	}
	options_default(&b.o);
	if (!options_parse(argc, argv, &b.o) || b.o.help) {
		usage(b.o.help ? stdout : stderr);
		return b.o.help ? 0 : 2;
	}
	if (b.o.version) {
		printf("cunbao-bench %s\n", CUNBAO_VERSION);
		return 0;
	}
	if (b.o.smoke) {
		b.o.messages = 2000;
		b.o.townships = 2;
		b.o.villages = 5;
		b.o.groups = 8;
		b.o.scale = b.o.query = b.o.only_query = 0;
		if (b.o.federated) {
			b.o.messages = 400;
			b.o.children = 20;
		}
	}
	b.o.query |= b.o.only_query;
	if (b.o.check > 0)
		return bench_check(&b);
	mosquitto_lib_init();
	ok = bench_open(&b, argc, argv, err, sizeof err);
	if (!ok) {
		fprintf(stderr, "cunbao-bench: %s\n", err);
	} else {
		bench_describe(&b, argc, argv);
		ok = bench_passes(&b);
		if (b.o.json)
			report_json(stdout, &b.rep);
		else
			report_print(stdout, &b.rep);
	}
	bench_close(&b);
	mosquitto_lib_cleanup();
	return ok ? 0 : 1;
}
