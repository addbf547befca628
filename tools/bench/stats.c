/*
 * stats.c — latency samples and their percentiles.
 *
 * Every sample is kept (4 bytes each: a million receipts cost 4 MB), so the
 * percentiles are exact nearest-rank values, not histogram estimates.
 */
#include "bench.h"

#include <stdlib.h>
#include <time.h>

int64_t
bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Appends one sample in microseconds, clamped into uint32 range (a sample
 * over 71 minutes would be a bench bug anyway).  Returns false when the
 * array cannot grow; the sample is then lost and the caller counts it.
 */
bool
lat_add(struct lat *l, int64_t us)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		uint32_t *v = realloc(l->us, cap * sizeof *v);
		if (v == NULL)
			return false;
		l->us = v;
		l->cap = cap;
	}
	if (us < 0)
		us = 0;
	if (us > (int64_t)UINT32_MAX)
		us = UINT32_MAX;
	l->us[l->n++] = (uint32_t)us;
	l->sorted = false;
	return true;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * The q-quantile by nearest rank (the smallest sample with at least q of
 * the samples at or below it), in milliseconds.  Sorts once, lazily.
 * Returns -1 when there are no samples.
 */
double
lat_quantile(struct lat *l, double q)
{
	double x;
	size_t rank;

	if (l->n == 0)
		return -1;
	if (!l->sorted) {
		qsort(l->us, l->n, sizeof *l->us, cmp_u32);
		l->sorted = true;
	}
	if (q <= 0)
		return l->us[0] / 1000.0;
	x = (double)l->n * q;
	rank = (size_t)x;
	if ((double)rank < x)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > l->n)
		rank = l->n;
	return l->us[rank - 1] / 1000.0;
}

void
lat_free(struct lat *l)
{
	if (l == NULL)
		return;
	free(l->us);
	l->us = NULL;
	l->n = l->cap = 0;
}
