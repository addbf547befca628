/*
 * test_cunbaod_publish.c — how cunbaod publishes retained rollups and
 * completeness: completeness again only when the set of groups that have
 * reported changes (not with every figure), and a group's rollup held for
 * leaf-rollup-interval to coalesce while its village's goes at once.
 */
#include "test_cunbaod.h"

#define DEC "2023-12-05T08:30:00+08:00"
#define VILLAGE_COMP CBD_ROOT "/completeness/xinzhuang/hexi/livestock/2023-12"
#define TOWN_COMP CBD_ROOT "/completeness/xinzhuang/livestock/2023-12"
#define VILLAGE_ROLLUP CBD_ROOT "/rollup/xinzhuang/hexi/livestock/2023-12"

/* Sends an SMS dated December 2023 and asserts it was accepted. */
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

/* Waits for a publication on topic whose payload holds needle; asserts it came. */
static void
expect_pub(struct cbd *c, const char *topic, const char *needle)
{
	struct h_msg *m = h_mqtt_wait(c->mq, topic, needle, CBD_WAIT);

	cr_assert_not_null(m, "nothing on %s with %s", topic, needle);
	h_msg_free(m);
}

Test(publish, completeness_only_when_who_reported_changes)
{
	struct cbd c = { .extra = { "--leaf-rollup-interval", "200ms", NULL } };

	cbd_start(&c);
	cr_assert(h_mqtt_sub(c.mq, CBD_ROOT "/completeness/#", 1));
	cr_assert(h_mqtt_sub(c.mq, CBD_ROOT "/rollup/#", 1));

	/* Group 3 reports first: the village's and the township's completeness list it. */
	accept(&c, "p:1", "+8613800000003", "牲畜 牛12 猪40");
	expect_pub(&c, VILLAGE_COMP, "\"reported\":[\"g03\"]");
	expect_pub(&c, TOWN_COMP, "\"hexi/g03\"");
	expect_pub(&c, VILLAGE_ROLLUP, "\"cattle\":12");

	/* Group 3 again: the figures change, who has reported does not. */
	accept(&c, "p:2", "+8613800000003", "牲畜 牛20 猪41");
	expect_pub(&c, VILLAGE_ROLLUP, "\"cattle\":20");
	expect_pub(&c, CBD_ROOT "/rollup/xinzhuang/hexi/g03/livestock/2023-12", "\"cattle\":20");
	cr_expect_eq(h_mqtt_count(c.mq, VILLAGE_COMP), 0, "the village's completeness was published again");
	cr_expect_eq(h_mqtt_count(c.mq, TOWN_COMP), 0, "the township's completeness was published again");

	/* Group 4 reports: now it changes, for the village and the township. */
	accept(&c, "p:3", "+8613800000004", "牲畜 牛9");
	expect_pub(&c, VILLAGE_COMP, "\"reported\":[\"g03\",\"g04\"]");
	expect_pub(&c, TOWN_COMP, "\"hexi/g04\"");
	expect_pub(&c, VILLAGE_ROLLUP, "\"cattle\":29");
	cbd_stop(&c);
}

Test(publish, a_group_rollup_waits_its_village_does_not)
{
	struct cbd c = { .extra = { "--leaf-rollup-interval", "3s", NULL } };
	const char *group = CBD_ROOT "/rollup/xinzhuang/hexi/g05/livestock/2023-12";

	cbd_start(&c);
	cr_assert(h_mqtt_sub(c.mq, CBD_ROOT "/rollup/#", 1));
	accept(&c, "p:10", "+8613800000005", "牲畜 牛7 羊3");
	expect_pub(&c, VILLAGE_ROLLUP, "\"cattle\":7");
	cr_expect_eq(h_mqtt_count(c.mq, group), 0, "the group's rollup did not wait for the village's");

	/* Another report of the group while it waits: the village's goes at once again (not with
	 * the group's, whose wait must not hold it), and one publication of the group carries both. */
	accept(&c, "p:11", "+8613800000005", "牲畜 牛8 羊3");
	expect_pub(&c, VILLAGE_ROLLUP, "\"cattle\":8");
	cr_expect_eq(h_mqtt_count(c.mq, group), 0, "the village's rollup waited for the group's");
	expect_pub(&c, group, "\"cattle\":8");
	cr_expect_eq(h_mqtt_count(c.mq, group), 0, "the group's rollup was not coalesced");
	cbd_stop(&c);
}
