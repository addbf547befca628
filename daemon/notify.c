/*
 * notify.c — sd_notify(3)'s protocol by hand, the watchdog's keep-alives
 * and the journal check (notify.h), shared by cunbaod and cunbao-bridge.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "notify.h"

#define NOTIFY_POLL_MS	100	/* how often the broker is looked at before READY */

struct notify {
	struct event_base *base;
	struct notify_ops ops;
	struct event *ev_watchdog;	/* WATCHDOG=1, every WATCHDOG_USEC/2; NULL when not asked */
	struct event *ev_tick;		/* READY polling, then STATUS refreshes */
	int64_t started_ms;
	bool ready, stopping;
	char status[NOTIFY_STATUS_MAX];	/* the last STATUS= sent */
};

int
notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	ssize_t n;
	int fd, err;

	if (path == NULL || path[0] == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path)
		return -EINVAL;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';	/* an abstract socket: the name's length counts, no NUL */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	err = errno;
	close(fd);
	return n < 0 ? -err : 1;
}

uint64_t
notify_watchdog_usec(void)
{
	const char *pid = getenv("WATCHDOG_PID"), *usec = getenv("WATCHDOG_USEC");
	char *end;
	unsigned long long v;

	if (usec == NULL || (pid != NULL && strtol(pid, NULL, 10) != (long)getpid()))
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	return errno != 0 || end == usec || *end != '\0' ? 0 : (uint64_t)v;
}

bool
notify_journal_fd(int fd)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(fd, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int64_t
notify_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
notify_rate_add(struct notify_rate *r, uint64_t total, int64_t now_ms)
{
	size_t last = (r->next + NOTIFY_RATE_SLOTS - 1) % NOTIFY_RATE_SLOTS;
	size_t oldest = r->n < NOTIFY_RATE_SLOTS ? 0 : r->next;

	if (r->n == 0 || now_ms - r->at[last] >= NOTIFY_STATUS_MS) {
		r->total[r->next] = total;
		r->at[r->next] = now_ms;
		r->next = (r->next + 1) % NOTIFY_RATE_SLOTS;
		if (r->n < NOTIFY_RATE_SLOTS)
			r->n++;
		oldest = r->n < NOTIFY_RATE_SLOTS ? 0 : r->next;
	}
	return total >= r->total[oldest] ? total - r->total[oldest] : 0;
}

/* Sends READY=1 (or only STATUS=) with the owner's sentence; head "" sends STATUS alone. */
static void
notify_status(struct notify *n, const char *head, bool always)
{
	char status[NOTIFY_STATUS_MAX], msg[NOTIFY_STATUS_MAX + 32];

	status[0] = '\0';
	n->ops.status(n->ops.arg, status, sizeof status);
	/* One line: a newline would start another KEY=VALUE. */
	status[strcspn(status, "\n")] = '\0';
	if (!always && strcmp(status, n->status) == 0)
		return;
	snprintf(n->status, sizeof n->status, "%s", status);
	snprintf(msg, sizeof msg, "%sSTATUS=%s", head, status);
	notify_send(msg);
}

static void
timer_ms(struct event *ev, int64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000 * 1000) };

	event_add(ev, &tv);
}

/* Before READY: polls the broker every NOTIFY_POLL_MS; after: refreshes STATUS. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct notify *n = arg;

	if (n->stopping)
		return;
	if (!n->ready && !n->ops.connected(n->ops.arg) &&
	    notify_now_ms() - n->started_ms < NOTIFY_READY_GRACE_MS) {
		timer_ms(n->ev_tick, NOTIFY_POLL_MS);
		return;
	}
	notify_status(n, n->ready ? "" : "READY=1\n", !n->ready);
	n->ready = true;
	timer_ms(n->ev_tick, NOTIFY_STATUS_MS);
}

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	notify_send("WATCHDOG=1");
}

struct notify *
notify_new(struct event_base *base, const struct notify_ops *ops)
{
	struct notify *n = calloc(1, sizeof *n);
	uint64_t usec = notify_watchdog_usec();

	if (n == NULL)
		return NULL;
	n->base = base;
	n->ops = *ops;
	n->started_ms = notify_now_ms();
	if (usec > 0) {
		struct timeval tv = { (time_t)(usec / 2 / 1000000), (suseconds_t)(usec / 2 % 1000000) };

		if ((n->ev_watchdog = event_new(base, -1, EV_PERSIST, on_watchdog, n)) == NULL) {
			notify_free(n);
			return NULL;
		}
		event_add(n->ev_watchdog, &tv);
		notify_send("WATCHDOG=1");
	}
	if (getenv("NOTIFY_SOCKET") != NULL) {
		if ((n->ev_tick = evtimer_new(base, on_tick, n)) == NULL) {
			notify_free(n);
			return NULL;
		}
		on_tick(-1, EV_TIMEOUT, n);
	}
	return n;
}

void
notify_reloading(struct notify *n)
{
	/* Before READY systemd still waits for it: nothing to announce. */
	if (n != NULL && n->ev_tick != NULL && n->ready && !n->stopping)
		notify_send("RELOADING=1");
}

void
notify_reloaded(struct notify *n)
{
	/* A reload before READY leaves READY to the tick. */
	if (n != NULL && n->ev_tick != NULL && n->ready && !n->stopping)
		notify_status(n, "READY=1\n", true);
}

void
notify_stopping(struct notify *n)
{
	if (n == NULL || n->stopping)
		return;
	n->stopping = true;
	if (n->ev_tick != NULL) {
		event_del(n->ev_tick);
		notify_send("STOPPING=1");
	}
}

void
notify_free(struct notify *n)
{
	if (n == NULL)
		return;
	if (n->ev_watchdog != NULL)
		event_free(n->ev_watchdog);
	if (n->ev_tick != NULL)
		event_free(n->ev_tick);
	free(n);
}
