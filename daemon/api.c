/*
 * api.c — the admin HTTP API's server: the listener, the route table, the
 * checks every request passes (URI length, route, method, bearer token,
 * role, known parameters, the API's share of the event loop) and the one
 * place a reply is sent and logged.  What happens before evhttp sees a
 * request (the connection cap, the request deadline, the head checked
 * before the body) is in api_conn.c; the resources live in
 * api_<resource>.c, one handler per route.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api_int.h"
#include "jsonw.h"
#include "log.h"
#include "remind.h"
#include "store_query.h"
#include "utf8.h"

/*
 * A route: a method and a path (exact, or a prefix ending in '/' whose rest
 * names one resource), the role it needs and the query parameters it takes.
 */
struct route {
	const char *method;
	const char *path;
	bool prefix;
	enum api_role role;
	const char *params;	/* space-separated names; unknown ones are a 400 */
	void (*fn)(struct api_req *r);
};

#define LIST_PARAMS "area kind period since limit cursor"

static const struct route routes[] = {
	{ "GET", "/healthz", false, API_ROLE_NONE, "", api_get_healthz },
	{ "GET", "/metrics", false, API_ROLE_READ, "", api_get_metrics },
	{ "GET", "/v1/rollups", false, API_ROLE_READ, "area kind period limit cursor", api_get_rollups },
	{ "GET", "/v1/reports", false, API_ROLE_READ, LIST_PARAMS " reporter status", api_get_reports },
	{ "GET", "/v1/completeness", false, API_ROLE_READ, "area kind period", api_get_completeness },
	{ "GET", "/v1/children", false, API_ROLE_READ, "", api_get_children },
	{ "GET", "/v1/journal", false, API_ROLE_READ, LIST_PARAMS " sender status", api_get_journal },
	{ "GET", "/v1/export.csv", false, API_ROLE_READ, "area kind period layout lang", api_get_export },
	{ "GET", "/v1/export.xlsx", false, API_ROLE_READ, "area kind period layout lang", api_get_export_xlsx },
	{ "GET", "/v1/areas", false, API_ROLE_READ, "area limit cursor", api_get_areas },
	{ "GET", "/v1/areas/", true, API_ROLE_READ, "", api_get_areas },
	{ "POST", "/v1/areas", false, API_ROLE_ADMIN, "", api_post_areas },
	{ "POST", "/v1/areas/import", false, API_ROLE_ADMIN, "", api_post_areas_import },
	{ "PUT", "/v1/areas/", true, API_ROLE_ADMIN, "", api_put_area },
	{ "DELETE", "/v1/areas/", true, API_ROLE_ADMIN, "", api_delete_area },
	{ "GET", "/v1/reporters", false, API_ROLE_READ, "area role limit cursor", api_get_reporters },
	{ "GET", "/v1/reporters/", true, API_ROLE_READ, "", api_get_reporters },
	{ "POST", "/v1/reporters", false, API_ROLE_ADMIN, "", api_post_reporters },
	{ "POST", "/v1/reporters/import", false, API_ROLE_ADMIN, "", api_post_reporters_import },
	{ "PUT", "/v1/reporters/", true, API_ROLE_ADMIN, "", api_put_reporter },
	{ "DELETE", "/v1/reporters/", true, API_ROLE_ADMIN, "", api_delete_reporter },
	{ "GET", "/v1/changes", false, API_ROLE_READ, "since limit cursor", api_get_changes },
	{ "POST", "/v1/reminders", false, API_ROLE_ADMIN, "", api_post_reminders },
	{ "GET", "/v1/kinds", false, API_ROLE_READ, "", api_get_kinds },
	{ "GET", "/v1/reminders", false, API_ROLE_READ, LIST_PARAMS, api_get_reminders },
	{ "GET", "/v1/reminders/due", false, API_ROLE_READ, "", api_get_reminders_due },
};

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 304, "Not Modified" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
	{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 409, "Conflict" }, { 411, "Length Required" }, { 413, "Payload Too Large" },
	{ 414, "URI Too Long" }, { 417, "Expectation Failed" }, { 431, "Request Header Fields Too Large" },
	{ 415, "Unsupported Media Type" }, { 500, "Internal Server Error" },
	{ 503, "Service Unavailable" },
};

static const struct {
	enum evhttp_cmd_type cmd;
	const char *name;
} methods[] = {
	{ EVHTTP_REQ_GET, "GET" }, { EVHTTP_REQ_POST, "POST" }, { EVHTTP_REQ_PUT, "PUT" },
	{ EVHTTP_REQ_DELETE, "DELETE" }, { EVHTTP_REQ_HEAD, "HEAD" },
};

int64_t
api_now(void)
{
	return (int64_t)time(NULL);
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const struct catalog *
api_catalog(const struct api *a)
{
	return a->hooks.catalog ? a->hooks.catalog(a->hooks.arg) : NULL;
}

int32_t
api_utc_offset(const struct api *a, int64_t t)
{
	return a->hooks.utc_offset ? a->hooks.utc_offset(a->hooks.arg, t) : 0;
}

void
api_time_format(const struct api *a, int64_t t, char *buf, size_t buflen)
{
	int32_t off = api_utc_offset(a, t);
	time_t local = (time_t)(t + off);
	struct tm tm;
	char tail[16];

	gmtime_r(&local, &tm);
	if (off == 0)
		snprintf(tail, sizeof tail, "Z");
	else
		snprintf(tail, sizeof tail, "%c%02d:%02d", off < 0 ? '-' : '+',
		    abs(off) / 3600, abs(off) % 3600 / 60);
	snprintf(buf, buflen, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tail);
}

static const char *
reason_of(int status)
{
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}

void
api_reply(struct api_req *r, int status, const char *content_type, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);

	if (r->answered) {
		log_warnx("api: %s %s: a second reply (%d) suppressed", r->method, r->log_path, status);
		return;
	}
	r->answered = true;
	if (content_type != NULL)
		evhttp_add_header(h, "Content-Type", content_type);
	if (evhttp_find_header(h, "Cache-Control") == NULL)	/* the dashboard's files set their own */
		evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (status == 401)
		evhttp_add_header(h, "WWW-Authenticate", "Bearer realm=\"cunbao\"");
	if (status == 503)
		evhttp_add_header(h, "Retry-After", "1");
	if (r->metrics && status == 200 && body != NULL)
		api_conns_metrics(r->api, body);
	evhttp_send_reply(r->req, status, reason_of(status), body);
	r->api->requests[status / 100 % 6]++;
	/* The path only: a query string may carry names and numbers, never needed in logs. */
	/*
	 * One line per request: an error's code; a 5xx's message too, at
	 * warning level (a 4xx's message may quote what the client sent).
	 */
	long long ms = (now_us() - r->start_us + 500) / 1000;
	if (status >= 500)
		log_warnx("api: %s %s %d %s %lldms%s%s: %s", r->method, r->log_path, status,
		    r->err_code ? r->err_code : "-", ms, r->who ? " by " : "", r->who ? r->who->name : "",
		    r->err_msg ? r->err_msg : "");
	else
		log_info("api: %s %s %d%s%s %lldms%s%s", r->method, r->log_path, status,
		    r->err_code ? " " : "", r->err_code ? r->err_code : "", ms,
		    r->who ? " by " : "", r->who ? r->who->name : "");
}

void
api_reply_json(struct api_req *r, int status, struct evbuffer *body)
{
	api_reply(r, status, "application/json; charset=utf-8", body);
}

/*
 * Copies s into out (outlen bytes with the NUL) with every byte that is not
 * part of well-formed UTF-8 replaced by U+FFFD: a message may quote what a
 * client sent, and a JSON body (or a log line) must stay valid UTF-8.
 */
static void
text_clean(const char *s, char *out, size_t outlen)
{
	size_t len = strlen(s), i = 0, o = 0;

	while (i < len) {
		size_t at = i;
		int32_t cp = utf8_next(s, len, &i);
		const char *src = cp < 0 ? "\xEF\xBF\xBD" : s + at;
		size_t n = cp < 0 ? 3 : i - at;

		if (o + n + 1 > outlen)
			break;
		memcpy(out + o, src, n);
		o += n;
	}
	out[o] = '\0';
}

size_t
api_error_body(char *buf, size_t size, const char *code, const char *msg)
{
	struct jsonw w;
	size_t n;

	jsonw_init(&w, buf, size);
	jsonw_obj(&w);
	jsonw_key(&w, "error");
	jsonw_obj(&w);
	jsonw_key(&w, "code");
	jsonw_str(&w, code);
	jsonw_key(&w, "message");
	jsonw_str(&w, msg);
	jsonw_end(&w);
	jsonw_end(&w);
	if ((n = jsonw_finish(&w)) == 0)	/* too long a message: the code alone */
		n = (size_t)snprintf(buf, size, "{\"error\":{\"code\":\"%s\"}}", code);
	return n;
}

void
api_error(struct api_req *r, int status, const char *code, const char *fmt, ...)
{
	char raw[512], msg[3 * sizeof raw], json[2048];
	va_list ap;
	struct evbuffer *b = evbuffer_new();

	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	text_clean(raw, msg, sizeof msg);
	size_t n = api_error_body(json, sizeof json, code, msg);
	if (b != NULL) {
		evbuffer_add(b, json, n);
		evbuffer_add(b, "\n", 1);
	}
	r->err_code = code;
	r->err_msg = msg;
	api_reply_json(r, status, b);
	r->err_msg = NULL;	/* msg is on this stack frame */
	evbuffer_free(b);
}

void
api_json_str(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	if (s != NULL)
		jsonw_str(w, s);
	else
		jsonw_raw(w, "null");
}

void
api_json_id(struct jsonw *w, const char *key, int64_t id)
{
	jsonw_key(w, key);
	if (id > 0)
		jsonw_int(w, id);
	else
		jsonw_raw(w, "null");
}

void
api_internal(struct api_req *r, const char *what)
{
	api_error(r, 500, "internal", "%s", what);
}

void
api_db_error(struct api_req *r)
{
	if (store_query_timed_out(r->api->sq))
		api_error(r, 503, "unavailable", "%s", store_query_error(r->api->sq));
	else
		api_internal(r, store_query_error(r->api->sq));
}

void
api_fail(struct api_req *r, const char *why)
{
	if (store_query_timed_out(r->api->sq))
		api_db_error(r);
	else
		api_internal(r, why);
}

const char *
api_param(const struct api_req *r, const char *name)
{
	return evhttp_find_header(&r->params, name);
}

char *
api_body(struct api_req *r, size_t max, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	size_t n = evbuffer_get_length(in);

	if (n == 0) {
		api_error(r, 400, "bad_request", "the request has no body");
		return NULL;
	}
	if (n > max) {
		api_error(r, 413, "too_large", "the body is %zu bytes; at most %zu", n, max);
		return NULL;
	}
	/* One byte more for the NUL; the input buffer is ours until the reply. */
	if (evbuffer_add(in, "", 1) != 0) {
		api_internal(r, "out of memory");
		return NULL;
	}
	*len = n;
	return (char *)evbuffer_pullup(in, -1);
}

/*
 * Finds the route for method and path.  *path_known tells whether any
 * route has this path (so a wrong method is a 405, not a 404); *allow
 * collects the methods it has.
 */
static const struct route *
route_find(const char *method, const char *path, const char **rest, bool *path_known,
    char *allow, size_t allowlen)
{
	const struct route *found = NULL;

	*path_known = false;
	allow[0] = '\0';
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const struct route *rt = &routes[i];
		size_t n = strlen(rt->path);
		bool match = rt->prefix ? strncmp(path, rt->path, n) == 0 && path[n] != '\0'
		    : strcmp(path, rt->path) == 0;

		if (!match)
			continue;
		*path_known = true;
		if (strstr(allow, rt->method) == NULL && strlen(allow) + strlen(rt->method) + 3 < allowlen) {
			if (allow[0] != '\0')
				strcat(allow, ", ");
			strcat(allow, rt->method);
		}
		if (found == NULL && strcmp(rt->method, method) == 0) {
			found = rt;
			*rest = rt->prefix ? path + n : "";
		}
	}
	return found;
}

/*
 * Checks the bearer token against the route's role.  Answers 401 (no or
 * unknown token) or 403 (role too weak) and returns false when it fails.
 */
static bool
api_auth(struct api_req *r, const struct route *rt)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Authorization");
	const struct api_token *tok;

	if (rt->role == API_ROLE_NONE)
		return true;
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		api_error(r, 401, "unauthorized", "send Authorization: Bearer <token>");
		return false;
	}
	h += 7;
	h += strspn(h, " ");
	tok = tokens_check(r->api->tokens, h, strlen(h));
	if (tok == NULL) {
		api_error(r, 401, "unauthorized", "unknown token");
		return false;
	}
	r->who = tok;
	if (tok->role < rt->role) {
		api_error(r, 403, "forbidden", "%s needs the %s role; %s has %s", r->path,
		    api_role_name(rt->role), tok->name, api_role_name(tok->role));
		return false;
	}
	return true;
}

/* True if name is one of the space-separated words of list. */
static bool
word_in(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/*
 * Parses the query string into r->params and checks every name is one the
 * route takes, given once.  Answers 400 and returns false otherwise.
 */
static bool
api_parse_query(struct api_req *r, const struct route *rt, const char *query)
{
	if (query == NULL || *query == '\0')
		return true;
	if (!api_query_parse(r, query))
		return false;
	for (struct evkeyval *kv = r->params.tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		if (!word_in(rt->params, kv->key)) {
			api_error(r, 400, "bad_parameter", "unknown parameter \"%.64s\"%s%s", kv->key,
			    rt->params[0] ? "; this resource takes: " : "", rt->params);
			return false;
		}
		for (struct evkeyval *o = r->params.tqh_first; o != kv; o = o->next.tqe_next)
			if (strcmp(o->key, kv->key) == 0) {
				api_error(r, 400, "bad_parameter", "parameter \"%s\" given twice", kv->key);
				return false;
			}
	}
	return true;
}

/*
 * Sets the path as logs show it: a reporter id in it is masked like every
 * phone number in cunbaod's logs.
 */
void
api_log_path(const char *uri, char *out, size_t outlen)
{
	static const char prefix[] = "/v1/reporters/";
	char path[API_PATH_MAX], masked[API_PATH_MAX];
	size_t n = strcspn(uri, "?");
	const char *id = path + sizeof prefix - 1;

	if (n >= sizeof path)
		n = sizeof path - 1;
	/* Only printable ASCII reaches the log: the rest of a path is not ours to echo. */
	for (size_t i = 0; i < n; i++)
		path[i] = uri[i] > ' ' && uri[i] < 0x7f ? uri[i] : '?';
	path[n] = '\0';
	if (strncmp(path, prefix, sizeof prefix - 1) != 0 || strcmp(id, "import") == 0) {
		snprintf(out, outlen, "%s", path);
		return;
	}
	log_mask(id, masked, sizeof masked);
	snprintf(out, outlen, "%s%.64s", prefix, masked);
}

static void
log_path_set(struct api_req *r)
{
	api_log_path(r->path, r->log_path, sizeof r->log_path);
}

/*
 * Decodes the request line's path into r->path.  Answers 400/414 and
 * returns false on a URI that is too long, malformed, or has a NUL.
 */
static bool
api_parse_uri(struct api_req *r, const char **query)
{
	const char *uri = evhttp_request_get_uri(r->req);
	struct evhttp_uri *u;
	size_t n;
	char *dec;

	snprintf(r->path, sizeof r->path, "?");
	snprintf(r->log_path, sizeof r->log_path, "?");
	if (uri == NULL || strlen(uri) > API_URI_MAX) {
		api_error(r, 414, "uri_too_long", "the URI is longer than %d bytes", API_URI_MAX);
		return false;
	}
	if ((u = evhttp_uri_parse(uri)) == NULL || evhttp_uri_get_path(u) == NULL) {
		evhttp_uri_free(u);
		api_error(r, 400, "bad_request", "malformed URI");
		return false;
	}
	dec = evhttp_uridecode(evhttp_uri_get_path(u), 0, &n);
	if (dec == NULL || n != strlen(dec) || n >= sizeof r->path) {
		free(dec);
		evhttp_uri_free(u);
		api_error(r, 400, "bad_request", "malformed path");
		return false;
	}
	memcpy(r->path, dec, n + 1);
	free(dec);
	log_path_set(r);
	/* The query stays in the URI string, which outlives this request's handling. */
	*query = strchr(uri, '?') ? strchr(uri, '?') + 1 : NULL;
	evhttp_uri_free(u);
	return true;
}

/*
 * The API's share of the event loop, as a leaky bucket: every handler's
 * time is added to a debt that drains at api-loop-share percent of the
 * wall-clock time.  While the debt is over a fifth of one query's budget, a request
 * is answered 503 at once instead of running: however hard clients press,
 * the API holds the loop that share of the time on average (plus one query),
 * and ingest keeps the rest.
 */
static bool
loop_busy(struct api *a, int64_t now)
{
	if (a->loop_at_us != 0)
		a->loop_debt_us -= (now - a->loop_at_us) * a->cfg.loop_share / 100;
	if (a->loop_debt_us < 0)
		a->loop_debt_us = 0;
	a->loop_at_us = now;
	/* A burst of a fifth of one query's budget: quick queries in a row never wait. */
	return a->cfg.loop_share < 100 && a->loop_debt_us > a->cfg.query_ms * 1000 / 5;
}

/*
 * Adds the time a request held the loop (a refusal's too) to the API's
 * debt; over the burst, the connections stop being read until it drains,
 * so that even cheap requests in a flood cannot take the loop.
 */
static void
loop_spent(struct api *a, int64_t since)
{
	int64_t burst = a->cfg.query_ms * 1000 / 5;

	a->loop_debt_us += now_us() - since;
	if (a->cfg.loop_share < 100 && a->loop_debt_us > burst)
		api_conns_pause(a, (a->loop_debt_us - burst) / 10 / a->cfg.loop_share);
}

/* evhttp's callback for every request: checks, then the route's handler. */
static void
api_dispatch(struct evhttp_request *req, void *arg)
{
	struct api_req r = { .api = arg, .req = req, .method = "?", .start_us = now_us() };
	const struct route *rt;
	const char *query = NULL;
	char allow[64];
	bool known, busy;

	TAILQ_INIT(&r.params);
	busy = loop_busy(r.api, r.start_us);
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (methods[i].cmd == evhttp_request_get_command(req))
			r.method = methods[i].name;
	if (!api_parse_uri(&r, &query))
		goto out;
	rt = route_find(r.method, r.path, &r.rest, &known, allow, sizeof allow);
	if (rt == NULL && known) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
		api_error(&r, 405, "method_not_allowed", "%s %s: use %s", r.method, r.path, allow);
	} else if (rt == NULL) {
		if (!api_static(&r))	/* the dashboard's files need no token */
			api_error(&r, 404, "not_found", "no resource %.200s", r.log_path);
	} else if (api_auth(&r, rt) && api_parse_query(&r, rt, query)) {
		bool cheap = rt->fn == api_get_healthz || rt->fn == api_get_metrics;
		if (!cheap && busy) {
			r.api->busy++;
			api_error(&r, 503, "busy", "the API has used its share of cunbaod's time "
			    "(api-loop-share %lld%%): retry in a second, or narrow the query",
			    (long long)r.api->cfg.loop_share);
			goto out;
		}
		r.metrics = rt->fn == api_get_metrics;
		rt->fn(&r);
		if (!r.answered)
			api_internal(&r, "the handler sent no reply");
	}
out:
	loop_spent(r.api, r.start_us);
	evhttp_clear_headers(&r.params);
}

/* Splits "HOST:PORT" ("[v6]:PORT") into host and port; false if malformed. */
static bool
listen_split(const char *addr, char *host, size_t hostlen, unsigned *port)
{
	const char *colon = strrchr(addr, ':');
	const char *hs = addr, *he = colon;
	char *end;
	unsigned long p;

	if (colon == NULL)
		return false;
	if (*hs == '[') {
		hs++;
		if (he <= hs || he[-1] != ']')
			return false;
		he--;
	}
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || p == 0 || p > 65535 || he == hs || (size_t)(he - hs) >= hostlen)
		return false;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	*port = (unsigned)p;
	return true;
}

/* Creates the evhttp server and binds it; false with err set. */
static bool
api_listen(struct api *a, char *err, size_t errlen)
{
	char host[256];
	unsigned port;

	if (!listen_split(a->cfg.listen, host, sizeof host, &port)) {
		snprintf(err, errlen, "listen %s: expected HOST:PORT", a->cfg.listen);
		return false;
	}
	if ((a->http = evhttp_new(a->base)) == NULL) {
		snprintf(err, errlen, "listen %s: evhttp_new failed", a->cfg.listen);
		return false;
	}
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
	/*
	 * api_conn.c refuses, with the JSON error, heads and bodies over our
	 * limits before evhttp parses them; evhttp's own limits (and HTML
	 * pages) are a backstop above them that is never reached.
	 */
	evhttp_set_max_headers_size(a->http, 2 * API_HEADERS_MAX);
	evhttp_set_max_body_size(a->http, 2 * (ev_ssize_t)API_BODY_MAX);
	evhttp_set_timeout(a->http, API_TIMEOUT_S);
	evhttp_set_gencb(a->http, api_dispatch, a);
	if (!api_conns_init(a)) {
		snprintf(err, errlen, "listen %s: out of memory", a->cfg.listen);
		return false;
	}
	if (evhttp_bind_socket_with_handle(a->http, host, (ev_uint16_t)port) == NULL) {
		snprintf(err, errlen, "listen %s: cannot bind: %s", a->cfg.listen, strerror(errno));
		evhttp_free(a->http);
		a->http = NULL;
		return false;
	}
	log_info("api: listening on http://%s", a->cfg.listen);
	return true;
}

bool
api_config_check(const struct api_config *cfg, char *err, size_t errlen)
{
	struct api_tokens *t = NULL;
	char host[256];
	unsigned port;
	size_t off;

	err[0] = '\0';
	if (strcmp(cfg->listen, "off") == 0)
		return true;
	if (!listen_split(cfg->listen, host, sizeof host, &port))
		snprintf(err, errlen, "listen %s: expected HOST:PORT\n", cfg->listen);
	off = strlen(err);
	if (cfg->tokens[0] != '\0' && (t = tokens_load(cfg->tokens, err + off, errlen - off)) == NULL) {
		off = strlen(err);
		snprintf(err + off, errlen - off, "\n");
	}
	tokens_free(t);
	return err[0] == '\0';
}

/* Loads the tokens at start: none configured is allowed (every request but /healthz refused). */
static bool
api_tokens_start(struct api *a, char *err, size_t errlen)
{
	if (a->cfg.tokens[0] == '\0') {
		log_warnx("api: no tokens file: every request but /healthz will be refused");
		a->tokens = calloc(1, sizeof *a->tokens);
		return a->tokens != NULL;
	}
	a->tokens = tokens_load(a->cfg.tokens, err, errlen);
	if (a->tokens != NULL)
		log_info("api: %zu token(s) from %s", a->tokens->n, a->cfg.tokens);
	return a->tokens != NULL;
}

struct api *
api_new(struct event_base *base, const struct api_config *cfg, const struct api_hooks *hooks,
    char *err, size_t errlen)
{
	struct api *a = calloc(1, sizeof *a);

	if (a == NULL) {
		snprintf(err, errlen, "api: out of memory");
		return NULL;
	}
	a->base = base;
	a->cfg = *cfg;
	a->hooks = *hooks;
	if ((a->sq = store_query_open(cfg->db, err, errlen)) == NULL)
		goto fail;
	store_query_set_timeout(a->sq, cfg->query_ms);
	if (a->cfg.loop_share <= 0)
		a->cfg.loop_share = 100;
	if (a->cfg.max_conns <= 0)
		a->cfg.max_conns = 64;
	if (a->cfg.request_timeout_ms <= 0)
		a->cfg.request_timeout_ms = 10000;
	/* Reminders go out whether or not anyone may ask the API. */
	if ((a->remind = remind_new(a, cfg->remind_interval_ms)) == NULL) {
		snprintf(err, errlen, "api: cannot start the reminder timer");
		goto fail;
	}
	if (strcmp(cfg->listen, "off") == 0) {
		log_info("api: listen off: no admin API");
		return a;
	}
	if (!api_tokens_start(a, err, errlen))
		goto fail;
	if (!api_listen(a, err, errlen)) {
		if (!cfg->listen_default)
			goto fail;
		/* Nobody asked for this port: run without the API rather than not at all. */
		log_warnx("api: %s; running without the admin API", err);
		err[0] = '\0';
		return a;
	}
	api_static_start(a);
	return a;
fail:
	api_free(a);
	return NULL;
}

bool
api_reload_tokens(struct api *a, const char *file, char *err, size_t errlen)
{
	struct api_tokens *t;

	if (a == NULL)
		return true;
	remind_forget(a->remind);	/* the catalog may have new deadlines too */
	if (file[0] == '\0')
		return true;
	if ((t = tokens_load(file, err, errlen)) == NULL)
		return false;
	tokens_free(a->tokens);
	a->tokens = t;
	snprintf(a->cfg.tokens, sizeof a->cfg.tokens, "%s", file);
	log_info("api: %zu token(s) from %s", t->n, file);
	return true;
}

void
api_free(struct api *a)
{
	if (a == NULL)
		return;
	remind_free(a->remind);
	if (a->http != NULL)
		evhttp_free(a->http);
	api_conns_free(a);
	store_query_close(a->sq);
	tokens_free(a->tokens);
	free(a);
}
