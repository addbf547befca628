/*
 * grid.c — the ledger's tables (grid.h): rows of child areas, totals by the
 * rollup's own arithmetic, what each cell says, headers, sheet names and the
 * exact numbers a spreadsheet cell holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec.h"
#include "grid.h"
#include "utf8.h"

void
grid_reset(struct grid *g, const struct kind *k, const char *period)
{
	g->k = k;
	snprintf(g->period, sizeof g->period, "%s", period);
	g->nrows = 0;
	memset(g->total, 0, sizeof g->total);
	memset(g->total_have, 0, sizeof g->total_have);
}

void
grid_free(struct grid *g)
{
	if (g == NULL)
		return;
	free(g->rows);
	g->rows = NULL;
	g->nrows = g->cap = 0;
}

struct grid_row *
grid_row_add(struct grid *g, const char *path, const char *name, int depth)
{
	struct grid_row *row;

	if (g->nrows >= GRID_ROWS_MAX)
		return NULL;
	if (g->nrows == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct grid_row *rows = realloc(g->rows, cap * sizeof *rows);
		if (rows == NULL)
			return NULL;
		g->rows = rows;
		g->cap = cap;
	}
	row = &g->rows[g->nrows++];
	memset(row, 0, sizeof *row);
	snprintf(row->path, sizeof row->path, "%s", path);
	if (name == NULL || *name == '\0') {
		const char *slash = strrchr(path, '/');
		name = slash ? slash + 1 : path;
	}
	snprintf(row->name, sizeof row->name, "%s", name);
	row->depth = depth;
	row->leaf = true;
	return row;
}

/*
 * Combines every row's state of each field into the total, exactly as a
 * parent's rollup combines its children's cells.
 */
bool
grid_total(struct grid *g, char *err, size_t errlen)
{
	memset(g->total, 0, sizeof g->total);
	memset(g->total_have, 0, sizeof g->total_have);
	for (size_t i = 0; i < g->nrows; i++) {
		const struct grid_row *row = &g->rows[i];
		for (size_t f = 0; f < g->k->nfields; f++) {
			if (!row->have[f])
				continue;
			if (!rollup_combine(&g->total[f], &row->st[f])) {
				snprintf(err, errlen, "the total of %s %s overflows", g->k->code,
				    g->k->fields[f].code);
				return false;
			}
			g->total_have[f] = true;
		}
	}
	return true;
}

/* The first of words in language l (a Chinese word for zh, an ASCII one for en), else the first. */
static const char *
word_in(const struct words *ws, enum lang l)
{
	const char *w = words_in_lang(ws, l);

	return w != NULL ? w : ws->n > 0 ? ws->w[0] : NULL;
}

bool
grid_cell(const struct field *f, const struct rollup_state *st, bool have, bool aggregate,
    enum lang l, struct grid_cell *out)
{
	memset(out, 0, sizeof *out);
	if (!have || st->count <= 0)
		return true;
	/* One group's one answer is its word; anything combined is the share of yes. */
	if (f->type == FIELD_YESNO && st->count == 1 && !aggregate) {
		const char *w = word_in(st->yes ? &f->yes : &f->no, l);
		out->type = GRID_WORD;
		snprintf(out->text, sizeof out->text, "%s", w ? w : st->yes ? "1" : "0");
		return true;
	}
	if (!rollup_value(st, f, &out->v, &out->scale))
		return false;
	out->type = GRID_NUMBER;
	out->percent = f->agg == AGG_RATE && out->scale >= 2;
	/* A percentage is the same digits with the point two places on: 0.7500 is 75.00%. */
	if (dec_format(out->v, out->percent ? out->scale - 2 : out->scale, false, out->text,
	    sizeof out->text - 1) == 0) {
		memset(out, 0, sizeof *out);
		return false;
	}
	if (out->percent)
		strcat(out->text, "%");
	return true;
}

void
grid_header(const struct field *f, enum lang l, char *buf, size_t buflen)
{
	const char *unit = l == LANG_EN ? f->unit_en : f->unit_zh;

	if (*unit == '\0')
		snprintf(buf, buflen, "%s", field_name(f, l));
	else if (l == LANG_EN)
		snprintf(buf, buflen, "%s (%s)", field_name(f, l), unit);
	else
		snprintf(buf, buflen, "%s（%s）", field_name(f, l), unit);
}

const char *
grid_level_name(int depth, enum lang l)
{
	static const char *const zh[] = { "地区", "乡镇", "村", "组" };
	static const char *const en[] = { "area", "township", "village", "group" };
	int i = depth >= 1 && depth <= 3 ? depth : 0;

	return l == LANG_EN ? en[i] : zh[i];
}

const char *
grid_total_name(enum lang l)
{
	return l == LANG_EN ? "Total" : "合计";
}

/* UTF-16 code units of the character starting with byte c (Excel counts them). */
static size_t
utf16_units(unsigned char c)
{
	return c >= 0xF0 ? 2 : 1;
}

/*
 * Appends s to buf at *off with Excel's forbidden sheet-name characters made
 * '_', stopping before the character that would pass *units over max.
 */
static void
sheet_append(char *buf, size_t buflen, size_t *off, size_t *units, size_t max, const char *s)
{
	size_t len = strlen(s), i = 0;

	while (i < len) {
		size_t start = i;
		int32_t cp = utf8_next(s, len, &i);
		size_t n = i - start, u = utf16_units((unsigned char)s[start]);
		if (cp < 0 || *units + u > max || *off + n + 1 > buflen)
			return;
		if (strchr("[]:*?/\\", s[start]) != NULL && n == 1)
			buf[(*off)++] = '_';
		else {
			memcpy(buf + *off, s + start, n);
			*off += n;
		}
		*units += u;
		buf[*off] = '\0';
	}
}

void
grid_sheet_name(const char *kind, const char *period, const char *suffix, char *buf,
    size_t buflen)
{
	char tail[64];
	size_t off = 0, units = 0, tail_units = 0;

	if (buflen == 0)
		return;
	buf[0] = '\0';
	snprintf(tail, sizeof tail, " %s%s", period, suffix ? suffix : "");
	for (const char *p = tail; *p != '\0'; p++)
		tail_units += ((unsigned char)*p & 0xC0) != 0x80 ? utf16_units((unsigned char)*p) : 0;
	while (*kind == '\'')
		kind++;
	sheet_append(buf, buflen, &off, &units, tail_units < GRID_SHEET_MAX ?
	    GRID_SHEET_MAX - tail_units : 0, kind);
	sheet_append(buf, buflen, &off, &units, GRID_SHEET_MAX, off == 0 ? tail + 1 : tail);
	while (off > 0 && buf[off - 1] == '\'')
		buf[--off] = '\0';
	if (off == 0)
		snprintf(buf, buflen, "%s", "sheet");
}

void
grid_number_format(const struct grid_cell *c, char *buf, size_t buflen)
{
	unsigned digits = c->percent ? c->scale - 2 : c->scale;
	size_t off = 0;

	if (buflen < 3) {
		if (buflen > 0)
			buf[0] = '\0';
		return;
	}
	buf[off++] = '0';
	if (digits > 0 && off + 1 < buflen)
		buf[off++] = '.';
	for (unsigned i = 0; i < digits && off + 2 < buflen; i++)
		buf[off++] = '0';
	if (c->percent)
		buf[off++] = '%';
	buf[off] = '\0';
}

/* The neighbouring double of x (up or down) by its bits; x finite and not 0. */
static double
double_next(double x, bool up)
{
	uint64_t bits;

	memcpy(&bits, &x, sizeof bits);
	/* For either sign, a larger magnitude is the next bit pattern. */
	bits = (up == (x > 0)) ? bits + 1 : bits - 1;
	memcpy(&x, &bits, sizeof x);
	return x;
}

bool
grid_double(int64_t v, unsigned scale, double *out, bool *exact)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
		1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18 };
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char want[DEC_TEXT_MAX], got[64];

	*exact = false;
	if (m >= 1000000000000000ULL || scale >= sizeof pow10 / sizeof pow10[0])
		return false;
	/* m < 10^15 < 2^53 and 10^scale are exact doubles: one IEEE division rounds once. */
	double x = (double)m / pow10[scale];
	*out = v < 0 ? -x : x;
	if (dec_format(v, scale, true, want, sizeof want) == 0)
		return true;
	double cand[3] = { *out, *out, *out };
	int n = 1;
	if (m != 0) {
		cand[n++] = double_next(*out, true);
		cand[n++] = double_next(*out, false);
	}
	for (int i = 0; i < n; i++) {
		snprintf(got, sizeof got, "%.16G", cand[i]);
		if (strcmp(got, want) == 0) {
			*out = cand[i];
			*exact = true;
			break;
		}
	}
	return true;
}
