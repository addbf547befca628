/*
 * test_roster_journal.c — a rejection keeps the sender's offending text:
 * the journal row's detail, GET /v1/journal and `cunbaoctl journal` name
 * the word that is no field (鸡) and the value out of range (99999999),
 * not just the error code (docs/api.md, GET /v1/journal).
 */
#include "test_api.h"

/* The detail of the journal row of message id (malloc'd; "" when NULL). */
static char *
journal_detail(struct api *a, const char *id)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT coalesce(detail, '') FROM journal WHERE msg_id = '%s'", id);
	return db_dump(a->cbd.db, sql);
}

Test(roster_journal, a_rejection_keeps_the_offending_text)
{
	struct api a = { 0 };
	char *d, cmd[1024];
	int rc;

	api_start(&a);
	api_sms(&a, "j:1", "+8613800000003", "牲畜 牛12 鸡5", "rejected");
	api_sms(&a, "j:2", "+8613800000003", "牲畜 牛99999999", "rejected");

	d = journal_detail(&a, "j:1");
	cr_expect(strstr(d, "鸡") != NULL, "detail of an unknown field: \"%s\"", d);
	free(d);
	d = journal_detail(&a, "j:2");
	cr_expect(strstr(d, "99999999") != NULL, "detail of a value out of range: \"%s\"", d);
	free(d);

	struct resp r = http_get(a.port, "/v1/journal?status=rejected", TOKEN_READ);
	cr_expect_eq(r.status, 200);
	cr_expect(strstr(r.body, "\"error\":\"unknown_field\",\"detail\":\"鸡") != NULL, "%s", r.body);
	resp_free(&r);

	snprintf(cmd, sizeof cmd, "CUNBAO_TOKEN='%s' '%s' journal --status rejected --url %s 2>&1",
	    TOKEN_READ, h_bin("tools/cunbaoctl/cunbaoctl"), a.url);
	char *out = h_run(cmd, &rc);
	cr_assert_not_null(out);
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect(strstr(out, "unknown_field: 鸡") != NULL, "cunbaoctl journal:\n%s", out);
	cr_expect(strstr(out, "99999999") != NULL, "cunbaoctl journal:\n%s", out);
	free(out);
	api_stop(&a);
}
