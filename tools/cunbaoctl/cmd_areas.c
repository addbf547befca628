/*
 * cmd_areas.c — `cunbaoctl areas`: the roster's areas through the API:
 * list (a subtree), get, add, set, remove, import areas.csv.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_roster.h"
#include "cunbaoctl.h"
#include "table.h"
#include "view.h"

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
    "  --area AREA        list: an area and its subtree (a path or a name)\n"
    "  --name NAME        set: the new name\n"
    "  --expected         add, set: the area is a group that must report\n"
    "  --not-expected     set: it need not report\n"
    LIST_HELP VIEW_HELP CLIENT_HELP
    "  -h, --help         this help\n";

/* Adds one area: its path (the code to give to other commands), its name, whether it must report. */
static void
area_row(void *arg, const cJSON *it)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(it, "expected");

	table_add(arg, (const char *[]){ json_str(it, "path"), json_str(it, "name"),
	    view_word(cJSON_IsTrue(e) ? "yes" : "no") });
}

enum { AREA, NAME, EXPECTED };

/* The JSON body of add (path, name) or set (name, if given); expected "yes", "no" or NULL. */
static char *
area_body(bool add, char *const *args, const char *const *v)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	if (add)
		cJSON_AddStringToObject(o, "path", args[0]);
	if (add || v[NAME] != NULL)
		cJSON_AddStringToObject(o, "name", add ? args[1] : v[NAME]);
	if (v[EXPECTED] != NULL)
		cJSON_AddBoolToObject(o, "expected", strcmp(v[EXPECTED], "yes") == 0);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

int
cmd_areas(int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "area", AREA, NULL }, { "name", NAME, NULL }, { "expected", EXPECTED, "yes" },
		{ "not-expected", EXPECTED, "no" }, { NULL, 0, NULL },
	};
	static const struct ctl_opt filters[] = { { "area", AREA, NULL }, { NULL, 0, NULL } };
	static const char *const headers[] = { "PATH", "NAME", "EXPECTED", NULL };
	struct roster_cmd rc = {
		.cmd = { .name = "areas", .help = areas_help, .opts = opts, .list = true, .args = true },
		.base = "/v1/areas", .add_args = 2, .headers = headers, .row = area_row,
		.filters = filters, .body = area_body,
	};

	int code = roster_cmd_run(&rc, argc, argv);

	view_free();
	return code;
}
