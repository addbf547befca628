/*
 * cmd_roster.c — the actions `cunbaoctl areas` and `cunbaoctl reporters`
 * share: list, get, add, set, remove, import.  Not a subcommand itself.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_roster.h"
#include "cunbaoctl.h"

#define IMPORT_MAX (1u << 20)	/* bytes of a CSV the API takes */

static const struct {
	const char *action;
	int nargs;		/* -1: the resource's add_args */
} actions[] = {
	{ "list", 0 }, { "get", 1 }, { "add", -1 }, { "set", 1 }, { "remove", 1 }, { "import", 1 },
};

/* Checks action is known and has its number of arguments; prints the usage (false) if not. */
static bool
roster_cmd_check(const struct roster_cmd *rc, const char *action, int nargs)
{
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
		if (strcmp(action, actions[i].action) != 0)
			continue;
		int want = actions[i].nargs < 0 ? rc->add_args : actions[i].nargs;
		if (nargs == want)
			return true;
		fprintf(stderr, "cunbaoctl %s %s: takes %d argument%s\n%s", rc->cmd.name, action, want,
		    want == 1 ? "" : "s", rc->cmd.help);
		return false;
	}
	fprintf(stderr, "cunbaoctl %s: unknown action \"%s\"\n%s", rc->cmd.name, action, rc->cmd.help);
	return false;
}

/* list: GET base with the filters given; prints the table. */
static int
roster_cmd_list(struct roster_cmd *rc)
{
	char path[4096];
	bool ok = (size_t)snprintf(path, sizeof path, "%s", rc->base) < sizeof path;

	for (const struct ctl_opt *f = rc->filters; ok && f->name != NULL; f++)
		ok = client_query_add(path, sizeof path, f->name, rc->cmd.v[f->slot]);
	if (!ok) {
		fprintf(stderr, "cunbaoctl: the request is too long\n");
		return CTL_USAGE;
	}
	return ctl_list_table(&rc->cmd.c, &rc->cmd.l, path, rc->headers, -1, rc->row);
}

/* Prints one item (a table of one row, or the JSON). */
static int
item_print(struct roster_cmd *rc, const struct http_response *r)
{
	cJSON *item = cJSON_ParseWithLength(r->body, r->len);
	struct table *t;

	if (rc->cmd.c.json || item == NULL) {
		client_print_body(r);
		cJSON_Delete(item);
		return CTL_OK;
	}
	if ((t = table_new(rc->headers)) != NULL) {
		rc->row(t, item);
		table_print(t, stdout);
		table_free(t);
	}
	cJSON_Delete(item);
	return t ? CTL_OK : CTL_FAIL;
}

/* base/<id escaped> into buf; false if it does not fit. */
static bool
item_path(const struct roster_cmd *rc, const char *id, char *buf, size_t buflen)
{
	char esc[1024];

	if (!client_escape(id, esc, sizeof esc) || (size_t)snprintf(buf, buflen, "%s/%s", rc->base, esc) >= buflen) {
		fprintf(stderr, "cunbaoctl %s: \"%.64s\" is too long\n", rc->cmd.name, id);
		return false;
	}
	return true;
}

/* add (POST base) or set (PUT base/id) with the JSON body (freed); prints the resulting item. */
static int
roster_cmd_write(struct roster_cmd *rc, const char *method, const char *id, char *body)
{
	char path[2048];
	struct http_response r;
	int code;

	if (body == NULL)
		return CTL_FAIL;
	if (id != NULL && !item_path(rc, id, path, sizeof path)) {
		free(body);
		return CTL_USAGE;
	}
	code = client_call(&rc->cmd.c, method, id ? path : rc->base, "application/json", body, strlen(body), &r);
	free(body);
	if (code == CTL_OK)
		code = item_print(rc, &r);
	http_response_clear(&r);
	return code;
}

/* Reads the CSV file to import; malloc'd or NULL (said on stderr). */
static char *
import_read(const struct roster_cmd *rc, const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	char *buf = malloc(IMPORT_MAX + 1);

	*len = 0;
	if (f == NULL || buf == NULL) {
		fprintf(stderr, "cunbaoctl %s import: %s: %s\n", rc->cmd.name, file, strerror(errno));
		if (f != NULL)
			fclose(f);
		free(buf);
		return NULL;
	}
	*len = fread(buf, 1, IMPORT_MAX + 1, f);
	fclose(f);
	if (*len > IMPORT_MAX) {
		fprintf(stderr, "cunbaoctl %s import: %s: larger than %u bytes: split it\n", rc->cmd.name,
		    file, IMPORT_MAX);
		free(buf);
		return NULL;
	}
	return buf;
}

/* Prints what an import chose for the clerk: the charset it read, the area codes it derived. */
static void
import_notes(const cJSON *o)
{
	const cJSON *d;

	if (strcmp(json_str(o, "charset"), "UTF-8") != 0 && json_str(o, "charset")[0] != '\0')
		printf("read as %s\n", json_str(o, "charset"));
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(o, "derived")) {
		char line[16];

		printf("line %s: %s gets the code %s\n", json_text(d, "line", line, sizeof line),
		    json_str(d, "name"), json_str(d, "path"));
	}
}

/* import: POST the CSV, print what it did. */
static int
roster_import(struct roster_cmd *rc, const char *file)
{
	char path[256], rows[16], added[16], changed[16], same[16];
	struct http_response r;
	size_t len;
	char *csv = import_read(rc, file, &len);
	int code;

	if (csv == NULL)
		return CTL_NOTFOUND;
	snprintf(path, sizeof path, "%s/import", rc->base);
	/* The server tells the charset (UTF-8, UTF-16, GB18030) from the bytes. */
	code = client_call(&rc->cmd.c, "POST", path, "text/csv", csv, len, &r);
	free(csv);
	if (code == CTL_OK && rc->cmd.c.json) {
		client_print_body(&r);
	} else if (code == CTL_OK) {
		cJSON *o = cJSON_ParseWithLength(r.body, r.len);
		printf("%s: %s rows: %s added, %s changed, %s unchanged\n", file,
		    json_text(o, "rows", rows, sizeof rows), json_text(o, "added", added, sizeof added),
		    json_text(o, "changed", changed, sizeof changed),
		    json_text(o, "unchanged", same, sizeof same));
		import_notes(o);
		cJSON_Delete(o);
	}
	http_response_clear(&r);
	return code;
}

/* get, remove (DELETE base/arg) and import (POST base/import with the CSV file arg). */
static int
roster_cmd_simple(struct roster_cmd *rc, const char *action, const char *arg)
{
	char path[2048];
	struct http_response r;
	int code;

	if (strcmp(action, "import") == 0)
		return roster_import(rc, arg);
	if (!item_path(rc, arg, path, sizeof path))
		return CTL_USAGE;
	bool get = strcmp(action, "get") == 0;
	code = client_call(&rc->cmd.c, get ? "GET" : "DELETE", path, NULL, NULL, 0, &r);
	if (code == CTL_OK && get)
		code = item_print(rc, &r);
	else if (code == CTL_OK && rc->cmd.c.json)
		client_print_body(&r);
	else if (code == CTL_OK)
		printf("removed %s\n", arg);
	http_response_clear(&r);
	return code;
}

int
roster_cmd_run(struct roster_cmd *rc, int argc, char **argv)
{
	int code = ctl_cmd_parse(&rc->cmd, argc, argv);

	if (code >= 0)
		return code;
	const char *action = optind < argc ? argv[optind++] : "list";
	char **args = argv + optind;
	if (!roster_cmd_check(rc, action, argc - optind) || !client_ready(&rc->cmd.c))
		return CTL_USAGE;
	if (strcmp(action, "list") == 0)
		return roster_cmd_list(rc);
	if (strcmp(action, "add") == 0)
		return roster_cmd_write(rc, "POST", NULL, rc->body(true, args, rc->cmd.v));
	if (strcmp(action, "set") == 0)
		return roster_cmd_write(rc, "PUT", args[0], rc->body(false, args, rc->cmd.v));
	return roster_cmd_simple(rc, action, args[0]);
}
