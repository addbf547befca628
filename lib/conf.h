/*
 * conf.h — "key value" configuration files, parsed from a string by a table.
 *
 * A config is lines of `key value` (the value runs to the end of the line,
 * trailing blanks trimmed; double quotes around it are removed), `#`
 * comments and blank lines.  Each program describes its keys once in a table
 * of typed entries with bounds and defaults; the same table serves the file,
 * the command-line flags (which win), -n checks and --help.
 *
 *   static const struct conf_entry cunbaod_conf[] = {
 *       { "broker", CONF_ADDR, offsetof(struct config, broker), sizeof(((struct config *)0)->broker),
 *         0, 0, "127.0.0.1:1883", "MQTT broker HOST:PORT" },
 *       ...
 *       { NULL }
 *   };
 */
#ifndef CB_CONF_H
#define CB_CONF_H

#include "cunbao.h"

enum conf_type {
	CONF_STR,	/* char[size]; a value longer than size-1 is an error */
	CONF_INT,	/* int64_t within [min, max] */
	CONF_BOOL,	/* bool: yes/no, true/false, on/off, 1/0 */
	CONF_ADDR,	/* char[size] holding "HOST:PORT" with a numeric port 1..65535 */
	CONF_DURATION,	/* int64_t milliseconds; "250ms", "5s", "2m", "1h", bare = seconds; within [min, max] ms */
};

struct conf_entry {
	const char *key;
	enum conf_type type;
	size_t offset;		/* offsetof the member in the config struct */
	size_t size;		/* sizeof the member (strings) */
	int64_t min, max;	/* bounds (INT, DURATION) */
	const char *def;	/* default as text; NULL: empty string / 0 / false */
	const char *help;	/* one line for --help and docs */
};

/* Sets every key of table in obj to its default.  Defaults are trusted (a bad one is a bug). */
void conf_defaults(const struct conf_entry *table, void *obj);

/*
 * Sets one key from text.  Returns true, or false with "key: message" in err.
 * Used for files and for command-line flags alike.
 */
bool conf_set(const struct conf_entry *table, void *obj, const char *key,
    const char *value, char *err, size_t errlen);

/*
 * Parses text[0..len) (the contents of `file`) into obj, on top of what obj
 * holds.  Returns the number of errors; every error is appended to err as a
 * line "file:line: message" (unknown key, bad value, out of bounds, duplicate
 * key), so all are reported before the caller exits.
 */
int conf_parse(const struct conf_entry *table, void *obj, const char *file,
    const char *text, size_t len, char *err, size_t errlen);

/* Writes "key value" lines of every entry's current value (for -n and docs). */
size_t conf_dump(const struct conf_entry *table, const void *obj, char *buf, size_t buflen);

/*
 * Writes every entry as an item of an mdoc tag list (".It Cm key Ar type",
 * its help, bounds and default, escaped for roff) for the manual pages, so
 * that cunbao.conf(5) is made from the table --help prints.  Returns the
 * length, or 0 (buf "") when it does not fit.
 */
size_t conf_mdoc(const struct conf_entry *table, char *buf, size_t buflen);

/* Looks up an entry by key, or NULL. */
const struct conf_entry *conf_find(const struct conf_entry *table, const char *key);

#endif
