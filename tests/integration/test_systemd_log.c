/*
 * test_systemd_log.c — the daemons' logs as the journal reads them, and
 * what they never say.
 *
 * With JOURNAL_STREAM naming the file their stderr is (its device and
 * inode, as systemd sets it for StandardError=journal), every line of
 * cunbaod and cunbao-bridge starts with its syslog priority, "<6>info: ",
 * "<4>warn: ", "<7>debug: ", and nothing else; with JOURNAL_STREAM naming
 * another file, lines keep their timestamp.  Without -v, cunbaod's log
 * carries no phone number in full, whatever the traffic (reports, unknown
 * senders, bad texts, the admin API's reporter edits, a roster file with a
 * bad id).
 */
#include <sys/stat.h>

#include "test_api.h"

/* Sets JOURNAL_STREAM to the device and inode of the file at path (created empty). */
static void
journal_env(const char *path)
{
	struct stat st;
	char v[64];

	cr_assert(h_write_file(path, ""));
	cr_assert_eq(stat(path, &st), 0);
	snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
}

/*
 * Checks that every line of log starts with "<P>LEVEL: " where P is the
 * syslog priority of LEVEL; counts the lines by priority (counts[0..7]).
 */
static void
journal_lines(const char *log, int counts[8])
{
	static const char *const words[8] = { "fatal", "fatal", "fatal", "error", "warn", "info", "info",
		"debug" };
	int lineno = 0;

	for (const char *p = log; *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n') {
		int len = (int)strcspn(p, "\n"), pri;
		char word[16];

		lineno++;
		if (len == 0)
			continue;
		cr_assert(sscanf(p, "<%d>%15[a-z]: ", &pri, word) == 2 && pri >= 2 && pri <= 7,
		    "line %d has no priority: %.*s", lineno, len, p);
		cr_expect_str_eq(word, words[pri], "line %d: level %s at priority %d", lineno, word, pri);
		counts[pri]++;
	}
}

/* Starts cunbaod on the broker's port (environment set by the caller); argv's tail is extra. */
static struct h_proc *
log_cunbaod(struct cbd *c, const char *name, const char *const *extra)
{
	char broker[32];
	const char *argv[48];
	int n = 0;

	snprintf(broker, sizeof broker, "127.0.0.1:%d", c->broker.port);
	const char *fixed[] = { h_bin("daemon/cunbaod"), "-d", "--broker", broker, "--db", c->db,
		"--catalog", h_src("schema/catalog.json"), "--areas", h_src("schema/examples/areas.csv"),
		"--max-received-age", "0" };
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		argv[n++] = fixed[i];
	for (size_t i = 0; extra[i] != NULL && n < 46; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	c->proc = h_spawn(name, (char *const *)argv);
	cr_assert_not_null(c->proc);
	if (!h_wait_log(c->proc, "mqtt: connected", CBD_WAIT)) {
		h_dump_log(c->proc);
		cr_assert_fail("cunbaod did not connect");
	}
	return c->proc;
}

TestSuite(systemd_log, .fini = h_cleanup);

Test(systemd_log, cunbaod_lines_carry_priorities_on_the_journal, .timeout = 120)
{
	struct cbd c = { 0 };
	int counts[8] = { 0 };

	cr_assert(h_broker_start(&c.broker));
	snprintf(c.db, sizeof c.db, "%s", h_path("cunbao.db"));
	journal_env(h_path("cunbaod-journal.log"));
	/* -v: debug lines; sync-thread: a removed setting, warned about at start. */
	const char *extra[] = { "-v", "--reporters", h_src("schema/examples/reporters.csv"), "--listen", "off",
		"--sync-thread", "yes", NULL };
	struct h_proc *p = log_cunbaod(&c, "cunbaod-journal", extra);

	unsetenv("JOURNAL_STREAM");
	cr_expect_eq(h_stop(p, SIGTERM, CBD_WAIT), 0);
	char *log = h_read_file(p->log, NULL);

	cr_assert_not_null(log);
	journal_lines(log, counts);
	cr_expect(strstr(log, "\n<6>info: mqtt: connected") != NULL, "no <6>info: mqtt: connected:\n%s", log);
	cr_expect(counts[4] >= 1 && strstr(log, "<4>warn: sync-thread") != NULL, "no <4>warn line:\n%s", log);
	cr_expect(counts[7] >= 1, "no <7>debug line with -v");
	free(log);
	h_broker_stop(&c.broker);
}

Test(systemd_log, cunbaod_keeps_timestamps_when_stderr_is_not_the_journal, .timeout = 120)
{
	struct cbd c = { 0 };

	cr_assert(h_broker_start(&c.broker));
	snprintf(c.db, sizeof c.db, "%s", h_path("cunbao.db"));
	journal_env(h_path("elsewhere.log"));	/* the journal, but not our stderr */
	const char *extra[] = { "--reporters", h_src("schema/examples/reporters.csv"), "--listen", "off", NULL };
	struct h_proc *p = log_cunbaod(&c, "cunbaod-file", extra);

	unsetenv("JOURNAL_STREAM");
	cr_expect_eq(h_stop(p, SIGTERM, CBD_WAIT), 0);
	char *log = h_read_file(p->log, NULL);
	int hh, mm, ss, ms;
	char word[16];

	cr_assert_not_null(log);
	cr_expect(strchr(log, '<') == NULL || strstr(log, "\n<") == NULL, "a priority outside the journal:\n%s",
	    log);
	cr_expect(sscanf(log, "%d:%d:%d.%d %15[a-z]: ", &hh, &mm, &ss, &ms, word) == 5 &&
	    strcmp(word, "info") == 0, "first line not \"HH:MM:SS.mmm info: \":\n%s", log);
	cr_expect(strstr(log, " info: mqtt: connected") != NULL);
	free(log);
	h_broker_stop(&c.broker);
}

Test(systemd_log, bridge_lines_carry_priorities_on_the_journal, .timeout = 120)
{
	struct h_broker broker = { 0 };
	char bro[32], listen[32];
	int counts[8] = { 0 };

	cr_assert(h_broker_start(&broker));
	snprintf(bro, sizeof bro, "127.0.0.1:%d", broker.port);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", h_free_port());
	char *argv[] = { (char *)h_bin("bridge/cunbao-bridge"), "-d", "-v", "-c",
		(char *)h_src("bridge/examples/cunbao-bridge.conf"), "--broker", bro, "--listen", listen,
		"--spool", (char *)h_path("bridge.db"), "--log-unmasked",
		"--mqtt-user", "", "--mqtt-password-file", "", NULL };	/* the test broker is anonymous */

	journal_env(h_path("bridge-journal.log"));
	struct h_proc *p = h_spawn("bridge-journal", argv);

	unsetenv("JOURNAL_STREAM");
	cr_assert_not_null(p);
	cr_expect(h_wait_log(p, "mqtt: connected", CBD_WAIT));
	cr_expect_eq(h_stop(p, SIGTERM, CBD_WAIT), 0);
	char *log = h_read_file(p->log, NULL);

	cr_assert_not_null(log);
	journal_lines(log, counts);
	cr_expect(strstr(log, "<6>info: cunbao-bridge: listening") != NULL, "no <6>info line:\n%s", log);
	cr_expect(strstr(log, "<4>warn: --log-unmasked") != NULL, "no <4>warn line:\n%s", log);
	free(log);
	h_broker_stop(&broker);
}

/* True when text holds the national part of any of the numbers (the digits after +86). */
static const char *
full_number(const char *text, const char *const *numbers)
{
	for (size_t i = 0; numbers[i] != NULL; i++)
		if (strstr(text, numbers[i] + 3) != NULL)
			return numbers[i];
	return NULL;
}

Test(systemd_log, cunbaod_logs_no_full_phone_number_without_v, .timeout = 180)
{
	static const char *const numbers[] = { "+8613800000001", "+8613800000002", "+8613912345678",
		"+8613955556666", "+8613812345678", NULL };
	struct api a = { 0 };
	char reporters[512], *csv, *log;

	cr_assert(h_broker_start(&a.cbd.broker));
	snprintf(a.cbd.db, sizeof a.cbd.db, "%s", h_path("cunbao.db"));
	a.cbd.mq = h_mqtt_connect(a.cbd.broker.port, "test-collector", true);
	cr_assert_not_null(a.cbd.mq);
	cr_assert(h_mqtt_sub(a.cbd.mq, CBD_ROOT "/receipt/#", 1));
	a.port = h_free_port();
	snprintf(a.listen, sizeof a.listen, "127.0.0.1:%d", a.port);
	snprintf(a.tokens, sizeof a.tokens, "%s", h_path("tokens"));
	api_tokens_write(a.tokens, 0600);
	snprintf(reporters, sizeof reporters, "%s", h_path("reporters.csv"));
	csv = h_read_file(h_src("schema/examples/reporters.csv"), NULL);
	cr_assert(csv != NULL && h_write_file(reporters, csv));
	const char *extra[] = { "--reporters", reporters, "--listen", a.listen, "--tokens", a.tokens,
		"--remind-interval", "0", NULL };
	struct h_proc *p = log_cunbaod(&a.cbd, "cunbaod-quiet", extra);

	cr_assert(h_wait_port(a.port, CBD_WAIT));
	/* Reports: accepted, from a stranger, unreadable, a help request. */
	cJSON_Delete(cbd_expect(&a.cbd, "q:1", "+8613800000001", "牲畜 牛1", "accepted", NULL));
	cJSON_Delete(cbd_expect(&a.cbd, "q:2", "+8613912345678", "牲畜 牛1", "rejected", "unknown_sender"));
	cJSON_Delete(cbd_expect(&a.cbd, "q:3", "+8613800000002", "胡说八道", "rejected", NULL));
	cr_assert(cbd_sms(&a.cbd, "q:4", "+8613800000002", "帮助"));
	cJSON_Delete(cbd_receipt(&a.cbd, "q:4"));
	/* The admin API: a reporter added, read, changed, deleted. */
	struct resp r = http_req(a.port, "POST", "/v1/reporters", TOKEN_ADMIN, "application/json",
	    "{\"id\":\"+8613955556666\",\"name\":\"钱九\",\"area\":\"xinzhuang/hexi/g01\"}");

	cr_expect_eq(r.status, 201, "POST /v1/reporters: %d %s", r.status, r.body);
	resp_free(&r);
	r = http_get(a.port, "/v1/reporters/%2B8613955556666", TOKEN_READ);
	cr_expect_eq(r.status, 200);
	resp_free(&r);
	r = http_req(a.port, "PUT", "/v1/reporters/%2B8613955556666", TOKEN_ADMIN, "application/json",
	    "{\"lang\":\"en\"}");
	cr_expect_eq(r.status, 200);
	resp_free(&r);
	r = http_req(a.port, "DELETE", "/v1/reporters/%2B8613955556666", TOKEN_ADMIN, NULL, NULL);
	cr_expect_eq(r.status, 200);
	resp_free(&r);
	/*
	 * A roster file with a number of 18 digits (a space in it is fine: the roster
	 * normalises it; the length is not): refused on SIGHUP, naming the row.
	 */
	char *bad = malloc(strlen(csv) + 128);

	snprintf(bad, strlen(csv) + 128, "%s+86 13812345678000,坏号码,xinzhuang/hexi/g01,leader,zh\n", csv);
	cr_assert(h_write_file(reporters, bad));
	free(bad);
	free(csv);
	kill(p->pid, SIGHUP);
	cr_expect(h_wait_log(p, "reload: roster import failed", CBD_WAIT));
	cr_expect_eq(h_stop(p, SIGTERM, CBD_WAIT), 0);
	a.cbd.proc = NULL;

	log = h_read_file(p->log, NULL);
	cr_assert_not_null(log);
	const char *leaked = full_number(log, numbers);

	cr_expect(leaked == NULL, "%s in full in cunbaod's log without -v:\n%s", leaked, log);
	cr_expect(strstr(log, "reporters.csv:") != NULL, "the bad row is not named:\n%s", log);
	free(log);
	h_mqtt_close(a.cbd.mq);
	h_broker_stop(&a.cbd.broker);
}
