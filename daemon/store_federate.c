/*
 * store_federate.c — a federating cunbaod's inputs and their journal (see
 * store_federate.h).  Few statements at the rate inputs arrive (one per
 * child rollup changed, not per report), prepared per call.
 */
#include <string.h>

#include "store_federate.h"
#include "store_int.h"

/* Prepares sql; NULL (error noted as what) on failure. */
static sqlite3_stmt *
fed_prepare(struct store *s, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_fail(s, what);
		return NULL;
	}
	return st;
}

/* Text of column i, "" for NULL. */
static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* Fills row from a result row of (child, kind, period, what, seq, updated_at, payload, fseq, received_at). */
static void
fed_row_read(sqlite3_stmt *st, struct fed_row *row)
{
	row->child = col_text(st, 0);
	row->kind = col_text(st, 1);
	row->period = col_text(st, 2);
	row->what = col_text(st, 3);
	row->seq = sqlite3_column_int64(st, 4);
	row->updated_at = col_text(st, 5);
	row->payload = col_text(st, 6);
	row->len = (size_t)sqlite3_column_bytes(st, 6);
	row->fseq = sqlite3_column_int64(st, 7);
	row->received_at = sqlite3_column_int64(st, 8);
}

#define FED_COLUMNS "child, kind, period, what, seq, updated_at, payload, fseq, received_at"

/*
 * One row's strings are copied into a buffer the store keeps until the
 * next call, so that the caller may use them after the statement is gone.
 */
static struct {
	char text[4 * 160 + 64 + 4096 + 16];
} fed_copy;

/* Copies the strings of row into fed_copy and points row at them. */
static void
fed_row_keep(struct fed_row *row)
{
	char *p = fed_copy.text, *end = fed_copy.text + sizeof fed_copy.text;
	const char **fields[] = { &row->child, &row->kind, &row->period, &row->what, &row->updated_at,
		&row->payload };

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		size_t n = strlen(*fields[i]);

		if (n + 1 > (size_t)(end - p))
			n = (size_t)(end - p) - 1;
		memcpy(p, *fields[i], n);
		p[n] = '\0';
		*fields[i] = p;
		p += n + 1;
	}
	row->len = strlen(row->payload);
}

int
store_fed_get(struct store *s, const char *child, const char *kind, const char *period,
    const char *what, struct fed_row *row)
{
	sqlite3_stmt *st = fed_prepare(s, "SELECT " FED_COLUMNS " FROM fed_inputs "
	    "WHERE child = ?1 AND kind = ?2 AND period = ?3 AND what = ?4", "federation input lookup");
	int rc, found = -1;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, child);
	store_bind_text(st, 2, kind);
	store_bind_text(st, 3, period);
	store_bind_text(st, 4, what);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		fed_row_read(st, row);
		fed_row_keep(row);
		found = 1;
	} else if (rc == SQLITE_DONE)
		found = 0;
	else
		store_fail(s, "federation input lookup");
	sqlite3_finalize(st);
	return found;
}

bool
store_fed_put(struct store *s, struct fed_row *row)
{
	sqlite3_stmt *st = fed_prepare(s, "INSERT INTO fed_journal (child, kind, period, what, child_seq, "
	    "updated_at, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", "federation journal");
	bool ok;

	if (st == NULL)
		return false;
	store_bind_text(st, 1, row->child);
	store_bind_text(st, 2, row->kind);
	store_bind_text(st, 3, row->period);
	store_bind_text(st, 4, row->what);
	sqlite3_bind_int64(st, 5, row->seq);
	store_bind_text(st, 6, row->updated_at);
	sqlite3_bind_int64(st, 7, row->received_at);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!ok)
		return store_fail(s, "federation journal");
	row->fseq = sqlite3_last_insert_rowid(s->db);
	if ((st = fed_prepare(s, "INSERT OR REPLACE INTO fed_inputs (" FED_COLUMNS ") "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", "federation input write")) == NULL)
		return false;
	store_bind_text(st, 1, row->child);
	store_bind_text(st, 2, row->kind);
	store_bind_text(st, 3, row->period);
	store_bind_text(st, 4, row->what);
	sqlite3_bind_int64(st, 5, row->seq);
	store_bind_text(st, 6, row->updated_at);
	sqlite3_bind_text(st, 7, row->payload, (int)row->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, row->fseq);
	sqlite3_bind_int64(st, 9, row->received_at);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? true : store_fail(s, "federation input write");
}

bool
store_fed_each(struct store *s, const char *what, const char *kind, const char *period,
    bool (*fn)(void *arg, const struct fed_row *row), void *arg)
{
	sqlite3_stmt *st = fed_prepare(s, "SELECT " FED_COLUMNS " FROM fed_inputs WHERE what = ?1 AND "
	    "(?2 IS NULL OR (kind = ?2 AND period = ?3)) ORDER BY kind, period, child", "federation inputs");
	struct fed_row row;
	int rc;

	if (st == NULL)
		return false;
	store_bind_text(st, 1, what);
	store_bind_text(st, 2, kind);
	store_bind_text(st, 3, period);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fed_row_read(st, &row);
		if (!fn(arg, &row))
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? true : store_fail(s, "federation inputs");
}
