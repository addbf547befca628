/*
 * cmd_export.c — `cunbaoctl export`: the ledger (台账), written as the
 * server sent it: the CSV with one row per field (GET /v1/export.csv), the
 * grid as officials keep it (--grid: GET /v1/export.csv?layout=grid), or
 * the grid as an Excel workbook (--xlsx: GET /v1/export.xlsx).  A workbook
 * is binary: it goes to -o FILE or to a redirected standard output, never
 * to a terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmdline.h"
#include "ctlconf.h"
#include "cunbaoctl.h"

static const char export_help[] =
    "usage: cunbaoctl export [--area PATH] [--kind KIND] [--period PERIOD]\n"
    "                        [--grid | --xlsx] [--lang zh|en] [-o FILE] [options]\n"
    "\n"
    "Writes the ledger (台账) with the names the roster and the catalog give.\n"
    "\n"
    "By default a CSV with one row per group, kind, period and field, UTF-8\n"
    "with a BOM so spreadsheet programs show the Chinese right.  Columns:\n"
    "  乡镇,村,组,area,kind,种类,period,field,项目,value,unit,reporter,reported_at\n"
    "A group that has not reported has its rows with value, reporter and\n"
    "reported_at empty.  Without --period, every period with a report.\n"
    "\n"
    "--grid writes the ledger as officials keep it, also as CSV with a BOM: a\n"
    "section per kind and period (a title line, then a blank line between\n"
    "sections), a row per child area (the groups of a village, the villages\n"
    "of a township), a column per field with its unit (牛（头）) and a total\n"
    "row (合计).  An area that has not reported keeps its row, empty.\n"
    "--xlsx writes the same grid as an Excel workbook (opens in Excel and\n"
    "WPS): a sheet per kind and period, a frozen header, exact figures.  It\n"
    "needs -o FILE (or standard output redirected); -o FILE.xlsx implies it.\n"
    "\n"
    "  --area PATH        an area and its subtree (default: the whole roster)\n"
    "  --kind KIND        one kind of the catalog (default: every kind)\n"
    "  --period PERIOD    one period (2023-12, 2023-W48, ...)\n"
    "  --grid             the grid ledger as CSV\n"
    "  --xlsx             the grid ledger as an .xlsx workbook\n"
    "  --lang zh|en       names in the grid and the workbook (default: lang in the\n"
    "                     config file, else zh whatever the locale)\n"
    "  -o, --output FILE  write to FILE instead of standard output\n"
    "  --url URL          cunbaod's API (default $CUNBAO_URL, else url in the config\n"
    "                     file, else " CLIENT_URL_DEFAULT ")\n"
    "  --token-file FILE  read the bearer token from FILE (default: $CUNBAO_TOKEN, else\n"
    "                     token-file in the config file; see cunbaoctl --help)\n"
    "  -h, --help         this help\n"
    "\n"
    "examples:\n"
    "  cunbaoctl export --area xinzhuang/hexi --period 2023-12 -o hexi-2023-12.csv\n"
    "  cunbaoctl export --area xinzhuang/hexi --period 2023-12 --xlsx -o 台账.xlsx\n";

/* Slots of the options (cmdline.h): the filters, the language, the layout. */
enum { EXPORT_LANG = CTL_PERIOD + 1, EXPORT_LAYOUT };

static const struct ctl_opt export_opts[] = {
	{ "area", CTL_AREA, NULL }, { "kind", CTL_KIND, NULL }, { "period", CTL_PERIOD, NULL },
	{ "lang", EXPORT_LANG, NULL }, { "grid", EXPORT_LAYOUT, "grid" },
	{ "xlsx", EXPORT_LAYOUT, "xlsx" }, { NULL, 0, NULL },
};

/* Writes the body to file (stdout for NULL); returns the exit code. */
static int
export_write(const struct http_response *r, const char *file)
{
	FILE *f = file ? fopen(file, "wb") : stdout;

	if (f == NULL) {
		fprintf(stderr, "cunbaoctl export: %s: %s\n", file, strerror(errno));
		return CTL_FAIL;
	}
	bool ok = fwrite(r->body, 1, r->len, f) == r->len;
	if (file != NULL)
		ok = fclose(f) == 0 && ok;
	else
		ok = fflush(f) == 0 && ok;
	if (!ok) {
		fprintf(stderr, "cunbaoctl export: writing %s: %s\n", file ? file : "stdout", strerror(errno));
		return CTL_FAIL;
	}
	return CTL_OK;
}

/* True if name ends in ".xlsx" (any case). */
static bool
xlsx_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 5 && strcasecmp(name + n - 5, ".xlsx") == 0;
}

int
cmd_export(int argc, char **argv)
{
	struct ctl_cmd cmd = { .name = "export", .help = export_help, .opts = export_opts,
		.no_json = true, .output = true };
	struct http_response r;
	char path[4096];
	int code = ctl_cmd_parse(&cmd, argc, argv);
	const char *layout, *base;

	if (code >= 0)
		return code;
	layout = cmd.v[EXPORT_LAYOUT];
	if (layout == NULL && xlsx_name(cmd.out))
		layout = "xlsx";
	bool xlsx = layout != NULL && strcmp(layout, "xlsx") == 0;
	if (xlsx && cmd.out == NULL && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "cunbaoctl export: --xlsx writes a binary workbook: give -o FILE "
		    "(e.g. -o ledger.xlsx) or redirect standard output\n");
		return CTL_USAGE;
	}
	/* The config file's lang is the clerk's choice; the locale is not (a server's C.UTF-8). */
	if (cmd.v[EXPORT_LANG] == NULL && ctlconf_get()->lang[0] != '\0')
		cmd.v[EXPORT_LANG] = ctlconf_get()->lang;
	base = xlsx ? "/v1/export.xlsx" : layout != NULL ? "/v1/export.csv?layout=grid" : "/v1/export.csv";
	if (!ctl_cmd_ready(&cmd, base, path, sizeof path))
		return CTL_USAGE;
	code = client_call(&cmd.c, "GET", path, NULL, NULL, 0, &r);
	if (code == CTL_OK)
		code = export_write(&r, cmd.out);
	http_response_clear(&r);
	return code;
}
