/*
 * roster.c — areas and reporters hashed by path and id, the area tree, and
 * the CSV import.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "payload.h"
#include "phone.h"
#include "roster.h"
#include "store.h"
#include "topic.h"

struct roster {
	size_t nareas, nreporters;
	size_t abuckets, rbuckets;	/* powers of two */
	struct area **areas;
	struct reporter **reporters;
	struct area *alist;		/* every area, in one allocation list */
	size_t acap;
	struct reporter *rlist;
	size_t rcap;
};

/* country-code: see roster_country_set. */
static char roster_cc[4] = PHONE_CC_DEFAULT;

void
roster_country_set(const char *cc)
{
	if (cc != NULL && phone_cc_valid(cc))
		snprintf(roster_cc, sizeof roster_cc, "%s", cc);
}

bool
roster_id_norm(const char *in, char *out, size_t outlen)
{
	if (phone_reporter_id(in, strlen(in), roster_cc, out, outlen))
		return true;
	snprintf(out, outlen, "%s", in);
	return false;
}

/* FNV-1a over s[0..len). */
static uint32_t
hash_str(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

const char *
role_name(enum role role)
{
	return role == ROLE_ADMIN ? "admin" : "leader";
}

bool
role_parse(const char *s, enum role *out)
{
	static const struct { const char *name; enum role role; } roles[] = {
		{ "leader", ROLE_LEADER }, { "admin", ROLE_ADMIN },
	};

	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(s, roles[i].name) == 0) {
			*out = roles[i].role;
			return true;
		}
	return false;
}

/* The group number of a path's last slug "gNN" (g1..g99, g01..g99), else 0. */
static int
area_group_number(const char *path)
{
	const char *slug = strrchr(path, '/');
	int n = 0;

	slug = slug ? slug + 1 : path;
	if (slug[0] != 'g' || slug[1] < '0' || slug[1] > '9')
		return 0;
	for (const char *p = slug + 1; *p; p++) {
		if (*p < '0' || *p > '9' || p - slug > 2)
			return 0;
		n = n * 10 + (*p - '0');
	}
	return n;
}

const struct area *
roster_area(const struct roster *r, const char *path)
{
	uint32_t h = hash_str(path, strlen(path));

	for (const struct area *a = r->areas[h & (r->abuckets - 1)]; a; a = a->hnext)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

const struct reporter *
roster_reporter(const struct roster *r, const char *id)
{
	uint32_t h = hash_str(id, strlen(id));

	for (const struct reporter *p = r->reporters[h & (r->rbuckets - 1)]; p; p = p->hnext)
		if (strcmp(p->id, id) == 0)
			return p;
	return NULL;
}

const struct area *
roster_group(const struct roster *r, const struct area *area, int n)
{
	for (const struct area *c = area->child; c; c = c->sibling)
		if (c->group == n)
			return c;
	return NULL;
}

size_t
roster_nareas(const struct roster *r)
{
	return r->nareas;
}

const struct area *
roster_area_at(const struct roster *r, size_t i)
{
	return i < r->nareas ? &r->alist[i] : NULL;
}

size_t
roster_nreporters(const struct roster *r)
{
	return r->nreporters;
}

size_t
roster_orphans(const struct roster *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nreporters; i++)
		n += roster_area(r, r->rlist[i].area) == NULL;
	return n;
}

/* Appends an area to the list (growing it); NULL when out of memory. */
static struct area *
area_push(struct roster *r, const char *path, const char *name, bool expected)
{
	if (r->nareas == r->acap) {
		size_t cap = r->acap ? r->acap * 2 : 64;
		struct area *n = realloc(r->alist, cap * sizeof *n);

		if (n == NULL)
			return NULL;
		r->alist = n;
		r->acap = cap;
	}
	struct area *a = &r->alist[r->nareas++];

	memset(a, 0, sizeof *a);
	snprintf(a->path, sizeof a->path, "%s", path);
	snprintf(a->name, sizeof a->name, "%s", name);
	a->expected = expected;
	a->depth = topic_area_depth(path);
	a->group = area_group_number(path);
	return a;
}

static bool
area_row_cb(void *arg, const struct area_row *row)
{
	struct roster *r = arg;

	if (!topic_area_valid(row->path, strlen(row->path)))
		return true;	/* the import checks paths; a hand-edited row is skipped */
	return area_push(r, row->path, row->name, row->expected) != NULL;
}

static bool
reporter_row_cb(void *arg, const struct reporter_row *row)
{
	struct roster *r = arg;

	if (r->nreporters == r->rcap) {
		size_t cap = r->rcap ? r->rcap * 2 : 64;
		struct reporter *n = realloc(r->rlist, cap * sizeof *n);

		if (n == NULL)
			return false;
		r->rlist = n;
		r->rcap = cap;
	}
	struct reporter *p = &r->rlist[r->nreporters++];

	memset(p, 0, sizeof *p);
	snprintf(p->id, sizeof p->id, "%s", row->id);
	snprintf(p->name, sizeof p->name, "%s", row->name);
	snprintf(p->area, sizeof p->area, "%s", row->area);
	if (!role_parse(row->role, &p->role))
		p->role = ROLE_LEADER;
	if (!lang_parse(row->lang, &p->lang))
		p->lang = LANG_ZH;
	return true;
}

/* Sizes a bucket array for n entries: the next power of two >= 2n, at least 16. */
static size_t
buckets_for(size_t n)
{
	size_t b = 16;

	while (b < 2 * n)
		b *= 2;
	return b;
}

/* Hashes every area (the list is final: pointers into it are stable now). */
static bool
roster_index(struct roster *r)
{
	r->abuckets = buckets_for(r->nareas);
	r->rbuckets = buckets_for(r->nreporters);
	r->areas = calloc(r->abuckets, sizeof *r->areas);
	r->reporters = calloc(r->rbuckets, sizeof *r->reporters);
	if (r->areas == NULL || r->reporters == NULL)
		return false;
	for (size_t i = 0; i < r->nareas; i++) {
		struct area *a = &r->alist[i];
		uint32_t h = hash_str(a->path, strlen(a->path)) & (r->abuckets - 1);

		a->hnext = r->areas[h];
		r->areas[h] = a;
	}
	for (size_t i = 0; i < r->nreporters; i++) {
		struct reporter *p = &r->rlist[i];
		uint32_t h = hash_str(p->id, strlen(p->id)) & (r->rbuckets - 1);

		p->hnext = r->reporters[h];
		r->reporters[h] = p;
	}
	return true;
}

static int
area_cmp(const void *a, const void *b)
{
	return strcmp(((const struct area *)a)->path, ((const struct area *)b)->path);
}

/* Sorts the list by path and drops repeated paths (made-up ancestors pushed twice). */
static void
roster_sort(struct roster *r)
{
	size_t out = 0;

	if (r->nareas == 0)
		return;
	qsort(r->alist, r->nareas, sizeof *r->alist, area_cmp);
	for (size_t i = 0; i < r->nareas; i++)
		if (out == 0 || strcmp(r->alist[out - 1].path, r->alist[i].path) != 0)
			r->alist[out++] = r->alist[i];
	r->nareas = out;
}

/*
 * Adds the made-up ancestors that the database lacks, one level per round
 * (at most CB_AREA_LEVELS rounds), leaving the list sorted by path.
 */
static bool
roster_fill_parents(struct roster *r)
{
	bool added = true;

	for (int round = 0; added && round <= CB_AREA_LEVELS; round++) {
		size_t n;

		roster_sort(r);
		n = r->nareas;
		added = false;
		for (size_t i = 0; i < n; i++) {
			struct area key;

			if (!topic_area_parent(r->alist[i].path, key.path, sizeof key.path))
				continue;
			if (bsearch(&key, r->alist, n, sizeof *r->alist, area_cmp) != NULL)
				continue;
			if (area_push(r, key.path, "", false) == NULL)
				return false;
			added = true;
		}
	}
	roster_sort(r);
	return true;
}

/*
 * Links each area to its parent and its children (in path order, since the
 * list is sorted), then counts the expected areas of every subtree.
 */
static void
roster_link(struct roster *r)
{
	for (size_t i = r->nareas; i-- > 0;) {
		struct area *a = &r->alist[i];
		char parent[CB_AREA_MAX];

		if (!topic_area_parent(a->path, parent, sizeof parent))
			continue;
		struct area *p = (struct area *)roster_area(r, parent);

		a->parent = p;
		a->sibling = p->child;
		p->child = a;
	}
	for (size_t i = 0; i < r->nareas; i++) {
		struct area *a = &r->alist[i];

		if (!a->expected)
			continue;
		for (struct area *p = a; p; p = (struct area *)p->parent)
			p->nexpected++;
	}
}

/*
 * Reads the roster.  Ancestor paths are completed first and the list sorted,
 * because the tree links point into the final array.
 */
struct roster *
roster_load(struct store *s, char *err, size_t errlen)
{
	struct roster *r = calloc(1, sizeof *r);

	if (r == NULL) {
		snprintf(err, errlen, "roster: out of memory");
		return NULL;
	}
	if (!store_areas_each(s, area_row_cb, r) || !store_reporters_each(s, reporter_row_cb, r)) {
		snprintf(err, errlen, "roster: %s", store_error(s));
		roster_free(r);
		return NULL;
	}
	if (!roster_fill_parents(r)) {
		snprintf(err, errlen, "roster: out of memory");
		roster_free(r);
		return NULL;
	}
	if (!roster_index(r)) {
		snprintf(err, errlen, "roster: out of memory");
		roster_free(r);
		return NULL;
	}
	roster_link(r);
	return r;
}

void
roster_free(struct roster *r)
{
	if (r == NULL)
		return;
	free(r->areas);
	free(r->reporters);
	free(r->alist);
	free(r->rlist);
	free(r);
}
