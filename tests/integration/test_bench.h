/*
 * test_bench.h — what the cunbao-bench integration tests share: the built
 * bench, which must be there (the tests build it; a missing one is a failure,
 * not a skip).
 */
#ifndef TEST_BENCH_H
#define TEST_BENCH_H

#include <criterion/criterion.h>
#include <unistd.h>

#include "harness.h"

static inline const char *
bench_bin(void)
{
	const char *bin = h_bin("tools/bench/cunbao-bench");

	cr_assert(access(bin, X_OK) == 0, "cunbao-bench is not built (%s)", bin);
	return bin;
}

#endif
