/*
 * test_httpreq.c — the webhook server's request-head parser: the heads
 * Kannel, Telegram and curl send, and every refusal with its status.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"

static int
parse(const char *text, struct httpreq *r, char *buf, size_t buflen, char *err)
{
	snprintf(buf, buflen, "%s", text);
	err[0] = '\0';
	return httpreq_parse(buf, r, err, 256);
}

Test(httpreq, heads_gateways_send)
{
	static char buf[4096];
	struct httpreq r;
	char err[256];

	cr_assert_eq(parse("GET /kannel/incoming?from=%2B86138&text=x&key=k HTTP/1.1\r\nHost: 127.0.0.1:13080\r\n"
	    "User-Agent: Kannel/1.4.5\r\n\r\n", &r, buf, sizeof buf, err), 200, "%s", err);
	cr_expect_str_eq(r.method, "GET");
	cr_expect_str_eq(r.path, "/kannel/incoming");
	cr_expect_str_eq(r.query, "from=%2B86138&text=x&key=k");
	cr_expect_eq(r.nheaders, 2);
	cr_expect_str_eq(r.headers[1].name, "User-Agent");
	cr_expect_str_eq(r.headers[1].value, "Kannel/1.4.5");
	cr_expect_eq(r.content_length, 0);

	cr_assert_eq(parse("POST /telegram/webhook HTTP/1.1\r\nContent-Type: application/json\r\n"
	    "Content-Length:   42  \r\nX-Telegram-Bot-Api-Secret-Token: s\r\nExpect: 100-continue\r\n\r\n",
	    &r, buf, sizeof buf, err), 200, "%s", err);
	cr_expect_str_eq(r.path, "/telegram/webhook");
	cr_expect_str_eq(r.query, "");
	cr_expect_eq(r.content_length, 42);
	cr_expect(r.expect_continue);
	cr_expect_str_eq(r.headers[1].value, "42");

	cr_assert_eq(parse("GET /healthz HTTP/1.0\n\n", &r, buf, sizeof buf, err), 200, "%s", err);
	cr_expect_eq(r.nheaders, 0);
}

Test(httpreq, refusals)
{
	static const struct {
		const char *head;
		int status;
	} cases[] = {
		{ "GET /x\r\n\r\n", 400 },
		{ "GET  /x HTTP/1.1\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1 extra\r\n\r\n", 400 },
		{ "G(T /x HTTP/1.1\r\n\r\n", 400 },
		{ "GET /x HTTP/2.0\r\n\r\n", 505 },
		{ "GET /x SPDY/1.1\r\n\r\n", 505 },
		{ "GET /x HTTP/1.1\r\nNoColon\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1\r\n: empty name\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1\r\nBad Name: 1\r\n\r\n", 400 },
		{ "POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400 },
		{ "POST /x HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", 400 },
		{ "POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400 },
		{ "POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400 },
		{ "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411 },
		{ "GET /x HTTP/1.1\r\nA: 1\r\n", 400 },
	};
	static char buf[4096];
	struct httpreq r;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = parse(cases[i].head, &r, buf, sizeof buf, err);

		cr_expect_eq(st, cases[i].status, "case %zu: %d (%s)", i, st, err);
		cr_expect(err[0] != '\0', "case %zu: no explanation", i);
	}
}

Test(httpreq, too_many_fields)
{
	static char head[8192], buf[8192];
	struct httpreq r;
	char err[256];
	size_t off;
	int i;

	off = (size_t)snprintf(head, sizeof head, "GET /x HTTP/1.1\r\n");
	for (i = 0; i < HTTPREQ_HEADERS_MAX; i++)
		off += (size_t)snprintf(head + off, sizeof head - off, "X-%d: %d\r\n", i, i);
	snprintf(head + off, sizeof head - off, "\r\n");
	cr_expect_eq(parse(head, &r, buf, sizeof buf, err), 200, "%s", err);
	snprintf(head + off, sizeof head - off, "X-One-More: 1\r\n\r\n");
	cr_expect_eq(parse(head, &r, buf, sizeof buf, err), 431, "%s", err);
}
