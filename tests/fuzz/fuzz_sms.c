/*
 * fuzz_sms.c — feeds arbitrary bytes to sms_parse against the shipped
 * catalog, and every parse to the reply formatters, in both languages and
 * into buffers of every size class.  Checks what the daemon relies on:
 *   - the result is deterministic and its error is the one returned;
 *   - a problem's span lies within the text and its token is a valid,
 *     terminated prefix of that span;
 *   - an accepted report has a kind, at least one value, values of that
 *     kind in field order within their bounds, a period of the kind's type
 *     that is not in the future, a group in 0..99;
 *   - every reply is terminated, valid UTF-8 and fits its buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "shipped_catalog.h"
#include "reply.h"
#include "sms.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1701736200		/* 2023-12-05T08:30+08:00 */

static struct catalog *cat;
static const struct sms_context ctx = { NOW, 28800 };

/* A reply of n bytes in buf[len] is terminated, fits and is valid UTF-8. */
static void
check_text(const char *buf, size_t len, size_t n)
{
	if (len == 0) {
		if (n != 0)
			abort();
		return;
	}
	if (n >= len || buf[n] != '\0' || strlen(buf) != n || !utf8_valid(buf, n))
		abort();
}

/* The span and token of a refused message. */
static void
check_problem(const struct parsed *p, const uint8_t *data, size_t size)
{
	size_t tl = strlen(p->token);

	if (p->at[0] > p->at[1] || p->at[1] > size || tl >= sizeof p->token)
		abort();
	if (p->error == CB_BAD_UTF8 || p->error == CB_TOO_LARGE)
		return;
	if (tl > p->at[1] - p->at[0] || memcmp(p->token, data + p->at[0], tl) != 0 ||
	    !utf8_valid(p->token, tl))
		abort();
}

/* The promises of an accepted message. */
static void
check_accepted(const struct parsed *p)
{
	struct period cur;

	if ((unsigned)p->cmd > CMD_UNDO || p->group < 0 || p->group > 99)
		abort();
	if ((p->cmd == CMD_REPORT || p->cmd == CMD_FIX) && (p->kind == NULL || p->nvalues == 0))
		abort();
	if (p->kind == NULL) {
		if (p->nvalues != 0)
			abort();
		return;
	}
	if (p->kind < cat->kinds || p->kind >= cat->kinds + cat->nkinds)
		abort();
	cur = period_of(p->kind->period, NOW, ctx.utc_offset);
	if (p->period.type != p->kind->period || period_cmp(&p->period, &cur) > 0)
		abort();
	for (size_t i = 0; i < p->nvalues; i++) {
		const struct field *f = p->values[i].field;
		if (f != &p->kind->fields[f->index] || p->values[i].v < f->min || p->values[i].v > f->max)
			abort();
		if (i > 0 && p->values[i - 1].field->index >= f->index)
			abort();
	}
}

/* Every formatter on p, in both languages, into a buffer of `small` bytes and a full one. */
static void
check_replies(const struct parsed *p, size_t small)
{
	char buf[CB_REPLY_MAX];
	const size_t sizes[] = { small, sizeof buf };
	struct reply_figure fig[CB_MAX_FIELDS];
	size_t nfig = 0;

	for (size_t i = 0; i < p->nvalues; i++)
		fig[nfig++] = (struct reply_figure){ p->values[i].field, p->values[i].v,
		    p->values[i].field->scale };
	for (int l = LANG_ZH; l <= LANG_EN; l++)
		for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
			size_t len = sizes[k];
			enum lang lg = (enum lang)l;
			if (p->error != CB_OK) {
				check_text(buf, len, reply_error(cat, p, lg, buf, len));
				continue;
			}
			check_text(buf, len, reply_accepted(p, p->group, lg, buf, len));
			check_text(buf, len, reply_help(cat, p->kind, lg, buf, len));
			check_text(buf, len, reply_undone(p->kind, p->kind ? &p->period : NULL,
			    p->group, lg, buf, len));
			check_text(buf, len, reply_query(p->kind, &p->period, p->group, fig, nfig,
			    fig, nfig, lg, buf, len));
		}
}

/* True if two parses of the same text mean the same. */
static bool
same(const struct parsed *a, const struct parsed *b)
{
	if (a->error != b->error || a->cmd != b->cmd || a->kind != b->kind || a->group != b->group ||
	    a->period_given != b->period_given || a->nvalues != b->nvalues || a->lang != b->lang ||
	    a->field != b->field || a->at[0] != b->at[0] || a->at[1] != b->at[1] ||
	    strcmp(a->token, b->token) != 0 || period_cmp(&a->period, &b->period) != 0)
		return false;
	for (size_t i = 0; i < a->nvalues; i++)
		if (a->values[i].field != b->values[i].field || a->values[i].v != b->values[i].v)
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parsed p, again;

	if (cat == NULL)
		cat = shipped_catalog();
	enum cb_error e = sms_parse(cat, (const char *)data, size, &ctx, &p);
	if (e != p.error || (unsigned)e >= CB_ERROR_COUNT)
		abort();
	sms_parse(cat, (const char *)data, size, &ctx, &again);
	if (!same(&p, &again))
		abort();
	if (e != CB_OK)
		check_problem(&p, data, size);
	else
		check_accepted(&p);
	check_replies(&p, size % 24);
	return 0;
}
