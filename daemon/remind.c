/*
 * remind.c — reminders before a kind's deadline, escalation after it, and
 * the reminders an admin asks for (POST /v1/reminders).  See remind.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "api_int.h"
#include "log.h"
#include "payload.h"
#include "period.h"
#include "remind.h"
#include "reply.h"
#include "store_query.h"
#include "topic.h"
#include "utf8.h"

#define NAME_MAX_BYTES 128
#define PEOPLE_MAX     64	/* leaders of one group, admins of one village */
#define SEND_DOWN      (-2)	/* send_one: the broker did not take the message */

#define PASSES_MAX 64	/* (type, kind, period) passes remembered as done */
#define CHECK_MAX  500	/* messages one check sends: the rest wait for the next (the loop is shared) */

/*
 * The timer, and the passes already done: once every leader of a kind and
 * period due a reminder (or every admin due an escalation) has had one, the
 * next checks need not ask the database again until the roster changes.
 */
struct remind {
	struct api *a;
	struct event *timer;
	size_t npasses;		/* passes[npasses % PASSES_MAX] is the next to overwrite */
	int budget;		/* messages this check may still send */
	/* remind_due: each message goes here instead of out, and nothing is recorded. */
	void (*due_fn)(void *arg, const struct remind_due *d);
	void *due_arg;
	char passes[PASSES_MAX][16 + CB_CODE_MAX + CB_PERIOD_MAX];
};

/* Channels by reporter id prefix; any other "<channel>:" prefix names its own channel. */
static const struct {
	const char *prefix;
	const char *channel;
} channels[] = {
	{ "+", "sms" },
	{ "tg:", "tg" },
};

static const char *const months_en[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	"Aug", "Sep", "Oct", "Nov", "Dec" };

/* A missing group. */
struct mgroup {
	char path[CB_AREA_MAX];
	char name[NAME_MAX_BYTES];
};

struct mlist {
	size_t n, cap;
	struct mgroup *v;
	bool oom;
};

/* A leader or admin to write to. */
struct person {
	char id[CB_ID_MAX + 1];
	char name[NAME_MAX_BYTES];
	enum lang lang;
};

struct people {
	size_t n;
	struct person v[PEOPLE_MAX];
};

/* Writes the channel of reporter id into buf; false if the id names none. */
static bool
channel_of(const char *id, char *buf, size_t buflen)
{
	const char *colon = strchr(id, ':');

	for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++)
		if (strncmp(id, channels[i].prefix, strlen(channels[i].prefix)) == 0) {
			snprintf(buf, buflen, "%s", channels[i].channel);
			return true;
		}
	if (colon == NULL || colon == id || (size_t)(colon - id) >= buflen)
		return false;
	memcpy(buf, id, (size_t)(colon - id));
	buf[colon - id] = '\0';
	return true;
}

/*
 * The deadline of kind k for period p: `day` days into the period at `hour`
 * local time, but never after the period's last day (day 31 of a 30-day month).
 */
static int64_t
deadline_of(const struct kind *k, const struct period *p, int32_t off)
{
	int64_t start = period_start(p, off), end = period_end(p, off);
	int64_t d = start + (int64_t)(k->deadline.day - 1) * 86400 + k->deadline.hour * 3600;
	int64_t last = end - 86400 + k->deadline.hour * 3600;

	return d < last ? d : last;
}

/* "12月25日18时" / "25 Dec 18:00" for instant t at offset off. */
static void
deadline_text(int64_t t, int32_t off, enum lang l, char *buf, size_t buflen)
{
	int64_t local = t + off;
	int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
	int hour = (int)((local - days * 86400) / 3600);
	struct period d = period_of(PERIOD_DAY, t, off);

	if (l == LANG_ZH)
		snprintf(buf, buflen, "%d月%d日%d时", d.n, d.day, hour);
	else
		snprintf(buf, buflen, "%d %s %02d:00", d.day, months_en[(d.n - 1) % 12], hour);
}

/* How a group is named to its leader: its roster name in zh; "G3" for a gNN slug in en. */
static void
group_label(const char *path, const char *name, enum lang l, char *buf, size_t buflen)
{
	const char *slug = strrchr(path, '/');
	int n = 0;

	slug = slug ? slug + 1 : path;
	if (l == LANG_EN && slug[0] == 'g' && slug[1] != '\0' &&
	    strspn(slug + 1, "0123456789") == strlen(slug + 1) && (n = atoi(slug + 1)) > 0)
		snprintf(buf, buflen, "G%d", n);
	else
		snprintf(buf, buflen, "%s", *name ? name : slug);
}

/*
 * The text of a reminder to a leader of group (label) for kind k, period p,
 * due at deadline (overdue when now is past it).
 */
static void
remind_text(const struct kind *k, const struct period *p, const char *label, int64_t deadline,
    bool overdue, int32_t off, enum lang l, char *buf, size_t buflen)
{
	char per[32], due[48];

	reply_period(p, l, per, sizeof per);
	deadline_text(deadline, off, l, due, sizeof due);
	if (l == LANG_ZH && !overdue)
		snprintf(buf, buflen, "提醒：%s%s%s还未上报，请在%s前发送。例：%s", label, per,
		    kind_name(k, l), due, k->example_zh);
	else if (l == LANG_ZH)
		snprintf(buf, buflen, "提醒：%s%s%s还未上报，已过截止时间%s，请尽快发送。例：%s", label,
		    per, kind_name(k, l), due, k->example_zh);
	else if (!overdue)
		snprintf(buf, buflen, "Reminder: %s %s %s not reported yet; please send it by %s. E.g. %s",
		    label, per, kind_name(k, l), due, k->example_en);
	else
		snprintf(buf, buflen, "Reminder: %s %s %s is overdue (due %s); please send it now. E.g. %s",
		    label, per, kind_name(k, l), due, k->example_en);
	buf[utf8_truncate(buf, strlen(buf), buflen - 1)] = '\0';
}

/*
 * The text of an escalation to a village admin: the groups of the village
 * still missing (groups[0..n)), as many names as fit in one SMS.
 */
static void
escalate_text(const struct kind *k, const struct period *p, const char *village,
    const struct mgroup *const *groups, size_t n, enum lang l, char *buf, size_t buflen)
{
	char per[32], names[256] = "", label[NAME_MAX_BYTES];
	size_t shown = 0, room = l == LANG_ZH ? 60 : 120;	/* characters the list may take */

	reply_period(p, l, per, sizeof per);
	for (; shown < n; shown++) {
		group_label(groups[shown]->path, groups[shown]->name, l, label, sizeof label);
		size_t len = strlen(names), w = utf8_width(names, len) + utf8_width(label, strlen(label));
		if (shown > 0 && w + 8 > room)
			break;
		snprintf(names + len, sizeof names - len, "%s%s", shown ? (l == LANG_ZH ? "、" : ", ") : "", label);
	}
	/* A text too long for buf is cut, then cut back to a whole character. */
	int w = l == LANG_ZH ?
	    snprintf(buf, buflen, "催报：%s%s%s已过截止时间，还有%zu组未报：%s%s", village, per,
		kind_name(k, l), n, names, shown < n ? "等" : "") :
	    snprintf(buf, buflen, "Overdue: %s %s %s, %zu group%s not reported: %s%s", village, per,
		kind_name(k, l), n, n == 1 ? "" : "s", names, shown < n ? ", ..." : "");
	if (w >= (int)buflen)
		buf[utf8_truncate(buf, strlen(buf), buflen - 1)] = '\0';
}

static bool
mlist_add(void *arg, const struct sq_group *g)
{
	struct mlist *ml = arg;

	if (!g->expected || g->reported)
		return true;
	if (ml->n == ml->cap) {
		size_t cap = ml->cap ? ml->cap * 2 : 32;
		struct mgroup *v = realloc(ml->v, cap * sizeof *v);
		if (v == NULL) {
			ml->oom = true;
			return false;
		}
		ml->v = v;
		ml->cap = cap;
	}
	snprintf(ml->v[ml->n].path, CB_AREA_MAX, "%s", g->path);
	snprintf(ml->v[ml->n].name, NAME_MAX_BYTES, "%s", g->name);
	ml->n++;
	return true;
}

/* The expected groups of the subtree with no active report of kind and period; false on failure. */
static bool
missing_groups(struct api *a, const char *area, const char *kind, const char *period, struct mlist *ml)
{
	memset(ml, 0, sizeof *ml);
	if (!store_query_groups(a->sq, area, kind, period, mlist_add, ml) || ml->oom) {
		log_warnx("remind: missing groups of %s %s: %s", kind, period,
		    ml->oom ? "out of memory" : store_query_error(a->sq));
		free(ml->v);
		return false;
	}
	return true;
}

static bool
people_add(void *arg, const struct sq_reporter *rp)
{
	struct people *pp = arg;
	struct person *p;

	if (pp->n == PEOPLE_MAX)
		return false;
	p = &pp->v[pp->n++];
	snprintf(p->id, sizeof p->id, "%s", rp->id);
	snprintf(p->name, sizeof p->name, "%s", rp->name);
	if (!lang_parse(rp->lang, &p->lang))
		p->lang = LANG_ZH;
	return true;
}

/* The reporters of area with role; false on failure (logged). */
static bool
people_at(struct api *a, const char *area, const char *role, struct people *pp)
{
	pp->n = 0;
	if (!store_query_reporters_at(a->sq, area, role, people_add, pp)) {
		log_warnx("remind: %ss of %s: %s", role, area, store_query_error(a->sq));
		return false;
	}
	return true;
}

/*
 * Drops from ml the groups that appeared in cunbao (areas.since) at or
 * after `after` — the end of the period, or the deadline of an escalation:
 * nobody could have reported for them in time, and on the first start of
 * a new database every group is that new.  Calls gone(arg, group) for each
 * one dropped when gone is given.  False on a database error (logged).
 */
static bool
mlist_since(struct api *a, struct mlist *ml, int64_t after,
    void (*gone)(void *arg, const struct mgroup *g), void *arg)
{
	size_t out = 0;

	for (size_t i = 0; i < ml->n; i++) {
		int64_t since = store_query_area_since(a->sq, ml->v[i].path);

		if (since < 0) {
			log_warnx("remind: %s: %s", ml->v[i].path, store_query_error(a->sq));
			return false;
		}
		if (since > 0 && since >= after) {
			if (gone != NULL)
				gone(arg, &ml->v[i]);
			continue;
		}
		ml->v[out++] = ml->v[i];
	}
	ml->n = out;
	return true;
}

/*
 * Drops from pp the people who appeared in cunbao (reporters.since) at or
 * after `after` (the end of the period): a leader or admin added since
 * hears about periods from then on only.  False on a database error.
 */
static bool
people_since(struct api *a, struct people *pp, int64_t after)
{
	size_t out = 0;

	for (size_t i = 0; i < pp->n; i++) {
		int64_t since = store_query_reporter_since(a->sq, pp->v[i].id);

		if (since < 0) {
			log_warnx("remind: reporter since: %s", store_query_error(a->sq));
			return false;
		}
		if (since == 0 || since < after)
			pp->v[out++] = pp->v[i];
	}
	pp->n = out;
	return true;
}

/*
 * Sends one message to person p and records it, inside the caller's
 * transaction: the row is kept (a savepoint) only if the publish was
 * queued.  Returns the reminder id; 0 when p's id names no channel;
 * SEND_DOWN when the broker refused (nothing recorded); -1 on a failure
 * (logged).
 */
static int64_t
send_one(struct api *a, const struct person *p, const char *area, const char *kind,
    const char *period, const char *type, const char *who, const char *text, int64_t now)
{
	struct outbox o = { 0 };
	char masked[CB_ID_MAX + 1];
	int64_t id;

	if (!channel_of(p->id, o.channel, sizeof o.channel)) {
		log_warnx("remind: reporter %s: no channel to reach", log_mask(p->id, masked, sizeof masked));
		return 0;
	}
	if (!store_query_savepoint(a->sq))
		goto fail;
	if ((id = store_query_reminder_add(a->sq, p->id, area, kind, period, type, o.channel, now, who)) < 0) {
		store_query_rollback_to(a->sq);
		goto fail;
	}
	snprintf(o.id, sizeof o.id, "rm-%lld", (long long)id);
	snprintf(o.to, sizeof o.to, "%s", p->id);
	snprintf(o.text, sizeof o.text, "%s", text);
	if (a->hooks.outbox == NULL || !a->hooks.outbox(a->hooks.arg, &o)) {
		store_query_rollback_to(a->sq);
		return SEND_DOWN;
	}
	if (!store_query_release(a->sq))
		goto fail;
	a->reminders_sent++;
	log_info("remind: %s %s %s %s to %s (%s)", type, kind, period, area,
	    log_mask(p->id, masked, sizeof masked), o.id);
	return id;
fail:
	log_warnx("remind: %s", store_query_error(a->sq));
	return -1;
}

/*
 * The timer's send: send_one, or under remind_due a note of what would go
 * (returns 1, as if sent, so that the check goes on as it would).
 */
static int64_t
check_send(struct api *a, const struct person *p, const char *area, const struct kind *k,
    const char *period, const char *type, int64_t deadline, const char *text, int64_t now)
{
	struct remind *rm = a->remind;

	if (rm->due_fn == NULL)
		return send_one(a, p, area, k->code, period, type, NULL, text, now);
	struct remind_due d = { type, k->code, period, area, p->id, p->name, text, deadline };

	rm->due_fn(rm->due_arg, &d);
	return 1;
}

/*
 * Opens the transaction the messages of one check (or one request) are
 * recorded in, so they cost one commit however many they are.
 */
static bool
sends_begin(struct api *a)
{
	if (store_query_begin(a->sq))
		return true;
	log_warnx("remind: %s", store_query_error(a->sq));
	return false;
}

/*
 * Commits what was sent.  The messages are out already: if the commit
 * fails, someone may hear a reminder twice, which is logged.
 */
static void
sends_commit(struct api *a)
{
	if (!store_query_commit(a->sq)) {
		log_warnx("remind: reminders sent but not recorded (they may go out again): %s",
		    store_query_error(a->sq));
		store_query_rollback(a->sq);
	}
}

/* True (and the pass unfinished) once this check has sent its share. */
static bool
budget_spent(struct api *a, bool *unfinished)
{
	if (a->remind->budget > 0)
		return false;
	*unfinished = true;
	return true;
}

/*
 * Reminds each leader of the missing groups not yet reminded; returns
 * messages sent or -1.  *unfinished tells the broker refused one or the
 * check's budget ran out: the pass is not done.
 */
static int
remind_leaders(struct api *a, const struct kind *k, const struct period *p, const char *period,
    int64_t deadline, int64_t now, bool *unfinished)
{
	struct mlist ml;
	struct people pp;
	char text[CB_REPLY_MAX], label[NAME_MAX_BYTES];
	int sent = 0;
	int32_t off = api_utc_offset(a, now);
	int64_t end = period_end(p, off);

	if (!missing_groups(a, "", k->code, period, &ml))
		return -1;
	if (!mlist_since(a, &ml, end, NULL, NULL))
		sent = -1;
	for (size_t i = 0; i < ml.n && sent >= 0; i++) {
		if (!people_at(a, ml.v[i].path, "leader", &pp) || !people_since(a, &pp, end))
			sent = -1;
		for (size_t j = 0; j < pp.n && sent >= 0; j++) {
			int done = store_query_reminded(a->sq, pp.v[j].id, k->code, period, "remind");
			if (done != 0) {
				sent = done < 0 ? -1 : sent;
				continue;
			}
			if (budget_spent(a, unfinished))
				goto out;
			group_label(ml.v[i].path, ml.v[i].name, pp.v[j].lang, label, sizeof label);
			remind_text(k, p, label, deadline, false, off, pp.v[j].lang, text, sizeof text);
			int64_t id = check_send(a, &pp.v[j], ml.v[i].path, k, period, "remind", deadline, text, now);
			a->remind->budget--;
			if ((*unfinished = id == SEND_DOWN))
				goto out;	/* the next check tries again */
			sent = id < 0 ? -1 : sent + (id > 0);
		}
	}
out:
	free(ml.v);
	return sent;
}

/* Tells each admin of a village with missing groups which ones; returns messages sent or -1 (*unfinished as above). */
static int
escalate(struct api *a, const struct kind *k, const struct period *p, const char *period, int64_t due,
    int64_t now, bool *unfinished)
{
	struct mlist ml;
	struct people pp;
	const struct mgroup **village = NULL;
	char text[CB_REPLY_MAX], vpath[CB_AREA_MAX], vname[CB_AREA_MAX];
	int sent = 0;
	int64_t end = period_end(p, api_utc_offset(a, now));

	if (!missing_groups(a, "", k->code, period, &ml))
		return -1;
	/* A deadline that passed before cunbao knew the group is no one's fault. */
	if (!mlist_since(a, &ml, due, NULL, NULL))
		sent = -1;
	if (ml.n > 0 && (village = calloc(ml.n, sizeof *village)) == NULL)
		sent = -1;
	/* Groups come in path order: the groups of one village are consecutive. */
	for (size_t i = 0, j; i < ml.n && sent >= 0; i = j) {
		size_t n = 0;
		if (!topic_area_parent(ml.v[i].path, vpath, sizeof vpath))
			vpath[0] = '\0';
		for (j = i; j < ml.n; j++) {
			char pj[CB_AREA_MAX];
			if (!topic_area_parent(ml.v[j].path, pj, sizeof pj) || strcmp(pj, vpath) != 0)
				break;
			village[n++] = &ml.v[j];
		}
		if (j == i)
			j = i + 1;	/* a group at the top has no village to tell */
		if (n == 0)
			continue;
		if (!people_at(a, vpath, "admin", &pp) || !people_since(a, &pp, end)) {
			sent = -1;
			break;
		}
		snprintf(vname, sizeof vname, "%s", vpath);
		store_query_area_name(a->sq, vpath, vname, sizeof vname);
		for (size_t m = 0; m < pp.n && sent >= 0; m++) {
			int done = store_query_reminded(a->sq, pp.v[m].id, k->code, period, "escalate");
			if (done != 0) {
				sent = done < 0 ? -1 : sent;
				continue;
			}
			if (budget_spent(a, unfinished))
				goto out;
			escalate_text(k, p, vname, village, n, pp.v[m].lang, text, sizeof text);
			int64_t id = check_send(a, &pp.v[m], vpath, k, period, "escalate", due, text, now);
			a->remind->budget--;
			if ((*unfinished = id == SEND_DOWN))
				goto out;
			sent = id < 0 ? -1 : sent + (id > 0);
		}
	}
out:
	free(village);
	free(ml.v);
	return sent;
}

/* The key of a pass: "remind\tlivestock\t2023-12". */
static void
pass_key(const char *type, const char *kind, const char *period, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s\t%s\t%s", type, kind, period);
}

static bool
pass_done(const struct remind *rm, const char *key)
{
	size_t n = rm->npasses < PASSES_MAX ? rm->npasses : PASSES_MAX;

	for (size_t i = 0; i < n; i++)
		if (strcmp(rm->passes[i], key) == 0)
			return true;
	return false;
}

static void
pass_mark(struct remind *rm, const char *key)
{
	snprintf(rm->passes[rm->npasses++ % PASSES_MAX], sizeof rm->passes[0], "%s", key);
}

/*
 * Checks kind k for its current and previous periods: escalation once a
 * deadline has passed, reminders within remind_hours before it.  Returns
 * messages sent or -1.
 */
static int
remind_kind(struct api *a, const struct kind *k, int64_t now)
{
	int32_t off = api_utc_offset(a, now);
	struct period cur = period_of(k->period, now, off);
	struct period ps[2] = { period_prev(&cur), cur };
	char period[CB_PERIOD_MAX], key[sizeof a->remind->passes[0]];
	int sent = 0, rc = 0;

	for (size_t i = 0; i < 2 && rc >= 0; i++) {
		int64_t due = deadline_of(k, &ps[i], off);
		bool late = now >= due, unfinished = false;

		if (!late && (now < due - (int64_t)k->deadline.remind_hours * 3600 ||
		    now < period_start(&ps[i], off)))
			continue;
		period_format(&ps[i], period, sizeof period);
		pass_key(late ? "escalate" : "remind", k->code, period, key, sizeof key);
		if (pass_done(a->remind, key))
			continue;
		rc = late ? escalate(a, k, &ps[i], period, due, now, &unfinished)
		    : remind_leaders(a, k, &ps[i], period, due, now, &unfinished);
		if (rc >= 0 && !unfinished && a->remind->due_fn == NULL)
			pass_mark(a->remind, key);
		sent += rc > 0 ? rc : 0;
	}
	return rc < 0 ? -1 : sent;
}

void
remind_forget(struct remind *rm)
{
	if (rm != NULL)
		rm->npasses = 0;
}

int
remind_run(struct api *a, int64_t now)
{
	const struct catalog *c = api_catalog(a);
	int sent = 0, rc = 0;

	if (c == NULL || a->sq == NULL || a->remind == NULL)
		return 0;
	if (a->hooks.broker_connected != NULL && !a->hooks.broker_connected(a->hooks.arg))
		return 0;	/* nothing could go out: try at the next check */
	if (!sends_begin(a))
		return -1;
	a->remind->budget = CHECK_MAX;
	for (size_t i = 0; i < c->nkinds && rc >= 0; i++) {
		if (c->kinds[i].deadline.remind_hours <= 0)
			continue;
		rc = remind_kind(a, &c->kinds[i], now);
		sent += rc > 0 ? rc : 0;
	}
	sends_commit(a);	/* what went out is recorded, even after a failure */
	return rc < 0 ? -1 : sent;
}

int
remind_due(struct api *a, int64_t now, void (*fn)(void *arg, const struct remind_due *d), void *arg)
{
	const struct catalog *c = api_catalog(a);
	struct remind *rm = a->remind;
	int n = 0, rc = 0;

	if (c == NULL || a->sq == NULL || rm == NULL)
		return 0;
	rm->due_fn = fn;
	rm->due_arg = arg;
	rm->budget = CHECK_MAX;
	for (size_t i = 0; i < c->nkinds && rc >= 0; i++) {
		if (c->kinds[i].deadline.remind_hours <= 0)
			continue;
		rc = remind_kind(a, &c->kinds[i], now);
		n += rc > 0 ? rc : 0;
	}
	rm->due_fn = NULL;
	rm->due_arg = NULL;
	return rc < 0 ? -1 : n;
}

/*
 * Decides whether leader p may be texted now by a manual request: the cap
 * and the dedup window (REMIND_SENT when it may).  -1 on a database error.
 */
static int
manual_skip(struct api *a, const struct person *p, const char *kind, const char *period,
    const struct remind_limits *lim, int sent, int64_t now, int64_t *last_at)
{
	char channel[CB_CHANNEL_MAX + 1];
	int64_t last;

	if (!channel_of(p->id, channel, sizeof channel))
		return REMIND_NO_CHANNEL;
	if ((last = store_query_last_reminder(a->sq, p->id, kind, period)) < 0)
		return -1;
	if (last > 0 && lim->dedup_s > 0 && now - last < lim->dedup_s) {
		*last_at = last;
		return REMIND_RECENT;
	}
	if (sent >= lim->max)
		return REMIND_CAP;
	return REMIND_SENT;
}

/* Who hears of the groups mlist_since drops: a manual request's callback. */
struct gone_report {
	void (*fn)(void *arg, const struct remind_sent *s);
	void *arg;
};

/* Lists a group that came into cunbao after the period as skipped (REMIND_NEW). */
static void
group_gone(void *arg, const struct mgroup *g)
{
	const struct gone_report *gr = arg;
	struct remind_sent s = { .area = g->path, .skip = REMIND_NEW };

	gr->fn(gr->arg, &s);
}

int
remind_missing(struct api *a, const char *area, const struct kind *k, const char *period,
    const char *who, const struct remind_limits *lim,
    void (*fn)(void *arg, const struct remind_sent *s), void *arg)
{
	struct mlist ml;
	struct people pp;
	struct period p;
	char text[CB_REPLY_MAX], label[NAME_MAX_BYTES], channel[CB_CHANNEL_MAX + 1];
	int64_t now = api_now();
	int32_t off = api_utc_offset(a, now);
	int sent = 0;

	if (!lim->dry_run && a->hooks.broker_connected != NULL && !a->hooks.broker_connected(a->hooks.arg))
		return -2;
	if (period_parse(period, strlen(period), k->period, &p) != CB_OK ||
	    !missing_groups(a, area, k->code, period, &ml))
		return -1;
	int64_t due = deadline_of(k, &p, off), end = period_end(&p, off);
	struct gone_report gr = { fn, arg };
	if (!mlist_since(a, &ml, end, group_gone, &gr) || (!lim->dry_run && !sends_begin(a))) {
		free(ml.v);
		return -1;
	}
	for (size_t i = 0; i < ml.n && sent >= 0; i++) {
		struct remind_sent s = { .area = ml.v[i].path, .skip = REMIND_NO_LEADER };
		size_t before;
		if (!people_at(a, ml.v[i].path, "leader", &pp)) {
			sent = -1;
			break;
		}
		before = pp.n;
		if (!people_since(a, &pp, end)) {
			sent = -1;
			break;
		}
		if (pp.n < before && pp.n == 0)
			s.skip = REMIND_NEW;
		if (pp.n == 0)
			fn(arg, &s);
		for (size_t j = 0; j < pp.n && sent >= 0; j++) {
			int skip = manual_skip(a, &pp.v[j], k->code, period, lim, sent, now, &s.last_at);
			int64_t id = 0;
			if (skip < 0) {
				sent = -1;
				break;
			}
			if (skip == REMIND_SENT && !lim->dry_run) {
				group_label(ml.v[i].path, ml.v[i].name, pp.v[j].lang, label, sizeof label);
				remind_text(k, &p, label, due, now >= due, off, pp.v[j].lang, text, sizeof text);
				id = send_one(a, &pp.v[j], ml.v[i].path, k->code, period, "manual", who, text, now);
				if (id < 0) {
					sent = id == SEND_DOWN ? -2 : -1;
					break;
				}
			}
			s.reporter = pp.v[j].id;
			s.name = pp.v[j].name;
			s.channel = channel_of(pp.v[j].id, channel, sizeof channel) ? channel : "";
			s.id = id;
			s.skip = (enum remind_skip)skip;
			fn(arg, &s);
			sent += id > 0 || (lim->dry_run && skip == REMIND_SENT);
		}
	}
	if (!lim->dry_run)
		sends_commit(a);
	free(ml.v);
	return sent;
}

/* The timer: one check, then wait for the next. */
static void
remind_tick(evutil_socket_t fd, short what, void *arg)
{
	struct remind *rm = arg;
	int n = remind_run(rm->a, api_now());

	if (n > 0)
		log_info("remind: %d message%s sent", n, n == 1 ? "" : "s");
}

struct remind *
remind_new(struct api *a, int64_t interval_ms)
{
	struct remind *rm = calloc(1, sizeof *rm);
	struct timeval tv = { .tv_sec = interval_ms / 1000, .tv_usec = (interval_ms % 1000) * 1000 };

	if (rm == NULL)
		return NULL;
	rm->a = a;
	if (interval_ms <= 0)
		return rm;
	rm->timer = event_new(a->base, -1, EV_PERSIST, remind_tick, rm);
	if (rm->timer == NULL || event_add(rm->timer, &tv) != 0) {
		remind_free(rm);
		return NULL;
	}
	return rm;
}

void
remind_free(struct remind *rm)
{
	if (rm == NULL)
		return;
	if (rm->timer != NULL)
		event_free(rm->timer);
	free(rm);
}
