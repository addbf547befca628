/*
 * test_cunbaod.h — what the cunbaod integration tests (test_cunbaod*.c)
 * share: a private mosquitto and a cunbaod on it with the example village,
 * a client that collects receipts, rollups and statuses, envelopes and
 * reports to send, and read-only looks into the database.
 *
 * Everything here waits for an event with a generous deadline and asserts
 * what happened, never how fast.
 */
#ifndef TEST_CUNBAOD_H
#define TEST_CUNBAOD_H

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define CBD_ROOT "cunbao/v1"
#define CBD_WAIT 10000		/* ms: a deadline, not an expectation */
#define CBD_ARGS_MAX 40

struct cbd {
	struct h_broker broker;
	struct h_proc *proc;
	char db[256];
	struct h_mqtt *mq;		/* receipts, rollups, completeness, status */
	int starts;
	const char *catalog, *areas, *reporters;	/* NULL: the source tree's examples */
	const char *extra[16];		/* more cunbaod arguments, NULL-terminated */
};

/* Starts cunbaod (again) on c's broker and db; waits for its MQTT session. */
static inline bool
cbd_spawn(struct cbd *c)
{
	char port[64], name[32];
	const char *argv[CBD_ARGS_MAX];
	char srcs[3][256];
	int n = 0;

	snprintf(port, sizeof port, "127.0.0.1:%d", c->broker.port);
	snprintf(srcs[0], sizeof srcs[0], "%s", c->catalog ? c->catalog : h_src("schema/catalog.json"));
	snprintf(srcs[1], sizeof srcs[1], "%s", c->areas ? c->areas : h_src("schema/examples/areas.csv"));
	snprintf(srcs[2], sizeof srcs[2], "%s", c->reporters ? c->reporters :
	    h_src("schema/examples/reporters.csv"));
	argv[n++] = h_bin("daemon/cunbaod");
	const char *fixed[] = { "-d", "-v", "--broker", port, "--db", c->db, "--catalog", srcs[0],
		"--areas", srcs[1], "--reporters", srcs[2], "--listen", "off", "--rollup-interval", "50ms",
		"--max-received-age", "0" };	/* the tests date their messages in 2023 */
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		argv[n++] = fixed[i];
	for (size_t i = 0; c->extra[i] != NULL && n < CBD_ARGS_MAX - 1; i++)
		argv[n++] = c->extra[i];
	argv[n] = NULL;
	snprintf(name, sizeof name, "cunbaod-%d", ++c->starts);
	c->proc = h_spawn(name, (char *const *)argv);
	if (c->proc == NULL)
		return false;
	/* Subscribed, not only connected: on a new session what comes before reaches nobody. */
	if (!h_wait_log(c->proc, "mqtt: subscribed", CBD_WAIT)) {
		h_dump_log(c->proc);
		return false;
	}
	return true;
}

/* A broker, a collecting client and cunbaod with the example village. */
static inline void
cbd_start(struct cbd *c)
{
	cr_assert(h_broker_start(&c->broker), "mosquitto did not start");
	if (c->db[0] == '\0')
		snprintf(c->db, sizeof c->db, "%s", h_path("cunbao.db"));
	c->mq = h_mqtt_connect(c->broker.port, "test-collector", true);
	cr_assert_not_null(c->mq);
	cr_assert(h_mqtt_sub(c->mq, CBD_ROOT "/receipt/#", 1));
	cr_assert(h_mqtt_sub(c->mq, CBD_ROOT "/status/#", 1));
	cr_assert(cbd_spawn(c), "cunbaod did not connect");
}

/* Stops cunbaod with SIGTERM; returns its exit code. */
static inline int
cbd_term(struct cbd *c)
{
	int rc = h_stop(c->proc, SIGTERM, CBD_WAIT);

	c->proc = NULL;
	return rc;
}

static inline void
cbd_stop(struct cbd *c)
{
	if (c->proc != NULL)
		cbd_term(c);
	h_mqtt_close(c->mq);
	c->mq = NULL;
	h_broker_stop(&c->broker);
}

/* Publishes an SMS envelope from `from` (QoS 1); received_at may be NULL. */
static inline bool
cbd_sms_at(struct cbd *c, const char *id, const char *from, const char *text, const char *received_at)
{
	char buf[4096];
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "source", "test");
	cJSON_AddStringToObject(o, "channel", "sms");
	cJSON_AddStringToObject(o, "from", from);
	cJSON_AddStringToObject(o, "text", text);
	if (received_at != NULL)
		cJSON_AddStringToObject(o, "received_at", received_at);
	bool ok = cJSON_PrintPreallocated(o, buf, sizeof buf, false) &&
	    h_mqtt_pub(c->mq, CBD_ROOT "/inbox/sms", buf, strlen(buf), 1, false);
	cJSON_Delete(o);
	return ok;
}

static inline bool
cbd_sms(struct cbd *c, const char *id, const char *from, const char *text)
{
	return cbd_sms_at(c, id, from, text, NULL);
}

/* Publishes raw bytes on a topic under the root (QoS 1). */
static inline bool
cbd_raw(struct cbd *c, const char *rel_topic, const char *payload, size_t len)
{
	char topic[512];

	snprintf(topic, sizeof topic, CBD_ROOT "/%s", rel_topic);
	return h_mqtt_pub(c->mq, topic, payload, len, 1, false);
}

/* Waits for the receipt of id on receipt/<source>; its parsed JSON (cJSON_Delete it) or NULL. */
static inline cJSON *
cbd_receipt_from(struct cbd *c, const char *source, const char *id, int timeout_ms)
{
	char topic[256], needle[160];
	struct h_msg *m;
	cJSON *j;

	snprintf(topic, sizeof topic, CBD_ROOT "/receipt/%s", source);
	snprintf(needle, sizeof needle, "\"id\":\"%s\"", id);
	if ((m = h_mqtt_wait(c->mq, topic, needle, timeout_ms)) == NULL)
		return NULL;
	j = cJSON_Parse(m->payload);
	h_msg_free(m);
	return j;
}

static inline cJSON *
cbd_receipt(struct cbd *c, const char *id)
{
	return cbd_receipt_from(c, "test", id, CBD_WAIT);
}

/* A string member of a receipt ("status"), of its first error ("code", "field") or reply ("text"). */
static inline const char *
rc_str(const cJSON *r, const char *what)
{
	const cJSON *v = NULL;

	if (strcmp(what, "code") == 0 || strcmp(what, "field") == 0)
		v = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "errors"), 0), what);
	else if (strcmp(what, "text") == 0 || strcmp(what, "to") == 0 || strcmp(what, "channel") == 0)
		v = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "reply"), what);
	else
		v = cJSON_GetObjectItem(r, what);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Sends an SMS and asserts its receipt's status (and error code when rejected); returns the receipt. */
static inline cJSON *
cbd_expect(struct cbd *c, const char *id, const char *from, const char *text,
    const char *status, const char *code)
{
	cJSON *r;

	cr_assert(cbd_sms(c, id, from, text));
	r = cbd_receipt(c, id);
	cr_assert_not_null(r, "no receipt for %s (%s)", id, text);
	cr_expect_str_eq(rc_str(r, "status"), status, "%s \"%s\": status", id, text);
	if (code != NULL)
		cr_expect_str_eq(rc_str(r, "code"), code, "%s \"%s\": error code", id, text);
	return r;
}

/* One integer from the database (read-only connection); -1 on any error. */
static inline long long
db_int(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* Every row of a query as text lines "a|b|c\n" (malloc'd), to compare whole tables. */
static inline char *
db_dump(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);

	out[0] = '\0';
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return out;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *t = (const char *)sqlite3_column_text(st, i);
			size_t need = len + (t ? strlen(t) : 4) + 2;

			if (need >= cap) {
				while (need >= cap)
					cap *= 2;
				out = realloc(out, cap);
			}
			len += (size_t)sprintf(out + len, "%s%c", t ? t : "NULL",
			    i + 1 == sqlite3_column_count(st) ? '\n' : '|');
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return out;
}

/*
 * Waits until the retained rollup of area/kind/<period> shows field = want
 * ("" : the field absent); returns the last payload seen (free it) or NULL.
 */
static inline char *
cbd_rollup_wait(struct cbd *c, const char *area, const char *kind, const char *period,
    const char *field, const char *want, int timeout_ms)
{
	char topic[512], *p = NULL;

	snprintf(topic, sizeof topic, CBD_ROOT "/rollup/%s/%s/%s", area, kind, period);
	for (int waited = 0; waited <= timeout_ms; waited += 100) {
		free(p);
		p = h_retained(c->broker.port, topic, 500);
		cJSON *j = p ? cJSON_Parse(p) : NULL;
		const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "values"), field);
		char *num = v ? cJSON_PrintUnformatted(v) : NULL;
		bool ok = want[0] == '\0' ? v == NULL && j != NULL : num != NULL && strcmp(num, want) == 0;

		free(num);
		cJSON_Delete(j);
		if (ok)
			return p;
		usleep(100 * 1000);
	}
	free(p);
	return NULL;
}

/* The current month as "YYYY-MM" in Asia/Shanghai, as cunbaod sees it. */
static inline void
cbd_this_month(char *buf, size_t len)
{
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
}

#endif
