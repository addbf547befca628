/*
 * cmd_areas.c — `cunbaoctl areas`: the roster's areas through the API:
 * list (a subtree), get, add, set, remove, import areas.csv.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunbaoctl.h"
#include "http.h"
#include "cmd_roster.h"
#include "table.h"

static const char areas_help[] =
    "usage: cunbaoctl areas [list] [--area PATH] [options]\n"
    "       cunbaoctl areas get PATH\n"
    "       cunbaoctl areas add PATH NAME [--expected]\n"
    "       cunbaoctl areas set PATH [--name NAME] [--expected | --not-expected]\n"
    "       cunbaoctl areas remove PATH\n"
    "       cunbaoctl areas import FILE\n"
    "\n"
    "The areas of the roster: paths of 1 to 5 slugs [a-z0-9-] top down\n"
    "(township/village/group: xinzhuang/hexi/g03) with the names people use.\n"
    "An expected area is a group that must report (completeness counts it).\n"
    "add needs the parent to exist; remove refuses an area that has areas\n"
    "under it, reporters or reports.  import reads a CSV with the header\n"
    "path,name,expected (expected 0 or 1), adds and changes, never removes,\n"
    "and changes nothing if any line is wrong.  Changes need an admin token\n"
    "and are journaled with the token's name.\n"
    "\n"
    "  --area PATH        list: an area and its subtree\n"
    "  --name NAME        set: the new name\n"
    "  --expected         add, set: the area is a group that must report\n"
    "  --not-expected     set: it need not report\n"
    LIST_HELP CLIENT_HELP
    "  -h, --help         this help\n";

static void
area_row(void *arg, const cJSON *it)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(it, "expected");

	table_add(arg, (const char *[]){ json_str(it, "path"), json_str(it, "name"),
	    cJSON_IsTrue(e) ? "yes" : "no" });
}

static struct table *
area_table(void)
{
	return table_new((const char *[]){ "PATH", "NAME", "EXPECTED", NULL });
}

/* Builds the JSON body of add (path, name) or set (either may be NULL); expected "yes", "no" or NULL. */
static char *
area_body(const char *path, const char *name, const char *expected)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	if (path != NULL)
		cJSON_AddStringToObject(o, "path", path);
	if (name != NULL)
		cJSON_AddStringToObject(o, "name", name);
	if (expected != NULL)
		cJSON_AddBoolToObject(o, "expected", strcmp(expected, "yes") == 0);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

int
cmd_areas(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "area", required_argument, NULL, 'a' },
		{ "name", required_argument, NULL, 'n' },
		{ "expected", no_argument, NULL, 'e' },
		{ "not-expected", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		LIST_OPTIONS, CLIENT_OPTIONS, { NULL, 0, NULL, 0 }
	};
	const char *area = NULL, *name = NULL, *expected = NULL;
	struct roster_cmd rc = { .name = "areas", .base = "/v1/areas", .help = areas_help,
	    .add_args = 2, .table = area_table, .row = area_row };
	int ch;

	client_init(&rc.c);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': area = optarg; break;
		case 'n': name = optarg; break;
		case 'e': expected = "yes"; break;
		case 'E': expected = "no"; break;
		case 'h': fputs(areas_help, stdout); return CTL_OK;
		default:
			if (!client_other_option(&rc.c, &rc.l, ch, optarg)) {
				fputs(areas_help, stderr);
				return CTL_USAGE;
			}
		}
	}
	const char *action = optind < argc ? argv[optind++] : "list";
	char **args = argv + optind;
	int nargs = argc - optind;
	if (!roster_cmd_check(&rc, action, nargs))
		return CTL_USAGE;
	if (!client_ready(&rc.c))
		return CTL_USAGE;
	if (strcmp(action, "list") == 0)
		return roster_cmd_list(&rc, "area", area, NULL, NULL);
	if (strcmp(action, "add") == 0 || strcmp(action, "set") == 0) {
		bool add = action[0] == 'a';
		char *body = add ? area_body(args[0], args[1], expected) : area_body(NULL, name, expected);
		int code = roster_cmd_write(&rc, add ? "POST" : "PUT", add ? NULL : args[0], body);
		free(body);
		return code;
	}
	return roster_cmd_simple(&rc, action, args[0]);
}
