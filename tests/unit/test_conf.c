/*
 * test_conf.c — table-driven config parsing: every type, bounds, quoting,
 * comments, line ends, every error collected as "file:line: message", and a
 * stable dump that reads back to the same values.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <criterion/criterion.h>

#include "conf.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct cfg {
	char broker[128];
	char name[16];
	int64_t workers;
	bool verbose;
	int64_t timeout;
	char token[33];
	int64_t offset;
	int64_t linger;
};

#define M(f) offsetof(struct cfg, f), sizeof(((struct cfg *)0)->f)

static const struct conf_entry table[] = {
	{ "broker", CONF_ADDR, M(broker), 0, 0, "127.0.0.1:1883", "MQTT broker HOST:PORT" },
	{ "name", CONF_STR, M(name), 0, 0, "cunbaod", "client id" },
	{ "workers", CONF_INT, M(workers), 1, 64, "4", "worker count" },
	{ "verbose", CONF_BOOL, M(verbose), 0, 0, NULL, "log more" },
	{ "timeout", CONF_DURATION, M(timeout), 100, 3600000, "5s", "request timeout" },
	{ "token", CONF_STR, M(token), 0, 0, NULL, "bearer token" },
	{ "offset", CONF_INT, M(offset), 0, 0, "-3", "unbounded" },
	{ "linger", CONF_DURATION, M(linger), 0, 0, NULL, "unbounded" },
	{ .key = NULL }
};

/* The dumped value of one key ("" if the dump lacks it). */
static const char *
dump_value(const struct cfg *c, const char *key, char *out, size_t outlen)
{
	char buf[1024];
	size_t klen = strlen(key);

	out[0] = '\0';
	cr_assert_gt(conf_dump(table, c, buf, sizeof buf), 0);
	for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n"))
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			snprintf(out, outlen, "%s", line + klen + 1);
	return out;
}

Test(conf, defaults_dump_golden)
{
	struct cfg c;
	char buf[1024], want[1024];
	FILE *f = fopen(CUNBAO_GOLDEN_DIR "/conf_dump.golden", "r");

	cr_assert_not_null(f, "missing golden file");
	size_t n = fread(want, 1, sizeof want - 1, f);
	want[n] = '\0';
	fclose(f);
	memset(&c, 0x5a, sizeof c);
	conf_defaults(table, &c);
	cr_expect_eq(conf_dump(table, &c, buf, sizeof buf), n);
	cr_expect_str_eq(buf, want);
	cr_expect_eq(c.workers, 4);
	cr_expect_eq(c.timeout, 5000);
	cr_expect_eq(c.verbose, false);
	cr_expect_str_eq(c.token, "");
	cr_expect_eq(c.offset, -3);
}

static const struct {
	const char *key, *value;
	const char *want;	/* dumped value on success, or the exact error */
	bool ok;
} set_cases[] = {
	{ "name", "村报-1", "村报-1", true },
	{ "name", "fifteen-bytes-x", "fifteen-bytes-x", true },
	{ "name", "sixteen-bytes-xx", "name: value too long (16 bytes, at most 15)", false },
	{ "name", "", "\"\"", true },
	{ "name", " padded ", "\" padded \"", true },
	{ "workers", "1", "1", true },
	{ "workers", "64", "64", true },
	{ "workers", "+7", "7", true },
	{ "workers", "0", "workers: 0 is out of bounds 1..64", false },
	{ "workers", "65", "workers: 65 is out of bounds 1..64", false },
	{ "workers", "-1", "workers: -1 is out of bounds 1..64", false },
	{ "workers", "4x", "workers: expected an integer, got \"4x\"", false },
	{ "workers", "4.0", "workers: expected an integer, got \"4.0\"", false },
	{ "workers", "", "workers: expected an integer, got \"\"", false },
	{ "workers", "99999999999999999999", "workers: expected an integer, got \"99999999999999999999\"", false },
	{ "offset", "-9223372036854775808", "-9223372036854775808", true },
	{ "offset", "0", "0", true },
	{ "verbose", "yes", "yes", true },
	{ "verbose", "No", "no", true },
	{ "verbose", "TRUE", "yes", true },
	{ "verbose", "off", "no", true },
	{ "verbose", "1", "yes", true },
	{ "verbose", "0", "no", true },
	{ "verbose", "y", "verbose: expected yes or no, got \"y\"", false },
	{ "verbose", "2", "verbose: expected yes or no, got \"2\"", false },
	{ "timeout", "250ms", "250ms", true },
	{ "timeout", "100ms", "100ms", true },
	{ "timeout", "5s", "5s", true },
	{ "timeout", "5", "5s", true },
	{ "timeout", "90s", "90s", true },
	{ "timeout", "120s", "2m", true },
	{ "timeout", "2m", "2m", true },
	{ "timeout", "1h", "1h", true },
	{ "timeout", "60m", "1h", true },
	{ "timeout", "1500ms", "1500ms", true },
	{ "timeout", "99ms", "timeout: 99ms is out of bounds 100ms..1h", false },
	{ "timeout", "2h", "timeout: 2h is out of bounds 100ms..1h", false },
	{ "timeout", "0", "timeout: 0 is out of bounds 100ms..1h", false },
	{ "timeout", "5 s", "timeout: expected a duration like 250ms, 5s, 2m, 1h or 1d, got \"5 s\"", false },
	{ "timeout", "5S", "timeout: expected a duration like 250ms, 5s, 2m, 1h or 1d, got \"5S\"", false },
	{ "timeout", "1.5s", "timeout: expected a duration like 250ms, 5s, 2m, 1h or 1d, got \"1.5s\"", false },
	{ "timeout", "-5s", "timeout: expected a duration like 250ms, 5s, 2m, 1h or 1d, got \"-5s\"", false },
	{ "timeout", "s", "timeout: expected a duration like 250ms, 5s, 2m, 1h or 1d, got \"s\"", false },
	{ "timeout", "5w", "timeout: expected a duration like 250ms, 5s, 2m, 1h or 1d, got \"5w\"", false },
	{ "timeout", "9999999999999999h", "timeout: expected a duration like 250ms, 5s, 2m, 1h or 1d, got \"9999999999999999h\"", false },
	{ "linger", "1d", "1d", true },
	{ "linger", "24h", "1d", true },
	{ "linger", "36h", "36h", true },
	{ "linger", "7d", "7d", true },
	{ "linger", "0", "0s", true },
	{ "linger", "0ms", "0s", true },
	{ "linger", "106751991167d", "106751991167d", true },
	{ "linger", "106751991168d", "linger: expected a duration like 250ms, 5s, 2m, 1h or 1d, got \"106751991168d\"", false },
	{ "nosuch", "1", "nosuch: unknown key", false },
};

Test(conf, set)
{
	for (size_t i = 0; i < NELEM(set_cases); i++) {
		struct cfg c, before;
		char err[256] = "untouched", got[256];

		conf_defaults(table, &c);
		before = c;
		bool ok = conf_set(table, &c, set_cases[i].key, set_cases[i].value, err, sizeof err);
		cr_expect_eq(ok, set_cases[i].ok, "%s %s: %s", set_cases[i].key, set_cases[i].value, err);
		if (set_cases[i].ok) {
			cr_expect_str_eq(dump_value(&c, set_cases[i].key, got, sizeof got),
			    set_cases[i].want, "%s %s", set_cases[i].key, set_cases[i].value);
		} else {
			cr_expect_str_eq(err, set_cases[i].want);
			cr_expect_eq(memcmp(&c, &before, sizeof c), 0, "%s %s: changed on failure",
			    set_cases[i].key, set_cases[i].value);
		}
	}
}

static const struct {
	const char *addr;
	const char *why;	/* NULL: accepted */
} addr_cases[] = {
	{ "127.0.0.1:1883", NULL },
	{ "0.0.0.0:1", NULL },
	{ "10.1.2.3:65535", NULL },
	{ "localhost:8080", NULL },
	{ "mqtt.example.org:8883", NULL },
	{ "a-b.c1:80", NULL },
	{ "[::1]:1883", NULL },
	{ "[2001:db8::7]:443", NULL },
	{ "[::ffff:10.0.0.1]:80", NULL },
	{ "127.0.0.1:0", "port must be a number 1..65535" },
	{ "127.0.0.1:65536", "port must be a number 1..65535" },
	{ "127.0.0.1:", "port must be a number 1..65535" },
	{ "127.0.0.1:-1", "port must be a number 1..65535" },
	{ "127.0.0.1:+80", "port must be a number 1..65535" },
	{ "127.0.0.1:018830", "port must be a number 1..65535" },
	{ "127.0.0.1:http", "port must be a number 1..65535" },
	{ "127.0.0.1", "expected HOST:PORT" },
	{ "", "expected HOST:PORT" },
	{ ":1883", "missing host" },
	{ "256.0.0.1:80", "bad IPv4 address" },
	{ "1.2.3:80", "bad IPv4 address" },
	{ "1.2.3.4.5:80", "bad IPv4 address" },
	{ "::1:1883", "an IPv6 address needs brackets: [ADDR]:PORT" },
	{ "[::1]1883", "expected HOST:PORT" },
	{ "[::1:1883", "expected HOST:PORT" },
	{ "[]:1883", "missing host" },
	{ "[::g]:1883", "bad IPv6 address" },
	{ "[127.0.0.1]:80", "bad IPv6 address" },
	{ "-host:80", "bad host name" },
	{ "host-:80", "bad host name" },
	{ "a..b:80", "bad host name" },
	{ "host.:80", "bad host name" },
	{ "ho st:80", "bad host name" },
	{ "ho_st:80", "bad host name" },
	{ "村:80", "bad host name" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b:80", NULL },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b:80", "bad host name" },
	{ "1111111111111111111111111111111111111111111111111111111111111111:80", "host too long" },
};

Test(conf, addr)
{
	for (size_t i = 0; i < NELEM(addr_cases); i++) {
		struct cfg c;
		char err[256] = "", want[256];

		conf_defaults(table, &c);
		bool ok = conf_set(table, &c, "broker", addr_cases[i].addr, err, sizeof err);
		if (addr_cases[i].why == NULL) {
			cr_expect(ok, "'%s': %s", addr_cases[i].addr, err);
			cr_expect_str_eq(c.broker, addr_cases[i].addr);
			continue;
		}
		/* Messages quote at most 48 bytes of the bad value. */
		snprintf(want, sizeof want, "broker: %s, got \"%.48s\"", addr_cases[i].why,
		    addr_cases[i].addr);
		cr_expect_not(ok, "'%s' accepted", addr_cases[i].addr);
		cr_expect_str_eq(err, want);
		cr_expect_str_eq(c.broker, "127.0.0.1:1883");
	}
}

/* A 63-byte label is fine, 64 is not; an address too long for its member is refused. */
Test(conf, addr_limits)
{
	static const struct conf_entry small[] = {
		{ "a", CONF_ADDR, 0, 12, 0, 0, NULL, "" },
		{ .key = NULL }
	};
	char a[12], err[128];

	cr_expect(conf_set(small, a, "a", "[::1]:1883", err, sizeof err), "%s", err);
	cr_expect(conf_set(small, a, "a", "[::1]:18830", err, sizeof err), "%s", err);
	cr_expect_not(conf_set(small, a, "a", "[::12]:18830", err, sizeof err));
	cr_expect_not(conf_set(small, a, "a", "host.example:80", err, sizeof err));
	cr_expect_str_eq(err, "a: value too long (15 bytes, at most 11)");
}

static const struct {
	const char *name;
	const char *text;
	int nerrors;
	const char *errors;
	const char *name_v, *token_v;
	int64_t workers, timeout;
	bool verbose;
} parse_cases[] = {
	{ "empty", "", 0, "", "cunbaod", "", 4, 5000, false },
	{ "comments and blanks",
	  "# a comment\n\n   \t\n  # indented comment\nworkers 8\n", 0, "", "cunbaod", "", 8, 5000, false },
	{ "every type",
	  "broker 10.0.0.2:1884\nname village\nworkers 16\nverbose on\ntimeout 250ms\ntoken abc#def\n",
	  0, "", "village", "abc#def", 16, 250, true },
	{ "crlf, no final newline", "workers 2\r\nverbose yes\r\ntimeout 2m", 0, "",
	  "cunbaod", "", 2, 120000, true },
	{ "blanks around value", "  name \t  a b c \t \n", 0, "", "a b c", "", 4, 5000, false },
	{ "quoted value", "name \"  spaced  \"\ntoken \"\"\n", 0, "", "  spaced  ", "", 4, 5000, false },
	{ "inner quotes stay", "name say \"hi\"\n", 0, "", "say \"hi\"", "", 4, 5000, false },
	{ "lone quote", "name \"\n", 0, "", "\"", "", 4, 5000, false },
	{ "chinese value", "name 新庄村\n", 0, "", "新庄村", "", 4, 5000, false },
	{ "unknown key", "workers 2\nbrokr 1.2.3.4:5\n", 1,
	  "t.conf:2: unknown key \"brokr\"\n", "cunbaod", "", 2, 5000, false },
	{ "duplicate key", "workers 2\n\nworkers 3\n", 1,
	  "t.conf:3: duplicate key \"workers\" (first set on line 1)\n", "cunbaod", "", 2, 5000, false },
	{ "missing value", "name\nworkers   \n", 2,
	  "t.conf:1: name: missing value\nt.conf:2: workers: missing value\n", "cunbaod", "", 4, 5000, false },
	{ "all errors collected",
	  "workers 0\nverbose maybe\ntimeout 3y\nbroker nowhere\nname ok\nfoo bar\n", 5,
	  "t.conf:1: workers: 0 is out of bounds 1..64\n"
	  "t.conf:2: verbose: expected yes or no, got \"maybe\"\n"
	  "t.conf:3: timeout: expected a duration like 250ms, 5s, 2m, 1h or 1d, got \"3y\"\n"
	  "t.conf:4: broker: expected HOST:PORT, got \"nowhere\"\n"
	  "t.conf:6: unknown key \"foo\"\n", "ok", "", 4, 5000, false },
	{ "key=value is not a key", "workers=2\n", 1, "t.conf:1: unknown key \"workers=2\"\n",
	  "cunbaod", "", 4, 5000, false },
	{ "case matters in keys", "Workers 2\n", 1, "t.conf:1: unknown key \"Workers\"\n",
	  "cunbaod", "", 4, 5000, false },
	/* A comment after a value would become part of it: refused, the value kept at its default. */
	{ "comment after a value", "name village   # the client id\nworkers 8\t# eight\n", 2,
	  "t.conf:1: name: \"# the client id\" after the value: a comment takes a line of its own "
	  "(quote a value that holds \" #\")\n"
	  "t.conf:2: workers: \"# eight\" after the value: a comment takes a line of its own "
	  "(quote a value that holds \" #\")\n", "cunbaod", "", 4, 5000, false },
	{ "quoted value may hold a blank and #", "name \"a # b\"\n", 0, "", "a # b", "", 4, 5000, false },
};

Test(conf, parse)
{
	for (size_t i = 0; i < NELEM(parse_cases); i++) {
		struct cfg c;
		char err[1024];
		const char *t = parse_cases[i].text;
		size_t len = strlen(t);

		memset(err, 'X', sizeof err);
		conf_defaults(table, &c);
		int n = conf_parse(table, &c, "t.conf", t, len, err, sizeof err);
		cr_expect_eq(n, parse_cases[i].nerrors, "%s: %d errors: %s", parse_cases[i].name, n, err);
		cr_expect_str_eq(err, parse_cases[i].errors, "%s", parse_cases[i].name);
		cr_expect_str_eq(c.name, parse_cases[i].name_v, "%s", parse_cases[i].name);
		cr_expect_str_eq(c.token, parse_cases[i].token_v, "%s", parse_cases[i].name);
		cr_expect_eq(c.workers, parse_cases[i].workers, "%s", parse_cases[i].name);
		cr_expect_eq(c.timeout, parse_cases[i].timeout, "%s", parse_cases[i].name);
		cr_expect_eq(c.verbose, parse_cases[i].verbose, "%s", parse_cases[i].name);
	}
}

/* A NUL byte fails its line only; the lines around it still count. */
Test(conf, parse_nul_byte)
{
	static const char text[] = "workers 2\nname a\0b\nverbose yes\n";
	struct cfg c;
	char err[256];

	conf_defaults(table, &c);
	cr_expect_eq(conf_parse(table, &c, "t.conf", text, sizeof text - 1, err, sizeof err), 1);
	cr_expect_str_eq(err, "t.conf:2: NUL byte in line\n");
	cr_expect_str_eq(c.name, "cunbaod");
	cr_expect_eq(c.workers, 2);
	cr_expect(c.verbose);
}

Test(conf, parse_long_line_and_small_err)
{
	char text[3000], err[40];
	struct cfg c;

	memset(text, 'a', sizeof text);
	memcpy(text, "name ", 5);
	text[2000] = '\n';
	memcpy(text + 2001, "foo 1\nbar 2\n", 12);
	conf_defaults(table, &c);
	int n = conf_parse(table, &c, "t.conf", text, 2013, err, sizeof err);
	cr_expect_eq(n, 3, "every error counts even when err is full");
	cr_expect_eq(strlen(err), sizeof err - 1);
	cr_expect_eq(strncmp(err, "t.conf:1: line too long", 23), 0, "%s", err);
	cr_expect_str_eq(c.name, "cunbaod");

	/* No err buffer at all. */
	cr_expect_eq(conf_parse(table, &c, "t.conf", "foo 1\n", 6, NULL, 0), 1);
}

/* dump -> parse -> dump gives the same text, for awkward strings too. */
Test(conf, dump_round_trip)
{
	static const char *const names[] = { "", " lead", "trail ", "\"q\"", "a\"b", "#x", "村报", "cr\r", "\"",
	    "o #", "a\t# b" };

	for (size_t i = 0; i < NELEM(names); i++) {
		struct cfg a, b;
		char d1[1024], d2[1024], err[256];

		conf_defaults(table, &a);
		cr_assert(conf_set(table, &a, "name", names[i], err, sizeof err), "%s", err);
		cr_assert(conf_set(table, &a, "timeout", "1500ms", err, sizeof err));
		size_t n = conf_dump(table, &a, d1, sizeof d1);
		cr_assert_gt(n, 0);
		memset(&b, 0, sizeof b);
		cr_expect_eq(conf_parse(table, &b, "dump", d1, n, err, sizeof err), 0, "%s: %s", names[i], err);
		cr_expect_str_eq(b.name, names[i]);
		cr_expect_eq(conf_dump(table, &b, d2, sizeof d2), n);
		cr_expect_str_eq(d1, d2);
	}
}

Test(conf, dump_small_buffer)
{
	struct cfg c;
	char buf[1024];

	conf_defaults(table, &c);
	size_t n = conf_dump(table, &c, buf, sizeof buf);
	cr_assert_gt(n, 0);
	for (size_t len = 0; len <= n; len++)
		cr_expect_eq(conf_dump(table, &c, buf, len), 0, "len %zu", len);
	cr_expect_eq(conf_dump(table, &c, buf, n + 1), n);
}

Test(conf, find)
{
	cr_expect_eq(conf_find(table, "workers"), &table[2]);
	cr_expect_eq(conf_find(table, "offset"), &table[6]);
	cr_expect_null(conf_find(table, "work"));
	cr_expect_null(conf_find(table, ""));
	cr_expect_null(conf_find(table, NULL));
}

Test(conf, set_rejects_null_value)
{
	struct cfg c;
	char err[64];

	conf_defaults(table, &c);
	cr_expect_not(conf_set(table, &c, "name", NULL, err, sizeof err));
	cr_expect_str_eq(err, "name: missing value");
}

/*
 * conf_mdoc: one .It per key with its type, the help as a sentence ("
 * [restart]" as one of its own), the bounds and the default, escaped so that
 * no help or default can be read as a roff request.
 */
Test(conf, mdoc)
{
	static const struct conf_entry t[] = {
		{ "broker", CONF_ADDR, M(broker), 0, 0, "127.0.0.1:1883", "MQTT broker [restart]" },
		{ "name", CONF_STR, M(name), 0, 0, "say \"hi\"", ".dot first, a \\ too" },
		{ "workers", CONF_INT, M(workers), 1, 64, "4", "worker count." },
		{ "verbose", CONF_BOOL, M(verbose), 0, 0, NULL, "'quote first" },
		{ "timeout", CONF_DURATION, M(timeout), 100, 3600000, "5s", "request timeout" },
		{ "token", CONF_STR, M(token), 0, 0, "", "" },
		{ .key = NULL }
	};
	const char *want =
	    ".It Cm broker Ar host : Ns Ar port\n"
	    "MQTT broker.\n"
	    "Takes effect at the next start, not on SIGHUP.\n"
	    "Default:\n.Ql \"127.0.0.1:1883\" .\n"
	    ".It Cm name Ar text\n"
	    "\\&.dot first, a \\e too.\n"
	    "Default:\n.Ql \"say \"\"hi\"\"\" .\n"
	    ".It Cm workers Ar number\n"
	    "worker count.\n"
	    "From 1 to 64.\n"
	    "Default:\n.Ql \"4\" .\n"
	    ".It Cm verbose Cm yes | no\n"
	    "\\&'quote first.\n"
	    "Default: no.\n"
	    ".It Cm timeout Ar duration\n"
	    "request timeout.\n"
	    "From 100ms to 1h.\n"
	    "Default:\n.Ql \"5s\" .\n"
	    ".It Cm token Ar text\n"
	    "Not set by default.\n";
	char buf[2048];
	size_t n = conf_mdoc(t, buf, sizeof buf);

	cr_expect_str_eq(buf, want);
	cr_expect_eq(n, strlen(want));
	cr_expect_eq(conf_mdoc(t, buf, n), 0, "a buffer one byte short must fail");
	cr_expect_str_eq(buf, "");
	cr_expect_eq(conf_mdoc(t, buf, n + 1), n);
}
