/*
 * api_conn.c — the admin API's connections, before evhttp sees a request.
 *
 * The API shares cunbaod's one event loop with ingest, so a client must not
 * be able to hold it or its descriptors.  evhttp (libevent 2.1) has no hook
 * between the headers and the body, no cap on connections and only an idle
 * timeout; this file adds them from outside:
 *
 *  - evhttp_set_bevcb gives every accepted connection a bufferevent of ours
 *    (one reference ours, released when evhttp is done with it).  Beyond
 *    api-connections a new connection is closed at once and counted.
 *  - Every request must arrive whole (head and body) within
 *    api-request-timeout of its first byte (of the connection, for the
 *    first): one that trickles a byte at a time is cut, and counted.
 *  - A callback on the input buffer sees each byte before evhttp parses it
 *    and reads the head itself: a body is refused (401/403) before it is
 *    read unless the head carries an admin token, and whatever evhttp would
 *    answer with its HTML page (a body or headers too large, chunked
 *    bodies, a malformed request line) is answered here with the JSON error
 *    of docs/api.md, logged once, and the connection closed.
 *
 * Who owns what: struct api owns the list of conns; a conn holds one
 * reference to its bufferevent and is freed when evhttp closes the
 * connection (closecb) or, failing that, by the sweep once evhttp has
 * released the bufferevent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api_int.h"
#include "log.h"

#define SWEEP_MS 250		/* how often released bufferevents are collected */
#define LINGER_MS 500		/* a refused connection is read (and dropped) this long before the close */
#define TICK_MS  50		/* the read pause's granularity */
#define RATE     (1 << 26)	/* bytes per tick while not paused: no limit in practice */

enum scan { SCAN_HEAD, SCAN_BODY, SCAN_DONE };

struct api_conn {
	TAILQ_ENTRY(api_conn) entry;
	struct api *api;
	struct bufferevent *bev;		/* one reference ours */
	struct evhttp_connection *evcon;	/* evhttp's, NULL until attached */
	struct event *attach;			/* zero-delay: set closecb, close if over the cap */
	struct event *deadline;			/* the request in progress must be whole by then */
	bool over_cap;
	enum scan state;
	uint64_t body_left;			/* bytes of the current body not yet seen */
	size_t headlen;
	char head[API_HEADERS_MAX];		/* the current request's head, as it arrives */
};

TAILQ_HEAD(api_conns, api_conn);

static void conn_input_cb(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg);

/* Gives a conn back: our reference to the bufferevent, our events, the memory. */
static void
conn_free(struct api_conn *c)
{
	struct api *a = c->api;

	TAILQ_REMOVE((struct api_conns *)a->conns, c, entry);
	evbuffer_remove_cb(bufferevent_get_input(c->bev), conn_input_cb, c);
	if (a->group != NULL)
		bufferevent_remove_from_rate_limit_group(c->bev);
	a->conns_open--;
	event_free(c->attach);
	event_free(c->deadline);
	bufferevent_decref(c->bev);
	free(c);
}

/* evhttp's close callback: the connection is going away; so is our conn. */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	conn_free(arg);
}

/*
 * Finds evhttp's connection behind our bufferevent and hooks its close.
 * evhttp (libevent 2.1) gives its connection as the argument of the
 * callbacks it sets on the bufferevent; there is no other way from a
 * bufferevent to it.  False while evhttp has not set them, or after it let
 * the bufferevent go.
 */
static bool
conn_attach(struct api_conn *c)
{
	bufferevent_event_cb ecb = NULL;
	void *arg = NULL;

	if (c->evcon != NULL)
		return true;
	bufferevent_getcb(c->bev, NULL, NULL, &ecb, &arg);
	if (ecb == NULL || arg == NULL)
		return false;
	c->evcon = arg;
	evhttp_connection_set_closecb(c->evcon, conn_closed, c);
	return true;
}

/* Closes c's connection now, through evhttp (which calls conn_closed). */
static void
conn_close(struct api_conn *c)
{
	if (conn_attach(c))
		evhttp_connection_free(c->evcon);
}

/* The attach event: hooks the connection, and closes it at once when it is beyond the cap. */
static void
conn_attach_cb(evutil_socket_t fd, short what, void *arg)
{
	struct api_conn *c = arg;

	if (!conn_attach(c))
		return;
	if (c->over_cap)
		conn_close(c);
}

/* The deadline: the request in progress did not arrive whole in time. */
static void
conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct api_conn *c = arg;
	struct api *a = c->api;
	char *host = NULL;
	ev_uint16_t port = 0;

	a->conns_timed_out++;
	if (conn_attach(c))
		evhttp_connection_get_peer(c->evcon, &host, &port);
	log_warnx("api: %s:%u sent no whole request in %lld ms: connection closed (api-request-timeout)",
	    host ? host : "?", (unsigned)port, (long long)a->cfg.request_timeout_ms);
	conn_close(c);
}

static void
deadline_arm(struct api_conn *c)
{
	int64_t ms = c->api->cfg.request_timeout_ms;
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

	evtimer_add(c->deadline, &tv);
}

/*
 * Answers a request evhttp must not see: writes the JSON error straight to
 * the socket (nothing of evhttp's is queued: it is still reading), logs it
 * once, stops evhttp from reading further and closes the connection on the
 * next loop turn (not inside the bufferevent's own callback).
 */
static void
conn_refuse(struct api_conn *c, const char *method, const char *path, int status,
    const char *reason, const char *code, const char *msg)
{
	static const struct timeval linger = { .tv_sec = 0, .tv_usec = LINGER_MS * 1000 };
	char body[1024], resp[1536];
	bufferevent_data_cb rcb;
	bufferevent_data_cb wcb;
	bufferevent_event_cb ecb;
	void *arg;
	int n;

	size_t blen = api_error_body(body, sizeof body, code, msg);
	n = snprintf(resp, sizeof resp, "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%sConnection: close\r\n"
	    "Content-Length: %zu\r\n\r\n%.*s\n", status, reason,
	    status == 401 ? "WWW-Authenticate: Bearer realm=\"cunbao\"\r\n" : "", blen + 1,
	    (int)blen, body);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 && n > 0 && (size_t)n < sizeof resp) {
		evutil_socket_t fd = bufferevent_getfd(c->bev);
		(void)!send(fd, resp, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
		shutdown(fd, SHUT_WR);
	}
	c->api->requests[status / 100 % 6]++;
	log_info("api: %s %s %d before the body: %s", method, path, status, msg);
	c->state = SCAN_DONE;
	evtimer_del(c->deadline);
	bufferevent_getcb(c->bev, &rcb, &wcb, &ecb, &arg);
	bufferevent_setcb(c->bev, NULL, wcb, ecb, arg);
	/*
	 * The attach event closes it after a short linger, reading and
	 * dropping what the client still sends meanwhile: closing with unread
	 * bytes would reset the connection and could lose the answer.
	 */
	c->over_cap = true;
	evtimer_add(c->attach, &linger);
}

/* The value of header name in head (lines after the request line), into out; false if absent. */
static bool
head_header(const char *head, const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);

	for (const char *p = strchr(head, '\n'); p != NULL; p = strchr(p, '\n')) {
		p++;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *e = strpbrk(v, "\r\n");
			v += strspn(v, " \t");
			size_t len = e ? (size_t)(e - v) : strlen(v);
			while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
				len--;
			snprintf(out, outlen, "%.*s", (int)len, v);
			return true;
		}
	}
	return false;
}

/*
 * Splits the request line of head as evhttp does: the method up to the
 * first blank, the version after the last, the URI between (into buffers
 * of API_URI_MAX + 1 bytes for uri, 16 for the others).  False when it has
 * not three parts or a part does not fit.
 */
static bool
request_line(const char *head, char *method, char *uri, char *version)
{
	size_t len = strcspn(head, "\r\n");
	const char *sp1, *sp2;

	while (len > 0 && head[len - 1] == ' ')
		len--;
	if ((sp1 = memchr(head, ' ', len)) == NULL)
		return false;
	for (sp2 = head + len - 1; sp2 > sp1 && *sp2 != ' '; sp2--)
		;
	if (sp2 == sp1 || sp1 - head >= 16 || head + len - sp2 - 1 >= 16 || sp2 - sp1 - 1 > API_URI_MAX)
		return false;
	snprintf(method, 16, "%.*s", (int)(sp1 - head), head);
	snprintf(uri, API_URI_MAX + 1, "%.*s", (int)(sp2 - sp1 - 1), sp1 + 1);
	snprintf(version, 16, "%.*s", (int)(head + len - sp2 - 1), sp2 + 1);
	return true;
}

/* True if every header line of head is "Name: value" or a continuation (evhttp refuses others). */
static bool
headers_well_formed(const char *head)
{
	for (const char *p = strchr(head, '\n'); p != NULL && p[1] != '\0'; p = strchr(p + 1, '\n')) {
		const char *line = p + 1;
		size_t n = strcspn(line, "\r\n");
		if (n == 0 || *line == ' ' || *line == '\t')
			continue;
		const char *colon = memchr(line, ':', n);
		if (colon == NULL || colon == line)
			return false;
	}
	return true;
}

/* True for the methods the API serves (evhttp answers the others with an HTML 501). */
static bool
method_known(const char *m)
{
	static const char *const known[] = { "GET", "POST", "PUT", "DELETE", "HEAD" };

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(m, known[i]) == 0)
			return true;
	return false;
}

/*
 * Decides on a whole request head (NUL-terminated in c->head): refuses
 * what evhttp would answer with HTML and any body without an admin token,
 * else lets the request through and follows its body.
 */
static void
conn_head(struct api_conn *c)
{
	char method[16] = "?", path[API_PATH_MAX] = "?", version[16] = "", uri[API_URI_MAX + 1];
	char val[API_TOKEN_MAX + 16], msg[256];
	const struct api_token *tok = NULL;
	unsigned long long len = 0;
	size_t line = strcspn(c->head, "\r\n");
	struct evhttp_uri *u;

	if (line > API_URI_MAX + 32) {
		conn_refuse(c, "?", "?", 414, "URI Too Long", "uri_too_long", "the URI is longer than 4096 bytes");
		return;
	}
	if (!request_line(c->head, method, uri, version) ||
	    (strcmp(version, "HTTP/1.1") != 0 && strcmp(version, "HTTP/1.0") != 0)) {
		conn_refuse(c, "?", "?", 400, "Bad Request", "bad_request",
		    "malformed request line: expected METHOD PATH HTTP/1.1");
		return;
	}
	/* The path as logged: up to the query, reporter ids masked like every phone number. */
	api_log_path(uri, path, sizeof path);
	if (!method_known(method)) {
		conn_refuse(c, "?", path, 405, "Method Not Allowed", "method_not_allowed",
		    "the API takes GET, POST, PUT, DELETE and HEAD");
		return;
	}
	if ((u = evhttp_uri_parse_with_flags(uri, EVHTTP_URI_NONCONFORMANT)) == NULL) {
		conn_refuse(c, method, path, 400, "Bad Request", "bad_request", "malformed URI");
		return;
	}
	evhttp_uri_free(u);
	if (!headers_well_formed(c->head)) {
		conn_refuse(c, method, path, 400, "Bad Request", "bad_request",
		    "malformed header line: expected \"Name: value\"");
		return;
	}
	if (head_header(c->head, "Expect", val, sizeof val) && strcasecmp(val, "100-continue") != 0) {
		conn_refuse(c, method, path, 417, "Expectation Failed", "expectation_failed",
		    "the only Expect the API knows is 100-continue");
		return;
	}
	if (head_header(c->head, "Transfer-Encoding", val, sizeof val)) {
		conn_refuse(c, method, path, 411, "Length Required", "length_required",
		    "send the body with Content-Length; chunked bodies are not accepted");
		return;
	}
	if (head_header(c->head, "Content-Length", val, sizeof val)) {
		char *end;
		len = strtoull(val, &end, 10);
		if (val[0] < '0' || val[0] > '9' || *end != '\0') {
			conn_refuse(c, method, path, 400, "Bad Request", "bad_request", "malformed Content-Length");
			return;
		}
	}
	if (len > API_BODY_MAX) {
		snprintf(msg, sizeof msg, "the body is %llu bytes; at most %u", len, API_BODY_MAX);
		conn_refuse(c, method, path, 413, "Payload Too Large", "too_large", msg);
		return;
	}
	if (len > 0) {
		/* Every route that takes a body needs the admin role: check before reading it. */
		if (head_header(c->head, "Authorization", val, sizeof val) && strncasecmp(val, "Bearer ", 7) == 0) {
			const char *t = val + 7 + strspn(val + 7, " ");
			tok = tokens_check(c->api->tokens, t, strlen(t));
		}
		if (tok == NULL) {
			conn_refuse(c, method, path, 401, "Unauthorized", "unauthorized",
			    "send Authorization: Bearer <token> (checked before the body is read)");
			return;
		}
		if (tok->role < API_ROLE_ADMIN) {
			snprintf(msg, sizeof msg, "a request with a body needs the admin role; %s has %s",
			    tok->name, api_role_name(tok->role));
			conn_refuse(c, method, path, 403, "Forbidden", "forbidden", msg);
			return;
		}
	}
	c->body_left = len;
	c->state = len > 0 ? SCAN_BODY : SCAN_HEAD;
	if (len == 0)
		evtimer_del(c->deadline);	/* whole: the reply is evhttp's to send */
}

/* Follows n new bytes: the heads and bodies of the requests, one after another. */
static void
conn_scan(struct api_conn *c, const char *p, size_t n)
{
	while (n > 0 && c->state != SCAN_DONE) {
		if (c->state == SCAN_BODY) {
			size_t take = c->body_left < n ? (size_t)c->body_left : n;
			c->body_left -= take;
			p += take;
			n -= take;
			if (c->body_left == 0) {
				c->state = SCAN_HEAD;
				evtimer_del(c->deadline);
			}
			continue;
		}
		/* Blank lines before a request line are skipped, as evhttp does. */
		if (c->headlen == 0 && (*p == '\r' || *p == '\n')) {
			p++;
			n--;
			continue;
		}
		if (c->headlen == 0 && !evtimer_pending(c->deadline, NULL))
			deadline_arm(c);
		if (c->headlen + 1 >= sizeof c->head) {
			c->head[c->headlen] = '\0';
			conn_refuse(c, "?", "?", 431, "Request Header Fields Too Large", "headers_too_large",
			    "the request line and headers are longer than 16384 bytes");
			return;
		}
		c->head[c->headlen++] = *p++;
		n--;
		size_t h = c->headlen;
		if ((h >= 2 && memcmp(c->head + h - 2, "\n\n", 2) == 0) ||
		    (h >= 4 && memcmp(c->head + h - 4, "\r\n\r\n", 4) == 0)) {
			c->head[h] = '\0';
			c->headlen = 0;
			conn_head(c);
		}
	}
}

/* The input buffer's callback: runs on every read, before evhttp parses what was read. */
static void
conn_input_cb(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
	struct api_conn *c = arg;
	struct evbuffer_ptr pos;
	char chunk[4096];
	size_t len = evbuffer_get_length(in), left = info->n_added;

	if (left == 0 || left > len)
		return;
	if (c->state == SCAN_DONE) {
		evbuffer_drain(in, len);	/* refused: what follows is read and dropped */
		return;
	}
	if (!conn_attach(c))
		return;		/* evhttp has let the connection go */
	if (evbuffer_ptr_set(in, &pos, len - left, EVBUFFER_PTR_SET) != 0)
		return;
	while (left > 0) {
		ev_ssize_t got = evbuffer_copyout_from(in, &pos, chunk, left < sizeof chunk ? left : sizeof chunk);
		if (got <= 0)
			break;
		evbuffer_ptr_set(in, &pos, (size_t)got, EVBUFFER_PTR_ADD);
		left -= (size_t)got;
		conn_scan(c, chunk, (size_t)got);
	}
}

/* evhttp's bufferevent callback: a bufferevent of ours for every accepted connection. */
static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct api *a = arg;
	struct api_conn *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->api = a;
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	c->attach = evtimer_new(base, conn_attach_cb, c);
	c->deadline = evtimer_new(base, conn_deadline_cb, c);
	if (c->bev == NULL || c->attach == NULL || c->deadline == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		event_free(c->attach);
		event_free(c->deadline);
		free(c);
		return NULL;
	}
	bufferevent_incref(c->bev);
	if (a->group != NULL)
		bufferevent_add_to_rate_limit_group(c->bev, a->group);
	evbuffer_add_cb(bufferevent_get_input(c->bev), conn_input_cb, c);
	if ((int64_t)a->conns_open >= a->cfg.max_conns) {
		c->over_cap = true;
		if (a->conns_refused++ % 100 == 0)
			log_warnx("api: %lld connections open: a new one is closed at once "
			    "(api-connections; %llu so far)", (long long)a->cfg.max_conns,
			    (unsigned long long)a->conns_refused);
	}
	TAILQ_INSERT_TAIL((struct api_conns *)a->conns, c, entry);
	a->conns_open++;
	deadline_arm(c);
	event_active(c->attach, EV_TIMEOUT, 0);
	return c->bev;
}

/*
 * The sweep: a conn whose bufferevent evhttp has freed without telling us
 * (its callbacks are gone) is released here, which closes the socket.
 */
static void
conns_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct api *a = arg;
	struct api_conn *c, *next;

	for (c = TAILQ_FIRST((struct api_conns *)a->conns); c != NULL; c = next) {
		bufferevent_event_cb ecb = NULL;

		next = TAILQ_NEXT(c, entry);
		bufferevent_getcb(c->bev, NULL, NULL, &ecb, NULL);
		if (ecb == NULL) {
			bufferevent_disable(c->bev, EV_READ | EV_WRITE);
			conn_free(c);
		}
	}
}

bool
api_conns_init(struct api *a)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = SWEEP_MS * 1000 };
	struct timeval tick = { .tv_sec = 0, .tv_usec = TICK_MS * 1000 };
	struct api_conns *list = calloc(1, sizeof *list);

	if (list == NULL)
		return false;
	TAILQ_INIT(list);
	a->conns = list;
	if ((a->bucket = ev_token_bucket_cfg_new(RATE, RATE, RATE, RATE, &tick)) == NULL ||
	    (a->group = bufferevent_rate_limit_group_new(a->base, a->bucket)) == NULL)
		return false;
	if ((a->sweep = event_new(a->base, -1, EV_PERSIST, conns_sweep, a)) == NULL)
		return false;
	evtimer_add(a->sweep, &tv);
	evhttp_set_bevcb(a->http, conn_new, a);
	return true;
}

void
api_conns_free(struct api *a)
{
	struct api_conns *list = a->conns;

	if (a->sweep != NULL)
		event_free(a->sweep);
	a->sweep = NULL;
	if (list != NULL) {
		/* evhttp_free has closed every connection; what is left evhttp let go without a close. */
		while (!TAILQ_EMPTY(list))
			conn_free(TAILQ_FIRST(list));
		free(list);
		a->conns = NULL;
	}
	if (a->group != NULL)
		bufferevent_rate_limit_group_free(a->group);
	if (a->bucket != NULL)
		ev_token_bucket_cfg_free(a->bucket);
	a->group = NULL;
	a->bucket = NULL;
}

/*
 * Stops reading from every API connection for about ms (the rate-limit
 * group's read bucket is driven below zero; it refills RATE a tick).
 * Requests already read are still answered; nothing is dropped.
 */
void
api_conns_pause(struct api *a, int64_t ms)
{
	ev_ssize_t want = -(ev_ssize_t)RATE * (ev_ssize_t)((ms + TICK_MS - 1) / TICK_MS);
	ev_ssize_t now;

	if (a->group == NULL)
		return;
	now = bufferevent_rate_limit_group_get_read_limit(a->group);
	if (now > want)
		bufferevent_rate_limit_group_decrement_read(a->group, now - want);
}

void
api_conns_metrics(const struct api *a, struct evbuffer *out)
{
	evbuffer_add_printf(out, "# HELP cunbaod_api_connections Admin API connections open.\n"
	    "# TYPE cunbaod_api_connections gauge\n"
	    "cunbaod_api_connections %llu\n"
	    "# HELP cunbaod_api_connections_refused_total Connections closed at once: api-connections were open.\n"
	    "# TYPE cunbaod_api_connections_refused_total counter\n"
	    "cunbaod_api_connections_refused_total %llu\n"
	    "# HELP cunbaod_api_connections_timed_out_total Connections closed: no whole request within api-request-timeout.\n"
	    "# TYPE cunbaod_api_connections_timed_out_total counter\n"
	    "cunbaod_api_connections_timed_out_total %llu\n"
	    "# HELP cunbaod_api_busy_total Requests answered 503 because the API had used its share of the event loop.\n"
	    "# TYPE cunbaod_api_busy_total counter\n"
	    "cunbaod_api_busy_total %llu\n",
	    (unsigned long long)a->conns_open, (unsigned long long)a->conns_refused,
	    (unsigned long long)a->conns_timed_out, (unsigned long long)a->busy);
}
