/*
 * cmd_journal.c — `cunbaoctl journal`: every message cunbaod received, raw,
 * with its outcome (GET /v1/journal).  How an admin finds out why a
 * leader's SMS was refused: `cunbaoctl journal --sender +86… --status rejected`.
 */
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "cunbaoctl.h"
#include "table.h"
#include "utf8.h"

#define TEXT_SHOWN 160	/* bytes of a message shown in the table */

static const char journal_help[] =
    "usage: cunbaoctl journal [--area PATH] [--kind KIND] [--period PERIOD] [--since TIME]\n"
    "                         [--sender ID] [--status accepted|rejected] [options]\n"
    "\n"
    "Prints the messages cunbaod received, in order, with what became of each:\n"
    "accepted, or rejected with the error code and the offending part.  The\n"
    "TEXT column shows the SMS or chat text of a message (or its raw payload).\n"
    "\n"
    "  --area PATH        messages about an area and its subtree (their report's\n"
    "                     area, or the sender's in the roster)\n"
    "  --kind KIND        messages that made a report of this kind\n"
    "  --period PERIOD    messages that made a report of this period\n"
    "  --since TIME       received at or after TIME (2023-12-05, 2023-12-05T08:00+08:00)\n"
    "  --sender ID        from one phone or chat id (+8613800000003, tg:700000003)\n"
    "  --status STATUS    accepted or rejected\n"
    LIST_HELP CLIENT_HELP
    "  -h, --help         this help\n";

/* The text a leader sent (the envelope's "text"), else the raw payload, cut for a table. */
static void
message_text(const cJSON *it, char *buf, size_t buflen)
{
	const char *payload = json_str(it, "payload");
	cJSON *env = cJSON_Parse(payload);
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(env, "text");
	const char *s = cJSON_IsString(text) ? text->valuestring : payload;
	size_t n = utf8_truncate(s, strlen(s), buflen - 4 < TEXT_SHOWN ? buflen - 4 : TEXT_SHOWN);

	snprintf(buf, buflen, "%.*s%s", (int)n, s, s[n] ? "..." : "");
	cJSON_Delete(env);
}

static void
journal_row(void *arg, const cJSON *it)
{
	char seq[32], text[TEXT_SHOWN + 8], error[160];
	const char *code = json_str(it, "error"), *detail = json_str(it, "detail");

	json_text(it, "seq", seq, sizeof seq);
	message_text(it, text, sizeof text);
	if (*detail && strcmp(detail, code) != 0)
		snprintf(error, sizeof error, "%s: %s", code, detail);
	else
		snprintf(error, sizeof error, "%s", code);
	table_add(arg, (const char *[]){ seq, json_str(it, "received_at"), json_str(it, "sender"),
	    json_str(it, "status"), error, text });
}

int
cmd_journal(int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "area", 0, NULL }, { "kind", 1, NULL }, { "period", 2, NULL }, { "since", 3, NULL },
		{ "sender", 4, NULL }, { "status", 5, NULL }, { NULL, 0, NULL },
	};
	static const char *const headers[] = { "SEQ", "RECEIVED", "SENDER", "STATUS", "ERROR", "TEXT", NULL };
	struct ctl_cmd cmd = { .name = "journal", .help = journal_help, .opts = opts, .list = true };
	int code = ctl_cmd_parse(&cmd, argc, argv);

	return code >= 0 ? code : ctl_cmd_table(&cmd, "/v1/journal", headers, 0, journal_row);
}
