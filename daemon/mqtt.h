/*
 * mqtt.h — cunbaod's MQTT adapter: the ONLY interface to mosquitto.h.
 *
 * One libevent loop drives libmosquitto (no library thread).  The client is
 * put in "threaded" mode so that every outgoing packet — including the
 * PUBACK libmosquitto queues before it calls on_message — stays queued until
 * mqtt_flush.  A readable socket is drained as one burst (up to burst_max
 * packets, while whole packets come); the burst_end handler commits
 * what the burst brought, and only then is anything written.  So a PUBACK
 * never reaches the broker before the commit of its message; when the
 * commit fails, the owner holds the writes (mqtt_hold) and stops reading
 * (mqtt_pause) until a retry commits, or mqtt_abort drops the connection
 * with the PUBACKs unsent and the broker redelivers.
 *
 * MQTT v5, persistent session (clean start off, session never expires),
 * or with v311 set MQTT 3.1.1 (clean session off; the broker decides how
 * long a session lives; no Response Topic or Correlation Data in or out),
 * QoS 1 subscriptions renewed on every connect, a retained last will,
 * reconnect with exponential backoff to a fixed IP address, events rebuilt
 * on every connect (the library closes its socket on errors and the fd
 * number gets reused).
 */
#ifndef CUNBAOD_MQTT_H
#define CUNBAOD_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct event_base;

/* An inbound message; everything borrowed for the duration of the callback. */
struct mqtt_msg {
	const char *topic;
	const char *payload;
	size_t len;
	const char *response_topic;	/* MQTT v5, NULL when absent */
	const void *correlation;	/* MQTT v5 correlation data, NULL when absent */
	size_t correlation_len;
};

struct mqtt_handlers {
	void (*message)(void *arg, const struct mqtt_msg *m);	/* within a burst */
	void (*burst_end)(void *arg);	/* after a burst, before anything is written */
	void (*connected)(void *arg);	/* session up, subscriptions sent */
	void (*disconnected)(void *arg);
	/*
	 * The session may have been taken over by another client with our id:
	 * sure when the broker said so (DISCONNECT 0x8E), else suspected
	 * (closed right after several connects in a row).  Returns true to
	 * stop: mqtt.c logs it, does not reconnect, and calls stop.
	 */
	bool (*taken_over)(void *arg, bool sure);
	void (*stop)(void *arg);
	void (*tick)(void *arg);	/* once a second */
	void *arg;
};

#define MQTT_SUBS_MAX 4

struct mqtt_config {
	char host[256];			/* an IP address; with TLS the name the certificate must bear */
	int port;
	char client_id[65];
	char user[65];			/* "" : anonymous */
	char password[256];
	char cafile[256];		/* "" : plain TCP; else TLS, the broker checked against this CA */
	char certfile[256];		/* client certificate and key, "" : none */
	char keyfile[256];
	int keepalive;			/* seconds */
	int burst_max;			/* loop_read calls per readable event */
	int64_t reconnect_max_ms;
	size_t nsubs;
	char subs[MQTT_SUBS_MAX][160];	/* topic filters, QoS 1 */
	char will_topic[160];
	char will_payload[256];
	bool v311;			/* speak MQTT 3.1.1 (mqtt-protocol 3.1.1), not 5 */
};

struct mqtt;

/* Makes a client on base (not yet connected); NULL with a message in err. */
struct mqtt *mqtt_new(struct event_base *base, const struct mqtt_config *cfg,
    const struct mqtt_handlers *h, char *err, size_t errlen);
void mqtt_free(struct mqtt *m);

/* First connection attempt (a blocking TCP connect to the IP); later ones are timed. */
void mqtt_start(struct mqtt *m);

/*
 * Queues a QoS 1 publication (written at the next mqtt_flush).  With reply
 * set, its correlation data goes along (MQTT v5 request/response; a 3.1.1
 * client has none to send).  false
 * when not connected or the library refuses (the caller keeps or drops it).
 */
bool mqtt_publish(struct mqtt *m, const char *topic, const void *payload, size_t len,
    bool retain, const struct mqtt_msg *reply);

/* Writes everything queued (what does not fit waits for a writable socket). */
void mqtt_flush(struct mqtt *m);
/*
 * While held, nothing is written (the library queues PUBACKs, receipts and
 * publications): the owner holds the writes while a batch whose PUBACKs are
 * queued waits for its commit; mqtt_hold(m, false) then mqtt_flush.
 */
void mqtt_hold(struct mqtt *m, bool hold);

/*
 * While paused, nothing is read (the broker keeps what it has for us, up to
 * its limits, and cuts the connection after 1.5 keepalives without a
 * packet from us when writes are held too); a new connection reads again.
 */
void mqtt_pause(struct mqtt *m, bool pause);

/* Connections made in the last minute (a reconnect storm makes many). */
unsigned mqtt_connects_minute(const struct mqtt *m);

/* Drops the connection now, writing nothing more: queued PUBACKs never go out. */
void mqtt_abort(struct mqtt *m);

/* Sends DISCONNECT after what is queued; calls done once the connection is gone (or after 2 s). */
void mqtt_stop(struct mqtt *m, void (*done)(void *arg), void *arg);

bool mqtt_connected(const struct mqtt *m);
/* QoS 1 publications not yet acknowledged by the broker. */
size_t mqtt_inflight(const struct mqtt *m);
/*
 * QoS 1 publications queued and PUBACKs received since mqtt_new, across
 * connections (libmosquitto sends what was unacknowledged again on
 * reconnect).  The broker acknowledges in order, so acked >= a past
 * published count means every publication queued until then is on the broker.
 */
void mqtt_acks(const struct mqtt *m, uint64_t *published, uint64_t *acked);

/* Resolves "HOST:PORT" once into an IP address and a port; false with a message in err. */
bool mqtt_resolve(const char *hostport, char *ip, size_t iplen, int *port, char *err, size_t errlen);

/*
 * With TLS the library connects to the broker's name (resolving it at each
 * connect) so that the certificate can be checked against it: copies the
 * HOST of "HOST:PORT" ("[::1]:8883" gives ::1) into buf.
 */
void mqtt_tls_name(const char *hostport, char *buf, size_t buflen);

/* -n: prints one line per TLS file (cafile, certfile, keyfile; "" : not set) that cannot be read; the count. */
int mqtt_check_files(const char *cafile, const char *certfile, const char *keyfile, FILE *out);

#endif
