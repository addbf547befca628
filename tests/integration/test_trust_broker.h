/*
 * test_trust_broker.h — the shipped broker config as an operator installs
 * it, for the test_trust_broker*.c tests: a main mosquitto.conf made from
 * Debian's own (/etc/mosquitto/mosquitto.conf, paths redirected into the
 * scratch dir) that includes systemd/mosquitto-cunbao.conf through its
 * include_dir, the shipped ACL, a password file with one account per role,
 * and a CA and a broker certificate made with openssl for the TLS listener.
 *
 * The snippet is copied as shipped except for its ports (free ones, every
 * listener on loopback), the certificate, password and ACL paths; the ACL
 * as shipped plus the example app block it documents, uncommented.
 */
#ifndef TEST_TRUST_BROKER_H
#define TEST_TRUST_BROKER_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TBK_ROOT "cunbao/v1"
#define TBK_APP "app-hexi"		/* the ACL's example app: reports under xinzhuang/hexi */

/* Debian 12's /etc/mosquitto/mosquitto.conf, for machines without the package's file. */
#define TBK_DEBIAN_MAIN \
	"# Place your local configuration in /etc/mosquitto/conf.d/\n" \
	"#\n" \
	"# A full description of the configuration file is at\n" \
	"# /usr/share/doc/mosquitto/examples/mosquitto.conf.example\n" \
	"\n" \
	"pid_file /run/mosquitto/mosquitto.pid\n" \
	"\n" \
	"persistence true\n" \
	"persistence_location /var/lib/mosquitto/\n" \
	"\n" \
	"log_dest file /var/log/mosquitto/mosquitto.log\n" \
	"\n" \
	"include_dir /etc/mosquitto/conf.d\n"

struct tbk {
	struct h_broker broker;		/* its port is the plain listener's (shipped 1883) */
	int tls_port, ws_port;
	char ca[512];			/* the CA certificate clients check the broker against */
	char passwd[512], acl[512];
};

/* Replaces the one occurrence of from in text (malloc'd, freed); fails the test when it is missing. */
static inline char *
tbk_subst(char *text, const char *from, const char *to)
{
	char *hit = strstr(text, from), *out;

	cr_assert_not_null(hit, "the config has no \"%s\"", from);
	out = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
	cr_assert_not_null(out);
	sprintf(out, "%.*s%s%s", (int)(hit - text), text, to, hit + strlen(from));
	free(text);
	return out;
}

/* A password for each role's account: "pw-<user>". */
static inline const char *
tbk_password(const char *user)
{
	static char buf[4][80];
	static int n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof buf[n], "pw-%s", user);
	return buf[n];
}

/* Writes a file holding user's password on its first line (cunbaod's and the bridge's mqtt-password-file). */
static inline const char *
tbk_password_file(const char *user)
{
	static char path[512];
	char text[96];

	snprintf(path, sizeof path, "%s", h_path(user));
	snprintf(text, sizeof text, "%s\n", tbk_password(user));
	cr_assert(h_write_file(path, text));
	return path;
}

/* A CA and a certificate for 127.0.0.1 signed by it (openssl), in the scratch dir. */
static inline void
tbk_certs(struct tbk *t)
{
	char cmd[4096];
	int rc = -1;
	const char *d = h_tmpdir();

	snprintf(cmd, sizeof cmd,
	    "cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 "
	    "-subj '/CN=cunbao test CA' && "
	    "openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj '/CN=127.0.0.1' && "
	    "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > broker.ext && "
	    "openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out broker.crt "
	    "-days 2 -extfile broker.ext && chmod 644 broker.key", d);
	free(h_run(cmd, &rc));
	cr_assert_eq(rc, 0, "openssl could not make the test certificates");
	snprintf(t->ca, sizeof t->ca, "%s/ca.crt", d);
}

/*
 * Writes the configs (main, snippet in conf.d, ACL, passwords, certificates)
 * and starts mosquitto; restarts reuse them (h_broker_start).
 */
static inline void
tbk_start(struct tbk *t)
{
	char from[512], to[1200], cmd[2048];
	const char *d = h_tmpdir();
	const char *users[] = { "cunbaod", "bridge-1", "dashboard", TBK_APP };
	char *snip, *acl, *main_conf;
	int rc;

	t->broker.port = h_free_port();
	t->tls_port = h_free_port();
	t->ws_port = h_free_port();
	tbk_certs(t);

	/* The accounts. */
	snprintf(t->passwd, sizeof t->passwd, "%s/cunbao.passwd", d);
	cr_assert(h_write_file(t->passwd, ""));
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
		snprintf(cmd, sizeof cmd, "mosquitto_passwd -b '%s' '%s' '%s' 2>&1", t->passwd, users[i],
		    tbk_password(users[i]));
		free(h_run(cmd, &rc));
		cr_assert_eq(rc, 0, "mosquitto_passwd failed for %s", users[i]);
	}

	/* The ACL as shipped, plus its example app block uncommented. */
	acl = h_read_file(h_src("systemd/mosquitto-cunbao.acl"), NULL);
	cr_assert_not_null(acl);
	snprintf(t->acl, sizeof t->acl, "%s/cunbao.acl", d);
	size_t len = strlen(acl) + 512;
	char *full = malloc(len);
	snprintf(full, len, "%s\nuser " TBK_APP "\ntopic write " TBK_ROOT "/report/xinzhuang/hexi/#\n"
	    "topic read " TBK_ROOT "/receipt/" TBK_APP "\ntopic read " TBK_ROOT "/receipt/" TBK_APP "/#\n", acl);
	cr_assert(strstr(acl, "#user " TBK_APP "\n#topic write " TBK_ROOT "/report/xinzhuang/hexi/#\n") != NULL,
	    "the shipped ACL no longer documents the app block this test uses");
	cr_assert(h_write_file(t->acl, full));
	free(full);
	free(acl);

	/* The snippet: ports, certificate, password and ACL paths; nothing else. */
	snip = h_read_file(h_src("systemd/mosquitto-cunbao.conf"), NULL);
	cr_assert_not_null(snip);
	snprintf(to, sizeof to, "\nlistener %d 127.0.0.1\n", t->broker.port);
	snip = tbk_subst(snip, "\nlistener 1883 127.0.0.1\n", to);
	snprintf(to, sizeof to, "\nlistener %d 127.0.0.1\n", t->tls_port);
	snip = tbk_subst(snip, "\nlistener 8883\n", to);
	snprintf(to, sizeof to, "\nlistener %d 127.0.0.1\n", t->ws_port);
	snip = tbk_subst(snip, "\nlistener 9001 127.0.0.1\n", to);
	snprintf(to, sizeof to, "cafile %s/ca.crt\n", d);
	snip = tbk_subst(snip, "cafile /etc/mosquitto/certs/cunbao-ca.crt\n", to);
	snprintf(to, sizeof to, "certfile %s/broker.crt\n", d);
	snip = tbk_subst(snip, "certfile /etc/mosquitto/certs/cunbao-broker.crt\n", to);
	snprintf(to, sizeof to, "keyfile %s/broker.key\n", d);
	snip = tbk_subst(snip, "keyfile /etc/mosquitto/certs/cunbao-broker.key\n", to);
	snprintf(to, sizeof to, "password_file %s\n", t->passwd);
	snip = tbk_subst(snip, "password_file /etc/mosquitto/cunbao.passwd\n", to);
	snprintf(to, sizeof to, "acl_file %s\n", t->acl);
	snip = tbk_subst(snip, "acl_file /etc/mosquitto/cunbao.acl\n", to);
	snprintf(from, sizeof from, "%s/conf.d", d);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", from);
	free(h_run(cmd, &rc));
	snprintf(to, sizeof to, "%s/conf.d/cunbao.conf", d);
	cr_assert(h_write_file(to, snip));
	free(snip);

	/*
	 * Debian's main file, its paths redirected: the pid file and the
	 * persistence into the scratch dir, the log to stderr (the harness
	 * keeps it), conf.d to ours; "user root" because the test may run as
	 * root, and mosquitto would then become a "mosquitto" user who cannot
	 * write here.
	 */
	main_conf = h_read_file("/etc/mosquitto/mosquitto.conf", NULL);
	if (main_conf == NULL || strstr(main_conf, "include_dir /etc/mosquitto/conf.d") == NULL) {
		free(main_conf);
		main_conf = strdup(TBK_DEBIAN_MAIN);
	}
	snprintf(to, sizeof to, "pid_file %s/mosquitto.pid\nuser root\n", d);
	main_conf = tbk_subst(main_conf, "pid_file /run/mosquitto/mosquitto.pid\n", to);
	snprintf(to, sizeof to, "persistence_location %s/\n", d);
	main_conf = tbk_subst(main_conf, "persistence_location /var/lib/mosquitto/\n", to);
	main_conf = tbk_subst(main_conf, "log_dest file /var/log/mosquitto/mosquitto.log\n",
	    getenv("TBK_DEBUG") ? "log_dest stderr\nlog_type all\n" : "log_dest stderr\n");
	snprintf(to, sizeof to, "include_dir %s/conf.d\n", d);
	main_conf = tbk_subst(main_conf, "include_dir /etc/mosquitto/conf.d\n", to);
	snprintf(t->broker.conf, sizeof t->broker.conf, "%s/mosquitto.conf", d);
	cr_assert(h_write_file(t->broker.conf, main_conf));
	free(main_conf);
	cr_assert(h_broker_start(&t->broker), "mosquitto did not start with Debian's main config and the shipped snippet");
	cr_assert(h_wait_port(t->tls_port, 10000), "no TLS listener");
	cr_assert(h_wait_port(t->ws_port, 10000), "no WebSocket listener");
}

/* A client logged in as user (MQTT 5, plain listener); fails the test when refused. */
static inline struct h_mqtt *
tbk_client(struct tbk *t, const char *client_id, const char *user)
{
	struct h_mqtt_opts o = { .user = user, .password = tbk_password(user), .v5 = true };
	struct h_mqtt *m = h_mqtt_connect_opts(t->broker.port, client_id, true, &o);

	cr_assert_not_null(m, "%s could not log in (CONNACK %d)", user, o.connack);
	return m;
}

#endif
