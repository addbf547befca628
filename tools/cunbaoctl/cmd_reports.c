/*
 * cmd_reports.c — `cunbaoctl reports`: reports with their values and their
 * place in the supersession history (GET /v1/reports).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cunbaoctl.h"
#include "http.h"
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
	static const struct option opts[] = {
		{ "area", required_argument, NULL, 'a' },
		{ "kind", required_argument, NULL, 'k' },
		{ "period", required_argument, NULL, 'p' },
		{ "since", required_argument, NULL, 's' },
		{ "reporter", required_argument, NULL, 'r' },
		{ "status", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		LIST_OPTIONS, CLIENT_OPTIONS, { NULL, 0, NULL, 0 }
	};
	const char *v[6] = { NULL };	/* area kind period since reporter status */
	const char *keys = "akpsrS";
	struct list_opts l = { 0 };
	struct client c;
	char path[4096];
	int ch, code;

	client_init(&c);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		const char *k = ch > 0 && ch < 128 ? strchr(keys, ch) : NULL;
		if (k != NULL) {
			v[k - keys] = optarg;
		} else if (ch == 'h') {
			fputs(reports_help, stdout);
			return CTL_OK;
		} else if (!client_other_option(&c, &l, ch, optarg)) {
			fputs(reports_help, stderr);
			return CTL_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "cunbaoctl reports: unexpected \"%s\"\n%s", argv[optind], reports_help);
		return CTL_USAGE;
	}
	if (!client_ready(&c) || !client_path(path, sizeof path, "/v1/reports", "area", v[0],
	    "kind", v[1], "period", v[2], "since", v[3], "reporter", v[4], "status", v[5], NULL))
		return CTL_USAGE;
	struct table *t = table_new((const char *[]){ "ID", "AREA", "KIND", "PERIOD", "REPORTER",
	    "STATUS", "CREATED", "VALUES", NULL });
	if (t == NULL)
		return CTL_FAIL;
	table_align_right(t, 0);
	code = client_list(&c, path, &l, report_row, t);
	if (code == CTL_OK && !c.json)
		table_print(t, stdout);
	table_free(t);
	return code;
}
