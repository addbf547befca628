/*
 * test_topic.c — topic roots, area paths, parsing and building of topics.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "topic.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define R CB_ROOT_DEFAULT

struct root_case {
	const char *root;
	bool ok;
};

static const struct root_case root_cases[] = {
	{ "cunbao/v1", true }, { "cunbao", true }, { "org/county/cunbao/v1", true },
	{ "村报/v1", true }, { "", false }, { "/cunbao", false }, { "cunbao/", false },
	{ "cunbao//v1", false }, { "cunbao/+/v1", false }, { "cunbao/#", false },
	{ "a\tb", false }, { "\xC0\xAF", false },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
};

Test(topic, root_valid)
{
	for (size_t i = 0; i < NELEM(root_cases); i++)
		cr_expect_eq(topic_root_valid(root_cases[i].root), root_cases[i].ok, "'%s'", root_cases[i].root);
	cr_expect_not(topic_root_valid(NULL));
}

struct area_case {
	const char *area;
	bool ok;
	int depth;
};

static const struct area_case area_cases[] = {
	{ "xinzhuang", true, 1 },
	{ "xinzhuang/hexi", true, 2 },
	{ "xinzhuang/hexi/g03", true, 3 },
	{ "a/b/c/d/e", true, 5 },
	{ "a-1/b-2", true, 2 },
	{ "abcdefghijklmnopqrstuvwxyz012345", true, 1 },	/* 32 */
	{ "abcdefghijklmnopqrstuvwxyz0123456", false, 0 },	/* 33 */
	{ "a/b/c/d/e/f", false, 0 },	/* 6 levels */
	{ "", false, 0 },
	{ "/a", false, 0 },
	{ "a/", false, 0 },
	{ "a//b", false, 0 },
	{ "Xinzhuang", false, 0 },	/* upper case */
	{ "xin zhuang", false, 0 },
	{ "a_b", false, 0 },
	{ "a/+/b", false, 0 },
	{ "a/#", false, 0 },
	{ "河西", false, 0 },
};

Test(topic, area_valid_and_depth)
{
	for (size_t i = 0; i < NELEM(area_cases); i++) {
		const struct area_case *c = &area_cases[i];
		cr_expect_eq(topic_area_valid(c->area, strlen(c->area)), c->ok, "'%s'", c->area);
		cr_expect_eq(topic_area_depth(c->area), c->depth, "'%s'", c->area);
	}
	cr_expect_not(topic_area_valid(NULL, 0));
	cr_expect_eq(topic_area_depth(NULL), 0);
	cr_expect(topic_area_valid("a/b/c", 3), "a prefix of the text");
}

Test(topic, area_parent)
{
	char buf[CB_AREA_MAX];

	cr_expect(topic_area_parent("xinzhuang/hexi/g03", buf, sizeof buf));
	cr_expect_str_eq(buf, "xinzhuang/hexi");
	cr_expect(topic_area_parent("xinzhuang/hexi", buf, sizeof buf));
	cr_expect_str_eq(buf, "xinzhuang");
	cr_expect_not(topic_area_parent("xinzhuang", buf, sizeof buf));
	cr_expect_not(topic_area_parent("Bad/area", buf, sizeof buf));
	cr_expect_not(topic_area_parent("a/b", buf, 1), "does not fit");
	cr_expect(topic_area_parent("a/b", buf, 2));
	cr_expect_str_eq(buf, "a");
}

struct parse_case {
	const char *topic;
	enum topic_type type;
	const char *channel, *area, *source;
};

static const struct parse_case parse_cases[] = {
	{ R "/inbox/sms", TOPIC_INBOX, "sms", "", "" },
	{ R "/inbox/tg-2", TOPIC_INBOX, "tg-2", "", "" },
	{ R "/outbox/sms", TOPIC_OUTBOX, "sms", "", "" },
	{ R "/report/xinzhuang/hexi/g03", TOPIC_REPORT, "", "xinzhuang/hexi/g03", "" },
	{ R "/report/a/b/c/d/e", TOPIC_REPORT, "", "a/b/c/d/e", "" },
	{ R "/receipt/bridge-1", TOPIC_RECEIPT, "", "", "bridge-1" },
	{ R "/receipt/app:7.x_y", TOPIC_RECEIPT, "", "", "app:7.x_y" },
	{ R "/rollup/xinzhuang/hexi/livestock/2023-12", TOPIC_ROLLUP, "", "xinzhuang/hexi", "" },
	{ R "/rollup/xinzhuang/livestock/current", TOPIC_ROLLUP, "", "xinzhuang", "" },
	{ R "/rollup/x/road/2023-12-05", TOPIC_ROLLUP, "", "x", "" },
	{ R "/rollup/x/sanitation/2023-W48", TOPIC_ROLLUP, "", "x", "" },
	{ R "/rollup/x/crops/2023", TOPIC_ROLLUP, "", "x", "" },
	{ R "/rollup/x/k/2023-Q4", TOPIC_ROLLUP, "", "x", "" },
	{ R "/completeness/xinzhuang/hexi/livestock/2023-12", TOPIC_COMPLETENESS, "", "xinzhuang/hexi", "" },
	{ R "/status/cunbaod", TOPIC_STATUS, "", "", "" },
	/* Rejects. */
	{ R "/report/a/b/c/d/e/f", TOPIC_OTHER, "", "", "" },	/* 6 levels */
	{ R "/report/Xinzhuang", TOPIC_OTHER, "", "", "" },
	{ R "/report/a//b", TOPIC_OTHER, "", "", "" },
	{ R "/report/a/", TOPIC_OTHER, "", "", "" },
	{ R "/report/", TOPIC_OTHER, "", "", "" },
	{ R "/report", TOPIC_OTHER, "", "", "" },
	{ R "/report/+", TOPIC_OTHER, "", "", "" },
	{ R "/report/#", TOPIC_OTHER, "", "", "" },
	{ R "/inbox/SMS", TOPIC_OTHER, "", "", "" },
	{ R "/inbox/sms/x", TOPIC_OTHER, "", "", "" },
	{ R "/inbox/abcdefghijklmnopq", TOPIC_OTHER, "", "", "" },	/* 17 */
	{ R "/receipt/a b", TOPIC_OTHER, "", "", "" },
	{ R "/receipt/+", TOPIC_OTHER, "", "", "" },
	{ R "/rollup/livestock/2023-12", TOPIC_OTHER, "", "", "" },	/* no area */
	{ R "/rollup/x/livestock/2023-13", TOPIC_OTHER, "", "", "" },
	{ R "/rollup/x/Livestock/2023-12", TOPIC_OTHER, "", "", "" },
	{ R "/rollup/x/livestock/now", TOPIC_OTHER, "", "", "" },
	{ R "/rollup/a/b/c/d/e/f/k/current", TOPIC_OTHER, "", "", "" },
	{ R "/status/other", TOPIC_OTHER, "", "", "" },
	{ R "/status/cunbaod/x", TOPIC_OTHER, "", "", "" },
	{ R "/nothing/x", TOPIC_OTHER, "", "", "" },
	{ R "/", TOPIC_OTHER, "", "", "" },
	{ R, TOPIC_OTHER, "", "", "" },
	{ "cunbao/v2/inbox/sms", TOPIC_OTHER, "", "", "" },
	{ "cunbao/v1x/inbox/sms", TOPIC_OTHER, "", "", "" },
	{ "other/inbox/sms", TOPIC_OTHER, "", "", "" },
	{ "", TOPIC_OTHER, "", "", "" },
};

Test(topic, parse_table)
{
	for (size_t i = 0; i < NELEM(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct topic t;
		memset(&t, 0x55, sizeof t);
		cr_expect_eq(topic_parse(R, c->topic, &t), c->type, "'%s'", c->topic);
		cr_expect_eq(t.type, c->type, "'%s'", c->topic);
		cr_expect_str_eq(t.channel, c->channel, "'%s'", c->topic);
		cr_expect_str_eq(t.area, c->area, "'%s'", c->topic);
		cr_expect_str_eq(t.source, c->source, "'%s'", c->topic);
	}
}

Test(topic, parse_other_root)
{
	struct topic t;

	cr_expect_eq(topic_parse("org/cb", "org/cb/report/a/b", &t), TOPIC_REPORT);
	cr_expect_str_eq(t.area, "a/b");
	cr_expect_eq(topic_parse("org/cb", R "/report/a/b", &t), TOPIC_OTHER);
	cr_expect_eq(topic_parse("bad/+", "bad/+/report/a", &t), TOPIC_OTHER);
	cr_expect_eq(topic_parse(R, NULL, &t), TOPIC_OTHER);
}

Test(topic, builders)
{
	char buf[CB_TOPIC_MAX];

	cr_expect_eq(topic_inbox(R, "sms", buf, sizeof buf), strlen(R "/inbox/sms"));
	cr_expect_str_eq(buf, R "/inbox/sms");
	cr_expect_gt(topic_outbox(R, "tg", buf, sizeof buf), 0);
	cr_expect_str_eq(buf, R "/outbox/tg");
	cr_expect_gt(topic_report(R, "xinzhuang/hexi/g03", buf, sizeof buf), 0);
	cr_expect_str_eq(buf, R "/report/xinzhuang/hexi/g03");
	cr_expect_gt(topic_receipt(R, "bridge-1", buf, sizeof buf), 0);
	cr_expect_str_eq(buf, R "/receipt/bridge-1");
	cr_expect_gt(topic_rollup(R, "xinzhuang/hexi", "livestock", "2023-12", buf, sizeof buf), 0);
	cr_expect_str_eq(buf, R "/rollup/xinzhuang/hexi/livestock/2023-12");
	cr_expect_gt(topic_rollup(R, "xinzhuang", "livestock", "current", buf, sizeof buf), 0);
	cr_expect_str_eq(buf, R "/rollup/xinzhuang/livestock/current");
	cr_expect_gt(topic_completeness(R, "x/y", "road", "2023-12-05", buf, sizeof buf), 0);
	cr_expect_str_eq(buf, R "/completeness/x/y/road/2023-12-05");
	cr_expect_gt(topic_status(R, buf, sizeof buf), 0);
	cr_expect_str_eq(buf, R "/status/cunbaod");
}

/* Whatever a builder writes, topic_parse reads back to the same parts. */
Test(topic, build_then_parse)
{
	char buf[CB_TOPIC_MAX];
	struct topic t;

	topic_report("a/b", "x/y/z", buf, sizeof buf);
	cr_expect_eq(topic_parse("a/b", buf, &t), TOPIC_REPORT);
	cr_expect_str_eq(t.area, "x/y/z");
	topic_rollup("a/b", "x/y/z/v/w", "k_1", "2023-W01", buf, sizeof buf);
	cr_expect_eq(topic_parse("a/b", buf, &t), TOPIC_ROLLUP);
	cr_expect_str_eq(t.area, "x/y/z/v/w");
	topic_receipt("a/b", "kannel:8841", buf, sizeof buf);
	cr_expect_eq(topic_parse("a/b", buf, &t), TOPIC_RECEIPT);
	cr_expect_str_eq(t.source, "kannel:8841");
}

struct build_reject {
	const char *name;
	size_t n;
};

Test(topic, builders_reject)
{
	char buf[CB_TOPIC_MAX];
	const struct build_reject cases[] = {
		{ "bad root", topic_inbox("cb/+", "sms", buf, sizeof buf) },
		{ "empty root", topic_status("", buf, sizeof buf) },
		{ "channel upper", topic_inbox(R, "SMS", buf, sizeof buf) },
		{ "channel wildcard", topic_outbox(R, "#", buf, sizeof buf) },
		{ "channel NULL", topic_inbox(R, NULL, buf, sizeof buf) },
		{ "area 6 levels", topic_report(R, "a/b/c/d/e/f", buf, sizeof buf) },
		{ "area upper", topic_report(R, "A", buf, sizeof buf) },
		{ "area empty level", topic_report(R, "a//b", buf, sizeof buf) },
		{ "area empty", topic_report(R, "", buf, sizeof buf) },
		{ "source space", topic_receipt(R, "a b", buf, sizeof buf) },
		{ "source slash", topic_receipt(R, "a/b", buf, sizeof buf) },
		{ "kind bad", topic_rollup(R, "a", "Live", "2023-12", buf, sizeof buf) },
		{ "kind slash", topic_rollup(R, "a", "a/b", "2023-12", buf, sizeof buf) },
		{ "period bad", topic_rollup(R, "a", "k", "2023-13", buf, sizeof buf) },
		{ "period wildcard", topic_completeness(R, "a", "k", "+", buf, sizeof buf) },
		{ "too small", topic_inbox(R, "sms", buf, 10) },
		{ "exactly short by one", topic_inbox(R, "sms", buf, strlen(R "/inbox/sms")) },
		{ "no room", topic_status(R, buf, 0) },
	};
	for (size_t i = 0; i < NELEM(cases); i++)
		cr_expect_eq(cases[i].n, 0, "%s", cases[i].name);
	cr_expect_eq(topic_inbox(R, "sms", buf, strlen(R "/inbox/sms") + 1), strlen(R "/inbox/sms"));
}
