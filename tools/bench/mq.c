/*
 * mq.c — one libmosquitto client driven by our own poll() loop.
 *
 * No library thread: the client is marked threaded so that publishes are
 * queued rather than written on the spot, and mq_handle writes them in one
 * go after it has read every packet waiting on the socket (libmosquitto
 * reads about one packet per mosquitto_loop_read call, so we drain while
 * FIONREAD says bytes wait).  After a read or write error the library has
 * closed the socket: the next mq_handle reconnects and subscribes again.
 */
#include "bench.h"

#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#define MQ_SUBS_MAX	4
#define MQ_POLL_MAX	64
#define MQ_WAIT_MS	10000

struct mq {
	struct mosquitto *mosq;
	mq_message_fn fn;
	void *arg;
	char subs[MQ_SUBS_MAX][CB_TOPIC_MAX];
	int subqos[MQ_SUBS_MAX];
	size_t nsubs;
	bool connected;
	int connack;		/* -1 until the first CONNACK */
	int subacks;
	unsigned reconnects;
	uint64_t sent1, acked1;	/* QoS 1 publishes queued and PUBACKed */
	int64_t last_misc;
	int64_t retry_at;	/* next reconnect attempt while the socket is down */
};

static void
on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mq *m = obj;

	m->connack = rc;
	m->connected = rc == 0;
	if (!m->connected || m->reconnects == 0)
		return;
	/* A reconnect: the clean session forgot our subscriptions. */
	for (size_t i = 0; i < m->nsubs; i++)
		mosquitto_subscribe(mosq, NULL, m->subs[i], m->subqos[i]);
}

static void
on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mq *m = obj;

	m->connected = false;
}

static void
on_subscribe(struct mosquitto *mosq, void *obj, int mid, int n, const int *granted)
{
	struct mq *m = obj;

	m->subacks++;
}

static void
on_publish(struct mosquitto *mosq, void *obj, int mid)
{
	struct mq *m = obj;

	m->acked1++;
}

static void
on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct mq *m = obj;

	m->fn(m->arg, msg->topic, msg->payload, (size_t)msg->payloadlen);
}

/* Polls m alone until *flag >= want or MQ_WAIT_MS pass; true if it got there. */
static bool
mq_wait(struct mq *m, const int *flag, int want)
{
	int64_t end = bench_now_us() + (int64_t)MQ_WAIT_MS * 1000;

	while (*flag < want && bench_now_us() < end)
		mq_poll(&m, 1, 50);
	return *flag >= want;
}

/*
 * Creates the client and connects it (a blocking TCP connect, after which
 * the library makes the socket non-blocking; host should be an IP address),
 * then polls until the CONNACK.  The caller owns the result.
 */
struct mq *
mq_new(const char *host, int port, const char *client_id, mq_message_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct mq *m = calloc(1, sizeof *m);
	int rc;

	if (m == NULL || (m->mosq = mosquitto_new(client_id, true, m)) == NULL) {
		snprintf(err, errlen, "%s: cannot create an MQTT client", client_id);
		free(m);
		return NULL;
	}
	m->fn = fn;
	m->arg = arg;
	m->connack = -1;
	mosquitto_threaded_set(m->mosq, true);
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	/* Small packets both ways: Nagle would hold them for the peer's delayed ACK. */
	mosquitto_int_option(m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_max_inflight_messages_set(m->mosq, 0);
	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
	mosquitto_subscribe_callback_set(m->mosq, on_subscribe);
	mosquitto_message_callback_set(m->mosq, on_message);
	mosquitto_publish_callback_set(m->mosq, on_publish);
	rc = mosquitto_connect(m->mosq, host, port, 60);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, errlen, "%s: connect to %s:%d: %s", client_id, host, port,
		    mosquitto_strerror(rc));
		mq_free(m);
		return NULL;
	}
	m->last_misc = bench_now_us();
	if (!mq_wait(m, &m->connack, 0) || !m->connected) {
		snprintf(err, errlen, "%s: no CONNACK from %s:%d (rc %d)", client_id, host, port,
		    m->connack);
		mq_free(m);
		return NULL;
	}
	return m;
}

void
mq_free(struct mq *m)
{
	if (m == NULL)
		return;
	if (m->connected) {
		mosquitto_disconnect(m->mosq);
		mosquitto_loop_write(m->mosq, 1);
	}
	mosquitto_destroy(m->mosq);
	free(m);
}

bool
mq_subscribe(struct mq *m, const char *pattern, int qos)
{
	int want = m->subacks + 1;

	if (m->nsubs == MQ_SUBS_MAX)
		return false;
	snprintf(m->subs[m->nsubs], sizeof m->subs[0], "%s", pattern);
	m->subqos[m->nsubs++] = qos;
	if (mosquitto_subscribe(m->mosq, NULL, pattern, qos) != MOSQ_ERR_SUCCESS)
		return false;
	return mq_wait(m, &m->subacks, want);
}

bool
mq_publish(struct mq *m, const char *topic, const void *payload, size_t len, int qos)
{
	return mq_publish_retain(m, topic, payload, len, qos, false);
}

bool
mq_publish_retain(struct mq *m, const char *topic, const void *payload, size_t len, int qos,
    bool retain)
{
	if (mosquitto_publish(m->mosq, NULL, topic, (int)len, payload, qos, retain) !=
	    MOSQ_ERR_SUCCESS)
		return false;
	m->sent1 += qos > 0;
	return true;
}

uint64_t
mq_unacked(const struct mq *m)
{
	return m->sent1 - m->acked1;
}

void
mq_pollfd(struct mq *m, struct pollfd *pfd)
{
	pfd->fd = mosquitto_socket(m->mosq);
	pfd->events = POLLIN;
	if (pfd->fd >= 0 && mosquitto_want_write(m->mosq))
		pfd->events |= POLLOUT;
	pfd->revents = 0;
}

/* Tries to reconnect a client whose socket is gone, at most every 200 ms. */
static void
mq_reconnect(struct mq *m, int64_t now)
{
	if (now < m->retry_at)
		return;
	m->retry_at = now + 200000;
	if (mosquitto_reconnect(m->mosq) == MOSQ_ERR_SUCCESS)
		m->reconnects++;
}

/*
 * Handles one poll result: reads every packet waiting (callbacks run here),
 * writes everything queued, runs the keepalive once a second and
 * reconnects a lost connection.
 */
void
mq_handle(struct mq *m, short revents)
{
	int fd = mosquitto_socket(m->mosq);
	int64_t now = bench_now_us();
	int avail = 0, rc = MOSQ_ERR_SUCCESS;

	if (fd < 0) {
		mq_reconnect(m, now);
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		do {
			rc = mosquitto_loop_read(m->mosq, 1);
		} while (rc == MOSQ_ERR_SUCCESS && ioctl(fd, FIONREAD, &avail) == 0 && avail > 0);
	}
	if (rc == MOSQ_ERR_SUCCESS && mosquitto_want_write(m->mosq)) {
		/* Corked, the queued packets leave in whole segments, not one push each. */
		int on = 1, off = 0;

		setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
		rc = mosquitto_loop_write(m->mosq, 1);
		if (mosquitto_socket(m->mosq) == fd)
			setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
	}
	if (rc == MOSQ_ERR_SUCCESS && now - m->last_misc > 1000000) {
		m->last_misc = now;
		rc = mosquitto_loop_misc(m->mosq);
	}
	if (rc != MOSQ_ERR_SUCCESS) {
		m->connected = false;
		mq_reconnect(m, now);
	}
}

void
mq_poll(struct mq **v, size_t n, int timeout_ms)
{
	struct pollfd pfd[MQ_POLL_MAX];

	if (n > MQ_POLL_MAX)
		n = MQ_POLL_MAX;
	for (size_t i = 0; i < n; i++)
		mq_pollfd(v[i], &pfd[i]);
	if (poll(pfd, n, timeout_ms) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		mq_handle(v[i], pfd[i].revents);
}

unsigned
mq_reconnects(const struct mq *m)
{
	return m->reconnects;
}
