/*
 * grid.h — the ledger (台账) as officials keep it: one table per kind and
 * period, a row per child area (the groups of a village, the villages of a
 * township), a column per field headed by its name and unit ("牛（头）"),
 * and a total row (合计).
 *
 * Pure: cunbaod fetches each row's rollup cell (daemon/api_export_grid.c)
 * and writes the tables out as CSV (daemon/api_export.c) or as an .xlsx
 * workbook (daemon/api_export_xlsx.c); everything that decides what a cell
 * says is here.  Figures stay scaled integers throughout: the total combines
 * the rows' rollup states with rollup_combine and shows them with
 * rollup_value, as the village's own rollup does, so 227.74 stays 227.74.
 */
#ifndef CB_GRID_H
#define CB_GRID_H

#include "cunbao.h"
#include "catalog.h"
#include "dec.h"
#include "rollup.h"

#define GRID_NAME_MAX   128	/* bytes of an area's name, incl. NUL (the roster allows 127) */
#define GRID_TEXT_MAX   (DEC_TEXT_MAX + CATALOG_WORD_MAX)	/* a figure with its '%', or a word */
#define GRID_ROWS_MAX   10000	/* child areas in one table */
#define GRID_SHEET_MAX  31	/* characters of a sheet name (Excel's limit) */
#define GRID_DIGITS_MAX 15	/* digits a spreadsheet number holds exactly (Excel's precision) */

/* One row of a table: a child area and the rollup state of each field. */
struct grid_row {
	char path[CB_AREA_MAX];
	char name[GRID_NAME_MAX];	/* as the roster spells it; the last slug when it has none */
	int depth;			/* of the area: 1 township, 2 village, 3 group */
	bool leaf;			/* no area under it: its figures are its own reports (default) */
	struct rollup_state st[CB_MAX_FIELDS];
	bool have[CB_MAX_FIELDS];	/* a rollup cell exists for the field */
};

/*
 * One table: kind k in period, its rows in path order and the total row.
 * rows is owned (grid_free); k is borrowed from a catalog that outlives it.
 */
struct grid {
	const struct kind *k;
	char period[CB_PERIOD_MAX];
	size_t nrows, cap;
	struct grid_row *rows;
	struct rollup_state total[CB_MAX_FIELDS];
	bool total_have[CB_MAX_FIELDS];
};

/* Empties g for kind k and period, keeping its memory for the next table. */
void grid_reset(struct grid *g, const struct kind *k, const char *period);
/* Frees g's rows; g may be reused after grid_reset.  grid_free(NULL) does nothing. */
void grid_free(struct grid *g);

/*
 * Appends a row for area path (name "" : its last slug) at depth; returns it
 * (owned by g, valid until the next grid_row_add or grid_free), or NULL when
 * out of memory or past GRID_ROWS_MAX.
 */
struct grid_row *grid_row_add(struct grid *g, const char *path, const char *name, int depth);

/*
 * Computes the total row: each field's states of every row combined with
 * rollup_combine.  Returns false on overflow, naming the field in err.
 */
bool grid_total(struct grid *g, char *err, size_t errlen);

enum grid_cell_type { GRID_EMPTY, GRID_NUMBER, GRID_WORD };

/* What one cell shows. */
struct grid_cell {
	enum grid_cell_type type;
	int64_t v;			/* GRID_NUMBER: the figure, scaled */
	unsigned scale;			/* its fraction digits */
	bool percent;			/* a rate: v/10^scale is a fraction, shown as a percentage */
	char text[GRID_TEXT_MAX];	/* exact text: "227.74", "75.00%", "合格"; "" when empty */
};

/*
 * The cell of field f from its rollup state (have false: none): empty when
 * nothing was reported; for a yes/no field answered once by a group
 * (aggregate false: not the total, nor an area with areas under it), the
 * field's yes or no word in l; otherwise the figure as
 * rollup_value computes it, its text with every fraction digit of its scale
 * ("80.50", an average "7.00", a rate "75.00%").  Returns false (cell
 * empty) when the figure overflows.
 */
bool grid_cell(const struct field *f, const struct rollup_state *st, bool have, bool aggregate,
    enum lang l, struct grid_cell *out);

/* The header of f's column: "牛（头）", "cattle (head)", just "合格" without a unit. */
void grid_header(const struct field *f, enum lang l, char *buf, size_t buflen);

/* What the first column is called for rows at depth: 乡镇 村 组 (township village group), else 地区. */
const char *grid_level_name(int depth, enum lang l);
/* "合计" / "Total". */
const char *grid_total_name(enum lang l);

/*
 * A sheet name from kind name and period ("牲畜 2023-12"): the characters
 * Excel forbids ([ ] : * ? / \) become '_', a leading or trailing ' goes,
 * and the kind name is cut so the whole is at most GRID_SHEET_MAX
 * characters (UTF-16 units, as Excel counts); suffix (NULL or "" for none,
 * " (2)") is kept at the end.  Always writes a non-empty name.
 */
void grid_sheet_name(const char *kind, const char *period, const char *suffix, char *buf,
    size_t buflen);

/*
 * A spreadsheet number format that shows every digit of cell c: "0",
 * "0.00", "0.00%".
 */
void grid_number_format(const struct grid_cell *c, char *buf, size_t buflen);

/*
 * The double a spreadsheet cell holds for figure v at scale (a percent
 * cell's fraction as it is).  Returns false when v has more than
 * GRID_DIGITS_MAX digits: no spreadsheet number holds it exactly, so it must
 * be written as text.  Otherwise *out is the double nearest the exact
 * decimal (one correctly rounded division of two exact doubles, no
 * accumulated float arithmetic) — or the neighbour of that double whose
 * "%.16G" text is the exact decimal when one is, since that is how
 * libxlsxwriter 1.1.4 writes numbers: a reader parsing "227.74" gets the
 * nearest double either way.  *exact tells whether the text is the decimal.
 */
bool grid_double(int64_t v, unsigned scale, double *out, bool *exact);

#endif
