/*
 * test_deploy_debian.c — the shipped configs, installed on Debian the way
 * docs/ tell an operator to, carry one SMS from a leader's phone to cunbaod
 * and the reply back:
 *
 *   fakesmsc -> bearerbox -> smsbox -> cunbao-bridge (bridge-1) -> mosquitto
 *   -> cunbaod (cunbaod) -> the receipt -> the bridge -> sendsms -> fakesmsc
 *
 * - mosquitto: Debian's own /etc/mosquitto/mosquitto.conf (paths redirected
 *   into the scratch dir), the shipped snippet systemd/mosquitto-cunbao.conf
 *   in its conf.d, the shipped ACL, a password file made with
 *   mosquitto_passwd, and the TLS listener's CA and certificate made with
 *   the openssl recipe of docs/protocol.md ("Broker"), run as written there
 *   but in the scratch dir; authentication and the ACL on.
 * - Kannel: /etc/default/kannel edited with the sed line of docs/bridge.md
 *   ("Kannel"), whose result decides which boxes start as Debian's init
 *   script decides it (smsbox, not wapbox); bearerbox and smsbox with the
 *   shipped bridge/examples/kannel.conf, only its ports changed; every port
 *   it opens is on 127.0.0.1.
 * - cunbaod with systemd/cunbaod.conf.example and the bridge with
 *   bridge/examples/cunbao-bridge.conf, each logging in with the account its
 *   example names; only paths and ports changed, by flags.
 *
 * Every change made to a shipped file is printed.  The harness stops every
 * process, also when the test fails.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <iconv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "test_bridge.h"
#include "test_trust_broker.h"

#define DD_FAKESMSC "/usr/lib/kannel/test/fakesmsc"
#define DD_LEADER "+8613800000003"	/* a group leader of the example village */
#define DD_TEXT "牲畜 牛12 猪40"
#define DD_SERVICE "10690001"		/* kannel-from and default-sender of the examples */

/* Debian 12's /etc/default/kannel, for machines without the package's file. */
#define DD_DEBIAN_DEFAULT \
	"START_WAPBOX=1\n" \
	"#START_SMSBOX=1\n"

struct deploy {
	struct tbk t;			/* the broker: ports, password file, ACL */
	struct h_proc *cunbaod, *bearerbox, *smsbox, *bridge, *fakesmsc;
	int admin_port, box_port, sendsms_port, smsc_port, bridge_port;
	char kannel_conf[512];
};

/* Prints s on one line (inner newlines as "; "). */
static void
dd_print_line(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p != '\n')
			fputc(*p, stderr);
		else if (p > s && p[1] != '\0')
			fputs("; ", stderr);
	}
}

/* tbk_subst, printing the change made to a shipped file. */
static char *
dd_change(const char *file, char *text, const char *from, const char *to)
{
	fprintf(stderr, "deploy: %s: \"", file);
	dd_print_line(from);
	fprintf(stderr, "\" -> \"");
	dd_print_line(to);
	fprintf(stderr, "\"\n");
	return tbk_subst(text, from, to);
}

/*
 * The text of the first fenced block of a doc whose first line starts with
 * first_line (the block may be indented, as in a list; the indentation of
 * its first line is taken off every line); malloc'd, without the fences.
 * Fails the test when the doc has none.
 */
static char *
dd_doc_block(const char *doc, const char *first_line)
{
	char *text = h_read_file(h_src(doc), NULL), *p, *end, *out, *o;
	size_t indent = 0;

	cr_assert_not_null(text, "cannot read %s", doc);
	for (p = strstr(text, "```\n"); p != NULL; p = strstr(p, "```\n")) {
		p += 4;
		indent = strspn(p, " ");
		if (strncmp(p + indent, first_line, strlen(first_line)) == 0)
			break;
	}
	cr_assert_not_null(p, "%s has no block starting \"%s\"", doc, first_line);
	end = strstr(p, "```");
	cr_assert_not_null(end, "%s: the block \"%s\" is not closed", doc, first_line);
	out = o = calloc(1, (size_t)(end - p) + 1);
	cr_assert_not_null(out);
	while (p < end) {
		size_t n;

		if (strspn(p, " ") >= indent)
			p += indent;
		n = strcspn(p, "\n");
		if (p + n > end)
			n = (size_t)(end - p);
		memcpy(o, p, n);
		o += n;
		p += n;
		if (p < end && *p == '\n')
			*o++ = *p++;
	}
	/* The closing fence's own indentation is not part of the block. */
	while (o > out && o[-1] == ' ')
		*--o = '\0';
	free(text);
	return out;
}

/*
 * The CA and broker certificate of the TLS listener, made with the recipe
 * of docs/protocol.md as written, in <scratch>/certs instead of
 * /etc/mosquitto/certs (and group root where no mosquitto group exists).
 */
static void
dd_certs(void)
{
	char *recipe = dd_doc_block("docs/protocol.md", "cd /etc/mosquitto/certs\n"), *cmd, dir[512];
	int rc = -1;

	snprintf(dir, sizeof dir, "%s/certs", h_tmpdir());
	cr_assert_eq(mkdir(dir, 0755), 0);
	char to[600];
	snprintf(to, sizeof to, "cd '%s'\n", dir);
	recipe = dd_change("docs/protocol.md recipe", recipe, "cd /etc/mosquitto/certs\n", to);
	free(h_run("getent group mosquitto >/dev/null", &rc));
	if (rc != 0)
		recipe = dd_change("docs/protocol.md recipe", recipe, "chgrp mosquitto", "chgrp 0");
	if (asprintf(&cmd, "exec 2>&1\nset -e\n%s", recipe) < 0)
		cr_assert_fail("out of memory");
	char *out = h_run(cmd, &rc);
	cr_assert_eq(rc, 0, "the openssl recipe of docs/protocol.md failed: %s", out ? out : "");
	free(out);
	free(cmd);
	free(recipe);
}

/*
 * mosquitto as docs/protocol.md installs it: the accounts made with
 * mosquitto_passwd (-b: the docs' interactive form, batched), the shipped
 * ACL, the shipped snippet in conf.d (its ports free ones, its file paths
 * in the scratch dir), included by Debian's main file (paths redirected).
 */
static void
dd_broker(struct deploy *d)
{
	const char *dir = h_tmpdir(), *users[] = { "cunbaod", "bridge-1", "dashboard" };
	char to[1200], cmd[2048], path[600];
	char *snip, *main_conf, *acl;
	int rc = -1;

	d->t.broker.port = h_free_port();
	d->t.tls_port = h_free_port();
	d->t.ws_port = h_free_port();
	dd_certs();
	snprintf(d->t.passwd, sizeof d->t.passwd, "%s/cunbao.passwd", dir);
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
		snprintf(cmd, sizeof cmd, "mosquitto_passwd %s -b '%s' '%s' '%s' 2>&1", i == 0 ? "-c" : "",
		    d->t.passwd, users[i], tbk_password(users[i]));
		free(h_run(cmd, &rc));
		cr_assert_eq(rc, 0, "mosquitto_passwd failed for %s", users[i]);
	}
	acl = h_read_file(h_src("systemd/mosquitto-cunbao.acl"), NULL);
	cr_assert_not_null(acl);
	snprintf(d->t.acl, sizeof d->t.acl, "%s/cunbao.acl", dir);
	cr_assert(h_write_file(d->t.acl, acl));
	free(acl);

	snip = h_read_file(h_src("systemd/mosquitto-cunbao.conf"), NULL);
	cr_assert_not_null(snip);
#define SNIP(from, ...) do { snprintf(to, sizeof to, __VA_ARGS__); \
	snip = dd_change("mosquitto-cunbao.conf", snip, from, to); } while (0)
	SNIP("\nlistener 1883 127.0.0.1\n", "\nlistener %d 127.0.0.1\n", d->t.broker.port);
	SNIP("\nlistener 8883\n", "\nlistener %d 127.0.0.1\n", d->t.tls_port);
	SNIP("\nlistener 9001 127.0.0.1\n", "\nlistener %d 127.0.0.1\n", d->t.ws_port);
	SNIP("cafile /etc/mosquitto/certs/cunbao-ca.crt\n", "cafile %s/certs/cunbao-ca.crt\n", dir);
	SNIP("certfile /etc/mosquitto/certs/cunbao-broker.crt\n", "certfile %s/certs/cunbao-broker.crt\n", dir);
	SNIP("keyfile /etc/mosquitto/certs/cunbao-broker.key\n", "keyfile %s/certs/cunbao-broker.key\n", dir);
	SNIP("password_file /etc/mosquitto/cunbao.passwd\n", "password_file %s\n", d->t.passwd);
	SNIP("acl_file /etc/mosquitto/cunbao.acl\n", "acl_file %s\n", d->t.acl);
#undef SNIP
	snprintf(path, sizeof path, "%s/conf.d", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/conf.d/cunbao.conf", dir);
	cr_assert(h_write_file(path, snip));
	free(snip);

	/* Debian's main file; "user root": as root mosquitto would become "mosquitto", who cannot write here. */
	main_conf = h_read_file("/etc/mosquitto/mosquitto.conf", NULL);
	if (main_conf == NULL || strstr(main_conf, "include_dir /etc/mosquitto/conf.d") == NULL) {
		free(main_conf);
		main_conf = strdup(TBK_DEBIAN_MAIN);
	}
#define MAIN(from, ...) do { snprintf(to, sizeof to, __VA_ARGS__); \
	main_conf = dd_change("mosquitto.conf", main_conf, from, to); } while (0)
	MAIN("pid_file /run/mosquitto/mosquitto.pid\n", "pid_file %s/mosquitto.pid\nuser root\n", dir);
	MAIN("persistence_location /var/lib/mosquitto/\n", "persistence_location %s/\n", dir);
	MAIN("log_dest file /var/log/mosquitto/mosquitto.log\n", "log_dest stderr\n");
	MAIN("include_dir /etc/mosquitto/conf.d\n", "include_dir %s/conf.d\n", dir);
#undef MAIN
	snprintf(d->t.broker.conf, sizeof d->t.broker.conf, "%s/mosquitto.conf", dir);
	cr_assert(h_write_file(d->t.broker.conf, main_conf));
	free(main_conf);
	cr_assert(h_broker_start(&d->t.broker), "mosquitto did not start with Debian's main config and the snippet");
	cr_assert(h_wait_port(d->t.tls_port, 10000), "no TLS listener (the docs' certificate)");
}

/*
 * Which boxes Debian's init script (/etc/init.d/kannel) starts besides
 * bearerbox, given /etc/default/kannel's text: it sources the file and
 * starts wapbox when `test ! -z $START_WAPBOX`, smsbox when
 * `test ! -z $START_SMSBOX`.  Returns "wapbox smsbox"-like text (malloc'd).
 */
static char *
dd_kannel_boxes(const char *defaults)
{
	char path[512], cmd[1024];
	int rc = -1;

	snprintf(path, sizeof path, "%s/default-kannel-probe", h_tmpdir());
	cr_assert(h_write_file(path, defaults));
	snprintf(cmd, sizeof cmd, ". '%s'; test ! -z $START_WAPBOX && printf 'wapbox '; "
	    "test ! -z $START_SMSBOX && printf 'smsbox '; true", path);
	char *out = h_run(cmd, &rc);
	cr_assert_eq(rc, 0);
	return out;
}

/*
 * /etc/default/kannel as the package ships it starts wapbox, which the
 * shipped kannel.conf cannot run; the sed line of docs/bridge.md turns it
 * into smsbox alone.  Checks both.
 */
static void
dd_kannel_defaults(void)
{
	char *def = h_read_file("/etc/default/kannel", NULL), *sed, *boxes, path[512], *cmd;
	int rc = -1;

	if (def == NULL || strstr(def, "START_WAPBOX") == NULL) {
		free(def);
		def = strdup(DD_DEBIAN_DEFAULT);
	}
	boxes = dd_kannel_boxes(def);
	cr_expect_str_eq(boxes, "wapbox ", "Debian's default no longer starts wapbox alone: fix docs/bridge.md");
	free(boxes);

	snprintf(path, sizeof path, "%s/default-kannel", h_tmpdir());
	cr_assert(h_write_file(path, def));
	free(def);
	sed = dd_doc_block("docs/bridge.md", "sed -i ");
	sed[strcspn(sed, "\n")] = '\0';
	sed = dd_change("docs/bridge.md sed line", sed, "/etc/default/kannel", path);
	if (asprintf(&cmd, "%s 2>&1", sed) < 0)
		cr_assert_fail("out of memory");
	char *out = h_run(cmd, &rc);
	cr_assert_eq(rc, 0, "%s: %s", sed, out ? out : "");
	free(out);
	free(cmd);
	free(sed);
	def = h_read_file(path, NULL);
	boxes = dd_kannel_boxes(def);
	cr_assert_str_eq(boxes, "smsbox ", "after the docs' edit Debian's script would start: %s", boxes);
	free(boxes);
	free(def);
}

/* True when something listens on port on 127.0.0.1 only (ss), else false; prints what listens. */
static bool
dd_loopback_only(int port)
{
	char cmd[256], pat[64];
	int rc = -1;
	bool ok = true, seen = false;

	snprintf(cmd, sizeof cmd, "ss -Hltn 'sport = :%d'", port);
	char *out = h_run(cmd, &rc);

	cr_assert(out != NULL && rc == 0, "ss failed");
	snprintf(pat, sizeof pat, ":%d ", port);
	for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		if (strstr(line, pat) == NULL)
			continue;
		seen = true;
		snprintf(pat, sizeof pat, "127.0.0.1:%d ", port);
		if (strstr(line, pat) == NULL) {
			fprintf(stderr, "deploy: port %d not on loopback: %s\n", port, line);
			ok = false;
		}
		snprintf(pat, sizeof pat, ":%d ", port);
	}
	free(out);
	return ok && seen;
}

/*
 * bearerbox, then smsbox (as the edited defaults decide), with the shipped
 * kannel.conf, its ports changed to free ones, started as Debian's init
 * script starts them ("BOX -v LEVEL -- CONF", verbosity 1 instead of 4 so
 * that a failure shows their logs).
 */
static void
dd_kannel(struct deploy *d)
{
	char *conf = h_read_file(h_src("bridge/examples/kannel.conf"), NULL), to[256];

	cr_assert_not_null(conf);
	d->admin_port = h_free_port();
	d->box_port = h_free_port();
	d->sendsms_port = h_free_port();
	d->smsc_port = h_free_port();
	d->bridge_port = h_free_port();
#define KC(from, ...) do { snprintf(to, sizeof to, __VA_ARGS__); \
	conf = dd_change("kannel.conf", conf, from, to); } while (0)
	KC("admin-port = 13000\n", "admin-port = %d\n", d->admin_port);
	KC("smsbox-port = 13001\n", "smsbox-port = %d\n", d->box_port);
	KC("port = 13015\n", "port = %d\n", d->smsc_port);
	KC("bearerbox-port = 13001\n", "bearerbox-port = %d\n", d->box_port);
	KC("sendsms-port = 13013\n", "sendsms-port = %d\n", d->sendsms_port);
	KC("http://127.0.0.1:13080/", "http://127.0.0.1:%d/", d->bridge_port);
#undef KC
	snprintf(d->kannel_conf, sizeof d->kannel_conf, "%s/kannel.conf", h_tmpdir());
	cr_assert(h_write_file(d->kannel_conf, conf));
	free(conf);

	char *bb[] = { "/usr/sbin/bearerbox", "-v", "1", "--", d->kannel_conf, NULL };
	char *sb[] = { "/usr/sbin/smsbox", "-v", "1", "--", d->kannel_conf, NULL };

	d->bearerbox = h_spawn("bearerbox", bb);
	cr_assert(d->bearerbox != NULL && h_wait_port(d->admin_port, 20000) && h_wait_port(d->box_port, 20000),
	    "bearerbox did not start");
	d->smsbox = h_spawn("smsbox", sb);
	cr_assert(d->smsbox != NULL && h_wait_port(d->sendsms_port, 20000), "smsbox did not start");
	cr_expect(h_wait_log(d->smsbox, "Connected to bearerbox", 20000), "smsbox did not reach bearerbox");
	cr_assert(h_wait_port(d->smsc_port, 20000), "no fake SMSC");
	cr_expect(dd_loopback_only(d->admin_port), "bearerbox's admin port is not on loopback only");
	cr_expect(dd_loopback_only(d->box_port), "bearerbox's smsbox port is not on loopback only");
	cr_expect(dd_loopback_only(d->smsc_port), "the fake SMSC is not on loopback only");
	cr_expect(dd_loopback_only(d->sendsms_port), "smsbox's sendsms port is not on loopback only");
}

/* Checks that a shipped example logs in with the account the ACL names (an active line). */
static void
dd_example_account(const char *example, const char *user)
{
	char *text = h_read_file(h_src(example), NULL), line[128];

	cr_assert_not_null(text);
	snprintf(line, sizeof line, "\nmqtt-user %s\n", user);
	cr_expect(strstr(text, line) != NULL, "%s does not log in as %s", example, user);
	cr_expect(strstr(text, "\nmqtt-password-file /etc/cunbao/") != NULL, "%s has no mqtt-password-file", example);
	free(text);
}

/* cunbaod with the shipped example, paths and ports changed by flags (printed). */
static void
dd_cunbaod(struct deploy *d)
{
	char broker[32], listen[32], db[512], pw[512];

	dd_example_account("systemd/cunbaod.conf.example", "cunbaod");
	snprintf(broker, sizeof broker, "127.0.0.1:%d", d->t.broker.port);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", h_free_port());
	snprintf(db, sizeof db, "%s", h_path("cunbao.db"));
	snprintf(pw, sizeof pw, "%s", tbk_password_file("cunbaod"));
	char *argv[] = { (char *)h_bin("daemon/cunbaod"), "-d", "-c", (char *)h_src("systemd/cunbaod.conf.example"),
		"--broker", broker, "--db", db, "--catalog", (char *)h_src("schema/catalog.json"),
		"--areas", (char *)h_src("schema/examples/areas.csv"),
		"--reporters", (char *)h_src("schema/examples/reporters.csv"),
		"--mqtt-password-file", pw, "--listen", listen, NULL };

	for (int i = 4; argv[i] != NULL; i += 2)
		fprintf(stderr, "deploy: cunbaod.conf.example: %s %s\n", argv[i] + 2, argv[i + 1]);
	d->cunbaod = h_spawn("cunbaod", argv);
	cr_assert_not_null(d->cunbaod);
	if (!h_wait_log(d->cunbaod, "mqtt: connected", 20000)) {
		h_dump_log(d->cunbaod);
		cr_assert_fail("cunbaod did not connect as cunbaod");
	}
}

/* The bridge with the shipped example, paths and ports changed by flags (printed). */
static void
dd_bridge(struct deploy *d)
{
	char broker[32], listen[32], sendsms[128], spool[512], pw[512];

	dd_example_account("bridge/examples/cunbao-bridge.conf", "bridge-1");
	snprintf(broker, sizeof broker, "127.0.0.1:%d", d->t.broker.port);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", d->bridge_port);
	snprintf(sendsms, sizeof sendsms, "http://127.0.0.1:%d/cgi-bin/sendsms", d->sendsms_port);
	snprintf(spool, sizeof spool, "%s", h_path("bridge.db"));
	snprintf(pw, sizeof pw, "%s", tbk_password_file("bridge-1"));
	char *argv[] = { (char *)h_bin("bridge/cunbao-bridge"), "-d", "-c",
		(char *)h_src("bridge/examples/cunbao-bridge.conf"), "--broker", broker, "--listen", listen,
		"--spool", spool, "--kannel-sendsms", sendsms, "--mqtt-password-file", pw, NULL };

	for (int i = 4; argv[i] != NULL; i += 2)
		fprintf(stderr, "deploy: cunbao-bridge.conf: %s %s\n", argv[i] + 2, argv[i + 1]);
	d->bridge = h_spawn("bridge", argv);
	cr_assert_not_null(d->bridge);
	if (!h_wait_port(d->bridge_port, 20000) || !h_wait_log(d->bridge, "mqtt: connected", 20000)) {
		h_dump_log(d->bridge);
		cr_assert_fail("the bridge did not connect as bridge-1");
	}
}

/* Decodes fakesmsc's data (%XX escapes, UTF-16BE for type ucs-2) into UTF-8 text; malloc'd. */
static char *
dd_decode(const char *type, const char *data)
{
	size_t n = strlen(data), k = 0, outlen = 4 * n + 1;
	char *bytes = malloc(n + 1), *out = calloc(1, outlen), *in = bytes, *o = out;
	iconv_t cd;

	cr_assert(bytes != NULL && out != NULL);
	for (const char *p = data; *p; k++) {
		unsigned v;

		if (*p == '%' && p[1] && p[2] && sscanf(p + 1, "%2x", &v) == 1) {
			bytes[k] = (char)v;
			p += 3;
		} else {
			bytes[k] = *p == '+' ? ' ' : *p;
			p++;
		}
	}
	cd = iconv_open("UTF-8", strncmp(type, "ucs", 3) == 0 ? "UTF-16BE" : "UTF-8");
	cr_assert(cd != (iconv_t)-1);
	iconv(cd, &in, &k, &o, &outlen);
	iconv_close(cd);
	free(bytes);
	return out;
}

/*
 * The text of the first SMS fakesmsc received for phone ("Got message N:
 * <sender receiver type data>" in its log), decoded; NULL after timeout_ms.
 */
static char *
dd_reply(struct h_proc *fakesmsc, const char *phone, int timeout_ms)
{
	long long end = tb_now_ms() + timeout_ms;

	do {
		char *log = h_read_file(fakesmsc->log, NULL), *p;

		for (p = log ? strstr(log, "Got message ") : NULL; p != NULL; p = strstr(p + 1, "Got message ")) {
			char sender[64], receiver[64], type[16], data[8192];

			p = strchr(p, '<');
			if (p == NULL)
				break;
			if (sscanf(p + 1, "%63s %63s %15s %8191[^>]", sender, receiver, type, data) == 4 &&
			    strcmp(receiver, phone) == 0) {
				char *text = dd_decode(type, data);

				free(log);
				return text;
			}
		}
		free(log);
		tb_sleep_ms(200);
	} while (tb_now_ms() < end);
	return NULL;
}

static void
dd_dump(struct deploy *d)
{
	h_dump_log(d->t.broker.proc);
	h_dump_log(d->bearerbox);
	h_dump_log(d->smsbox);
	h_dump_log(d->bridge);
	h_dump_log(d->cunbaod);
	h_dump_log(d->fakesmsc);
}

Test(deploy_debian, one_sms_through_the_shipped_configs, .timeout = 240)
{
	struct deploy d;
	char port[16], line[256];

	memset(&d, 0, sizeof d);
	cr_assert(access(DD_FAKESMSC, X_OK) == 0, "%s missing (apt-get install kannel-extras)", DD_FAKESMSC);
	dd_broker(&d);
	dd_kannel_defaults();
	dd_kannel(&d);
	dd_cunbaod(&d);
	dd_bridge(&d);
	cr_expect(h_wait_log(d.t.broker.proc, "u'cunbaod'", 10000), "the broker saw no login as cunbaod");
	cr_expect(h_wait_log(d.t.broker.proc, "u'bridge-1'", 10000), "the broker saw no login as bridge-1");

	/* The phone: one message, then fakesmsc waits for the reply until it is stopped. */
	snprintf(port, sizeof port, "%d", d.smsc_port);
	snprintf(line, sizeof line, "%s %s text %s", DD_LEADER, DD_SERVICE, DD_TEXT);
	char *argv[] = { DD_FAKESMSC, "-H", "127.0.0.1", "-r", port, "-m", "1", "-v", "0", line, NULL };
	d.fakesmsc = h_spawn("fakesmsc", argv);
	cr_assert_not_null(d.fakesmsc);
	char *reply = dd_reply(d.fakesmsc, DD_LEADER, 90000);

	if (reply == NULL)
		dd_dump(&d);
	cr_assert_not_null(reply, "no reply came back to %s", DD_LEADER);
	fprintf(stderr, "deploy: the phone got: %s\n", reply);
	cr_expect(strncmp(reply, "已收到 3组", strlen("已收到 3组")) == 0, "reply \"%s\"", reply);
	cr_expect(strstr(reply, "牲畜：牛12 猪40") != NULL, "reply \"%s\"", reply);
	free(reply);
	cr_expect_eq(tb_sql(h_path("cunbao.db"), "SELECT count(*) FROM journal WHERE sender = '" DD_LEADER
	    "' AND status = 'accepted'"), 1);

	h_stop(d.fakesmsc, SIGTERM, 5000);
	cr_expect_eq(h_stop(d.bridge, SIGTERM, 15000), 0, "the bridge did not exit cleanly");
	cr_expect_eq(h_stop(d.cunbaod, SIGTERM, 15000), 0, "cunbaod did not exit cleanly");
	h_stop(d.smsbox, SIGTERM, 10000);
	h_stop(d.bearerbox, SIGTERM, 10000);
	h_broker_stop(&d.t.broker);
}
