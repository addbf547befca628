/*
 * test_config.c — the bridge's config table and cross-key checks: the
 * shipped example parses and passes, every default is valid, and broken
 * settings are all reported, each naming its key.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(65536);

	cr_assert_not_null(f, "%s", path);
	*len = fread(buf, 1, 65535, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

Test(config, defaults_are_valid)
{
	struct bridge_conf c;
	char err[2048] = "";

	conf_defaults(bridge_conf_table, &c);
	cr_expect_eq(config_check(&c, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(c.prefix, "cunbao/v1");
	cr_expect_eq(c.republish_after, 30000);
	cr_expect(c.kannel && !c.generic && !c.telegram);
}

Test(config, shipped_example_passes)
{
	struct bridge_conf c;
	char err[2048] = "", *text;
	size_t len;

	text = slurp(CUNBAO_SOURCE_DIR "/bridge/examples/cunbao-bridge.conf", &len);
	conf_defaults(bridge_conf_table, &c);
	cr_expect_eq(conf_parse(bridge_conf_table, &c, "cunbao-bridge.conf", text, len, err, sizeof err), 0,
	    "%s", err);
	/* It logs in as the ACL's bridge-1; its password file is not on a build machine. */
	cr_expect_str_eq(c.mqtt_user, "bridge-1");
	cr_expect_str_eq(c.mqtt_password_file, "/etc/cunbao/bridge-mqtt-password");
	snprintf(c.mqtt_password_file, sizeof c.mqtt_password_file, "/dev/null");
	cr_expect_eq(config_check(&c, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(c.kannel_from, "10690001");
	cr_expect_str_eq(c.kannel_secret, "change-me-kannel-get-url-key");
	cr_expect_eq(config_warnings(&c, err, sizeof err), 0, "%s", err);
	free(text);
}

/* kannel-secret-file: read (first line, trimmed); not together with kannel-secret; unreadable or empty refused. */
Test(config, kannel_secret_file)
{
	struct bridge_conf c;
	char err[2048] = "", path[] = "/tmp/cunbao-bridge-key-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	fputs("kannel-key-from-a-file  \nsecond line\n", f);
	fclose(f);
	conf_defaults(bridge_conf_table, &c);
	snprintf(c.kannel_secret_file, sizeof c.kannel_secret_file, "%s", path);
	cr_expect_eq(config_read_secrets(&c, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(c.kannel_secret, "kannel-key-from-a-file");
	cr_expect_eq(config_check(&c, err, sizeof err), 0, "%s", err);

	/* Both the key and its file. */
	cr_expect_eq(config_read_secrets(&c, err, sizeof err), 1);
	cr_expect(strstr(err, "not both") != NULL, "%s", err);

	f = fopen(path, "w");
	fputs("\n", f);
	fclose(f);
	conf_defaults(bridge_conf_table, &c);
	snprintf(c.kannel_secret_file, sizeof c.kannel_secret_file, "%s", path);
	err[0] = '\0';
	cr_expect_eq(config_read_secrets(&c, err, sizeof err), 1);
	cr_expect(strstr(err, "is empty") != NULL, "%s", err);
	unlink(path);
	err[0] = '\0';
	cr_expect_eq(config_read_secrets(&c, err, sizeof err), 1);
	cr_expect(strstr(err, "kannel-secret-file: cannot read") != NULL, "%s", err);
}

/* No kannel-secret: valid, but a warning (-n prints it, the start logs it). */
Test(config, kannel_without_secret_warns)
{
	struct bridge_conf c;
	char out[1024] = "";

	conf_defaults(bridge_conf_table, &c);
	cr_expect_eq(config_warnings(&c, out, sizeof out), 1);
	cr_expect(strstr(out, "kannel-secret: not set") != NULL, "%s", out);
	cr_expect(strstr(out, "proxy") != NULL, "%s", out);
	c.kannel = false;
	cr_expect_eq(config_warnings(&c, out, sizeof out), 0, "%s", out);
}

Test(config, every_problem_is_reported)
{
	static const char text[] =
	    "prefix cunbao/#\n"
	    "source two words\n"
	    "country 0\n"
	    "sms-gateway telegram\n"
	    "retry-min 1h\n"
	    "retry-max 1m\n"
	    "kannel no\n"
	    "generic yes\n"
	    "generic-secret short\n"
	    "telegram yes\n";
	static const char *const keys[] = {
		"prefix:", "source:", "country:", "sms-gateway:", "retry-min:", "generic-secret:",
		"generic-reply-url:", "telegram-secret:", "telegram-token:",
	};
	struct bridge_conf c;
	char err[4096] = "";
	size_t i;

	conf_defaults(bridge_conf_table, &c);
	cr_assert_eq(conf_parse(bridge_conf_table, &c, "bad.conf", text, strlen(text), err, sizeof err), 0, "%s", err);
	cr_expect_eq(config_check(&c, err, sizeof err), (int)(sizeof keys / sizeof keys[0]), "%s", err);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		cr_expect(strstr(err, keys[i]) != NULL, "%s not reported:\n%s", keys[i], err);
}

/* An unreadable MQTT file is named with the reason access() gave, not a stale errno ("Success"). */
Test(config, unreadable_password_file_names_the_reason)
{
	struct bridge_conf c;
	char err[1024] = "";

	conf_defaults(bridge_conf_table, &c);
	snprintf(c.mqtt_user, sizeof c.mqtt_user, "bridge-1");
	snprintf(c.mqtt_password_file, sizeof c.mqtt_password_file, "/nonexistent/pw");
	cr_expect_eq(config_check(&c, err, sizeof err), 1);
	cr_expect(strstr(err, "mqtt-password-file: /nonexistent/pw: No such file or directory") != NULL, "%s", err);
}

Test(config, no_channel_at_all)
{
	struct bridge_conf c;
	char err[1024] = "";

	conf_defaults(bridge_conf_table, &c);
	c.kannel = false;
	cr_expect_eq(config_check(&c, err, sizeof err), 1);
	cr_expect(strstr(err, "no channel is enabled") != NULL, "%s", err);
}

Test(config, addr_split)
{
	static const struct { const char *in, *host; int port; bool ok; } cases[] = {
		{ "127.0.0.1:1883", "127.0.0.1", 1883, true },
		{ "[::1]:13080", "::1", 13080, true },
		{ "host:0", "", 0, false },
		{ "host:70000", "", 0, false },
		{ ":80", "", 0, false },
		{ "nocolon", "", 0, false },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char host[64] = "";
		int port = 0;
		bool ok = addr_split(cases[i].in, host, sizeof host, &port);

		cr_expect_eq(ok, cases[i].ok, "%s", cases[i].in);
		if (ok) {
			cr_expect_str_eq(host, cases[i].host);
			cr_expect_eq(port, cases[i].port);
		}
	}
}
