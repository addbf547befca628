/*
 * test_api.h — what the admin API tests (test_api*.c, test_cunbaoctl_admin*.c)
 * share: cunbaod with its API on a free port and a token file, a small
 * HTTP/1.1 client over loopback, and the example village's month of
 * livestock reports (schema/examples/: cattle 61, pigs 398, sheep 118; group
 * 4 does not report), dated 2023-12-05 so the period is fixed.
 *
 * Builds on test_cunbaod.h (the broker, cunbaod, receipts, the database).
 * Deadlines, never expectations: nothing here asserts how fast.
 */
#ifndef TEST_API_H
#define TEST_API_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "test_cunbaod.h"

#define TOKEN_READ  "read-0123456789abcdef"
#define TOKEN_ADMIN "admin-0123456789abcdef"
#define DEC5 "2023-12-05T08:30:00+08:00"

struct api {
	struct cbd cbd;
	int port;
	char tokens[256];
	char listen[64];
	char url[64];
	char interval[32];
};

/* The reply of one request. */
struct resp {
	int status;
	char headers[4096];
	char *body;		/* malloc'd, NUL-terminated */
	size_t len;
};

static inline void
resp_free(struct resp *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}

/* Reads to EOF from fd into a malloc'd buffer. */
static inline char *
api_read_all(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	ssize_t got;

	while ((got = recv(fd, buf + n, cap - n, 0)) > 0) {
		n += (size_t)got;
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * Sends raw request bytes to 127.0.0.1:port and parses the answer into *r
 * (Content-Length bodies; cunbaod sends no chunked replies).  False when no
 * HTTP answer came.
 */
static inline bool
http_raw(int port, const char *req, size_t reqlen, struct resp *r)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 30 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t len, off = 0;
	char *raw, *sep;

	memset(r, 0, sizeof *r);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (off < reqlen) {
		ssize_t n = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;	/* the server may answer (413) before reading everything */
		off += (size_t)n;
	}
	raw = api_read_all(fd, &len);
	close(fd);
	sep = strstr(raw, "\r\n\r\n");
	if (sep == NULL || sscanf(raw, "HTTP/1.%*d %d", &r->status) != 1) {
		free(raw);
		return false;
	}
	snprintf(r->headers, sizeof r->headers, "%.*s", (int)(sep - raw), raw);
	r->len = len - (size_t)(sep + 4 - raw);
	r->body = malloc(r->len + 1);
	memcpy(r->body, sep + 4, r->len);
	r->body[r->len] = '\0';
	free(raw);
	return true;
}

/* One request with an optional token and body; asserts an HTTP answer came. */
static inline struct resp
http_req(int port, const char *method, const char *path, const char *token,
    const char *ctype, const char *body)
{
	size_t blen = body ? strlen(body) : 0;
	size_t cap = blen + strlen(path) + 1024;
	char *req = malloc(cap);
	struct resp r;
	int n;

	n = snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	    "%s%s%s%s%s%sContent-Length: %zu\r\n\r\n", method, path,
	    token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "",
	    ctype ? "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "", blen);
	if (body != NULL)
		memcpy(req + n, body, blen);
	cr_assert(http_raw(port, req, (size_t)n + blen, &r), "no HTTP answer to %s %s", method, path);
	free(req);
	return r;
}

static inline struct resp
http_get(int port, const char *path, const char *token)
{
	return http_req(port, "GET", path, token, NULL, NULL);
}

/* GET that must answer 200 with JSON; returns the parsed body (cJSON_Delete it). */
static inline cJSON *
get_json(struct api *a, const char *path)
{
	struct resp r = http_get(a->port, path, TOKEN_READ);
	cJSON *j;

	cr_assert_eq(r.status, 200, "GET %s: %d %s", path, r.status, r.body);
	j = cJSON_Parse(r.body);
	cr_assert_not_null(j, "GET %s: not JSON: %s", path, r.body);
	resp_free(&r);
	return j;
}

/* The "code" of a JSON error body, "" if there is none. */
static inline const char *
err_code(const cJSON *j)
{
	const cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "code");

	return cJSON_IsString(c) ? c->valuestring : "";
}

/* Asserts a request is answered with status and a JSON error whose message contains want (NULL: any). */
static inline void
expect_error(struct api *a, const char *method, const char *path, const char *token,
    const char *body, int status, const char *want)
{
	struct resp r = http_req(a->port, method, path, token, NULL, body);
	cJSON *j = cJSON_Parse(r.body);
	const cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "message");

	cr_expect_eq(r.status, status, "%s %s: %d %s", method, path, r.status, r.body);
	cr_expect(cJSON_IsString(m), "%s %s: no JSON error: %s", method, path, r.body);
	if (want != NULL && cJSON_IsString(m))
		cr_expect(strstr(m->valuestring, want) != NULL, "%s %s: \"%s\" lacks \"%s\"",
		    method, path, m->valuestring, want);
	cJSON_Delete(j);
	resp_free(&r);
}

/* Writes the token file (mode 0600 unless mode says otherwise). */
static inline void
api_tokens_write(const char *path, mode_t mode)
{
	cr_assert(h_write_file(path, "# who may ask cunbaod\n"
	    TOKEN_READ " read viewer\n"
	    TOKEN_ADMIN " admin chief\n"));
	cr_assert_eq(chmod(path, mode), 0);
}

/*
 * Starts a broker and cunbaod with the example village and its API on a
 * free port (tz NULL: the default; remind_ms "0": no automatic reminders;
 * catalog NULL: the shipped one), then more arguments (NULL-terminated,
 * may be NULL).
 */
static inline void
api_start_more(struct api *a, const char *tz, const char *remind_ms, const char *catalog,
    const char *const *more)
{
	int n = 0;

	a->port = h_free_port();
	snprintf(a->listen, sizeof a->listen, "127.0.0.1:%d", a->port);
	snprintf(a->url, sizeof a->url, "http://127.0.0.1:%d", a->port);
	snprintf(a->tokens, sizeof a->tokens, "%s", h_path("tokens"));
	snprintf(a->interval, sizeof a->interval, "%s", remind_ms ? remind_ms : "0");
	api_tokens_write(a->tokens, 0600);
	a->cbd.extra[n++] = "--listen";
	a->cbd.extra[n++] = a->listen;
	a->cbd.extra[n++] = "--tokens";
	a->cbd.extra[n++] = a->tokens;
	a->cbd.extra[n++] = "--remind-interval";
	a->cbd.extra[n++] = a->interval;
	if (tz != NULL) {
		a->cbd.extra[n++] = "--tz";
		a->cbd.extra[n++] = tz;
	}
	if (catalog != NULL) {
		/* A later --catalog wins over the one test_cunbaod.h passes. */
		a->cbd.extra[n++] = "--catalog";
		a->cbd.extra[n++] = catalog;
	}
	for (size_t i = 0; more != NULL && more[i] != NULL && n < 15; i++)
		a->cbd.extra[n++] = more[i];
	a->cbd.extra[n] = NULL;
	cbd_start(&a->cbd);
	cr_assert(h_wait_port(a->port, CBD_WAIT), "the API does not listen on %d", a->port);
}

static inline void
api_start_with(struct api *a, const char *tz, const char *remind_ms, const char *catalog)
{
	api_start_more(a, tz, remind_ms, catalog, NULL);
}

static inline void
api_start(struct api *a)
{
	api_start_with(a, NULL, "0", NULL);
}

/* Stops cunbaod (it must exit 0: under ASan a leak or an error fails here) and the broker. */
static inline void
api_stop(struct api *a)
{
	if (a->cbd.proc != NULL) {
		char log[512];
		snprintf(log, sizeof log, "%s", a->cbd.proc->log);
		int rc = cbd_term(&a->cbd);
		if (rc != 0) {
			char *text = h_read_file(log, NULL);
			fprintf(stderr, "%s\n", text ? text : "");
			free(text);
		}
		cr_expect_eq(rc, 0, "cunbaod exited %d", rc);
	}
	cbd_stop(&a->cbd);
}

/*
 * Backdates the roster: every area and reporter as if in cunbao since
 * 2023-01-01, before the periods the tests date their messages in (a
 * period that ended before a group or leader came into cunbao is never
 * chased: schema/sql/015_roster_since.sql).
 */
static inline void
api_roster_backdate(struct api *a)
{
	sqlite3 *h = NULL;
	char *err = NULL;

	cr_assert_eq(sqlite3_open_v2(a->cbd.db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	cr_assert_eq(sqlite3_exec(h, "UPDATE areas SET since = 1672531200; UPDATE reporters SET since = 1672531200",
	    NULL, NULL, &err), SQLITE_OK, "%s", err ? err : "");
	sqlite3_close(h);
}

/* Sends a dated SMS and asserts the receipt's status. */
static inline void
api_sms(struct api *a, const char *id, const char *from, const char *text, const char *status)
{
	cJSON *r;

	cr_assert(cbd_sms_at(&a->cbd, id, from, text, DEC5));
	r = cbd_receipt(&a->cbd, id);
	cr_assert_not_null(r, "no receipt for %s \"%s\"", id, text);
	cr_assert_str_eq(rc_str(r, "status"), status, "%s \"%s\": %s", id, text, rc_str(r, "text"));
	cJSON_Delete(r);
}

/*
 * The example village's December: seven groups report livestock (group 4
 * does not), group 2 corrects its report, group 3 sends a field that does
 * not exist, group 1 reports a road.  Village totals: cattle 61, pigs 398,
 * sheep 118.
 */
static inline void
api_feed_village(struct api *a)
{
	static const struct {
		const char *from, *text, *status;
	} msgs[] = {
		{ "+8613800000001", "牲畜 牛10 猪50 羊15", "accepted" },
		{ "+8613800000002", "牲畜 牛8 猪61 羊20", "accepted" },
		{ "+8613800000003", "牲畜 牛12 猪40 羊5", "accepted" },
		{ "+8613800000005", "牲畜 牛9 猪70 羊30", "accepted" },
		{ "+8613800000006", "牲畜 牛7 猪58 羊18", "accepted" },
		{ "+8613800000007", "牲畜 牛9 猪60 羊20", "accepted" },
		{ "+8613800000008", "LS cattle 6 pigs 60 sheep 10", "accepted" },
		{ "+8613800000002", "更正 牲畜 牛8 猪60 羊20", "accepted" },
		{ "+8613800000003", "牲畜 鸡3", "rejected" },
		{ "+8613800000001", "道路 硬化1020米", "accepted" },
	};
	char id[32];

	for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
		snprintf(id, sizeof id, "v:%zu", i);
		api_sms(a, id, msgs[i].from, msgs[i].text, msgs[i].status);
	}
}

#endif
