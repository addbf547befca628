/*
 * rebuild.c — the journal replayed into fresh reports and rollups.
 */
#include <stdio.h>
#include <string.h>

#include "ingest.h"
#include "rebuild.h"
#include "rollcache.h"
#include "roster.h"
#include "store.h"

struct replay {
	struct ingest_env env;
	struct outcome *out;
	struct rebuild_stats *st;
};

/* Replays one journal row; false stops the rebuild (a database failure). */
static bool
replay_one(void *arg, const struct journal_entry *e)
{
	struct replay *r = arg;
	struct inbound in = {
		.topic = e->topic, .payload = e->payload, .len = e->len,
		.received_at = e->received_at, .journal_seq = e->seq, .report_id = e->report_id,
		.detail = e->detail,
	};

	if (!ingest_replay(&r->env, &in, r->out))
		return false;
	r->st->messages++;
	if (r->out->error == CB_OK)
		r->st->accepted++;
	else
		r->st->rejected++;
	if (r->out->report_id != e->report_id)
		r->st->changed++;
	return true;
}

/* Counts the cells the cache wrote, as the rebuild commits. */
static void
count_cell(void *arg, const struct cell *c)
{
	size_t *n = arg;

	(*n)++;
}

bool
rebuild_run(struct store *s, const struct catalog *c, const char *root, bool apply,
    struct rebuild_stats *st, char *err, size_t errlen)
{
	static struct outcome out;	/* large; one per process */
	struct roster *roster = roster_load(s, err, errlen);
	struct rollcache *cache = rollcache_new();
	struct replay r = { { c, roster, s, cache, root, 0, NULL, false }, &out, st };
	bool ok = false;

	memset(st, 0, sizeof *st);
	if (roster == NULL || cache == NULL) {
		if (cache == NULL)
			snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (!store_begin(s)) {
		snprintf(err, errlen, "%s", store_error(s));
		goto done;
	}
	if (!store_clear_derived(s) || !store_report_ids_reserve(s, true) ||
	    !store_journal_each(s, replay_one, &r) || !store_report_ids_reserve(s, false) ||
	    !rollcache_flush(cache, s) || (apply && !store_commit(s))) {
		snprintf(err, errlen, "%s", store_error(s));
		store_rollback(s);
		goto done;
	}
	rollcache_committed(cache, count_cell, &st->cells);
	if (!apply)
		store_rollback(s);	/* a dry run */
	ok = true;
done:
	rollcache_free(cache);
	roster_free(roster);
	return ok;
}
