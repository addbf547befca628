/*
 * cmd_reporters.c — `cunbaoctl reporters`: who may report, through the
 * API: list (by area subtree and role), get, add, set, remove, import
 * reporters.csv.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_roster.h"
#include "cunbaoctl.h"
#include "http.h"
#include "table.h"

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
    "  --area PATH        list: an area and its subtree; set: the new area\n"
    "  --role ROLE        list: only leaders or admins; add, set: the role\n"
    "  --name NAME        set: the new name\n"
    "  --lang LANG        add, set: the reply language\n"
    LIST_HELP CLIENT_HELP
    "  -h, --help         this help\n";

static void
reporter_row(void *arg, const cJSON *it)
{
	table_add(arg, (const char *[]){ json_str(it, "id"), json_str(it, "name"), json_str(it, "area"),
	    json_str(it, "role"), json_str(it, "lang") });
}

static struct table *
reporter_table(void)
{
	return table_new((const char *[]){ "ID", "NAME", "AREA", "ROLE", "LANG", NULL });
}

/* The JSON body of add or set: the members given (NULL: left out). */
static char *
reporter_body(const char *const keys[5], const char *const values[5])
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	for (int i = 0; i < 5; i++)
		if (values[i] != NULL)
			cJSON_AddStringToObject(o, keys[i], values[i]);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

int
cmd_reporters(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "area", required_argument, NULL, 'a' },
		{ "role", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		LIST_OPTIONS, CLIENT_OPTIONS, { NULL, 0, NULL, 0 }
	};
	static const char *const keys[5] = { "id", "name", "area", "role", "lang" };
	const char *area = NULL, *role = NULL, *name = NULL, *lang = NULL;
	struct roster_cmd rc = { .name = "reporters", .base = "/v1/reporters", .help = reporters_help,
		.add_args = 3, .table = reporter_table, .row = reporter_row };
	int ch;

	client_init(&rc.c);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': area = optarg; break;
		case 'r': role = optarg; break;
		case 'n': name = optarg; break;
		case 'l': lang = optarg; break;
		case 'h': fputs(reporters_help, stdout); return CTL_OK;
		default:
			if (!client_other_option(&rc.c, &rc.l, ch, optarg)) {
				fputs(reporters_help, stderr);
				return CTL_USAGE;
			}
		}
	}
	const char *action = optind < argc ? argv[optind++] : "list";
	char **args = argv + optind;
	if (!roster_cmd_check(&rc, action, argc - optind) || !client_ready(&rc.c))
		return CTL_USAGE;
	if (strcmp(action, "list") == 0)
		return roster_cmd_list(&rc, "area", area, "role", role);
	if (strcmp(action, "add") == 0 || strcmp(action, "set") == 0) {
		bool add = action[0] == 'a';
		const char *values[5] = { add ? args[0] : NULL, add ? args[1] : name,
			add ? args[2] : area, role, lang };
		char *body = reporter_body(keys, values);
		int code = roster_cmd_write(&rc, add ? "POST" : "PUT", add ? NULL : args[0], body);
		free(body);
		return code;
	}
	return roster_cmd_simple(&rc, action, args[0]);
}
