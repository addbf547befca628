/*
 * store_roster.c — areas, reporters and the log of roster changes.
 */
#include <string.h>

#include "store_int.h"
#include "topic.h"

/* True when column i holds text equal to s. */
static bool
column_is(sqlite3_stmt *st, int i, const char *s)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL && strcmp((const char *)t, s) == 0;
}

int
store_area_put(struct store *s, const struct area_row *a)
{
	sqlite3_stmt *st = store_stmt(s, ST_AREA_GET);
	char parent[CB_AREA_MAX];
	int rc, change = 1;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, a->path);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		change = column_is(st, 0, a->name) && sqlite3_column_int(st, 1) == a->expected ? 0 : 2;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "area lookup");
		return -1;
	}
	if (change == 0)
		return 0;
	if ((st = store_stmt(s, ST_AREA_PUT)) == NULL)
		return -1;
	store_bind_text(st, 1, a->path);
	store_bind_text(st, 2, a->name);
	store_bind_text(st, 3, topic_area_parent(a->path, parent, sizeof parent) ? parent : NULL);
	sqlite3_bind_int(st, 4, topic_area_depth(a->path));
	sqlite3_bind_int(st, 5, a->expected);
	return store_exec_stmt(s, st, "area write") ? change : -1;
}

int
store_reporter_put(struct store *s, const struct reporter_row *r)
{
	sqlite3_stmt *st = store_stmt(s, ST_REPORTER_GET);
	int rc, change = 1;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, r->id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		change = column_is(st, 0, r->name) && column_is(st, 1, r->area) &&
		    column_is(st, 2, r->role) && column_is(st, 3, r->lang) ? 0 : 2;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "reporter lookup");
		return -1;
	}
	if (change == 0)
		return 0;
	if ((st = store_stmt(s, ST_REPORTER_PUT)) == NULL)
		return -1;
	store_bind_text(st, 1, r->id);
	store_bind_text(st, 2, r->name);
	store_bind_text(st, 3, r->area);
	store_bind_text(st, 4, r->role);
	store_bind_text(st, 5, r->lang);
	return store_exec_stmt(s, st, "reporter write") ? change : -1;
}

/* Text of column i, "" for NULL. */
static const char *
column_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

bool
store_areas_each(struct store *s, bool (*fn)(void *arg, const struct area_row *a), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_AREA_ALL);
	int rc;

	if (st == NULL)
		return false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct area_row a = {
			.path = column_text(st, 0),
			.name = column_text(st, 1),
			.expected = sqlite3_column_int(st, 2) != 0,
		};
		if (!fn(arg, &a)) {
			sqlite3_reset(st);
			return false;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE || store_fail(s, "areas");
}

bool
store_reporters_each(struct store *s, bool (*fn)(void *arg, const struct reporter_row *r), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_REPORTER_ALL);
	int rc;

	if (st == NULL)
		return false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct reporter_row r = {
			.id = column_text(st, 0),
			.name = column_text(st, 1),
			.area = column_text(st, 2),
			.role = column_text(st, 3),
			.lang = column_text(st, 4),
		};
		if (!fn(arg, &r)) {
			sqlite3_reset(st);
			return false;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE || store_fail(s, "reporters");
}

bool
store_roster_log(struct store *s, const char *who, int64_t at, const char *what)
{
	sqlite3_stmt *st = store_stmt(s, ST_ROSTER_LOG);

	if (st == NULL)
		return false;
	store_bind_text(st, 1, who);
	sqlite3_bind_int64(st, 2, at);
	store_bind_text(st, 3, what);
	return store_exec_stmt(s, st, "roster log");
}
