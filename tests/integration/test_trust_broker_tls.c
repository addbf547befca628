/*
 * test_trust_broker_tls.c — cunbaod and cunbao-bridge on the shipped
 * broker config's TLS listener (a CA and a broker certificate made with
 * openssl), logged in as "cunbaod" and "bridge-1": one SMS from Kannel's
 * get-url through the bridge, the broker and cunbaod back to Kannel's
 * sendsms as the reply, and again after a broker restart.  Also: -n of both names an unreadable CA file, and
 * a login the broker refuses logs once which keys to set.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test_bridge.h"
#include "test_trust_broker.h"

static struct tbk t;

/* Occurrences of needle in a process's log. */
static int
log_count(struct h_proc *p, const char *needle)
{
	char *text = h_read_file(p->log, NULL);
	int n = 0;

	for (const char *s = text; s != NULL && (s = strstr(s, needle)) != NULL; s += strlen(needle))
		n++;
	free(text);
	return n;
}

Test(trust_broker_tls, cunbaod_and_the_bridge_carry_an_sms_over_tls, .timeout = 120)
{
	static const int ok[] = { 202, 0 };
	struct world w;
	struct tb_endpoint kannel;
	char tls[32], tls_name[32], cunbaod_pw[150], bridge_pw[150], ca[150], target[512];
	struct tb_resp r;

	tbk_start(&t);
	snprintf(tls, sizeof tls, "127.0.0.1:%d", t.tls_port);
	snprintf(tls_name, sizeof tls_name, "localhost:%d", t.tls_port);	/* checked against the name */
	snprintf(cunbaod_pw, sizeof cunbaod_pw, "%.140s", tbk_password_file("cunbaod"));
	snprintf(bridge_pw, sizeof bridge_pw, "%.140s", tbk_password_file("bridge-1"));
	snprintf(ca, sizeof ca, "%.140s", t.ca);

	char *cargv[] = { (char *)h_bin("daemon/cunbaod"), "-d", "--broker", tls_name, "--db", (char *)h_path("cunbao.db"),
		"--catalog", (char *)h_src("schema/catalog.json"),
		"--areas", (char *)h_src("schema/examples/areas.csv"),
		"--reporters", (char *)h_src("schema/examples/reporters.csv"),
		"--listen", "off", "--mqtt-user", "cunbaod", "--mqtt-password-file", cunbaod_pw,
		"--mqtt-cafile", t.ca, NULL };
	struct h_proc *cunbaod = h_spawn("cunbaod", cargv);
	cr_assert(cunbaod != NULL && h_wait_log(cunbaod, "mqtt: connected", 15000), "cunbaod did not connect over TLS");

	memset(&w, 0, sizeof w);
	cr_assert(tb_endpoint_start(&kannel, ok, "0: Accepted for delivery"));
	w.sendsms_port = kannel.port;
	w.broker.port = t.tls_port;
	tb_flag(&w, "mqtt-user", "bridge-1");
	tb_flag(&w, "mqtt-password-file", bridge_pw);
	tb_flag(&w, "mqtt-cafile", ca);
	if (!tb_bridge(&w)) {
		h_dump_log(w.bridge);
		cr_assert_fail("the bridge did not connect over TLS");
	}

	snprintf(target, sizeof target, "/kannel/incoming?from=13800000003&text=%s&id=tls-1&coding=0"
	    "&charset=UTF-8&ts=1701736200&key=" TB_KANNEL_KEY, "%E7%89%B2%E7%95%9C%20%E7%89%9B12");	/* 牲畜 牛12 */
	cr_assert(tb_http(w.bridge_port, "GET", target, NULL, "", 0, &r));
	cr_assert_eq(r.status, 200);
	cr_assert(tb_endpoint_wait(&kannel, 1, 30000), "no reply reached Kannel's sendsms");
	cr_expect(strstr(kannel.reqs[0].target, "to=%2B8613800000003") != NULL ||
	    strstr(kannel.reqs[0].target, "to=+8613800000003") != NULL, "%s", kannel.reqs[0].target);
	cr_expect_eq(tb_sql(h_path("cunbao.db"), "SELECT count(*) FROM journal WHERE msg_id = 'kannel:tls-1'"), 1);
	cr_expect_eq(log_count(cunbaod, "set mqtt-user"), 0);

	/* Both reconnect over TLS after a broker restart, and carry the next one. */
	h_broker_stop(&t.broker);
	cr_assert(h_broker_start(&t.broker));
	for (int i = 0; i < 300 && (log_count(cunbaod, "mqtt: connected") < 2 ||
	    log_count(w.bridge, "mqtt: connected") < 2); i++) {
		struct timespec ts = { 0, 100 * 1000000L };

		nanosleep(&ts, NULL);
	}
	cr_assert_eq(log_count(cunbaod, "mqtt: connected"), 2, "cunbaod did not reconnect over TLS");
	cr_assert_eq(log_count(w.bridge, "mqtt: connected"), 2, "the bridge did not reconnect over TLS");
	snprintf(target, sizeof target, "/kannel/incoming?from=13800000003&text=%s&id=tls-2&coding=0"
	    "&charset=UTF-8&ts=1701736200&key=" TB_KANNEL_KEY, "%E7%89%B2%E7%95%9C%20%E7%89%9B13");	/* 牲畜 牛13 */
	cr_assert(tb_http(w.bridge_port, "GET", target, NULL, "", 0, &r));
	cr_assert_eq(r.status, 200);
	cr_assert(tb_endpoint_wait(&kannel, 2, 30000), "no reply after the broker's restart");

	cr_expect(tb_bridge_stop(&w));
	tb_endpoint_stop(&kannel);
	cr_expect_eq(h_stop(cunbaod, SIGTERM, 10000), 0);
	h_broker_stop(&t.broker);
}

Test(trust_broker_tls, a_refused_login_says_which_keys_to_set_once, .timeout = 120)
{
	char plain[32], spool[512];
	struct world w;

	tbk_start(&t);
	snprintf(plain, sizeof plain, "127.0.0.1:%d", t.broker.port);
	char *cargv[] = { (char *)h_bin("daemon/cunbaod"), "-d", "--broker", plain, "--db", (char *)h_path("cunbao.db"),
		"--catalog", (char *)h_src("schema/catalog.json"), "--listen", "off", "--reconnect-max", "200ms", NULL };
	struct h_proc *cunbaod = h_spawn("cunbaod", cargv);

	memset(&w, 0, sizeof w);
	w.broker.port = t.broker.port;
	snprintf(spool, sizeof spool, "%s", h_path("bridge.db"));
	cr_assert_not_null(cunbaod);
	char *bargv[] = { (char *)h_bin("bridge/cunbao-bridge"), "-c", (char *)h_src("bridge/examples/cunbao-bridge.conf"),
		"--broker", plain, "--listen", "127.0.0.1:0", "--spool", spool,
		"--mqtt-user", "", "--mqtt-password-file", "", NULL };	/* the example's login off */
	char listen[32];
	snprintf(listen, sizeof listen, "127.0.0.1:%d", h_free_port());
	bargv[6] = listen;
	struct h_proc *bridge = h_spawn("bridge", bargv);
	cr_assert_not_null(bridge);

	cr_assert(h_wait_log(cunbaod, "set mqtt-user / mqtt-password-file", 15000), "cunbaod gave no hint");
	cr_assert(h_wait_log(bridge, "set mqtt-user / mqtt-password-file", 15000), "the bridge gave no hint");
	/* Several more refusals, the hint still once. */
	for (int i = 0; i < 100 && (log_count(cunbaod, "refused") < 4 || log_count(bridge, "refused us") < 3); i++) {
		struct timespec ts = { 0, 100 * 1000000L };

		nanosleep(&ts, NULL);
	}
	cr_expect_geq(log_count(cunbaod, "refused"), 4);
	cr_expect_geq(log_count(bridge, "refused us"), 3);
	cr_expect_eq(log_count(cunbaod, "set mqtt-user"), 1);
	cr_expect_eq(log_count(bridge, "set mqtt-user"), 1);
	h_stop(cunbaod, SIGTERM, 10000);
	h_stop(bridge, SIGTERM, 10000);
	h_broker_stop(&t.broker);
}

/* -n of both programs: an unreadable CA file is named, a readable one passes. */
Test(trust_broker_tls, dash_n_checks_the_tls_files)
{
	char cmd[2048];
	char *out;
	int rc = -1;

	tbk_certs(&t);
	snprintf(cmd, sizeof cmd, "'%s' -n --catalog '%s' --listen off --mqtt-cafile /nonexistent/ca.crt 2>&1",
	    h_bin("daemon/cunbaod"), h_src("schema/catalog.json"));
	out = h_run(cmd, &rc);
	cr_expect_neq(rc, 0, "cunbaod -n accepted a missing CA file: %s", out);
	cr_expect(out != NULL && strstr(out, "mqtt-cafile: /nonexistent/ca.crt") != NULL, "%s", out);
	free(out);
	snprintf(cmd, sizeof cmd, "'%s' -n --catalog '%s' --listen off --mqtt-cafile '%s' 2>&1",
	    h_bin("daemon/cunbaod"), h_src("schema/catalog.json"), t.ca);
	out = h_run(cmd, &rc);
	cr_expect_eq(rc, 0, "cunbaod -n refused a readable CA file: %s", out);
	free(out);

	snprintf(cmd, sizeof cmd, "'%s' -n -c '%s' --mqtt-cafile /nonexistent/ca.crt 2>&1",
	    h_bin("bridge/cunbao-bridge"), h_src("bridge/examples/cunbao-bridge.conf"));
	out = h_run(cmd, &rc);
	cr_expect_neq(rc, 0, "cunbao-bridge -n accepted a missing CA file: %s", out);
	cr_expect(out != NULL && strstr(out, "mqtt-cafile: /nonexistent/ca.crt") != NULL, "%s", out);
	free(out);
	snprintf(cmd, sizeof cmd, "'%s' -n -c '%s' --mqtt-user bridge-1 --mqtt-password-file /nonexistent/pw "
	    "--mqtt-cafile '%s' 2>&1", h_bin("bridge/cunbao-bridge"), h_src("bridge/examples/cunbao-bridge.conf"), t.ca);
	out = h_run(cmd, &rc);
	cr_expect_neq(rc, 0, "cunbao-bridge -n accepted a missing password file: %s", out);
	cr_expect(out != NULL && strstr(out, "mqtt-password-file: /nonexistent/pw") != NULL, "%s", out);
	cr_expect(out != NULL && strstr(out, "mqtt-cafile") == NULL, "a readable CA file was refused: %s", out);
	free(out);
}

/* A broker whose certificate another CA signed is never trusted: no session, a TLS error logged. */
Test(trust_broker_tls, a_broker_the_ca_did_not_sign_is_refused, .timeout = 120)
{
	char tls[32], cmd[1024], other[512];
	int rc = -1;

	tbk_start(&t);
	snprintf(other, sizeof other, "%s/other-ca.crt", h_tmpdir());
	snprintf(cmd, sizeof cmd, "cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key "
	    "-out other-ca.crt -days 2 -subj '/CN=another CA' 2>&1", h_tmpdir());
	free(h_run(cmd, &rc));
	cr_assert_eq(rc, 0);
	snprintf(tls, sizeof tls, "127.0.0.1:%d", t.tls_port);
	char *cargv[] = { (char *)h_bin("daemon/cunbaod"), "-d", "--broker", tls, "--db", (char *)h_path("cunbao.db"),
		"--catalog", (char *)h_src("schema/catalog.json"), "--listen", "off", "--reconnect-max", "200ms",
		"--mqtt-user", "cunbaod", "--mqtt-password-file", (char *)tbk_password_file("cunbaod"),
		"--mqtt-cafile", other, NULL };
	struct h_proc *cunbaod = h_spawn("cunbaod", cargv);

	cr_assert_not_null(cunbaod);
	cr_expect(h_wait_log(cunbaod, "TLS", 15000), "no TLS error logged");
	cr_expect_not(h_wait_log(cunbaod, "mqtt: connected", 2000), "cunbaod trusted a broker its CA did not sign");
	h_stop(cunbaod, SIGTERM, 10000);
	h_broker_stop(&t.broker);
}
