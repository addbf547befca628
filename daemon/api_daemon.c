/*
 * api_daemon.c — the admin API inside cunbaod: builds its configuration and
 * hooks from struct daemon (daemon.h) so the rest of the API needs nothing
 * of the daemon's internals.  daemon.c calls api_start, api_reload and
 * api_stop; the api lives in d->api.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "api.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "tz.h"

#define METRICS_TEXT_MAX 32768

static const struct catalog *
hook_catalog(void *arg)
{
	const struct daemon *d = arg;

	return d->catalog;
}

static int32_t
hook_utc_offset(void *arg, int64_t t)
{
	return tz_offset(t);
}

static bool
hook_connected(void *arg)
{
	return daemon_connected(arg);
}

static bool
hook_outbox(void *arg, const struct outbox *o)
{
	return daemon_outbox(arg, o);
}

static void
hook_metrics(void *arg, struct evbuffer *out)
{
	const struct daemon *d = arg;
	char buf[METRICS_TEXT_MAX];
	size_t n = metrics_format(&d->metrics, buf, sizeof buf);

	if (n == 0)
		log_warnx("api: the metrics do not fit %d bytes", METRICS_TEXT_MAX);
	evbuffer_add(out, buf, n);
}

static void
hook_roster_changed(void *arg)
{
	if (!daemon_roster_reload(arg))
		log_warnx("api: the roster changed but could not be reloaded; the old one stays in use");
}

/* Logs every line of a multi-line message. */
static void
log_lines(const char *what, char *err)
{
	for (char *line = strtok(err, "\n"); line != NULL; line = strtok(NULL, "\n"))
		log_warnx("%s: %s", what, line);
}

/* The API's configuration, from cunbaod's. */
static void
api_config_from(const struct config *c, struct api_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->listen, sizeof cfg->listen, "%s", c->listen);
	cfg->listen_default = strcmp(c->listen, API_LISTEN_DEFAULT) == 0;
	snprintf(cfg->tokens, sizeof cfg->tokens, "%s", c->tokens);
	snprintf(cfg->db, sizeof cfg->db, "%s", c->db);
	cfg->remind_interval_ms = c->remind_interval;
	snprintf(cfg->web_dir, sizeof cfg->web_dir, "%s", c->web_dir);
	snprintf(cfg->dashboard_ws, sizeof cfg->dashboard_ws, "%s", c->dashboard_ws);
	snprintf(cfg->prefix, sizeof cfg->prefix, "%s", c->prefix);
	cfg->max_conns = c->api_max_connections;
	cfg->request_timeout_ms = c->api_request_timeout;
	cfg->query_ms = c->api_query_timeout;
	cfg->loop_share = c->api_loop_share;
	cfg->remind_max = c->remind_max;
	cfg->remind_dedup_ms = c->remind_dedup;
}

bool
api_check(const struct config *c, FILE *out)
{
	struct api_config cfg;
	char err[2048];

	api_config_from(c, &cfg);
	if (api_config_check(&cfg, err, sizeof err))
		return true;
	fputs(err, out);
	return false;
}

int
api_start(struct daemon *d)
{
	struct api_config cfg;
	struct api_hooks hooks = {
		.arg = d,
		.catalog = hook_catalog,
		.utc_offset = hook_utc_offset,
		.broker_connected = hook_connected,
		.outbox = hook_outbox,
		.metrics = hook_metrics,
		.roster_changed = hook_roster_changed,
	};
	char err[2048] = "";

	api_config_from(&d->conf, &cfg);
	snprintf(cfg.db, sizeof cfg.db, "%s", daemon_db_path(d));
	d->api = api_new(d->base, &cfg, &hooks, err, sizeof err);
	if (d->api == NULL) {
		log_lines("api", err);
		return -1;
	}
	return 0;
}

void
api_reload(struct daemon *d)
{
	char err[2048] = "";

	if (!api_reload_tokens(d->api, d->conf.tokens, err, sizeof err)) {
		log_lines("api: keeping the old tokens", err);
	}
}

void
api_stop(struct daemon *d)
{
	api_free(d->api);
	d->api = NULL;
}
