/*
 * cmd_remind.c — `cunbaoctl remind`: sends a reminder now to every leader of
 * the groups still missing a report (POST /v1/reminders), and lists them.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "cunbaoctl.h"
#include "table.h"

static const char remind_help[] =
    "usage: cunbaoctl remind --kind KIND (--area PATH | --all) [--period PERIOD] [options]\n"
    "\n"
    "Sends a reminder by SMS or chat, right now, to every leader of every\n"
    "expected group of the area that has not reported the kind for the period\n"
    "(default: its current one), in the leader's language, and lists who got\n"
    "one and who was skipped and why: a leader reminded of the same kind and\n"
    "period within cunbaod's remind-dedup (6 h) is not texted again, and one\n"
    "request sends at most remind-max (200).  cunbaod also reminds on its own\n"
    "before each kind's deadline (once per leader and period) and tells the\n"
    "village admins after it.  Needs an admin token.\n"
    "\n"
    "  --kind KIND        the kind of report (livestock)\n"
    "  --area PATH        an area and its subtree\n"
    "  --all              the whole roster instead of an area (said in so many words)\n"
    "  --period PERIOD    the period (2023-12, 2023-W48, ...)\n"
    CLIENT_HELP
    "  -h, --help         this help\n";

/* Prints who got a reminder (or the server's JSON); returns the exit code. */
static int
remind_print(const struct client *c, const struct http_response *r)
{
	cJSON *doc = cJSON_ParseWithLength(r->body, r->len), *it;
	struct table *t;
	char sent[16], missing[16];

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
		table_add(t, (const char *[]){ json_str(it, "area"), *to ? to : "(no leader)",
		    json_str(it, "name"), json_str(it, "channel"), json_str(it, "id") });
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
		table_add(t, (const char *[]){ json_str(it, "area"), *to ? to : "(no leader)",
		    json_str(it, "name"), json_str(it, "reason") });
	}
	if (table_rows(t) > 0) {
		printf("skipped:\n");
		table_print(t, stdout);
	}
	printf("%s %s: %s reminder(s) sent, %s group(s) missing, %d skipped%s\n", json_str(doc, "kind"),
	    json_str(doc, "period"), json_text(doc, "sent", sent, sizeof sent),
	    json_text(doc, "missing", missing, sizeof missing), (int)table_rows(t),
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "capped")) ?
	    " (capped: narrow the area or run again)" : "");
	table_free(t);
	cJSON_Delete(doc);
	return CTL_OK;
}

/* Takes --all out of argv (the shared option table does not know it); true if it was there. */
static bool
take_all(int *argc, char **argv)
{
	bool all = false;
	int o = 0;

	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[o++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else
			argv[o++] = argv[i];
	}
	*argc = o;
	argv[o] = NULL;
	return all;
}

int
cmd_remind(int argc, char **argv)
{
	struct ctl_cmd cmd = { .name = "remind", .help = remind_help, .opts = ctl_filters, .args = true };
	struct http_response r;
	bool all = take_all(&argc, argv);
	int code = ctl_cmd_parse(&cmd, argc, argv);
	const char *kind = cmd.v[CTL_KIND];

	if (code >= 0)
		return code;
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
