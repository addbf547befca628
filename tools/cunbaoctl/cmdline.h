/*
 * cmdline.h — the command line of cunbaoctl's admin subcommands, described
 * once as a table and parsed in one place (cmdline.c): each subcommand
 * lists its own options (most are query parameters: --area PATH is
 * area=PATH), and says whether it takes the list options, --json, -o FILE
 * and arguments.  The shared client options (http.h) come with every one.
 *
 *   static const struct ctl_opt opts[] = {
 *       { "area", 0, NULL }, { "kind", 1, NULL }, { "period", 2, NULL }, { NULL, 0, NULL },
 *   };
 *   struct ctl_cmd cmd = { .name = "rollup", .help = rollup_help, .opts = opts, .list = true };
 *   int code = ctl_cmd_parse(&cmd, argc, argv);
 *   if (code < 0)
 *       code = ctl_cmd_table(&cmd, "/v1/rollups", headers, 3, rollup_row);
 */
#ifndef CUNBAOCTL_CMDLINE_H
#define CUNBAOCTL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "http.h"

#define CTL_OPTS_MAX 8

/*
 * One option of a subcommand: --name VALUE stores VALUE in v[slot]; with
 * flag, --name takes no value and stores flag (two flags sharing a slot:
 * the last given wins).
 */
struct ctl_opt {
	const char *name;
	int slot;
	const char *flag;
};

/* The filters most subcommands take: --area, --kind, --period, in these slots. */
enum { CTL_AREA, CTL_KIND, CTL_PERIOD };
extern const struct ctl_opt ctl_filters[];

struct ctl_cmd {
	const char *name;		/* "journal", in messages */
	const char *help;		/* the --help text */
	const struct ctl_opt *opts;	/* ends with a NULL name */
	bool list;			/* takes --limit, --cursor, --all */
	bool no_json;			/* refuses --json (its output is not JSON) */
	bool output;			/* takes -o, --output FILE */
	bool args;			/* takes arguments (else any is a usage error) */
	const char *v[CTL_OPTS_MAX];	/* the options' values, NULL when not given */
	const char *out;		/* -o FILE, NULL when not given */
	struct client c;
	struct list_opts l;
};

/*
 * Parses argv (argv[0] the subcommand) into cmd.  Returns -1 to go on
 * (optind then at the first argument), or the exit code: CTL_OK after
 * --help, CTL_USAGE after printing what was wrong and the help.
 */
int ctl_cmd_parse(struct ctl_cmd *cmd, int argc, char **argv);

/*
 * Readies the client (URL, token) and writes base followed by the query of
 * every option given that takes a value, in the table's order, into buf.
 * False (said on stderr) when either fails.
 */
bool ctl_cmd_ready(struct ctl_cmd *cmd, const char *base, char *buf, size_t buflen);

/*
 * Fetches a list resource (path with its query) into a table of headers,
 * column right right-aligned (-1: none), one row per item through row, and
 * prints it unless --json.  Returns the exit code.
 */
int ctl_list_table(const struct client *c, const struct list_opts *l, const char *path,
    const char *const *headers, int right, void (*row)(void *table, const cJSON *item));

/* ctl_cmd_ready on base, then ctl_list_table: a list subcommand's whole work. */
int ctl_cmd_table(struct ctl_cmd *cmd, const char *base, const char *const *headers, int right,
    void (*row)(void *table, const cJSON *item));

#endif
