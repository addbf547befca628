/*
 * cmd_missing.c — `cunbaoctl missing`: who has not reported (GET
 * /v1/completeness): per kind and period, each expected group still missing
 * with its leaders, then how many of how many reported.
 */
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "cunbaoctl.h"
#include "table.h"
#include "view.h"

static const char missing_help[] =
    "usage: cunbaoctl missing [--area AREA] [--kind KIND] [--period PERIOD] [options]\n"
    "\n"
    "Lists the expected groups of an area that have not reported, with their\n"
    "leaders to call (their numbers with --wide), then one line per kind: how\n"
    "many groups reported.\n"
    "Without --kind, every kind of the catalog; without --period, each kind's\n"
    "current period.  `cunbaoctl remind` sends them a reminder.\n"
    "\n"
    "  --area AREA        an area and its subtree, by path or name (default: the\n"
    "                     whole roster)\n"
    "  --kind KIND        one kind of the catalog (a code, name or keyword)\n"
    "  --period PERIOD    one period of that kind's type\n"
    VIEW_HELP CLIENT_HELP
    "  -h, --help         this help\n";

struct missing_out {
	struct table *groups;
	struct table *summary;
};

/* True if who is already one of the ", "-separated entries of list. */
static bool
missing_listed(const char *list, const char *who)
{
	size_t n = strlen(who);

	for (const char *p = list; (p = strstr(p, who)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

/* The leaders of a missing group as "刘桂兰, 赵一" (with their ids under --wide); "(no leader)" if none. */
static const char *
missing_leaders(const cJSON *g, char *buf, size_t buflen)
{
	const cJSON *p;
	char one[256];
	size_t off = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(g, "leaders")) {
		view_person(json_str(p, "id"), json_str(p, "name"), one, sizeof one);
		if (missing_listed(buf, one))	/* one leader by phone and by chat: named once */
			continue;
		int n = snprintf(buf + off, buflen - off, "%s%s", off ? ", " : "", one);
		if (n < 0 || (size_t)n >= buflen - off)
			break;
		off += (size_t)n;
	}
	return off ? buf : view_word("(no leader)");
}

/* Adds one line per missing group of a completeness item, and its summary line. */
static void
missing_row(void *arg, const cJSON *it)
{
	struct missing_out *mo = arg;
	const cJSON *g;
	char who[1024], count[64], exp[16], nm[16], area[512];
	const char *kind = view_kind(json_str(it, "kind"));
	int nmissing = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(it, "missing"));

	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(it, "missing"))
		table_add(mo->groups, (const char *[]){ kind, json_str(it, "period"),
		    view_area(json_str(g, "area"), area, sizeof area), missing_leaders(g, who, sizeof who) });
	json_text(it, "expected", exp, sizeof exp);
	snprintf(count, sizeof count, "%d/%s", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(it,
	    "reported")), exp);
	snprintf(nm, sizeof nm, "%d", nmissing);
	table_add(mo->summary, (const char *[]){ kind, json_str(it, "period"), count, nm });
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
	mo.groups = table_new((const char *[]){ "KIND", "PERIOD", "AREA", "LEADERS", NULL });
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
	view_free();
	return code;
}
