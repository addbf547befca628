/*
 * test_cunbaoctl_parse.c — the built `cunbaoctl parse` on the example
 * village's month of messages (schema/examples/messages.txt), compared with
 * tests/golden/parse_messages.jsonl, and its command line: exit codes,
 * --lang, --now, the catalog it loads.
 *
 * On a mismatch the test writes what it got next to the golden file
 * (parse_messages.jsonl.actual) and fails.  To accept a deliberate change:
 *   diff tests/golden/parse_messages.jsonl tests/golden/parse_messages.jsonl.actual
 *   mv tests/golden/parse_messages.jsonl.actual tests/golden/parse_messages.jsonl
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "harness.h"

#define NOW "2023-12-05T20:00:00+08:00"

/* Runs `cunbaoctl <args>` through sh; returns its stdout (malloc'd) and exit code. */
static char *
ctl(const char *args, int *rc)
{
	char cmd[4096];

	snprintf(cmd, sizeof cmd, "'%s' %s", h_bin("tools/cunbaoctl/cunbaoctl"), args);
	char *out = h_run(cmd, rc);
	cr_assert_not_null(out, "%s", cmd);
	return out;
}

Test(cunbaoctl_parse, example_village_month)
{
	char args[1024], golden[512];
	int rc;

	snprintf(args, sizeof args, "parse --now %s < '%s'", NOW, h_src("schema/examples/messages.txt"));
	char *got = ctl(args, &rc);
	cr_expect_eq(rc, 1, "some messages are refused: exit 1, got %d", rc);

	snprintf(golden, sizeof golden, "%s", h_src("tests/golden/parse_messages.jsonl"));
	size_t wlen = 0;
	char *want = h_read_file(golden, &wlen);
	if (want == NULL || strcmp(want, got) != 0) {
		char actual[600];
		snprintf(actual, sizeof actual, "%s.actual", golden);
		h_write_file(actual, got);
		cr_expect(false, "output differs from %s; got %s (see the header of this test)",
		    golden, actual);
	} else {
		char actual[600];
		snprintf(actual, sizeof actual, "%s.actual", golden);
		remove(actual);
	}
	free(want);
	free(got);
}

/* The village totals in the header of messages.txt hold for what parses. */
Test(cunbaoctl_parse, example_totals)
{
	char args[1024];
	int rc;

	snprintf(args, sizeof args, "parse --now %s < '%s'", NOW, h_src("schema/examples/messages.txt"));
	char *got = ctl(args, &rc);
	static const struct {
		const char *key;
		long want;
	} sums[] = {
		{ "\"hardened\":", 1920 }, { "\"placed\":", 335 }, { "\"toilets\":", 20 },
		{ "\"at_risk\":", 8 }, { "\"cleared\":", 4 }, { "\"bought\":", 28 },
	};
	for (size_t i = 0; i < sizeof sums / sizeof sums[0]; i++) {
		long total = 0;
		for (const char *p = got; (p = strstr(p, sums[i].key)) != NULL; p++)
			total += strtol(p + strlen(sums[i].key), NULL, 10);
		cr_expect_eq(total, sums[i].want, "%s adds up to %ld", sums[i].key, total);
	}
	free(got);
}

Test(cunbaoctl_parse, text_arguments)
{
	int rc;
	char *out = ctl("parse --now " NOW " '牲畜 牛12 猪40 羊5' '3组 道路 1020米'", &rc);

	cr_expect_eq(rc, 0);
	cr_expect_str_eq(out,
	    "{\"ok\":true,\"kind\":\"livestock\",\"period\":\"2023-12\",\"values\":{\"cattle\":12,"
	    "\"pigs\":40,\"sheep\":5},\"reply\":\"已收到 12月 牲畜：牛12 猪40 羊5\"}\n"
	    "{\"ok\":true,\"kind\":\"road\",\"period\":\"2023-12-05\",\"group\":3,\"values\":"
	    "{\"hardened\":1020},\"reply\":\"已收到 3组 12月5日 道路：硬化1020米\"}\n");
	free(out);
}

Test(cunbaoctl_parse, error_with_span_and_forced_language)
{
	int rc;
	char *out = ctl("parse --lang en --now " NOW " '牛12 鸡5'", &rc);

	cr_expect_eq(rc, 1);
	cr_expect_str_eq(out,
	    "{\"ok\":false,\"error\":{\"code\":\"unknown_field\",\"at\":[6,9]},\"reply\":\"Unknown item "
	    "\\\"鸡\\\". Items of livestock: cattle, pigs, sheep, bought. Example: LS cattle 12 pigs 40 "
	    "sheep 5\"}\n");
	free(out);
}

/* --now moves the default period: the same message in another month. */
Test(cunbaoctl_parse, now_sets_the_period)
{
	int rc;
	char *out = ctl("parse --now 2024-03-01T00:10+08:00 '牛12'", &rc);

	cr_expect_eq(rc, 0);
	cr_expect_not_null(strstr(out, "\"period\":\"2024-03\""), "%s", out);
	free(out);
	out = ctl("parse --now 2024-02-29T16:10:00Z '牛12'", &rc);
	cr_expect_not_null(strstr(out, "\"period\":\"2024-02\""), "UTC is honoured: %s", out);
	free(out);
}

static const struct {
	const char *args;
	int rc;
	const char *needle;	/* in stdout, or NULL */
} exit_cases[] = {
	{ "--help", 0, "exit codes" },
	{ "parse --help", 0, "--catalog FILE" },
	{ "", 2, NULL },
	{ "frobnicate", 2, NULL },
	{ "parse --lang fr x", 2, NULL },
	{ "parse --now yesterday x", 2, NULL },
	{ "parse --now 2023-13-01T00:00 x", 2, NULL },
	{ "parse --bogus x", 2, NULL },
	{ "parse --catalog /nonexistent/catalog.json x", 3, NULL },
};

Test(cunbaoctl_parse, exit_codes)
{
	for (size_t i = 0; i < sizeof exit_cases / sizeof exit_cases[0]; i++) {
		char args[512];
		int rc;
		snprintf(args, sizeof args, "%s 2>/dev/null", exit_cases[i].args);
		char *out = ctl(args, &rc);
		cr_expect_eq(rc, exit_cases[i].rc, "'%s': exit %d", exit_cases[i].args, rc);
		if (exit_cases[i].needle)
			cr_expect_not_null(strstr(out, exit_cases[i].needle), "'%s'", exit_cases[i].args);
		free(out);
	}
}

/* A catalog with problems is refused with them listed, exit 1. */
Test(cunbaoctl_parse, invalid_catalog)
{
	char args[1024];
	int rc;
	const char *bad = h_path("bad-catalog.json");

	cr_assert(h_write_file(bad, "{\"version\": 1, \"kinds\": []}"));
	snprintf(args, sizeof args, "parse --catalog '%s' x 2>&1", bad);
	char *out = ctl(args, &rc);
	cr_expect_eq(rc, 1);
	cr_expect_not_null(strstr(out, "bad-catalog.json"), "the problem names the file: %s", out);
	free(out);
}
