/*
 * catalog.c — looking things up in a loaded catalog: kinds by code or
 * keyword, fields by code or alias, units, yes/no words, names; and the
 * catalog's word index.
 *
 * Loading and checking the JSON lives in catalog_load.c.  Every stored word
 * is folded already (utf8_fold_text), so a lookup folds the caller's word
 * once and compares bytes.
 *
 * The index lists every distinct word once, grouped by its first character
 * and longest first within a group, with a small hash table from a first
 * character to its group.  The SMS lexer asks it for the words that may
 * start at a position (a handful, not the whole catalog), and a word's
 * entry says at once whether it is a keyword, a field word or a unit
 * anywhere in the catalog.
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

/* Frees the arrays of ix and leaves it empty. */
static void
index_clear(struct catalog_index *ix)
{
	free(ix->words);
	free(ix->slots);
	memset(ix, 0, sizeof *ix);
}

/* Frees c, its kinds and its index; NULL is a no-op. */
void
catalog_free(struct catalog *c)
{
	if (c == NULL)
		return;
	index_clear(&c->index);
	free(c->kinds);
	free(c);
}

/*
 * The key of the UTF-8 character at s[0] (len > 0): its bytes, first byte
 * highest.  A character cut short by len keys the bytes there are, a stray
 * continuation byte keys as a character of its own; a lead byte says how
 * long its character is, so two characters never share a key.
 */
static uint32_t
char_key(const char *s, size_t len)
{
	unsigned char b = (unsigned char)s[0];
	size_t n = b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
	uint32_t key = 0;

	if (n > len)
		n = len;
	for (size_t k = 0; k < n; k++)
		key = key << 8 | (unsigned char)s[k];
	return key;
}

/* The home slot of key in a table of mask + 1 slots. */
static size_t
index_hash(uint32_t key, size_t mask)
{
	key ^= key >> 16;
	key *= 0x45D9F3Bu;
	key ^= key >> 16;
	return key & mask;
}

/*
 * Appends the words of list to ws at *n (when ws is not NULL; *n counts
 * either way), each with what it names: keyword_of, field, unit.  Empty
 * and unterminated words are left out: they match no text.
 */
static void
index_add(struct catalog_word *ws, size_t *n, const struct words *list,
    const struct kind *keyword_of, bool field, bool unit)
{
	for (size_t k = 0; k < list->n && k < CATALOG_WORDS_MAX; k++) {
		size_t len = strnlen(list->w[k], CATALOG_WORD_MAX);
		if (len == 0 || len == CATALOG_WORD_MAX)
			continue;
		if (ws != NULL)
			ws[*n] = (struct catalog_word){ .w = list->w[k], .len = len,
			    .key = char_key(list->w[k], len),
			    .keyword_of = keyword_of, .field = field, .unit = unit };
		(*n)++;
	}
}

/*
 * Every word of c (keywords, aliases, units, yes and no words) into ws, or
 * only counted when ws is NULL.  Returns the count, duplicates included.
 * A yes/no word names its field only when the field is a yesno one.
 */
static size_t
index_collect(const struct catalog *c, struct catalog_word *ws)
{
	size_t n = 0;

	for (size_t k = 0; k < c->nkinds; k++) {
		const struct kind *kd = &c->kinds[k];
		index_add(ws, &n, &kd->keywords, kd, false, false);
		for (size_t f = 0; f < kd->nfields && f < CB_MAX_FIELDS; f++) {
			const struct field *fd = &kd->fields[f];
			bool yesno = fd->type == FIELD_YESNO;
			index_add(ws, &n, &fd->aliases, NULL, true, false);
			index_add(ws, &n, &fd->units, NULL, false, true);
			index_add(ws, &n, &fd->yes, NULL, yesno, false);
			index_add(ws, &n, &fd->no, NULL, yesno, false);
		}
	}
	return n;
}

/* Orders words by first character, then longest first, then bytes. */
static int
index_cmp(const void *pa, const void *pb)
{
	const struct catalog_word *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->len != b->len)
		return a->len > b->len ? -1 : 1;
	return memcmp(a->w, b->w, a->len);
}

/*
 * Merges equal neighbours of the sorted ws[0..n) into one entry that names
 * all they name (the keyword of the first kind); returns the new count.
 */
static size_t
index_merge(struct catalog_word *ws, size_t n)
{
	size_t out = 0;

	for (size_t k = 0; k < n; k++) {
		struct catalog_word *last = out > 0 ? &ws[out - 1] : NULL;
		if (last == NULL || index_cmp(last, &ws[k]) != 0) {
			ws[out++] = ws[k];
			continue;
		}
		if (ws[k].keyword_of != NULL &&
		    (last->keyword_of == NULL || ws[k].keyword_of < last->keyword_of))
			last->keyword_of = ws[k].keyword_of;
		last->field |= ws[k].field;
		last->unit |= ws[k].unit;
	}
	return out;
}

/*
 * Fills the hash table of ix from its sorted words: one slot per first
 * character, at least twice as many slots as characters.  False when out
 * of memory.
 */
static bool
index_slots(struct catalog_index *ix)
{
	size_t nkeys = 0, mask;

	for (size_t k = 0; k < ix->nwords; k++)
		nkeys += k == 0 || ix->words[k].key != ix->words[k - 1].key;
	for (ix->nslots = 8; ix->nslots < 2 * nkeys; ix->nslots *= 2)
		;
	if ((ix->slots = calloc(ix->nslots, sizeof *ix->slots)) == NULL)
		return false;
	mask = ix->nslots - 1;
	for (size_t k = 0; k < ix->nwords; k++) {
		struct catalog_slot *sl;
		size_t h = index_hash(ix->words[k].key, mask);
		while (ix->slots[h].key != 0 && ix->slots[h].key != ix->words[k].key)
			h = (h + 1) & mask;
		sl = &ix->slots[h];
		if (sl->key == 0)
			*sl = (struct catalog_slot){ .key = ix->words[k].key, .start = (uint32_t)k };
		sl->n++;
	}
	return true;
}

/* See catalog.h. */
bool
catalog_index_build(struct catalog *c)
{
	struct catalog_index *ix = &c->index;
	size_t n = index_collect(c, NULL);

	index_clear(ix);
	if (n == 0)
		return true;
	if (n > UINT32_MAX || (ix->words = calloc(n, sizeof *ix->words)) == NULL)
		return false;
	index_collect(c, ix->words);
	qsort(ix->words, n, sizeof *ix->words, index_cmp);
	ix->nwords = index_merge(ix->words, n);
	if (!index_slots(ix)) {
		index_clear(ix);
		return false;
	}
	return true;
}

/* See catalog.h. */
const struct catalog_word *
catalog_words_at(const struct catalog *c, const char *s, size_t len, size_t *n)
{
	const struct catalog_index *ix;
	size_t h, mask;
	uint32_t key;

	*n = 0;
	if (c == NULL || s == NULL || len == 0 || c->index.nslots == 0)
		return NULL;
	ix = &c->index;
	if ((key = char_key(s, len)) == 0)
		return NULL;
	mask = ix->nslots - 1;
	for (h = index_hash(key, mask); ix->slots[h].key != 0; h = (h + 1) & mask)
		if (ix->slots[h].key == key) {
			*n = ix->slots[h].n;
			return &ix->words[ix->slots[h].start];
		}
	return NULL;
}

/* See catalog.h.  A binary search in the run of w's first character. */
const struct catalog_word *
catalog_word_find(const struct catalog *c, const char *w, size_t len)
{
	size_t n, lo = 0, hi;
	const struct catalog_word *run = catalog_words_at(c, w, len, &n);

	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct catalog_word *m = &run[mid];
		int d = m->len != len ? (m->len > len ? -1 : 1) : memcmp(m->w, w, len);
		if (d == 0)
			return m;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
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

/*
 * Looks a kind up by one of its keywords, folded, in the index; NULL if
 * none.  The folded word ends at its first NUL, as strcmp would see it.
 */
const struct kind *
catalog_kind_by_keyword(const struct catalog *c, const char *w, size_t len)
{
	const struct catalog_word *cw;
	char f[CATALOG_WORD_MAX];

	if (c == NULL || !word_fold(w, len, f))
		return NULL;
	cw = catalog_word_find(c, f, strlen(f));
	return cw != NULL ? cw->keyword_of : NULL;
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

/* True if w is plain ASCII (an English word), false if it holds any other character. */
static bool
ascii_word(const char *w)
{
	for (; *w != '\0'; w++)
		if ((unsigned char)*w >= 0x80)
			return false;
	return true;
}

/* The first word of ws in l's script (English: ASCII; Chinese: not), or NULL. */
const char *
words_in_lang(const struct words *ws, enum lang l)
{
	for (size_t i = 0; i < ws->n && i < CATALOG_WORDS_MAX; i++)
		if (ascii_word(ws->w[i]) == (l == LANG_EN))
			return ws->w[i];
	return NULL;
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
