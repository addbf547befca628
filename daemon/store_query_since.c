/*
 * store_query_since.c — what the reminders need besides store_query.c:
 * when an area or a reporter first appeared in cunbao (areas.since,
 * reporters.since: schema/sql/015_roster_since.sql), so that a period that
 * was over before then is never chased (daemon/remind.c), and the list of
 * reminders sent (GET /v1/reminders).
 */
#include <stdint.h>
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

bool
store_query_reminders(struct store_query *q, const char *area, const char *kind, const char *period,
    int64_t since, int64_t after, unsigned limit, bool (*fn)(void *arg, const struct sq_reminder *r),
    void *arg)
{
	struct sqlb b;
	sqlite3_stmt *st;
	int rc;

	sqlb_init(&b, "SELECT id, reporter, area, kind, period, type, channel, who, sent_at FROM reminders");
	if (*kind)
		sqlb_text(&b, "kind = ?", kind);
	if (*period)
		sqlb_text(&b, "period = ?", period);
	if (since != INT64_MIN)
		sqlb_int(&b, "sent_at >= ?", since);
	if (after > 0)
		sqlb_int(&b, "id > ?", after);
	sqlb_subtree(&b, "area", area);
	sqlb_sql(&b, " ORDER BY id LIMIT ?");
	sqlb_int(&b, NULL, limit);
	if ((st = sqlb_prepare(q, &b)) == NULL)
		return false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sq_reminder r = {
			.id = sqlite3_column_int64(st, 0), .reporter = sq_text0(st, 1), .area = sq_text0(st, 2),
			.kind = sq_text0(st, 3), .period = sq_text0(st, 4), .type = sq_text0(st, 5),
			.channel = sq_text0(st, 6), .who = sq_text(st, 7), .sent_at = sqlite3_column_int64(st, 8),
		};
		if (!fn(arg, &r)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return sq_finish(q, st, rc, "reminders") == 0;
}
