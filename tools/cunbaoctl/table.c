/*
 * table.c — aligned text tables, padded by display width (utf8_width).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "utf8.h"
#include "view.h"

#define TABLE_CELL_CAP 32	/* display columns of a cell of a column that does not wrap, when limited */
#define TABLE_CELL_MIN 6	/* display columns a column is narrowed to at most, when the others do not fit */
#define TABLE_WRAP_MIN 20	/* display columns below which the last column goes under its row */
#define TABLE_UNDER_INDENT 4	/* its indent there */

struct table {
	size_t ncols;
	size_t width;			/* the limit in display columns; 0: none */
	size_t nrows, cap;
	char **cells;			/* nrows * ncols, row-major, owned */
	char *headers[TABLE_COLS_MAX];	/* owned */
	bool right[TABLE_COLS_MAX];
};

struct table *
table_new(const char *const *headers)
{
	struct table *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	t->width = view_width();
	while (headers[t->ncols] != NULL && t->ncols < TABLE_COLS_MAX) {
		t->headers[t->ncols] = strdup(view_header(headers[t->ncols]));
		if (t->headers[t->ncols] == NULL) {
			table_free(t);
			return NULL;
		}
		t->ncols++;
	}
	return t;
}

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	for (size_t i = 0; i < t->ncols; i++)
		free(t->headers[i]);
	free(t);
}

void
table_set_width(struct table *t, size_t width)
{
	t->width = width;
}

void
table_align_right(struct table *t, size_t col)
{
	if (col < t->ncols)
		t->right[col] = true;
}

/* Copies a cell, replacing control characters (newlines, tabs) by spaces so rows stay one line. */
static char *
cell_copy(const char *s)
{
	char *c = strdup(s != NULL ? s : "");

	for (char *p = c; p != NULL && *p != '\0'; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return c;
}

bool
table_add(struct table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **nc = realloc(t->cells, ncap * t->ncols * sizeof *nc);
		if (nc == NULL)
			return false;
		t->cells = nc;
		t->cap = ncap;
	}
	char **row = t->cells + t->nrows * t->ncols;
	for (size_t i = 0; i < t->ncols; i++) {
		row[i] = cell_copy(cells[i]);
		if (row[i] == NULL) {
			while (i-- > 0)
				free(row[i]);
			return false;
		}
	}
	t->nrows++;
	return true;
}

size_t
table_rows(const struct table *t)
{
	return t->nrows;
}

/* Display width of a cell (bytes for invalid UTF-8, which utf8_width counts as it can). */
static size_t
cell_width(const char *s)
{
	return utf8_width(s, strlen(s));
}

/*
 * Copies into out the longest head of s that fits max display columns,
 * ending in "…" when it was cut; *w is its width.  Returns the bytes of s
 * consumed (all of s when it fits).
 */
static size_t
cell_cut(const char *s, size_t max, bool ellipsis, char *out, size_t outlen, size_t *w)
{
	size_t len = strlen(s), i = 0, keep = 0, kw = 0, width = 0;

	if (utf8_width(s, len) <= max) {
		snprintf(out, outlen, "%s", s);
		*w = utf8_width(s, len);
		return len;
	}
	while (i < len) {
		size_t j = i;
		utf8_next(s, len, &j);
		size_t cw = utf8_width(s + i, j - i);
		if (width + cw + (ellipsis ? 1 : 0) > max)
			break;
		width += cw;
		i = j;
		keep = i;
		kw = width;
	}
	if (keep == 0 && !ellipsis && len > 0) {	/* a character wider than max: take it anyway */
		keep = i;
		utf8_next(s, len, &keep);
		kw = utf8_width(s, keep);
	}
	snprintf(out, outlen, "%.*s%s", (int)keep, s, ellipsis ? "…" : "");
	*w = kw + (ellipsis ? 1 : 0);
	return keep;
}

/* Prints one cell padded to width w (right-aligned or not; the line's last one unpadded on the right). */
static void
cell_print(const struct table *t, size_t i, const char *s, size_t w, size_t width, bool last,
    FILE *out)
{
	size_t pad = width > w ? width - w : 0;

	if (i > 0)
		fputs("  ", out);
	if (t->right[i])
		fprintf(out, "%*s", (int)pad, "");
	fputs(s, out);
	if (!t->right[i] && !last)
		fprintf(out, "%*s", (int)pad, "");
}

/*
 * Prints the first ncols cells of a line padded to widths, cutting a cell
 * wider than its column (only when the table is limited).
 */
static void
table_cells(const struct table *t, char *const *cells, const size_t *widths, size_t ncols, FILE *out)
{
	char cut[1024];
	size_t w;

	for (size_t i = 0; i < ncols; i++) {
		cell_cut(cells[i], widths[i], true, cut, sizeof cut, &w);
		cell_print(t, i, cut, w, widths[i], i + 1 == ncols, out);
	}
}

/*
 * Writes the last cell s wrapped to avail display columns, breaking at its
 * two-space separators (a piece wider than avail is cut where it must):
 * the first line goes on where the row's other cells end, the others are
 * indented by indent.  Ends every line.
 */
static void
cell_wrap(const char *s, size_t avail, size_t indent, bool first_inline, FILE *out)
{
	char piece[1024], line[4096];
	size_t lw = 0, pos = 0, len = strlen(s);
	bool first = true;
	/* Pairs are separated by two spaces ("牛 61 头  猪 398 头"), or by one when none has a space (cattle=61). */
	const char *brk = strstr(s, "  ") != NULL ? "  " : " ";

	line[0] = '\0';
	while (pos < len) {
		const char *sep = strstr(s + pos, brk);
		size_t plen = sep ? (size_t)(sep - s - pos) : len - pos, pw;
		snprintf(piece, sizeof piece, "%.*s", (int)plen, s + pos);
		pw = utf8_width(piece, strlen(piece));
		if (lw > 0 && lw + strlen(brk) + pw > avail) {
			fprintf(out, "%*s%s\n", first && first_inline ? 0 : (int)indent, "", line);
			first = false;
			line[0] = '\0';
			lw = 0;
		}
		if (pw > avail) {	/* alone too wide: cut it */
			size_t w, took = cell_cut(piece, avail, false, line, sizeof line, &w);
			fprintf(out, "%*s%s\n", first && first_inline ? 0 : (int)indent, "", line);
			first = false;
			line[0] = '\0';
			lw = 0;
			pos += took;
			continue;
		}
		snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s", lw ? brk : "", piece);
		lw += (lw ? strlen(brk) : 0) + pw;
		pos += plen;
		pos += strspn(s + pos, " ");
	}
	if (lw > 0 || first)
		fprintf(out, "%*s%s\n", first && first_inline ? 0 : (int)indent, "", line);
}

/*
 * Prints one row within the table's width: the last cell wrapped into the
 * room the others leave (fixed columns), or under the row when that room is
 * under TABLE_WRAP_MIN (under).
 */
static void
table_line(const struct table *t, char *const *cells, const size_t *widths, size_t fixed,
    bool under, FILE *out)
{
	size_t last = t->ncols - 1;

	if (t->width == 0 || t->ncols == 1 || (!under && fixed + cell_width(cells[last]) <= t->width)) {
		table_cells(t, cells, widths, t->ncols, out);
		fputc('\n', out);
		return;
	}
	table_cells(t, cells, widths, last, out);
	if (under) {
		fputc('\n', out);
		if (*cells[last] != '\0')
			cell_wrap(cells[last], t->width - TABLE_UNDER_INDENT, TABLE_UNDER_INDENT, false, out);
		return;
	}
	fputs("  ", out);
	cell_wrap(cells[last], t->width - fixed, fixed, true, out);
}

/*
 * When the columns before the last need more than the width even with the
 * last one under its rows, narrows the widest of them (their cells are then
 * cut with "…"), one column at a time, down to TABLE_CELL_MIN each.
 */
static void
table_shrink(const struct table *t, size_t *widths, size_t *fixed)
{
	size_t last = t->ncols - 1;

	while (t->width > 0 && t->ncols > 1 && *fixed - 2 > t->width) {
		size_t wi = 0;
		for (size_t i = 1; i < last; i++)
			if (widths[i] > widths[wi])
				wi = i;
		if (widths[wi] <= TABLE_CELL_MIN)
			return;
		widths[wi]--;
		(*fixed)--;
	}
}

void
table_print(const struct table *t, FILE *out)
{
	size_t widths[TABLE_COLS_MAX] = { 0 }, fixed = 0, last = t->ncols ? t->ncols - 1 : 0;
	bool under = false;

	for (size_t i = 0; i < t->ncols; i++)
		widths[i] = cell_width(t->headers[i]);
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t i = 0; i < t->ncols; i++) {
			size_t w = cell_width(t->cells[r * t->ncols + i]);
			if (w > widths[i])
				widths[i] = w;
		}
	for (size_t i = 0; t->width > 0 && i < last; i++) {
		if (widths[i] > TABLE_CELL_CAP)
			widths[i] = TABLE_CELL_CAP;
		fixed += widths[i] + 2;
	}
	table_shrink(t, widths, &fixed);
	under = t->width > 0 && t->ncols > 1 && fixed + TABLE_WRAP_MIN > t->width;
	if (under) {
		table_cells(t, (char *const *)t->headers, widths, last, out);
		fprintf(out, "\n%*s%s\n", TABLE_UNDER_INDENT, "", t->headers[last]);
	} else {
		table_line(t, (char *const *)t->headers, widths, fixed, false, out);
	}
	for (size_t r = 0; r < t->nrows; r++)
		table_line(t, t->cells + r * t->ncols, widths, fixed, under, out);
}

const char *
json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Writes one JSON value as a cell: strings bare, null empty, the rest as cJSON prints it. */
static const char *
value_text(const cJSON *v, char *buf, size_t buflen)
{
	buf[0] = '\0';
	if (cJSON_IsString(v)) {
		snprintf(buf, buflen, "%s", v->valuestring);
	} else if (v != NULL && !cJSON_IsNull(v)) {
		char *p = cJSON_PrintUnformatted(v);
		if (p != NULL)
			snprintf(buf, buflen, "%s", p);
		cJSON_free(p);
	}
	return buf;
}

const char *
json_text(const cJSON *o, const char *key, char *buf, size_t buflen)
{
	return value_text(cJSON_GetObjectItemCaseSensitive(o, key), buf, buflen);
}

const char *
json_pairs(const cJSON *o, char *buf, size_t buflen)
{
	size_t off = 0;
	const cJSON *v;

	buf[0] = '\0';
	cJSON_ArrayForEach(v, o) {
		char one[128];
		int n = snprintf(buf + off, buflen - off, "%s%s=%s", off ? " " : "", v->string,
		    value_text(v, one, sizeof one));
		if (n < 0 || (size_t)n >= buflen - off)
			break;
		off += (size_t)n;
	}
	return buf;
}
