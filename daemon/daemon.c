/*
 * daemon.c — cunbaod's wiring: start-up, SIGHUP reload, shutdown, and the
 * small services other parts use (outbox, roster reload).
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "catalog.h"
#include "daemon.h"
#include "federate.h"
#include "jsonw.h"
#include "log.h"
#include "meta.h"
#include "mqtt.h"
#include "notify.h"
#include "rollcache.h"
#include "roster.h"
#include "store.h"
#include "topic.h"
#include "tz.h"

#ifdef CUNBAO_HAVE_API
int api_start(struct daemon *d);
void api_reload(struct daemon *d);
void api_stop(struct daemon *d);
#endif

#define ERR_MAX 8192

/* Loads a catalog file; NULL with every problem in err. */
static struct catalog *
catalog_read(const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	char *json = config_read_file(path, &len);
	struct catalog *c;

	if (json == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	c = catalog_load(json, len, path, err, errlen);
	free(json);
	return c;
}

/* Imports (s != NULL) or checks (s NULL) one roster CSV; returns the number of problems. */
static int
roster_csv(struct store *s, const char *path, bool reporters, char *err, size_t errlen)
{
	size_t len = 0, changed = 0;
	char *text;
	int bad;

	if (path[0] == '\0')
		return 0;
	if ((text = config_read_file(path, &len)) == NULL) {
		snprintf(err + strlen(err), errlen - strlen(err), "%s: %s\n", path, strerror(errno));
		return 1;
	}
	int64_t at = 0;

	/* The same file again would only undo the admin API's edits since its import. */
	if (s != NULL && roster_import_unchanged(s, text, len, path, &at)) {
		char stamp[TZ_STAMP_MAX];

		tz_format(at, stamp, sizeof stamp);
		log_info("roster: %s unchanged since its import at %s; not imported again", path, stamp);
		free(text);
		return 0;
	}
	char note[4096];

	bad = roster_import_file(s, reporters, text, len, path, tz_now(), &changed, note, sizeof note,
	    err, errlen);
	free(text);
	for (char *p = note, *nl; s != NULL && bad == 0 && (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		log_info("roster: %.*s", (int)(nl - p), p);	/* the charset read, the codes chosen */
	if (bad == 0 && s != NULL)
		log_info("roster: %s is new or changed: imported, %zu %s rows added or replaced (the file's "
		    "values win over edits made in the database since)", path, changed,
		    reporters ? "reporter" : "area");
	return bad;
}

/*
 * Logs every line of a multi-line message (the config's, the catalog's or
 * the roster files' errors) as a warning; a roster row's error may echo a
 * phone number, so long digit runs are masked (log_mask_numbers).
 */
static void
log_lines(const char *text)
{
	const char *p = text, *nl;
	char line[1024], masked[1024];

	for (; *p; p = nl + 1) {
		nl = p + strcspn(p, "\n");
		if (nl > p) {
			snprintf(line, sizeof line, "%.*s", (int)(nl - p), p);
			log_warnx("%s", log_mask_numbers(line, masked, sizeof masked));
		}
		if (*nl == '\0')
			return;
	}
}

/*
 * -n for a federating cunbaod about to create its database: every
 * upstream-of entry must be an area of the areas file (imported into a
 * scratch in-memory database, names and derived codes included), or the
 * start would stop (federate.c).  Once the database exists its roster may
 * also hold areas added through the API, which -n does not open: nothing
 * is said then.  Returns the number of problems, each a line on out.
 */
static int
upstream_check(const struct config *c, FILE *out)
{
	char err[1024] = "", note[4096], path[CB_AREA_MAX];
	struct store *s = NULL;
	struct roster *r = NULL;
	size_t len = 0, changed = 0, n;
	char *text = NULL;
	int bad = 0;

	if (c->upstream_of[0] == '\0' || access(c->db, F_OK) == 0)
		return 0;
	if (c->areas[0] != '\0' && (text = config_read_file(c->areas, &len)) == NULL)
		return 0;	/* roster_csv says why */
	if ((s = store_open(":memory:", 0, err, sizeof err)) == NULL ||
	    (text != NULL && roster_import_file(s, false, text, len, c->areas, tz_now(), &changed, note,
	    sizeof note, err, sizeof err) != 0) || (r = roster_load(s, err, sizeof err)) == NULL)
		goto done;	/* a bad areas file: roster_csv says why */
	for (const char *p = c->upstream_of; *(p += strspn(p, ", \t")) != '\0'; p += n) {
		n = strcspn(p, ", \t");
		snprintf(path, sizeof path, "%.*s", (int)n, p);
		if (roster_area(r, path) != NULL)
			continue;
		fprintf(out, "upstream-of: %s is not an area of %s%s: a new database's roster has only that file's "
		    "areas, so cunbaod would stop at start\n", path, c->areas[0] ? "the areas file " : "the roster",
		    c->areas[0] ? c->areas : " (no areas file is set)");
		bad++;
	}
done:
	roster_free(r);
	store_close(s);
	free(text);
	return bad;
}

bool
daemon_check(const struct config *c, FILE *out)
{
	char *err = calloc(1, ERR_MAX);
	struct catalog *cat;
	int bad = 0;

	if (err == NULL)
		return false;
	if ((cat = catalog_read(c->catalog, err, ERR_MAX)) == NULL) {
		fprintf(out, "%s%s", err, err[strlen(err) - 1] == '\n' ? "" : "\n");
		bad++;
	}
	catalog_free(cat);
	if (c->mqtt_password_file[0] != '\0' && access(c->mqtt_password_file, R_OK) != 0) {
		fprintf(out, "mqtt-password-file: %s: %s\n", c->mqtt_password_file, strerror(errno));
		bad++;
	}
	bad += mqtt_check_files(c->mqtt_cafile, c->mqtt_certfile, c->mqtt_keyfile, out);
	err[0] = '\0';
	roster_country_set(c->country_code);
	bad += roster_csv(NULL, c->areas, false, err, ERR_MAX);
	bad += roster_csv(NULL, c->reporters, true, err, ERR_MAX);
	fputs(err, out);
	bad += upstream_check(c, out);
	free(err);
	return bad == 0;
}

/* Loads the roster from the database and swaps it in; false keeps the old one. */
bool
daemon_roster_reload(struct daemon *d)
{
	char err[512];
	struct roster *r;
	size_t orphans = 0;

	if (d->batch != NULL)
		batch_drain(d->batch);	/* a held batch's transaction would not see the new rows */
	if ((r = roster_load(d->store, err, sizeof err)) == NULL) {
		log_warnx("%s; keeping the roster in use", err);
		return false;
	}
	roster_free(d->roster);
	d->roster = r;
	d->roster_gen++;
	orphans = roster_orphans(r);
	log_info("roster: %zu areas, %zu reporters", roster_nareas(r), roster_nreporters(r));
	if (orphans > 0)
		log_warnx("roster: %zu reporters belong to areas the roster lacks (their messages get unknown_area)",
		    orphans);
	meta_publish(d->meta, d, false);	/* names the dashboards show */
	return true;
}

const char *
daemon_db_path(const struct daemon *d)
{
	return d->conf.db;
}

bool
daemon_store_ok(const struct daemon *d)
{
	return d->batch == NULL || batch_store_ok(d->batch);
}

bool
daemon_lock(struct daemon *d, char *err, size_t errlen)
{
	char path[CONFIG_PATH_MAX + 8];

	d->lock_fd = -1;
	if (getcwd(d->cwd, sizeof d->cwd) == NULL) {
		snprintf(err, errlen, "cannot read the working directory: %s", strerror(errno));
		return false;
	}
	if (d->conf_file != NULL && d->conf_file[0] != '/') {
		if ((size_t)snprintf(d->conf_path, sizeof d->conf_path, "%.*s/%s", (int)sizeof d->cwd - 2,
		    d->cwd, d->conf_file) >= sizeof d->conf_path) {
			snprintf(err, errlen, "%s: the config file's name is too long once made absolute",
			    d->conf_file);
			return false;
		}
		d->conf_file = d->conf_path;
	}
	err[0] = '\0';
	if (config_absolute(&d->conf, d->cwd, err, errlen) > 0)
		return false;
	snprintf(path, sizeof path, "%s" DAEMON_LOCK_SUFFIX, d->conf.db);
	if ((d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errlen, "lock file %s: %s", path, strerror(errno));
		return false;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		char pid[32] = "";
		ssize_t n = pread(d->lock_fd, pid, sizeof pid - 1, 0);

		pid[n > 0 ? strcspn(pid, "\n") : 0] = '\0';
		snprintf(err, errlen, "%s is in use by another cunbaod (pid %s, lock %s held): two daemons on "
		    "one database would split its stream; stop the other first", d->conf.db,
		    pid[0] ? pid : "unknown", path);
		close(d->lock_fd);
		d->lock_fd = -1;
		return false;
	}
	return true;
}

/* Writes our pid into the lock file (after daemon(): the child's). */
static void
lock_note_pid(struct daemon *d)
{
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());

	if (d->lock_fd < 0 || ftruncate(d->lock_fd, 0) != 0 || pwrite(d->lock_fd, pid, (size_t)n, 0) != n)
		log_warnx("lock file %s%s: cannot note the pid", d->conf.db, DAEMON_LOCK_SUFFIX);
}

bool
daemon_connected(const struct daemon *d)
{
	return d->mqtt != NULL && mqtt_connected(d->mqtt);
}

bool
daemon_outbox(struct daemon *d, const struct outbox *o)
{
	char topic[CB_TOPIC_MAX], buf[CB_PAYLOAD_MAX];
	size_t len = outbox_encode(o, buf, sizeof buf);

	if (len == 0 || topic_outbox(d->conf.prefix, o->channel, topic, sizeof topic) == 0) {
		log_warnx("outbox %s: cannot encode for channel %s", o->id, o->channel);
		return false;
	}
	if (!mqtt_publish(d->mqtt, topic, buf, len, false, NULL))
		return false;
	d->metrics.outbox_sent++;
	mqtt_flush(d->mqtt);
	return true;
}

/* The retained status payload: {"state":…,"version":…,"since":…[,"pid":…][,"reason":…]}. */
static size_t
status_encode(const char *state, int64_t since, const char *reason, char *buf, size_t buflen)
{
	struct jsonw w;
	char stamp[TZ_STAMP_MAX];

	tz_format(since, stamp, sizeof stamp);
	jsonw_init(&w, buf, buflen);
	jsonw_obj(&w);
	jsonw_key(&w, "state");
	jsonw_str(&w, state);
	jsonw_key(&w, "version");
	jsonw_str(&w, CUNBAOD_VERSION);
	jsonw_key(&w, "since");
	jsonw_str(&w, stamp);
	if (reason == NULL) {
		jsonw_key(&w, "pid");
		jsonw_int(&w, getpid());
	} else {
		jsonw_key(&w, "reason");
		jsonw_str(&w, reason);
	}
	jsonw_end(&w);
	return jsonw_finish(&w);
}

/* Publishes the retained status. */
static void
status_publish(struct daemon *d, const char *state, int64_t since, const char *reason)
{
	char topic[CB_TOPIC_MAX], buf[256];
	size_t len = status_encode(state, since, reason, buf, sizeof buf);

	topic_status(d->conf.prefix, topic, sizeof topic);
	mqtt_publish(d->mqtt, topic, buf, len, true, NULL);
}

static void
on_connected(void *arg)
{
	struct daemon *d = arg;

	if (d->was_connected)
		d->metrics.reconnects++;
	d->was_connected = true;
	d->metrics.connects_minute = mqtt_connects_minute(d->mqtt);
	status_publish(d, "online", d->started, NULL);
	meta_publish(d->meta, d, true);
	publisher_flush(d->pub);
	federate_flush(d->fed);
}

/* Reads the first line of the password file into buf; fatal when it cannot be read. */
static void
mqtt_password(const char *path, char *buf, size_t buflen)
{
	size_t len = 0;
	char *text;

	buf[0] = '\0';
	if (path[0] == '\0')
		return;
	if ((text = config_read_file(path, &len)) == NULL)
		fatal("mqtt-password-file %s", path);
	snprintf(buf, buflen, "%.*s", (int)strcspn(text, "\r\n"), text);
	explicit_bzero(text, len);
	free(text);
}

/* Builds the MQTT client's settings from the config and the resolved broker address. */
static void
mqtt_settings(const struct daemon *d, const char *ip, int port, struct mqtt_config *mc)
{
	memset(mc, 0, sizeof *mc);
	snprintf(mc->host, sizeof mc->host, "%s", ip);
	if (d->conf.mqtt_cafile[0] != '\0')
		mqtt_tls_name(d->conf.broker, mc->host, sizeof mc->host);
	snprintf(mc->cafile, sizeof mc->cafile, "%s", d->conf.mqtt_cafile);
	snprintf(mc->certfile, sizeof mc->certfile, "%s", d->conf.mqtt_certfile);
	snprintf(mc->keyfile, sizeof mc->keyfile, "%s", d->conf.mqtt_keyfile);
	mc->port = port;
	snprintf(mc->client_id, sizeof mc->client_id, "%s", d->conf.client_id);
	snprintf(mc->user, sizeof mc->user, "%s", d->conf.mqtt_user);
	mqtt_password(d->conf.mqtt_password_file, mc->password, sizeof mc->password);
	mc->keepalive = (int)(d->conf.keepalive / 1000);
	mc->burst_max = (int)d->conf.batch_max;
	mc->reconnect_max_ms = d->conf.reconnect_max;
	mc->v311 = strcmp(d->conf.mqtt_protocol, "3.1.1") == 0;
	mc->nsubs = 3;
	snprintf(mc->subs[0], sizeof mc->subs[0], "%s/inbox/+", d->conf.prefix);
	snprintf(mc->subs[1], sizeof mc->subs[1], "%s/report/#", d->conf.prefix);
	topic_status(d->conf.prefix, mc->subs[2], sizeof mc->subs[2]);	/* another instance's status */
	if (d->conf.upstream_of[0] != '\0') {
		/*
		 * Federating: the children's top areas' rollups and completeness, and
		 * their bridges' link state, instead of the gateways' inbox and reports.
		 */
		snprintf(mc->subs[0], sizeof mc->subs[0], "%s/rollup/+/+/+", d->conf.prefix);
		snprintf(mc->subs[1], sizeof mc->subs[1], "%s/link/+", d->conf.prefix);
		snprintf(mc->subs[3], sizeof mc->subs[3], "%s/completeness/+/+/+", d->conf.prefix);
		mc->nsubs = 4;
	}
	topic_status(d->conf.prefix, mc->will_topic, sizeof mc->will_topic);
	status_encode("offline", d->started, "lost", mc->will_payload, sizeof mc->will_payload);
}

static void status_seen(struct daemon *d, const struct mqtt_msg *m);

static void
on_message(void *arg, const struct mqtt_msg *m)
{
	struct daemon *d = arg;
	char status[CB_TOPIC_MAX];

	topic_status(d->conf.prefix, status, sizeof status);
	if (strcmp(m->topic, status) == 0) {
		status_seen(d, m);
		return;
	}
	batch_message(d->batch, m);
}

static void
on_burst_end(void *arg)
{
	struct daemon *d = arg;

	batch_end(d->batch);
}

static void
on_disconnected(void *arg)
{
	struct daemon *d = arg;

	batch_disconnected(d->batch);
}

/*
 * The broker may have given our session to another client: sure when it
 * said so; suspected (mosquitto 2.0 closes the old connection without a
 * word) when the retained status names another instance online.
 */
static bool
on_taken_over(void *arg, bool sure)
{
	struct daemon *d = arg;

	return sure || d->other_online;
}

/* Another client took our session: stop (exit 1) rather than take it back and split the stream. */
static void
on_takeover_stop(void *arg)
{
	struct daemon *d = arg;

	d->exit_status = 1;
	daemon_stop(d);
}

/* A status on our status topic: another instance's "online" means it shares our client id. */
static void
status_seen(struct daemon *d, const struct mqtt_msg *m)
{
	char mine[256];
	size_t len = status_encode("online", d->started, NULL, mine, sizeof mine);

	if (m->len == len && memcmp(m->payload, mine, len) == 0)
		return;	/* ours, back from the broker */
	d->other_online = strstr(m->payload, "\"state\":\"online\"") != NULL;
	log_debug("status: another instance: %.*s", (int)m->len, m->payload);
}

static void
on_tick(void *arg)
{
	struct daemon *d = arg;

	d->metrics.connects_minute = mqtt_connects_minute(d->mqtt);
	d->metrics.store_failing = !daemon_store_ok(d);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	if (sig == SIGHUP)
		daemon_reload(d);
	else
		daemon_stop(d);
}

/* Opens the database and the roster (after the fork: SQLite handles do not cross one). */
static void
daemon_open_store(struct daemon *d)
{
	char *err = calloc(1, ERR_MAX);

	if (err == NULL)
		fatalx("out of memory");
	if ((d->store = store_open(d->conf.db, d->conf.busy_timeout, err, ERR_MAX)) == NULL)
		fatalx("%s", err);
	if (d->conf.sync_thread)
		log_warnx("sync-thread: this setting was removed (it kept a transaction open across loop turns "
		    "and let PUBACKs out before the fdatasync); ignored: COMMIT syncs");
	if (d->conf.db_max_pages > 0 && !store_max_pages(d->store, d->conf.db_max_pages))
		fatalx("%s: %s", d->conf.db, store_error(d->store));
	err[0] = '\0';
	if (roster_csv(d->store, d->conf.areas, false, err, ERR_MAX) +
	    roster_csv(d->store, d->conf.reporters, true, err, ERR_MAX) > 0) {
		log_lines(err);
		fatalx("roster import failed");
	}
	free(err);
	if (!daemon_roster_reload(d))
		fatalx("cannot load the roster from %s", d->conf.db);
}

/* The event loop's parts: client, batcher, publisher, signals. */
static void
daemon_open_loop(struct daemon *d, const char *ip, int port)
{
	struct mqtt_handlers h = { .message = on_message, .burst_end = on_burst_end,
		.connected = on_connected, .disconnected = on_disconnected, .taken_over = on_taken_over,
		.stop = on_takeover_stop, .tick = on_tick, .arg = d };
	struct mqtt_config mc;
	char err[256];

	if ((d->base = event_base_new()) == NULL || (d->cache = rollcache_new()) == NULL ||
	    (d->batch = batch_new(d)) == NULL || (d->pub = publisher_new(d)) == NULL ||
	    (d->meta = meta_new()) == NULL)
		fatalx("out of memory");
	d->fed = federate_new(d);	/* NULL unless upstream-of */
	mqtt_settings(d, ip, port, &mc);
	d->mqtt = mqtt_new(d->base, &mc, &h, err, sizeof err);
	explicit_bzero(mc.password, sizeof mc.password);
	if (d->mqtt == NULL)
		fatalx("%s", err);
	d->ev_hup = evsignal_new(d->base, SIGHUP, on_signal, d);
	d->ev_term = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->ev_int = evsignal_new(d->base, SIGINT, on_signal, d);
	if (d->ev_hup == NULL || d->ev_term == NULL || d->ev_int == NULL ||
	    evsignal_add(d->ev_hup, NULL) || evsignal_add(d->ev_term, NULL) || evsignal_add(d->ev_int, NULL))
		fatalx("cannot watch signals");
}

void
daemon_start(struct daemon *d)
{
	char err[ERR_MAX], ip[64];
	int port;

	d->started = tz_now();
	tz_set(d->conf.tz);
	roster_country_set(d->conf.country_code);
	log_setverbose(d->conf.verbose || d->verbose_flag);
	signal(SIGPIPE, SIG_IGN);
	if ((d->catalog = catalog_read(d->conf.catalog, err, sizeof err)) == NULL) {
		log_lines(err);
		fatalx("cannot load the catalog %s", d->conf.catalog);
	}
	if (!mqtt_resolve(d->conf.broker, ip, sizeof ip, &port, err, sizeof err))
		fatalx("%s", err);
	if (!d->foreground && daemon(0, 0) == -1)
		fatal("daemon");
	lock_note_pid(d);
	daemon_open_store(d);
	daemon_open_loop(d, ip, port);
#ifdef CUNBAO_HAVE_API
	if (api_start(d) == -1)
		fatalx("cannot start the admin API");
#endif
	log_info("cunbaod %s: db %s (fdatasync in COMMIT), catalog %s (%zu kinds), broker %s (%s:%d), prefix %s, tz %s",
	    CUNBAOD_VERSION, d->conf.db, d->conf.catalog,
	    d->catalog->nkinds, d->conf.broker, ip, port, d->conf.prefix, d->conf.tz);
	mqtt_start(d->mqtt);
}

/* Notes the keys a SIGHUP cannot change, and applies the others. */
static void
reload_apply(struct daemon *d, const struct config *nc)
{
	for (const struct conf_entry *e = config_table; e->key != NULL; e++)
		if (!config_reloadable(e->key) && !config_same(e, &d->conf, nc))
			log_warnx("reload: %s changed; it takes effect after a restart", e->key);
	config_copy_reloadable(&d->conf, nc);
	tz_set(d->conf.tz);
	roster_country_set(d->conf.country_code);
	log_setverbose(d->conf.verbose || d->verbose_flag);
}

/*
 * Logs every field the new catalog keeps with another scale than the one in
 * use, and returns how many.  Stored values and rollups are at the old
 * scale: swapping such a catalog in would leave the rollups of those fields
 * unreadable (cells skip rows of another scale) until a rebuild recounts them
 * from the journal.
 */
static int
catalog_rescaled(const struct catalog *old, const struct catalog *cat, const char *path)
{
	int n = 0;

	for (size_t i = 0; i < old->nkinds; i++) {
		const struct kind *ko = &old->kinds[i], *kn = catalog_kind(cat, ko->code);

		for (size_t j = 0; kn != NULL && j < ko->nfields; j++) {
			const struct field *fo = &ko->fields[j], *fn = kind_field(kn, fo->code);

			if (fn != NULL && fn->scale != fo->scale) {
				log_warnx("reload: catalog %s changes %s.%s from scale %u to %u", path,
				    ko->code, fo->code, fo->scale, fn->scale);
				n++;
			}
		}
	}
	return n;
}

void
daemon_reload(struct daemon *d)
{
	char *err = calloc(1, ERR_MAX);
	struct config nc;
	struct catalog *cat;

	if (err == NULL)
		return;
	log_info("reload: SIGHUP");
	notify_reloading(d->notify);
	batch_drain(d->batch);	/* no transaction open while the roster and the cache change */
	if (config_load(&nc, d->conf_file, d->conf_must_exist, &d->flags, err, ERR_MAX) +
	    config_absolute(&nc, d->cwd, err, ERR_MAX) + config_upstream_file(&nc, err, ERR_MAX) > 0) {
		log_lines(err);
		log_warnx("reload: configuration invalid; keeping the one in use");
		free(err);
		notify_reloaded(d->notify);
		return;
	}
	reload_apply(d, &nc);
	if (!store_max_pages(d->store, d->conf.db_max_pages))
		log_warnx("reload: db-max-pages %lld: %s", (long long)d->conf.db_max_pages, store_error(d->store));
	err[0] = '\0';
	if ((cat = catalog_read(d->conf.catalog, err, ERR_MAX)) == NULL) {
		log_lines(err);
		log_warnx("reload: catalog %s invalid; keeping the one in use", d->conf.catalog);
	} else if (catalog_rescaled(d->catalog, cat, d->conf.catalog) > 0) {
		log_warnx("reload: keeping the catalog in use: stored figures are at the old scale. To change"
		    " it: stop cunbaod, run `cunbaoctl rebuild --db %s --catalog %s --apply`, then start cunbaod",
		    d->conf.db, d->conf.catalog);
		catalog_free(cat);
	} else {
		rollcache_clear(d->cache);	/* cells borrow kinds from the old catalog */
		catalog_free(d->catalog);
		d->catalog = cat;
		log_info("reload: catalog %s, %zu kinds", d->conf.catalog, cat->nkinds);
	}
	err[0] = '\0';
	if (roster_csv(d->store, d->conf.areas, false, err, ERR_MAX) +
	    roster_csv(d->store, d->conf.reporters, true, err, ERR_MAX) > 0) {
		log_lines(err);
		log_warnx("reload: roster import failed; nothing imported from the bad file");
	}
	daemon_roster_reload(d);
	free(err);
#ifdef CUNBAO_HAVE_API
	api_reload(d);
#endif
	notify_reloaded(d->notify);
}

static void
on_stopped(void *arg)
{
	struct daemon *d = arg;

	event_base_loopexit(d->base, NULL);
}

void
daemon_stop(struct daemon *d)
{
	if (d->stopping) {
		log_warnx("stopping already; a second signal is ignored");
		return;
	}
	d->stopping = true;
	notify_stopping(d->notify);
	log_info("stopping: publishing what is pending, then disconnecting");
	batch_drain(d->batch);
	publisher_flush(d->pub);
	federate_flush(d->fed);
	if (mqtt_connected(d->mqtt))
		status_publish(d, "offline", tz_now(), "shutdown");
	mqtt_stop(d->mqtt, on_stopped, d);
}

void
daemon_free(struct daemon *d)
{
#ifdef CUNBAO_HAVE_API
	if (d->base != NULL)
		api_stop(d);
#endif
	mqtt_free(d->mqtt);
	publisher_free(d->pub);
	federate_free(d->fed);
	meta_free(d->meta);
	batch_free(d->batch);
	if (d->ev_hup)
		event_free(d->ev_hup);
	if (d->ev_term)
		event_free(d->ev_term);
	if (d->ev_int)
		event_free(d->ev_int);
	rollcache_free(d->cache);
	roster_free(d->roster);
	store_close(d->store);
	catalog_free(d->catalog);
	if (d->base)
		event_base_free(d->base);
	if (d->lock_fd >= 0)
		close(d->lock_fd);	/* releases the lock */
	memset(d, 0, sizeof *d);
	d->lock_fd = -1;
}
