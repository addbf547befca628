/*
 * api_health.c — GET /healthz (no token: is the broker connected, do the
 * daemon's commits succeed, how long ago was the last one; 200 or 503 as
 * JSON) and GET /metrics (the daemon's counters in Prometheus text format,
 * then the API's own).
 *
 * /healthz is unauthenticated, so it only reads the daemon's state in
 * memory: no query, no write, the same cost under any load.  "database" is
 * false while ingest's commits fail and it backs off (daemon_store_ok).
 */
#include <stdio.h>

#include "api_int.h"
#include "daemon.h"

void
api_get_healthz(struct api_req *r)
{
	struct api *a = r->api;
	/* api_daemon.c gives the API the struct daemon as the hooks' arg. */
	const struct daemon *d = a->hooks.arg;
	bool broker = a->hooks.broker_connected == NULL || a->hooks.broker_connected(a->hooks.arg);
	bool db = d == NULL || daemon_store_ok(d);
	int64_t last = d != NULL ? d->metrics.last_commit : 0;
	struct evbuffer *out = evbuffer_new();

	if (out == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	evbuffer_add_printf(out, "{\"status\":\"%s\",\"broker\":%s,\"database\":%s,\"last_commit_age_s\":",
	    broker && db ? "ok" : "unavailable", broker ? "true" : "false", db ? "true" : "false");
	if (last > 0)
		evbuffer_add_printf(out, "%lld}\n", (long long)(api_now() - last));
	else
		evbuffer_add_printf(out, "null}\n");
	api_reply_json(r, broker && db ? 200 : 503, out);
	evbuffer_free(out);
}

void
api_get_metrics(struct api_req *r)
{
	struct api *a = r->api;
	struct evbuffer *out = evbuffer_new();

	if (out == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	if (a->hooks.metrics != NULL)
		a->hooks.metrics(a->hooks.arg, out);
	evbuffer_add_printf(out, "# HELP cunbaod_api_requests_total Admin API requests answered, by status class.\n"
	    "# TYPE cunbaod_api_requests_total counter\n");
	for (int c = 1; c <= 5; c++)
		evbuffer_add_printf(out, "cunbaod_api_requests_total{class=\"%dxx\"} %llu\n", c,
		    (unsigned long long)a->requests[c]);
	evbuffer_add_printf(out, "# HELP cunbaod_reminders_sent_total Reminders and escalations sent.\n"
	    "# TYPE cunbaod_reminders_sent_total counter\n"
	    "cunbaod_reminders_sent_total %llu\n", (unsigned long long)a->reminders_sent);
	api_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", out);
	evbuffer_free(out);
}
