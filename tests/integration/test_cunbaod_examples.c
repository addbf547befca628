/*
 * test_cunbaod_examples.c — the example village's month of messages
 * (schema/examples/messages.txt) through a real mosquitto and cunbaod:
 * every message gets the receipt its header promises, and the village's
 * retained rollups come out as the village report states them (cattle 61,
 * pigs 398, sheep 118, road 1920 m, ...).  The messages are dated
 * 2023-12-05 (a Tuesday of week 49), as a bridge would date them, so the
 * periods are the same whenever the test runs.
 */
#include "test_cunbaod.h"

/* The refusals messages.txt announces, by a piece of their text; everything else is accepted. */
static const struct {
	const char *sender, *piece, *code;
} refused[] = {
	{ "+8613800000004", "鸡30", "unknown_field" },
	{ "+8613800000002", "输专", "unknown_field" },
	{ "+8613800000099", "牛5", "unknown_sender" },
};

/* The expected error code of a message, or NULL when it is to be accepted. */
static const char *
expected_code(const char *sender, const char *text)
{
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		if (strcmp(sender, refused[i].sender) == 0 && strstr(text, refused[i].piece) != NULL)
			return refused[i].code;
	return NULL;
}

/* Sends every message of the file in order, each after the previous one's receipt; returns the count. */
static int
feed(struct cbd *c, int *rejected)
{
	char *text = h_read_file(h_src("schema/examples/messages.txt"), NULL), *save = NULL, id[32];
	int n = 0;

	cr_assert_not_null(text);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (line[0] == '#' || sp == NULL)
			continue;
		*sp = '\0';
		const char *code = expected_code(line, sp + 1);

		snprintf(id, sizeof id, "ex:%d", ++n);
		cr_assert(cbd_sms_at(c, id, line, sp + 1, "2023-12-05T08:30:00+08:00"));
		cJSON *r = cbd_receipt(c, id);
		cr_assert_not_null(r, "no receipt for %s \"%s\"", line, sp + 1);
		cr_expect_str_eq(rc_str(r, "status"), code ? "rejected" : "accepted", "%s \"%s\"", line, sp + 1);
		if (code != NULL)
			cr_expect_str_eq(rc_str(r, "code"), code, "%s \"%s\"", line, sp + 1);
		const char *reply = rc_str(r, "text");

		cr_expect(reply[0] != '\0', "%s \"%s\": no reply", line, sp + 1);
		*rejected += code != NULL;
		cJSON_Delete(r);
	}
	free(text);
	return n;
}

/* The retained village rollup of a kind and period shows every figure of want ({"field","value"} pairs). */
static void
village(struct cbd *c, const char *kind, const char *period, const char *const want[][2], size_t n,
    const char *counts)
{
	for (size_t i = 0; i < n; i++) {
		char *p = cbd_rollup_wait(c, "xinzhuang/hexi", kind, period, want[i][0], want[i][1], CBD_WAIT);

		cr_expect_not_null(p, "village %s %s is not %s", kind, want[i][0], want[i][1]);
		if (p != NULL && counts != NULL && i == 0)
			cr_expect(strstr(p, counts) != NULL, "%s: %s", counts, p);
		free(p);
	}
}

Test(examples, the_village_report_comes_out)
{
	struct cbd c = { 0 };
	int rejected = 0, n;

	cbd_start(&c);
	n = feed(&c, &rejected);
	cr_expect_gt(n, 40);
	cr_expect_eq(rejected, 3);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal"), n);

	static const char *const livestock[][2] = {
		{ "cattle", "61" }, { "pigs", "398" }, { "sheep", "118" }, { "bought", "28" } };
	static const char *const road[][2] = { { "hardened", "1920" } };
	static const char *const crops[][2] = {
		{ "orchard", "480" }, { "intercrop", "227.74" }, { "vegetables", "143.09" }, { "subsidy", "113870" } };
	static const char *const labor[][2] = { { "placed", "335" } };
	static const char *const sanitation[][2] = { { "cleared", "4" }, { "cleaners", "7" }, { "passed", "0.75" } };
	static const char *const construction[][2] = { { "toilets", "20" } };
	static const char *const monitoring[][2] = { { "at_risk", "8" }, { "visits", "8" } };

	village(&c, "livestock", "2023-12", livestock, 4, "\"reported\":7,\"expected\":8");
	village(&c, "road", "2023-12-05", road, 1, NULL);
	village(&c, "crops", "2023", crops, 4, NULL);
	village(&c, "labor", "2023-12", labor, 1, NULL);
	village(&c, "sanitation", "2023-W49", sanitation, 3, NULL);
	village(&c, "construction", "2023-12", construction, 1, NULL);
	village(&c, "monitoring", "2023-12", monitoring, 2, NULL);
	char *p = h_retained(c.broker.port, CBD_ROOT "/completeness/xinzhuang/hexi/livestock/2023-12", CBD_WAIT);
	cr_assert_not_null(p);
	cr_expect(strstr(p, "\"missing\":[\"g04\"]") != NULL, "%s", p);
	free(p);
	cbd_stop(&c);
}
