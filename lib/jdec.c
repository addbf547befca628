/*
 * jdec.c — shared steps of the payload codecs (see jdec.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jdec.h"
#include "jsonw.h"
#include "utf8.h"

#define SHOW_MAX 40	/* bytes of a bad value quoted in a message */

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

/* See jdec.h. */
enum cb_error
jdec_parse(const char *buf, size_t len, cJSON **out, char *err, size_t errlen)
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
	if ((e = jdec_parse(buf, len, &root, err, errlen)) != CB_OK)
		return e;
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
