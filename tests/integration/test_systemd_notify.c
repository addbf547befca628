/*
 * test_systemd_notify.c — cunbaod and cunbao-bridge speak systemd's
 * notify protocol (daemon/notify.h) to a NOTIFY_SOCKET this test owns, as
 * they would under Type=notify and WatchdogSec=: READY=1 only once the
 * broker (a real mosquitto) has accepted them, a STATUS= sentence,
 * WATCHDOG=1 keep-alives from the event loop, RELOADING=1/READY=1 around a
 * SIGHUP and STOPPING=1 on SIGTERM; READY after the grace when the broker
 * is down.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define NT_WAIT 15000		/* ms: a deadline, not an expectation */
#define NT_MSGS 512

/* The fake systemd: a datagram socket and every message it received. */
struct nt {
	int fd;
	char name[108];		/* NOTIFY_SOCKET's value */
	char *msg[NT_MSGS];
	int n;
};

static long long
nt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Binds the socket: an abstract name ("@...") or a path in the scratch dir. */
static void
nt_open(struct nt *t, bool abstract)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static int seq;
	socklen_t len;

	memset(t, 0, sizeof *t);
	if (abstract)
		snprintf(t->name, sizeof t->name, "@cunbao-test-notify-%ld-%d", (long)getpid(), ++seq);
	else
		snprintf(t->name, sizeof t->name, "%s", h_path("notify.sock"));
	t->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert(t->fd >= 0);
	memcpy(sa.sun_path, t->name, strlen(t->name));
	if (abstract)
		sa.sun_path[0] = '\0';
	else
		unlink(t->name);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(t->name));
	cr_assert(bind(t->fd, (struct sockaddr *)&sa, len) == 0, "bind %s: %s", t->name, strerror(errno));
}

static void
nt_close(struct nt *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->msg[i]);
	close(t->fd);
	if (t->name[0] == '/')
		unlink(t->name);
}

/* Receives what is there, waiting up to ms for the first datagram; false when none came. */
static bool
nt_recv(struct nt *t, int ms)
{
	struct pollfd p = { t->fd, POLLIN, 0 };
	char buf[4096];
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return false;
	while ((n = recv(t->fd, buf, sizeof buf - 1, MSG_DONTWAIT)) >= 0) {
		buf[n] = '\0';
		if (t->n < NT_MSGS)
			t->msg[t->n++] = strdup(buf);
	}
	return true;
}

/* True when message m has the line `line` ("READY=1") or a line starting with it ("STATUS="). */
static bool
nt_has(const char *m, const char *line, bool prefix)
{
	size_t len = strlen(line);

	for (const char *p = m; *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n') {
		size_t l = strcspn(p, "\n");

		if (prefix ? l >= len && strncmp(p, line, len) == 0 : l == len && strncmp(p, line, len) == 0)
			return true;
	}
	return false;
}

/* Index of the first message from `from` on with line `line`, waiting up to NT_WAIT; -1 when none. */
static int
nt_wait(struct nt *t, int from, const char *line, bool prefix)
{
	long long until = nt_now_ms() + NT_WAIT;

	for (;;) {
		for (int i = from; i < t->n; i++)
			if (nt_has(t->msg[i], line, prefix))
				return i;
		long long left = until - nt_now_ms();

		if (left <= 0)
			return -1;
		nt_recv(t, (int)left);
	}
}

/* How many messages have line `line`. */
static int
nt_count(const struct nt *t, const char *line)
{
	int n = 0;

	for (int i = 0; i < t->n; i++)
		n += nt_has(t->msg[i], line, false);
	return n;
}

/* The value of KEY= in message m, copied into buf ("" when absent). */
static const char *
nt_value(const char *m, const char *key, char *buf, size_t buflen)
{
	size_t klen = strlen(key);

	buf[0] = '\0';
	for (const char *p = m; *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n')
		if (strncmp(p, key, klen) == 0)
			snprintf(buf, buflen, "%.*s", (int)(strcspn(p, "\n") - klen), p + klen);
	return buf;
}

/* The environment a Type=notify unit with WatchdogSec=1s gives its main process. */
static void
nt_env(const struct nt *t)
{
	setenv("NOTIFY_SOCKET", t->name, 1);
	setenv("WATCHDOG_USEC", "1000000", 1);
	unsetenv("WATCHDOG_PID");	/* absent: any pid may ping, as with sd_notify's unset_environment */
}

static void
nt_env_clear(void)
{
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
}

/* Starts cunbaod on 127.0.0.1:port (env set by the caller), without -v. */
static struct h_proc *
nt_cunbaod(int port, const char *name)
{
	char broker[32];
	char *argv[] = { (char *)h_bin("daemon/cunbaod"), "-d", "--broker", broker, "--db",
		(char *)h_path("cunbao.db"), "--catalog", (char *)h_src("schema/catalog.json"),
		"--areas", (char *)h_src("schema/examples/areas.csv"),
		"--reporters", (char *)h_src("schema/examples/reporters.csv"),
		"--listen", "off", "--client-id", (char *)name, NULL };

	snprintf(broker, sizeof broker, "127.0.0.1:%d", port);
	return h_spawn(name, argv);
}

/* Checks READY's message: a STATUS= that begins with `status`; returns READY's index. */
static int
nt_ready(struct nt *t, struct h_proc *p, const char *status)
{
	char value[512];
	int ready = nt_wait(t, 0, "READY=1", false);

	if (ready < 0)
		h_dump_log(p);
	cr_assert(ready >= 0, "no READY=1 on %s", t->name);
	nt_value(t->msg[ready], "STATUS=", value, sizeof value);
	cr_expect(strncmp(value, status, strlen(status)) == 0, "READY's STATUS=\"%s\", not \"%s...\"",
	    value, status);
	return ready;
}

/* Waits for two WATCHDOG=1 after READY, then SIGTERM: STOPPING=1 and exit 0. */
static void
nt_watchdog_then_stop(struct nt *t, struct h_proc *p, int ready)
{
	int w1 = nt_wait(t, ready + 1, "WATCHDOG=1", false);
	int w2 = w1 < 0 ? -1 : nt_wait(t, w1 + 1, "WATCHDOG=1", false);

	cr_expect(w2 > w1 && w1 > ready, "fewer than two WATCHDOG=1 after READY (%d in all)",
	    nt_count(t, "WATCHDOG=1"));
	cr_expect_eq(nt_count(t, "STOPPING=1"), 0, "STOPPING=1 before SIGTERM");
	kill(p->pid, SIGTERM);
	cr_expect(nt_wait(t, ready + 1, "STOPPING=1", false) > ready, "no STOPPING=1 after SIGTERM");
	cr_expect_eq(h_stop(p, 0, NT_WAIT), 0, "did not stop cleanly");	/* 0: wait, no second signal */
}

TestSuite(systemd_notify, .fini = h_cleanup);

Test(systemd_notify, cunbaod_ready_after_broker_status_watchdog_reload_stopping, .timeout = 120)
{
	struct h_broker broker = { 0 };
	struct nt t;
	char value[512];

	cr_assert(h_broker_start(&broker), "mosquitto did not start");
	nt_open(&t, true);
	nt_env(&t);
	struct h_proc *p = nt_cunbaod(broker.port, "cunbaod");

	nt_env_clear();
	cr_assert_not_null(p);
	int ready = nt_ready(&t, p, "connected; 0 receipts in the last minute");

	/* READY came once the broker took the session: cunbaod had logged it by then. */
	char *log = h_read_file(p->log, NULL);

	cr_expect(log != NULL && strstr(log, "mqtt: connected") != NULL, "READY before the broker connection");
	free(log);
	cr_expect_eq(nt_count(&t, "READY=1"), 1);
	/* A SIGHUP: RELOADING=1, then READY=1 again with a STATUS=. */
	kill(p->pid, SIGHUP);
	int reloading = nt_wait(&t, ready + 1, "RELOADING=1", false);
	int again = reloading < 0 ? -1 : nt_wait(&t, reloading + 1, "READY=1", false);

	cr_expect(reloading > ready && again > reloading, "no RELOADING=1 then READY=1 after SIGHUP");
	if (again > 0)
		cr_expect(strncmp(nt_value(t.msg[again], "STATUS=", value, sizeof value), "connected;", 10) == 0,
		    "STATUS after the reload: \"%s\"", value);
	nt_watchdog_then_stop(&t, p, ready);
	nt_close(&t);
	h_broker_stop(&broker);
}

Test(systemd_notify, cunbaod_ready_after_grace_when_broker_down, .timeout = 120)
{
	struct nt t;
	int port = h_free_port();	/* nothing listens there */

	nt_open(&t, false);
	nt_env(&t);
	long long t0 = nt_now_ms();
	struct h_proc *p = nt_cunbaod(port, "cunbaod-nobroker");

	nt_env_clear();
	cr_assert_not_null(p);
	int ready = nt_ready(&t, p, "broker not connected, retrying; 0 receipts");

	/* Not at once: the first attempts get their grace (5 s, notify.h). */
	cr_expect(nt_now_ms() - t0 >= 4000, "READY after %lld ms, before the grace", nt_now_ms() - t0);
	/* Watchdog pings start with the loop, before READY too. */
	cr_expect(nt_count(&t, "WATCHDOG=1") >= 2, "the loop's WATCHDOG=1 did not run while waiting");
	nt_watchdog_then_stop(&t, p, ready);
	nt_close(&t);
}

Test(systemd_notify, bridge_ready_after_broker_status_watchdog_stopping, .timeout = 120)
{
	struct h_broker broker = { 0 };
	struct nt t;
	char bro[32], listen[32], value[512];
	int hport = h_free_port();

	cr_assert(h_broker_start(&broker), "mosquitto did not start");
	snprintf(bro, sizeof bro, "127.0.0.1:%d", broker.port);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", hport);
	char *argv[] = { (char *)h_bin("bridge/cunbao-bridge"), "-d", "-c",
		(char *)h_src("bridge/examples/cunbao-bridge.conf"), "--broker", bro, "--listen", listen,
		"--spool", (char *)h_path("bridge.db"),
		"--mqtt-user", "", "--mqtt-password-file", "", NULL };	/* the test broker is anonymous */

	nt_open(&t, true);
	nt_env(&t);
	struct h_proc *p = h_spawn("bridge", argv);

	nt_env_clear();
	cr_assert_not_null(p);
	int ready = nt_ready(&t, p, "connected; spool: 0 waiting for a receipt; replies: 0 pending");
	char *log = h_read_file(p->log, NULL);

	cr_expect(log != NULL && strstr(log, "mqtt: connected") != NULL, "READY before the broker connection");
	free(log);
	cr_expect(strstr(nt_value(t.msg[ready], "STATUS=", value, sizeof value), "sent in the last minute") !=
	    NULL, "STATUS=\"%s\"", value);
	nt_watchdog_then_stop(&t, p, ready);
	nt_close(&t);
	h_broker_stop(&broker);
}

Test(systemd_notify, no_watchdog_for_another_pid, .timeout = 120)
{
	struct h_broker broker = { 0 };
	struct nt t;

	cr_assert(h_broker_start(&broker), "mosquitto did not start");
	nt_open(&t, true);
	/* WATCHDOG_PID names another process: the keep-alives are not ours to send. */
	setenv("WATCHDOG_USEC", "200000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	setenv("NOTIFY_SOCKET", t.name, 1);
	struct h_proc *p = nt_cunbaod(broker.port, "cunbaod-otherpid");

	nt_env_clear();
	unsetenv("WATCHDOG_PID");
	cr_assert_not_null(p);
	int ready = nt_ready(&t, p, "connected");

	cr_expect(h_wait_log(p, "mqtt: connected", NT_WAIT));
	/* Ten watchdog periods pass: still no keep-alive. */
	for (long long until = nt_now_ms() + 2000; nt_now_ms() < until;)
		nt_recv(&t, (int)(until - nt_now_ms()));
	cr_expect_eq(nt_count(&t, "WATCHDOG=1"), 0, "WATCHDOG=1 sent for WATCHDOG_PID 1");
	cr_expect(ready >= 0);
	cr_expect_eq(h_stop(p, SIGTERM, NT_WAIT), 0);
	nt_close(&t);
	h_broker_stop(&broker);
}
