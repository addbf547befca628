/*
 * jdec.c — shared steps of the payload codecs (see jdec.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jdec.h"
#include "jsonw.h"
#include "utf8.h"

#define SHOW_MAX 40	/* bytes of a bad value quoted in a message */

static enum cb_error jdec_read(const char *buf, size_t len, cJSON **out, char *err, size_t errlen);

/* See jdec.h. */
void
jdec_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	err[utf8_truncate(err, strlen(err), errlen - 1)] = '\0';
}

/* How many bytes of s to quote: at most SHOW_MAX, whole characters. */
static int
show(const char *s)
{
	return (int)utf8_truncate(s, strlen(s), SHOW_MAX);
}

/* ---- the raw text walked in step with the tree (jdec_strict, jdec_member) ---- */

/* Small objects are checked for repeated names pair by pair; larger ones sorted. */
#define TWICE_PAIRWISE 16

/* Where a walk is in the raw text, and the first problem it met. */
struct walk {
	const char *p, *end;		/* raw text not yet walked */
	const cJSON *target;		/* jdec_member: the top-level member asked about */
	bool target_nul;		/* a NUL was found in target */
	const cJSON *bad;		/* top-level member of the first problem; NULL: none yet */
	bool at_root;			/* the first problem is the root's own (a name twice at the top) */
	bool nul;			/* the first problem is a NUL (else a repeated name) */
	const char *twice;		/* the repeated name */
	bool lost;			/* the text and the tree disagree (a bug, or a foreign buffer) */
};

/*
 * Walks over the next string token of the raw text and says whether it
 * holds a NUL (a raw 0 byte, \u0000, or a \u with a non-hex digit, which
 * cJSON reads as U+0000).  Strings are always walked whole,
 * so the next quote outside one opens the next string.
 */
static bool
walk_string(struct walk *w)
{
	bool nul = false;

	while (w->p < w->end && *w->p != '"')
		w->p++;
	if (w->p >= w->end) {
		w->lost = true;
		return false;
	}
	for (w->p++; w->p < w->end && *w->p != '"'; w->p++) {
		if (*w->p == '\0')
			nul = true;
		else if (*w->p == '\\' && ++w->p < w->end && *w->p == 'u' && w->end - w->p > 4) {
			int v = 0;
			bool digits = true;

			/* cJSON reads a \u with a non-hex digit as U+0000, a NUL too. */
			for (int i = 1; i <= 4; i++) {
				digits &= cb_hex_digit(w->p[i]) >= 0;
				v = v * 16 + (cb_hex_digit(w->p[i]) >= 0 ? cb_hex_digit(w->p[i]) : 0);
			}
			nul |= v == 0 || !digits;
		}
	}
	if (w->p < w->end)
		w->p++;
	else
		w->lost = true;
	return nul;
}

/* Notes a problem in top (the top-level member it is in, NULL: the root itself). */
static void
walk_problem(struct walk *w, const cJSON *top, bool nul, const char *twice)
{
	if (nul && top != NULL && top == w->target)
		w->target_nul = true;
	if (w->bad != NULL || w->at_root)
		return;
	w->bad = top;
	w->at_root = top == NULL;
	w->nul = nul;
	w->twice = twice;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first name given twice among obj's members, or NULL. */
static const char *
name_twice(const cJSON *obj)
{
	const char *names[TWICE_PAIRWISE], **all = names, *found = NULL;
	size_t n = 0;

	for (const cJSON *c = obj->child; c != NULL; c = c->next)
		n++;
	if (n > TWICE_PAIRWISE && (all = malloc(n * sizeof *all)) == NULL) {
		for (const cJSON *a = obj->child; a != NULL && found == NULL; a = a->next)
			for (const cJSON *b = a->next; b != NULL && found == NULL; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					found = a->string;
		return found;
	}
	n = 0;
	for (const cJSON *c = obj->child; c != NULL; c = c->next)
		all[n++] = c->string;
	if (n > TWICE_PAIRWISE)
		qsort(all, n, sizeof *all, name_cmp);
	for (size_t i = 0; i < n && found == NULL; i++)
		for (size_t j = i + 1; j < n && found == NULL; j++) {
			if (strcmp(all[i], all[j]) == 0)
				found = all[i];
			else if (n > TWICE_PAIRWISE)
				break;	/* sorted: only neighbours can be equal */
		}
	if (all != names)
		free(all);
	return found;
}

/*
 * Walks node (a value; its name, when it has one, is walked by the caller)
 * and its children in document order, the raw text along.  top is the
 * root's member it lies in (NULL for the root).  Recursion is bounded by
 * cJSON's own nesting limit.
 */
static void
walk_value(struct walk *w, const cJSON *node, const cJSON *top)
{
	if (w->lost)
		return;
	if (cJSON_IsString(node)) {
		if (walk_string(w))
			walk_problem(w, top, true, NULL);
		return;
	}
	if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
		return;	/* numbers, true, false, null: no string in the text */
	if (cJSON_IsObject(node)) {
		const char *twice = name_twice(node);

		if (twice != NULL)
			walk_problem(w, top, false, twice);
	}
	for (const cJSON *c = node->child; c != NULL && !w->lost; c = c->next) {
		const cJSON *in = top != NULL ? top : c;

		if (cJSON_IsObject(node) && walk_string(w))
			walk_problem(w, in, true, NULL);
		walk_value(w, c, in);
	}
}

/* Walks the whole tree of root, parsed from buf[0..len). */
static void
walk_tree(struct walk *w, const char *buf, size_t len, const cJSON *root)
{
	w->p = buf;
	w->end = buf + len;
	if (root != NULL && cJSON_IsObject(root)) {
		/* A repeated top-level name is the root's problem, not one member's. */
		const char *twice = name_twice(root);

		if (twice != NULL)
			walk_problem(w, NULL, false, twice);
		for (const cJSON *c = root->child; c != NULL && !w->lost; c = c->next) {
			if (walk_string(w))
				walk_problem(w, c, true, NULL);
			walk_value(w, c, c);
		}
	} else if (root != NULL)
		walk_value(w, root, NULL);
}

/* See jdec.h. */
enum cb_error
jdec_strict(const char *buf, size_t len, const cJSON *root, char *err, size_t errlen)
{
	struct walk w = { 0 };
	const char *where;

	walk_tree(&w, buf, len, root);
	if (w.lost) {
		jdec_err(err, errlen, "payload: the text does not match its parse");
		return CB_BAD_JSON;
	}
	if (w.bad == NULL && !w.at_root)
		return CB_OK;
	where = w.bad != NULL && w.bad->string != NULL ? w.bad->string : "payload";
	if (w.nul)
		jdec_err(err, errlen, "%.40s: a string holds a NUL character (\\u0000)", where);
	else
		jdec_err(err, errlen, "%.40s: member \"%.40s\" given twice", where, w.twice);
	return CB_BAD_JSON;
}

/* See jdec.h. */
enum jdec_state
jdec_member(const char *buf, size_t len, const cJSON *root, const char *name)
{
	struct walk w = { 0 };
	size_t n = 0;

	if (!cJSON_IsObject(root))
		return JDEC_ABSENT;
	for (const cJSON *c = root->child; c != NULL; c = c->next)
		if (strcmp(c->string, name) == 0) {
			w.target = c;
			n++;
		}
	if (n != 1)
		return n == 0 ? JDEC_ABSENT : JDEC_TWICE;
	walk_tree(&w, buf, len, root);
	return w.target_nul || w.lost ? JDEC_NUL : JDEC_CLEAN;
}

/* ---- salvage: one top-level string member, without cJSON ---- */

/* Skips blanks as cJSON does: every byte up to 32 (control characters too). */
static const char *
salvage_blank(const char *p, const char *end)
{
	while (p < end && (unsigned char)*p <= 32)
		p++;
	return p;
}

/*
 * Reads the string token at p (at its opening quote) into out[0..size):
 * escapes decoded, \u above ASCII kept as a byte no id or name holds
 * (0x01).  Returns the text after the token, or NULL when it does not end;
 * *ok is false when it holds a NUL or does not fit.
 */
static const char *
salvage_string(const char *p, const char *end, char *out, size_t size, bool *ok)
{
	static const char esc[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	size_t n = 0;

	*ok = true;
	for (p++; p < end && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			if (++p >= end)
				return NULL;
			if (*p == 'u') {
				int v = 0;

				for (int i = 1; i <= 4; i++)	/* a non-hex digit: U+0000, as cJSON reads it */
					v = p + i < end && cb_hex_digit(p[i]) >= 0 && v >= 0 ?
					    v * 16 + cb_hex_digit(p[i]) : -1;
				v = v < 0 ? 0 : v;
				p += end - p > 4 ? 4 : end - p - 1;
				c = v == 0 ? '\0' : v < 0x80 ? (char)v : '\x01';
			} else {
				const char *e = strchr(esc, *p);

				c = e != NULL && *p != '\0' && (e - esc) % 2 == 0 ? e[1] : '\x01';
			}
		}
		if (c == '\0')
			*ok = false;
		if (n + 1 < size)
			out[n++] = c;
		else
			*ok = false;
	}
	if (size > 0)
		out[n] = '\0';
	return p < end ? p + 1 : NULL;
}

/*
 * Skips one value at p that is not a string: a nested object or array
 * (counting brackets, strings skipped whole, no recursion) or a scalar.
 * Returns the text after it, or NULL when it does not end.
 */
static const char *
salvage_skip(const char *p, const char *end)
{
	size_t depth = 0;
	bool ok;

	for (; p < end; p++) {
		if (*p == '"') {
			if ((p = salvage_string(p, end, NULL, 0, &ok)) == NULL)
				return NULL;
			p--;	/* at the closing quote: the loop steps past it */
		} else if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']') {
			if (depth == 0)
				return p;	/* a scalar ended by its object's close */
			if (--depth == 0)
				return p + 1;
		} else if (*p == ',' && depth == 0)
			return p;
	}
	return NULL;
}

/* See jdec.h. */
bool
jdec_salvage(const char *buf, size_t len, const char *name, char *out, size_t size)
{
	const char *p = buf, *end = buf + len;
	char key[CB_ID_MAX + 2], value[CB_ID_MAX + 2];
	size_t found = 0;
	bool kok, vok, first = true;

	if (buf == NULL || size == 0)
		return false;
	out[0] = '\0';
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	p = salvage_blank(p, end);
	if (p >= end || *p++ != '{')
		return false;
	for (;;) {
		p = salvage_blank(p, end);
		if (p < end && *p == '}' && first)
			break;
		if (p >= end || *p != '"' || (p = salvage_string(p, end, key, sizeof key, &kok)) == NULL)
			return false;
		p = salvage_blank(p, end);
		if (p >= end || *p++ != ':')
			return false;
		p = salvage_blank(p, end);
		bool match = kok && strcmp(key, name) == 0;
		if (p < end && *p == '"') {
			if ((p = salvage_string(p, end, value, sizeof value, &vok)) == NULL)
				return false;
			if (match && found++ == 0 && vok && strlen(value) < size)
				memcpy(out, value, strlen(value) + 1);
		} else {
			if ((p = salvage_skip(p, end)) == NULL)
				return false;
			found += match;
		}
		p = salvage_blank(p, end);
		first = false;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}')
			break;
		return false;
	}
	if (salvage_blank(p + 1, end) != end || found != 1 || out[0] == '\0') {	/* p: the root's close */
		out[0] = '\0';
		return false;
	}
	return true;
}

/* See jdec.h. */
enum cb_error
jdec_parse(const char *buf, size_t len, cJSON **out, char *err, size_t errlen)
{
	enum cb_error e = jdec_read(buf, len, out, err, errlen);

	if (e == CB_OK && (e = jdec_strict(buf, len, *out, err, errlen)) != CB_OK) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return e;
}

/*
 * jdec_parse without jdec_strict: the shape (size, UTF-8, one object), so
 * that jdec_object can still look at a refused payload's trustworthy ids.
 */
static enum cb_error
jdec_read(const char *buf, size_t len, cJSON **out, char *err, size_t errlen)
{
	const char *end = NULL;

	*out = NULL;
	if (buf == NULL)
		len = 0;
	if (len > CB_PAYLOAD_MAX) {
		jdec_err(err, errlen, "payload: %zu bytes, max %d", len, CB_PAYLOAD_MAX);
		return CB_TOO_LARGE;
	}
	if (!utf8_valid(buf, len)) {
		jdec_err(err, errlen, "payload: not valid UTF-8");
		return CB_BAD_UTF8;
	}
	cJSON *root = len > 0 ? cJSON_ParseWithLengthOpts(buf, len, &end, false) : NULL;
	if (root == NULL) {
		jdec_err(err, errlen, "payload: not valid JSON (at byte %zu)",
		    end != NULL && end >= buf ? (size_t)(end - buf) : 0);
		return CB_BAD_JSON;
	}
	while (end < buf + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
		end++;
	if (end < buf + len || !cJSON_IsObject(root)) {
		jdec_err(err, errlen, end < buf + len ? "payload: text after the JSON (at byte %zu)" :
		    "payload: not a JSON object", (size_t)(end - buf));
		cJSON_Delete(root);
		return CB_BAD_JSON;
	}
	*out = root;
	return CB_OK;
}

/*
 * Checks one member against its table entry and copies it.  Returns CB_OK
 * (also for an absent optional member) or the problem, described in err.
 */
static enum cb_error
jdec_one(const cJSON *obj, const struct jdec_str *t, char *err, size_t errlen)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, t->name);

	t->out[0] = '\0';
	if (m == NULL || cJSON_IsNull(m)) {
		if (!t->required)
			return CB_OK;
		jdec_err(err, errlen, "%s: missing", t->name);
		return CB_MISSING_MEMBER;
	}
	if (!cJSON_IsString(m)) {
		jdec_err(err, errlen, "%s: must be a string", t->name);
		return CB_BAD_TYPE;
	}
	const char *s = m->valuestring;
	size_t n = strlen(s);
	if (n >= t->size || (t->valid != NULL && !t->valid(s, n))) {
		jdec_err(err, errlen, "%s: '%.*s%s' is not %s", t->name, show(s), s,
		    (size_t)show(s) < n ? "…" : "", t->form);
		return t->invalid;
	}
	memcpy(t->out, s, n + 1);
	return CB_OK;
}

/* See jdec.h. */
enum cb_error
jdec_strings(const cJSON *obj, const struct jdec_str *t, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		enum cb_error e = jdec_one(obj, &t[i], err, errlen);
		if (e != CB_OK)
			return e;
	}
	return CB_OK;
}

/* See jdec.h. */
void
jdec_peek(const cJSON *obj, const struct jdec_str *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (jdec_one(obj, &t[i], NULL, 0) != CB_OK)
			t[i].out[0] = '\0';
}

/* See jdec.h. */
enum cb_error
jdec_object(const char *buf, size_t len, const struct jdec_str *t, size_t n, size_t npeek,
    enum cb_error (*rest)(const cJSON *root, void *arg, char *err, size_t errlen), void *arg,
    char *err, size_t errlen)
{
	cJSON *root;
	enum cb_error e;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((e = jdec_read(buf, len, &root, err, errlen)) != CB_OK)
		return e;
	if ((e = jdec_strict(buf, len, root, err, errlen)) != CB_OK) {
		/* Refused: answer by the members that can still be trusted, none other. */
		for (size_t i = 0; i < npeek; i++)
			if (jdec_member(buf, len, root, t[i].name) == JDEC_CLEAN)
				jdec_peek(root, &t[i], 1);
		if (jdec_member(buf, len, root, "id") == JDEC_NUL) {
			jdec_err(err, errlen, "id: holds a NUL character (\\u0000)");
			e = CB_BAD_ID;
		}
		cJSON_Delete(root);
		return e;
	}
	jdec_peek(root, t, npeek);
	e = jdec_strings(root, t, n, err, errlen);
	if (e == CB_OK && rest != NULL)
		e = rest(root, arg, err, errlen);
	cJSON_Delete(root);
	return e;
}

/* See jdec.h. */
bool
jdec_printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			return false;
	return true;
}

/* See jdec.h. */
bool
jdec_word(const char *s, size_t len, size_t max, const char *extra)
{
	if (s == NULL || len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c != '\0' && strchr(extra, c) != NULL)))
			return false;
	}
	return true;
}

/* See jdec.h. */
void
jdec_write(struct jsonw *w, const struct jdec_out *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!t[i].optional || t[i].value[0] != '\0') {
			jsonw_key(w, t[i].key);
			jsonw_str(w, t[i].value);
		}
}
