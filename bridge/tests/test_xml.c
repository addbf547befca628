/*
 * test_xml.c — xml_field on the shapes WeCom and WeChat send: CDATA and
 * plain values, blanks around CDATA, entities, empty elements, and text a
 * user wrote that looks like an element (it must stay content).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "bridge.h"

static char out[256];
static size_t outlen;

static bool
get(const char *xml, const char *name)
{
	return xml_field(xml, strlen(xml), name, out, sizeof out, &outlen);
}

Test(xml, table)
{
	static const struct {
		const char *xml, *name, *want;	/* want NULL: no value */
	} t[] = {
		{ "<xml><A><![CDATA[x y]]></A><B>12</B></xml>", "A", "x y" },
		{ "<xml><A><![CDATA[x y]]></A><B>12</B></xml>", "B", "12" },
		{ "<xml><A><![CDATA[x]]></A></xml>", "C", NULL },
		{ "<xml><ToUserName> <![CDATA[ww1]]> </ToUserName></xml>", "ToUserName", "ww1" },
		{ "<xml>\n<Content><![CDATA[牲畜 牛12 猪40]]></Content>\n</xml>", "Content", "牲畜 牛12 猪40" },
		{ "<xml><C>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;</C></xml>", "C", "a <b> & \"c\" 'd'" },
		{ "<xml><C>&#29275;&#x732a;</C></xml>", "C", "牛猪" },
		{ "<xml><C>&bogus;</C></xml>", "C", NULL },
		{ "<xml><C>&#0;</C></xml>", "C", NULL },
		{ "<xml><C>&#xD800;</C></xml>", "C", NULL },
		{ "<xml><C/><D>1</D></xml>", "C", "" },
		{ "<xml><C></C></xml>", "C", "" },
		{ "<xml><C><![CDATA[a]]]]><![CDATA[>b]]></C></xml>", "C", "a]]>b" },
		{ "<xml><C><D>1</D></C></xml>", "C", NULL },
		{ "<xml><C>unterminated</xml>", "C", NULL },
		{ "<xml><C><![CDATA[open</C></xml>", "C", NULL },
		{ "<xml><CC>1</CC><C>2</C></xml>", "C", "2" },
		{ "<xml><!-- <C>no</C> --><C>yes</C></xml>", "C", "yes" },
		{ "<?xml version=\"1.0\"?><xml><C>v</C></xml>", "C", "v" },
		/* A user's text that looks like markup is content, never a field. */
		{ "<xml><Content><![CDATA[<MsgId>1</MsgId>]]></Content><MsgId>42</MsgId></xml>", "MsgId", "42" },
		{ "<xml><Content><![CDATA[</Content><FromUserName>evil</FromUserName>]]></Content>"
		  "<FromUserName>real</FromUserName></xml>", "FromUserName", "real" },
		{ "<xml><Content><![CDATA[</Content>x]]></Content></xml>", "Content", "</Content>x" },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		bool ok = get(t[i].xml, t[i].name);

		if (t[i].want == NULL) {
			cr_expect(!ok, "%zu: %s in %s gave \"%s\"", i, t[i].name, t[i].xml, out);
			continue;
		}
		cr_expect(ok, "%zu: %s in %s", i, t[i].name, t[i].xml);
		cr_expect_str_eq(out, t[i].want, "%zu", i);
		cr_expect_eq(outlen, strlen(t[i].want), "%zu", i);
	}
}

Test(xml, too_long_and_nul)
{
	static const char xml[] = "<xml><C>0123456789</C></xml>";
	char small[10];
	size_t n;

	cr_expect(!xml_field(xml, strlen(xml), "C", small, sizeof small, &n));
	cr_expect(!xml_field("<xml><C>a\0b</C></xml>", 21, "C", out, sizeof out, &outlen));
	cr_expect(!xml_field(xml, 12, "C", out, sizeof out, &outlen));	/* cut short */
}
