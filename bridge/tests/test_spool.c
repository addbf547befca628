/*
 * test_spool.c — the bridge's spool on a real SQLite file: inbound rows
 * (new, duplicate, due, rushed, published, done), replies queued once per
 * id whatever the number of receipts, leases, retries, closing, purging,
 * counts, and everything still there after the file is reopened.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"

static char path[64];
static struct spool *sp;

static void
setup(void)
{
	char err[256];

	snprintf(path, sizeof path, "/tmp/cunbao-spool-test-XXXXXX");
	cr_assert_neq(mkstemp(path), -1);
	sp = spool_open(path, err, sizeof err);
	cr_assert_not_null(sp, "%s", err);
}

static void
teardown(void)
{
	char aux[80];

	spool_free(sp);
	unlink(path);
	snprintf(aux, sizeof aux, "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof aux, "%s-shm", path);
	unlink(aux);
}

TestSuite(spool, .init = setup, .fini = teardown);

static enum spool_rc
put(const char *id, const char *mute, int64_t now)
{
	char payload[128];
	struct spool_new n = { id, "kannel", "sms", "+8613800000003", payload, 0, mute, "" };

	n.len = (size_t)snprintf(payload, sizeof payload, "{\"id\":\"%s\"}", id);
	return spool_inbound_put(sp, &n, now);
}

static struct spool_reply
reply(const char *id, const char *text)
{
	struct spool_reply r;

	memset(&r, 0, sizeof r);
	snprintf(r.id, sizeof r.id, "%s", id);
	snprintf(r.module, sizeof r.module, "kannel");
	snprintf(r.to, sizeof r.to, "+8613800000003");
	snprintf(r.text, sizeof r.text, "%s", text);
	return r;
}

Test(spool, inbound_once_and_due_until_receipted)
{
	struct spool_in rows[8];
	struct spool_origin o;
	int n;

	cr_expect_eq(put("kannel:1", "", 1000), SPOOL_OK);
	cr_expect_eq(put("kannel:1", "", 1001), SPOOL_DUP);
	cr_expect_eq(put("kannel:2", "same text repeated", 1002), SPOOL_OK);
	cr_expect_eq(spool_inbound_get(sp, "kannel:9", &o), SPOOL_NONE);
	cr_assert_eq(spool_inbound_get(sp, "kannel:2", &o), SPOOL_OK);
	cr_expect_str_eq(o.module, "kannel");
	cr_expect_str_eq(o.channel, "sms");
	cr_expect_str_eq(o.mute, "same text repeated");
	cr_expect(!o.done);

	n = spool_inbound_due(sp, 1002, rows, 8);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(rows[0].id, "kannel:1");
	cr_expect_str_eq(rows[0].payload, "{\"id\":\"kannel:1\"}");
	cr_expect_eq(rows[0].len, strlen(rows[0].payload));
	spool_in_clear(rows, n);

	cr_assert(spool_inbound_published(sp, "kannel:1", 5000));
	n = spool_inbound_due(sp, 2000, rows, 8);
	cr_expect_eq(n, 1, "kannel:1 is not due before 5000");
	spool_in_clear(rows, n);
	cr_assert(spool_inbound_rush(sp, 2000));
	n = spool_inbound_due(sp, 2000, rows, 8);
	cr_expect_eq(n, 2, "a rush makes everything due");
	cr_expect_eq(rows[0].publishes + rows[1].publishes, 1);
	spool_in_clear(rows, n);

	cr_expect_eq(spool_receipt(sp, "kannel:1", NULL, REPLY_PENDING, NULL, 3000), SPOOL_DUP);
	n = spool_inbound_due(sp, 9000, rows, 8);
	cr_expect_eq(n, 1);
	spool_in_clear(rows, n);
	cr_assert_eq(spool_inbound_get(sp, "kannel:1", &o), SPOOL_OK);
	cr_expect(o.done);
}

Test(spool, one_reply_per_id_whatever_the_receipts)
{
	struct spool_reply r = reply("kannel:1", "已收到"), rows[4];
	struct spool_counts c;

	cr_assert_eq(put("kannel:1", "", 1000), SPOOL_OK);
	cr_expect_eq(spool_receipt(sp, "kannel:1", &r, REPLY_PENDING, "", 2000), SPOOL_OK);
	cr_expect_eq(spool_receipt(sp, "kannel:1", &r, REPLY_PENDING, "", 2001), SPOOL_DUP);
	cr_expect_eq(spool_reply_put(sp, &r, REPLY_PENDING, "", 2002), SPOOL_DUP);
	cr_assert_eq(spool_reply_due(sp, 2000, rows, 4), 1);
	cr_expect_str_eq(rows[0].text, "已收到");
	cr_expect_eq(rows[0].attempts, 0);
	cr_expect_eq(rows[0].created, 2000);
	cr_assert(spool_counts(sp, &c));
	cr_expect_eq(c.inbound[0], 0);
	cr_expect_eq(c.inbound[1], 1);
	cr_expect_eq(c.reply[REPLY_PENDING], 1);
}

Test(spool, lease_retry_close)
{
	struct spool_reply r = reply("remind:1", "请报"), rows[4];
	struct spool_counts c;

	cr_assert_eq(spool_reply_put(sp, &r, REPLY_PENDING, "", 1000), SPOOL_OK);
	cr_assert(spool_reply_lease(sp, "remind:1", 5000));
	cr_expect_eq(spool_reply_due(sp, 4999, rows, 4), 0, "leased rows are not due");
	cr_assert_eq(spool_reply_due(sp, 5000, rows, 4), 1);
	cr_expect_eq(rows[0].attempts, 1);
	cr_assert(spool_reply_retry(sp, "remind:1", 7000, "sendsms: HTTP 503"));
	cr_expect_eq(spool_reply_due(sp, 6999, rows, 4), 0);
	cr_assert_eq(spool_reply_close(sp, "remind:1", REPLY_SENT, "", 7100), SPOOL_OK);
	cr_expect_eq(spool_reply_due(sp, 99999, rows, 4), 0);
	/* A closed reply stays closed: a late retry or close changes nothing. */
	cr_assert(spool_reply_retry(sp, "remind:1", 8000, "late"));
	cr_expect_eq(spool_reply_close(sp, "remind:1", REPLY_FAILED, "late", 8000), SPOOL_NONE);
	cr_expect_eq(spool_reply_close(sp, "nobody", REPLY_SENT, "", 8000), SPOOL_NONE);
	cr_assert(spool_counts(sp, &c));
	cr_expect_eq(c.reply[REPLY_SENT], 1);
	cr_expect_eq(c.reply[REPLY_FAILED], 0);
}

Test(spool, muted_and_failed_replies_are_not_due)
{
	struct spool_reply a = reply("a", "x"), b = reply("b", "y"), rows[4];
	struct spool_counts c;

	cr_assert_eq(put("a", "own number", 1000), SPOOL_OK);
	cr_expect_eq(spool_receipt(sp, "a", &a, REPLY_MUTED, "own number", 2000), SPOOL_OK);
	cr_expect_eq(spool_reply_put(sp, &b, REPLY_FAILED, "no channel", 2000), SPOOL_OK);
	cr_expect_eq(spool_reply_due(sp, 99999, rows, 4), 0);
	cr_assert(spool_counts(sp, &c));
	cr_expect_eq(c.reply[REPLY_MUTED], 1);
	cr_expect_eq(c.reply[REPLY_FAILED], 1);
}

Test(spool, purge_keeps_what_is_open_and_what_failed)
{
	struct spool_reply s = reply("s", "x"), f = reply("f", "y"), p = reply("p", "z");
	struct spool_counts c;

	cr_assert_eq(put("done", "", 1000), SPOOL_OK);
	cr_assert_eq(put("open", "", 1000), SPOOL_OK);
	cr_assert_eq(spool_receipt(sp, "done", &s, REPLY_PENDING, "", 2000), SPOOL_OK);
	cr_assert_eq(spool_reply_close(sp, "s", REPLY_SENT, "", 2000), SPOOL_OK);
	cr_assert_eq(spool_reply_put(sp, &f, REPLY_PENDING, "", 2000), SPOOL_OK);
	cr_assert_eq(spool_reply_close(sp, "f", REPLY_FAILED, "given up", 2000), SPOOL_OK);
	cr_assert_eq(spool_reply_put(sp, &p, REPLY_PENDING, "", 2000), SPOOL_OK);
	cr_expect_eq(spool_purge(sp, 2000), 0, "nothing closed before 2000");
	cr_expect_eq(spool_purge(sp, 3000), 2, "the done inbound row and the sent reply");
	cr_assert(spool_counts(sp, &c));
	cr_expect_eq(c.inbound[0], 1);
	cr_expect_eq(c.inbound[1], 0);
	cr_expect_eq(c.reply[REPLY_FAILED], 1);
	cr_expect_eq(c.reply[REPLY_PENDING], 1);
	/* After a purge the id is forgotten: a very late gateway retry would be new. */
	cr_expect_eq(put("done", "", 4000), SPOOL_OK);
}

Test(spool, survives_reopening)
{
	struct spool_reply r = reply("kannel:1", "已收到"), rows[2];
	struct spool_in in[2];
	char err[256];

	cr_assert_eq(put("kannel:1", "", 1000), SPOOL_OK);
	cr_assert_eq(put("kannel:2", "", 1000), SPOOL_OK);
	cr_assert_eq(spool_receipt(sp, "kannel:1", &r, REPLY_PENDING, "", 2000), SPOOL_OK);
	spool_free(sp);
	sp = spool_open(path, err, sizeof err);
	cr_assert_not_null(sp, "%s", err);
	cr_expect_eq(put("kannel:2", "", 3000), SPOOL_DUP);
	cr_assert_eq(spool_inbound_due(sp, 3000, in, 2), 1);
	cr_expect_str_eq(in[0].id, "kannel:2");
	spool_in_clear(in, 1);
	cr_assert_eq(spool_reply_due(sp, 3000, rows, 2), 1);
	cr_expect_str_eq(rows[0].id, "kannel:1");
}

Test(spool, refuses_what_it_cannot_open)
{
	char err[256] = "";

	cr_expect_null(spool_open("/nonexistent-dir/x/spool.db", err, sizeof err));
	cr_expect(strstr(err, "/nonexistent-dir/x/spool.db") != NULL, "%s", err);
	spool_free(NULL);
}

/* A chat message's reply context is kept with it, and with its reply; a long module name fits. */
Test(spool, chat_context_and_module)
{
	static struct spool_reply r, due[4];
	struct spool_new n = { "wechat:6054768590064713728", "dingtalk:township-2024", "wechat",
		"wechat:oyORnuP8q7ou2gfYjqLzSIWZf0rs", "{}", 2, "", "gh_10f6c3c3ac5a" };
	struct spool_origin o;

	cr_assert_eq(spool_inbound_put(sp, &n, 1000), SPOOL_OK);
	cr_assert_eq(spool_inbound_get(sp, n.id, &o), SPOOL_OK);
	cr_expect_str_eq(o.module, "dingtalk:township-2024");
	cr_expect_str_eq(o.ctx, "gh_10f6c3c3ac5a");
	memset(&r, 0, sizeof r);
	snprintf(r.id, sizeof r.id, "%s", n.id);
	snprintf(r.module, sizeof r.module, "%s", o.module);
	snprintf(r.to, sizeof r.to, "%s", n.sender);
	snprintf(r.text, sizeof r.text, "收到");
	snprintf(r.ctx, sizeof r.ctx, "%s", o.ctx);
	cr_assert_eq(spool_receipt(sp, n.id, &r, REPLY_PENDING, "", 2000), SPOOL_OK);
	cr_assert_eq(spool_reply_due(sp, 2000, due, 4), 1);
	cr_expect_str_eq(due[0].ctx, "gh_10f6c3c3ac5a");
	cr_expect_str_eq(due[0].module, "dingtalk:township-2024");
}

/* A refused token takes back the attempt its lease counted. */
Test(spool, unlease_takes_the_attempt_back)
{
	static struct spool_reply r, due[4];

	memset(&r, 0, sizeof r);
	snprintf(r.id, sizeof r.id, "wecom:1");
	snprintf(r.module, sizeof r.module, "wecom:hexi");
	snprintf(r.to, sizeof r.to, "wecom:zhangsan");
	snprintf(r.text, sizeof r.text, "x");
	cr_assert_eq(spool_reply_put(sp, &r, REPLY_PENDING, "", 1000), SPOOL_OK);
	cr_assert(spool_reply_lease(sp, r.id, 5000));
	cr_assert_eq(spool_reply_due(sp, 1000, due, 4), 0);
	cr_assert(spool_reply_unlease(sp, r.id, 1000, "token refused"));
	cr_assert_eq(spool_reply_due(sp, 1000, due, 4), 1);
	cr_expect_eq(due[0].attempts, 0);
}

/* A version 1 spool (before the ctx columns) is migrated in place, its rows kept. */
Test(spool, migrates_version_1)
{
	static char cmd[2048];
	char err[256];
	struct spool_origin o;

	spool_free(sp);
	sp = NULL;
	unlink(path);
	snprintf(cmd, sizeof cmd, "sqlite3 '%s' \"CREATE TABLE inbound (id TEXT PRIMARY KEY, module TEXT NOT NULL,"
	    " channel TEXT NOT NULL, sender TEXT NOT NULL, payload TEXT NOT NULL, mute TEXT NOT NULL DEFAULT '',"
	    " state INTEGER NOT NULL DEFAULT 0, publishes INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
	    " created_at INTEGER NOT NULL, done_at INTEGER); CREATE TABLE reply (id TEXT PRIMARY KEY,"
	    " module TEXT NOT NULL, recipient TEXT NOT NULL, text TEXT NOT NULL, state INTEGER NOT NULL DEFAULT 0,"
	    " attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, created_at INTEGER NOT NULL,"
	    " closed_at INTEGER, note TEXT NOT NULL DEFAULT ''); INSERT INTO inbound(id, module, channel, sender,"
	    " payload, next_at, created_at) VALUES('kannel:1', 'kannel', 'sms', '+8613800000003', '{}', 0, 0);"
	    " PRAGMA user_version = 1;\"", path);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	sp = spool_open(path, err, sizeof err);
	cr_assert_not_null(sp, "%s", err);
	cr_assert_eq(spool_inbound_get(sp, "kannel:1", &o), SPOOL_OK);
	cr_expect_str_eq(o.ctx, "");
	spool_free(sp);
	sp = spool_open(path, err, sizeof err);	/* and opens again as version 2 */
	cr_assert_not_null(sp, "%s", err);
}
