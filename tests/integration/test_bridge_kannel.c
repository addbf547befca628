/*
 * test_bridge_kannel.c — SMS end to end with the real Kannel from Debian:
 * a phone played by fakesmsc (through tools/cunbao-sms) -> bearerbox's fake
 * SMSC -> smsbox's get-url -> cunbao-bridge -> mosquitto -> cunbaod -> the
 * receipt -> the bridge -> Kannel's sendsms -> the phone.  Chinese text sent
 * as UCS-2 and as UTF-8 (with full-width digits), with mo-recode off (the
 * bridge gets UTF-16BE) and on (it gets UTF-8), reaches cunbaod intact and
 * the reply comes back in Chinese; an unknown number gets the polite
 * refusal and a bad format the error reply.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test_bridge.h"

#define REPORT_FW "牲畜 牛１２ 猪40 羊5"	/* full-width digits */
#define ECHO "牲畜：牛12 猪40 羊5"

static void
world_up(struct world *w, bool mo_recode)
{
	memset(w, 0, sizeof *w);
	cr_assert(h_broker_start(&w->broker), "mosquitto did not start");
	cr_assert(tb_cunbaod(w), "cunbaod did not start");
	cr_assert(tb_kannel(w, mo_recode), "Kannel did not start");
	cr_assert(tb_bridge(w), "the bridge did not start");
}

static void
world_dump(struct world *w)
{
	h_dump_log(w->bridge);
	h_dump_log(w->smsbox);
	h_dump_log(w->cunbaod);
}

/* The journal row of the envelope from `from`: its payload holds text exactly once, intact. */
static long
journal_has(const char *from, const char *text)
{
	char sql[512];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM journal WHERE sender = '%s' AND channel = 'sms'"
	    " AND instr(CAST(payload AS TEXT), '\"text\":\"%s\"') > 0", from, text);
	return tb_sql(h_path("cunbao.db"), sql);
}

/* Sends text from `from` and checks the reply starts with want_start and holds want_part. */
static void
exchange(struct world *w, const char *from, const char *text, bool ucs2, const char *want_start,
    const char *want_part)
{
	char *reply = tb_sms(w, from, text, ucs2);

	if (reply == NULL)
		world_dump(w);
	cr_assert_not_null(reply, "no reply to %s \"%s\"", from, text);
	cr_expect(strncmp(reply, want_start, strlen(want_start)) == 0, "reply \"%s\" to \"%s\"", reply, text);
	cr_expect(want_part == NULL || strstr(reply, want_part) != NULL, "reply \"%s\" to \"%s\"", reply, text);
	free(reply);
}

static void
ucs2_and_utf8(bool mo_recode)
{
	struct world w;

	world_up(&w, mo_recode);
	exchange(&w, TB_LEADER3, REPORT_FW, true, "已收到 3组", ECHO);
	exchange(&w, "+8613800000001", REPORT_FW, false, "已收到 1组", ECHO);
	/* A national number, as an operator may pass it: normalised to the roster's E.164. */
	exchange(&w, "13800000002", "道路 硬化１０２０米", true, "已收到 2组", "1020");
	cr_expect_eq(journal_has(TB_LEADER3, REPORT_FW), 1);
	cr_expect_eq(journal_has("+8613800000001", REPORT_FW), 1);
	cr_expect_eq(journal_has("+8613800000002", "道路 硬化１０２０米"), 1);
	cr_expect(tb_health_wait(&w, "replies_sent", 3, 10000));
	cr_expect_eq(tb_health(&w, "inbound_waiting"), 0);
	cr_expect(tb_bridge_stop(&w), "the bridge did not exit cleanly");
}

Test(bridge_kannel, ucs2_and_utf8_with_mo_recode_off, .timeout = 120)
{
	ucs2_and_utf8(false);
}

Test(bridge_kannel, ucs2_and_utf8_with_mo_recode_on, .timeout = 120)
{
	ucs2_and_utf8(true);
}

Test(bridge_kannel, unknown_number_and_bad_format, .timeout = 120)
{
	struct world w;

	world_up(&w, false);
	exchange(&w, "+8613900000000", "牲畜 牛12", true, "您好，本号码未登记，不能报数。请联系村委会登记。", NULL);
	exchange(&w, TB_LEADER3, "养殖 牛12", true, "不认识“养殖”", "发“帮助”看格式");
	exchange(&w, TB_LEADER3, "牲畜 牛abc", false, "“abc”不是数字", "例：牲畜 牛12 猪40 羊5");
	cr_expect_eq(tb_sql(h_path("cunbao.db"), "SELECT count(*) FROM journal WHERE status = 'rejected'"), 3);
	cr_expect(tb_bridge_stop(&w), "the bridge did not exit cleanly");
}

Test(bridge_kannel, our_own_number_is_never_answered, .timeout = 120)
{
	struct world w;
	char *reply;

	world_up(&w, false);
	/* Our sender number writing to us (a loop through an auto-reply) is journaled, not answered. */
	reply = tb_sms_wait(&w, TB_SMS_FROM, "牲畜 牛12", false, 3);
	cr_expect_null(reply, "answered our own number: %s", reply ? reply : "");
	free(reply);
	cr_expect(tb_health_wait(&w, "replies_muted", 1, 10000));
	cr_expect_eq(tb_sql(h_path("cunbao.db"), "SELECT count(*) FROM journal"), 1);
	exchange(&w, TB_LEADER3, "牲畜 牛12 猪40 羊5", false, "已收到 3组", ECHO);
	cr_expect(tb_bridge_stop(&w), "the bridge did not exit cleanly");
}
