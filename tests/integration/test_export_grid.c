/*
 * test_export_grid.c — the ledger (台账) as officials keep it, against a real
 * cunbaod and mosquitto: the example village's month of messages
 * (schema/examples/messages.txt, dated 2023-12-05 so the periods are the
 * same whenever the test runs) goes in, and the grid ledger comes out as CSV
 * (GET /v1/export.csv?layout=grid) and as an .xlsx workbook
 * (GET /v1/export.xlsx).  test_export_grid.py reads both back with readers
 * nobody here wrote (Python's csv, openpyxl and zipfile) and checks every
 * figure against the API's own rollups, the catalog's names and units and
 * the roster's names; this file checks the HTTP side, English, a township's
 * grid, the refusals, and that the row ledger did not change.
 */
#include "test_api.h"

/* Sends every message of messages.txt, each after the previous one's receipt; returns the refused. */
static int
feed_examples(struct api *a)
{
	char *text = h_read_file(h_src("schema/examples/messages.txt"), NULL), *save = NULL, id[32];
	int n = 0, rejected = 0;

	cr_assert_not_null(text);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (line[0] == '#' || sp == NULL)
			continue;
		*sp = '\0';
		snprintf(id, sizeof id, "ex:%d", ++n);
		cr_assert(cbd_sms_at(&a->cbd, id, line, sp + 1, DEC5));
		cJSON *r = cbd_receipt(&a->cbd, id);
		cr_assert_not_null(r, "no receipt for %s \"%s\"", line, sp + 1);
		rejected += strcmp(rc_str(r, "status"), "rejected") == 0;
		cJSON_Delete(r);
	}
	free(text);
	return rejected;
}

/* Writes len bytes to path. */
static void
write_bytes(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* GETs path, asserts 200 with the content type, and saves the body to file (when not NULL). */
static struct resp
fetch(struct api *a, const char *path, const char *ctype, const char *file)
{
	struct resp r = http_get(a->port, path, TOKEN_READ);

	cr_assert_eq(r.status, 200, "GET %s: %d %s", path, r.status, r.body);
	cr_expect(strstr(r.headers, ctype) != NULL, "GET %s: %s", path, r.headers);
	if (file != NULL)
		write_bytes(file, r.body, r.len);
	return r;
}

Test(export_grid, the_village_ledger_reads_back_exactly)
{
	struct api a = { 0 };
	struct resp r;
	char csv[256], xlsx[256], rollups[256], cmd[2048];
	int rc;

	setenv("TMPDIR", h_tmpdir(), 1);	/* cunbaod's workbooks are made there */
	api_start(&a);
	cr_expect_eq(feed_examples(&a), 3, "messages.txt announces three refusals");
	snprintf(csv, sizeof csv, "%s", h_path("grid.csv"));
	snprintf(xlsx, sizeof xlsx, "%s", h_path("ledger.xlsx"));
	snprintf(rollups, sizeof rollups, "%s", h_path("rollups.json"));

	r = fetch(&a, "/v1/export.csv?area=xinzhuang/hexi&layout=grid", "Content-Type: text/csv; charset=utf-8",
	    csv);
	cr_expect(strstr(r.headers, "filename=\"cunbao-xinzhuang-hexi-grid.csv\"") != NULL, "%s", r.headers);
	cr_assert(r.len > 3 && memcmp(r.body, "\xEF\xBB\xBF", 3) == 0, "no UTF-8 BOM");
	cr_expect(strncmp(r.body + 3, "河西村 牲畜 2023-12\r\n组,牛（头）,猪（头）,羊（只）,购进（头）\r\n",
	    strlen("河西村 牲畜 2023-12\r\n组,牛（头）,猪（头）,羊（只）,购进（头）\r\n")) == 0,
	    "%.200s", r.body + 3);
	/* Group 4 did not report livestock: its row is there, empty. */
	cr_expect(strstr(r.body, "\r\n四组,,,,\r\n") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\r\n合计,61,398,118,28\r\n") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\r\n合计,480.00,227.74,143.09,113870.00\r\n") != NULL, "%s", r.body);
	resp_free(&r);

	r = fetch(&a, "/v1/export.xlsx?area=xinzhuang/hexi",
	    "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx);
	cr_expect(strstr(r.headers, "Content-Disposition: attachment; filename=\"cunbao-xinzhuang-hexi.xlsx\"")
	    != NULL, "%s", r.headers);
	cr_expect(r.len > 4 && memcmp(r.body, "PK\x03\x04", 4) == 0, "not a zip file");
	resp_free(&r);

	/* What the API says the figures are: every rollup of the village and its groups. */
	r = fetch(&a, "/v1/rollups?area=xinzhuang/hexi&limit=1000", "application/json", rollups);
	cr_expect(strstr(r.body, "\"next\":null") != NULL, "the rollups took more than a page");
	resp_free(&r);

	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %s %s %s %s xinzhuang/hexi 2>&1",
	    h_src("tests/integration/test_export_grid.py"), csv, xlsx, rollups,
	    h_src("schema/catalog.json"), h_src("schema/examples/areas.csv"));
	char *out = h_run(cmd, &rc);
	if (rc == 77)
		cr_skip_test("python3-openpyxl is not installed");
	cr_expect_eq(rc, 0, "the independent reader disagrees:\n%s", out ? out : "");
	cr_expect(out != NULL && strstr(out, "ok: 7 sheets") != NULL, "%s", out ? out : "");
	free(out);
	api_stop(&a);
}

Test(export_grid, english_township_and_refusals)
{
	struct api a = { 0 };
	struct resp r;

	setenv("TMPDIR", h_tmpdir(), 1);
	api_start(&a);
	feed_examples(&a);

	/* English names and units, the rate of a week's inspections as a percentage, a word per group. */
	r = fetch(&a, "/v1/export.csv?area=xinzhuang/hexi&kind=sanitation&layout=grid&lang=en",
	    "text/csv", NULL);
	cr_expect(strstr(r.body, "河西村 sanitation 2023-W49\r\ngroup,cleared (points),cleaners (people),"
	    "passed\r\n") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\r\n一组,1,6.00,passed\r\n") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\r\n五组,1,7.00,failed\r\n") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\r\nTotal,4,7.00,75.00%\r\n") != NULL, "%s", r.body);
	resp_free(&r);

	/* A township's ledger: a row per village, its figures as the village's rollup. */
	r = fetch(&a, "/v1/export.csv?area=xinzhuang&kind=livestock&period=2023-12&layout=grid",
	    "text/csv", NULL);
	cr_expect(strstr(r.body, "辛庄镇 牲畜 2023-12\r\n村,牛（头）,猪（头）,羊（只）,购进（头）\r\n"
	    "河西村,61,398,118,28\r\n合计,61,398,118,28\r\n") != NULL, "%s", r.body);
	resp_free(&r);

	/* A village's yes/no answers in a township's ledger: their share, as its rollup shows it. */
	r = fetch(&a, "/v1/export.csv?area=xinzhuang&kind=sanitation&layout=grid", "text/csv", NULL);
	cr_expect(strstr(r.body, "\r\n河西村,4,7.00,75.00%\r\n合计,4,7.00,75.00%\r\n") != NULL, "%s", r.body);
	resp_free(&r);

	/* A group asked for: its own one row. */
	r = fetch(&a, "/v1/export.csv?area=xinzhuang/hexi/g05&kind=sanitation&layout=grid", "text/csv", NULL);
	cr_expect(strstr(r.body, "五组 卫生 2023-W49\r\n组,清运（个）,保洁出勤（人）,合格\r\n五组,1,7.00,不合格\r\n"
	    "合计,1,7.00,0.00%\r\n") != NULL, "%s", r.body);
	resp_free(&r);

	/* A period given: every kind of its type, with a table even where nobody reported. */
	r = fetch(&a, "/v1/export.csv?area=xinzhuang/hexi&period=2023-12&layout=grid", "text/csv", NULL);
	cr_expect(strstr(r.body, "河西村 建设 2023-12\r\n组,温室（座）,大棚（座）,改厕（座）\r\n") != NULL,
	    "%s", r.body);
	cr_expect(strstr(r.body, "道路") == NULL, "a daily kind in a monthly ledger: %s", r.body);
	resp_free(&r);

	/* A group asked for: its own row. */
	r = fetch(&a, "/v1/export.xlsx?area=xinzhuang/hexi/g03&kind=livestock&period=2023-12&lang=en",
	    "spreadsheetml", NULL);
	resp_free(&r);

	/* Nothing to show (no kind is quarterly): a CSV of its BOM alone, a workbook that says so. */
	r = fetch(&a, "/v1/export.csv?area=xinzhuang/hexi&period=2023-Q4&layout=grid", "text/csv", NULL);
	cr_expect(r.len == 3 && memcmp(r.body, "\xEF\xBB\xBF", 3) == 0, "%s", r.body);
	resp_free(&r);
	r = fetch(&a, "/v1/export.xlsx?area=xinzhuang/hexi&period=2023-Q4", "spreadsheetml", h_path("none.xlsx"));
	resp_free(&r);
	char cmd[1024];
	int rc;
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import sys, openpyxl; ws = openpyxl.load_workbook("
	    "sys.argv[1]).worksheets[0]; print(ws.title, ws[\"A1\"].value)' %s 2>&1", h_path("none.xlsx"));
	char *none = h_run(cmd, &rc);
	cr_expect(none != NULL && strcmp(none, "台账 该地区、种类和期间没有数据\n") == 0, "%s", none ? none : "");
	free(none);

	expect_error(&a, "GET", "/v1/export.csv?layout=table", TOKEN_READ, NULL, 400, "layout=table");
	expect_error(&a, "GET", "/v1/export.csv?lang=en", TOKEN_READ, NULL, 400, "layout=grid");
	expect_error(&a, "GET", "/v1/export.csv?layout=grid&lang=fr", TOKEN_READ, NULL, 400, "lang=fr");
	expect_error(&a, "GET", "/v1/export.xlsx?layout=rows", TOKEN_READ, NULL, 400, "/v1/export.csv");
	expect_error(&a, "GET", "/v1/export.xlsx?area=xinzhuang/nowhere", TOKEN_READ, NULL, 404,
	    "xinzhuang/nowhere");
	expect_error(&a, "GET", "/v1/export.xlsx?kind=livestock&period=2023", TOKEN_READ, NULL, 400, "period=");
	expect_error(&a, "GET", "/v1/export.xlsx?limit=3", TOKEN_READ, NULL, 400, "limit");
	expect_error(&a, "GET", "/v1/export.xlsx", NULL, NULL, 401, NULL);

	/* Every temporary file of the workbooks is gone. */
	snprintf(cmd, sizeof cmd, "ls -d %s/cunbaod-xlsx-* 2>/dev/null | wc -l", h_tmpdir());
	char *n = h_run(cmd, &rc);
	cr_expect(n != NULL && atoi(n) == 0, "left behind: %s", n ? n : "");
	free(n);
	api_stop(&a);
}

/*
 * Runs a shell command line for a in which "ctl" is cunbaoctl with the
 * read token and a's URL (a function, and an exported CTL for sub-shells);
 * returns its output and exit code.
 */
static char *
ctl_run(struct api *a, const char *line, int *rc)
{
	char cmd[4096];

	snprintf(cmd, sizeof cmd, "export CUNBAO_TOKEN=%s; export CTL='%s'; export URL=%s; "
	    "ctl() { \"$CTL\" \"$@\" --url \"$URL\"; }; %s 2>&1", TOKEN_READ,
	    h_bin("tools/cunbaoctl/cunbaoctl"), a->url, line);
	char *out = h_run(cmd, rc);
	cr_assert_not_null(out, "cannot run %s", cmd);
	return out;
}

Test(export_grid, cunbaoctl_writes_the_grid_and_the_workbook)
{
	struct api a = { 0 };
	char line[2048], *out;
	size_t len;
	int rc;

	setenv("TMPDIR", h_tmpdir(), 1);
	api_start(&a);
	feed_examples(&a);

	/* --grid: the server's grid CSV, byte for byte (a stray word first: a usage error). */
	struct resp r = fetch(&a, "/v1/export.csv?area=xinzhuang/hexi&kind=crops&layout=grid", "text/csv", NULL);
	out = ctl_run(&a, "ctl export export --grid", &rc);
	cr_expect_eq(rc, 2, "%s", out);
	free(out);
	snprintf(line, sizeof line, "ctl export --area xinzhuang/hexi --kind crops --grid -o %s",
	    h_path("grid-ctl.csv"));
	out = ctl_run(&a, line, &rc);
	cr_expect_eq(rc, 0, "%s", out);
	free(out);
	char *file = h_read_file(h_path("grid-ctl.csv"), &len);
	cr_assert_not_null(file);
	cr_expect(len == r.len && memcmp(file, r.body, len) == 0, "cunbaoctl --grid wrote:\n%s", file);
	cr_expect(strstr(file, "合计,480.00,227.74,143.09,113870.00\r\n") != NULL, "%s", file);
	free(file);
	resp_free(&r);

	/* --xlsx -o FILE, and -o FILE.xlsx alone: workbooks openpyxl reads, sheet names in English. */
	snprintf(line, sizeof line, "ctl export --area xinzhuang/hexi --xlsx --lang en -o %s && "
	    "ctl export --area xinzhuang/hexi --period 2023-12 -o %s && "
	    "/usr/bin/python3 -c 'import sys, openpyxl; print([openpyxl.load_workbook(f).sheetnames "
	    "for f in sys.argv[1:]])' %s %s", h_path("a.xlsx"), h_path("b.xlsx"), h_path("a.xlsx"),
	    h_path("b.xlsx"));
	out = ctl_run(&a, line, &rc);
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect(strstr(out, "[['livestock 2023-12', 'road 2023-12-05', 'sanitation 2023-W49', "
	    "'crops 2023', 'labor 2023-12', 'monitoring 2023-12', 'construction 2023-12'], "
	    "['牲畜 2023-12', '劳务 2023-12', '监测 2023-12', '建设 2023-12']]") != NULL, "%s", out);
	free(out);

	/* A workbook is never written to a terminal; to a pipe it is. */
	out = ctl_run(&a, "script -qec '\"$CTL\" export --xlsx --url \"$URL\"' /dev/null", &rc);
	cr_expect_eq(rc, 2, "%s", out);
	cr_expect(strstr(out, "give -o FILE") != NULL, "%s", out);
	free(out);
	out = ctl_run(&a, "ctl export --xlsx | head -c 4", &rc);
	cr_expect_str_eq(out, "PK\x03\x04");
	free(out);
	api_stop(&a);
}

/* docs/api.md and docs/openapi.yaml describe the grid ledger's route and parameters. */
Test(export_grid, docs_describe_the_grid)
{
	char *md = h_read_file(h_src("docs/api.md"), NULL), *yaml = h_read_file(h_src("docs/openapi.yaml"), NULL);
	char *ops = h_read_file(h_src("docs/operations.md"), NULL);

	cr_assert(md != NULL && yaml != NULL && ops != NULL);
	cr_expect(strstr(yaml, "\n  /v1/export.xlsx:\n") != NULL, "openapi.yaml lacks /v1/export.xlsx");
	cr_expect(strstr(yaml, "enum: [rows, grid]") != NULL, "openapi.yaml lacks layout");
	cr_expect(strstr(yaml, "\n    lang:\n") != NULL, "openapi.yaml lacks lang");
	cr_expect(strstr(md, "GET /v1/export.xlsx") != NULL && strstr(md, "layout=grid") != NULL);
	cr_expect(strstr(md, "more than 15 digits") != NULL, "api.md does not say what happens to long figures");
	cr_expect(strstr(ops, "cunbaoctl export --area xinzhuang/hexi --period 2023-12 -o") != NULL);
	free(md);
	free(yaml);
	free(ops);
}

/*
 * A figure of more than 15 digits, which no spreadsheet number holds
 * exactly, is a text cell with the exact decimal in the workbook (and exact
 * text in the CSV), never a rounded number; the other figures stay numbers.
 * And a village with one yes/no answer shows its share, not the group's word.
 */
Test(export_grid, long_figures_are_never_rounded)
{
	struct api a = { 0 };
	struct resp r;
	char *catalog = h_read_file(h_src("schema/catalog.json"), NULL), *p, path[256], cmd[2048];
	int rc;

	/* The catalog with a subsidy that may reach 9·10^16 yuan. */
	cr_assert_not_null(catalog);
	cr_assert_not_null(p = strstr(catalog, "\"max\": \"100000000.00\""));
	size_t cap = strlen(catalog) + 64;
	char *big = malloc(cap);
	snprintf(big, cap, "%.*s\"max\": \"90000000000000000\"%s", (int)(p - catalog), catalog,
	    p + strlen("\"max\": \"100000000.00\""));
	snprintf(path, sizeof path, "%s", h_path("catalog-big.json"));
	cr_assert(h_write_file(path, big));
	free(big);
	free(catalog);
	setenv("TMPDIR", h_tmpdir(), 1);
	api_start_with(&a, NULL, "0", path);
	api_sms(&a, "big:1", "+8613800000004", "产业 补贴12345678901234.56", "accepted");
	api_sms(&a, "big:2", "+8613800000002", "产业 补贴40250 套种80.5", "accepted");

	r = fetch(&a, "/v1/export.csv?area=xinzhuang/hexi&kind=crops&layout=grid", "text/csv", NULL);
	cr_expect(strstr(r.body, "\r\n四组,,,,12345678901234.56\r\n") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\r\n合计,,80.50,,12345678941484.56\r\n") != NULL, "%s", r.body);
	resp_free(&r);
	snprintf(path, sizeof path, "%s", h_path("big.xlsx"));
	r = fetch(&a, "/v1/export.xlsx?area=xinzhuang/hexi&kind=crops", "spreadsheetml", path);
	resp_free(&r);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import sys, openpyxl; ws = openpyxl.load_workbook("
	    "sys.argv[1]).worksheets[0]; print(repr(ws[\"E6\"].value), repr(ws[\"E11\"].value), "
	    "repr(ws[\"C4\"].value), ws[\"C4\"].number_format, ws[\"E11\"].font.b)' %s 2>&1", path);
	char *out = h_run(cmd, &rc);
	cr_expect_eq(rc, 0, "%s", out ? out : "");
	cr_expect(out != NULL && strcmp(out, "'12345678901234.56' '12345678941484.56' 80.5 0.00 True\n") == 0,
	    "%s", out ? out : "");
	free(out);

	/* One group's one yes/no answer is its word; in its village's row it is a share, as the rollup's. */
	api_sms(&a, "big:3", "+8613800000001", "卫生 清运1 保洁出勤6 合格", "accepted");
	r = fetch(&a, "/v1/export.csv?area=xinzhuang&kind=sanitation&layout=grid", "text/csv", NULL);
	cr_expect(strstr(r.body, "\r\n河西村,1,6.00,100.00%\r\n") != NULL, "%s", r.body);
	resp_free(&r);
	r = fetch(&a, "/v1/export.csv?area=xinzhuang/hexi&kind=sanitation&layout=grid", "text/csv", NULL);
	cr_expect(strstr(r.body, "\r\n一组,1,6.00,合格\r\n") != NULL, "%s", r.body);
	resp_free(&r);
	api_stop(&a);
}

/*
 * A daily kind over a year: 365 tables, one sheet each, every name unique
 * and within Excel's limit, the workbook whole.  Prints how long the
 * workbook and the CSV took (a figure for docs/api.md, not an assertion).
 */
Test(export_grid, a_year_of_a_daily_kind)
{
	struct api a = { 0 };
	char id[32], at[64], cmd[1024];
	struct timespec t0, t1;
	int rc;

	setenv("TMPDIR", h_tmpdir(), 1);
	api_start(&a);
	/* All 365 published first, then their receipts taken: one commit per message took 40 s. */
	for (int d = 0; d < 365; d++) {
		time_t t = (time_t)1672531200 + (time_t)d * 86400 + 4 * 3600;	/* 2023-01-01 12:00 +08:00 */
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(at, sizeof at, "%Y-%m-%dT12:00:00+08:00", &tm);
		snprintf(id, sizeof id, "day:%d", d);
		cr_assert(cbd_sms_at(&a.cbd, id, "+8613800000001", "道路 硬化10米", at));
	}
	for (int d = 0; d < 365; d++) {
		snprintf(id, sizeof id, "day:%d", d);
		cJSON *r = cbd_receipt(&a.cbd, id);
		cr_assert_not_null(r, "no receipt for day %d", d);
		cr_assert_str_eq(rc_str(r, "status"), "accepted", "day %d: %s", d, rc_str(r, "text"));
		cJSON_Delete(r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct resp r = fetch(&a, "/v1/export.xlsx?area=xinzhuang/hexi&kind=road", "spreadsheetml",
	    h_path("year.xlsx"));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double xlsx_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	size_t xlsx_len = r.len;
	resp_free(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = fetch(&a, "/v1/export.csv?area=xinzhuang/hexi&kind=road&layout=grid", "text/csv", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_expect(strstr(r.body, "河西村 道路 2023-12-31\r\n组,硬化（米）\r\n一组,10\r\n二组,\r\n") != NULL);
	fprintf(stderr, "a year of road: workbook %zu bytes in %.0f ms, grid CSV %zu bytes in %.0f ms\n",
	    xlsx_len, xlsx_ms, r.len,
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	resp_free(&r);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import sys, openpyxl; wb = openpyxl.load_workbook("
	    "sys.argv[1]); n = wb.sheetnames; print(len(n), len(set(n)), max(len(s) for s in n), n[0], n[-1], "
	    "wb[n[-1]][\"B11\"].value)' %s 2>&1", h_path("year.xlsx"));
	char *out = h_run(cmd, &rc);
	cr_expect(out != NULL && strcmp(out, "365 365 13 道路 2023-01-01 道路 2023-12-31 10\n") == 0, "%s",
	    out ? out : "");
	free(out);
	api_stop(&a);
}
