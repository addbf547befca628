/*
 * test_bridge.h — what the bridge's integration tests share: starting the
 * world (mosquitto, cunbaod, Kannel's bearerbox and smsbox, cunbao-bridge)
 * on free loopback ports with configs generated from the shipped examples,
 * a blocking HTTP client for webhooks, a small HTTP server that plays a
 * gateway's reply URL, Kannel's sendsms or the Bot API and records every
 * request, and reading the bridge's /healthz and SQLite files.
 *
 * Every process goes through h_spawn, so the harness stops them all even
 * when a test fails.  Functions are static inline: each test file uses some.
 */
#ifndef CB_TEST_BRIDGE_H
#define CB_TEST_BRIDGE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define TB_LEADER3 "+8613800000003"
#define TB_SMS_FROM "10690001"		/* kannel-from of bridge/examples/cunbao-bridge.conf */
#define TB_KANNEL_KEY "change-me-kannel-get-url-key"	/* kannel-secret of the same file */

struct world {
	struct h_broker broker;
	struct h_proc *cunbaod, *bearerbox, *smsbox, *bridge;
	int admin_port, box_port, sendsms_port, smsc_port, bridge_port;
	char *bridge_flags[48];		/* extra --key value flags, NULL-terminated */
	char flag_text[48][160];		/* their text */
	int nflags;
};

static inline void
tb_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static inline long long
tb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Adds "--key value" to the bridge's command line (copied into the world). */
static inline void
tb_flag(struct world *w, const char *key, const char *value)
{
	snprintf(w->flag_text[w->nflags], sizeof w->flag_text[0], "--%s", key);
	w->bridge_flags[w->nflags] = w->flag_text[w->nflags];
	w->nflags++;
	snprintf(w->flag_text[w->nflags], sizeof w->flag_text[0], "%s", value);
	w->bridge_flags[w->nflags] = w->flag_text[w->nflags];
	w->nflags++;
	w->bridge_flags[w->nflags] = NULL;
}

/* Replaces every occurrence of from by to in a malloc'd string (freed); returns the new one. */
static inline char *
tb_subst(char *text, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	char *p, *out, *o;

	for (p = strstr(text, from); p; p = strstr(p + fl, from))
		n++;
	out = malloc(strlen(text) + n * (tl > fl ? tl - fl : 0) + 1);
	for (o = out, p = text; ; ) {
		char *hit = strstr(p, from);

		if (hit == NULL) {
			strcpy(o, p);
			break;
		}
		memcpy(o, p, (size_t)(hit - p));
		o += hit - p;
		memcpy(o, to, tl);
		o += tl;
		p = hit + fl;
	}
	free(text);
	return out;
}

static inline char *
tb_port_subst(char *text, int from, int to)
{
	char a[16], b[16];

	snprintf(a, sizeof a, "%d", from);
	snprintf(b, sizeof b, "%d", to);
	return tb_subst(text, a, b);
}

/* cunbaod with the example village, on w's broker; a restart keeps its database. */
static inline bool
tb_cunbaod(struct world *w)
{
	char broker[32], db[512];

	snprintf(broker, sizeof broker, "127.0.0.1:%d", w->broker.port);
	snprintf(db, sizeof db, "%s", h_path("cunbao.db"));
	char *argv[] = { (char *)h_bin("daemon/cunbaod"), "-d", "--broker", broker, "--db", db,
		"--catalog", (char *)h_src("schema/catalog.json"),
		"--areas", (char *)h_src("schema/examples/areas.csv"),
		"--reporters", (char *)h_src("schema/examples/reporters.csv"),
		"--listen", "off", "--reconnect-max", "1s", NULL };

	w->cunbaod = h_spawn("cunbaod", argv);
	return w->cunbaod != NULL && h_wait_log(w->cunbaod, "mqtt: connected", 15000);
}

/*
 * bearerbox and smsbox with bridge/examples/kannel.conf as shipped, except
 * for the ports (free ones), mo-recode (shipped true) and a 1 s delay between retries of a
 * failed get-url (5 s in the example).
 */
static inline bool
tb_kannel(struct world *w, bool mo_recode)
{
	char *conf = h_read_file(h_src("bridge/examples/kannel.conf"), NULL);
	char path[512];

	if (conf == NULL)
		return false;
	w->admin_port = h_free_port();
	w->box_port = h_free_port();
	w->sendsms_port = h_free_port();
	w->smsc_port = h_free_port();
	if (w->bridge_port == 0)
		w->bridge_port = h_free_port();
	conf = tb_port_subst(conf, 13000, w->admin_port);
	conf = tb_port_subst(conf, 13001, w->box_port);
	conf = tb_port_subst(conf, 13013, w->sendsms_port);
	conf = tb_port_subst(conf, 13015, w->smsc_port);
	conf = tb_port_subst(conf, 13080, w->bridge_port);
	conf = tb_subst(conf, "http-queue-delay = 5", "http-queue-delay = 1");
	if (!mo_recode)
		conf = tb_subst(conf, "mo-recode = true", "mo-recode = false");
	snprintf(path, sizeof path, "%s", h_path("kannel.conf"));
	bool ok = h_write_file(path, conf);
	free(conf);
	if (!ok)
		return false;
	char *bb[] = { "/usr/sbin/bearerbox", path, NULL };
	char *sb[] = { "/usr/sbin/smsbox", path, NULL };

	w->bearerbox = h_spawn("bearerbox", bb);
	if (w->bearerbox == NULL || !h_wait_port(w->admin_port, 15000) || !h_wait_port(w->box_port, 15000))
		return false;
	w->smsbox = h_spawn("smsbox", sb);
	return w->smsbox != NULL && h_wait_port(w->sendsms_port, 15000) &&
	    h_wait_log(w->smsbox, "Connected to bearerbox", 15000);
}

/*
 * cunbao-bridge with bridge/examples/cunbao-bridge.conf, pointed at w's
 * broker, Kannel and a spool in the scratch dir, plus w's extra flags; a
 * restart keeps the spool.  Waits until it listens and is connected.
 */
static inline bool
tb_bridge(struct world *w)
{
	char broker[32], listen[32], sendsms[128], spool[512];
	char *argv[80];
	int n = 0, i;

	if (w->bridge_port == 0)
		w->bridge_port = h_free_port();
	snprintf(broker, sizeof broker, "127.0.0.1:%d", w->broker.port);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", w->bridge_port);
	snprintf(sendsms, sizeof sendsms, "http://127.0.0.1:%d/cgi-bin/sendsms", w->sendsms_port);
	snprintf(spool, sizeof spool, "%s", h_path("bridge.db"));
	argv[n++] = (char *)h_bin("bridge/cunbao-bridge");
	argv[n++] = "-d";
	argv[n++] = "-v";
	argv[n++] = "-c";
	argv[n++] = (char *)h_src("bridge/examples/cunbao-bridge.conf");
	argv[n++] = "--broker";
	argv[n++] = broker;
	argv[n++] = "--listen";
	argv[n++] = listen;
	argv[n++] = "--spool";
	argv[n++] = spool;
	argv[n++] = "--kannel-sendsms";
	argv[n++] = sendsms;
	/* The harness's broker is anonymous: no bridge-1 login (test_deploy_debian has it). */
	argv[n++] = "--mqtt-user";
	argv[n++] = "";
	argv[n++] = "--mqtt-password-file";
	argv[n++] = "";
	for (i = 0; i < w->nflags && n < 78; i++)
		argv[n++] = w->bridge_flags[i];
	argv[n] = NULL;
	w->bridge = h_spawn("bridge", argv);
	return w->bridge != NULL && h_wait_port(w->bridge_port, 15000) &&
	    h_wait_log(w->bridge, "mqtt: connected", 15000);
}

/*
 * Stops the bridge with SIGTERM and checks it exits 0: a clean shutdown,
 * and under ASan+UBSan no leak or error report (those make the exit code
 * non-zero).
 */
static inline bool
tb_bridge_stop(struct world *w)
{
	int rc = h_stop(w->bridge, SIGTERM, 15000);

	if (rc != 0)
		h_dump_log(w->bridge);
	return rc == 0;
}

/* Plays a phone with tools/cunbao-sms; the reply's text (malloc'd, no newline) or NULL after wait_s. */
static inline char *
tb_sms_wait(const struct world *w, const char *from, const char *text, bool ucs2, int wait_s)
{
	char cmd[2048];
	int rc = -1;
	char *out;

	snprintf(cmd, sizeof cmd, "CUNBAO_SMSC_PORT=%d '%s' -t %d %s '%s' '%s' 2>>'%s'", w->smsc_port,
	    h_bin("tools/cunbao-sms/cunbao-sms"), wait_s, ucs2 ? "--ucs2" : "", from, text,
	    h_path("cunbao-sms.err"));
	out = h_run(cmd, &rc);
	if (out == NULL || rc != 0) {
		free(out);
		return NULL;
	}
	out[strcspn(out, "\n")] = '\0';
	return out;
}

static inline char *
tb_sms(const struct world *w, const char *from, const char *text, bool ucs2)
{
	return tb_sms_wait(w, from, text, ucs2, 30);
}

/* ------------------------------------------------------------------ HTTP client */

struct tb_resp {
	int status;
	char body[8192];
};

/*
 * Sends one request to 127.0.0.1:port and reads the answer (Connection:
 * close).  extra_headers are whole "Name: value\r\n" lines.  Returns false
 * when no answer came.
 */
static inline bool
tb_http(int port, const char *method, const char *target, const char *extra_headers,
    const char *body, size_t bodylen, struct tb_resp *r)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 20, 0 };
	static char buf[1 << 20];
	size_t have = 0;
	ssize_t k;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char head[4096];

	memset(r, 0, sizeof *r);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	int hl = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	    "Content-Length: %zu\r\n%s\r\n", method, target, bodylen, extra_headers ? extra_headers : "");
	if (hl < 0 || (size_t)hl >= sizeof head) {
		close(fd);	/* a head this long: send it with a socket of your own */
		return false;
	}
	if (write(fd, head, (size_t)hl) != hl || (bodylen > 0 && write(fd, body, bodylen) < 0)) {
		/* The server may close early (413): read what it says all the same. */
	}
	while (have < sizeof buf - 1 && (k = read(fd, buf + have, sizeof buf - 1 - have)) > 0)
		have += (size_t)k;
	close(fd);
	buf[have] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
		return false;
	char *b = strstr(buf, "\r\n\r\n");
	snprintf(r->body, sizeof r->body, "%s", b ? b + 4 : "");
	return true;
}

/* Reads one integer member of the bridge's /healthz; -1 if it cannot. */
static inline long
tb_health(const struct world *w, const char *key)
{
	struct tb_resp r;
	char pat[64];
	const char *p;

	if (!tb_http(w->bridge_port, "GET", "/healthz", NULL, "", 0, &r) || r.status != 200)
		return -1;
	snprintf(pat, sizeof pat, "\"%s\":", key);
	p = strstr(r.body, pat);
	return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* Waits until /healthz says key == want; true if it did within timeout_ms. */
static inline bool
tb_health_wait(const struct world *w, const char *key, long want, int timeout_ms)
{
	long long end = tb_now_ms() + timeout_ms;

	do {
		if (tb_health(w, key) == want)
			return true;
		tb_sleep_ms(50);
	} while (tb_now_ms() < end);
	return false;
}

/* One integer out of a SQLite file (first column of the first row); -1 on error. */
static inline long
tb_sql(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	long v = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(h, 5000) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* ------------------------------------------------------------------ HTTP endpoint */

#define TB_REQS_MAX 256

struct tb_req {
	char method[8];
	char target[1024];
	char headers[4096];	/* raw header lines */
	char body[8192];
};

/*
 * A gateway on 127.0.0.1:port in a thread: records every request and
 * answers statuses[i] to the i-th (the last one for the rest) with body.
 */
struct tb_endpoint {
	int port, fd;
	pthread_t thread;
	pthread_mutex_t mu;
	struct tb_req reqs[TB_REQS_MAX];
	int nreqs;
	int statuses[16], nstatuses;
	char answer[512];
	int delay_ms;		/* waits this long between reading a request and answering it */
	volatile int stop;
};

/* Reads one request (headers, then Content-Length bytes of body) from c into q. */
static inline bool
tb_endpoint_read(int c, struct tb_req *q)
{
	static char buf[65536];
	size_t have = 0, need = 0;
	char *end = NULL, *cl;
	ssize_t k;

	while (have < sizeof buf - 1 && (k = read(c, buf + have, sizeof buf - 1 - have)) > 0) {
		have += (size_t)k;
		buf[have] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			cl = strstr(buf, "\r\nContent-Length:");
			need = (size_t)(end + 4 - buf) + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (end != NULL && have >= need)
			break;
	}
	if (end == NULL)
		return false;
	*end = '\0';
	sscanf(buf, "%7s %1023s", q->method, q->target);
	snprintf(q->headers, sizeof q->headers, "%.4095s", buf);
	snprintf(q->body, sizeof q->body, "%.*s", (int)(have - (size_t)(end + 4 - buf)), end + 4);
	return true;
}

static inline void *
tb_endpoint_run(void *arg)
{
	struct tb_endpoint *e = arg;

	while (!e->stop) {
		int c = accept(e->fd, NULL, NULL);
		struct tb_req q;
		char out[1024];
		int status, n;

		if (c < 0)
			continue;
		memset(&q, 0, sizeof q);
		if (tb_endpoint_read(c, &q)) {
			pthread_mutex_lock(&e->mu);
			status = e->statuses[e->nreqs < e->nstatuses ? e->nreqs : e->nstatuses - 1];
			if (e->nreqs < TB_REQS_MAX)
				e->reqs[e->nreqs++] = q;
			pthread_mutex_unlock(&e->mu);
			if (e->delay_ms > 0)
				tb_sleep_ms(e->delay_ms);
			n = snprintf(out, sizeof out, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
			    "Connection: close\r\n\r\n%s", status, strlen(e->answer), e->answer);
			if (write(c, out, (size_t)n) != n) {
				/* The bridge gave up on us: it will retry. */
			}
		}
		close(c);
	}
	return NULL;
}

/* Starts an endpoint on port (0: a free one) answering the given statuses (0-terminated) with answer. */
static inline bool
tb_endpoint_start_on(struct tb_endpoint *e, int port, const int *statuses, const char *answer)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { 0, 100000 };
	int one = 1;

	memset(e, 0, sizeof *e);
	pthread_mutex_init(&e->mu, NULL);
	while (statuses[e->nstatuses] != 0 && e->nstatuses < 16)
		e->statuses[e->nstatuses] = statuses[e->nstatuses], e->nstatuses++;
	snprintf(e->answer, sizeof e->answer, "%s", answer);
	e->port = port ? port : h_free_port();
	a.sin_port = htons((uint16_t)e->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	e->fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(e->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(e->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);	/* accept wakes to see stop */
	if (bind(e->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(e->fd, 64) != 0)
		return false;
	return pthread_create(&e->thread, NULL, tb_endpoint_run, e) == 0;
}

static inline bool
tb_endpoint_start(struct tb_endpoint *e, const int *statuses, const char *answer)
{
	return tb_endpoint_start_on(e, 0, statuses, answer);
}

static inline void
tb_endpoint_stop(struct tb_endpoint *e)
{
	e->stop = 1;
	pthread_join(e->thread, NULL);
	close(e->fd);
	pthread_mutex_destroy(&e->mu);
}

static inline int
tb_endpoint_count(struct tb_endpoint *e)
{
	int n;

	pthread_mutex_lock(&e->mu);
	n = e->nreqs;
	pthread_mutex_unlock(&e->mu);
	return n;
}

/* Waits until the endpoint has seen at least n requests; true if it did. */
static inline bool
tb_endpoint_wait(struct tb_endpoint *e, int n, int timeout_ms)
{
	long long end = tb_now_ms() + timeout_ms;

	while (tb_endpoint_count(e) < n) {
		if (tb_now_ms() >= end)
			return false;
		tb_sleep_ms(20);
	}
	return true;
}

/* Decodes %XX and '+' of a form value in place. */
static inline void
tb_urldecode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		unsigned v;

		if (*s == '%' && s[1] && s[2] && sscanf(s + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			s += 2;
		} else {
			*o++ = *s == '+' ? ' ' : *s;
		}
	}
	*o = '\0';
}

/* The decoded value of key in a query string, into out; false if absent. */
static inline bool
tb_query(const char *target, const char *key, char *out, size_t outlen)
{
	const char *q = strchr(target, '?');
	size_t kl = strlen(key);

	for (q = q ? q + 1 : NULL; q && *q; ) {
		const char *amp = strchr(q, '&');
		size_t n = amp ? (size_t)(amp - q) : strlen(q);

		if (n > kl && strncmp(q, key, kl) == 0 && q[kl] == '=') {
			snprintf(out, outlen, "%.*s", (int)(n - kl - 1), q + kl + 1);
			tb_urldecode(out);
			return true;
		}
		q = amp ? amp + 1 : NULL;
	}
	return false;
}

#endif
