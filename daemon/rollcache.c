/*
 * rollcache.c — cells hashed by (area, kind, period), loaded on demand,
 * changed in two phases, written once per batch.
 */
#include <stdlib.h>
#include <string.h>

#include "rollcache.h"
#include "roster.h"
#include "store.h"
#include "topic.h"

/* The areas with reports in effect for one (kind, period): a hash set of paths. */
struct repent {
	struct repent *next;
	uint32_t hash;
	char area[];
};
struct repset {
	struct repset *next;
	const struct kind *kind;
	struct period period;
	size_t count, nbuckets;		/* a power of two */
	struct repent **buckets;
};

struct rollcache {
	struct cell **buckets;
	size_t nbuckets;		/* a power of two */
	size_t count;
	struct cell *dirty;		/* cells changed since the last commit */
	struct repset *sets;		/* loaded on demand, kept in step with own */
};

/* FNV-1a of the area, mixed with the kind and the period. */
static uint32_t
cell_hash(const char *area, const struct kind *k, const struct period *p)
{
	uint32_t h = 2166136261u;

	for (const char *s = area; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	for (const char *s = k->code; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	h = (h ^ (uint32_t)p->type) * 16777619u;
	h = (h ^ (uint32_t)p->year) * 16777619u;
	h = (h ^ (uint32_t)p->n) * 16777619u;
	h = (h ^ (uint32_t)p->day) * 16777619u;
	return h;
}

struct rollcache *
rollcache_new(void)
{
	struct rollcache *rc = calloc(1, sizeof *rc);

	if (rc == NULL)
		return NULL;
	rc->nbuckets = 1024;
	rc->buckets = calloc(rc->nbuckets, sizeof *rc->buckets);
	if (rc->buckets == NULL) {
		free(rc);
		return NULL;
	}
	return rc;
}

static uint32_t
str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void
repset_free(struct repset *set)
{
	for (size_t i = 0; i < set->nbuckets; i++)
		for (struct repent *e = set->buckets[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	free(set->buckets);
	free(set);
}

/* The entry slot of area in set (where it is, or where it would go). */
static struct repent **
repset_slot(struct repset *set, const char *area, uint32_t h)
{
	struct repent **pp = &set->buckets[h & (set->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && strcmp((*pp)->area, area) == 0)
			break;
	return pp;
}

/* Adds or removes area; false when out of memory (the caller drops the set). */
static bool
repset_mark(struct repset *set, const char *area, bool reported)
{
	uint32_t h = str_hash(area);
	struct repent **pp = repset_slot(set, area, h), *e = *pp;

	if (!reported && e != NULL) {
		*pp = e->next;
		free(e);
		set->count--;
	} else if (reported && e == NULL) {
		if (set->count >= set->nbuckets) {
			size_t nb = set->nbuckets * 2;
			struct repent **b = calloc(nb, sizeof *b);

			if (b == NULL)
				return false;
			for (size_t i = 0; i < set->nbuckets; i++)
				for (struct repent *x = set->buckets[i], *next; x; x = next) {
					next = x->next;
					x->next = b[x->hash & (nb - 1)];
					b[x->hash & (nb - 1)] = x;
				}
			free(set->buckets);
			set->buckets = b;
			set->nbuckets = nb;
			pp = repset_slot(set, area, h);
		}
		if ((e = malloc(sizeof *e + strlen(area) + 1)) == NULL)
			return false;
		e->hash = h;
		strcpy(e->area, area);
		e->next = NULL;
		*pp = e;
		set->count++;
	}
	return true;
}

static bool
repset_load_row(void *arg, const char *area)
{
	return repset_mark(arg, area, true);
}

/*
 * The loaded set of (k, p), or NULL.  A found set moves to the front: the
 * publisher asks about one (kind, period) for every group under an area in
 * a row, while hundreds of (kind, period) sets may be loaded.
 */
static struct repset *
repset_find(struct rollcache *rc, const struct kind *k, const struct period *p)
{
	for (struct repset **pp = &rc->sets, *set; (set = *pp) != NULL; pp = &set->next)
		if (set->kind == k && period_cmp(&set->period, p) == 0 && set->period.type == p->type) {
			*pp = set->next;
			set->next = rc->sets;
			rc->sets = set;
			return set;
		}
	return NULL;
}

/* Keeps a loaded set in step with a leaf whose count of reports went from before to after. */
static void
repset_update(struct rollcache *rc, const struct cell *c, int64_t before)
{
	struct repset *set;

	if ((before > 0) == (c->own > 0) || (set = repset_find(rc, c->kind, &c->period)) == NULL)
		return;
	if (!repset_mark(set, c->area, c->own > 0)) {
		struct repset **pp = &rc->sets;	/* out of memory: forget it, it reloads */

		while (*pp != set)
			pp = &(*pp)->next;
		*pp = set->next;
		repset_free(set);
	}
}

int
rollcache_reported(struct rollcache *rc, struct store *s, const char *area,
    const struct kind *k, const struct period *p)
{
	struct repset *set = repset_find(rc, k, p);
	char pstr[CB_PERIOD_MAX];

	if (set == NULL) {
		if ((set = calloc(1, sizeof *set)) == NULL)
			return -1;
		set->kind = k;
		set->period = *p;
		set->nbuckets = 64;
		period_format(p, pstr, sizeof pstr);
		if ((set->buckets = calloc(set->nbuckets, sizeof *set->buckets)) == NULL ||
		    !store_reported_areas(s, k->code, pstr, repset_load_row, set)) {
			repset_free(set);
			return -1;
		}
		set->next = rc->sets;
		rc->sets = set;
	}
	return *repset_slot(set, area, str_hash(area)) != NULL;
}

void
rollcache_clear(struct rollcache *rc)
{
	for (struct repset *set = rc->sets, *next; set; set = next) {
		next = set->next;
		repset_free(set);
	}
	rc->sets = NULL;
	for (size_t i = 0; i < rc->nbuckets; i++) {
		struct cell *c = rc->buckets[i], *next;

		for (; c; c = next) {
			next = c->hnext;
			free(c);
		}
		rc->buckets[i] = NULL;
	}
	rc->count = 0;
	rc->dirty = NULL;
}

void
rollcache_free(struct rollcache *rc)
{
	if (rc == NULL)
		return;
	rollcache_clear(rc);
	free(rc->buckets);
	free(rc);
}

size_t
rollcache_size(const struct rollcache *rc)
{
	return rc->count;
}

/* Doubles the bucket array when the table is full; keeps the old one if memory is short. */
static void
rollcache_grow(struct rollcache *rc)
{
	size_t nb = rc->nbuckets * 2;
	struct cell **b = calloc(nb, sizeof *b);

	if (b == NULL)
		return;
	for (size_t i = 0; i < rc->nbuckets; i++) {
		struct cell *c = rc->buckets[i], *next;

		for (; c; c = next) {
			next = c->hnext;
			c->hnext = b[c->hash & (nb - 1)];
			b[c->hash & (nb - 1)] = c;
		}
	}
	free(rc->buckets);
	rc->buckets = b;
	rc->nbuckets = nb;
}

static bool
cell_is(const struct cell *c, uint32_t h, const char *area, const struct kind *k, const struct period *p)
{
	return c->hash == h && c->kind == k && c->period.type == p->type && c->period.year == p->year &&
	    c->period.n == p->n && c->period.day == p->day && strcmp(c->area, area) == 0;
}

/* A stored row of the cell being loaded: its field's state, at the field's scale. */
static void
cell_load_row(void *arg, const char *field, const struct rollup_state *st, unsigned scale, int64_t updated_at)
{
	struct cell *c = arg;
	const struct field *f = kind_field(c->kind, field);

	if (updated_at > c->updated_at)
		c->updated_at = updated_at;
	if (f == NULL || f->index >= c->n || scale != f->scale)
		return;	/* a field the catalog no longer has (or rescaled): rebuild to recount */
	c->st[f->index] = *st;
	c->changed[f->index] = updated_at;
}

/* Makes a cell and fills it from the database; NULL on error. */
static struct cell *
cell_load(struct store *s, const char *area, const struct kind *k, const struct period *p, uint32_t h)
{
	size_t n = k->nfields, alen = strlen(area) + 1;
	struct cell *c = calloc(1, sizeof *c + n * (sizeof c->st[0] + sizeof c->changed[0]) + alen);

	if (c == NULL)
		return NULL;
	c->hash = h;
	c->kind = k;
	c->nreported = -1;
	c->period = *p;
	period_format(p, c->pstr, sizeof c->pstr);
	c->n = n;
	c->changed = (int64_t *)&c->st[n];
	c->area = memcpy((char *)&c->changed[n], area, alen);
	if (!store_rollup_load(s, area, k->code, c->pstr, cell_load_row, c)) {
		free(c);
		return NULL;
	}
	/* No stored rollup means no report in effect (they are written together): no need to count. */
	if (c->updated_at > 0 && (c->own = store_cell_reports(s, area, k->code, c->pstr)) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

struct cell *
rollcache_get(struct rollcache *rc, struct store *s, const char *area,
    const struct kind *k, const struct period *p)
{
	uint32_t h = cell_hash(area, k, p);
	struct cell *c;

	for (c = rc->buckets[h & (rc->nbuckets - 1)]; c; c = c->hnext)
		if (cell_is(c, h, area, k, p))
			return c;
	if ((c = cell_load(s, area, k, p, h)) == NULL)
		return NULL;
	if (rc->count >= rc->nbuckets)
		rollcache_grow(rc);
	c->hnext = rc->buckets[h & (rc->nbuckets - 1)];
	rc->buckets[h & (rc->nbuckets - 1)] = c;
	rc->count++;
	return c;
}

/* A change being computed: the chain of cells from the leaf up and their new states. */
struct change {
	int levels;
	struct cell *cells[CB_AREA_LEVELS];
	struct rollup_state st[CB_AREA_LEVELS][CB_MAX_FIELDS];
	struct rollup_state old[CB_MAX_FIELDS];	/* the leaf before */
	uint32_t touched;
};

/* Loads the cells of area and every ancestor into ch, with copies of their states. */
static bool
change_begin(struct change *ch, struct rollcache *rc, struct store *s, const char *area,
    const struct kind *k, const struct period *p)
{
	char path[CB_AREA_MAX];

	memset(ch, 0, sizeof *ch);
	strncpy(path, area, sizeof path - 1);
	path[sizeof path - 1] = '\0';
	for (;;) {
		struct cell *c = rollcache_get(rc, s, path, k, p);
		char parent[CB_AREA_MAX];

		if (c == NULL || ch->levels == CB_AREA_LEVELS)
			return false;
		ch->cells[ch->levels] = c;
		memcpy(ch->st[ch->levels], c->st, c->n * sizeof c->st[0]);
		ch->levels++;
		if (!topic_area_parent(path, parent, sizeof parent))
			break;
		memcpy(path, parent, sizeof path);
	}
	memcpy(ch->old, ch->st[0], ch->cells[0]->n * sizeof ch->old[0]);
	return true;
}

/* Carries the leaf's change (old -> st[0]) into every ancestor's copy; false on overflow. */
static bool
change_propagate(struct change *ch)
{
	size_t n = ch->cells[0]->n;

	for (int l = 1; l < ch->levels; l++)
		for (size_t i = 0; i < n; i++) {
			if (!(ch->touched & (1u << i)))
				continue;
			if (!rollup_uncombine(&ch->st[l][i], &ch->old[i]) ||
			    !rollup_combine(&ch->st[l][i], &ch->st[0][i]))
				return false;
		}
	return true;
}

/* Installs the computed states and queues the cells for the database and for publishing. */
static void
change_install(struct change *ch, struct rollcache *rc, int64_t t)
{
	for (int l = 0; l < ch->levels; l++) {
		struct cell *c = ch->cells[l];

		memcpy(c->st, ch->st[l], c->n * sizeof c->st[0]);
		c->touched |= ch->touched;
		c->updated_at = t;
		for (size_t i = 0; i < c->n; i++)
			if (ch->touched & (1u << i))
				c->changed[i] = t;
		if (!c->dirty) {
			c->dirty = true;
			c->dnext = rc->dirty;
			rc->dirty = c;
		}
	}
}

/* Notes on the leaf and every ancestor of a change that the leaf started or stopped reporting. */
static void
change_regroup(struct change *ch, int64_t before)
{
	if ((before > 0) == (ch->cells[0]->own > 0))
		return;
	for (int l = 0; l < ch->levels; l++) {
		ch->cells[l]->regroup = true;
		ch->cells[l]->nreported = -1;
	}
}

enum cb_error
rollcache_add(struct rollcache *rc, struct store *s, const char *area,
    const struct kind *k, const struct period *p, const struct value *v, size_t n, int64_t t)
{
	struct change ch;

	if (!change_begin(&ch, rc, s, area, k, p))
		return CB_INTERNAL;
	for (size_t i = 0; i < n; i++) {
		size_t f = v[i].field->index;

		if (f >= ch.cells[0]->n || !rollup_apply(&ch.st[0][f], v[i].v))
			return CB_OUT_OF_RANGE;
		ch.touched |= 1u << f;
	}
	if (!change_propagate(&ch))
		return CB_OUT_OF_RANGE;
	change_install(&ch, rc, t);
	ch.cells[0]->own++;
	change_regroup(&ch, ch.cells[0]->own - 1);
	repset_update(rc, ch.cells[0], ch.cells[0]->own - 1);
	return CB_OK;
}

/* Collects the active values of a leaf while recomputing it. */
struct recount {
	struct cell *cell;
	struct rollup_state *st;
	int64_t last_report;
	int64_t reports;
	bool overflow;
};

static void
recount_value(void *arg, int64_t report, const char *field, int64_t v, unsigned scale)
{
	struct recount *r = arg;
	const struct field *f = kind_field(r->cell->kind, field);

	if (report != r->last_report) {
		r->last_report = report;
		r->reports++;
	}
	if (f == NULL || f->index >= r->cell->n || scale != f->scale)
		return;
	if (!rollup_apply(&r->st[f->index], v))
		r->overflow = true;
}

/*
 * The maximum of field i over the children of the level-l area, taking the
 * child on the chain (level l-1) from its new state.
 */
static bool
change_max(struct change *ch, struct rollcache *rc, struct store *s, const struct roster *r,
    int l, size_t i, int64_t *max)
{
	const struct area *a = roster_area(r, ch->cells[l]->area);
	const struct kind *k = ch->cells[0]->kind;
	bool any = false;

	for (const struct area *c = a ? a->child : NULL; c; c = c->sibling) {
		const struct rollup_state *st;

		if (strcmp(c->path, ch->cells[l - 1]->area) == 0)
			st = &ch->st[l - 1][i];
		else {
			struct cell *cc = rollcache_get(rc, s, c->path, k, &ch->cells[0]->period);

			if (cc == NULL)
				return false;
			st = &cc->st[i];
		}
		if (st->count > 0 && (!any || st->max > *max)) {
			*max = st->max;
			any = true;
		}
	}
	if (!any)
		*max = ch->st[l - 1][i].count > 0 ? ch->st[l - 1][i].max : 0;
	return true;
}

enum cb_error
rollcache_recompute(struct rollcache *rc, struct store *s, const struct roster *r,
    const char *area, const struct kind *k, const struct period *p, int64_t t)
{
	struct change ch;
	struct recount rec = { 0 };

	if (!change_begin(&ch, rc, s, area, k, p))
		return CB_INTERNAL;
	rec.cell = ch.cells[0];
	rec.st = ch.st[0];
	memset(ch.st[0], 0, sizeof ch.st[0]);
	if (!store_cell_values(s, area, k->code, ch.cells[0]->pstr, recount_value, &rec))
		return CB_INTERNAL;
	if (rec.overflow)
		return CB_OUT_OF_RANGE;
	ch.touched = ch.cells[0]->n >= 32 ? ~0u : (1u << ch.cells[0]->n) - 1;
	if (!change_propagate(&ch))
		return CB_OUT_OF_RANGE;
	for (int l = 1; l < ch.levels; l++)
		for (size_t i = 0; i < ch.cells[0]->n; i++)
			if (!change_max(&ch, rc, s, r, l, i, &ch.st[l][i].max))
				return CB_INTERNAL;
	int64_t before = ch.cells[0]->own;

	change_install(&ch, rc, t);
	ch.cells[0]->own = rec.reports;
	change_regroup(&ch, before);
	repset_update(rc, ch.cells[0], before);
	return CB_OK;
}

/*
 * Writes the fields changed since the last flush of every changed cell, each
 * row with the time its field last changed (so a rebuild, which writes once
 * at the end, writes the same rows), deleting the rows of fields left
 * without values.
 */
bool
rollcache_flush(struct rollcache *rc, struct store *s)
{
	for (struct cell *c = rc->dirty; c; c = c->dnext) {
		for (size_t i = 0; i < c->n; i++) {
			const struct field *f = &c->kind->fields[i];
			bool ok = true;

			if (!(c->touched & (1u << i)))
				continue;
			if (c->st[i].count > 0)
				ok = store_rollup_put(s, c->area, c->kind->code, c->pstr, f->code,
				    &c->st[i], f->scale, c->changed[i]);
			else
				ok = store_rollup_del(s, c->area, c->kind->code, c->pstr, f->code);
			if (!ok)
				return false;
		}
		c->touched = 0;
	}
	return true;
}

void
rollcache_committed(struct rollcache *rc, void (*fn)(void *arg, const struct cell *c), void *arg)
{
	struct cell *c = rc->dirty, *next;

	for (; c; c = next) {
		next = c->dnext;
		c->dnext = NULL;
		c->dirty = false;
		if (fn != NULL)
			fn(arg, c);
		c->regroup = false;
	}
	rc->dirty = NULL;
}

size_t
rollcache_figures(const struct cell *c, struct reply_figure *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; c != NULL && i < c->n && n < max; i++) {
		const struct field *f = &c->kind->fields[i];

		if (rollup_value(&c->st[i], f, &out[n].v, &out[n].scale)) {
			out[n].field = f;
			n++;
		}
	}
	return n;
}
