/*
 * http.c — cunbaoctl's HTTP/1.1 client and the options the admin
 * subcommands share.  One request per TCP connection ("Connection: close"),
 * the response read to EOF and decoded (Content-Length or chunked).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ctlconf.h"
#include "http.h"

/*
 * Sets c to its defaults: the URL from CUNBAO_URL, else the config file,
 * else CLIENT_URL_DEFAULT; the timeout from the config file.
 */
void
client_init(struct client *c)
{
	const char *env = getenv("CUNBAO_URL");
	const struct ctlconf *cf = ctlconf_get();

	memset(c, 0, sizeof *c);
	c->bad_conf = cf->bad;
	c->timeout_s = (int)(cf->timeout_ms / 1000);
	if (env != NULL && env[0] != '\0') {
		c->url = env;
		c->url_from = "CUNBAO_URL";
	} else if (cf->url[0] != '\0') {
		c->url = cf->url;
		c->url_from = cf->file;
	} else {
		c->url = CLIENT_URL_DEFAULT;
		c->url_from = "the default";
	}
}

bool
client_option(struct client *c, int opt, const char *arg)
{
	switch (opt) {
	case CLIENT_OPT_URL:
		c->url = arg;
		c->url_from = "--url";
		return true;
	case CLIENT_OPT_TOKEN_FILE:
		c->token_file = arg;
		return true;
	case CLIENT_OPT_JSON:
		c->json = true;
		return true;
	default:
		return view_option(opt, arg);
	}
}

/*
 * Splits "http://HOST[:PORT][/PREFIX]" (HOST may be "[v6]") into c->host,
 * c->port and c->prefix.  Returns false, with a message in err, otherwise.
 */
static bool
client_parse_url(struct client *c, const char *url, char *err, size_t errlen)
{
	const char *p = url, *hs, *he, *slash;

	if (strncasecmp(p, "http://", 7) != 0) {
		snprintf(err, errlen, "%s: only http:// URLs are supported", url);
		return false;
	}
	p += 7;
	slash = strchr(p, '/');
	if (slash == NULL)
		slash = p + strlen(p);
	hs = p;
	if (*p == '[') {
		hs = p + 1;
		he = memchr(p, ']', (size_t)(slash - p));
		if (he == NULL) {
			snprintf(err, errlen, "%s: unterminated [", url);
			return false;
		}
		p = he + 1;
	} else {
		he = memchr(p, ':', (size_t)(slash - p));
		if (he == NULL)
			he = slash;
		p = he;
	}
	if (he == hs || (size_t)(he - hs) >= sizeof c->host) {
		snprintf(err, errlen, "%s: bad host", url);
		return false;
	}
	memcpy(c->host, hs, (size_t)(he - hs));
	c->host[he - hs] = '\0';
	snprintf(c->port, sizeof c->port, "80");
	if (*p == ':') {
		size_t n = (size_t)(slash - p - 1);
		if (n == 0 || n >= sizeof c->port || strspn(p + 1, "0123456789") < n) {
			snprintf(err, errlen, "%s: bad port", url);
			return false;
		}
		memcpy(c->port, p + 1, n);
		c->port[n] = '\0';
	} else if (p != slash) {
		snprintf(err, errlen, "%s: bad host", url);
		return false;
	}
	if (strlen(slash) >= sizeof c->prefix) {
		snprintf(err, errlen, "%s: path too long", url);
		return false;
	}
	snprintf(c->prefix, sizeof c->prefix, "%s", slash);
	size_t pl = strlen(c->prefix);
	while (pl > 0 && c->prefix[pl - 1] == '/')
		c->prefix[--pl] = '\0';
	return true;
}

/*
 * Copies the first word of the first non-comment line of file into c->token.
 * Returns false with a message in err when the file cannot be read or holds
 * no token.
 */
static bool
client_read_token(struct client *c, const char *file, char *err, size_t errlen)
{
	char line[CLIENT_TOKEN_MAX + 64];
	FILE *f = fopen(file, "r");
	bool found = false;

	if (f == NULL) {
		snprintf(err, errlen, "the token file %s: %s", file, strerror(errno));
		return false;
	}
	while (!found && fgets(line, sizeof line, f) != NULL) {
		char *w = line + strspn(line, " \t");
		size_t n = strcspn(w, " \t\r\n");
		if (n == 0 || *w == '#')
			continue;
		if (n >= sizeof c->token)
			break;
		memcpy(c->token, w, n);
		c->token[n] = '\0';
		found = true;
	}
	fclose(f);
	if (!found)
		snprintf(err, errlen, "the token file %s: no token in it", file);
	return found;
}

/*
 * Readies c: the URL split, the token read (--token-file, else CUNBAO_TOKEN,
 * else token-file of the config file; none is allowed: the server then says
 * 401 and client_call says how to give one), the view bound to c.
 */
bool
client_ready(struct client *c)
{
	char err[512];
	const char *env = getenv("CUNBAO_TOKEN");
	const struct ctlconf *cf = ctlconf_get();

	if (c->bad_conf)
		return false;
	if (!client_parse_url(c, c->url, err, sizeof err)) {
		fprintf(stderr, "cunbaoctl: the URL (from %s) %s\n", c->url_from, err);
		return false;
	}
	if (c->token_file != NULL) {
		if (!client_read_token(c, c->token_file, err, sizeof err)) {
			fprintf(stderr, "cunbaoctl: %s (--token-file)\n", err);
			return false;
		}
		c->token_from = "--token-file";
	} else if (env != NULL && *env != '\0') {
		if (strlen(env) >= sizeof c->token) {
			fprintf(stderr, "cunbaoctl: CUNBAO_TOKEN is too long\n");
			return false;
		}
		snprintf(c->token, sizeof c->token, "%s", env);
		c->token_from = "CUNBAO_TOKEN";
	} else if (cf->token_file[0] != '\0') {
		if (!client_read_token(c, cf->token_file, err, sizeof err)) {
			fprintf(stderr, "cunbaoctl: %s (token-file in %s)\n", err, cf->file);
			return false;
		}
		c->token_from = cf->file;
	}
	view_bind(c);
	return true;
}

/* Connects to the client's host and port; returns the socket or -1 with err set. */
static int
client_connect(const struct client *c, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct timeval tv = { .tv_sec = c->timeout_s > 0 ? c->timeout_s : 60 };
	int fd = -1, rc;

	rc = getaddrinfo(c->host, c->port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot connect: %s: %s", c->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		snprintf(err, errlen, "cannot connect: %s", strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Writes all of buf; false on error. */
static bool
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads until EOF into a malloc'd buffer; returns it (NUL-terminated) or NULL. */
static char *
read_all(int fd, size_t *lenp, char *err, size_t errlen)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap + 1);

	while (buf != NULL) {
		if (len == cap) {
			char *nb = cap >= HTTP_BODY_MAX ? NULL : realloc(buf, cap * 2 + 1);
			if (nb == NULL) {
				snprintf(err, errlen, "response larger than %u bytes", HTTP_BODY_MAX);
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "reading the response: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			buf[len] = '\0';
			*lenp = len;
			return buf;
		}
		len += (size_t)n;
	}
	free(buf);
	return NULL;
}

/* Decodes a chunked body in place; returns its new length or (size_t)-1 if malformed. */
static size_t
dechunk(char *body, size_t len)
{
	size_t in = 0, out = 0;

	for (;;) {
		char *end;
		unsigned long n = strtoul(body + in, &end, 16);
		char *crlf = memchr(end, '\n', len - (size_t)(end - body));
		if (end == body + in || crlf == NULL)
			return (size_t)-1;
		in = (size_t)(crlf - body) + 1;
		if (n == 0)
			return out;
		if (n > len - in)
			return (size_t)-1;
		memmove(body + out, body + in, n);
		out += n;
		in += n;
		if (in < len && body[in] == '\r')
			in++;
		if (in < len && body[in] == '\n')
			in++;
	}
}

/* Returns the value of header name in the header block hdr (NUL-terminated), copied into buf. */
static bool
header_get(const char *hdr, const char *name, char *buf, size_t buflen)
{
	size_t nl = strlen(name);

	for (const char *l = strchr(hdr, '\n'); l != NULL; l = strchr(l, '\n')) {
		l++;
		if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
			const char *v = l + nl + 1;
			v += strspn(v, " \t");
			size_t n = strcspn(v, "\r\n");
			if (n >= buflen)
				n = buflen - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return true;
		}
	}
	return false;
}

/*
 * Splits the raw response raw[0..len) (malloc'd; ownership moves to out)
 * into status, content type and body, decoding a chunked body.  Returns
 * false, with err set and raw freed, if it is not an HTTP response.
 */
static bool
response_parse(char *raw, size_t len, struct http_response *out, char *err, size_t errlen)
{
	char te[64] = "";
	char *sep = strstr(raw, "\r\n\r\n");
	int status;

	if (sep == NULL || sscanf(raw, "HTTP/1.%*d %d", &status) != 1) {
		snprintf(err, errlen, "the server's answer is not HTTP");
		free(raw);
		return false;
	}
	sep[2] = '\0';
	out->status = status;
	header_get(raw, "Content-Type", out->content_type, sizeof out->content_type);
	header_get(raw, "Transfer-Encoding", te, sizeof te);
	size_t off = (size_t)(sep + 4 - raw);
	size_t blen = len - off;
	memmove(raw, raw + off, blen);
	if (strcasecmp(te, "chunked") == 0 && (blen = dechunk(raw, blen)) == (size_t)-1) {
		snprintf(err, errlen, "malformed chunked response");
		free(raw);
		return false;
	}
	raw[blen] = '\0';
	out->body = raw;
	out->len = blen;
	return true;
}

bool
client_request(const struct client *c, const char *method, const char *path,
    const char *content_type, const char *body, size_t bodylen,
    struct http_response *out, char *err, size_t errlen)
{
	char head[8192], auth[CLIENT_TOKEN_MAX + 32] = "", ctype[160] = "";
	int n;

	memset(out, 0, sizeof *out);
	if (c->token[0] != '\0')
		snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", c->token);
	if (content_type != NULL)
		snprintf(ctype, sizeof ctype, "Content-Type: %s\r\n", content_type);
	n = snprintf(head, sizeof head,
	    "%s %s%s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n"
	    "User-Agent: cunbaoctl\r\n%s%sContent-Length: %zu\r\n\r\n",
	    method, c->prefix, path, c->host, c->port, auth, ctype, body ? bodylen : 0);
	explicit_bzero(auth, sizeof auth);
	if (n < 0 || (size_t)n >= sizeof head) {
		snprintf(err, errlen, "request too long: %s", path);
		return false;
	}
	int fd = client_connect(c, err, errlen);
	if (fd < 0)
		return false;
	bool ok = write_all(fd, head, (size_t)n) && (body == NULL || write_all(fd, body, bodylen));
	explicit_bzero(head, sizeof head);
	if (!ok) {
		snprintf(err, errlen, "sending the request: %s", strerror(errno));
		close(fd);
		return false;
	}
	size_t len = 0;
	char *raw = read_all(fd, &len, err, errlen);
	close(fd);
	if (raw == NULL)
		return false;
	return response_parse(raw, len, out, err, errlen);
}

int
client_exit_code(int status)
{
	if (status >= 200 && status < 300)
		return CTL_OK;
	if (status == 401 || status == 403)
		return CTL_REFUSED;
	if (status == 404)
		return CTL_NOTFOUND;
	if (status == 400 || status == 405 || status == 413 || status == 414)
		return CTL_USAGE;
	return CTL_FAIL;
}

/* Prints the message of a {"error":{"code","message"}} body, or the raw body. */
static void
client_print_error(const struct http_response *r)
{
	cJSON *root = cJSON_ParseWithLength(r->body, r->len);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");

	if (cJSON_IsString(msg))
		fprintf(stderr, "cunbaoctl: %s (HTTP %d %s)\n", msg->valuestring, r->status,
		    cJSON_IsString(code) ? code->valuestring : "");
	else
		fprintf(stderr, "cunbaoctl: HTTP %d: %.200s\n", r->status, r->body ? r->body : "");
	cJSON_Delete(root);
}

/* Says on stderr that cunbaod could not be reached at c's URL, and how to give another. */
static void
client_say_unreachable(const struct client *c, const char *err)
{
	char files[3 * PATH_MAX + 16];

	fprintf(stderr, "cunbaoctl: cannot connect to cunbaod at %s (the URL from %s): %s\n"
	    "cunbaoctl: is cunbaod running with its API there?  Give its URL with --url, "
	    "CUNBAO_URL, or url in %s\n", c->url, c->url_from, err,
	    ctlconf_checked(ctlconf_get(), files, sizeof files));
}

/* Says on stderr how to give a token, after a 401 to a request that had none or a refused one. */
static void
client_say_token(const struct client *c)
{
	char files[3 * PATH_MAX + 16];

	ctlconf_checked(ctlconf_get(), files, sizeof files);
	if (c->token_from == NULL)
		fprintf(stderr, "cunbaoctl: no API token: set CUNBAO_TOKEN, or token-file in %s, "
		    "or give --token-file FILE\n", files);
	else
		fprintf(stderr, "cunbaoctl: the token from %s was refused: check it against cunbaod's "
		    "tokens file\n", c->token_from);
}

int
client_call(const struct client *c, const char *method, const char *path,
    const char *content_type, const char *body, size_t bodylen, struct http_response *out)
{
	char err[512];

	if (!client_request(c, method, path, content_type, body, bodylen, out, err, sizeof err)) {
		if (strncmp(err, "cannot connect: ", 16) == 0)
			client_say_unreachable(c, err + 16);
		else
			fprintf(stderr, "cunbaoctl: %s%s: %s\n", c->prefix, path, err);
		return CTL_FAIL;
	}
	int code = client_exit_code(out->status);
	if (code != CTL_OK)
		client_print_error(out);
	if (out->status == 401)
		client_say_token(c);
	return code;
}

void
http_response_clear(struct http_response *r)
{
	if (r == NULL)
		return;
	free(r->body);
	memset(r, 0, sizeof *r);
}

bool
client_escape(const char *s, char *buf, size_t buflen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~:", ch) != NULL;
		if (o + (plain ? 1 : 3) >= buflen)
			return false;
		if (plain) {
			buf[o++] = (char)ch;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[ch >> 4];
			buf[o++] = hex[ch & 15];
		}
	}
	if (o >= buflen)
		return false;
	buf[o] = '\0';
	return true;
}

bool
client_query_add(char *buf, size_t buflen, const char *name, const char *value)
{
	char esc[1024];
	size_t len = strlen(buf);

	if (value == NULL)
		return true;
	if (!client_escape(value, esc, sizeof esc))
		return false;
	int n = snprintf(buf + len, buflen - len, "%c%s=%s", strchr(buf, '?') ? '&' : '?', name, esc);
	return n > 0 && (size_t)n < buflen - len;
}

bool
client_other_option(struct client *c, struct list_opts *l, int opt, const char *arg)
{
	if (client_option(c, opt, arg))
		return true;
	if (l == NULL)
		return false;
	switch (opt) {
	case LIST_OPT_LIMIT:
		l->limit = arg;
		return true;
	case LIST_OPT_CURSOR:
		l->cursor = arg;
		return true;
	case LIST_OPT_ALL:
		l->all = true;
		return true;
	default:
		return false;
	}
}

void
client_print_body(const struct http_response *r)
{
	fwrite(r->body, 1, r->len, stdout);
	if (r->len == 0 || r->body[r->len - 1] != '\n')
		fputc('\n', stdout);
}

/*
 * Fetches one page: path plus limit and cursor.  On success *page holds the
 * parsed body (free with cJSON_Delete) and next its "next" (or "").
 */
static int
list_page(const struct client *c, const char *path, const char *limit, const char *cursor,
    cJSON **page, char *next, size_t nextlen)
{
	char full[4096];
	struct http_response r;
	int code;

	snprintf(full, sizeof full, "%s", path);
	if (!client_query_add(full, sizeof full, "limit", limit) ||
	    !client_query_add(full, sizeof full, "cursor", cursor)) {
		fprintf(stderr, "cunbaoctl: the request is too long\n");
		return CTL_USAGE;
	}
	if ((code = client_call(c, "GET", full, NULL, NULL, 0, &r)) != CTL_OK) {
		http_response_clear(&r);
		return code;
	}
	*page = cJSON_ParseWithLength(r.body, r.len);
	http_response_clear(&r);
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(*page, "items");
	const cJSON *nx = cJSON_GetObjectItemCaseSensitive(*page, "next");
	if (!cJSON_IsArray(items)) {
		fprintf(stderr, "cunbaoctl: %s: the answer is not a list\n", path);
		cJSON_Delete(*page);
		return CTL_FAIL;
	}
	snprintf(next, nextlen, "%s", cJSON_IsString(nx) ? nx->valuestring : "");
	return CTL_OK;
}

int
client_list(const struct client *c, const char *path, const struct list_opts *l,
    void (*fn)(void *arg, const cJSON *item), void *arg)
{
	char next[1024] = "", cursor[1024];
	cJSON *all = c->json ? cJSON_CreateArray() : NULL, *page, *item;
	int code = CTL_OK;

	snprintf(cursor, sizeof cursor, "%s", l->cursor ? l->cursor : "");
	do {
		if ((code = list_page(c, path, l->limit, *cursor ? cursor : NULL, &page, next,
		    sizeof next)) != CTL_OK)
			break;
		cJSON *items = cJSON_GetObjectItemCaseSensitive(page, "items");
		while (all != NULL && (item = cJSON_DetachItemFromArray(items, 0)) != NULL)
			cJSON_AddItemToArray(all, item);
		cJSON_ArrayForEach(item, items)
			fn(arg, item);
		cJSON_Delete(page);
		snprintf(cursor, sizeof cursor, "%s", next);
	} while (l->all && *next);
	if (code == CTL_OK && all != NULL) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddItemToObject(doc, "items", all);
		all = NULL;
		if (*next)
			cJSON_AddStringToObject(doc, "next", next);
		else
			cJSON_AddNullToObject(doc, "next");
		char *text = cJSON_PrintUnformatted(doc);
		if (text != NULL)
			printf("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(doc);
	} else if (code == CTL_OK && *next) {
		fprintf(stderr, "cunbaoctl: more: add --cursor %s (or --all)\n", next);
	}
	cJSON_Delete(all);
	return code;
}

bool
client_path(char *buf, size_t buflen, const char *base, ...)
{
	va_list ap;
	const char *name;
	bool ok = (size_t)snprintf(buf, buflen, "%s", base) < buflen;

	va_start(ap, base);
	while (ok && (name = va_arg(ap, const char *)) != NULL)
		ok = client_query_add(buf, buflen, name, va_arg(ap, const char *));
	va_end(ap);
	if (!ok)
		fprintf(stderr, "cunbaoctl: the request is too long\n");
	return ok;
}
