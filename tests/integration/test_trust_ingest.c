/*
 * test_trust_ingest.c — cunbaod's ingest against a hostile or mistaken
 * sender, with a real mosquitto: ids are unique per source (another
 * source's id 1 is another message, a database journaled under the old
 * msg_id key keeps its rows and answers its repeats), JSON that two readers
 * would read differently (a NUL in any string, a member given twice) is
 * refused, a payload nested too deep is still answered, and structured
 * reports need a roster reporter or an app's allow-list when configured.
 */
#include "test_cunbaod.h"

/* Publishes an envelope (source, id) from a known leader; returns its receipt on receipt/<source>. */
static cJSON *
env_from(struct cbd *c, const char *source, const char *id, const char *text)
{
	char buf[512];

	snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"source\":\"%s\",\"channel\":\"sms\","
	    "\"from\":\"+8613800000001\",\"text\":\"%s\",\"received_at\":\"2023-12-05T08:30:00+08:00\"}",
	    id, source, text);
	cr_assert(cbd_raw(c, "inbox/sms", buf, strlen(buf)));
	return cbd_receipt_from(c, source, id, CBD_WAIT);
}

/* Asserts a receipt's status and report, and frees it. */
static void
check(cJSON *r, const char *what, const char *status, const char *report)
{
	cr_assert_not_null(r, "%s: no receipt", what);
	cr_expect_str_eq(rc_str(r, "status"), status, "%s", what);
	if (report != NULL)
		cr_expect_str_eq(rc_str(r, "report"), report, "%s", what);
	cJSON_Delete(r);
}

Test(trust, ids_are_unique_per_source)
{
	struct cbd c = { 0 };

	cbd_start(&c);
	check(env_from(&c, "gw-a", "1", "牲畜 购进1"), "gw-a 1", "accepted", "r-1");
	/* A second gateway whose ids restart at 1: a new message, not gw-a's duplicate. */
	check(env_from(&c, "gw-b", "1", "牲畜 购进2"), "gw-b 1", "accepted", "r-2");
	/* Each repeat is answered to its own source with its own report. */
	check(env_from(&c, "gw-a", "1", "牲畜 购进1"), "gw-a 1 again", "duplicate", "r-1");
	check(env_from(&c, "gw-b", "1", "牲畜 购进2"), "gw-b 1 again", "duplicate", "r-2");
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id = '1'"), 2);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports"), 2);
	char *p = cbd_rollup_wait(&c, "xinzhuang/hexi/g01", "livestock", "2023-12", "bought", "3", CBD_WAIT);
	cr_expect_not_null(p, "both gateways' reports count");
	free(p);
	cbd_stop(&c);
}

/* Runs SQL on db (read-write); asserts it worked. */
static void
db_exec(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	char *msg = NULL;

	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql, msg ? msg : "");
	sqlite3_close(h);
}

Test(trust, a_journal_keyed_on_msg_id_alone_is_migrated_with_its_rows)
{
	static const char *const old[] = { "001_init.sql", "010_api.sql", "011_query_indexes.sql",
		"012_reports_kind_period_area.sql" };
	struct cbd c = { 0 };
	char path[128];

	snprintf(c.db, sizeof c.db, "%s", h_path("old.db"));
	for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
		snprintf(path, sizeof path, "schema/sql/%s", old[i]);
		char *sql = h_read_file(h_src(path), NULL);
		cr_assert_not_null(sql, "%s", path);
		db_exec(c.db, sql);
		free(sql);
	}
	db_exec(c.db, "PRAGMA user_version = 12;"
	    "INSERT INTO journal (seq, msg_id, source, topic, payload, received_at, status, receipt)"
	    " VALUES (1, 'old:1', 'test', 'cunbao/v1/inbox/sms', x'7b7d', 1701736200, 'accepted',"
	    " '{\"id\":\"old:1\",\"status\":\"accepted\",\"report\":\"r-7\"}'),"
	    " (2, NULL, NULL, 'cunbao/v1/inbox/sms', x'7b', 1701736200, 'rejected', NULL),"
	    " (3, NULL, NULL, 'cunbao/v1/inbox/sms', x'7b', 1701736200, 'rejected', NULL)");
	cbd_start(&c);
	cr_expect_geq(db_int(c.db, "PRAGMA user_version"), 13, "migrated through 013");
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal"), 3, "the journal's rows are kept");
	check(env_from(&c, "test", "old:1", "牲畜 购进1"), "old:1 from its source", "duplicate", "r-7");
	check(env_from(&c, "other", "old:1", "牲畜 购进1"), "old:1 from another source", "accepted", NULL);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal"), 4);
	cr_expect_eq(db_int(c.db, "SELECT max(seq) FROM journal"), 4);
	cbd_stop(&c);
}

/* Publishes a structured report payload on report/<area>; returns its receipt on receipt/app. */
static cJSON *
raw_report(struct cbd *c, const char *area, const char *id, const char *payload)
{
	char topic[256];

	snprintf(topic, sizeof topic, "report/%s", area);
	cr_assert(cbd_raw(c, topic, payload, strlen(payload)));
	return cbd_receipt_from(c, "app", id, CBD_WAIT);
}

/* Asserts a rejection and its code, and frees the receipt. */
static void
refused(cJSON *r, const char *what, const char *code)
{
	cr_assert_not_null(r, "%s: no receipt", what);
	cr_expect_str_eq(rc_str(r, "status"), "rejected", "%s", what);
	cr_expect_str_eq(rc_str(r, "code"), code, "%s", what);
	cJSON_Delete(r);
}

#define G1 "xinzhuang/hexi/g01"
#define REPORT_HEAD(id) "{\"id\":\"" id "\",\"source\":\"app\",\"area\":\"" G1 "\",\"period\":\"2023-12\","

Test(trust, nul_and_members_twice_are_refused_and_deep_payloads_answered)
{
	struct cbd c = { 0 };

	cbd_start(&c);
	cr_assert(h_mqtt_sub(c.mq, CBD_ROOT "/receipt/app", 1));
	/* A NUL in the id: no id to answer by, and "nul" is not taken. */
	const char *nulid = "{\"id\":\"nul\\u0000id\",\"source\":\"test\",\"channel\":\"sms\","
	    "\"from\":\"+8613800000001\",\"text\":\"牲畜 购进1\"}";
	cr_assert(cbd_raw(&c, "inbox/sms", nulid, strlen(nulid)));
	check(env_from(&c, "test", "nul", "牲畜 购进1"), "the id nul", "accepted", NULL);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE error = 'bad_id' AND msg_id IS NULL"), 1);
	/* A NUL anywhere else, and members given twice: bad_json, answered. */
	refused(raw_report(&c, G1, "n:1", REPORT_HEAD("n:1") "\"kind\":\"live\\u0000stock\","
	    "\"values\":{\"cattle\":1}}"), "NUL in kind", "bad_json");
	refused(raw_report(&c, G1, "n:2", REPORT_HEAD("n:2") "\"kind\":\"livestock\","
	    "\"values\":{\"cattle\\u0000x\":1}}"), "NUL in a field name", "bad_json");
	refused(raw_report(&c, G1, "n:3", REPORT_HEAD("n:3") "\"kind\":\"livestock\","
	    "\"values\":{\"cattle\":1},\"values\":{\"cattle\":2}}"), "values twice", "bad_json");
	refused(raw_report(&c, G1, "n:4", REPORT_HEAD("n:4") "\"kind\":\"livestock\","
	    "\"values\":{\"cattle\":1,\"cattle\":2}}"), "a field twice", "bad_json");
	refused(raw_report(&c, G1, "n:5", REPORT_HEAD("n:5") "\"kind\":\"livestock\",\"area\":\"" G1 "\","
	    "\"values\":{\"cattle\":1}}"), "area twice", "bad_json");
	/* Nested beyond cJSON's limit, with a readable id and source: answered bad_json. */
	char deep[4096];
	int n = snprintf(deep, sizeof deep, REPORT_HEAD("n:6") "\"kind\":\"livestock\",\"values\":{\"cattle\":1},"
	    "\"x\":");
	memset(deep + n, '[', 1500);
	memset(deep + n + 1500, ']', 1500);
	memcpy(deep + n + 3000, "}", 2);
	refused(raw_report(&c, G1, "n:6", deep), "nested too deep", "bad_json");
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports"), 1, "only the honest report is stored");
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE source = 'app' AND error = 'bad_json'"), 6);
	cbd_stop(&c);
}

/* A livestock report from source for area, with reporter (NULL: none); its receipt on receipt/<source>. */
static cJSON *
authority_report(struct cbd *c, const char *source, const char *id, const char *area, const char *reporter)
{
	char topic[256], buf[512], rep[96] = "";

	if (reporter != NULL)
		snprintf(rep, sizeof rep, ",\"reporter\":\"%s\"", reporter);
	snprintf(topic, sizeof topic, "report/%s", area);
	snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"source\":\"%s\",\"kind\":\"livestock\",\"area\":\"%s\","
	    "\"period\":\"2023-12\",\"values\":{\"bought\":1}%s}", id, source, area, rep);
	cr_assert(cbd_raw(c, topic, buf, strlen(buf)));
	return cbd_receipt_from(c, source, id, CBD_WAIT);
}

Test(trust, reports_need_a_roster_reporter_or_an_app_allow_list)
{
	static const struct {
		const char *source, *id, *area, *reporter, *status, *code;
	} cases[] = {
		{ "app", "a:1", "xinzhuang/hexi/g01", NULL, "accepted", NULL },
		{ "app", "a:2", "xinzhuang/hexi/g02", NULL, "accepted", NULL },
		{ "app", "a:3", "xinzhuang/hexi/g03", NULL, "rejected", "not_permitted" },
		{ "village-app", "v:1", "xinzhuang/hexi/g07", NULL, "accepted", NULL },
		{ "stranger", "s:1", "xinzhuang/hexi/g01", NULL, "rejected", "unknown_sender" },
		{ "stranger", "s:2", "xinzhuang/hexi/g01", "+8613800000001", "accepted", NULL },
		{ "stranger", "s:3", "xinzhuang/hexi/g02", "+8613800000001", "rejected", "not_permitted" },
		{ "stranger", "s:4", "xinzhuang/hexi/g03", "+8613800000010", "accepted", NULL },	/* village admin */
		{ "stranger", "s:5", "xinzhuang/hexi/g03", "+8613800000999", "rejected", "unknown_sender" },
		/* A listed app naming a reporter is held to the reporter's rights. */
		{ "app", "a:4", "xinzhuang/hexi/g01", "+8613800000002", "rejected", "not_permitted" },
	};
	struct cbd c = { 0 };

	c.extra[0] = "--reports-need-reporter";
	c.extra[1] = "yes";
	c.extra[2] = "--report-apps";
	c.extra[3] = "app=xinzhuang/hexi/g01,xinzhuang/hexi/g02 village-app=xinzhuang/hexi";
	cbd_start(&c);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *r = authority_report(&c, cases[i].source, cases[i].id, cases[i].area, cases[i].reporter);

		cr_assert_not_null(r, "%s: no receipt", cases[i].id);
		cr_expect_str_eq(rc_str(r, "status"), cases[i].status, "%s", cases[i].id);
		if (cases[i].code != NULL)
			cr_expect_str_eq(rc_str(r, "code"), cases[i].code, "%s", cases[i].id);
		cJSON_Delete(r);
	}
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports"), 5);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id = 'a:3' AND error = 'not_permitted'"
	    " AND detail LIKE '%report-apps%'"), 1);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id = 's:1' AND error = 'unknown_sender'"
	    " AND detail LIKE '%no reporter%'"), 1);
	cbd_stop(&c);
}

Test(trust, a_bad_report_apps_entry_is_refused_by_n)
{
	char cmd[1024];
	int code;

	snprintf(cmd, sizeof cmd, "%s -n --db %s --catalog %s --report-apps 'app=Xinzhuang' 2>&1",
	    h_bin("daemon/cunbaod"), h_path("n.db"), h_src("schema/catalog.json"));
	char *out = h_run(cmd, &code);
	cr_expect_neq(code, 0, "%s", out);
	cr_expect(out != NULL && strstr(out, "report-apps:") != NULL && strstr(out, "Xinzhuang") != NULL,
	    "%s", out);
	free(out);
}
