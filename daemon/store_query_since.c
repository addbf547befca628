/*
 * store_query_since.c — when an area or a reporter first appeared in
 * cunbao (areas.since, reporters.since: schema/sql/015_roster_since.sql),
 * for the reminders (daemon/remind.c): a period that was over before then
 * is never chased.
 */
#include <sqlite3.h>

#include "store_query_int.h"

/* The since of the row of table whose column key is value: 0 when NULL or absent, -1 on an error. */
static int64_t
since_of(struct store_query *q, const char *select, const char *cond, const char *value)
{
	struct sqlb b;
	sqlite3_stmt *st;
	int64_t since = 0;
	int rc;

	sqlb_init(&b, select);
	sqlb_text(&b, cond, value);
	if ((st = sqlb_prepare(q, &b)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
		since = sqlite3_column_int64(st, 0);
	return sq_finish(q, st, rc, "since") == 0 ? since : -1;
}

int64_t
store_query_area_since(struct store_query *q, const char *path)
{
	return since_of(q, "SELECT since FROM areas", "path = ?", path);
}

int64_t
store_query_reporter_since(struct store_query *q, const char *id)
{
	return since_of(q, "SELECT since FROM reporters", "id = ?", id);
}
