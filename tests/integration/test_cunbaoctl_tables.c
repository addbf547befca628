/*
 * test_cunbaoctl_tables.c — cunbaoctl's tables as a clerk reads them, on
 * the example village's month (schema/examples/messages.txt through a real
 * mosquitto and cunbaod): areas by their names (河西村 三组), kinds and
 * fields by their names in zh and en, units after values, rates as
 * percentages, values in catalog order, leaders by name, no line wider
 * than 80 display columns (--wide for more), pinned by
 * tests/golden/ctl_zh.txt and ctl_en.txt.  Then the language's default
 * (config file, locale), the config file (url, token-file; the environment
 * and the flags win), the error messages that say what to do next (no
 * token, nothing listening), and kinds and areas given by name to the CLI
 * and the API (GET /v1/kinds; 牲畜, 河西村, 河西村 一组; ambiguous and
 * unknown names refused with what would do).
 *
 * On a golden mismatch the test writes what it got next to the golden file
 * (.actual): check it, then move it over the golden one.
 */
#include "test_api.h"
#include "utf8.h"

/* The refusals messages.txt announces (their text holds these); everything else is accepted. */
static const char *const refused[] = { "鸡30", "输专", "+8613800000099" };

/* Sends every message of schema/examples/messages.txt, dated DEC5, each after its receipt. */
static void
feed_examples(struct api *a)
{
	char *text = h_read_file(h_src("schema/examples/messages.txt"), NULL), *save = NULL, id[32];
	int n = 0;

	cr_assert_not_null(text);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		bool bad = false;

		if (line[0] == '#' || sp == NULL)
			continue;
		for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
			bad = bad || strstr(line, refused[i]) != NULL;
		*sp = '\0';
		snprintf(id, sizeof id, "ex:%d", ++n);
		/* 帮助 (help) is answered but makes no report: only its receipt matters here. */
		cr_assert(cbd_sms_at(&a->cbd, id, line, sp + 1, DEC5));
		cJSON *r = cbd_receipt(&a->cbd, id);
		cr_assert_not_null(r, "no receipt for %s \"%s\"", line, sp + 1);
		if (bad)
			cr_expect_str_eq(rc_str(r, "status"), "rejected", "%s \"%s\"", line, sp + 1);
		cJSON_Delete(r);
	}
	free(text);
	char *p = cbd_rollup_wait(&a->cbd, "xinzhuang/hexi", "sanitation", "2023-W49", "passed", "0.75",
	    CBD_WAIT);
	cr_assert_not_null(p, "the village's sanitation rollup never showed 0.75 passed");
	free(p);
}

/*
 * Runs cunbaoctl with env (shell assignments, may be "") and args against
 * a's API; returns stdout+stderr (free it) and the exit code in *rc.  The
 * locale and any config file of the machine are kept out unless env says.
 */
static char *
ctl_env(struct api *a, const char *env, const char *args, int *rc)
{
	char cmd[4096];

	snprintf(cmd, sizeof cmd, "env -u LC_ALL -u LC_MESSAGES -u LANG -u CUNBAO_URL -u CUNBAO_TOKEN "
	    "CUNBAO_CTL_CONF=/dev/null %s '%s' %s %s%s 2>&1", env, h_bin("tools/cunbaoctl/cunbaoctl"), args,
	    a != NULL ? "--url " : "", a != NULL ? a->url : "");
	char *out = h_run(cmd, rc);
	cr_assert_not_null(out, "cannot run %s", cmd);
	return out;
}

/* Runs cunbaoctl with the read token; asserts exit 0 and returns its output. */
static char *
ctl_ok(struct api *a, const char *args)
{
	int rc;
	char *out = ctl_env(a, "CUNBAO_TOKEN=" TOKEN_READ, args, &rc);

	cr_expect_eq(rc, 0, "cunbaoctl %s: exit %d:\n%s", args, rc, out);
	return out;
}

/* Asserts that no line of text is wider than max display columns. */
static void
expect_width(const char *what, const char *text, size_t max)
{
	for (const char *l = text; *l; ) {
		size_t n = strcspn(l, "\n"), w = utf8_width(l, n);
		cr_expect(w <= max, "%s: a line of %zu columns:\n%.*s", what, w, (int)n, l);
		l += n + (l[n] == '\n');
	}
}

/* Asserts that a, b, c appear in text in this order (on the same line when they do). */
static void
expect_order(const char *text, const char *a, const char *b, const char *c)
{
	const char *pa = strstr(text, a), *pb = pa ? strstr(pa, b) : NULL, *pc = pb ? strstr(pb, c) : NULL;

	cr_expect(pa && pb && pc, "\"%s\", \"%s\", \"%s\" not in this order:\n%s", a, b, c, text);
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
		h_write_file(actual, text);
		cr_expect_fail("%s differs from what cunbaoctl printed: see %s", path, actual);
	}
	free(want);
}

/* The commands the golden files pin, run with --lang zh or en. */
static const char *const golden_cmds[] = {
	"rollup --area 河西村 --period 2023-12",
	"rollup --area xinzhuang/hexi --kind crops",
	"rollup --area 河西村 --kind 卫生 --period 2023-W49",
	"rollup --area xinzhuang/hexi/g03 --period 2023-12-05",
	"reports --area 河西村 --kind livestock",
	"reports --area 河西村 --kind sanitation",
	"missing --area 河西村 --period 2023-12",
	"areas",
	"reporters",
};

/* Replaces every time "2026-12-07 09:27" (when cunbaod received a message: today) by "yyyy-mm-dd hh:mm". */
static void
times_mask(char *text)
{
	for (char *p = text; p[0] != '\0'; p++) {
		static const char mask[] = "yyyy-mm-dd hh:mm", digits[] = "dddd-dd-dd dd:dd";
		size_t i = 0;
		for (; i < sizeof digits - 1 && p[i] != '\0'; i++)
			if (digits[i] == 'd' ? !(p[i] >= '0' && p[i] <= '9') : p[i] != digits[i])
				break;
		if (i == sizeof digits - 1)
			memcpy(p, mask, sizeof mask - 1);
	}
}

/* Runs every golden command in lang; returns their outputs, each after a "$ cunbaoctl …" line. */
static char *
golden_run(struct api *a, const char *lang)
{
	size_t cap = 1 << 16, len = 0;
	char *all = malloc(cap), args[512];

	all[0] = '\0';
	for (size_t i = 0; i < sizeof golden_cmds / sizeof golden_cmds[0]; i++) {
		snprintf(args, sizeof args, "%s --lang %s --all", golden_cmds[i], lang);
		if (strncmp(golden_cmds[i], "missing", 7) == 0)	/* missing is not paged */
			snprintf(args, sizeof args, "%s --lang %s", golden_cmds[i], lang);
		char *out = ctl_ok(a, args);
		times_mask(out);
		size_t need = len + strlen(out) + strlen(args) + 32;
		if (need > cap)
			all = realloc(all, cap = need * 2);
		len += (size_t)snprintf(all + len, cap - len, "$ cunbaoctl %s\n%s\n", args, out);
		free(out);
	}
	return all;
}

Test(cunbaoctl_tables, golden_zh_and_en)
{
	struct api a = { 0 };

	api_start(&a);
	feed_examples(&a);

	char *zh = golden_run(&a, "zh"), *en = golden_run(&a, "en");
	golden_compare("tests/golden/ctl_zh.txt", zh);
	golden_compare("tests/golden/ctl_en.txt", en);
	expect_width("zh", zh, 80);
	expect_width("en", en, 80);

	/* What the golden files are about, said once more so a careless update does not pass. */
	cr_expect(strstr(zh, "河西村 三组") != NULL, "%s", zh);
	cr_expect(strstr(zh, "牛 61 头") != NULL && strstr(zh, "羊 118 只") != NULL, "%s", zh);
	cr_expect(strstr(zh, "套种 227.74 亩") != NULL, "%s", zh);
	cr_expect(strstr(zh, "合格 75%") != NULL, "%s", zh);
	cr_expect(strstr(zh, "刘桂兰") != NULL && strstr(zh, "+8613800000004") == NULL,
	    "missing: the leader by name, no full number:\n%s", zh);
	expect_order(zh, "牛 61 头", "猪 398 头", "羊 118 只");
	cr_expect(strstr(en, "cattle 61 head") != NULL && strstr(en, "intercrop 227.74 mu") != NULL, "%s", en);
	cr_expect(strstr(en, "passed 75%") != NULL && strstr(en, "livestock") != NULL, "%s", en);
	expect_order(en, "cattle 61 head", "pigs 398 head", "sheep 118 head");
	cr_expect(strstr(en, "cattle=") == NULL && strstr(en, "0.75") == NULL, "%s", en);
	free(zh);
	free(en);

	/* --wide: every column, full numbers, no limit; --codes: what scripts and other commands take. */
	char *out = ctl_ok(&a, "missing --area 河西村 --kind 牲畜 --period 2023-12 --wide --lang zh");
	cr_expect(strstr(out, "刘桂兰 +8613800000004") != NULL, "%s", out);
	free(out);
	out = ctl_ok(&a, "rollup --area xinzhuang/hexi --kind livestock --period 2023-12 --codes");
	cr_expect(strstr(out, "xinzhuang/hexi/g01  livestock") != NULL, "%s", out);
	cr_expect(strstr(out, "cattle=61 pigs=398 sheep=118") != NULL && strstr(out, "bought=28") != NULL,
	    "%s", out);
	free(out);
	out = ctl_ok(&a, "rollup --area xinzhuang/hexi --kind sanitation --period 2023-W49 --codes --lang zh");
	cr_expect(strstr(out, "passed=75%") != NULL, "%s", out);
	free(out);
	out = ctl_ok(&a, "reports --area xinzhuang/hexi --kind crops --wide --lang en");
	cr_expect(strstr(out, "李秀英 +8613800000002") != NULL && strstr(out, "+08:00  orchard 90.00 mu  "
	    "intercrop 80.50 mu  subsidy 40250.00 yuan") != NULL, "%s", out);
	free(out);

	/* --json is the server's, untouched by names and widths. */
	out = ctl_ok(&a, "rollup --area 河西村 --kind 牲畜 --period 2023-12 --json --lang zh");
	cr_expect(strstr(out, "\"cattle\":61") != NULL && strstr(out, "牛") == NULL, "%s", out);
	free(out);
	api_stop(&a);
}

Test(cunbaoctl_tables, language_and_config)
{
	struct api a = { 0 };
	char env[1024], conf[256], tok[256], args[256];
	int rc;

	api_start(&a);
	api_feed_village(&a);
	snprintf(tok, sizeof tok, "%s", h_path("read.token"));
	cr_assert(h_write_file(tok, TOKEN_READ "\n"));
	snprintf(conf, sizeof conf, "%s", h_path("cunbaoctl.conf"));
	snprintf(args, sizeof args, "%s", "rollup --area xinzhuang/hexi --kind livestock --period 2023-12");

	/* The language: the locale, then the config file's lang, then --lang. */
	char *out = ctl_env(&a, "CUNBAO_TOKEN=" TOKEN_READ " LANG=zh_CN.UTF-8", args, &rc);
	cr_expect(rc == 0 && strstr(out, "地区") != NULL && strstr(out, "牛 61 头") != NULL, "%s", out);
	free(out);
	out = ctl_env(&a, "CUNBAO_TOKEN=" TOKEN_READ " LANG=en_US.UTF-8", args, &rc);
	cr_expect(rc == 0 && strstr(out, "AREA") != NULL && strstr(out, "cattle 61 head") != NULL, "%s", out);
	free(out);
	cr_assert(h_write_file(conf, "# cunbaoctl\nlang en\n"));
	snprintf(env, sizeof env, "CUNBAO_TOKEN=" TOKEN_READ " LANG=zh_CN.UTF-8 CUNBAO_CTL_CONF='%s'", conf);
	out = ctl_env(&a, env, args, &rc);
	cr_expect(rc == 0 && strstr(out, "cattle 61 head") != NULL, "config lang en wins over LANG:\n%s", out);
	free(out);
	snprintf(args, sizeof args, "%s", "rollup --area xinzhuang/hexi --kind livestock --period 2023-12 --lang zh");
	out = ctl_env(&a, env, args, &rc);
	cr_expect(rc == 0 && strstr(out, "牛 61 头") != NULL, "--lang wins:\n%s", out);
	free(out);
	/* The 台账 follows the file's lang too (a clerk's choice), but not the locale: it stays Chinese. */
	snprintf(args, sizeof args, "%s", "export --area xinzhuang/hexi --kind livestock --period 2023-12 --grid");
	out = ctl_env(&a, env, args, &rc);
	cr_expect(rc == 0 && strstr(out, "Total") != NULL, "export with lang en in the file:\n%s", out);
	free(out);
	out = ctl_env(&a, "CUNBAO_TOKEN=" TOKEN_READ " LANG=en_US.UTF-8", args, &rc);
	cr_expect(rc == 0 && strstr(out, "合计") != NULL, "export in an English locale:\n%s", out);
	free(out);

	/* url and token-file from the config file; CUNBAO_URL and --url win over it. */
	snprintf(env, sizeof env, "url %s\ntoken-file %s\n", a.url, tok);
	cr_assert(h_write_file(conf, env));
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "env -u CUNBAO_URL -u CUNBAO_TOKEN CUNBAO_CTL_CONF='%s' '%s' rollup "
	    "--kind livestock --period 2023-12 --lang en 2>&1", conf, h_bin("tools/cunbaoctl/cunbaoctl"));
	out = h_run(cmd, &rc);
	cr_expect(rc == 0 && strstr(out, "cattle 61 head") != NULL, "from the config file: %d\n%s", rc, out);
	free(out);
	snprintf(env, sizeof env, "url http://127.0.0.1:9\ntoken-file %s\n", tok);
	cr_assert(h_write_file(conf, env));
	snprintf(cmd, sizeof cmd, "env -u CUNBAO_TOKEN CUNBAO_URL=%s CUNBAO_CTL_CONF='%s' '%s' rollup "
	    "--kind livestock --period 2023-12 2>&1", a.url, conf, h_bin("tools/cunbaoctl/cunbaoctl"));
	out = h_run(cmd, &rc);
	cr_expect(rc == 0, "CUNBAO_URL wins over url in the file: %d\n%s", rc, out);
	free(out);
	snprintf(cmd, sizeof cmd, "env -u CUNBAO_TOKEN CUNBAO_URL=http://127.0.0.1:9 CUNBAO_CTL_CONF='%s' "
	    "'%s' rollup --url %s 2>&1", conf, h_bin("tools/cunbaoctl/cunbaoctl"), a.url);
	out = h_run(cmd, &rc);
	cr_expect(rc == 0, "--url wins over CUNBAO_URL: %d\n%s", rc, out);
	free(out);

	/* Nothing listening at the file's URL: which URL, from where, and how to give another. */
	snprintf(cmd, sizeof cmd, "env -u CUNBAO_URL -u CUNBAO_TOKEN CUNBAO_CTL_CONF='%s' '%s' rollup 2>&1",
	    conf, h_bin("tools/cunbaoctl/cunbaoctl"));
	out = h_run(cmd, &rc);
	snprintf(env, sizeof env, "cannot connect to cunbaod at http://127.0.0.1:9 (the URL from %s)", conf);
	cr_expect(rc == 1 && strstr(out, env) != NULL, "exit %d:\n%s", rc, out);
	snprintf(env, sizeof env, "Give its URL with --url, CUNBAO_URL, or url in %s", conf);
	cr_expect(strstr(out, env) != NULL, "%s", out);
	free(out);

	/* A token file the config names that is not there: which file, and whose key named it. */
	snprintf(env, sizeof env, "url %s\ntoken-file %s\n", a.url, h_path("gone.token"));
	cr_assert(h_write_file(conf, env));
	out = h_run(cmd, &rc);
	snprintf(env, sizeof env, "the token file %s: No such file or directory (token-file in %s)",
	    h_path("gone.token"), conf);
	cr_expect(rc == 2 && strstr(out, env) != NULL, "exit %d:\n%s", rc, out);
	free(out);

	/* A config file with a mistake: every error as file:line, nothing sent. */
	cr_assert(h_write_file(conf, "url http://127.0.0.1:9\ncolour blue\ntimeout forever\n"));
	out = h_run(cmd, &rc);
	snprintf(env, sizeof env, "%s:2:", conf);
	cr_expect(rc == 2 && strstr(out, env) != NULL && strstr(out, ":3:") != NULL, "exit %d:\n%s", rc, out);
	free(out);
	snprintf(env, sizeof env, "CUNBAO_CTL_CONF='%s'", h_path("no-such.conf"));
	out = ctl_env(&a, env, "rollup", &rc);
	cr_expect(rc == 2 && strstr(out, "CUNBAO_CTL_CONF=") != NULL && strstr(out, "no-such.conf") != NULL,
	    "exit %d:\n%s", rc, out);
	free(out);
	api_stop(&a);
}

Test(cunbaoctl_tables, error_messages)
{
	struct api a = { 0 };
	char env[1024], want[1024], home[256];
	int rc;

	api_start(&a);
	snprintf(home, sizeof home, "%s", h_path("home"));
	cr_assert_eq(mkdir(home, 0700), 0);

	/* No token anywhere: set CUNBAO_TOKEN, or token-file in the files looked for. */
	snprintf(env, sizeof env, "-u CUNBAO_CTL_CONF HOME='%s' XDG_CONFIG_HOME=", home);
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "env -u CUNBAO_TOKEN -u CUNBAO_URL %s '%s' rollup --url %s 2>&1", env,
	    h_bin("tools/cunbaoctl/cunbaoctl"), a.url);
	char *out = h_run(cmd, &rc);
	snprintf(want, sizeof want, "no API token: set CUNBAO_TOKEN, or token-file in "
	    "%s/.config/cunbao/cunbaoctl.conf or /etc/cunbao/cunbaoctl.conf", home);
	cr_expect(rc == 4 && strstr(out, want) != NULL, "exit %d, want \"%s\":\n%s", rc, want, out);
	free(out);

	/* A token that is refused: where it came from. */
	out = ctl_env(&a, "CUNBAO_TOKEN=wrong-token-0000000000", "rollup", &rc);
	cr_expect(rc == 4 && strstr(out, "the token from CUNBAO_TOKEN was refused") != NULL, "%d:\n%s", rc, out);
	free(out);

	/* Nothing listening: the URL tried and how to give another. */
	out = ctl_env(NULL, "CUNBAO_TOKEN=" TOKEN_READ, "rollup --url http://127.0.0.1:9", &rc);
	cr_expect(rc == 1 && strstr(out, "cannot connect to cunbaod at http://127.0.0.1:9 (the URL from --url)")
	    != NULL && strstr(out, "Connection refused") != NULL, "exit %d:\n%s", rc, out);
	cr_expect(strstr(out, "--url, CUNBAO_URL, or url in /dev/null") != NULL, "%s", out);
	free(out);
	out = ctl_env(NULL, "CUNBAO_TOKEN=" TOKEN_READ " CUNBAO_URL=http://127.0.0.1:9", "missing", &rc);
	cr_expect(rc == 1 && strstr(out, "(the URL from CUNBAO_URL)") != NULL, "exit %d:\n%s", rc, out);
	free(out);
	api_stop(&a);
}

/* GET path with the read token: its status, and the error message or body in *body (free it). */
static int
api_get_text(struct api *a, const char *path, char **body)
{
	struct resp r = http_get(a->port, path, TOKEN_READ);
	int status = r.status;

	*body = r.body;
	return status;
}

Test(cunbaoctl_tables, kinds_and_areas_by_name)
{
	struct api a = { 0 };
	char *body, *out;
	int rc;

	api_start(&a);
	api_feed_village(&a);

	/* The catalog's kinds with their names and units, in catalog order. */
	cJSON *j = get_json(&a, "/v1/kinds");
	const cJSON *items = cJSON_GetObjectItem(j, "items"), *k = cJSON_GetArrayItem(items, 0);
	cr_expect_eq(cJSON_GetArraySize(items), 7);
	cr_expect_str_eq(cJSON_GetObjectItem(k, "code")->valuestring, "livestock");
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(k, "names"), "zh")->valuestring, "牲畜");
	const cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItem(k, "fields"), 2);
	cr_expect_str_eq(cJSON_GetObjectItem(f, "code")->valuestring, "sheep");
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(f, "unit"), "zh")->valuestring, "只");
	cJSON_Delete(j);

	char *md = h_read_file(h_src("docs/api.md"), NULL), *yaml = h_read_file(h_src("docs/openapi.yaml"), NULL);
	cr_expect(md && strstr(md, "### GET /v1/kinds") && yaml && strstr(yaml, "\n  /v1/kinds:\n"),
	    "docs/api.md and docs/openapi.yaml describe GET /v1/kinds");
	free(md);
	free(yaml);

	/* The API: kind and area by name, alias or keyword give what the codes give. */
	static const char *const same[][2] = {
		{ "/v1/rollups?area=xinzhuang/hexi&kind=livestock&period=2023-12",
		  "/v1/rollups?area=%E6%B2%B3%E8%A5%BF%E6%9D%91&kind=%E7%89%B2%E7%95%9C&period=2023-12" },
		{ "/v1/rollups?area=xinzhuang/hexi/g03&kind=livestock",
		  "/v1/rollups?area=%E6%B2%B3%E8%A5%BF%E6%9D%91%20%E4%B8%89%E7%BB%84&kind=LS" },
		{ "/v1/reports?kind=livestock&area=xinzhuang/hexi/g02",
		  "/v1/reports?kind=%E5%AD%98%E6%A0%8F&area=%E4%BA%8C%E7%BB%84" },
		{ "/v1/completeness?kind=livestock&period=2023-12&area=xinzhuang",
		  "/v1/completeness?kind=%E7%89%B2%E7%95%9C&period=2023-12&area=%E8%BE%9B%E5%BA%84%E9%95%87" },
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		char *want, *got;
		cr_expect_eq(api_get_text(&a, same[i][0], &want), 200, "%s: %s", same[i][0], want);
		cr_expect_eq(api_get_text(&a, same[i][1], &got), 200, "%s: %s", same[i][1], got);
		cr_expect(strstr(want, "\"items\":[]") == NULL, "%s: nothing", same[i][0]);
		cr_expect_str_eq(got, want, "%s differs from %s", same[i][1], same[i][0]);
		free(want);
		free(got);
	}

	/* Unknown: what would do. */
	expect_error(&a, "GET", "/v1/rollups?kind=%E9%B8%A1", TOKEN_READ, NULL, 400,
	    "kind=鸡: no such kind in the catalog; give a code, name or keyword of one of: livestock (牲畜)");
	expect_error(&a, "GET", "/v1/rollups?area=%E4%B8%9C%E6%9D%91", TOKEN_READ, NULL, 400,
	    "area=东村: no area has this path or name");
	expect_error(&a, "GET", "/v1/rollups?area=BAD", TOKEN_READ, NULL, 400, "area=BAD");

	/* A reminder's body takes names too (the roster backdated: a 2023 period is not before it). */
	api_roster_backdate(&a);
	struct resp r = http_req(a.port, "POST", "/v1/reminders", TOKEN_ADMIN, "application/json",
	    "{\"kind\":\"牲畜\",\"area\":\"河西村\",\"period\":\"2023-12\"}");
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"area\":\"xinzhuang/hexi\",\"kind\":\"livestock\"") != NULL &&
	    strstr(r.body, "刘桂兰") != NULL, "%s", r.body);
	resp_free(&r);
	expect_error(&a, "POST", "/v1/reminders", TOKEN_ADMIN, "{\"kind\":\"鸡\",\"all\":true}", 400,
	    "\"kind\": 鸡: no such kind in the catalog");

	/* Two villages with a 一组: the bare name is ambiguous, the village's name makes it one. */
	r = http_req(a.port, "POST", "/v1/areas", TOKEN_ADMIN, "application/json",
	    "{\"path\":\"xinzhuang/dong\",\"name\":\"东村\"}");
	cr_assert_eq(r.status, 201, "%s", r.body);
	resp_free(&r);
	r = http_req(a.port, "POST", "/v1/areas", TOKEN_ADMIN, "application/json",
	    "{\"path\":\"xinzhuang/dong/g01\",\"name\":\"一组\",\"expected\":true}");
	cr_assert_eq(r.status, 201, "%s", r.body);
	resp_free(&r);
	expect_error(&a, "GET", "/v1/rollups?area=%E4%B8%80%E7%BB%84", TOKEN_READ, NULL, 400,
	    "area=一组 names 2 areas: xinzhuang/dong/g01, xinzhuang/hexi/g01; give one of these paths");
	cr_expect_eq(api_get_text(&a, "/v1/areas?area=%E6%B2%B3%E8%A5%BF%E6%9D%91%20%E4%B8%80%E7%BB%84",
	    &body), 200, "%s", body);
	cr_expect(strstr(body, "xinzhuang/hexi/g01") && !strstr(body, "xinzhuang/dong/g01"), "%s", body);
	free(body);
	cr_expect_eq(api_get_text(&a, "/v1/areas?area=%E4%B8%9C%E6%9D%91/%E4%B8%80%E7%BB%84", &body), 200,
	    "%s", body);
	cr_expect(strstr(body, "xinzhuang/dong/g01") && !strstr(body, "xinzhuang/hexi/g01"), "%s", body);
	free(body);

	/* The CLI passes the names through. */
	out = ctl_env(&a, "CUNBAO_TOKEN=" TOKEN_READ, "rollup --kind 牲畜 --area 河西村 --period 2023-12 "
	    "--lang zh", &rc);
	cr_expect(rc == 0 && strstr(out, "河西村") && strstr(out, "牛 61 头"), "exit %d:\n%s", rc, out);
	free(out);
	out = ctl_env(&a, "CUNBAO_TOKEN=" TOKEN_READ, "missing --kind 牲畜 --area '河西村 四组' --period 2023-12",
	    &rc);
	cr_expect(rc == 0 && strstr(out, "刘桂兰") && strstr(out, "0/1"), "exit %d:\n%s", rc, out);
	free(out);
	out = ctl_env(&a, "CUNBAO_TOKEN=" TOKEN_READ, "reports --area 一组", &rc);
	cr_expect(rc == 2 && strstr(out, "xinzhuang/dong/g01, xinzhuang/hexi/g01") != NULL, "exit %d:\n%s",
	    rc, out);
	free(out);
	expect_error(&a, "POST", "/v1/reminders", TOKEN_ADMIN, "{\"kind\":\"livestock\",\"area\":\"一组\"}",
	    400, "\"area\": 一组 names 2 areas: xinzhuang/dong/g01, xinzhuang/hexi/g01");
	out = ctl_env(&a, "CUNBAO_TOKEN=" TOKEN_READ, "rollup --kind 鸡", &rc);
	cr_expect(rc == 2 && strstr(out, "kind=鸡: no such kind") != NULL, "exit %d:\n%s", rc, out);
	free(out);
	api_stop(&a);
}
