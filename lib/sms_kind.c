/*
 * sms_kind.c — the words of a message against the catalog, and its kind:
 * named by its first keyword, or else inferred as the one kind that has
 * every field word of the message (sms.c walks the tokens once it is known).
 */
#include <string.h>

#include "sms_int.h"

#define NONE SMS_NONE

/* The folded text of token i. */
const char *
sms_tok_word(const struct sms_walk *w, size_t i, size_t *n)
{
	*n = w->lx->tok[i].end - w->lx->tok[i].start;
	return w->lx->text.s + w->lx->tok[i].start;
}

/* True if token i exists and is a value: a number or a yes/no word. */
bool
sms_tok_is_value(const struct sms_walk *w, size_t i)
{
	return i < w->lx->ntok &&
	    (w->lx->tok[i].type == TOK_NUM || w->lx->tok[i].type == TOK_YESNO);
}

/* True if token i is one of the catalog's words. */
bool
sms_tok_known(const struct sms_walk *w, size_t i)
{
	return i < w->lx->ntok && w->lx->tok[i].type == TOK_WORD && w->lx->tok[i].known;
}

/*
 * True if folded word s[0..n) (0 < n < CATALOG_WORD_MAX, no NUL) is one of
 * ws.  The words of a message are folded already, so this is what
 * kind_field_by_alias and field_yesno_word find, without folding again.
 */
static bool
words_hold(const struct words *ws, const char *s, size_t n)
{
	for (size_t k = 0; k < ws->n && k < CATALOG_WORDS_MAX; k++)
		if (ws->w[k][0] == s[0] && strncmp(ws->w[k], s, n) == 0 && ws->w[k][n] == '\0')
			return true;
	return false;
}

/*
 * The field of k that folded word s[0..n) names: first a yes/no word of a
 * yesno field, then an alias, each in field order.  *yn is 1 for a field's
 * yes word (合格), 0 for its no word (不合格), -1 for a plain alias.  NULL
 * if none.
 */
const struct field *
sms_field_lookup(const struct kind *k, const char *s, size_t n, int *yn)
{
	size_t nf = k->nfields < CB_MAX_FIELDS ? k->nfields : CB_MAX_FIELDS;

	*yn = -1;
	if (n == 0 || n >= CATALOG_WORD_MAX)
		return NULL;
	for (size_t f = 0; f < nf; f++) {
		const struct field *fd = &k->fields[f];
		if (fd->type != FIELD_YESNO)
			continue;
		if (words_hold(&fd->yes, s, n) || words_hold(&fd->no, s, n)) {
			*yn = words_hold(&fd->yes, s, n);
			return fd;
		}
	}
	for (size_t f = 0; f < nf; f++)
		if (words_hold(&k->fields[f].aliases, s, n))
			return &k->fields[f];
	return NULL;
}

/*
 * True if some kind has a field that folded word s[0..n) names: an alias,
 * or a yes/no word of a yesno field.  One look in the catalog's index.
 */
bool
sms_field_anywhere(const struct catalog *c, const char *s, size_t n)
{
	const struct catalog_word *cw = catalog_word_find(c, s, n);

	return cw != NULL && cw->field;
}

/* The kind one of whose keywords is folded word s[0..n), or NULL (the index). */
const struct kind *
sms_keyword_kind(const struct catalog *c, const char *s, size_t n)
{
	const struct catalog_word *cw = catalog_word_find(c, s, n);

	return cw != NULL ? cw->keyword_of : NULL;
}

/* True if folded word s[0..n) is the unit of some field of some kind (the index). */
bool
sms_unit_anywhere(const struct catalog *c, const char *s, size_t n)
{
	const struct catalog_word *cw = catalog_word_find(c, s, n);

	return cw != NULL && cw->unit;
}

/*
 * Token j read as a plain yes/no value (是, yes, √, 1/0 are numbers and
 * handled apart).  Returns 1, 0, or -1 when it is not one.  A field's own
 * words (合格 不合格) are not values: "合格 不合格" names the field twice.
 */
int
sms_tok_yesno(const struct sms_walk *w, size_t j)
{
	const char *s;
	size_t n;

	if (j >= w->lx->ntok)
		return -1;
	if (w->lx->tok[j].type == TOK_YESNO)
		return w->lx->tok[j].u.yes;
	if (!sms_tok_known(w, j))
		return -1;
	s = sms_tok_word(w, j, &n);
	return sms_yesno_word(s, n);
}

/*
 * Finds the first keyword naming a kind and marks every keyword of that
 * kind.  A word that is both a keyword and a field name counts as the field
 * when a value follows it.
 */
void
sms_kind_named(struct sms_walk *w)
{
	for (size_t i = w->first; i < w->lx->ntok; i++) {
		const struct kind *k;
		const char *s;
		size_t n;

		if (!sms_tok_known(w, i))
			continue;
		s = sms_tok_word(w, i, &n);
		if ((k = sms_keyword_kind(w->c, s, n)) == NULL ||
		    (sms_field_anywhere(w->c, s, n) && sms_tok_is_value(w, i + 1)))
			continue;
		if (w->kind == NULL) {
			w->kind = k;
			w->kind_tok = i;
		}
		if (k == w->kind)
			w->is_kw[i] = true;
	}
}

/* True if token i is a word naming a field of some kind (not the kind's keyword). */
static bool
tok_field_word(const struct sms_walk *w, size_t i)
{
	const char *s;
	size_t n;

	if (!sms_tok_known(w, i) || w->is_kw[i] || sms_tok_yesno(w, i) >= 0)
		return false;
	s = sms_tok_word(w, i, &n);
	return sms_field_anywhere(w->c, s, n);
}

/* Index of the first field word of the message that kind k lacks, or NONE. */
static size_t
kind_lacks(const struct sms_walk *w, const struct kind *k)
{
	for (size_t i = w->first; i < w->lx->ntok; i++) {
		const char *s;
		size_t n;
		int yn;

		if (!tok_field_word(w, i))
			continue;
		s = sms_tok_word(w, i, &n);
		if (sms_field_lookup(k, s, n, &yn) == NULL)
			return i;
	}
	return NONE;
}

/* The type of the first period token of the message, or -1 if there is none. */
static int
period_written(const struct sms_walk *w)
{
	for (size_t i = w->first; i < w->lx->ntok; i++)
		if (w->lx->tok[i].type == TOK_PERIOD && w->lx->tok[i].err == CB_OK)
			return (int)w->lx->tok[i].u.when.type;
	return -1;
}

/*
 * Infers the kind from the field words when no keyword named it: the one
 * kind that has them all; when several do, the one whose period type is
 * the one written.  Returns NONE on success or when there are no field
 * words, else the token where the message stops fitting one kind: the
 * first field word no kind shares with the words before it, or the first
 * field word when several kinds fit (ambiguous_kind).
 */
size_t
sms_kind_infer(struct sms_walk *w)
{
	const struct kind *fit = NULL, *fit_period = NULL;
	size_t first = NONE, furthest = 0, nfit = 0, nfit_period = 0, lacks;
	int ptype = period_written(w);

	for (size_t i = w->first; i < w->lx->ntok && first == NONE; i++)
		if (tok_field_word(w, i))
			first = i;
	if (first == NONE)
		return NONE;
	for (size_t k = 0; k < w->c->nkinds; k++) {
		const struct kind *kd = &w->c->kinds[k];
		if ((lacks = kind_lacks(w, kd)) != NONE) {
			furthest = lacks > furthest ? lacks : furthest;
			continue;
		}
		fit = kd;
		nfit++;
		if ((int)kd->period == ptype) {
			fit_period = kd;
			nfit_period++;
		}
	}
	if (nfit == 1 || nfit_period == 1) {
		w->kind = nfit == 1 ? fit : fit_period;
		return NONE;
	}
	return nfit == 0 ? furthest : first;
}
