/*
 * test_api_check.c — what cunbaod checks of its admin API before it starts
 * serving: the token file and the listen address are refused by -n and,
 * without -d, before cunbaod goes to the background, so the refusal reaches
 * the terminal (exit 1) instead of only syslog.  And the shipped example
 * config (systemd/cunbaod.conf.example), its paths moved by flags, passes -n
 * as it is and with every "#key value" example uncommented.
 */
#include "test_api.h"

/* Runs cunbaod with args in the scratch dir; returns its stdout and stderr, and its exit code. */
static char *
run_cunbaod(const char *args, int *rc)
{
	char cmd[4096];

	snprintf(cmd, sizeof cmd, "cd %s && '%s' --catalog '%s' %s 2>&1", h_tmpdir(), h_bin("daemon/cunbaod"),
	    h_src("schema/catalog.json"), args);
	return h_run(cmd, rc);
}

/* Writes the token files the checks use (in the scratch dir). */
static void
token_files_write(void)
{
	api_tokens_write(h_path("tokens.good"), 0600);
	api_tokens_write(h_path("tokens.open"), 0644);
	cr_assert(h_write_file(h_path("tokens.short"), "short admin\n"));
	cr_assert_eq(chmod(h_path("tokens.short"), 0600), 0);
	cr_assert(h_write_file(h_path("mqtt.pw"), "secret\n"));
	cr_assert_eq(chmod(h_path("mqtt.pw"), 0600), 0);
}

static const struct {
	const char *args;	/* after --catalog */
	int rc;
	const char *says;	/* a line of the output */
} checks[] = {
	{ "--tokens tokens.good", 0, "configuration OK" },
	{ "--tokens tokens.short", 1, "tokens.short:1: a token must be 16 to 128 printable characters" },
	{ "--tokens tokens.open", 1, "lets group or others read it; run chmod 600 tokens.open" },
	{ "--tokens tokens.missing", 1, "tokens.missing: No such file or directory" },
	{ "--listen localhost", 1, "listen localhost: expected HOST:PORT" },
	{ "--listen 127.0.0.1:0", 1, "listen 127.0.0.1:0: expected HOST:PORT" },
	{ "--listen [::1]:8080 --tokens tokens.good", 0, "configuration OK" },
	/* Without the API its token file is not read, at the start as here. */
	{ "--listen off --tokens tokens.short", 0, "configuration OK" },
	{ "--listen :8080 --tokens tokens.open", 1, "listen :8080: expected HOST:PORT" },
	{ "--listen :8080 --tokens tokens.open", 1, "run chmod 600 tokens.open" },
};

Test(api_check, dash_n_checks_listen_and_tokens)
{
	char args[512];
	int rc;

	token_files_write();
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		snprintf(args, sizeof args, "-n %s", checks[i].args);
		char *out = run_cunbaod(args, &rc);
		cr_expect_eq(rc, checks[i].rc, "%s: exit %d: %s", args, rc, out);
		cr_expect(strstr(out, checks[i].says) != NULL, "%s: no \"%s\" in: %s", args, checks[i].says, out);
		cr_expect(strstr(out, "0123456789abcdef") == NULL, "%s: a token was printed: %s", args, out);
		free(out);
	}
}

/*
 * Without -d a refused token file ends cunbaod on the terminal, before the
 * fork.  The database cannot be opened either, which cunbaod finds only
 * after the fork: if the token file were checked late, the parent would
 * exit 0 and the child die in syslog, and this test would see exit 0.
 */
Test(api_check, start_refuses_tokens_before_the_background)
{
	char args[512];
	int rc;

	token_files_write();
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		if (checks[i].rc == 0)
			continue;
		snprintf(args, sizeof args, "--db /nonexistent/cunbao.db --broker 127.0.0.1:%d %s",
		    h_free_port(), checks[i].args);
		char *out = run_cunbaod(args, &rc);
		cr_expect_eq(rc, 1, "%s: exit %d: %s", args, rc, out);
		cr_expect(strstr(out, checks[i].says) != NULL, "%s: no \"%s\" in: %s", args, checks[i].says, out);
		cr_expect(strstr(out, "cunbaod: configuration invalid") != NULL, "%s: %s", args, out);
		free(out);
	}
}

/* Writes the example config with every "#key value" line uncommented to path. */
static void
example_uncommented(const char *path)
{
	char *text = h_read_file(h_src("systemd/cunbaod.conf.example"), NULL);
	FILE *f = fopen(path, "w");
	int uncommented = 0;

	cr_assert_not_null(text);
	cr_assert_not_null(f);
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		bool example = line[0] == '#' && line[1] >= 'a' && line[1] <= 'z';
		uncommented += example;
		fprintf(f, "%s\n", example ? line + 1 : line);
	}
	fclose(f);
	free(text);
	cr_expect_geq(uncommented, 5, "the example has %d commented keys", uncommented);
}

Test(api_check, example_config_passes_dash_n)
{
	char args[2048];
	int rc;

	token_files_write();
	snprintf(args, sizeof args, "-n -c '%s' --mqtt-password-file mqtt.pw", h_src("systemd/cunbaod.conf.example"));
	char *out = run_cunbaod(args, &rc);
	cr_expect_eq(rc, 0, "%s: exit %d: %s", args, rc, out);
	cr_expect_str_eq(out, "configuration OK\n");
	free(out);

	/*
	 * Every example, with the files it names moved here by flags; the roster
	 * a federating cunbaod's upstream-of example needs (-n checks that its
	 * entries are areas of a new database's roster).
	 */
	example_uncommented(h_path("all.conf"));
	cr_assert(h_write_file(h_path("fed-areas.csv"), "path,name,expected\ngansu,甘肃省,0\n"
	    "gansu/lanzhou,兰州市,0\ngansu/lanzhou/county-a,A县,0\ngansu/lanzhou/county-b,B县,0\n"));
	snprintf(args, sizeof args, "-n -c all.conf --areas fed-areas.csv --reporters '%s' --tokens tokens.good "
	    "--mqtt-password-file mqtt.pw --mqtt-cafile mqtt.pw --mqtt-certfile mqtt.pw --mqtt-keyfile mqtt.pw",
	    h_src("schema/examples/reporters.csv"));
	out = run_cunbaod(args, &rc);
	cr_expect_eq(rc, 0, "%s: exit %d: %s", args, rc, out);
	cr_expect_str_eq(out, "configuration OK\n");
	free(out);

	/* Left where the example puts them, the files are each named as missing. */
	out = run_cunbaod("-n -c all.conf", &rc);
	cr_expect_eq(rc, 1, "%s", out);
	cr_expect(strstr(out, "/etc/cunbao/tokens: No such file or directory") != NULL, "%s", out);
	cr_expect(strstr(out, "mqtt-password-file: /etc/cunbao/mqtt-password") != NULL, "%s", out);
	cr_expect(strstr(out, "mqtt-cafile: /etc/cunbao/mqtt-ca.crt: No such file or directory") != NULL, "%s", out);
	free(out);
}
