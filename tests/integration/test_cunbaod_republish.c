/*
 * test_cunbaod_republish.c — the retained rollups and completeness converge
 * to the database after a crash: what cunbaod committed but had not yet
 * published when it was killed (a group's rollup waits leaf-rollup-interval,
 * a village's rollup-interval) is published when it starts again, found
 * through the publish watermark (schema/sql/014_publish_mark.sql).
 */
#include "test_cunbaod.h"

#define DEC "2023-12-05T08:30:00+08:00"
#define GROUP_ROLLUP CBD_ROOT "/rollup/xinzhuang/hexi/g03/livestock/2023-12"
#define G04_ROLLUP CBD_ROOT "/rollup/xinzhuang/hexi/g04/livestock/2023-12"
#define VILLAGE_ROLLUP CBD_ROOT "/rollup/xinzhuang/hexi/livestock/2023-12"
#define VILLAGE_COMP CBD_ROOT "/completeness/xinzhuang/hexi/livestock/2023-12"
#define TOWN_COMP CBD_ROOT "/completeness/xinzhuang/livestock/2023-12"

/* Sends an SMS dated December 2023 and asserts it was accepted (so committed). */
static void
accept(struct cbd *c, const char *id, const char *from, const char *text)
{
	cJSON *r;

	cr_assert(cbd_sms_at(c, id, from, text, DEC));
	r = cbd_receipt(c, id);
	cr_assert_not_null(r, "no receipt for %s \"%s\"", id, text);
	cr_assert_str_eq(rc_str(r, "status"), "accepted", "%s \"%s\"", id, text);
	cJSON_Delete(r);
}

/* Kills cunbaod with SIGKILL (nothing flushed, no clean stop) and starts it again. */
static void
crash_and_restart(struct cbd *c)
{
	h_kill9(c->proc);
	c->proc = NULL;
	cr_assert(cbd_spawn(c), "cunbaod did not start again");
}

/* Waits until the retained payload of topic holds needle; asserts it does in time. */
static void
expect_retained(struct cbd *c, const char *topic, const char *needle)
{
	char *p = NULL;
	time_t end = time(NULL) + CBD_WAIT / 1000;

	for (;;) {
		free(p);
		p = h_retained(c->broker.port, topic, 500);
		if ((p != NULL && strstr(p, needle) != NULL) || time(NULL) > end)
			break;
		usleep(100 * 1000);
	}
	cr_assert(p != NULL && strstr(p, needle) != NULL, "retained %s: %s, not %s", topic,
	    p ? p : "(nothing)", needle);
	free(p);
}

/* Both intervals long: everything the report changed still waits when cunbaod is killed. */
Test(republish, pending_rollups_and_completeness_survive_kill9)
{
	struct cbd c = { .extra = { "--rollup-interval", "30s", "--leaf-rollup-interval", "30s", NULL } };
	char *p;

	cbd_start(&c);
	accept(&c, "k:1", "+8613800000003", "牲畜 牛12 猪40");
	p = h_retained(c.broker.port, GROUP_ROLLUP, 300);
	cr_assert_null(p, "the group's rollup did not wait (the test shows nothing): %s", p);
	crash_and_restart(&c);
	expect_retained(&c, GROUP_ROLLUP, "\"cattle\":12");
	expect_retained(&c, VILLAGE_ROLLUP, "\"cattle\":12");
	expect_retained(&c, VILLAGE_COMP, "\"reported\":[\"g03\"]");
	expect_retained(&c, TOWN_COMP, "\"hexi/g03\"");
	cbd_stop(&c);
}

/*
 * The figures were published once; then a correction and a withdrawal are
 * committed and cunbaod is killed before publishing them: after the restart
 * the retained group rollup shows the group without figures (its rows were
 * deleted) and the village's completeness without the group.
 */
Test(republish, a_withdrawal_pending_at_the_crash_is_published)
{
	struct cbd c = { .extra = { "--leaf-rollup-interval", "100ms", NULL } };

	cbd_start(&c);
	accept(&c, "w:1", "+8613800000004", "牲畜 牛9");
	expect_retained(&c, G04_ROLLUP, "\"cattle\":9");
	expect_retained(&c, VILLAGE_COMP, "\"reported\":[\"g04\"]");
	cbd_term(&c);

	const char *slow[] = { "--rollup-interval", "30s", "--leaf-rollup-interval", "30s", NULL };

	for (size_t i = 0; i < sizeof slow / sizeof slow[0]; i++)
		c.extra[i] = slow[i];
	cr_assert(cbd_spawn(&c), "cunbaod did not start again");
	accept(&c, "w:2", "+8613800000004", "更正 牲畜 牛5");
	accept(&c, "w:3", "+8613800000004", "撤销");
	crash_and_restart(&c);
	char *g = cbd_rollup_wait(&c, "xinzhuang/hexi/g04", "livestock", "2023-12", "cattle", "", CBD_WAIT);

	cr_assert_not_null(g, "the withdrawn figures are still retained");
	free(g);
	expect_retained(&c, VILLAGE_COMP, "\"reported\":[]");
	cbd_stop(&c);
}

/*
 * The watermark moves with the batches that commit anyway: once a rollup is
 * published and acknowledged, a later batch records it, so a restart does
 * not publish the whole journal again.
 */
Test(republish, the_watermark_follows_publication)
{
	struct cbd c = { .extra = { "--leaf-rollup-interval", "100ms", NULL } };
	long long seq, mark = -1;

	cbd_start(&c);
	accept(&c, "m:1", "+8613800000005", "牲畜 牛7");
	expect_retained(&c, CBD_ROOT "/rollup/xinzhuang/hexi/g05/livestock/2023-12", "\"cattle\":7");
	seq = db_int(c.db, "SELECT seq FROM journal WHERE msg_id = 'm:1'");
	cr_assert_gt(seq, 0);
	/* Later batches (each commits anyway) carry the watermark past m:1 once the broker acknowledged. */
	for (int i = 0; i < 50 && mark < seq; i++) {
		char id[32];

		snprintf(id, sizeof id, "m:%d", i + 2);
		accept(&c, id, "+8613800000006", "牲畜 牛1");
		mark = db_int(c.db, "SELECT journal_seq FROM publish_mark");
		if (mark < seq)
			usleep(100 * 1000);
	}
	cr_expect_geq(mark, seq, "the watermark stayed at %lld, below m:1's seq %lld", mark, seq);
	cbd_stop(&c);
}
