/*
 * parsed.h — what a message means, whichever way it came.
 *
 * The SMS grammar (sms.h) and the report JSON validator (report.h) both fill a
 * struct parsed.  It borrows kinds and fields from the catalog it was parsed
 * against: it is valid only as long as that catalog is.
 */
#ifndef CB_PARSED_H
#define CB_PARSED_H

#include "cunbao.h"
#include "catalog.h"
#include "period.h"

enum command { CMD_REPORT, CMD_HELP, CMD_QUERY, CMD_FIX, CMD_UNDO };

struct value {
	const struct field *field;
	int64_t v;			/* scaled by field->scale; 1/0 for yesno */
};

struct parsed {
	enum command cmd;
	const struct kind *kind;	/* NULL for HELP/QUERY/UNDO without a kind */
	int group;			/* 0: not given (the sender's own); else 1..99 ("3组", "G3") */
	struct period period;		/* resolved (given, or the one `now` falls in) when kind != NULL */
	bool period_given;
	size_t nvalues;			/* in the kind's field order */
	struct value values[CB_MAX_FIELDS];
	enum lang lang;			/* zh if the text has any CJK, else en */

	/* The first problem, when the parse failed (error != CB_OK). */
	enum cb_error error;
	uint32_t at[2];			/* byte span [start, end) of the offending text */
	char token[64];			/* that text (truncated on a UTF-8 boundary) */
	const struct field *field;	/* the field concerned, when there is one */
};

/* "report", "help", "query", "fix", "undo". */
const char *command_name(enum command c);

#endif
