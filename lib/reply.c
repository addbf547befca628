/*
 * reply.c — the texts leaders read on their phones.
 *
 * A reply is built piece by piece into the caller's buffer (struct out
 * truncates on a character boundary and never overflows).  Each error code
 * has one formatter in a table; a formatter writes the problem in the
 * sender's language and, where it helps, the catalog's example of the right
 * form.  Names, units and examples all come from the catalog, so a new kind
 * needs no code here.  tests/golden/replies_*.txt pin every text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reply.h"
#include "dec.h"
#include "sms_int.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define L(l, zh, en) ((l) == LANG_EN ? (en) : (zh))

struct out {
	char *buf;
	size_t len;		/* capacity, NUL included */
	size_t off;
	bool full;		/* a piece was cut: nothing more is added */
};

/* Starts an empty reply in buf. */
static void
out_init(struct out *o, char *buf, size_t buflen)
{
	o->buf = buf;
	o->len = buflen;
	o->off = 0;
	o->full = buflen == 0;
	if (buflen > 0)
		buf[0] = '\0';
}

/* Appends s, cut on a character boundary when the buffer is full. */
static void
put(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->full)
		return;
	if (o->off + n + 1 > o->len) {
		n = utf8_truncate(s, n, o->len - o->off - 1);
		o->full = true;
	}
	memcpy(o->buf + o->off, s, n);
	o->off += n;
	o->buf[o->off] = '\0';
}

static void putf(struct out *, const char *, ...) __attribute__((format(printf, 2, 3)));

/* Appends a formatted piece (at most CB_REPLY_MAX bytes of it). */
static void
putf(struct out *o, const char *fmt, ...)
{
	char tmp[CB_REPLY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	put(o, tmp);
}

/* Everything a formatter needs. */
struct rctx {
	const struct catalog *c;
	const struct parsed *p;
	enum lang l;
	struct out *o;
};

/* The kind whose example a reply quotes: the message's, else the catalog's first. */
static const struct kind *
example_kind(const struct rctx *r)
{
	if (r->p->kind != NULL)
		return r->p->kind;
	return r->c != NULL && r->c->nkinds > 0 ? &r->c->kinds[0] : NULL;
}

/* "例：牲畜 牛12 猪40 羊5" / "Example: LS cattle 12 pigs 40 sheep 5". */
static void
put_example(const struct rctx *r, const struct kind *k)
{
	if (k == NULL)
		return;
	putf(r->o, L(r->l, "例：%s", "Example: %s"), L(r->l, k->example_zh, k->example_en));
}

/* The names of every kind: "牲畜 道路 …" / "livestock, road, …". */
static void
put_kinds(struct out *o, const struct catalog *c, enum lang l)
{
	for (size_t k = 0; c != NULL && k < c->nkinds; k++) {
		if (k > 0)
			put(o, L(l, " ", ", "));
		put(o, kind_name(&c->kinds[k], l));
	}
}

/* The names of k's fields: "牛 猪 羊 购进" / "cattle, pigs, sheep, bought". */
static void
put_fields(struct out *o, const struct kind *k, enum lang l)
{
	for (size_t f = 0; f < k->nfields; f++) {
		if (f > 0)
			put(o, L(l, " ", ", "));
		put(o, field_name(&k->fields[f], l));
	}
}

/* The field's display unit in l, "" when it has none. */
static const char *
field_unit(const struct field *f, enum lang l)
{
	return L(l, f->unit_zh, f->unit_en);
}

/*
 * The word that says a yes/no value in l: the first of the field's yes (or
 * no) words written in that script, else a plain 是/否, yes/no.
 */
static const char *
yesno_word(const struct field *f, bool yes, enum lang l)
{
	const char *w = words_in_lang(yes ? &f->yes : &f->no, l);

	if (w != NULL)
		return w;
	return yes ? L(l, "是", "yes") : L(l, "否", "no");
}

/*
 * One value as echoed: "牛12", "硬化1020米", "合格" / "cattle 12",
 * "hardened 1020 m", "passed".  The unit is shown when it carries meaning
 * the name does not: for decimals and for a kind's only field.
 */
static void
put_value(struct out *o, const struct kind *k, const struct field *f, int64_t v, enum lang l)
{
	char num[DEC_TEXT_MAX];
	const char *unit = field_unit(f, l);
	bool with_unit = unit[0] != '\0' && (f->type == FIELD_DECIMAL || k->nfields == 1);

	if (f->type == FIELD_YESNO) {
		put(o, yesno_word(f, v != 0, l));
		return;
	}
	dec_format(v, f->scale, true, num, sizeof num);
	putf(o, L(l, "%s%s", "%s %s"), field_name(f, l), num);
	if (with_unit)
		putf(o, L(l, "%s", " %s"), unit);
}

static const char *const month_abbr[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* See reply.h. */
size_t
reply_period(const struct period *p, enum lang l, char *buf, size_t buflen)
{
	struct out o;
	bool month_ok = p->n >= 1 && p->n <= 12;

	out_init(&o, buf, buflen);
	switch (p->type) {
	case PERIOD_DAY:
		if (l == LANG_EN && month_ok)
			putf(&o, "%d %s", p->day, month_abbr[p->n - 1]);
		else
			putf(&o, "%d月%d日", p->n, p->day);
		break;
	case PERIOD_WEEK:
		putf(&o, "W%02d", p->n);
		break;
	case PERIOD_MONTH:
		if (l == LANG_EN && month_ok)
			put(&o, month_abbr[p->n - 1]);
		else
			putf(&o, "%d月", p->n);
		break;
	case PERIOD_QUARTER:
		putf(&o, "Q%d", p->n);
		break;
	default:
		putf(&o, L(l, "%d年", "%d"), p->year);
		break;
	}
	return o.off;
}

/* " 3组 12月 牲畜" / " G3 Dec livestock": what a report is about. */
static void
put_about(struct out *o, const struct kind *k, const struct period *p, int group, enum lang l)
{
	char per[32];

	if (group > 0)
		putf(o, L(l, " %d组", " G%d"), group);
	if (p != NULL && reply_period(p, l, per, sizeof per) > 0)
		putf(o, " %s", per);
	if (k != NULL)
		putf(o, " %s", kind_name(k, l));
}

/* See reply.h. */
size_t
reply_accepted(const struct parsed *p, int group, enum lang l, char *buf, size_t buflen)
{
	struct out o;

	out_init(&o, buf, buflen);
	if (p->cmd == CMD_FIX)
		put(&o, L(l, "已更正", "Corrected"));
	else
		put(&o, L(l, "已收到", "Received"));
	if (p->kind == NULL)
		return o.off;
	put_about(&o, p->kind, &p->period, group, l);
	put(&o, L(l, "：", ": "));
	for (size_t i = 0; i < p->nvalues; i++) {
		if (i > 0)
			put(&o, L(l, " ", ", "));
		put_value(&o, p->kind, p->values[i].field, p->values[i].v, l);
	}
	return o.off;
}

/* See reply.h. */
size_t
reply_corrected(const struct parsed *p, uint32_t kept, int group, enum lang l, char *buf, size_t buflen)
{
	struct out o;
	size_t n = 0;

	out_init(&o, buf, buflen);
	o.off = reply_accepted(p, group, l, buf, buflen);
	if (p->kind == NULL || kept == 0)
		return o.off;
	put(&o, L(l, "（", " ("));
	for (size_t i = 0; i < p->kind->nfields && i < 32; i++) {
		if (!(kept & (1u << i)))
			continue;
		if (n++ > 0)
			put(&o, L(l, " ", ", "));
		put(&o, field_name(&p->kind->fields[i], l));
	}
	put(&o, L(l, "照旧）", " unchanged)"));
	return o.off;
}

/* The token quoted: “鸡” / "chicken". */
static void
put_token(const struct rctx *r)
{
	putf(r->o, L(r->l, "“%s”", "\"%s\""), r->p->token);
}

static void
err_empty(const struct rctx *r)
{
	put(r->o, L(r->l, "请发要报的数。", "Please send a report. "));
	put_example(r, example_kind(r));
	put(r->o, L(r->l, "。发“帮助”看格式", ". Send HELP for formats."));
}

/*
 * The kinds there are and an example; in Chinese also the hint to send 帮助
 * (in English that would not fit one SMS).
 */
static void
put_kinds_example(const struct rctx *r)
{
	put(r->o, L(r->l, "。可报：", ". Reports: "));
	put_kinds(r->o, r->c, r->l);
	put(r->o, L(r->l, "。", ". "));
	put_example(r, example_kind(r));
	if (r->l == LANG_ZH)
		put(r->o, "。发“帮助”看格式");
}

static void
err_unknown_kind(const struct rctx *r)
{
	put(r->o, L(r->l, "不认识", "Unknown report "));
	put_token(r);
	put_kinds_example(r);
}

static void
err_unknown_field(const struct rctx *r)
{
	if (r->p->kind == NULL) {
		put(r->o, L(r->l, "不认识", "Unknown item "));
		put_token(r);
		put_kinds_example(r);
		return;
	}
	put(r->o, L(r->l, "不认识", "Unknown item "));
	put_token(r);
	putf(r->o, L(r->l, "。%s可报：", ". Items of %s: "), kind_name(r->p->kind, r->l));
	put_fields(r->o, r->p->kind, r->l);
	put(r->o, L(r->l, "。", ". "));
	put_example(r, r->p->kind);
}

/*
 * What kind of bad value the token is: the field's own name (no value
 * after it), a numeral we could not read, a number with too many decimals,
 * or something else.
 */
enum bad_value_kind { BV_NO_VALUE, BV_NUMERAL, BV_DECIMALS, BV_TEXT };

static enum bad_value_kind
bad_value_kind(const struct parsed *p)
{
	char folded[CB_REPLY_MAX];
	struct sms_num n;
	size_t len = utf8_fold_text(p->token, strlen(p->token), folded, sizeof folded);

	if (len == (size_t)-1 || len == 0)
		return BV_NO_VALUE;
	if (p->kind != NULL && kind_field_by_alias(p->kind, p->token, strlen(p->token)) == p->field)
		return BV_NO_VALUE;
	if (field_yesno_word(p->field, p->token, strlen(p->token)) >= 0)
		return BV_NO_VALUE;
	if (sms_num_scan(folded, len, 0, &n) == 0)
		return BV_TEXT;
	return n.err == CB_OK && n.frac > p->field->scale ? BV_DECIMALS : BV_NUMERAL;
}

static void
err_bad_value(const struct rctx *r)
{
	const struct field *f = r->p->field;
	const char *name = f ? field_name(f, r->l) : "";

	if (f == NULL) {
		put_token(r);
		put(r->o, L(r->l, "前面要写报什么。", " needs an item before it. "));
	} else if (f->type == FIELD_YESNO) {
		putf(r->o, L(r->l, "%s只能写%s或%s。", "%s: write %s or %s. "), name,
		    yesno_word(f, true, r->l), yesno_word(f, false, r->l));
	} else {
		switch (bad_value_kind(r->p)) {
		case BV_NO_VALUE:
			putf(r->o, L(r->l, "%s后面要写数字。", "Give a number after %s. "), name);
			break;
		case BV_DECIMALS:
			if (f->scale == 0)
				putf(r->o, L(r->l, "%s要写整数，不能是", "%s must be a whole number, not "), name);
			else
				putf(r->o, L(r->l, "%s最多%u位小数，不能是", "%s takes at most %u decimals, not "),
				    name, f->scale);
			put_token(r);
			put(r->o, L(r->l, "。", ". "));
			break;
		case BV_NUMERAL:
			put(r->o, L(r->l, "看不懂数字", "Cannot read the number "));
			put_token(r);
			put(r->o, L(r->l, "。", ". "));
			break;
		default:
			put_token(r);
			putf(r->o, L(r->l, "不是数字，%s要写数字。", " is not a number; %s takes a number. "), name);
			break;
		}
	}
	put_example(r, example_kind(r));
}

static void
err_out_of_range(const struct rctx *r)
{
	const struct field *f = r->p->field;
	const char *unit;
	char lo[DEC_TEXT_MAX], hi[DEC_TEXT_MAX];

	if (f == NULL) {
		put_token(r);
		put(r->o, L(r->l, "超出范围。", " is out of range."));
		return;
	}
	unit = field_unit(f, r->l);
	dec_format(f->min, f->scale, true, lo, sizeof lo);
	dec_format(f->max, f->scale, true, hi, sizeof hi);
	if (r->l == LANG_EN)
		putf(r->o, "%s %s is out of range: %s to %s%s%s. ", field_name(f, r->l), r->p->token,
		    lo, hi, unit[0] ? " " : "", unit);
	else
		putf(r->o, "%s%s超出范围，应在%s到%s%s之间。", field_name(f, r->l), r->p->token,
		    lo, hi, unit);
	put_example(r, example_kind(r));
}

static void
err_unit_mismatch(const struct rctx *r)
{
	const struct field *f = r->p->field;
	const char *unit = f ? field_unit(f, r->l) : "";

	if (f == NULL) {
		put(r->o, L(r->l, "单位", "Wrong unit "));
		put_token(r);
		put(r->o, L(r->l, "不对。", ". "));
	} else if (unit[0] == '\0') {
		putf(r->o, L(r->l, "%s不用写单位", "%s takes no unit like "), field_name(f, r->l));
		put_token(r);
		put(r->o, L(r->l, "。", ". "));
	} else {
		putf(r->o, L(r->l, "%s的单位不能是", "%s cannot be in "), field_name(f, r->l));
		put_token(r);
		putf(r->o, L(r->l, "，应为%s。", "; use %s. "), unit);
	}
	put_example(r, example_kind(r));
}

static void
err_missing_field(const struct rctx *r)
{
	const struct field *f = r->p->field;

	if (f != NULL && f->required)
		putf(r->o, L(r->l, "缺少%s。", "%s is missing. "), field_name(f, r->l));
	else if (r->p->kind != NULL)
		putf(r->o, L(r->l, "%s没写数字。", "No figures for %s. "), kind_name(r->p->kind, r->l));
	else
		put(r->o, L(r->l, "没写数字。", "No figures given. "));
	put_example(r, example_kind(r));
}

/* How a leader writes a period of each type, and what the type is called. */
static const struct {
	const char *unit_zh, *unit_en;
	const char *hint_zh, *hint_en;
} period_hints[] = {
	[PERIOD_DAY] = { "日", "daily", "昨天、12月5日", "yesterday, 2023-12-05" },
	[PERIOD_WEEK] = { "周", "weekly", "上周、W48", "last week, W48" },
	[PERIOD_MONTH] = { "月", "monthly", "上月、11月", "last month, Nov" },
	[PERIOD_QUARTER] = { "季度", "quarterly", "上季度、Q4", "Q4" },
	[PERIOD_YEAR] = { "年", "yearly", "去年、2023年", "last year" },
};

static void
err_bad_period(const struct rctx *r)
{
	const struct kind *k = r->p->kind;
	unsigned t = k != NULL ? (unsigned)k->period : PERIOD_MONTH;

	if (t >= NELEM(period_hints))
		t = PERIOD_MONTH;
	put(r->o, L(r->l, "时间", "Bad period "));
	put_token(r);
	put(r->o, L(r->l, "不对。", ": "));
	if (k != NULL)
		putf(r->o, L(r->l, "%s按%s报，", "%s is %s, "), kind_name(k, r->l),
		    L(r->l, period_hints[t].unit_zh, period_hints[t].unit_en));
	putf(r->o, L(r->l, "如：%s", "e.g. %s."), L(r->l, period_hints[t].hint_zh, period_hints[t].hint_en));
}

static void
err_future_period(const struct rctx *r)
{
	const struct kind *k = r->p->kind;
	unsigned t = k != NULL ? (unsigned)k->period : NELEM(period_hints);

	put_token(r);
	put(r->o, L(r->l, "还没到，不能提前报。", " is in the future: report it when it is over."));
	if (t < NELEM(period_hints))
		putf(r->o, L(r->l, "如：%s", " E.g. %s."),
		    L(r->l, period_hints[t].hint_zh, period_hints[t].hint_en));
}

/* The kind a word names, as a keyword or a field alias; NULL if none. */
static const struct kind *
kind_of_word(const struct catalog *c, const char *w)
{
	const struct kind *k = catalog_kind_by_keyword(c, w, strlen(w));

	for (size_t i = 0; k == NULL && c != NULL && i < c->nkinds; i++)
		if (kind_field_by_alias(&c->kinds[i], w, strlen(w)) != NULL)
			k = &c->kinds[i];
	for (size_t i = 0; k == NULL && c != NULL && i < c->nkinds; i++)
		for (size_t f = 0; f < c->kinds[i].nfields && k == NULL; f++)
			if (field_yesno_word(&c->kinds[i].fields[f], w, strlen(w)) >= 0)
				k = &c->kinds[i];
	return k;
}

static void
err_ambiguous_kind(const struct rctx *r)
{
	const struct kind *other = kind_of_word(r->c, r->p->token);

	if (r->p->cmd == CMD_FIX) {
		put(r->o, L(r->l, "更正要写明哪类，只写要改的项，其余照旧。例：更正 ",
		    "FIX names the report and what changes; the rest stays. Example: FIX "));
		put(r->o, L(r->l, example_kind(r)->example_zh, example_kind(r)->example_en));
	} else if (other != NULL && other != r->p->kind) {
		put(r->o, L(r->l, "一条只报一类，", "One report per message: "));
		put_token(r);
		putf(r->o, L(r->l, "属于%s。", " belongs to %s. "), kind_name(other, r->l));
		put_example(r, example_kind(r));
	} else {
		put(r->o, L(r->l, "请写明报哪类：", "Say which report: "));
		put_kinds(r->o, r->c, r->l);
		put(r->o, L(r->l, "。", ". "));
		put_example(r, example_kind(r));
	}
}

static void
err_too_large(const struct rctx *r)
{
	put(r->o, L(r->l, "短信太长。一条只报一类，请分开发。", "Message too long. Send one report per message."));
}

static void
err_bad_utf8(const struct rctx *r)
{
	put(r->o, L(r->l, "短信有乱码，请重发。", "The message arrived garbled. Please send it again."));
}

static void
err_duplicate_field(const struct rctx *r)
{
	const char *name = r->p->field ? field_name(r->p->field, r->l) : r->p->token;

	putf(r->o, L(r->l, "%s写了两次，只写一次。", "%s given twice; give it once. "), name);
	put_example(r, example_kind(r));
}

static void
err_bad_group(const struct rctx *r)
{
	if (r->p->token[0] != '\0') {
		put(r->o, L(r->l, "没有", "No group "));
		put_token(r);
		put(r->o, L(r->l, "这个组，", ". "));
	} else if (r->p->group > 0)
		putf(r->o, L(r->l, "没有%d组，", "No group G%d. "), r->p->group);
	put(r->o, L(r->l, "请写本组，如：3组", "Write your group like G3."));
}

static void
err_payload(const struct rctx *r)
{
	putf(r->o, L(r->l, "报告格式不对（%s）。", "Malformed report (%s)."), cb_error_name(r->p->error));
}

static void
err_unknown_sender(const struct rctx *r)
{
	put(r->o, L(r->l, "您好，本号码未登记，不能报数。请联系村委会登记。",
	    "Sorry, this number is not registered for reports. Please ask your village committee to register it."));
}

static void
err_unknown_area(const struct rctx *r)
{
	put(r->o, L(r->l, "您的组还没登记，请联系村委会。",
	    "Your group is not registered yet. Please ask your village committee."));
}

static void
err_not_permitted(const struct rctx *r)
{
	if (r->p->group > 0)
		putf(r->o, L(r->l, "您只能报本组的数，不能报%d组。", "You can only report for your own group, not G%d."),
		    r->p->group);
	else
		put(r->o, L(r->l, "您没有权限报这一项，请联系村委会。",
		    "You may not send this report. Please ask your village committee."));
}

static void
err_nothing_to_fix(const struct rctx *r)
{
	const struct kind *k = r->p->kind;
	bool undo = r->p->cmd == CMD_UNDO;
	char per[32] = "";

	if (k != NULL)
		reply_period(&r->p->period, r->l, per, sizeof per);
	if (r->l == LANG_EN)
		putf(r->o, "There is no%s%s%s%s report to %s.", k ? " " : "", per, k ? " " : "",
		    k ? k->name_en : "", undo ? "withdraw" : "correct; send it as a new one");
	else
		putf(r->o, "没有可%s的%s%s报告%s", undo ? "撤销" : "更正", per, k ? k->name_zh : "",
		    undo ? "。" : "，请直接报。");
	if (!undo) {
		put(r->o, L(r->l, "", " "));
		put_example(r, example_kind(r));
	}
}

static void
err_internal(const struct rctx *r)
{
	put(r->o, L(r->l, "抱歉，系统出错，请稍后再发。", "Sorry, something went wrong on our side. Please try again later."));
}

static void (*const error_fmt[CB_ERROR_COUNT])(const struct rctx *) = {
	[CB_EMPTY] = err_empty,
	[CB_UNKNOWN_KIND] = err_unknown_kind,
	[CB_UNKNOWN_FIELD] = err_unknown_field,
	[CB_BAD_VALUE] = err_bad_value,
	[CB_OUT_OF_RANGE] = err_out_of_range,
	[CB_UNIT_MISMATCH] = err_unit_mismatch,
	[CB_MISSING_FIELD] = err_missing_field,
	[CB_BAD_PERIOD] = err_bad_period,
	[CB_FUTURE_PERIOD] = err_future_period,
	[CB_AMBIGUOUS_KIND] = err_ambiguous_kind,
	[CB_TOO_LARGE] = err_too_large,
	[CB_BAD_UTF8] = err_bad_utf8,
	[CB_DUPLICATE_FIELD] = err_duplicate_field,
	[CB_BAD_GROUP] = err_bad_group,
	[CB_BAD_JSON] = err_payload,
	[CB_BAD_TYPE] = err_payload,
	[CB_MISSING_MEMBER] = err_payload,
	[CB_BAD_ID] = err_payload,
	[CB_BAD_AREA] = err_payload,
	[CB_UNKNOWN_SENDER] = err_unknown_sender,
	[CB_UNKNOWN_AREA] = err_unknown_area,
	[CB_NOT_PERMITTED] = err_not_permitted,
	[CB_NOTHING_TO_FIX] = err_nothing_to_fix,
	[CB_INTERNAL] = err_internal,
};

/* See reply.h.  CB_OK reads as the accepted echo; a code out of range as internal. */
size_t
reply_error(const struct catalog *c, const struct parsed *p, enum lang l, char *buf, size_t buflen)
{
	struct out o;
	struct rctx r = { c, p, l == LANG_EN ? LANG_EN : LANG_ZH, &o };

	if (p->error == CB_OK)
		return reply_accepted(p, p->group, l, buf, buflen);
	out_init(&o, buf, buflen);
	if ((unsigned)p->error >= CB_ERROR_COUNT || error_fmt[p->error] == NULL)
		err_internal(&r);
	else
		error_fmt[p->error](&r);
	return o.off;
}

/* See reply.h. */
size_t
reply_help(const struct catalog *c, const struct kind *k, enum lang l, char *buf, size_t buflen)
{
	struct out o;
	unsigned t;

	out_init(&o, buf, buflen);
	if (k == NULL) {
		const struct kind *first = c != NULL && c->nkinds > 0 ? &c->kinds[0] : NULL;
		put(&o, L(l, "可报：", "Reports: "));
		put_kinds(&o, c, l);
		if (first == NULL)
			return o.off;
		if (l == LANG_EN)	/* the keyword its example starts with: "HELP LS" */
			putf(&o, ". Example: %s. Send HELP %.*s for items.", first->example_en,
			    (int)strcspn(first->example_en, " "), first->example_en);
		else
			putf(&o, "。例：%s。发“帮助 %s”看项目", first->example_zh, first->name_zh);
		return o.off;
	}
	t = (unsigned)k->period < NELEM(period_hints) ? (unsigned)k->period : PERIOD_MONTH;
	putf(&o, L(l, "%s（按%s报）：", "%s (%s): "), kind_name(k, l),
	    L(l, period_hints[t].unit_zh, period_hints[t].unit_en));
	put_fields(&o, k, l);
	putf(&o, L(l, "。例：%s", ". Example: %s"), L(l, k->example_zh, k->example_en));
	return o.off;
}

/* See reply.h. */
size_t
reply_undone(const struct kind *k, const struct period *p, int group, enum lang l, char *buf,
    size_t buflen)
{
	struct out o;

	out_init(&o, buf, buflen);
	put(&o, L(l, "已撤销", "Withdrawn"));
	if (k == NULL && p == NULL && group <= 0) {
		put(&o, L(l, "上一条报告", " your last report"));
		return o.off;
	}
	put_about(&o, k, p, group, l);
	return o.off;
}

/*
 * One aggregated figure: a rate as a percentage ("合格75%"), a yes/no
 * figure as its word, anything else as an exact decimal at its scale.
 */
static void
put_figure(struct out *o, const struct reply_figure *fg, enum lang l)
{
	char num[DEC_TEXT_MAX];
	int64_t v = fg->v;
	unsigned scale = fg->scale;

	if (fg->field == NULL)
		return;
	if (fg->field->agg == AGG_RATE) {
		if (scale >= 2)
			scale -= 2;
		else if (!dec_rescale_up(v, scale, 2, &v))
			v = 0, scale = 0;
		else
			scale = 0;
		dec_format(v, scale, true, num, sizeof num);
		putf(o, L(l, "%s%s%%", "%s %s%%"), field_name(fg->field, l), num);
		return;
	}
	if (fg->field->type == FIELD_YESNO && scale == 0) {
		put(o, yesno_word(fg->field, v != 0, l));
		return;
	}
	dec_format(v, scale, true, num, sizeof num);
	putf(o, L(l, "%s%s", "%s %s"), field_name(fg->field, l), num);
}

/* A list of figures, or a word saying there are none. */
static void
put_figures(struct out *o, const struct reply_figure *f, size_t n, const char *none, enum lang l)
{
	if (f == NULL || n == 0) {
		put(o, none);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			put(o, L(l, " ", ", "));
		put_figure(o, &f[i], l);
	}
}

/* See reply.h. */
size_t
reply_query(const struct kind *k, const struct period *p, int group,
    const struct reply_figure *mine, size_t nmine,
    const struct reply_figure *all, size_t nall,
    enum lang l, char *buf, size_t buflen)
{
	struct out o;
	char per[32] = "";

	out_init(&o, buf, buflen);
	if (p != NULL)
		reply_period(p, l, per, sizeof per);
	if (l == LANG_EN) {
		if (group > 0)
			putf(&o, "G%d ", group);
		putf(&o, "%s%s%s: ", per, per[0] ? " " : "", k ? kind_name(k, l) : "");
	} else {
		if (group > 0)
			putf(&o, "%d组", group);
		putf(&o, "%s%s：", per, k ? kind_name(k, l) : "");
	}
	if (group <= 0) {
		/* A query about a whole area (a village admin's): its own figures only. */
		put_figures(&o, mine, nmine, L(l, "暂无", "none yet"), l);
		return o.off;
	}
	put_figures(&o, mine, nmine, L(l, "还没报", "not reported yet"), l);
	put(&o, L(l, "；全村：", "; village: "));
	put_figures(&o, all, nall, L(l, "暂无", "none yet"), l);
	return o.off;
}
