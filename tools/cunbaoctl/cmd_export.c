/*
 * cmd_export.c — `cunbaoctl export`: the ledger (台账) as CSV (GET
 * /v1/export.csv), UTF-8 with a BOM, written as the server sent it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "cunbaoctl.h"

static const char export_help[] =
    "usage: cunbaoctl export [--area PATH] [--kind KIND] [--period PERIOD] [-o FILE] [options]\n"
    "\n"
    "Writes the ledger (台账) as CSV: one row per group, kind, period and field,\n"
    "with the names the roster and the catalog give them, UTF-8 with a BOM so\n"
    "spreadsheet programs show the Chinese right.  Columns:\n"
    "  乡镇,村,组,area,kind,种类,period,field,项目,value,unit,reporter,reported_at\n"
    "A group that has not reported has its rows with value, reporter and\n"
    "reported_at empty.  Without --period, every period with a report.\n"
    "\n"
    "  --area PATH        an area and its subtree (default: the whole roster)\n"
    "  --kind KIND        one kind of the catalog (default: every kind)\n"
    "  --period PERIOD    one period (2023-12, 2023-W48, ...)\n"
    "  -o, --output FILE  write to FILE instead of standard output\n"
    "  --url URL          cunbaod's API (default " CLIENT_URL_DEFAULT ")\n"
    "  --token-file FILE  read the bearer token from FILE (default: $CUNBAO_TOKEN)\n"
    "  -h, --help         this help\n"
    "\n"
    "example: cunbaoctl export --area xinzhuang/hexi --period 2023-12 -o hexi-2023-12.csv\n";

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

int
cmd_export(int argc, char **argv)
{
	struct ctl_cmd cmd = { .name = "export", .help = export_help, .opts = ctl_filters,
		.no_json = true, .output = true };
	struct http_response r;
	char path[4096];
	int code = ctl_cmd_parse(&cmd, argc, argv);

	if (code >= 0)
		return code;
	if (!ctl_cmd_ready(&cmd, "/v1/export.csv", path, sizeof path))
		return CTL_USAGE;
	code = client_call(&cmd.c, "GET", path, NULL, NULL, 0, &r);
	if (code == CTL_OK)
		code = export_write(&r, cmd.out);
	http_response_clear(&r);
	return code;
}
