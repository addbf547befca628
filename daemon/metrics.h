/*
 * metrics.h — cunbaod's counters, kept in struct daemon and served by the
 * admin API as Prometheus text (metrics_format).  Plain integers: the
 * daemon has one thread.
 */
#ifndef CUNBAOD_METRICS_H
#define CUNBAOD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "cunbao.h"

enum metric_outcome { METRIC_ACCEPTED, METRIC_REJECTED, METRIC_DUPLICATE, METRIC_OUTCOMES };

/* Upper bounds (microseconds) of the receipt latency histogram; the last bucket is +Inf. */
#define METRICS_LATENCY_BUCKETS 12
extern const uint64_t metrics_latency_le[METRICS_LATENCY_BUCKETS - 1];

struct metrics {
	uint64_t messages[METRIC_OUTCOMES];	/* by outcome */
	uint64_t rejected[CB_ERROR_COUNT];	/* by error code */
	uint64_t receipts_sent;
	uint64_t receipts_unsent;		/* no source, or not connected */
	uint64_t rollups_published;
	uint64_t completeness_published;
	uint64_t batches;			/* committed transactions */
	uint64_t batches_failed;		/* rolled back: nothing acknowledged */
	uint64_t batch_messages;		/* messages in committed batches */
	uint64_t batch_max;			/* largest batch so far */
	uint64_t commit_us;			/* time spent in COMMIT (WAL write; and fsync when inline) */
	uint64_t checkpoints;			/* WAL checkpoints after a commit */
	uint64_t wal_frames;			/* pages the commits wrote to the WAL */
	uint64_t latency_us;			/* read -> receipt queued, summed per message */
	uint64_t latency_bucket[METRICS_LATENCY_BUCKETS];
	uint64_t reconnects;
	uint64_t connects_minute;		/* gauge: connections to the broker in the last minute */
	uint64_t store_failing;			/* gauge: 1 while commits fail and ingest backs off */
	int64_t last_commit;			/* unix seconds of the last commit; 0: none yet */
	uint64_t outbox_sent;
	uint64_t publish_pending;		/* gauge: rollups waiting to be published */
	uint64_t cache_cells;			/* gauge: rollup cells in memory */
};

/* Counts n messages whose receipts were queued us microseconds after they were read. */
void metrics_latency(struct metrics *m, uint64_t us, uint64_t n);

/* Writes every counter as Prometheus text exposition; returns the length (0: buf too small). */
size_t metrics_format(const struct metrics *m, char *buf, size_t buflen);

#endif
