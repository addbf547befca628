/*
 * httpreq.c — the head of one HTTP/1.x request (request line and header
 * fields), parsed in place with no I/O, for the webhook server in http.c.
 *
 * The server hands over the bytes up to and including the blank line,
 * NUL-terminated, in a buffer it owns; the parser cuts that buffer into
 * NUL-terminated pieces that the result points into.  What a webhook never
 * needs is refused with a status the server answers at once: a malformed
 * line (400), too many fields (431), a body not framed by Content-Length
 * (411), another protocol than HTTP/1.x (505).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge.h"

/* Token characters of RFC 9110 (method, field names). */
static bool
httpreq_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Cuts the next line (ending "\r\n" or "\n") off *p; NULL at the end. */
static char *
httpreq_line(char **p)
{
	char *line = *p, *nl = strchr(line, '\n');

	if (nl == NULL)
		return NULL;
	*p = nl + 1;
	if (nl > line && nl[-1] == '\r')
		nl--;
	*nl = '\0';
	return line;
}

/* "METHOD SP target SP HTTP/1.x"; 200, or the status with err set. */
static int
httpreq_request_line(char *line, struct httpreq *r, char *err, size_t errlen)
{
	char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL, *q;
	size_t i;

	if (sp1 == NULL || sp2 == NULL || strchr(sp2 + 1, ' ') != NULL || sp1 == line || sp2 == sp1 + 1) {
		snprintf(err, errlen, "malformed request line");
		return 400;
	}
	*sp1 = *sp2 = '\0';
	for (i = 0; line[i] != '\0'; i++)
		if (!httpreq_tchar(line[i])) {
			snprintf(err, errlen, "malformed method");
			return 400;
		}
	if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0 || sp2[8] < '0' || sp2[8] > '9' || sp2[9] != '\0') {
		snprintf(err, errlen, "only HTTP/1.x is spoken here");
		return 505;
	}
	r->method = line;
	r->path = sp1 + 1;
	if ((q = strchr(r->path, '?')) != NULL) {
		*q = '\0';
		r->query = q + 1;
	} else {
		r->query = "";
	}
	return 200;
}

/* Reads the framing fields out of the headers; 200, or the status with err set. */
static int
httpreq_framing(struct httpreq *r, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++) {
		const char *name = r->headers[i].name, *v = r->headers[i].value;
		char *end;

		if (strcasecmp(name, "Transfer-Encoding") == 0) {
			snprintf(err, errlen, "send the body with a Content-Length, not Transfer-Encoding");
			return 411;
		}
		if (strcasecmp(name, "Expect") == 0 && strcasecmp(v, "100-continue") == 0)
			r->expect_continue = true;
		if (strcasecmp(name, "Content-Length") != 0)
			continue;
		if (r->content_length >= 0 || v[0] < '0' || v[0] > '9' || strlen(v) > 15 ||
		    (r->content_length = strtoll(v, &end, 10), *end != '\0')) {
			snprintf(err, errlen, "malformed or repeated Content-Length");
			return 400;
		}
	}
	if (r->content_length < 0)
		r->content_length = 0;
	return 200;
}

int
httpreq_parse(char *head, struct httpreq *r, char *err, size_t errlen)
{
	char *p = head, *line, *colon, *v, *e;
	int status;

	memset(r, 0, sizeof *r);
	r->content_length = -1;
	if ((line = httpreq_line(&p)) == NULL) {
		snprintf(err, errlen, "malformed request line");
		return 400;
	}
	if ((status = httpreq_request_line(line, r, err, errlen)) != 200)
		return status;
	while ((line = httpreq_line(&p)) != NULL && line[0] != '\0') {
		if ((colon = strchr(line, ':')) == NULL || colon == line || line[0] == ' ' || line[0] == '\t') {
			snprintf(err, errlen, "malformed header field");
			return 400;
		}
		*colon = '\0';
		for (v = line; v < colon; v++)
			if (!httpreq_tchar(*v)) {
				snprintf(err, errlen, "malformed header field name");
				return 400;
			}
		if (r->nheaders == HTTPREQ_HEADERS_MAX) {
			snprintf(err, errlen, "more than %d header fields", HTTPREQ_HEADERS_MAX);
			return 431;
		}
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		r->headers[r->nheaders].name = line;
		r->headers[r->nheaders++].value = v;
	}
	if (line == NULL) {
		snprintf(err, errlen, "the head does not end with a blank line");
		return 400;
	}
	return httpreq_framing(r, err, errlen);
}
