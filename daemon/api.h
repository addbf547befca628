/*
 * api.h — cunbaod's admin HTTP API (docs/api.md).
 *
 * An evhttp server on the daemon's event_base: rollups, reports, completeness,
 * the journal, the CSV ledger, the roster (areas, reporters, CSV import),
 * reminders, /healthz and /metrics.  Every request but /healthz carries
 * "Authorization: Bearer <token>"; tokens come from a file of
 * "<token> <role> [name]" lines (role read or admin; writes need admin).
 *
 * The API reads and writes the database through its own SQLite connection
 * (daemon/store_query.h; WAL lets it read while the ingest connection
 * writes) and owns the reminder timer (daemon/remind.h).  What it needs from
 * the rest of the daemon comes through struct api_hooks, so the API knows
 * nothing of the MQTT adapter or the ingest store.
 */
#ifndef CUNBAOD_API_H
#define CUNBAOD_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "catalog.h"
#include "payload.h"

struct config;
struct daemon;
struct event_base;
struct evbuffer;
struct api;

#define API_LISTEN_DEFAULT "127.0.0.1:8080"
#define API_PATH_MAX 1024

struct api_config {
	char listen[API_PATH_MAX];	/* "HOST:PORT"; "off" serves nothing (reminders still run) */
	bool listen_default;		/* listen was not configured: a busy port is a warning, not fatal */
	char tokens[API_PATH_MAX];	/* token file; "" refuses every authenticated request */
	char db[API_PATH_MAX];		/* the database file the ingest store uses */
	int64_t remind_interval_ms;	/* how often reminders are checked; 0 turns automatic reminders off */
	char web_dir[API_PATH_MAX];	/* the dashboard's files, served at / without a token (api_static.c) */
	char dashboard_ws[API_PATH_MAX];	/* broker WebSocket URL for the page; "" lets it guess */
	char prefix[API_PATH_MAX];	/* MQTT topic root, for the page */
	int64_t max_conns;		/* connections open at once; a new one beyond is closed at once */
	int64_t request_timeout_ms;	/* a request (head and body) must arrive whole within this */
	int64_t query_ms;		/* one query holds the event loop at most this long */
	int64_t loop_share;		/* percent of the loop's time the API may use before answering 503 */
	int64_t remind_max;		/* reminders one POST /v1/reminders may send */
	int64_t remind_dedup_ms;	/* a leader is not reminded twice of one kind and period within this */
};

/*
 * What the API asks of the daemon.  Every function gets arg.  All are called
 * on the event loop thread, inside an API callback.
 */
struct api_hooks {
	void *arg;
	/* The catalog in force (it may be swapped by SIGHUP between calls). */
	const struct catalog *(*catalog)(void *arg);
	/* Seconds east of UTC of the daemon's time zone at instant t. */
	int32_t (*utc_offset)(void *arg, int64_t t);
	/* True while the MQTT connection to the broker is up. */
	bool (*broker_connected)(void *arg);
	/*
	 * Publishes o on <root>/outbox/<o->channel> (QoS 1, not retained);
	 * returns false if it could not be queued (broker down).
	 */
	bool (*outbox)(void *arg, const struct outbox *o);
	/* Appends the daemon's metrics in Prometheus text format to out (may be NULL). */
	void (*metrics)(void *arg, struct evbuffer *out);
	/* Called after the API changed the roster (areas, reporters) and committed. */
	void (*roster_changed)(void *arg);
};

/*
 * Loads the token file (refusing one readable by group or others), opens the
 * API's database connection and binds the listener.  Returns a new api the
 * caller frees with api_free, or NULL with the reason in err (start-up is
 * then expected to fail).
 */
struct api *api_new(struct event_base *base, const struct api_config *cfg,
    const struct api_hooks *hooks, char *err, size_t errlen);

/*
 * Checks what api_new would refuse in cfg, binding and opening nothing:
 * the listen address's form and, unless listen is off, the token file.
 * Returns true, or false with every problem in err, one line each.
 */
bool api_config_check(const struct api_config *cfg, char *err, size_t errlen);

/*
 * After SIGHUP: replaces the tokens with those of file ("" keeps them) and
 * lets the reminders look at the (maybe new) catalog afresh.  Keeps the old
 * tokens and returns false, with err set, when the file is unusable.
 */
bool api_reload_tokens(struct api *a, const char *file, char *err, size_t errlen);

/* Stops listening, closes connections and the database, frees everything. NULL is a no-op. */
void api_free(struct api *a);

/*
 * cunbaod's side (daemon/api_daemon.c, called by daemon.c when the build
 * has the API): api_start after the store and roster are up (-1: fatal,
 * the reason logged), api_reload after SIGHUP applied a new config (new
 * tokens), api_stop at shutdown.  The api lives in d->api.
 */
int api_start(struct daemon *d);
void api_reload(struct daemon *d);
void api_stop(struct daemon *d);

/*
 * api_config_check on cunbaod's configuration c, for -n and for the start
 * before cunbaod goes to the background (so that a refusal reaches the
 * terminal, not only syslog).  Prints every problem to out; true when none.
 */
bool api_check(const struct config *c, FILE *out);

#endif
