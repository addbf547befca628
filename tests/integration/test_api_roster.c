/*
 * test_api_roster.c — the roster through the admin API against a real
 * cunbaod: areas and reporters added, changed and removed with the right
 * statuses, every change journaled under the token's name, cunbaod taking
 * the new roster at once (a new leader's SMS is accepted, a removed one's
 * refused), and CSV imports that change all or nothing.
 */
#include "test_api.h"

/* A request that must answer status; returns the parsed body (cJSON_Delete it). */
static cJSON *
call(struct api *a, const char *method, const char *path, const char *body, int status)
{
	struct resp r = http_req(a->port, method, path, TOKEN_ADMIN,
	    body && body[0] == '{' ? "application/json" : "text/csv", body);
	cJSON *j;

	cr_expect_eq(r.status, status, "%s %s %s: %d %s", method, path, body ? body : "", r.status, r.body);
	j = cJSON_Parse(r.body);
	resp_free(&r);
	return j;
}

static void
call_ok(struct api *a, const char *method, const char *path, const char *body, int status)
{
	cJSON_Delete(call(a, method, path, body, status));
}

/* The string member key of j, "" if none. */
static const char *
str(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(j, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Number of items of a list resource. */
static int
count(struct api *a, const char *path)
{
	cJSON *j = get_json(a, path);
	int n = cJSON_GetArraySize(cJSON_GetObjectItem(j, "items"));

	cJSON_Delete(j);
	return n;
}

Test(api_roster, areas_add_change_remove)
{
	struct api a = { 0 };
	cJSON *j;

	api_start(&a);
	j = call(&a, "POST", "/v1/areas", "{\"path\":\"xinzhuang/hexi/g09\",\"name\":\"九组\",\"expected\":true}", 201);
	cr_expect_str_eq(str(j, "parent"), "xinzhuang/hexi");
	cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "expected")));
	cJSON_Delete(j);
	call_ok(&a, "POST", "/v1/areas", "{\"path\":\"xinzhuang/hexi/g09\",\"name\":\"九组\"}", 409);
	call_ok(&a, "POST", "/v1/areas", "{\"path\":\"Xinzhuang\",\"name\":\"x\"}", 400);
	call_ok(&a, "POST", "/v1/areas", "{\"path\":\"a/b/c/d/e/f\",\"name\":\"x\"}", 400);
	call_ok(&a, "POST", "/v1/areas", "{\"path\":\"xinzhuang/hexi/g10\"}", 400);
	call_ok(&a, "POST", "/v1/areas", "{\"path\":\"xinzhuang/hexi/g10\",\"name\":\"\"}", 400);
	call_ok(&a, "POST", "/v1/areas", "{\"path\":\"xinzhuang/hexi/g10\",\"name\":7}", 400);
	call_ok(&a, "POST", "/v1/areas", "{\"path\":\"xinzhuang/hexi/g10\",\"name\":\"十\",\"expected\":\"yes\"}", 400);
	call_ok(&a, "POST", "/v1/areas", "{\"path\":\"xinzhuang/hedong/g01\",\"name\":\"一组\"}", 400);

	j = call(&a, "PUT", "/v1/areas/xinzhuang/hexi/g09", "{\"name\":\"第九组\"}", 200);
	cr_expect_str_eq(str(j, "name"), "第九组");
	cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "expected")), "expected kept");
	cJSON_Delete(j);
	call_ok(&a, "PUT", "/v1/areas/xinzhuang/hexi/g10", "{\"name\":\"十组\"}", 404);
	j = get_json(&a, "/v1/areas/xinzhuang/hexi/g09");
	cr_expect_str_eq(str(j, "name"), "第九组");
	cJSON_Delete(j);
	cr_expect_eq(count(&a, "/v1/areas?area=xinzhuang/hexi"), 10, "the village and 9 groups");
	cr_expect_eq(count(&a, "/v1/areas?area=xinzhuang/hexi&limit=4"), 4);

	/* Completeness counts the new group at once. */
	j = get_json(&a, "/v1/completeness?area=xinzhuang/hexi&kind=livestock&period=2023-12");
	cr_expect_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "items"), 0),
	    "expected")->valueint, 9);
	cJSON_Delete(j);

	call_ok(&a, "DELETE", "/v1/areas/xinzhuang/hexi", NULL, 409);	/* groups under it */
	call_ok(&a, "DELETE", "/v1/areas/xinzhuang/hexi/g01", NULL, 409);	/* its leader */
	call_ok(&a, "DELETE", "/v1/areas/xinzhuang/hexi/g10", NULL, 404);
	call_ok(&a, "DELETE", "/v1/areas/xinzhuang/hexi/g09", NULL, 200);
	expect_error(&a, "GET", "/v1/areas/xinzhuang/hexi/g09", TOKEN_READ, NULL, 404, "no area");

	/* Journaled: who, when, what. */
	j = get_json(&a, "/v1/changes");
	const cJSON *it;
	int mine = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "items"))
		if (strcmp(str(it, "who"), "chief") == 0) {
			mine++;
			cr_expect(strstr(str(it, "what"), "xinzhuang/hexi/g09") != NULL, "%s", str(it, "what"));
			cr_expect(str(it, "at")[0] == '2', "%s", str(it, "at"));
		}
	cr_expect_eq(mine, 3, "add, change, delete");
	cJSON_Delete(j);
	expect_error(&a, "GET", "/v1/changes?since=never", TOKEN_READ, NULL, 400, "since=");
	api_stop(&a);
}

Test(api_roster, reporters_take_effect_at_once)
{
	struct api a = { 0 };
	cJSON *j, *r;

	api_start(&a);
	api_sms(&a, "n:1", "+8613800000009", "牲畜 牛3", "rejected");
	call_ok(&a, "POST", "/v1/areas", "{\"path\":\"xinzhuang/hexi/g09\",\"name\":\"九组\",\"expected\":true}", 201);
	j = call(&a, "POST", "/v1/reporters",
	    "{\"id\":\"+8613800000009\",\"name\":\"钱九\",\"area\":\"xinzhuang/hexi/g09\"}", 201);
	cr_expect_str_eq(str(j, "role"), "leader");
	cr_expect_str_eq(str(j, "lang"), "zh");
	cJSON_Delete(j);
	api_sms(&a, "n:2", "+8613800000009", "牲畜 牛3", "accepted");

	/* English replies from the next message on. */
	j = call(&a, "PUT", "/v1/reporters/%2B8613800000009", "{\"lang\":\"en\"}", 200);
	cr_expect_str_eq(str(j, "name"), "钱九");
	cr_expect_str_eq(str(j, "lang"), "en");
	cJSON_Delete(j);
	cr_assert(cbd_sms_at(&a.cbd, "n:3", "+8613800000009", "更正 牲畜 牛4", DEC5));
	r = cbd_receipt(&a.cbd, "n:3");
	cr_assert_not_null(r);
	cr_expect(strstr(rc_str(r, "text"), "cattle") != NULL, "reply not in English: %s", rc_str(r, "text"));
	cJSON_Delete(r);

	call_ok(&a, "POST", "/v1/reporters", "{\"id\":\"+8613800000009\",\"name\":\"x\",\"area\":\"xinzhuang/hexi/g09\"}", 409);
	/* 8613800000009 is the same number (the roster normalises to E.164); 10086 is no reporter. */
	call_ok(&a, "POST", "/v1/reporters", "{\"id\":\"8613800000009\",\"name\":\"x\",\"area\":\"xinzhuang/hexi/g09\"}", 409);
	call_ok(&a, "POST", "/v1/reporters", "{\"id\":\"10086\",\"name\":\"x\",\"area\":\"xinzhuang/hexi/g09\"}", 400);
	call_ok(&a, "POST", "/v1/reporters", "{\"id\":\"tg:77\",\"name\":\"x\",\"area\":\"xinzhuang/none\"}", 400);
	call_ok(&a, "POST", "/v1/reporters", "{\"id\":\"tg:77\",\"name\":\"x\",\"area\":\"xinzhuang/hexi\",\"role\":\"boss\"}", 400);
	call_ok(&a, "POST", "/v1/reporters", "{\"id\":\"tg:77\",\"name\":\"x\",\"area\":\"xinzhuang/hexi\",\"lang\":\"fr\"}", 400);
	call_ok(&a, "POST", "/v1/reporters", "{\"id\":\"tg:77\",\"area\":\"xinzhuang/hexi\"}", 400);
	call_ok(&a, "PUT", "/v1/reporters/%2B8613800000009", "{\"id\":\"+8613800000010\"}", 400);
	call_ok(&a, "PUT", "/v1/reporters/tg:404", "{\"name\":\"x\"}", 404);
	j = call(&a, "POST", "/v1/reporters",
	    "{\"id\":\"tg:77\",\"name\":\"周书记\",\"area\":\"xinzhuang/hexi\",\"role\":\"admin\"}", 201);
	cJSON_Delete(j);
	cr_expect_eq(count(&a, "/v1/reporters?area=xinzhuang/hexi&role=admin"), 2);
	cr_expect_eq(count(&a, "/v1/reporters?area=xinzhuang/hexi/g09"), 1);
	expect_error(&a, "GET", "/v1/reporters?role=boss", TOKEN_READ, NULL, 400, "role=");

	call_ok(&a, "DELETE", "/v1/reporters/%2B8613800000009", NULL, 200);
	call_ok(&a, "DELETE", "/v1/reporters/%2B8613800000009", NULL, 404);
	api_sms(&a, "n:4", "+8613800000009", "牲畜 牛5", "rejected");
	/* Its reports stay, and so does the area that has them. */
	call_ok(&a, "DELETE", "/v1/areas/xinzhuang/hexi/g09", NULL, 409);
	cr_expect_eq(count(&a, "/v1/reports?area=xinzhuang/hexi/g09"), 2);
	api_stop(&a);
}

Test(api_roster, imports_change_all_or_nothing)
{
	struct api a = { 0 };
	cJSON *j;

	api_start(&a);
	/* Children before parents in the file: parents are written first. */
	j = call(&a, "POST", "/v1/areas/import", "path,name,expected\n"
	    "xinzhuang/hedong/g01,一组,1\nxinzhuang/hedong/g02,\"二组, 东\",1\nxinzhuang/hedong,河东村,0\n"
	    "xinzhuang/hexi/g01,一组,1\n", 200);
	cr_expect_eq(cJSON_GetObjectItem(j, "added")->valueint, 3);
	cr_expect_eq(cJSON_GetObjectItem(j, "unchanged")->valueint, 1);
	cJSON_Delete(j);
	j = get_json(&a, "/v1/areas/xinzhuang/hedong/g02");
	cr_expect_str_eq(str(j, "name"), "二组, 东");
	cJSON_Delete(j);

	const char *good = "\xEF\xBB\xBFid,name,area,role,lang\r\n"
	    "+8613900000001,赵一,xinzhuang/hedong/g01,leader,zh\r\n"
	    "tg:55,\"Li, Wei\",xinzhuang/hedong/g02,leader,en\r\n"
	    "+8613800000001,王建国,xinzhuang/hexi/g01,leader,zh\r\n";
	j = call(&a, "POST", "/v1/reporters/import", good, 200);
	cr_expect_eq(cJSON_GetObjectItem(j, "rows")->valueint, 3);
	cr_expect_eq(cJSON_GetObjectItem(j, "added")->valueint, 2);
	cr_expect_eq(cJSON_GetObjectItem(j, "unchanged")->valueint, 1);
	cJSON_Delete(j);
	j = call(&a, "POST", "/v1/reporters/import", good, 200);
	cr_expect_eq(cJSON_GetObjectItem(j, "unchanged")->valueint, 3, "a second import changes nothing");
	cJSON_Delete(j);
	api_sms(&a, "i:1", "+8613900000001", "牲畜 牛2", "accepted");

	int before = count(&a, "/v1/reporters?limit=1000");
	/* One good line and two bad ones: nothing at all is imported, every problem named. */
	struct resp r = http_req(a.port, "POST", "/v1/reporters/import", TOKEN_ADMIN, "text/csv",
	    "id,name,area,role,lang\n+8613900000002,赵二,xinzhuang/hedong/g01,leader,zh\n"
	    "+1,x,xinzhuang/hedong,leader,zh\n+8613900000003,赵三,xinzhuang/hedong/g01,chief,zh\n");
	cr_expect_eq(r.status, 400, "%s", r.body);
	cr_expect(strstr(r.body, "line 3") != NULL && strstr(r.body, "line 4") != NULL, "%s", r.body);
	resp_free(&r);
	expect_error(&a, "POST", "/v1/reporters/import", TOKEN_ADMIN,
	    "id,name,area,role,lang\n+8613900000004,赵四,xinzhuang/nowhere,leader,zh\n", 400, "does not exist");
	expect_error(&a, "POST", "/v1/reporters/import", TOKEN_ADMIN, "id,name,area\n+8613900000005,x,a\n",
	    400, "header");
	expect_error(&a, "POST", "/v1/reporters/import", TOKEN_ADMIN,
	    "id,name,area,role,lang\n\"+8613900000006,x\n", 400, "malformed");
	expect_error(&a, "POST", "/v1/areas/import", TOKEN_ADMIN, "path,name,expected\nxinzhuang/x,X,2\n",
	    400, "expected");
	expect_error(&a, "POST", "/v1/areas/import", TOKEN_READ, "path,name,expected\n", 403, NULL);
	r = http_req(a.port, "POST", "/v1/reporters/import", TOKEN_ADMIN, "application/json", "{}");
	cr_expect_eq(r.status, 415);
	resp_free(&r);
	cr_expect_eq(count(&a, "/v1/reporters?limit=1000"), before, "a refused import changed the roster");
	api_sms(&a, "i:2", "+8613900000002", "牲畜 牛2", "rejected");
	api_stop(&a);
}
