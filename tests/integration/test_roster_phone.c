/*
 * test_roster_phone.c — phone numbers as clerks write them, everywhere
 * cunbaod takes one: the reporters.csv it loads, POST/PUT and CSV imports
 * of /v1/reporters, /v1/reporters/<id>, the reporter= and sender= filters
 * and an envelope's "from"; all come to E.164 with the configured
 * country code (country-code), while chat ids (tg:, wecom: with '@',
 * feishu:) stay as they are.
 */
#include "test_api.h"

#define FW_5 "\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90" \
	"\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90\xef\xbc\x95"	/* １３８００００００５, full width */

static const char reporters_csv[] =
    "id,name,area,role,lang\n"
    "13800000001,王建国,xinzhuang/hexi/g01,leader,zh\n"
    "138 0000 0002,李秀英,xinzhuang/hexi/g02,leader,zh\n"
    "+86 138-0000-0003,张志强,xinzhuang/hexi/g03,leader,zh\n"
    "008613800000004,刘桂兰,xinzhuang/hexi/g04,leader,zh\n"
    FW_5 ",陈国华,xinzhuang/hexi/g05,leader,zh\n"
    "tg:700000003,张志强,xinzhuang/hexi/g03,leader,zh\n"
    "wecom:zhang.san@corp,张三,xinzhuang/hexi/g06,leader,zh\n"
    "feishu:ou_0123456789abcdef0123456789abcdef,李四,xinzhuang/hexi/g07,leader,zh\n"
    "+8613800000010,周文书,xinzhuang/hexi,admin,zh\n";

/* Asserts GET path answers status and, when want is not NULL, a body holding it. */
static void
expect_get(struct api *a, const char *path, int status, const char *want)
{
	struct resp r = http_get(a->port, path, TOKEN_ADMIN);

	cr_expect_eq(r.status, status, "GET %s: %d %s", path, r.status, r.body);
	if (want != NULL)
		cr_expect(strstr(r.body, want) != NULL, "GET %s lacks %s: %s", path, want, r.body);
	resp_free(&r);
}

/* Sends a request with a body and asserts its status and a word of its answer. */
static void
expect_send(struct api *a, const char *method, const char *path, const char *type, const char *body,
    int status, const char *want)
{
	struct resp r = http_req(a->port, method, path, TOKEN_ADMIN, type, body);

	cr_expect_eq(r.status, status, "%s %s: %d %s", method, path, r.status, r.body);
	if (want != NULL)
		cr_expect(strstr(r.body, want) != NULL, "%s %s lacks %s: %s", method, path, want, r.body);
	resp_free(&r);
}

Test(roster_phone, every_form_of_a_number_is_one_reporter)
{
	struct api a = { 0 };
	char path[512];

	snprintf(path, sizeof path, "%s", h_path("reporters.csv"));
	cr_assert(h_write_file(path, reporters_csv));
	a.cbd.reporters = path;
	api_start(&a);

	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM reporters WHERE id IN ('+8613800000001',"
	    "'+8613800000002','+8613800000003','+8613800000004','+8613800000005')"), 5);
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM reporters WHERE id IN ('tg:700000003',"
	    "'wecom:zhang.san@corp','feishu:ou_0123456789abcdef0123456789abcdef')"), 3);
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM reporters WHERE id NOT LIKE '+86%' "
	    "AND id NOT LIKE '%:%'"), 0);

	/* A gateway that wrote no +86, and a WeCom user: both known, the journal says who in E.164. */
	api_sms(&a, "p:1", "13800000001", "牲畜 牛10 猪50 羊15", "accepted");
	api_sms(&a, "p:2", "wecom:zhang.san@corp", "牲畜 牛7 猪58 羊18", "accepted");
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM journal WHERE msg_id = 'p:1' "
	    "AND sender = '+8613800000001'"), 1);

	/* Filters and paths take any form of the number. */
	expect_get(&a, "/v1/reports?reporter=13800000001", 200, "\"reporter\":\"+8613800000001\"");
	expect_get(&a, "/v1/reports?reporter=wecom:zhang.san@corp", 200, "\"reporter\":\"wecom:zhang.san@corp\"");
	expect_get(&a, "/v1/journal?sender=008613800000001", 200, "\"id\":\"p:1\"");
	expect_get(&a, "/v1/reporters/138%200000%200002", 200, "\"id\":\"+8613800000002\"");
	expect_get(&a, "/v1/reporters/wecom:zhang.san@corp", 200, "\"name\":\"张三\"");

	/* POST, PUT and DELETE normalise too. */
	expect_send(&a, "POST", "/v1/reporters", "application/json",
	    "{\"id\":\"+86 138-0000-0009\",\"name\":\"新人\",\"area\":\"xinzhuang/hexi/g08\"}", 201,
	    "\"id\":\"+8613800000009\"");
	expect_send(&a, "POST", "/v1/reporters", "application/json",
	    "{\"id\":\"13800000009\",\"name\":\"又一个\",\"area\":\"xinzhuang/hexi/g08\"}", 409, "exists");
	expect_send(&a, "PUT", "/v1/reporters/13800000009", "application/json",
	    "{\"id\":\"138 0000 0009\",\"name\":\"新人二\"}", 200, "\"name\":\"新人二\"");
	expect_send(&a, "POST", "/v1/reporters/import", "text/csv",
	    "id,name,area,role,lang\n0086 138 0000 0011,十一,xinzhuang/hexi/g08,leader,zh\n"
	    "dingtalk:manager4567,钉钉,xinzhuang/hexi/g08,leader,zh\n", 200, "\"added\":2");
	expect_get(&a, "/v1/reporters/%2B8613800000011", 200, "\"name\":\"十一\"");
	expect_get(&a, "/v1/reporters/dingtalk:manager4567", 200, "\"name\":\"钉钉\"");
	expect_send(&a, "DELETE", "/v1/reporters/138-0000-0011", NULL, NULL, 200, "\"deleted\":\"+8613800000011\"");

	/* What is no id is refused, saying why. */
	expect_send(&a, "POST", "/v1/reporters", "application/json",
	    "{\"id\":\"wecom:0123456789012345678901234567890123456789012345678901234567890\","
	    "\"name\":\"长\",\"area\":\"xinzhuang/hexi/g08\"}", 400, "more than the 64");
	expect_send(&a, "POST", "/v1/reporters", "application/json",
	    "{\"id\":\"10086\",\"name\":\"短号\",\"area\":\"xinzhuang/hexi/g08\"}", 400, "phone number");
	api_stop(&a);
}

/* Runs cunbaoctl with args against a's API as admin; returns its output (free it) and exit code. */
static char *
ctl(struct api *a, const char *args, int *rc)
{
	char cmd[2048];

	snprintf(cmd, sizeof cmd, "CUNBAO_TOKEN='%s' '%s' %s --url %s 2>&1", TOKEN_ADMIN,
	    h_bin("tools/cunbaoctl/cunbaoctl"), args, a->url);
	char *out = h_run(cmd, rc);
	cr_assert_not_null(out, "cannot run %s", cmd);
	return out;
}

/* cunbaoctl reporters takes the chat platforms' ids, '@' included, and any form of a number. */
Test(roster_phone, cunbaoctl_reporters_take_chat_ids_and_numbers)
{
	static const struct {
		const char *args, *want;
		int rc;
	} steps[] = {
		{ "reporters add wecom:li.si@corp 李四 xinzhuang/hexi/g02", "wecom:li.si@corp", 0 },
		{ "reporters get wecom:li.si@corp", "李四", 0 },
		{ "reporters add feishu:ou_00112233445566778899aabbccddeeff 飞书 xinzhuang/hexi/g02", "飞书", 0 },
		{ "reporters add wechat:oAbC-12345678901234567890_x 微信 xinzhuang/hexi/g02", "微信", 0 },
		{ "reporters add --wide '138 0000 0012' 十二 xinzhuang/hexi/g02", "+8613800000012", 0 },
		{ "reporters get 13800000012", "十二", 0 },
		{ "reporters remove wecom:li.si@corp", "removed", 0 },
		{ "reporters add wecom:0123456789012345678901234567890123456789012345678901234567890 长 "
		  "xinzhuang/hexi/g02", "more than the 64", 2 },
	};
	struct api a = { 0 };
	int rc;

	api_start(&a);
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		char *out = ctl(&a, steps[i].args, &rc);

		cr_expect_eq(rc, steps[i].rc, "cunbaoctl %s: exit %d:\n%s", steps[i].args, rc, out);
		cr_expect(strstr(out, steps[i].want) != NULL, "cunbaoctl %s lacks %s:\n%s", steps[i].args,
		    steps[i].want, out);
		free(out);
	}
	api_stop(&a);
}

Test(roster_phone, the_country_code_is_configurable)
{
	struct api a = { 0 };
	char path[512];
	const char *more[] = { "--country-code", "49", NULL };

	snprintf(path, sizeof path, "%s", h_path("reporters.csv"));
	cr_assert(h_write_file(path, "id,name,area,role,lang\n015112345678,Anna,xinzhuang/hexi/g01,leader,en\n"));
	a.cbd.reporters = path;
	api_start_more(&a, NULL, "0", NULL, more);
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM reporters WHERE id = '+4915112345678'"), 1);
	expect_send(&a, "POST", "/v1/reporters", "application/json",
	    "{\"id\":\"0151 1234 5679\",\"name\":\"Ben\",\"area\":\"xinzhuang/hexi/g02\"}", 201,
	    "\"id\":\"+4915112345679\"");
	api_stop(&a);
}
