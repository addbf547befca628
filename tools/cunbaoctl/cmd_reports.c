/*
 * cmd_reports.c — `cunbaoctl reports`: reports with their values and their
 * place in the supersession history (GET /v1/reports).
 */
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "cunbaoctl.h"
#include "table.h"
#include "view.h"

static const char reports_help[] =
    "usage: cunbaoctl reports [--area AREA] [--kind KIND] [--period PERIOD] [--since TIME]\n"
    "                         [--reporter ID] [--status STATUS] [options]\n"
    "\n"
    "Prints reports in the order they arrived, corrections and withdrawals\n"
    "included: a correction (更正) supersedes a report, a withdrawal (撤销)\n"
    "withdraws it; nothing is deleted.  Values in catalog order with their\n"
    "units, reporters by their names in the roster.\n"
    "\n"
    "  --area AREA        reports for an area and its subtree (a path or a name)\n"
    "  --kind KIND        one kind of the catalog (a code, name or keyword)\n"
    "  --period PERIOD    one period (2023-12, 2023-W48, ...)\n"
    "  --since TIME       received at or after TIME (2023-12-05, 2023-12-05T08:00+08:00)\n"
    "  --reporter ID      sent by one reporter (+8613800000003, tg:700000003)\n"
    "  --status STATUS    active, superseded or withdrawn\n"
    LIST_HELP VIEW_HELP CLIENT_HELP
    "  -h, --help         this help\n";

/*
 * The status of a report, short: "replaced by 8" (已被更正：8), "corrects 3"
 * (更正 3: in effect, it replaced report 3), "active", "withdrawn"; with
 * --codes in the API's words: "superseded by 8", "active, replaces 3".
 */
static const char *
report_status(const cJSON *it, char *buf, size_t buflen)
{
	char by[32];
	const char *st = json_str(it, "status");
	bool codes = view_codes();

	if (*json_text(it, "superseded_by", by, sizeof by))
		snprintf(buf, buflen, "%s%s%s", codes ? "superseded by" : view_word("replaced by"),
		    codes || view_lang() == LANG_EN ? " " : "", by);
	else if (*json_text(it, "replaces", by, sizeof by) && strcmp(st, "active") == 0)
		snprintf(buf, buflen, "%s%s %s", codes ? "active, " : "", codes ? "replaces" :
		    view_word("corrects"), by);
	else
		snprintf(buf, buflen, "%s", codes ? st : view_word(st));
	return buf;
}

/* Adds one report: id, area, kind, period, reporter, status, received, values. */
static void
report_row(void *arg, const cJSON *it)
{
	char id[32], values[2048], status[128], area[512], who[256], at[64];

	json_text(it, "id", id, sizeof id);
	view_values(json_str(it, "kind"), cJSON_GetObjectItemCaseSensitive(it, "values"), values,
	    sizeof values);
	table_add(arg, (const char *[]){ id, view_area(json_str(it, "area"), area, sizeof area),
	    view_kind(json_str(it, "kind")), json_str(it, "period"),
	    view_person(json_str(it, "reporter"), NULL, who, sizeof who), report_status(it, status,
	    sizeof status), view_time(json_str(it, "created_at"), at, sizeof at), values });
}

int
cmd_reports(int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "area", 0, NULL }, { "kind", 1, NULL }, { "period", 2, NULL }, { "since", 3, NULL },
		{ "reporter", 4, NULL }, { "status", 5, NULL }, { NULL, 0, NULL },
	};
	static const char *const headers[] = { "ID", "AREA", "KIND", "PERIOD", "REPORTER", "STATUS",
		"RECEIVED", "VALUES", NULL };
	struct ctl_cmd cmd = { .name = "reports", .help = reports_help, .opts = opts, .list = true };
	int code = ctl_cmd_parse(&cmd, argc, argv);

	if (code < 0)
		code = ctl_cmd_table(&cmd, "/v1/reports", headers, 0, report_row);
	view_free();
	return code;
}
