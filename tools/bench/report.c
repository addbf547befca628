/*
 * report.c — what a bench run prints: a table a person reads (and that
 * BENCHMARKS.md keeps), or the same figures as JSON (--json).
 */
#include "bench.h"
#include "jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_BUF (256 * 1024)

/* The passes of the main table, in order, with the scale passes after. */
static size_t
passes(struct bench_report *b, struct pass_figures **v)
{
	size_t n = 0;

	if (b->nfed > 0)
		return 0;	/* --federated runs alone */
	v[n++] = &b->ceiling;
	v[n++] = &b->daemon;
	v[n++] = &b->ceiling_half;
	v[n++] = &b->daemon_half;
	for (size_t i = 0; i < b->nscale; i++)
		v[n++] = &b->scale[i];
	return n;
}

static double
cpu_per_10k(const struct pass_figures *p)
{
	return p->r.receipts ? p->consumer_cpu_s * 10000.0 / (double)p->r.receipts : -1;
}

static double
bytes_per_msg(const struct pass_figures *p)
{
	return p->db_bytes > 0 && p->r.receipts ? (double)p->db_bytes / (double)p->r.receipts : -1;
}

/* Writes v with the given decimals, or "-" when v < 0. */
static const char *
num(char *buf, size_t len, double v, int decimals)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.*f", decimals, v);
	return buf;
}

/* Bytes of the database and its WAL per report stored; -1 when unknown. */
static double
bytes_per_report(const struct db_size *d)
{
	return d->file > 0 && d->reports > 0 ? (double)(d->file + d->wal) / (double)d->reports : -1;
}

/*
 * The database after the stop: its size, what it holds, the bytes per
 * report stored, and the share of the largest tables (indexes included).
 */
static void
print_db(FILE *f, const struct db_size *d)
{
	long long all = 0;

	if (d->file <= 0 || d->reports < 0)
		return;
	fprintf(f, "  %-24s database: %.1f MB + WAL %.1f MB after the stop; %lld journal rows, %lld reports, "
	    "%lld rollup rows: %.0f B per report\n", "", d->file / 1e6, d->wal / 1e6, d->journal, d->reports,
	    d->rollups, bytes_per_report(d));
	for (size_t i = 0; i < d->ntables; i++)
		all += d->table[i].bytes;
	if (all <= 0 || d->file <= 0)
		return;
	fprintf(f, "  %-24s database: by table with its indexes:", "");
	for (size_t i = 0; i < d->ntables; i++)
		fprintf(f, "%s %s %.0f %%", i ? "," : "", d->table[i].name, 100.0 * (double)d->table[i].bytes /
		    (double)d->file);
	fputc('\n', f);
}

static void
print_pass(FILE *f, struct pass_figures *p)
{
	char a[8][24];
	struct run_result *r = &p->r;

	if (!p->ran || p->failed) {
		fprintf(f, "%-26s %s: %s\n", p->name, p->ran ? "FAILED" : "skipped", p->note);
		if (!p->ran || r->receipts == 0)
			return;
	}
	fprintf(f, "%-26s %8llu %8.0f %7s %7s %8s %8s %8s %7s %8s %6llu\n", p->name,
	    (unsigned long long)r->receipts, r->rate,
	    num(a[0], sizeof a[0], lat_quantile(&r->latency, 0.50), 2),
	    num(a[1], sizeof a[1], lat_quantile(&r->latency, 0.99), 2),
	    num(a[2], sizeof a[2], lat_quantile(&r->latency, 0.999), 2),
	    num(a[3], sizeof a[3], lat_quantile(&r->stale, 0.99), 1),
	    num(a[4], sizeof a[4], cpu_per_10k(p), 3),
	    num(a[5], sizeof a[5], p->consumer_hwm_kib > 0 ? p->consumer_hwm_kib / 1024.0 : -1, 1),
	    num(a[6], sizeof a[6], bytes_per_msg(p), 0),
	    (unsigned long long)r->retries);
}

/* One line per target: the figure, the bound, met or by how much it misses. */
static void
print_target(FILE *f, const char *what, double v, double bound, bool at_least, const char *unit)
{
	if (v < 0) {
		fprintf(f, "  %-44s not measured\n", what);
		return;
	}
	bool met = at_least ? v >= bound : v <= bound;
	fprintf(f, "  %-44s %10.3f %-4s %s %g: %s", what, v, unit, at_least ? ">=" : "<=", bound,
	    met ? "met" : "MISSED");
	if (!met)
		fprintf(f, " (by %.0f%%)", 100.0 * (at_least ? (bound - v) / bound : (v - bound) / bound));
	fputc('\n', f);
}

static const struct pass_figures *
scale_at(const struct bench_report *b, uint64_t n)
{
	for (size_t i = 0; i < b->nscale; i++)
		if (b->scale[i].messages == n && b->scale[i].ran && !b->scale[i].failed)
			return &b->scale[i];
	return NULL;
}

static void
print_targets(FILE *f, struct bench_report *b)
{
	const struct pass_figures *lo = b->nscale ? &b->scale[0] : NULL;
	const struct pass_figures *hi = b->nscale ? &b->scale[b->nscale - 1] : NULL;
	const struct pass_figures *mil = scale_at(b, 1000000);
	double ratio = b->ceiling.r.rate > 0 && b->daemon.ran && !b->daemon.failed ?
	    b->daemon.r.rate / b->ceiling.r.rate : -1;
	double flat = lo && hi && lo != hi && cpu_per_10k(lo) > 0 ?
	    cpu_per_10k(hi) / cpu_per_10k(lo) : -1;
	double api = -1;

	for (size_t i = 0; i < b->query.nq; i++)
		if (b->query.q[i].p99 > api)
			api = b->query.q[i].p99;
	fprintf(f, "\ntargets:\n");
	print_target(f, "cunbaod rate / echo ceiling", ratio, 0.8, true, "");
	print_target(f, "p99 publish->receipt at half the ceiling",
	    b->daemon_half.ran ? lat_quantile(&b->daemon_half.r.latency, 0.99) : -1, 10, false, "ms");
	print_target(f, "rollup staleness p99 at half the ceiling",
	    b->daemon_half.ran ? lat_quantile(&b->daemon_half.r.stale, 0.99) : -1, 250, false, "ms");
	print_target(f, "CPU per report, largest / smallest scale", flat, 1.2, false, "x");
	print_target(f, "peak RSS at 10^6 reports",
	    mil ? mil->consumer_hwm_kib / 1024.0 : -1, 64, false, "MiB");
	print_target(f, "API query p99 (worst endpoint)", api, 5, false, "ms");
}

static void
print_details(FILE *f, struct pass_figures *p)
{
	struct run_result *r = &p->r;

	if (!p->ran)
		return;
	fprintf(f, "  %-24s %.2f s; receipts: accepted %llu rejected %llu duplicate %llu",
	    p->name, r->seconds, (unsigned long long)r->status[0], (unsigned long long)r->status[1],
	    (unsigned long long)r->status[2]);
	if (p->daemon)
		fprintf(f, ", not the status due %llu", (unsigned long long)r->unexpected);
	fprintf(f, "\n  %-24s publishes %llu, extra receipts %llu, repeats skipped %llu, "
	    "reconnects %u\n", "", (unsigned long long)r->publishes, (unsigned long long)r->extra,
	    (unsigned long long)r->skipped_dups, r->reconnects);
	char broker[24];
	fprintf(f, "  %-24s CPU s: consumer %.2f (kernel %.2f), broker %s, bench %.2f", "",
	    p->consumer_cpu_s, p->consumer_sys_s, num(broker, sizeof broker, p->broker_cpu_s, 2),
	    p->bench_cpu_s);
	if (p->daemon)
		fprintf(f, "; probes %llu, rollup never seen %llu", (unsigned long long)r->probes,
		    (unsigned long long)r->probe_lost);
	fputc('\n', f);
	if (p->m.have)
		fprintf(f, "  %-24s cunbaod: %.0f commits, %.1f messages each (max %.0f), %.2f s "
		    "committing; per receipt %.2f rollups, %.2f completeness published\n", "",
		    p->m.batches, p->m.batch_messages / p->m.batches, p->m.batch_max, p->m.commit_s,
		    p->m.receipts > 0 ? p->m.rollups / p->m.receipts : 0,
		    p->m.receipts > 0 ? p->m.completeness / p->m.receipts : 0);
	if (p->m.have && p->m.wal_frames >= 0) {
		fprintf(f, "  %-24s cunbaod: %.1f WAL pages per message", "",
		    p->m.batch_messages > 0 ? p->m.wal_frames / p->m.batch_messages : 0);
		if (p->m.syncs > 0)
			fprintf(f, "; %.0f fdatasyncs off the loop (%.2f s)", p->m.syncs, p->m.sync_s);
		fputc('\n', f);
	}
	print_db(f, &p->db);
}

/* Microseconds of the federating cunbaod's CPU per input; -1 when unknown. */
static double
fed_cpu_us(const struct fed_figures *p)
{
	return p->ran && p->r.inputs ? p->consumer_cpu_s * 1e6 / (double)p->r.inputs : -1;
}

static double
fed_bytes(const struct fed_figures *p)
{
	return p->db_bytes > 0 && p->r.inputs ? (double)p->db_bytes / (double)p->r.inputs : -1;
}

/* The --federated table: one line per pass, then what went wrong. */
static void
print_federated(FILE *f, struct bench_report *b)
{
	char v[6][32];

	fprintf(f, "%-18s %8s %8s %8s %8s %8s %9s %8s %8s %7s\n", "federated pass", "children",
	    "inputs", "repeats", "inputs/s", "lag p50", "lag p99 ms", "cpu µs", "B/input",
	    "correct");
	for (size_t i = 0; i < b->nfed; i++) {
		struct fed_figures *p = &b->fed[i];
		fprintf(f, "%-18s %8d %8llu %8llu %8s %8s %9s %8s %8s %7s\n", p->name, p->children,
		    (unsigned long long)p->r.inputs, (unsigned long long)p->r.repeats,
		    num(v[0], sizeof v[0], p->r.rate > 0 ? p->r.rate : -1, 0),
		    num(v[1], sizeof v[1], lat_quantile(&p->r.lag, 0.5), 1),
		    num(v[2], sizeof v[2], lat_quantile(&p->r.lag, 0.99), 1),
		    num(v[3], sizeof v[3], fed_cpu_us(p), 1), num(v[4], sizeof v[4], fed_bytes(p), 0),
		    !p->ran ? "-" : p->r.correct ? "yes" : "NO");
	}
	for (size_t i = 0; i < b->nfed; i++) {
		struct fed_figures *p = &b->fed[i];
		if (p->rate_asked > 0)
			fprintf(f, "%s: paced at %.0f inputs/s\n", p->name, p->rate_asked);
		if (p->ran)
			fprintf(f, "%s: %llu journal rows; %llu inputs never counted by the parent's "
			    "rollup; parent rollups published %.0f; cunbaod %.2f CPU s, peak RSS %.1f "
			    "MiB, database %lld bytes\n", p->name, (unsigned long long)p->r.journaled,
			    (unsigned long long)p->r.lag_lost, p->rollups_published, p->consumer_cpu_s,
			    p->consumer_hwm_kib / 1024.0, p->db_bytes);
		if (p->note[0])
			fprintf(f, "%s: %s\n", p->name, p->note);
	}
}

void
report_print(FILE *f, struct bench_report *b)
{
	if (b->nfed > 0) {
		fprintf(f, "cunbao-bench --federated: %ld CPUs (%s), mosquitto %s; K=%d publishers, "
		    "window W=%u\ncommand: %s\nload average at start: %s\n\n", b->nproc, b->cpu,
		    b->mosquitto, b->senders, b->window, b->command, b->loadavg);
		print_federated(f, b);
		return;
	}

	struct pass_figures *v[4 + SCALE_MAX];
	size_t n = passes(b, v);

	fprintf(f, "cunbao-bench: %ld CPUs (%s), mosquitto %s; K=%d senders, window W=%u, "
	    "%zu groups, %u‰ bad, %u‰ repeats, seed %llu\n", b->nproc, b->cpu, b->mosquitto,
	    b->senders, b->window, b->groups, b->bad_permille, b->dup_permille,
	    (unsigned long long)b->seed);
	fprintf(f, "command: %s\nload average at start: %s\n\n", b->command, b->loadavg);
	fprintf(f, "%-26s %8s %8s %7s %7s %8s %8s %8s %7s %8s %6s\n", "pass", "receipts", "rate/s",
	    "p50 ms", "p99 ms", "p99.9 ms", "stale99", "cpu/10k", "RSS MiB", "B/msg", "retry");
	for (size_t i = 0; i < n; i++)
		print_pass(f, v[i]);
	if (b->ceiling.r.rate > 0 && b->daemon.ran && !b->daemon.failed)
		fprintf(f, "\nratio cunbaod / ceiling: %.3f\n", b->daemon.r.rate / b->ceiling.r.rate);
	if (b->query.ran || b->query.note[0]) {
		fprintf(f, "\nAPI on %llu reports (filled in %.1f s)%s%s\n",
		    (unsigned long long)b->query.reports, b->query.fill_seconds,
		    b->query.note[0] ? ": " : "", b->query.note);
		for (size_t i = 0; i < b->query.nq; i++)
			fprintf(f, "  %-14s %5u requests  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  %s\n",
			    b->query.q[i].name, b->query.q[i].requests, b->query.q[i].p50,
			    b->query.q[i].p99, b->query.q[i].max, b->query.q[i].path);
	}
	print_targets(f, b);
	fprintf(f, "\ndetails:\n");
	for (size_t i = 0; i < n; i++)
		print_details(f, v[i]);
}

static void
json_num(struct jsonw *w, const char *key, double v, int decimals)
{
	char buf[48];

	jsonw_key(w, key);
	if (v < 0) {
		jsonw_raw(w, "null");
		return;
	}
	snprintf(buf, sizeof buf, "%.*f", decimals, v);
	jsonw_raw(w, buf);
}

static void
json_pass(struct jsonw *w, struct pass_figures *p)
{
	struct run_result *r = &p->r;

	jsonw_obj(w);
	jsonw_key(w, "name"); jsonw_str(w, p->name);
	jsonw_key(w, "consumer"); jsonw_str(w, p->daemon ? "cunbaod" : "echo");
	jsonw_key(w, "ran"); jsonw_bool(w, p->ran);
	jsonw_key(w, "failed"); jsonw_bool(w, p->failed);
	jsonw_key(w, "note"); jsonw_str(w, p->note);
	jsonw_key(w, "messages"); jsonw_int(w, (int64_t)p->messages);
	json_num(w, "rate_asked", p->rate_asked > 0 ? p->rate_asked : -1, 0);
	jsonw_key(w, "receipts"); jsonw_int(w, (int64_t)r->receipts);
	jsonw_key(w, "accepted"); jsonw_int(w, (int64_t)r->status[0]);
	jsonw_key(w, "rejected"); jsonw_int(w, (int64_t)r->status[1]);
	jsonw_key(w, "duplicate"); jsonw_int(w, (int64_t)r->status[2]);
	jsonw_key(w, "unexpected"); jsonw_int(w, (int64_t)r->unexpected);
	jsonw_key(w, "retries"); jsonw_int(w, (int64_t)r->retries);
	jsonw_key(w, "extra_receipts"); jsonw_int(w, (int64_t)r->extra);
	jsonw_key(w, "repeats_skipped"); jsonw_int(w, (int64_t)r->skipped_dups);
	json_num(w, "seconds", r->seconds, 3);
	json_num(w, "rate", r->rate, 1);
	json_num(w, "p50_ms", lat_quantile(&r->latency, 0.5), 3);
	json_num(w, "p99_ms", lat_quantile(&r->latency, 0.99), 3);
	json_num(w, "p999_ms", lat_quantile(&r->latency, 0.999), 3);
	json_num(w, "stale_p50_ms", lat_quantile(&r->stale, 0.5), 3);
	json_num(w, "stale_p99_ms", lat_quantile(&r->stale, 0.99), 3);
	jsonw_key(w, "probes"); jsonw_int(w, (int64_t)r->probes);
	jsonw_key(w, "probes_lost"); jsonw_int(w, (int64_t)r->probe_lost);
	json_num(w, "consumer_cpu_s", p->ran ? p->consumer_cpu_s : -1, 3);
	json_num(w, "consumer_sys_s", p->ran ? p->consumer_sys_s : -1, 3);
	json_num(w, "cpu_s_per_10k", cpu_per_10k(p), 4);
	json_num(w, "broker_cpu_s", p->ran ? p->broker_cpu_s : -1, 3);
	json_num(w, "bench_cpu_s", p->ran ? p->bench_cpu_s : -1, 3);
	json_num(w, "peak_rss_mib", p->consumer_hwm_kib > 0 ? p->consumer_hwm_kib / 1024.0 : -1, 1);
	json_num(w, "db_bytes", p->db_bytes > 0 ? (double)p->db_bytes : -1, 0);
	json_num(w, "db_bytes_per_message", bytes_per_msg(p), 1);
	json_num(w, "db_file_bytes", p->db.file > 0 ? (double)p->db.file : -1, 0);
	json_num(w, "db_wal_bytes", p->db.file > 0 ? (double)p->db.wal : -1, 0);
	json_num(w, "db_journal_rows", p->db.file > 0 ? (double)p->db.journal : -1, 0);
	json_num(w, "db_reports", p->db.file > 0 ? (double)p->db.reports : -1, 0);
	json_num(w, "db_rollup_rows", p->db.file > 0 ? (double)p->db.rollups : -1, 0);
	json_num(w, "db_bytes_per_report", bytes_per_report(&p->db), 1);
	json_num(w, "commits", p->m.have ? p->m.batches : -1, 0);
	json_num(w, "messages_per_commit", p->m.have ? p->m.batch_messages / p->m.batches : -1, 2);
	json_num(w, "commit_seconds", p->m.have ? p->m.commit_s : -1, 3);
	json_num(w, "syncs", p->m.have ? p->m.syncs : -1, 0);
	json_num(w, "sync_seconds", p->m.have ? p->m.sync_s : -1, 3);
	json_num(w, "wal_pages_per_message", p->m.have && p->m.batch_messages > 0 ?
	    p->m.wal_frames / p->m.batch_messages : -1, 2);
	json_num(w, "rollups_published", p->m.have ? p->m.rollups : -1, 0);
	json_num(w, "completeness_published", p->m.have ? p->m.completeness : -1, 0);
	jsonw_end(w);
}

static void
json_query(struct jsonw *w, const struct query_figures *q)
{
	jsonw_obj(w);
	jsonw_key(w, "ran"); jsonw_bool(w, q->ran);
	jsonw_key(w, "note"); jsonw_str(w, q->note);
	jsonw_key(w, "reports"); jsonw_int(w, (int64_t)q->reports);
	json_num(w, "fill_seconds", q->fill_seconds, 1);
	jsonw_key(w, "endpoints");
	jsonw_arr(w);
	for (size_t i = 0; i < q->nq; i++) {
		jsonw_obj(w);
		jsonw_key(w, "name"); jsonw_str(w, q->q[i].name);
		jsonw_key(w, "path"); jsonw_str(w, q->q[i].path);
		jsonw_key(w, "requests"); jsonw_int(w, q->q[i].requests);
		json_num(w, "p50_ms", q->q[i].p50, 3);
		json_num(w, "p99_ms", q->q[i].p99, 3);
		json_num(w, "max_ms", q->q[i].max, 3);
		jsonw_end(w);
	}
	jsonw_end(w);
	jsonw_end(w);
}

/* One --federated pass as a JSON object (what test_bench_smoke reads). */
static void
json_fed(struct jsonw *w, struct fed_figures *p)
{
	jsonw_obj(w);
	jsonw_key(w, "name"); jsonw_str(w, p->name);
	jsonw_key(w, "ran"); jsonw_bool(w, p->ran);
	jsonw_key(w, "failed"); jsonw_bool(w, p->failed);
	jsonw_key(w, "note"); jsonw_str(w, p->note);
	jsonw_key(w, "children"); jsonw_int(w, p->children);
	json_num(w, "rate_asked", p->rate_asked > 0 ? p->rate_asked : -1, 0);
	jsonw_key(w, "inputs"); jsonw_int(w, (int64_t)p->r.inputs);
	jsonw_key(w, "repeats"); jsonw_int(w, (int64_t)p->r.repeats);
	jsonw_key(w, "journaled"); jsonw_int(w, (int64_t)p->r.journaled);
	jsonw_key(w, "complete"); jsonw_bool(w, p->r.complete);
	jsonw_key(w, "correct"); jsonw_bool(w, p->r.correct);
	json_num(w, "seconds", p->r.seconds, 3);
	json_num(w, "inputs_per_s", p->r.rate > 0 ? p->r.rate : -1, 1);
	json_num(w, "lag_p50_ms", lat_quantile(&p->r.lag, 0.5), 3);
	json_num(w, "lag_p99_ms", lat_quantile(&p->r.lag, 0.99), 3);
	jsonw_key(w, "lag_lost"); jsonw_int(w, (int64_t)p->r.lag_lost);
	json_num(w, "consumer_cpu_s", p->ran ? p->consumer_cpu_s : -1, 3);
	json_num(w, "cpu_us_per_input", fed_cpu_us(p), 2);
	json_num(w, "peak_rss_mib", p->consumer_hwm_kib > 0 ? p->consumer_hwm_kib / 1024.0 : -1, 1);
	json_num(w, "db_bytes", p->db_bytes > 0 ? (double)p->db_bytes : -1, 0);
	json_num(w, "db_bytes_per_input", fed_bytes(p), 1);
	json_num(w, "rollups_published", p->rollups_published, 0);
	jsonw_end(w);
}

bool
report_json(FILE *f, struct bench_report *b)
{
	struct pass_figures *v[4 + SCALE_MAX];
	size_t n = passes(b, v), len;
	char *buf = malloc(JSON_BUF);
	struct jsonw w;

	if (buf == NULL)
		return false;
	jsonw_init(&w, buf, JSON_BUF);
	jsonw_obj(&w);
	jsonw_key(&w, "command"); jsonw_str(&w, b->command);
	jsonw_key(&w, "cpu"); jsonw_str(&w, b->cpu);
	jsonw_key(&w, "nproc"); jsonw_int(&w, b->nproc);
	jsonw_key(&w, "mosquitto"); jsonw_str(&w, b->mosquitto);
	jsonw_key(&w, "loadavg"); jsonw_str(&w, b->loadavg);
	jsonw_key(&w, "senders"); jsonw_int(&w, b->senders);
	jsonw_key(&w, "window"); jsonw_int(&w, b->window);
	jsonw_key(&w, "groups"); jsonw_int(&w, (int64_t)b->groups);
	jsonw_key(&w, "seed"); jsonw_int(&w, (int64_t)b->seed);
	json_num(&w, "ratio", b->ceiling.r.rate > 0 && b->daemon.ran && !b->daemon.failed ?
	    b->daemon.r.rate / b->ceiling.r.rate : -1, 4);
	jsonw_key(&w, "passes");
	jsonw_arr(&w);
	for (size_t i = 0; i < n; i++)
		json_pass(&w, v[i]);
	jsonw_end(&w);
	jsonw_key(&w, "query");
	json_query(&w, &b->query);
	jsonw_key(&w, "federated");
	jsonw_arr(&w);
	for (size_t i = 0; i < b->nfed; i++)
		json_fed(&w, &b->fed[i]);
	jsonw_end(&w);
	jsonw_end(&w);
	len = jsonw_finish(&w);
	if (len > 0)
		fprintf(f, "%s\n", buf);
	free(buf);
	return len > 0;
}
