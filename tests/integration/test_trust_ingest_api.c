/*
 * test_trust_ingest_api.c — the admin API's JSON bodies are read as plainly
 * as cunbaod's payloads: a NUL in a string (which cJSON would cut there:
 * "xinzhuang/hexi/g09\u0000x" becoming ".../g09") or a member given twice
 * is a 400 bad_request naming the problem, and nothing is written.
 */
#include "test_api.h"

/* POSTs body as JSON with the admin token; returns the status, the body in *text (free it). */
static int
post_json(struct api *a, const char *path, const char *body, char **text)
{
	struct resp r = http_req(a->port, "POST", path, TOKEN_ADMIN, "application/json", body);

	*text = r.body;
	return r.status;
}

Test(trust_api, roster_bodies_with_a_nul_or_a_member_twice_are_refused)
{
	static const char *const bad[] = {
		"{\"path\":\"xinzhuang/hexi/g09\\u0000x\",\"name\":\"九组\"}",
		"{\"path\":\"xinzhuang/hexi/g09\",\"name\":\"九\\u0000组\"}",
		"{\"path\":\"xinzhuang/hexi/g09\",\"name\":\"九组\",\"path\":\"xinzhuang/hexi/g10\"}",
	};
	struct api a = { 0 };
	char *text;

	api_start(&a);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int st = post_json(&a, "/v1/areas", bad[i], &text);

		cr_expect_eq(st, 400, "%s: %d %s", bad[i], st, text);
		cr_expect(text != NULL && strstr(text, "bad_request") != NULL && strstr(text, "plain JSON") != NULL,
		    "%s: %s", bad[i], text);
		free(text);
	}
	cr_expect_eq(db_int(a.cbd.db, "SELECT count(*) FROM areas WHERE path LIKE 'xinzhuang/hexi/g09%'"
	    " OR path = 'xinzhuang/hexi/g10'"), 0, "a refused body wrote an area");
	int st = post_json(&a, "/v1/areas", "{\"path\":\"xinzhuang/hexi/g09\",\"name\":\"九组\"}", &text);
	cr_expect_eq(st, 201, "the plain body: %d %s", st, text);
	free(text);
	api_stop(&a);
}
