/*
 * daemon.h — cunbaod's state, one struct daemon for the whole process, and
 * what other parts of the daemon (the admin API in daemon/api*.c, reminders)
 * may use.
 *
 * Everything runs on d->base, one thread.  A batch begins and commits
 * within one readable event (batch.c), so another connection (the admin API
 * opens its own on daemon_db_path(); WAL) can read at any time and write
 * between batches.  A lock on <db>.lock (flock, daemon_lock) keeps a second
 * cunbaod off the same database.
 *
 * When daemon/api.c exists the build defines CUNBAO_HAVE_API and the daemon
 * calls, on d->base:
 *   int  api_start(struct daemon *d);    after the store and roster are up; -1 is fatal
 *   void api_reload(struct daemon *d);   after SIGHUP applied a new config
 *   void api_stop(struct daemon *d);     at shutdown, before anything is freed
 * and api.c keeps its state in d->api.
 */
#ifndef CUNBAOD_DAEMON_H
#define CUNBAOD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "metrics.h"
#include "payload.h"

struct event_base;
struct event;
struct catalog;
struct store;
struct roster;
struct rollcache;
struct mqtt;
struct batch;
struct publisher;
struct mqtt_msg;
struct cell;
struct notify;
struct federate;

/* The release, from project() in CMakeLists.txt (one version for every program). */
#define CUNBAOD_VERSION CUNBAO_VERSION

struct daemon {
	struct event_base *base;
	struct config conf;
	struct config_flags flags;	/* command-line values, re-applied on SIGHUP */
	const char *conf_file;		/* NULL: none; absolute after daemon_lock */
	char conf_path[CONFIG_PATH_MAX];	/* conf_file made absolute */
	char cwd[CONFIG_PATH_MAX];	/* where cunbaod started: relative file names are under it */
	int lock_fd;			/* <db>.lock, flock'ed; -1 when none */
	int exit_status;		/* main's: 1 after a fatal run-time stop (session taken over) */
	bool conf_must_exist;
	bool foreground;		/* -d */
	bool verbose_flag;		/* -v */
	bool was_connected;
	bool other_online;		/* the retained status names another instance online */
	struct catalog *catalog;
	struct store *store;
	struct roster *roster;
	uint64_t roster_gen;		/* counts roster reloads */
	struct rollcache *cache;
	struct mqtt *mqtt;
	struct batch *batch;
	struct publisher *pub;
	struct meta *meta;		/* retained names and units (meta.c) */
	struct metrics metrics;
	struct event *ev_hup, *ev_term, *ev_int;
	int64_t started;		/* unix seconds */
	bool stopping;
	void *api;			/* daemon/api.c's state */
	struct notify *notify;		/* systemd's protocol (notify.h); main's, NULL outside it */
	struct federate *fed;		/* upstream-of (federate.h); NULL when not federating */
};

/* Starts everything (fatal on a start-up error); then run event_base_dispatch(d->base). */
void daemon_start(struct daemon *d);
/* Frees everything daemon_start made; safe on a partly started daemon. */
void daemon_free(struct daemon *d);

/*
 * Checks the configuration, the catalog and the roster CSVs without
 * touching the database or the broker (-n).  Prints every problem to out;
 * returns true when there is none.
 */
bool daemon_check(const struct config *c, FILE *out);

/* Publishes one outbox message (QoS 1, not retained); false when the broker is not connected. */
bool daemon_outbox(struct daemon *d, const struct outbox *o);
/* True while the broker session is up. */
bool daemon_connected(const struct daemon *d);
/* Rereads the roster from the database (after the admin API changed it); false keeps the old one. */
bool daemon_roster_reload(struct daemon *d);
/* The database file, for another connection. */
const char *daemon_db_path(const struct daemon *d);
/*
 * False while commits fail and ingest holds its messages and retries
 * (batch.c), from the first failure until a commit succeeds.
 */
bool daemon_store_ok(const struct daemon *d);

/*
 * Makes the config's file names absolute under the start-up directory
 * (kept for SIGHUP), then takes the lock on <db>.lock beside the database
 * (flock, kept across daemon()): false with the reason in err when another
 * cunbaod holds it.  main calls it before going to the background.
 */
bool daemon_lock(struct daemon *d, char *err, size_t errlen);
/* The lock file's name for database db (cunbaoctl rebuild checks it too). */
#define DAEMON_LOCK_SUFFIX ".lock"

/* SIGHUP: new config, catalog and roster, each kept only when valid. */
void daemon_reload(struct daemon *d);
/* SIGTERM/SIGINT: publish what is pending, go offline, disconnect, leave the loop. */
void daemon_stop(struct daemon *d);

/* ---- daemon/batch.c: inbound messages, group commit, receipts ---- */

struct batch *batch_new(struct daemon *d);
void batch_free(struct batch *b);
/* The mqtt handlers (arg: the batch). */
void batch_message(void *arg, const struct mqtt_msg *m);
void batch_end(void *arg);
/* Commits a held batch, waits until every commit is durable, publishes the receipts (shutdown, reload). */
void batch_drain(struct batch *b);
/* True while a failed batch is held for a retry (reading and writing stopped). */
bool batch_held(const struct batch *b);
/* False from a failed commit until one succeeds. */
bool batch_store_ok(const struct batch *b);
/* The connection is gone: a held or open batch is forgotten (the broker redelivers it). */
void batch_disconnected(struct batch *b);

/* ---- daemon/publish.c: coalesced retained rollups and completeness ---- */

/* Also marks what a crash left unpublished (the publish watermark); fatal on a store error. */
struct publisher *publisher_new(struct daemon *d);
void publisher_free(struct publisher *p);
/* Notes a committed change of a cell; it is published within rollup-interval. */
void publisher_mark(void *arg, const struct cell *c);
/* In the batch's open transaction, before COMMIT: writes the publish watermark when it moved. */
bool publisher_save(struct publisher *p);
/* After COMMIT: marks the batch's changed cells (publisher_mark) and notes its journal seqs. */
void publisher_committed(struct publisher *p);
/* Publishes everything pending now (connect, shutdown). */
void publisher_flush(struct publisher *p);
size_t publisher_pending(const struct publisher *p);

#endif
