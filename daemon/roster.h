/*
 * roster.h — the areas and reporters in memory, hashed for the hot path.
 *
 * A roster is loaded whole from the database (roster_load) and is immutable
 * afterwards: cunbaod swaps in a new one when the roster changes (SIGHUP, a
 * CSV import, the admin API) and frees the old one.  Areas form a tree by
 * path; an ancestor missing from the database is made up (no name, not
 * expected) so the tree is always whole.
 */
#ifndef CUNBAOD_ROSTER_H
#define CUNBAOD_ROSTER_H

#include "cunbao.h"

struct store;

enum role { ROLE_LEADER, ROLE_ADMIN };

#define ROSTER_NAME_MAX 128

struct area {
	char path[CB_AREA_MAX];
	char name[ROSTER_NAME_MAX];
	int depth;			/* 1..5 */
	bool expected;			/* a reporting unit that completeness counts */
	int group;			/* N when the last slug is "gNN" (1..99), else 0 */
	unsigned nexpected;		/* expected areas in the subtree, itself included */
	const struct area *parent;	/* NULL at the top */
	const struct area *child;	/* first child (paths in order) */
	const struct area *sibling;	/* next child of the same parent */
	struct area *hnext;
};

struct reporter {
	char id[CB_ID_MAX + 1];
	char name[ROSTER_NAME_MAX];
	char area[CB_AREA_MAX];
	enum role role;
	enum lang lang;
	struct reporter *hnext;
};

struct roster;

/* Loads every area and reporter; NULL with a message in err on a database error. */
struct roster *roster_load(struct store *s, char *err, size_t errlen);
void roster_free(struct roster *r);

const struct area *roster_area(const struct roster *r, const char *path);
const struct reporter *roster_reporter(const struct roster *r, const char *id);
/* The child "gNN" of area (group n of a village), or NULL. */
const struct area *roster_group(const struct roster *r, const struct area *area, int n);
size_t roster_nareas(const struct roster *r);
/* The i-th area (0 <= i < roster_nareas) in the order of their paths. */
const struct area *roster_area_at(const struct roster *r, size_t i);
size_t roster_nreporters(const struct roster *r);
/* Reporters whose area the roster lacks. */
size_t roster_orphans(const struct roster *r);

/*
 * The country calling code of phone numbers written without one
 * (country-code, "86"), for roster_id_norm.  Set at start and on SIGHUP
 * from the config; cunbaod's one setting kept here, not per roster.
 */
void roster_country_set(const char *cc);
/*
 * A reporter id as the roster keys it (lib/phone.h phone_reporter_id with
 * the country code above): "138 0000 0009" -> "+8613800000009"; a chat id
 * ("tg:1", "wecom:zhang.san@corp") unchanged.  When in is neither, out gets
 * in unchanged (cut to fit) and false is returned: the caller's check names
 * the problem.
 */
bool roster_id_norm(const char *in, char *out, size_t outlen);

/* "leader"/"admin" <-> enum role. */
const char *role_name(enum role role);
bool role_parse(const char *s, enum role *out);

/*
 * Imports areas.csv (path,name,expected) or reporters.csv
 * (id,name,area,role,lang) text into the database, idempotently: rows are
 * added or updated, never deleted.  All or nothing: every line is checked
 * first, and each problem appended to err as "file:line: message".  Returns
 * the number of problems (0: imported); *changed gets the rows added or
 * changed.  Runs its own transaction; logs the change in roster_changes.
 * With s NULL it only checks (cunbaod -n).
 */
int roster_import_areas(struct store *s, const char *text, size_t len, const char *file,
    int64_t now, size_t *changed, char *err, size_t errlen);
int roster_import_reporters(struct store *s, const char *text, size_t len, const char *file,
    int64_t now, size_t *changed, char *err, size_t errlen);
/*
 * Area paths written with names (daemon/roster_slug.c): the areas known
 * (the roster's, then each line's as it is resolved) and the codes derived
 * for new names.
 */
struct roster_slugs;
struct roster_slugs *roster_slugs_new(void);
void roster_slugs_free(struct roster_slugs *sl);
/* Notes an area the roster has; false when out of memory. */
bool roster_slugs_add(struct roster_slugs *sl, const char *path, const char *name);
/*
 * Resolves path, whose levels are codes or names of areas, for a line
 * that names its area name ("" : the path's last level names it) and is
 * expected or not: out gets the path in codes.  A last level that names
 * no area gets a derived code (gNN when expected, else vNN).  *last points
 * at path's last level when it was a name (else NULL).  Returns 1 when a
 * code was derived, 0 when none was needed, -1 with the problem in msg.
 */
int roster_slugs_resolve(struct roster_slugs *sl, const char *path, const char *name, bool expected,
    char *out, size_t outlen, const char **last, char *msg, size_t msglen);

/*
 * Either import, with what a person should know besides the problems in
 * note (lines: the charset the file was read in, the area codes derived
 * for names; note may be NULL).  The file may be UTF-8 (with or without a
 * BOM), UTF-16 or GB18030 (lib/csvenc.h).
 */
int roster_import_file(struct store *s, bool reporters, const char *text, size_t len, const char *file,
    int64_t now, size_t *changed, char *note, size_t notelen, char *err, size_t errlen);
/*
 * True when text is what the last import of file (roster_changes) read, so
 * that importing it again would only undo edits made since (the admin API);
 * *at gets that import's unix time.
 */
bool roster_import_unchanged(struct store *s, const char *text, size_t len, const char *file,
    int64_t *at);

#endif
