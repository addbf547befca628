/*
 * api_areas.c — /v1/areas: list (a subtree, paged by path), read one,
 * create (POST), change (PUT /v1/areas/<path>), delete (DELETE; only an
 * area nothing refers to) and import areas.csv (path,name,expected).
 * Every write is journaled in roster_changes and makes cunbaod reload its
 * roster.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "api_roster.h"
#include "jsonw.h"
#include "log.h"
#include "roster.h"
#include "store_query.h"
#include "topic.h"

#define AREA_JSON_MAX 2048	/* bytes of one area as JSON, names escaped */
#define SLUG_PAGE     1000	/* areas read a query at a time to resolve names */

/* The roster's areas being read into a struct roster_slugs. */
struct slug_load {
	struct roster_slugs *sl;
	char last[CB_AREA_MAX];		/* the cursor: the last path read */
	unsigned n;			/* read by the last query */
};

/* Encodes one area as a JSON object into buf; returns the length (0 if it did not fit). */
static size_t
area_json(const struct sq_area *a, char *buf, size_t buflen)
{
	struct jsonw w;

	jsonw_init(&w, buf, buflen);
	jsonw_obj(&w);
	jsonw_key(&w, "path"); jsonw_str(&w, a->path);
	jsonw_key(&w, "name"); jsonw_str(&w, a->name);
	api_json_str(&w, "parent", a->parent);
	jsonw_key(&w, "depth"); jsonw_int(&w, a->depth);
	jsonw_key(&w, "expected"); jsonw_bool(&w, a->expected);
	jsonw_end(&w);
	return jsonw_finish(&w);
}

static bool
area_item(void *arg, const struct sq_area *a)
{
	char buf[AREA_JSON_MAX];

	return api_page_room(arg) && api_page_add(arg, buf, area_json(a, buf, sizeof buf), a->path);
}

static bool
area_one(void *arg, const struct sq_area *a)
{
	char buf[AREA_JSON_MAX];

	return roster_item_put(arg, buf, area_json(a, buf, sizeof buf));
}

static int
area_get(struct store_query *q, const char *path, struct evbuffer *out)
{
	return store_query_area_get(q, path, area_one, out);
}

static void area_rows_codes(struct api_req *r, struct roster_import *im);
static void area_row_check(struct roster_import *im, const struct roster_row *row);
static int area_row_pass(const struct roster_row *row);
static int area_row_put(struct api_req *r, struct roster_import *im, const struct roster_row *row,
    char *what, size_t whatlen);

static const char *const area_columns[] = { "path", "name", "expected" };

static const struct roster_res areas = {
	.noun = "area", .plural = "areas", .show = 200, .get = area_get,
	.columns = area_columns, .ncols = 3, .passes = CB_AREA_LEVELS, .pass = area_row_pass,
	.prepare = area_rows_codes, .check = area_row_check, .put = area_row_put,
};

void
api_get_areas(struct api_req *r)
{
	struct api_filter f;
	struct api_page pg;

	if (*r->rest) {
		roster_send(r, &areas, r->rest, 200);
		return;
	}
	if (!api_filter_parse(r, &f) || !api_page_begin(r, &pg, f.limit))
		return;
	api_page_send(&pg, store_query_areas(r->api->sq, f.area, f.cursor, f.limit + 1, area_item, &pg));
}

/*
 * Reads "expected" (true/false, 1/0) of o into *out when present.  Answers
 * 400 and returns false when it is something else.
 */
static bool
expected_member(struct api_req *r, const cJSON *o, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "expected");

	if (v == NULL)
		return true;
	if (cJSON_IsBool(v)) {
		*out = cJSON_IsTrue(v);
	} else if (cJSON_IsNumber(v) && (v->valuedouble == 0 || v->valuedouble == 1)) {
		*out = v->valuedouble == 1;
	} else {
		api_error(r, 400, "bad_request", "\"expected\": true or false");
		return false;
	}
	return true;
}

/*
 * Writes one area (create or change) in its own transaction and answers:
 * 201/200 with the area, 404 (change of a missing one), 409 (create of an
 * existing one), 400 (missing parent).
 */
static void
area_write(struct api_req *r, const char *path, const char *name, bool expected, bool create)
{
	char what[CB_AREA_MAX + ROSTER_TEXT_MAX + 64], parent[CB_AREA_MAX];
	int rc;

	if (!roster_begin(r))
		return;
	rc = store_query_area_put(r->api->sq, path, name, expected, create);
	if (rc < -1) {
		store_query_rollback(r->api->sq);
		if (rc == -3 && topic_area_parent(path, parent, sizeof parent))
			api_error(r, 400, "bad_request", "parent area %s does not exist: create it first", parent);
		else if (create)
			api_error(r, 409, "conflict", "area %s exists: change it with PUT /v1/areas/%s", path, path);
		else
			api_error(r, 404, "not_found", "no area %.200s", path);
		return;
	}
	snprintf(what, sizeof what, "area %s %s name=%s expected=%d", create ? "add" : "change",
	    path, name, expected);
	if (roster_finish(r, rc, what))
		roster_send(r, &areas, path, create ? 201 : 200);
}

void
api_post_areas(struct api_req *r)
{
	cJSON *o = roster_json_body(r);
	bool ok = true, expected = false;
	const char *path, *name;

	if (o == NULL)
		return;
	path = roster_json_str(r, o, "path", true, &ok);
	name = ok ? roster_json_str(r, o, "name", true, &ok) : NULL;
	if (ok && !topic_area_valid(path, strlen(path)))
		api_error(r, 400, "bad_request", "\"path\": %.200s is not 1 to 5 levels of [a-z0-9-]{1,32}", path);
	else if (ok && !roster_name_valid(name))
		api_error(r, 400, "bad_request", "\"name\": 1 to %d bytes of text", ROSTER_TEXT_MAX - 1);
	else if (ok && expected_member(r, o, &expected))
		area_write(r, path, name, expected, true);
	cJSON_Delete(o);
}

/* An area as it stands before a change. */
struct area_now {
	char name[ROSTER_TEXT_MAX];
	bool expected;
};

static bool
area_current(void *arg, const struct sq_area *a)
{
	struct area_now *cur = arg;

	snprintf(cur->name, sizeof cur->name, "%s", a->name);
	cur->expected = a->expected;
	return true;
}

void
api_put_area(struct api_req *r)
{
	struct area_now cur = { "", false };
	cJSON *o;
	bool ok = true;
	const char *name;
	int found;

	if (!topic_area_valid(r->rest, strlen(r->rest))) {
		api_error(r, 404, "not_found", "no area %.200s", r->rest);
		return;
	}
	if ((o = roster_json_body(r)) == NULL)
		return;
	name = roster_json_str(r, o, "name", false, &ok);
	if (ok && (found = store_query_area_get(r->api->sq, r->rest, area_current, &cur)) != 1) {
		if (found < 0)
			api_db_error(r);
		else
			api_error(r, 404, "not_found", "no area %.200s: create it with POST /v1/areas", r->rest);
	} else if (ok && name != NULL && !roster_name_valid(name)) {
		api_error(r, 400, "bad_request", "\"name\": 1 to %d bytes of text", ROSTER_TEXT_MAX - 1);
	} else if (ok && expected_member(r, o, &cur.expected)) {
		area_write(r, r->rest, name ? name : cur.name, cur.expected, false);
	}
	cJSON_Delete(o);
}

void
api_delete_area(struct api_req *r)
{
	static const char *const refusals[] = {
		[2] = "it has areas under it", [3] = "reporters belong to it", [4] = "it has reports",
	};
	char what[CB_AREA_MAX + 32];
	int rc;

	if (!topic_area_valid(r->rest, strlen(r->rest))) {
		api_error(r, 404, "not_found", "no area %.200s", r->rest);
		return;
	}
	if (!roster_begin(r))
		return;
	if ((rc = store_query_area_delete(r->api->sq, r->rest)) == -1) {
		roster_fail(r);
		return;
	}
	if (rc <= 0) {
		store_query_rollback(r->api->sq);
		if (rc == 0)
			api_error(r, 404, "not_found", "no area %.200s", r->rest);
		else
			api_error(r, 409, "conflict", "area %s stays: %s", r->rest, refusals[-rc]);
		return;
	}
	snprintf(what, sizeof what, "area delete %s", r->rest);
	roster_deleted(r, what, r->rest);
}

static bool
slug_area(void *arg, const struct sq_area *a)
{
	struct slug_load *ld = arg;

	snprintf(ld->last, sizeof ld->last, "%s", a->path);
	ld->n++;
	return roster_slugs_add(ld->sl, a->path, a->name);
}

/* Notes every area of the roster in sl, a page at a time; false on a database error. */
static bool
slugs_load(struct api_req *r, struct roster_slugs *sl)
{
	struct slug_load ld = { .sl = sl };
	char after[CB_AREA_MAX];

	do {
		snprintf(after, sizeof after, "%s", ld.last);
		ld.n = 0;
		if (!store_query_areas(r->api->sq, "", after, SLUG_PAGE, slug_area, &ld))
			return false;
	} while (ld.n == SLUG_PAGE);
	return true;
}

/*
 * Areas.csv with names for codes: every row's path is brought to codes
 * (roster_slug.c) in file order, a row without a name takes its path's
 * last level as its name, and the codes derived are kept in im->derived
 * (the answer's "derived") and logged.  Problems go to im.
 */
static void
area_rows_codes(struct api_req *r, struct roster_import *im)
{
	struct roster_slugs *sl = roster_slugs_new();
	char msg[320], buf[CB_AREA_MAX + ROSTER_TEXT_MAX + 64];
	struct evbuffer *d = evbuffer_new();
	struct jsonw w;

	if (sl == NULL || d == NULL) {
		roster_problem(im, "out of memory");
		goto out;
	}
	if (!slugs_load(r, sl)) {
		roster_problem(im, "the roster's areas could not be read: %s", store_query_error(r->api->sq));
		goto out;
	}
	for (int i = 0; i < im->nrows; i++) {
		struct roster_row *row = &im->rows[i];
		const char *last;
		int rc = roster_slugs_resolve(sl, row->f[0], row->f[1], strcmp(row->f[2], "1") == 0, row->path,
		    sizeof row->path, &last, msg, sizeof msg);

		if (rc < 0) {
			roster_problem(im, "line %d: %s", row->line, msg);
			row->refused = true;
			continue;
		}
		if (row->f[1][0] == '\0' && last != NULL)
			row->f[1] = (char *)last;
		row->f[0] = row->path;
		if (rc == 0)
			continue;
		log_info("api: areas import: line %d: %s gets the code %s", row->line, row->f[1], row->path);
		jsonw_init(&w, buf, sizeof buf);
		jsonw_obj(&w);
		jsonw_key(&w, "line"); jsonw_int(&w, row->line);
		jsonw_key(&w, "name"); jsonw_str(&w, row->f[1]);
		jsonw_key(&w, "path"); jsonw_str(&w, row->path);
		jsonw_end(&w);
		evbuffer_add(d, evbuffer_get_length(d) ? "," : "[", 1);
		evbuffer_add(d, buf, jsonw_finish(&w));
	}
	if (evbuffer_get_length(d) > 0) {
		evbuffer_add(d, "]", 1);
		size_t n = evbuffer_get_length(d);
		if ((im->derived = malloc(n + 1)) != NULL) {
			evbuffer_remove(d, im->derived, n);
			im->derived[n] = '\0';
		}
	}
out:
	if (d != NULL)
		evbuffer_free(d);
	roster_slugs_free(sl);
}

/* Checks one areas.csv row; problems go to im. */
static void
area_row_check(struct roster_import *im, const struct roster_row *row)
{
	const char *path = row->f[0], *exp = row->f[2];

	if (row->refused)
		return;
	if (!topic_area_valid(path, strlen(path)))
		roster_problem(im, "line %d: area \"%.64s\" is not 1 to 5 levels of [a-z0-9-]", row->line, path);
	else if (!roster_name_valid(row->f[1]))
		roster_problem(im, "line %d: name must be 1 to %d bytes of text", row->line, ROSTER_TEXT_MAX - 1);
	else if (strcmp(exp, "0") != 0 && strcmp(exp, "1") != 0)
		roster_problem(im, "line %d: expected must be 0 or 1, not \"%.16s\"", row->line, exp);
}

/* Parents before children: depth by depth, each in file order. */
static int
area_row_pass(const struct roster_row *row)
{
	return topic_area_depth(row->f[0]) - 1;
}

static int
area_row_put(struct api_req *r, struct roster_import *im, const struct roster_row *row,
    char *what, size_t whatlen)
{
	int rc = store_query_area_upsert(r->api->sq, row->f[0], row->f[1], row->f[2][0] == '1');

	if (rc == -3)
		roster_problem(im, "line %d: the parent of %s is neither in the roster nor in the file",
		    row->line, row->f[0]);
	else if (rc > 0)
		snprintf(what, whatlen, "area %s %s name=%s expected=%s (import)",
		    rc == 1 ? "add" : "change", row->f[0], row->f[1], row->f[2]);
	return rc;
}

void
api_post_areas_import(struct api_req *r)
{
	roster_import(r, &areas);
}
