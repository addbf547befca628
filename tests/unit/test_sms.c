/*
 * test_sms.c — the SMS grammar against the shipped catalog, the way leaders
 * type on phones.  `now` is injected: 2023-12-05T08:30+08:00 (a Tuesday, ISO
 * week 2023-W49).
 *
 * Each case is a message and what it must mean.  For an accepted message,
 * a summary: "[cmd ]kind period[!][ gN] field=value ...", where "!" marks a
 * period that was written and the command is left out for plain reports.
 * For a rejected one, the error code, the kind and field the error names
 * ("livestock/cattle", "-" for none), and the span: the text between { and }
 * in the message is what the error must point at (the braces are removed
 * before parsing; "{}" is an empty span).
 */
#include <stdio.h>
#include <string.h>
#include <criterion/criterion.h>

#include "shipped_catalog.h"

#include "sms.h"
#include "dec.h"
#include "period.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NOW 1701736200		/* 2023-12-05T00:30:00Z */
#define SHANGHAI 28800

static const struct sms_context ctx = { NOW, SHANGHAI };

struct sms_case {
	const char *text;
	enum cb_error err;
	const char *want;
};

/* Messages that must be accepted. */
static const struct sms_case ok_cases[] = {
	/* Styles: spaces, joined, separators, binders, punctuation. */
	{ "牲畜 牛12 猪40 羊5", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牛12猪40羊5", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牲畜牛12猪40羊5", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牲畜：牛12，猪40，羊5。", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牲畜 牛 12 猪 40 羊 5", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牛:12 猪=40 羊：5", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牛12;猪40;羊5", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牛12；猪40；羊5", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牛12、猪40、羊5", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牛12,猪40,羊5", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牛 = 12 , 猪 = 40", CB_OK, "livestock 2023-12 cattle=12 pigs=40" },
	{ "  牛12\t猪40\n羊5  ", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牲畜　牛12　猪40", CB_OK, "livestock 2023-12 cattle=12 pigs=40" },
	{ "牛12。", CB_OK, "livestock 2023-12 cattle=12" },
	{ "牛12！", CB_OK, "livestock 2023-12 cattle=12" },
	{ "牛12!", CB_OK, "livestock 2023-12 cattle=12" },
	{ "牛12.", CB_OK, "livestock 2023-12 cattle=12" },
	{ "牛12。。。", CB_OK, "livestock 2023-12 cattle=12" },
	{ "牛12～", CB_OK, "livestock 2023-12 cattle=12" },
	{ "牛12?", CB_OK, "livestock 2023-12 cattle=12" },
	{ "牲畜（牛12 猪40）", CB_OK, "livestock 2023-12 cattle=12 pigs=40" },
	{ "“牛12”", CB_OK, "livestock 2023-12 cattle=12" },
	{ "羊5 猪40 牛12", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	/* Courtesies around a report. */
	{ "您好，牲畜 牛12 猪40 羊5，谢谢！", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "你好 3组报：牛12", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "报告：牲畜 牛12", CB_OK, "livestock 2023-12 cattle=12" },
	{ "牛12猪40 辛苦了", CB_OK, "livestock 2023-12 cattle=12 pigs=40" },
	{ "Hi, LS cattle 12 pigs 40. Thanks", CB_OK, "livestock 2023-12 cattle=12 pigs=40" },
	{ "cattle 12 thank you", CB_OK, "livestock 2023-12 cattle=12" },
	/* Full-width digits and letters, case. */
	{ "牛１２猪４０羊５", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "ＬＳ ｃａｔｔｌｅ １２", CB_OK, "livestock 2023-12 cattle=12" },
	{ "ＬＳ　ｃａｔｔｌｅ　１２", CB_OK, "livestock 2023-12 cattle=12" },
	{ "ls CATTLE 12 Pigs 40", CB_OK, "livestock 2023-12 cattle=12 pigs=40" },
	{ "牲畜 牛１２．", CB_OK, "livestock 2023-12 cattle=12" },
	{ "产业 套种２２７．７４", CB_OK, "crops 2023 intercrop=227.74" },
	/* English. */
	{ "LS cattle 12 pigs 40", CB_OK, "livestock 2023-12 cattle=12 pigs=40" },
	{ "Livestock cattle=12, pigs=40, sheep=5", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "cattle12 pigs40 sheep5", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "cows 12 hogs 40 goats 5", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "cattle 12 head", CB_OK, "livestock 2023-12 cattle=12" },
	{ "cattle 12 head, pigs 40 head.", CB_OK, "livestock 2023-12 cattle=12 pigs=40" },
	{ "road 1020m", CB_OK, "road 2023-12-05 hardened=1020" },
	{ "ROAD hardened 1020 m", CB_OK, "road 2023-12-05 hardened=1020" },
	{ "road 1020", CB_OK, "road 2023-12-05 hardened=1020" },
	{ "road 480 metres", CB_OK, "road 2023-12-05 hardened=480" },
	{ "san cleared 4 cleaners 7 passed", CB_OK, "sanitation 2023-W49 cleaners=7 cleared=4 passed=1" },
	{ "SAN cleared 4 cleaners 7 failed", CB_OK, "sanitation 2023-W49 cleaners=7 cleared=4 passed=0" },
	{ "labor placed 335", CB_OK, "labor 2023-12 placed=335" },
	{ "workers 335 people", CB_OK, "labor 2023-12 placed=335" },
	{ "crop orchard 480 intercrop 227.74 vegetables 143.09", CB_OK,
	    "crops 2023 intercrop=227.74 orchard=480 vegetables=143.09" },
	{ "MON visits 8 risk 8 issues 2", CB_OK, "monitoring 2023-12 at_risk=8 issues=2 visits=8" },
	{ "build toilets 20", CB_OK, "construction 2023-12 toilets=20" },
	/* Mixed scripts. */
	{ "LS 牛12 猪40", CB_OK, "livestock 2023-12 cattle=12 pigs=40" },
	{ "牲畜 cattle 12 猪40", CB_OK, "livestock 2023-12 cattle=12 pigs=40" },
	{ "G3 牛12", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "牛12头 pigs 40", CB_OK, "livestock 2023-12 cattle=12 pigs=40" },
	/* Chinese numerals. */
	{ "牛十二 猪四十 羊五", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牛十二猪四十羊五", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牛两百", CB_OK, "livestock 2023-12 cattle=200" },
	{ "牛两头", CB_OK, "livestock 2023-12 cattle=2" },
	{ "羊一千零二十", CB_OK, "livestock 2023-12 sheep=1020" },
	{ "猪三百九十八", CB_OK, "livestock 2023-12 pigs=398" },
	{ "牛壹拾贰", CB_OK, "livestock 2023-12 cattle=12" },
	{ "猪叁佰玖拾捌", CB_OK, "livestock 2023-12 pigs=398" },
	{ "牛一万", CB_OK, "livestock 2023-12 cattle=10000" },
	{ "牛两万三千", CB_OK, "livestock 2023-12 cattle=23000" },
	{ "牛三百五", CB_OK, "livestock 2023-12 cattle=350" },
	{ "牛一万二", CB_OK, "livestock 2023-12 cattle=12000" },
	{ "牛一千零二", CB_OK, "livestock 2023-12 cattle=1002" },
	{ "牛1.2万", CB_OK, "livestock 2023-12 cattle=12000" },
	{ "牛3千", CB_OK, "livestock 2023-12 cattle=3000" },
	{ "牛十", CB_OK, "livestock 2023-12 cattle=10" },
	{ "牛零", CB_OK, "livestock 2023-12 cattle=0" },
	{ "牛〇", CB_OK, "livestock 2023-12 cattle=0" },
	{ "牛0", CB_OK, "livestock 2023-12 cattle=0" },
	{ "牛012", CB_OK, "livestock 2023-12 cattle=12" },
	{ "牛12.0", CB_OK, "livestock 2023-12 cattle=12" },
	{ "羊五只", CB_OK, "livestock 2023-12 sheep=5" },
	{ "猪六十一头", CB_OK, "livestock 2023-12 pigs=61" },
	{ "道路 一千零二十米", CB_OK, "road 2023-12-05 hardened=1020" },
	{ "套种二百二十七点七四", CB_OK, "crops 2023 intercrop=227.74" },
	{ "果园二百一十亩", CB_OK, "crops 2023 orchard=210" },
	{ "补贴11.387万", CB_OK, "crops 2023 subsidy=113870" },
	{ "补贴十一万三千八百七十元", CB_OK, "crops 2023 subsidy=113870" },
	/* Units checked against the field. */
	{ "牛12头 猪40头 羊5只", CB_OK, "livestock 2023-12 cattle=12 pigs=40 sheep=5" },
	{ "牛12 头 猪40头", CB_OK, "livestock 2023-12 cattle=12 pigs=40" },
	{ "牛12只", CB_OK, "livestock 2023-12 cattle=12" },
	{ "牛12HEAD", CB_OK, "livestock 2023-12 cattle=12" },
	{ "硬化1020米", CB_OK, "road 2023-12-05 hardened=1020" },
	{ "硬化1020M", CB_OK, "road 2023-12-05 hardened=1020" },
	{ "输转335人", CB_OK, "labor 2023-12 placed=335" },
	{ "风险户8户", CB_OK, "monitoring 2023-12 at_risk=8" },
	{ "改厕20座", CB_OK, "construction 2023-12 toilets=20" },
	{ "清运4个", CB_OK, "sanitation 2023-W49 cleared=4" },
	/* Decimals, kept exact. */
	{ "套种227.74亩", CB_OK, "crops 2023 intercrop=227.74" },
	{ "产业 套种 227.74 亩", CB_OK, "crops 2023 intercrop=227.74" },
	{ "产业 果园480 套种227.74 蔬菜143.09", CB_OK,
	    "crops 2023 intercrop=227.74 orchard=480 vegetables=143.09" },
	{ "蔬菜143.09mu", CB_OK, "crops 2023 vegetables=143.09" },
	{ "果园480.00亩", CB_OK, "crops 2023 orchard=480" },
	{ "果园480.5", CB_OK, "crops 2023 orchard=480.5" },
	{ "果园0.01", CB_OK, "crops 2023 orchard=0.01" },
	{ "补贴113870元", CB_OK, "crops 2023 subsidy=113870" },
	/* The kind: named, inferred, single-field bare values. */
	{ "道路 1020米", CB_OK, "road 2023-12-05 hardened=1020" },
	{ "道路1020米", CB_OK, "road 2023-12-05 hardened=1020" },
	{ "道路 硬化1020米", CB_OK, "road 2023-12-05 hardened=1020" },
	{ "修路 480米", CB_OK, "road 2023-12-05 hardened=480" },
	{ "dl 420", CB_OK, "road 2023-12-05 hardened=420" },
	{ "购进19头", CB_OK, "livestock 2023-12 bought=19" },
	{ "牲畜 牛12 猪40 羊5 购进28", CB_OK, "livestock 2023-12 bought=28 cattle=12 pigs=40 sheep=5" },
	{ "存栏 牛12", CB_OK, "livestock 2023-12 cattle=12" },
	{ "劳务 输转335", CB_OK, "labor 2023-12 placed=335" },
	{ "外出务工 335", CB_OK, "labor 2023-12 placed=335" },
	{ "监测 入户8 风险户8 问题2", CB_OK, "monitoring 2023-12 at_risk=8 issues=2 visits=8" },
	{ "建设 温室6 大棚18", CB_OK, "construction 2023-12 greenhouses=6 sheds=18" },
	{ "改厕20", CB_OK, "construction 2023-12 toilets=20" },
	{ "牲畜 牛12 牲畜", CB_OK, "livestock 2023-12 cattle=12" },
	/* Longest match: 保洁出勤 over 保洁, 不合格 over 合格. */
	{ "卫生 清运4 保洁出勤7 合格", CB_OK, "sanitation 2023-W49 cleaners=7 cleared=4 passed=1" },
	{ "卫生 清运4 保洁出勤7 不合格", CB_OK, "sanitation 2023-W49 cleaners=7 cleared=4 passed=0" },
	{ "清运4保洁出勤7合格", CB_OK, "sanitation 2023-W49 cleaners=7 cleared=4 passed=1" },
	{ "保洁7", CB_OK, "sanitation 2023-W49 cleaners=7" },
	{ "保洁员7人", CB_OK, "sanitation 2023-W49 cleaners=7" },
	{ "清运点4", CB_OK, "sanitation 2023-W49 cleared=4" },
	/* Yes/no fields. */
	{ "合格", CB_OK, "sanitation 2023-W49 passed=1" },
	{ "不合格", CB_OK, "sanitation 2023-W49 passed=0" },
	{ "合格 是", CB_OK, "sanitation 2023-W49 passed=1" },
	{ "合格 否", CB_OK, "sanitation 2023-W49 passed=0" },
	{ "合格：是", CB_OK, "sanitation 2023-W49 passed=1" },
	{ "不合格 是", CB_OK, "sanitation 2023-W49 passed=0" },
	{ "检查 合格", CB_OK, "sanitation 2023-W49 passed=1" },
	{ "检查 不合格", CB_OK, "sanitation 2023-W49 passed=0" },
	{ "检查√", CB_OK, "sanitation 2023-W49 passed=1" },
	{ "检查 ×", CB_OK, "sanitation 2023-W49 passed=0" },
	{ "passed yes", CB_OK, "sanitation 2023-W49 passed=1" },
	{ "passed 1", CB_OK, "sanitation 2023-W49 passed=1" },
	{ "passed 0", CB_OK, "sanitation 2023-W49 passed=0" },
	{ "passed no", CB_OK, "sanitation 2023-W49 passed=0" },
	{ "inspection ok", CB_OK, "sanitation 2023-W49 passed=1" },
	{ "达标", CB_OK, "sanitation 2023-W49 passed=1" },
	/* Groups. */
	{ "3组 牲畜 牛12", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "三组 牛12", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "第3组 牛12", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "第三组牛12", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "3小组 牛12", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "3队 牛12", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "G3 cattle 12", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "g03 牛12", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "Ｇ３ 牛12", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "牛12 3组", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "牛12头3组", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "3组 3组 牛12", CB_OK, "livestock 2023-12 g3 cattle=12" },
	{ "十二组 牛12", CB_OK, "livestock 2023-12 g12 cattle=12" },
	{ "99组 牛12", CB_OK, "livestock 2023-12 g99 cattle=12" },
	/* Months. */
	{ "11月 牛12", CB_OK, "livestock 2023-11! cattle=12" },
	{ "牛12 十一月", CB_OK, "livestock 2023-11! cattle=12" },
	{ "牛12 11月份", CB_OK, "livestock 2023-11! cattle=12" },
	{ "2023-11 牛12", CB_OK, "livestock 2023-11! cattle=12" },
	{ "2023/11 牛12", CB_OK, "livestock 2023-11! cattle=12" },
	{ "2023年11月 牛12", CB_OK, "livestock 2023-11! cattle=12" },
	{ "2023年11月牛12", CB_OK, "livestock 2023-11! cattle=12" },
	{ "二〇二三年十一月 牛12", CB_OK, "livestock 2023-11! cattle=12" },
	{ "23年11月 牛12", CB_OK, "livestock 2023-11! cattle=12" },
	{ "上月 牛12", CB_OK, "livestock 2023-11! cattle=12" },
	{ "上个月 牛12", CB_OK, "livestock 2023-11! cattle=12" },
	{ "本月 牛12", CB_OK, "livestock 2023-12! cattle=12" },
	{ "牛12 12月", CB_OK, "livestock 2023-12! cattle=12" },
	{ "牛12 1月", CB_OK, "livestock 2023-01! cattle=12" },
	{ "牛12 nov", CB_OK, "livestock 2023-11! cattle=12" },
	{ "LS Nov cattle 12", CB_OK, "livestock 2023-11! cattle=12" },
	{ "LS December cattle 12", CB_OK, "livestock 2023-12! cattle=12" },
	{ "cattle 12 last month", CB_OK, "livestock 2023-11! cattle=12" },
	{ "3组11月牲畜牛12猪40", CB_OK, "livestock 2023-11! g3 cattle=12 pigs=40" },
	{ "2022年12月 牛12", CB_OK, "livestock 2022-12! cattle=12" },
	/* Weeks. */
	{ "卫生 W48 清运4", CB_OK, "sanitation 2023-W48! cleared=4" },
	{ "卫生 w49 清运4", CB_OK, "sanitation 2023-W49! cleared=4" },
	{ "卫生 第48周 清运4", CB_OK, "sanitation 2023-W48! cleared=4" },
	{ "卫生 第四十八周 清运4", CB_OK, "sanitation 2023-W48! cleared=4" },
	{ "卫生 上周 清运4", CB_OK, "sanitation 2023-W48! cleared=4" },
	{ "卫生 本周 清运4", CB_OK, "sanitation 2023-W49! cleared=4" },
	{ "卫生 2023-W48 清运4", CB_OK, "sanitation 2023-W48! cleared=4" },
	{ "卫生 w50 清运4", CB_OK, "sanitation 2022-W50! cleared=4" },
	{ "san last week cleared 4", CB_OK, "sanitation 2023-W48! cleared=4" },
	/* Days. */
	{ "道路 12月5日 1020米", CB_OK, "road 2023-12-05! hardened=1020" },
	{ "道路 12月4号 480米", CB_OK, "road 2023-12-04! hardened=480" },
	{ "道路 十二月四日 480米", CB_OK, "road 2023-12-04! hardened=480" },
	{ "道路 2023-12-05 420米", CB_OK, "road 2023-12-05! hardened=420" },
	{ "道路 2023年12月1日 420米", CB_OK, "road 2023-12-01! hardened=420" },
	{ "道路 昨天 480米", CB_OK, "road 2023-12-04! hardened=480" },
	{ "道路 今天 480米", CB_OK, "road 2023-12-05! hardened=480" },
	{ "道路 前天 480米", CB_OK, "road 2023-12-03! hardened=480" },
	{ "道路 5日 480米", CB_OK, "road 2023-12-05! hardened=480" },
	{ "道路 30日 480米", CB_OK, "road 2023-11-30! hardened=480" },
	{ "道路 31日 480米", CB_OK, "road 2023-10-31! hardened=480" },
	{ "道路 12月6日 480米", CB_OK, "road 2022-12-06! hardened=480" },
	{ "road yesterday 480m", CB_OK, "road 2023-12-04! hardened=480" },
	/* Years. */
	{ "产业 2023年 果园480", CB_OK, "crops 2023! orchard=480" },
	{ "产业 去年 果园480", CB_OK, "crops 2022! orchard=480" },
	{ "产业 今年 果园480", CB_OK, "crops 2023! orchard=480" },
	{ "二〇二三年 果园480", CB_OK, "crops 2023! orchard=480" },
	/* Commands. */
	{ "帮助", CB_OK, "help -" },
	{ "HELP", CB_OK, "help -" },
	{ "help ls", CB_OK, "help livestock 2023-12" },
	{ "帮助 牲畜", CB_OK, "help livestock 2023-12" },
	{ "帮助牲畜", CB_OK, "help livestock 2023-12" },
	{ "帮助 牛", CB_OK, "help livestock 2023-12" },
	{ "帮助 卫生。", CB_OK, "help sanitation 2023-W49" },
	{ "查询", CB_OK, "query -" },
	{ "Q", CB_OK, "query -" },
	{ "q ls", CB_OK, "query livestock 2023-12" },
	{ "查询 牲畜", CB_OK, "query livestock 2023-12" },
	{ "查询 牲畜 上月", CB_OK, "query livestock 2023-11!" },
	{ "更正 牲畜 牛13 猪40 羊5", CB_OK, "fix livestock 2023-12 cattle=13 pigs=40 sheep=5" },
	{ "更正牛13", CB_OK, "fix livestock 2023-12 cattle=13" },
	{ "FIX LS cattle 13", CB_OK, "fix livestock 2023-12 cattle=13" },
	{ "更正 11月 牛13", CB_OK, "fix livestock 2023-11! cattle=13" },
	{ "修改 道路 昨天 480米", CB_OK, "fix road 2023-12-04! hardened=480" },
	{ "撤销", CB_OK, "undo -" },
	{ "UNDO", CB_OK, "undo -" },
	{ "撤销 牲畜", CB_OK, "undo livestock 2023-12" },
	{ "撤销 牲畜 11月", CB_OK, "undo livestock 2023-11!" },
	{ "撤销 11月", CB_OK, "undo - 2023-11!" },
	{ "undo road yesterday", CB_OK, "undo road 2023-12-04!" },
	{ "撤回 道路", CB_OK, "undo road 2023-12-05" },
};

/* Messages that must be refused, with the span in braces. */
static const struct sms_case err_cases[] = {
	/* empty */
	{ "{}", CB_EMPTY, "-" },
	{ "{   }", CB_EMPTY, "-" },
	{ "{，。！}", CB_EMPTY, "-" },
	{ "{\t\n}", CB_EMPTY, "-" },
	{ "{你好}", CB_EMPTY, "-" },
	{ "{您好！谢谢}", CB_EMPTY, "-" },
	{ "{hello, thanks}", CB_EMPTY, "-" },
	/* unknown_kind: the first word, not followed by a value */
	{ "{养鸡场}", CB_UNKNOWN_KIND, "-" },
	{ "{howdy}", CB_UNKNOWN_KIND, "-" },
	{ "{养殖} 牛12", CB_UNKNOWN_KIND, "livestock" },
	{ "帮助 {鸡}", CB_UNKNOWN_KIND, "-" },
	{ "help {chickens}", CB_UNKNOWN_KIND, "-" },
	{ "查询 {养鸡}", CB_UNKNOWN_KIND, "-" },
	/* unknown_field */
	{ "{鸡}12", CB_UNKNOWN_FIELD, "-" },
	{ "牛12 {鸡}5", CB_UNKNOWN_FIELD, "livestock" },
	{ "牲畜 牛12 {鸡}5", CB_UNKNOWN_FIELD, "livestock" },
	{ "牲畜 牛12 {鸡鸭}5", CB_UNKNOWN_FIELD, "livestock" },
	{ "牲畜 {鸡}", CB_UNKNOWN_FIELD, "livestock" },
	{ "LS cattle 12 {chicken} 4", CB_UNKNOWN_FIELD, "livestock" },
	{ "牲畜 {硬化}100", CB_UNKNOWN_FIELD, "livestock" },
	{ "牛12 {help}", CB_UNKNOWN_FIELD, "livestock" },
	{ "牛12 猪40 {#}", CB_UNKNOWN_FIELD, "livestock" },
	{ "牛12{元}", CB_UNIT_MISMATCH, "livestock/cattle" },
	/* bad_value: not a number, a value before its field or without one */
	{ "牛{abc}", CB_BAD_VALUE, "livestock/cattle" },
	{ "{牛} 猪40", CB_BAD_VALUE, "livestock/cattle" },
	{ "{牛}", CB_BAD_VALUE, "livestock/cattle" },
	{ "猪40 {牛}", CB_BAD_VALUE, "livestock/cattle" },
	{ "{12}牛", CB_BAD_VALUE, "livestock" },
	{ "{12} 牛", CB_BAD_VALUE, "livestock" },
	{ "{12}", CB_BAD_VALUE, "-" },
	{ "{227.74}亩 套种", CB_BAD_VALUE, "crops" },
	{ "牲畜 {12}", CB_BAD_VALUE, "livestock" },
	{ "牛12 {40}", CB_BAD_VALUE, "livestock" },
	{ "牛{12.5}", CB_BAD_VALUE, "livestock/cattle" },
	{ "套种{227.745}", CB_BAD_VALUE, "crops/intercrop" },
	{ "牛{十十}", CB_BAD_VALUE, "livestock/cattle" },
	{ "牛{二三百}", CB_BAD_VALUE, "livestock/cattle" },
	{ "猪{四十四十}", CB_BAD_VALUE, "livestock/pigs" },
	{ "牛 {是}", CB_BAD_VALUE, "livestock/cattle" },
	{ "牛12 {是}", CB_BAD_VALUE, "livestock" },
	{ "{yes}", CB_BAD_VALUE, "-" },
	{ "合格 {2}", CB_BAD_VALUE, "sanitation/passed" },
	{ "{检查}", CB_BAD_VALUE, "sanitation/passed" },
	{ "{是}", CB_BAD_VALUE, "-" },
	{ "帮助 {12}", CB_BAD_VALUE, "-" },
	/* out_of_range */
	{ "牛{1000001}", CB_OUT_OF_RANGE, "livestock/cattle" },
	{ "牛{-3}", CB_OUT_OF_RANGE, "livestock/cattle" },
	{ "牛{99999999999999999999}", CB_OUT_OF_RANGE, "livestock/cattle" },
	{ "牛{１２３４５６７}", CB_OUT_OF_RANGE, "livestock/cattle" },
	{ "牛{一百万零一}", CB_OUT_OF_RANGE, "livestock/cattle" },
	{ "硬化{100001米}", CB_OUT_OF_RANGE, "road/hardened" },
	{ "道路 {100001米}", CB_OUT_OF_RANGE, "road/hardened" },
	{ "果园{100000.01}", CB_OUT_OF_RANGE, "crops/orchard" },
	/* unit_mismatch */
	{ "牛12{米}", CB_UNIT_MISMATCH, "livestock/cattle" },
	{ "牛12{亩}", CB_UNIT_MISMATCH, "livestock/cattle" },
	{ "牲畜 牛12 猪40{人}", CB_UNIT_MISMATCH, "livestock/pigs" },
	{ "硬化1020{头}", CB_UNIT_MISMATCH, "road/hardened" },
	{ "cattle 12 {m}", CB_UNIT_MISMATCH, "livestock/cattle" },
	{ "套种227.74{米}", CB_UNIT_MISMATCH, "crops/intercrop" },
	{ "建设 温室6个{米}", CB_UNIT_MISMATCH, "construction" },
	{ "道路 {米}1020", CB_UNIT_MISMATCH, "road" },
	/* missing_field: nothing or not every required field */
	{ "牲畜{}", CB_MISSING_FIELD, "livestock/cattle" },
	{ "道路{}", CB_MISSING_FIELD, "road/hardened" },
	{ "道路 12月5日{}", CB_MISSING_FIELD, "road/hardened" },
	{ "劳务。{}", CB_MISSING_FIELD, "labor/placed" },
	{ "更正 牲畜{}", CB_MISSING_FIELD, "livestock/cattle" },
	{ "3组 LS{}", CB_MISSING_FIELD, "livestock/cattle" },
	/* ambiguous_kind */
	{ "牲畜 牛12 猪40 {卫生}", CB_AMBIGUOUS_KIND, "livestock" },
	{ "牛12 {硬化}100", CB_AMBIGUOUS_KIND, "-" },
	{ "牛12 猪40 {清运}4", CB_AMBIGUOUS_KIND, "-" },
	{ "cattle 12 {road} 1020", CB_AMBIGUOUS_KIND, "-" },
	{ "{3组}", CB_AMBIGUOUS_KIND, "-" },
	{ "{3组 11月}", CB_AMBIGUOUS_KIND, "-" },
	{ "{更正}", CB_AMBIGUOUS_KIND, "-" },
	/* duplicate_field */
	{ "牛12 {牛}13", CB_DUPLICATE_FIELD, "livestock/cattle" },
	{ "牛12 {cattle} 13", CB_DUPLICATE_FIELD, "livestock/cattle" },
	{ "牛12 {黄牛}13", CB_DUPLICATE_FIELD, "livestock/cattle" },
	{ "保洁出勤7 {保洁}3", CB_DUPLICATE_FIELD, "sanitation/cleaners" },
	{ "合格 {不合格}", CB_DUPLICATE_FIELD, "sanitation/passed" },
	{ "道路 1020米 {480}米", CB_DUPLICATE_FIELD, "road/hardened" },
	/* bad_group */
	{ "{0组} 牛12", CB_BAD_GROUP, "livestock" },
	{ "{100组} 牛12", CB_BAD_GROUP, "livestock" },
	{ "{g0} 牛12", CB_BAD_GROUP, "livestock" },
	{ "{g100} 牛12", CB_BAD_GROUP, "livestock" },
	{ "{零组} 牛12", CB_BAD_GROUP, "livestock" },
	{ "3组 {5组} 牛12", CB_BAD_GROUP, "livestock" },
	{ "牛12 {0组}", CB_BAD_GROUP, "livestock" },
	/* bad_period */
	{ "{13月} 牛12", CB_BAD_PERIOD, "livestock" },
	{ "{0月} 牛12", CB_BAD_PERIOD, "livestock" },
	{ "{2023-13} 牛12", CB_BAD_PERIOD, "livestock" },
	{ "牲畜 {w48} 牛12", CB_BAD_PERIOD, "livestock" },
	{ "牲畜 {q4} 牛12", CB_BAD_PERIOD, "livestock" },
	{ "牛12 {2023年}", CB_BAD_PERIOD, "livestock" },
	{ "牛12 {昨天}", CB_BAD_PERIOD, "livestock" },
	{ "牛12 11月 {10月}", CB_BAD_PERIOD, "livestock" },
	{ "道路 {11月} 480米", CB_BAD_PERIOD, "road" },
	{ "道路 {2023-02-30} 480米", CB_BAD_PERIOD, "road" },
	{ "道路 {2月30日} 480米", CB_BAD_PERIOD, "road" },
	{ "道路 {2023-00-05} 480米", CB_BAD_PERIOD, "road" },
	{ "卫生 {第60周} 清运4", CB_BAD_PERIOD, "sanitation" },
	{ "卫生 {2021-W53} 清运4", CB_BAD_PERIOD, "sanitation" },
	{ "卫生 {本月} 清运4", CB_BAD_PERIOD, "sanitation" },
	{ "产业 {1969年} 果园480", CB_BAD_PERIOD, "crops" },
	{ "产业 {q4} 果园480", CB_BAD_PERIOD, "crops" },
	/* future_period */
	{ "产业 {2024年} 果园480", CB_FUTURE_PERIOD, "crops" },
	{ "牛12 {2024-01}", CB_FUTURE_PERIOD, "livestock" },
	{ "牛12 {2024年1月}", CB_FUTURE_PERIOD, "livestock" },
	{ "道路 {2023-12-06} 480米", CB_FUTURE_PERIOD, "road" },
	{ "卫生 {2023-W50} 清运4", CB_FUTURE_PERIOD, "sanitation" },
	{ "撤销 {2024年1月}", CB_FUTURE_PERIOD, "-" },
	/* The first problem wins. */
	{ "{鸡}12 牛13米", CB_UNKNOWN_FIELD, "livestock" },
	{ "牛12{米} 鸡5", CB_UNIT_MISMATCH, "livestock/cattle" },
	{ "{0组} 牛12 鸡5", CB_BAD_GROUP, "livestock" },
	{ "{鸡}5 牛12 硬化100", CB_UNKNOWN_FIELD, "-" },
	{ "{13月} 牛12 硬化100", CB_BAD_PERIOD, "-" },
	{ "牛12 {硬化}100 0组", CB_AMBIGUOUS_KIND, "-" },
};

/* Removes the braces from marked text into out; the span they enclosed goes to at[]. */
static void
unmark(const char *marked, char *out, size_t outlen, uint32_t at[2])
{
	size_t o = 0;

	at[0] = at[1] = UINT32_MAX;
	for (const char *p = marked; *p != '\0' && o + 1 < outlen; p++) {
		if (*p == '{')
			at[0] = (uint32_t)o;
		else if (*p == '}')
			at[1] = (uint32_t)o;
		else
			out[o++] = *p;
	}
	out[o] = '\0';
}

/* The summary of an accepted message, as in the tables. */
static void
summarize(const struct parsed *p, char *buf, size_t len)
{
	char per[CB_PERIOD_MAX], num[DEC_TEXT_MAX];
	size_t o = 0;

	if (p->cmd != CMD_REPORT)
		o += snprintf(buf + o, len - o, "%s ", command_name(p->cmd));
	o += snprintf(buf + o, len - o, "%s", p->kind ? p->kind->code : "-");
	if (p->kind != NULL || p->period_given) {
		period_format(&p->period, per, sizeof per);
		o += snprintf(buf + o, len - o, " %s%s", per, p->period_given ? "!" : "");
	}
	if (p->group != 0)
		o += snprintf(buf + o, len - o, " g%d", p->group);
	/* Values sorted by code so that the tables read naturally. */
	for (char last[CB_CODE_MAX + 1] = ""; o < len;) {
		const struct value *next = NULL;
		for (size_t i = 0; i < p->nvalues; i++)
			if (strcmp(p->values[i].field->code, last) > 0 &&
			    (next == NULL || strcmp(p->values[i].field->code, next->field->code) < 0))
				next = &p->values[i];
		if (next == NULL)
			break;
		dec_format(next->v, next->field->scale, true, num, sizeof num);
		o += snprintf(buf + o, len - o, " %s=%s", next->field->code, num);
		snprintf(last, sizeof last, "%s", next->field->code);
	}
}

Test(sms, accepted)
{
	struct catalog *c = shipped();
	char got[512];
	struct parsed p;

	for (size_t i = 0; i < NELEM(ok_cases); i++) {
		const struct sms_case *k = &ok_cases[i];
		enum cb_error e = sms_parse(c, k->text, strlen(k->text), &ctx, &p);
		cr_expect_eq(e, CB_OK, "'%s': %s at [%u,%u] '%s'", k->text, cb_error_name(e),
		    p.at[0], p.at[1], p.token);
		if (e != CB_OK)
			continue;
		summarize(&p, got, sizeof got);
		cr_expect_str_eq(got, k->want, "'%s': got '%s'", k->text, got);
		for (size_t v = 1; v < p.nvalues; v++)
			cr_expect_lt(p.values[v - 1].field->index, p.values[v].field->index,
			    "'%s': values in field order", k->text);
	}
	catalog_free(c);
}

/* A correction may leave out a required field (cunbaod carries it over); a report may not. */
Test(sms, correction_may_omit_required_fields)
{
	struct catalog *c = shipped();
	struct kind *ls = (struct kind *)catalog_kind(c, "livestock");
	struct parsed p;

	cr_assert_not_null(ls);
	ls->fields[0].required = true;	/* cattle */
	cr_expect_eq(sms_parse(c, "牲畜 猪48", strlen("牲畜 猪48"), &ctx, &p), CB_MISSING_FIELD);
	cr_expect_eq(p.field, &ls->fields[0]);
	cr_expect_eq(sms_parse(c, "更正 牲畜 猪48", strlen("更正 牲畜 猪48"), &ctx, &p), CB_OK);
	cr_expect_eq(p.cmd, CMD_FIX);
	cr_expect_eq(p.nvalues, 1);
	cr_expect_eq(sms_parse(c, "更正 牲畜", strlen("更正 牲畜"), &ctx, &p), CB_MISSING_FIELD,
	    "a correction still needs a value");
	catalog_free(c);
}

Test(sms, refused_with_span)
{
	struct catalog *c = shipped();
	char text[512], what[160];
	uint32_t at[2];
	struct parsed p;

	for (size_t i = 0; i < NELEM(err_cases); i++) {
		const struct sms_case *k = &err_cases[i];
		unmark(k->text, text, sizeof text, at);
		enum cb_error e = sms_parse(c, text, strlen(text), &ctx, &p);
		cr_expect_eq(e, k->err, "'%s': %s, want %s (at [%u,%u] '%s')", text,
		    cb_error_name(e), cb_error_name(k->err), p.at[0], p.at[1], p.token);
		cr_expect_eq(p.error, e, "'%s': out->error", text);
		cr_expect(p.at[0] == at[0] && p.at[1] == at[1], "'%s': %s at [%u,%u] '%s', want [%u,%u]",
		    text, cb_error_name(e), p.at[0], p.at[1], p.token, at[0], at[1]);
		if (at[1] - at[0] < sizeof p.token)
			cr_expect(strlen(p.token) == at[1] - at[0] &&
			    memcmp(p.token, text + at[0], at[1] - at[0]) == 0,
			    "'%s': token '%s'", text, p.token);
		snprintf(what, sizeof what, "%s%s%s", p.kind ? p.kind->code : "-",
		    p.field ? "/" : "", p.field ? p.field->code : "");
		cr_expect_str_eq(what, k->want, "'%s': names %s, want %s", text, what, k->want);
	}
	catalog_free(c);
}

Test(sms, enough_cases)
{
	cr_expect_gt(NELEM(ok_cases) + NELEM(err_cases), 300, "well over 150 cases");
}

static const struct {
	const char *text;
	enum lang lang;
} lang_cases[] = {
	{ "牛12", LANG_ZH },
	{ "cattle 12", LANG_EN },
	{ "LS 牛12", LANG_ZH },
	{ "ＬＳ ｃａｔｔｌｅ １２", LANG_EN },	/* full-width letters are not CJK */
	{ "cattle 12，pigs 40", LANG_ZH },	/* a Chinese comma is */
	{ "鸡12", LANG_ZH },
	{ "hello", LANG_EN },
	{ "", LANG_EN },
	{ "12", LANG_EN },
};

Test(sms, language)
{
	struct catalog *c = shipped();
	struct parsed p;

	for (size_t i = 0; i < NELEM(lang_cases); i++) {
		sms_parse(c, lang_cases[i].text, strlen(lang_cases[i].text), &ctx, &p);
		cr_expect_eq(p.lang, lang_cases[i].lang, "'%s'", lang_cases[i].text);
	}
	catalog_free(c);
}

Test(sms, too_large)
{
	struct catalog *c = shipped();
	char text[CB_TEXT_MAX + 2];
	struct parsed p;

	memset(text, ' ', sizeof text);
	memcpy(text, "牛12", strlen("牛12"));
	cr_expect_eq(sms_parse(c, text, CB_TEXT_MAX, &ctx, &p), CB_OK, "exactly the limit");
	cr_expect_eq(sms_parse(c, text, CB_TEXT_MAX + 1, &ctx, &p), CB_TOO_LARGE);
	cr_expect_eq(p.at[0], 0);
	cr_expect_eq(p.at[1], CB_TEXT_MAX + 1);
	cr_expect_eq(p.lang, LANG_ZH);
	catalog_free(c);
}

static const struct {
	const char *text;
	uint32_t at;
} utf8_cases[] = {
	{ "牛12\xff猪40", 5 },
	{ "\xe7\x89", 0 },
	{ "牛12 \xe7\x89", 6 },
	{ "\xc0\xaf", 0 },			/* overlong '/' */
	{ "牛\xed\xa0\x80", 3 },		/* surrogate */
	{ "cattle 12\x80", 9 },
};

Test(sms, bad_utf8)
{
	struct catalog *c = shipped();
	struct parsed p;

	for (size_t i = 0; i < NELEM(utf8_cases); i++) {
		size_t len = strlen(utf8_cases[i].text);
		cr_expect_eq(sms_parse(c, utf8_cases[i].text, len, &ctx, &p), CB_BAD_UTF8, "case %zu", i);
		cr_expect_eq(p.at[0], utf8_cases[i].at, "case %zu: at %u", i, p.at[0]);
		cr_expect_eq(p.at[1], utf8_cases[i].at + 1, "case %zu", i);
		cr_expect_str_eq(p.token, "", "case %zu: no bad bytes copied out", i);
	}
	catalog_free(c);
}

/* Only text[0..len) is read: the rest of the buffer must not matter. */
Test(sms, respects_len)
{
	struct catalog *c = shipped();
	static const char text[] = "牛12猪40";
	struct parsed p;

	cr_expect_eq(sms_parse(c, text, strlen("牛12"), &ctx, &p), CB_OK);
	cr_expect_eq(p.nvalues, 1);
	cr_expect_eq(p.values[0].v, 12);
	cr_expect_eq(sms_parse(c, text, 0, &ctx, &p), CB_EMPTY);
	catalog_free(c);
}

/* The result borrows from the catalog and is zeroed first. */
Test(sms, result_points_into_catalog)
{
	struct catalog *c = shipped();
	struct parsed p;

	memset(&p, 0x5a, sizeof p);
	cr_assert_eq(sms_parse(c, "牛12", strlen("牛12"), &ctx, &p), CB_OK);
	cr_expect_eq(p.kind, catalog_kind(c, "livestock"));
	cr_expect_eq(p.values[0].field, kind_field(p.kind, "cattle"));
	cr_expect_eq(p.group, 0);
	cr_expect_not(p.period_given);
	cr_expect_str_eq(p.token, "");
	cr_expect_null(p.field);
	catalog_free(c);
}

/* The period a message falls in is taken in the area's time zone. */
Test(sms, default_period_uses_offset)
{
	struct catalog *c = shipped();
	/* 2023-11-30T20:00Z: still November in UTC, already December in Shanghai. */
	struct sms_context late = { 1701374400, SHANGHAI }, utc = { 1701374400, 0 };
	struct parsed p;
	char per[CB_PERIOD_MAX];

	cr_assert_eq(sms_parse(c, "牛12", strlen("牛12"), &late, &p), CB_OK);
	period_format(&p.period, per, sizeof per);
	cr_expect_str_eq(per, "2023-12");
	cr_assert_eq(sms_parse(c, "牛12", strlen("牛12"), &utc, &p), CB_OK);
	period_format(&p.period, per, sizeof per);
	cr_expect_str_eq(per, "2023-11");
	/* 12月 said in Shanghai on Dec 1st is this December, not last year's. */
	cr_expect_eq(sms_parse(c, "12月 牛12", strlen("12月 牛12"), &late, &p), CB_OK);
	cr_expect_eq(p.period.year, 2023);
	catalog_free(c);
}

/* A NULL catalog or context does not crash. */
Test(sms, null_arguments)
{
	struct catalog *c = shipped();
	struct parsed p;

	cr_expect_eq(sms_parse(NULL, "牛12", strlen("牛12"), &ctx, &p), CB_INTERNAL);
	cr_expect_eq(sms_parse(c, NULL, 5, &ctx, &p), CB_EMPTY);
	cr_expect_eq(sms_parse(c, "牛12", strlen("牛12"), NULL, &p), CB_OK);
	catalog_free(c);
}

/* command_name for every command and out of range. */
Test(sms, command_names)
{
	cr_expect_str_eq(command_name(CMD_REPORT), "report");
	cr_expect_str_eq(command_name(CMD_HELP), "help");
	cr_expect_str_eq(command_name(CMD_QUERY), "query");
	cr_expect_str_eq(command_name(CMD_FIX), "fix");
	cr_expect_str_eq(command_name(CMD_UNDO), "undo");
	cr_expect_str_eq(command_name((enum command)42), "unknown");
}
