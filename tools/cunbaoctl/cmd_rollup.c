/*
 * cmd_rollup.c — `cunbaoctl rollup`: the figures of an area and everything
 * under it (GET /v1/rollups), one line per area, kind and period.
 */
#include <getopt.h>
#include <stdio.h>

#include "cunbaoctl.h"
#include "http.h"
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
	static const struct option opts[] = {
		{ "area", required_argument, NULL, 'a' },
		{ "kind", required_argument, NULL, 'k' },
		{ "period", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		LIST_OPTIONS, CLIENT_OPTIONS, { NULL, 0, NULL, 0 }
	};
	const char *area = NULL, *kind = NULL, *period = NULL;
	struct list_opts l = { 0 };
	struct client c;
	char path[4096];
	int ch, code;

	client_init(&c);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': area = optarg; break;
		case 'k': kind = optarg; break;
		case 'p': period = optarg; break;
		case 'h': fputs(rollup_help, stdout); return CTL_OK;
		default:
			if (!client_other_option(&c, &l, ch, optarg)) {
				fputs(rollup_help, stderr);
				return CTL_USAGE;
			}
		}
	}
	if (optind != argc) {
		fprintf(stderr, "cunbaoctl rollup: unexpected \"%s\"\n%s", argv[optind], rollup_help);
		return CTL_USAGE;
	}
	if (!client_ready(&c) || !client_path(path, sizeof path, "/v1/rollups", "area", area,
	    "kind", kind, "period", period, NULL))
		return CTL_USAGE;
	struct table *t = table_new((const char *[]){ "AREA", "KIND", "PERIOD", "REPORTED", "VALUES",
	    "UPDATED", NULL });
	if (t == NULL)
		return CTL_FAIL;
	table_align_right(t, 3);
	code = client_list(&c, path, &l, rollup_row, t);
	if (code == CTL_OK && !c.json)
		table_print(t, stdout);
	table_free(t);
	return code;
}
