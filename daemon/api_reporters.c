/*
 * api_reporters.c — /v1/reporters: list (by area subtree and role, paged by
 * id), read one, add (POST), change (PUT /v1/reporters/<id>), remove
 * (DELETE) and import reporters.csv (id,name,area,role,lang).  A reporter's
 * area must exist.  Every write is journaled in roster_changes and makes
 * cunbaod reload its roster.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "api_roster.h"
#include "jsonw.h"
#include "roster.h"
#include "store_query.h"
#include "topic.h"

#define REPORTER_JSON_MAX 2048	/* bytes of one reporter as JSON, names escaped */

static const char *const roles[] = { "leader", "admin", NULL };
static const char *const langs[] = { "zh", "en", NULL };

/* The word of words equal to s, or NULL. */
static const char *
word_of(const char *const *words, const char *s)
{
	for (size_t i = 0; s != NULL && words[i] != NULL; i++)
		if (strcmp(words[i], s) == 0)
			return words[i];
	return NULL;
}

static size_t
reporter_json(const struct sq_reporter *rp, char *buf, size_t buflen)
{
	struct jsonw w;

	jsonw_init(&w, buf, buflen);
	jsonw_obj(&w);
	jsonw_key(&w, "id"); jsonw_str(&w, rp->id);
	jsonw_key(&w, "name"); jsonw_str(&w, rp->name);
	jsonw_key(&w, "area"); jsonw_str(&w, rp->area);
	jsonw_key(&w, "role"); jsonw_str(&w, rp->role);
	jsonw_key(&w, "lang"); jsonw_str(&w, rp->lang);
	jsonw_end(&w);
	return jsonw_finish(&w);
}

static bool
reporter_item(void *arg, const struct sq_reporter *rp)
{
	char buf[REPORTER_JSON_MAX];

	return api_page_room(arg) && api_page_add(arg, buf, reporter_json(rp, buf, sizeof buf), rp->id);
}

static bool
reporter_one(void *arg, const struct sq_reporter *rp)
{
	char buf[REPORTER_JSON_MAX];

	return roster_item_put(arg, buf, reporter_json(rp, buf, sizeof buf));
}

static int
reporter_get(struct store_query *q, const char *id, struct evbuffer *out)
{
	return store_query_reporter_get(q, id, reporter_one, out);
}

static void reporter_rows_norm(struct api_req *r, struct roster_import *im);
static void reporter_row_check(struct roster_import *im, const struct roster_row *row);
static int reporter_row_put(struct api_req *r, struct roster_import *im, const struct roster_row *row,
    char *what, size_t whatlen);

static const char *const reporter_columns[] = { "id", "name", "area", "role", "lang" };

static const struct roster_res reporters = {
	.noun = "reporter", .plural = "reporters", .show = 64, .get = reporter_get,
	.columns = reporter_columns, .ncols = 5, .passes = 1, .pass = NULL,
	.prepare = reporter_rows_norm, .check = reporter_row_check, .put = reporter_row_put,
};

/*
 * The reporter a path /v1/reporters/<id> names, as the roster keys it
 * ("13800000003" is +8613800000003): r->rest normalised into buf.
 */
static const char *
reporter_rest(struct api_req *r, char *buf, size_t buflen)
{
	return roster_id_norm(r->rest, buf, buflen) ? buf : r->rest;
}

void
api_get_reporters(struct api_req *r)
{
	struct api_filter f;
	struct api_page pg;
	const char *role = api_param(r, "role");

	char id[CB_ID_MAX + 1];

	if (*r->rest) {
		roster_send(r, &reporters, reporter_rest(r, id, sizeof id), 200);
		return;
	}
	if (!api_filter_parse(r, &f))
		return;
	if (role != NULL && word_of(roles, role) == NULL) {
		api_error(r, 400, "bad_parameter", "role=%.32s: give leader or admin", role);
		return;
	}
	if (!api_page_begin(r, &pg, f.limit))
		return;
	api_page_send(&pg, store_query_reporters(r->api->sq, f.area, role, f.cursor, f.limit + 1,
	    reporter_item, &pg));
}

/*
 * Checks a reporter's members; returns NULL, or the problem (for a 400 or
 * an import line).
 */
static const char *
reporter_check(const struct sq_reporter *rp, char *msg, size_t msglen)
{
	char why[160];

	if (!roster_id_valid(rp->id, why, sizeof why))
		snprintf(msg, msglen, "id \"%.64s\": %s", rp->id, why);
	else if (!roster_name_valid(rp->name))
		snprintf(msg, msglen, "name must be 1 to %d bytes of text", ROSTER_TEXT_MAX - 1);
	else if (!topic_area_valid(rp->area, strlen(rp->area)))
		snprintf(msg, msglen, "area \"%.64s\" is not 1 to 5 levels of [a-z0-9-]", rp->area);
	else if (word_of(roles, rp->role) == NULL)
		snprintf(msg, msglen, "role must be leader or admin, not \"%.16s\"", rp->role);
	else if (word_of(langs, rp->lang) == NULL)
		snprintf(msg, msglen, "lang must be zh or en, not \"%.16s\"", rp->lang);
	else
		return NULL;
	return msg;
}

/* Writes one reporter (create or change) in its own transaction and answers. */
static void
reporter_write(struct api_req *r, const struct sq_reporter *rp, bool create)
{
	char what[512];
	int rc;

	if (!roster_begin(r))
		return;
	if ((rc = store_query_reporter_put(r->api->sq, rp, create)) < -1) {
		store_query_rollback(r->api->sq);
		if (rc == -3)
			api_error(r, 400, "bad_request", "area %s does not exist: create it first", rp->area);
		else if (create)
			api_error(r, 409, "conflict", "reporter %s exists: change it with PUT", rp->id);
		else
			api_error(r, 404, "not_found", "no reporter %.64s", rp->id);
		return;
	}
	snprintf(what, sizeof what, "reporter %s %s name=%s area=%s role=%s lang=%s",
	    create ? "add" : "change", rp->id, rp->name, rp->area, rp->role, rp->lang);
	if (roster_finish(r, rc, what))
		roster_send(r, &reporters, rp->id, create ? 201 : 200);
}

/*
 * Fills rp from the JSON object o over what rp holds (members absent keep
 * their value).  Answers 400 and returns false on a member of the wrong type.
 */
static bool
reporter_members(struct api_req *r, const cJSON *o, struct sq_reporter *rp, bool create)
{
	static const struct {
		const char *key;
		size_t off;
		bool required;		/* on create */
	} members[] = {
		{ "id", offsetof(struct sq_reporter, id), true },
		{ "name", offsetof(struct sq_reporter, name), true },
		{ "area", offsetof(struct sq_reporter, area), true },
		{ "role", offsetof(struct sq_reporter, role), false },
		{ "lang", offsetof(struct sq_reporter, lang), false },
	};
	bool ok = true;

	for (size_t i = 0; i < sizeof members / sizeof members[0] && ok; i++) {
		const char *v = roster_json_str(r, o, members[i].key, create && members[i].required, &ok);
		if (v != NULL)
			*(const char **)((char *)rp + members[i].off) = v;
	}
	return ok;
}

/* Checks rp and writes it, or answers 400 with its problem. */
static void
reporter_check_write(struct api_req *r, const struct sq_reporter *rp, bool create)
{
	char msg[256];

	if (reporter_check(rp, msg, sizeof msg) != NULL)
		api_error(r, 400, "bad_request", "%s", msg);
	else
		reporter_write(r, rp, create);
}

void
api_post_reporters(struct api_req *r)
{
	struct sq_reporter rp = { .role = "leader", .lang = "zh" };
	cJSON *o = roster_json_body(r);
	char id[CB_ID_MAX + 1];

	if (o == NULL)
		return;
	if (reporter_members(r, o, &rp, true)) {
		if (roster_id_norm(rp.id, id, sizeof id))	/* "138 0000 0009": +8613800000009 */
			rp.id = id;
		reporter_check_write(r, &rp, true);
	}
	cJSON_Delete(o);
}

/* A reporter as it stands before a change. */
struct reporter_now {
	char name[ROSTER_TEXT_MAX], area[CB_AREA_MAX], role[16], lang[8];
};

static bool
reporter_current(void *arg, const struct sq_reporter *rp)
{
	struct reporter_now *cur = arg;

	snprintf(cur->name, sizeof cur->name, "%s", rp->name);
	snprintf(cur->area, sizeof cur->area, "%s", rp->area);
	snprintf(cur->role, sizeof cur->role, "%s", rp->role);
	snprintf(cur->lang, sizeof cur->lang, "%s", rp->lang);
	return true;
}

void
api_put_reporter(struct api_req *r)
{
	struct reporter_now cur;
	struct sq_reporter rp;
	const cJSON *id;
	cJSON *o;
	char key[CB_ID_MAX + 1], given[CB_ID_MAX + 1];
	const char *rest = reporter_rest(r, key, sizeof key);
	int found = store_query_reporter_get(r->api->sq, rest, reporter_current, &cur);

	if (found != 1) {
		if (found < 0)
			api_db_error(r);
		else
			api_error(r, 404, "not_found", "no reporter %.64s: add it with POST /v1/reporters", rest);
		return;
	}
	if ((o = roster_json_body(r)) == NULL)
		return;
	rp = (struct sq_reporter){ rest, cur.name, cur.area, cur.role, cur.lang };
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	if (id != NULL && !(cJSON_IsString(id) && strcmp(roster_id_norm(id->valuestring, given, sizeof given) ?
	    given : id->valuestring, rest) == 0))
		api_error(r, 400, "bad_request", "\"id\": an id cannot change; remove and add instead");
	else if (reporter_members(r, o, &rp, false)) {
		rp.id = rest;
		reporter_check_write(r, &rp, false);
	}
	cJSON_Delete(o);
}

void
api_delete_reporter(struct api_req *r)
{
	char what[CB_ID_MAX + 32], key[CB_ID_MAX + 1];
	const char *rest = reporter_rest(r, key, sizeof key);
	int rc;

	if (!roster_begin(r))
		return;
	if ((rc = store_query_reporter_delete(r->api->sq, rest)) < 0) {
		roster_fail(r);
		return;
	}
	if (rc == 0) {
		store_query_rollback(r->api->sq);
		api_error(r, 404, "not_found", "no reporter %.64s", rest);
		return;
	}
	snprintf(what, sizeof what, "reporter delete %s", rest);
	roster_deleted(r, what, rest);
}

/* The reporter a reporters.csv row describes (pointers into the row). */
static struct sq_reporter
reporter_of(const struct roster_row *row)
{
	return (struct sq_reporter){ row->f[0], row->f[1], row->f[2], row->f[3], row->f[4] };
}

/* Brings the ids of reporters.csv to the roster's form before they are checked and written. */
static void
reporter_rows_norm(struct api_req *r, struct roster_import *im)
{
	(void)r;
	for (int i = 0; i < im->nrows; i++) {
		struct roster_row *row = &im->rows[i];

		if (roster_id_norm(row->f[0], row->id, sizeof row->id))
			row->f[0] = row->id;
	}
}

static void
reporter_row_check(struct roster_import *im, const struct roster_row *row)
{
	struct sq_reporter rp = reporter_of(row);
	char msg[256];

	if (reporter_check(&rp, msg, sizeof msg) != NULL)
		roster_problem(im, "line %d: %s", row->line, msg);
}

static int
reporter_row_put(struct api_req *r, struct roster_import *im, const struct roster_row *row,
    char *what, size_t whatlen)
{
	struct sq_reporter rp = reporter_of(row);
	int rc = store_query_reporter_upsert(r->api->sq, &rp);

	if (rc == -3)
		roster_problem(im, "line %d: area %s does not exist", row->line, rp.area);
	else if (rc > 0)
		snprintf(what, whatlen, "reporter %s %s name=%s area=%s role=%s lang=%s (import)",
		    rc == 1 ? "add" : "change", rp.id, rp.name, rp.area, rp.role, rp.lang);
	return rc;
}

void
api_post_reporters_import(struct api_req *r)
{
	roster_import(r, &reporters);
}
