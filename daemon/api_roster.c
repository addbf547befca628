/*
 * api_roster.c — what the roster resources (api_areas.c, api_reporters.c)
 * share: JSON request bodies, the checks on names and ids, reading one item,
 * the end of every roster write (journal the change: who, when, what;
 * commit; tell the daemon to reload its roster) and CSV imports, all or
 * nothing.  Also GET /v1/changes, the roster journal itself.
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
#include "csvenc.h"
#include "jdec.h"
#include "jsonw.h"
#include "payload.h"
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
	/* A NUL in a string or a member given twice would be read differently than meant. */
	char err[160];
	if (jdec_strict(body, len, root, err, sizeof err) != CB_OK) {
		cJSON_Delete(root);
		api_error(r, 400, "bad_request", "the body is not plain JSON: %s", err);
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
roster_id_valid(const char *s, char *why, size_t whylen)
{
	return payload_reporter_valid(s, strlen(s), why, whylen);
}

/* Who makes a roster change: the token's name. */
static const char *
roster_who(const struct api_req *r)
{
	return r->who ? r->who->name : "api";
}

bool
roster_item_put(struct evbuffer *out, const char *json, size_t n)
{
	evbuffer_add(out, json, n);
	evbuffer_add(out, "\n", 1);
	return true;
}

void
roster_send(struct api_req *r, const struct roster_res *res, const char *key, int status)
{
	struct evbuffer *out = evbuffer_new();
	int found;

	if (out == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	found = res->get(r->api->sq, key, out);
	if (found < 0)
		api_db_error(r);
	else if (found == 0)
		api_error(r, 404, "not_found", "no %s %.*s", res->noun, res->show, key);
	else
		api_reply_json(r, status, out);
	evbuffer_free(out);
}

bool
roster_begin(struct api_req *r)
{
	if (store_query_begin(r->api->sq))
		return true;
	roster_fail(r);
	return false;
}

bool
roster_commit(struct api_req *r, const char *what)
{
	struct store_query *q = r->api->sq;

	if (!store_query_change(q, roster_who(r), api_now(), what) || !store_query_commit(q)) {
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

bool
roster_finish(struct api_req *r, int rc, const char *what)
{
	if (rc < 0) {
		roster_fail(r);
		return false;
	}
	if (rc == 0) {
		store_query_rollback(r->api->sq);	/* nothing changed: nothing to journal */
		return true;
	}
	return roster_commit(r, what);
}

void
roster_deleted(struct api_req *r, const char *what, const char *key)
{
	struct evbuffer *out;
	char buf[512];
	struct jsonw w;

	if (!roster_commit(r, what))
		return;
	if ((out = evbuffer_new()) != NULL) {
		jsonw_init(&w, buf, sizeof buf);
		jsonw_obj(&w);
		jsonw_key(&w, "deleted");
		jsonw_str(&w, key);
		jsonw_end(&w);
		roster_item_put(out, buf, jsonw_finish(&w));
	}
	api_reply_json(r, 200, out);
	if (out != NULL)
		evbuffer_free(out);
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

/* True if the first record names the columns of res, exactly, in order. */
static bool
csv_header_ok(const struct roster_res *res, const struct roster_row *row, int n)
{
	bool same = n == res->ncols;

	for (int i = 0; same && i < n; i++)
		same = strcmp(row->f[i], res->columns[i]) == 0;
	return same;
}

/* Notes that the header is not the columns of im's resource, which it names. */
static void
csv_header_problem(struct roster_import *im, int line)
{
	char header[128] = "";

	for (int i = 0; i < im->res->ncols; i++)
		snprintf(header + strlen(header), sizeof header - strlen(header), "%s%s", i ? "," : "",
		    im->res->columns[i]);
	roster_problem(im, "line %d: the first line must be the header %s", line, header);
}

/*
 * Splits the CSV body into records after checking its header line names
 * the columns (in order).  The body may be UTF-8, UTF-16 or GB18030
 * (lib/csvenc.h): im->text gets it in UTF-8, im->charset what it was.  Fills im->rows; problems go to im.  Returns
 * false after answering when the body itself is unusable.
 */
static bool
csv_read(struct api_req *r, struct roster_import *im)
{
	size_t len, pos = 0;
	char *body, err[512];
	int line = 0, n;

	/* Whatever a client labels a CSV (curl says form-urlencoded), but not JSON by mistake. */
	if (content_type_is(r, "application/json")) {
		api_error(r, 415, "unsupported_media_type", "send the CSV as text/csv, not JSON");
		return false;
	}
	if ((body = api_body(r, API_BODY_MAX, &len)) == NULL)
		return false;
	if ((im->text = csvenc_decode(body, len, &len, &im->charset, err, sizeof err)) == NULL) {
		api_error(r, 400, "bad_csv", "%s", err);
		return false;
	}
	body = im->text;
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
			if (!csv_header_ok(im->res, row, n))
				csv_header_problem(im, row->line);
			im->header = true;
			continue;
		}
		if (n != im->res->ncols) {
			roster_problem(im, "line %d: %d fields, expected %d", row->line, n, im->res->ncols);
			continue;
		}
		im->nrows++;
	}
	if (im->nrows == ROSTER_IMPORT_MAX && pos < len)
		roster_problem(im, "more than %d rows: split the file", ROSTER_IMPORT_MAX);
	return true;
}

/* Answers 400 with the import's problems. */
static void
import_refuse(struct api_req *r, const struct roster_import *im)
{
	api_error(r, 400, "bad_csv", "%d problem%s, nothing imported: %s%s", im->nproblems,
	    im->nproblems == 1 ? "" : "s", im->problems,
	    im->nproblems > ROSTER_PROBLEMS_SHOWN ? "; ..." : "");
}

/* Answers an import's counts. */
static void
import_reply(struct api_req *r, const struct roster_import *im)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	evbuffer_add_printf(b, "{\"rows\":%d,\"added\":%d,\"changed\":%d,\"unchanged\":%d,\"charset\":\"%s\"",
	    im->nrows, im->added, im->changed, im->nrows - im->added - im->changed, im->charset);
	if (im->derived != NULL)
		evbuffer_add_printf(b, ",\"derived\":%s", im->derived);
	evbuffer_add(b, "}\n", 2);
	api_reply_json(r, 200, b);
	evbuffer_free(b);
}

/*
 * Writes the checked rows in the open transaction, pass by pass, each
 * change journaled.  False after a refused row (*err 0) or an error (-1).
 */
static bool
import_write(struct api_req *r, struct roster_import *im, int *err)
{
	const struct roster_res *res = im->res;
	char what[512];

	for (int pass = 0; pass < res->passes; pass++) {
		for (int i = 0; i < im->nrows; i++) {
			const struct roster_row *row = &im->rows[i];
			if (res->pass != NULL && res->pass(row) != pass)
				continue;
			int rc = res->put(r, im, row, what, sizeof what);
			if (rc == -1 || (rc > 0 && !store_query_change(r->api->sq, roster_who(r), api_now(), what))) {
				*err = -1;
				return false;
			}
			im->added += rc == 1;
			im->changed += rc == 2;
		}
	}
	return im->nproblems == 0;
}

void
roster_import(struct api_req *r, const struct roster_res *res)
{
	struct roster_import im = { .res = res, .charset = "UTF-8" };
	char what[128];
	int err = 0;

	if ((im.rows = calloc(ROSTER_IMPORT_MAX, sizeof *im.rows)) == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	if (!csv_read(r, &im))
		goto out;
	if (res->prepare != NULL)
		res->prepare(r, &im);
	for (int i = 0; i < im.nrows; i++)
		res->check(&im, &im.rows[i]);
	if (im.nproblems > 0) {
		import_refuse(r, &im);
	} else if (!roster_begin(r)) {
		;	/* answered */
	} else if (!import_write(r, &im, &err)) {
		if (err < 0) {
			roster_fail(r);
		} else {
			store_query_rollback(r->api->sq);
			import_refuse(r, &im);
		}
	} else if (im.added + im.changed == 0) {
		store_query_rollback(r->api->sq);	/* nothing changed: nothing to journal */
		import_reply(r, &im);
	} else {
		snprintf(what, sizeof what, "import %s: %d rows, %d added, %d changed (%s)",
		    res->plural, im.nrows, im.added, im.changed, im.charset);
		if (roster_commit(r, what))
			import_reply(r, &im);
	}
out:
	free(im.rows);
	free(im.text);
	free(im.derived);
}

static bool
change_item(void *arg, const struct sq_change *c)
{
	struct api_page *pg = arg;
	char buf[API_ITEM_MAX], at[40], key[24];
	struct jsonw w;

	api_time_format(pg->r->api, c->at, at, sizeof at);
	jsonw_init(&w, buf, sizeof buf);
	jsonw_obj(&w);
	jsonw_key(&w, "seq"); jsonw_int(&w, c->seq);
	jsonw_key(&w, "who"); jsonw_str(&w, c->who);
	jsonw_key(&w, "at"); jsonw_str(&w, at);
	jsonw_key(&w, "what"); jsonw_str(&w, c->what);
	jsonw_end(&w);
	snprintf(key, sizeof key, "%lld", (long long)c->seq);
	api_page_add(pg, buf, jsonw_finish(&w), key);
	return true;
}

/* GET /v1/changes: the roster journal, paged by seq (a full page says there may be more). */
void
api_get_changes(struct api_req *r)
{
	struct api_filter f;
	struct api_page pg;
	int64_t after;

	if (!api_filter_parse(r, &f) || !api_cursor_int(r, &f, &after) || !api_page_begin(r, &pg, f.limit))
		return;
	bool ok = store_query_changes(r->api->sq, f.since, after, f.limit, change_item, &pg);
	pg.more = pg.list.n == f.limit;
	api_page_send(&pg, ok);
}
