/*
 * test_cunbaoctl_admin.c — cunbaoctl's admin subcommands against a real
 * cunbaod and mosquitto: each subcommand with good and bad input, tables
 * aligned for Chinese names, --json for scripts, the exit codes (0 ok, 1
 * failure, 2 usage, 3 not found, 4 refused), and a complete --help for
 * every subcommand.
 */
#include "test_api.h"
#include "utf8.h"

static const char *const admin_cmds[] = {
	"rollup", "reports", "missing", "journal", "export", "areas", "reporters", "remind",
};

/*
 * Runs cunbaoctl with args (a shell fragment) against a's API with token
 * (NULL: none); returns stdout+stderr (free it) and the exit code in *rc.
 */
static char *
ctl(struct api *a, const char *token, const char *args, int *rc)
{
	char cmd[4096];

	/* The tables' language and the config file are the test's, not the machine's. */
	snprintf(cmd, sizeof cmd, "env -u LC_ALL -u LC_MESSAGES -u LANG CUNBAO_CTL_CONF=/dev/null "
	    "CUNBAO_TOKEN='%s' '%s' %s --url %s 2>&1", token ? token : "",
	    h_bin("tools/cunbaoctl/cunbaoctl"), args, a ? a->url : "http://127.0.0.1:9");
	char *out = h_run(cmd, rc);
	cr_assert_not_null(out, "cannot run %s", cmd);
	return out;
}

/* Runs cunbaoctl and asserts its exit code and that its output contains want (NULL: anything). */
static void
ctl_expect(struct api *a, const char *token, const char *args, int want_rc, const char *want)
{
	int rc;
	char *out = ctl(a, token, args, &rc);

	cr_expect_eq(rc, want_rc, "cunbaoctl %s: exit %d, want %d:\n%s", args, rc, want_rc, out);
	if (want != NULL)
		cr_expect(strstr(out, want) != NULL, "cunbaoctl %s: lacks \"%s\":\n%s", args, want, out);
	free(out);
}

Test(cunbaoctl_admin, every_subcommand_has_complete_help)
{
	char cmd[1024], want[64];
	int rc;

	for (size_t i = 0; i < sizeof admin_cmds / sizeof admin_cmds[0]; i++) {
		snprintf(cmd, sizeof cmd, "'%s' %s --help", h_bin("tools/cunbaoctl/cunbaoctl"), admin_cmds[i]);
		char *out = h_run(cmd, &rc);
		cr_expect_eq(rc, 0, "%s --help: exit %d", admin_cmds[i], rc);
		snprintf(want, sizeof want, "usage: cunbaoctl %s", admin_cmds[i]);
		cr_expect(out && strncmp(out, want, strlen(want)) == 0, "%s --help:\n%s", admin_cmds[i], out);
		cr_expect(out && strstr(out, "--url URL") && strstr(out, "--token-file FILE"),
		    "%s --help does not say how to reach the API", admin_cmds[i]);
		free(out);
		snprintf(cmd, sizeof cmd, "'%s' %s --no-such-option 2>&1", h_bin("tools/cunbaoctl/cunbaoctl"),
		    admin_cmds[i]);
		free(h_run(cmd, &rc));
		cr_expect_eq(rc, 2, "%s --no-such-option: exit %d", admin_cmds[i], rc);
	}
	snprintf(cmd, sizeof cmd, "'%s' --help", h_bin("tools/cunbaoctl/cunbaoctl"));
	char *out = h_run(cmd, &rc);
	cr_expect_eq(rc, 0);
	for (size_t i = 0; i < sizeof admin_cmds / sizeof admin_cmds[0]; i++) {
		snprintf(want, sizeof want, "  %s ", admin_cmds[i]);
		cr_expect(strstr(out, want) != NULL, "cunbaoctl --help lacks %s", admin_cmds[i]);
	}
	cr_expect(strstr(out, "CUNBAO_TOKEN") != NULL && strstr(out, "4  refused") != NULL);
	free(out);
}

/* Display column at which needle starts on the line of text that contains it; -1 if none. */
static long
column_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle), *line = at;

	if (at == NULL)
		return -1;
	while (line > text && line[-1] != '\n')
		line--;
	return (long)utf8_width(line, (size_t)(at - line));
}

Test(cunbaoctl_admin, reading)
{
	struct api a = { 0 };
	char *out, args[1024];
	int rc;

	api_start(&a);
	api_feed_village(&a);
	char *village = cbd_rollup_wait(&a.cbd, "xinzhuang/hexi", "livestock", "2023-12", "cattle", "61",
	    CBD_WAIT);
	cr_assert_not_null(village, "the village rollup never showed 61 cattle");
	free(village);
	ctl_expect(&a, TOKEN_READ, "rollup --area xinzhuang/hexi --kind livestock --period 2023-12 --codes", 0,
	    "cattle=61 pigs=398 sheep=118");
	ctl_expect(&a, TOKEN_READ, "rollup --area xinzhuang/hexi --kind livestock", 0, "7/8");
	out = ctl(&a, TOKEN_READ, "rollup --json --kind road", &rc);
	cr_expect_eq(rc, 0);
	cJSON *j = cJSON_Parse(out);
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 3, "%s", out);
	cJSON_Delete(j);
	free(out);
	ctl_expect(&a, TOKEN_READ, "reports --reporter +8613800000002 --codes --wide", 0, "superseded by");
	ctl_expect(&a, TOKEN_READ, "reports --area xinzhuang/hexi/g08 --status active --codes --wide", 0,
	    "cattle=6 pigs=60");
	ctl_expect(&a, TOKEN_READ, "journal --sender +8613800000003 --status rejected", 0, "牲畜 鸡3");
	ctl_expect(&a, TOKEN_READ, "journal --sender +8613800000003 --status rejected", 0, "unknown_field");

	/* Who is missing, in a table whose columns line up around Chinese names. */
	out = ctl(&a, TOKEN_READ, "missing --area xinzhuang/hexi --kind livestock --period 2023-12 --codes --wide",
	    &rc);
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect(strstr(out, "xinzhuang/hexi/g04  刘桂兰 +8613800000004") != NULL, "%s", out);
	cr_expect(strstr(out, "livestock  2023-12       7/8        1") != NULL, "%s", out);
	cr_expect_eq(column_of(out, "LEADERS"), column_of(out, "刘桂兰"), "misaligned:\n%s", out);
	free(out);
	out = ctl(&a, TOKEN_READ, "reporters --area xinzhuang/hexi --codes", &rc);
	cr_expect_eq(column_of(out, "AREA"), column_of(out, "xinzhuang/hexi/g08"), "misaligned:\n%s", out);
	cr_expect_eq(column_of(out, "王建国"), column_of(out, "Ma Lin"), "misaligned:\n%s", out);
	free(out);

	/* The ledger, as the API gives it. */
	snprintf(args, sizeof args, "export --area xinzhuang/hexi --kind livestock --period 2023-12 -o '%s'",
	    h_path("ledger.csv"));
	ctl_expect(&a, TOKEN_READ, args, 0, NULL);
	struct resp r = http_get(a.port, "/v1/export.csv?area=xinzhuang/hexi&kind=livestock&period=2023-12",
	    TOKEN_READ);
	size_t len = 0;
	char *file = h_read_file(h_path("ledger.csv"), &len);
	cr_assert_not_null(file);
	cr_expect(len == r.len && memcmp(file, r.body, len) == 0, "export -o differs from the API");
	free(file);
	resp_free(&r);

	/* Pages. */
	out = ctl(&a, TOKEN_READ, "areas --limit 3", &rc);
	cr_expect(strstr(out, "--cursor") != NULL, "%s", out);
	free(out);
	out = ctl(&a, TOKEN_READ, "areas --limit 3 --all --json", &rc);
	j = cJSON_Parse(out);
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 10, "%s", out);
	cr_expect(cJSON_IsNull(cJSON_GetObjectItem(j, "next")));
	cJSON_Delete(j);
	free(out);

	/* Exit codes. */
	ctl_expect(&a, TOKEN_READ, "rollup --area BAD", 2, "area=BAD");
	ctl_expect(&a, TOKEN_READ, "rollup stray", 2, "unexpected");
	ctl_expect(&a, TOKEN_READ, "reports --status gone", 2, "status=");
	ctl_expect(&a, TOKEN_READ, "areas get xinzhuang/nowhere", 3, "no area");
	ctl_expect(&a, TOKEN_READ, "reporters get +8613899999999", 3, NULL);
	ctl_expect(&a, "wrong-token-0000000000", "rollup", 4, "unknown token");
	ctl_expect(&a, NULL, "missing", 4, NULL);
	ctl_expect(&a, TOKEN_READ, "remind --kind livestock --all", 4, "admin");
	ctl_expect(&a, TOKEN_READ, "areas add xinzhuang/hexi/g09 九组", 4, NULL);
	ctl_expect(NULL, TOKEN_READ, "rollup", 1, "cannot connect");
	snprintf(args, sizeof args, "'%s' rollup --url ftp://127.0.0.1 2>&1", h_bin("tools/cunbaoctl/cunbaoctl"));
	out = h_run(args, &rc);
	cr_expect(rc == 2 && strstr(out, "http://") != NULL, "exit %d: %s", rc, out);
	free(out);
	ctl_expect(&a, TOKEN_READ, "export --json", 2, NULL);
	api_stop(&a);
}

Test(cunbaoctl_admin, roster_and_reminders)
{
	struct api a = { 0 };
	char tok[256], args[1024], csv[256];

	api_start(&a);
	api_feed_village(&a);
	snprintf(tok, sizeof tok, "%s", h_path("admin.token"));
	cr_assert(h_write_file(tok, TOKEN_ADMIN "\n"));
	chmod(tok, 0600);

#define ADMIN(cmd) (snprintf(args, sizeof args, cmd " --token-file '%s'", tok), args)
	ctl_expect(&a, NULL, ADMIN("areas add xinzhuang/hexi/g09 九组 --expected"), 0, "九组  yes");
	ctl_expect(&a, NULL, ADMIN("areas add xinzhuang/hexi/g09 九组"), 1, "exists");
	ctl_expect(&a, NULL, ADMIN("areas add xinzhuang/hexi/g10"), 2, "takes 2 arguments");
	ctl_expect(&a, NULL, ADMIN("areas set xinzhuang/hexi/g09 --name 第九组"), 0, "第九组");
	ctl_expect(&a, NULL, ADMIN("areas set xinzhuang/hexi/g10 --name 十组"), 3, NULL);
	ctl_expect(&a, NULL, ADMIN("areas frobnicate"), 2, "unknown action");
	ctl_expect(&a, NULL, ADMIN("reporters add +8613800000009 钱九 xinzhuang/hexi/g09 --lang en"), 0, "en");
	/* 13800000009 is +8613800000009 (normalised); 10086 is no reporter's number. */
	ctl_expect(&a, NULL, ADMIN("reporters add 13800000009 钱九 xinzhuang/hexi/g09"), 1, "exists");
	ctl_expect(&a, NULL, ADMIN("reporters add 10086 钱九 xinzhuang/hexi/g09"), 2, "phone number");
	ctl_expect(&a, NULL, ADMIN("reporters set +8613800000009 --role admin"), 0, "admin");
	ctl_expect(&a, NULL, ADMIN("reporters get +8613800000009"), 0, "钱九");
	ctl_expect(&a, NULL, ADMIN("areas remove xinzhuang/hexi/g09"), 1, "reporters belong to it");
	ctl_expect(&a, NULL, ADMIN("reporters remove +8613800000009"), 0, "removed");
	ctl_expect(&a, NULL, ADMIN("reporters remove +8613800000009"), 3, NULL);
	ctl_expect(&a, NULL, ADMIN("areas remove xinzhuang/hexi/g09"), 0, "removed");

	snprintf(csv, sizeof csv, "%s", h_path("reporters.csv"));
	cr_assert(h_write_file(csv, "id,name,area,role,lang\n+8613900000001,赵一,xinzhuang/hexi/g04,leader,zh\n"));
	snprintf(args, sizeof args, "reporters import '%s' --token-file '%s'", csv, tok);
	ctl_expect(&a, NULL, args, 0, "1 added");
	ctl_expect(&a, NULL, args, 0, "1 unchanged");
	cr_assert(h_write_file(csv, "id,name,area,role,lang\n+8613900000002,赵二,xinzhuang/hexi/g04,chief,zh\n"));
	ctl_expect(&a, NULL, args, 2, "role");
	snprintf(args, sizeof args, "areas import '%s' --token-file '%s'", h_path("none.csv"), tok);
	ctl_expect(&a, NULL, args, 3, "No such file");
	snprintf(args, sizeof args, "areas import '%s' --token-file '%s'", h_src("schema/examples/areas.csv"),
	    tok);
	ctl_expect(&a, NULL, args, 0, "10 unchanged");

	/* Group 4 is the only one missing: its two leaders get a reminder (the roster predates 2023-12). */
	api_roster_backdate(&a);
	ctl_expect(&a, NULL, ADMIN("remind --kind livestock --area xinzhuang/hexi --period 2023-12"), 0,
	    "2 reminder(s) sent, 1 group(s) missing");
	ctl_expect(&a, NULL, ADMIN("remind --kind livestock --area xinzhuang/hexi --period 2023-12"), 0,
	    "刘桂兰");
	ctl_expect(&a, NULL, ADMIN("remind --area xinzhuang/hexi"), 2, "--kind is required");
	ctl_expect(&a, NULL, ADMIN("remind --kind livestock --all --period 2023-W01"), 2, "period");
	snprintf(args, sizeof args, "rollup --token-file '%s'", h_path("no.token"));
	ctl_expect(&a, NULL, args, 2, "no.token");
#undef ADMIN
	api_stop(&a);
}
