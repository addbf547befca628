/*
 * metrics.c — latency histogram and the Prometheus text of struct metrics.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "metrics.h"

const uint64_t metrics_latency_le[METRICS_LATENCY_BUCKETS - 1] = {
	500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 250000, 500000, 1000000,
};

void
metrics_latency(struct metrics *m, uint64_t us, uint64_t n)
{
	size_t b = 0;

	while (b < METRICS_LATENCY_BUCKETS - 1 && us > metrics_latency_le[b])
		b++;
	m->latency_bucket[b] += n;
	m->latency_us += us * n;
}

/* A growing text in a caller's buffer; overflow sticks. */
struct text {
	char *buf;
	size_t len, off;
	bool overflow;
};

static void __attribute__((format(printf, 2, 3)))
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->off, t->len - t->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->len - t->off)
		t->overflow = true;
	else
		t->off += (size_t)n;
}

/* One counter or gauge with its HELP and TYPE lines. */
static void
put_one(struct text *t, const char *name, const char *type, const char *help, uint64_t v)
{
	put(t, "# HELP cunbaod_%s %s\n# TYPE cunbaod_%s %s\ncunbaod_%s %" PRIu64 "\n",
	    name, help, name, type, name, v);
}

/* The labelled families: messages by outcome, rejections by code, the latency histogram. */
static void
put_families(struct text *t, const struct metrics *m)
{
	static const char *const outcome[METRIC_OUTCOMES] = { "accepted", "rejected", "duplicate" };
	uint64_t cum = 0, total = 0;

	put(t, "# HELP cunbaod_messages_total Inbound messages by outcome.\n"
	    "# TYPE cunbaod_messages_total counter\n");
	for (int i = 0; i < METRIC_OUTCOMES; i++)
		put(t, "cunbaod_messages_total{outcome=\"%s\"} %" PRIu64 "\n", outcome[i], m->messages[i]);
	put(t, "# HELP cunbaod_rejected_total Rejected messages by error code.\n"
	    "# TYPE cunbaod_rejected_total counter\n");
	for (int e = 1; e < CB_ERROR_COUNT; e++)
		if (m->rejected[e] > 0)
			put(t, "cunbaod_rejected_total{code=\"%s\"} %" PRIu64 "\n", cb_error_name(e), m->rejected[e]);
	for (int b = 0; b < METRICS_LATENCY_BUCKETS; b++)
		total += m->latency_bucket[b];
	put(t, "# HELP cunbaod_receipt_latency_seconds From reading a message to queueing its receipt.\n"
	    "# TYPE cunbaod_receipt_latency_seconds histogram\n");
	for (int b = 0; b < METRICS_LATENCY_BUCKETS - 1; b++) {
		cum += m->latency_bucket[b];
		put(t, "cunbaod_receipt_latency_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
		    (double)metrics_latency_le[b] / 1e6, cum);
	}
	put(t, "cunbaod_receipt_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", total);
	put(t, "cunbaod_receipt_latency_seconds_sum %.6f\n", (double)m->latency_us / 1e6);
	put(t, "cunbaod_receipt_latency_seconds_count %" PRIu64 "\n", total);
}

size_t
metrics_format(const struct metrics *m, char *buf, size_t buflen)
{
	struct text t = { buf, buflen, 0, buflen == 0 };

	/* The release, as Prometheus' build_info convention has it: a constant 1 with a label. */
	put(&t, "# HELP cunbaod_build_info The release of this cunbaod.\n"
	    "# TYPE cunbaod_build_info gauge\ncunbaod_build_info{version=\"%s\"} 1\n", CUNBAO_VERSION);
	put_families(&t, m);
	put_one(&t, "receipts_sent_total", "counter", "Receipts published after their commit.", m->receipts_sent);
	put_one(&t, "receipts_unsent_total", "counter", "Receipts with nowhere to go (no source, broker down).",
	    m->receipts_unsent);
	put_one(&t, "rollups_published_total", "counter", "Retained rollup publications.", m->rollups_published);
	put_one(&t, "completeness_published_total", "counter", "Retained completeness publications.",
	    m->completeness_published);
	put_one(&t, "batches_total", "counter", "Committed batches (group commits).", m->batches);
	put_one(&t, "batches_failed_total", "counter", "Batches rolled back, unacknowledged.", m->batches_failed);
	put_one(&t, "batch_messages_total", "counter", "Messages in committed batches.", m->batch_messages);
	put_one(&t, "batch_max", "gauge", "Largest batch so far.", m->batch_max);
	put(&t, "# HELP cunbaod_commit_seconds_total Time spent committing.\n"
	    "# TYPE cunbaod_commit_seconds_total counter\ncunbaod_commit_seconds_total %.6f\n",
	    (double)m->commit_us / 1e6);
	put_one(&t, "checkpoints_total", "counter", "WAL checkpoints after a commit.",
	    m->checkpoints);
	put_one(&t, "wal_frames_total", "counter", "Database pages the commits wrote to the WAL.",
	    m->wal_frames);
	put_one(&t, "reconnects_total", "counter", "Connections to the broker after the first.", m->reconnects);
	put_one(&t, "connects_last_minute", "gauge", "Connections to the broker in the last minute "
	    "(more than 10: a reconnect storm, logged).", m->connects_minute);
	put_one(&t, "store_failing", "gauge", "1 while commits fail and ingest holds its messages and retries.",
	    m->store_failing);
	put_one(&t, "outbox_sent_total", "counter", "Outbox messages published.", m->outbox_sent);
	put_one(&t, "publish_pending", "gauge", "Rollups waiting to be published.", m->publish_pending);
	put_one(&t, "cache_cells", "gauge", "Rollup cells held in memory.", m->cache_cells);
	if (t.overflow) {
		if (buflen > 0)
			buf[0] = '\0';
		return 0;
	}
	return t.off;
}
