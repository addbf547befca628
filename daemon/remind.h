/*
 * remind.h — reminders to the leaders who have not reported, and
 * escalation to their village's admins once a deadline has passed.
 *
 * Each kind of the catalog has a deadline (catalog.h struct deadline: `day`
 * days into the period at `hour`:00 local time) and remind_hours.  A timer
 * checks every interval: while a period's deadline is less than
 * remind_hours ahead, each leader of each expected group still missing gets
 * one reminder (once per leader, kind and period; an admin's manual
 * reminder counts as that one); once the deadline has passed, each admin of
 * a village with groups still missing gets one message listing them (once
 * per admin, kind and period).  A group that reports is no longer missing,
 * so nothing more goes to it.  A kind with remind_hours 0 is never chased.
 * No false alarms: a group or person is never chased about a period that
 * ended before it came into cunbao (areas.since, reporters.since), nor a
 * group escalated for a deadline that passed before then, so the first
 * start of a new database chases only the current periods.
 *
 * Messages go to <root>/outbox/<channel> (lib/payload.h outbox) in the
 * reporter's language, the channel read from the reporter id ("+86…" sms,
 * "tg:…" tg).  Each is recorded in the reminders table only if the broker
 * took it (a savepoint), so a broker that is down loses none: nothing is
 * recorded, and the next check tries again.  One check is one transaction
 * (one commit) and sends at most CHECK_MAX messages: the event loop is
 * shared with the ingest, so a county's first check is spread over a few.
 */
#ifndef CUNBAOD_REMIND_H
#define CUNBAOD_REMIND_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"

struct api;
struct remind;

/* Starts the periodic check on the api's event base; interval_ms 0: no timer. NULL on failure. */
struct remind *remind_new(struct api *a, int64_t interval_ms);
void remind_free(struct remind *rm);

/*
 * Forgets which reminders and escalations are done, so the next check asks
 * the database again: after the roster or the catalog changed (a new leader
 * may be due a reminder).
 */
void remind_forget(struct remind *rm);

/*
 * One check of every kind at `now`: reminders and escalations due and not
 * yet sent.  Returns the number of messages sent, or -1 on a failure (logged).
 */
int remind_run(struct api *a, int64_t now);

/* One message cunbaod's own check would send now (remind_due). */
struct remind_due {
	const char *type;		/* "remind" (a leader, before the deadline) or "escalate" (an admin) */
	const char *kind, *period;
	const char *area;		/* the group (remind) or the village (escalate) */
	const char *to, *name;		/* the person */
	const char *text;		/* the message, in the person's language */
	int64_t deadline;
};

/*
 * What one check at `now` would send, without sending or recording
 * anything: fn hears each message.  The same rules as remind_run (the
 * current and previous period of each kind, the remind window, periods and
 * deadlines from before the roster's start left alone, messages already
 * sent).  Returns the number, or -1 on a failure (logged).
 */
int remind_due(struct api *a, int64_t now, void (*fn)(void *arg, const struct remind_due *d), void *arg);

/* Why remind_missing did not text a leader. */
enum remind_skip {
	REMIND_SENT = 0,
	REMIND_NO_LEADER,	/* the group has no leader (reporter is NULL) */
	REMIND_NO_CHANNEL,	/* the leader's id names no channel to reach */
	REMIND_RECENT,		/* reminded of this kind and period within the dedup window (last_at) */
	REMIND_CAP,		/* the request's cap was reached */
	REMIND_NEW,		/* the group (or leader) came into cunbao after the period ended */
};

/* One reminder sent (or not) by remind_missing. */
struct remind_sent {
	const char *reporter, *name;	/* the leader; NULL when the group has none */
	const char *area;		/* the group */
	const char *channel;
	int64_t id;			/* reminders.id; 0 when not sent */
	enum remind_skip skip;
	int64_t last_at;		/* REMIND_RECENT: when the last reminder went */
};

/* What one manual request may do. */
struct remind_limits {
	int64_t max;			/* messages it may send; the rest are skipped (REMIND_CAP) */
	int64_t dedup_s;		/* a leader reminded within this many seconds is skipped */
	bool dry_run;			/* send nothing, record nothing: say who would get one */
};

/*
 * Sends a reminder now to every leader of every expected group of the
 * subtree area with no report of kind k and period (canonical text), as
 * type "manual" recorded under `who`, within lim: a leader reminded (by the
 * timer or by hand) of this kind and period less than lim->dedup_s ago is
 * skipped, and once lim->max are sent the rest are skipped; a group or a
 * leader that came into cunbao after the period ended is skipped
 * (REMIND_NEW).  Calls fn for each leader (and each group without one)
 * with what happened.  With lim->dry_run nothing is sent or recorded and
 * fn hears REMIND_SENT with id 0 for each leader who would get one.
 * Returns the number sent (would be sent), -1 on a database failure, -2
 * when the broker is not connected (nothing more sent).
 */
int remind_missing(struct api *a, const char *area, const struct kind *k, const char *period,
    const char *who, const struct remind_limits *lim,
    void (*fn)(void *arg, const struct remind_sent *s), void *arg);

#endif
