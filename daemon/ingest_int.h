/*
 * ingest_int.h — one message being handled, shared by ingest.c (decoding,
 * journal, receipt) and ingest_cmd.c (roster rules and commands).
 */
#ifndef CUNBAOD_INGEST_INT_H
#define CUNBAOD_INGEST_INT_H

#include "ingest.h"
#include "reply.h"
#include "roster.h"

struct msgctx {
	const struct ingest_env *env;
	const struct inbound *in;
	struct outcome *out;
	bool replay;
	int64_t t;			/* when the message counts as sent */
	int32_t offset;			/* UTC offset at t */
	const char *msg_id;		/* NULL when unreadable */
	const char *source;		/* NULL when unreadable */
	const char *channel;		/* envelope channel; NULL for reports */
	const struct reporter *rep;	/* the sender, when known */
	char from[CB_ID_MAX + 1];	/* an envelope's from as the roster keys it */
	enum lang lang;			/* of the reply */
	struct parsed p;
	uint32_t kept;			/* 更正: bit i set when field i was carried over */
	struct receipt rc;		/* being built */
};

/* Rejects the message with e (field: the offending member/token, may be NULL). */
void ingest_reject(struct msgctx *m, enum cb_error e, const char *field, const char *detail);

/* Runs a parsed SMS command for a known reporter; false on a database failure. */
bool ingest_command(struct msgctx *m);

/* Accepts a validated report for area; false on a database failure. */
bool ingest_store_report(struct msgctx *m, const struct area *area, int64_t replaces);

/* True when rep may report for area (his own, or under his area for an admin). */
bool ingest_permitted(const struct reporter *rep, const struct area *area);

#endif
