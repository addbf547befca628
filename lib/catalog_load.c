/*
 * catalog_load.c — reads schema/catalog.json (format: schema/README.md) into
 * a struct catalog and checks it.
 *
 * A catalog is edited by hand and reloaded on SIGHUP, so the loader does not
 * stop at the first problem: it walks the whole document and lists every
 * problem it finds as "file: kind.field: message", one per line, so that one
 * run of `cunbaod -n` shows everything to fix.  Objects are checked against
 * tables of their members (name, JSON type, required); field types against a
 * table of what each type allows (scale, units, bounds, aggregations).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "dec.h"
#include "jnum.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define CATALOG_TEXT_MAX (1024 * 1024)	/* bytes of catalog JSON */
#define CATALOG_KINDS_MAX 64
#define CATALOG_VERSION 1
#define WHERE_MAX 96			/* "kind.field" or "kind.fields[12]" */
#define SHOW_MAX 40			/* bytes of a bad value quoted in a message */

/* Where the problems go: the caller's buffer, filled line by line. */
struct loader {
	const char *file;
	char *buf;
	size_t len, off;
	unsigned nerr;
};

/* The JSON types a member may need; J_DECIMAL is a number or a decimal string. */
enum jtype { J_STRING, J_INT, J_BOOL, J_OBJECT, J_ARRAY, J_DECIMAL };

static const char *const jtype_names[] = {
	[J_STRING] = "a string",
	[J_INT] = "an integer",
	[J_BOOL] = "true or false",
	[J_OBJECT] = "an object",
	[J_ARRAY] = "an array",
	[J_DECIMAL] = "a number or a decimal string",
};

struct member {
	const char *name;
	enum jtype type;
	bool required;
};

static const struct member root_members[] = {
	{ "$schema", J_STRING, false },
	{ "version", J_INT, true },
	{ "kinds", J_ARRAY, true },
};

static const struct member kind_members[] = {
	{ "code", J_STRING, true },
	{ "names", J_OBJECT, true },
	{ "keywords", J_ARRAY, false },
	{ "period", J_STRING, true },
	{ "agg", J_STRING, false },
	{ "deadline", J_OBJECT, true },
	{ "example", J_OBJECT, true },
	{ "fields", J_ARRAY, true },
};

static const struct member field_members[] = {
	{ "code", J_STRING, true },
	{ "names", J_OBJECT, true },
	{ "aliases", J_ARRAY, false },
	{ "type", J_STRING, true },
	{ "scale", J_INT, false },
	{ "units", J_ARRAY, false },
	{ "unit", J_OBJECT, false },
	{ "min", J_DECIMAL, false },
	{ "max", J_DECIMAL, false },
	{ "required", J_BOOL, false },
	{ "agg", J_STRING, false },
	{ "yes", J_ARRAY, false },
	{ "no", J_ARRAY, false },
};

/* names, example: both languages required; unit: both optional. */
static const struct member lang_members[] = {
	{ "zh", J_STRING, true },
	{ "en", J_STRING, true },
};

static const struct member unit_members[] = {
	{ "zh", J_STRING, false },
	{ "en", J_STRING, false },
};

static const struct member deadline_members[] = {
	{ "day", J_INT, true },
	{ "hour", J_INT, true },
	{ "remind_hours", J_INT, true },
};

/* What each field type allows. */
#define AGG_BIT(a) (1u << (a))
#define AGGS_NUMERIC (AGG_BIT(AGG_LAST) | AGG_BIT(AGG_SUM) | AGG_BIT(AGG_AVG) | AGG_BIT(AGG_MAX))

struct type_rule {
	unsigned scale_min, scale_max;
	bool scale_required;
	bool numeric;		/* units, unit, min and max apply; yes and no do not */
	unsigned aggs;		/* AGG_BIT of every aggregation allowed */
};

static const struct type_rule type_rules[] = {
	[FIELD_COUNT] = { 0, 0, false, true, AGGS_NUMERIC },
	[FIELD_DECIMAL] = { 1, DEC_SCALE_MAX, true, true, AGGS_NUMERIC },
	[FIELD_YESNO] = { 0, 0, false, false,
	    AGG_BIT(AGG_RATE) | AGG_BIT(AGG_LAST) | AGG_BIT(AGG_SUM) },
};

/* Bounds of a deadline: day within the longest period of its type. */
static const int deadline_day_max[] = {
	[PERIOD_DAY] = 1,
	[PERIOD_WEEK] = 7,
	[PERIOD_MONTH] = 31,
	[PERIOD_QUARTER] = 92,
	[PERIOD_YEAR] = 366,
};

#define DEADLINE_REMIND_MAX (24 * 31)

/*
 * Appends one problem to the caller's buffer as "file: where: message" (or
 * "file: message" when where is NULL), lines separated by '\n'.  A line that
 * does not fit is cut on a character boundary; problems are counted even
 * when the buffer is full, so loading still fails.
 */
static void __attribute__((format(printf, 3, 4)))
load_err(struct loader *ld, const char *where, const char *fmt, ...)
{
	char msg[512], line[640];
	va_list ap;

	ld->nerr++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int n = snprintf(line, sizeof line, "%s%s: %s%s%s", ld->off > 0 ? "\n" : "",
	    ld->file, where ? where : "", where ? ": " : "", msg);
	if (ld->buf == NULL || ld->len == 0 || n < 0)
		return;
	size_t room = ld->len - ld->off - 1;
	size_t take = utf8_truncate(line, strlen(line), room);
	memcpy(ld->buf + ld->off, line, take);
	ld->off += take;
	ld->buf[ld->off] = '\0';
}

/* How many bytes of s to quote in a message: at most SHOW_MAX, whole characters. */
static int
show(const char *s)
{
	return (int)utf8_truncate(s, strlen(s), SHOW_MAX);
}

/* True if item has the JSON type t. */
static bool
jtype_match(const cJSON *item, enum jtype t)
{
	switch (t) {
	case J_STRING:
		return cJSON_IsString(item);
	case J_INT:
		return cJSON_IsNumber(item) && item->valuedouble > -1e9 && item->valuedouble < 1e9 &&
		    item->valuedouble == (double)(long)item->valuedouble;
	case J_BOOL:
		return cJSON_IsBool(item);
	case J_OBJECT:
		return cJSON_IsObject(item);
	case J_ARRAY:
		return cJSON_IsArray(item);
	case J_DECIMAL:
		return cJSON_IsNumber(item) || cJSON_IsString(item);
	}
	return false;
}

/* The entry of table for name, or NULL. */
static const struct member *
member_find(const struct member *table, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

/*
 * Checks the members of obj against table: every member known, of its type,
 * present once; every required member present.  prefix ("names.") makes
 * nested members readable in messages.
 */
static void
members_check(struct loader *ld, const char *where, const char *prefix,
    const cJSON *obj, const struct member *table, size_t n)
{
	for (const cJSON *m = obj->child; m != NULL; m = m->next) {
		const struct member *t = member_find(table, n, m->string);
		if (t == NULL) {
			load_err(ld, where, "unknown member '%s%.*s'", prefix, show(m->string), m->string);
			continue;
		}
		for (const cJSON *p = obj->child; p != m; p = p->next)
			if (strcmp(p->string, m->string) == 0) {
				load_err(ld, where, "duplicate member '%s%s'", prefix, m->string);
				break;
			}
		if (!jtype_match(m, t->type))
			load_err(ld, where, "'%s%s' must be %s", prefix, m->string, jtype_names[t->type]);
	}
	for (size_t i = 0; i < n; i++)
		if (table[i].required && cJSON_GetObjectItemCaseSensitive(obj, table[i].name) == NULL)
			load_err(ld, where, "missing '%s%s'", prefix, table[i].name);
}

/* The member name of obj if present with type t (mistypes are reported by members_check). */
static const cJSON *
member_get(const cJSON *obj, const char *name, enum jtype t)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);

	return m != NULL && jtype_match(m, t) ? m : NULL;
}

/* True if s is a code: [a-z0-9_]{1,CB_CODE_MAX}. */
static bool
code_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CB_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* Copies the code member of obj into out (size CB_CODE_MAX + 1) if valid, else reports it. */
static void
load_code(struct loader *ld, const char *where, const cJSON *obj, char *out)
{
	const cJSON *c = member_get(obj, "code", J_STRING);

	if (c == NULL)
		return;
	if (!code_valid(c->valuestring)) {
		load_err(ld, where, "code '%.*s' must be 1 to %d of a-z, 0-9 and _",
		    show(c->valuestring), c->valuestring, CB_CODE_MAX);
		return;
	}
	strcpy(out, c->valuestring);
}

/* Copies a display text (non-empty unless may_empty) into out (size bytes) or reports why not. */
static void
text_copy(struct loader *ld, const char *where, const char *what, const char *s,
    bool may_empty, char *out, size_t size)
{
	size_t n = strlen(s);

	if (n == 0 && !may_empty)
		load_err(ld, where, "'%s' is empty", what);
	else if (n >= size)
		load_err(ld, where, "'%s' is too long (%zu bytes, max %zu)", what, n, size - 1);
	else
		memcpy(out, s, n + 1);
}

/*
 * Reads a {"zh":..,"en":..} member (names, example, unit) of obj into zh and
 * en (size bytes each) after checking it against table.  Texts may be empty
 * only where the table makes them optional (unit).
 */
static void
load_lang_pair(struct loader *ld, const char *where, const cJSON *obj, const char *name,
    const struct member *table, size_t n, char *zh, char *en, size_t size)
{
	const cJSON *pair = member_get(obj, name, J_OBJECT);
	char prefix[32], what[40];

	if (pair == NULL)
		return;
	snprintf(prefix, sizeof prefix, "%s.", name);
	members_check(ld, where, prefix, pair, table, n);
	const cJSON *s = member_get(pair, "zh", J_STRING);
	snprintf(what, sizeof what, "%s.zh", name);
	if (s != NULL)
		text_copy(ld, where, what, s->valuestring, !table[0].required, zh, size);
	s = member_get(pair, "en", J_STRING);
	snprintf(what, sizeof what, "%s.en", name);
	if (s != NULL)
		text_copy(ld, where, what, s->valuestring, !table[1].required, en, size);
}

/*
 * Why folded word w cannot be matched in a message, or NULL if it can.  The
 * grammar splits tokens at spaces and separators, reads digits as values and
 * strips trailing punctuation, so a word holding any of them never matches.
 */
static const char *
word_problem(const char *w)
{
	static const int32_t banned_cjk[] = { 0x3001, 0x3002 };	/* 、 。 */
	size_t i = 0, len = strlen(w);

	if (len == 0)
		return "is empty";
	if (len >= CATALOG_WORD_MAX)
		return "is too long (max 47 bytes)";
	while (i < len) {
		int32_t cp = utf8_next(w, len, &i);
		if (cp <= ' ' || cp == 0x7F)
			return "contains a space or control character";
		if (cp >= '0' && cp <= '9')
			return "contains a digit";
		if (cp < 0x80 && strchr(",;:=.!?", (int)cp) != NULL)
			return "contains a separator or punctuation";
		for (size_t k = 0; k < NELEM(banned_cjk); k++)
			if (cp == banned_cjk[k])
				return "contains a separator or punctuation";
	}
	return NULL;
}

/* Index of folded word w in ws, or -1. */
static int
words_index(const struct words *ws, const char *w)
{
	for (size_t i = 0; i < ws->n; i++)
		if (strcmp(ws->w[i], w) == 0)
			return (int)i;
	return -1;
}

/*
 * Adds the word s (code or name) to ws when it is a usable word not there
 * yet; anything else is skipped quietly: names are for display first.
 */
static void
words_add_auto(struct words *ws, const char *s)
{
	char f[CATALOG_WORD_MAX];

	if (utf8_fold_text(s, strlen(s), f, sizeof f) == (size_t)-1 || word_problem(f) != NULL)
		return;
	if (words_index(ws, f) < 0 && ws->n < CATALOG_WORDS_MAX)
		strcpy(ws->w[ws->n++], f);
}

/*
 * Adds every string of the array member name of obj to ws, folded.  The
 * first nauto words of ws were added automatically: a listed word equal to
 * one of them is fine, a word listed twice is not.  what ("alias") names a
 * word in messages.
 */
static void
words_load(struct loader *ld, const char *where, const cJSON *obj, const char *name,
    const char *what, struct words *ws)
{
	const cJSON *arr = member_get(obj, name, J_ARRAY);
	size_t nauto = ws->n, i = 0;
	char f[CATALOG_WORD_MAX];

	for (const cJSON *e = arr ? arr->child : NULL; e != NULL; e = e->next, i++) {
		if (!cJSON_IsString(e)) {
			load_err(ld, where, "%s[%zu] must be a string", name, i);
			continue;
		}
		const char *s = e->valuestring, *why = NULL;
		if (utf8_fold_text(s, strlen(s), f, sizeof f) == (size_t)-1)
			why = "is too long (max 47 bytes)";
		else
			why = word_problem(f);
		if (why != NULL) {
			load_err(ld, where, "%s '%.*s' %s", what, show(s), s, why);
			continue;
		}
		int at = words_index(ws, f);
		if (at >= (int)nauto)
			load_err(ld, where, "%s '%s' is listed twice", what, s);
		if (at >= 0)
			continue;
		if (ws->n == CATALOG_WORDS_MAX) {
			load_err(ld, where, "too many %s words (max %d, code and names included)",
			    name, CATALOG_WORDS_MAX);
			return;
		}
		strcpy(ws->w[ws->n++], f);
	}
}

/* Parses an enum name with the module's own name function; false if none matches. */
static bool
agg_parse(const char *s, enum agg *out)
{
	for (unsigned a = AGG_LAST; a <= AGG_RATE; a++)
		if (strcmp(agg_name((enum agg)a), s) == 0) {
			*out = (enum agg)a;
			return true;
		}
	return false;
}

static bool
type_parse(const char *s, enum field_type *out)
{
	for (unsigned t = FIELD_COUNT; t <= FIELD_YESNO; t++)
		if (strcmp(field_type_name((enum field_type)t), s) == 0) {
			*out = (enum field_type)t;
			return true;
		}
	return false;
}

/*
 * Reads a bound (min or max): a JSON number or a decimal string, exact at
 * the field's scale.  Returns false (and reports) when it is neither.
 */
static bool
bound_load(struct loader *ld, const char *where, const cJSON *item, const char *name,
    unsigned scale, int64_t *out)
{
	char text[DEC_TEXT_MAX];
	const char *s = text;
	size_t n;

	if (cJSON_IsNumber(item)) {
		n = jnum_text(item->valuedouble, text, sizeof text);
	} else {
		s = item->valuestring;
		n = strlen(s);
	}
	if (n > 0 && dec_parse(s, n, scale, out) == CB_OK)
		return true;
	load_err(ld, where, "%s '%.*s' is not a decimal with at most %u fraction digits",
	    name, show(s), s, scale);
	return false;
}

/* The units, the display unit and the bounds of a count or decimal field. */
static void
field_load_numeric(struct loader *ld, const char *where, const cJSON *obj, struct field *f)
{
	const cJSON *min = member_get(obj, "min", J_DECIMAL);
	const cJSON *max = member_get(obj, "max", J_DECIMAL);
	bool ok = true;

	words_load(ld, where, obj, "units", "unit", &f->units);
	if (f->units.n > 0) {
		strcpy(f->unit_zh, f->units.w[0]);
		strcpy(f->unit_en, f->units.w[0]);
	}
	if (member_get(obj, "unit", J_OBJECT) != NULL) {
		f->unit_zh[0] = f->unit_en[0] = '\0';
		load_lang_pair(ld, where, obj, "unit", unit_members, NELEM(unit_members),
		    f->unit_zh, f->unit_en, sizeof f->unit_zh);
	}
	const char *shown[] = { f->unit_zh, f->unit_en };
	for (size_t i = 0; i < NELEM(shown); i++) {
		char u[CATALOG_WORD_MAX];
		if (shown[i][0] != '\0' && (utf8_fold_text(shown[i], strlen(shown[i]), u, sizeof u) ==
		    (size_t)-1 || words_index(&f->units, u) < 0))
			load_err(ld, where, "unit.%s '%s' is not one of its units", i ? "en" : "zh", shown[i]);
	}
	f->min = 0;
	if (min != NULL)
		ok = bound_load(ld, where, min, "min", f->scale, &f->min);
	if (max == NULL) {
		if (cJSON_GetObjectItemCaseSensitive(obj, "max") == NULL)
			load_err(ld, where, "missing 'max'");
		return;
	}
	if (bound_load(ld, where, max, "max", f->scale, &f->max) && ok && f->min > f->max) {
		char a[DEC_TEXT_MAX], b[DEC_TEXT_MAX];
		dec_format(f->min, f->scale, true, a, sizeof a);
		dec_format(f->max, f->scale, true, b, sizeof b);
		load_err(ld, where, "min %s is above max %s", a, b);
	}
}

/* Reports each member of obj in names that a field of type t does not take. */
static void
field_refuse(struct loader *ld, const char *where, const cJSON *obj, enum field_type t,
    const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cJSON_GetObjectItemCaseSensitive(obj, names[i]) != NULL)
			load_err(ld, where, "'%s' does not apply to a %s field", names[i],
			    field_type_name(t));
}

/* The scale of f, checked against its type's range. */
static void
field_load_scale(struct loader *ld, const char *where, const cJSON *obj, struct field *f,
    const struct type_rule *r)
{
	const cJSON *scale = member_get(obj, "scale", J_INT);

	f->scale = r->scale_min;
	if (scale == NULL) {
		if (r->scale_required && cJSON_GetObjectItemCaseSensitive(obj, "scale") == NULL)
			load_err(ld, where, "missing 'scale' (a %s field needs %u to %u)",
			    field_type_name(f->type), r->scale_min, r->scale_max);
		return;
	}
	int s = scale->valueint;
	if (s < (int)r->scale_min || s > (int)r->scale_max) {
		load_err(ld, where, "scale %d out of range for a %s field (%u to %u)", s,
		    field_type_name(f->type), r->scale_min, r->scale_max);
		return;
	}
	f->scale = (unsigned)s;
}

/* The aggregation of f: its own "agg", else its kind's; checked against its type. */
static void
field_load_agg(struct loader *ld, const char *where, const cJSON *obj, struct field *f,
    const struct type_rule *r, const char *kind_agg)
{
	const cJSON *a = member_get(obj, "agg", J_STRING);
	const char *s = a ? a->valuestring : kind_agg;

	if (s == NULL) {
		if (cJSON_GetObjectItemCaseSensitive(obj, "agg") == NULL)
			load_err(ld, where, "missing 'agg' (on the field or its kind)");
		return;
	}
	if (!agg_parse(s, &f->agg)) {
		if (a != NULL)
			load_err(ld, where, "agg '%.*s' must be one of last, sum, avg, max, rate",
			    show(s), s);
		return;
	}
	if ((r->aggs & AGG_BIT(f->agg)) == 0) {
		char allowed[64] = "";
		for (unsigned i = AGG_LAST; i <= AGG_RATE; i++)
			if (r->aggs & AGG_BIT(i)) {
				strcat(allowed, allowed[0] ? ", " : "");
				strcat(allowed, agg_name((enum agg)i));
			}
		load_err(ld, where, "agg '%s'%s is not valid for a %s field (%s)", s,
		    a ? "" : " (from the kind)", field_type_name(f->type), allowed);
	}
}

/*
 * Loads field number j of kind k from obj into f.  kind_agg is the kind's
 * default aggregation text (NULL if none).
 */
static void
field_load(struct loader *ld, const struct kind *k, size_t j, const cJSON *obj,
    struct field *f, const char *kind_agg)
{
	static const char *const numeric_only[] = { "units", "unit", "min", "max" };
	static const char *const yesno_only[] = { "yes", "no" };
	char where[WHERE_MAX];

	f->index = j;
	if (!cJSON_IsObject(obj)) {
		snprintf(where, sizeof where, "%s.fields[%zu]", k->code, j);
		load_err(ld, where, "must be an object");
		return;
	}
	snprintf(where, sizeof where, "%s.fields[%zu]", k->code, j);
	load_code(ld, where, obj, f->code);
	if (f->code[0] != '\0')
		snprintf(where, sizeof where, "%s.%s", k->code, f->code);
	members_check(ld, where, "", obj, field_members, NELEM(field_members));
	load_lang_pair(ld, where, obj, "names", lang_members, NELEM(lang_members),
	    f->name_zh, f->name_en, sizeof f->name_zh);
	words_add_auto(&f->aliases, f->code);
	words_add_auto(&f->aliases, f->name_zh);
	words_add_auto(&f->aliases, f->name_en);
	words_load(ld, where, obj, "aliases", "alias", &f->aliases);
	const cJSON *req = member_get(obj, "required", J_BOOL);
	f->required = req != NULL && cJSON_IsTrue(req);

	const cJSON *type = member_get(obj, "type", J_STRING);
	if (type == NULL)
		return;
	if (!type_parse(type->valuestring, &f->type)) {
		load_err(ld, where, "type '%.*s' must be one of count, decimal, yesno",
		    show(type->valuestring), type->valuestring);
		return;
	}
	const struct type_rule *r = &type_rules[f->type];
	field_load_scale(ld, where, obj, f, r);
	field_load_agg(ld, where, obj, f, r, kind_agg);
	if (r->numeric) {
		field_refuse(ld, where, obj, f->type, yesno_only, NELEM(yesno_only));
		field_load_numeric(ld, where, obj, f);
		return;
	}
	field_refuse(ld, where, obj, f->type, numeric_only, NELEM(numeric_only));
	f->min = 0;
	f->max = 1;
	words_load(ld, where, obj, "yes", "yes word", &f->yes);
	words_load(ld, where, obj, "no", "no word", &f->no);
	if (f->yes.n == 0 || f->no.n == 0)
		load_err(ld, where, "a yesno field needs at least one yes and one no word");
}

/* The deadline of k, within the bounds of its period type. */
static void
kind_load_deadline(struct loader *ld, const char *where, const cJSON *obj, struct kind *k,
    bool period_ok)
{
	const cJSON *d = member_get(obj, "deadline", J_OBJECT);

	if (d == NULL)
		return;
	members_check(ld, where, "deadline.", d, deadline_members, NELEM(deadline_members));
	struct {
		const char *name;
		int min, max;
		int *out;
	} rules[] = {
		{ "day", 1, period_ok ? deadline_day_max[k->period] : 366, &k->deadline.day },
		{ "hour", 0, 23, &k->deadline.hour },
		{ "remind_hours", 0, DEADLINE_REMIND_MAX, &k->deadline.remind_hours },
	};
	for (size_t i = 0; i < NELEM(rules); i++) {
		const cJSON *v = member_get(d, rules[i].name, J_INT);
		if (v == NULL)
			continue;
		if (v->valueint < rules[i].min || v->valueint > rules[i].max)
			load_err(ld, where, "deadline.%s %d out of range (%d to %d%s%s)",
			    rules[i].name, v->valueint, rules[i].min, rules[i].max,
			    i == 0 && period_ok ? " for a " : "",
			    i == 0 && period_ok ? period_type_name(k->period) : "");
		else
			*rules[i].out = v->valueint;
	}
}

/* The fields of k: 1 to CB_MAX_FIELDS objects. */
static void
kind_load_fields(struct loader *ld, const char *where, const cJSON *obj, struct kind *k)
{
	const cJSON *fields = member_get(obj, "fields", J_ARRAY);
	const cJSON *agg = member_get(obj, "agg", J_STRING);
	size_t n = 0;

	if (fields == NULL)
		return;
	enum agg a;
	/* A bad default is reported here once; fields inheriting it stay quiet. */
	if (agg != NULL && !agg_parse(agg->valuestring, &a))
		load_err(ld, where, "agg '%.*s' must be one of last, sum, avg, max, rate",
		    show(agg->valuestring), agg->valuestring);
	for (const cJSON *f = fields->child; f != NULL; f = f->next, n++) {
		if (n == CB_MAX_FIELDS) {
			load_err(ld, where, "too many fields (%d, max %d)",
			    cJSON_GetArraySize(fields), CB_MAX_FIELDS);
			break;
		}
		field_load(ld, k, n, f, &k->fields[n], agg ? agg->valuestring : NULL);
	}
	k->nfields = n;
	if (n == 0)
		load_err(ld, where, "'fields' is empty");
}

/* Loads kind number i from obj into k. */
static void
kind_load(struct loader *ld, size_t i, const cJSON *obj, struct kind *k)
{
	char where[WHERE_MAX];

	k->index = i;
	snprintf(where, sizeof where, "kinds[%zu]", i);
	if (!cJSON_IsObject(obj)) {
		load_err(ld, where, "must be an object");
		return;
	}
	load_code(ld, where, obj, k->code);
	if (k->code[0] != '\0')
		snprintf(where, sizeof where, "%s", k->code);
	else
		snprintf(k->code, sizeof k->code, "kinds[%zu]", i);
	members_check(ld, where, "", obj, kind_members, NELEM(kind_members));
	load_lang_pair(ld, where, obj, "names", lang_members, NELEM(lang_members),
	    k->name_zh, k->name_en, sizeof k->name_zh);
	load_lang_pair(ld, where, obj, "example", lang_members, NELEM(lang_members),
	    k->example_zh, k->example_en, sizeof k->example_zh);
	words_add_auto(&k->keywords, k->code);
	words_add_auto(&k->keywords, k->name_zh);
	words_add_auto(&k->keywords, k->name_en);
	words_load(ld, where, obj, "keywords", "keyword", &k->keywords);

	const cJSON *period = member_get(obj, "period", J_STRING);
	bool period_ok = period != NULL && period_type_parse(period->valuestring, &k->period);
	if (period != NULL && !period_ok)
		load_err(ld, where, "period '%.*s' must be one of day, week, month, quarter, year",
		    show(period->valuestring), period->valuestring);
	kind_load_deadline(ld, where, obj, k, period_ok);
	kind_load_fields(ld, where, obj, k);
}

/*
 * Checks that yes/no words of yesno field f are unambiguous within kind k:
 * not both yes and no, not an alias of another field, not a word of another
 * yesno field.  A word may be an alias of f itself ("passed" alone means yes).
 */
static void
kind_check_yesno(struct loader *ld, const char *where, const struct kind *k,
    const struct field *f)
{
	const struct words *lists[] = { &f->yes, &f->no };

	for (size_t l = 0; l < NELEM(lists); l++)
		for (size_t w = 0; w < lists[l]->n; w++) {
			const char *word = lists[l]->w[w];
			if (l == 0 && words_index(&f->no, word) >= 0)
				load_err(ld, where, "'%s' is both a yes and a no word", word);
			for (size_t j = 0; j < k->nfields; j++) {
				const struct field *g = &k->fields[j];
				if (g == f)
					continue;
				if (words_index(&g->aliases, word) >= 0)
					load_err(ld, where, "%s word '%s' is an alias of field '%s'",
					    l ? "no" : "yes", word, g->code);
				if (words_index(&g->yes, word) >= 0 || words_index(&g->no, word) >= 0)
					load_err(ld, where, "%s word '%s' is also a word of field '%s'",
					    l ? "no" : "yes", word, g->code);
			}
		}
}

/* Within kind k: field codes unique, aliases unique, yes/no words unambiguous. */
static void
kind_check(struct loader *ld, const struct kind *k)
{
	char where[WHERE_MAX];

	for (size_t i = 0; i < k->nfields; i++) {
		const struct field *f = &k->fields[i];
		snprintf(where, sizeof where, "%s.%s", k->code, f->code);
		for (size_t j = 0; j < i; j++) {
			const struct field *g = &k->fields[j];
			if (f->code[0] != '\0' && strcmp(f->code, g->code) == 0)
				load_err(ld, where, "field code '%s' is used twice", f->code);
			for (size_t a = 0; a < f->aliases.n; a++)
				if (words_index(&g->aliases, f->aliases.w[a]) >= 0)
					load_err(ld, where, "alias '%s' is also an alias of field '%s'",
					    f->aliases.w[a], g->code);
		}
		if (f->type == FIELD_YESNO)
			kind_check_yesno(ld, where, k, f);
	}
}

/* Across kinds: codes unique, no keyword naming two kinds. */
static void
catalog_check(struct loader *ld, const struct catalog *c)
{
	for (size_t i = 0; i < c->nkinds; i++) {
		const struct kind *k = &c->kinds[i];
		kind_check(ld, k);
		for (size_t j = 0; j < i; j++) {
			const struct kind *o = &c->kinds[j];
			if (strcmp(k->code, o->code) == 0)
				load_err(ld, k->code, "kind code '%s' is used twice", k->code);
			for (size_t w = 0; w < k->keywords.n; w++)
				if (words_index(&o->keywords, k->keywords.w[w]) >= 0)
					load_err(ld, k->code, "keyword '%s' is also a keyword of kind '%s'",
					    k->keywords.w[w], o->code);
		}
	}
}

/* Reports where cJSON stopped reading, as a line and column. */
static void
json_error(struct loader *ld, const char *json, size_t len, const char *end, const char *what)
{
	size_t at = end != NULL && end >= json && end <= json + len ? (size_t)(end - json) : 0;
	size_t line = 1, col = 1;

	for (size_t i = 0; i < at; i++) {
		if (json[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)json[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	load_err(ld, NULL, "line %zu, column %zu: %s", line, col, what);
}

/*
 * Parses text into a cJSON object: checks size, UTF-8, syntax and that
 * nothing but white space follows.  Returns the tree or NULL (reported).
 */
static cJSON *
catalog_parse_json(struct loader *ld, const char *json, size_t len)
{
	const char *end = NULL;

	if (len > CATALOG_TEXT_MAX) {
		load_err(ld, NULL, "too large (%zu bytes, max %d)", len, CATALOG_TEXT_MAX);
		return NULL;
	}
	if (!utf8_valid(json, len)) {
		size_t i = 0, at = 0;
		while (i < len && utf8_next(json, len, &at) >= 0)
			i = at;
		json_error(ld, json, len, json + i, "not valid UTF-8");
		return NULL;
	}
	cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (root == NULL) {
		json_error(ld, json, len, end, "not valid JSON");
		return NULL;
	}
	while (end < json + len && strchr(" \t\r\n", *end) != NULL && *end != '\0')
		end++;
	if (end < json + len) {
		json_error(ld, json, len, end, "text after the end of the JSON");
	} else if (!cJSON_IsObject(root)) {
		load_err(ld, NULL, "the catalog must be a JSON object");
	} else {
		return root;
	}
	cJSON_Delete(root);
	return NULL;
}

/* Reads and checks "version" and "kinds", then every kind; indexes a good catalog's words. */
static struct catalog *
catalog_build(struct loader *ld, const cJSON *root)
{
	members_check(ld, NULL, "", root, root_members, NELEM(root_members));
	const cJSON *v = member_get(root, "version", J_INT);
	if (v != NULL && v->valueint != CATALOG_VERSION)
		load_err(ld, NULL, "version %d is not supported (this cunbao reads %d)",
		    v->valueint, CATALOG_VERSION);
	const cJSON *kinds = member_get(root, "kinds", J_ARRAY);
	if (kinds == NULL)
		return NULL;
	int n = cJSON_GetArraySize(kinds);
	if (n == 0 || n > CATALOG_KINDS_MAX) {
		load_err(ld, NULL, "'kinds' must hold 1 to %d kinds, not %d", CATALOG_KINDS_MAX, n);
		return NULL;
	}
	struct catalog *c = calloc(1, sizeof *c);
	if (c == NULL || (c->kinds = calloc((size_t)n, sizeof *c->kinds)) == NULL) {
		free(c);
		load_err(ld, NULL, "out of memory");
		return NULL;
	}
	c->nkinds = (size_t)n;
	size_t i = 0;
	for (const cJSON *k = kinds->child; k != NULL; k = k->next, i++)
		kind_load(ld, i, k, &c->kinds[i]);
	catalog_check(ld, c);
	if (ld->nerr == 0 && !catalog_index_build(c))
		load_err(ld, NULL, "out of memory (word index)");
	return c;
}

/* See catalog.h. */
struct catalog *
catalog_load(const char *json, size_t len, const char *file, char *err, size_t errlen)
{
	struct loader ld = { file ? file : "catalog", err, errlen, 0, 0 };
	struct catalog *c = NULL;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (json == NULL) {
		load_err(&ld, NULL, "no text");
		return NULL;
	}
	cJSON *root = catalog_parse_json(&ld, json, len);
	if (root != NULL)
		c = catalog_build(&ld, root);
	cJSON_Delete(root);
	if (ld.nerr > 0) {
		catalog_free(c);
		return NULL;
	}
	return c;
}
