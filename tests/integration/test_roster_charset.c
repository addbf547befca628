/*
 * test_roster_charset.c — roster CSVs as Excel, WPS and Notepad save them:
 * GBK and UTF-16 (with and without a BOM) made with iconv here, imported
 * both ways cunbaod takes them (the files it loads at start, and POST
 * /v1/<areas|reporters>/import); an areas file with Chinese names and no
 * codes gets stable derived codes (v01, g01, ...) and says which; a file in
 * none of these charsets is refused with its line and what to do.
 */
#include "test_api.h"

/* The example village plus a new village and its groups written with names only. */
static const char areas_names[] =
    "xinzhuang/河东村,,0\n"
    "xinzhuang/河东村/一组,,1\n"
    "xinzhuang/河东村/二组,二组,1\n"
    "xinzhuang/hexi/九组,九组,1\n";

/* Writes text (UTF-8) to a scratch file converted by iconv to charset; returns its path (static). */
static const char *
iconv_file(const char *name, const char *text, const char *charset)
{
	static char out[4][512];
	static int turn;
	char src[512], cmd[2048];
	int rc;

	snprintf(src, sizeof src, "%s.utf8", h_path(name));
	cr_assert(h_write_file(src, text));
	char *dst = out[turn++ % 4];
	snprintf(dst, sizeof out[0], "%s", h_path(name));
	snprintf(cmd, sizeof cmd, "iconv -f UTF-8 -t %s '%s' > '%s'", charset, src, dst);
	free(h_run(cmd, &rc));
	cr_assert_eq(rc, 0, "%s failed", cmd);
	return dst;
}

/* The example areas.csv with areas_names after it. */
static char *
areas_text(void)
{
	char *ex = h_read_file(h_src("schema/examples/areas.csv"), NULL);
	char *t = malloc(strlen(ex) + sizeof areas_names);

	strcpy(t, ex);
	strcat(t, areas_names);
	free(ex);
	return t;
}

/* POSTs the bytes of file to path (as text/csv) and returns the answer. */
static struct resp
post_file(struct api *a, const char *path, const char *file)
{
	size_t len;
	char *body = h_read_file(file, &len), head[512];
	struct resp r;

	cr_assert_not_null(body, "%s", file);
	int n = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: text/csv\r\nContent-Length: %zu\r\n\r\n", path,
	    TOKEN_ADMIN, len);
	char *req = malloc((size_t)n + len);
	memcpy(req, head, (size_t)n);
	memcpy(req + n, body, len);
	cr_assert(http_raw(a->port, req, (size_t)n + len, &r), "no answer to POST %s", path);
	free(req);
	free(body);
	return r;
}

static void
expect_area(struct api *a, const char *path, const char *name)
{
	char sql[512];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM areas WHERE path = '%s' AND name = '%s'", path, name);
	cr_expect_eq(db_int(a->cbd.db, sql), 1, "no area %s %s", path, name);
}

Test(roster_charset, files_cunbaod_loads_in_gbk_and_utf16)
{
	struct api a = { 0 };
	char *t = areas_text();

	char *rep = h_read_file(h_src("schema/examples/reporters.csv"), NULL);

	a.cbd.areas = iconv_file("areas.csv", t, "GBK");
	a.cbd.reporters = iconv_file("reporters.csv", rep, "UTF-16");	/* with a BOM */
	free(rep);
	free(t);
	api_start(&a);
	expect_area(&a, "xinzhuang/hexi", "河西村");
	expect_area(&a, "xinzhuang/v01", "河东村");
	expect_area(&a, "xinzhuang/v01/g01", "一组");
	expect_area(&a, "xinzhuang/v01/g02", "二组");
	expect_area(&a, "xinzhuang/hexi/g09", "九组");
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM reporters WHERE name = '张志强'"), 2);
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM roster_changes WHERE what LIKE '%(GB18030)%'"), 1);
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM roster_changes WHERE what LIKE '%(UTF-16LE)%'"), 1);
	/* A leader from the UTF-16 file reports: the roster is whole. */
	api_sms(&a, "c:1", "+8613800000003", "牲畜 牛12 猪40 羊5", "accepted");
	char *log = h_read_file(a.cbd.proc->log, NULL);
	cr_expect(strstr(log, "area 河东村 gets the code xinzhuang/v01") != NULL, "%s", log);
	cr_expect(strstr(log, "is GB18030: read as UTF-8") != NULL, "%s", log);
	free(log);
	api_stop(&a);
}

Test(roster_charset, api_imports_gbk_and_utf16_and_derives_stable_codes)
{
	struct api a = { 0 };
	struct resp r;
	char *t = areas_text();

	api_start(&a);
	r = post_file(&a, "/v1/areas/import", iconv_file("a.csv", t, "GB18030"));
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"charset\":\"GB18030\"") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\"derived\":[{\"line\":12,\"name\":\"河东村\",\"path\":\"xinzhuang/v01\"},"
	    "{\"line\":13,\"name\":\"一组\",\"path\":\"xinzhuang/v01/g01\"},"
	    "{\"line\":14,\"name\":\"二组\",\"path\":\"xinzhuang/v01/g02\"},"
	    "{\"line\":15,\"name\":\"九组\",\"path\":\"xinzhuang/hexi/g09\"}]") != NULL, "%s", r.body);
	resp_free(&r);
	expect_area(&a, "xinzhuang/v01/g02", "二组");

	/* The same file again (now UTF-16 without a BOM) finds every name: nothing derived, nothing added. */
	r = post_file(&a, "/v1/areas/import", iconv_file("a16.csv", t, "UTF-16LE"));
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"added\":0,\"changed\":0") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\"charset\":\"UTF-16LE\"") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "derived") == NULL, "%s", r.body);
	resp_free(&r);
	free(t);

	r = post_file(&a, "/v1/reporters/import", iconv_file("r.csv",
	    "id,name,area,role,lang\n138 0000 0031,钱一,xinzhuang/v01/g01,leader,zh\n", "UTF-16BE"));
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"added\":1") != NULL && strstr(r.body, "UTF-16BE") != NULL, "%s", r.body);
	resp_free(&r);
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM reporters WHERE id = '+8613800000031' "
	    "AND name = '钱一' AND area = 'xinzhuang/v01/g01'"), 1);

	/* Latin-1 on line 3: none of the charsets; the answer names the line and the way out. */
	cr_assert(h_write_file(h_path("bad.csv"), "id,name,area,role,lang\n"
	    "+8613800000032,Li,xinzhuang/hexi/g01,leader,en\n+8613800000033,Jos\xe9,xinzhuang/hexi/g01,leader,en\n"));
	r = post_file(&a, "/v1/reporters/import", h_path("bad.csv"));
	cr_expect_eq(r.status, 400, "%s", r.body);
	cr_expect(strstr(r.body, "line 3 is not valid UTF-8, GB18030 or UTF-16") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "iconv -f GB18030 -t UTF-8") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "CSV UTF-8") != NULL, "%s", r.body);
	resp_free(&r);
	api_stop(&a);
}

/* cunbaoctl areas import of a GBK file: what was read and which codes were chosen. */
Test(roster_charset, cunbaoctl_says_the_charset_and_the_codes)
{
	struct api a = { 0 };
	char cmd[2048];
	int rc;

	api_start(&a);
	/* 三组 first: its code is the g03 a leader's "3组" means, whatever the order of the lines. */
	const char *f = iconv_file("g.csv", "path,name,expected\nxinzhuang/河北村,,0\nxinzhuang/河北村/三组,,1\n"
	    "xinzhuang/河北村/一组,,1\nxinzhuang/河北村/东片,,1\n", "GBK");
	snprintf(cmd, sizeof cmd, "CUNBAO_TOKEN='%s' '%s' areas import '%s' --url %s 2>&1", TOKEN_ADMIN,
	    h_bin("tools/cunbaoctl/cunbaoctl"), f, a.url);
	char *out = h_run(cmd, &rc);
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect(strstr(out, "4 added") != NULL, "%s", out);
	cr_expect(strstr(out, "read as GB18030") != NULL, "%s", out);
	cr_expect(strstr(out, "line 2: 河北村 gets the code xinzhuang/v01") != NULL, "%s", out);
	cr_expect(strstr(out, "line 3: 三组 gets the code xinzhuang/v01/g03") != NULL, "%s", out);
	cr_expect(strstr(out, "line 4: 一组 gets the code xinzhuang/v01/g01") != NULL, "%s", out);
	cr_expect(strstr(out, "line 5: 东片 gets the code xinzhuang/v01/g02") != NULL, "%s", out);
	free(out);
	api_stop(&a);
}

/* cunbaod -n on a roster file in none of the charsets: file, line and hint. */
Test(roster_charset, a_file_in_no_charset_is_refused_with_its_line)
{
	char cmd[2048];
	int rc;

	cr_assert(h_write_file(h_path("bad_areas.csv"), "path,name,expected\nxinzhuang,镇,0\n"
	    "xinzhuang/caf\xe9,x,1\n"));
	snprintf(cmd, sizeof cmd, "cd %s && %s -n --catalog %s --areas bad_areas.csv 2>&1", h_tmpdir(),
	    h_bin("daemon/cunbaod"), h_src("schema/catalog.json"));
	char *out = h_run(cmd, &rc);
	cr_expect_eq(rc, 1, "%s", out);
	cr_expect(strstr(out, "bad_areas.csv:3: not valid UTF-8, GB18030 or UTF-16; in Excel save as "
	    "'CSV UTF-8 (逗号分隔)'") != NULL, "%s", out);
	free(out);
}
