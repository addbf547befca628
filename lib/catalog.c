/*
 * catalog.c — looking things up in a loaded catalog: kinds by code or
 * keyword, fields by code or alias, units, yes/no words, names.
 *
 * Loading and checking the JSON lives in catalog_load.c.  Every stored word
 * is folded already (utf8_fold_text), so a lookup folds the caller's word
 * once and compares bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const field_type_names[] = {
	[FIELD_COUNT] = "count",
	[FIELD_DECIMAL] = "decimal",
	[FIELD_YESNO] = "yesno",
};

static const char *const agg_names[] = {
	[AGG_LAST] = "last",
	[AGG_SUM] = "sum",
	[AGG_AVG] = "avg",
	[AGG_MAX] = "max",
	[AGG_RATE] = "rate",
};

/* Frees c and its kinds; NULL is a no-op. */
void
catalog_free(struct catalog *c)
{
	if (c == NULL)
		return;
	free(c->kinds);
	free(c);
}

/*
 * Folds w[0..len) into out (CATALOG_WORD_MAX bytes).  False when it is not
 * valid UTF-8, is empty or is longer than any stored word can be: then it
 * matches nothing.
 */
static bool
word_fold(const char *w, size_t len, char *out)
{
	if (w == NULL || len == 0)
		return false;
	size_t n = utf8_fold_text(w, len, out, CATALOG_WORD_MAX);
	return n != (size_t)-1 && n > 0;
}

/* True if the folded word is one of ws. */
static bool
words_has(const struct words *ws, const char *folded)
{
	for (size_t i = 0; i < ws->n; i++)
		if (strcmp(ws->w[i], folded) == 0)
			return true;
	return false;
}

/* Looks a kind up by its code (exact, codes are lower case); NULL if none. */
const struct kind *
catalog_kind(const struct catalog *c, const char *code)
{
	if (c == NULL || code == NULL)
		return NULL;
	for (size_t i = 0; i < c->nkinds; i++)
		if (strcmp(c->kinds[i].code, code) == 0)
			return &c->kinds[i];
	return NULL;
}

/* Looks a kind up by one of its keywords, folded; NULL if none. */
const struct kind *
catalog_kind_by_keyword(const struct catalog *c, const char *w, size_t len)
{
	char f[CATALOG_WORD_MAX];

	if (c == NULL || !word_fold(w, len, f))
		return NULL;
	for (size_t i = 0; i < c->nkinds; i++)
		if (words_has(&c->kinds[i].keywords, f))
			return &c->kinds[i];
	return NULL;
}

/* Looks a field of k up by its code; NULL if none. */
const struct field *
kind_field(const struct kind *k, const char *code)
{
	if (k == NULL || code == NULL)
		return NULL;
	for (size_t i = 0; i < k->nfields; i++)
		if (strcmp(k->fields[i].code, code) == 0)
			return &k->fields[i];
	return NULL;
}

/* Looks a field of k up by one of its aliases, folded; NULL if none. */
const struct field *
kind_field_by_alias(const struct kind *k, const char *w, size_t len)
{
	char f[CATALOG_WORD_MAX];

	if (k == NULL || !word_fold(w, len, f))
		return NULL;
	for (size_t i = 0; i < k->nfields; i++)
		if (words_has(&k->fields[i].aliases, f))
			return &k->fields[i];
	return NULL;
}

/* True if w[0..len), folded, is one of f's units. */
bool
field_has_unit(const struct field *f, const char *w, size_t len)
{
	char folded[CATALOG_WORD_MAX];

	return f != NULL && word_fold(w, len, folded) && words_has(&f->units, folded);
}

/* 1 for one of f's yes words, 0 for a no word, -1 otherwise. */
int
field_yesno_word(const struct field *f, const char *w, size_t len)
{
	char folded[CATALOG_WORD_MAX];

	if (f == NULL || f->type != FIELD_YESNO || !word_fold(w, len, folded))
		return -1;
	if (words_has(&f->yes, folded))
		return 1;
	if (words_has(&f->no, folded))
		return 0;
	return -1;
}

/* The name of a field type; "unknown" outside the enum. */
const char *
field_type_name(enum field_type t)
{
	if ((unsigned)t >= NELEM(field_type_names))
		return "unknown";
	return field_type_names[t];
}

/* The name of an aggregation; "unknown" outside the enum. */
const char *
agg_name(enum agg a)
{
	if ((unsigned)a >= NELEM(agg_names))
		return "unknown";
	return agg_names[a];
}

/* The field's name in l (zh for anything but LANG_EN). */
const char *
field_name(const struct field *f, enum lang l)
{
	if (f == NULL)
		return "";
	return l == LANG_EN ? f->name_en : f->name_zh;
}

/* The kind's name in l (zh for anything but LANG_EN). */
const char *
kind_name(const struct kind *k, enum lang l)
{
	if (k == NULL)
		return "";
	return l == LANG_EN ? k->name_en : k->name_zh;
}
