/*
 * test_reply.c — what leaders read.  The texts are pinned by golden files:
 * a table of messages is parsed (now = 2023-12-05T08:30+08:00, sender in
 * group 3), each reply formatted, and the whole compared with
 * tests/golden/replies_zh.txt and replies_en.txt, two lines per case:
 *   > the message (or [what the daemon decided])
 *   < the reply
 *
 * On a mismatch the test writes what it got next to the golden file
 * (replies_zh.txt.actual) and fails.  To accept a deliberate change of
 * wording, review the diff and regenerate:
 *   diff tests/golden/replies_zh.txt tests/golden/replies_zh.txt.actual
 *   mv tests/golden/replies_zh.txt.actual tests/golden/replies_zh.txt
 * (same for _en).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "shipped_catalog.h"

#include "reply.h"
#include "sms.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NOW 1701736200
#define SHANGHAI 28800
#define OWN_GROUP 3
#define ZH_MAX 70		/* one UCS-2 SMS */
#define EN_MAX 160		/* one GSM-7 SMS */

static const struct sms_context ctx = { NOW, SHANGHAI };

static const char *const zh_messages[] = {
	/* Accepted, echoed. */
	"牲畜 牛12 猪40 羊5",
	"牛十二猪四十羊五",
	"3组 11月 牲畜 牛12 猪40 羊5",
	"牲畜 牛12 猪40 羊5 购进28",
	"道路 1020米",
	"道路 昨天 硬化480米",
	"卫生 清运4 保洁出勤7 合格",
	"卫生 上周 清运4 保洁出勤7 不合格",
	"产业 果园480 套种227.74 蔬菜143.09",
	"劳务 输转335",
	"监测 入户8 风险户8 问题2",
	"建设 改厕20",
	"更正 牲畜 牛13 猪40 羊5",
	/* Every grammar problem. */
	"",
	"养殖 牛12",
	"你好",
	"牛12 鸡5",
	"鸡5",
	"牛abc",
	"牛 猪40",
	"12牛",
	"牛12.5",
	"套种227.745",
	"牛十十",
	"合格 2",
	"牛1000001",
	"道路 100001米",
	"牛12米",
	"建设 温室6个米",
	"牲畜",
	"道路",
	"13月 牛12",
	"牲畜 W48 牛12",
	"道路 2月30日 480米",
	"牛12 2024年1月",
	"牛12 硬化100",
	"3组",
	"更正",
	"牛12 牛13",
	"0组 牛12",
	"帮助 鸡",
};

static const char *const en_messages[] = {
	"LS cattle 12 pigs 40 sheep 5",
	"G3 LS Nov cattle 12 pigs 40 sheep 5",
	"road 1020m",
	"ROAD yesterday hardened 480 m",
	"san cleared 4 cleaners 7 passed",
	"SAN cleared 4 cleaners 7 failed",
	"crop orchard 480 intercrop 227.74 vegetables 143.09",
	"labor placed 335",
	"MON visits 8 risk 8 issues 2",
	"build toilets 20",
	"FIX LS cattle 13 pigs 40 sheep 5",
	"",
	"farm cattle 12",
	"howdy",
	"cattle 12 chicken 5",
	"chicken 5",
	"cattle abc",
	"cattle pigs 40",
	"12 cattle",
	"cattle 12.5",
	"intercrop 227.745",
	"passed 2",
	"cattle 1000001",
	"road 100001m",
	"cattle 12 m",
	"LS",
	"road",
	"LS w48 cattle 12",
	"cattle 12 2024-01",
	"cattle 12 road 100",
	"G3",
	"FIX",
	"cattle 12 cattle 13",
	"g0 cattle 12",
	"help chickens",
};

/* Renders the reply to one message as the daemon would for a sender of group 3. */
static void
render(const struct catalog *c, const char *msg, enum lang l, char *buf, size_t len)
{
	struct parsed p;

	sms_parse(c, msg, strlen(msg), &ctx, &p);
	if (p.error != CB_OK)
		reply_error(c, &p, l, buf, len);
	else if (p.cmd == CMD_HELP)
		reply_help(c, p.kind, l, buf, len);
	else
		reply_accepted(&p, p.group ? p.group : OWN_GROUP, l, buf, len);
}

/* Appends one "> what\n< reply\n" case to the transcript. */
static void
add(char *out, size_t outlen, const char *what, const char *reply)
{
	size_t o = strlen(out);

	snprintf(out + o, outlen - o, "> %s\n< %s\n", what, reply);
}

/* The replies cunbaod decides on (the sender, the roster, history, faults). */
static void
render_daemon(const struct catalog *c, enum lang l, char *out, size_t outlen)
{
	static const struct {
		const char *what;
		const char *msg;
		enum cb_error err;
		enum command cmd;
		int group;
	} cases[] = {
		{ "[unknown_sender] 牛12", "牛12", CB_UNKNOWN_SENDER, CMD_REPORT, 0 },
		{ "[unknown_area] 牛12", "牛12", CB_UNKNOWN_AREA, CMD_REPORT, 0 },
		{ "[not_permitted] 5组 牛12", "5组 牛12", CB_NOT_PERMITTED, CMD_REPORT, 5 },
		{ "[not_permitted] 牛12", "牛12", CB_NOT_PERMITTED, CMD_REPORT, 0 },
		{ "[bad_group] 9组 牛12", "9组 牛12", CB_BAD_GROUP, CMD_REPORT, 9 },
		{ "[nothing_to_fix] 更正 牛13", "更正 牛13", CB_NOTHING_TO_FIX, CMD_FIX, 0 },
		{ "[nothing_to_fix] 撤销 牲畜", "撤销 牲畜", CB_NOTHING_TO_FIX, CMD_UNDO, 0 },
		{ "[nothing_to_fix] 撤销", "撤销", CB_NOTHING_TO_FIX, CMD_UNDO, 0 },
		{ "[internal] 牛12", "牛12", CB_INTERNAL, CMD_REPORT, 0 },
		{ "[bad_json]", "", CB_BAD_JSON, CMD_REPORT, 0 },
		{ "[too_large]", "", CB_TOO_LARGE, CMD_REPORT, 0 },
		{ "[bad_utf8]", "", CB_BAD_UTF8, CMD_REPORT, 0 },
	};
	char buf[CB_REPLY_MAX];

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct parsed p;
		sms_parse(c, cases[i].msg, strlen(cases[i].msg), &ctx, &p);
		p.error = cases[i].err;
		p.cmd = cases[i].cmd;
		p.group = cases[i].group;
		p.token[0] = '\0';	/* cunbaod's problems point at no text */
		reply_error(c, &p, l, buf, sizeof buf);
		add(out, outlen, cases[i].what, buf);
	}
}

/* Help, undo and query texts. */
static void
render_commands(const struct catalog *c, enum lang l, char *out, size_t outlen)
{
	const struct kind *ls = catalog_kind(c, "livestock"), *san = catalog_kind(c, "sanitation");
	struct period dec = { PERIOD_MONTH, 2023, 12, 0 }, w49 = { PERIOD_WEEK, 2023, 49, 0 };
	struct reply_figure mine[] = {
		{ kind_field(ls, "cattle"), 12, 0 }, { kind_field(ls, "pigs"), 40, 0 },
		{ kind_field(ls, "sheep"), 5, 0 },
	}, all[] = {
		{ kind_field(ls, "cattle"), 61, 0 }, { kind_field(ls, "pigs"), 398, 0 },
		{ kind_field(ls, "sheep"), 118, 0 },
	}, san_all[] = {
		{ kind_field(san, "cleared"), 4, 0 }, { kind_field(san, "cleaners"), 75, 1 },
		{ kind_field(san, "passed"), 6667, 4 },	/* rollup.h: rates at scale 4 */
	};
	char buf[CB_REPLY_MAX];

	for (size_t k = 0; k <= c->nkinds; k++) {
		const struct kind *kd = k == 0 ? NULL : &c->kinds[k - 1];
		char what[128];
		reply_help(c, kd, l, buf, sizeof buf);
		snprintf(what, sizeof what, "[help %s]", kd ? kd->code : "");
		add(out, outlen, what, buf);
	}
	struct parsed fix = { .cmd = CMD_FIX, .kind = ls, .period = dec, .nvalues = 3, .values = {
		{ kind_field(ls, "cattle"), 12 }, { kind_field(ls, "pigs"), 48 }, { kind_field(ls, "sheep"), 5 } } };
	uint32_t kept = 1u << kind_field(ls, "cattle")->index | 1u << kind_field(ls, "sheep")->index;

	reply_corrected(&fix, kept, OWN_GROUP, l, buf, sizeof buf);
	add(out, outlen, "[corrected 更正 牲畜 猪48, cattle and sheep carried over]", buf);
	reply_corrected(&fix, 0, OWN_GROUP, l, buf, sizeof buf);
	add(out, outlen, "[corrected 更正 牲畜 牛12 猪48 羊5, nothing carried over]", buf);
	reply_undone(ls, &dec, OWN_GROUP, l, buf, sizeof buf);
	add(out, outlen, "[undone livestock 2023-12]", buf);
	reply_undone(NULL, NULL, 0, l, buf, sizeof buf);
	add(out, outlen, "[undone]", buf);
	reply_query(ls, &dec, OWN_GROUP, mine, NELEM(mine), all, NELEM(all), l, buf, sizeof buf);
	add(out, outlen, "[query livestock 2023-12]", buf);
	reply_query(ls, &dec, OWN_GROUP, NULL, 0, all, NELEM(all), l, buf, sizeof buf);
	add(out, outlen, "[query livestock 2023-12, group has not reported]", buf);
	reply_query(san, &w49, OWN_GROUP, NULL, 0, san_all, NELEM(san_all), l, buf, sizeof buf);
	add(out, outlen, "[query sanitation 2023-W49, avg and rate]", buf);
	reply_query(ls, &dec, OWN_GROUP, NULL, 0, NULL, 0, l, buf, sizeof buf);
	add(out, outlen, "[query livestock 2023-12, no figures]", buf);
	reply_query(ls, &dec, 0, all, NELEM(all), NULL, 0, l, buf, sizeof buf);
	add(out, outlen, "[query livestock 2023-12, a whole village (admin)]", buf);
	reply_query(ls, &dec, 0, NULL, 0, NULL, 0, l, buf, sizeof buf);
	add(out, outlen, "[query livestock 2023-12, a whole village, no figures]", buf);
}

/* Code points of s. */
static size_t
codepoints(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/*
 * Checks every reply of a transcript against the length limit, then the
 * whole transcript against the golden file (writing .actual on mismatch).
 */
static void
check_golden(const char *name, const char *got, size_t limit)
{
	char path[512], line[1024];
	const char *p = got;
	FILE *f;

	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		snprintf(line, sizeof line, "%.*s", (int)n, p);
		if (line[0] == '<')
			cr_expect_leq(codepoints(line + 2), limit, "%s: %zu characters: %s", name,
			    codepoints(line + 2), line + 2);
		p += n + (p[n] == '\n');
	}
	snprintf(path, sizeof path, "%s/%s", CUNBAO_GOLDEN_DIR, name);
	char *want = NULL;
	size_t wlen = 0;
	if ((f = fopen(path, "rb")) != NULL) {
		want = calloc(1, 1 << 20);
		wlen = fread(want, 1, (1 << 20) - 1, f);
		fclose(f);
	}
	if (want == NULL || wlen != strlen(got) || memcmp(want, got, wlen) != 0) {
		snprintf(path, sizeof path, "%s/%s.actual", CUNBAO_GOLDEN_DIR, name);
		if ((f = fopen(path, "wb")) != NULL) {
			fputs(got, f);
			fclose(f);
		}
		cr_expect(false, "%s differs from the golden file; got %s (see the header of test_reply.c)",
		    name, path);
	} else {
		snprintf(path, sizeof path, "%s/%s.actual", CUNBAO_GOLDEN_DIR, name);
		remove(path);	/* a stale one from an earlier failure */
	}
	free(want);
}

static void
transcript(const struct catalog *c, enum lang l, const char *const *msgs, size_t n,
    char *out, size_t outlen)
{
	char buf[CB_REPLY_MAX];

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		render(c, msgs[i], l, buf, sizeof buf);
		add(out, outlen, msgs[i], buf);
	}
	render_daemon(c, l, out, outlen);
	render_commands(c, l, out, outlen);
}

Test(reply, golden_zh)
{
	static char got[1 << 16];
	struct catalog *c = shipped();

	transcript(c, LANG_ZH, zh_messages, NELEM(zh_messages), got, sizeof got);
	check_golden("replies_zh.txt", got, ZH_MAX);
	catalog_free(c);
}

Test(reply, golden_en)
{
	static char got[1 << 16];
	struct catalog *c = shipped();

	transcript(c, LANG_EN, en_messages, NELEM(en_messages), got, sizeof got);
	check_golden("replies_en.txt", got, EN_MAX);
	catalog_free(c);
}

/* The two examples, word for word. */
Test(reply, accepted_examples)
{
	struct catalog *c = shipped();
	struct parsed p;
	char buf[CB_REPLY_MAX];

	cr_assert_eq(sms_parse(c, "牛12 猪40 羊5", strlen("牛12 猪40 羊5"), &ctx, &p), CB_OK);
	reply_accepted(&p, 3, LANG_ZH, buf, sizeof buf);
	cr_expect_str_eq(buf, "已收到 3组 12月 牲畜：牛12 猪40 羊5");
	reply_accepted(&p, 3, LANG_EN, buf, sizeof buf);
	cr_expect_str_eq(buf, "Received G3 Dec livestock: cattle 12, pigs 40, sheep 5");
	reply_accepted(&p, 0, LANG_ZH, buf, sizeof buf);
	cr_expect_str_eq(buf, "已收到 12月 牲畜：牛12 猪40 羊5", "group 0 is left out");
	catalog_free(c);
}

/* Every error code, in both languages, says something and leaks no format. */
Test(reply, every_error_has_a_text)
{
	struct catalog *c = shipped();
	char buf[CB_REPLY_MAX];

	for (int e = CB_OK + 1; e <= CB_ERROR_COUNT; e++)
		for (int l = LANG_ZH; l <= LANG_EN; l++) {
			struct parsed p;
			sms_parse(c, "牛12", strlen("牛12"), &ctx, &p);
			p.error = (enum cb_error)e;
			size_t n = reply_error(c, &p, (enum lang)l, buf, sizeof buf);
			cr_expect_gt(n, 0, "%s/%d: empty", cb_error_name(p.error), l);
			cr_expect_eq(n, strlen(buf));
			cr_expect_null(strstr(buf, "(null)"), "%s: %s", cb_error_name(p.error), buf);
			cr_expect_null(strchr(buf, '%'), "%s: %s", cb_error_name(p.error), buf);
			cr_expect(utf8_valid(buf, n));
		}
	catalog_free(c);
}

/* A reply that does not fit is cut on a character boundary, never mid-character. */
Test(reply, truncates_on_character_boundary)
{
	struct catalog *c = shipped();
	struct parsed p;
	char full[CB_REPLY_MAX], buf[CB_REPLY_MAX];
	size_t n = 0;

	sms_parse(c, "牛12 鸡5", strlen("牛12 鸡5"), &ctx, &p);
	size_t flen = reply_error(c, &p, LANG_ZH, full, sizeof full);
	for (size_t len = 1; len <= flen + 1; len++) {
		memset(buf, 'x', sizeof buf);
		n = reply_error(c, &p, LANG_ZH, buf, len);
		cr_expect_lt(n, len, "len %zu", len);
		cr_expect_eq(buf[n], '\0');
		cr_expect(utf8_valid(buf, n), "len %zu: cut mid-character", len);
		cr_expect(memcmp(buf, full, n) == 0, "len %zu: a prefix", len);
		cr_expect_geq(n + 3, len - 1, "len %zu: at most one character lost (%zu)", len, n);
	}
	cr_expect_eq(n, flen);
	cr_expect_eq(reply_error(c, &p, LANG_ZH, buf, 0), 0, "no room at all");
	catalog_free(c);
}

static const struct {
	struct period p;
	const char *zh, *en;
} period_cases[] = {
	{ { PERIOD_DAY, 2023, 12, 5 }, "12月5日", "5 Dec" },
	{ { PERIOD_WEEK, 2023, 48, 0 }, "W48", "W48" },
	{ { PERIOD_WEEK, 2023, 1, 0 }, "W01", "W01" },
	{ { PERIOD_MONTH, 2023, 12, 0 }, "12月", "Dec" },
	{ { PERIOD_MONTH, 2023, 1, 0 }, "1月", "Jan" },
	{ { PERIOD_QUARTER, 2023, 4, 0 }, "Q4", "Q4" },
	{ { PERIOD_YEAR, 2023, 0, 0 }, "2023年", "2023" },
	{ { PERIOD_MONTH, 2023, 13, 0 }, "13月", "13月" },	/* garbage in, no crash */
};

Test(reply, periods)
{
	char buf[32];

	for (size_t i = 0; i < NELEM(period_cases); i++) {
		reply_period(&period_cases[i].p, LANG_ZH, buf, sizeof buf);
		cr_expect_str_eq(buf, period_cases[i].zh);
		reply_period(&period_cases[i].p, LANG_EN, buf, sizeof buf);
		cr_expect_str_eq(buf, period_cases[i].en);
	}
}
