/*
 * cmdline.c — parsing an admin subcommand's command line from its table
 * (cmdline.h), building the request path from it, and listing a resource
 * into a table.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "table.h"

#define CTL_OPT_BASE 0x2000	/* getopt codes of the table's options: CTL_OPT_BASE + index */

const struct ctl_opt ctl_filters[] = {
	{ "area", CTL_AREA, NULL }, { "kind", CTL_KIND, NULL }, { "period", CTL_PERIOD, NULL },
	{ NULL, 0, NULL },
};

/* Builds the getopt_long table: the subcommand's options, --help, -o, the list and client options. */
static void
ctl_options(const struct ctl_cmd *cmd, struct option *o)
{
	static const struct option list[] = { LIST_OPTIONS }, client[] = { CLIENT_OPTIONS };
	size_t n = 0;

	for (int i = 0; i < CTL_OPTS_MAX && cmd->opts[i].name != NULL; i++)
		o[n++] = (struct option){ cmd->opts[i].name, cmd->opts[i].flag ? no_argument :
		    required_argument, NULL, CTL_OPT_BASE + i };
	o[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	if (cmd->output)
		o[n++] = (struct option){ "output", required_argument, NULL, 'o' };
	for (size_t i = 0; cmd->list && i < sizeof list / sizeof list[0]; i++)
		o[n++] = list[i];
	for (size_t i = 0; i < sizeof client / sizeof client[0]; i++)
		o[n++] = client[i];
	o[n] = (struct option){ NULL, 0, NULL, 0 };
}

/* Handles one option code; false when it is not one cmd takes. */
static bool
ctl_option(struct ctl_cmd *cmd, int ch, const char *arg)
{
	if (ch >= CTL_OPT_BASE && ch < CTL_OPT_BASE + CTL_OPTS_MAX) {
		const struct ctl_opt *o = &cmd->opts[ch - CTL_OPT_BASE];
		cmd->v[o->slot] = o->flag ? o->flag : arg;
		return true;
	}
	if (ch == 'o') {
		cmd->out = arg;
		return true;
	}
	if (ch == CLIENT_OPT_JSON && cmd->no_json)
		return false;
	return client_other_option(&cmd->c, cmd->list ? &cmd->l : NULL, ch, arg);
}

int
ctl_cmd_parse(struct ctl_cmd *cmd, int argc, char **argv)
{
	struct option options[CTL_OPTS_MAX + 16];
	int ch;

	ctl_options(cmd, options);
	client_init(&cmd->c);
	optind = 0;
	while ((ch = getopt_long(argc, argv, cmd->output ? "ho:" : "h", options, NULL)) != -1) {
		if (ch == 'h') {
			fputs(cmd->help, stdout);
			return CTL_OK;
		}
		if (!ctl_option(cmd, ch, optarg)) {
			fputs(cmd->help, stderr);
			return CTL_USAGE;
		}
	}
	if (!cmd->args && optind != argc) {
		fprintf(stderr, "cunbaoctl %s: unexpected \"%s\"\n%s", cmd->name, argv[optind], cmd->help);
		return CTL_USAGE;
	}
	return -1;
}

bool
ctl_cmd_ready(struct ctl_cmd *cmd, const char *base, char *buf, size_t buflen)
{
	bool ok;

	if (!client_ready(&cmd->c))
		return false;
	ok = (size_t)snprintf(buf, buflen, "%s", base) < buflen;
	for (int i = 0; ok && cmd->opts[i].name != NULL; i++)
		if (cmd->opts[i].flag == NULL)
			ok = client_query_add(buf, buflen, cmd->opts[i].name, cmd->v[cmd->opts[i].slot]);
	if (!ok)
		fprintf(stderr, "cunbaoctl: the request is too long\n");
	return ok;
}

int
ctl_list_table(const struct client *c, const struct list_opts *l, const char *path,
    const char *const *headers, int right, void (*row)(void *table, const cJSON *item))
{
	struct table *t = table_new(headers);
	int code;

	if (t == NULL)
		return CTL_FAIL;
	if (right >= 0)
		table_align_right(t, (size_t)right);
	code = client_list(c, path, l, row, t);
	if (code == CTL_OK && !c->json)
		table_print(t, stdout);
	table_free(t);
	return code;
}

int
ctl_cmd_table(struct ctl_cmd *cmd, const char *base, const char *const *headers, int right,
    void (*row)(void *table, const cJSON *item))
{
	char path[4096];

	if (!ctl_cmd_ready(cmd, base, path, sizeof path))
		return CTL_USAGE;
	return ctl_list_table(&cmd->c, &cmd->l, path, headers, right, row);
}
