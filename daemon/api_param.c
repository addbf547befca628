/*
 * api_param.c — the query parameters the list resources share (area, kind,
 * period, since, limit, cursor), ISO 8601 instants, opaque cursors, and the
 * {"items":[...],"next":...} envelope of every list.  A bad value is a 400
 * that names the parameter and says what would do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api_int.h"
#include "period.h"
#include "store_query.h"
#include "topic.h"
#include "utf8.h"

/* Parses exactly n decimal digits at s into *out. */
static bool
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Parses a "Z", "+08:00", "+0800" or "+08" suffix into seconds east; "" means the daemon's offset. */
static bool
parse_offset(const char *s, bool *given, int32_t *off)
{
	int h, m = 0;

	*given = *s != '\0';
	if (*s == '\0')
		return true;
	if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0) {
		*off = 0;
		return true;
	}
	if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2, &h))
		return false;
	if (s[3] == ':' && digits(s + 4, 2, &m) && s[6] == '\0')
		;
	else if (s[3] != '\0' && !(digits(s + 3, 2, &m) && s[5] == '\0'))
		return false;
	if (h > 14 || m > 59)
		return false;
	*off = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return true;
}

bool
api_parse_time(const struct api *a, const char *s, int64_t *out)
{
	int y, mo, d, hh = 0, mi = 0, ss = 0;
	const char *p = s + 10;
	bool given;
	int32_t off = 0;

	if (strlen(s) < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || !period_valid_date(y, mo, d))
		return false;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if (!digits(p + 1, 2, &hh) || p[3] != ':' || !digits(p + 4, 2, &mi))
			return false;
		p += 6;
		if (*p == ':') {
			if (!digits(p + 1, 2, &ss))
				return false;
			p += 3;
			if (*p == '.')
				for (p++; *p >= '0' && *p <= '9'; p++)
					;
		}
		if (hh > 23 || mi > 59 || ss > 60)
			return false;
	}
	if (!parse_offset(p, &given, &off))
		return false;
	int64_t local = period_days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss;
	if (!given)
		off = api_utc_offset(a, local);
	*out = local - off;
	return true;
}

bool
api_period_valid(const struct kind *k, const char *p)
{
	struct period per;

	return period_parse(p, strlen(p), k->period, &per) == CB_OK;
}

/*
 * Canonicalizes a period for kind k (or, with k NULL, for whichever period
 * type the text has) into out.  False when no type fits.
 */
static bool
period_canon(const struct kind *k, const char *s, char *out, size_t outlen)
{
	static const enum period_type types[] = { PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH,
		PERIOD_QUARTER, PERIOD_YEAR };
	struct period per;

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (k != NULL && k->period != types[i])
			continue;
		if (period_parse(s, strlen(s), types[i], &per) == CB_OK)
			return period_format(&per, out, outlen) > 0;
	}
	return false;
}

void
api_cursor_encode(const char *key, char *buf, size_t buflen)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(key), o = 0;

	if (2 * n + 1 > buflen) {
		buf[0] = '\0';
		return;
	}
	for (size_t i = 0; i < n; i++) {
		buf[o++] = hex[(unsigned char)key[i] >> 4];
		buf[o++] = hex[(unsigned char)key[i] & 15];
	}
	buf[o] = '\0';
}

/* Decodes a hex cursor into buf; false if malformed or too long. */
static bool
cursor_decode(const char *s, char *buf, size_t buflen)
{
	size_t n = strlen(s);

	if (n % 2 != 0 || n / 2 + 1 > buflen)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		char pair[3] = { s[2 * i], s[2 * i + 1], '\0' };
		char *end;
		long v = strtol(pair, &end, 16);
		if (*end != '\0' || v == 0 || pair[0] == '+' || pair[0] == '-' || pair[0] == ' ')
			return false;
		buf[i] = (char)v;
	}
	buf[n / 2] = '\0';
	return true;
}

/*
 * Decodes one %-encoded part of a query (a name or a value, '+' a space)
 * into a string the caller frees.  NULL, with *why set, when the decoded
 * bytes hold a NUL (which would cut the value short: "xinzhuang%00/hexi"
 * must not read as "xinzhuang") or are not valid UTF-8.
 */
static char *
query_part_decode(const char *s, size_t len, const char **why)
{
	char *raw = strndup(s, len), *dec;
	size_t n = 0;

	*why = "out of memory";
	if (raw == NULL)
		return NULL;
	dec = evhttp_uridecode(raw, 1, &n);
	free(raw);
	if (dec == NULL)
		return NULL;
	*why = n != strlen(dec) ? "contains a NUL byte (%00)"
	    : !utf8_valid(dec, n) ? "is not valid UTF-8" : NULL;
	if (*why != NULL) {
		free(dec);
		return NULL;
	}
	return dec;
}

bool
api_query_parse(struct api_req *r, const char *query)
{
	const char *p = query, *why;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, '&'), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *key, *val;

		if (len == 0) {
			p = end ? end + 1 : NULL;
			continue;
		}
		if ((eq = memchr(p, '=', len)) == NULL || eq == p) {
			api_error(r, 400, "bad_parameter", "malformed query string: a parameter without %s",
			    eq == NULL ? "'='" : "a name");
			return false;
		}
		if ((key = query_part_decode(p, (size_t)(eq - p), &why)) == NULL) {
			/* The name itself is unprintable: say so without echoing it. */
			api_error(r, 400, "bad_parameter", "a parameter name %s", why);
			return false;
		}
		if ((val = query_part_decode(eq + 1, len - (size_t)(eq - p) - 1, &why)) == NULL) {
			api_error(r, 400, "bad_parameter", "parameter \"%.64s\" %s", key, why);
			free(key);
			return false;
		}
		int rc = evhttp_add_header(&r->params, key, val);
		if (rc != 0)
			api_error(r, 400, "bad_parameter", "parameter \"%.64s\" has a line break", key);
		free(key);
		free(val);
		if (rc != 0)
			return false;
		p = end ? end + 1 : NULL;
	}
	return true;
}

/* Reads limit: 1..API_LIMIT_MAX, default API_LIMIT_DEFAULT. */
static bool
limit_parse(struct api_req *r, const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	*out = API_LIMIT_DEFAULT;
	if (s == NULL)
		return true;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || v < 1 || v > API_LIMIT_MAX) {
		api_error(r, 400, "bad_parameter", "limit=%.32s: give a number from 1 to %d", s, API_LIMIT_MAX);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

#define AREA_CANDIDATES_MAX 8	/* paths an ambiguous area's 400 lists */
#define AREA_TOKENS_MAX CB_AREA_LEVELS

/* The roster's areas, path and folded name, in path order: what a name is matched against. */
struct area_names {
	size_t n, cap;
	struct area_name {
		char path[CB_AREA_MAX];
		char name[CB_AREA_MAX * 2];	/* folded */
	} *v;				/* owned */
	bool oom;
};

/* Row callback of store_query_areas: keeps one area's path and folded name. */
static bool
area_names_add(void *arg, const struct sq_area *a)
{
	struct area_names *an = arg;

	if (an->n == an->cap) {
		size_t ncap = an->cap ? an->cap * 2 : 64;
		struct area_name *nv = realloc(an->v, ncap * sizeof *nv);
		if (nv == NULL) {
			an->oom = true;
			return false;
		}
		an->v = nv;
		an->cap = ncap;
	}
	snprintf(an->v[an->n].path, sizeof an->v[an->n].path, "%s", a->path);
	if (utf8_fold_text(a->name, strlen(a->name), an->v[an->n].name, sizeof an->v[an->n].name) ==
	    (size_t)-1)
		an->v[an->n].name[0] = '\0';
	an->n++;
	return true;
}

/* The folded name of the area at path among an (sorted by path), or NULL. */
static const char *
area_names_find(const struct area_names *an, const char *path)
{
	size_t lo = 0, hi = an->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(an->v[mid].path, path);
		if (c == 0)
			return an->v[mid].name;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * True if the ancestors of path (top down) hold the names tok[0..n) in that
 * order, not necessarily next to each other: 河西村 三组 names
 * xinzhuang/hexi/g03, and so does 辛庄镇 三组.
 */
static bool
area_ancestors_match(const struct area_names *an, const char *path, char *const *tok, size_t n)
{
	char up[CB_AREA_MAX];
	size_t t = 0;

	for (const char *s = strchr(path, '/'); s != NULL && t < n; s = strchr(s + 1, '/')) {
		snprintf(up, sizeof up, "%.*s", (int)(s - path), path);
		const char *name = area_names_find(an, up);
		if (name != NULL && strcmp(name, tok[t]) == 0)
			t++;
	}
	return t == n;
}

/*
 * Finds the areas that text names: those whose name is text (folded), or,
 * failing that, whose name is its last word and whose ancestors' names are
 * its other words in order (words split at blanks and '/').  Writes up to
 * max paths into paths; returns how many areas matched (may exceed max).
 */
static size_t
area_names_match(const struct area_names *an, const char *text, char (*paths)[CB_AREA_MAX],
    size_t max)
{
	char folded[CB_AREA_MAX * 2], *tok[AREA_TOKENS_MAX + 1], *save = NULL;
	size_t ntok = 0, n = 0;

	if (utf8_fold_text(text, strlen(text), folded, sizeof folded) == (size_t)-1)
		return 0;
	for (size_t i = 0; i < an->n; i++)
		if (an->v[i].name[0] != '\0' && strcmp(an->v[i].name, folded) == 0 && n++ < max)
			snprintf(paths[n - 1], CB_AREA_MAX, "%s", an->v[i].path);
	if (n > 0)
		return n;
	for (char *w = strtok_r(folded, " \t/", &save); w != NULL; w = strtok_r(NULL, " \t/", &save))
		if (ntok <= AREA_TOKENS_MAX)
			tok[ntok++] = w;
	if (ntok < 2 || ntok > AREA_TOKENS_MAX)
		return 0;
	for (size_t i = 0; i < an->n; i++)
		if (strcmp(an->v[i].name, tok[ntok - 1]) == 0 &&
		    area_ancestors_match(an, an->v[i].path, tok, ntok - 1) && n++ < max)
			snprintf(paths[n - 1], CB_AREA_MAX, "%s", an->v[i].path);
	return n;
}

/* Row callback of store_query_area_get: the area exists. */
static bool
area_exists(void *arg, const struct sq_area *a)
{
	(void)a;
	*(bool *)arg = true;
	return true;
}

/*
 * Reads an area given as text: an area path (xinzhuang/hexi) or the name of
 * an area as the roster spells it (河西村; 河西村 三组 for a group by its
 * village).  A valid path that is an area, or that names none, is taken as
 * it is (a path no area has yet selects nothing); a name must name exactly
 * one area.  Writes the path into out.  Answers 400 (the candidates' paths
 * when several match) or the database's failure and returns false
 * otherwise; the messages name it as name=text (a query parameter) or
 * "name": text (a member of a JSON body, code bad_request).
 */
bool
api_area_param(struct api_req *r, const char *name, bool body, const char *text, char *out,
    size_t outlen)
{
	const char *code = body ? "bad_request" : "bad_parameter";
	char label[256];
	struct area_names an = { 0 };
	char paths[AREA_CANDIDATES_MAX][CB_AREA_MAX], list[AREA_CANDIDATES_MAX * (CB_AREA_MAX + 2)];
	bool path = topic_area_valid(text, strlen(text)), exists = false;
	size_t n, off = 0;

	snprintf(label, sizeof label, body ? "\"%s\": %.200s" : "%s=%.200s", name, text);
	if (path && store_query_area_get(r->api->sq, text, area_exists, &exists) < 0) {
		api_db_error(r);
		return false;
	}
	if (path && exists) {
		snprintf(out, outlen, "%s", text);
		return true;
	}
	if (!store_query_areas(r->api->sq, "", "", UINT32_MAX, area_names_add, &an) || an.oom) {
		free(an.v);
		if (an.oom)
			api_internal(r, "out of memory");
		else
			api_db_error(r);
		return false;
	}
	n = area_names_match(&an, text, paths, AREA_CANDIDATES_MAX);
	free(an.v);
	if (n == 1 || (n == 0 && path)) {
		snprintf(out, outlen, "%s", n == 1 ? paths[0] : text);
		return true;
	}
	if (n == 0) {
		api_error(r, 400, code, "%s: no area has this path or name (give a path like "
		    "xinzhuang/hexi, or a name as the roster spells it: 河西村, 河西村 三组)", label);
		return false;
	}
	list[0] = '\0';
	for (size_t i = 0; i < n && i < AREA_CANDIDATES_MAX; i++)
		off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "", paths[i]);
	api_error(r, 400, code, "%s names %zu areas: %s%s; give one of these paths", label, n, list,
	    n > AREA_CANDIDATES_MAX ? ", ..." : "");
	return false;
}

/*
 * The kind that text names: its code, its Chinese or English name or one
 * of its keywords (matched folded, case-insensitive: 牲畜, LS).  The
 * catalog refuses a keyword two kinds share, so a match is unique.  NULL
 * when none.
 */
static const struct kind *
kind_resolve(const struct catalog *c, const char *text)
{
	const struct kind *k;

	if (c == NULL)
		return NULL;
	if ((k = catalog_kind(c, text)) != NULL)
		return k;
	return catalog_kind_by_keyword(c, text, strlen(text));
}

/*
 * The kind of the catalog that text names (a code, a name, a keyword), or
 * NULL after a 400 listing the catalog's kinds as "code (名)", naming it
 * as name=text or "name": text (body).
 */
const struct kind *
api_kind_param(struct api_req *r, const char *name, bool body, const char *text)
{
	const struct catalog *c = api_catalog(r->api);
	const struct kind *k = kind_resolve(c, text);
	char list[1024];
	size_t off = 0;

	if (k != NULL)
		return k;
	list[0] = '\0';
	for (size_t i = 0; c != NULL && i < c->nkinds && off < sizeof list; i++) {
		int n = snprintf(list + off, sizeof list - off, "%s%s (%s)", i ? ", " : "",
		    c->kinds[i].code, c->kinds[i].name_zh);
		if (n < 0 || (size_t)n >= sizeof list - off)
			break;
		off += (size_t)n;
	}
	api_error(r, 400, body ? "bad_request" : "bad_parameter", body ? "\"%s\": %.64s: no such kind "
	    "in the catalog; give a code, name or keyword of one of: %s" : "%s=%.64s: no such kind in the "
	    "catalog; give a code, name or keyword of one of: %s", name, text, list);
	return NULL;
}

/* Reads area (a path or a name, api_area_param) and kind (a code, name or keyword of the catalog's). */
static bool
area_kind_parse(struct api_req *r, struct api_filter *f)
{
	const char *area = api_param(r, "area"), *kind = api_param(r, "kind");

	if (area != NULL && !api_area_param(r, "area", false, area, f->area, sizeof f->area))
		return false;
	return kind == NULL || (f->kind = api_kind_param(r, "kind", false, kind)) != NULL;
}

bool
api_filter_parse(struct api_req *r, struct api_filter *f)
{
	const char *period = api_param(r, "period"), *since = api_param(r, "since");
	const char *cursor = api_param(r, "cursor");

	memset(f, 0, sizeof *f);
	f->since = INT64_MIN;
	if (!area_kind_parse(r, f) || !limit_parse(r, api_param(r, "limit"), &f->limit))
		return false;
	if (period != NULL && !period_canon(f->kind, period, f->period, sizeof f->period)) {
		api_error(r, 400, "bad_parameter", "period=%.32s: give a period%s%s like 2023-12, "
		    "2023-W48, 2023-Q4, 2023 or 2023-12-05", period, f->kind ? " of " : "",
		    f->kind ? period_type_name(f->kind->period) : "");
		return false;
	}
	if (since != NULL && !api_parse_time(r->api, since, &f->since)) {
		api_error(r, 400, "bad_parameter", "since=%.64s: give an ISO 8601 time like "
		    "2023-12-05 or 2023-12-05T08:30:00+08:00", since);
		return false;
	}
	if (cursor != NULL && (*cursor == '\0' || !cursor_decode(cursor, f->cursor, sizeof f->cursor))) {
		api_error(r, 400, "bad_parameter", "cursor=%.64s: pass back the \"next\" of the previous page",
		    cursor);
		return false;
	}
	return true;
}

void
api_list_begin(struct api_list *l, struct evbuffer *out)
{
	l->out = out;
	l->n = 0;
	evbuffer_add_printf(out, "{\"items\":[");
}

void
api_list_item(struct api_list *l, const char *json, size_t len)
{
	if (l->n++ > 0)
		evbuffer_add(l->out, ",", 1);
	evbuffer_add(l->out, "\n", 1);
	evbuffer_add(l->out, json, len);
}

void
api_list_end(struct api_list *l, const char *next_key)
{
	char cursor[2 * API_CURSOR_MAX + 1];

	if (next_key != NULL) {
		api_cursor_encode(next_key, cursor, sizeof cursor);
		evbuffer_add_printf(l->out, "\n],\"next\":\"%s\"}\n", cursor);
	} else {
		evbuffer_add_printf(l->out, "%s],\"next\":null}\n", l->n ? "\n" : "");
	}
}

bool
api_page_begin(struct api_req *r, struct api_page *pg, unsigned limit)
{
	struct evbuffer *out = evbuffer_new();

	memset(pg, 0, sizeof *pg);
	if (out == NULL) {
		api_internal(r, "out of memory");
		return false;
	}
	pg->r = r;
	pg->limit = limit;
	api_list_begin(&pg->list, out);
	return true;
}

bool
api_page_room(struct api_page *pg)
{
	if (pg->list.n < pg->limit)
		return true;
	pg->more = true;
	return false;
}

bool
api_page_add(struct api_page *pg, const char *json, size_t n, const char *key)
{
	if (n == 0) {
		pg->failed = "an item is too large to encode";
		return false;
	}
	api_list_item(&pg->list, json, n);
	snprintf(pg->last, sizeof pg->last, "%s", key);
	return true;
}

void
api_page_send(struct api_page *pg, bool ok)
{
	if (!ok) {
		api_db_error(pg->r);
	} else if (pg->failed != NULL) {
		api_fail(pg->r, pg->failed);
	} else {
		api_list_end(&pg->list, pg->more ? pg->last : NULL);
		api_reply_json(pg->r, 200, pg->list.out);
	}
	evbuffer_free(pg->list.out);
	pg->list.out = NULL;
}

bool
api_cursor_int(struct api_req *r, const struct api_filter *f, int64_t *after)
{
	char *end;
	long long c;

	*after = 0;
	if (f->cursor[0] == '\0')
		return true;
	c = strtoll(f->cursor, &end, 10);
	if (*end != '\0' || c <= 0) {
		api_error(r, 400, "bad_parameter", "cursor: not one this resource gave");
		return false;
	}
	*after = c;
	return true;
}
