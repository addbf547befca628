/*
 * cmd_reporters.c — `cunbaoctl reporters`: who may report, through the
 * API: list (by area subtree and role), get, add, set, remove, import
 * reporters.csv.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_roster.h"
#include "cunbaoctl.h"
#include "table.h"
#include "view.h"

static const char reporters_help[] =
    "usage: cunbaoctl reporters [list] [--area PATH] [--role leader|admin] [options]\n"
    "       cunbaoctl reporters get ID\n"
    "       cunbaoctl reporters add ID NAME AREA [--role leader|admin] [--lang zh|en]\n"
    "       cunbaoctl reporters set ID [--name NAME] [--area AREA] [--role ROLE] [--lang LANG]\n"
    "       cunbaoctl reporters remove ID\n"
    "       cunbaoctl reporters import FILE\n"
    "\n"
    "The people who may report: an id (a phone number +8613800000003 or a chat\n"
    "id tg:700000003), the name the village knows them by, their area, their\n"
    "role (leader: reports for the group; admin: may report for any group of\n"
    "the area and hears about overdue groups) and the language of the replies\n"
    "(zh or en; default zh, role default leader).  The area must exist.\n"
    "import reads a CSV with the header id,name,area,role,lang, adds and\n"
    "changes, never removes, and changes nothing if any line is wrong.\n"
    "Changes need an admin token and are journaled with the token's name.\n"
    "\n"
    "  --area AREA        list: an area and its subtree (a path or a name); set:\n"
    "                     the new area\n"
    "  --role ROLE        list: only leaders or admins; add, set: the role\n"
    "  --name NAME        set: the new name\n"
    "  --lang LANG        add, set: the reply language; list, get: the table's\n"
    LIST_HELP VIEW_HELP CLIENT_HELP
    "  -h, --help         this help\n";

/*
 * Adds one reporter: the id (a phone number masked unless --wide or
 * --codes), the name, the area by its names (its path with --codes), the
 * role and the reply language in the view's words.
 */
static void
reporter_row(void *arg, const cJSON *it)
{
	char id[256], area[512];

	table_add(arg, (const char *[]){ view_id(json_str(it, "id"), id, sizeof id), json_str(it, "name"),
	    view_area(json_str(it, "area"), area, sizeof area), view_word(json_str(it, "role")),
	    view_word(json_str(it, "lang")) });
}

enum { AREA, ROLE, NAME, LANG };

/* The JSON body of add (id, name, area) or set: the members given (NULL: left out). */
static char *
reporter_body(bool add, char *const *args, const char *const *v)
{
	static const char *const keys[5] = { "id", "name", "area", "role", "lang" };
	const char *values[5] = { add ? args[0] : NULL, add ? args[1] : v[NAME], add ? args[2] : v[AREA],
		v[ROLE], v[LANG] };
	cJSON *o = cJSON_CreateObject();
	char *text;

	for (int i = 0; i < 5; i++)
		if (values[i] != NULL)
			cJSON_AddStringToObject(o, keys[i], values[i]);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/*
 * --lang is the reply language of add and set; for the other actions it is
 * the table's (view.h).  Takes it for the view when the action is neither;
 * false after a bad one.
 */
static bool
reporters_list_lang(int argc, char **argv)
{
	const char *lang = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "add") == 0 || strcmp(argv[i], "set") == 0)
			return true;
		if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
			lang = argv[i + 1];
		else if (strncmp(argv[i], "--lang=", 7) == 0)
			lang = argv[i] + 7;
	}
	return lang == NULL || view_option(VIEW_OPT_LANG, lang);
}

int
cmd_reporters(int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "area", AREA, NULL }, { "role", ROLE, NULL }, { "name", NAME, NULL }, { "lang", LANG, NULL },
		{ NULL, 0, NULL },
	};
	static const struct ctl_opt filters[] = { { "area", AREA, NULL }, { "role", ROLE, NULL }, { NULL, 0, NULL } };
	static const char *const headers[] = { "ID", "NAME", "AREA", "ROLE", "LANG", NULL };
	struct roster_cmd rc = {
		.cmd = { .name = "reporters", .help = reporters_help, .opts = opts, .list = true, .args = true },
		.base = "/v1/reporters", .add_args = 3, .headers = headers, .row = reporter_row,
		.filters = filters, .body = reporter_body,
	};

	int code;

	if (!reporters_list_lang(argc, argv))
		return CTL_USAGE;
	code = roster_cmd_run(&rc, argc, argv);

	view_free();
	return code;
}
