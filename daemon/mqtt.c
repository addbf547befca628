/*
 * mqtt.c — libmosquitto inside the libevent loop (see mqtt.h for the rules).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "log.h"
#include "mqtt.h"

#define MQTT_MISC_MS 1000		/* loop_misc: keepalive pings */
#define MQTT_BACKOFF_MIN_MS 100
#define MQTT_STOP_MS 2000
/*
 * QoS 1 publications awaiting the broker's PUBACK at once.  libmosquitto
 * walks its list of them on every publish and every PUBACK (65535 costs
 * quadratic time under load), while a small window leaves receipts waiting
 * behind rollups (64 halved the throughput); the rest waits in its queue.
 */
#define MQTT_SEND_MAX 1024
/*
 * A reconnect storm: more than MQTT_STORM_CONNECTS connections in the
 * last minute.  Logged once when it starts and once when the count has
 * fallen to MQTT_STORM_CALM.
 */
#define MQTT_STORM_CONNECTS 10
#define MQTT_STORM_CALM 2
#define MQTT_CONNECTS_KEPT 64		/* > MQTT_STORM_CONNECTS */
/* MQTT 5 DISCONNECT reason: another client connected with our client id. */
#define MQTT_REASON_TAKEN_OVER 0x8E
/*
 * mosquitto 2.0.11 closes the old connection without that DISCONNECT
 * reaching it.  A session taken over then looks like this: the broker
 * closes the connection less than MQTT_KICK_MS after its CONNACK, and the
 * reconnect succeeds at once — MQTT_KICKS times in a row.  The owner
 * decides (taken_over handler) whether another client is behind it.
 */
#define MQTT_KICK_MS 3000
#define MQTT_KICKS 3

struct mqtt {
	struct event_base *base;
	struct mosquitto *mosq;
	struct mqtt_config cfg;
	struct mqtt_handlers h;
	struct event *ev_read, *ev_write;	/* per connection */
	struct event *ev_misc, *ev_retry, *ev_stop;
	int fd;				/* the socket the events watch, -1 when none */
	bool connected;			/* CONNACK accepted */
	bool in_read;			/* inside a read burst: writing is deferred */
	bool hold;			/* mqtt_hold: writing is deferred */
	bool aborted;			/* mqtt_abort inside a burst */
	bool stopping;
	bool draining;			/* DISCONNECT sent: discard what still comes, until EOF */
	bool started;			/* a first connect was attempted */
	bool hinted;			/* the login hint was logged */
	bool proto_hinted;		/* the mqtt-protocol hint was logged */
	bool paused;			/* mqtt_pause: not reading */
	size_t subacks_due;		/* SUBACKs still to come since the last connect */
	bool taken_over;		/* the broker gave our session to another client */
	bool storm;			/* a reconnect storm was logged and has not calmed */
	int64_t connects[MQTT_CONNECTS_KEPT];	/* monotonic seconds of the last connections, a ring */
	unsigned nconnects;		/* connections so far */
	struct timespec connected_at;	/* the last CONNACK */
	unsigned kicks;			/* connections closed by the broker soon after CONNACK, in a row */
	int64_t backoff_ms;
	size_t inflight;
	uint64_t published, acked;	/* QoS 1 publications queued, PUBACKs received: ever */
	unsigned packets;		/* whole packets handled (counted by the callbacks) */
	void (*done)(void *arg);
	void *done_arg;
};

static int lib_users;

static void mqtt_lost(struct mqtt *m, int rc, const char *what);
static void login_hint(struct mqtt *m, int rc);

/* Milliseconds since t0 (monotonic). */
static int64_t
since_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}


/* Arms a one-shot timer for ms milliseconds. */
static void
timer_in(struct event *ev, int64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	event_add(ev, &tv);
}

/* Stops watching the socket (the library may already have closed it). */
static void
sock_detach(struct mqtt *m)
{
	if (m->ev_read != NULL)
		event_free(m->ev_read);
	if (m->ev_write != NULL)
		event_free(m->ev_write);
	m->ev_read = m->ev_write = NULL;
	m->fd = -1;
}

/*
 * Stopping, with everything written: say DISCONNECT ourselves and half-close.
 * (libmosquitto would close the socket right after its DISCONNECT; with
 * publications from the broker still unread, the kernel would then send a
 * reset, the broker would take it for a failure and publish our last will.)
 * What arrives afterwards is discarded unacknowledged: the broker keeps it
 * for the next session.
 */
static void
stop_finish(struct mqtt *m)
{
	static const unsigned char disconnect[] = { 0xe0, 0x00 };	/* v5 reason 0; the whole 3.1.1 packet */

	if (write(m->fd, disconnect, sizeof disconnect) != (ssize_t)sizeof disconnect) {
		mqtt_lost(m, MOSQ_ERR_ERRNO, "disconnect");
		return;
	}
	shutdown(m->fd, SHUT_WR);
	m->draining = true;
}

/*
 * Corks or uncorks the socket.  libmosquitto writes each queued packet with
 * its own write(); corked, they fill whole segments and go to the broker
 * together when uncorked, instead of one TCP push per PUBACK or receipt.
 */
static void
sock_cork(int fd, int on)
{
	(void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
}

/* Writes what the library has queued (corked); arms the write event for the rest. */
static void
sock_write(struct mqtt *m)
{
	int rc = MOSQ_ERR_SUCCESS;

	if (m->fd < 0 || m->draining || m->hold)
		return;
	if (mosquitto_want_write(m->mosq)) {
		sock_cork(m->fd, 1);
		rc = mosquitto_loop_write(m->mosq, 1);
		if (mosquitto_socket(m->mosq) == m->fd)
			sock_cork(m->fd, 0);
	}
	if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(m->mosq) != m->fd) {
		mqtt_lost(m, rc, "write");
		return;
	}
	if (mosquitto_want_write(m->mosq))
		event_add(m->ev_write, NULL);
	else if (m->stopping && m->inflight == 0)
		stop_finish(m);	/* every publication written and acknowledged */
}

/* After our DISCONNECT: reads and drops bytes until the broker closes. */
static void
sock_drain(struct mqtt *m)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(m->fd, buf, sizeof buf)) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
		mqtt_lost(m, MOSQ_ERR_SUCCESS, "disconnect");
}

/*
 * The socket is readable: read packets while whole ones come (at most
 * burst_max calls; one call of libmosquitto may handle many packets, so a
 * burst can be longer: batch.c bounds each transaction itself), let the
 * owner commit the burst, then write — PUBACKs last of all, after the
 * commit.  A packet no callback counts (PINGRESP) ends a burst early, and
 * so does mqtt_pause; the rest waits for the next readable event.
 */
static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt *m = arg;
	int rc = MOSQ_ERR_SUCCESS;

	if (m->draining) {
		sock_drain(m);
		return;
	}
	m->in_read = true;
	for (int n = 0; n < m->cfg.burst_max; n++) {
		unsigned before = m->packets;

		rc = mosquitto_loop_read(m->mosq, 1);
		if (rc == MOSQ_ERR_SUCCESS && mosquitto_socket(m->mosq) != fd)
			rc = MOSQ_ERR_CONN_LOST;
		/* No whole packet came: the socket is empty (or holds part of one); or the owner paused. */
		if (rc != MOSQ_ERR_SUCCESS || m->packets == before || m->paused)
			break;
	}
	m->h.burst_end(m->h.arg);
	m->in_read = false;
	if (m->aborted)
		mqtt_lost(m, MOSQ_ERR_CONN_LOST, "abort");
	else if (rc != MOSQ_ERR_SUCCESS)
		mqtt_lost(m, rc, "read");
	else
		sock_write(m);
}

static void
on_write(evutil_socket_t fd, short what, void *arg)
{
	sock_write(arg);
}

/* Watches the library's current socket. */
static bool
sock_attach(struct mqtt *m)
{
	m->fd = mosquitto_socket(m->mosq);
	if (m->fd < 0)
		return false;
	m->ev_read = event_new(m->base, m->fd, EV_READ | EV_PERSIST, on_read, m);
	m->ev_write = event_new(m->base, m->fd, EV_WRITE, on_write, m);
	if (m->ev_read == NULL || m->ev_write == NULL) {
		sock_detach(m);
		return false;
	}
	if (!m->paused)
		event_add(m->ev_read, NULL);
	if (mosquitto_want_write(m->mosq))
		event_add(m->ev_write, NULL);
	return true;
}

/* Schedules the next connection attempt, doubling the wait up to reconnect_max. */
static void
retry_later(struct mqtt *m)
{
	timer_in(m->ev_retry, m->backoff_ms);
	m->backoff_ms *= 2;
	if (m->backoff_ms > m->cfg.reconnect_max_ms)
		m->backoff_ms = m->cfg.reconnect_max_ms;
}

/*
 * The connection is gone (or must go): forget its events, tell the owner,
 * and either finish stopping or try again later.
 */
static void
mqtt_lost(struct mqtt *m, int rc, const char *what)
{
	bool was = m->connected;

	if (m->fd >= 0 && mosquitto_socket(m->mosq) == m->fd)
		shutdown(m->fd, SHUT_RDWR);	/* the library closes it on reconnect */
	sock_detach(m);
	m->connected = false;
	m->aborted = false;
	m->draining = false;
	m->paused = false;
	if (was && !m->stopping && rc == MOSQ_ERR_CONN_LOST && strcmp(what, "read") == 0 &&
	    since_ms(&m->connected_at) < MQTT_KICK_MS)
		m->kicks++;
	else if (was)
		m->kicks = 0;
	if (!m->stopping && (m->taken_over || m->kicks >= MQTT_KICKS) && m->h.taken_over != NULL &&
	    m->h.taken_over(m->h.arg, m->taken_over)) {
		log_warnx("mqtt: the broker %s:%d gave the session of client id \"%s\" to another client "
		    "(%s): another cunbaod uses this client id; stopping instead of taking it back",
		    m->cfg.host, m->cfg.port, m->cfg.client_id, m->taken_over ?
		    "DISCONNECT reason 0x8E, session taken over" :
		    "session taken over: closed right after each connect, and another instance is online");
		if (was && m->h.disconnected != NULL)
			m->h.disconnected(m->h.arg);
		m->h.stop(m->h.arg);
		return;
	}
	if (!m->stopping)
		log_warnx("mqtt: connection to %s:%d lost (%s: %s)", m->cfg.host, m->cfg.port, what,
		    rc == MOSQ_ERR_ERRNO ? "system error" : mosquitto_strerror(rc));
	/* RabbitMQ 3.10 cannot parse a v5 CONNECT: it closes without a CONNACK. */
	if (!was && !m->stopping && !m->cfg.v311 && !m->proto_hinted && strcmp(what, "read") == 0) {
		m->proto_hinted = true;
		log_warnx("mqtt: the broker %s:%d closed the connection without answering cunbaod's MQTT 5 "
		    "CONNECT: a broker that speaks only MQTT 3.1.1 (RabbitMQ 3.10) needs mqtt-protocol 3.1.1",
		    m->cfg.host, m->cfg.port);
	}
	if (was && m->h.disconnected != NULL)
		m->h.disconnected(m->h.arg);
	if (m->stopping) {
		event_active(m->ev_stop, EV_TIMEOUT, 0);
		return;
	}
	retry_later(m);
}

/*
 * One connection attempt: the first blocking (it sets the v5 properties:
 * a session that never expires; 3.1.1 has none, the broker's own setting
 * decides), later ones not.
 */
static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt *m = arg;
	mosquitto_property *props = NULL;
	int rc;

	if (m->stopping)
		return;
	if (!m->started) {
		m->started = true;
		if (!m->cfg.v311)
			mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, UINT32_MAX);
		rc = mosquitto_connect_bind_v5(m->mosq, m->cfg.host, m->cfg.port, m->cfg.keepalive,
		    NULL, props);
		mosquitto_property_free_all(&props);
	} else
		rc = mosquitto_reconnect_async(m->mosq);
	if (rc != MOSQ_ERR_SUCCESS || !sock_attach(m)) {
		log_debug("mqtt: connect to %s:%d: %s", m->cfg.host, m->cfg.port,
		    rc == MOSQ_ERR_ERRNO ? "connection failed" : mosquitto_strerror(rc));
		m->kicks = 0;	/* the broker itself is away: not a session taken over */
		retry_later(m);
	}
}

static int64_t
mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec;
}

unsigned
mqtt_connects_minute(const struct mqtt *m)
{
	int64_t now = mono_s();
	unsigned n = 0;

	for (unsigned i = 0; i < MQTT_CONNECTS_KEPT && i < m->nconnects; i++)
		if (now - m->connects[(m->nconnects - 1 - i) % MQTT_CONNECTS_KEPT] < 60)
			n++;
	return n;
}

/* Logs a reconnect storm when one starts, and when it has calmed down. */
static void
storm_check(struct mqtt *m)
{
	unsigned n = mqtt_connects_minute(m);

	if (!m->storm && n > MQTT_STORM_CONNECTS) {
		m->storm = true;
		log_warnx("mqtt: reconnect storm: %u connections to %s:%d in the last minute (the broker keeps "
		    "dropping this client; see the lines before)", n, m->cfg.host, m->cfg.port);
	} else if (m->storm && n <= MQTT_STORM_CALM) {
		m->storm = false;
		log_info("mqtt: the reconnect storm has calmed down (%u connections in the last minute)", n);
	}
}

/* Keepalive: the library sends PINGREQ or gives up on a silent broker. */
static void
on_misc(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt *m = arg;

	storm_check(m);
	if (m->h.tick != NULL)
		m->h.tick(m->h.arg);
	if (m->fd < 0)
		return;
	mosquitto_loop_misc(m->mosq);
	if (mosquitto_socket(m->mosq) != m->fd)
		mqtt_lost(m, MOSQ_ERR_KEEPALIVE, "keepalive");
	else
		sock_write(m);
}

static void
on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt *m = arg;
	void (*done)(void *) = m->done;

	m->done = NULL;
	if (done != NULL)
		done(m->done_arg);
}

/*
 * CONNACK: subscribe (again) and tell the owner.  A refusal's code is a v5
 * reason code, or with 3.1.1 a CONNACK return code (4: bad user name or
 * password, 5: not authorised), mapped to the v5 ones for login_hint.
 */
static void
on_connect(struct mosquitto *mosq, void *arg, int rc, int flags, const mosquitto_property *props)
{
	struct mqtt *m = arg;

	m->packets++;
	if (rc != 0) {
		m->kicks = 0;
		log_warnx("mqtt: broker %s:%d refused the connection: %s", m->cfg.host, m->cfg.port,
		    m->cfg.v311 ? mosquitto_connack_string(rc) : mosquitto_reason_string(rc));
		if (m->cfg.v311)
			rc = rc == CONNACK_REFUSED_BAD_USERNAME_PASSWORD ? MQTT_RC_BAD_USERNAME_OR_PASSWORD :
			    rc == CONNACK_REFUSED_NOT_AUTHORIZED ? MQTT_RC_NOT_AUTHORIZED : rc;
		login_hint(m, rc);
		return;
	}
	m->connected = true;
	m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	m->inflight = 0;
	m->connects[m->nconnects++ % MQTT_CONNECTS_KEPT] = mono_s();
	clock_gettime(CLOCK_MONOTONIC, &m->connected_at);
	storm_check(m);
	log_info("mqtt: connected to %s:%d as %s with MQTT %s (session %s)", m->cfg.host, m->cfg.port,
	    m->cfg.client_id, m->cfg.v311 ? "3.1.1" : "5", flags & 1 ? "resumed" : "new");
	m->subacks_due = 0;
	for (size_t i = 0; i < m->cfg.nsubs; i++) {
		int src = mosquitto_subscribe_v5(mosq, NULL, m->cfg.subs[i], 1, 0, NULL);

		if (src != MOSQ_ERR_SUCCESS)
			log_warnx("mqtt: subscribe %s: %s", m->cfg.subs[i], mosquitto_strerror(src));
		else
			m->subacks_due++;
	}
	if (m->h.connected != NULL)
		m->h.connected(m->h.arg);
}

/* A publication: its v5 response topic and correlation data go along when present. */
static void
on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg,
    const mosquitto_property *props)
{
	struct mqtt *m = arg;
	char *rt = NULL;
	void *cd = NULL;
	uint16_t cdlen = 0;

	m->packets++;
	if (props != NULL) {
		mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC, &rt, false);
		mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &cd, &cdlen, false);
	}
	struct mqtt_msg mm = {
		.topic = msg->topic, .payload = msg->payload ? msg->payload : "",
		.len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0,
		.response_topic = rt, .correlation = cd, .correlation_len = cdlen,
	};
	m->h.message(m->h.arg, &mm);
	free(rt);
	free(cd);
}

/*
 * The connection ended; with a DISCONNECT from the broker, rc is its reason.
 * "Session taken over" means another client connected with our client id:
 * reconnecting would take the session back, and the two would go on taking
 * it from each other, splitting the stream between them.
 */
static void
on_disconnect(struct mosquitto *mosq, void *arg, int rc, const mosquitto_property *props)
{
	struct mqtt *m = arg;

	if (rc == MQTT_REASON_TAKEN_OVER)
		m->taken_over = true;
}

static void
on_publish(struct mosquitto *mosq, void *arg, int mid, int reason, const mosquitto_property *props)
{
	struct mqtt *m = arg;

	m->packets++;
	m->acked++;
	if (m->inflight > 0)
		m->inflight--;
	if (reason >= 0x80)
		log_warnx("mqtt: publication %d refused: %s", mid, mosquitto_reason_string(reason));
}

static void
on_subscribe(struct mosquitto *mosq, void *arg, int mid, int count, const int *granted,
    const mosquitto_property *props)
{
	struct mqtt *m = arg;

	m->packets++;
	for (int i = 0; i < count; i++)
		if (granted[i] >= 0x80)
			log_warnx("mqtt: a subscription was refused: %s", mosquitto_reason_string(granted[i]));
	/*
	 * Said once the broker holds every subscription: on a new session,
	 * what is published before this reaches nobody (its sender retries).
	 */
	if (m->subacks_due > 0 && --m->subacks_due == 0)
		log_info("mqtt: subscribed (%zu topics)", m->cfg.nsubs);
}

/*
 * A broker that refuses our login says so at every reconnect; what to do
 * about it is said once: which account we tried, and the keys that set it.
 */
static void
login_hint(struct mqtt *m, int rc)
{
	if (m->hinted || (rc != MQTT_RC_BAD_USERNAME_OR_PASSWORD && rc != MQTT_RC_NOT_AUTHORIZED))
		return;
	m->hinted = true;
	if (m->cfg.user[0] == '\0')
		log_warnx("mqtt: the broker refuses anonymous clients: set mqtt-user / mqtt-password-file "
		    "(the account cunbaod of systemd/mosquitto-cunbao.acl)");
	else
		log_warnx("mqtt: the broker refused the login of user \"%s\": check mqtt-user / "
		    "mqtt-password-file against the broker's password file", m->cfg.user);
}

/* TLS when a CA file is given (a client certificate too when one is); false with a message in err. */
static bool
tls_setup(struct mqtt *m, char *err, size_t errlen)
{
	const char *cert = m->cfg.certfile[0] ? m->cfg.certfile : NULL;
	const char *key = m->cfg.keyfile[0] ? m->cfg.keyfile : NULL;
	int rc;

	if (m->cfg.cafile[0] == '\0')
		return true;
	if ((rc = mosquitto_tls_set(m->mosq, m->cfg.cafile, NULL, cert, key, NULL)) != MOSQ_ERR_SUCCESS) {
		snprintf(err, errlen, "mqtt-cafile %s%s%s: %s", m->cfg.cafile, cert ? ", mqtt-certfile " : "",
		    cert ? cert : "", rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		return false;
	}
	return true;
}

/* Options that make the library ours to drive; false with a message in err. */
static bool
mqtt_setup(struct mqtt *m, char *err, size_t errlen)
{
	struct mosquitto *mosq = m->mosq;

	if (mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION,
	    m->cfg.v311 ? MQTT_PROTOCOL_V311 : MQTT_PROTOCOL_V5) ||
	    mosquitto_int_option(mosq, MOSQ_OPT_RECEIVE_MAXIMUM, 65535) ||
	    mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, MQTT_SEND_MAX) ||
	    mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1) ||
	    mosquitto_threaded_set(mosq, true)) {
		snprintf(err, errlen, "mqtt: cannot set client options");
		return false;
	}
	if (m->cfg.will_topic[0] != '\0' &&
	    mosquitto_will_set_v5(mosq, m->cfg.will_topic, (int)strlen(m->cfg.will_payload),
	    m->cfg.will_payload, 1, true, NULL) != MOSQ_ERR_SUCCESS) {
		snprintf(err, errlen, "mqtt: cannot set the last will on %s", m->cfg.will_topic);
		return false;
	}
	if (m->cfg.user[0] != '\0' &&
	    mosquitto_username_pw_set(mosq, m->cfg.user, m->cfg.password[0] ? m->cfg.password : NULL)) {
		snprintf(err, errlen, "mqtt: cannot set the user name");
		return false;
	}
	explicit_bzero(m->cfg.password, sizeof m->cfg.password);	/* libmosquitto keeps its copy */
	if (!tls_setup(m, err, errlen))
		return false;
	mosquitto_connect_v5_callback_set(mosq, on_connect);
	mosquitto_message_v5_callback_set(mosq, on_message);
	mosquitto_publish_v5_callback_set(mosq, on_publish);
	mosquitto_disconnect_v5_callback_set(mosq, on_disconnect);

	mosquitto_subscribe_v5_callback_set(mosq, on_subscribe);
	return true;
}

struct mqtt *
mqtt_new(struct event_base *base, const struct mqtt_config *cfg,
    const struct mqtt_handlers *h, char *err, size_t errlen)
{
	struct mqtt *m = calloc(1, sizeof *m);

	if (m == NULL) {
		snprintf(err, errlen, "mqtt: out of memory");
		return NULL;
	}
	if (lib_users++ == 0)
		mosquitto_lib_init();
	m->base = base;
	m->cfg = *cfg;
	m->h = *h;
	m->fd = -1;
	m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	m->mosq = mosquitto_new(cfg->client_id, false, m);
	m->ev_misc = event_new(base, -1, EV_PERSIST, on_misc, m);
	m->ev_retry = evtimer_new(base, on_retry, m);
	m->ev_stop = evtimer_new(base, on_stop, m);
	if (m->mosq == NULL || m->ev_misc == NULL || m->ev_retry == NULL || m->ev_stop == NULL) {
		snprintf(err, errlen, "mqtt: cannot make a client (out of memory?)");
		mqtt_free(m);
		return NULL;
	}
	if (!mqtt_setup(m, err, errlen)) {
		mqtt_free(m);
		return NULL;
	}
	timer_in(m->ev_misc, MQTT_MISC_MS);
	return m;
}

void
mqtt_free(struct mqtt *m)
{
	if (m == NULL)
		return;
	sock_detach(m);
	if (m->ev_misc)
		event_free(m->ev_misc);
	if (m->ev_retry)
		event_free(m->ev_retry);
	if (m->ev_stop)
		event_free(m->ev_stop);
	if (m->mosq)
		mosquitto_destroy(m->mosq);
	if (--lib_users == 0)
		mosquitto_lib_cleanup();
	free(m);
}

void
mqtt_start(struct mqtt *m)
{
	on_retry(-1, EV_TIMEOUT, m);
}

bool
mqtt_publish(struct mqtt *m, const char *topic, const void *payload, size_t len,
    bool retain, const struct mqtt_msg *reply)
{
	mosquitto_property *props = NULL;
	int rc;

	if (!m->connected)
		return false;
	if (reply != NULL && reply->correlation != NULL && !m->cfg.v311)
		mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, reply->correlation,
		    (uint16_t)reply->correlation_len);
	rc = mosquitto_publish_v5(m->mosq, NULL, topic, (int)len, payload, 1, retain, props);
	mosquitto_property_free_all(&props);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_warnx("mqtt: publish %s: %s", topic, mosquitto_strerror(rc));
		return false;
	}
	m->inflight++;
	m->published++;
	return true;
}

void
mqtt_flush(struct mqtt *m)
{
	if (!m->in_read)
		sock_write(m);
}

void
mqtt_hold(struct mqtt *m, bool hold)
{
	m->hold = hold;
}

void
mqtt_pause(struct mqtt *m, bool pause)
{
	m->paused = pause;
	if (m->ev_read == NULL)
		return;
	if (pause)
		event_del(m->ev_read);
	else
		event_add(m->ev_read, NULL);
}

void
mqtt_abort(struct mqtt *m)
{
	if (m->fd < 0)
		return;
	shutdown(m->fd, SHUT_RDWR);
	if (m->in_read)
		m->aborted = true;
	else
		mqtt_lost(m, MOSQ_ERR_CONN_LOST, "abort");
}

void
mqtt_stop(struct mqtt *m, void (*done)(void *arg), void *arg)
{
	m->stopping = true;
	m->done = done;
	m->done_arg = arg;
	event_del(m->ev_retry);
	if (!m->connected || m->fd < 0) {
		event_active(m->ev_stop, EV_TIMEOUT, 0);
		return;
	}
	sock_write(m);	/* writes the rest, then DISCONNECT (stop_finish) */
	if (m->fd >= 0)
		timer_in(m->ev_stop, MQTT_STOP_MS);
}

bool
mqtt_connected(const struct mqtt *m)
{
	return m->connected;
}

size_t
mqtt_inflight(const struct mqtt *m)
{
	return m->inflight;
}

void
mqtt_acks(const struct mqtt *m, uint64_t *published, uint64_t *acked)
{
	*published = m->published;
	*acked = m->acked;
}

bool
mqtt_resolve(const char *hostport, char *ip, size_t iplen, int *port, char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
	int rc;

	if (colon == NULL || (size_t)(colon - hostport) >= sizeof host) {
		snprintf(err, errlen, "broker: \"%s\" is not HOST:PORT", hostport);
		return false;
	}
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	*port = atoi(colon + 1);
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "broker: %s: %s", host, gai_strerror(rc));
		return false;
	}
	const struct addrinfo *ai = res;	/* IPv4 first: "localhost" must not become an unserved ::1 */

	for (const struct addrinfo *x = res; x != NULL; x = x->ai_next)
		if (x->ai_family == AF_INET) {
			ai = x;
			break;
		}
	rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, (socklen_t)iplen, NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
	if (rc != 0) {
		snprintf(err, errlen, "broker: %s: %s", host, gai_strerror(rc));
		return false;
	}
	return true;
}

void
mqtt_tls_name(const char *hostport, char *buf, size_t buflen)
{
	const char *colon = strrchr(hostport, ':');
	size_t n = colon != NULL ? (size_t)(colon - hostport) : strlen(hostport);

	if (n >= 2 && hostport[0] == '[' && hostport[n - 1] == ']') {
		hostport++;
		n -= 2;
	}
	snprintf(buf, buflen, "%.*s", (int)n, hostport);
}

int
mqtt_check_files(const char *cafile, const char *certfile, const char *keyfile, FILE *out)
{
	const char *key[] = { "mqtt-cafile", "mqtt-certfile", "mqtt-keyfile" };
	const char *path[] = { cafile, certfile, keyfile };
	int bad = 0;

	for (size_t i = 0; i < 3; i++) {
		FILE *f;

		if (path[i][0] == '\0')
			continue;
		if ((f = fopen(path[i], "r")) == NULL) {
			fprintf(out, "%s: %s: %s\n", key[i], path[i], strerror(errno));
			bad++;
		} else
			fclose(f);
	}
	return bad;
}
