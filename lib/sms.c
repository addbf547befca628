/*
 * sms.c — from tokens to a struct parsed (docs/sms.md).
 *
 * After the checks on the raw text (size, UTF-8, blank), the tokens of
 * sms_lex are read in three steps:
 *   1. the command, if the message starts with one (帮助 查询 更正 撤销);
 *   2. the kind: named by its first keyword, or else inferred as the one
 *      kind that has every field word of the message;
 *   3. a walk over the tokens in order, one handler per token type, taking
 *      field/value pairs, units, the group and the period, and stopping at
 *      the first problem.
 * When the kind cannot be inferred, the walk still runs (without resolving
 * fields) so that a problem earlier in the text is the one reported.  The
 * kind itself is found in sms_kind.c.
 */
#include <string.h>

#include "sms.h"
#include "sms_int.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NONE SMS_NONE

static const char *const command_names[] = {
	[CMD_REPORT] = "report", [CMD_HELP] = "help", [CMD_QUERY] = "query",
	[CMD_FIX] = "fix", [CMD_UNDO] = "undo",
};

/* See parsed.h. */
const char *
command_name(enum command c)
{
	if ((unsigned)c >= NELEM(command_names))
		return "unknown";
	return command_names[c];
}

/*
 * Records problem e at the original bytes [at0, at1) unless one is already
 * recorded; the offending text is copied (truncated on a character
 * boundary).  Returns e.
 */
static enum cb_error
fail_at(struct parsed *out, const char *text, enum cb_error e, uint32_t at0, uint32_t at1,
    const struct field *f)
{
	size_t n;

	if (out->error != CB_OK)
		return out->error;
	out->error = e;
	out->at[0] = at0;
	out->at[1] = at1;
	out->field = f;
	n = at1 > at0 ? utf8_truncate(text + at0, at1 - at0, sizeof out->token - 1) : 0;
	if (n > 0)
		memcpy(out->token, text + at0, n);
	out->token[n] = '\0';
	return e;
}

/* Records problem e at tokens a..b (inclusive) of the walk; returns NONE. */
static size_t
fail(struct sms_walk *w, enum cb_error e, size_t a, size_t b, const struct field *f)
{
	uint32_t first[2], last[2];

	if (w->out->error != CB_OK)
		return NONE;
	sms_span(&w->lx->text, w->lx->tok[a].start, w->lx->tok[a].end, first);
	sms_span(&w->lx->text, w->lx->tok[b].start, w->lx->tok[b].end, last);
	fail_at(w->out, w->text, e, first[0], last[1], f);
	w->err_tok = a;
	return NONE;
}

/* Stores v for f, in the kind's field order. */
static void
value_put(struct sms_walk *w, const struct field *f, int64_t v)
{
	if (f->index >= CB_MAX_FIELDS)
		return;
	w->seen[f->index] = true;
	w->vals[f->index] = v;
}

/*
 * The unit after a value, at token j: one of f's units is taken, the unit
 * of another field (牛12米) is unit_mismatch; any other word is left for
 * the next step.  Returns the next token, NONE on a problem.
 */
static size_t
take_unit(struct sms_walk *w, size_t j, const struct field *f)
{
	size_t n;
	const char *s;
	int yn;

	if (!sms_tok_known(w, j))
		return j;
	s = sms_tok_word(w, j, &n);
	if (field_has_unit(f, s, n))
		return j + 1;
	if (sms_unit_anywhere(w->c, s, n) && sms_field_lookup(w->kind, s, n, &yn) == NULL &&
	    sms_keyword_kind(w->c, s, n) == NULL)
		return fail(w, CB_UNIT_MISMATCH, j, j, f);
	return j;
}

/*
 * The number at token j as the value of f, then its unit.  Checks, in this
 * order: the numeral, the fraction digits against f's scale, the unit, the
 * bounds.  Returns the next token, NONE on a problem.
 */
static size_t
take_number(struct sms_walk *w, size_t j, const struct field *f)
{
	const struct sms_tok *t = &w->lx->tok[j];
	int64_t v;
	size_t next;

	if (t->err != CB_OK)
		return fail(w, t->err == CB_OUT_OF_RANGE ? CB_OUT_OF_RANGE : CB_BAD_VALUE, j, j, f);
	if (f->type == FIELD_YESNO) {
		if (t->u.num.frac != 0 || (t->u.num.m != 0 && t->u.num.m != 1))
			return fail(w, CB_BAD_VALUE, j, j, f);
		value_put(w, f, t->u.num.m);
		return j + 1;
	}
	if (!sms_num_scaled(&t->u.num, f->scale, &v))
		return fail(w, CB_BAD_VALUE, j, j, f);
	if ((next = take_unit(w, j + 1, f)) == NONE)
		return NONE;
	if (v < f->min || v > f->max)
		return fail(w, CB_OUT_OF_RANGE, j, next - 1, f);
	value_put(w, f, v);
	return next;
}

/*
 * The value of yes/no field f named by token i: an explicit value after it
 * (是, no, 1, 0; after a plain alias also the field's words: 检查 合格) or,
 * for the field's own yes/no words, the word itself.
 * "不合格 是" reads as the no word confirmed: 0.
 */
static size_t
take_yesno(struct sms_walk *w, size_t i, const struct field *f, int yn)
{
	size_t j = i + 1, n;
	int v = sms_tok_yesno(w, j);
	const char *s;

	if (v < 0 && yn < 0 && sms_tok_known(w, j)) {
		s = sms_tok_word(w, j, &n);
		v = field_yesno_word(f, s, n);	/* 检查 合格 */
	}
	if (v >= 0) {
		value_put(w, f, yn == 0 ? !v : v);
		return j + 1;
	}
	if (j < w->lx->ntok && w->lx->tok[j].type == TOK_NUM) {
		if ((j = take_number(w, j, f)) != NONE && yn == 0)
			w->vals[f->index] = !w->vals[f->index];
		return j;
	}
	if (yn < 0)
		return fail(w, CB_BAD_VALUE, i, i, f);
	value_put(w, f, yn);
	return j;
}

/* Field f named by token i, and its value. */
static size_t
take_field(struct sms_walk *w, size_t i, const struct field *f, int yn)
{
	size_t j = i + 1;

	if (f->index < CB_MAX_FIELDS && w->seen[f->index])
		return fail(w, CB_DUPLICATE_FIELD, i, i, f);
	if (f->type == FIELD_YESNO)
		return take_yesno(w, i, f, yn);
	if (j < w->lx->ntok && w->lx->tok[j].type == TOK_NUM)
		return take_number(w, j, f);
	if (j < w->lx->ntok && w->lx->tok[j].type == TOK_WORD && !w->lx->tok[j].known)
		return fail(w, CB_BAD_VALUE, j, j, f);	/* 牛abc */
	if (sms_tok_yesno(w, j) >= 0)
		return fail(w, CB_BAD_VALUE, j, j, f);	/* 牛 是 */
	return fail(w, CB_BAD_VALUE, i, i, f);		/* 牛 猪40: no value */
}

/* Skips a field word and its value when fields cannot be resolved. */
static size_t
skip_field(struct sms_walk *w, size_t i)
{
	size_t j = i + 1;

	if (sms_tok_is_value(w, j))
		j++;
	if (j > i + 1 && sms_tok_known(w, j)) {
		size_t n;
		const char *s = sms_tok_word(w, j, &n);
		if (sms_unit_anywhere(w->c, s, n) && !sms_field_anywhere(w->c, s, n))
			j++;
	}
	return j;
}

/*
 * A word (or a command out of place) that means nothing here.  The first
 * word of a message, not followed by a value, was meant as a kind (养殖);
 * anything else as a field (鸡12).
 */
static size_t
walk_unknown(struct sms_walk *w, size_t i)
{
	bool kindish = w->args_only ||
	    (i == w->first && !sms_tok_is_value(w, i + 1) &&
	    (w->kind_tok == NONE || w->kind_tok > i));

	return fail(w, kindish ? CB_UNKNOWN_KIND : CB_UNKNOWN_FIELD, i, i, NULL);
}

static size_t walk_yesno(struct sms_walk *, size_t);

static size_t
walk_word(struct sms_walk *w, size_t i)
{
	const struct kind *k;
	const struct field *f;
	const char *s;
	size_t n;
	int yn;

	if (w->is_kw[i])
		return i + 1;
	s = sms_tok_word(w, i, &n);
	if (!w->lx->tok[i].known)
		return walk_unknown(w, i);
	if (sms_tok_yesno(w, i) >= 0)
		return walk_yesno(w, i);	/* 是 with no yes/no field before it */
	if (w->kind != NULL && !w->args_only && (f = sms_field_lookup(w->kind, s, n, &yn)) != NULL)
		return take_field(w, i, f, yn);
	if (sms_field_anywhere(w->c, s, n) && (w->kind_failed || w->args_only))
		return skip_field(w, i);
	if ((k = sms_keyword_kind(w->c, s, n)) != NULL && k != w->kind)
		return fail(w, CB_AMBIGUOUS_KIND, i, i, NULL);
	if (k != NULL)
		return i + 1;
	if (sms_unit_anywhere(w->c, s, n))
		return fail(w, CB_UNIT_MISMATCH, i, i, NULL);	/* a unit with no value before it */
	return walk_unknown(w, i);
}

/*
 * The one field a bare value can belong to (道路 1020米): the kind was named
 * before it, and exactly one of its non-yes/no fields takes the unit written
 * after the value (any field, when there is no unit and the kind has one).
 */
static const struct field *
bare_target(struct sms_walk *w, size_t i)
{
	const struct field *found = NULL;
	const char *s = NULL;
	size_t n = 0, count = 0;

	if (w->kind == NULL || w->args_only || w->kind_tok == NONE || w->kind_tok > i)
		return NULL;
	if (sms_tok_known(w, i + 1))
		s = sms_tok_word(w, i + 1, &n);
	for (size_t f = 0; f < w->kind->nfields && f < CB_MAX_FIELDS; f++) {
		const struct field *fd = &w->kind->fields[f];
		if (fd->type == FIELD_YESNO || (s != NULL && !field_has_unit(fd, s, n)))
			continue;
		found = fd;
		count++;
	}
	return count == 1 ? found : NULL;
}

/* A number with no field before it: a bare value, or a value before its field (12牛). */
static size_t
walk_number(struct sms_walk *w, size_t i)
{
	const struct field *f = bare_target(w, i);

	if (f == NULL)
		return fail(w, CB_BAD_VALUE, i, i, NULL);
	if (f->index < CB_MAX_FIELDS && w->seen[f->index])
		return fail(w, CB_DUPLICATE_FIELD, i, i, f);
	return take_number(w, i, f);
}

/* 是/否 with no yes/no field before it. */
static size_t
walk_yesno(struct sms_walk *w, size_t i)
{
	return fail(w, CB_BAD_VALUE, i, i, NULL);
}

static size_t
walk_group(struct sms_walk *w, size_t i)
{
	const struct sms_tok *t = &w->lx->tok[i];

	if (t->err != CB_OK || (w->out->group != 0 && w->out->group != t->u.group))
		return fail(w, CB_BAD_GROUP, i, i, NULL);
	w->out->group = t->u.group;
	return i + 1;
}

/*
 * A period token: one per message, of the kind's period type, not in the
 * future.  Without a kind (撤销 11月) it stands as its own type.
 */
static size_t
walk_period(struct sms_walk *w, size_t i)
{
	const struct sms_tok *t = &w->lx->tok[i];
	enum cb_error e;

	if (w->out->period_given || (w->kind != NULL && t->u.when.type != w->kind->period))
		return fail(w, CB_BAD_PERIOD, i, i, NULL);
	e = sms_when_resolve(&t->u.when, w->ctx->now, w->ctx->utc_offset, &w->out->period);
	if (e != CB_OK)
		return fail(w, e, i, i, NULL);
	w->out->period_given = true;
	return i + 1;
}

static size_t (*const walkers[TOK_TYPE_COUNT])(struct sms_walk *, size_t) = {
	[TOK_WORD] = walk_word,
	[TOK_NUM] = walk_number,
	[TOK_YESNO] = walk_yesno,
	[TOK_GROUP] = walk_group,
	[TOK_PERIOD] = walk_period,
	[TOK_CMD] = walk_unknown,
};

/*
 * What a complete report needs once the walk is through: a kind, at least
 * one value, every required field.  A correction (更正) needs a kind and one
 * value: cunbaod carries the fields it omits over from the report it
 * replaces, which had every required one.
 */
static void
walk_finish(struct sms_walk *w)
{
	struct parsed *out = w->out;
	uint32_t end = (uint32_t)w->lx->text.orig_len;
	const struct field *missing = NULL;
	size_t nseen = 0;

	if (w->args_only)
		return;
	if (w->kind == NULL) {
		fail(w, CB_AMBIGUOUS_KIND, 0, w->lx->ntok - 1, NULL);
		return;
	}
	for (size_t f = 0; f < w->kind->nfields && f < CB_MAX_FIELDS; f++) {
		nseen += w->seen[f];
		if (missing == NULL && w->kind->fields[f].required && !w->seen[f] && out->cmd != CMD_FIX)
			missing = &w->kind->fields[f];
	}
	if (nseen == 0 && missing == NULL && w->kind->nfields > 0)
		missing = &w->kind->fields[0];
	if (missing != NULL)
		fail_at(out, w->text, CB_MISSING_FIELD, end, end, missing);
}

/* Copies the values out in field order and the default period. */
static void
walk_result(struct sms_walk *w)
{
	struct parsed *out = w->out;

	out->kind = w->kind;
	if (w->kind == NULL)
		return;
	for (size_t f = 0; f < w->kind->nfields && f < CB_MAX_FIELDS; f++)
		if (w->seen[f]) {
			out->values[out->nvalues].field = &w->kind->fields[f];
			out->values[out->nvalues].v = w->vals[f];
			out->nvalues++;
		}
	if (!out->period_given)
		out->period = period_of(w->kind->period, w->ctx->now, w->ctx->utc_offset);
}

/*
 * Steps 1 to 3 above on lexed text.  An inference failure is reported only
 * when the walk found nothing earlier.
 */
static void
parse_tokens(struct sms_walk *w)
{
	const struct sms_tok *t0 = &w->lx->tok[0];
	size_t infer_at = NONE;

	if (t0->type == TOK_CMD) {
		w->out->cmd = t0->u.cmd;
		w->first = 1;
		w->args_only = t0->u.cmd != CMD_FIX;
	}
	sms_kind_named(w);
	if (w->kind == NULL && (infer_at = sms_kind_infer(w)) != NONE)
		w->kind_failed = true;
	w->out->kind = w->kind;
	for (size_t i = w->first; i < w->lx->ntok && i != NONE;)
		i = walkers[w->lx->tok[i].type](w, i);
	if (infer_at != NONE && (w->err_tok == NONE || w->err_tok > infer_at)) {
		w->out->error = CB_OK;
		fail(w, CB_AMBIGUOUS_KIND, infer_at, infer_at, NULL);
	}
	if (w->out->error == CB_OK)
		walk_finish(w);
	if (w->out->error == CB_OK)
		walk_result(w);
}

/* Offset of the first malformed byte of text, or len if it is valid UTF-8. */
static size_t
utf8_first_bad(const char *text, size_t len)
{
	size_t i = 0, start;

	while (i < len) {
		start = i;
		if (utf8_next(text, len, &i) < 0)
			return start;
	}
	return len;
}

/* LANG_ZH if the text has any CJK character, else LANG_EN. */
static enum lang
text_lang(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len)
		if (utf8_is_cjk(utf8_next(text, len, &i)))
			return LANG_ZH;
	return LANG_EN;
}

/* See sms.h. */
enum cb_error
sms_parse(const struct catalog *c, const char *text, size_t len,
    const struct sms_context *ctx, struct parsed *out)
{
	static const struct sms_context utc = { 0, 0 };
	struct sms_lexed lx;
	struct sms_walk w;
	size_t bad;

	memset(out, 0, sizeof *out);
	if (text == NULL)
		len = 0;
	out->lang = text_lang(text, len);
	if (len > CB_TEXT_MAX) {
		out->error = CB_TOO_LARGE;
		out->at[1] = (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len);
		return out->error;
	}
	if ((bad = utf8_first_bad(text, len)) < len) {
		out->error = CB_BAD_UTF8;
		out->at[0] = (uint32_t)bad;
		out->at[1] = (uint32_t)bad + 1;
		return out->error;
	}
	if (c == NULL)
		return fail_at(out, text, CB_INTERNAL, 0, 0, NULL);
	sms_fold(text, len, &lx.text);
	sms_lex(c, &lx);
	if (lx.ntok == 0)
		return fail_at(out, text, CB_EMPTY, 0, (uint32_t)len, NULL);
	w = (struct sms_walk){ .c = c, .ctx = ctx ? ctx : &utc, .text = text, .lx = &lx,
	    .out = out, .kind_tok = NONE, .err_tok = NONE };
	parse_tokens(&w);
	return out->error;
}
