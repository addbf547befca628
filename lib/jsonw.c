/*
 * jsonw.c — a small JSON writer into a caller's buffer.
 *
 * The writer keeps one byte free for the final NUL.  Any fault — the buffer
 * too small, nesting deeper than JSONW_DEPTH, a value where a key belongs, an
 * end without an open container — sets the sticky overflow flag: every later
 * call does nothing and jsonw_finish returns 0, so callers check once.
 */
#include <stdio.h>
#include <string.h>

#include "dec.h"
#include "jsonw.h"

/* Starts a writer on buf[0..len); buf holds "" until something is written. */
void
jsonw_init(struct jsonw *w, char *buf, size_t len)
{
	memset(w, 0, sizeof *w);
	w->buf = buf;
	w->len = len;
	w->overflow = (buf == NULL || len == 0);
	if (!w->overflow)
		buf[0] = '\0';
}

/* Appends n bytes, leaving room for the NUL; sets overflow when they do not fit. */
static void
jsonw_put(struct jsonw *w, const char *s, size_t n)
{
	if (w->overflow)
		return;
	if (n >= w->len - w->off) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->off, s, n);
	w->off += n;
}

/*
 * Prepares for a value: after a key it is the key's value; in an array it
 * gets a comma unless it is the first; at the top it must be the only one.
 * A value inside an object without its key is a misuse.  Returns false
 * (and marks the writer failed) when no value may go here.
 */
static bool
jsonw_value(struct jsonw *w)
{
	if (w->overflow)
		return false;
	if (w->after_key) {
		w->after_key = false;
		return true;
	}
	if (w->depth == 0) {
		if (w->off == 0)
			return true;
	} else if (w->close[w->depth - 1] == ']') {
		if (!w->first[w->depth - 1])
			jsonw_put(w, ",", 1);
		w->first[w->depth - 1] = false;
		return !w->overflow;
	}
	w->overflow = true;
	return false;
}

/* Opens a container closed by `close`, after checking a value may go here. */
static void
jsonw_open(struct jsonw *w, char open, char close)
{
	if (!jsonw_value(w))
		return;
	if (w->depth >= JSONW_DEPTH) {
		w->overflow = true;
		return;
	}
	jsonw_put(w, &open, 1);
	w->first[w->depth] = true;
	w->close[w->depth] = close;
	w->depth++;
}

void
jsonw_obj(struct jsonw *w)
{
	jsonw_open(w, '{', '}');
}

void
jsonw_arr(struct jsonw *w)
{
	jsonw_open(w, '[', ']');
}

/* Closes the innermost container; a dangling key or no open container is a fault. */
void
jsonw_end(struct jsonw *w)
{
	if (w->overflow)
		return;
	if (w->depth == 0 || w->after_key) {
		w->overflow = true;
		return;
	}
	w->depth--;
	jsonw_put(w, &w->close[w->depth], 1);
}

/*
 * Writes s[0..n) as a quoted JSON string: quote and backslash escaped, the
 * usual control characters by name and the others as \u00XX.  Bytes from
 * 0x20 up, UTF-8 included, pass through; runs of them are copied at once.
 */
static void
jsonw_quote(struct jsonw *w, const char *s, size_t n)
{
	static const char named[0x20] = {
		['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	};
	size_t run = 0;

	jsonw_put(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		size_t elen;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jsonw_put(w, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			elen = 2;
		} else if (named[c]) {
			esc[0] = '\\';
			esc[1] = named[c];
			elen = 2;
		} else {
			elen = (size_t)snprintf(esc, sizeof esc, "\\u%04x", c);
		}
		jsonw_put(w, esc, elen);
	}
	jsonw_put(w, s + run, n - run);
	jsonw_put(w, "\"", 1);
}

/* Writes an object member's key; only valid directly inside an object. */
void
jsonw_key(struct jsonw *w, const char *key)
{
	if (w->overflow)
		return;
	if (key == NULL || w->depth == 0 || w->after_key ||
	    w->close[w->depth - 1] != '}') {
		w->overflow = true;
		return;
	}
	if (!w->first[w->depth - 1])
		jsonw_put(w, ",", 1);
	w->first[w->depth - 1] = false;
	jsonw_quote(w, key, strlen(key));
	jsonw_put(w, ":", 1);
	w->after_key = true;
}

/* Writes a NUL-terminated string; NULL is written as null. */
void
jsonw_str(struct jsonw *w, const char *s)
{
	if (s == NULL) {
		jsonw_raw(w, "null");
		return;
	}
	jsonw_strn(w, s, strlen(s));
}

/* Writes s[0..n) as a string; embedded NULs become \u0000. */
void
jsonw_strn(struct jsonw *w, const char *s, size_t n)
{
	if (!jsonw_value(w))
		return;
	jsonw_quote(w, s, n);
}

/* Writes literal text (an exact number, true, false, null); empty or NULL is a fault. */
void
jsonw_raw(struct jsonw *w, const char *number)
{
	if (number == NULL || number[0] == '\0') {
		w->overflow = true;
		return;
	}
	if (!jsonw_value(w))
		return;
	jsonw_put(w, number, strlen(number));
}

void
jsonw_int(struct jsonw *w, int64_t v)
{
	jsonw_dec(w, v, 0);
}

/* Writes v at scale as a trimmed exact decimal ("0.75", "6", "-12.5"). */
void
jsonw_dec(struct jsonw *w, int64_t v, unsigned scale)
{
	char text[DEC_TEXT_MAX];

	if (dec_format(v, scale, true, text, sizeof text) == 0) {
		w->overflow = true;
		return;
	}
	jsonw_raw(w, text);
}

void
jsonw_bool(struct jsonw *w, bool b)
{
	jsonw_raw(w, b ? "true" : "false");
}

/*
 * Ends the document: NUL-terminates and returns its length.  Returns 0 (and
 * leaves buf "") after any fault, with containers still open, with a key
 * still waiting for its value, or when nothing was written.
 */
size_t
jsonw_finish(struct jsonw *w)
{
	if (w->buf == NULL || w->len == 0)
		return 0;
	if (w->overflow || w->depth != 0 || w->after_key || w->off == 0) {
		w->buf[0] = '\0';
		return 0;
	}
	w->buf[w->off] = '\0';
	return w->off;
}
