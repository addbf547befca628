/*
 * api_export_xlsx.c — GET /v1/export.xlsx: the grid ledger (台账,
 * api_export_grid.c) as an Excel workbook, written with Debian's
 * libxlsxwriter: one sheet per kind and period named "牲畜 2023-12", a
 * title row, a bold frozen header of field names with units, a row per
 * child area, a bold total row (合计), columns as wide as their Chinese
 * text, and number formats with every fraction digit of the field.
 *
 * Figures are spreadsheet numbers holding the exact decimal (grid_double);
 * one with more than 15 digits, which no spreadsheet number holds exactly,
 * is written as text instead of being rounded.  libxlsxwriter 1.1.4 writes
 * to a file only: the workbook is made in a private directory (mkdtemp
 * under $TMPDIR or /tmp, where libxlsxwriter's own temporary files go too),
 * read back into the reply and removed on every path.  Only this file
 * includes xlsxwriter.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "api_export.h"
#include "log.h"
#include "utf8.h"

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define XLSX_FORMATS_MAX 32	/* number formats (by digits, percent, bold) in one workbook */
#define XLSX_WIDTH_MIN 8
#define XLSX_WIDTH_MAX 60

/* A number format made once per workbook: "0.00", bold or not. */
struct xlsx_numfmt {
	char code[24];
	bool bold;
	lxw_format *f;
};

/* The workbook in the making and the formats it shares across sheets (owned by wb). */
struct xlsx {
	lxw_workbook *wb;
	lxw_format *title, *head, *name, *name_bold, *word, *word_bold, *blank, *blank_bold;
	lxw_format *big, *big_bold;	/* a figure too long for a number, as right-aligned text */
	struct xlsx_numfmt nums[XLSX_FORMATS_MAX];
	size_t nnums;
	size_t sheets;
};

/* A table cell's format: thin borders, bold in the total row. */
static lxw_format *
cell_format(lxw_workbook *wb, bool bold, uint8_t align)
{
	lxw_format *f = workbook_add_format(wb);

	if (f == NULL)
		return NULL;
	format_set_border(f, LXW_BORDER_THIN);
	format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
	if (align != LXW_ALIGN_NONE)
		format_set_align(f, align);
	if (bold)
		format_set_bold(f);
	return f;
}

/* Makes the formats every sheet uses; false when libxlsxwriter is out of memory. */
static bool
xlsx_formats(struct xlsx *w)
{
	if ((w->title = workbook_add_format(w->wb)) != NULL) {
		format_set_bold(w->title);
		format_set_font_size(w->title, 14);
		format_set_align(w->title, LXW_ALIGN_CENTER);
		format_set_align(w->title, LXW_ALIGN_VERTICAL_CENTER);
	}
	if ((w->head = cell_format(w->wb, true, LXW_ALIGN_CENTER)) != NULL)
		format_set_bg_color(w->head, 0xDDEBF7);
	w->name = cell_format(w->wb, false, LXW_ALIGN_LEFT);
	w->name_bold = cell_format(w->wb, true, LXW_ALIGN_LEFT);
	w->word = cell_format(w->wb, false, LXW_ALIGN_CENTER);
	w->word_bold = cell_format(w->wb, true, LXW_ALIGN_CENTER);
	w->blank = cell_format(w->wb, false, LXW_ALIGN_NONE);
	w->blank_bold = cell_format(w->wb, true, LXW_ALIGN_NONE);
	w->big = cell_format(w->wb, false, LXW_ALIGN_RIGHT);
	w->big_bold = cell_format(w->wb, true, LXW_ALIGN_RIGHT);
	return w->title && w->head && w->name && w->name_bold && w->word && w->word_bold &&
	    w->blank && w->blank_bold && w->big && w->big_bold;
}

/* The number format showing every digit of c ("0.00", "0.00%"), made on first use. */
static lxw_format *
xlsx_numfmt(struct xlsx *w, const struct grid_cell *c, bool bold)
{
	char code[24];

	grid_number_format(c, code, sizeof code);
	for (size_t i = 0; i < w->nnums; i++)
		if (w->nums[i].bold == bold && strcmp(w->nums[i].code, code) == 0)
			return w->nums[i].f;
	if (w->nnums == XLSX_FORMATS_MAX)
		return NULL;
	struct xlsx_numfmt *n = &w->nums[w->nnums];
	if ((n->f = cell_format(w->wb, bold, LXW_ALIGN_RIGHT)) == NULL)
		return NULL;
	format_set_num_format(n->f, code);
	snprintf(n->code, sizeof n->code, "%s", code);
	n->bold = bold;
	w->nnums++;
	return n->f;
}

/*
 * Writes one figure: an empty cell with its borders, a yes/no word, a
 * number holding the exact decimal, or the exact decimal as text when no
 * spreadsheet number holds it.
 */
static lxw_error
xlsx_cell(struct xlsx *w, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
    const struct grid_cell *c, bool bold)
{
	double d;
	bool exact;
	lxw_format *f;

	switch (c->type) {
	case GRID_EMPTY:
		return worksheet_write_blank(ws, row, col, bold ? w->blank_bold : w->blank);
	case GRID_WORD:
		return worksheet_write_string(ws, row, col, c->text, bold ? w->word_bold : w->word);
	case GRID_NUMBER:
	default:
		if (!grid_double(c->v, c->scale, &d, &exact))
			return worksheet_write_string(ws, row, col, c->text, bold ? w->big_bold : w->big);
		if ((f = xlsx_numfmt(w, c, bold)) == NULL)
			return LXW_ERROR_MEMORY_MALLOC_FAILED;
		return worksheet_write_number(ws, row, col, d, f);
	}
}

/* Widens *width to hold s (display columns, a Chinese character counting two). */
static void
widen(double *width, const char *s)
{
	double w = (double)utf8_width(s, strlen(s)) + 2;

	if (w > *width)
		*width = w < XLSX_WIDTH_MAX ? w : XLSX_WIDTH_MAX;
}

/* Adds the sheet of the table in hand, named after its kind and period, unique in the workbook. */
static lxw_worksheet *
xlsx_sheet(struct xlsx *w, const struct export_grid *x)
{
	char name[128], suffix[16] = "";

	for (int n = 2; n < 1000; n++) {
		grid_sheet_name(kind_name(x->g.k, x->lang), x->g.period, suffix, name, sizeof name);
		if (workbook_validate_sheet_name(w->wb, name) == LXW_NO_ERROR)
			return workbook_add_worksheet(w->wb, name);
		snprintf(suffix, sizeof suffix, " (%d)", n);
	}
	return NULL;
}

/*
 * Writes one data or total row (row r of the sheet): the area's name, then
 * each field's cell; widens the columns to fit.  Returns libxlsxwriter's
 * first error.
 */
static lxw_error
xlsx_row(struct xlsx *w, lxw_worksheet *ws, const struct export_grid *x, lxw_row_t r,
    const char *name, const struct rollup_state *st, const bool *have, bool leaf, bool total,
    double *widths)
{
	const struct kind *k = x->g.k;
	lxw_error e = worksheet_write_string(ws, r, 0, name, total ? w->name_bold : w->name);

	widen(&widths[0], name);
	for (size_t i = 0; e == LXW_NO_ERROR && i < k->nfields; i++) {
		struct grid_cell c;
		if (!grid_cell(&k->fields[i], &st[i], have[i], total || !leaf, x->lang, &c))
			return LXW_ERROR_PARAMETER_VALIDATION;
		e = xlsx_cell(w, ws, r, (lxw_col_t)(i + 1), &c, total);
		widen(&widths[i + 1], c.text);
	}
	return e;
}

/*
 * Writes the table in hand as a sheet: the title across the table (row 1),
 * the header (row 2, frozen with the names' column), a row per child area,
 * the total; the printout repeats the title and header on every page.
 */
static bool
xlsx_section(void *arg, struct export_grid *x)
{
	struct xlsx *w = arg;
	const struct kind *k = x->g.k;
	double widths[CB_MAX_FIELDS + 1];
	char head[CATALOG_NAME_MAX + CATALOG_WORD_MAX + 8];
	lxw_worksheet *ws = xlsx_sheet(w, x);
	lxw_error e = ws ? LXW_NO_ERROR : LXW_ERROR_MEMORY_MALLOC_FAILED;
	lxw_row_t r = 2;

	for (size_t i = 0; i <= k->nfields; i++)
		widths[i] = XLSX_WIDTH_MIN;
	if (e == LXW_NO_ERROR)
		e = k->nfields > 0 ? worksheet_merge_range(ws, 0, 0, 0, (lxw_col_t)k->nfields, x->title, w->title)
		    : worksheet_write_string(ws, 0, 0, x->title, w->title);
	if (e == LXW_NO_ERROR)
		e = worksheet_set_row(ws, 0, 24, NULL);
	if (e == LXW_NO_ERROR)
		e = worksheet_write_string(ws, 1, 0, x->level, w->head);
	widen(&widths[0], x->level);
	for (size_t i = 0; e == LXW_NO_ERROR && i < k->nfields; i++) {
		grid_header(&k->fields[i], x->lang, head, sizeof head);
		e = worksheet_write_string(ws, 1, (lxw_col_t)(i + 1), head, w->head);
		widen(&widths[i + 1], head);
	}
	for (size_t i = 0; e == LXW_NO_ERROR && i < x->g.nrows; i++, r++)
		e = xlsx_row(w, ws, x, r, x->g.rows[i].name, x->g.rows[i].st, x->g.rows[i].have,
		    x->g.rows[i].leaf, false, widths);
	if (e == LXW_NO_ERROR)
		e = xlsx_row(w, ws, x, r, grid_total_name(x->lang), x->g.total, x->g.total_have, false, true,
		    widths);
	for (size_t i = 0; e == LXW_NO_ERROR && i <= k->nfields; i++)
		e = worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, widths[i], NULL);
	if (e == LXW_NO_ERROR) {
		worksheet_freeze_panes(ws, 2, 1);
		e = worksheet_repeat_rows(ws, 0, 1);
		worksheet_set_paper(ws, 9);	/* A4 */
		worksheet_fit_to_pages(ws, 1, 0);
		if (k->nfields > 6)
			worksheet_set_landscape(ws);
	}
	if (e != LXW_NO_ERROR) {
		snprintf(x->why, sizeof x->why, "the sheet of %s %s: %s", k->code, x->g.period, lxw_strerror(e));
		x->failed = x->why;
		return false;
	}
	w->sheets++;
	return true;
}

/* A workbook with nothing to show still opens: one sheet saying so. */
static bool
xlsx_empty(struct xlsx *w, struct export_grid *x)
{
	lxw_worksheet *ws = workbook_add_worksheet(w->wb, x->lang == LANG_EN ? "ledger" : "台账");

	if (ws == NULL || worksheet_write_string(ws, 0, 0, x->lang == LANG_EN ?
	    "no figures for this area, kind and period" : "该地区、种类和期间没有数据", NULL) != LXW_NO_ERROR) {
		snprintf(x->why, sizeof x->why, "an empty workbook could not be made");
		x->failed = x->why;
		return false;
	}
	return true;
}

/* Reads file into out; false (errno set) when it cannot be read whole. */
static bool
slurp(const char *file, struct evbuffer *out)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	int n;

	if (fd < 0)
		return false;
	while ((n = evbuffer_read(out, fd, 1 << 16)) > 0)
		;
	int saved = errno;
	close(fd);
	errno = saved;
	return n == 0;
}

/*
 * Writes every table of x into a workbook at file (its temporary files in
 * dir) and closes it; false with x->failed set when anything failed.
 */
static bool
xlsx_write(struct export_grid *x, const char *dir, const char *file)
{
	lxw_workbook_options opt = { .tmpdir = (char *)dir };
	struct xlsx w = { .wb = workbook_new_opt(file, &opt) };
	char title[GRID_NAME_MAX + 16], author[] = "cunbao";
	lxw_doc_properties props = { .title = title, .author = author };
	bool ok;

	if (w.wb == NULL) {
		snprintf(x->why, sizeof x->why, "cannot start a workbook in %.160s", dir);
		x->failed = x->why;
		return false;
	}
	ok = xlsx_formats(&w) && export_grid_each(x, xlsx_section, &w);
	if (ok && w.sheets == 0)
		ok = xlsx_empty(&w, x);
	if (!ok && x->failed == NULL) {
		snprintf(x->why, sizeof x->why, "libxlsxwriter is out of memory");
		x->failed = x->why;
	}
	snprintf(title, sizeof title, "%s%s%s", x->area_name, *x->area_name ? " " : "",
	    x->lang == LANG_EN ? "ledger" : "台账");
	workbook_set_properties(w.wb, &props);
	/* Closing writes the file and frees the workbook, on the failing path too. */
	lxw_error e = workbook_close(w.wb);
	if (ok && e != LXW_NO_ERROR) {
		snprintf(x->why, sizeof x->why, "writing the workbook: %s", lxw_strerror(e));
		x->failed = x->why;
		ok = false;
	}
	return ok;
}

void
api_get_export_xlsx(struct api_req *r)
{
	struct export_grid x;
	struct evbuffer *out = NULL;
	const char *tmp = getenv("TMPDIR");
	char dir[512], file[600], disp[CB_AREA_MAX + 128];

	if (!export_grid_begin(r, &x))
		return;
	snprintf(dir, sizeof dir, "%s/cunbaod-xlsx-XXXXXX", tmp != NULL && *tmp == '/' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		snprintf(x.why, sizeof x.why, "cannot make a temporary directory %.120s: %.64s", dir, strerror(errno));
		api_internal(r, x.why);
		export_grid_end(&x);
		return;
	}
	snprintf(file, sizeof file, "%s/ledger.xlsx", dir);
	bool ok = (out = evbuffer_new()) != NULL && xlsx_write(&x, dir, file);
	if (ok && !slurp(file, out)) {
		snprintf(x.why, sizeof x.why, "reading back %.120s: %.64s", file, strerror(errno));
		x.failed = x.why;
		ok = false;
	}
	if (unlink(file) != 0 && errno != ENOENT)
		log_warn("api: export.xlsx: removing %s", file);
	if (rmdir(dir) != 0)
		log_warn("api: export.xlsx: removing %s", dir);
	if (!ok) {
		api_fail(r, x.failed ? x.failed : "out of memory");
	} else {
		export_filename(&x.f, ".xlsx", disp, sizeof disp);
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Disposition", disp);
		api_reply(r, 200, XLSX_TYPE, out);
	}
	if (out != NULL)
		evbuffer_free(out);
	export_grid_end(&x);
}
