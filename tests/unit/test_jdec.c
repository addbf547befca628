/*
 * test_jdec.c — what the payload codecs refuse beyond cJSON (jdec_strict,
 * jdec_member) and what can be salvaged from a payload cJSON cannot read
 * (jdec_salvage), table first.
 *
 * JSON is written with single quotes in the tables and turned into double
 * quotes; "\\u0000" in a table is the six characters of the JSON escape,
 * and '~' stands for a raw 0 byte.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jdec.h"
#include "payload.h"
#include "report.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* s with ' turned into " and ~ into a 0 byte, in a static buffer; *len its length. */
static const char *
dq(const char *s, size_t *len)
{
	static char buf[8192];
	size_t n = strlen(s);

	cr_assert_lt(n, sizeof buf);
	for (size_t i = 0; i <= n; i++)
		buf[i] = s[i] == '\'' ? '"' : s[i] == '~' ? '\0' : s[i];
	*len = n;
	return buf;
}

struct strict_case {
	const char *json;
	bool ok;
	const char *err;		/* a part of the message, NULL: not checked */
};

static const struct strict_case strict_cases[] = {
	{ "{'id':'a','values':{'cattle':1}}", true, NULL },
	{ "{'id':'a\\\\u0000','n':'\\\\\\\\u0000'}", true, NULL },	/* escaped backslash then u0000: text */
	{ "{'id':'a\\u0001b'}", true, NULL },
	{ "{'a':'x\\\"y','b':'\\u00e9'}", true, NULL },
	{ "[1,'a',{'b':[true,null,'c']}]", true, NULL },
	{ "'just a string'", true, NULL },
	{ "{}", true, NULL },
	{ "{'id':'nul\\u0000id'}", false, "id: a string holds a NUL" },
	{ "{'source':'te\\u0000st'}", false, "source: a string holds a NUL" },
	{ "{'kind':'\\u0000'}", false, "kind: a string holds a NUL" },
	{ "{'area':'xinzhuang\\u0000/hexi'}", false, "area: a string" },
	{ "{'period':'2023-12\\u0000x'}", false, "period: a string" },
	{ "{'reporter':'+86\\u0000'}", false, "reporter: a string" },
	{ "{'text':'ok','from':'+86138\\u0000'}", false, "from: a string" },
	{ "{'values':{'cattle\\u0000x':1}}", false, "values: a string holds a NUL" },
	{ "{'values':{'a':[1,{'b':'\\u0000'}]}}", false, "values: a string" },
	{ "{'na\\u0000me':1}", false, ": a string holds a NUL" },
	{ "{'id':'raw~nul'}", false, "id: a string holds a NUL" },
	{ "{'id':'fe\\u00::1'}", false, "id: a string holds a NUL" },	/* cJSON: U+0000 */
	{ "{'id':'fe\\u00g1'}", false, "id: a string holds a NUL" },
	{ "{'id':'\\uD83D\\uDE00','x':'\\u0000'}", false, "x: a string" },
	{ "['a','\\u0000']", false, "payload: a string holds a NUL" },
	{ "{'id':'a','id':'b'}", false, "payload: member \"id\" given twice" },
	{ "{'values':{'cattle':1,'cattle':2}}", false, "values: member \"cattle\" given twice" },
	{ "{'area':'a','kind':'k','area':'a'}", false, "member \"area\" given twice" },
	{ "{'a':[{'x':1,'y':2,'x':3}]}", false, "a: member \"x\" given twice" },
	{ "{'a':{'b':{'c':{'d':1,'d':1}}}}", false, "a: member \"d\" given twice" },
	{ "{'a':1,'b':2,'c':3,'d':4,'e':5,'f':6,'g':7,'h':8,'i':9,'j':10,'k':11,'l':12,'m':13,"
	  "'n':14,'o':15,'p':16,'q':17,'r':18,'s':19,'t':20}", true, NULL },
	{ "{'a':1,'b':2,'c':3,'d':4,'e':5,'f':6,'g':7,'h':8,'i':9,'j':10,'k':11,'l':12,'m':13,"
	  "'n':14,'o':15,'p':16,'q':17,'r':18,'s':19,'a':20}", false, "member \"a\" given twice" },
};

Test(jdec, strict_table)
{
	for (size_t i = 0; i < NELEM(strict_cases); i++) {
		const struct strict_case *c = &strict_cases[i];
		size_t len;
		const char *buf = dq(c->json, &len);
		cJSON *root = cJSON_ParseWithLength(buf, len);
		char err[200] = "";

		cr_assert_not_null(root, "%s: cJSON refused it", c->json);
		enum cb_error e = jdec_strict(buf, len, root, err, sizeof err);
		cr_expect_eq(e == CB_OK, c->ok, "%s: %s", c->json, err);
		if (!c->ok)
			cr_expect_eq(e, CB_BAD_JSON, "%s", c->json);
		if (c->err != NULL)
			cr_expect(strstr(err, c->err) != NULL, "%s: \"%s\" lacks \"%s\"", c->json, err, c->err);
		cJSON_Delete(root);
	}
}

struct member_case {
	const char *json, *name;
	enum jdec_state want;
};

static const struct member_case member_cases[] = {
	{ "{'id':'a','source':'s'}", "id", JDEC_CLEAN },
	{ "{'id':'a','source':'s'}", "kind", JDEC_ABSENT },
	{ "{'id':'a','id':'a'}", "id", JDEC_TWICE },
	{ "{'id':'nul\\u0000id','source':'s'}", "id", JDEC_NUL },
	{ "{'id':'nul\\u0000id','source':'s'}", "source", JDEC_CLEAN },
	{ "{'kind':'\\u0000','id':'a'}", "id", JDEC_CLEAN },
	{ "{'id\\u0000x':'a'}", "id", JDEC_NUL },
	{ "{'\\u0069d':'a\\u0000'}", "id", JDEC_NUL },	/* an escaped name is the same name */
	{ "{'x':{'id':'\\u0000'},'id':'a'}", "id", JDEC_CLEAN },
	{ "{'id':{'a':'\\u0000'}}", "id", JDEC_NUL },
};

Test(jdec, member_table)
{
	for (size_t i = 0; i < NELEM(member_cases); i++) {
		const struct member_case *c = &member_cases[i];
		size_t len;
		const char *buf = dq(c->json, &len);
		cJSON *root = cJSON_ParseWithLength(buf, len);

		cr_assert_not_null(root, "%s", c->json);
		cr_expect_eq(jdec_member(buf, len, root, c->name), c->want, "%s: %s", c->json, c->name);
		cJSON_Delete(root);
	}
}

struct salvage_case {
	const char *json, *name, *want;	/* want NULL: nothing salvaged */
};

static const struct salvage_case salvage_cases[] = {
	{ "{'id':'u:1','source':'test'}", "id", "u:1" },
	{ "{'id':'u:1','source':'test'}", "source", "test" },
	{ " \n{ 'a' : [1,{'id':'no'}] , 'id' : 'x' } \n", "id", "x" },
	{ "{'text':'\\\"id\\\":\\\"no\\\"','id':'y'}", "id", "y" },
	{ "{'\\u0069d':'esc'}", "id", "esc" },
	{ "{'id':'a\\/b'}", "id", "a/b" },
	{ "{'n':[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],'id':'deep'}",
	  "id", "deep" },
	{ "{'id':'a','x':true,'y':null,'z':-1.5e3}", "id", "a" },
	{ "{'id':'nul\\u0000id'}", "id", NULL },
	{ "{'id':'raw~nul'}", "id", NULL },
	{ "{'id':'fe\\u00::1'}", "id", NULL },
	{ "~~{'id':'a',~'x':1}~", "id", "a" },	/* cJSON skips every byte up to 32 */
	{ "{'id':'a','id':'a'}", "id", NULL },
	{ "{'id':'a','id':1}", "id", NULL },
	{ "{'id':1}", "id", NULL },
	{ "{'id':''}", "id", NULL },
	{ "{'x':1}", "id", NULL },
	{ "{not json", "id", NULL },
	{ "{'id':'a'", "id", NULL },
	{ "{'id':'a'} trailing", "id", NULL },
	{ "{'id':'a','n':[1,2}", "id", NULL },
	{ "['id','a']", "id", NULL },
	{ "", "id", NULL },
	{ "{'id':'0123456789012345678901234567890123456789012345678901234567890123456789'}", "id", NULL },
};

Test(jdec, salvage_table)
{
	for (size_t i = 0; i < NELEM(salvage_cases); i++) {
		const struct salvage_case *c = &salvage_cases[i];
		size_t len;
		const char *buf = dq(c->json, &len);
		char out[CB_ID_MAX + 1] = "junk";
		bool ok = jdec_salvage(buf, len, c->name, out, sizeof out);

		cr_expect_eq(ok, c->want != NULL, "%s: %s -> %s", c->json, c->name, out);
		if (c->want != NULL)
			cr_expect_str_eq(out, c->want, "%s", c->json);
	}
}

/* A nesting far beyond cJSON's limit: salvaged without recursion. */
Test(jdec, salvage_deep)
{
	size_t n = 100000, len = 0;
	char *buf = malloc(2 * n + 64);

	len += (size_t)sprintf(buf, "{\"id\":\"d:1\",\"source\":\"test\",\"x\":");
	memset(buf + len, '[', n);
	len += n;
	memset(buf + len, ']', n);
	len += n;
	buf[len++] = '}';
	char id[CB_ID_MAX + 1], source[CB_ID_MAX + 1];
	cr_expect(jdec_salvage(buf, len, "id", id, sizeof id));
	cr_expect_str_eq(id, "d:1");
	cr_expect(jdec_salvage(buf, len, "source", source, sizeof source));
	cr_expect_str_eq(source, "test");
	free(buf);
}

/* The codecs: every member with a NUL or given twice is refused, ids become bad_id. */
struct codec_case {
	const char *json;
	enum cb_error want;
	const char *id;		/* what the decoder leaves in id (answerable) */
};

static const struct codec_case report_cases[] = {
	{ "{'id':'r:1','source':'app','kind':'livestock','area':'a/b','values':{'cattle':1}}", CB_OK, "r:1" },
	{ "{'id':'nul\\u0000id','source':'app','kind':'livestock','area':'a/b','values':{'cattle':1}}",
	  CB_BAD_ID, "" },
	{ "{'id':'r:1','source':'ap\\u0000p','kind':'livestock','area':'a/b','values':{'cattle':1}}",
	  CB_BAD_JSON, "r:1" },
	{ "{'id':'r:1','source':'app','kind':'live\\u0000stock','area':'a/b','values':{'cattle':1}}",
	  CB_BAD_JSON, "r:1" },
	{ "{'id':'r:1','source':'app','kind':'livestock','area':'a/b\\u0000/c','values':{'cattle':1}}",
	  CB_BAD_JSON, "r:1" },
	{ "{'id':'r:1','source':'app','kind':'livestock','area':'a/b','period':'2023-12\\u0000',"
	  "'values':{'cattle':1}}", CB_BAD_JSON, "r:1" },
	{ "{'id':'r:1','source':'app','kind':'livestock','area':'a/b','reporter':'+86\\u0000',"
	  "'values':{'cattle':1}}", CB_BAD_JSON, "r:1" },
	{ "{'id':'r:1','source':'app','kind':'livestock','area':'a/b','values':{'cat\\u0000tle':1}}",
	  CB_BAD_JSON, "r:1" },
	{ "{'id':'r:1','source':'app','kind':'livestock','area':'a/b','values':{'cattle':'1\\u0000'}}",
	  CB_BAD_JSON, "r:1" },
	{ "{'id':'r:1','source':'app','kind':'livestock','area':'a/b','values':{'cattle':1},"
	  "'values':{'cattle':2}}", CB_BAD_JSON, "r:1" },
	{ "{'id':'r:1','source':'app','kind':'livestock','area':'a/b','values':{'cattle':1,'cattle':2}}",
	  CB_BAD_JSON, "r:1" },
	{ "{'id':'r:1','source':'app','kind':'livestock','area':'a/b','area':'a/c','values':{'cattle':1}}",
	  CB_BAD_JSON, "r:1" },
	{ "{'id':'r:1','id':'r:2','source':'app','kind':'livestock','area':'a/b','values':{'cattle':1}}",
	  CB_BAD_JSON, "" },
};

Test(jdec, report_decode_refuses_nul_and_twice)
{
	for (size_t i = 0; i < NELEM(report_cases); i++) {
		const struct codec_case *c = &report_cases[i];
		size_t len;
		const char *buf = dq(c->json, &len);
		struct report r;
		char err[200] = "";

		cr_expect_eq(report_decode(buf, len, &r, err, sizeof err), c->want, "%s: %s", c->json, err);
		cr_expect_str_eq(r.id, c->id, "%s", c->json);
	}
}

static const struct codec_case envelope_cases[] = {
	{ "{'id':'e:1','source':'b','channel':'sms','from':'+86','text':'牛1'}", CB_OK, "e:1" },
	{ "{'id':'nul\\u0000id','source':'b','channel':'sms','from':'+86','text':'牛1'}", CB_BAD_ID, "" },
	{ "{'id':'e:1','source':'b','channel':'sms','from':'+86','text':'牛1\\u0000 猪5'}", CB_BAD_JSON, "e:1" },
	{ "{'id':'e:1','source':'b','channel':'sm\\u0000s','from':'+86','text':'牛1'}", CB_BAD_JSON, "e:1" },
	{ "{'id':'e:1','source':'b','channel':'sms','from':'+86','from':'+87','text':'牛1'}", CB_BAD_JSON,
	  "e:1" },
	{ "{'id':'e:1','source':'b','channel':'sms','from':'+86','text':'牛1','received_at':'\\u0000'}",
	  CB_BAD_JSON, "e:1" },
};

Test(jdec, envelope_decode_refuses_nul_and_twice)
{
	for (size_t i = 0; i < NELEM(envelope_cases); i++) {
		const struct codec_case *c = &envelope_cases[i];
		size_t len;
		const char *buf = dq(c->json, &len);
		struct envelope e;
		char err[200] = "";

		cr_expect_eq(envelope_decode(buf, len, &e, err, sizeof err), c->want, "%s: %s", c->json, err);
		cr_expect_str_eq(e.id, c->id, "%s", c->json);
	}
}

Test(jdec, receipt_and_outbox_refuse_nul)
{
	size_t len;
	struct receipt r;
	struct outbox o;
	char err[200];
	const char *buf = dq("{'id':'x','status':'accepted','reply':{'text':'已收到\\u0000 and more'}}", &len);

	cr_expect_eq(receipt_decode(buf, len, &r, err, sizeof err), CB_BAD_JSON);
	buf = dq("{'id':'x','channel':'sms','to':'+86','text':'hi','text':'ho'}", &len);
	cr_expect_eq(outbox_decode(buf, len, &o, err, sizeof err), CB_BAD_JSON);
}
