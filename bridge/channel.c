/*
 * channel.c — the channel table and the little helpers every channel uses.
 *
 * A channel is one file (ch_<name>.c) exporting a struct channel_ops; to add
 * one, write that file and add its line below.  The HTTP server routes
 * webhooks by the table, the relay finds reply senders in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "bridge.h"

const struct channel_ops *const channel_table[] = {
	&ch_kannel,
	&ch_generic,
	&ch_telegram,
	NULL,
};

const struct channel_ops *
channel_find(const char *name)
{
	size_t i;

	for (i = 0; channel_table[i] != NULL; i++)
		if (strcmp(channel_table[i]->name, name) == 0)
			return channel_table[i];
	return NULL;
}

const struct channel_ops *
channel_for_reply(const struct bridge_conf *c, const char *ch)
{
	const struct channel_ops *pref = channel_find(c->sms_gateway);
	size_t i;

	/* "sms" has two modules (Kannel, generic): the configured one wins. */
	if (pref != NULL && strcmp(pref->channel, ch) == 0 && pref->enabled(c))
		return pref;
	for (i = 0; channel_table[i] != NULL; i++)
		if (strcmp(channel_table[i]->channel, ch) == 0 && channel_table[i]->enabled(c))
			return channel_table[i];
	return NULL;
}

void
channel_make_id(const char *prefix, const char *raw, size_t rawlen, char *out, size_t outlen)
{
	size_t plen = strlen(prefix);
	char hex[SIG_HEX_LEN + 1];

	if (rawlen > 0 && plen + 1 + rawlen <= CB_ID_MAX && payload_id_valid(raw, rawlen)) {
		snprintf(out, outlen, "%s:%.*s", prefix, (int)rawlen, raw);
		return;
	}
	/* Not usable as it is: a digest keeps retries of the same message on the same id. */
	sig_hmac_hex("", raw, rawlen, hex);
	snprintf(out, outlen, "%s:h%.40s", prefix, hex);
}

bool
addr_split(const char *addr, char *host, size_t hostlen, int *port)
{
	const char *colon = strrchr(addr, ':');
	size_t n;

	if (colon == NULL)
		return false;
	n = (size_t)(colon - addr);
	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
		addr++;
		n -= 2;
	}
	if (n == 0 || n >= hostlen)
		return false;
	memcpy(host, addr, n);
	host[n] = '\0';
	*port = atoi(colon + 1);
	return *port > 0 && *port < 65536;
}

void
outreq_reset(struct outreq *req)
{
	req->post = false;
	req->url[0] = req->ctype[0] = req->body[0] = '\0';
	req->bodylen = 0;
	req->nhdrs = 0;
}

bool
outreq_header(struct outreq *req, const char *name, const char *value)
{
	if (req->nhdrs == OUTREQ_HEADERS_MAX || strlen(name) >= sizeof req->hdrs[0].name ||
	    strlen(value) >= sizeof req->hdrs[0].value)
		return false;
	snprintf(req->hdrs[req->nhdrs].name, sizeof req->hdrs[0].name, "%s", name);
	snprintf(req->hdrs[req->nhdrs].value, sizeof req->hdrs[0].value, "%s", value);
	req->nhdrs++;
	return true;
}

const char *
webhook_header(const struct webhook *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->nheaders; i++)
		if (strcasecmp(w->headers[i].name, name) == 0)
			return w->headers[i].value;
	return NULL;
}

bool
list_has(const char *list, const char *item)
{
	const char *p = list;
	size_t ilen = strlen(item);

	while (p != NULL && *p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == ilen && memcmp(p, item, n) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

bool
channel_json_int(const struct cJSON *m, int64_t *out)
{
	/* Integers up to 2^53 are exact in a double; beyond that, or fractional, they are not ids. */
	if (!cJSON_IsNumber(m) || m->valuedouble < -9007199254740992.0 ||
	    m->valuedouble > 9007199254740992.0 || m->valuedouble != (double)(int64_t)m->valuedouble)
		return false;
	*out = (int64_t)m->valuedouble;
	return true;
}

void
err_append(char *err, size_t errlen, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	used = strnlen(err, errlen - 1);
	err[used] = '\0';
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}

int
channel_check_secret(const char *key, const char *value, const char *what, char *err, size_t errlen)
{
	if (strlen(value) >= 16)
		return 0;
	err_append(err, errlen, "%s: %s of at least 16 characters is required\n", key, what);
	return 1;
}

int
channel_check_url(const char *key, const char *url, char *err, size_t errlen)
{
	if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
		return 0;
	err_append(err, errlen, "%s: \"%s\" is not an http(s) URL\n", key, url);
	return 1;
}
