/*
 * test_chat.c — the WeCom and WeChat OA channels on the platforms' own
 * sample requests: URL checks, messages in (signature, decryption,
 * receiver, fields), what is refused (403) and ignored, passive answers
 * (decrypted back and their signature checked), reply requests and the
 * API answers' verdicts.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"

#define A_KEY "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define A_MSG "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
#define C_KEY "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define C_MSG "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="

/* A string literal and its length. */
#define J(s) s, strlen(s)

static struct chat_conf wecom, wechat;
static struct inbound in;
static char err[256];

static void
setup(void)
{
	memset(&wecom, 0, sizeof wecom);
	wecom.ops = &ch_wecom;
	conf_defaults(ch_wecom.table, &wecom);
	snprintf(wecom.name, sizeof wecom.name, "hexi");
	snprintf(wecom.module, sizeof wecom.module, "wecom:hexi");
	snprintf(wecom.token, sizeof wecom.token, "QDG6eK");
	snprintf(wecom.aes_key, sizeof wecom.aes_key, A_KEY);
	snprintf(wecom.receiver, sizeof wecom.receiver, "wx5823bf96d3bd56c7");
	snprintf(wecom.agent_id, sizeof wecom.agent_id, "218");
	snprintf(wecom.secret, sizeof wecom.secret, "s3cret&x");
	snprintf(wecom.api, sizeof wecom.api, "http://127.0.0.1:9");
	memset(&wechat, 0, sizeof wechat);
	wechat.ops = &ch_wechat;
	conf_defaults(ch_wechat.table, &wechat);
	snprintf(wechat.name, sizeof wechat.name, "gzh");
	snprintf(wechat.module, sizeof wechat.module, "wechat:gzh");
	snprintf(wechat.token, sizeof wechat.token, "spamtest");
	snprintf(wechat.aes_key, sizeof wechat.aes_key, C_KEY);
	snprintf(wechat.receiver, sizeof wechat.receiver, "wx2c2769f8efd9abc2");
	memset(&in, 0, sizeof in);
	err[0] = '\0';
}

TestSuite(chat, .init = setup);

static int
call(const struct chat_conf *cc, const char *method, const char *query, const char *body)
{
	struct webhook w = { .method = method, .path = "/x", .query = query, .querylen = strlen(query),
		.body = body, .bodylen = strlen(body), .peer = "127.0.0.1", .now = 1409659813000LL };

	memset(&in, 0, sizeof in);
	return cc->ops->parse(cc, &w, &in, err, sizeof err);
}

Test(chat, wecom_url_check)
{
	cr_assert_eq(call(&wecom, "GET", "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589"
	    "&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO"
	    "%2BFZXvnaqQ%3D%3D", ""), 200, "%s", err);
	cr_expect(in.verify);
	cr_expect_str_eq(in.resp, "1616140317555161061");
	cr_expect_eq(in.resplen, 19);
	/* libevent-style decoding left '+' as a space: still verified. */
	cr_expect_eq(call(&wecom, "GET", "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589"
	    "&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO"
	    "+FZXvnaqQ==", ""), 200, "%s", err);
	cr_expect_eq(call(&wecom, "GET", "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4&timestamp=1409659589"
	    "&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO"
	    "%2BFZXvnaqQ%3D%3D", ""), 403);
	cr_expect(strstr(err, "msg_signature does not match") != NULL, "%s", err);
}

Test(chat, wecom_message)
{
	cr_assert_eq(call(&wecom, "POST", "msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813"
	    "&nonce=1372623149", "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA["
	    A_MSG "]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"), 200, "%s", err);
	cr_expect(!in.ignore && !in.verify && in.passive);
	cr_expect_str_eq(in.from, "wecom:mycreate");
	cr_expect_str_eq(in.id, "wecom:4561255354251345929");
	cr_expect_str_eq(in.text, "hello");
	cr_expect_eq(in.sent_at, 1409659813);
}

Test(chat, wecom_refusals)
{
	static const char body[] = "<xml><Encrypt><![CDATA[" A_MSG "]]></Encrypt></xml>";

	cr_expect_eq(call(&wecom, "POST", "msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659814"
	    "&nonce=1372623149", body), 403);
	cr_expect_eq(call(&wecom, "POST", "timestamp=1409659813&nonce=1372623149", body), 403);
	cr_expect_eq(call(&wecom, "POST", "msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813"
	    "&nonce=1372623149", "<xml></xml>"), 400);
	snprintf(wecom.receiver, sizeof wecom.receiver, "ww1436e0e65a779aee");
	cr_expect_eq(call(&wecom, "POST", "msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813"
	    "&nonce=1372623149", body), 403);
	cr_expect(strstr(err, "receiver") != NULL, "%s", err);
}

/* Encrypts xml as WeCom would and calls the channel with a correct signature. */
static int
wecom_post(const char *xml)
{
	unsigned char key[WX_KEY_LEN];
	char enc[4096], body[4608], query[256], sig[41];
	const char *parts[4];
	size_t n;

	wx_key(A_KEY, key);
	cr_assert(wx_encrypt(key, (const unsigned char *)"0123456789abcdef", xml, strlen(xml), wecom.receiver, enc,
	    sizeof enc, &n));
	parts[0] = "QDG6eK", parts[1] = "1700000000", parts[2] = "42", parts[3] = enc;
	wx_signature(parts, 4, sig);
	snprintf(query, sizeof query, "msg_signature=%s&timestamp=1700000000&nonce=42", sig);
	snprintf(body, sizeof body, "<xml><Encrypt><![CDATA[%s]]></Encrypt></xml>", enc);
	return call(&wecom, "POST", query, body);
}

Test(chat, wecom_chinese_nontext_and_events)
{
	cr_assert_eq(wecom_post("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName>"
	    "<![CDATA[zhangsan]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
	    "<Content><![CDATA[牲畜 牛12 猪40]]></Content><MsgId>7</MsgId><AgentID>218</AgentID></xml>"), 200, "%s", err);
	cr_expect_str_eq(in.text, "牲畜 牛12 猪40");
	cr_expect_str_eq(in.from, "wecom:zhangsan");
	cr_expect_str_eq(in.id, "wecom:7");
	cr_assert_eq(wecom_post("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName>"
	    "<![CDATA[zhangsan]]></FromUserName><MsgType><![CDATA[image]]></MsgType><MsgId>8</MsgId></xml>"), 200);
	cr_expect(in.ignore);
	cr_expect_str_eq(in.id, "wecom:8");
	cr_expect_str_eq(in.from, "wecom:zhangsan");
	cr_expect(strstr(in.answer, "更正") != NULL, "%s", in.answer);
	cr_assert_eq(wecom_post("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName>"
	    "<![CDATA[zhangsan]]></FromUserName><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]>"
	    "</Event></xml>"), 200);
	cr_expect(in.ignore);
	cr_expect_str_eq(in.answer, "");
	cr_expect_eq(wecom_post("<xml><ToUserName><![CDATA[other]]></ToUserName><FromUserName>"
	    "<![CDATA[zhangsan]]></FromUserName><MsgType>text</MsgType><Content>x</Content></xml>"), 403);
}

/* The passive answer decrypts (with its own signature) to the text reply XML. */
Test(chat, wecom_passive_answer)
{
	char body[4096], ctype[64], enc[2048], sig[64], ts[32], nonce[32], plain[2048], v[600];
	size_t len, n;

	snprintf(in.from, sizeof in.from, "wecom:zhangsan");
	cr_assert(ch_wecom.passive(&wecom, &in, "已收到 ]]> 牛12", 1700000000000LL, "ABCDEFGHIJKLMNOP", body,
	    sizeof body, &len, ctype, sizeof ctype, err, sizeof err), "%s", err);
	cr_expect_eq(len, strlen(body));
	cr_assert(xml_field(body, len, "Encrypt", enc, sizeof enc, &n));
	cr_assert(xml_field(body, len, "MsgSignature", sig, sizeof sig, &n));
	cr_assert(xml_field(body, len, "TimeStamp", ts, sizeof ts, &n));
	cr_assert(xml_field(body, len, "Nonce", nonce, sizeof nonce, &n));
	cr_expect_str_eq(ts, "1700000000");
	cr_expect(strstr(nonce, "ABCDEFGH") == NULL);
	cr_expect(wx_check("QDG6eK", ts, nonce, enc, sig));
	unsigned char key[WX_KEY_LEN];
	wx_key(A_KEY, key);
	cr_assert(wx_decrypt(key, enc, strlen(enc), "wx5823bf96d3bd56c7", plain, sizeof plain, &n, err, sizeof err));
	cr_assert(xml_field(plain, n, "Content", v, sizeof v, &len));
	cr_expect_str_eq(v, "已收到 ]]> 牛12");
	cr_assert(xml_field(plain, n, "ToUserName", v, sizeof v, &len));
	cr_expect_str_eq(v, "zhangsan");
	cr_assert(xml_field(plain, n, "FromUserName", v, sizeof v, &len));
	cr_expect_str_eq(v, "wx5823bf96d3bd56c7");
}

Test(chat, wecom_requests_and_verdicts)
{
	static struct outreq req;
	char note[256], text[2100];
	int64_t exp = 0;
	char tok[64];

	cr_assert(ch_wecom.token_req(&wecom, &req, err, sizeof err));
	cr_expect(!req.post);
	cr_expect_str_eq(req.url, "http://127.0.0.1:9/cgi-bin/gettoken?corpid=wx5823bf96d3bd56c7&corpsecret=s3cret%26x");
	cr_expect(ch_wecom.token_read(200, J("{\"errcode\":0,\"errmsg\":\"ok\",\"access_token\":\"T1\",\"expires_in\":7200}"),
	    tok, sizeof tok, &exp, err, sizeof err), "%s", err);
	cr_expect_str_eq(tok, "T1");
	cr_expect_eq(exp, 7200);
	cr_expect(!ch_wecom.token_read(200, J("{\"errcode\":40013,\"errmsg\":\"invalid corpid\"}"), tok, sizeof tok,
	    &exp, err, sizeof err));
	cr_expect(strstr(err, "40013") != NULL, "%s", err);
	cr_assert(ch_wecom.reply(&wecom, 0, "wecom:7", "wecom:zhangsan", "", "T1", "收到", &req, err, sizeof err));
	cr_expect(req.post);
	cr_expect_str_eq(req.url, "http://127.0.0.1:9/cgi-bin/message/send?access_token=T1");
	cr_expect_str_eq(req.body, "{\"touser\":\"zhangsan\",\"msgtype\":\"text\",\"agentid\":218,"
	    "\"text\":{\"content\":\"收到\"},\"safe\":0}");
	cr_expect(!ch_wecom.reply(&wecom, 0, "x", "+8613800000003", "", "T1", "x", &req, err, sizeof err));
	/* Over 2,048 bytes: cut on a character boundary (683 three-byte characters = 2,049 bytes). */
	for (size_t i = 0; i < 683; i++)
		memcpy(text + 3 * i, "牛", 3);
	text[2049] = '\0';
	cr_expect_eq(chat_utf8_cut(text, 2049, 2048), 2046);
	cr_expect_eq(ch_wecom.judge(200, J("{\"errcode\":0,\"errmsg\":\"ok\"}"), note, sizeof note), SEND_OK);
	cr_expect_eq(ch_wecom.judge(200, J("{\"errcode\":42001,\"errmsg\":\"expired\"}"), note, sizeof note), SEND_TOKEN);
	cr_expect_eq(ch_wecom.judge(200, J("{\"errcode\":40014,\"errmsg\":\"invalid\"}"), note, sizeof note), SEND_TOKEN);
	cr_expect_eq(ch_wecom.judge(200, J("{\"errcode\":45009,\"errmsg\":\"limit\"}"), note, sizeof note), SEND_RETRY);
	cr_expect_eq(ch_wecom.judge(200, J("{\"errcode\":60020,\"errmsg\":\"ip\"}"), note, sizeof note), SEND_RETRY);
	cr_expect(strstr(note, "trusted IPs") != NULL, "%s", note);
	cr_expect_eq(ch_wecom.judge(200, J("{\"errcode\":81013,\"errmsg\":\"no user\"}"), note, sizeof note), SEND_FAIL);
	cr_expect_eq(ch_wecom.judge(502, J(""), note, sizeof note), SEND_RETRY);
}

Test(chat, wechat_server_check_plain_signature)
{
	snprintf(wechat.token, sizeof wechat.token, "AAAAA");
	cr_assert_eq(call(&wechat, "GET", "signature=899cf89e464efb63f54ddac96b0a0a235f53aa78&timestamp=1714037059"
	    "&nonce=486452656&echostr=5678", ""), 200, "%s", err);
	cr_expect(in.verify);
	cr_expect_str_eq(in.resp, "5678");
	cr_expect_eq(call(&wechat, "GET", "signature=899cf89e464efb63f54ddac96b0a0a235f53aa79&timestamp=1714037059"
	    "&nonce=486452656&echostr=5678", ""), 403);
}

/* The cryptoDemo's safe-mode message, with the plain signature of the same query. */
Test(chat, wechat_safe_mode_message)
{
	const char *parts[3] = { "spamtest", "1409735669", "1320562132" };
	char sig[41], query[512];

	wx_signature(parts, 3, sig);
	snprintf(query, sizeof query, "signature=%s&timestamp=1409735669&nonce=1320562132&openid=oyOR"
	    "&encrypt_type=aes&msg_signature=5d197aaffba7e9b25a30732f161a50dee96bd5fa", sig);
	cr_assert_eq(call(&wechat, "POST", query, "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
	    "<Encrypt><![CDATA[" C_MSG "]]></Encrypt></xml>"), 200, "%s", err);
	cr_expect(in.passive);
	cr_expect_str_eq(in.from, "wechat:oyORnuP8q7ou2gfYjqLzSIWZf0rs");
	cr_expect_str_eq(in.id, "wechat:6054768590064713728");
	cr_expect_str_eq(in.text, "abcdteT");
	cr_expect_str_eq(in.ctx, "gh_10f6c3c3ac5a");
	cr_expect_str_eq(in.resp, "success");
	/* The same query without encrypt_type: a plain body to a safe-mode account is refused. */
	snprintf(query, sizeof query, "signature=%s&timestamp=1409735669&nonce=1320562132", sig);
	cr_expect_eq(call(&wechat, "POST", query, "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>"
	    "<MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>"), 403);
	wechat.plain = true;
	cr_expect_eq(call(&wechat, "POST", query, "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>"
	    "<MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>"), 200, "%s", err);
	cr_expect_str_eq(in.from, "wechat:o1");
}

Test(chat, wechat_passive_and_api)
{
	static struct outreq req;
	char body[4096], ctype[64], v[1024], note[256];
	size_t len;

	snprintf(in.from, sizeof in.from, "wechat:o1");
	snprintf(in.ctx, sizeof in.ctx, "gh_1");
	wechat.plain = true;
	cr_assert(ch_wechat.passive(&wechat, &in, "收到", 1700000000000LL, "ABCDEFGHIJKLMNOP", body, sizeof body,
	    &len, ctype, sizeof ctype, err, sizeof err), "%s", err);
	cr_expect_str_eq(body, "<xml><ToUserName><![CDATA[o1]]></ToUserName><FromUserName><![CDATA[gh_1]]>"
	    "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>"
	    "<![CDATA[收到]]></Content></xml>");
	wechat.plain = false;
	cr_assert(ch_wechat.passive(&wechat, &in, "收到", 1700000000000LL, "ABCDEFGHIJKLMNOP", body, sizeof body,
	    &len, ctype, sizeof ctype, err, sizeof err), "%s", err);
	cr_assert(xml_field(body, len, "Encrypt", v, sizeof v, &len));
	cr_assert(ch_wechat.reply(&wechat, 0, "wechat:1", "wechat:o1", "gh_1", "T2", "收到", &req, err, sizeof err));
	cr_expect_str_eq(req.url, "https://api.weixin.qq.com/cgi-bin/message/custom/send?access_token=T2");
	cr_expect_str_eq(req.body, "{\"touser\":\"o1\",\"msgtype\":\"text\",\"text\":{\"content\":\"收到\"}}");
	cr_expect_eq(ch_wechat.judge(200, J("{\"errcode\":45015,\"errmsg\":\"response out of time limit\"}"), note,
	    sizeof note), SEND_FAIL);
	cr_expect(strstr(note, "48 h window") != NULL, "%s", note);
}
