/*
 * http.c — the webhook server: evhttp with size limits, a timeout on every
 * connection, and a route table built from the enabled channels.
 *
 * Each request is turned into a struct webhook (no libevent types past this
 * file) and handed to the relay, whose answer is sent back: 200 with an
 * empty body when the message is safe in the spool (Kannel sends that body
 * as an SMS unless it is empty), or a status and one sentence.  evhttp
 * itself refuses bodies over max-body (413) and request lines and headers
 * over max-headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "bridge.h"

#define HTTP_HEADERS_MAX 64
#define HTTP_ROUTES_MAX 16

enum route_kind { ROUTE_CHANNEL, ROUTE_REPORT, ROUTE_HEALTH };

struct route {
	const char *path;
	enum route_kind kind;
	const struct channel_ops *ch;
};

struct http {
	const struct bridge_conf *conf;
	struct http_handlers h;
	void *arg;
	struct evhttp *srv;
	struct route routes[HTTP_ROUTES_MAX];
	size_t nroutes;
};

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 200, "OK" }, { 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 413, "Payload Too Large" },
	{ 415, "Unsupported Media Type" }, { 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" }, { 500, "Internal Server Error" },
	{ 503, "Service Unavailable" },
};

static const struct {
	enum evhttp_cmd_type cmd;
	const char *name;
} methods[] = {
	{ EVHTTP_REQ_GET, "GET" }, { EVHTTP_REQ_POST, "POST" }, { EVHTTP_REQ_HEAD, "HEAD" },
	{ EVHTTP_REQ_PUT, "PUT" }, { EVHTTP_REQ_DELETE, "DELETE" }, { EVHTTP_REQ_OPTIONS, "OPTIONS" },
	{ EVHTTP_REQ_PATCH, "PATCH" },
};

static const char *
http_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Error";
}

static const char *
http_method(enum evhttp_cmd_type cmd)
{
	size_t i;

	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (methods[i].cmd == cmd)
			return methods[i].name;
	return "OTHER";
}

static const struct route *
http_route(const struct http *hs, const char *path)
{
	size_t i;

	for (i = 0; path != NULL && i < hs->nroutes; i++)
		if (strcmp(hs->routes[i].path, path) == 0)
			return &hs->routes[i];
	return NULL;
}

/* Sends status with msg as a text/plain line (nothing at all for a 200 without msg). */
static void
http_answer(struct evhttp_request *req, int status, const char *msg)
{
	struct evbuffer *out = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (out != NULL && msg[0] != '\0')
		evbuffer_add_printf(out, "%s\n", msg);
	evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
	if (status == 429)
		evhttp_add_header(h, "Retry-After", "60");
	evhttp_send_reply(req, status, http_reason(status), out);
	if (out != NULL)
		evbuffer_free(out);
}

/* Fills w from req; headers point into req and live as long as it does.  False if too many. */
static bool
http_webhook(struct evhttp_request *req, struct webhook *w, struct br_header *hdrs)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evkeyval *kv;
	char *peer = NULL;
	ev_uint16_t port;

	memset(w, 0, sizeof *w);
	w->method = http_method(evhttp_request_get_command(req));
	w->path = evhttp_uri_get_path(uri);
	w->query = evhttp_uri_get_query(uri) ? evhttp_uri_get_query(uri) : "";
	w->querylen = strlen(w->query);
	w->headers = hdrs;
	for (kv = evhttp_request_get_input_headers(req)->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		if (w->nheaders == HTTP_HEADERS_MAX)
			return false;
		hdrs[w->nheaders].name = kv->key;
		hdrs[w->nheaders++].value = kv->value;
	}
	w->bodylen = evbuffer_get_length(in);
	w->body = w->bodylen ? (const char *)evbuffer_pullup(in, -1) : "";
	evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer, &port);
	w->peer = peer;
	w->now = clock_ms();
	return true;
}

static void
http_on_request(struct evhttp_request *req, void *arg)
{
	struct http *hs = arg;
	struct br_header hdrs[HTTP_HEADERS_MAX];
	const struct route *r;
	struct webhook w;
	char msg[512] = "";
	int status;

	if (!http_webhook(req, &w, hdrs)) {
		http_answer(req, 431, "too many header fields");
		return;
	}
	if ((r = http_route(hs, w.path)) == NULL) {
		log_debug("http: %s %s: no such route", w.method, w.path ? w.path : "?");
		http_answer(req, 404, "no such webhook");
		return;
	}
	switch (r->kind) {
	case ROUTE_HEALTH:
		status = hs->h.health(hs->arg, msg, sizeof msg);
		break;
	case ROUTE_REPORT:
		status = hs->h.report(hs->arg, r->ch, &w, msg, sizeof msg);
		break;
	default:
		status = hs->h.webhook(hs->arg, r->ch, &w, msg, sizeof msg);
		break;
	}
	http_answer(req, status, msg);
}

/* Adds the routes of the enabled channels (webhooks, delivery reports) and /healthz. */
static void
http_routes(struct http *hs)
{
	const struct channel_ops *ch;
	size_t i;

	for (i = 0; (ch = channel_table[i]) != NULL && hs->nroutes < HTTP_ROUTES_MAX - 2; i++) {
		if (!ch->enabled(hs->conf))
			continue;
		hs->routes[hs->nroutes++] = (struct route){ ch->route, ROUTE_CHANNEL, ch };
		if (ch->report_route != NULL)
			hs->routes[hs->nroutes++] = (struct route){ ch->report_route, ROUTE_REPORT, ch };
	}
	hs->routes[hs->nroutes++] = (struct route){ "/healthz", ROUTE_HEALTH, NULL };
}

void
http_apply(struct http *hs)
{
	struct timeval tv = { hs->conf->http_timeout / 1000, (hs->conf->http_timeout % 1000) * 1000 };

	evhttp_set_max_body_size(hs->srv, (ev_ssize_t)hs->conf->max_body);
	evhttp_set_max_headers_size(hs->srv, (ev_ssize_t)hs->conf->max_headers);
	evhttp_set_timeout_tv(hs->srv, &tv);
}

struct http *
http_new(struct event_base *base, const struct bridge_conf *c, const struct http_handlers *h, void *arg,
    char *err, size_t errlen)
{
	struct http *hs = calloc(1, sizeof *hs);
	char host[128];
	int port;

	if (hs == NULL || (hs->srv = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "out of memory");
		http_free(hs);
		return NULL;
	}
	hs->conf = c;
	hs->h = *h;
	hs->arg = arg;
	http_routes(hs);
	http_apply(hs);
	evhttp_set_allowed_methods(hs->srv, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(hs->srv, http_on_request, hs);
	if (!addr_split(c->listen, host, sizeof host, &port) ||
	    evhttp_bind_socket_with_handle(hs->srv, host, (ev_uint16_t)port) == NULL) {
		snprintf(err, errlen, "cannot listen on %s", c->listen);
		http_free(hs);
		return NULL;
	}
	return hs;
}

void
http_free(struct http *hs)
{
	if (hs == NULL)
		return;
	if (hs->srv != NULL)
		evhttp_free(hs->srv);
	free(hs);
}
