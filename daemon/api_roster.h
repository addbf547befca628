/*
 * api_roster.h — what the roster resources share (daemon/api_roster.c):
 * request bodies, checks, reading one item, the end of every roster write
 * and CSV imports.  Each resource (api_areas.c, api_reporters.c) describes
 * itself once in a struct roster_res; the flows are written once here.
 */
#ifndef CUNBAOD_API_ROSTER_H
#define CUNBAOD_API_ROSTER_H

#include <cjson/cJSON.h>

#include "api_int.h"

#define ROSTER_TEXT_MAX       128	/* bytes of a name, as cunbaod's roster keeps it (NUL included) */
#define ROSTER_FIELDS         8
#define ROSTER_IMPORT_MAX     20000	/* rows of one CSV import */
#define ROSTER_PROBLEMS_SHOWN 10

struct store_query;

/* One CSV record of an import. */
struct roster_row {
	int line;
	char path[CB_AREA_MAX];		/* areas: field 0 with its names replaced by codes */
	char *f[ROSTER_FIELDS];		/* into store, or id */
	char store[512];
	char id[CB_ID_MAX + 1];		/* reporters: field 0 normalised (roster_id_norm) */
	bool refused;			/* prepare noted its problem already: check skips it */
};

/* A CSV import: its rows, what was wrong with them, what it did. */
struct roster_import {
	const struct roster_res *res;
	bool header;			/* the header line has been read */
	int nrows;
	struct roster_row *rows;	/* ROSTER_IMPORT_MAX, owned by roster_import */
	int nproblems;
	char problems[2048];
	int added, changed;
	char *text;			/* the body in UTF-8 (rows point into it), owned */
	const char *charset;		/* what the body was: "UTF-8", "GB18030", ... */
	char *derived;			/* areas: the codes chosen, a JSON array (owned), or NULL */
};

/* A roster resource: how one item is read, how a CSV of them is checked and written. */
struct roster_res {
	const char *noun;		/* "area": in messages */
	const char *plural;		/* "areas": in the journal ("import areas: ...") */
	int show;			/* bytes of a key quoted in a 404 */
	/* Appends item key as a JSON line to out: 1 found, 0 none, -1 error. */
	int (*get)(struct store_query *q, const char *key, struct evbuffer *out);
	const char *const *columns;	/* the CSV's header, in order */
	int ncols;
	int passes;			/* rows are written pass by pass (areas: parents first) */
	int (*pass)(const struct roster_row *row);	/* a row's pass, 0 .. passes - 1 */
	/* Prepares the rows before they are checked (reporter ids normalised); NULL: nothing to do. */
	void (*prepare)(struct api_req *r, struct roster_import *im);
	/* Notes in im what is wrong with one row. */
	void (*check)(struct roster_import *im, const struct roster_row *row);
	/*
	 * Upserts one checked row in the open transaction: returns 0 unchanged,
	 * 1 added, 2 changed (with the journal line in what), -1 on an error,
	 * -3 when refused (its problem noted in im).
	 */
	int (*put)(struct api_req *r, struct roster_import *im, const struct roster_row *row,
	    char *what, size_t whatlen);
};

/* Parses the body as a JSON object (answering 400/413 and returning NULL when it is not). */
cJSON *roster_json_body(struct api_req *r);
/*
 * The string member key of o; NULL when absent and not required.  Answers
 * 400 and sets *ok false when it is missing (and required) or not a string.
 */
const char *roster_json_str(struct api_req *r, const cJSON *o, const char *key, bool required, bool *ok);

/* A name: valid UTF-8, 1..127 bytes, no control characters. */
bool roster_name_valid(const char *s);
/*
 * A reporter id: E.164 "+8613800000003" or a chat id "tg:700000003",
 * "wecom:zhang.san@corp" (lib/payload.h payload_reporter_valid); false with
 * the reason in why.
 */
bool roster_id_valid(const char *s, char *why, size_t whylen);

/* Appends an item's JSON and a newline to out; true (a get callback's answer). */
bool roster_item_put(struct evbuffer *out, const char *json, size_t n);
/* Answers with item key of res (status), or 404 when it does not exist. */
void roster_send(struct api_req *r, const struct roster_res *res, const char *key, int status);

/* Begins a roster write (store_query_begin); false after answering. */
bool roster_begin(struct api_req *r);
/*
 * Ends a roster write begun with roster_begin: journals `what` under the
 * token's name, commits and calls the roster-changed hook.  On failure
 * rolls back, answers 500 and returns false.
 */
bool roster_commit(struct api_req *r, const char *what);
/* Rolls back the write in progress and answers 500 with the database's message. */
void roster_fail(struct api_req *r);
/*
 * Ends a write whose store call returned rc (1 done, 0 unchanged, -1
 * error; refusals are the caller's): commits it as what, rolls back an
 * unchanged one, fails an error.  True when the caller answers with the item.
 */
bool roster_finish(struct api_req *r, int rc, const char *what);
/* Commits a deletion journaled as what and answers {"deleted":key}. */
void roster_deleted(struct api_req *r, const char *what, const char *key);

/* Records a problem of an import (the first ROSTER_PROBLEMS_SHOWN are kept as text). */
void roster_problem(struct roster_import *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * POST /v1/<plural>/import: reads the CSV body, checks every row, then
 * writes them all in one transaction (or nothing, naming every problem),
 * and answers {"rows","added","changed","unchanged"}.
 */
void roster_import(struct api_req *r, const struct roster_res *res);

#endif
