/*
 * roster_slug.c — area paths written with names: "xinzhuang/河西村/一组"
 * in an areas.csv, each level a code (a slug) or the name of an area.
 *
 * A level that is a name is the area of that name under the level before
 * it: one the roster has, or one an earlier line of the file made.  When
 * the last level of a line is a name no area has, the line makes a new
 * area and its code is derived: "gNN" for an expected area (a group),
 * "vNN" for any other (a village), NN the number a group's name says
 * ("三组": g03, the group a leader's "3组" means) when it is free, else the
 * smallest number free under the parent, so the groups of a new village
 * get g01, g02, ... in file order.
 * Importing the same file again finds every name and derives nothing:
 * the codes are stable.  Used by both imports (roster_import.c for the
 * files cunbaod loads, api_areas.c for POST /v1/areas/import).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groupname.h"
#include "roster.h"
#include "topic.h"
#include "utf8.h"

/* One area known: its path in codes and its name. */
struct slug_area {
	char path[CB_AREA_MAX];
	char name[ROSTER_NAME_MAX];
};

struct roster_slugs {
	size_t n, cap;
	struct slug_area *v;
};

struct roster_slugs *
roster_slugs_new(void)
{
	return calloc(1, sizeof(struct roster_slugs));
}

void
roster_slugs_free(struct roster_slugs *sl)
{
	if (sl == NULL)
		return;
	free(sl->v);
	free(sl);
}

bool
roster_slugs_add(struct roster_slugs *sl, const char *path, const char *name)
{
	if (sl->n == sl->cap) {
		size_t cap = sl->cap ? sl->cap * 2 : 64;
		struct slug_area *v = realloc(sl->v, cap * sizeof *v);

		if (v == NULL)
			return false;
		sl->v = v;
		sl->cap = cap;
	}
	snprintf(sl->v[sl->n].path, CB_AREA_MAX, "%s", path);
	snprintf(sl->v[sl->n].name, ROSTER_NAME_MAX, "%s", name);
	sl->n++;
	return true;
}

/* True when path's parent is parent ("" for the top). */
static bool
parent_is(const char *path, const char *parent)
{
	size_t n = strlen(parent);

	if (n == 0)
		return strchr(path, '/') == NULL;
	return strncmp(path, parent, n) == 0 && path[n] == '/' && strchr(path + n + 1, '/') == NULL;
}

/* The area named name under parent, or NULL.  A linear scan: imports are hundreds of lines. */
static const struct slug_area *
find_name(const struct roster_slugs *sl, const char *parent, const char *name)
{
	for (size_t i = 0; i < sl->n; i++)
		if (strcmp(sl->v[i].name, name) == 0 && parent_is(sl->v[i].path, parent))
			return &sl->v[i];
	return NULL;
}

static bool
find_path(const struct roster_slugs *sl, const char *path)
{
	for (size_t i = 0; i < sl->n; i++)
		if (strcmp(sl->v[i].path, path) == 0)
			return true;
	return false;
}

/* Appends "/" (unless at the top) and level to cur; false when it does not fit. */
static bool
path_join(char *cur, size_t curlen, const char *level, size_t n)
{
	size_t at = strlen(cur);

	if (at + (at ? 1 : 0) + n + 1 > curlen)
		return false;
	if (at > 0)
		cur[at++] = '/';
	memcpy(cur + at, level, n);
	cur[at + n] = '\0';
	return true;
}

/*
 * Derives the code of a new area named name under parent: a group
 * (expected) whose name says its number ("三组") gets that gNN when it is
 * free, so that a leader's "3组" means it; else the first free g01..g99 or
 * v01..v99.
 */
static bool
derive(const struct roster_slugs *sl, const char *parent, const char *name, bool expected, char *out,
    size_t outlen)
{
	int said = expected ? groupname_number(name, strlen(name)) : 0;

	if (said > 0 && said <= 99) {
		char slug[16];

		snprintf(slug, sizeof slug, "g%02d", said);
		snprintf(out, outlen, "%s", parent);
		if (path_join(out, outlen, slug, strlen(slug)) && !find_path(sl, out))
			return true;
	}
	for (int n = 1; n <= 99; n++) {
		char slug[16];

		snprintf(slug, sizeof slug, "%c%02d", expected ? 'g' : 'v', n);
		snprintf(out, outlen, "%s", parent);
		if (!path_join(out, outlen, slug, strlen(slug)))
			return false;
		if (!find_path(sl, out))
			return true;
	}
	return false;
}

/* True when level (n bytes) is a name a person could have meant: UTF-8 text, no controls. */
static bool
name_ok(const char *level, size_t n)
{
	if (n == 0 || n >= ROSTER_NAME_MAX || !utf8_valid(level, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)level[i] < 0x20 || level[i] == 0x7f)
			return false;
	return true;
}

int
roster_slugs_resolve(struct roster_slugs *sl, const char *path, const char *name, bool expected,
    char *out, size_t outlen, const char **last, char *msg, size_t msglen)
{
	const char *p = path, *end;
	int levels = 0, rc = 0;

	out[0] = '\0';
	*last = NULL;
	for (; ; p = end + 1) {
		end = p + strcspn(p, "/");
		size_t n = (size_t)(end - p);
		bool final = *end == '\0';
		char level[ROSTER_NAME_MAX];
		const struct slug_area *a;

		if (++levels > CB_AREA_LEVELS || n == 0 || n >= sizeof level) {
			snprintf(msg, msglen, "area \"%.64s\" is not 1 to %d levels, each a code [a-z0-9-] or a name",
			    path, CB_AREA_LEVELS);
			return -1;
		}
		memcpy(level, p, n);
		level[n] = '\0';
		if (topic_area_valid(level, n)) {	/* a code */
			if (!path_join(out, outlen, level, n))
				goto toolong;
		} else if (!name_ok(level, n)) {
			snprintf(msg, msglen, "area \"%.64s\": level %d is neither a code [a-z0-9-]{1,32} nor a name",
			    path, levels);
			return -1;
		} else if ((a = find_name(sl, out, level)) != NULL) {
			snprintf(out, outlen, "%s", a->path);
			*last = final ? p : NULL;
		} else if (!final) {
			snprintf(msg, msglen, "area \"%.64s\": no area named %s under %s: give its code, or a line "
			    "for it before this one", path, level, out[0] ? out : "the top");
			return -1;
		} else {
			char parent[CB_AREA_MAX];

			snprintf(parent, sizeof parent, "%s", out);
			if (!derive(sl, parent, name[0] ? name : level, expected, out, outlen)) {
				snprintf(msg, msglen, "area \"%.64s\": no code free under %s (99 taken): give codes",
				    path, parent[0] ? parent : "the top");
				return -1;
			}
			*last = p;
			rc = 1;
		}
		if (final)
			break;
	}
	/* Later lines find this one by its name (the line's, else the level's). */
	if (!find_path(sl, out) && !roster_slugs_add(sl, out, name[0] ? name : *last ? *last : ""))
		snprintf(msg, msglen, "out of memory");
	return rc;
toolong:
	snprintf(msg, msglen, "area \"%.64s\" is too long", path);
	return -1;
}
