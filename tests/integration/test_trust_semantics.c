/*
 * test_trust_semantics.c — what reports mean, against a real mosquitto and
 * cunbaod: a partial 更正 changes only what it restates; 撤销 after a restart
 * moves who has reported; a bare 撤销 withdraws the sender's latest report
 * whatever its period; a SIGHUP that would rescale a field is refused; a
 * gateway's received_at older than max-received-age is not believed.
 */
#include "test_cunbaod.h"

#define DEC5 "2023-12-05T08:30:00+08:00"	/* messages are dated: periods are fixed */

/* Sends a dated SMS; returns its receipt after checking its status (free it). */
static cJSON *
send_at(struct cbd *c, const char *id, const char *from, const char *text, const char *at,
    const char *status)
{
	cJSON *r;

	cr_assert(cbd_sms_at(c, id, from, text, at));
	r = cbd_receipt(c, id);
	cr_assert_not_null(r, "no receipt for %s \"%s\"", id, text);
	cr_expect_str_eq(rc_str(r, "status"), status, "%s \"%s\": %s", id, text, rc_str(r, "text"));
	return r;
}

/* Sends a dated SMS and checks its status and that its reply contains want. */
static void
expect(struct cbd *c, const char *id, const char *from, const char *text, const char *status,
    const char *want)
{
	cJSON *r = send_at(c, id, from, text, DEC5, status);

	cr_expect(strstr(rc_str(r, "text"), want) != NULL, "%s \"%s\": reply \"%s\" lacks \"%s\"",
	    id, text, rc_str(r, "text"), want);
	cJSON_Delete(r);
}

/* Waits until the retained message on topic (under the root) contains needle; true when it did. */
static bool
retained_has(struct cbd *c, const char *rel_topic, const char *needle)
{
	char topic[512], *p = NULL;
	bool ok = false;

	snprintf(topic, sizeof topic, CBD_ROOT "/%s", rel_topic);
	for (int waited = 0; !ok && waited <= CBD_WAIT; waited += 100) {
		free(p);
		p = h_retained(c->broker.port, topic, 500);
		ok = p != NULL && strstr(p, needle) != NULL;
		if (!ok)
			usleep(100 * 1000);
	}
	if (!ok)
		cr_log_warn("%s: last seen %s, wanted %s", topic, p ? p : "(nothing)", needle);
	free(p);
	return ok;
}

/* A rollup value, asserted with a message naming it. */
static void
rollup_is(struct cbd *c, const char *area, const char *period, const char *field, const char *want)
{
	char *p = cbd_rollup_wait(c, area, "livestock", period, field, want, CBD_WAIT);

	cr_expect_not_null(p, "%s livestock %s: %s never showed %s", area, period, field, want);
	free(p);
}

/*
 * Issue item 8: `更正 牲畜 猪48` after `牛12 猪40 羊5` changes pigs only; the
 * reply lists the figures now in effect and names those kept.
 */
Test(trust_semantics, partial_correction_carries_over_what_it_omits)
{
	struct cbd c = { 0 };

	cbd_start(&c);
	expect(&c, "f:1", "+8613800000003", "牲畜 牛12 猪40 羊5", "accepted", "牛12 猪40 羊5");
	expect(&c, "f:2", "+8613800000004", "牲畜 牛9 猪30 羊1", "accepted", "4组");
	expect(&c, "f:3", "+8613800000003", "更正 牲畜 猪48", "accepted",
	    "已更正 3组 12月 牲畜：牛12 猪48 羊5（牛 羊照旧）");
	expect(&c, "f:4", "+8613800000008", "LS cattle 4 pigs 5 sheep 2", "accepted", "Received");
	expect(&c, "f:5", "+8613800000008", "FIX LS pigs 6", "accepted",
	    "Corrected G8 Dec livestock: cattle 4, pigs 6, sheep 2 (cattle, sheep unchanged)");
	/* A full restatement keeps nothing and says nothing of it. */
	expect(&c, "f:6", "+8613800000004", "更正 牲畜 牛8 猪30 羊1", "accepted", "牛8 猪30 羊1");

	rollup_is(&c, "xinzhuang/hexi/g03", "2023-12", "pigs", "48");
	rollup_is(&c, "xinzhuang/hexi/g03", "2023-12", "cattle", "12");
	rollup_is(&c, "xinzhuang/hexi/g03", "2023-12", "sheep", "5");
	rollup_is(&c, "xinzhuang/hexi", "2023-12", "cattle", "24");	/* 12 + 8 + 4 */
	rollup_is(&c, "xinzhuang/hexi", "2023-12", "sheep", "8");	/* 5 + 1 + 2 */
	rollup_is(&c, "xinzhuang/hexi", "2023-12", "pigs", "84");	/* 48 + 30 + 6 */
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM report_values v JOIN reports r ON r.id = v.report"
	    " WHERE r.status = 'active' AND r.area = 'xinzhuang/hexi/g03'"), 3);
	cbd_stop(&c);
}

/*
 * Issue item 9: after a restart the group's cell is not cached; a 撤销 must
 * still take the group out of the village's `reported` and completeness.
 */
Test(trust_semantics, undo_after_restart_moves_reported_and_completeness)
{
	struct cbd c = { 0 };

	cbd_start(&c);
	expect(&c, "u:1", "+8613800000003", "牲畜 牛12", "accepted", "已收到");
	expect(&c, "u:2", "+8613800000004", "牲畜 牛9", "accepted", "已收到");
	cr_assert(retained_has(&c, "rollup/xinzhuang/hexi/livestock/2023-12", "\"reported\":2,"));
	cr_assert_eq(cbd_term(&c), 0);
	cr_assert(cbd_spawn(&c), "cunbaod did not come back");

	expect(&c, "u:3", "+8613800000004", "撤销", "accepted", "已撤销 4组 12月 牲畜");
	cr_expect(retained_has(&c, "rollup/xinzhuang/hexi/livestock/2023-12", "\"reported\":1,"),
	    "the village rollup still counts g04 as reported");
	cr_expect(retained_has(&c, "completeness/xinzhuang/hexi/livestock/2023-12", "\"reported\":[\"g03\"]"),
	    "the completeness still lists g04 as reported");
	rollup_is(&c, "xinzhuang/hexi", "2023-12", "cattle", "12");
	cbd_stop(&c);
}

/*
 * Issue item 10: a bare 撤销 after a report for 上月 withdraws that report,
 * not this month's; 撤销 with a kind or a period keeps to them.
 */
Test(trust_semantics, bare_undo_withdraws_the_latest_report_whatever_its_period)
{
	struct cbd c = { 0 };

	cbd_start(&c);
	expect(&c, "b:1", "+8613800000005", "牲畜 牛7", "accepted", "12月");
	expect(&c, "b:2", "+8613800000005", "牲畜 上月 牛3", "accepted", "11月");
	expect(&c, "b:3", "+8613800000005", "撤销", "accepted", "已撤销 5组 11月 牲畜");
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports WHERE area = 'xinzhuang/hexi/g05'"
	    " AND period = '2023-11' AND status = 'withdrawn'"), 1);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports WHERE area = 'xinzhuang/hexi/g05'"
	    " AND period = '2023-12' AND status = 'active'"), 1);
	rollup_is(&c, "xinzhuang/hexi/g05", "2023-12", "cattle", "7");
	rollup_is(&c, "xinzhuang/hexi/g05", "2023-11", "cattle", "");

	/* Named period: only that one; named kind: the latest of it. */
	expect(&c, "b:4", "+8613800000005", "劳务 上月 输转5", "accepted", "11月");
	expect(&c, "b:5", "+8613800000005", "撤销 12月", "accepted", "已撤销 5组 12月 牲畜");
	expect(&c, "b:6", "+8613800000005", "牲畜 上月 牛2", "accepted", "11月");
	expect(&c, "b:7", "+8613800000005", "撤销 劳务", "accepted", "已撤销 5组 11月 劳务");
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports WHERE area = 'xinzhuang/hexi/g05'"
	    " AND status = 'active'"), 1);
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports WHERE area = 'xinzhuang/hexi/g05'"
	    " AND status = 'active' AND kind = 'livestock' AND period = '2023-11'"), 1);
	cbd_stop(&c);
}

/* Sets kind.field's scale in a catalog's JSON text; the new text (free it). */
static char *
rescale(const char *json, const char *kind, const char *field, int scale)
{
	cJSON *root = cJSON_Parse(json), *k, *f;
	char *out;

	cr_assert_not_null(root);
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(root, "kinds")) {
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(k, "code")), kind) != 0)
			continue;
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(k, "fields"))
			if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(f, "code")), field) == 0)
				cJSON_ReplaceItemInObject(f, "scale", cJSON_CreateNumber(scale));
	}
	out = cJSON_Print(root);
	cJSON_Delete(root);
	return out;
}

/*
 * Issue item 11: a SIGHUP whose catalog changes a field's scale is refused
 * (the log names kind, field, both scales and the rebuild); the figures stay.
 */
Test(trust_semantics, reload_that_rescales_a_field_is_refused)
{
	struct cbd c = { 0 };
	char catalog[256], needle[512];
	char *good = h_read_file(h_src("schema/catalog.json"), NULL), *bad;

	cr_assert_not_null(good);
	snprintf(catalog, sizeof catalog, "%s", h_path("catalog.json"));
	cr_assert(h_write_file(catalog, good));
	c.catalog = catalog;
	cbd_start(&c);
	cJSON_Delete(send_at(&c, "s:1", "+8613800000003", "产业 果园480.25", DEC5, "accepted"));

	bad = rescale(good, "crops", "orchard", 3);
	cr_assert(h_write_file(catalog, bad));
	free(bad);
	kill(c.proc->pid, SIGHUP);
	cr_assert(h_wait_log(c.proc, "crops.orchard from scale 2 to 3", CBD_WAIT),
	    "the rescaling reload was not refused");
	cr_assert(h_wait_log(c.proc, "cunbaoctl rebuild", CBD_WAIT), "the refusal does not say what to run");
	/* The catalog in use is the old one: three decimals are still too many. */
	cJSON_Delete(send_at(&c, "s:2", "+8613800000004", "产业 果园1.125", DEC5, "rejected"));
	char *p = cbd_rollup_wait(&c, "xinzhuang/hexi", "crops", "2023", "orchard", "480.25", CBD_WAIT);
	cr_expect_not_null(p, "the village's orchard figure changed");
	free(p);

	/* A reload that keeps every scale goes through. */
	cr_assert(h_write_file(catalog, good));
	free(good);
	kill(c.proc->pid, SIGHUP);
	snprintf(needle, sizeof needle, "reload: catalog %s, 7 kinds", catalog);
	cr_assert(h_wait_log(c.proc, needle, CBD_WAIT), "the unchanged catalog was not loaded");
	cr_assert(h_alive(c.proc));
	cbd_stop(&c);
}

/* unix time t as RFC 3339 UTC. */
static void
stamp(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The Asia/Shanghai date of unix time t as "YYYY-MM-DD". */
static void
day_of(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)(t + 8 * 3600);
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/*
 * Issue item 12: a received_at older than max-received-age (default 3d) is
 * replaced by cunbaod's time and the journal says so; a younger one holds.
 * (The flag comes after test_cunbaod.h's "--max-received-age 0": it wins.)
 */
Test(trust_semantics, old_received_at_is_bounded_and_journaled)
{
	struct cbd c = { .extra = { "--max-received-age", "3d", NULL } };	/* the default; test_cunbaod.h turns it off */
	int64_t now = (int64_t)time(NULL);
	char at[64], day[16], sql[256];

	cbd_start(&c);
	/* Two days back: believed, the road report is filed on that day. */
	stamp(now - 2 * 86400, at, sizeof at);
	day_of(now - 2 * 86400, day, sizeof day);
	cJSON_Delete(send_at(&c, "t:1", "+8613800000003", "道路 硬化10", at, "accepted"));
	snprintf(sql, sizeof sql, "SELECT count(*) FROM reports WHERE kind = 'road' AND period = '%s'"
	    " AND area = 'xinzhuang/hexi/g03'", day);
	cr_expect_eq(db_int(c.db, sql), 1, "a report two days old was not filed on %s", day);

	/* Years back: filed today, and the journal says why. */
	cJSON_Delete(send_at(&c, "t:2", "+8613800000004", "道路 硬化20", "2020-01-05T08:00:00+08:00", "accepted"));
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM reports WHERE kind = 'road' AND period LIKE '2020%'"), 0,
	    "a report with a 2020 received_at was filed into 2020");
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id = 't:2'"
	    " AND detail LIKE '%received_at 2020-01-05T08:00:00+08:00%max-received-age%'"), 1,
	    "the journal does not record the adjusted time");

	/* Configured: one hour (cunbaod started again with the flag). */
	cr_assert_eq(cbd_term(&c), 0);
	c.extra[1] = "1h";
	cr_assert(cbd_spawn(&c), "cunbaod did not come back");
	stamp(now - 2 * 3600, at, sizeof at);
	cJSON_Delete(send_at(&c, "t:3", "+8613800000005", "道路 硬化30", at, "accepted"));
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id = 't:3'"
	    " AND detail LIKE '%max-received-age 1h%'"), 1, "--max-received-age 1h was not applied");

	/*
	 * A rebuild (with the default bound) repeats the journaled decisions: t:3,
	 * two hours old, stays refused although 3d would believe it.
	 */
	const char *sql_reports = "SELECT id, area, kind, period, status FROM reports ORDER BY id";
	const char *sql_journal = "SELECT seq, status, detail, report_id FROM journal ORDER BY seq";
	char *reports = db_dump(c.db, sql_reports), *journal = db_dump(c.db, sql_journal), cmd[1024];
	int rc;

	cr_assert_eq(cbd_term(&c), 0);
	snprintf(cmd, sizeof cmd, "%s rebuild --apply --db %s --catalog %s 2>&1", h_bin("tools/cunbaoctl/cunbaoctl"),
	    c.db, h_src("schema/catalog.json"));
	char *out = h_run(cmd, &rc);
	cr_expect_eq(rc, 0, "rebuild: %s", out ? out : "");
	free(out);
	char *reports2 = db_dump(c.db, sql_reports), *journal2 = db_dump(c.db, sql_journal);

	cr_expect_str_eq(reports2, reports, "the rebuild filed reports elsewhere");
	cr_expect_str_eq(journal2, journal, "the rebuild changed the journal's outcomes");
	free(reports);
	free(reports2);
	free(journal);
	free(journal2);
	cbd_stop(&c);
}
