/*
 * api_roster.h — what the roster resources share (daemon/api_roster.c):
 * request bodies, checks, CSV imports and the end of every roster write.
 */
#ifndef CUNBAOD_API_ROSTER_H
#define CUNBAOD_API_ROSTER_H

#include <cjson/cJSON.h>

#include "api_int.h"

#define ROSTER_TEXT_MAX       128	/* bytes of a name, as cunbaod's roster keeps it (NUL included) */
#define ROSTER_FIELDS         8
#define ROSTER_IMPORT_MAX     20000	/* rows of one CSV import */
#define ROSTER_PROBLEMS_SHOWN 10

/* One CSV record of an import. */
struct roster_row {
	int line;
	char *f[ROSTER_FIELDS];		/* into store */
	char store[512];
};

/* A CSV import: its rows, what was wrong with them, what it did. */
struct roster_import {
	const char *header_text;	/* "id,name,area,role,lang" for messages */
	bool header;			/* the header line has been read */
	int nrows;
	struct roster_row *rows;	/* ROSTER_IMPORT_MAX, owned by the caller */
	int nproblems;
	char problems[2048];
	int added, changed;
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
/* A reporter id: E.164 "+8613800000003" or a chat id "tg:700000003". */
bool roster_id_valid(const char *s);

/*
 * Ends a roster write begun with store_query_begin: journals `what` under
 * the token's name, commits and calls the roster-changed hook.  On failure
 * rolls back, answers 500 and returns false.
 */
bool roster_commit(struct api_req *r, const char *what);
/* Rolls back the write in progress and answers 500 with the database's message. */
void roster_fail(struct api_req *r);

/* Records a problem of an import (the first ROSTER_PROBLEMS_SHOWN are kept as text). */
void roster_problem(struct roster_import *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads the CSV body into im (header checked against columns); false after answering if unusable. */
bool roster_csv_read(struct api_req *r, struct roster_import *im, const char *const *columns, int ncols);
/* Answers 400 listing the problems. */
void roster_import_refuse(struct api_req *r, const struct roster_import *im);
/* Answers 200 with {"rows","added","changed","unchanged"}. */
void roster_import_reply(struct api_req *r, const struct roster_import *im);

#endif
