/*
 * cmd_remind.c — `cunbaoctl remind`: sends a reminder now to every leader of
 * the groups still missing a report (POST /v1/reminders), and lists them.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "cunbaoctl.h"
#include "table.h"

static const char remind_help[] =
    "usage: cunbaoctl remind --kind KIND [--area PATH] [--period PERIOD] [options]\n"
    "\n"
    "Sends a reminder by SMS or chat, right now, to every leader of every\n"
    "expected group of the area that has not reported the kind for the period\n"
    "(default: its current one), in the leader's language, and lists who got\n"
    "one.  cunbaod also reminds on its own before each kind's deadline (once\n"
    "per leader and period) and tells the village admins after it.\n"
    "Needs an admin token.\n"
    "\n"
    "  --kind KIND        the kind of report (livestock)\n"
    "  --area PATH        an area and its subtree (default: the whole roster)\n"
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
	printf("%s %s: %s reminder(s) sent, %s group(s) missing\n", json_str(doc, "kind"),
	    json_str(doc, "period"), json_text(doc, "sent", sent, sizeof sent),
	    json_text(doc, "missing", missing, sizeof missing));
	table_free(t);
	cJSON_Delete(doc);
	return CTL_OK;
}

int
cmd_remind(int argc, char **argv)
{
	struct ctl_cmd cmd = { .name = "remind", .help = remind_help, .opts = ctl_filters, .args = true };
	struct http_response r;
	int code = ctl_cmd_parse(&cmd, argc, argv);
	const char *kind = cmd.v[CTL_KIND];

	if (code >= 0)
		return code;
	if (optind != argc || kind == NULL) {
		fprintf(stderr, "cunbaoctl remind: %s\n%s", kind ? "unexpected arguments" : "--kind is required",
		    remind_help);
		return CTL_USAGE;
	}
	if (!client_ready(&cmd.c))
		return CTL_USAGE;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "kind", kind);
	if (cmd.v[CTL_AREA] != NULL)
		cJSON_AddStringToObject(body, "area", cmd.v[CTL_AREA]);
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
