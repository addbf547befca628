/*
 * cmd_roster.h — what `cunbaoctl areas` and `cunbaoctl reporters` share
 * (cmd_roster.c): the actions list, get, add, set, remove and import of a
 * roster resource of the API, and how their results are printed.  Each
 * subcommand describes its resource in a struct roster_cmd and hands its
 * command line to roster_cmd_run.
 */
#ifndef CUNBAOCTL_CMD_ROSTER_H
#define CUNBAOCTL_CMD_ROSTER_H

#include "cmdline.h"
#include "table.h"

struct roster_cmd {
	struct ctl_cmd cmd;		/* name "areas", the help, the options, client and list */
	const char *base;		/* "/v1/areas" */
	int add_args;			/* positional arguments of add */
	const char *const *headers;	/* the resource's columns */
	void (*row)(void *table, const cJSON *item);	/* adds one item to a table */
	const struct ctl_opt *filters;	/* the options list sends as its query */
	/*
	 * The JSON body of add (args: its arguments) or set (args[0]: the key),
	 * with the options' values in v; malloc'd, NULL when out of memory.
	 */
	char *(*body)(bool add, char *const *args, const char *const *v);
};

/*
 * `cunbaoctl <resource> [ACTION] [ARGS] [options]`: parses the command
 * line, checks the action and its arguments, runs it and prints what it
 * did.  Returns the exit code.
 */
int roster_cmd_run(struct roster_cmd *rc, int argc, char **argv);

#endif
