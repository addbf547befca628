/*
 * api_roster.c — what the roster resources (api_areas.c, api_reporters.c)
 * share: JSON and CSV request bodies, the checks on names and ids, and the
 * end of every roster write: journal the change (who, when, what), commit,
 * and tell the daemon to reload its roster.  Also GET /v1/changes, the
 * roster journal itself.
 */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "api_roster.h"
#include "csv.h"
#include "jsonw.h"
#include "remind.h"
#include "store_query.h"
#include "utf8.h"

/* True if the request says its body is of type want. */
static bool
content_type_is(struct api_req *r, const char *want)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Content-Type");

	return ct != NULL && strncasecmp(ct, want, strlen(want)) == 0;
}

cJSON *
roster_json_body(struct api_req *r)
{
	size_t len;
	char *body;
	cJSON *root;

	if ((body = api_body(r, API_BODY_MAX, &len)) == NULL)
		return NULL;
	if (!utf8_valid(body, len)) {
		api_error(r, 400, "bad_request", "the body is not valid UTF-8");
		return NULL;
	}
	root = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		api_error(r, 400, "bad_request", "the body is not a JSON object");
		return NULL;
	}
	return root;
}

const char *
roster_json_str(struct api_req *r, const cJSON *o, const char *key, bool required, bool *ok)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL && !required)
		return NULL;
	if (!cJSON_IsString(v)) {
		api_error(r, 400, "bad_request", "\"%s\": %s", key, v ? "must be a string" : "missing");
		*ok = false;
		return NULL;
	}
	return v->valuestring;
}

bool
roster_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= ROSTER_TEXT_MAX || !utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

bool
roster_id_valid(const char *s)
{
	size_t n = strlen(s);
	const char *colon = strchr(s, ':');

	if (n > CB_ID_MAX)
		return false;
	if (s[0] == '+')
		return n >= 8 && n <= 16 && s[1] != '0' && strspn(s + 1, "0123456789") == n - 1;
	if (colon == NULL || colon == s || colon - s > 16 || colon[1] == '\0')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == (size_t)(colon - s) &&
	    strspn(colon + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	    strlen(colon + 1);
}

bool
roster_commit(struct api_req *r, const char *what)
{
	struct store_query *q = r->api->sq;

	if (!store_query_change(q, r->who ? r->who->name : "api", api_now(), what) ||
	    !store_query_commit(q)) {
		store_query_rollback(q);
		api_db_error(r);
		return false;
	}
	if (r->api->hooks.roster_changed != NULL)
		r->api->hooks.roster_changed(r->api->hooks.arg);
	remind_forget(r->api->remind);
	return true;
}

void
roster_fail(struct api_req *r)
{
	store_query_rollback(r->api->sq);
	api_db_error(r);
}

void
roster_problem(struct roster_import *im, const char *fmt, ...)
{
	size_t off = strlen(im->problems);
	va_list ap;

	im->nproblems++;
	if (im->nproblems > ROSTER_PROBLEMS_SHOWN || off + 8 >= sizeof im->problems)
		return;
	if (off > 0) {
		memcpy(im->problems + off, "; ", 3);
		off += 2;
	}
	va_start(ap, fmt);
	vsnprintf(im->problems + off, sizeof im->problems - off, fmt, ap);
	va_end(ap);
}

/*
 * Splits the CSV body into records after checking its header line names
 * the columns (in order).  Fills im->rows; problems go to im.  Returns
 * false after answering when the body itself is unusable.
 */
bool
roster_csv_read(struct api_req *r, struct roster_import *im, const char *const *columns, int ncols)
{
	size_t len, pos = 0;
	char *body;
	int line = 0, n;

	/* Whatever a client labels a CSV (curl says form-urlencoded), but not JSON by mistake. */
	if (content_type_is(r, "application/json")) {
		api_error(r, 415, "unsupported_media_type", "send the CSV as text/csv, not JSON");
		return false;
	}
	if ((body = api_body(r, API_BODY_MAX, &len)) == NULL)
		return false;
	if (!utf8_valid(body, len)) {
		api_error(r, 400, "bad_csv", "the CSV is not valid UTF-8");
		return false;
	}
	while (im->nrows < ROSTER_IMPORT_MAX) {
		struct roster_row *row = &im->rows[im->nrows];
		size_t start = pos;

		n = csv_record(body, len, &pos, row->f, ROSTER_FIELDS, row->store, sizeof row->store);
		line++;
		row->line = line;
		for (size_t i = start; i + 1 < pos && i < len; i++)
			line += body[i] == '\n';	/* a quoted field may span lines */
		if (n == 0)
			break;
		if (n < 0) {
			roster_problem(im, "line %d: malformed CSV", row->line);
			break;
		}
		if (n == 1 && row->f[0][0] == '\0')
			continue;
		if (!im->header) {
			/* The first record is the header: the columns, exactly, in order. */
			bool same = n == ncols;
			for (int i = 0; same && i < ncols; i++)
				same = strcmp(row->f[i], columns[i]) == 0;
			if (!same)
				roster_problem(im, "line %d: the first line must be the header %s",
				    row->line, im->header_text);
			im->header = true;
			continue;
		}
		if (n != ncols) {
			roster_problem(im, "line %d: %d fields, expected %d", row->line, n, ncols);
			continue;
		}
		im->nrows++;
	}
	if (im->nrows == ROSTER_IMPORT_MAX && pos < len)
		roster_problem(im, "more than %d rows: split the file", ROSTER_IMPORT_MAX);
	return true;
}

/* Answers 400 with the import's problems. */
void
roster_import_refuse(struct api_req *r, const struct roster_import *im)
{
	api_error(r, 400, "bad_csv", "%d problem%s, nothing imported: %s%s", im->nproblems,
	    im->nproblems == 1 ? "" : "s", im->problems,
	    im->nproblems > ROSTER_PROBLEMS_SHOWN ? "; ..." : "");
}

/* Answers an import's counts. */
void
roster_import_reply(struct api_req *r, const struct roster_import *im)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	evbuffer_add_printf(b, "{\"rows\":%d,\"added\":%d,\"changed\":%d,\"unchanged\":%d}\n",
	    im->nrows, im->added, im->changed, im->nrows - im->added - im->changed);
	api_reply_json(r, 200, b);
	evbuffer_free(b);
}

/* A page of the roster journal. */
struct change_page {
	struct api_req *r;
	struct api_list list;
	int64_t last;
};

static bool
change_item(void *arg, const struct sq_change *c)
{
	struct change_page *pg = arg;
	char buf[2048], at[40];
	struct jsonw w;
	size_t n;

	api_time_format(pg->r->api, c->at, at, sizeof at);
	jsonw_init(&w, buf, sizeof buf);
	jsonw_obj(&w);
	jsonw_key(&w, "seq"); jsonw_int(&w, c->seq);
	jsonw_key(&w, "who"); jsonw_str(&w, c->who);
	jsonw_key(&w, "at"); jsonw_str(&w, at);
	jsonw_key(&w, "what"); jsonw_str(&w, c->what);
	jsonw_end(&w);
	if ((n = jsonw_finish(&w)) > 0)
		api_list_item(&pg->list, buf, n);
	pg->last = c->seq;
	return true;
}

void
api_get_changes(struct api_req *r)
{
	struct api_filter f;
	struct change_page pg = { .r = r };
	int64_t after = 0;
	char next[32], *end;
	struct evbuffer *out;

	if (!api_filter_parse(r, &f))
		return;
	if (f.cursor[0] != '\0' && ((after = strtoll(f.cursor, &end, 10)) <= 0 || *end != '\0')) {
		api_error(r, 400, "bad_parameter", "cursor: not one this resource gave");
		return;
	}
	if ((out = evbuffer_new()) == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	api_list_begin(&pg.list, out);
	if (!store_query_changes(r->api->sq, f.since, after, f.limit, change_item, &pg)) {
		api_db_error(r);
	} else {
		snprintf(next, sizeof next, "%lld", (long long)pg.last);
		api_list_end(&pg.list, pg.list.n == f.limit ? next : NULL);
		api_reply_json(r, 200, out);
	}
	evbuffer_free(out);
}
