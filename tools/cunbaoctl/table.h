/*
 * table.h — aligned text tables for people, CJK width-aware.
 *
 * Cells are copied in; columns are padded to their widest cell measured in
 * display columns (lib/utf8.h utf8_width: a Chinese character takes two), so
 * 王建国 and Ma Lin line up.  Numeric columns are right-aligned.  Headers
 * are given in English and printed in the view's language (view.h).
 *
 * A table is at most view_width() display columns wide (80; none with
 * --wide): a cell of the other columns is cut at 32 columns with "…", the
 * last column (the values) wraps at its two-space separators into the room
 * the others leave, or, when that is under 20 columns, goes on lines of its
 * own under its row, indented by 4 (its header too, under the others).
 *
 *   struct table *t = table_new((const char *[]){ "area", "name", NULL });
 *   table_add(t, (const char *[]){ "xinzhuang/hexi/g01", "一组" });
 *   table_print(t, stdout);
 *   table_free(t);
 */
#ifndef CUNBAOCTL_TABLE_H
#define CUNBAOCTL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TABLE_COLS_MAX 16

struct table;

/* A table with the NULL-terminated headers (at most TABLE_COLS_MAX); NULL on allocation failure. */
struct table *table_new(const char *const *headers);
void table_free(struct table *t);

/* Sets the width limit in display columns (0: none); table_new sets view_width(). */
void table_set_width(struct table *t, size_t width);

/* Right-aligns column col (numbers). */
void table_align_right(struct table *t, size_t col);

/* Appends a row of exactly as many cells as headers (NULL cells print empty); false on allocation failure. */
bool table_add(struct table *t, const char *const *cells);

/* Number of rows added. */
size_t table_rows(const struct table *t);

/* Prints headers, then every row, columns separated by two spaces, no trailing blanks, within the width. */
void table_print(const struct table *t, FILE *out);

/*
 * JSON members as table cells.  json_str: a string member ("" if absent or
 * null); json_text: any member as text into buf (numbers as cJSON prints
 * them, null as ""); json_pairs: an object's members as "k=v k=v".
 */
struct cJSON;
const char *json_str(const struct cJSON *o, const char *key);
const char *json_text(const struct cJSON *o, const char *key, char *buf, size_t buflen);
const char *json_pairs(const struct cJSON *o, char *buf, size_t buflen);

#endif
