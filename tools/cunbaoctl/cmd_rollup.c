/*
 * cmd_rollup.c — `cunbaoctl rollup`: the figures of an area and everything
 * under it (GET /v1/rollups), one line per area, kind and period.
 */
#include <stdio.h>

#include "cmdline.h"
#include "cunbaoctl.h"
#include "table.h"

static const char rollup_help[] =
    "usage: cunbaoctl rollup [--area PATH] [--kind KIND] [--period PERIOD] [options]\n"
    "\n"
    "Prints the rollups cunbaod keeps for an area and every area under it: per\n"
    "area, kind and period, the aggregated values and how many expected groups\n"
    "reported.  Values are exact (227.74 stays 227.74).\n"
    "\n"
    "  --area PATH        an area and its subtree (xinzhuang/hexi); default all\n"
    "  --kind KIND        one kind of the catalog (livestock)\n"
    "  --period PERIOD    one period (2023-12, 2023-W48, 2023-Q4, 2023, 2023-12-05)\n"
    LIST_HELP CLIENT_HELP
    "  -h, --help         this help\n"
    "\n"
    "example: cunbaoctl rollup --area xinzhuang/hexi --kind livestock --period 2023-12\n";

static void
rollup_row(void *arg, const cJSON *it)
{
	char reported[32], exp[16], rep[16], values[1024];

	snprintf(reported, sizeof reported, "%s/%s", json_text(it, "reported", rep, sizeof rep),
	    json_text(it, "expected", exp, sizeof exp));
	json_pairs(cJSON_GetObjectItemCaseSensitive(it, "values"), values, sizeof values);
	table_add(arg, (const char *[]){ json_str(it, "area"), json_str(it, "kind"),
	    json_str(it, "period"), reported, values, json_str(it, "updated_at") });
}

int
cmd_rollup(int argc, char **argv)
{
	static const char *const headers[] = { "AREA", "KIND", "PERIOD", "REPORTED", "VALUES", "UPDATED",
		NULL };
	struct ctl_cmd cmd = { .name = "rollup", .help = rollup_help, .opts = ctl_filters, .list = true };
	int code = ctl_cmd_parse(&cmd, argc, argv);

	return code >= 0 ? code : ctl_cmd_table(&cmd, "/v1/rollups", headers, 3, rollup_row);
}
