/*
 * mqtt.c — libmosquitto inside our libevent loop, and the only file that
 * includes mosquitto.h.
 *
 * No library thread: we watch mosquitto_socket() for reads and, when
 * mosquitto_want_write(), for writes, and call loop_misc once a second for
 * keepalives.  mosquitto_threaded_set(true) makes the library queue every
 * outgoing packet until loop_write; that matters for QoS 1 messages we
 * receive, whose PUBACK the library would otherwise write before calling
 * on_message: queued, it leaves only after our handler has committed the
 * message to the spool.  loop_read handles about one packet per call, so we
 * drain while FIONREAD says bytes wait.  After an error the library has
 * closed the socket: events are dropped at once (the fd number is reused)
 * and rebuilt on reconnect, with a doubling delay.
 *
 * The session is persistent (clean session off) so receipts and outbox
 * messages wait in the broker while we are down.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <event2/event.h>
#include <mosquitto.h>

#include "bridge.h"

#define MQTT_SUBS_MAX	4
#define MQTT_RETRY_MIN	250	/* ms */
#define MQTT_RETRY_MAX	5000

struct mqtt {
	struct event_base *base;
	const struct bridge_conf *conf;
	struct mqtt_handlers h;
	void *arg;
	struct mosquitto *mosq;
	struct event *rd, *wr;		/* on the current socket; NULL while there is none */
	struct event *tick;		/* loop_misc, reconnects */
	bool connected;			/* CONNACK accepted, no disconnect seen since */
	bool up;			/* the same, until mqtt_lost has logged the loss */
	bool warned;			/* "not reachable" logged once since the last connection */
	bool ever;			/* connect_async was called once: reconnect from now on */
	bool hinted;			/* the login hint was logged */
	int64_t retry_at;		/* when to connect again; 0 while a socket is up */
	int64_t backoff;
	char host[128];
	int port;
	char subs[MQTT_SUBS_MAX][CB_TOPIC_MAX];
	int nsubs;
};

static void mqtt_lost(struct mqtt *m, int rc, const char *where);

/* Asks for a write event when the library has packets queued. */
static void
mqtt_flush(struct mqtt *m)
{
	if (m->wr != NULL && mosquitto_want_write(m->mosq))
		event_add(m->wr, NULL);
}

static void
mqtt_detach(struct mqtt *m)
{
	if (m->rd != NULL)
		event_free(m->rd);
	if (m->wr != NULL)
		event_free(m->wr);
	m->rd = m->wr = NULL;
}

static void
mqtt_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt *m = arg;
	int rc, pending;

	do {
		rc = mosquitto_loop_read(m->mosq, 1);
		if (rc != MOSQ_ERR_SUCCESS) {
			mqtt_lost(m, rc, "read");
			return;
		}
	} while (m->rd != NULL && ioctl(fd, FIONREAD, &pending) == 0 && pending > 0);
	mqtt_flush(m);
}

static void
mqtt_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt *m = arg;
	int rc = mosquitto_loop_write(m->mosq, 1);

	if (rc != MOSQ_ERR_SUCCESS) {
		mqtt_lost(m, rc, "write");
		return;
	}
	mqtt_flush(m);
}

/* Builds the events on the library's current socket. */
static bool
mqtt_attach(struct mqtt *m)
{
	int fd = mosquitto_socket(m->mosq);

	if (fd < 0)
		return false;
	m->rd = event_new(m->base, fd, EV_READ | EV_PERSIST, mqtt_on_read, m);
	m->wr = event_new(m->base, fd, EV_WRITE, mqtt_on_write, m);
	if (m->rd == NULL || m->wr == NULL || event_add(m->rd, NULL) != 0) {
		mqtt_detach(m);
		return false;
	}
	m->retry_at = 0;
	event_add(m->wr, NULL);		/* the CONNECT packet, once the socket is up */
	return true;
}

/* Opens a connection (first time) or reopens it; on failure schedules the next try. */
static void
mqtt_connect(struct mqtt *m)
{
	int rc;

	if (!m->ever) {
		rc = mosquitto_connect_async(m->mosq, m->host, m->port, (int)m->conf->mqtt_keepalive);
		m->ever = true;
	} else {
		rc = mosquitto_reconnect_async(m->mosq);
	}
	if (rc != MOSQ_ERR_SUCCESS || !mqtt_attach(m))
		mqtt_lost(m, rc, "connect");
}

/*
 * The one exit path of a connection: forget its events (the library has
 * closed the socket, or will) and schedule a reconnect with a doubling delay.
 */
static void
mqtt_lost(struct mqtt *m, int rc, const char *where)
{
	const char *why = rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc);

	if (m->up)
		log_warnx("mqtt: connection to %s:%d lost (%s: %s); reconnecting", m->host, m->port, where, why);
	else if (!m->warned)
		log_warnx("mqtt: %s:%d not reachable (%s: %s); retrying, webhooks are spooled meanwhile",
		    m->host, m->port, where, why);
	else
		log_debug("mqtt: %s:%d not reachable (%s: %s)", m->host, m->port, where, why);
	m->warned = true;
	m->connected = m->up = false;
	mqtt_detach(m);
	m->backoff = m->backoff == 0 ? MQTT_RETRY_MIN : m->backoff * 2;
	if (m->backoff > MQTT_RETRY_MAX)
		m->backoff = MQTT_RETRY_MAX;
	m->retry_at = clock_ms() + m->backoff;
}

static void
mqtt_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt *m = arg;

	if (m->rd != NULL) {
		int rc = mosquitto_loop_misc(m->mosq);

		if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
			mqtt_lost(m, rc, "keepalive");
		else
			mqtt_flush(m);
	} else if (m->retry_at != 0 && clock_ms() >= m->retry_at) {
		mqtt_connect(m);
	}
}

/*
 * A broker that refuses our login says so at every reconnect (CONNACK 4:
 * bad user name or password, 5: not authorised); what to do about it is
 * said once.
 */
static void
mqtt_login_hint(struct mqtt *m, int rc)
{
	if (m->hinted || (rc != 4 && rc != 5))
		return;
	m->hinted = true;
	if (m->conf->mqtt_user[0] == '\0')
		log_warnx("mqtt: the broker refuses anonymous clients: set mqtt-user / mqtt-password-file "
		    "(the account %s of systemd/mosquitto-cunbao.acl); envelopes wait in the spool",
		    m->conf->source);
	else
		log_warnx("mqtt: the broker refused the login of user \"%s\": check mqtt-user / "
		    "mqtt-password-file against the broker's password file; envelopes wait in the spool",
		    m->conf->mqtt_user);
}

static void
mqtt_on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct mqtt *m = arg;
	int i;

	if (rc != 0) {
		log_warnx("mqtt: %s:%d refused us: %s", m->host, m->port, mosquitto_connack_string(rc));
		mqtt_login_hint(m, rc);
		return;		/* loop_read returns the error: mqtt_lost follows */
	}
	log_info("mqtt: connected to %s:%d", m->host, m->port);
	m->connected = m->up = true;
	m->warned = false;
	m->backoff = 0;
	for (i = 0; i < m->nsubs; i++)
		if (mosquitto_subscribe(mosq, NULL, m->subs[i], 1) != MOSQ_ERR_SUCCESS)
			log_warnx("mqtt: cannot subscribe to %s", m->subs[i]);
	if (m->h.connected != NULL)
		m->h.connected(m->arg);
}

static void
mqtt_on_disconnect(struct mosquitto *mosq, void *arg, int rc)
{
	struct mqtt *m = arg;

	m->connected = false;
}

static void
mqtt_on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
	struct mqtt *m = arg;

	if (m->h.message != NULL)
		m->h.message(m->arg, msg->topic, msg->payload ? msg->payload : "", (size_t)msg->payloadlen);
}

/*
 * The account (user, and the first line of the password file) and TLS (a CA
 * file, a client certificate) from the config; false, logged, when a file
 * cannot be read or the library refuses.  The password is wiped here:
 * libmosquitto keeps its own copy.
 */
static bool
mqtt_login_setup(struct mqtt *m, const struct bridge_conf *c)
{
	char pw[256] = "";
	FILE *f;
	int rc;

	if (c->mqtt_password_file[0] != '\0') {
		if ((f = fopen(c->mqtt_password_file, "r")) == NULL) {
			log_warn("mqtt-password-file %s", c->mqtt_password_file);
			return false;
		}
		if (fgets(pw, sizeof pw, f) == NULL)
			pw[0] = '\0';
		fclose(f);
		pw[strcspn(pw, "\r\n")] = '\0';
	}
	rc = c->mqtt_user[0] == '\0' ? MOSQ_ERR_SUCCESS :
	    mosquitto_username_pw_set(m->mosq, c->mqtt_user, pw[0] != '\0' ? pw : NULL);
	explicit_bzero(pw, sizeof pw);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_warnx("mqtt-user %s: %s", c->mqtt_user, mosquitto_strerror(rc));
		return false;
	}
	if (c->mqtt_cafile[0] != '\0' &&
	    (rc = mosquitto_tls_set(m->mosq, c->mqtt_cafile, NULL, c->mqtt_certfile[0] ? c->mqtt_certfile : NULL,
	    c->mqtt_keyfile[0] ? c->mqtt_keyfile : NULL, NULL)) != MOSQ_ERR_SUCCESS) {
		log_warnx("mqtt-cafile %s: %s", c->mqtt_cafile,
		    rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		return false;
	}
	return true;
}

struct mqtt *
mqtt_new(struct event_base *base, const struct bridge_conf *c, const struct mqtt_handlers *h, void *arg)
{
	struct mqtt *m = calloc(1, sizeof *m);
	char id[CB_ID_MAX + 16];
	struct timeval sec = { 1, 0 };

	if (m == NULL)
		return NULL;
	m->base = base;
	m->conf = c;
	m->h = *h;
	m->arg = arg;
	if (c->mqtt_id[0] != '\0')
		snprintf(id, sizeof id, "%s", c->mqtt_id);
	else
		snprintf(id, sizeof id, "cunbao-bridge-%s", c->source);
	if (!addr_split(c->broker, m->host, sizeof m->host, &m->port) || (m->mosq = mosquitto_new(id, false, m)) == NULL ||
	    (m->tick = event_new(base, -1, EV_PERSIST, mqtt_on_tick, m)) == NULL) {
		mqtt_free(m);
		return NULL;
	}
	if (!mqtt_login_setup(m, c)) {
		mqtt_free(m);
		return NULL;
	}
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_threaded_set(m->mosq, true);
	mosquitto_connect_callback_set(m->mosq, mqtt_on_connect);
	mosquitto_disconnect_callback_set(m->mosq, mqtt_on_disconnect);
	mosquitto_message_callback_set(m->mosq, mqtt_on_message);
	event_add(m->tick, &sec);
	return m;
}

bool
mqtt_watch(struct mqtt *m, const char *pattern)
{
	if (m->nsubs >= MQTT_SUBS_MAX || strlen(pattern) >= CB_TOPIC_MAX)
		return false;
	snprintf(m->subs[m->nsubs++], CB_TOPIC_MAX, "%s", pattern);
	return true;
}

void
mqtt_start(struct mqtt *m)
{
	mqtt_connect(m);
}

bool
mqtt_connected(const struct mqtt *m)
{
	return m->connected;
}

bool
mqtt_publish(struct mqtt *m, const char *topic, const char *payload, size_t len)
{
	int rc;

	if (!m->connected)
		return false;
	rc = mosquitto_publish(m->mosq, NULL, topic, (int)len, payload, 1, false);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_warnx("mqtt: publish to %s: %s", topic, mosquitto_strerror(rc));
		return false;
	}
	mqtt_flush(m);
	return true;
}

void
mqtt_free(struct mqtt *m)
{
	if (m == NULL)
		return;
	if (m->mosq != NULL && m->connected) {
		/* A clean DISCONNECT: the broker keeps our session, with no will to fire. */
		mosquitto_disconnect(m->mosq);
		mosquitto_loop_write(m->mosq, 1);
	}
	mqtt_detach(m);
	if (m->tick != NULL)
		event_free(m->tick);
	mosquitto_destroy(m->mosq);
	free(m);
}

void
mqtt_lib(bool init)
{
	if (init)
		mosquitto_lib_init();
	else
		mosquitto_lib_cleanup();
}
