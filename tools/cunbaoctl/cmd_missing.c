/*
 * cmd_missing.c — `cunbaoctl missing`: who has not reported (GET
 * /v1/completeness): per kind and period, each expected group still missing
 * with its leaders, then how many of how many reported.
 */
#include <stdio.h>

#include "cmdline.h"
#include "cunbaoctl.h"
#include "table.h"

static const char missing_help[] =
    "usage: cunbaoctl missing [--area PATH] [--kind KIND] [--period PERIOD] [options]\n"
    "\n"
    "Lists the expected groups of an area that have not reported, with their\n"
    "leaders to call, then one line per kind: how many groups reported.\n"
    "Without --kind, every kind of the catalog; without --period, each kind's\n"
    "current period.  `cunbaoctl remind` sends them a reminder.\n"
    "\n"
    "  --area PATH        an area and its subtree (default: the whole roster)\n"
    "  --kind KIND        one kind of the catalog\n"
    "  --period PERIOD    one period of that kind's type\n"
    CLIENT_HELP
    "  -h, --help         this help\n";

struct missing_out {
	struct table *groups;
	struct table *summary;
};

/* Adds one line per missing group of a completeness item, and its summary line. */
static void
missing_row(void *arg, const cJSON *it)
{
	struct missing_out *mo = arg;
	const cJSON *g, *leaders, *p;
	char who[1024], count[64], exp[16];
	int nmissing = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(it, "missing"));

	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(it, "missing")) {
		size_t off = 0;
		who[0] = '\0';
		leaders = cJSON_GetObjectItemCaseSensitive(g, "leaders");
		cJSON_ArrayForEach(p, leaders) {
			int n = snprintf(who + off, sizeof who - off, "%s%s %s", off ? ", " : "",
			    json_str(p, "name"), json_str(p, "id"));
			if (n < 0 || (size_t)n >= sizeof who - off)
				break;
			off += (size_t)n;
		}
		table_add(mo->groups, (const char *[]){ json_str(it, "kind"), json_str(it, "period"),
		    json_str(g, "area"), json_str(g, "name"), *who ? who : "(no leader)" });
	}
	json_text(it, "expected", exp, sizeof exp);
	snprintf(count, sizeof count, "%d/%s", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(it,
	    "reported")), exp);
	char nm[16];
	snprintf(nm, sizeof nm, "%d", nmissing);
	table_add(mo->summary, (const char *[]){ json_str(it, "kind"), json_str(it, "period"), count, nm });
}

int
cmd_missing(int argc, char **argv)
{
	struct ctl_cmd cmd = { .name = "missing", .help = missing_help, .opts = ctl_filters };
	struct missing_out mo;
	char path[4096];
	int code = ctl_cmd_parse(&cmd, argc, argv);

	if (code >= 0)
		return code;
	if (!ctl_cmd_ready(&cmd, "/v1/completeness", path, sizeof path))
		return CTL_USAGE;
	mo.groups = table_new((const char *[]){ "KIND", "PERIOD", "AREA", "GROUP", "LEADERS", NULL });
	mo.summary = table_new((const char *[]){ "KIND", "PERIOD", "REPORTED", "MISSING", NULL });
	if (mo.groups == NULL || mo.summary == NULL) {
		table_free(mo.groups);
		table_free(mo.summary);
		return CTL_FAIL;
	}
	table_align_right(mo.summary, 2);
	table_align_right(mo.summary, 3);
	code = client_list(&cmd.c, path, &cmd.l, missing_row, &mo);
	if (code == CTL_OK && !cmd.c.json) {
		if (table_rows(mo.groups) > 0) {
			table_print(mo.groups, stdout);
			fputc('\n', stdout);
		}
		table_print(mo.summary, stdout);
	}
	table_free(mo.groups);
	table_free(mo.summary);
	return code;
}
