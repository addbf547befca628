/*
 * test_payload.c — envelope, receipt and outbox codecs, ids and channels.
 *
 * JSON is written with single quotes in the tables and turned into double
 * quotes before decoding.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* s with single quotes turned into double quotes, in a static buffer. */
static const char *
dq(const char *s)
{
	static char buf[8192];
	size_t n = strlen(s);

	cr_assert_lt(n, sizeof buf);
	for (size_t i = 0; i <= n; i++)
		buf[i] = s[i] == '\'' ? '"' : s[i];
	return buf;
}

struct id_case {
	const char *s;
	bool ok;
};

static const struct id_case id_cases[] = {
	{ "kannel:8841", true }, { "app:5f0c", true }, { "bridge-1", true }, { "a.b_c-d:e", true },
	{ "A", true }, { "", false }, { "a b", false }, { "a/b", false }, { "a+b", false },
	{ "a#", false }, { "牛", false }, { "a\"b", false },
	{ "0123456789012345678901234567890123456789012345678901234567890123", true },
	{ "01234567890123456789012345678901234567890123456789012345678901234", false },
};

Test(payload, id_valid)
{
	for (size_t i = 0; i < NELEM(id_cases); i++)
		cr_expect_eq(payload_id_valid(id_cases[i].s, strlen(id_cases[i].s)), id_cases[i].ok,
		    "'%s'", id_cases[i].s);
	cr_expect_not(payload_id_valid(NULL, 0));
	cr_expect(payload_id_valid("ab cd", 2), "only the first len bytes count");
}

static const struct id_case channel_cases[] = {
	{ "sms", true }, { "tg", true }, { "http-2", true }, { "abcdefghijklmnop", true },
	{ "abcdefghijklmnopq", false }, { "", false }, { "SMS", false }, { "s_m", false },
	{ "s:m", false }, { "s/m", false },
};

Test(payload, channel_valid)
{
	for (size_t i = 0; i < NELEM(channel_cases); i++)
		cr_expect_eq(payload_channel_valid(channel_cases[i].s, strlen(channel_cases[i].s)),
		    channel_cases[i].ok, "'%s'", channel_cases[i].s);
}

#define ENV_OK "{'id':'kannel:8841','source':'bridge-1','channel':'sms','from':'+8613800000003'," \
	"'text':'牲畜 牛12 猪40 羊5','received_at':'2023-12-05T08:30:00+08:00'}"

Test(payload, envelope_decode_ok)
{
	struct envelope e;
	char err[128] = "unset";
	const char *j = dq(ENV_OK);

	cr_assert_eq(envelope_decode(j, strlen(j), &e, err, sizeof err), CB_OK, "%s", err);
	cr_expect_str_eq(err, "");
	cr_expect_str_eq(e.id, "kannel:8841");
	cr_expect_str_eq(e.source, "bridge-1");
	cr_expect_str_eq(e.channel, "sms");
	cr_expect_str_eq(e.from, "+8613800000003");
	cr_expect_str_eq(e.text, "牲畜 牛12 猪40 羊5");
	cr_expect_eq(e.textlen, strlen("牲畜 牛12 猪40 羊5"));
	cr_expect_str_eq(e.received_at, "2023-12-05T08:30:00+08:00");
}

Test(payload, envelope_optional_and_extra_members)
{
	struct envelope e;
	const char *j = dq("{'id':'a','source':'b','channel':'tg','from':'tg:1234','text':'',"
	    "'received_at':null,'future':[1,2]}");

	cr_assert_eq(envelope_decode(j, strlen(j), &e, NULL, 0), CB_OK);
	cr_expect_str_eq(e.received_at, "");
	cr_expect_str_eq(e.text, "", "empty text is the grammar's business (empty)");
	cr_expect_eq(e.textlen, 0);
}

struct bad_case {
	const char *name;
	const char *json;
	enum cb_error e;
	const char *id, *source;	/* what must still be read */
	const char *err;		/* expected start of the message */
};

static const struct bad_case envelope_cases[] = {
	{ "not json", "{", CB_BAD_JSON, "", "", "payload: not valid JSON" },
	{ "empty", "", CB_BAD_JSON, "", "", "payload: not valid JSON" },
	{ "array", "[1]", CB_BAD_JSON, "", "", "payload: not a JSON object" },
	{ "string", "'x'", CB_BAD_JSON, "", "", "payload: not a JSON object" },
	{ "trailing", "{} {}", CB_BAD_JSON, "", "", "payload: text after the JSON" },
	{ "bad utf8", "{'id':'\xC0\xAF'}", CB_BAD_UTF8, "", "", "payload: not valid UTF-8" },
	{ "id missing", "{'source':'b','channel':'sms','from':'x','text':'t'}", CB_MISSING_MEMBER,
	  "", "b", "id: missing" },
	{ "id null", "{'id':null,'source':'b','channel':'sms','from':'x','text':'t'}", CB_MISSING_MEMBER,
	  "", "b", "id: missing" },
	{ "id number", "{'id':5,'source':'b','channel':'sms','from':'x','text':'t'}", CB_BAD_TYPE,
	  "", "b", "id: must be a string" },
	{ "id charset", "{'id':'a b','source':'b','channel':'sms','from':'x','text':'t'}", CB_BAD_ID,
	  "", "b", "id: 'a b' is not [A-Za-z0-9:._-]{1,64}" },
	{ "id too long", "{'id':'01234567890123456789012345678901234567890123456789012345678901234',"
	  "'source':'b','channel':'sms','from':'x','text':'t'}", CB_BAD_ID, "", "b", "id: '0123" },
	{ "source missing", "{'id':'a','channel':'sms','from':'x','text':'t'}", CB_MISSING_MEMBER,
	  "a", "", "source: missing" },
	{ "source bad", "{'id':'a','source':'b/c','channel':'sms','from':'x','text':'t'}", CB_BAD_ID,
	  "a", "", "source: 'b/c' is not" },
	{ "channel missing", "{'id':'a','source':'b','from':'x','text':'t'}", CB_MISSING_MEMBER,
	  "a", "b", "channel: missing" },
	{ "channel upper", "{'id':'a','source':'b','channel':'SMS','from':'x','text':'t'}", CB_BAD_ID,
	  "a", "b", "channel: 'SMS' is not [a-z0-9-]{1,16}" },
	{ "from missing", "{'id':'a','source':'b','channel':'sms','text':'t'}", CB_MISSING_MEMBER,
	  "a", "b", "from: missing" },
	{ "from empty", "{'id':'a','source':'b','channel':'sms','from':'','text':'t'}", CB_BAD_ID,
	  "a", "b", "from: '' is not" },
	{ "from control", "{'id':'a','source':'b','channel':'sms','from':'a\\nb','text':'t'}", CB_BAD_ID,
	  "a", "b", "from: " },
	{ "text missing", "{'id':'a','source':'b','channel':'sms','from':'x'}", CB_MISSING_MEMBER,
	  "a", "b", "text: missing" },
	{ "text number", "{'id':'a','source':'b','channel':'sms','from':'x','text':12}", CB_BAD_TYPE,
	  "a", "b", "text: must be a string" },
	{ "received_at number", "{'id':'a','source':'b','channel':'sms','from':'x','text':'t',"
	  "'received_at':1}", CB_BAD_TYPE, "a", "b", "received_at: must be a string" },
	{ "received_at too long", "{'id':'a','source':'b','channel':'sms','from':'x','text':'t',"
	  "'received_at':'2023-12-05T08:30:00.000000000000000+08:00'}", CB_BAD_VALUE, "a", "b",
	  "received_at: " },
};

Test(payload, envelope_decode_errors)
{
	for (size_t i = 0; i < NELEM(envelope_cases); i++) {
		const struct bad_case *c = &envelope_cases[i];
		struct envelope e;
		char err[256];
		const char *j = dq(c->json);
		enum cb_error got = envelope_decode(j, strlen(j), &e, err, sizeof err);
		cr_expect_eq(got, c->e, "%s: %s", c->name, cb_error_name(got));
		cr_expect_str_eq(e.id, c->id, "%s", c->name);
		cr_expect_str_eq(e.source, c->source, "%s", c->name);
		cr_expect_eq(strncmp(err, c->err, strlen(c->err)), 0, "%s: '%s'", c->name, err);
	}
}

Test(payload, envelope_too_large)
{
	static char big[CB_PAYLOAD_MAX + 64];
	struct envelope e;
	char err[128];
	int n = snprintf(big, sizeof big, "{\"id\":\"a\",\"source\":\"b\",\"channel\":\"sms\","
	    "\"from\":\"x\",\"text\":\"");
	memset(big + n, 'x', sizeof big - (size_t)n - 3);
	memcpy(big + sizeof big - 3, "\"}", 3);

	cr_expect_eq(envelope_decode(big, strlen(big), &e, err, sizeof err), CB_TOO_LARGE);
	cr_expect_str_eq(err, "payload: 4159 bytes, max 4096");
	/* Exactly at the limit is fine. */
	size_t at = CB_PAYLOAD_MAX;
	memcpy(big + at - 2, "\"}", 3);
	cr_expect_eq(envelope_decode(big, at, &e, err, sizeof err), CB_OK, "%s", err);
	cr_expect_eq(e.textlen, at - 2 - (size_t)n);
}

Test(payload, envelope_roundtrip)
{
	struct envelope e = { 0 }, back;
	char buf[CB_PAYLOAD_MAX];

	strcpy(e.id, "kannel:1");
	strcpy(e.source, "bridge-1");
	strcpy(e.channel, "sms");
	strcpy(e.from, "+8613800000003");
	strcpy(e.text, "牲畜 \"牛\"12\n猪\\40\t羊5\x01");
	e.textlen = strlen(e.text);
	size_t n = envelope_encode(&e, buf, sizeof buf);
	cr_assert_gt(n, 0);
	cr_expect_eq(strlen(buf), n);
	cr_expect_null(strstr(buf, "received_at"), "empty optional members are left out");
	cr_assert_eq(envelope_decode(buf, n, &back, NULL, 0), CB_OK, "%s", buf);
	cr_expect_str_eq(back.text, e.text);
	cr_expect_str_eq(back.from, e.from);
	strcpy(e.received_at, "2023-12-05T08:30:00+08:00");
	n = envelope_encode(&e, buf, sizeof buf);
	cr_assert_eq(envelope_decode(buf, n, &back, NULL, 0), CB_OK);
	cr_expect_str_eq(back.received_at, e.received_at);
	cr_expect_eq(envelope_encode(&e, buf, 20), 0, "does not fit");
}

Test(payload, receipt_encode_exact)
{
	struct receipt r = { 0 };
	char buf[CB_PAYLOAD_MAX];

	strcpy(r.id, "kannel:8841");
	r.status = RECEIPT_REJECTED;
	r.error = CB_UNKNOWN_FIELD;
	strcpy(r.error_field, "鸡");
	strcpy(r.channel, "sms");
	strcpy(r.to, "+8613800000003");
	strcpy(r.text, "不认识“鸡”");
	cr_assert_gt(receipt_encode(&r, buf, sizeof buf), 0);
	cr_expect_str_eq(buf, dq("{'id':'kannel:8841','status':'rejected',"
	    "'errors':[{'field':'鸡','code':'unknown_field'}],"
	    "'reply':{'channel':'sms','to':'+8613800000003','text':'不认识“鸡”'}}"));

	struct receipt a = { 0 };
	strcpy(a.id, "app:1");
	a.status = RECEIPT_ACCEPTED;
	strcpy(a.report, "r-1042");
	cr_assert_gt(receipt_encode(&a, buf, sizeof buf), 0);
	cr_expect_str_eq(buf, dq("{'id':'app:1','status':'accepted','report':'r-1042'}"));
	cr_expect_eq(receipt_encode(&a, buf, 10), 0);
}

Test(payload, receipt_roundtrip)
{
	static const enum receipt_status statuses[] = { RECEIPT_ACCEPTED, RECEIPT_REJECTED,
		RECEIPT_DUPLICATE };
	char buf[CB_PAYLOAD_MAX];

	for (size_t s = 0; s < NELEM(statuses); s++)
		for (int e = CB_OK; e < CB_ERROR_COUNT; e++) {
			struct receipt r, back;
			memset(&r, 0, sizeof r);	/* padding too: compared with memcmp */
			strcpy(r.id, "kannel:8841");
			r.status = statuses[s];
			r.error = (enum cb_error)e;
			if (e != CB_OK)
				strcpy(r.error_field, "牛12米");
			strcpy(r.report, "r-1");
			strcpy(r.channel, "sms");
			strcpy(r.to, "+86138");
			strcpy(r.text, "已收到 3组 12月 牲畜：牛12 猪40 羊5");
			size_t n = receipt_encode(&r, buf, sizeof buf);
			cr_assert_gt(n, 0);
			char err[128] = "";
			cr_assert_eq(receipt_decode(buf, n, &back, err, sizeof err), CB_OK, "%s: %s", buf, err);
			cr_expect_eq(memcmp(&r, &back, sizeof r), 0, "%s", buf);
		}
}

Test(payload, receipt_decode_minimal_and_long_field)
{
	struct receipt r;
	const char *j = dq("{'id':'x','status':'duplicate','errors':[{'code':'bad_value',"
	    "'field':'一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十'}],'errors2':1}");

	cr_assert_eq(receipt_decode(j, strlen(j), &r, NULL, 0), CB_OK);
	cr_expect_eq(r.status, RECEIPT_DUPLICATE);
	cr_expect_eq(r.error, CB_BAD_VALUE);
	cr_expect_str_eq(r.error_field, "一二三四五六七八九十一二三四五六七八九十一", "cut on a character");
	cr_expect_str_eq(r.text, "");
	j = dq("{'id':'x','status':'accepted','errors':[]}");
	cr_assert_eq(receipt_decode(j, strlen(j), &r, NULL, 0), CB_OK);
	cr_expect_eq(r.error, CB_OK);
}

static const struct bad_case receipt_cases[] = {
	{ "not json", "nope", CB_BAD_JSON, "", "", "payload: not valid JSON" },
	{ "id missing", "{'status':'accepted'}", CB_MISSING_MEMBER, "", "", "id: missing" },
	{ "id bad", "{'id':'#','status':'accepted'}", CB_BAD_ID, "", "", "id: '#' is not" },
	{ "status missing", "{'id':'x'}", CB_MISSING_MEMBER, "x", "", "status: missing" },
	{ "status unknown", "{'id':'x','status':'ok'}", CB_BAD_VALUE, "x", "",
	  "status: 'ok' is not accepted, rejected or duplicate" },
	{ "status number", "{'id':'x','status':1}", CB_BAD_TYPE, "x", "", "status: must be a string" },
	{ "report bad", "{'id':'x','status':'accepted','report':'r 1'}", CB_BAD_ID, "x", "", "report: " },
	{ "errors not array", "{'id':'x','status':'rejected','errors':{}}", CB_BAD_TYPE, "x", "",
	  "errors: must be an array of objects" },
	{ "errors of strings", "{'id':'x','status':'rejected','errors':['bad_value']}", CB_BAD_TYPE,
	  "x", "", "errors: must be an array of objects" },
	{ "error code missing", "{'id':'x','status':'rejected','errors':[{'field':'a'}]}",
	  CB_MISSING_MEMBER, "x", "", "code: missing" },
	{ "error code unknown", "{'id':'x','status':'rejected','errors':[{'code':'oops'}]}",
	  CB_BAD_VALUE, "x", "", "errors: 'oops' is not an error code" },
	{ "error code ok", "{'id':'x','status':'rejected','errors':[{'code':'ok'}]}",
	  CB_BAD_VALUE, "x", "", "errors: 'ok' is not an error code" },
	{ "error field number", "{'id':'x','status':'rejected','errors':[{'code':'bad_value','field':1}]}",
	  CB_BAD_TYPE, "x", "", "errors: field must be a string" },
	{ "reply not object", "{'id':'x','status':'accepted','reply':'hi'}", CB_BAD_TYPE, "x", "",
	  "reply: must be an object" },
	{ "reply channel bad", "{'id':'x','status':'accepted','reply':{'channel':'S M'}}", CB_BAD_ID,
	  "x", "", "channel: 'S M' is not" },
	{ "reply to control", "{'id':'x','status':'accepted','reply':{'to':'\\u0007'}}", CB_BAD_ID,
	  "x", "", "to: " },
	{ "reply text number", "{'id':'x','status':'accepted','reply':{'text':5}}", CB_BAD_TYPE,
	  "x", "", "text: must be a string" },
};

Test(payload, receipt_decode_errors)
{
	for (size_t i = 0; i < NELEM(receipt_cases); i++) {
		const struct bad_case *c = &receipt_cases[i];
		struct receipt r;
		char err[256];
		const char *j = dq(c->json);
		enum cb_error got = receipt_decode(j, strlen(j), &r, err, sizeof err);
		cr_expect_eq(got, c->e, "%s: %s", c->name, cb_error_name(got));
		cr_expect_str_eq(r.id, c->id, "%s", c->name);
		cr_expect_eq(strncmp(err, c->err, strlen(c->err)), 0, "%s: '%s'", c->name, err);
	}
}

Test(payload, receipt_reply_text_too_long)
{
	static char j[2048];
	struct receipt r;
	int n = snprintf(j, sizeof j, "{\"id\":\"x\",\"status\":\"accepted\",\"reply\":{\"text\":\"");
	memset(j + n, 'a', CB_REPLY_MAX);
	strcpy(j + n + CB_REPLY_MAX, "\"}}");

	cr_expect_eq(receipt_decode(j, strlen(j), &r, NULL, 0), CB_TOO_LARGE);
	strcpy(j + n + CB_REPLY_MAX - 1, "\"}}");
	cr_expect_eq(receipt_decode(j, strlen(j), &r, NULL, 0), CB_OK);
	cr_expect_eq(strlen(r.text), CB_REPLY_MAX - 1);
}

Test(payload, status_names)
{
	cr_expect_str_eq(receipt_status_name(RECEIPT_ACCEPTED), "accepted");
	cr_expect_str_eq(receipt_status_name(RECEIPT_REJECTED), "rejected");
	cr_expect_str_eq(receipt_status_name(RECEIPT_DUPLICATE), "duplicate");
	cr_expect_str_eq(receipt_status_name((enum receipt_status)7), "unknown");
}

Test(payload, outbox_roundtrip)
{
	struct outbox o = { 0 }, back;
	char buf[CB_PAYLOAD_MAX];

	strcpy(o.id, "remind:livestock:2023-12:g03");
	strcpy(o.channel, "sms");
	strcpy(o.to, "+8613800000003");
	strcpy(o.text, "请于25日前报送12月牲畜：牲畜 牛12 猪40 羊5");
	size_t n = outbox_encode(&o, buf, sizeof buf);
	cr_assert_gt(n, 0);
	cr_expect_str_eq(buf, dq("{'id':'remind:livestock:2023-12:g03','channel':'sms',"
	    "'to':'+8613800000003','text':'请于25日前报送12月牲畜：牲畜 牛12 猪40 羊5'}"));
	cr_assert_eq(outbox_decode(buf, n, &back, NULL, 0), CB_OK);
	cr_expect_eq(memcmp(&o, &back, sizeof o), 0);
	cr_expect_eq(outbox_encode(&o, buf, 30), 0);
}

static const struct bad_case outbox_cases[] = {
	{ "not object", "1", CB_BAD_JSON, "", "", "payload: not a JSON object" },
	{ "id missing", "{'channel':'sms','to':'x','text':'t'}", CB_MISSING_MEMBER, "", "", "id: missing" },
	{ "channel missing", "{'id':'a','to':'x','text':'t'}", CB_MISSING_MEMBER, "a", "", "channel: missing" },
	{ "channel bad", "{'id':'a','channel':'s s','to':'x','text':'t'}", CB_BAD_ID, "a", "", "channel: " },
	{ "to missing", "{'id':'a','channel':'sms','text':'t'}", CB_MISSING_MEMBER, "a", "", "to: missing" },
	{ "to empty", "{'id':'a','channel':'sms','to':'','text':'t'}", CB_BAD_ID, "a", "", "to: " },
	{ "text missing", "{'id':'a','channel':'sms','to':'x'}", CB_MISSING_MEMBER, "a", "", "text: missing" },
	{ "text bool", "{'id':'a','channel':'sms','to':'x','text':true}", CB_BAD_TYPE, "a", "",
	  "text: must be a string" },
};

Test(payload, outbox_decode_errors)
{
	for (size_t i = 0; i < NELEM(outbox_cases); i++) {
		const struct bad_case *c = &outbox_cases[i];
		struct outbox o;
		char err[256];
		const char *j = dq(c->json);
		enum cb_error got = outbox_decode(j, strlen(j), &o, err, sizeof err);
		cr_expect_eq(got, c->e, "%s: %s", c->name, cb_error_name(got));
		cr_expect_str_eq(o.id, c->id, "%s", c->name);
		cr_expect_eq(strncmp(err, c->err, strlen(c->err)), 0, "%s: '%s'", c->name, err);
	}
}

/* An error buffer of any size is filled on a character boundary, NUL-terminated. */
Test(payload, short_error_buffer)
{
	const char *j = dq("{'id':'牛牛牛牛牛牛','source':'b','channel':'sms','from':'x','text':'t'}");
	for (size_t len = 1; len < 48; len++) {
		char err[48];
		struct envelope e;
		memset(err, 'x', sizeof err);
		cr_expect_eq(envelope_decode(j, strlen(j), &e, err, len), CB_BAD_ID);
		cr_expect_lt(strlen(err), len);
	}
}
