/*
 * client.c — outbound HTTP(S) requests: Kannel's sendsms, a gateway's reply
 * URL, the Bot API.
 *
 * One connection per request (replies are few and gateways are many), each
 * with the send-timeout on connect, write and read, no automatic retry (the
 * relay decides), a cap on the answer's size.  https:// goes through
 * OpenSSL with the system's CA store and host-name checking.  Names are
 * resolved by evdns, so a slow resolver never stalls the loop.
 *
 * As in libuv: a client_send that returns false never calls its callback;
 * one that returns true calls it exactly once — with status -1 if
 * client_free cancels it.
 *
 * Connections are freed by us, one loop turn after their answer (libevent
 * touches a connection after calling back, and does not free one whose
 * connect was refused even when asked to): finished requests wait in the
 * `dead` list for the reaper event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/ssl.h>

#include "bridge.h"

#define CLIENT_BODY_MAX 65536

struct client_req {
	struct client *cl;
	struct evhttp_connection *conn;
	client_done_fn done;
	void *arg;
	struct client_req *prev, *next;
};

struct client {
	struct event_base *base;
	struct evdns_base *dns;		/* created on the first host name */
	SSL_CTX *ssl;			/* created on the first https URL */
	int64_t timeout_ms;
	struct client_req *reqs;	/* in flight */
	struct client_req *dead;	/* answered; their connections are freed by the reaper */
	struct event *reaper;
	size_t inflight;
};

static void
client_reap(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;

	while (cl->dead != NULL) {
		struct client_req *cr = cl->dead;

		cl->dead = cr->next;
		evhttp_connection_free(cr->conn);
		free(cr);
	}
}

struct client *
client_new(struct event_base *base, int64_t timeout_ms)
{
	struct client *cl = calloc(1, sizeof *cl);

	if (cl == NULL)
		return NULL;
	cl->base = base;
	cl->timeout_ms = timeout_ms;
	if ((cl->reaper = event_new(base, -1, 0, client_reap, cl)) == NULL) {
		free(cl);
		return NULL;
	}
	return cl;
}

static void
client_unlink(struct client_req *cr)
{
	struct client *cl = cr->cl;

	if (cr->prev != NULL)
		cr->prev->next = cr->next;
	else
		cl->reqs = cr->next;
	if (cr->next != NULL)
		cr->next->prev = cr->prev;
	cl->inflight--;
}

void
client_free(struct client *cl)
{
	if (cl == NULL)
		return;
	/* Cancel what is in flight (libevent frees the requests silently); tell the owners. */
	while (cl->reqs != NULL) {
		struct client_req *cr = cl->reqs;

		client_unlink(cr);
		evhttp_connection_free(cr->conn);
		cr->done(cr->arg, -1, "", 0);
		free(cr);
	}
	client_reap(-1, 0, cl);
	event_free(cl->reaper);
	if (cl->dns != NULL)
		evdns_base_free(cl->dns, 0);
	SSL_CTX_free(cl->ssl);
	free(cl);
}

size_t
client_inflight(const struct client *cl)
{
	return cl->inflight;
}

/* libevent's answer (req NULL or code 0: no answer); hands it on and forgets the request. */
static void
client_on_done(struct evhttp_request *req, void *arg)
{
	struct client_req *cr = arg;
	struct client *cl = cr->cl;
	int status = req ? evhttp_request_get_response_code(req) : 0;
	struct evbuffer *in = req ? evhttp_request_get_input_buffer(req) : NULL;
	size_t len = in ? evbuffer_get_length(in) : 0;
	const char *body = len ? (const char *)evbuffer_pullup(in, (ev_ssize_t)len) : "";

	client_unlink(cr);
	cr->prev = NULL;
	cr->next = cl->dead;
	cl->dead = cr;
	event_active(cl->reaper, 0, 0);
	cr->done(cr->arg, status, body ? body : "", body ? len : 0);
}

/* A TLS bufferevent for host, verifying its certificate against the system's CAs. */
static struct bufferevent *
client_tls(struct client *cl, const char *host, char *err, size_t errlen)
{
	struct bufferevent *bev;
	SSL *ssl;

	if (cl->ssl == NULL) {
		cl->ssl = SSL_CTX_new(TLS_client_method());
		if (cl->ssl == NULL) {
			snprintf(err, errlen, "cannot create a TLS context");
			return NULL;
		}
		SSL_CTX_set_default_verify_paths(cl->ssl);
		SSL_CTX_set_verify(cl->ssl, SSL_VERIFY_PEER, NULL);
		SSL_CTX_set_min_proto_version(cl->ssl, TLS1_2_VERSION);
	}
	if ((ssl = SSL_new(cl->ssl)) == NULL) {
		snprintf(err, errlen, "cannot create a TLS session");
		return NULL;
	}
	SSL_set_tlsext_host_name(ssl, host);
	SSL_set1_host(ssl, host);
	bev = bufferevent_openssl_socket_new(cl->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		SSL_free(ssl);
		snprintf(err, errlen, "cannot create a TLS connection");
	}
	return bev;
}

/* A connection to the URI's host with our timeouts; NULL with err. */
static struct evhttp_connection *
client_connect(struct client *cl, const struct evhttp_uri *uri, bool tls, char *err, size_t errlen)
{
	const char *host = evhttp_uri_get_host(uri);
	int port = evhttp_uri_get_port(uri);
	struct evhttp_connection *conn;
	struct bufferevent *bev = NULL;
	struct timeval tv = { cl->timeout_ms / 1000, (cl->timeout_ms % 1000) * 1000 };
	unsigned char addr[16];

	if (inet_pton(AF_INET, host, addr) != 1 && inet_pton(AF_INET6, host, addr) != 1 && cl->dns == NULL)
		cl->dns = evdns_base_new(cl->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
		    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (tls && (bev = client_tls(cl, host, err, errlen)) == NULL)
		return NULL;
	if (port < 0)
		port = tls ? 443 : 80;
	conn = evhttp_connection_base_bufferevent_new(cl->base, cl->dns, bev, host, (unsigned short)port);
	if (conn == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		snprintf(err, errlen, "cannot create a connection to %s", host);
		return NULL;
	}
	evhttp_connection_set_timeout_tv(conn, &tv);
	evhttp_connection_set_retries(conn, 0);
	evhttp_connection_set_max_body_size(conn, CLIENT_BODY_MAX);
	return conn;
}

/* Fills the request's headers and body from r. */
static void
client_fill(struct evhttp_request *req, const struct evhttp_uri *uri, const struct outreq *r)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	size_t i;

	evhttp_add_header(h, "Host", evhttp_uri_get_host(uri));
	evhttp_add_header(h, "User-Agent", "cunbao-bridge");
	evhttp_add_header(h, "Connection", "close");
	if (r->post) {
		evhttp_add_header(h, "Content-Type", r->ctype[0] ? r->ctype : "application/octet-stream");
		evbuffer_add(evhttp_request_get_output_buffer(req), r->body, r->bodylen);
	}
	for (i = 0; i < r->nhdrs; i++)
		evhttp_add_header(h, r->hdrs[i].name, r->hdrs[i].value);
}

/* Adds cr to the in-flight list (before the request starts: a callback may come at once). */
static void
client_link(struct client *cl, struct client_req *cr)
{
	cr->cl = cl;
	cr->prev = NULL;
	cr->next = cl->reqs;
	if (cl->reqs != NULL)
		cl->reqs->prev = cr;
	cl->reqs = cr;
	cl->inflight++;
}

bool
client_send(struct client *cl, const struct outreq *r, client_done_fn done, void *arg,
    char *err, size_t errlen)
{
	struct evhttp_uri *uri = evhttp_uri_parse(r->url);
	const char *scheme = uri ? evhttp_uri_get_scheme(uri) : NULL;
	bool tls = scheme != NULL && strcmp(scheme, "https") == 0;
	struct client_req *cr = NULL;
	struct evhttp_request *req;
	char target[OUTREQ_URL_MAX];
	const char *path, *query;

	if (uri == NULL || scheme == NULL || (!tls && strcmp(scheme, "http") != 0) ||
	    evhttp_uri_get_host(uri) == NULL) {
		snprintf(err, errlen, "not an http(s) URL");
		goto fail;
	}
	path = evhttp_uri_get_path(uri);
	query = evhttp_uri_get_query(uri);
	snprintf(target, sizeof target, "%s%s%s", path && *path ? path : "/", query ? "?" : "", query ? query : "");
	if ((cr = calloc(1, sizeof *cr)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((cr->conn = client_connect(cl, uri, tls, err, errlen)) == NULL)
		goto fail;
	if ((req = evhttp_request_new(client_on_done, cr)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	client_fill(req, uri, r);
	cr->done = done;
	cr->arg = arg;
	client_link(cl, cr);
	if (evhttp_make_request(cr->conn, req, r->post ? EVHTTP_REQ_POST : EVHTTP_REQ_GET, target) != 0) {
		client_unlink(cr);
		snprintf(err, errlen, "cannot start the request");	/* libevent freed req */
		goto fail;
	}
	evhttp_uri_free(uri);
	return true;
fail:
	if (cr != NULL && cr->conn != NULL)
		evhttp_connection_free(cr->conn);
	free(cr);
	if (uri != NULL)
		evhttp_uri_free(uri);
	return false;
}
