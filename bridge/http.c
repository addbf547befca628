/*
 * http.c — the webhook server, which faces the internet: a capped number
 * of connections, an absolute deadline per request, size limits, and a
 * route table built from the enabled channels.
 *
 * One request per connection (answered with Connection: close).  A
 * connection beyond http-max-connections is answered 503 and closed at
 * once; every connection is answered 408 and closed when http-timeout has
 * passed since it was accepted, however slowly its bytes trickle in (an
 * idle timeout alone lets a client that sends a byte every few seconds
 * hold a slot for ever).  A head (request line and fields) over
 * max-headers is 431, a body over max-body is 413 before it is read.  The
 * head is parsed by httpreq.c; each request becomes a struct webhook (no
 * libevent types past this file) for the relay, whose answer is sent back:
 * 200 with an empty body when the message is safe in the spool (Kannel
 * sends that body as an SMS unless it is empty), or a status and one
 * sentence.  Every refusal here is a text/plain sentence too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "bridge.h"

#define HTTP_ROUTES_MAX (16 + BR_CHATS_MAX)
#define HTTP_GRACE_MS	1000	/* after the deadline's 408, time to write it before the close */

enum route_kind { ROUTE_CHANNEL, ROUTE_REPORT, ROUTE_HEALTH, ROUTE_CHAT };

struct route {
	char path[48];
	enum route_kind kind;
	const struct channel_ops *ch;
	const struct chat_conf *cc;	/* ROUTE_CHAT: the instance (in the settings, which a reload rewrites in place) */
};

/* One client connection; owned by the server's list, freed by http_close. */
struct http_conn {
	struct http *hs;
	struct bufferevent *bev;
	struct event *deadline;
	char peer[64];
	char *head;			/* the request's head, cut up by httpreq_parse */
	struct httpreq req;
	bool have_head, answered;
	bool linger;			/* answered before the request was read: drain it, then close */
	bool deferred;			/* held open: the relay answers with http_finish */
	void (*gone)(void *);		/* called if a deferred connection ends unanswered */
	void *gone_arg;
	struct http_conn *prev, *next;
};

struct http {
	const struct bridge_conf *conf;
	struct http_handlers h;
	void *arg;
	struct event_base *base;
	struct evconnlistener *listener;
	struct route routes[HTTP_ROUTES_MAX];
	size_t nroutes;
	struct http_conn *conns;
	int64_t nconns;
	int64_t refused_at;		/* last "too many connections" log line, ms */
	struct event *resume;		/* re-enables the listener after an accept error */
};

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 100, "Continue" }, { 200, "OK" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
	{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 408, "Request Timeout" }, { 411, "Length Required" }, { 413, "Payload Too Large" },
	{ 415, "Unsupported Media Type" }, { 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" }, { 500, "Internal Server Error" },
	{ 503, "Service Unavailable" }, { 505, "HTTP Version Not Supported" },
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

static const struct route *
http_route(const struct http *hs, const char *path)
{
	size_t i;

	for (i = 0; path != NULL && i < hs->nroutes; i++)
		if (strcmp(hs->routes[i].path, path) == 0)
			return &hs->routes[i];
	return NULL;
}

/* The one exit of a connection: unlinks it, closes the socket, frees it. */
static void
http_close(struct http_conn *hc, const char *why)
{
	struct http *hs = hc->hs;

	if (why != NULL)
		log_debug("http: %s: closed: %s", hc->peer, why);
	if (hc->deferred && hc->gone != NULL) {
		void (*gone)(void *) = hc->gone;

		hc->gone = NULL;
		gone(hc->gone_arg);
	}
	if (hc->prev != NULL)
		hc->prev->next = hc->next;
	else
		hs->conns = hc->next;
	if (hc->next != NULL)
		hc->next->prev = hc->prev;
	hs->nconns--;
	if (hc->deadline != NULL)
		event_free(hc->deadline);
	bufferevent_free(hc->bev);
	free(hc->head);
	free(hc);
}

/*
 * Queues the answer: status with msg as a text/plain line (no body at all
 * for a 200 without msg), then Connection: close; the connection closes
 * once it is written (or at the deadline's grace).  Nothing more is read.
 */
static void
http_answer(struct http_conn *hc, int status, const char *msg)
{
	struct evbuffer *out = bufferevent_get_output(hc->bev);
	bool head = hc->have_head && strcmp(hc->req.method, "HEAD") == 0;
	size_t len = msg[0] != '\0' ? strlen(msg) + 1 : 0;

	if (hc->answered)
		return;
	hc->answered = true;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n%s\r\n", status, http_reason(status), len,
	    status == 429 ? "Retry-After: 60\r\n" : status == 503 ? "Retry-After: 5\r\n" : "");
	if (len > 0 && !head)
		evbuffer_add_printf(out, "%s\n", msg);
	bufferevent_disable(hc->bev, EV_READ);
	bufferevent_enable(hc->bev, EV_WRITE);
}

/*
 * Queues an answer with a body of the caller's (ctype "" = text/plain), sent
 * as it is; the connection closes once it is written.
 */
static void
http_answer_body(struct http_conn *hc, int status, const char *ctype, const char *body, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(hc->bev);
	bool head = hc->have_head && strcmp(hc->req.method, "HEAD") == 0;

	if (hc->answered)
		return;
	hc->answered = true;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", status, http_reason(status),
	    ctype && ctype[0] ? ctype : "text/plain; charset=utf-8", len);
	if (len > 0 && !head)
		evbuffer_add(out, body, len);
	bufferevent_disable(hc->bev, EV_READ);
	bufferevent_enable(hc->bev, EV_WRITE);
}

void
http_defer(struct http_conn *hc, void (*gone)(void *arg), void *arg)
{
	hc->deferred = true;
	hc->gone = gone;
	hc->gone_arg = arg;
}

void
http_finish(struct http_conn *hc, int status, const char *ctype, const char *body, size_t len)
{
	hc->gone = NULL;
	http_answer_body(hc, status, ctype, body, len);
}

/* A chat instance's webhook: the relay fills the answer, or holds it (status 0) to answer later. */
static void
http_chat(struct http_conn *hc, const struct route *r, const struct webhook *w)
{
	static struct chat_answer a;

	memset(&a, 0, sizeof a);
	hc->hs->h.chat(hc->hs->arg, r->cc, w, hc, &a);
	if (a.status == 0)
		return;		/* deferred: http_finish comes later */
	if (a.status != 200)
		http_answer(hc, a.status, a.msg);
	else
		http_answer_body(hc, 200, a.ctype, a.body, a.len);
}

/* Hands a complete request to its route and answers with what the relay says. */
static void
http_dispatch(struct http_conn *hc)
{
	struct http *hs = hc->hs;
	struct evbuffer *in = bufferevent_get_input(hc->bev);
	const struct route *r;
	struct webhook w;
	char msg[512] = "";
	int status;

	memset(&w, 0, sizeof w);
	w.method = hc->req.method;
	w.path = hc->req.path;
	w.query = hc->req.query;
	w.querylen = strlen(w.query);
	w.headers = hc->req.headers;
	w.nheaders = hc->req.nheaders;
	w.bodylen = (size_t)hc->req.content_length;
	w.body = w.bodylen ? (const char *)evbuffer_pullup(in, (ev_ssize_t)w.bodylen) : "";
	w.peer = hc->peer;
	w.now = clock_ms();
	if ((r = http_route(hs, w.path)) == NULL) {
		log_debug("http: %s %s: no such route", w.method, w.path);
		http_answer(hc, 404, "no such webhook");
		return;
	}
	switch (r->kind) {
	case ROUTE_CHAT:
		http_chat(hc, r, &w);
		return;
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
	http_answer(hc, status, msg);
}

/*
 * Takes the head off the input once its blank line has come; returns 0
 * while it has not, 200 when hc->req is filled, else the status to answer
 * (msg set).
 */
static int
http_read_head(struct http_conn *hc, char *msg, size_t msglen)
{
	const struct bridge_conf *c = hc->hs->conf;
	struct evbuffer *in = bufferevent_get_input(hc->bev);
	struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	size_t len;

	if (end.pos < 0) {
		if (evbuffer_get_length(in) <= (size_t)c->max_headers)
			return 0;
		snprintf(msg, msglen, "request line and headers longer than max-headers (%lld bytes)",
		    (long long)c->max_headers);
		return 431;
	}
	len = (size_t)end.pos + 4;
	if (len > (size_t)c->max_headers) {
		snprintf(msg, msglen, "request line and headers longer than max-headers (%lld bytes)",
		    (long long)c->max_headers);
		return 431;
	}
	if ((hc->head = malloc(len + 1)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return 503;
	}
	evbuffer_remove(in, hc->head, len);
	hc->head[len] = '\0';
	if (memchr(hc->head, '\0', len) != NULL) {
		snprintf(msg, msglen, "NUL byte in the request head");
		return 400;
	}
	return httpreq_parse(hc->head, &hc->req, msg, msglen);
}

/* Checks a parsed head: method, body size; says 100 Continue when asked.  200 or a status (msg). */
static int
http_check_head(struct http_conn *hc, char *msg, size_t msglen)
{
	const struct httpreq *q = &hc->req;

	if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "POST") != 0 && strcmp(q->method, "HEAD") != 0) {
		snprintf(msg, msglen, "use GET or POST, not %.16s", q->method);
		return 405;
	}
	if (q->content_length > hc->hs->conf->max_body) {
		snprintf(msg, msglen, "body of %lld bytes is longer than max-body (%lld bytes)",
		    (long long)q->content_length, (long long)hc->hs->conf->max_body);
		return 413;
	}
	if (q->expect_continue && q->content_length > 0)
		evbuffer_add_printf(bufferevent_get_output(hc->bev), "HTTP/1.1 100 Continue\r\n\r\n");
	return 200;
}

/* Input came: the head once it is whole (checked, refused or 100 Continue), then the body, then the route. */
static void
http_on_read(struct bufferevent *bev, void *arg)
{
	struct http_conn *hc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char msg[256] = "";
	int status;

	if (hc->answered) {
		evbuffer_drain(in, evbuffer_get_length(in));	/* lingering: what it still sends is dropped */
		return;
	}
	if (!hc->have_head) {
		if ((status = http_read_head(hc, msg, sizeof msg)) == 0)
			return;
		hc->have_head = status == 200;
		if (status == 200)
			status = http_check_head(hc, msg, sizeof msg);
		if (status != 200) {
			log_info("http: %s: refused (%d): %s", hc->peer, status, msg);
			hc->linger = true;
			http_answer(hc, status, msg);
			return;
		}
	}
	if (evbuffer_get_length(bufferevent_get_input(bev)) >= (size_t)hc->req.content_length)
		http_dispatch(hc);
}

/*
 * Once the answer is written the connection closes — except one answered
 * before its request was read (a refusal, a 408): closing a socket with
 * unread input sends a reset that can destroy the answer on its way, so
 * we shut down our side and drop what still comes until the client closes
 * or the grace runs out.
 */
static void
http_on_write(struct bufferevent *bev, void *arg)
{
	struct http_conn *hc = arg;
	struct timeval grace = { HTTP_GRACE_MS / 1000, (HTTP_GRACE_MS % 1000) * 1000 };

	if (!hc->answered || evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	if (!hc->linger) {
		http_close(hc, NULL);
		return;
	}
	hc->linger = false;
	shutdown(bufferevent_getfd(bev), SHUT_WR);
	bufferevent_enable(bev, EV_READ);
	evtimer_add(hc->deadline, &grace);
}

/* The client closed, or the socket failed: the connection ends here, whatever its state. */
static void
http_on_event(struct bufferevent *bev, short what, void *arg)
{
	http_close(arg, what & BEV_EVENT_EOF ? "the client went away" : "connection error");
}

/* http-timeout after the accept: the request is cut, answered 408 if it can be, and closed. */
static void
http_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *hc = arg;
	struct timeval grace = { HTTP_GRACE_MS / 1000, (HTTP_GRACE_MS % 1000) * 1000 };
	char msg[128];

	if (hc->answered) {
		http_close(hc, "the answer was not taken in time");
		return;
	}
	if (hc->deferred && hc->gone != NULL) {
		void (*gone)(void *) = hc->gone;

		hc->gone = NULL;	/* the relay lets go of it before the 408 */
		gone(hc->gone_arg);
	}
	snprintf(msg, sizeof msg, "the request took longer than http-timeout (%lld ms)",
	    (long long)hc->hs->conf->http_timeout);
	log_info("http: %s: %s; cut", hc->peer, msg);
	hc->linger = true;
	http_answer(hc, 408, msg);
	evtimer_add(hc->deadline, &grace);
}

/*
 * Answers a connection beyond the cap with a 503 in one non-blocking
 * write (a client that does not read it loses it) and closes it.  Logged
 * at most once a second: a flood must not flood the log.
 */
static void
http_refuse(struct http *hs, evutil_socket_t fd, const char *peer)
{
	static const char why[] = "too many connections (http-max-connections); try again\n";
	char busy[256];
	int64_t now = clock_ms();
	int n = snprintf(busy, sizeof busy, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\nRetry-After: 5\r\n\r\n%s",
	    sizeof why - 1, why);

	if (send(fd, busy, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* Nothing to do: the client will retry. */
	}
	evutil_closesocket(fd);
	if (now - hs->refused_at >= 1000) {
		hs->refused_at = now;
		log_warnx("http: %lld connections open (http-max-connections): refusing new ones, e.g. %s",
		    (long long)hs->nconns, peer);
	}
}

/* A new connection: refused with 503 beyond the cap, else tracked with its deadline armed. */
static void
http_on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct http *hs = arg;
	struct timeval tv = { hs->conf->http_timeout / 1000, (hs->conf->http_timeout % 1000) * 1000 };
	char peer[64] = "?";
	struct http_conn *hc;

	if (sa->sa_family == AF_INET)
		evutil_inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, peer, sizeof peer);
	else if (sa->sa_family == AF_INET6)
		evutil_inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, peer, sizeof peer);
	if (hs->nconns >= hs->conf->http_max_connections) {
		http_refuse(hs, fd, peer);
		return;
	}
	if ((hc = calloc(1, sizeof *hc)) == NULL ||
	    (hc->bev = bufferevent_socket_new(hs->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (hc->deadline = evtimer_new(hs->base, http_on_deadline, hc)) == NULL) {
		log_warnx("http: %s: out of memory; connection closed", peer);
		if (hc != NULL && hc->bev != NULL)
			bufferevent_free(hc->bev);
		else
			evutil_closesocket(fd);
		free(hc);
		return;
	}
	hc->hs = hs;
	snprintf(hc->peer, sizeof hc->peer, "%s", peer);
	hc->next = hs->conns;
	if (hs->conns != NULL)
		hs->conns->prev = hc;
	hs->conns = hc;
	hs->nconns++;
	evtimer_add(hc->deadline, &tv);
	bufferevent_setcb(hc->bev, http_on_read, http_on_write, http_on_event, hc);
	bufferevent_enable(hc->bev, EV_READ);
}

/* The listener paused by http_on_accept_error: take connections again. */
static void
http_on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct http *hs = arg;

	evconnlistener_enable(hs->listener);
}

/*
 * accept() failed (out of file descriptors, most likely: the cap is above
 * what the process may open).  Pause the listener for a second rather than
 * spin on a connection we cannot take; the kernel keeps it in the backlog.
 */
static void
http_on_accept_error(struct evconnlistener *l, void *arg)
{
	struct http *hs = arg;
	struct timeval pause = { 1, 0 };

	log_warn("http: accept failed (%lld connections open); not accepting for a second",
	    (long long)hs->nconns);
	evconnlistener_disable(l);
	evtimer_add(hs->resume, &pause);
}

static void
http_add_route(struct http *hs, const char *path, enum route_kind kind, const struct channel_ops *ch,
    const struct chat_conf *cc)
{
	struct route *r = &hs->routes[hs->nroutes++];

	snprintf(r->path, sizeof r->path, "%s", path);
	r->kind = kind;
	r->ch = ch;
	r->cc = cc;
}

/* Adds the routes of the enabled channels (webhooks, delivery reports), the chat instances and /healthz. */
static void
http_routes(struct http *hs)
{
	const struct channel_ops *ch;
	size_t i;
	int k;

	for (i = 0; (ch = channel_table[i]) != NULL && hs->nroutes < HTTP_ROUTES_MAX - 2; i++) {
		if (!ch->enabled(hs->conf))
			continue;
		http_add_route(hs, ch->route, ROUTE_CHANNEL, ch, NULL);
		if (ch->report_route != NULL)
			http_add_route(hs, ch->report_route, ROUTE_REPORT, ch, NULL);
	}
	for (k = 0; k < hs->conf->nchats && hs->nroutes < HTTP_ROUTES_MAX - 1; k++) {
		char path[48];
		const struct chat_conf *cc = &hs->conf->chats[k];

		snprintf(path, sizeof path, "/%s/%s", cc->ops->platform, cc->name);
		http_add_route(hs, path, ROUTE_CHAT, NULL, cc);
	}
	http_add_route(hs, "/healthz", ROUTE_HEALTH, NULL, NULL);
}

void
http_apply(struct http *hs)
{
	/* The limits are read from the settings at each use; new ones apply to new connections. */
	log_debug("http: at most %lld connections, %lld ms each, heads %lld bytes, bodies %lld bytes",
	    (long long)hs->conf->http_max_connections, (long long)hs->conf->http_timeout,
	    (long long)hs->conf->max_headers, (long long)hs->conf->max_body);
}

/* Binds host:port (numeric) for the listener; false with err. */
static bool
http_listen(struct http *hs, const char *host, int port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	int sslen = sizeof ss;
	char addr[160];

	snprintf(addr, sizeof addr, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
	memset(&ss, 0, sizeof ss);
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &sslen) != 0) {
		snprintf(err, errlen, "listen: \"%s\" is not an address", addr);
		return false;
	}
	hs->listener = evconnlistener_new_bind(hs->base, http_on_accept, hs,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, -1, (struct sockaddr *)&ss, sslen);
	if (hs->listener == NULL || (hs->resume = evtimer_new(hs->base, http_on_resume, hs)) == NULL) {
		snprintf(err, errlen, "cannot listen on %s", addr);
		return false;
	}
	evconnlistener_set_error_cb(hs->listener, http_on_accept_error);
	return true;
}

struct http *
http_new(struct event_base *base, const struct bridge_conf *c, const struct http_handlers *h, void *arg,
    char *err, size_t errlen)
{
	struct http *hs = calloc(1, sizeof *hs);
	char host[128];
	int port;

	if (hs == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	hs->conf = c;
	hs->h = *h;
	hs->arg = arg;
	hs->base = base;
	http_routes(hs);
	if (!addr_split(c->listen, host, sizeof host, &port)) {
		snprintf(err, errlen, "cannot listen on %s", c->listen);
		http_free(hs);
		return NULL;
	}
	if (!http_listen(hs, host, port, err, errlen)) {
		http_free(hs);
		return NULL;
	}
	http_apply(hs);
	return hs;
}

void
http_free(struct http *hs)
{
	if (hs == NULL)
		return;
	if (hs->resume != NULL)
		event_free(hs->resume);
	if (hs->listener != NULL)
		evconnlistener_free(hs->listener);
	while (hs->conns != NULL)
		http_close(hs->conns, "shutting down");
	free(hs);
}
