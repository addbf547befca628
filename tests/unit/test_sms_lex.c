/*
 * test_sms_lex.c — the SMS lexer's word matching: the catalog's index as
 * the lexer reads it, the fixed word lists (sorted, searched by first
 * character) and the tokens cut from folded text.
 *
 * The longest-match rule is checked against brute force at every position
 * of many texts, on the shipped catalog and on catalogs built to be
 * awkward: words that are prefixes of others, words stored full-width or in
 * capitals, 240 aliases that share their first character.  Every word of
 * the fixed lists (commands, yes/no, courtesies, separators, relative
 * periods, month names) must read as itself, so a list out of order for its
 * binary search fails here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "shipped_catalog.h"

#include "sms.h"
#include "sms_int.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NOW 1701736200		/* 2023-12-05T08:30+08:00 */
#define DOC_MAX (1 << 20)

static const struct sms_context ctx = { NOW, 28800 };

/* Prefixes, full width, capitals, a word that is an alias here and a unit there. */
static const char idx_doc[] =
    "{'version':1,'kinds':["
    "{'code':'ls','names':{'zh':'牲畜','en':'livestock'},'keywords':['ls','ＬＳＸ'],"
    "'period':'month','agg':'last','deadline':{'day':25,'hour':18,'remind_hours':24},"
    "'example':{'zh':'牲畜 牛12','en':'LS cattle 12'},'fields':["
    "{'code':'cattle','names':{'zh':'牛','en':'cattle'},'aliases':['牛只','COW'],"
    "'type':'count','units':['头','HEAD'],'max':1000},"
    "{'code':'pigs','names':{'zh':'猪','en':'pigs'},'aliases':['猪只','牛只数'],"
    "'type':'count','units':['头'],'max':1000},"
    "{'code':'checked','names':{'zh':'检查','en':'checked'},'type':'yesno','agg':'rate',"
    "'yes':['合格','ok'],'no':['不合格']}]},"
    "{'code':'road','names':{'zh':'道路','en':'road'},'keywords':['dl'],"
    "'period':'day','agg':'sum','deadline':{'day':1,'hour':20,'remind_hours':0},"
    "'example':{'zh':'道路 硬化1020米','en':'ROAD 1020m'},'fields':["
    "{'code':'hardened','names':{'zh':'硬化','en':'hardened'},'type':'count',"
    "'units':['米','M','牛只'],'max':100000}]}]}";

/* Words that none of the fixed lists hold. */
static const char mini_doc[] =
    "{'version':1,'kinds':[{'code':'zz','names':{'zh':'甲','en':'zz'},"
    "'period':'month','agg':'last','deadline':{'day':25,'hour':18,'remind_hours':24},"
    "'example':{'zh':'甲 乙1','en':'zz qq 1'},'fields':[{'code':'qq',"
    "'names':{'zh':'乙','en':'qq'},'type':'count','max':1000}]}]}";

/* Loads JSON written with single quotes for double quotes. */
static struct catalog *
load_sq(const char *sq)
{
	char err[4096], *d = strdup(sq);
	struct catalog *c;

	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	c = catalog_load(d, strlen(d), "lex.json", err, sizeof err);
	free(d);
	cr_assert_not_null(c, "%s", err);
	return c;
}

static void
put_cp(char *buf, size_t *o, int32_t cp)
{
	*o += utf8_put(cp, buf + *o);
}

/*
 * One kind of 16 fields whose aliases all start with 保: a prefix chain
 * across fields 0..2 (保洁, 保洁员, 保洁员工), then 15 aliases for each
 * other field, 保 and (a % 3 + 1) copies of a character of its own.
 */
static struct catalog *
shared_catalog(void)
{
	char *d = malloc(DOC_MAX), err[4096];
	static const char *const chain[] = { "保洁", "保洁员", "保洁员工" };
	size_t o = 0;
	int32_t next = 0x5000;

	o += (size_t)sprintf(d + o, "{\"version\":1,\"kinds\":[{\"code\":\"san\",\"names\":{"
	    "\"zh\":\"卫生\",\"en\":\"san\"},\"period\":\"month\",\"agg\":\"last\","
	    "\"deadline\":{\"day\":1,\"hour\":1,\"remind_hours\":1},\"example\":{\"zh\":\"x\","
	    "\"en\":\"x\"},\"fields\":[");
	for (size_t f = 0; f < 16; f++) {
		o += (size_t)sprintf(d + o, "%s{\"code\":\"f%zu\",\"names\":{\"zh\":\"", f ? "," : "", f);
		put_cp(d, &o, 0x9000 + (int32_t)f);
		o += (size_t)sprintf(d + o, "\",\"en\":\"f%zu\"},\"type\":\"count\",\"max\":99,"
		    "\"aliases\":[", f);
		for (size_t a = 0; a < (f < 3 ? 1 : 15); a++) {
			if (f < 3) {
				o += (size_t)sprintf(d + o, "\"%s\"", chain[f]);
				continue;
			}
			int32_t own = next++;
			o += (size_t)sprintf(d + o, "%s\"", a ? "," : "");
			put_cp(d, &o, 0x4FDD);		/* 保 */
			for (size_t r = 0; r < a % 3 + 1; r++)
				put_cp(d, &o, own);
			d[o++] = '"';
		}
		o += (size_t)sprintf(d + o, "]}");
	}
	o += (size_t)sprintf(d + o, "]}]}");
	struct catalog *c = catalog_load(d, o, "shared.json", err, sizeof err);
	free(d);
	cr_assert_not_null(c, "%s", err);
	return c;
}

/* ---- the fixed lists ---- */

Test(sms_lex, fixed_lists_in_order)
{
	const char *bad = sms_lex_lists_check();

	cr_expect_null(bad, "sms_lex.c: '%s' is out of strcmp order", bad ? bad : "");
	bad = sms_time_lists_check();
	cr_expect_null(bad, "sms_time.c: '%s' is out of strcmp order", bad ? bad : "");
}

static const struct entry {
	const char *s;
	int v;
} sorted_list[] = {
	{ "ab", 1 }, { "abc", 2 }, { "abcd", 3 }, { "b", 4 }, { "ba", 5 },
	{ "牛", 6 }, { "牛只", 7 }, { "牛只数", 8 }, { "猪", 9 },
};

Test(sms_lex, list_unsorted_found)
{
	static const struct entry swapped[] = { { "b", 1 }, { "a", 2 } };
	static const struct entry twice[] = { { "a", 1 }, { "a", 2 } };
	static const char *const cjk[] = { "牛", "上" };	/* 上 is E4 B8 8A, 牛 E7 89 9B */

	cr_expect_null(sms_list_unsorted(SMS_LIST(sorted_list)));
	cr_expect_str_eq(sms_list_unsorted(SMS_LIST(swapped)), "a");
	cr_expect_str_eq(sms_list_unsorted(SMS_LIST(twice)), "a");
	cr_expect_str_eq(sms_list_unsorted(SMS_LIST(cjk)), "上");
}

static const struct {
	const char *text;
	size_t len;		/* 0: strlen(text) */
	size_t i;
	size_t want;		/* bytes matched, 0: none */
	int v;			/* the entry matched */
} longest_cases[] = {
	{ "abcd", 0, 0, 4, 3 },
	{ "abc 1", 0, 0, 3, 2 },
	{ "abc1", 0, 0, 3, 2 },			/* a digit is no letter */
	{ "abce", 0, 0, 0, 0 },			/* an ASCII word stops at a letter */
	{ "ab", 0, 0, 2, 1 },
	{ "xab", 0, 1, 0, 0 },			/* nor starts after one */
	{ "x ab", 0, 2, 2, 1 },
	{ "牛ab", 0, 3, 2, 1 },
	{ "b", 0, 0, 1, 4 },
	{ "bab", 0, 0, 0, 0 },
	{ "ba,", 0, 0, 2, 5 },
	{ "牛只数12", 0, 0, 9, 8 },
	{ "牛只12", 0, 0, 6, 7 },
	{ "牛12", 0, 0, 3, 6 },
	{ "牛只数", 7, 0, 6, 7 },		/* the text ends inside 数 */
	{ "牛只数", 2, 0, 0, 0 },		/* and inside 牛 */
	{ "xx牛只xx", 0, 2, 6, 7 },		/* CJK words match anywhere */
	{ "猪猪", 0, 3, 3, 9 },
	{ "鸡", 0, 0, 0, 0 },
	{ "c", 0, 0, 0, 0 },
	{ "", 0, 0, 0, 0 },
	{ "ab", 0, 2, 0, 0 },			/* at the end */
};

Test(sms_lex, list_longest)
{
	for (size_t k = 0; k < NELEM(longest_cases); k++) {
		const char *t = longest_cases[k].text;
		size_t len = longest_cases[k].len ? longest_cases[k].len : strlen(t), at = 99;
		size_t n = sms_list_longest(SMS_LIST(sorted_list), t, len, longest_cases[k].i, &at);
		cr_expect_eq(n, longest_cases[k].want, "'%s' at %zu: %zu bytes", t, longest_cases[k].i, n);
		if (n != 0)
			cr_expect_eq(sorted_list[at].v, longest_cases[k].v, "'%s': entry %zu", t, at);
		else
			cr_expect_eq(at, 99, "'%s': *at untouched", t);
	}
}

/* ---- the catalog's index, as the lexer reads it ---- */

/* The longest catalog word at s[i] by brute force over every list. */
static size_t
brute_longest(const struct catalog *c, const char *s, size_t len, size_t i)
{
	size_t best = 0, n;

	for (size_t k = 0; k < c->nkinds; k++) {
		const struct kind *kd = &c->kinds[k];
		for (size_t w = 0; w < kd->keywords.n; w++)
			if ((n = sms_word_at(s, len, i, kd->keywords.w[w])) > best)
				best = n;
		for (size_t f = 0; f < kd->nfields; f++) {
			const struct field *fd = &kd->fields[f];
			const struct words *lists[] = { &fd->aliases, &fd->units, &fd->yes, &fd->no };
			for (size_t l = 0; l < NELEM(lists); l++)
				for (size_t w = 0; w < lists[l]->n; w++)
					if ((n = sms_word_at(s, len, i, lists[l]->w[w])) > best)
						best = n;
		}
	}
	return best;
}

/* The same through the index: the first word of the run that matches. */
static size_t
index_longest(const struct catalog *c, const char *s, size_t len, size_t i)
{
	size_t n;
	const struct catalog_word *run = catalog_words_at(c, s + i, len - i, &n);

	for (size_t k = 0; k < n; k++)
		if (sms_word_at(s, len, i, run[k].w) != 0)
			return run[k].len;
	return 0;
}

/* Every position of the folded text: the index finds what brute force finds. */
static void
expect_same_at_every_position(const struct catalog *c, const char *text)
{
	static struct sms_text t;

	sms_fold(text, strlen(text), &t);
	for (size_t i = 0; i < t.len; i++)
		cr_expect_eq(index_longest(c, t.s, t.len, i), brute_longest(c, t.s, t.len, i),
		    "'%s' at byte %zu", text, i);
}

static const char *const texts[] = {
	"牲畜 牛12 猪40 羊5", "LS cattle 12 pigs 40", "道路 硬化1020米", "卫生 清运4 保洁出勤7 合格",
	"牛只数12 牛只3头 牛5", "ＬＳＸ 牛１２", "LSX cow3 HEAD", "lsxx xls cows", "不合格 合格 ok okay",
	"牛只米 1020m 1020M meters", "您好，牲畜 牛12…谢谢！", "保洁员工5 保洁员6 保洁7 保洁员工作",
	"牛牛牛牛只只只数数", "headhead head-head ls,ls;ls", "牲畜畜牧存栏ls livestock sc",
};

/*
 * Every word of c, glued together (glue "") or spaced out (" "), in texts
 * that fit a message, each checked at every position.
 */
static void
expect_same_in_all_words(const struct catalog *c, const char *glue)
{
	char text[CB_TEXT_MAX + 1];
	size_t o = 0, n = c->index.nwords;

	for (size_t i = 0; i < n; i++) {
		const char *w = c->index.words[i].w;	/* runs side by side: prefixes meet */
		if (o + strlen(w) + 1 > CB_TEXT_MAX) {
			expect_same_at_every_position(c, text);
			o = 0;
		}
		o += (size_t)snprintf(text + o, sizeof text - o, "%s%s", w, glue);
	}
	if (o > 0)
		expect_same_at_every_position(c, text);
}

Test(sms_lex, index_is_longest_match)
{
	struct catalog *cats[] = { shipped(), load_sq(idx_doc), shared_catalog() };

	for (size_t k = 0; k < NELEM(cats); k++) {
		for (size_t i = 0; i < NELEM(texts); i++)
			expect_same_at_every_position(cats[k], texts[i]);
		expect_same_in_all_words(cats[k], "");
		expect_same_in_all_words(cats[k], " ");
		catalog_free(cats[k]);
	}
}

/* ---- tokens ---- */

/* The tokens of text as "T:folded text" joined by spaces (W known word, U unknown word). */
static void
lex_summary(const struct catalog *c, const char *text, char *buf, size_t len)
{
	static const char letters[TOK_TYPE_COUNT] = {
		[TOK_WORD] = 'W', [TOK_NUM] = 'N', [TOK_YESNO] = 'Y', [TOK_GROUP] = 'G',
		[TOK_PERIOD] = 'P', [TOK_CMD] = 'C',
	};
	static struct sms_lexed lx;
	size_t o = 0;

	sms_fold(text, strlen(text), &lx.text);
	sms_lex(c, &lx);
	buf[0] = '\0';
	for (size_t i = 0; i < lx.ntok && o < len; i++) {
		const struct sms_tok *t = &lx.tok[i];
		char l = t->type == TOK_WORD && !t->known ? 'U' : letters[t->type];
		o += (size_t)snprintf(buf + o, len - o, "%s%c:%.*s", i ? " " : "", l,
		    (int)(t->end - t->start), lx.text.s + t->start);
	}
}

static const struct {
	const char *text;
	const char *want;
} lex_cases[] = {
	{ "牛只数12", "W:牛只数 N:12" },
	{ "牛只12", "W:牛只 N:12" },
	{ "牛12", "W:牛 N:12" },
	{ "牛只数只12", "W:牛只数 U:只 N:12" },
	{ "ＬＳＸ 牛１２", "W:lsx W:牛 N:12" },
	{ "LsX牛12", "W:lsx W:牛 N:12" },
	{ "Ls 牛12", "W:ls W:牛 N:12" },
	{ "lsxx 牛12", "U:lsxx W:牛 N:12" },
	{ "xls 3", "U:xls N:3" },
	{ "COW3 HEAD", "W:cow N:3 W:head" },
	{ "ｃｏｗ３ｈｅａｄ", "W:cow N:3 W:head" },
	{ "cowhead", "U:cowhead" },
	{ "合格 不合格", "W:合格 W:不合格" },
	{ "OK 是 ＹＥＳ", "W:ok Y:是 Y:yes" },
	{ "HELP", "C:help" },
	{ "ｈｅｌｐ ls", "C:help W:ls" },
	{ "帮助牲畜", "C:帮助 W:牲畜" },
	{ "您好，牛12 谢谢！", "W:牛 N:12" },
	{ "牛12、猪只3", "W:牛 N:12 W:猪只 N:3" },
	{ "上月 牛12", "P:上月 W:牛 N:12" },
	{ "last month cow 3", "P:last month W:cow N:3" },
	{ "DEC cow 3", "P:dec W:cow N:3" },
	{ "decx", "U:decx" },
	{ "硬化1020米 1020M", "W:硬化 N:1020 W:米 N:1020 W:m" },
	{ "鸡12", "U:鸡 N:12" },
};

Test(sms_lex, tokens)
{
	struct catalog *c = load_sq(idx_doc);
	char got[512];

	for (size_t i = 0; i < NELEM(lex_cases); i++) {
		lex_summary(c, lex_cases[i].text, got, sizeof got);
		cr_expect_str_eq(got, lex_cases[i].want, "'%s'", lex_cases[i].text);
	}
	catalog_free(c);
}

/* Every fixed word reads as itself (a catalog that shares none of them). */
static const struct {
	const char *text;
	const char *want;
} fixed_cases[] = {
	{ "帮助", "C:帮助" }, { "help", "C:help" }, { "查询", "C:查询" }, { "query", "C:query" },
	{ "q", "C:q" }, { "更正", "C:更正" }, { "修改", "C:修改" }, { "fix", "C:fix" },
	{ "撤销", "C:撤销" }, { "撤回", "C:撤回" }, { "undo", "C:undo" },
	{ "是", "Y:是" }, { "对", "Y:对" }, { "yes", "Y:yes" }, { "y", "Y:y" }, { "true", "Y:true" },
	{ "ok", "Y:ok" }, { "√", "Y:√" }, { "✓", "Y:✓" }, { "✔", "Y:✔" }, { "否", "Y:否" },
	{ "不是", "Y:不是" }, { "no", "Y:no" }, { "n", "Y:n" }, { "false", "Y:false" },
	{ "×", "Y:×" }, { "✗", "Y:✗" }, { "✘", "Y:✘" },
	{ "您好", "" }, { "你好", "" }, { "谢谢您", "" }, { "谢谢", "" }, { "多谢", "" },
	{ "辛苦了", "" }, { "麻烦了", "" }, { "请查收", "" }, { "收到", "" }, { "上报", "" },
	{ "报告", "" }, { "报", "" }, { "hi", "" }, { "hello", "" }, { "thanks", "" },
	{ "thank you", "" }, { "thx", "" }, { "please", "" }, { "pls", "" },
	{ "甲、乙", "W:甲 W:乙" }, { "甲。乙", "W:甲 W:乙" }, { "甲…乙", "W:甲 W:乙" },
	{ "甲“乙”", "W:甲 W:乙" }, { "甲‘乙’", "W:甲 W:乙" }, { "「甲」", "W:甲" },
	{ "『甲』", "W:甲" }, { "【甲】", "W:甲" }, { "《甲》", "W:甲" }, { "〈甲〉", "W:甲" },
	{ "甲·乙", "W:甲 W:乙" }, { "甲•乙", "W:甲 W:乙" },
	{ "HELP", "C:help" }, { "Ｑ", "C:q" }, { "ＯＫ", "Y:ok" }, { "Thank You", "" },
	{ "yess", "U:yess" }, { "qq", "W:qq" }, { "帮助帮助", "C:帮助 C:帮助" },
};

Test(sms_lex, fixed_words)
{
	struct catalog *c = load_sq(mini_doc);
	char got[256];

	for (size_t i = 0; i < NELEM(fixed_cases); i++) {
		lex_summary(c, fixed_cases[i].text, got, sizeof got);
		cr_expect_str_eq(got, fixed_cases[i].want, "'%s'", fixed_cases[i].text);
	}
	catalog_free(c);
}

/* Relative periods and month names: the whole word, with what it means. */
static const struct {
	const char *text;
	enum period_type type;
	bool relative;
	int n;			/* rel, or the month */
} when_cases[] = {
	{ "上月", PERIOD_MONTH, true, -1 }, { "上个月", PERIOD_MONTH, true, -1 },
	{ "本月", PERIOD_MONTH, true, 0 }, { "这个月", PERIOD_MONTH, true, 0 },
	{ "这月", PERIOD_MONTH, true, 0 }, { "当月", PERIOD_MONTH, true, 0 },
	{ "上周", PERIOD_WEEK, true, -1 }, { "上星期", PERIOD_WEEK, true, -1 },
	{ "上个星期", PERIOD_WEEK, true, -1 }, { "本周", PERIOD_WEEK, true, 0 },
	{ "这周", PERIOD_WEEK, true, 0 }, { "本星期", PERIOD_WEEK, true, 0 },
	{ "这个星期", PERIOD_WEEK, true, 0 }, { "上季度", PERIOD_QUARTER, true, -1 },
	{ "本季度", PERIOD_QUARTER, true, 0 }, { "去年", PERIOD_YEAR, true, -1 },
	{ "今年", PERIOD_YEAR, true, 0 }, { "本年", PERIOD_YEAR, true, 0 },
	{ "前天", PERIOD_DAY, true, -2 }, { "昨天", PERIOD_DAY, true, -1 },
	{ "昨日", PERIOD_DAY, true, -1 }, { "今天", PERIOD_DAY, true, 0 },
	{ "今日", PERIOD_DAY, true, 0 }, { "today", PERIOD_DAY, true, 0 },
	{ "yesterday", PERIOD_DAY, true, -1 }, { "this week", PERIOD_WEEK, true, 0 },
	{ "last week", PERIOD_WEEK, true, -1 }, { "this month", PERIOD_MONTH, true, 0 },
	{ "last month", PERIOD_MONTH, true, -1 }, { "this quarter", PERIOD_QUARTER, true, 0 },
	{ "last quarter", PERIOD_QUARTER, true, -1 }, { "this year", PERIOD_YEAR, true, 0 },
	{ "last year", PERIOD_YEAR, true, -1 },
	{ "jan", PERIOD_MONTH, false, 1 }, { "january", PERIOD_MONTH, false, 1 },
	{ "feb", PERIOD_MONTH, false, 2 }, { "february", PERIOD_MONTH, false, 2 },
	{ "mar", PERIOD_MONTH, false, 3 }, { "march", PERIOD_MONTH, false, 3 },
	{ "apr", PERIOD_MONTH, false, 4 }, { "april", PERIOD_MONTH, false, 4 },
	{ "may", PERIOD_MONTH, false, 5 }, { "jun", PERIOD_MONTH, false, 6 },
	{ "june", PERIOD_MONTH, false, 6 }, { "jul", PERIOD_MONTH, false, 7 },
	{ "july", PERIOD_MONTH, false, 7 }, { "aug", PERIOD_MONTH, false, 8 },
	{ "august", PERIOD_MONTH, false, 8 }, { "sep", PERIOD_MONTH, false, 9 },
	{ "sept", PERIOD_MONTH, false, 9 }, { "september", PERIOD_MONTH, false, 9 },
	{ "oct", PERIOD_MONTH, false, 10 }, { "october", PERIOD_MONTH, false, 10 },
	{ "nov", PERIOD_MONTH, false, 11 }, { "november", PERIOD_MONTH, false, 11 },
	{ "dec", PERIOD_MONTH, false, 12 }, { "december", PERIOD_MONTH, false, 12 },
};

Test(sms_lex, period_words)
{
	struct sms_when w;

	for (size_t i = 0; i < NELEM(when_cases); i++) {
		const char *t = when_cases[i].text;
		size_t len = strlen(t);
		cr_expect_eq(sms_when_scan(t, len, 0, &w), len, "'%s': the whole word", t);
		cr_expect_eq(w.type, when_cases[i].type, "'%s': type", t);
		cr_expect_eq(w.relative, when_cases[i].relative, "'%s': relative", t);
		cr_expect_eq(when_cases[i].relative ? w.rel : w.n, when_cases[i].n, "'%s'", t);
		cr_expect_eq(w.err, CB_OK, "'%s'", t);
	}
	/* A month name is a whole word: not inside another, not run on. */
	cr_expect_eq(sms_when_scan("decx", 4, 0, &w), 0);
	cr_expect_eq(sms_when_scan("xdec", 4, 1, &w), 0);
	cr_expect_eq(sms_when_scan("sept.", 5, 0, &w), 4);
	cr_expect_eq(w.n, 9);
}

/* ---- whole messages ---- */

/* A message and the values it must give (field=value, in field order), or its error. */
static const struct {
	const char *text;
	enum cb_error err;
	const char *want;
} parse_cases[] = {
	{ "牛只数12", CB_OK, "pigs=12" },
	{ "牛只12", CB_OK, "cattle=12" },
	{ "牛12 牛只数3", CB_OK, "cattle=12 pigs=3" },
	{ "ＬＳＸ 牛１２ 猪只３", CB_OK, "cattle=12 pigs=3" },
	{ "LsX cow 12 HEAD", CB_OK, "cattle=12" },
	{ "ls 牛12头 检查 合格", CB_OK, "cattle=12 checked=1" },
	{ "ls 牛12 不合格", CB_OK, "cattle=12 checked=0" },
	{ "dl 硬化1020米", CB_OK, "hardened=1020" },
	{ "lsxx 牛12", CB_UNKNOWN_KIND, "" },
	{ "牛12米", CB_UNIT_MISMATCH, "" },
};

/* The values of p as "code=value ..." in field order. */
static void
values_summary(const struct parsed *p, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->nvalues && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s=%lld", i ? " " : "",
		    p->values[i].field->code, (long long)p->values[i].v);
}

Test(sms_lex, messages)
{
	struct catalog *c = load_sq(idx_doc);
	struct parsed p;
	char got[256];

	for (size_t i = 0; i < NELEM(parse_cases); i++) {
		const char *t = parse_cases[i].text;
		enum cb_error e = sms_parse(c, t, strlen(t), &ctx, &p);
		cr_expect_eq(e, parse_cases[i].err, "'%s': %s '%s'", t, cb_error_name(e), p.token);
		if (e != CB_OK)
			continue;
		values_summary(&p, got, sizeof got);
		cr_expect_str_eq(got, parse_cases[i].want, "'%s'", t);
	}
	catalog_free(c);
}

/* 240 aliases behind one first character: each names its own field. */
Test(sms_lex, many_aliases_sharing_a_first_character)
{
	struct catalog *c = shared_catalog();
	const struct kind *k = &c->kinds[0];
	struct parsed p;
	char text[128], got[256];

	for (size_t f = 0; f < k->nfields; f++)
		for (size_t a = 0; a < k->fields[f].aliases.n; a++) {
			const char *al = k->fields[f].aliases.w[a];
			snprintf(text, sizeof text, "%s7", al);
			cr_assert_eq(sms_parse(c, text, strlen(text), &ctx, &p), CB_OK, "'%s': %s", text,
			    cb_error_name(p.error));
			cr_expect_eq(p.nvalues, 1, "'%s'", text);
			cr_expect_eq(p.values[0].field, &k->fields[f], "'%s' names %s, not %s", text,
			    k->fields[f].code, p.values[0].field->code);
		}
	snprintf(text, sizeof text, "保洁员工5 保洁员6 保洁7");
	cr_assert_eq(sms_parse(c, text, strlen(text), &ctx, &p), CB_OK);
	values_summary(&p, got, sizeof got);
	cr_expect_str_eq(got, "f0=7 f1=6 f2=5");
	snprintf(text, sizeof text, "保洁员工作5");
	cr_expect_eq(sms_parse(c, text, strlen(text), &ctx, &p), CB_BAD_VALUE);
	cr_expect_str_eq(p.token, "作", "保洁员工 is taken, 作 is left as its value");
	catalog_free(c);
}
