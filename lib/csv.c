/*
 * csv.c — RFC 4180 records in, fields out.
 *
 * Reading is strict where RFC 4180 is (a quote inside an unquoted field,
 * text after a closing quote, an unterminated quote, a NUL byte: the record
 * is malformed) and lenient where files in the wild differ: CRLF, LF or a
 * lone CR end a line, blank lines are skipped, a UTF-8 BOM is ignored.
 */
#include <stdio.h>
#include <string.h>

#include "csv.h"

#define CSV_TEXT_MAX 4096	/* longest text field csv_put_text neutralises */

/* Where csv_record puts the fields of one record. */
struct csv_out {
	char **fields;
	int max, n;
	char *store;
	size_t len, off;
	bool bad;
};

/* Appends one byte of the current field, keeping a byte for its NUL. */
static void
csv_out_byte(struct csv_out *o, char c)
{
	if (o->off + 1 >= o->len) {
		o->bad = true;
		return;
	}
	o->store[o->off++] = c;
}

/* Terminates the field begun at store[start] and records it. */
static void
csv_out_field(struct csv_out *o, size_t start)
{
	if (o->n >= o->max || o->off >= o->len) {
		o->bad = true;
		return;
	}
	o->store[o->off++] = '\0';
	o->fields[o->n++] = o->store + start;
}

static bool
csv_eol(char c)
{
	return c == '\n' || c == '\r';
}

/*
 * Reads a quoted field from just after its opening quote; a doubled quote is
 * one quote.  Returns the position after the closing quote, or len when the
 * quote never closes (o->bad is then set).
 */
static size_t
csv_quoted(const char *text, size_t len, size_t p, struct csv_out *o)
{
	while (p < len) {
		char c = text[p++];

		if (c == '"') {
			if (p < len && text[p] == '"') {
				csv_out_byte(o, '"');
				p++;
				continue;
			}
			return p;
		}
		if (c == '\0')
			o->bad = true;
		csv_out_byte(o, c);
	}
	o->bad = true;
	return len;
}

/* Reads unquoted field bytes up to a comma, a line end or the end of text. */
static size_t
csv_plain(const char *text, size_t len, size_t p, struct csv_out *o)
{
	while (p < len && text[p] != ',' && !csv_eol(text[p])) {
		if (text[p] == '"' || text[p] == '\0')
			o->bad = true;
		csv_out_byte(o, text[p++]);
	}
	return p;
}

/*
 * Splits one record (see csv.h).  A malformed record still moves *pos past
 * itself (to the end of text for an unterminated quote), so a caller can
 * report it by line and go on with the next.
 */
int
csv_record(const char *text, size_t len, size_t *pos, char **fields, int maxfields,
    char *store, size_t storelen)
{
	struct csv_out o = { fields, maxfields, 0, store, storelen, 0, false };
	size_t p = *pos;

	if (p == 0 && len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		p = 3;
	while (p < len && csv_eol(text[p]))
		p++;
	if (p >= len) {
		*pos = len;
		return 0;
	}
	for (;;) {
		size_t start = o.off;

		if (p < len && text[p] == '"') {
			p = csv_quoted(text, len, p + 1, &o);
			if (p < len && text[p] != ',' && !csv_eol(text[p]))
				o.bad = true;	/* text after the closing quote */
		}
		p = csv_plain(text, len, p, &o);
		csv_out_field(&o, start);
		if (p >= len || text[p] != ',')
			break;
		p++;
	}
	/* p is at the end of text or at the line end: CRLF, LF or a lone CR. */
	if (p < len && text[p] == '\r' && p + 1 < len && text[p + 1] == '\n')
		p += 2;
	else if (p < len)
		p++;
	*pos = p;
	return o.bad ? -1 : o.n;
}

/*
 * True when s must be quoted: it holds a comma, a quote or a line end, is
 * blank-edged, or starts with a BOM (which a reader would skip as the
 * file's own at the start of text).
 */
static bool
csv_needs_quotes(const char *s)
{
	size_t n = strlen(s);

	return strpbrk(s, ",\"\r\n") != NULL ||
	    (n > 0 && (s[0] == ' ' || s[n - 1] == ' ')) ||
	    strncmp(s, "\xef\xbb\xbf", 3) == 0;
}

/*
 * Appends s (NULL: empty) as one field at buf[*off], quoting and doubling
 * quotes when needed, and keeps buf NUL-terminated.  Returns false, with
 * *off and the text before it unchanged, when it does not fit.
 */
bool
csv_put(char *buf, size_t buflen, size_t *off, const char *s)
{
	bool quote;
	size_t need = 0, o = *off;

	if (s == NULL)
		s = "";
	quote = csv_needs_quotes(s);
	for (const char *c = s; *c != '\0'; c++)
		need += (*c == '"') ? 2 : 1;
	need += quote ? 2 : 0;
	if (o >= buflen || need + 1 > buflen - o) {
		if (o < buflen)
			buf[o] = '\0';
		return false;
	}
	if (quote)
		buf[o++] = '"';
	for (const char *c = s; *c != '\0'; c++) {
		if (*c == '"')
			buf[o++] = '"';
		buf[o++] = *c;
	}
	if (quote)
		buf[o++] = '"';
	buf[o] = '\0';
	*off = o;
	return true;
}

bool
csv_put_text(char *buf, size_t buflen, size_t *off, const char *s)
{
	char tmp[CSV_TEXT_MAX];

	if (s == NULL || s[0] == '\0' || strchr("=+-@\t\r", s[0]) == NULL)
		return csv_put(buf, buflen, off, s);
	if ((size_t)snprintf(tmp, sizeof tmp, "'%s", s) >= sizeof tmp)
		return false;
	return csv_put(buf, buflen, off, tmp);
}
