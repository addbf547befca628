/*
 * ingest.h — what cunbaod does with one inbound message, as three steps:
 * decode (envelope_decode / report_decode), call the core (sms_parse /
 * report_validate, the roster rules, the report history), and produce an
 * outcome: journal row, report and values, rollup changes, and the receipt
 * to send once the batch has committed.
 *
 * The caller holds a write transaction open (store_begin) around a batch of
 * messages; ingest writes into it and never commits.  The same code replays
 * journaled messages for `cunbaoctl rebuild` (ingest_replay), so rebuilt
 * rollups equal live ones.
 *
 * Roster rules: an envelope's `from` must be a known reporter
 * (unknown_sender); a leader reports for his own area (a group token naming
 * another group: not_permitted); an admin names a group of his area
 * ("3组" -> <area>/g03) and must name one to report, correct or withdraw
 * (bad_group).  A report on the report topic must name the same area in the
 * topic and the payload (bad_area), one the roster knows (unknown_area) and
 * without sub-areas (not_permitted); its reporter, when named, must be known
 * (unknown_sender) and own the area, or be an admin above it
 * (not_permitted).  A report naming none is refused when its source is an
 * app listed for other areas (not_permitted), or, with need_reporter, when
 * its source is not listed at all (unknown_sender).
 */
#ifndef CUNBAOD_INGEST_H
#define CUNBAOD_INGEST_H

#include "catalog.h"
#include "cunbao.h"
#include "parsed.h"
#include "payload.h"
#include "topic.h"

struct store;
struct roster;
struct rollcache;

/* What ingest reads and writes, owned by the caller. */
struct ingest_env {
	const struct catalog *catalog;
	const struct roster *roster;
	struct store *store;
	struct rollcache *cache;
	const char *root;		/* topic root, "cunbao/v1" */
	/*
	 * Seconds an envelope's received_at may lie behind ours (max-received-age):
	 * 0 means INGEST_MAX_AGE, a negative value no bound.
	 */
	int64_t max_received_age;
	/*
	 * Who may send structured reports: apps listed with their areas
	 * (report_apps_allow; NULL or "": none), and whether a report naming
	 * no roster reporter is refused unless its source is listed.
	 */
	const char *report_apps;
	bool need_reporter;
};

#define INGEST_MAX_AGE (3 * 86400)	/* max-received-age's default: three days */

struct inbound {
	const char *topic;
	const char *payload;
	size_t len;
	int64_t received_at;		/* unix seconds, cunbaod's clock */
	/* Replay only: the journal row, the report it made and its detail (may be NULL). */
	int64_t journal_seq;
	int64_t report_id;
	const char *detail;
	/*
	 * The MQTT 5 Response Topic asked for, NULL when none.  Honoured only
	 * when it is <root>/receipt/<source> or a topic below it; any other
	 * is refused (the receipt goes to receipt/<source>, the journal's
	 * detail says so), so no sender can make cunbaod publish elsewhere.
	 */
	const char *response_topic;
};

/* The result of one message.  Large: keep one and reuse it. */
struct outcome {
	bool duplicate;			/* answered from the journal, nothing written */
	enum cb_error error;		/* CB_OK when accepted */
	bool has_cmd;
	enum command cmd;
	int64_t report_id;		/* the report made, corrected into or withdrawn */
	int64_t journal_seq;
	char detail[256];		/* what failed, for the journal and the debug log */
	char sender[CB_ID_MAX + 1];
	char topic[CB_TOPIC_MAX];	/* where the receipt goes: receipt/<source> or an accepted
					   response topic under it; "" when no source could be read */
	size_t len;			/* the receipt's length; 0 when none could be encoded */
	char payload[CB_PAYLOAD_MAX];	/* the receipt */
};

/*
 * Handles one live message inside the open transaction.  Returns false only
 * when the database failed (store_error says why): then the caller must roll
 * the whole batch back and send nothing.
 */
bool ingest_message(const struct ingest_env *env, const struct inbound *in, struct outcome *out);

/*
 * Re-applies one journaled message (rebuild): the same decisions, the
 * report under the id it had, the journal row's outcome rewritten, no
 * duplicate check, nothing to send.  false on a database failure.
 */
bool ingest_replay(const struct ingest_env *env, const struct inbound *in, struct outcome *out);

/*
 * The time a message is taken to have been sent: the envelope's received_at
 * (stamp) when it reads and lies between received_at - max_age (see
 * ingest_env.max_received_age) and a little ahead of received_at, else ours.
 * When a stamp is given but not believed, why is written into note (for
 * the journal's detail); otherwise note is left alone.
 */
int64_t ingest_time(const char *stamp, int64_t received_at, int64_t max_age, char *note, size_t notelen);

#endif
