/*
 * catalog.h — report kinds and their fields, loaded from schema/catalog.json.
 *
 * The catalog is what gives a message meaning: which keywords name a kind,
 * which aliases name a field, a field's type, scale, units, bounds and how its
 * values aggregate.  The format is documented in schema/README.md and checked
 * by schema/catalog.schema.json.  A loaded catalog is immutable and owned by
 * whoever called catalog_load; every const pointer into it (kinds, fields) is
 * valid until catalog_free.  cunbaod swaps whole catalogs on SIGHUP.
 *
 * Matching of keywords, aliases, units and yes/no words is case-insensitive
 * for ASCII and done on the folded form (full-width -> ASCII, see utf8.h).
 * All stored words are kept folded and lower-cased.
 */
#ifndef CB_CATALOG_H
#define CB_CATALOG_H

#include "cunbao.h"
#include "period.h"

enum field_type { FIELD_COUNT, FIELD_DECIMAL, FIELD_YESNO };
enum agg { AGG_LAST, AGG_SUM, AGG_AVG, AGG_MAX, AGG_RATE };

#define CATALOG_WORDS_MAX 16	/* aliases, keywords, units, yes/no words per entry */
#define CATALOG_WORD_MAX  48	/* bytes of one word incl. NUL */
#define CATALOG_NAME_MAX  64

struct words {
	size_t n;
	char w[CATALOG_WORDS_MAX][CATALOG_WORD_MAX];
};

struct field {
	char code[CB_CODE_MAX + 1];	/* "cattle" */
	char name_zh[CATALOG_NAME_MAX];	/* "牛" */
	char name_en[CATALOG_NAME_MAX];	/* "cattle" */
	struct words aliases;		/* always includes code, name_zh, name_en */
	enum field_type type;
	unsigned scale;			/* fraction digits; 0 for count and yesno */
	struct words units;		/* "头", "只"; empty: no unit accepted */
	char unit_zh[CATALOG_WORD_MAX];	/* unit printed in zh replies ("头"), may be "" */
	char unit_en[CATALOG_WORD_MAX];	/* unit printed in en replies ("m"), may be "" */
	int64_t min, max;		/* bounds, scaled like values */
	bool required;
	enum agg agg;
	struct words yes, no;		/* yesno only: 合格 / 不合格 */
	size_t index;			/* position in its kind's fields[] */
};

/*
 * Deadline of a kind: reports are due by `day` days into the period (1 = the
 * first day) at `hour`:00 local time; reminders go out remind_hours before.
 */
struct deadline {
	int day;
	int hour;
	int remind_hours;
};

struct kind {
	char code[CB_CODE_MAX + 1];	/* "livestock" */
	char name_zh[CATALOG_NAME_MAX];	/* "牲畜" */
	char name_en[CATALOG_NAME_MAX];	/* "livestock" */
	struct words keywords;		/* "牲畜", "ls", "livestock" */
	enum period_type period;
	struct deadline deadline;
	size_t nfields;
	struct field fields[CB_MAX_FIELDS];
	char example_zh[CATALOG_NAME_MAX * 2];	/* "牲畜 牛12 猪40" for error replies */
	char example_en[CATALOG_NAME_MAX * 2];
	size_t index;			/* position in the catalog's kinds[] */
};

/*
 * One distinct word of a catalog's index: a kind keyword, field alias, unit
 * or yes/no word, listed once however many kinds and fields hold it, with
 * what it names anywhere in the catalog.
 */
struct catalog_word {
	const char *w;			/* folded, NUL-terminated, stored in a kind or field */
	size_t len;			/* strlen(w), at least 1 */
	uint32_t key;			/* the bytes of its first character, first byte highest */
	const struct kind *keyword_of;	/* the first kind with this keyword, or NULL */
	bool field;			/* an alias, or a yes/no word of a yesno field, somewhere */
	bool unit;			/* a unit of some field */
};

/* A first character and its run of words in the index: words[start .. start + n). */
struct catalog_slot {
	uint32_t key;			/* 0: an empty slot */
	uint32_t start, n;
};

/*
 * Every word of a catalog, built once by catalog_index_build: words[] sorted
 * by first character, then longest first, then by bytes; slots[] an
 * open-addressing hash table (linear probing) from a first character to its
 * run.  A zeroed index is a valid empty one.
 */
struct catalog_index {
	size_t nwords;
	struct catalog_word *words;	/* owned */
	size_t nslots;			/* 0, or a power of two over twice the characters */
	struct catalog_slot *slots;	/* owned */
};

struct catalog {
	size_t nkinds;
	struct kind *kinds;		/* owned */
	struct catalog_index index;	/* owned; its words point into kinds[] */
};

/*
 * Parses a catalog from JSON text.  `file` names the source in messages.
 * On success returns a new catalog the caller frees with catalog_free.
 * On failure returns NULL and writes every problem found, one per line, as
 * "file: kind.field: message" (or "file: kind: message", "file: message")
 * into err (truncated to errlen).
 */
struct catalog *catalog_load(const char *json, size_t len, const char *file,
    char *err, size_t errlen);
void catalog_free(struct catalog *c);

/*
 * (Re)builds c->index from the words of c->kinds; catalog_load calls it, and
 * whoever changes kinds[] afterwards must call it again.  The index points
 * into kinds[].  Returns false when out of memory (the index is then empty).
 */
bool catalog_index_build(struct catalog *c);

/*
 * The words of c whose first character is the one at s[0] (len > 0 bytes
 * of folded text), longest first; *n is their count, 0 (and NULL returned)
 * when no word starts so.  The pointer is valid until catalog_free.
 */
const struct catalog_word *catalog_words_at(const struct catalog *c, const char *s, size_t len,
    size_t *n);

/*
 * The index entry of word w[0..len), compared byte for byte (pass folded
 * text), or NULL when it is no word of c.
 */
const struct catalog_word *catalog_word_find(const struct catalog *c, const char *w, size_t len);

/* The kind with this code, or NULL. */
const struct kind *catalog_kind(const struct catalog *c, const char *code);
/* The kind one of whose keywords is w[0..len) (folded, case-insensitive), or NULL. */
const struct kind *catalog_kind_by_keyword(const struct catalog *c, const char *w, size_t len);
/* The field of k with this code, or NULL. */
const struct field *kind_field(const struct kind *k, const char *code);
/* The field of k one of whose aliases is w[0..len), or NULL. */
const struct field *kind_field_by_alias(const struct kind *k, const char *w, size_t len);
/* True if w[0..len) is one of f's units. */
bool field_has_unit(const struct field *f, const char *w, size_t len);

/*
 * Reads w[0..len) as one of yesno field f's words: 1 for a yes word, 0 for a
 * no word, -1 for anything else (and for a field that is not yesno).
 */
int field_yesno_word(const struct field *f, const char *w, size_t len);

/* "count"/"decimal"/"yesno" and "last"/"sum"/"avg"/"max"/"rate". */
const char *field_type_name(enum field_type t);
const char *agg_name(enum agg a);

/* The field's or kind's name in a language. */
const char *field_name(const struct field *f, enum lang l);
const char *kind_name(const struct kind *k, enum lang l);
/*
 * The first of ws written in l's script (plain ASCII for LANG_EN, any other
 * for zh): a yes/no word to show in that language; NULL when none is.
 */
const char *words_in_lang(const struct words *ws, enum lang l);

#endif
