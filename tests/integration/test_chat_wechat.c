/*
 * test_chat_wechat.c — a WeChat Official Account in safe mode through a
 * real cunbao-bridge, mosquitto and cunbaod; the customer-service API
 * played by fake_chat_api.py (test_chat.h).  Reply mode both: passive
 * when the receipt comes within passive-wait, else by the API.
 *
 *   - the server check: the signature checked, echostr echoed;
 *   - a leader's encrypted Chinese message in: the report stored and
 *     counted, the reply in the HTTP answer itself (encrypted, signed; it
 *     decrypts to the receipt's text), nothing sent by the API;
 *   - the same MsgId again (WeChat retries when our answer did not reach
 *     it): counted once, the same passive reply again;
 *   - a bad signature: 403, nothing spooled;
 *   - a non-text message: answered passively with nontext-reply;
 *   - kill -9 of the bridge after it answered WeChat ("success", once
 *     passive-wait ran out) and before the receipt (cunbaod stopped): after
 *     both restart, counted once and replied once by message/custom/send;
 *     the first send is refused as an expired token (--expire-sends 1), so
 *     the bridge fetches a new token and sends again, not counting that
 *     attempt;
 *   - reply passive: a receipt after passive-wait is muted, never sent by
 *     the API; WeChat's retry of the message carries it, and a retry that
 *     comes before the receipt is held for it again.
 */
#include "test_chat.h"

#define TOKEN "spamtest"
#define KEY "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define APPID "wx2c2769f8efd9abc2"
#define GH "gh_10f6c3c3ac5a"
#define SEND "/cgi-bin/message/custom/send"

static const char roster[] = "id,name,area,role,lang\n"
	"wechat:oZhang,张志强,xinzhuang/hexi/g05,leader,zh\n"
	"wechat:oLi,李四,xinzhuang/hexi/g06,leader,zh\n";

/* POSTs xml as WeChat does in safe mode; r gets the answer. */
static void
post_xml(const struct tc_bridge *b, const char *xml, bool bad_sig, struct tb_resp *r)
{
	char query[512], body[8192], target[600];

	tc_wx_post(TOKEN, KEY, APPID, xml, true, query, sizeof query, body, sizeof body);
	if (bad_sig)
		query[strlen("signature=")] ^= 1;
	snprintf(target, sizeof target, "/wechat/gzh?%s", query);
	cr_assert(tb_http(b->port, "POST", target, "Content-Type: text/xml\r\n", body, strlen(body), r), "no answer");
}

static void
post(const struct tc_bridge *b, const char *user, const char *msgid, const char *text, bool bad_sig,
    struct tb_resp *r)
{
	char xml[2048];

	tc_wx_text(GH, user, msgid, text, xml, sizeof xml);
	post_xml(b, xml, bad_sig, r);
}

/* Decrypts a passive answer (its signature checked) and returns its Content (static). */
static const char *
passive_content(const char *answer, const char *touser)
{
	static char plain[4096], v[1024];
	char enc[4096], sig[64], ts[32], nonce[64];
	unsigned char key[WX_KEY_LEN];
	size_t n, len;

	cr_assert(xml_field(answer, strlen(answer), "Encrypt", enc, sizeof enc, &n), "not encrypted: %s", answer);
	cr_assert(xml_field(answer, strlen(answer), "MsgSignature", sig, sizeof sig, &n));
	cr_assert(xml_field(answer, strlen(answer), "TimeStamp", ts, sizeof ts, &n));
	cr_assert(xml_field(answer, strlen(answer), "Nonce", nonce, sizeof nonce, &n));
	cr_expect(wx_check(TOKEN, ts, nonce, enc, sig), "the answer's signature");
	cr_assert(wx_key(KEY, key));
	char err[256];
	cr_assert(wx_decrypt(key, enc, strlen(enc), APPID, plain, sizeof plain, &len, err, sizeof err), "%s", err);
	cr_assert(xml_field(plain, len, "ToUserName", v, sizeof v, &n));
	cr_expect_str_eq(v, touser);
	cr_assert(xml_field(plain, len, "FromUserName", v, sizeof v, &n));
	cr_expect_str_eq(v, GH);
	cr_assert(xml_field(plain, len, "Content", v, sizeof v, &n));
	return v;
}

Test(chat_wechat, end_to_end, .timeout = 400)
{
	static struct cbd c;
	static struct tc_api api;
	static struct tc_bridge b;
	static char target[256];
	const char *parts[3] = { TOKEN, "1714037059", "486452656" };
	char sig[41], xml[1024], *reply;
	struct tb_resp r;
	cJSON *rc, *j;

	tc_start(&c, &api, "--expire-sends 1", &b, roster, "[wechat gzh]\ntoken %s\naes-key %s\nreceiver %s\n"
	    "reply both\nsecret test-secret-0002\n", TOKEN, KEY, APPID);

	/* The server check: echostr back as it came. */
	wx_signature(parts, 3, sig);
	snprintf(target, sizeof target, "/wechat/gzh?signature=%s&timestamp=1714037059&nonce=486452656&echostr=e42x", sig);
	cr_assert(tb_http(b.port, "GET", target, NULL, "", 0, &r));
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(r.body, "e42x");

	/* A leader's message: the reply comes in the answer itself, encrypted. */
	post(&b, "oZhang", "2001", TC_TEXT, false, &r);
	cr_assert_eq(r.status, 200);
	rc = tc_accepted(&c, "wechat:2001", NULL);
	cr_expect_str_eq(passive_content(r.body, "oZhang"), rc_str(rc, "text"));
	tc_cattle(&c, 12);
	cr_expect_eq(tb_sql(b.spool, "SELECT count(*) FROM reply WHERE state = 1 AND note LIKE 'passive%'"), 1);

	/* WeChat retries only when our answer did not reach it: counted once, the same reply again. */
	post(&b, "oZhang", "2001", TC_TEXT, false, &r);
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(passive_content(r.body, "oZhang"), rc_str(rc, "text"));
	cr_expect_eq(tc_journal(&c, "wechat:2001"), 1);
	cr_expect(tc_db_wait(c.db, TC_CATTLE, 12));
	cJSON_Delete(rc);

	/* A bad signature: 403, nothing spooled. */
	long before = tc_spooled(&b);
	post(&b, "oZhang", "2003", "牲畜 牛99", true, &r);
	cr_expect_eq(r.status, 403);
	cr_expect_eq(tc_spooled(&b), before);

	/* A voice message: not a report, answered at once in the answer. */
	snprintf(xml, sizeof xml, "<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[oZhang]]>"
	    "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[voice]]></MsgType>"
	    "<MediaId><![CDATA[m]]></MediaId><MsgId>2004</MsgId></xml>", GH);
	post_xml(&b, xml, false, &r);
	cr_expect_eq(r.status, 200);
	cr_expect(strstr(passive_content(r.body, "oZhang"), "更正") != NULL);
	cr_expect_eq(tc_spooled(&b), before);

	/* cunbaod down: WeChat gets "success" after passive-wait; the bridge is killed before the receipt. */
	cr_assert_eq(cbd_term(&c), 0);
	post(&b, "oLi", "2002", "牲畜 牛7 猪1", false, &r);
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(r.body, "success");
	cr_expect_eq(tc_spooled(&b), before + 1);
	tc_crash(&c, &b);
	/* The first send is refused (token expired): a new token, the same reply again. */
	cr_assert(tc_api_wait(&api, SEND, 2, TC_WAIT), "no reply by the API after the restart");
	cr_expect_eq(tc_api_count(&api, "/cgi-bin/token"), 2);
	reply = tc_api_text(&api, SEND, 1, &j);
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "query"), "access_token")->valuestring, "tok-2");
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "json"), "touser")->valuestring, "oLi");
	cr_expect(strstr(reply, "7") != NULL, "%s", reply);
	cJSON_Delete(j);
	free(reply);
	tc_cattle(&c, 19);
	cr_expect_eq(tc_journal(&c, "wechat:2002"), 1);
	tb_sleep_ms(2000);	/* time for a third send that must not come */
	cr_expect_eq(tc_api_count(&api, SEND), 2);
	cr_expect_eq(tb_sql(b.spool, "SELECT state FROM reply WHERE id = 'wechat:2002'"), 1);
	cr_expect_eq(tb_sql(b.spool, "SELECT attempts FROM reply WHERE id = 'wechat:2002'"), 1,
	    "the refused token's attempt is not counted");
	cr_expect_eq(h_stop(b.proc, SIGTERM, TC_WAIT), 0, "the bridge did not stop cleanly");
	cbd_stop(&c);
}

/* A POST in a thread: WeChat retrying while the test restarts cunbaod. */
struct retry {
	const struct tc_bridge *b;
	const char *user, *msgid;
	struct tb_resp r;
	pthread_t t;
};

static void *
retry_run(void *arg)
{
	struct retry *q = arg;

	post(q->b, q->user, q->msgid, TC_TEXT, false, &q->r);
	return NULL;
}

/*
 * reply passive (the default): a receipt that comes after passive-wait
 * cannot be sent by itself; WeChat gets "success", the reply is kept as
 * muted "no passive window", and the API is never called.  WeChat's retry
 * of that message is the window: the reply goes in its answer (recorded as
 * sent).  A retry that comes before the receipt is held for it again.
 */
Test(chat_wechat, passive_only_late_receipt, .timeout = 200)
{
	static struct cbd c;
	static struct tc_api api;
	static struct tc_bridge b;
	static struct retry q;
	struct tb_resp r;
	cJSON *rc;

	tc_start(&c, &api, "", &b, roster, "[wechat gzh]\ntoken %s\naes-key %s\nreceiver %s\npassive-wait 6s\n",
	    TOKEN, KEY, APPID);

	/* Late: muted; then WeChat's retry carries it. */
	cr_assert_eq(cbd_term(&c), 0);
	post(&b, "oZhang", "3001", TC_TEXT, false, &r);
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(r.body, "success");
	cr_assert(cbd_spawn(&c), "cunbaod did not restart");
	cr_assert(h_wait_log(b.proc, "receipt wechat:3001: accepted; reply muted: no passive window", TC_WAIT));
	cr_expect_eq(tb_sql(b.spool, "SELECT state FROM reply WHERE id = 'wechat:3001'"), 3);
	rc = cbd_receipt_from(&c, "bridge-1", "wechat:3001", TC_WAIT);
	cr_assert_not_null(rc);
	post(&b, "oZhang", "3001", TC_TEXT, false, &r);
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(passive_content(r.body, "oZhang"), rc_str(rc, "text"));
	cr_expect_eq(tb_sql(b.spool, "SELECT state FROM reply WHERE id = 'wechat:3001'"), 1);
	cJSON_Delete(rc);

	/* A retry while cunbaod is still down is held again, and carries the reply. */
	cr_assert_eq(cbd_term(&c), 0);
	post(&b, "oLi", "3002", "牲畜 牛7 猪1", false, &r);
	cr_expect_str_eq(r.body, "success");
	q.b = &b;
	q.user = "oLi";
	q.msgid = "3002";
	cr_assert_eq(pthread_create(&q.t, NULL, retry_run, &q), 0);
	cr_assert(h_wait_log(b.proc, "wechat:3002: held again for its receipt", TC_WAIT));
	cr_assert(cbd_spawn(&c), "cunbaod did not restart");
	pthread_join(q.t, NULL);
	rc = cbd_receipt_from(&c, "bridge-1", "wechat:3002", TC_WAIT);
	cr_assert_not_null(rc);
	cr_expect_eq(q.r.status, 200);
	cr_expect_str_eq(passive_content(q.r.body, "oLi"), rc_str(rc, "text"));
	cJSON_Delete(rc);
	cr_expect_eq(tc_journal(&c, "wechat:3002"), 1);
	tb_sleep_ms(500);
	cr_expect_eq(tc_api_count(&api, NULL), 0, "the API was called");
	cr_expect_eq(h_stop(b.proc, SIGTERM, TC_WAIT), 0, "the bridge did not stop cleanly");
	cbd_stop(&c);
}
