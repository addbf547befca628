/*
 * cmd_rollup.c — `cunbaoctl rollup`: the figures of an area and everything
 * under it (GET /v1/rollups), one line per area, kind and period, in the
 * catalog's words (view.h): 河西村  牲畜  2023-12  7/8  牛 61 头  猪 398 头.
 */
#include <stdio.h>

#include "cmdline.h"
#include "cunbaoctl.h"
#include "table.h"
#include "view.h"

static const char rollup_help[] =
    "usage: cunbaoctl rollup [--area AREA] [--kind KIND] [--period PERIOD] [options]\n"
    "\n"
    "Prints the rollups cunbaod keeps for an area and every area under it: per\n"
    "area, kind and period, the aggregated values (in catalog order, with their\n"
    "units; rates as percentages) and how many expected groups reported.\n"
    "Values are exact (227.74 stays 227.74).\n"
    "\n"
    "  --area AREA        an area and its subtree, by path (xinzhuang/hexi) or by\n"
    "                     name (河西村; 河西村 三组); default all\n"
    "  --kind KIND        one kind of the catalog, by code, name or keyword\n"
    "                     (livestock, 牲畜, ls)\n"
    "  --period PERIOD    one period (2023-12, 2023-W48, 2023-Q4, 2023, 2023-12-05)\n"
    LIST_HELP VIEW_HELP CLIENT_HELP
    "  -h, --help         this help\n"
    "\n"
    "example: cunbaoctl rollup --area 河西村 --kind 牲畜 --period 2023-12\n";

/* Adds one rollup: area, kind, period, reported/expected, [updated,] values. */
static void
rollup_row(void *arg, const cJSON *it)
{
	char reported[32], exp[16], rep[16], values[2048], area[512], at[64];

	snprintf(reported, sizeof reported, "%s/%s", json_text(it, "reported", rep, sizeof rep),
	    json_text(it, "expected", exp, sizeof exp));
	view_values(json_str(it, "kind"), cJSON_GetObjectItemCaseSensitive(it, "values"), values,
	    sizeof values);
	view_area(json_str(it, "area"), area, sizeof area);
	if (view_wide())
		table_add(arg, (const char *[]){ area, view_kind(json_str(it, "kind")),
		    json_str(it, "period"), reported, view_time(json_str(it, "updated_at"), at, sizeof at),
		    values });
	else
		table_add(arg, (const char *[]){ area, view_kind(json_str(it, "kind")),
		    json_str(it, "period"), reported, values });
}

int
cmd_rollup(int argc, char **argv)
{
	static const char *const headers[] = { "AREA", "KIND", "PERIOD", "REPORTED", "VALUES", NULL };
	static const char *const wide[] = { "AREA", "KIND", "PERIOD", "REPORTED", "UPDATED", "VALUES",
		NULL };
	struct ctl_cmd cmd = { .name = "rollup", .help = rollup_help, .opts = ctl_filters, .list = true };
	int code = ctl_cmd_parse(&cmd, argc, argv);

	if (code < 0)
		code = ctl_cmd_table(&cmd, "/v1/rollups", view_wide() ? wide : headers, 3, rollup_row);
	view_free();
	return code;
}
