/*
 * test_cunbaod_durability.c — the end-to-end rule of docs/protocol.md:
 * a message is safe once its sender holds a receipt.  cunbaod's PUBACK
 * never precedes its commit; kill -9 in the middle of a stream loses and
 * doubles nothing for senders that retry until they hold a receipt; a
 * broker restart and a cunbaod restart are survived; and `cunbaoctl
 * rebuild` reproduces the rollups from the journal.
 */
#include "test_cunbaod.h"

#define STREAM 3000		/* messages in the kill -9 stream */
#define SMS_EVERY 3		/* every third of them an SMS envelope, the rest reports */
#define GROUPS 8

/* Message i of the stream: a livestock report for group i % 8 with one bought head. */
static int
stream_message(int i, char *topic, size_t tlen, char *buf, size_t blen)
{
	int g = i % GROUPS + 1, cattle = (i * 7) % 50;

	if (i % SMS_EVERY == 0) {
		snprintf(topic, tlen, CBD_ROOT "/inbox/sms");
		return snprintf(buf, blen, "{\"id\":\"s:%d\",\"source\":\"stream\",\"channel\":\"sms\","
		    "\"from\":\"+86138000000%02d\",\"text\":\"牲畜 牛%d 购进1\","
		    "\"received_at\":\"2023-12-05T08:30:00+08:00\"}", i, g, cattle);
	}
	snprintf(topic, tlen, CBD_ROOT "/report/xinzhuang/hexi/g%02d", g);
	return snprintf(buf, blen, "{\"id\":\"s:%d\",\"source\":\"stream\",\"kind\":\"livestock\","
	    "\"area\":\"xinzhuang/hexi/g%02d\",\"period\":\"2023-12\",\"values\":{\"cattle\":%d,\"bought\":1}}",
	    i, g, cattle);
}

/* Publishes every message of the stream in [from, to) not yet held (QoS 1). */
static int
stream_send(struct h_mqtt *m, const bool *held, int from, int to)
{
	char topic[128], buf[512];
	int sent = 0;

	for (int i = from; i < to; i++) {
		if (held[i])
			continue;
		int len = stream_message(i, topic, sizeof topic, buf, sizeof buf);
		cr_assert(h_mqtt_pub(m, topic, buf, (size_t)len, 1, false));
		sent++;
	}
	return sent;
}

/* Takes every queued receipt of the stream, marking its id held; returns how many are held. */
static int
stream_collect(struct h_mqtt *m, bool *held, int *bad)
{
	struct h_msg *msg;
	int n = 0;

	while ((msg = h_mqtt_wait(m, CBD_ROOT "/receipt/stream", NULL, 1)) != NULL) {
		const char *p = strstr(msg->payload, "\"id\":\"s:");
		int i = p ? atoi(p + 8) : -1;

		if (i >= 0 && i < STREAM)
			held[i] = true;
		if (strstr(msg->payload, "\"status\":\"rejected\"") != NULL)
			(*bad)++;
		h_msg_free(msg);
	}
	for (int i = 0; i < STREAM; i++)
		n += held[i];
	return n;
}

/* Spawns the daemon again after a crash and waits for its session. */
static void
restart(struct cbd *c)
{
	cr_assert(cbd_spawn(c), "cunbaod did not come back");
}

Test(durability, puback_waits_for_the_commit)
{
	struct cbd c = { .extra = { "--busy-timeout", "60s", NULL } };
	sqlite3 *lock = NULL;
	cJSON *r;

	cbd_start(&c);
	/* Hold the database's write lock: cunbaod reads the message but cannot commit it. */
	cr_assert_eq(sqlite3_open(c.db, &lock), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	cr_assert(cbd_sms(&c, "p:1", "+8613800000001", "牲畜 牛5"));
	cr_assert(h_wait_log(c.proc, "batch: begins with", CBD_WAIT), "cunbaod never read the message");
	/* Killed before its commit: had its PUBACK gone out, the broker would not redeliver. */
	h_kill9(c.proc);
	c.proc = NULL;
	sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(lock);
	cr_expect_null(h_mqtt_wait(c.mq, CBD_ROOT "/receipt/test", "p:1", 200), "a receipt before the commit");
	restart(&c);
	r = cbd_receipt(&c, "p:1");
	cr_assert_not_null(r, "the broker did not redeliver: cunbaod acknowledged before committing");
	cr_expect_str_eq(rc_str(r, "status"), "accepted");
	cJSON_Delete(r);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id = 'p:1'"), 1);
	cbd_stop(&c);
}

/* The village's figures recomputed from the reports in effect, independently of cunbaod. */
static void
check_recomputed(const char *db)
{
	long long bought = db_int(db, "SELECT sum(v.value) FROM report_values v JOIN reports r ON r.id = v.report"
	    " WHERE r.status = 'active' AND v.field = 'bought' AND r.area LIKE 'xinzhuang/hexi/%'");
	long long cattle = db_int(db, "SELECT sum(v.value) FROM report_values v JOIN"
	    " (SELECT area, max(r.id) AS id FROM reports r JOIN report_values x ON x.report = r.id"
	    "  WHERE r.status = 'active' AND x.field = 'cattle' GROUP BY area) l ON l.id = v.report"
	    " WHERE v.field = 'cattle'");

	cr_expect_eq(bought, STREAM, "every message bought one head once");
	cr_expect_eq(db_int(db, "SELECT sum FROM rollups WHERE area = 'xinzhuang/hexi' AND kind = 'livestock'"
	    " AND period = '2023-12' AND field = 'bought'"), bought);
	cr_expect_eq(db_int(db, "SELECT count FROM rollups WHERE area = 'xinzhuang/hexi' AND kind = 'livestock'"
	    " AND period = '2023-12' AND field = 'bought'"), STREAM);
	cr_expect_eq(db_int(db, "SELECT last FROM rollups WHERE area = 'xinzhuang/hexi' AND kind = 'livestock'"
	    " AND period = '2023-12' AND field = 'cattle'"), cattle);
	cr_expect_eq(db_int(db, "SELECT last FROM rollups WHERE area = 'xinzhuang' AND kind = 'livestock'"
	    " AND period = '2023-12' AND field = 'cattle'"), cattle);
}

#define ROLLUPS_SQL "SELECT * FROM rollups ORDER BY area, kind, period, field"

/*
 * A stream, half of it committed; the rest read but not committed when
 * cunbaod is killed; then the senders retry.  Every message is stored once,
 * the rollups equal a recomputation, and a rebuild changes nothing.
 */
static void
kill9_stream(void)
{
	struct cbd c = { .extra = { "--batch-max", "50", NULL } };	/* many commits in the stream */
	static bool held[STREAM];
	int have = 0, bad = 0, rounds = 0;

	memset(held, 0, sizeof held);
	cbd_start(&c);
	cr_assert(h_wait_log(c.proc, "fdatasync in COMMIT", CBD_WAIT));
	cr_assert(h_mqtt_sub(c.mq, CBD_ROOT "/receipt/stream", 1));
	/* The first half goes through; then the database's write lock is taken. */
	stream_send(c.mq, held, 0, STREAM / 2);
	while ((have = stream_collect(c.mq, held, &bad)) < STREAM / 2 && rounds++ < 3000)
		usleep(10 * 1000);
	cr_assert_eq(have, STREAM / 2);
	sqlite3 *lock = NULL;
	cr_assert_eq(sqlite3_open(c.db, &lock), SQLITE_OK);
	sqlite3_busy_timeout(lock, CBD_WAIT);
	cr_assert_eq(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	/*
	 * The second half: cunbaod reads what it can but cannot commit it.
	 * kill -9 then, with the stream in flight (read, or still queued).
	 */
	stream_send(c.mq, held, STREAM / 2, STREAM);
	usleep(300 * 1000);	/* lets it read part of the stream; nothing depends on how much */
	cr_assert_eq(stream_collect(c.mq, held, &bad), STREAM / 2, "a receipt before its commit");
	h_kill9(c.proc);
	c.proc = NULL;
	sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(lock);
	restart(&c);
	/* Senders retry, with the same ids, everything they hold no receipt for. */
	for (rounds = 0; (have = stream_collect(c.mq, held, &bad)) < STREAM && rounds < 60; rounds++) {
		stream_send(c.mq, held, 0, STREAM);
		for (int w = 0; w < 20 && stream_collect(c.mq, held, &bad) < STREAM; w++)
			usleep(100 * 1000);
	}
	cr_assert_eq(have, STREAM, "only %d of %d messages hold a receipt", have, STREAM);
	cr_expect_eq(bad, 0, "some stream message was rejected");
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id LIKE 's:%'"), STREAM);
	cr_expect_eq(db_int(c.db, "SELECT count(DISTINCT msg_id) FROM journal WHERE msg_id LIKE 's:%'"), STREAM);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports"), STREAM);
	cr_assert_eq(cbd_term(&c), 0);
	check_recomputed(c.db);

	char *before = db_dump(c.db, ROLLUPS_SQL), cmd[1024];
	int rc;

	snprintf(cmd, sizeof cmd, "%s rebuild --apply --db %s --catalog %s 2>&1", h_bin("tools/cunbaoctl/cunbaoctl"),
	    c.db, h_src("schema/catalog.json"));
	char *out = h_run(cmd, &rc);
	cr_expect_eq(rc, 0, "rebuild: %s", out ? out : "");
	free(out);
	char *after = db_dump(c.db, ROLLUPS_SQL);
	cr_expect(before[0] != '\0');
	cr_expect_str_eq(after, before, "rebuild changed the rollups");
	free(before);
	free(after);
	h_mqtt_close(c.mq);
	h_broker_stop(&c.broker);
}

Test(durability, kill9_mid_stream_then_retries_store_everything_once, .timeout = 240)
{
	kill9_stream();
}

Test(durability, rebuild_reproduces_corrections_and_withdrawals)
{
	struct cbd c = { 0 };
	static const struct {
		const char *from, *text;
	} msgs[] = {
		{ "+8613800000001", "牲畜 牛12 猪40 羊5 购进2" },
		{ "+8613800000002", "牲畜 牛9 猪30" },
		{ "+8613800000001", "更正 牲畜 牛10 猪40 羊5 购进1" },
		{ "+8613800000003", "牲畜 牛20" },
		{ "+8613800000003", "牲畜 牛50" },
		{ "+8613800000003", "撤销" },
		{ "+8613800000010", "牲畜 4组 牛7 购进3" },
		{ "+8613800000004", "卫生 清运4 保洁出勤7 合格" },
		{ "+8613800000005", "卫生 清运2 保洁出勤4 不合格" },
		{ "+8613800000004", "更正 卫生 清运5 保洁出勤7 合格" },
		{ "+8613800000006", "道路 硬化1020米" },
		{ "+8613800000006", "道路 480米" },
		{ "+8613800000007", "产业 果园480 套种227.74" },
	};
	char id[16];

	cbd_start(&c);
	for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
		snprintf(id, sizeof id, "rb:%zu", i);
		cJSON_Delete(cbd_expect(&c, id, msgs[i].from, msgs[i].text, "accepted", NULL));
	}
	cr_assert_eq(cbd_term(&c), 0);
	/* g01 corrected to 10, g02 9, g03 20 (its 50 withdrawn), g04 7 by the admin. */
	cr_expect_eq(db_int(c.db, "SELECT last FROM rollups WHERE area = 'xinzhuang/hexi' AND field = 'cattle'"),
	    10 + 9 + 20 + 7);
	cr_expect_eq(db_int(c.db, "SELECT sum FROM rollups WHERE area = 'xinzhuang/hexi' AND field = 'hardened'"),
	    1500);
	cr_expect_eq(db_int(c.db, "SELECT last FROM rollups WHERE area = 'xinzhuang' AND field = 'intercrop'"),
	    22774);
	char *before = db_dump(c.db, ROLLUPS_SQL), cmd[1024];
	int rc;

	snprintf(cmd, sizeof cmd, "%s rebuild --apply --db %s --catalog %s 2>&1", h_bin("tools/cunbaoctl/cunbaoctl"),
	    c.db, h_src("schema/catalog.json"));
	free(h_run(cmd, &rc));
	cr_expect_eq(rc, 0);
	char *after = db_dump(c.db, ROLLUPS_SQL);
	cr_expect_str_eq(after, before);
	free(before);
	free(after);
	h_mqtt_close(c.mq);
	h_broker_stop(&c.broker);
}

Test(durability, broker_restart_and_daemon_downtime_lose_nothing)
{
	struct cbd c = { 0 };
	cJSON *r;

	cbd_start(&c);
	cJSON_Delete(cbd_expect(&c, "b:1", "+8613800000001", "牲畜 牛1", "accepted", NULL));
	/* The broker goes away and comes back on the same port with its persistence. */
	h_mqtt_close(c.mq);
	h_broker_stop(&c.broker);
	cr_assert(h_wait_log(c.proc, "mqtt: connection to", CBD_WAIT), "cunbaod did not notice");
	cr_assert(h_broker_start(&c.broker));
	cr_assert(h_wait_log(c.proc, "(session resumed)", 30000), "cunbaod did not reconnect");
	c.mq = h_mqtt_connect(c.broker.port, "test-collector-2", true);
	cr_assert_not_null(c.mq);
	cr_assert(h_mqtt_sub(c.mq, CBD_ROOT "/receipt/#", 1));
	cJSON_Delete(cbd_expect(&c, "b:2", "+8613800000002", "牲畜 牛2", "accepted", NULL));
	/* cunbaod goes away: its persistent session queues what arrives meanwhile. */
	cr_assert_eq(cbd_term(&c), 0);
	cr_assert(cbd_sms(&c, "b:3", "+8613800000003", "牲畜 牛3"));
	cr_assert(cbd_spawn(&c));
	r = cbd_receipt(&c, "b:3");
	cr_assert_not_null(r, "the message sent while cunbaod was down was lost");
	cr_expect_str_eq(rc_str(r, "status"), "accepted");
	cJSON_Delete(r);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports"), 3);
	cbd_stop(&c);
}
