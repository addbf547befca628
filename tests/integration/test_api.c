/*
 * test_api.c — cunbaod's admin HTTP API against a real cunbaod and
 * mosquitto on loopback: tokens and roles, every read resource with good and
 * bad parameters, cursor pagination, completeness listing exactly the groups
 * that did not report, the CSV ledger against its golden file, the limits,
 * /healthz and /metrics.  The roster writes are in test_api_roster.c, the
 * reminders in test_api_remind.c.
 */
#include "test_api.h"

Test(api, tokens_and_roles)
{
	struct api a = { 0 };
	struct resp r;

	api_start(&a);
	r = http_get(a.port, "/healthz", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"ok\"") != NULL, "%s", r.body);
	resp_free(&r);

	r = http_get(a.port, "/v1/rollups", NULL);
	cr_expect_eq(r.status, 401);
	cr_expect(strstr(r.headers, "WWW-Authenticate: Bearer") != NULL, "%s", r.headers);
	cJSON *j = cJSON_Parse(r.body);
	cr_expect_str_eq(err_code(j), "unauthorized");
	cJSON_Delete(j);
	resp_free(&r);
	expect_error(&a, "GET", "/v1/rollups", "not-a-token-at-all-0000", NULL, 401, "unknown token");
	expect_error(&a, "GET", "/v1/rollups", "read-0123456789abcde", NULL, 401, NULL);	/* a prefix */
	expect_error(&a, "GET", "/v1/rollups", TOKEN_READ "x", NULL, 401, NULL);
	expect_error(&a, "GET", "/metrics", NULL, NULL, 401, NULL);

	/* "Basic" is not a bearer token, even with a good secret. */
	const char basic[] = "GET /v1/rollups HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	    "Authorization: Basic " TOKEN_ADMIN "\r\n\r\n";
	cr_assert(http_raw(a.port, basic, sizeof basic - 1, &r));
	cr_expect_eq(r.status, 401);
	resp_free(&r);

	/* read may read, not write; admin may both. */
	r = http_get(a.port, "/v1/rollups", TOKEN_READ);
	cr_expect_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	expect_error(&a, "POST", "/v1/areas", TOKEN_READ, "{\"path\":\"xinzhuang/x\",\"name\":\"X\"}",
	    403, "admin");
	expect_error(&a, "POST", "/v1/reminders", TOKEN_READ, "{\"kind\":\"livestock\"}", 403, NULL);
	expect_error(&a, "DELETE", "/v1/reporters/%2B8613800000001", TOKEN_READ, NULL, 403, NULL);
	r = http_req(a.port, "POST", "/v1/areas", TOKEN_ADMIN, "application/json",
	    "{\"path\":\"xinzhuang/x\",\"name\":\"X\"}");
	cr_expect_eq(r.status, 201, "%s", r.body);
	resp_free(&r);
	r = http_get(a.port, "/v1/reporters/%2B8613800000003", TOKEN_READ);
	cr_expect_eq(r.status, 200, "%s", r.body);
	resp_free(&r);
	r = http_get(a.port, "/metrics", TOKEN_READ);
	cr_expect_eq(r.status, 200);
	cr_expect(r.body != NULL && strstr(r.body, "\ncunbaod_build_info{version=\"" CUNBAO_VERSION "\"} 1\n") != NULL,
	    "no build_info in %s", r.body);
	resp_free(&r);

	/* Every request logged once, with its status; never a token, never a full phone number. */
	char logpath[512];
	snprintf(logpath, sizeof logpath, "%s", a.cbd.proc->log);
	api_stop(&a);
	char *log = h_read_file(logpath, NULL);
	cr_assert_not_null(log);
	cr_expect(strstr(log, "api: GET /v1/rollups 401") != NULL);
	cr_expect(strstr(log, "api: POST /v1/areas 201") != NULL);
	cr_expect(strstr(log, "api: POST /v1/areas 403") != NULL);
	cr_expect(strstr(log, "read-0123456789") == NULL, "a token was logged");
	cr_expect(strstr(log, "admin-0123456789") == NULL, "a token was logged");
	cr_expect(strstr(log, "/v1/reporters/+8613800000003") == NULL, "a phone number was logged");
	free(log);
}

Test(api, token_file_readable_by_others_is_refused)
{
	struct h_broker b = { 0 };
	char port[64], listen[64], db[256], tokens[256];

	cr_assert(h_broker_start(&b));
	snprintf(port, sizeof port, "127.0.0.1:%d", b.port);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", h_free_port());
	snprintf(db, sizeof db, "%s", h_path("refused.db"));
	snprintf(tokens, sizeof tokens, "%s", h_path("tokens.open"));
	api_tokens_write(tokens, 0644);
	const char *argv[] = { h_bin("daemon/cunbaod"), "-d", "--broker", port, "--db", db,
		"--catalog", h_src("schema/catalog.json"), "--listen", listen, "--tokens", tokens, NULL };
	struct h_proc *p = h_spawn("cunbaod-refused", (char *const *)argv);
	cr_assert_not_null(p);
	for (int i = 0; i < 1000 && h_alive(p); i++)
		usleep(10 * 1000);
	cr_expect(!h_alive(p), "cunbaod runs with a token file others can read");
	cr_expect_neq(h_stop(p, SIGTERM, 1000), 0);
	cr_expect(h_wait_log(p, "chmod 600", 1000), "the refusal does not say how to fix it");
	char *log = h_read_file(p->log, NULL);
	cr_expect(log != NULL && strstr(log, TOKEN_READ) == NULL, "a token was logged");
	free(log);
	h_broker_stop(&b);
}

/* Bad token files: cunbaod refuses to start and names the line and the problem. */
static const struct {
	const char *text, *message;
} bad_tokens[] = {
	{ "short admin\n", "tokens:1: a token must be 16 to 128" },
	{ "# ok\n" TOKEN_READ " superuser\n", "tokens:2: unknown role \"superuser\"" },
	{ TOKEN_READ " read a\n" TOKEN_READ " admin b\n", "tokens:2: the same token twice" },
	{ TOKEN_READ "\n", "tokens:1: expected \"<token> <role> [name]\"" },
	{ TOKEN_READ " read who?\n", "tokens:1: a name is" },
};

Test(api, bad_token_files_are_refused_line_by_line)
{
	struct h_broker b = { 0 };
	char port[64], listen[64], db[256], tokens[256], name[32];

	cr_assert(h_broker_start(&b));
	snprintf(port, sizeof port, "127.0.0.1:%d", b.port);
	snprintf(db, sizeof db, "%s", h_path("bad.db"));
	snprintf(tokens, sizeof tokens, "%s", h_path("tokens"));
	for (size_t i = 0; i < sizeof bad_tokens / sizeof bad_tokens[0]; i++) {
		cr_assert(h_write_file(tokens, bad_tokens[i].text));
		cr_assert_eq(chmod(tokens, 0600), 0);
		snprintf(listen, sizeof listen, "127.0.0.1:%d", h_free_port());
		snprintf(name, sizeof name, "cunbaod-bad-%zu", i);
		const char *argv[] = { h_bin("daemon/cunbaod"), "-d", "--broker", port, "--db", db,
			"--catalog", h_src("schema/catalog.json"), "--listen", listen, "--tokens", tokens, NULL };
		struct h_proc *p = h_spawn(name, (char *const *)argv);
		cr_assert_not_null(p);
		for (int t = 0; t < 1000 && h_alive(p); t++)
			usleep(10 * 1000);
		cr_expect_neq(h_stop(p, SIGTERM, 1000), 0, "cunbaod took token file %zu", i);
		cr_expect(h_wait_log(p, bad_tokens[i].message, 100), "token file %zu: no \"%s\"", i,
		    bad_tokens[i].message);
		char *log = h_read_file(p->log, NULL);
		cr_expect(log != NULL && strstr(log, "0123456789abcdef") == NULL, "a token was logged");
		free(log);
	}
	h_broker_stop(&b);
}

/* The item of a list whose member key equals value, or NULL. */
static const cJSON *
item_with(const cJSON *list, const char *key, const char *value)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(list, "items")) {
		const cJSON *v = cJSON_GetObjectItem(it, key);
		if (cJSON_IsString(v) && strcmp(v->valuestring, value) == 0)
			return it;
	}
	return NULL;
}

/* A number member printed as text ("61"). */
static char *
num(const cJSON *o, const char *key)
{
	static char buf[64];
	char *p = cJSON_PrintUnformatted(cJSON_GetObjectItem(o, key));

	snprintf(buf, sizeof buf, "%s", p ? p : "(none)");
	free(p);
	return buf;
}

Test(api, rollups_filters_and_pages)
{
	struct api a = { 0 };
	cJSON *j;
	const cJSON *v;

	api_start(&a);
	api_feed_village(&a);
	char *village = cbd_rollup_wait(&a.cbd, "xinzhuang/hexi", "livestock", "2023-12", "cattle", "61",
	    CBD_WAIT);
	cr_assert_not_null(village, "the village rollup never showed 61 cattle");
	free(village);
	j = get_json(&a, "/v1/rollups?area=xinzhuang/hexi&kind=livestock&period=2023-12");
	v = item_with(j, "area", "xinzhuang/hexi");
	cr_assert_not_null(v);
	cr_expect_str_eq(num(cJSON_GetObjectItem(v, "values"), "cattle"), "61");
	cr_expect_str_eq(num(cJSON_GetObjectItem(v, "values"), "pigs"), "398");
	cr_expect_str_eq(num(cJSON_GetObjectItem(v, "values"), "sheep"), "118");
	cr_expect_str_eq(num(v, "reported"), "7");
	cr_expect_str_eq(num(v, "expected"), "8");
	cr_expect_null(item_with(j, "area", "xinzhuang/hexi/g04"), "g04 did not report");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 8, "the village and 7 groups");
	cr_expect(cJSON_IsNull(cJSON_GetObjectItem(j, "next")));
	cJSON_Delete(j);

	/* A subtree is a subtree: g01 has its livestock and its road, nothing of g02. */
	j = get_json(&a, "/v1/rollups?area=xinzhuang/hexi/g01");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 2);
	cr_expect_not_null(item_with(j, "kind", "road"));
	cJSON_Delete(j);
	j = get_json(&a, "/v1/rollups?area=xinzhuang/hexi/g0");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 0, "g0 is no prefix of g01");
	cJSON_Delete(j);

	/* Pages of 3 cover every cell once, in order. */
	char path[512] = "/v1/rollups?limit=3", seen[4096] = "";
	int pages = 0, items = 0;
	for (;;) {
		j = get_json(&a, path);
		const cJSON *it, *next = cJSON_GetObjectItem(j, "next");
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "items")) {
			char key[256];
			snprintf(key, sizeof key, "[%s %s %s]", cJSON_GetObjectItem(it, "area")->valuestring,
			    cJSON_GetObjectItem(it, "kind")->valuestring,
			    cJSON_GetObjectItem(it, "period")->valuestring);
			cr_expect(strstr(seen, key) == NULL, "%s twice", key);
			strncat(seen, key, sizeof seen - strlen(seen) - 1);
			items++;
		}
		pages++;
		if (!cJSON_IsString(next)) {
			cJSON_Delete(j);
			break;
		}
		snprintf(path, sizeof path, "/v1/rollups?limit=3&cursor=%s", next->valuestring);
		cJSON_Delete(j);
	}
	/* Livestock: village, township and 7 groups; road: g01, village, township. */
	cr_expect_eq(items, 12, "%s", seen);
	cr_expect_eq(pages, 4);

	expect_error(&a, "GET", "/v1/rollups?area=Xin", TOKEN_READ, NULL, 400, "area=");
	expect_error(&a, "GET", "/v1/rollups?kind=chickens", TOKEN_READ, NULL, 400, "kind=");
	expect_error(&a, "GET", "/v1/rollups?kind=livestock&period=2023-W48", TOKEN_READ, NULL, 400, "period=");
	expect_error(&a, "GET", "/v1/rollups?period=2023-13", TOKEN_READ, NULL, 400, "period=");
	expect_error(&a, "GET", "/v1/rollups?limit=0", TOKEN_READ, NULL, 400, "limit=");
	expect_error(&a, "GET", "/v1/rollups?limit=1001", TOKEN_READ, NULL, 400, "limit=");
	expect_error(&a, "GET", "/v1/rollups?limit=ten", TOKEN_READ, NULL, 400, "limit=");
	expect_error(&a, "GET", "/v1/rollups?cursor=zz", TOKEN_READ, NULL, 400, "cursor");
	expect_error(&a, "GET", "/v1/rollups?cursor=3132", TOKEN_READ, NULL, 400, "cursor");
	expect_error(&a, "GET", "/v1/rollups?colour=red", TOKEN_READ, NULL, 400, "colour");
	expect_error(&a, "GET", "/v1/rollups?kind=road&kind=road", TOKEN_READ, NULL, 400, "twice");
	api_stop(&a);
}

Test(api, reports_history_and_journal)
{
	struct api a = { 0 };
	cJSON *j;
	const cJSON *it;

	api_start(&a);
	api_feed_village(&a);

	/* Group 2: its first report superseded by its correction, both kept. */
	j = get_json(&a, "/v1/reports?area=xinzhuang/hexi/g02");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 2);
	const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "items"), 0);
	const cJSON *second = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "items"), 1);
	cr_expect_str_eq(cJSON_GetObjectItem(first, "status")->valuestring, "superseded");
	cr_expect_str_eq(cJSON_GetObjectItem(second, "status")->valuestring, "active");
	cr_expect_str_eq(num(first, "superseded_by"), num(second, "id"));
	cr_expect_str_eq(num(second, "replaces"), num(first, "id"));
	cr_expect_str_eq(num(cJSON_GetObjectItem(first, "values"), "pigs"), "61");
	cr_expect_str_eq(num(cJSON_GetObjectItem(second, "values"), "pigs"), "60");
	cJSON_Delete(j);

	j = get_json(&a, "/v1/reports?kind=livestock&status=active");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 7);
	cJSON_Delete(j);
	j = get_json(&a, "/v1/reports?reporter=%2B8613800000008");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 1);
	cr_expect_str_eq(num(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "items"), 0),
	    "values"), "cattle"), "6");
	cJSON_Delete(j);
	j = get_json(&a, "/v1/reports?since=2023-01-01");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 9);
	cJSON_Delete(j);
	j = get_json(&a, "/v1/reports?since=2999-01-01T00:00:00Z");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 0);
	cJSON_Delete(j);
	/* Pages of 4 by id: 4 + 4 + 1. */
	j = get_json(&a, "/v1/reports?limit=4");
	const cJSON *next = cJSON_GetObjectItem(j, "next");
	cr_assert(cJSON_IsString(next));
	char path[256];
	snprintf(path, sizeof path, "/v1/reports?limit=4&cursor=%s", next->valuestring);
	cJSON_Delete(j);
	j = get_json(&a, path);
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 4);
	cJSON_Delete(j);
	expect_error(&a, "GET", "/v1/reports?status=deleted", TOKEN_READ, NULL, 400, "status=");
	expect_error(&a, "GET", "/v1/reports?since=yesterday", TOKEN_READ, NULL, 400, "since=");
	expect_error(&a, "GET", "/v1/reports?since=2023-02-30", TOKEN_READ, NULL, 400, "since=");
	expect_error(&a, "GET", "/v1/reports?reporter=", TOKEN_READ, NULL, 400, "reporter");
	expect_error(&a, "GET", "/v1/reports?reporter=+8613800000008", TOKEN_READ, NULL, 400, "%2B");

	/* Why was group 3's message refused?  The journal says, raw message and all. */
	j = get_json(&a, "/v1/journal?sender=%2B8613800000003&status=rejected");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 1, "%s", cJSON_PrintUnformatted(j));
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "items"), 0);
	cr_expect_str_eq(cJSON_GetObjectItem(it, "error")->valuestring, "unknown_field");
	cr_expect(strstr(cJSON_GetObjectItem(it, "payload")->valuestring, "牲畜 鸡3") != NULL);
	cr_expect_str_eq(cJSON_GetObjectItem(it, "area")->valuestring, "xinzhuang/hexi/g03");
	cJSON_Delete(j);
	j = get_json(&a, "/v1/journal?area=xinzhuang/hexi&status=accepted");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 9);
	cJSON_Delete(j);
	j = get_json(&a, "/v1/journal?kind=road");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 1);
	cJSON_Delete(j);

	/* A payload that is not UTF-8 still comes back as valid JSON. */
	const char bad[] = "{\"id\":\"u:1\",\"source\":\"test\",\"text\":\"\xff\xfe\"}";
	cr_assert(cbd_raw(&a.cbd, "inbox/sms", bad, sizeof bad - 1));
	cJSON_Delete(cbd_receipt(&a.cbd, "u:1"));
	j = get_json(&a, "/v1/journal?status=rejected");
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "items"), 1);
	cr_assert_not_null(it);
	cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(it, "payload_utf8")));
	cJSON_Delete(j);
	expect_error(&a, "GET", "/v1/journal?status=maybe", TOKEN_READ, NULL, 400, "status=");
	expect_error(&a, "GET", "/v1/journal?reporter=x", TOKEN_READ, NULL, 400, "reporter");
	api_stop(&a);
}

/* The areas of a completeness item's "missing" list, joined by spaces. */
static void
missing_areas(const cJSON *item, char *buf, size_t len)
{
	const cJSON *m;

	buf[0] = '\0';
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(item, "missing")) {
		strncat(buf, cJSON_GetObjectItem(m, "area")->valuestring, len - strlen(buf) - 1);
		strncat(buf, " ", len - strlen(buf) - 1);
	}
}

Test(api, completeness_lists_exactly_the_missing_groups)
{
	struct api a = { 0 };
	char missing[1024];
	cJSON *j;
	const cJSON *it;

	api_start(&a);
	api_feed_village(&a);
	j = get_json(&a, "/v1/completeness?area=xinzhuang/hexi&kind=livestock&period=2023-12");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 1);
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "items"), 0);
	cr_expect_str_eq(num(it, "expected"), "8");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(it, "reported")), 7);
	missing_areas(it, missing, sizeof missing);
	cr_expect_str_eq(missing, "xinzhuang/hexi/g04 ");
	const cJSON *g4 = cJSON_GetArrayItem(cJSON_GetObjectItem(it, "missing"), 0);
	cr_expect_str_eq(cJSON_GetObjectItem(g4, "name")->valuestring, "四组");
	const cJSON *leader = cJSON_GetArrayItem(cJSON_GetObjectItem(g4, "leaders"), 0);
	cr_expect_str_eq(cJSON_GetObjectItem(leader, "id")->valuestring, "+8613800000004");
	cr_expect_str_eq(cJSON_GetObjectItem(leader, "name")->valuestring, "刘桂兰");
	cJSON_Delete(j);

	/* Road on 2023-12-05: only group 1 reported. */
	j = get_json(&a, "/v1/completeness?kind=road&period=2023-12-05");
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "items"), 0);
	missing_areas(it, missing, sizeof missing);
	cr_expect_str_eq(missing, "xinzhuang/hexi/g02 xinzhuang/hexi/g03 xinzhuang/hexi/g04 "
	    "xinzhuang/hexi/g05 xinzhuang/hexi/g06 xinzhuang/hexi/g07 xinzhuang/hexi/g08 ");
	cJSON_Delete(j);

	/* One group; every kind (each in its current period: nothing reported). */
	j = get_json(&a, "/v1/completeness?area=xinzhuang/hexi/g04&period=2023-12");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 4,
	    "the four monthly kinds only");
	cJSON_Delete(j);
	j = get_json(&a, "/v1/completeness");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 7, "one item per kind");
	cJSON_Delete(j);
	expect_error(&a, "GET", "/v1/completeness?kind=livestock&period=2023-12-05", TOKEN_READ, NULL, 400,
	    "month");
	expect_error(&a, "GET", "/v1/completeness?limit=5", TOKEN_READ, NULL, 400, "limit");
	api_stop(&a);
}

/*
 * Replaces the reported_at column (the daemon's clock) of every data row by
 * "<time>" so the ledger compares with its golden file.
 */
static void
ledger_normalize(char *csv)
{
	for (char *line = strchr(csv, '\n'); line != NULL; line = strchr(line, '\n')) {
		char *end = strchr(++line, '\r'), *comma;
		if (end == NULL)
			break;
		*end = '\0';
		comma = strrchr(line, ',');
		*end = '\r';
		if (comma != NULL && end - comma - 1 == 25) {
			memcpy(comma + 1, "<time>", 6);
			memmove(comma + 7, end, strlen(end) + 1);
		}
	}
}

/* Compares text with a golden file; on a difference writes text next to it (.actual) and fails. */
static void
golden_compare(const char *name, const char *text)
{
	char path[512], actual[600];
	char *want;

	snprintf(path, sizeof path, "%s", h_src(name));
	snprintf(actual, sizeof actual, "%s.actual", path);
	want = h_read_file(path, NULL);
	if (want == NULL || strcmp(want, text) != 0) {
		/* To accept a change: check the .actual file, then move it over the golden one. */
		h_write_file(actual, text);
		cr_expect_fail("%s differs from what cunbaod sent: see %s", path, actual);
	}
	free(want);
}

Test(api, ledger_csv_matches_golden)
{
	struct api a = { 0 };
	struct resp r;

	api_start(&a);
	api_feed_village(&a);
	r = http_get(a.port, "/v1/export.csv?area=xinzhuang/hexi&kind=livestock&period=2023-12", TOKEN_READ);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.headers, "Content-Type: text/csv; charset=utf-8") != NULL, "%s", r.headers);
	cr_expect(strstr(r.headers, "filename=\"cunbao-xinzhuang-hexi-livestock-2023-12.csv\"") != NULL,
	    "%s", r.headers);
	cr_assert(r.len > 3 && memcmp(r.body, "\xEF\xBB\xBF", 3) == 0, "no UTF-8 BOM");
	cr_expect(strncmp(r.body + 3, "乡镇,村,组,area,kind,种类,period,field,项目,value,unit,reporter,"
	    "reported_at\r\n", 80) == 0, "header: %.120s", r.body + 3);
	ledger_normalize(r.body);
	golden_compare("tests/golden/export_livestock.csv", r.body);
	resp_free(&r);

	/* The whole month of every kind: livestock rows plus the day's road for each group. */
	r = http_get(a.port, "/v1/export.csv?area=xinzhuang/hexi", TOKEN_READ);
	cr_assert_eq(r.status, 200);
	ledger_normalize(r.body);
	golden_compare("tests/golden/export_village.csv", r.body);
	resp_free(&r);
	expect_error(&a, "GET", "/v1/export.csv?kind=livestock&period=2023", TOKEN_READ, NULL, 400, "period=");
	expect_error(&a, "GET", "/v1/export.csv?limit=3", TOKEN_READ, NULL, 400, "limit");
	expect_error(&a, "GET", "/v1/export.csv", NULL, NULL, 401, NULL);
	api_stop(&a);
}

Test(api, limits_routes_and_methods)
{
	struct api a = { 0 };
	struct resp r;
	char *path = malloc(5000), *body = malloc((1 << 20) + 64);

	api_start(&a);
	memcpy(path, "/v1/rollups?area=", 17);
	memset(path + 17, 'a', 4500);
	path[4517] = '\0';
	expect_error(&a, "GET", path, TOKEN_READ, NULL, 414, NULL);
	memset(body, 'x', (1 << 20) + 10);
	body[(1 << 20) + 10] = '\0';
	expect_error(&a, "POST", "/v1/reporters/import", TOKEN_ADMIN, body, 413, "at most");
	expect_error(&a, "GET", "/v1/nothing", TOKEN_READ, NULL, 404, "no resource");
	expect_error(&a, "GET", "/v2/rollups", NULL, NULL, 404, NULL);
	r = http_req(a.port, "DELETE", "/v1/rollups", TOKEN_ADMIN, NULL, NULL);
	cr_expect_eq(r.status, 405);
	cr_expect(strstr(r.headers, "Allow: GET") != NULL, "%s", r.headers);
	resp_free(&r);
	expect_error(&a, "POST", "/v1/areas", TOKEN_ADMIN, "{not json", 400, "JSON");
	expect_error(&a, "POST", "/v1/areas", TOKEN_ADMIN, "", 400, "no body");
	expect_error(&a, "POST", "/v1/areas", TOKEN_ADMIN, "[1,2]", 400, "JSON object");
	expect_error(&a, "POST", "/v1/areas", TOKEN_ADMIN, "{\"path\":\"x\",\"name\":\"\xff\"}", 400, "UTF-8");
	/* Still serving. */
	r = http_get(a.port, "/healthz", NULL);
	cr_expect_eq(r.status, 200);
	resp_free(&r);
	free(path);
	free(body);
	api_stop(&a);
}

Test(api, healthz_follows_the_broker_and_metrics_are_prometheus)
{
	struct api a = { 0 };
	struct resp r;

	api_start(&a);
	api_feed_village(&a);
	r = http_get(a.port, "/metrics", TOKEN_READ);
	cr_assert_eq(r.status, 200);
	cr_expect(strstr(r.headers, "Content-Type: text/plain; version=0.0.4") != NULL, "%s", r.headers);
	cr_expect(strstr(r.body, "# TYPE cunbaod_api_requests_total counter") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "cunbaod_api_requests_total{class=\"2xx\"}") != NULL);
	cr_expect(strstr(r.body, "cunbaod_reminders_sent_total 0") != NULL);
	cr_expect(strstr(r.body, "cunbaod_messages_total{outcome=\"accepted\"} 9\n") != NULL,
	    "the daemon's counters: %.600s", r.body);
	cr_expect(strstr(r.body, "cunbaod_messages_total{outcome=\"rejected\"} 1\n") != NULL);
	resp_free(&r);

	h_broker_stop(&a.cbd.broker);
	bool down = false;
	for (int i = 0; i < 100 && !down; i++) {
		r = http_get(a.port, "/healthz", NULL);
		down = r.status == 503 && strstr(r.body, "\"broker\":false") != NULL;
		resp_free(&r);
		if (!down)
			usleep(100 * 1000);
	}
	cr_expect(down, "/healthz stays 200 with the broker gone");
	cr_assert(h_broker_start(&a.cbd.broker));
	cr_expect(h_wait_log(a.cbd.proc, "mqtt: connected", CBD_WAIT * 3));
	bool up = false;
	for (int i = 0; i < 100 && !up; i++) {
		r = http_get(a.port, "/healthz", NULL);
		up = r.status == 200 && strstr(r.body, "\"database\":true") != NULL;
		resp_free(&r);
		if (!up)
			usleep(100 * 1000);
	}
	cr_expect(up, "/healthz does not come back with the broker");
	api_stop(&a);
}

/*
 * docs/api.md and docs/openapi.yaml describe every route cunbaod serves: the
 * routes are read out of daemon/api.c's table itself, so a new route without
 * its documentation fails here.  A prefix route ("/v1/areas/") is documented
 * by a path under it ("/v1/areas/{path}").
 */
Test(api, docs_name_every_route)
{
	char *src = h_read_file(h_src("daemon/api.c"), NULL);
	char *md = h_read_file(h_src("docs/api.md"), NULL), *yaml = h_read_file(h_src("docs/openapi.yaml"), NULL);
	char route[128], key[160];
	const char *p;
	int n = 0;

	cr_assert(src != NULL && md != NULL && yaml != NULL);
	for (p = strstr(src, "routes[] = {"); p != NULL && (p = strstr(p, "\n\t{ \"")) != NULL; p++) {
		const char *q = strchr(p + 5, '"'), *r, *e;

		/* { "GET", "/v1/rollups", ... */
		if (q == NULL || strncmp(q, "\", \"/", 4) != 0)
			break;
		r = q + 4;
		e = strchr(r, '"');
		cr_assert(e != NULL && (size_t)(e - r) < sizeof route);
		snprintf(route, sizeof route, "%.*s", (int)(e - r), r);
		cr_assert(route[0] == '/' && route[1] != '\0', "a route read as \"%s\"", route);
		snprintf(key, sizeof key, "\n  %s", route);
		cr_expect(strstr(yaml, key) != NULL, "openapi.yaml lacks %s", route);
		cr_expect(strstr(md, route) != NULL, "api.md lacks %s", route);
		n++;
	}
	cr_expect_geq(n, 25, "read only %d routes out of daemon/api.c", n);
	free(src);
	free(md);
	free(yaml);
}
