/*
 * test_config.c — the bridge's config table and cross-key checks: the
 * shipped example parses and passes, every default is valid, and broken
 * settings are all reported, each naming its key.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	struct bridge_conf c = { .nchats = 0 };
	char err[2048] = "";

	conf_defaults(bridge_conf_table, &c);
	cr_expect_eq(config_check(&c, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(c.prefix, "cunbao/v1");
	cr_expect_eq(c.republish_after, 30000);
	cr_expect(c.kannel && !c.generic && !c.telegram);
}

Test(config, shipped_example_passes)
{
	struct bridge_conf c = { .nchats = 0 };
	char err[2048] = "", *text;
	size_t len;

	text = slurp(CUNBAO_SOURCE_DIR "/bridge/examples/cunbao-bridge.conf", &len);
	conf_defaults(bridge_conf_table, &c);
	cr_expect_eq(config_parse_file(&c, "cunbao-bridge.conf", text, len, err, sizeof err), 0, "%s", err);
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
	struct bridge_conf c = { .nchats = 0 };
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
	struct bridge_conf c = { .nchats = 0 };
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
	struct bridge_conf c = { .nchats = 0 };
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
	struct bridge_conf c = { .nchats = 0 };
	char err[1024] = "";

	conf_defaults(bridge_conf_table, &c);
	snprintf(c.mqtt_user, sizeof c.mqtt_user, "bridge-1");
	snprintf(c.mqtt_password_file, sizeof c.mqtt_password_file, "/nonexistent/pw");
	cr_expect_eq(config_check(&c, err, sizeof err), 1);
	cr_expect(strstr(err, "mqtt-password-file: /nonexistent/pw: No such file or directory") != NULL, "%s", err);
}

Test(config, no_channel_at_all)
{
	struct bridge_conf c = { .nchats = 0 };
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

/* ------------------------------------------------------------------ [<platform> <name>] sections */

#define WECOM_OK "[wecom hexi]\ntoken QDG6eK\naes-key jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C\n" \
	"receiver wx5823bf96d3bd56c7\nagent-id 1000002\nsecret s3cret\n"

/* Parses text (file "b.conf") into c from the defaults; returns the number of errors. */
static int
parse(struct bridge_conf *c, const char *text, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	conf_defaults(bridge_conf_table, c);
	err[0] = '\0';
	return config_parse_file(c, "b.conf", text, strlen(text), err, errlen);
}

Test(config, sections_parse_into_instances)
{
	static struct bridge_conf c;
	char err[2048];

	cr_assert_eq(parse(&c, "listen 127.0.0.1:9999\n\n" WECOM_OK "\n[wechat gzh]\ntoken AAAAA\nplain yes\n"
	    "reply passive\n", err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(c.listen, "127.0.0.1:9999");
	cr_assert_eq(c.nchats, 2);
	cr_expect_str_eq(c.chats[0].module, "wecom:hexi");
	cr_expect_str_eq(c.chats[0].receiver, "wx5823bf96d3bd56c7");
	cr_expect_str_eq(c.chats[0].api, "https://qyapi.weixin.qq.com");
	cr_expect_str_eq(c.chats[0].reply, "api");
	cr_expect_eq(c.chats[0].passive_wait, 4000);
	cr_expect_str_eq(c.chats[1].module, "wechat:gzh");
	cr_expect(c.chats[1].plain);
	cr_expect_str_eq(c.chats[1].reply, "passive");
	cr_expect_eq(config_check(&c, err, sizeof err), 0, "%s", err);
	cr_expect_eq(chat_find(&c, "wechat:gzh"), &c.chats[1]);
	cr_expect_eq(chat_for_channel(&c, "wecom"), &c.chats[0]);
	cr_expect_null(chat_for_channel(&c, "feishu"));
}

/* Errors name the file's own line numbers, inside and outside sections; another platform's key is unknown. */
Test(config, section_errors_keep_line_numbers)
{
	static struct bridge_conf c;
	char err[2048];

	cr_expect_eq(parse(&c, "listen 127.0.0.1:9999\n[wecom hexi]\ntoken x\nplain yes\n[wechat gzh]\n"
	    "bogus 1\n[slack x]\n[wecom Bad_Name]\n[wecom hexi]\nrate-limit 3\n[wecom]\n", err, sizeof err), 6,
	    "%s", err);
	cr_expect(strstr(err, "b.conf:4: unknown key \"plain\"") != NULL, "%s", err);
	cr_expect(strstr(err, "b.conf:6: unknown key \"bogus\"") != NULL, "%s", err);
	cr_expect(strstr(err, "b.conf:7: section [slack x]: unknown platform \"slack\"") != NULL, "%s", err);
	cr_expect(strstr(err, "b.conf:8: section [wecom Bad_Name]: the name must be") != NULL, "%s", err);
	cr_expect(strstr(err, "b.conf:9: section [wecom hexi] again (first on line 2)") != NULL, "%s", err);
	cr_expect(strstr(err, "b.conf:11: section \"[wecom]\": give a platform and a name") != NULL, "%s", err);
	/* rate-limit on line 10 belongs to the repeated (refused) section: not read as a global key. */
	cr_expect_eq(c.rate_limit, 30);
}

/*
 * A key in the wrong place says where it belongs: a global key under a
 * section (the section runs to the next one), another platform's key, a
 * section's key above the first section.
 */
Test(config, misplaced_keys_say_where_they_belong)
{
	static struct bridge_conf c;
	char err[4096];

	cr_expect_eq(parse(&c, "listen 127.0.0.1:9999\nreceiver ww1\n\n" WECOM_OK "plain yes\nwindow 1h\n"
	    "rate-limit 5\nbogus 1\n", err, sizeof err), 5, "%s", err);
	cr_expect(strstr(err, "b.conf:2: unknown key \"receiver\" outside any section: a key of [wecom NAME] "
	    "sections") != NULL, "%s", err);
	cr_expect(strstr(err, "b.conf:10: unknown key \"plain\" in [wecom hexi]: a key of [wechat NAME] "
	    "sections (cunbao-bridge --help lists each platform's keys)") != NULL, "%s", err);
	cr_expect(strstr(err, "b.conf:11: unknown key \"window\" in [wecom hexi]: a key of [dingtalk NAME] "
	    "sections") != NULL, "%s", err);
	cr_expect(strstr(err, "b.conf:12: unknown key \"rate-limit\" in [wecom hexi]: a global key, which goes "
	    "above the first section (line 4)") != NULL, "%s", err);
	cr_expect(strstr(err, "b.conf:13: unknown key \"bogus\"\n") != NULL, "%s", err);
	cr_expect_eq(c.rate_limit, 30, "a global key inside a section is not taken");
	cr_expect_eq(c.nchats, 1);
}

/* docs/bridge.md's blocks once carried comments after the values: each such line is refused, saying so. */
Test(config, comments_after_values_are_named)
{
	static struct bridge_conf c;
	char err[2048];

	cr_expect_eq(parse(&c, "listen 127.0.0.1:9999   # loopback\n[wecom hexi]   # the app\n", err, sizeof err),
	    2, "%s", err);
	cr_expect(strstr(err, "b.conf:1: listen: \"# loopback\" after the value: a comment takes a line of its "
	    "own") != NULL, "%s", err);
	cr_expect(strstr(err, "b.conf:2: a section header is \"[platform name]\" on a line of its own: a comment "
	    "after it takes a line of its own") != NULL, "%s", err);
}

/* A Feishu bot without an Encrypt Key and a WeChat account in plain mode are valid but weak: warned. */
Test(config, weak_chat_settings_warn)
{
	static struct bridge_conf c;
	char err[2048];

	cr_assert_eq(parse(&c, "kannel no\n[feishu hexi]\nreceiver cli_a1b2c3\nsecret s\ntoken t\n"
	    "[feishu enc]\nreceiver cli_a1b2c4\nsecret s\ntoken t\naes-key k\n"
	    "[wechat gzh]\ntoken AAAAA\nplain yes\nreply passive\n", err, sizeof err), 0, "%s", err);
	cr_expect_eq(config_check(&c, err, sizeof err), 0, "%s", err);
	cr_expect_eq(config_warnings(&c, err, sizeof err), 2, "%s", err);
	cr_expect(strstr(err, "[feishu hexi] aes-key: not set; events arrive unsigned") != NULL, "%s", err);
	cr_expect(strstr(err, "[feishu enc]") == NULL, "%s", err);
	cr_expect(strstr(err, "[wechat gzh] plain: yes; the signature does not cover the message") != NULL,
	    "%s", err);
}

/* -n names the section and the key of every problem. */
Test(config, section_checks_name_the_key)
{
	static struct bridge_conf c;
	char err[4096];

	cr_assert_eq(parse(&c, "[wecom hexi]\ntoken QDG6eK\naes-key tooshort\nreply sometimes\n"
	    "[wechat gzh]\ntoken AAAAA\nreply both\npassive-wait 20s\n", err, sizeof err), 0, "%s", err);
	cr_expect_gt(config_check(&c, err, sizeof err), 0);
	cr_expect(strstr(err, "[wecom hexi] aes-key: not an EncodingAESKey") != NULL, "%s", err);
	cr_expect(strstr(err, "[wecom hexi] receiver: required") != NULL, "%s", err);
	cr_expect(strstr(err, "[wecom hexi] reply: \"sometimes\" is not api, passive or both") != NULL, "%s", err);
	cr_expect(strstr(err, "[wechat gzh] aes-key: the EncodingAESKey is required") != NULL, "%s", err);
	cr_expect(strstr(err, "[wechat gzh] secret: the AppSecret is required") != NULL, "%s", err);
	cr_expect(strstr(err, "[wechat gzh] passive-wait: must be shorter than http-timeout") != NULL, "%s", err);
	cr_expect(strstr(err, "QDG6eK") == NULL, "a secret in a message: %s", err);
}

/* token-file, aes-key-file, secret-file: read like kannel-secret-file; with the value too, refused. */
Test(config, section_secret_files)
{
	static struct bridge_conf c;
	char err[2048], tok[] = "/tmp/cunbao-cfg-tok-XXXXXX", key[] = "/tmp/cunbao-cfg-key-XXXXXX", text[512];
	int fd;

	cr_assert_neq(fd = mkstemp(tok), -1);
	cr_assert_eq(write(fd, "QDG6eK\n", 7), 7);
	close(fd);
	cr_assert_neq(fd = mkstemp(key), -1);
	cr_assert_eq(write(fd, "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C \r\n", 46), 46);
	close(fd);
	snprintf(text, sizeof text, "[wecom hexi]\ntoken-file %s\naes-key-file %s\nreceiver wx5823bf96d3bd56c7\n"
	    "reply passive\n", tok, key);
	cr_assert_eq(parse(&c, text, err, sizeof err), 0, "%s", err);
	cr_expect_eq(config_read_secrets(&c, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(c.chats[0].token, "QDG6eK");
	cr_expect_str_eq(c.chats[0].aes_key, "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C");
	cr_expect_eq(config_check(&c, err, sizeof err), 0, "%s", err);
	snprintf(text, sizeof text, "[wecom hexi]\ntoken x\ntoken-file %s\nsecret-file /nonexistent/s\n", tok);
	cr_assert_eq(parse(&c, text, err, sizeof err), 0, "%s", err);
	cr_expect_eq(config_read_secrets(&c, err, sizeof err), 2, "%s", err);
	cr_expect(strstr(err, "[wecom hexi] token-file: give the value or the file, not both") != NULL, "%s", err);
	cr_expect(strstr(err, "[wecom hexi] secret-file: cannot read /nonexistent/s") != NULL, "%s", err);
	unlink(tok);
	unlink(key);
}

/* Writes value (and a newline) into dir/name, mode 0600. */
static void
put_secret(const char *dir, const char *name, const char *value)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	cr_assert_not_null(f = fopen(path, "w"), "%s", path);
	fprintf(f, "%s\n", value);
	fclose(f);
	chmod(path, 0600);
}

/*
 * The shipped example as an operator makes it: every commented line of its
 * chat part that holds a section or a key ("#[wecom hexi]", "#receiver …")
 * uncommented, its /etc/cunbao/ files written with plausible secrets.  It
 * parses into one instance per platform and passes the checks unwarned.
 */
Test(config, shipped_example_chat_sections_pass)
{
	static struct bridge_conf c;
	static char out[65536];
	static const char *const secrets[][2] = {
		{ "wecom-hexi.token", "QDG6eK" }, { "wecom-hexi.aes", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C" },
		{ "wecom-hexi.secret", "s3cret-of-the-app" }, { "wechat-gzh.token", "AAAAA" },
		{ "wechat-gzh.aes", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" },
		{ "dingtalk-hexi.secret", "dingtalk-app-secret" }, { "feishu-hexi.secret", "feishu-app-secret" },
		{ "feishu-hexi.token", "feishu-verification-token" }, { "feishu-hexi.aes", "feishu-encrypt-key" },
		{ "bridge-mqtt-password", "pw" },
	};
	char dir[] = "/tmp/cunbao-cfg-example-XXXXXX", err[4096] = "", *text, *p;
	size_t len, off = 0, i;
	bool chat = false;

	cr_assert_not_null(mkdtemp(dir));
	for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		put_secret(dir, secrets[i][0], secrets[i][1]);
	text = slurp(CUNBAO_SOURCE_DIR "/bridge/examples/cunbao-bridge.conf", &len);
	for (p = text; *p != '\0';) {
		char *nl = strchr(p, '\n'), *at, *slash;
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		char line[512];

		snprintf(line, sizeof line, "%.*s", (int)n, p);
		p += n;
		chat = chat || strncmp(line, "# Chat platforms", 16) == 0;
		at = line;
		if (chat && line[0] == '#' && (line[1] == '[' || (line[1] >= 'a' && line[1] <= 'z')))
			at++;
		if ((slash = strstr(at, "/etc/cunbao/")) != NULL) {
			off += (size_t)snprintf(out + off, sizeof out - off, "%.*s%s/%s", (int)(slash - at), at, dir,
			    slash + 12);
		} else
			off += (size_t)snprintf(out + off, sizeof out - off, "%s", at);
		cr_assert_lt(off, sizeof out);
	}
	conf_defaults(bridge_conf_table, &c);
	cr_expect_eq(config_parse_file(&c, "cunbao-bridge.conf", out, off, err, sizeof err), 0, "%s\n%s", err, out);
	cr_expect_eq(c.nchats, 4, "%s", out);
	cr_expect_eq(config_read_secrets(&c, err, sizeof err), 0, "%s", err);
	cr_expect_eq(config_check(&c, err, sizeof err), 0, "%s", err);
	cr_expect_eq(config_warnings(&c, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(c.chats[2].module, "dingtalk:hexi");
	cr_expect_str_eq(c.chats[3].secret, "feishu-app-secret");
	for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
		char path[256];

		snprintf(path, sizeof path, "%s/%s", dir, secrets[i][0]);
		unlink(path);
	}
	rmdir(dir);
	free(text);
}
