/*
 * view.h — how cunbaoctl's tables show the API's codes to a person: areas
 * by their roster names (河西村 三组), kinds and fields by their names in
 * the chosen language, values in catalog order with their units (牛 61 头,
 * 果园 227.74 亩), rates as percentages (合格 75%), reporters by name,
 * headers and words (status, role) in the language, and tables no wider
 * than VIEW_WIDTH display columns.
 *
 * The options --lang zh|en, --wide (every column, full phone numbers and
 * times, no width limit) and --codes (paths, codes and ids instead of
 * names) come with every admin subcommand (VIEW_OPTIONS); --json output
 * never passes through here.  The names come from the API itself (GET
 * /v1/kinds, /v1/areas, /v1/reporters), fetched once, on first need, with
 * the client view_bind was given; when they cannot be had, codes are shown.
 *
 * One view per process (cunbaoctl runs one subcommand): the functions below
 * read it, so that row callbacks need no context.
 */
#ifndef CUNBAOCTL_VIEW_H
#define CUNBAOCTL_VIEW_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "cunbao.h"

#define VIEW_WIDTH 80		/* display columns of a table unless --wide */

#define VIEW_OPT_LANG  0x1201
#define VIEW_OPT_WIDE  0x1202
#define VIEW_OPT_CODES 0x1203
#define VIEW_OPTIONS \
	{ "lang", required_argument, NULL, VIEW_OPT_LANG }, \
	{ "wide", no_argument, NULL, VIEW_OPT_WIDE }, \
	{ "codes", no_argument, NULL, VIEW_OPT_CODES }
#define VIEW_HELP \
	"  --lang zh|en       the language of the table (default: lang in the config\n" \
	"                     file, else zh when LC_ALL/LC_MESSAGES/LANG start with zh)\n" \
	"  --wide             every column, full phone numbers and times, no 80-column limit\n" \
	"  --codes            area paths, kind and field codes, ids instead of names\n"

struct client;

/* Handles --lang, --wide, --codes; false (said on stderr for a bad --lang) otherwise. */
bool view_option(int opt, const char *arg);

/* The client the names are fetched with (borrowed: it must outlive the tables). */
void view_bind(const struct client *c);

enum lang view_lang(void);
bool view_wide(void);
bool view_codes(void);
/* The width limit of tables: VIEW_WIDTH, or 0 (none) with --wide. */
size_t view_width(void);

/* A column header ("AREA") in the view's language ("地区"). */
const char *view_header(const char *en);
/* A word of the API (a status, a role, yes/no) in the view's language. */
const char *view_word(const char *en);

/*
 * An area as people name it: a group (three levels or more) by its parent's
 * name and its own (河西村 三组), a village or a township by its own (河西村);
 * its path with --codes or when the roster has no name for it.
 */
const char *view_area(const char *path, char *buf, size_t buflen);
/* A kind's name in the language (牲畜), or its code. */
const char *view_kind(const char *code);
/* A reporter: the roster's name (a phone number masked when unknown); "name id" with --wide; id with --codes. */
const char *view_person(const char *id, const char *name, char *buf, size_t buflen);
/* An id as shown: a phone number masked (+86138****0001) unless --wide or --codes. */
const char *view_id(const char *id, char *buf, size_t buflen);
/* An ISO 8601 time of the API to the minute (2023-12-05 08:30); as it is with --wide. */
const char *view_time(const char *iso, char *buf, size_t buflen);

/*
 * The values of a rollup or a report of kind as one line: the kind's fields
 * in catalog order, then any the catalog lacks, pairs separated by two
 * spaces (where a table may wrap): 牛 61 头  猪 398 头, cattle 61 head,
 * 合格 75% (a rate), 合格 / 不合格 (a report's yes or no); with --codes
 * cattle=61 pigs=398 passed=75%.
 */
const char *view_values(const char *kind, const cJSON *values, char *buf, size_t buflen);

/* Frees what the view fetched. */
void view_free(void);

#endif
