/*
 * test_trust_api.c — the admin API against a hostile client, with a real
 * cunbaod and mosquitto: query parameters with a NUL or bytes that are not
 * UTF-8 are refused naming the parameter; every refusal is the JSON error of
 * docs/api.md (a body too large too) and is logged; a body is refused
 * before it is read unless the head carries an admin token; a request that
 * trickles in is cut at api-request-timeout; connections beyond
 * api-connections are closed at once and counted in /metrics; and,
 * measured, ingest keeps at least half its rate while 500 idle connections
 * sit on the API and a client hammers a slow query.
 *
 * Deadlines, not expectations, except in the measurement, which prints
 * its figures.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>

#include "test_api.h"
#include "utf8.h"

/* Starts the village's cunbaod with its API and more arguments (NULL-terminated pairs). */
static void
trust_start(struct api *a, const char *const *more)
{
	api_start_more(a, NULL, "0", NULL, more);
}

/* A TCP connection to the API, or -1. */
static int
api_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Waits up to ms for fd to be closed by the server (EOF or reset); true if it was. */
static bool
closed_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];

	for (;;) {
		int rc = poll(&p, 1, ms);
		if (rc <= 0)
			return false;
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			return true;
	}
}

/*
 * Sends only a request's head (its body announced, never sent) and reads
 * the answer with a deadline of ms: what a server that checks before the
 * body says at once, and one that waits for the body never does.
 */
static bool
head_only(int port, const char *head, int ms, struct resp *r)
{
	int fd = api_connect(port);
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };
	size_t len;

	memset(r, 0, sizeof *r);
	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	cr_assert_eq(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
	char *raw = api_read_all(fd, &len);
	close(fd);
	char *sep = strstr(raw, "\r\n\r\n");
	if (sep == NULL || sscanf(raw, "HTTP/1.%*d %d", &r->status) != 1) {
		free(raw);
		return false;
	}
	snprintf(r->headers, sizeof r->headers, "%.*s", (int)(sep - raw), raw);
	r->body = strdup(sep + 4);
	r->len = strlen(r->body);
	free(raw);
	return true;
}

/* Asserts r is the JSON error code with a message containing want, valid UTF-8 throughout. */
static void
expect_json_error(const struct resp *r, int status, const char *code, const char *want)
{
	cJSON *j = cJSON_Parse(r->body);
	const cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "message");

	cr_expect_eq(r->status, status, "%d %s", r->status, r->body);
	cr_expect(strstr(r->headers, "application/json") != NULL, "not JSON: %s\n%s", r->headers, r->body);
	cr_expect(utf8_valid(r->body, r->len), "the body is not UTF-8: %s", r->body);
	cr_assert(cJSON_IsString(m), "no JSON error: %s", r->body);
	cr_expect_str_eq(err_code(j), code, "%s", r->body);
	if (want != NULL)
		cr_expect(strstr(m->valuestring, want) != NULL, "\"%s\" lacks \"%s\"", m->valuestring, want);
	cJSON_Delete(j);
}

/* The value of a counter line "name value" in /metrics, -1 if absent. */
static long long
metric(struct api *a, const char *name)
{
	struct resp r = http_get(a->port, "/metrics", TOKEN_READ);
	char needle[128];
	const char *p;
	long long v = -1;

	snprintf(needle, sizeof needle, "\n%s ", name);
	if (r.status == 200 && (p = strstr(r.body, needle)) != NULL)
		v = atoll(p + strlen(needle));
	resp_free(&r);
	return v;
}

/* (16.5, 16.6) A NUL or bytes that are not UTF-8 in a parameter: 400 naming it, never echoed. */
Test(trust_api, params_nul_and_utf8)
{
	struct api a = { 0 };
	struct resp r;

	trust_start(&a, NULL);
	api_feed_village(&a);
	r = http_get(a.port, "/v1/reports?area=xinzhuang%00/hexi", TOKEN_READ);
	expect_json_error(&r, 400, "bad_parameter", "\"area\"");
	cr_expect(strstr(r.body, "NUL") != NULL, "%s", r.body);
	resp_free(&r);
	r = http_get(a.port, "/v1/rollups?area=%FF%FE", TOKEN_READ);
	expect_json_error(&r, 400, "bad_parameter", "\"area\"");
	cr_expect(strstr(r.body, "UTF-8") != NULL, "%s", r.body);
	resp_free(&r);
	r = http_get(a.port, "/v1/reports?kind=%C3%28", TOKEN_READ);
	expect_json_error(&r, 400, "bad_parameter", "\"kind\"");
	resp_free(&r);
	/* A name that is not UTF-8 is refused without echoing it. */
	r = http_get(a.port, "/v1/reports?%FFarea=x", TOKEN_READ);
	expect_json_error(&r, 400, "bad_parameter", "name");
	resp_free(&r);
	r = http_get(a.port, "/v1/reports?=x", TOKEN_READ);
	expect_json_error(&r, 400, "bad_parameter", "without a name");
	resp_free(&r);
	r = http_get(a.port, "/v1/reports?%00=x", TOKEN_READ);
	expect_json_error(&r, 400, "bad_parameter", "NUL");
	resp_free(&r);
	/* The plain subtree still answers. */
	r = http_get(a.port, "/v1/reports?area=xinzhuang/hexi", TOKEN_READ);
	cr_expect_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	api_stop(&a);
}

/* (16.6, 10.15) A body too large: the JSON 413 at once, before the body, and logged. */
Test(trust_api, body_too_large_json_before_the_body)
{
	struct api a = { 0 };
	struct resp r;
	char head[512];

	trust_start(&a, NULL);
	snprintf(head, sizeof head, "POST /v1/areas/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
	    TOKEN_ADMIN "\r\nContent-Type: text/csv\r\nContent-Length: 50000000\r\n\r\n");
	cr_assert(head_only(a.port, head, 5000, &r), "no answer before the body");
	expect_json_error(&r, 413, "too_large", "50000000");
	resp_free(&r);
	cr_expect(h_wait_log(a.cbd.proc, "/v1/areas/import 413", CBD_WAIT), "the 413 is not logged");
	/* Just over the limit, sent whole: the same JSON 413. */
	size_t big = (1u << 20) + 10;
	char *body = malloc(big + 1);
	memset(body, 'a', big);
	body[big] = '\0';
	r = http_req(a.port, "POST", "/v1/areas/import", TOKEN_ADMIN, "text/csv", body);
	expect_json_error(&r, 413, "too_large", NULL);
	resp_free(&r);
	free(body);
	api_stop(&a);
}

/* (10.15) The token is checked before the body is read: no token, a read token. */
Test(trust_api, token_before_the_body)
{
	struct api a = { 0 };
	struct resp r;

	trust_start(&a, NULL);
	cr_assert(head_only(a.port, "POST /v1/areas HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	    "Content-Length: 900000\r\n\r\n", 5000, &r), "no answer before the body");
	expect_json_error(&r, 401, "unauthorized", "before the body");
	resp_free(&r);
	cr_assert(head_only(a.port, "POST /v1/areas HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
	    TOKEN_READ "\r\nContent-Length: 900000\r\n\r\n", 5000, &r), "no answer before the body");
	expect_json_error(&r, 403, "forbidden", "admin");
	resp_free(&r);
	cr_assert(head_only(a.port, "POST /v1/areas HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
	    TOKEN_ADMIN "\r\nTransfer-Encoding: chunked\r\n\r\n", 5000, &r), "no answer to chunked");
	expect_json_error(&r, 411, "length_required", "Content-Length");
	resp_free(&r);
	/* A good request with a body still works. */
	r = http_req(a.port, "POST", "/v1/areas", TOKEN_ADMIN, "application/json",
	    "{\"path\":\"xinzhuang/hexi/g09\",\"name\":\"九组\",\"level\":\"group\"}");
	cr_expect(r.status == 201 || r.status == 200 || r.status == 400, "%d %s", r.status, r.body);
	cr_expect(r.status != 401, "%s", r.body);
	resp_free(&r);
	api_stop(&a);
}

/* (16.6) What libevent would answer with its HTML page is the JSON error too. */
Test(trust_api, malformed_requests_json)
{
	static const struct {
		const char *req;
		int status;
		const char *code;
	} cases[] = {
		{ "PATCH /v1/areas HTTP/1.1\r\nHost: x\r\n\r\n", 405, "method_not_allowed" },
		{ "GET /v1/rollups HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400, "bad_request" },
		{ "GET /v1/rollups HTTP/9.9\r\nHost: x\r\n\r\n", 400, "bad_request" },
		{ "GET\r\n\r\n", 400, "bad_request" },
		{ "POST /v1/areas HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " TOKEN_ADMIN "\r\n"
		  "Expect: 200-ok\r\nContent-Length: 5\r\n\r\n", 417, "expectation_failed" },
	};
	struct api a = { 0 };
	struct resp r;

	trust_start(&a, NULL);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert(head_only(a.port, cases[i].req, 5000, &r), "no answer to %s", cases[i].req);
		expect_json_error(&r, cases[i].status, cases[i].code, NULL);
		resp_free(&r);
	}
	/* A head over 16 KiB. */
	char *big = malloc(20000);
	int n = snprintf(big, 20000, "GET /v1/rollups HTTP/1.1\r\nX-Big: ");
	memset(big + n, 'a', 18000);
	memcpy(big + n + 18000, "\r\n\r\n", 5);
	cr_assert(head_only(a.port, big, 5000, &r));
	expect_json_error(&r, 431, "headers_too_large", NULL);
	resp_free(&r);
	free(big);
	api_stop(&a);
}

/*
 * (16.7) A request trickled a byte a second is cut at api-request-timeout
 * (the default, 10 s); evhttp's idle timeout (30 s) alone never cuts it.
 */
Test(trust_api, trickling_request_cut)
{
	static const char *const more[] = { NULL };
	static const char req[] = "GET /v1/rollups HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a\r\n";
	struct api a = { 0 };
	struct timespec t0, t1;
	bool closed = false;

	trust_start(&a, more);
	int fd = api_connect(a.port);
	cr_assert_geq(fd, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < sizeof req - 1 && !closed; i++) {
		if (send(fd, req + i, 1, MSG_NOSIGNAL) != 1) {
			closed = true;
			break;
		}
		closed = closed_within(fd, 1000);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	close(fd);
	cr_expect(closed, "a connection trickling a byte a second is still open after %.1f s", s);
	cr_expect_lt(s, 20.0, "cut only after %.1f s", s);
	printf("trickling client cut after %.1f s (api-request-timeout 10s)\n", s);
	cr_expect_geq(metric(&a, "cunbaod_api_connections_timed_out_total"), 1);
	/* An idle connection that never sends is cut too, and the API still answers. */
	fd = api_connect(a.port);
	cr_expect(closed_within(fd, 20000), "an idle connection is not cut");
	close(fd);
	struct resp r = http_get(a.port, "/v1/rollups", TOKEN_READ);
	cr_expect_eq(r.status, 200);
	resp_free(&r);
	api_stop(&a);
}

/* (10.15) Beyond api-connections (64 by default) a connection is closed at once, and counted. */
Test(trust_api, connections_capped)
{
	enum { CAP = 64, N = 80 };
	struct api a = { 0 };
	int fds[N], cut = 0;

	trust_start(&a, NULL);
	for (int i = 0; i < N; i++) {
		fds[i] = api_connect(a.port);
		cr_assert_geq(fds[i], 0);
		usleep(5000);	/* accepted in order */
	}
	for (int i = 0; i < N; i++)
		cut += closed_within(fds[i], i < CAP ? 100 : 3000);
	cr_expect_eq(cut, N - CAP, "%d of %d connections closed at once; want the %d beyond %d", cut, N,
	    N - CAP, CAP);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	/* Once they are gone, the API answers again and counts what it refused. */
	long long refused = -1;
	for (int i = 0; i < 50 && refused < N - CAP; i++) {
		refused = metric(&a, "cunbaod_api_connections_refused_total");
		usleep(100000);
	}
	cr_expect_geq(refused, N - CAP, "refused %lld", refused);
	api_stop(&a);
}

/* Fills the journal with n rows of other senders: a sender nobody is then makes a scan of them all. */
static void
journal_fill(struct api *a, int n)
{
	char sql[512], *err = NULL;
	sqlite3 *db = NULL;

	snprintf(sql, sizeof sql, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	    "WHERE i < %d) INSERT INTO journal(msg_id, source, channel, sender, topic, payload, "
	    "received_at, status) SELECT 'filler:' || i, 'filler', 'sms', '+86137' || i, 'x', 'x', "
	    "1701700000 + i, 'accepted' FROM n", n);
	cr_assert_eq(sqlite3_open(a->cbd.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK, "%s", err);
	sqlite3_close(db);
}

/* (10.15) One query holds the loop at most api-query-timeout: then 503, naming the limit. */
Test(trust_api, query_stopped_at_its_budget)
{
	static const char *const more[] = { "--api-query-timeout", "10ms", NULL };
	struct api a = { 0 };
	struct resp r;

	trust_start(&a, more);
	journal_fill(&a, 300000);
	r = http_get(a.port, "/v1/journal?sender=%2B8613999999999", TOKEN_READ);
	expect_json_error(&r, 503, "unavailable", "api-query-timeout");
	cr_expect(strstr(r.body, "10 ms") != NULL, "%s", r.body);
	resp_free(&r);
	api_stop(&a);
}

/* ---- the measurement ---- */

struct hammer {
	int port, fd;
	volatile bool stop, paused;	/* paused: the connection is kept, nothing asked */
	int ok, busy, other, none;
};

/*
 * Reads one answer from a keep-alive connection: its status, or 0 when the
 * connection closed or sent something that is not an HTTP answer.
 */
static int
keepalive_answer(int fd)
{
	char buf[1 << 16];
	size_t n = 0;
	char *sep = NULL;
	int status = 0;

	while (sep == NULL) {
		ssize_t got = recv(fd, buf + n, sizeof buf - 1 - n, 0);
		if (got <= 0)
			return 0;
		n += (size_t)got;
		buf[n] = '\0';
		sep = strstr(buf, "\r\n\r\n");
	}
	const char *cl = strcasestr(buf, "Content-Length:");
	size_t body = cl ? (size_t)atol(cl + 15) : 0, have = n - (size_t)(sep + 4 - buf);
	while (have < body) {
		ssize_t got = recv(fd, buf, sizeof buf, 0);
		if (got <= 0)
			return 0;
		have += (size_t)got;
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return 0;
	return status;
}

/*
 * Asks a query that scans the whole journal, again and again on one
 * keep-alive connection (opened before the idle ones take the rest), until
 * told to stop.
 */
static void *
hammer_run(void *arg)
{
	struct hammer *h = arg;
	static const char req[] = "GET /v1/journal?sender=%2B8613999999999&status=rejected HTTP/1.1\r\n"
	    "Host: x\r\nAuthorization: Bearer " TOKEN_READ "\r\n\r\n";
	struct timeval tv = { .tv_sec = 30 };
	int fd = h->fd;

	while (!h->stop) {
		if (h->paused) {
			usleep(5000);
			continue;
		}
		if (fd < 0 && (fd = api_connect(h->port)) < 0) {
			h->none++;
			usleep(10000);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		int status = send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)sizeof req - 1 ?
		    keepalive_answer(fd) : 0;
		if (status == 200)
			h->ok++;
		else if (status == 503)
			h->busy++;
		else if (status != 0)
			h->other++;
		if (status == 0) {
			h->none++;
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Publishes n SMS reports and waits for every receipt; returns reports per second (0: some missing). */
static double
report_stream(struct api *a, const char *tag, int n)
{
	struct timespec t0, t1;
	char id[64];
	size_t before = h_mqtt_count(a->cbd.mq, CBD_ROOT "/receipt/test");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%s:%d", tag, i);
		cr_assert(cbd_sms_at(&a->cbd, id, "+8613800000003", "牲畜 牛12 猪40 羊5", DEC5));
	}
	size_t got = 0;
	for (int waited = 0; waited < 120000; waited += 5) {
		got = h_mqtt_count(a->cbd.mq, CBD_ROOT "/receipt/test") - before;
		if (got >= (size_t)n)
			break;
		usleep(5000);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%s: %zu of %d receipts in %.2f s: %.0f reports/s\n", tag, got, n, s, (double)n / s);
	cr_expect_eq(got, (size_t)n, "%s: %zu of %d reports got their receipt", tag, got, n);
	return got == (size_t)n ? (double)n / s : 0;
}

/*
 * 500 idle connections and 4 clients hammering (keep-alive, back to back) a
 * query that scans a journal of 10^6 rows: a concurrent stream of reports keeps at least half its
 * unloaded rate, and every report gets its receipt.
 */
Test(trust_api, ingest_flows_under_api_abuse, .timeout = 300)
{
	enum { IDLE = 500, REPORTS = 4000, HAMMERS = 4, ROUNDS = 3 };
	struct api a = { 0 };
	struct hammer hs[HAMMERS] = { 0 };
	pthread_t t[HAMMERS];
	static int idle[IDLE];
	double t_unloaded = 0, t_loaded = 0;
	char tag[32];

	trust_start(&a, NULL);
	journal_fill(&a, 2000000);
	for (int i = 0; i < HAMMERS; i++) {
		hs[i].port = a.port;
		hs[i].paused = true;
		hs[i].fd = api_connect(a.port);
		cr_assert_eq(pthread_create(&t[i], NULL, hammer_run, &hs[i]), 0);
	}
	/*
	 * The machine is shared, so its load drifts: unloaded and loaded
	 * streams alternate, and the rates compare their sums.
	 */
	for (int round = 0; round < ROUNDS; round++) {
		snprintf(tag, sizeof tag, "unloaded-%d", round + 1);
		double r = report_stream(&a, tag, REPORTS);
		cr_assert_gt(r, 0);
		t_unloaded += REPORTS / r;
		for (int i = 0; i < IDLE; i++)
			idle[i] = api_connect(a.port);
		for (int i = 0; i < HAMMERS; i++)
			hs[i].paused = false;
		usleep(300000);
		snprintf(tag, sizeof tag, "loaded-%d", round + 1);
		r = report_stream(&a, tag, REPORTS);
		cr_assert_gt(r, 0);
		t_loaded += REPORTS / r;
		for (int i = 0; i < HAMMERS; i++)
			hs[i].paused = true;
		for (int i = 0; i < IDLE; i++)
			if (idle[i] >= 0)
				close(idle[i]);
	}
	struct hammer h = { 0 };
	for (int i = 0; i < HAMMERS; i++) {
		hs[i].stop = true;
		pthread_join(t[i], NULL);
		h.ok += hs[i].ok;
		h.busy += hs[i].busy;
		h.other += hs[i].other;
		h.none += hs[i].none;
	}
	double unloaded = ROUNDS * REPORTS / t_unloaded, loaded = ROUNDS * REPORTS / t_loaded;
	printf("hammer: %d answered 200, %d answered 503, %d other, %d connections without an answer\n",
	    h.ok, h.busy, h.other, h.none);
	printf("ingest under API abuse: %.0f of %.0f reports/s unloaded (%.0f%%)\n", loaded, unloaded,
	    100 * loaded / unloaded);
	cr_expect_geq(loaded, unloaded / 2, "ingest fell to %.0f reports/s from %.0f", loaded, unloaded);
	cr_expect_gt(h.ok + h.busy + h.other, 0, "the hammer never got an answer");
	api_stop(&a);
}
