/*
 * test_cunbao_sms.c — tools/cunbao-sms against the real Kannel from Debian
 * (bearerbox's fake SMSC, smsbox, fakesmsc) with mosquitto, cunbaod and the
 * bridge, as a leader's phone sees it:
 *
 *   - a Chinese reply too long for one SMS comes as a concatenated UCS-2 SMS
 *     and cunbao-sms prints it whole, parts joined in order;
 *   - an English reporter's replies come as one GSM-7 SMS each (142
 *     characters of HELP: three SMS as UCS-2), printed as sent;
 *   - replies Kannel queued while no phone was connected, one to another
 *     phone and one to an earlier message of the same phone, are set aside
 *     and the reply to the message just sent is printed; queued
 *     concatenated SMS, GSM-7 and UCS-2, are joined and decoded;
 *   - --help, and the exit codes of a missing fakesmsc, a Kannel not there,
 *     bad usage and a timeout.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test_bridge.h"

#define LEADER1 "+8613800000001"
#define MA_LIN "+8613800000008"	/* lang en in schema/examples/reporters.csv */
/* An unknown word of 21 characters: the reply quoting it is 75 characters, two UCS-2 SMS. */
#define LONG_WORD "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌"
#define LONG_REPLY "不认识“" LONG_WORD "”。可报：牲畜 道路 卫生 产业 劳务 监测 建设。" \
	"例：牲畜 牛12 猪40 羊5。发“帮助”看格式"
#define HELP_EN "Reports: livestock, road, sanitation, crops, labor, monitoring, construction. " \
	"Example: LS cattle 12 pigs 40 sheep 5. Send HELP LS for items."

/* What one run of cunbao-sms gave: exit code, stdout without its newline, stderr. */
struct run {
	int rc;
	char *out, *err;
};

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Runs cunbao-sms opts FROM TEXT against w's fake SMSC (env and opts as given) into r. */
static void
sms(const struct world *w, const char *env, const char *opts, const char *from, const char *text,
    struct run *r)
{
	char cmd[2048], errpath[512];

	snprintf(errpath, sizeof errpath, "%s", h_path("cunbao-sms.err"));
	snprintf(cmd, sizeof cmd, "CUNBAO_SMSC_PORT=%d %s '%s' %s '%s' '%s' 2>'%s'", w ? w->smsc_port : 1,
	    env ? env : "", h_bin("tools/cunbao-sms/cunbao-sms"), opts, from, text, errpath);
	r->out = h_run(cmd, &r->rc);
	if (r->out == NULL)
		r->out = strdup("");
	r->out[strcspn(r->out, "\n")] = '\0';
	r->err = h_read_file(errpath, NULL);
	if (r->err == NULL)
		r->err = strdup("");
}

/* Counts the occurrences of needle in s. */
static int
occurrences(const char *s, const char *needle)
{
	int n = 0;

	for (s = strstr(s, needle); s != NULL; s = strstr(s + 1, needle))
		n++;
	return n;
}

static void
world_up(struct world *w, bool bridge)
{
	memset(w, 0, sizeof *w);
	cr_assert(h_broker_start(&w->broker), "mosquitto did not start");
	cr_assert(tb_cunbaod(w), "cunbaod did not start");
	cr_assert(tb_kannel(w, true), "Kannel did not start");
	if (bridge)
		cr_assert(tb_bridge(w), "the bridge did not start");
}

static void
world_dump(struct world *w)
{
	h_dump_log(w->bridge);
	h_dump_log(w->smsbox);
	h_dump_log(w->bearerbox);
	h_dump_log(w->cunbaod);
}

Test(cunbao_sms, chinese_reply_in_two_parts_is_printed_whole, .timeout = 180)
{
	struct world w;
	struct run r;

	world_up(&w, true);
	sms(&w, NULL, "-v -t 60 --ucs2", TB_LEADER3, LONG_WORD " 牛12", &r);
	if (r.rc != 0)
		world_dump(&w);
	cr_assert_eq(r.rc, 0, "exit %d: %s", r.rc, r.err);
	cr_expect_str_eq(r.out, LONG_REPLY);
	cr_expect(strstr(r.err, "the reply came as 2 SMS concatenated, UCS-2") != NULL, "%s", r.err);
	run_free(&r);
	/* A short Chinese reply stays one UCS-2 SMS. */
	sms(&w, NULL, "-v -t 60", TB_LEADER3, "牲畜 牛12 猪40 羊5", &r);
	cr_assert_eq(r.rc, 0, "exit %d: %s", r.rc, r.err);
	cr_expect(strncmp(r.out, "已收到 3组", strlen("已收到 3组")) == 0, "%s", r.out);
	cr_expect(strstr(r.out, "牲畜：牛12 猪40 羊5") != NULL, "%s", r.out);
	cr_expect(strstr(r.err, "the reply came as 1 SMS, UCS-2") != NULL, "%s", r.err);
	run_free(&r);
	cr_expect(tb_bridge_stop(&w), "the bridge did not exit cleanly");
}

Test(cunbao_sms, english_replies_are_one_gsm7_sms, .timeout = 180)
{
	struct world w;
	struct run r;

	world_up(&w, true);
	sms(&w, NULL, "-v -t 60", MA_LIN, "HELP", &r);
	if (r.rc != 0)
		world_dump(&w);
	cr_assert_eq(r.rc, 0, "exit %d: %s", r.rc, r.err);
	cr_expect_str_eq(r.out, HELP_EN);
	cr_expect(strstr(r.err, "the reply came as 1 SMS, GSM-7") != NULL, "%s", r.err);
	run_free(&r);
	sms(&w, NULL, "-v -t 60", MA_LIN, "LS cattle 12 pigs 40 sheep 5", &r);
	cr_assert_eq(r.rc, 0, "exit %d: %s", r.rc, r.err);
	cr_expect(strncmp(r.out, "Received G8 ", 12) == 0, "%s", r.out);
	cr_expect(strstr(r.out, "livestock: cattle 12, pigs 40, sheep 5") != NULL, "%s", r.out);
	cr_expect(strstr(r.err, "the reply came as 1 SMS, GSM-7") != NULL, "%s", r.err);
	run_free(&r);
	/* Two messages in the journal: the phone that drains Kannel's queue first sends nothing. */
	cr_expect_eq(tb_sql(h_path("cunbao.db"), "SELECT count(*) FROM journal"), 2);
	cr_expect(tb_bridge_stop(&w), "the bridge did not exit cleanly");
}

/*
 * Two phones write while cunbaod is down; their cunbao-sms give up.  The
 * bridge keeps both messages; cunbaod comes back and answers them, and the
 * replies wait in Kannel, no phone being connected.  Leader 3 then writes
 * again: the reply printed is to that message, not the one queued for
 * leader 1 nor the one to leader 3's own earlier message.
 */
Test(cunbao_sms, replies_queued_before_are_not_printed, .timeout = 240)
{
	struct world w;
	struct run r;

	world_up(&w, true);
	cr_assert_eq(h_stop(w.cunbaod, SIGTERM, 15000), 0, "cunbaod did not stop cleanly");
	sms(&w, NULL, "-t 1 --drain 0", LEADER1, "牲畜 牛7", &r);
	cr_expect_eq(r.rc, 1, "exit %d (no reply without cunbaod): %s", r.rc, r.err);
	cr_expect(strstr(r.err, "no reply to " LEADER1 " within 1s") != NULL, "%s", r.err);
	run_free(&r);
	sms(&w, NULL, "-t 1 --drain 0", TB_LEADER3, "道路 硬化100米", &r);
	cr_expect_eq(r.rc, 1, "exit %d: %s", r.rc, r.err);
	run_free(&r);
	cr_assert(tb_health_wait(&w, "inbound_waiting", 2, 30000), "the bridge did not take both messages");
	cr_assert(tb_cunbaod(&w), "cunbaod did not come back");
	if (!tb_health_wait(&w, "replies_sent", 2, 60000))
		world_dump(&w);
	cr_assert_eq(tb_health(&w, "replies_sent"), 2, "the two replies did not reach Kannel");

	sms(&w, NULL, "-v -t 60", TB_LEADER3, "牲畜 牛12 猪40 羊5", &r);
	if (r.rc != 0)
		world_dump(&w);
	cr_assert_eq(r.rc, 0, "exit %d: %s", r.rc, r.err);
	cr_expect(strncmp(r.out, "已收到 3组", strlen("已收到 3组")) == 0, "%s", r.out);
	cr_expect(strstr(r.out, "牲畜：牛12 猪40 羊5") != NULL, "printed \"%s\", not the reply to 牲畜", r.out);
	cr_expect(strstr(r.err, "skipped, queued before: to +86138****0001 (1 SMS, UCS-2): 已收到 1组") != NULL,
	    "%s", r.err);
	cr_expect(strstr(r.err, "skipped, queued before: to +86138****0003 (1 SMS, UCS-2): 已收到 3组") != NULL,
	    "%s", r.err);
	cr_expect(strstr(r.err, "道路：硬化100") != NULL, "%s", r.err);
	cr_expect_eq(occurrences(r.err, "queued before: to +86138****000"), 2, "%s", r.err);
	run_free(&r);
	cr_expect(tb_bridge_stop(&w), "the bridge did not exit cleanly");
}

/* Queues text for `to` in Kannel through smsbox's sendsms, as the bridge sends a reply (coding 0 or 2). */
static bool
kannel_queue(const struct world *w, const char *to, const char *text, int coding)
{
	char target[4096];
	struct tb_resp resp;
	size_t off;
	const unsigned char *p;

	off = (size_t)snprintf(target, sizeof target, "/cgi-bin/sendsms?username=cunbao&password=change-me"
	    "&to=%%2B%s&coding=%d&charset=UTF-8&text=", to + 1, coding);
	for (p = (const unsigned char *)text; *p && off + 4 < sizeof target; p++)
		off += (size_t)snprintf(target + off, sizeof target - off, "%%%02X", *p);
	return tb_http(w->sendsms_port, "GET", target, NULL, "", 0, &resp) && resp.status / 100 == 2;
}

/*
 * Concatenated SMS as fakesmsc prints them (a UDH, then the bytes with no
 * word of their coding): a GSM-7 one (Kannel's UTF-8, € and [ ] escaped in
 * the SMS) and a UCS-2 one of English text (what the bridge sent before
 * replies went as GSM-7), queued while no phone is connected, come out
 * whole and readable in cunbao-sms's notes of what it skipped.
 */
Test(cunbao_sms, queued_concatenated_sms_are_decoded, .timeout = 120)
{
	static const char gsm7[] = "A long reply in GSM-7 with € [brackets] ~ and é ü ΔΩ: "
	    "0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 "
	    "0123456789 0123456789 0123456789 0123456789 end.";
	struct world w;
	struct run r;

	world_up(&w, false);
	cr_assert(kannel_queue(&w, TB_LEADER3, gsm7, 0), "sendsms refused the GSM-7 text");
	cr_assert(kannel_queue(&w, TB_LEADER3, HELP_EN, 2), "sendsms refused the UCS-2 text");
	cr_assert(kannel_queue(&w, TB_LEADER3, LONG_REPLY, 2), "sendsms refused the Chinese text");
	sms(&w, NULL, "-v -t 2", TB_LEADER3, "牲畜 牛12", &r);
	cr_expect_eq(r.rc, 1, "exit %d (no bridge, no reply): %s", r.rc, r.err);
	cr_expect(strstr(r.err, "(3 SMS concatenated, UCS-2): " HELP_EN "\n") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "(2 SMS concatenated, UCS-2): " LONG_REPLY "\n") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "(2 SMS concatenated, GSM-7): ") != NULL && strstr(r.err, gsm7) != NULL,
	    "%s", r.err);
	cr_expect(strstr(r.err, "part 2 of 2") != NULL && strstr(r.err, "part 3 of 3") != NULL, "%s", r.err);
	run_free(&r);
}

Test(cunbao_sms, help_usage_and_exit_codes, .timeout = 60)
{
	struct run r;
	int port = h_free_port();	/* nothing listens there */
	struct world none = { .smsc_port = port };
	char want[128], cmd[600];

	snprintf(cmd, sizeof cmd, "'%s' --help", h_bin("tools/cunbao-sms/cunbao-sms"));
	r.out = h_run(cmd, &r.rc);
	cr_expect_eq(r.rc, 0);
	cr_assert_not_null(r.out);
	cr_expect(strstr(r.out, "Usage: cunbao-sms [OPTIONS] FROM TEXT") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "CUNBAO_SMSC_PORT") != NULL && strstr(r.out, "FAKESMSC") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "Exit status:") != NULL && strstr(r.out, "4  cannot connect") != NULL, "%s", r.out);
	free(r.out);

	sms(NULL, "FAKESMSC=/nonexistent/fakesmsc", "", TB_LEADER3, "x", &r);
	cr_expect_eq(r.rc, 3, "exit %d: %s", r.rc, r.err);
	cr_expect(strstr(r.err, "kannel-extras") != NULL, "%s", r.err);
	run_free(&r);

	sms(&none, NULL, "-t 5", TB_LEADER3, "x", &r);
	cr_expect_eq(r.rc, 4, "exit %d: %s", r.rc, r.err);
	snprintf(want, sizeof want, "cannot connect to the fake SMSC at 127.0.0.1:%d", port);
	cr_expect(strstr(r.err, want) != NULL, "%s", r.err);
	run_free(&r);

	sms(&none, NULL, "", "tg:700000003", "x", &r);
	cr_expect_eq(r.rc, 2, "exit %d: %s", r.rc, r.err);
	cr_expect(strstr(r.err, "is not a phone number") != NULL, "%s", r.err);
	run_free(&r);
	sms(&none, NULL, "--bogus", TB_LEADER3, "x", &r);
	cr_expect_eq(r.rc, 2, "exit %d: %s", r.rc, r.err);
	cr_expect(strstr(r.err, "unknown option --bogus") != NULL, "%s", r.err);
	run_free(&r);
	sms(&none, NULL, "-t soon", TB_LEADER3, "x", &r);
	cr_expect_eq(r.rc, 2, "exit %d: %s", r.rc, r.err);
	run_free(&r);
}
