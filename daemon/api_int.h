/*
 * api_int.h — what the files of the admin API (daemon/api*.c) share: the
 * server, one request in hand, tokens, replies, parameters and filters.
 * Not for the rest of the daemon, which sees only api.h.
 */
#ifndef CUNBAOD_API_INT_H
#define CUNBAOD_API_INT_H

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "catalog.h"
#include "cunbao.h"

#define API_URI_MAX      4096		/* bytes of a request line's URI */
#define API_HEADERS_MAX  16384		/* bytes of all request headers */
#define API_BODY_MAX     (1u << 20)	/* bytes of a request body (CSV import) */
#define API_LIMIT_DEFAULT 100
#define API_LIMIT_MAX    1000
#define API_TIMEOUT_S    30
#define API_TOKEN_MIN    16		/* bytes of a token */
#define API_TOKEN_MAX    128
#define API_NAME_MAX     64		/* bytes of a token's name */
#define API_CURSOR_MAX   256		/* bytes of a decoded cursor */
#define API_ITEM_MAX     65536		/* bytes of one JSON item in a list */

struct store_query;
struct remind;

enum api_role { API_ROLE_NONE = 0, API_ROLE_READ = 1, API_ROLE_ADMIN = 2 };

struct api_token {
	char secret[API_TOKEN_MAX + 1];	/* NUL-padded to the full size for constant-time comparison */
	size_t len;
	enum api_role role;
	char name[API_NAME_MAX + 1];	/* who, in logs and the roster journal; never the secret */
};

struct api_tokens {
	size_t n;
	struct api_token *v;	/* owned */
};

struct api {
	struct event_base *base;
	struct evhttp *http;
	struct api_config cfg;
	struct api_hooks hooks;
	struct api_tokens *tokens;
	struct store_query *sq;
	struct remind *remind;
	uint64_t requests[6];		/* answered, by status class (1xx..5xx) */
	uint64_t reminders_sent;
	void *conns;			/* struct api_conns (api_conn.c) */
	struct ev_token_bucket_cfg *bucket;
	struct bufferevent_rate_limit_group *group;	/* every connection: paused together */
	struct event *sweep;
	uint64_t conns_open, conns_refused, conns_timed_out;
	/* The loop's time the API has used beyond its share (a leaky bucket, api.c). */
	int64_t loop_debt_us, loop_at_us;
	uint64_t busy;			/* requests answered 503 for it */
};

/* One request in hand, from dispatch to its one reply. */
struct api_req {
	struct api *api;
	struct evhttp_request *req;
	const char *method;
	char path[API_PATH_MAX];	/* decoded path, without the query */
	char log_path[API_PATH_MAX];	/* the path as logged: reporter ids masked */
	const char *rest;		/* after a prefix route ("/v1/areas/<rest>"), "" if none */
	struct evkeyvalq params;	/* decoded query parameters */
	const struct api_token *who;	/* NULL for /healthz */
	int64_t start_us;
	bool answered;
	bool metrics;			/* GET /metrics: the connection counters are added to its body */
	const char *err_code;		/* api_error's code and message, for the request's log line */
	const char *err_msg;
};

/* --- api_token.c --- */

/*
 * Loads a token file: "<token> <role> [name]" lines, '#' comments.  Refuses
 * a file readable or writable by group or others, tokens shorter than
 * API_TOKEN_MIN or longer than API_TOKEN_MAX, unknown roles and duplicates.
 * Returns the tokens (free with tokens_free) or NULL with every problem in err.
 * The messages name the file, the line and the role, never a token.
 */
struct api_tokens *tokens_load(const char *file, char *err, size_t errlen);
void tokens_free(struct api_tokens *t);

/*
 * Finds the token equal to presented[0..len) comparing every token in
 * constant time (the time depends on the number of tokens, not on their
 * contents).  Returns it, or NULL.
 */
const struct api_token *tokens_check(const struct api_tokens *t, const char *presented, size_t len);

/* "read", "admin" */
const char *api_role_name(enum api_role role);

/* --- api_conn.c: connections before evhttp sees a request --- */

/* Hooks the connection cap, the request deadline and the head check into a->http; false on no memory. */
bool api_conns_init(struct api *a);
/* Frees what evhttp_free left of the connections. */
void api_conns_free(struct api *a);
/* Stops reading requests for about ms: the API has used its share of the loop. */
void api_conns_pause(struct api *a, int64_t ms);
/* Appends the connection counters to out (Prometheus text). */
void api_conns_metrics(const struct api *a, struct evbuffer *out);

/* --- api.c: replies --- */

/* Writes the path of uri (up to '?') as logs show it, reporter ids masked, into out. */
void api_log_path(const char *uri, char *out, size_t outlen);

/* Sends the one reply of r: status, content type and body (drained; may be NULL); logs the request. */
void api_reply(struct api_req *r, int status, const char *content_type, struct evbuffer *body);
/* Sends body as application/json. */
void api_reply_json(struct api_req *r, int status, struct evbuffer *body);
/* Writes the documented error body {"error":{"code":…,"message":…}} into buf; its length. */
size_t api_error_body(char *buf, size_t size, const char *code, const char *msg);
/* Sends {"error":{"code":code,"message":...}} with status. */
void api_error(struct api_req *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sends a 500 saying what failed, and logs it. */
void api_internal(struct api_req *r, const char *what);
/* Answers the database's last failure: 503 for a query that ran too long, else 500. */
void api_db_error(struct api_req *r);
/* Answers a failure described by why: 503 if the database stopped a query that ran too long, else 500. */
void api_fail(struct api_req *r, const char *why);

/* The value of query parameter name, or NULL when absent. */
const char *api_param(const struct api_req *r, const char *name);

/*
 * The request body as contiguous text (NUL-terminated copy in a buffer
 * owned by r's request); *len its length.  NULL (after a 4xx reply) when it
 * is missing or over max bytes.
 */
char *api_body(struct api_req *r, size_t max, size_t *len);

/* The catalog in force. */
const struct catalog *api_catalog(const struct api *a);
/* Seconds east of UTC at t, from the daemon. */
int32_t api_utc_offset(const struct api *a, int64_t t);
/* Unix seconds now. */
int64_t api_now(void);
/* Writes t (unix seconds) as ISO 8601 with the daemon's offset: "2023-12-05T08:30:00+08:00". */
void api_time_format(const struct api *a, int64_t t, char *buf, size_t buflen);

/* --- api_static.c: the dashboard --- */

/*
 * Answers a GET or HEAD for one of the dashboard's files (web-dir) or its
 * settings (/dashboard/config.json), no token needed.  Returns false,
 * having answered nothing, when r is not such a request or names no file.
 */
bool api_static(struct api_req *r);
/* Logs where the dashboard is served from, or a warning when web-dir has no page. */
void api_static_start(const struct api *a);

/* --- api_param.c: filters --- */

/*
 * Decodes the query string into r->params.  A name or value whose decoded
 * bytes hold a NUL or are not valid UTF-8, or a part without '=', is a 400
 * naming the parameter (never echoing the bytes); returns false after it.
 */
bool api_query_parse(struct api_req *r, const char *query);

struct api_filter {
	char area[CB_AREA_MAX];		/* subtree; "" for everything */
	const struct kind *kind;	/* NULL for every kind */
	char period[CB_PERIOD_MAX];	/* canonical text; "" for every period */
	int64_t since;			/* unix seconds; INT64_MIN when not given */
	unsigned limit;
	char cursor[API_CURSOR_MAX];	/* decoded; "" from the start */
};

/*
 * Reads the common filters (area, kind, period, since, limit, cursor) that
 * are present among r's parameters into f.  On a bad value, answers 400
 * naming the parameter and returns false.
 */
bool api_filter_parse(struct api_req *r, struct api_filter *f);

/*
 * Parses an ISO 8601 instant: "2023-12-05" (local midnight at the daemon's
 * offset), "2023-12-05T08:30[:00[.123]]" (local), with "Z" or "+08:00" /
 * "+0800".  Returns false on anything else.
 */
bool api_parse_time(const struct api *a, const char *s, int64_t *out);

/*
 * A kind named by text: its code, its zh or en name or a keyword (牲畜, LS).
 * NULL after a 400 listing the catalog's kinds; the message names it as
 * name=text (a query parameter, bad_parameter) or "name": text (body,
 * bad_request).
 */
const struct kind *api_kind_param(struct api_req *r, const char *name, bool body, const char *text);

/*
 * An area named by text: its path, or its name as the roster spells it
 * (河西村; 河西村 三组, a group by its village).  Writes the path into out;
 * false after a 400 (a name of several areas: their paths; of none) or the
 * database's failure.  name and body as for api_kind_param.
 */
bool api_area_param(struct api_req *r, const char *name, bool body, const char *text, char *out,
    size_t outlen);

/* True if period text p is the canonical text of a period of kind k's type. */
bool api_period_valid(const struct kind *k, const char *p);

/* Encodes key as an opaque cursor (hex) into buf; "" if it does not fit. */
void api_cursor_encode(const char *key, char *buf, size_t buflen);

/*
 * Writes {"items":[...items...],"next":cursor|null} around what the caller
 * streams: api_list_begin, api_list_item for each item's JSON, api_list_end.
 */
struct api_list {
	struct evbuffer *out;
	size_t n;
};
void api_list_begin(struct api_list *l, struct evbuffer *out);
void api_list_item(struct api_list *l, const char *json, size_t len);
/* Ends the list; next is the last item's key when the page was full, else NULL. */
void api_list_end(struct api_list *l, const char *next_key);

/*
 * One page of a list resource, on a buffer of its own.  Queries ask for
 * limit + 1 rows: the extra one only tells that another page follows
 * (more).  last is the key of the page's last item: the next page's cursor.
 */
struct api_page {
	struct api_req *r;
	struct api_list list;
	unsigned limit;
	bool more;
	const char *failed;		/* why the page cannot be sent; NULL while it can */
	char last[API_CURSOR_MAX];
};

/* Starts a page of at most limit items; false after answering 500 (out of memory). */
bool api_page_begin(struct api_req *r, struct api_page *pg, unsigned limit);
/* True while the page has room; false (more set) once it is full: the row callback stops. */
bool api_page_room(struct api_page *pg);
/* Adds an encoded item with its key (n 0: it did not fit, the page fails); false to stop. */
bool api_page_add(struct api_page *pg, const char *json, size_t n, const char *key);
/*
 * Answers the page and frees its buffer: the query's failure when ok is
 * false, 500 (503 for a query stopped) with pg->failed, else 200 with the
 * items and the next cursor when there is more.
 */
void api_page_send(struct api_page *pg, bool ok);

/* Reads the cursor of a resource paged by number (the last id given) into *after; false after a 400. */
bool api_cursor_int(struct api_req *r, const struct api_filter *f, int64_t *after);

/* --- api.c: JSON members that may be absent --- */

struct jsonw;
/* Writes member key: the string s, or null when s is NULL. */
void api_json_str(struct jsonw *w, const char *key, const char *s);
/* Writes member key: the id, or null when it is 0 (none). */
void api_json_id(struct jsonw *w, const char *key, int64_t id);

/* --- the resources: one handler per route (api_<resource>.c) --- */

void api_get_healthz(struct api_req *r);
void api_get_metrics(struct api_req *r);
void api_get_rollups(struct api_req *r);
/* api_children.c: a federating cunbaod's children, and its rollups/completeness (true: answered). */
void api_get_children(struct api_req *r);
bool api_fed_answer(struct api_req *r, bool completeness);
void api_get_reports(struct api_req *r);
void api_get_completeness(struct api_req *r);
void api_get_journal(struct api_req *r);
void api_get_export(struct api_req *r);
void api_get_export_xlsx(struct api_req *r);
void api_get_areas(struct api_req *r);
void api_post_areas(struct api_req *r);
void api_put_area(struct api_req *r);
void api_delete_area(struct api_req *r);
void api_post_areas_import(struct api_req *r);
void api_get_reporters(struct api_req *r);
void api_post_reporters(struct api_req *r);
void api_put_reporter(struct api_req *r);
void api_delete_reporter(struct api_req *r);
void api_post_reporters_import(struct api_req *r);
void api_get_changes(struct api_req *r);
void api_post_reminders(struct api_req *r);
void api_get_kinds(struct api_req *r);
void api_get_reminders_due(struct api_req *r);
void api_get_reminders(struct api_req *r);

#endif
