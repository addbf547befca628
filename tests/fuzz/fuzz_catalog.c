/*
 * fuzz_catalog.c — feeds arbitrary text to catalog_load and checks what
 * callers rely on: the error text is a terminated string within its buffer,
 * a catalog comes back exactly when no problem was listed, and a loaded
 * catalog keeps every promise of catalog.h: codes in their charset, words
 * stored folded and found again by the lookups, no keyword of two kinds, no
 * alias of two fields of a kind, bounds in order, aggregations valid.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "dec.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every word of ws is stored folded, non-empty and terminated. */
static void
check_words(const struct words *ws)
{
	char f[CATALOG_WORD_MAX];

	if (ws->n > CATALOG_WORDS_MAX)
		abort();
	for (size_t i = 0; i < ws->n; i++) {
		const char *w = ws->w[i];
		if (memchr(w, '\0', CATALOG_WORD_MAX) == NULL || w[0] == '\0')
			abort();
		if (utf8_fold_text(w, strlen(w), f, sizeof f) == (size_t)-1 || strcmp(f, w) != 0)
			abort();
	}
}

/* The invariants of one field of kind k. */
static void
check_field(const struct kind *k, const struct field *f, size_t j)
{
	if (f->index != j || f->min > f->max || f->code[0] == '\0')
		abort();
	if (f->type == FIELD_COUNT && f->scale != 0)
		abort();
	if (f->type == FIELD_DECIMAL && (f->scale < 1 || f->scale > DEC_SCALE_MAX))
		abort();
	if (f->type == FIELD_YESNO && (f->min != 0 || f->max != 1 || f->yes.n == 0 ||
	    f->no.n == 0 || f->units.n != 0 || f->agg == AGG_AVG || f->agg == AGG_MAX))
		abort();
	if (f->type != FIELD_YESNO && f->agg == AGG_RATE)
		abort();
	check_words(&f->aliases);
	check_words(&f->units);
	check_words(&f->yes);
	check_words(&f->no);
	for (size_t a = 0; a < f->aliases.n; a++)
		if (kind_field_by_alias(k, f->aliases.w[a], strlen(f->aliases.w[a])) != f)
			abort();
	for (size_t u = 0; u < f->units.n; u++)
		if (!field_has_unit(f, f->units.w[u], strlen(f->units.w[u])))
			abort();
	for (size_t y = 0; y < f->yes.n; y++)
		if (field_yesno_word(f, f->yes.w[y], strlen(f->yes.w[y])) != 1)
			abort();
	if (kind_field(k, f->code) != f)
		abort();
}

static void
check_catalog(const struct catalog *c)
{
	if (c->nkinds == 0)
		abort();
	for (size_t i = 0; i < c->nkinds; i++) {
		const struct kind *k = &c->kinds[i];
		if (k->index != i || k->nfields == 0 || k->nfields > CB_MAX_FIELDS)
			abort();
		if (catalog_kind(c, k->code) != k || k->name_zh[0] == '\0' || k->name_en[0] == '\0')
			abort();
		check_words(&k->keywords);
		for (size_t w = 0; w < k->keywords.n; w++)
			if (catalog_kind_by_keyword(c, k->keywords.w[w], strlen(k->keywords.w[w])) != k)
				abort();
		for (size_t j = 0; j < k->nfields; j++)
			check_field(k, &k->fields[j], j);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[2048];

	memset(err, 'x', sizeof err);
	struct catalog *c = catalog_load((const char *)data, size, "fuzz.json", err, sizeof err);
	if (memchr(err, '\0', sizeof err) == NULL || !utf8_valid(err, strlen(err)))
		abort();
	if ((c != NULL) != (err[0] == '\0'))
		abort();
	if (c != NULL)
		check_catalog(c);
	catalog_free(c);
	return 0;
}
