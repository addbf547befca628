/*
 * roster_import.c — areas.csv and reporters.csv into the database.
 *
 * Each file is checked whole before anything is written, so a file with one
 * bad line changes nothing; a good file is written in one transaction and
 * its effect logged in roster_changes.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "csvenc.h"
#include "payload.h"
#include "roster.h"
#include "store.h"
#include "topic.h"

#define IMPORT_FIELDS 8
#define IMPORT_STORE 2048

/* One parsed CSV record and where it came from. */
struct record {
	int line;
	int n;
	char *f[IMPORT_FIELDS];
	char store[IMPORT_STORE];
	char id[CB_ID_MAX + 1];		/* reporters: field 0 normalised (roster_id_norm) */
	char path[CB_AREA_MAX];		/* areas: field 0 in codes (roster_slug.c) */
};

/* What one import needs: the kind of file, its checks and its writer. */
struct import {
	const char *what;		/* "areas", "reporters" */
	const char *header;		/* first field of a header line */
	int nfields;
	bool ids;			/* field 0 is a reporter id, normalised before the checks */
	/* Checks a record's own fields (the name, field 1 of both files, is checked after). */
	bool (*check)(const struct record *rec, char *msg, size_t msglen);
	int (*put)(struct store *s, const struct record *rec);
};

static void __attribute__((format(printf, 3, 4)))
err_add(char *err, size_t errlen, const char *fmt, ...)
{
	size_t n = strnlen(err, errlen);
	va_list ap;

	if (n + 1 >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
}

static bool
area_check(const struct record *rec, char *msg, size_t msglen)
{
	const char *path = rec->f[0], *exp = rec->f[2];

	if (!topic_area_valid(path, strlen(path)))
		snprintf(msg, msglen, "area \"%s\" is not 1-5 slugs [a-z0-9-]{1,32}", path);
	else if (strcmp(exp, "0") != 0 && strcmp(exp, "1") != 0)
		snprintf(msg, msglen, "expected must be 0 or 1, not \"%s\"", exp);
	else
		return true;
	return false;
}

static int
area_put(struct store *s, const struct record *rec)
{
	struct area_row a = { rec->f[0], rec->f[1], strcmp(rec->f[2], "1") == 0 };

	return store_area_put(s, &a);
}

static bool
reporter_check(const struct record *rec, char *msg, size_t msglen)
{
	const char *id = rec->f[0], *area = rec->f[2];
	enum role role;
	enum lang lang;
	char why[160];

	if (!payload_reporter_valid(id, strlen(id), why, sizeof why))
		snprintf(msg, msglen, "id \"%.64s\": %s", id, why);
	else if (!topic_area_valid(area, strlen(area)))
		snprintf(msg, msglen, "area \"%s\" is not 1-5 slugs [a-z0-9-]{1,32}", area);
	else if (!role_parse(rec->f[3], &role))
		snprintf(msg, msglen, "role must be leader or admin, not \"%s\"", rec->f[3]);
	else if (!lang_parse(rec->f[4], &lang))
		snprintf(msg, msglen, "lang must be zh or en, not \"%s\"", rec->f[4]);
	else
		return true;
	return false;
}

static int
reporter_put(struct store *s, const struct record *rec)
{
	enum lang lang = LANG_ZH;

	lang_parse(rec->f[4], &lang);
	struct reporter_row r = { rec->f[0], rec->f[1], rec->f[2], rec->f[3], lang_name(lang) };

	return store_reporter_put(s, &r);
}

static const struct import import_areas = {
	"areas", "path", 3, false, area_check, area_put,
};
static const struct import import_reporters = {
	"reporters", "id", 5, true, reporter_check, reporter_put,
};

/* Checks one record: the file's own checks, then its name; false with the problem in msg. */
static bool
record_check(const struct import *im, const struct record *rec, char *msg, size_t msglen)
{
	if (!im->check(rec, msg, msglen))
		return false;
	if (strlen(rec->f[1]) < ROSTER_NAME_MAX)
		return true;
	snprintf(msg, msglen, "name longer than %d bytes", ROSTER_NAME_MAX - 1);
	return false;
}

/*
 * Reads the next record of text into rec, counting lines.  Returns 1 for a
 * record, 0 at the end, -1 for a malformed one (reported in err).
 */
static int
next_record(const struct import *im, const char *text, size_t len, size_t *pos,
    struct record *rec, const char *file, char *err, size_t errlen)
{
	for (;;) {
		size_t start = *pos;

		rec->line++;
		rec->n = csv_record(text, len, pos, rec->f, IMPORT_FIELDS, rec->store, sizeof rec->store);
		for (size_t i = start; i + 1 < *pos && i < len; i++)
			rec->line += text[i] == '\n';	/* quoted fields may span lines */
		if (rec->n == 0)
			return 0;
		if (rec->n < 0) {
			err_add(err, errlen, "%s:%d: malformed CSV record\n", file, rec->line);
			return -1;
		}
		if (rec->n == 1 && rec->f[0][0] == '\0')
			continue;	/* a blank line */
		if (rec->n != im->nfields) {
			err_add(err, errlen, "%s:%d: %d fields, %s.csv has %d\n", file, rec->line,
			    rec->n, im->what, im->nfields);
			return -1;
		}
		return 1;
	}
}

/* One pass over a file: where it comes from, what it may look up, what it tells. */
struct pass {
	const char *file;
	struct store *db;		/* the roster looked up (area names); NULL: none (cunbaod -n) */
	bool write;			/* pass 2: write each record (in db's open transaction) */
	struct roster_slugs *slugs;	/* areas: names to codes */
	char *note;			/* the codes derived, one line each; NULL: not told */
	size_t notelen;
};

static bool
slug_area_cb(void *arg, const struct area_row *a)
{
	return roster_slugs_add(arg, a->path, a->name);
}

/*
 * Areas: brings rec's path written with names to codes (roster_slug.c) and
 * takes the name from its last level when the name column is empty.
 * False with the problem in msg.
 */
static bool
record_area_codes(struct pass *ps, struct record *rec, char *msg, size_t msglen)
{
	const char *last;
	int d = roster_slugs_resolve(ps->slugs, rec->f[0], rec->f[1], strcmp(rec->f[2], "1") == 0,
	    rec->path, sizeof rec->path, &last, msg, msglen);

	if (d < 0)
		return false;
	if (rec->f[1][0] == '\0' && last != NULL)
		rec->f[1] = (char *)last;	/* the level's text, in rec->store */
	if (d > 0 && ps->note != NULL && !ps->write)
		snprintf(ps->note + strlen(ps->note), ps->notelen - strlen(ps->note),
		    "%s:%d: area %s gets the code %s\n", ps->file, rec->line, rec->f[1], rec->path);
	rec->f[0] = rec->path;
	return true;
}

/* Checks every record (pass 1) or writes them (pass 2, in the open transaction). */
static int
import_pass(const struct import *im, struct pass *ps, const char *text, size_t len,
    size_t *changed, char *err, size_t errlen)
{
	struct record rec = { .line = 0 };
	size_t pos = 0;
	int rc, bad = 0;
	char msg[320];
	const char *file = ps->file;

	if (!im->ids && ((ps->slugs = roster_slugs_new()) == NULL ||
	    (ps->db != NULL && !store_areas_each(ps->db, slug_area_cb, ps->slugs)))) {
		err_add(err, errlen, "%s: %s\n", file, ps->slugs ? store_error(ps->db) : "out of memory");
		roster_slugs_free(ps->slugs);
		return 1;
	}
	while ((rc = next_record(im, text, len, &pos, &rec, file, err, errlen)) != 0) {
		if (rc < 0) {
			bad++;
			break;	/* where the next record starts is unknown */
		}
		if (rec.line == 1 && strcmp(rec.f[0], im->header) == 0)
			continue;
		/* "138 0000 0009" is +8613800000009 in the roster; what is no id stays for the check. */
		if (im->ids && roster_id_norm(rec.f[0], rec.id, sizeof rec.id))
			rec.f[0] = rec.id;
		if (!ps->write) {
			if ((!im->ids && !record_area_codes(ps, &rec, msg, sizeof msg)) ||
			    !record_check(im, &rec, msg, sizeof msg)) {
				err_add(err, errlen, "%s:%d: %s\n", file, rec.line, msg);
				bad++;
			}
			continue;
		}
		if (!im->ids && !record_area_codes(ps, &rec, msg, sizeof msg)) {
			err_add(err, errlen, "%s:%d: %s\n", file, rec.line, msg);
			bad++;
			break;
		}
		int put = im->put(ps->db, &rec);

		if (put < 0) {
			err_add(err, errlen, "%s:%d: %s\n", file, rec.line, store_error(ps->db));
			bad++;
			break;
		}
		*changed += put > 0;
	}
	roster_slugs_free(ps->slugs);
	ps->slugs = NULL;
	return bad;
}

/*
 * The file's mark kept in roster_changes: its size and FNV-1a 64-bit hash
 * (change detection, not security: whoever can write the file can edit the
 * roster anyway).
 */
static void
import_mark(const char *text, size_t len, char *buf, size_t buflen)
{
	uint64_t h = 14695981039346656037u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)text[i]) * 1099511628211u;
	snprintf(buf, buflen, "file fnv1a64 %016llx, %zu bytes", (unsigned long long)h, len);
}

bool
roster_import_unchanged(struct store *s, const char *text, size_t len, const char *file,
    int64_t *at)
{
	char mark[96], last[512];

	import_mark(text, len, mark, sizeof mark);
	if (!store_roster_last_import(s, file, last, sizeof last, at))
		return false;
	const char *m = strstr(last, "; file ");

	return m != NULL && strcmp(m + 2, mark) == 0;
}

/*
 * Checks text (UTF-8), then writes it in one transaction, then logs what
 * changed, the charset the file was in and the file's mark (of raw, the
 * bytes as read, so that roster_import_unchanged knows the file again).
 */
static int
import_decoded(const struct import *im, struct store *s, const char *text, size_t len,
    const char *charset, const char *raw, size_t rawlen, const char *file, int64_t now,
    size_t *changed, char *note, size_t notelen, char *err, size_t errlen)
{
	char what[CB_AREA_MAX + 192], mark[96];
	struct pass ps = { .file = file, .db = s, .write = false, .note = note, .notelen = notelen };
	int bad;

	if ((bad = import_pass(im, &ps, text, len, changed, err, errlen)) > 0 || s == NULL)
		return bad;
	if (!store_begin(s)) {
		err_add(err, errlen, "%s: %s\n", file, store_error(s));
		return 1;
	}
	ps.write = true;
	bad = import_pass(im, &ps, text, len, changed, err, errlen);
	import_mark(raw, rawlen, mark, sizeof mark);
	snprintf(what, sizeof what, "import %s: %zu rows added or changed (%s); %s", im->what, *changed,
	    charset, mark);
	if (bad == 0 && !store_roster_log(s, file, now, what)) {
		err_add(err, errlen, "%s: %s\n", file, store_error(s));
		bad = 1;
	}
	if (bad == 0 && !store_commit(s)) {
		err_add(err, errlen, "%s: %s\n", file, store_error(s));
		bad = 1;
	}
	if (bad > 0)
		store_rollback(s);
	return bad;
}

/*
 * Decodes the file's bytes (UTF-8, UTF-16, GB18030: lib/csvenc.h) and
 * imports them; a file in none of these is one problem, naming its line.
 */
static int
import_run(const struct import *im, struct store *s, const char *raw, size_t rawlen,
    const char *file, int64_t now, size_t *changed, char *note, size_t notelen, char *err, size_t errlen)
{
	char why[512];
	const char *charset;
	size_t len;
	char *text = csvenc_decode(raw, rawlen, &len, &charset, why, sizeof why);
	int bad;

	*changed = 0;
	if (text == NULL) {
		/* "line 3 is not ..." becomes "areas.csv:3: not ..." like every other problem. */
		unsigned line = 0;
		int at = 0;
		if (sscanf(why, "line %u is %n", &line, &at) == 1 && at > 0)
			err_add(err, errlen, "%s:%u: %s\n", file, line, why + at);
		else
			err_add(err, errlen, "%s: %s\n", file, why);
		return 1;
	}
	if (strcmp(charset, "UTF-8") != 0 && note != NULL)
		snprintf(note + strlen(note), notelen - strlen(note), "%s is %s: read as UTF-8\n", file, charset);
	bad = import_decoded(im, s, text, len, charset, raw, rawlen, file, now, changed, note, notelen,
	    err, errlen);
	free(text);
	return bad;
}

int
roster_import_file(struct store *s, bool reporters, const char *text, size_t len, const char *file,
    int64_t now, size_t *changed, char *note, size_t notelen, char *err, size_t errlen)
{
	if (note != NULL && notelen > 0)
		note[0] = '\0';
	return import_run(reporters ? &import_reporters : &import_areas, s, text, len, file, now, changed,
	    notelen > 0 ? note : NULL, notelen, err, errlen);
}

int
roster_import_areas(struct store *s, const char *text, size_t len, const char *file,
    int64_t now, size_t *changed, char *err, size_t errlen)
{
	return roster_import_file(s, false, text, len, file, now, changed, NULL, 0, err, errlen);
}

int
roster_import_reporters(struct store *s, const char *text, size_t len, const char *file,
    int64_t now, size_t *changed, char *err, size_t errlen)
{
	return roster_import_file(s, true, text, len, file, now, changed, NULL, 0, err, errlen);
}
