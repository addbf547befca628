/*
 * federate.c — the federating cunbaod (see federate.h): child rollups in,
 * the rollups and completeness of the areas above them out.
 *
 * Inputs.  A message on <root>/rollup/<slug>/<kind>/<period> or
 * <root>/completeness/<slug>/<kind>/<period> whose slug names a child is
 * decoded (a rollup against our catalog), compared with the kept one and,
 * when newer, journaled and kept (store_federate.c).  Newer means: a
 * greater seq (the child's journal position, which never goes back between
 * two publications of one topic); without seq, a later updated_at; with an
 * equal one, a payload that differs (two changes within one second).  A
 * payload equal to the kept one is a repeat.  A catalog mismatch is refused
 * and logged once per (child, kind, field), and the child's status says so
 * until an input of that kind is accepted again.
 *
 * Outputs.  An accepted input marks (area, kind, period) for every area
 * above the child in our roster; a timer (rollup-interval) publishes each
 * marked key once: the kept rollups of the children under the area, merged
 * (rollup_merge), with reported/expected summed, the greatest journal seq
 * of ours among them as "seq", and the latest arrival as updated_at; and a
 * completeness naming the children that reported, with each child's counts
 * of groups and villages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "catalog.h"
#include "daemon.h"
#include "federate.h"
#include "jdec.h"
#include "jsonw.h"
#include "log.h"
#include "mqtt.h"
#include "period.h"
#include "rollup.h"
#include "roster.h"
#include "store_federate.h"
#include "topic.h"
#include "tz.h"

#define FED_LOGGED_MAX 16	/* mismatches logged once per child */

struct fed_child {
	char own[CB_AREA_MAX];		/* its area in our roster */
	char slug[CB_SLUG_MAX + 1];	/* its top area, as its topics name it */
	int64_t last_input;		/* unix seconds: the last input that changed something */
	int64_t last_seen;		/* unix seconds: the last input at all (repeats too) */
	int64_t lag;			/* seconds between its updated_at and our receipt, last change */
	char updated_at[40];		/* the child's updated_at of the last change */
	int link;			/* its bridge's notification: 1 up, 0 down, -1 not heard */
	uint64_t accepted, repeated, stale, refused;
	char mismatch[256];		/* the catalog difference last refused; "" none */
	char mismatch_kind[CB_CODE_MAX + 1];
	char logged[FED_LOGGED_MAX][2 * CB_CODE_MAX + 2];	/* "kind.field" logged once */
	size_t nlogged;
};

struct fedkey {
	struct fedkey *next;
	char area[CB_AREA_MAX];
	char kind[CB_CODE_MAX + 1];
	char period[CB_PERIOD_MAX];
};

struct federate {
	struct daemon *d;
	struct fed_child ch[FED_CHILDREN_MAX];
	size_t n;
	struct fedkey *head, **tail;	/* keys to publish, in order */
	size_t npending;
	struct event *ev;
	bool armed;
	char buf[CB_PAYLOAD_MAX];
};

/* Splits an upstream-of list into its entries; calls fn per entry; false when fn refuses. */
static bool
list_each(const char *list, bool (*fn)(void *arg, const char *path, size_t len), void *arg)
{
	const char *p = list;

	while (*p) {
		size_t n;

		p += strspn(p, ", \t");
		if ((n = strcspn(p, ", \t")) == 0)
			break;
		if (!fn(arg, p, n))
			return false;
		p += n;
	}
	return true;
}

struct check {
	char slugs[FED_CHILDREN_MAX][CB_SLUG_MAX + 1];
	size_t n;
	char *why;
	size_t whylen;
};

/* One entry of the list: a valid area path whose last slug no other entry has. */
static bool
check_one(void *arg, const char *path, size_t len)
{
	struct check *c = arg;
	const char *slash;
	size_t sl;

	if (!topic_area_valid(path, len)) {
		snprintf(c->why, c->whylen, "\"%.*s\" is not an area path (1-5 slugs [a-z0-9-])", (int)len, path);
		return false;
	}
	if (c->n == FED_CHILDREN_MAX) {
		snprintf(c->why, c->whylen, "more than %d children", FED_CHILDREN_MAX);
		return false;
	}
	for (slash = path + len; slash > path && slash[-1] != '/'; slash--)
		;
	sl = len - (size_t)(slash - path);
	snprintf(c->slugs[c->n], sizeof c->slugs[c->n], "%.*s", (int)sl, path + len - sl);
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->slugs[i], c->slugs[c->n]) == 0) {
			snprintf(c->why, c->whylen, "two children publish as %s", c->slugs[i]);
			return false;
		}
	c->n++;
	return true;
}

bool
federate_check(const char *list, char *why, size_t whylen)
{
	struct check *c = calloc(1, sizeof *c);
	bool ok;

	if (c == NULL) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	c->why = why;
	c->whylen = whylen;
	ok = list_each(list, check_one, c);
	free(c);
	return ok;
}

/* Adds one child of the list (checked by federate_check); fatal when the roster lacks its area. */
static bool
add_child(void *arg, const char *path, size_t len)
{
	struct federate *f = arg;
	struct fed_child *c = &f->ch[f->n];
	const char *slash;

	snprintf(c->own, sizeof c->own, "%.*s", (int)len, path);
	slash = strrchr(c->own, '/');
	snprintf(c->slug, sizeof c->slug, "%.*s", (int)sizeof c->slug - 1, slash ? slash + 1 : c->own);
	c->link = -1;
	if (roster_area(f->d->roster, c->own) == NULL)
		fatalx("upstream-of: %s is not an area of the roster (areas file %s)", c->own, f->d->conf.areas);
	f->n++;
	return true;
}

static struct fed_child *
child_by_slug(struct federate *f, const char *slug, size_t len)
{
	for (size_t i = 0; i < f->n; i++)
		if (strlen(f->ch[i].slug) == len && memcmp(f->ch[i].slug, slug, len) == 0)
			return &f->ch[i];
	return NULL;
}

static void fed_run(struct federate *f);

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct federate *f = arg;

	f->armed = false;
	fed_run(f);
}

/* Arms the publication timer to fire within ms unless it is armed already. */
static void
fed_arm(struct federate *f, int64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if (f->armed)
		return;
	evtimer_add(f->ev, &tv);
	f->armed = true;
}

/* Queues (area, kind, period) for publication unless it waits already; arms the timer. */
static void
fed_mark(struct federate *f, const char *area, const char *kind, const char *period)
{
	struct fedkey *k;

	for (k = f->head; k; k = k->next)
		if (strcmp(k->area, area) == 0 && strcmp(k->kind, kind) == 0 && strcmp(k->period, period) == 0)
			return;
	if ((k = calloc(1, sizeof *k)) == NULL) {
		log_warnx("federate: out of memory: %s/%s/%s not published", area, kind, period);
		return;
	}
	snprintf(k->area, sizeof k->area, "%s", area);
	snprintf(k->kind, sizeof k->kind, "%s", kind);
	snprintf(k->period, sizeof k->period, "%s", period);
	*f->tail = k;
	f->tail = &k->next;
	f->npending++;
	fed_arm(f, f->d->conf.rollup_interval);
}

/* Marks every area above child c for kind and period. */
static void
fed_mark_parents(struct federate *f, const struct fed_child *c, const char *kind, const char *period)
{
	char path[CB_AREA_MAX], parent[CB_AREA_MAX];

	snprintf(path, sizeof path, "%s", c->own);
	while (topic_area_parent(path, parent, sizeof parent)) {
		fed_mark(f, parent, kind, period);
		memcpy(path, parent, sizeof path);
	}
}

/* At start: a kept input's child notes its last input, and its parents go out again. */
static bool
load_row(void *arg, const struct fed_row *row)
{
	struct federate *f = arg;
	struct fed_child *c = child_by_slug(f, row->child, strlen(row->child));

	if (c == NULL)
		return true;	/* a child no longer listed */
	if (row->received_at > c->last_input) {
		c->last_input = c->last_seen = row->received_at;
		snprintf(c->updated_at, sizeof c->updated_at, "%s", row->updated_at);
	}
	fed_mark_parents(f, c, row->kind, row->period);
	return true;
}

struct federate *
federate_new(struct daemon *d)
{
	struct federate *f;
	char why[200];

	if (d->conf.upstream_of[0] == '\0')
		return NULL;
	if (!federate_check(d->conf.upstream_of, why, sizeof why))
		fatalx("upstream-of: %s", why);
	if ((f = calloc(1, sizeof *f)) == NULL || (f->ev = evtimer_new(d->base, on_timer, f)) == NULL)
		fatalx("out of memory");
	f->d = d;
	f->tail = &f->head;
	list_each(d->conf.upstream_of, add_child, f);
	/* Our own top areas' rollups come back to us on rollup/+/+/+: none may be taken for a child's. */
	for (size_t i = 0; i < f->n; i++)
		for (size_t j = 0; j < f->n; j++) {
			size_t top = strcspn(f->ch[j].own, "/");

			if (f->ch[j].own[top] == '/' && strlen(f->ch[i].slug) == top &&
			    strncmp(f->ch[i].slug, f->ch[j].own, top) == 0)
				fatalx("upstream-of: child %s publishes as %s, which is our own top area (of %s)",
				    f->ch[i].own, f->ch[i].slug, f->ch[j].own);
		}
	if (!store_fed_each(d->store, "rollup", NULL, NULL, load_row, f))
		fatalx("%s: cannot read the federation's inputs: %s", d->conf.db, store_error(d->store));
	log_info("federate: upstream of %zu children; %zu rollups above them to publish again", f->n,
	    f->npending);
	return f;
}

void
federate_free(struct federate *f)
{
	if (f == NULL)
		return;
	for (struct fedkey *k = f->head, *next; k; k = next) {
		next = k->next;
		free(k);
	}
	if (f->ev)
		event_free(f->ev);
	free(f);
}

/*
 * The topic after <root>/: "rollup/" or "completeness/" and the rest; NULL
 * for any other.  "link/<slug>" (a bridge's notification) is the rest with
 * *link set.
 */
static const char *
fed_topic(const struct federate *f, const char *topic, bool *rollup, bool *link)
{
	const char *root = f->d->conf.prefix;
	size_t rl = strlen(root);

	if (strncmp(topic, root, rl) != 0 || topic[rl] != '/')
		return NULL;
	topic += rl + 1;
	if (strncmp(topic, "rollup/", 7) == 0) {
		*rollup = true;
		return topic + 7;
	}
	if (strncmp(topic, "completeness/", 13) == 0) {
		*rollup = false;
		return topic + 13;
	}
	if (strncmp(topic, "link/", 5) == 0 && link != NULL) {
		*link = true;
		return topic + 5;
	}
	return NULL;
}

bool
federate_wants(const struct federate *f, const char *topic)
{
	bool rollup, link = false;

	return f != NULL && fed_topic(f, topic, &rollup, &link) != NULL;
}

/* Logs a child's catalog mismatch once per (kind, field) and keeps it for its status. */
static void
fed_mismatch(struct fed_child *c, const char *kind, const char *field, const char *err)
{
	char key[sizeof c->logged[0]];

	c->refused++;
	snprintf(c->mismatch, sizeof c->mismatch, "%s", err);
	snprintf(c->mismatch_kind, sizeof c->mismatch_kind, "%s", kind);
	snprintf(key, sizeof key, "%s.%s", kind, field);
	for (size_t i = 0; i < c->nlogged; i++)
		if (strcmp(c->logged[i], key) == 0)
			return;
	if (c->nlogged < FED_LOGGED_MAX)
		snprintf(c->logged[c->nlogged++], sizeof c->logged[0], "%s", key);
	log_warnx("federate: child %s: kind %s%s%s refused, its catalog differs from ours: %s", c->slug, kind,
	    field[0] ? " field " : "", field, err);
}

/* The members of a completeness payload the federation reads: its head, updated_at and seq (0: none). */
static enum cb_error
completeness_head(const char *buf, size_t len, char *area, char *kind, char *period, char *updated_at,
    int64_t *seq, char *err, size_t errlen)
{
	cJSON *root;
	enum cb_error e = jdec_parse(buf, len, &root, err, errlen);

	if (e != CB_OK)
		return e;
	const struct jdec_str t[] = {
		{ "area", true, area, CB_AREA_MAX, NULL, CB_BAD_AREA, "an area" },
		{ "kind", true, kind, CB_CODE_MAX + 1, NULL, CB_BAD_TYPE, "a code" },
		{ "period", true, period, CB_PERIOD_MAX, NULL, CB_BAD_PERIOD, "a period" },
		{ "updated_at", true, updated_at, 40, NULL, CB_BAD_TYPE, "RFC 3339" },
	};

	const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "seq");

	e = jdec_strings(root, t, sizeof t / sizeof t[0], err, errlen);
	*seq = cJSON_IsNumber(s) && s->valuedouble >= 1 && s->valuedouble < 9e15 ? (int64_t)s->valuedouble : 0;
	cJSON_Delete(root);
	return e;
}

/*
 * Whether an input (seq, updated_at, payload) is newer than the kept one:
 * 1 newer, 0 a repeat (the same payload), -1 older (late, or delivered
 * again after a newer one).  A smaller seq is older unless its updated_at
 * is later: seq and updated_at rise together, so that is a child whose
 * database started again (restored from a backup, a new disk), whose
 * journal counts from lower; its figures are the current ones (*reset set).
 */
static int
fed_newer(const struct fed_row *old, int64_t seq, const char *updated_at, const char *payload, size_t len,
    bool *reset)
{
	int64_t tn = 0, to = 0;
	bool times = tz_parse(updated_at, &tn) && tz_parse(old->updated_at, &to);

	*reset = false;
	if (old->len == len && memcmp(old->payload, payload, len) == 0)
		return 0;
	if (seq > 0 && old->seq > 0 && seq != old->seq) {
		if (seq > old->seq)
			return 1;
		*reset = times && tn > to;
		return *reset ? 1 : -1;
	}
	if (times && tn != to)
		return tn > to ? 1 : -1;
	return 1;	/* the same position, another payload: a later change within it */
}

/* What an input says about itself: the head of its payload, and whether it is a rollup. */
struct fed_head {
	bool rollup;
	char area[CB_AREA_MAX], kind[CB_CODE_MAX + 1], period[CB_PERIOD_MAX], upd[40];
	int64_t seq;
};

/*
 * Decodes child c's input m into h: a rollup against our catalog (a
 * mismatch is noted and logged once), a completeness by its head; the
 * payload must name the topic's area, kind and period (kp: "<kind>/<period>").
 * False when it is refused (counted, logged).
 */
static bool
fed_read(struct federate *f, struct fed_child *c, const struct mqtt_msg *m, const char *kp,
    struct fed_head *h)
{
	struct rollup_in in;
	char err[256], want[CB_CODE_MAX + CB_PERIOD_MAX + 2];
	enum cb_error e;

	if (h->rollup) {
		e = rollup_decode(m->payload, m->len, f->d->catalog, &in, err, sizeof err);
		if (e != CB_OK && in.mismatch) {
			fed_mismatch(c, in.kind, in.field, err);
			return false;
		}
		snprintf(h->area, sizeof h->area, "%s", in.area);
		snprintf(h->kind, sizeof h->kind, "%s", in.kind);
		snprintf(h->period, sizeof h->period, "%s", in.period);
		snprintf(h->upd, sizeof h->upd, "%s", in.updated_at);
		h->seq = in.seq;
	} else
		e = completeness_head(m->payload, m->len, h->area, h->kind, h->period, h->upd, &h->seq,
		    err, sizeof err);
	snprintf(want, sizeof want, "%s/%s", h->kind, h->period);
	if (e == CB_OK && (strcmp(h->area, c->slug) != 0 || strcmp(want, kp) != 0)) {
		snprintf(err, sizeof err, "the payload names %s/%s", h->area, want);
		e = CB_BAD_AREA;
	}
	if (e != CB_OK) {
		c->refused++;
		log_warnx("federate: child %s: %s: refused: %s", c->slug, m->topic, err);
		return false;
	}
	return true;
}

/*
 * Keeps child c's decoded input when it is newer than the kept one
 * (journaled, in the open transaction) and marks the areas above for
 * publication; counts a repeat or an older one.  False on a store error.
 */
static bool
fed_keep(struct federate *f, struct fed_child *c, const struct mqtt_msg *m, const struct fed_head *h,
    int64_t now)
{
	const char *what = h->rollup ? "rollup" : "completeness";
	struct fed_row old, row;
	int64_t t;
	int found = store_fed_get(f->d->store, c->slug, h->kind, h->period, what, &old);

	bool reset = false;

	if (found < 0)
		return false;
	int newer = found ? fed_newer(&old, h->seq, h->upd, m->payload, m->len, &reset) : 1;

	if (reset)
		log_info("federate: child %s: %s: seq %lld after %lld, but updated %s after %s: taken as "
		    "current (the child's database started again?)", c->slug, m->topic, (long long)h->seq,
		    (long long)old.seq, h->upd, old.updated_at);
	if (newer <= 0) {
		if (newer == 0)
			c->repeated++;
		else
			c->stale++;
		log_debug("federate: child %s: %s: %s, kept", c->slug, m->topic, newer ? "older" : "a repeat");
		return true;
	}
	row = (struct fed_row){ .child = c->slug, .kind = h->kind, .period = h->period, .what = what,
		.seq = h->seq, .updated_at = h->upd, .payload = m->payload, .len = m->len, .received_at = now };
	if (!store_fed_put(f->d->store, &row))
		return false;
	c->accepted++;
	c->last_input = now;
	snprintf(c->updated_at, sizeof c->updated_at, "%s", h->upd);
	c->lag = tz_parse(h->upd, &t) && now > t ? now - t : 0;
	if (h->rollup && strcmp(c->mismatch_kind, h->kind) == 0)
		c->mismatch[0] = c->mismatch_kind[0] = '\0';	/* that kind agrees again */
	fed_mark_parents(f, c, h->kind, h->period);
	return true;
}

/* A bridge's notification on link/<slug>: 1 up, 0 down (its last will). */
static void
fed_link(struct federate *f, const char *slug, const struct mqtt_msg *m)
{
	struct fed_child *c = child_by_slug(f, slug, strlen(slug));

	if (c == NULL)
		return;
	c->link = m->len == 1 && m->payload[0] == '1' ? 1 : m->len == 1 && m->payload[0] == '0' ? 0 : -1;
	log_info("federate: child %s: its bridge's link is %s", c->slug,
	    c->link == 1 ? "up" : c->link == 0 ? "down" : "unknown");
}

bool
federate_input(struct federate *f, const struct mqtt_msg *m, int64_t now)
{
	struct fed_head h = { .rollup = false };
	bool link = false;
	const char *rest = fed_topic(f, m->topic, &h.rollup, &link), *s1;
	struct fed_child *c;

	if (rest != NULL && link) {
		fed_link(f, rest, m);
		return true;
	}
	/* <slug>/<kind>/<period>: a child's top area; deeper areas and …/current are not inputs. */
	if (rest == NULL || (s1 = strchr(rest, '/')) == NULL || strchr(s1 + 1, '/') == NULL ||
	    strchr(strchr(s1 + 1, '/') + 1, '/') != NULL || strcmp(strrchr(rest, '/') + 1, "current") == 0 ||
	    (c = child_by_slug(f, rest, (size_t)(s1 - rest))) == NULL)
		return true;
	c->last_seen = now;
	if (!fed_read(f, c, m, s1 + 1, &h))
		return true;
	return fed_keep(f, c, m, &h, now);
}

/* True when area is the child's own area's ancestor (a proper one). */
static bool
fed_under(const struct fed_child *c, const char *area)
{
	size_t n = strlen(area);

	return strncmp(c->own, area, n) == 0 && c->own[n] == '/';
}

/* What one published key gathers from the children under its area. */
struct gather {
	struct rollup_state st[CB_MAX_FIELDS];
	int64_t reported, expected, seq, at;
	size_t with;			/* children with a rollup */
	int64_t cnt[FED_CHILDREN_MAX][4];	/* groups reported, expected, villages reported, expected */
	bool has[FED_CHILDREN_MAX];
};

/* The sub_reported/sub_expected counts of a child's kept completeness, when it has them. */
static void
gather_villages(struct federate *f, const struct fed_child *c, const char *kind, const char *period,
    int64_t *cnt)
{
	struct fed_row row;
	cJSON *root;
	char err[64];

	cnt[2] = cnt[3] = -1;
	if (store_fed_get(f->d->store, c->slug, kind, period, "completeness", &row) != 1 ||
	    jdec_parse(row.payload, row.len, &root, err, sizeof err) != CB_OK)
		return;
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "sub_reported");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "sub_expected");

	if (cJSON_IsNumber(r) && cJSON_IsNumber(e)) {
		cnt[2] = (int64_t)r->valuedouble;
		cnt[3] = (int64_t)e->valuedouble;
	}
	cJSON_Delete(root);
}

/*
 * Merges the kept rollups of every child under key's area into g; false
 * on a store error (logged).  On an overflow (logged) g->with is 0: no
 * rollup to publish.
 */
static bool
fed_gather(struct federate *f, const struct fedkey *key, const struct kind *k, struct gather *g)
{
	struct rollup_in in;
	struct fed_row row;
	char err[256];
	int found;

	memset(g, 0, sizeof *g);
	for (size_t i = 0; i < f->n; i++) {
		const struct fed_child *c = &f->ch[i];

		if (!fed_under(c, key->area))
			continue;
		if ((found = store_fed_get(f->d->store, c->slug, key->kind, key->period, "rollup", &row)) < 0) {
			log_warnx("federate: publish %s/%s/%s: %s", key->area, key->kind, key->period,
			    store_error(f->d->store));
			return false;
		}
		if (found == 0)
			continue;
		int64_t at = row.received_at, fseq = row.fseq;

		if (rollup_decode(row.payload, row.len, f->d->catalog, &in, err, sizeof err) != CB_OK ||
		    in.k != k)
			continue;	/* kept under another catalog: left out */
		if (!rollup_merge(k, g->st, in.st)) {
			log_warnx("federate: publish %s/%s/%s: a sum overflows; its rollup is not published",
			    key->area, key->kind, key->period);
			g->with = 0;	/* no rollup; the completeness still goes */
			return true;
		}
		g->reported += in.reported;
		g->expected += in.expected;
		g->seq = fseq > g->seq ? fseq : g->seq;
		g->at = at > g->at ? at : g->at;
		g->with++;
		g->has[i] = true;
		g->cnt[i][0] = in.reported;
		g->cnt[i][1] = in.expected;
		gather_villages(f, c, key->kind, key->period, g->cnt[i]);
	}
	return true;
}

/*
 * The completeness of a federated area: the children under it that
 * reported (relative paths), those missing, the groups summed, and per
 * child [groups reported, expected, villages reported, expected] (-1 when
 * the child did not say).  With detail false the per-child counts and the
 * reported list are left out (a payload over 4 KiB).
 */
static size_t
fed_completeness(struct federate *f, const struct fedkey *key, const struct gather *g, const char *stamp,
    bool detail)
{
	struct jsonw w;
	size_t skip = strlen(key->area) + 1, nexp = 0;

	for (size_t i = 0; i < f->n; i++)
		nexp += fed_under(&f->ch[i], key->area);
	jsonw_init(&w, f->buf, sizeof f->buf);
	jsonw_obj(&w);
	jsonw_key(&w, "area"); jsonw_str(&w, key->area);
	jsonw_key(&w, "kind"); jsonw_str(&w, key->kind);
	jsonw_key(&w, "period"); jsonw_str(&w, key->period);
	jsonw_key(&w, "expected"); jsonw_int(&w, (int64_t)nexp);
	for (int rep = 1; rep >= 0; rep--) {
		jsonw_key(&w, rep ? "reported" : "missing");
		jsonw_arr(&w);
		for (size_t i = 0; i < f->n && (detail || !rep); i++)
			if (fed_under(&f->ch[i], key->area) && (g->has[i] && g->cnt[i][0] > 0) == rep)
				jsonw_str(&w, f->ch[i].own + skip);
		jsonw_end(&w);
	}
	jsonw_key(&w, "updated_at"); jsonw_str(&w, stamp);
	if (g->seq > 0) {
		jsonw_key(&w, "seq"); jsonw_int(&w, g->seq);
	}
	jsonw_key(&w, "groups_reported"); jsonw_int(&w, g->reported);
	jsonw_key(&w, "groups_expected"); jsonw_int(&w, g->expected);
	if (detail) {
		jsonw_key(&w, "children");
		jsonw_obj(&w);
		for (size_t i = 0; i < f->n; i++) {
			if (!g->has[i])
				continue;
			jsonw_key(&w, f->ch[i].own + skip);
			jsonw_arr(&w);
			for (int j = 0; j < 4; j++)
				jsonw_int(&w, g->cnt[i][j]);
			jsonw_end(&w);
		}
		jsonw_end(&w);
	}
	jsonw_end(&w);
	return jsonw_finish(&w);
}

/* Publishes one retained payload from f->buf. */
static bool
fed_send(struct federate *f, const char *topic, size_t len)
{
	return len > 0 && mqtt_publish(f->d->mqtt, topic, f->buf, len, true, NULL);
}

/*
 * Publishes the rollup (also as …/current for the current period) and the
 * completeness of one key.  false to keep the key for later (the broker
 * away, a store error).
 */
static bool
fed_publish(struct federate *f, const struct fedkey *key)
{
	struct daemon *d = f->d;
	const struct kind *k = catalog_kind(d->catalog, key->kind);
	struct gather *g;
	struct period per, cur;
	char topic[CB_TOPIC_MAX], stamp[TZ_STAMP_MAX];
	size_t len;

	if (k == NULL || period_parse(key->period, strlen(key->period), k->period, &per) != CB_OK)
		return true;	/* a kind our catalog lost */
	if ((g = malloc(sizeof *g)) == NULL)
		return false;
	if (!fed_gather(f, key, k, g)) {
		free(g);
		return false;
	}
	tz_format(g->at, stamp, sizeof stamp);
	len = g->with == 0 ? 0 : rollup_encode_seq(key->area, k, key->period, g->st, (unsigned)g->reported,
	    (unsigned)g->expected, stamp, g->seq, f->buf, sizeof f->buf);
	topic_rollup(d->conf.prefix, key->area, key->kind, key->period, topic, sizeof topic);
	if (len > 0 && !fed_send(f, topic, len)) {
		free(g);
		return !mqtt_connected(d->mqtt) ? false : true;
	}
	if (len > 0) {
		d->metrics.rollups_published++;
		cur = period_of(k->period, tz_now(), tz_offset(tz_now()));
		topic_rollup(d->conf.prefix, key->area, key->kind, "current", topic, sizeof topic);
		if (period_cmp(&cur, &per) == 0 && fed_send(f, topic, len))
			d->metrics.rollups_published++;
	}
	if ((len = fed_completeness(f, key, g, stamp, true)) == 0)
		len = fed_completeness(f, key, g, stamp, false);
	topic_completeness(d->conf.prefix, key->area, key->kind, key->period, topic, sizeof topic);
	if (fed_send(f, topic, len))
		d->metrics.completeness_published++;
	free(g);
	return true;
}

/*
 * Publishes the pending keys while the broker is there; those that fail (a
 * store error) are tried again a second later.  Without the broker nothing
 * goes: federate_flush runs on connect.
 */
static void
fed_run(struct federate *f)
{
	struct fedkey *k, *keep = NULL, **ktail = &keep;
	size_t nkeep = 0;

	if (!mqtt_connected(f->d->mqtt))
		return;
	if (batch_held(f->d->batch)) {
		fed_arm(f, 1000);	/* the store fails: after its retry */
		return;
	}
	while ((k = f->head) != NULL) {
		f->head = k->next;
		if (fed_publish(f, k)) {
			free(k);
			continue;
		}
		k->next = NULL;
		*ktail = k;
		ktail = &k->next;
		nkeep++;
	}
	f->head = keep;
	f->tail = keep ? ktail : &f->head;
	f->npending = nkeep;
	if (nkeep > 0 && mqtt_connected(f->d->mqtt))
		fed_arm(f, 1000);
	mqtt_flush(f->d->mqtt);
}

void
federate_flush(struct federate *f)
{
	if (f == NULL)
		return;
	if (f->armed) {
		evtimer_del(f->ev);
		f->armed = false;
	}
	fed_run(f);
}

/* The status of a child: catalog_mismatch, link_down, stale (no input for upstream-stale) or ok. */
static const char *
child_status(const struct federate *f, const struct fed_child *c, int64_t now)
{
	if (c->mismatch[0] != '\0')
		return "catalog_mismatch";
	if (c->link == 0)
		return "link_down";
	if (c->last_input == 0 || (now - c->last_seen) * 1000 > f->d->conf.upstream_stale)
		return "stale";
	return "ok";
}

void
federate_children_json(const struct federate *f, struct jsonw *w, int64_t now)
{
	char stamp[TZ_STAMP_MAX];

	jsonw_arr(w);
	for (size_t i = 0; f != NULL && i < f->n; i++) {
		const struct fed_child *c = &f->ch[i];

		jsonw_obj(w);
		jsonw_key(w, "area"); jsonw_str(w, c->own);
		jsonw_key(w, "publishes_as"); jsonw_str(w, c->slug);
		jsonw_key(w, "status"); jsonw_str(w, child_status(f, c, now));
		jsonw_key(w, "last_input");
		if (c->last_input > 0) {
			tz_format(c->last_input, stamp, sizeof stamp);
			jsonw_str(w, stamp);
		} else
			jsonw_raw(w, "null");
		jsonw_key(w, "age"); jsonw_int(w, c->last_input > 0 ? now - c->last_input : -1);
		jsonw_key(w, "updated_at");
		if (c->updated_at[0] != '\0')
			jsonw_str(w, c->updated_at);
		else
			jsonw_raw(w, "null");
		jsonw_key(w, "lag"); jsonw_int(w, c->lag);
		jsonw_key(w, "link");
		jsonw_raw(w, c->link == 1 ? "\"up\"" : c->link == 0 ? "\"down\"" : "null");
		jsonw_key(w, "catalog"); jsonw_str(w, c->mismatch[0] ? "mismatch" : "match");
		if (c->mismatch[0] != '\0') {
			jsonw_key(w, "mismatch"); jsonw_str(w, c->mismatch);
		}
		jsonw_key(w, "accepted"); jsonw_int(w, (int64_t)c->accepted);
		jsonw_key(w, "repeated"); jsonw_int(w, (int64_t)c->repeated);
		jsonw_key(w, "older"); jsonw_int(w, (int64_t)c->stale);
		jsonw_key(w, "refused"); jsonw_int(w, (int64_t)c->refused);
		jsonw_end(w);
	}
	jsonw_end(w);
}

/* ---- the admin API's federated rollups and completeness ---- */

struct kp {
	char kind[CB_CODE_MAX + 1];
	char period[CB_PERIOD_MAX];
};

struct kp_list {
	struct kp *v;
	size_t n, cap;
	const char *kind, *period;	/* filters; "" none */
};

/* Collects the distinct (kind, period) of the kept rollups that pass the filters (rows come sorted). */
static bool
kp_row(void *arg, const struct fed_row *row)
{
	struct kp_list *l = arg;

	if ((l->kind[0] && strcmp(row->kind, l->kind) != 0) || (l->period[0] && strcmp(row->period, l->period) != 0))
		return true;
	if (l->n > 0 && strcmp(l->v[l->n - 1].kind, row->kind) == 0 &&
	    strcmp(l->v[l->n - 1].period, row->period) == 0)
		return true;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct kp *v = realloc(l->v, cap * sizeof *v);

		if (v == NULL)
			return false;
		l->v = v;
		l->cap = cap;
	}
	snprintf(l->v[l->n].kind, sizeof l->v[l->n].kind, "%s", row->kind);
	snprintf(l->v[l->n].period, sizeof l->v[l->n].period, "%s", row->period);
	l->n++;
	return true;
}

/* True when a is an area above some child (a federated area) inside the subtree of filter. */
static bool
fed_area_listed(const struct federate *f, const char *a, const char *filter)
{
	size_t n = strlen(filter);
	bool above = false;

	for (size_t i = 0; i < f->n && !above; i++)
		above = fed_under(&f->ch[i], a);
	return above && (n == 0 || (strncmp(a, filter, n) == 0 && (a[n] == '\0' || a[n] == '/')));
}

size_t
federate_api_items(struct federate *f, struct jsonw *w, bool completeness, const char *area,
    const char *kind, const char *period, size_t max)
{
	struct kp_list l = { .kind = kind ? kind : "", .period = period ? period : "" };
	const struct roster *r = f->d->roster;
	size_t count = 0;

	if (!store_fed_each(f->d->store, "rollup", NULL, NULL, kp_row, &l)) {
		free(l.v);
		return SIZE_MAX;
	}
	for (size_t ai = 0; ai < roster_nareas(r) && count < max; ai++) {
		const struct area *a = roster_area_at(r, ai);

		if (!fed_area_listed(f, a->path, area ? area : ""))
			continue;
		for (size_t i = 0; i < l.n && count < max; i++) {
			struct fedkey key;
			const struct kind *k = catalog_kind(f->d->catalog, l.v[i].kind);
			struct gather *g = malloc(sizeof *g);
			char stamp[TZ_STAMP_MAX];
			size_t len = 0;

			snprintf(key.area, sizeof key.area, "%s", a->path);
			snprintf(key.kind, sizeof key.kind, "%s", l.v[i].kind);
			snprintf(key.period, sizeof key.period, "%s", l.v[i].period);
			if (g != NULL && k != NULL && fed_gather(f, &key, k, g) && g->with > 0) {
				tz_format(g->at, stamp, sizeof stamp);
				if (completeness && (len = fed_completeness(f, &key, g, stamp, true)) == 0)
					len = fed_completeness(f, &key, g, stamp, false);
				else if (!completeness)
					len = rollup_encode_seq(key.area, k, key.period, g->st, (unsigned)g->reported,
					    (unsigned)g->expected, stamp, g->seq, f->buf, sizeof f->buf);
			}
			free(g);
			if (len > 0) {
				jsonw_raw(w, f->buf);
				count++;
			}
		}
	}
	free(l.v);
	return count;
}
