/*
 * cmd_reports.c — `cunbaoctl reports`: reports with their values and their
 * place in the supersession history (GET /v1/reports).
 */
#include <stdio.h>

#include "cmdline.h"
#include "cunbaoctl.h"
#include "table.h"

static const char reports_help[] =
    "usage: cunbaoctl reports [--area PATH] [--kind KIND] [--period PERIOD] [--since TIME]\n"
    "                         [--reporter ID] [--status STATUS] [options]\n"
    "\n"
    "Prints reports in the order they arrived, corrections and withdrawals\n"
    "included: a correction (更正) supersedes a report, a withdrawal (撤销)\n"
    "withdraws it; nothing is deleted.\n"
    "\n"
    "  --area PATH        reports for an area and its subtree\n"
    "  --kind KIND        one kind of the catalog\n"
    "  --period PERIOD    one period (2023-12, 2023-W48, ...)\n"
    "  --since TIME       received at or after TIME (2023-12-05, 2023-12-05T08:00+08:00)\n"
    "  --reporter ID      sent by one reporter (+8613800000003, tg:700000003)\n"
    "  --status STATUS    active, superseded or withdrawn\n"
    LIST_HELP CLIENT_HELP
    "  -h, --help         this help\n";

static void
report_row(void *arg, const cJSON *it)
{
	char id[32], values[1024], status[64], by[32];
	const char *st = json_str(it, "status");

	json_text(it, "id", id, sizeof id);
	json_pairs(cJSON_GetObjectItemCaseSensitive(it, "values"), values, sizeof values);
	if (*json_text(it, "superseded_by", by, sizeof by))
		snprintf(status, sizeof status, "%s by %s", st, by);
	else if (*json_text(it, "replaces", by, sizeof by))
		snprintf(status, sizeof status, "%s, replaces %s", st, by);
	else
		snprintf(status, sizeof status, "%s", st);
	table_add(arg, (const char *[]){ id, json_str(it, "area"), json_str(it, "kind"),
	    json_str(it, "period"), json_str(it, "reporter"), status, json_str(it, "created_at"),
	    values });
}

int
cmd_reports(int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "area", 0, NULL }, { "kind", 1, NULL }, { "period", 2, NULL }, { "since", 3, NULL },
		{ "reporter", 4, NULL }, { "status", 5, NULL }, { NULL, 0, NULL },
	};
	static const char *const headers[] = { "ID", "AREA", "KIND", "PERIOD", "REPORTER", "STATUS",
		"CREATED", "VALUES", NULL };
	struct ctl_cmd cmd = { .name = "reports", .help = reports_help, .opts = opts, .list = true };
	int code = ctl_cmd_parse(&cmd, argc, argv);

	return code >= 0 ? code : ctl_cmd_table(&cmd, "/v1/reports", headers, 0, report_row);
}
