/*
 * cmd_remind.c — `cunbaoctl remind`: sends a reminder now to every leader of
 * the groups still missing a report (POST /v1/reminders), and lists them;
 * with --dry-run only says who would get one, and without --kind what
 * cunbaod's own check would send now (GET /v1/reminders/due).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "cunbaoctl.h"
#include "table.h"
#include "view.h"

static const char remind_help[] =
    "usage: cunbaoctl remind --kind KIND (--area PATH | --all) [--period PERIOD] [--dry-run] [options]\n"
    "       cunbaoctl remind --dry-run [options]\n"
    "       cunbaoctl remind --sent [--area PATH] [--kind KIND] [--period PERIOD] [--since TIME] [options]\n"
    "\n"
    "Sends a reminder by SMS or chat, right now, to every leader of every\n"
    "expected group of the area that has not reported the kind for the period\n"
    "(default: its current one), in the leader's language, and lists who got\n"
    "one and who was skipped and why: a leader reminded of the same kind and\n"
    "period within cunbaod's remind-dedup (6 h) is not texted again, and one\n"
    "request sends at most remind-max (200).  cunbaod also reminds on its own\n"
    "before each kind's deadline (once per leader and period) and tells the\n"
    "village admins after it; groups and leaders that came into cunbao after a\n"
    "period ended are never chased about it.  Needs an admin token.\n"
    "\n"
    "With --dry-run nothing is sent: with --kind it lists who would get a\n"
    "reminder; alone it lists what cunbaod's own check would send now (the\n"
    "reminders and escalations due, each with its text).  --sent lists the\n"
    "reminders and escalations sent so far (GET /v1/reminders; a read token is\n"
    "enough for it and for --dry-run alone).\n"
    "\n"
    "  --kind KIND        the kind of report (livestock)\n"
    "  --area PATH        an area and its subtree\n"
    "  --all              the whole roster instead of an area (said in so many words)\n"
    "  --period PERIOD    the period (2023-12, 2023-W48, ...)\n"
    "  --dry-run          send nothing: say who would get one, or what is due\n"
    "  --sent             list what was sent (with --since TIME, --limit, --all pages)\n"
    CLIENT_HELP
    "  -h, --help         this help\n";

/* Prints who got a reminder (or the server's JSON); returns the exit code. */
static int
remind_print(const struct client *c, const struct http_response *r)
{
	cJSON *doc = cJSON_ParseWithLength(r->body, r->len), *it;
	struct table *t;
	char sent[16], missing[16], area[512], id[128];

	if (c->json || doc == NULL) {
		client_print_body(r);
		cJSON_Delete(doc);
		return CTL_OK;
	}
	if ((t = table_new((const char *[]){ "AREA", "TO", "NAME", "CHANNEL", "ID", NULL })) == NULL) {
		cJSON_Delete(doc);
		return CTL_FAIL;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "reminders")) {
		const char *to = json_str(it, "to");
		table_add(t, (const char *[]){ view_area(json_str(it, "area"), area, sizeof area),
		    *to ? view_id(to, id, sizeof id) : "(no leader)", json_str(it, "name"), json_str(it, "channel"),
		    json_str(it, "id") });
	}
	if (table_rows(t) > 0)
		table_print(t, stdout);
	table_free(t);
	if ((t = table_new((const char *[]){ "AREA", "TO", "NAME", "NOT SENT BECAUSE", NULL })) == NULL) {
		cJSON_Delete(doc);
		return CTL_FAIL;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "skipped")) {
		const char *to = json_str(it, "to");
		table_add(t, (const char *[]){ view_area(json_str(it, "area"), area, sizeof area),
		    *to ? view_id(to, id, sizeof id) : "(no leader)", json_str(it, "name"), json_str(it, "reason") });
	}
	if (table_rows(t) > 0) {
		printf("skipped:\n");
		table_print(t, stdout);
	}
	bool dry = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "dry_run"));
	if (dry)
		snprintf(sent, sizeof sent, "%d", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc,
		    "reminders")));
	printf("%s %s: %s reminder(s) %s, %s group(s) missing, %d skipped%s\n", json_str(doc, "kind"),
	    json_str(doc, "period"), dry ? sent : json_text(doc, "sent", sent, sizeof sent),
	    dry ? "would be sent (dry run: nothing sent)" : "sent",
	    json_text(doc, "missing", missing, sizeof missing), (int)table_rows(t),
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "capped")) ?
	    " (capped: narrow the area or run again)" : "");
	table_free(t);
	cJSON_Delete(doc);
	return CTL_OK;
}

/* Takes flag (--all, --dry-run) out of argv (the shared option table does not know it); true if it was there. */
static bool
take_flag(int *argc, char **argv, const char *flag)
{
	bool seen = false;
	int o = 0;

	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[o++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], flag) == 0)
			seen = true;
		else
			argv[o++] = argv[i];
	}
	*argc = o;
	argv[o] = NULL;
	return seen;
}

/* Prints what cunbaod's own check would send now (GET /v1/reminders/due); returns the exit code. */
static int
due_print(const struct client *c, const struct http_response *r)
{
	cJSON *doc = cJSON_ParseWithLength(r->body, r->len), *it;
	struct table *t;
	char area[512], id[128];

	if (c->json || doc == NULL) {
		client_print_body(r);
		cJSON_Delete(doc);
		return CTL_OK;
	}
	t = table_new((const char *[]){ "TYPE", "KIND", "PERIOD", "DEADLINE", "AREA", "TO", "NAME", NULL });
	if (t == NULL) {
		cJSON_Delete(doc);
		return CTL_FAIL;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "due"))
		table_add(t, (const char *[]){ json_str(it, "type"), view_kind(json_str(it, "kind")),
		    json_str(it, "period"), json_str(it, "deadline"), view_area(json_str(it, "area"), area, sizeof area),
		    view_id(json_str(it, "to"), id, sizeof id), json_str(it, "name") });
	if (table_rows(t) > 0)
		table_print(t, stdout);
	printf("due at %s: %d message(s) (dry run: nothing sent)\n", json_str(doc, "at"), (int)table_rows(t));
	table_free(t);
	cJSON_Delete(doc);
	return CTL_OK;
}

/* One reminder sent, as the tables show it (names, a masked number unless --wide). */
static void
sent_row(void *arg, const cJSON *it)
{
	char area[512], id[128], at[64];

	table_add(arg, (const char *[]){ json_str(it, "id"), view_time(json_str(it, "sent_at"), at, sizeof at),
	    json_str(it, "type"), view_kind(json_str(it, "kind")), json_str(it, "period"),
	    view_area(json_str(it, "area"), area, sizeof area), view_id(json_str(it, "to"), id, sizeof id) });
}

/* cunbaoctl remind --sent: the reminders sent, as a list subcommand. */
static int
remind_sent(int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "area", 0, NULL }, { "kind", 1, NULL }, { "period", 2, NULL }, { "since", 3, NULL },
		{ NULL, 0, NULL },
	};
	static const char *const headers[] = { "ID", "SENT", "TYPE", "KIND", "PERIOD", "AREA", "TO", NULL };
	struct ctl_cmd cmd = { .name = "remind", .help = remind_help, .opts = opts, .list = true };
	int code = ctl_cmd_parse(&cmd, argc, argv);

	return code >= 0 ? code : ctl_cmd_table(&cmd, "/v1/reminders", headers, -1, sent_row);
}

int
cmd_remind(int argc, char **argv)
{
	struct ctl_cmd cmd = { .name = "remind", .help = remind_help, .opts = ctl_filters, .args = true };
	struct http_response r;
	if (take_flag(&argc, argv, "--sent"))
		return remind_sent(argc, argv);
	bool all = take_flag(&argc, argv, "--all"), dry = take_flag(&argc, argv, "--dry-run");
	int code = ctl_cmd_parse(&cmd, argc, argv);
	const char *kind = cmd.v[CTL_KIND];

	if (code >= 0)
		return code;
	if (dry && kind == NULL && optind == argc && !all && cmd.v[CTL_AREA] == NULL) {
		if (!client_ready(&cmd.c))
			return CTL_USAGE;
		code = client_call(&cmd.c, "GET", "/v1/reminders/due", NULL, NULL, 0, &r);
		if (code == CTL_OK)
			code = due_print(&cmd.c, &r);
		http_response_clear(&r);
		return code;
	}
	if (optind != argc || kind == NULL) {
		fprintf(stderr, "cunbaoctl remind: %s\n%s", kind ? "unexpected arguments" : "--kind is required",
		    remind_help);
		return CTL_USAGE;
	}
	if ((cmd.v[CTL_AREA] == NULL) == !all) {
		fprintf(stderr, "cunbaoctl remind: give %s\n%s", all ? "either --area or --all, not both" :
		    "--area PATH, or --all to remind every missing leader of the roster", remind_help);
		return CTL_USAGE;
	}
	if (!client_ready(&cmd.c))
		return CTL_USAGE;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "kind", kind);
	if (cmd.v[CTL_AREA] != NULL)
		cJSON_AddStringToObject(body, "area", cmd.v[CTL_AREA]);
	if (all)
		cJSON_AddBoolToObject(body, "all", true);
	if (cmd.v[CTL_PERIOD] != NULL)
		cJSON_AddStringToObject(body, "period", cmd.v[CTL_PERIOD]);
	if (dry)
		cJSON_AddBoolToObject(body, "dry_run", true);
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (text == NULL)
		return CTL_FAIL;
	code = client_call(&cmd.c, "POST", "/v1/reminders", "application/json", text, strlen(text), &r);
	cJSON_free(text);
	if (code == CTL_OK)
		code = remind_print(&cmd.c, &r);
	http_response_clear(&r);
	return code;
}
