/*
 * test_trust_broker.c — the shipped broker config and ACL (systemd/
 * mosquitto-cunbao.conf, .acl) on a real mosquitto started the way Debian
 * starts it (test_trust_broker.h): each role's allowed and refused
 * publications and subscriptions, with cunbaod running as "cunbaod"; and
 * what the broker acknowledged surviving its kill -9.
 *
 * mosquitto 2.0.11 answers a refused QoS 1 publication of an MQTT 5 client
 * with PUBACK 0x87 (not authorised) and drops it (it would then also close
 * the connection if max_queued_messages were 0, which is why the snippet
 * sets the largest limit instead); every publication here goes through a
 * connection of its own all the same, and the clients that listen publish
 * nothing.  It grants a
 * subscription the ACL does not cover (SUBACK 0x01) and then delivers
 * nothing on it, so the test checks what arrives, not the SUBACK.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "harness.h"
#include "test_cunbaod.h"
#include "test_trust_broker.h"

#define DENIED 0x87
#define GRACE_MS 1000		/* how long a message that must not come is waited for */

static struct tbk t;
static struct cbd c;

/* cunbaod logged in as "cunbaod" on t's plain listener; a restart keeps its database. */
static void
cunbaod_start(void)
{
	static char pw[512];

	snprintf(pw, sizeof pw, "%s", tbk_password_file("cunbaod"));
	if (c.db[0] == '\0')
		snprintf(c.db, sizeof c.db, "%s", h_path("cunbao.db"));
	c.broker.port = t.broker.port;
	c.extra[0] = "--mqtt-user";
	c.extra[1] = "cunbaod";
	c.extra[2] = "--mqtt-password-file";
	c.extra[3] = pw;
	c.extra[4] = NULL;
	cr_assert(cbd_spawn(&c), "cunbaod did not connect as cunbaod");
}

/* A report of the example village's group 3 (its leader as reporter) on report/<area>. */
static void
report(char *topic, size_t tlen, char *payload, size_t plen, const char *id, const char *source,
    const char *area, int cattle)
{
	snprintf(topic, tlen, TBK_ROOT "/report/%s", area);
	snprintf(payload, plen, "{\"id\":\"%s\",\"source\":\"%s\",\"kind\":\"livestock\",\"area\":\"%s\","
	    "\"values\":{\"cattle\":%d}%s}", id, source, area, cattle,
	    strcmp(area, "xinzhuang/hexi/g03") == 0 ? ",\"reporter\":\"+8613800000003\"" : "");
}

/* True when the journal holds msg_id. */
static bool
journaled(const char *id)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM journal WHERE msg_id = '%s'", id);
	return db_int(c.db, sql) > 0;
}

/* Publishes once as user on a connection of its own; the PUBACK's reason code. */
static int
pub_as(const char *user, const char *topic, const char *payload)
{
	static int n;
	char id[64];
	struct h_mqtt *m;
	int rc;

	snprintf(id, sizeof id, "t-pub-%d", ++n);
	m = tbk_client(&t, id, user);
	rc = h_mqtt_pub_ack(m, topic, payload, 10000);
	h_mqtt_close(m);
	return rc;
}

/* Allowed: the broker took it (0: delivered, 0x10: no subscriber). */
#define expect_taken(rc, what) cr_expect((rc) == 0 || (rc) == 0x10, "%s: PUBACK %d, want 0 or 16", what, rc)
#define expect_refused(rc, what) cr_expect_eq((rc), DENIED, "%s: PUBACK %d, want 0x87", what, rc)

Test(trust_broker, each_role_gets_only_what_it_needs, .timeout = 180)
{
	char topic[256], payload[1024];
	struct h_mqtt *dash, *app, *bridge;	/* listen only */
	struct h_mqtt_opts anon = { .v5 = true }, wrong = { .user = "dashboard", .password = "nope", .v5 = true };
	const char *watch[] = { "inbox/#", "report/#", "receipt/#", "outbox/#", "rollup/#", "completeness/#",
		"status/#", "meta/#" };
	struct h_msg *m;
	int rc;

	tbk_start(&t);
	cunbaod_start();

	/* No account, a wrong password: refused at CONNECT. */
	cr_expect_null(h_mqtt_connect_opts(t.broker.port, "anon", true, &anon));
	cr_expect_geq(anon.connack, 0x80, "an anonymous client was let in (CONNACK %d)", anon.connack);
	cr_expect_null(h_mqtt_connect_opts(t.broker.port, "wrong", true, &wrong));
	cr_expect_geq(wrong.connack, 0x80, "a wrong password was let in (CONNACK %d)", wrong.connack);

	/* Everyone listens to everything; only what the ACL lets them read may come. */
	dash = tbk_client(&t, "t-dashboard", "dashboard");
	app = tbk_client(&t, "t-app", TBK_APP);
	bridge = tbk_client(&t, "t-bridge", "bridge-1");
	for (size_t i = 0; i < sizeof watch / sizeof watch[0]; i++) {
		snprintf(topic, sizeof topic, TBK_ROOT "/%s", watch[i]);
		cr_assert_geq(h_mqtt_sub_granted(dash, topic, 1), 0);
		cr_assert_geq(h_mqtt_sub_granted(app, topic, 1), 0);
		cr_assert_geq(h_mqtt_sub_granted(bridge, topic, 1), 0);
	}
	/* cunbaod's retained status reached the dashboard. */
	m = h_mqtt_wait(dash, TBK_ROOT "/status/cunbaod", "online", 10000);
	cr_expect_not_null(m, "the dashboard cannot read cunbaod's status");
	h_msg_free(m);

	/* The app reports for its own area and gets its receipt; the dashboard sees the rollup. */
	report(topic, sizeof topic, payload, sizeof payload, TBK_APP ":1", TBK_APP, "xinzhuang/hexi/g03", 12);
	rc = pub_as(TBK_APP, topic, payload);
	expect_taken(rc, "app report for its area");
	m = h_mqtt_wait(app, TBK_ROOT "/receipt/" TBK_APP, "\"id\":\"" TBK_APP ":1\"", 15000);
	cr_assert_not_null(m, "the app got no receipt");
	cr_expect(strstr(m->payload, "\"accepted\"") != NULL, "%s", m->payload);
	h_msg_free(m);
	m = h_mqtt_wait(dash, TBK_ROOT "/rollup/xinzhuang/hexi/livestock/#", NULL, 15000);
	cr_expect_not_null(m, "the dashboard got no rollup");
	h_msg_free(m);

	/* ... but not for another village, nor into the inbox or another's receipts. */
	report(topic, sizeof topic, payload, sizeof payload, TBK_APP ":2", TBK_APP, "xinzhuang/dongcun", 7);
	expect_refused(pub_as(TBK_APP, topic, payload), "app report for another village");
	expect_refused(pub_as(TBK_APP, TBK_ROOT "/inbox/sms", "{}"), "app to the inbox");
	expect_refused(pub_as(TBK_APP, TBK_ROOT "/receipt/bridge-1", "{}"), "app to bridge-1's receipts");

	/* The dashboard publishes nothing at all. */
	report(topic, sizeof topic, payload, sizeof payload, "dash:1", "dashboard", "xinzhuang/hexi/g03", 999);
	expect_refused(pub_as("dashboard", topic, payload), "dashboard report");
	expect_refused(pub_as("dashboard", TBK_ROOT "/inbox/sms", "{}"), "dashboard to the inbox");
	expect_refused(pub_as("dashboard", TBK_ROOT "/rollup/xinzhuang/hexi/livestock/current", "{}"),
	    "dashboard rollup");
	expect_refused(pub_as("dashboard", TBK_ROOT "/completeness/xinzhuang/x", "{}"), "dashboard completeness");
	expect_refused(pub_as("dashboard", TBK_ROOT "/status/cunbaod", "{}"), "dashboard status");
	expect_refused(pub_as("dashboard", TBK_ROOT "/meta/areas", "{}"), "dashboard meta");
	expect_refused(pub_as("dashboard", TBK_ROOT "/receipt/" TBK_APP, "{}"), "dashboard receipt");
	expect_refused(pub_as("dashboard", TBK_ROOT "/outbox/sms", "{}"), "dashboard outbox");

	/* The bridge: envelopes in, its receipts back; no reports, no forged receipts or outbox. */
	snprintf(payload, sizeof payload, "{\"id\":\"kannel:acl-1\",\"source\":\"bridge-1\",\"channel\":\"sms\","
	    "\"from\":\"+8613800000003\",\"text\":\"牲畜 牛13\"}");
	expect_taken(pub_as("bridge-1", TBK_ROOT "/inbox/sms", payload), "bridge envelope");
	m = h_mqtt_wait(bridge, TBK_ROOT "/receipt/bridge-1", "kannel:acl-1", 15000);
	cr_expect_not_null(m, "the bridge got no receipt");
	h_msg_free(m);
	report(topic, sizeof topic, payload, sizeof payload, "bridge:1", "bridge-1", "xinzhuang/hexi/g03", 1);
	expect_refused(pub_as("bridge-1", topic, payload), "bridge report");
	expect_refused(pub_as("bridge-1", TBK_ROOT "/receipt/" TBK_APP, "{}"), "bridge forged receipt");
	expect_refused(pub_as("bridge-1", TBK_ROOT "/outbox/sms", "{}"), "bridge outbox");
	expect_refused(pub_as("bridge-1", TBK_ROOT "/rollup/x/y/current", "{}"), "bridge rollup");

	/* cunbaod's account writes what cunbaod writes, and not what others send it. */
	expect_refused(pub_as("cunbaod", topic, payload), "cunbaod report");
	expect_refused(pub_as("cunbaod", TBK_ROOT "/inbox/sms", "{}"), "cunbaod to the inbox");
	expect_refused(pub_as("cunbaod", TBK_ROOT "/status/other", "{}"), "cunbaod other status");
	expect_taken(pub_as("cunbaod", TBK_ROOT "/meta/test", "{\"probe\":1}"), "cunbaod meta");
	m = h_mqtt_wait(dash, TBK_ROOT "/meta/test", "probe", 10000);
	cr_expect_not_null(m, "the dashboard cannot read meta/");
	h_msg_free(m);

	/* One more accepted report: everything before it has been through the broker and cunbaod. */
	report(topic, sizeof topic, payload, sizeof payload, TBK_APP ":3", TBK_APP, "xinzhuang/hexi/g03", 14);
	expect_taken(pub_as(TBK_APP, topic, payload), "app report");
	m = h_mqtt_wait(app, TBK_ROOT "/receipt/" TBK_APP, "\"id\":\"" TBK_APP ":3\"", 15000);
	cr_assert_not_null(m, "the app got no receipt for its last report");
	h_msg_free(m);

	/* Nothing refused was stored. */
	cr_expect(journaled(TBK_APP ":1") && journaled(TBK_APP ":3") && journaled("kannel:acl-1"));
	cr_expect_not(journaled("dash:1"), "a report published by the dashboard was stored");
	cr_expect_not(journaled(TBK_APP ":2"), "a report for another village was stored");
	cr_expect_not(journaled("bridge:1"), "a report published by the bridge was stored");

	/* Nobody read what is not theirs. */
	cr_expect_null(h_mqtt_wait(dash, TBK_ROOT "/receipt/#", NULL, GRACE_MS), "the dashboard read a receipt");
	for (size_t i = 0; i < 4; i++) {
		snprintf(topic, sizeof topic, TBK_ROOT "/%s", watch[i]);
		cr_expect_eq(h_mqtt_count(dash, topic), 0, "the dashboard read %s", topic);
		if (i != 2)	/* the app's own receipts were taken above */
			cr_expect_eq(h_mqtt_count(app, topic), 0, "the app read %s", topic);
	}
	cr_expect_eq(h_mqtt_count(app, TBK_ROOT "/receipt/bridge-1"), 0, "the app read the bridge's receipts");
	cr_expect_eq(h_mqtt_count(bridge, TBK_ROOT "/receipt/" TBK_APP), 0, "the bridge read the app's receipts");
	cr_expect_eq(h_mqtt_count(bridge, TBK_ROOT "/report/#"), 0, "the bridge read reports");
	cr_expect_eq(h_mqtt_count(bridge, TBK_ROOT "/rollup/#"), 0, "the bridge read rollups");
	cr_expect_eq(h_mqtt_count(app, TBK_ROOT "/rollup/#"), 0, "the app read rollups");
	cr_expect_eq(h_mqtt_count(app, TBK_ROOT "/status/#"), 0, "the app read the status");

	h_mqtt_close(dash);
	h_mqtt_close(app);
	h_mqtt_close(bridge);
	cbd_term(&c);
	h_broker_stop(&t.broker);
}

#define QUEUED 1000

/*
 * The shipped persistence settings: cunbaod stopped, 1,000 reports queued
 * for its session and acknowledged to their sender, more until the broker
 * has saved after the last acknowledgment (the snippet saves every
 * second), the broker killed -9 and restarted, cunbaod started: every one
 * is stored.  (With the old autosave_interval 60 the session's queue was
 * gone.)
 */
Test(trust_broker, what_the_broker_acknowledged_survives_its_kill_9, .timeout = 300)
{
	char topic[256], payload[1024], id[64];
	struct h_mqtt *app;
	int acked = 0;
	long long stored = -1;

	tbk_start(&t);
	cunbaod_start();		/* its session and subscriptions */
	cr_assert_eq(cbd_term(&c), 0);
	app = tbk_client(&t, "t-app", TBK_APP);
	for (int i = 0; i < QUEUED; i++) {
		snprintf(id, sizeof id, "crash:%04d", i);
		report(topic, sizeof topic, payload, sizeof payload, id, TBK_APP, "xinzhuang/hexi/g03", i);
		int rc = h_mqtt_pub_ack(app, topic, payload, 10000);

		cr_assert(rc == 0, "report %d: PUBACK %d (want 0: queued for cunbaod)", i, rc);
		acked++;
	}
	/*
	 * mosquitto handles a publication and writes its PUBACK within a pass
	 * of its loop, and saves at the end of a pass once a second, idle or
	 * not (its loop wakes every 100 ms).  Nothing more is published: the
	 * kill comes once the file was written after the last PUBACK arrived
	 * here, with 20 ms to spare for the file system's coarse clock (a file
	 * written then holds every acknowledged report; with autosave_interval
	 * 60 none is written in time, and all is lost).
	 */
	struct timespec acked_at, began, now;
	struct stat st;
	bool saved = false;

	clock_gettime(CLOCK_REALTIME, &acked_at);
	began = acked_at;
	int64_t after_ns = (int64_t)acked_at.tv_sec * 1000000000 + acked_at.tv_nsec + 20 * 1000000;
	for (int ms = 0; ms < 10000 && !saved; ms += 10) {
		struct timespec ts = { 0, 10 * 1000000L };

		saved = stat(h_path("mosquitto.db"), &st) == 0 &&
		    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec > after_ns;
		if (!saved)
			nanosleep(&ts, NULL);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	fprintf(stderr, "broker: a save after the last PUBACK seen %ld ms after it\n",
	    (long)((now.tv_sec - began.tv_sec) * 1000 + (now.tv_nsec - began.tv_nsec) / 1000000));
	cr_expect(saved, "the broker saved nothing within 10 s of its last acknowledgment");
	h_mqtt_close(app);
	h_kill9(t.broker.proc);
	cr_assert(h_broker_start(&t.broker), "mosquitto did not restart");
	cunbaod_start();
	for (int waited = 0; waited < 120000; waited += 200) {
		stored = db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id LIKE 'crash:%'");
		if (stored >= acked)
			break;
		struct timespec ts = { 0, 200 * 1000000L };
		nanosleep(&ts, NULL);
	}
	cr_expect_eq(stored, acked, "%lld of %d acknowledged reports stored after the broker's kill -9", stored, acked);
	cbd_term(&c);
	h_broker_stop(&t.broker);
}

/* The snippet repeats nothing Debian's main file sets (a duplicate stops mosquitto). */
Test(trust_broker, the_snippet_leaves_debians_settings_alone)
{
	char *snip = h_read_file(h_src("systemd/mosquitto-cunbao.conf"), NULL);
	const char *main_keys[] = { "pid_file", "persistence ", "persistence_location", "log_dest", "include_dir",
		"persistence_file" };

	cr_assert_not_null(snip);
	for (char *line = strtok(snip, "\n"); line != NULL; line = strtok(NULL, "\n"))
		for (size_t i = 0; i < sizeof main_keys / sizeof main_keys[0]; i++)
			cr_expect(strncmp(line, main_keys[i], strlen(main_keys[i])) != 0,
			    "the snippet sets %s, which Debian's main file sets: \"%s\"", main_keys[i], line);
	free(snip);
}
