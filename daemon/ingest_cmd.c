/*
 * ingest_cmd.c — the roster rules and the commands of a known reporter:
 * report, help, query, correction (更正) and withdrawal (撤销).
 */
#include <stdio.h>
#include <string.h>

#include "ingest_int.h"
#include "rollcache.h"
#include "store.h"

bool
ingest_permitted(const struct reporter *rep, const struct area *area)
{
	size_t n = strlen(rep->area);

	if (rep->role == ROLE_LEADER)
		return strcmp(rep->area, area->path) == 0;
	return strncmp(rep->area, area->path, n) == 0 && (area->path[n] == '\0' || area->path[n] == '/');
}

/*
 * The area a command is about.  A leader: his own area (a group token must
 * name his own group: another existing group is not_permitted, a missing
 * one bad_group).  An admin: group N of his area, which he must name when
 * need_group (report, correction, withdrawal); without it, his own area.
 * Rejects the message and returns NULL when there is none.
 */
static const struct area *
ingest_target(struct msgctx *m, bool need_group)
{
	const struct roster *r = m->env->roster;
	const struct area *own = roster_area(r, m->rep->area), *g;
	int n = m->p.group;

	if (own == NULL) {
		ingest_reject(m, CB_UNKNOWN_AREA, NULL, "the reporter's area is not in the roster");
		return NULL;
	}
	if (m->rep->role == ROLE_LEADER) {
		if (n == 0 || own->group == n)
			return own;
		g = own->parent ? roster_group(r, own->parent, n) : NULL;
		ingest_reject(m, g ? CB_NOT_PERMITTED : CB_BAD_GROUP, NULL,
		    g ? "a leader reports for his own group" : "no such group");
		return NULL;
	}
	if (n == 0) {
		if (!need_group)
			return own;
		ingest_reject(m, CB_BAD_GROUP, NULL, "an admin names the group (3组, G3)");
		return NULL;
	}
	if ((g = roster_group(r, own, n)) == NULL)
		ingest_reject(m, CB_BAD_GROUP, NULL, "no such group in the admin's area");
	return g;
}

/* Rejects with e and writes the leader's error reply. */
static void
ingest_refuse(struct msgctx *m, enum cb_error e, const char *detail)
{
	ingest_reject(m, e, NULL, detail);
	m->p.error = e;
	reply_error(m->env->catalog, &m->p, m->lang, m->rc.text, sizeof m->rc.text);
}

/*
 * Stores an accepted report (or correction, replacing `replaces`): its row
 * and values, then its rollups.  A sum that would overflow rejects it
 * (out_of_range) and writes nothing.
 */
bool
ingest_store_report(struct msgctx *m, const struct area *area, int64_t replaces)
{
	const struct ingest_env *env = m->env;
	char period[CB_PERIOD_MAX];
	struct report_row row = {
		.id = m->replay ? m->in->report_id : 0,
		.journal_seq = m->replay ? m->in->journal_seq : store_journal_next(env->store),
		.area = area->path, .kind = m->p.kind->code, .period = period,
		.reporter = m->rep ? m->rep->id : NULL, .created_at = m->in->received_at,
		.replaces = replaces,
	};
	int64_t id;

	period_format(&m->p.period, period, sizeof period);
	if (replaces == 0) {
		enum cb_error e = rollcache_add(env->cache, env->store, area->path, m->p.kind,
		    &m->p.period, m->p.values, m->p.nvalues, m->in->received_at);

		if (e == CB_INTERNAL)
			return false;
		if (e != CB_OK) {
			ingest_refuse(m, e, "a rollup would overflow");
			return true;
		}
	}
	if ((id = store_report_add(env->store, &row)) < 0)
		return false;
	for (size_t i = 0; i < m->p.nvalues; i++) {
		const struct field *f = m->p.values[i].field;

		if (!store_value_add(env->store, id, f->code, m->p.values[i].v, f->scale))
			return false;
	}
	m->out->report_id = id;
	if (m->channel != NULL && m->p.cmd == CMD_FIX)
		reply_corrected(&m->p, m->kept, area->group, m->lang, m->rc.text, sizeof m->rc.text);
	else if (m->channel != NULL)
		reply_accepted(&m->p, area->group, m->lang, m->rc.text, sizeof m->rc.text);
	return true;
}

/*
 * The sender's last report in effect for area, of kind k and period p, or
 * (k NULL) of any kind in the period the message falls in: a query without
 * a kind is about this period's reports.  1 found, 0 none, -1 on a database
 * error.
 */
static int
last_report(struct msgctx *m, const struct area *area, const struct kind *k, const struct period *p,
    struct report_ref *out)
{
	const struct catalog *c = m->env->catalog;
	char period[CB_PERIOD_MAX];
	int found = 0;

	out->id = 0;
	for (size_t i = 0; i < c->nkinds; i++) {
		const struct kind *ki = k ? k : &c->kinds[i];
		struct period pi = k ? *p : period_of(ki->period, m->t, m->offset);
		struct report_ref r;
		int f;

		period_format(&pi, period, sizeof period);
		if ((f = store_report_last(m->env->store, m->rep->id, area->path, ki->code, period, &r)) < 0)
			return -1;
		if (f > 0 && r.id > out->id) {
			*out = r;
			found = 1;
		}
		if (k != NULL)
			break;
	}
	return found;
}

/*
 * The report a revision is about.  更正 names its kind and restates its
 * period (the current one unless given): the sender's last report of that
 * cell.  撤销 takes the sender's most recent report in effect by id, of the
 * kind and the period when the message names them, whatever its period when
 * not (a bare 撤销 after a report for 上月 withdraws that report).  1 found,
 * 0 none, -1 on a database error.
 */
static int
revised_report(struct msgctx *m, const struct area *area, bool fix, struct report_ref *out)
{
	char period[CB_PERIOD_MAX];

	out->id = 0;
	if (fix)
		return last_report(m, area, m->p.kind, &m->p.period, out);
	if (m->p.period_given)
		period_format(&m->p.period, period, sizeof period);
	return store_report_latest(m->env->store, m->rep->id, area->path,
	    m->p.kind ? m->p.kind->code : NULL, m->p.period_given ? period : NULL, out);
}

/* Collects the values of one report (the one a correction replaces) out of its cell. */
struct carry {
	const struct kind *kind;
	int64_t report;
	bool has[CB_MAX_FIELDS];
	int64_t v[CB_MAX_FIELDS];
};

static void
carry_value(void *arg, int64_t report, const char *field, int64_t v, unsigned scale)
{
	struct carry *c = arg;
	const struct field *f = kind_field(c->kind, field);

	/* A field the catalog dropped (or rescaled) is not carried: it no longer counts either. */
	if (report != c->report || f == NULL || f->index >= CB_MAX_FIELDS || scale != f->scale)
		return;
	c->has[f->index] = true;
	c->v[f->index] = v;
}

/*
 * Completes a correction with the fields it does not restate, taken from
 * the report it replaces (last, of kind k and period p), so that
 * `更正 牲畜 猪48` after `牛12 猪40 羊5` changes pigs only, as a plain
 * second report would.  m->p.values stays in the kind's field order;
 * m->kept gets a bit per carried field (for the reply).  false on a
 * database error.
 */
static bool
carry_over(struct msgctx *m, const struct area *area, const struct kind *k,
    const struct report_ref *last)
{
	struct carry c = { .kind = k, .report = last->id };
	struct value merged[CB_MAX_FIELDS];
	size_t n = 0, j = 0;

	if (!store_cell_values(m->env->store, area->path, k->code, last->period, carry_value, &c))
		return false;
	m->kept = 0;
	for (size_t i = 0; i < k->nfields && i < CB_MAX_FIELDS; i++) {
		if (j < m->p.nvalues && m->p.values[j].field == &k->fields[i])
			merged[n++] = m->p.values[j++];
		else if (c.has[i]) {
			merged[n++] = (struct value){ &k->fields[i], c.v[i] };
			m->kept |= 1u << i;
		}
	}
	if (j != m->p.nvalues)	/* values out of the kind's field order: keep them as given */
		return true;
	memcpy(m->p.values, merged, n * sizeof merged[0]);
	m->p.nvalues = n;
	return true;
}

/*
 * Replaces (FIX) or withdraws (UNDO) a report of the sender's (see
 * revised_report), inside a savepoint: when the recomputed rollups would
 * overflow, the report history is left as it was.  A correction carries
 * over the fields it does not restate (carry_over).
 */
static bool
ingest_revise(struct msgctx *m, const struct area *area, bool fix)
{
	const struct ingest_env *env = m->env;
	struct report_ref last;
	int found;

	if (fix && m->p.kind == NULL) {
		ingest_refuse(m, CB_AMBIGUOUS_KIND, "a correction names its kind");
		return true;
	}
	found = revised_report(m, area, fix, &last);
	if (found < 0)
		return false;
	if (found == 0) {
		ingest_refuse(m, CB_NOTHING_TO_FIX, "no report of the sender's in effect");
		return true;
	}
	const struct kind *k = catalog_kind(env->catalog, last.kind);
	struct period p;

	if (k == NULL || period_parse(last.period, strlen(last.period), k->period, &p) != CB_OK) {
		ingest_refuse(m, CB_NOTHING_TO_FIX, "the last report's kind is no longer in the catalog");
		return true;
	}
	/*
	 * The cell is loaded before the history changes: loaded after, it would
	 * count the reports in effect without the retired one, and the change
	 * in who has reported (completeness, `reported`) would go unseen.
	 */
	if (rollcache_get(env->cache, env->store, area->path, k, &p) == NULL)
		return false;
	if (fix && !carry_over(m, area, k, &last))
		return false;
	if (!store_savepoint(env->store))
		return false;
	if (fix && !ingest_store_report(m, area, last.id))
		return false;
	if (!store_report_retire(env->store, last.id, fix ? m->out->report_id : 0))
		return false;
	enum cb_error e = rollcache_recompute(env->cache, env->store, env->roster, area->path, k, &p,
	    m->in->received_at);

	if (e == CB_INTERNAL)
		return false;
	if (e != CB_OK) {
		m->out->report_id = 0;
		m->rc.text[0] = '\0';
		ingest_refuse(m, e, "a rollup would overflow");
		return store_savepoint_undo(env->store);
	}
	if (!fix) {
		m->out->report_id = last.id;
		if (m->channel != NULL)
			reply_undone(k, &p, area->group, m->lang, m->rc.text, sizeof m->rc.text);
	}
	return store_savepoint_release(env->store);
}

/* 查询/Q: the target's and its parent's figures of a kind (the last reported one by default). */
static bool
ingest_query(struct msgctx *m, const struct area *area)
{
	const struct ingest_env *env = m->env;
	const struct kind *k = m->p.kind;
	struct reply_figure mine[CB_MAX_FIELDS], all[CB_MAX_FIELDS];
	struct period p = m->p.period;
	struct report_ref last;
	size_t nmine = 0, nall = 0;

	if (k == NULL) {
		int found = last_report(m, area, NULL, NULL, &last);

		if (found < 0)
			return false;
		k = found ? catalog_kind(env->catalog, last.kind) : NULL;
		if (k == NULL && env->catalog->nkinds > 0)
			k = &env->catalog->kinds[0];
		if (k == NULL) {
			ingest_refuse(m, CB_UNKNOWN_KIND, "the catalog has no kinds");
			return true;
		}
		p = period_of(k->period, m->t, m->offset);
	}
	struct cell *c = rollcache_get(env->cache, env->store, area->path, k, &p);

	if (c == NULL)
		return false;
	nmine = rollcache_figures(c, mine, CB_MAX_FIELDS);
	if (area->parent != NULL && area->group != 0) {
		if ((c = rollcache_get(env->cache, env->store, area->parent->path, k, &p)) == NULL)
			return false;
		nall = rollcache_figures(c, all, CB_MAX_FIELDS);
	}
	reply_query(k, &p, area->group, nmine ? mine : NULL, nmine, nall ? all : NULL, nall,
	    m->lang, m->rc.text, sizeof m->rc.text);
	return true;
}

bool
ingest_command(struct msgctx *m)
{
	bool need_group = m->p.cmd == CMD_REPORT || m->p.cmd == CMD_FIX || m->p.cmd == CMD_UNDO;
	const struct area *area;

	if (m->p.cmd == CMD_HELP) {
		reply_help(m->env->catalog, m->p.kind, m->lang, m->rc.text, sizeof m->rc.text);
		return true;
	}
	if ((area = ingest_target(m, need_group)) == NULL) {
		m->p.error = m->rc.error;
		reply_error(m->env->catalog, &m->p, m->lang, m->rc.text, sizeof m->rc.text);
		return true;
	}
	if (need_group && area->child != NULL) {
		ingest_refuse(m, CB_NOT_PERMITTED, "reports are made for areas without sub-areas");
		return true;
	}
	switch (m->p.cmd) {
	case CMD_REPORT:
		return ingest_store_report(m, area, 0);
	case CMD_FIX:
		return ingest_revise(m, area, true);
	case CMD_UNDO:
		return ingest_revise(m, area, false);
	case CMD_QUERY:
		return ingest_query(m, area);
	default:
		return true;
	}
}
