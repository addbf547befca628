/*
 * test_rabbitmq.c — cunbaod with `mqtt-protocol 3.1.1` against a second
 * broker: Debian's rabbitmq-server (3.10, MQTT 3.1.1 only) with its MQTT
 * plugin, configured by systemd/rabbitmq-cunbao.conf; and the same key
 * against mosquitto.
 *
 * The RabbitMQ node is private to the test: its own node name, ports, data
 * and log directories and Erlang cookie (HOME) in the scratch directory, and
 * its own epmd on a free port (ERL_EPMD_PORT), started by the test in the
 * foreground, so that parallel tests never share the system's epmd on 4369.
 * Both are harness processes, started through setpriv --pdeathsig: stopped
 * on every path, failure and a timeout's SIGKILL included.  Skipped
 * (cr_skip_test, as the other tests that need a missing program) when
 * rabbitmq-server is not installed.
 */
#include "test_cunbaod.h"

#define DEC5 "2023-12-05T08:30:00+08:00"	/* messages are dated: periods are fixed */
#define RMQ_SERVER "/usr/lib/rabbitmq/bin/rabbitmq-server"
#define RMQ_START_MS 180000	/* a cold node takes ~10 s here; a loaded machine much more */

struct rmq {
	int mqtt_port, node_port, dist_port, epmd_port;
	char node[64];
	struct h_proc *epmd, *node_proc;
	int starts;
};

static struct rmq *rmq_live;	/* for the exit hook */

/*
 * The exit hook: beam.smp leads a process group (h_spawn) with its helper
 * erl_child_setup; h_cleanup kills beam.smp alone, this the whole group.
 */
static void
rmq_kill_group(void)
{
	if (rmq_live != NULL && rmq_live->node_proc != NULL && h_alive(rmq_live->node_proc))
		kill(-rmq_live->node_proc->pid, SIGKILL);
}

/* The node's environment: everything it writes goes to the scratch directory. */
static void
rmq_env(const struct rmq *r)
{
	char v[64];

	setenv("HOME", h_tmpdir(), 1);	/* .erlang.cookie */
	setenv("RUNNING_UNDER_SYSTEMD", "1", 1);	/* exec erl: the harness's pid is the node */
	setenv("RABBITMQ_NODENAME", r->node, 1);
	snprintf(v, sizeof v, "%d", r->node_port);
	setenv("RABBITMQ_NODE_PORT", v, 1);
	snprintf(v, sizeof v, "%d", r->dist_port);
	setenv("RABBITMQ_DIST_PORT", v, 1);
	snprintf(v, sizeof v, "%d", r->epmd_port);
	setenv("ERL_EPMD_PORT", v, 1);
	setenv("RABBITMQ_MNESIA_BASE", h_path("rmq-mnesia"), 1);
	setenv("RABBITMQ_LOG_BASE", h_path("rmq-log"), 1);
	setenv("RABBITMQ_CONFIG_FILE", h_path("rabbitmq.conf"), 1);
	setenv("RABBITMQ_ENABLED_PLUGINS_FILE", h_path("enabled_plugins"), 1);
	setenv("RABBITMQ_PID_FILE", h_path("rmq.pid"), 1);
}

/*
 * The shipped snippet, anonymous clients allowed (the test's own node on
 * loopback), the MQTT listener on a free port and no AMQP listener.
 */
static void
rmq_write_conf(const struct rmq *r)
{
	char *snippet = h_read_file(h_src("systemd/rabbitmq-cunbao.conf"), NULL);
	char *conf = malloc(strlen(snippet) + 512);
	size_t n = 0;

	cr_assert_not_null(snippet);
	for (char *line = strtok(snippet, "\n"); line != NULL; line = strtok(NULL, "\n"))
		if (strncmp(line, "mqtt.allow_anonymous", 20) != 0)
			n += (size_t)sprintf(conf + n, "%s\n", line);
	sprintf(conf + n, "mqtt.allow_anonymous = true\nloopback_users = none\nlisteners.tcp = none\n"
	    "mqtt.listeners.tcp.default = 127.0.0.1:%d\n", r->mqtt_port);
	cr_assert(h_write_file(h_path("rabbitmq.conf"), conf));
	cr_assert(h_write_file(h_path("enabled_plugins"), "[rabbitmq_mqtt].\n"));
	free(conf);
	free(snippet);
}

/* Starts the node (again: same ports, same data) and waits for its MQTT listener. */
static void
rmq_start(struct rmq *r)
{
	char name[32];
	/*
	 * Through setpriv --pdeathsig: the node and epmd are killed with the
	 * test process however it ends, even by a SIGKILL (a timeout) that
	 * leaves the harness no chance to stop them.
	 */
	char *const argv[] = { "setpriv", "--pdeathsig", "KILL", "--", RMQ_SERVER, NULL };

	if (r->starts == 0) {
		r->mqtt_port = h_free_port();
		r->node_port = h_free_port();
		r->dist_port = h_free_port();
		r->epmd_port = h_free_port();
		snprintf(r->node, sizeof r->node, "cunbao-test-%d@localhost", r->mqtt_port);
		rmq_write_conf(r);
		rmq_env(r);
		char port[16];
		snprintf(port, sizeof port, "%d", r->epmd_port);
		char *const eargv[] = { "setpriv", "--pdeathsig", "KILL", "--", "epmd", "-port", port,
			"-address", "127.0.0.1", NULL };
		r->epmd = h_spawn("epmd", eargv);
		cr_assert_not_null(r->epmd);
		cr_assert(h_wait_port(r->epmd_port, 10000), "epmd did not listen on %d", r->epmd_port);
		rmq_live = r;
		atexit(rmq_kill_group);	/* after the harness's hook: runs before it */
	}
	snprintf(name, sizeof name, "rabbitmq-%d", ++r->starts);
	r->node_proc = h_spawn(name, argv);
	cr_assert_not_null(r->node_proc);
	bool up = h_wait_log(r->node_proc, "completed with", RMQ_START_MS) &&
	    h_wait_port(r->mqtt_port, 10000);
	if (!up)
		h_dump_log(r->node_proc);
	cr_assert(up, "rabbitmq did not start (%s)", r->node_proc->log);
}

/* Stops the node the way systemd does (SIGTERM: a clean shutdown that syncs its DETS and queues). */
static void
rmq_stop(struct rmq *r)
{
	if (r->node_proc != NULL)
		h_stop(r->node_proc, SIGTERM, 60000);
	rmq_kill_group();
	r->node_proc = NULL;
}

/* Everything down: cunbaod, the collector, the node, epmd. */
static void
rmq_down(struct rmq *r, struct cbd *c)
{
	if (c->proc != NULL)
		cbd_term(c);
	h_mqtt_close(c->mq);
	c->mq = NULL;
	rmq_stop(r);
	if (r->epmd != NULL)
		h_stop(r->epmd, SIGTERM, 5000);
	rmq_live = NULL;
}

/* A collector for receipts (a clean 3.1.1 session: it needs nothing kept). */
static struct h_mqtt *
collector(int port)
{
	struct h_mqtt *m = h_mqtt_connect(port, "test-collector", true);

	cr_assert_not_null(m, "collector: no connection to port %d", port);
	cr_assert(h_mqtt_sub(m, CBD_ROOT "/receipt/#", 1));
	return m;
}

/* Sends an SMS envelope of group 1's leader on inbox/sms, dated 5 December 2023: accepted. */
static void
sms_expect(struct cbd *c, const char *id, const char *text)
{
	cr_assert(cbd_sms_at(c, id, "+8613800000001", text, DEC5));
	cJSON *r = cbd_receipt(c, id);
	cr_assert_not_null(r, "no receipt for %s on receipt/test", id);
	cr_expect_str_eq(rc_str(r, "status"), "accepted", "%s: %s", id, rc_str(r, "code"));
	cJSON_Delete(r);
}

/* The topic and JSON of app report id: livestock, cattle = n, for a group of hexi and a period. */
static void
report_text(char *topic, size_t tlen, char *buf, size_t blen, const char *id, const char *group,
    const char *period, int n)
{
	snprintf(topic, tlen, CBD_ROOT "/report/xinzhuang/hexi/%s", group);
	snprintf(buf, blen, "{\"id\":\"%s\",\"source\":\"app\",\"kind\":\"livestock\","
	    "\"area\":\"xinzhuang/hexi/%s\",\"period\":\"%s\",\"values\":{\"cattle\":%d}}", id, group, period, n);
}

/*
 * Publishes app report id through tx and waits for the broker's PUBACK.  tx
 * is a sender of its own, apart from the collector: h_mqtt_pub_ack counts
 * PUBACKs, and one client must publish one message at a time for that.
 */
static void
app_report(struct h_mqtt *tx, const char *id, const char *group, const char *period, int n)
{
	char topic[256], buf[512];

	report_text(topic, sizeof topic, buf, sizeof buf, id, group, period, n);
	cr_assert_eq(h_mqtt_pub_ack(tx, topic, buf, CBD_WAIT), 0, "no PUBACK for %s", id);
}

/*
 * Waits for the receipt of app report id on receipt/app, as a sender does
 * (docs/protocol.md "Sending a message, and retrying"): without one after
 * 15 s it publishes the same report again, same id, up to 3 times.  A
 * cunbaod killed after its PUBACK went out but before its receipt did
 * leaves exactly that to the sender's retry, which is then answered
 * `duplicate`.  Asserts a final status that is not a rejection; returns
 * the retries it took.
 */
static int
app_receipt(struct cbd *c, struct h_mqtt *tx, const char *id, const char *group, const char *period, int n)
{
	cJSON *r = NULL;
	int tries = 0;

	while ((r = cbd_receipt_from(c, "app", id, 15000)) == NULL && tries < 3) {
		tries++;
		app_report(tx, id, group, period, n);
	}
	cr_assert_not_null(r, "no receipt for %s, %d retries", id, tries);
	cr_expect(strcmp(rc_str(r, "status"), "accepted") == 0 || strcmp(rc_str(r, "status"), "duplicate") == 0,
	    "%s: status %s", id, rc_str(r, "status"));
	cJSON_Delete(r);
	return tries;
}

/* Every id "<prefix><0..n-1>" of source app is journaled once, accepted. */
static void
journal_once(struct cbd *c, const char *prefix, int n)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM journal WHERE source = 'app' AND msg_id LIKE '%s%%' "
	    "AND status = 'accepted'", prefix);
	cr_expect_eq(db_int(c->db, sql), n, "%s: %lld accepted journal rows, want %d", prefix, db_int(c->db, sql), n);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM journal WHERE source = 'app' AND msg_id LIKE '%s%%'", prefix);
	cr_expect_eq(db_int(c->db, sql), n, "%s: %lld journal rows, want %d", prefix, db_int(c->db, sql), n);
}

/*
 * kill -9 in a stream: n reports "<prefix>i" on g03; after the first half
 * is sent, cunbaod is killed as soon as it has stored some of them (the
 * rest are in flight: delivered and unacknowledged, or still queued); the
 * second half is published while it is down, each acknowledged by the
 * broker.  Then cunbaod starts again (resuming its session) and every
 * report must be answered (retries allowed, as a sender makes them) and
 * journaled exactly once.
 */
static void
kill9_mid_stream(struct cbd *c, int port, const char *prefix, int n)
{
	char id[32], sql[256], topic[256], buf[512], cmd[1024];
	long long stored = 0;
	int retries = 0;
	struct h_mqtt *tx = h_mqtt_connect(port, "test-sender-k9", true);
	FILE *f = fopen(h_path("burst.txt"), "w");

	cr_assert_not_null(tx);
	cr_assert_not_null(f);
	/*
	 * The first half from one mosquitto_pub -l, a line a message: a client
	 * of its own that publishes as fast as the broker takes them (the
	 * harness's clients wait for each PUBACK, or stall when a test thread
	 * floods them with publications while they receive).
	 */
	for (int i = 0; i < n / 2; i++) {
		snprintf(id, sizeof id, "%s%d", prefix, i);
		report_text(topic, sizeof topic, buf, sizeof buf, id, "g03", "2023-11", i);
		fprintf(f, "%s\n", buf);
	}
	fclose(f);
	snprintf(cmd, sizeof cmd, "exec mosquitto_pub -h 127.0.0.1 -p %d -V mqttv311 -q 1 -i test-burst -t '%s' -l < '%s'",
	    port, topic, h_path("burst.txt"));
	char *const argv[] = { "sh", "-c", cmd, NULL };
	struct h_proc *burst = h_spawn("burst", argv);
	cr_assert_not_null(burst);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM journal WHERE msg_id LIKE '%s%%'", prefix);
	for (int waited = 0; waited < 60000 && (stored = db_int(c->db, sql)) < 1; waited += 2)
		usleep(2000);
	h_kill9(c->proc);
	c->proc = NULL;
	for (int waited = 0; waited < 60000 && h_alive(burst); waited += 50)
		usleep(50 * 1000);
	cr_assert_eq(h_stop(burst, SIGTERM, 1000), 0, "mosquitto_pub did not publish the burst");
	cr_log_info("%s: %lld of %d stored when cunbaod was killed", prefix, stored, n / 2);
	for (int i = n / 2; i < n; i++) {
		snprintf(id, sizeof id, "%s%d", prefix, i);
		app_report(tx, id, "g03", "2023-11", i);
	}
	cr_assert(cbd_spawn(c), "cunbaod did not come back");
	cr_expect(h_wait_log(c->proc, "session resumed", 1000), "the persistent session was not resumed");
	/* Every report stored (the broker redelivers what cunbaod had not acknowledged)... */
	for (int waited = 0; waited < 120000 && (stored = db_int(c->db, sql)) < n; waited += 100)
		usleep(100 * 1000);
	cr_assert_eq(stored, n, "%s: %lld of %d stored after the restart", prefix, stored, n);
	/*
	 * ... and answered: a receipt not there 2 s after the last commit was
	 * lost with the killed cunbaod (its PUBACK out, the receipt not yet):
	 * the sender publishes again, all such at once, and gets `duplicate`.
	 */
	static bool answered[4096];
	cr_assert(n <= 4096);
	usleep(2000 * 1000);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%s%d", prefix, i);
		cJSON *r = cbd_receipt_from(c, "app", id, 100);
		answered[i] = r != NULL;
		/* duplicate: stored by the killed cunbaod, its PUBACK not sent, delivered again */
		if (r != NULL)
			cr_expect(strcmp(rc_str(r, "status"), "accepted") == 0 ||
			    strcmp(rc_str(r, "status"), "duplicate") == 0, "%s: %s", id, rc_str(r, "status"));
		cJSON_Delete(r);
	}
	for (int i = 0; i < n; i++)
		if (!answered[i]) {
			snprintf(id, sizeof id, "%s%d", prefix, i);
			app_report(tx, id, "g03", "2023-11", i);
			retries++;
		}
	for (int i = 0; i < n; i++)
		if (!answered[i]) {
			snprintf(id, sizeof id, "%s%d", prefix, i);
			cr_expect_eq(app_receipt(c, tx, id, "g03", "2023-11", i), 0, "%s: no receipt for the retry", id);
		}
	cr_log_info("%s: %d receipts lost with the killed cunbaod, answered on the retry", prefix, retries);
	journal_once(c, prefix, n);
	h_mqtt_close(tx);
}

/*
 * Against RabbitMQ: an SMS envelope on inbox/sms and an app report on
 * report/<area> answered on receipt/<source>; the retained rollup read by
 * a new subscriber; cunbaod killed -9 in a stream and reports sent while it
 * is down: every one stored once when it is back; then the node itself
 * restarted: the retained rollup and the reports queued for the stopped
 * cunbaod are still there.
 */
Test(rabbitmq, cunbaod_v311_receipts_retained_and_restarts, .timeout = 900)
{
	struct rmq r = { 0 };
	struct cbd c = { .extra = { "--mqtt-protocol", "3.1.1", NULL } };
	char id[32];

	if (access(RMQ_SERVER, X_OK) != 0)
		cr_skip_test("rabbitmq-server is not installed (Debian: the rabbitmq-server package)");
	cr_assert(access("/usr/bin/setpriv", X_OK) == 0, "setpriv (util-linux) is missing");
	rmq_start(&r);
	c.broker.port = r.mqtt_port;
	snprintf(c.db, sizeof c.db, "%s", h_path("cunbao.db"));
	c.mq = collector(r.mqtt_port);
	cr_assert(cbd_spawn(&c), "cunbaod did not subscribe on rabbitmq");
	cr_expect(h_wait_log(c.proc, "with MQTT 3.1.1 (session new)", 1000));

	/* An envelope from the SMS bridge, and an app's report. */
	sms_expect(&c, "sms:1", "牲畜 牛12 猪40 羊5");
	struct h_mqtt *tx = h_mqtt_connect(r.mqtt_port, "test-sender", true);
	cr_assert_not_null(tx);
	app_report(tx, "app:1", "g02", "2023-12", 7);
	app_receipt(&c, tx, "app:1", "g02", "2023-12", 7);

	/* The village's retained rollup, read by a subscriber that comes afterwards (exact topic). */
	char *p = cbd_rollup_wait(&c, "xinzhuang/hexi", "livestock", "2023-12", "cattle", "19", 30000);
	cr_assert_not_null(p, "no retained rollup of xinzhuang/hexi with cattle 19");
	free(p);

	/* kill -9 in a stream; more while cunbaod is down (each acknowledged by the node first). */
	kill9_mid_stream(&c, c.broker.port, "k:", 1000);

	/* cunbaod stopped; reports queued for it; the node restarted (clean shutdown). */
	cr_assert_eq(cbd_term(&c), 0);
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof id, "q:%d", i);
		app_report(tx, id, "g04", "2023-10", 100 + i);
	}
	h_mqtt_close(tx);
	h_mqtt_close(c.mq);
	c.mq = NULL;
	rmq_stop(&r);
	rmq_start(&r);
	p = h_retained(r.mqtt_port, CBD_ROOT "/rollup/xinzhuang/hexi/livestock/2023-12", 10000);
	cr_assert_not_null(p, "the retained rollup did not survive the node's restart");
	cr_expect(strstr(p, "\"cattle\":19") != NULL, "%s", p);
	free(p);
	c.mq = collector(r.mqtt_port);
	tx = h_mqtt_connect(r.mqtt_port, "test-sender", true);
	cr_assert_not_null(tx);
	cr_assert(cbd_spawn(&c), "cunbaod did not subscribe after the node's restart");
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof id, "q:%d", i);
		cr_expect_eq(app_receipt(&c, tx, id, "g04", "2023-10", 100 + i), 0, "%s needed a retry", id);
	}
	h_mqtt_close(tx);
	journal_once(&c, "q:", 10);
	p = cbd_rollup_wait(&c, "xinzhuang/hexi", "livestock", "2023-10", "cattle", "109", 30000);
	cr_expect_not_null(p, "no rollup of the reports queued across the restart");
	free(p);
	cr_expect(h_alive(c.proc));
	rmq_down(&r, &c);
}

/*
 * The same key against mosquitto: cunbaod connects with 3.1.1; an MQTT 5
 * sender's Response Topic never reaches it, so the receipt goes to
 * receipt/<source>; kill -9 and reports sent while it is down lose nothing.
 */
Test(mosquitto, cunbaod_v311, .timeout = 300)
{
	struct cbd c = { .extra = { "--mqtt-protocol", "3.1.1", NULL } };
	char cmd[1024];
	int rc;

	cbd_start(&c);
	cr_expect(h_wait_log(c.proc, "with MQTT 3.1.1 (session new)", 1000));
	sms_expect(&c, "sms:1", "牲畜 牛12");

	/* An MQTT 5 publication with a Response Topic: answered on receipt/app all the same. */
	snprintf(cmd, sizeof cmd, "mosquitto_pub -h 127.0.0.1 -p %d -V mqttv5 -q 1 -t %s/report/xinzhuang/hexi/g02 "
	    "-D publish response-topic %s/receipt/app/rt -D publish correlation-data c1 -m '{\"id\":\"rt:1\","
	    "\"source\":\"app\",\"kind\":\"livestock\",\"area\":\"xinzhuang/hexi/g02\",\"period\":\"2023-12\","
	    "\"values\":{\"cattle\":7}}' 2>&1", c.broker.port, CBD_ROOT, CBD_ROOT);
	free(h_run(cmd, &rc));
	cr_assert_eq(rc, 0, "mosquitto_pub failed");
	struct h_msg *m = h_mqtt_wait(c.mq, CBD_ROOT "/receipt/#", "\"rt:1\"", CBD_WAIT);
	cr_assert_not_null(m, "no receipt for rt:1");
	cr_expect_str_eq(m->topic, CBD_ROOT "/receipt/app");
	h_msg_free(m);
	char *p = cbd_rollup_wait(&c, "xinzhuang/hexi", "livestock", "2023-12", "cattle", "19", CBD_WAIT);
	cr_expect_not_null(p);
	free(p);

	kill9_mid_stream(&c, c.broker.port, "k:", 1000);

	/* A value that is neither version is refused by name. */
	snprintf(cmd, sizeof cmd, "%s -n --mqtt-protocol 4 --db %s --catalog %s 2>&1", h_bin("daemon/cunbaod"),
	    h_path("n.db"), h_src("schema/catalog.json"));
	char *out = h_run(cmd, &rc);
	cr_expect_neq(rc, 0);
	cr_expect(out != NULL && strstr(out, "mqtt-protocol: \"4\" is not 5 or 3.1.1") != NULL, "%s", out ? out : "");
	free(out);
	cbd_stop(&c);
}
