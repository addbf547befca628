/*
 * config.h — cunbaod's configuration: one table of typed keys (lib/conf.h)
 * serving the config file, the command-line flags (which win), -n and --help.
 *
 * Every command-line option that sets something is also a config key of the
 * same name (--client-id <-> "client-id").  Keys marked "restart" in
 * config_table are read once at start; SIGHUP applies the others.
 */
#ifndef CUNBAOD_CONFIG_H
#define CUNBAOD_CONFIG_H

#include <stdio.h>

#include "conf.h"
#include "cunbao.h"

#define CONFIG_PATH_MAX 256
/* Bytes of the upstream-of list: a nation's 2,850 counties by their full paths. */
#define CONFIG_UPSTREAM_MAX (128 << 10)
#ifndef CUNBAO_CONFDIR
#define CUNBAO_CONFDIR "/etc/cunbao"	/* CMake sets it from the install prefix (/usr: /etc/cunbao) */
#endif
#define CONFIG_DEFAULT_FILE CUNBAO_CONFDIR "/cunbaod.conf"
#ifndef CUNBAO_WEB_DIR
#define CUNBAO_WEB_DIR "/usr/local/share/cunbao/web"	/* CMake sets it from the install prefix */
#endif

struct config {
	char broker[128];		/* "HOST:PORT" */
	char db[CONFIG_PATH_MAX];
	char catalog[CONFIG_PATH_MAX];
	char areas[CONFIG_PATH_MAX];	/* "" : no import at start */
	char reporters[CONFIG_PATH_MAX];
	char prefix[129];		/* topic root, "cunbao/v1" */
	char client_id[CB_ID_MAX + 1];
	char mqtt_user[CB_ID_MAX + 1];	/* "" : connect anonymously */
	char mqtt_password_file[CONFIG_PATH_MAX];	/* first line: the password */
	char mqtt_cafile[CONFIG_PATH_MAX];	/* "" : plain TCP; else TLS, the broker checked against this CA */
	char mqtt_certfile[CONFIG_PATH_MAX];	/* client certificate (with mqtt_keyfile), "" : none */
	char mqtt_keyfile[CONFIG_PATH_MAX];
	char mqtt_protocol[8];		/* "5" or "3.1.1" (no Response Topic, no Correlation Data) */
	char tz[64];
	int64_t keepalive;		/* ms */
	int64_t batch_max;		/* packets read per readable event, one transaction */
	int64_t rollup_interval;	/* ms between coalesced rollup publications */
	int64_t leaf_rollup_interval;	/* ms a group's changed rollup waits to coalesce */
	int64_t reconnect_max;		/* ms, the longest wait between reconnects */
	int64_t busy_timeout;		/* ms SQLite waits for another writer */
	int64_t max_received_age;	/* ms a gateway's received_at may lie behind ours; 0: no bound */
	bool verbose;
	bool sync_thread;		/* removed: accepted, ignored with a warning */
	int64_t db_max_pages;		/* testing aid: PRAGMA max_page_count; 0: none */
	/* The admin API and reminders (daemon/api*.c, daemon/remind.c). */
	char listen[128];		/* "HOST:PORT", or "off" */
	char tokens[CONFIG_PATH_MAX];	/* "<token> <role> [name]" lines; "" refuses every request */
	int64_t remind_interval;	/* ms between reminder checks; 0: no automatic reminders */
	/* Who may send structured reports (daemon/ingest.c, lib/report.h). */
	bool reports_need_reporter;	/* a roster reporter, or a report-apps entry, is required */
	char report_apps[1024];		/* "SOURCE=AREA[,AREA...] ..." */
	/* The dashboard (web/, daemon/api_static.c, daemon/meta.c). */
	char web_dir[CONFIG_PATH_MAX];	/* the page's files, served at / by the API's listener */
	char dashboard_ws[CONFIG_PATH_MAX];	/* broker WebSocket URL handed to the page; "": page host, port 9001 */
	int64_t api_max_connections;	/* connections beyond are closed at once */
	int64_t api_request_timeout;	/* ms a request has to arrive whole */
	int64_t api_query_timeout;	/* ms one query may hold the event loop */
	int64_t api_loop_share;		/* percent of the event loop's time the API may use */
	int64_t remind_max;		/* reminders one POST /v1/reminders may send */
	int64_t remind_dedup;		/* ms within which a leader is not reminded twice of one period */
	/* The roster (daemon/roster*.c, lib/phone.c). */
	char country_code[4];		/* of phone numbers written without one: "86" */
	/* Federation (daemon/federate.c): the areas of child cunbaods whose rollups are our inputs. */
	char upstream_of[CONFIG_UPSTREAM_MAX];	/* "city/county-a, city/county-b"; "": not federating */
	char upstream_of_file[CONFIG_PATH_MAX];	/* the same list, one path a line (config_upstream_file) */
	int64_t upstream_stale;		/* ms without an input after which a child is shown stale */
};

/* The table; ends with a NULL key. */
extern const struct conf_entry config_table[];

/* Command-line values to apply on top of the file (kept for SIGHUP). */
#define CONFIG_FLAGS_MAX 32
struct config_flags {
	size_t n;
	struct {
		const char *key;
		const char *value;	/* borrowed from argv */
	} kv[CONFIG_FLAGS_MAX];
};

/* Records a flag; false (with a message in err) when the key is unknown or too many flags. */
bool config_flag(struct config_flags *f, const char *key, const char *value, char *err, size_t errlen);

/*
 * Builds a configuration: defaults, then `file` (a missing file is an error
 * only when must_exist), then the flags, then the checks no single key can
 * make (prefix, time zone, client id).  Every problem is appended to err as
 * one line.  Returns the number of problems; *c is complete either way.
 */
int config_load(struct config *c, const char *file, bool must_exist,
    const struct config_flags *flags, char *err, size_t errlen);

/*
 * Makes every relative file name (db, catalog, areas, reporters,
 * mqtt-password-file, tokens) absolute under dir, the directory cunbaod was
 * started in: after daemon() the working directory is /.  Returns the
 * number of problems (each a line in err).
 */
int config_absolute(struct config *c, const char *dir, char *err, size_t errlen);

/*
 * Reads upstream-of-file (when set; relative to the working directory) into
 * upstream-of as "a, b, c": one area path a line, blank lines and # comments
 * skipped.  Both keys given, an unreadable file, an entry that is not an
 * area path or a list too long: one line each into err; returns their number.
 */
int config_upstream_file(struct config *c, char *err, size_t errlen);

/* Prints the keys with their defaults and help, for --help. */
void config_usage(FILE *out);

/* True when key may change on SIGHUP. */
bool config_reloadable(const char *key);

/* Reads a whole file (config, catalog, CSV) of at most CONFIG_FILE_MAX bytes, NUL-terminated; NULL with errno set. */
#define CONFIG_FILE_MAX (64L << 20)
char *config_read_file(const char *path, size_t *len);

/* True when key e holds the same value in a and b. */
bool config_same(const struct conf_entry *e, const struct config *a, const struct config *b);
/* Copies the keys SIGHUP may change from src into dst. */
void config_copy_reloadable(struct config *dst, const struct config *src);

/* True if zone names a time zone this machine knows (a zoneinfo file, "UTC", or a POSIX TZ rule). */
bool config_tz_valid(const char *zone);

#endif
