/*
 * jdec.h — the shared steps of the MQTT payload codecs (report, envelope,
 * receipt, outbox): reading with cJSON, writing with jsonw.
 *
 * jdec_parse checks what every payload must be (at most CB_PAYLOAD_MAX bytes
 * of valid UTF-8 holding one JSON object).  String members are read by table
 * (struct jdec_str: name, required, destination, validator), so each codec
 * lists its members instead of repeating the checks; jdec_object is a whole
 * decoder around such a table.  Messages go into the caller's err as
 * "member: problem".  Members not in a table are ignored, so that senders
 * may add members without breaking older daemons.  Encoders write their
 * string members by table too (struct jdec_out), and every codec checks
 * ids, codes, slugs and channels with jdec_word.
 */
#ifndef CB_JDEC_H
#define CB_JDEC_H

#include <cjson/cJSON.h>

#include "cunbao.h"

/*
 * Parses buf[0..len) into a cJSON object the caller frees with cJSON_Delete.
 * Returns CB_OK, CB_TOO_LARGE, CB_BAD_UTF8 or CB_BAD_JSON (not JSON, text
 * after it, not an object, or refused by jdec_strict); *out is NULL on
 * failure.
 */
enum cb_error jdec_parse(const char *buf, size_t len, cJSON **out, char *err, size_t errlen);

/*
 * What cJSON accepts but two readers would read differently, checked on the
 * tree root that cJSON parsed from buf[0..len) (from its start, as
 * cJSON_Parse* read it): a string holding a NUL (a raw 0 byte or a \u0000
 * escape, in a member name or a value — cJSON would cut the C string
 * there, "nul\u0000id" becoming "nul"), and an object with a member given
 * twice (cJSON's look-ups take the first, most tools the last), at any
 * depth.  Exact: the raw text is walked in step with the tree, one string
 * token per name or string value.  Returns CB_OK or CB_BAD_JSON with err
 * naming the top-level member ("kind: a string holds a NUL (\u0000)",
 * "values: member \"cattle\" given twice").  Pure, O(len).
 */
enum cb_error jdec_strict(const char *buf, size_t len, const cJSON *root, char *err, size_t errlen);

/* What jdec_member finds of one member of the root object. */
enum jdec_state {
	JDEC_ABSENT,		/* no member of that name */
	JDEC_CLEAN,		/* once, with no NUL in its name or anywhere in its value */
	JDEC_NUL,		/* a NUL in its name or its value */
	JDEC_TWICE,		/* given more than once */
};

/*
 * The state of root's member name (root parsed from buf[0..len)), so that
 * a refused payload is answered by its id only when that id itself can be
 * trusted.
 */
enum jdec_state jdec_member(const char *buf, size_t len, const cJSON *root, const char *name);

/*
 * Finds the string member name of the top-level object in buf[0..len)
 * without cJSON: for payloads cJSON cannot read (nested deeper than its
 * limit, too large, bad UTF-8), so that their rejection can still be
 * answered.  True, with the decoded value in out[0..size), only when the
 * text is one balanced object whose top level has exactly one member of
 * that name, a string without NUL that fits.  Never recurses.
 */
bool jdec_salvage(const char *buf, size_t len, const char *name, char *out, size_t size);

/* One string member: copied into out (size bytes incl. the NUL) when valid. */
struct jdec_str {
	const char *name;
	bool required;			/* absent or null: CB_MISSING_MEMBER, else left "" */
	char *out;
	size_t size;
	bool (*valid)(const char *s, size_t len);	/* NULL: any text that fits */
	enum cb_error invalid;		/* returned when too long or refused by valid */
	const char *form;		/* the valid form, for messages: "[A-Za-z0-9:._-]{1,64}" */
};

/*
 * Reads the members of table t from obj in order; stops at the first
 * problem and returns its code (CB_BAD_TYPE for a non-string) with err
 * saying which member and why.  Members read before the problem stay filled.
 */
enum cb_error jdec_strings(const cJSON *obj, const struct jdec_str *t, size_t n,
    char *err, size_t errlen);

/* Like jdec_strings but never fails: copies every member that is valid, skips the rest. */
void jdec_peek(const cJSON *obj, const struct jdec_str *t, size_t n);

/*
 * A whole decoder: clears err, parses buf (jdec_parse), copies the first
 * npeek members of t whatever follows (so that even a rejected payload can
 * be answered by its id), reads all n strictly, then, when they are good
 * and rest is not NULL, returns rest(root, arg, err, errlen) for what a
 * table cannot say.  Returns the first problem, or CB_OK.
 */
enum cb_error jdec_object(const char *buf, size_t len, const struct jdec_str *t, size_t n, size_t npeek,
    enum cb_error (*rest)(const cJSON *root, void *arg, char *err, size_t errlen), void *arg,
    char *err, size_t errlen);

/* Writes "member: message" into err (printf-style), cut on a character boundary. */
void jdec_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* True if s[0..len) is text without control characters (C0, DEL). */
bool jdec_printable(const char *s, size_t len);

/*
 * True if s[0..len) is 1 to max bytes, each a lowercase ASCII letter, a
 * digit or one of the characters of extra: jdec_word(s, len, CB_SLUG_MAX,
 * "-") is a slug [a-z0-9-]{1,32}.
 */
bool jdec_word(const char *s, size_t len, size_t max, const char *extra);

/* One string member to write: left out when optional and empty. */
struct jdec_out {
	const char *key, *value;
	bool optional;
};

struct jsonw;
/* Writes the members of t, in order, into the object w has open. */
void jdec_write(struct jsonw *w, const struct jdec_out *t, size_t n);

#endif
