/*
 * table.c — aligned text tables, padded by display width (utf8_width).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "utf8.h"

struct table {
	size_t ncols;
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
	while (headers[t->ncols] != NULL && t->ncols < TABLE_COLS_MAX) {
		t->headers[t->ncols] = strdup(headers[t->ncols]);
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

/* Prints one line of cells padded to widths; the last column is not padded on the right. */
static void
table_line(const struct table *t, char *const *cells, const size_t *widths, FILE *out)
{
	for (size_t i = 0; i < t->ncols; i++) {
		size_t w = cell_width(cells[i]);
		size_t pad = widths[i] > w ? widths[i] - w : 0;
		bool last = i + 1 == t->ncols;

		if (i > 0)
			fputs("  ", out);
		if (t->right[i])
			fprintf(out, "%*s", (int)pad, "");
		fputs(cells[i], out);
		if (!t->right[i] && !last)
			fprintf(out, "%*s", (int)pad, "");
	}
	fputc('\n', out);
}

void
table_print(const struct table *t, FILE *out)
{
	size_t widths[TABLE_COLS_MAX] = { 0 };

	for (size_t i = 0; i < t->ncols; i++)
		widths[i] = cell_width(t->headers[i]);
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t i = 0; i < t->ncols; i++) {
			size_t w = cell_width(t->cells[r * t->ncols + i]);
			if (w > widths[i])
				widths[i] = w;
		}
	table_line(t, (char *const *)t->headers, widths, out);
	for (size_t r = 0; r < t->nrows; r++)
		table_line(t, t->cells + r * t->ncols, widths, out);
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
