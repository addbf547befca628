/*
 * cmd_roster.h — what `cunbaoctl areas` and `cunbaoctl reporters` share
 * (cmd_roster.c): the actions list, get, add, set, remove and import of a
 * roster resource of the API, and how their results are printed.
 */
#ifndef CUNBAOCTL_CMD_ROSTER_H
#define CUNBAOCTL_CMD_ROSTER_H

#include "http.h"
#include "table.h"

struct roster_cmd {
	const char *name;		/* "areas" */
	const char *base;		/* "/v1/areas" */
	const char *help;
	int add_args;			/* positional arguments of add */
	struct table *(*table)(void);	/* an empty table with the resource's columns */
	void (*row)(void *arg, const cJSON *item);	/* adds one item to the table arg */
	struct client c;
	struct list_opts l;
};

/* Checks action is known and has its number of arguments; prints the usage (false) if not. */
bool roster_cmd_check(const struct roster_cmd *rc, const char *action, int nargs);
/* list: GET base with up to two filters (name NULL: none); prints the table. */
int roster_cmd_list(struct roster_cmd *rc, const char *n1, const char *v1, const char *n2, const char *v2);
/* add (POST base) or set (PUT base/id) with a JSON body; prints the resulting item. */
int roster_cmd_write(struct roster_cmd *rc, const char *method, const char *id, const char *body);
/* get, remove (DELETE base/arg) and import (POST base/import with the CSV file arg). */
int roster_cmd_simple(struct roster_cmd *rc, const char *action, const char *arg);

#endif
