/*
 * test_guard.c — the rate limit and the loop guard against a clock the test
 * drives, and the retry backoff.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"

#define MIN 60000LL

static struct guard *
make(int64_t rate, int64_t repeat)
{
	struct guard_conf gc = {
		.rate_limit = rate, .rate_window = 10 * MIN,
		.loop_repeat = repeat, .loop_window = 60 * MIN,
		.own_numbers = "10086,+8613800000099", .country = "86",
	};
	struct guard *g = guard_new(&gc);

	cr_assert_not_null(g);
	return g;
}

static enum guard_verdict
in(struct guard *g, const char *from, const char *text, int64_t now)
{
	return guard_inbound(g, from, text, strlen(text), now);
}

Test(guard, rate_limit_refills)
{
	struct guard *g = make(3, 0);
	char text[16];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof text, "m%d", i);
		cr_expect_eq(in(g, "+8613800000003", text, 1000), GUARD_PASS, "message %d", i);
	}
	cr_expect_eq(in(g, "+8613800000003", "m3", 1000), GUARD_RATE);
	/* Another sender has its own bucket. */
	cr_expect_eq(in(g, "+8613800000004", "m3", 1000), GUARD_PASS);
	/* One message's worth refills after window/limit. */
	cr_expect_eq(in(g, "+8613800000003", "m4", 1000 + 10 * MIN / 3 - 1), GUARD_RATE);
	cr_expect_eq(in(g, "+8613800000003", "m5", 1000 + 10 * MIN / 3 + 1), GUARD_PASS);
	cr_expect_eq(in(g, "+8613800000003", "m6", 1000 + 10 * MIN / 3 + 2), GUARD_RATE);
	guard_free(g);
}

Test(guard, rate_limit_off)
{
	struct guard *g = make(0, 0);
	int i;

	for (i = 0; i < 1000; i++)
		cr_expect_eq(in(g, "+8613800000003", "x", i), GUARD_PASS);
	guard_free(g);
}

Test(guard, own_numbers)
{
	struct guard *g = make(100, 3);

	cr_expect_eq(in(g, "10086", "hello", 0), GUARD_OWN);
	cr_expect_eq(in(g, "+8613800000099", "hello", 0), GUARD_OWN);
	cr_expect(guard_own(g, "+8613800000099"));
	cr_expect(!guard_own(g, "+8613800000003"));
	guard_free(g);
}

Test(guard, repeat_then_window_resets)
{
	struct guard *g = make(100, 3);
	int i;

	for (i = 0; i < 3; i++)
		cr_expect_eq(in(g, "+8613800000003", "牲畜 牛12", i), GUARD_PASS, "copy %d", i);
	cr_expect_eq(in(g, "+8613800000003", "牲畜 牛12", 10), GUARD_REPEAT);
	cr_expect_eq(in(g, "+8613800000003", "牲畜 牛12", 11), GUARD_REPEAT);
	cr_expect_eq(in(g, "+8613800000003", "other text", 12), GUARD_PASS);
	cr_expect_eq(in(g, "+8613800000004", "牲畜 牛12", 13), GUARD_PASS);
	cr_expect_eq(in(g, "+8613800000003", "牲畜 牛12", 60 * MIN + 1), GUARD_PASS);
	guard_free(g);
}

Test(guard, echo_of_our_reply)
{
	struct guard *g = make(100, 3);

	guard_replied(g, "+8613800000003", "已收到 3组", strlen("已收到 3组"), 100);
	cr_expect_eq(in(g, "+8613800000003", "已收到 3组", 200), GUARD_ECHO);
	cr_expect_eq(in(g, "+8613800000004", "已收到 3组", 200), GUARD_PASS);
	cr_expect_eq(in(g, "+8613800000003", "已收到 3组", 100 + 60 * MIN), GUARD_PASS);
	guard_free(g);
}

Test(guard, many_senders_stay_bounded)
{
	struct guard *g = make(1, 0);
	char who[32];
	int i;

	/* Far more senders than slots: each new one gets a slot (evicting old ones). */
	for (i = 0; i < 20000; i++) {
		snprintf(who, sizeof who, "+86139%08d", i);
		cr_expect_eq(in(g, who, "x", i), GUARD_PASS, "sender %d", i);
	}
	/* The most recent sender is still remembered. */
	cr_expect_eq(in(g, who, "y", i), GUARD_RATE);
	guard_free(g);
	guard_free(NULL);
}

Test(guard, backoff)
{
	static const struct { int attempts; int64_t want; } cases[] = {
		{ 0, 2000 }, { 1, 2000 }, { 2, 4000 }, { 3, 8000 }, { 8, 256000 },
		{ 9, 512000 }, { 10, 600000 }, { 100, 600000 }, { 1000000, 600000 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_expect_eq(backoff_ms(cases[i].attempts, 2000, 600000), cases[i].want,
		    "attempts %d", cases[i].attempts);
}

Test(guard, names)
{
	cr_expect_str_eq(guard_name(GUARD_RATE), "rate limit");
	cr_expect_str_eq(guard_name((enum guard_verdict)99), "unknown");
}
