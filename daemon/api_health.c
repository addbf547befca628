/*
 * api_health.c — GET /healthz (no token: is the broker connected, is the
 * database writable; 200 or 503 as JSON) and GET /metrics (the daemon's
 * counters in Prometheus text format, then the API's own).
 */
#include <stdio.h>

#include "api_int.h"
#include "store_query.h"

void
api_get_healthz(struct api_req *r)
{
	struct api *a = r->api;
	bool broker = a->hooks.broker_connected == NULL || a->hooks.broker_connected(a->hooks.arg);
	bool db = store_query_writable(a->sq, api_now());
	struct evbuffer *out = evbuffer_new();

	if (out == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	evbuffer_add_printf(out, "{\"status\":\"%s\",\"broker\":%s,\"database\":%s}\n",
	    broker && db ? "ok" : "unavailable", broker ? "true" : "false", db ? "true" : "false");
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
