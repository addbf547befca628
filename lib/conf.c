/*
 * conf.c — "key value" configuration files parsed by a table of typed keys.
 *
 * Each type has one row in conf_types: how to read a value into the member
 * and how to write the member back as text.  conf_set reads one value;
 * conf_parse splits a file into lines, feeds each to conf_set and collects
 * every error as "file:line: message", so a person fixes them all at once.
 *
 * Bounds: an INT or DURATION entry is bounded by [min, max] unless both are
 * 0, which means unbounded (DURATION is never negative).  Only a `#` that
 * starts a line (after blanks) begins a comment: values may hold `#`, but
 * not a blank and `#` unless quoted ("a # b"): that is a comment written
 * after a value (`lang zh   # …`), which would otherwise become part of
 * it, so it is refused with a message saying so.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "dec.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define CONF_LINE_MAX 1024	/* bytes of one line */
#define CONF_KEY_MAX  64	/* bytes of one key incl. NUL */
#define CONF_SHOW_MAX 48	/* bytes of a bad value quoted in a message */

struct conf_type_ops {
	bool (*set)(const struct conf_entry *, void *, const char *, char *, size_t);
	int (*show)(const struct conf_entry *, const void *, char *, size_t);
};

/* Writes "key: message" into err (if any); returns false for the caller to return. */
static bool
conf_fail(const struct conf_entry *e, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return false;
	n = snprintf(err, errlen, "%s: ", e->key);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool
conf_bounded(const struct conf_entry *e)
{
	return e->min != 0 || e->max != 0;
}

/* CONF_STR: any text that fits the member with its NUL. */
static bool
set_str(const struct conf_entry *e, void *m, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (n >= e->size)
		return conf_fail(e, err, errlen, "value too long (%zu bytes, at most %zu)",
		    n, e->size > 0 ? e->size - 1 : 0);
	memcpy(m, v, n + 1);
	return true;
}

static const char *conf_trailing_comment(const char *value);

/*
 * A string goes out quoted when reading it back would otherwise change it:
 * empty, blank at either end (a final CR would go with the line end),
 * quoted already, or holding a blank and '#' (read as a comment after the
 * value, and refused).
 */
static int
show_str(const struct conf_entry *e, const void *m, char *buf, size_t len)
{
	const char *s = m;
	size_t n = strnlen(s, e->size);
	bool quote = n == 0 || strchr(" \t", s[0]) != NULL || strchr(" \t\r", s[n - 1]) != NULL ||
	    (n >= 2 && s[0] == '"' && s[n - 1] == '"') || conf_trailing_comment(s) != NULL;

	return snprintf(buf, len, quote ? "\"%.*s\"" : "%.*s", (int)n, s);
}

/* CONF_INT: a signed decimal integer within the entry's bounds. */
static bool
set_int(const struct conf_entry *e, void *m, const char *v, char *err, size_t errlen)
{
	int64_t x;

	if (dec_parse(v, strlen(v), 0, &x) != CB_OK)
		return conf_fail(e, err, errlen, "expected an integer, got \"%.*s\"",
		    CONF_SHOW_MAX, v);
	if (conf_bounded(e) && (x < e->min || x > e->max))
		return conf_fail(e, err, errlen, "%lld is out of bounds %lld..%lld",
		    (long long)x, (long long)e->min, (long long)e->max);
	memcpy(m, &x, sizeof x);
	return true;
}

static int
show_int(const struct conf_entry *e, const void *m, char *buf, size_t len)
{
	int64_t x;

	memcpy(&x, m, sizeof x);
	return snprintf(buf, len, "%lld", (long long)x);
}

static const struct {
	const char *word;
	bool value;
} bool_words[] = {
	{ "yes", true }, { "no", false }, { "true", true }, { "false", false },
	{ "on", true }, { "off", false }, { "1", true }, { "0", false },
};

/* CONF_BOOL: one of bool_words, case-insensitive. */
static bool
set_bool(const struct conf_entry *e, void *m, const char *v, char *err, size_t errlen)
{
	for (size_t i = 0; i < NELEM(bool_words); i++) {
		if (strcasecmp(bool_words[i].word, v) == 0) {
			memcpy(m, &bool_words[i].value, sizeof(bool));
			return true;
		}
	}
	return conf_fail(e, err, errlen, "expected yes or no, got \"%.*s\"", CONF_SHOW_MAX, v);
}

static int
show_bool(const struct conf_entry *e, const void *m, char *buf, size_t len)
{
	bool b;

	memcpy(&b, m, sizeof b);
	return snprintf(buf, len, "%s", b ? "yes" : "no");
}

/* True for a DNS name: dot-separated labels of 1..63 [A-Za-z0-9-], no '-' at a label's ends. */
static bool
addr_hostname(const char *h, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? h[i] : '.';

		if (c == '.') {
			if (label == 0 || label > 63 || h[i - 1] == '-')
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

/*
 * Checks host h[0..n): inside brackets an IPv6 literal; else an IPv4 literal
 * when it is all digits and dots, or a DNS name.  Returns why not, or NULL.
 */
static const char *
addr_check_host(const char *h, size_t n, bool bracketed)
{
	char tmp[64];
	unsigned char addr[sizeof(struct in6_addr)];

	if (n == 0)
		return "missing host";
	if (bracketed || strspn(h, "0123456789.") >= n) {
		if (n >= sizeof tmp)
			return "host too long";
		memcpy(tmp, h, n);
		tmp[n] = '\0';
		if (bracketed)
			return inet_pton(AF_INET6, tmp, addr) == 1 ? NULL : "bad IPv6 address";
		return inet_pton(AF_INET, tmp, addr) == 1 ? NULL : "bad IPv4 address";
	}
	if (memchr(h, ':', n) != NULL)
		return "an IPv6 address needs brackets: [ADDR]:PORT";
	return addr_hostname(h, n) ? NULL : "bad host name";
}

/* Checks a port of 1..5 digits within 1..65535. */
static const char *
addr_check_port(const char *p)
{
	size_t n = strlen(p);
	long port;

	if (n == 0 || n > 5 || strspn(p, "0123456789") != n)
		return "port must be a number 1..65535";
	port = strtol(p, NULL, 10);
	return port >= 1 && port <= 65535 ? NULL : "port must be a number 1..65535";
}

/* CONF_ADDR: "HOST:PORT" or "[IPv6]:PORT", stored as given when it fits. */
static bool
set_addr(const struct conf_entry *e, void *m, const char *v, char *err, size_t errlen)
{
	const char *host = v, *colon, *why;
	size_t hlen;
	bool bracketed = v[0] == '[';

	if (bracketed) {
		const char *close = strchr(v, ']');

		colon = close != NULL && close[1] == ':' ? close + 1 : NULL;
		host = v + 1;
		hlen = close != NULL ? (size_t)(close - host) : 0;
	} else {
		colon = strrchr(v, ':');
		hlen = colon != NULL ? (size_t)(colon - v) : 0;
	}
	if (colon == NULL)
		why = "expected HOST:PORT";
	else if ((why = addr_check_host(host, hlen, bracketed)) == NULL)
		why = addr_check_port(colon + 1);
	if (why != NULL)
		return conf_fail(e, err, errlen, "%s, got \"%.*s\"", why, CONF_SHOW_MAX, v);
	return set_str(e, m, v, err, errlen);
}

static const struct {
	const char *suffix;
	int64_t ms;
} duration_units[] = {
	{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
	{ "", 1000 },
};

/* Formats milliseconds in the largest unit that divides them exactly. */
static int
duration_format(int64_t ms, char *buf, size_t len)
{
	for (size_t i = 0; i < NELEM(duration_units) - 1; i++)
		if (ms != 0 && ms % duration_units[i].ms == 0)
			return snprintf(buf, len, "%lld%s", (long long)(ms / duration_units[i].ms),
			    duration_units[i].suffix);
	return snprintf(buf, len, ms == 0 ? "0s" : "%lldms", (long long)ms);
}

/*
 * CONF_DURATION: digits and a unit of duration_units (ms, s, m, h and also d,
 * which the bridge's retention settings use), in milliseconds within bounds.
 */
static bool
set_duration(const struct conf_entry *e, void *m, const char *v, char *err, size_t errlen)
{
	size_t nd = strspn(v, "0123456789");
	int64_t x;
	char lo[32], hi[32];

	for (size_t i = 0; i < NELEM(duration_units); i++) {
		if (nd == 0 || strcmp(v + nd, duration_units[i].suffix) != 0)
			continue;
		if (dec_parse(v, nd, 0, &x) != CB_OK ||
		    __builtin_mul_overflow(x, duration_units[i].ms, &x))
			break;
		if (conf_bounded(e) && (x < e->min || x > e->max)) {
			duration_format(e->min, lo, sizeof lo);
			duration_format(e->max, hi, sizeof hi);
			return conf_fail(e, err, errlen, "%s is out of bounds %s..%s", v, lo, hi);
		}
		memcpy(m, &x, sizeof x);
		return true;
	}
	return conf_fail(e, err, errlen, "expected a duration like 250ms, 5s, 2m, 1h or 1d, got \"%.*s\"",
	    CONF_SHOW_MAX, v);
}

static int
show_duration(const struct conf_entry *e, const void *m, char *buf, size_t len)
{
	int64_t x;

	memcpy(&x, m, sizeof x);
	return duration_format(x, buf, len);
}

static const struct conf_type_ops conf_types[] = {
	[CONF_STR] = { set_str, show_str },
	[CONF_INT] = { set_int, show_int },
	[CONF_BOOL] = { set_bool, show_bool },
	[CONF_ADDR] = { set_addr, show_str },
	[CONF_DURATION] = { set_duration, show_duration },
};

/* The ops of an entry's type, or NULL for a type outside the table (a bug in the table). */
static const struct conf_type_ops *
conf_ops(const struct conf_entry *e)
{
	if ((unsigned)e->type >= NELEM(conf_types))
		return NULL;
	return &conf_types[e->type];
}

const struct conf_entry *
conf_find(const struct conf_entry *table, const char *key)
{
	if (key == NULL)
		return NULL;
	for (const struct conf_entry *e = table; e->key != NULL; e++)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Zeroes each member, then sets it from its default text (trusted: errors are ignored). */
void
conf_defaults(const struct conf_entry *table, void *obj)
{
	for (const struct conf_entry *e = table; e->key != NULL; e++) {
		const struct conf_type_ops *ops = conf_ops(e);
		char *m = (char *)obj + e->offset;

		if (ops == NULL)
			continue;
		switch (e->type) {
		case CONF_STR:
		case CONF_ADDR:
			if (e->size > 0)
				m[0] = '\0';
			break;
		case CONF_BOOL:
			memset(m, 0, sizeof(bool));
			break;
		default:
			memset(m, 0, sizeof(int64_t));
			break;
		}
		if (e->def != NULL)
			ops->set(e, m, e->def, NULL, 0);
	}
}

/* Finds key in table and reads value into its member; "key: message" in err on failure. */
bool
conf_set(const struct conf_entry *table, void *obj, const char *key,
    const char *value, char *err, size_t errlen)
{
	const struct conf_entry *e = conf_find(table, key);
	const struct conf_type_ops *ops;

	if (e == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%.*s: unknown key", CONF_KEY_MAX, key ? key : "");
		return false;
	}
	if ((ops = conf_ops(e)) == NULL || value == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", key, value ? "bad entry type" : "missing value");
		return false;
	}
	return ops->set(e, (char *)obj + e->offset, value, err, errlen);
}

/* The error list of one conf_parse: a buffer filled line by line, and a count. */
struct conf_errors {
	char *buf;
	size_t len, off;
	int count;
	const char *file;
};

/* Appends "file:line: message\n"; once the buffer is full, later errors only count. */
static void
conf_error(struct conf_errors *ce, size_t line, const char *fmt, ...)
{
	va_list ap;
	int n;

	ce->count++;
	if (ce->buf == NULL || ce->off + 1 >= ce->len)
		return;
	n = snprintf(ce->buf + ce->off, ce->len - ce->off, "%s:%zu: ", ce->file, line);
	if (n < 0 || (size_t)n >= ce->len - ce->off)
		goto full;
	ce->off += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(ce->buf + ce->off, ce->len - ce->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 >= ce->len - ce->off)
		goto full;
	ce->off += (size_t)n;
	ce->buf[ce->off++] = '\n';
	ce->buf[ce->off] = '\0';
	return;
full:
	ce->off = ce->len - 1;	/* keep what fits, stop appending */
	ce->buf[ce->off] = '\0';
}

/*
 * Splits one line (no line end) into key and value: leading blanks go, the
 * key runs to the first blank, the value is the rest without its leading and
 * trailing blanks and without one pair of surrounding double quotes.
 * Returns false for a blank or comment line.  *value is NULL when absent.
 */
static bool
conf_split(char *line, char **key, char **value)
{
	char *p = line + strspn(line, " \t");
	size_t n;

	if (*p == '\0' || *p == '#')
		return false;
	*key = p;
	p += strcspn(p, " \t");
	*value = NULL;
	if (*p == '\0')
		return true;
	*p++ = '\0';
	p += strspn(p, " \t");
	n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		p[--n] = '\0';
	if (n == 0)
		return true;
	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		p[n - 1] = '\0';
		p++;
	}
	*value = p;
	return true;
}

/* The '#' of the first blank-and-'#' in an (unquoted) value: a comment written after it; NULL if none. */
static const char *
conf_trailing_comment(const char *value)
{
	const char *p;

	for (p = strchr(value, '#'); p != NULL; p = strchr(p + 1, '#'))
		if (p > value && (p[-1] == ' ' || p[-1] == '\t'))
			return p;
	return NULL;
}

/*
 * Handles one line: checks its size and bytes, splits it, rejects a key set
 * twice (seen[] holds the line each entry was first set on), then sets it.
 */
static void
conf_line(const struct conf_entry *table, void *obj, struct conf_errors *ce,
    size_t *seen, size_t lineno, const char *text, size_t len)
{
	char line[CONF_LINE_MAX], msg[256], *key, *value;
	const char *hash;
	const struct conf_entry *e;

	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (len >= sizeof line) {
		conf_error(ce, lineno, "line too long (%zu bytes, at most %zu)", len, sizeof line - 1);
		return;
	}
	if (memchr(text, '\0', len) != NULL) {
		conf_error(ce, lineno, "NUL byte in line");
		return;
	}
	memcpy(line, text, len);
	line[len] = '\0';
	if (!conf_split(line, &key, &value))
		return;
	if ((e = conf_find(table, key)) == NULL) {
		conf_error(ce, lineno, "unknown key \"%.*s\"", CONF_KEY_MAX, key);
		return;
	}
	size_t idx = (size_t)(e - table);
	if (seen[idx] != 0) {
		conf_error(ce, lineno, "duplicate key \"%s\" (first set on line %zu)", key, seen[idx]);
		return;
	}
	seen[idx] = lineno;
	if (value == NULL)
		conf_error(ce, lineno, "%s: missing value", key);
	else if (value[-1] != '"' && (hash = conf_trailing_comment(value)) != NULL)
		conf_error(ce, lineno, "%s: \"%.40s\" after the value: a comment takes a line of its own "
		    "(quote a value that holds \" #\")", key, hash);
	else if (!conf_set(table, obj, key, value, msg, sizeof msg))
		conf_error(ce, lineno, "%s", msg);
}

/* Parses a whole file line by line; see conf.h.  err is rewritten from its start. */
int
conf_parse(const struct conf_entry *table, void *obj, const char *file,
    const char *text, size_t len, char *err, size_t errlen)
{
	struct conf_errors ce = { err, errlen, 0, 0, file ? file : "-" };
	size_t nentries = 0, pos = 0, lineno = 0;
	size_t *seen;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	while (table[nentries].key != NULL)
		nentries++;
	if ((seen = calloc(nentries + 1, sizeof *seen)) == NULL) {
		conf_error(&ce, 0, "out of memory");
		return ce.count;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;

		conf_line(table, obj, &ce, seen, ++lineno, text + pos, end - pos);
		pos = end + 1;
	}
	free(seen);
	return ce.count;
}

/* Writes "key value\n" for every entry; 0 (buf "") when it does not fit. */
size_t
conf_dump(const struct conf_entry *table, const void *obj, char *buf, size_t buflen)
{
	size_t off = 0;

	if (buf == NULL || buflen == 0)
		return 0;
	buf[0] = '\0';
	for (const struct conf_entry *e = table; e->key != NULL; e++) {
		const struct conf_type_ops *ops = conf_ops(e);
		int n;

		if (ops == NULL)
			continue;
		n = snprintf(buf + off, buflen - off, "%s ", e->key);
		if (n < 0 || (size_t)n >= buflen - off)
			goto full;
		off += (size_t)n;
		n = ops->show(e, (const char *)obj + e->offset, buf + off, buflen - off);
		if (n < 0 || (size_t)n + 1 >= buflen - off)
			goto full;
		off += (size_t)n;
		buf[off++] = '\n';
		buf[off] = '\0';
	}
	return off;
full:
	buf[0] = '\0';
	return 0;
}

/* The text being built by conf_mdoc: a buffer, its size, the bytes used, and whether it overflowed. */
struct mdoc_out {
	char *buf;
	size_t len, off;
	bool full;
};

static void __attribute__((format(printf, 2, 3)))
mdoc_put(struct mdoc_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->off)
		o->full = true;
	else
		o->off += (size_t)n;
}

/*
 * Appends s as roff text: a backslash becomes \e, and inside a quoted macro
 * argument (quoted) a double quote is doubled; on a text line (not quoted)
 * a line that would begin with '.' or '\'' gets the zero-width \& first,
 * so no help text or default can be read as a request.
 */
static void
mdoc_text(struct mdoc_out *o, const char *s, bool quoted)
{
	if (!quoted && (s[0] == '.' || s[0] == '\''))
		mdoc_put(o, "\\&");
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			mdoc_put(o, "\\e");
		else if (*s == '"' && quoted)
			mdoc_put(o, "\"\"");
		else
			mdoc_put(o, "%c", *s);
	}
}

/*
 * Appends a help line as a sentence: a final period when it has none, and a
 * final " [restart]" (cunbaod's mark of a key SIGHUP does not change) as a
 * sentence of its own.
 */
static void
mdoc_help(struct mdoc_out *o, const char *help)
{
	static const char restart[] = " [restart]";
	size_t n = strlen(help), r = sizeof restart - 1;
	bool later = n >= r && strcmp(help + n - r, restart) == 0;
	char text[512];

	if (later)
		n -= r;
	if (n == 0)
		return;
	snprintf(text, sizeof text, "%.*s", (int)n, help);
	mdoc_text(o, text, false);
	mdoc_put(o, "%s\n", strchr(".!?", help[n - 1]) != NULL ? "" : ".");
	if (later)
		mdoc_put(o, "Takes effect at the next start, not on SIGHUP.\n");
}

/* The placeholder a key's value is shown with in the list's head. */
static const char *const mdoc_types[] = {
	[CONF_STR] = "Ar text",
	[CONF_INT] = "Ar number",
	[CONF_BOOL] = "Cm yes | no",
	[CONF_ADDR] = "Ar host : Ns Ar port",
	[CONF_DURATION] = "Ar duration",
};

/* Appends one entry's sentence about bounds and default (a new line each). */
static void
mdoc_default(struct mdoc_out *o, const struct conf_entry *e)
{
	char lo[32], hi[32];

	if (conf_bounded(e) && e->type == CONF_INT)
		mdoc_put(o, "From %lld to %lld.\n", (long long)e->min, (long long)e->max);
	else if (conf_bounded(e) && e->type == CONF_DURATION) {
		duration_format(e->min, lo, sizeof lo);
		duration_format(e->max, hi, sizeof hi);
		mdoc_put(o, "From %s to %s.\n", lo, hi);
	}
	if (e->def == NULL || e->def[0] == '\0') {
		static const char *const none[] = { [CONF_STR] = "Not set by default.",
			[CONF_ADDR] = "Not set by default.", [CONF_INT] = "Default: 0.",
			[CONF_BOOL] = "Default: no.", [CONF_DURATION] = "Default: 0s." };

		mdoc_put(o, "%s\n", none[e->type]);
		return;
	}
	mdoc_put(o, "Default:\n.Ql \"");
	mdoc_text(o, e->def, true);
	mdoc_put(o, "\" .\n");
}

/*
 * Writes the table as the items of an mdoc tag list (the caller's page
 * holds .Bl/.El): ".It Cm key Ar type", the help line, the bounds, the
 * default.  Returns the length, or 0 (buf "") when it does not fit.
 */
size_t
conf_mdoc(const struct conf_entry *table, char *buf, size_t buflen)
{
	struct mdoc_out o = { buf, buflen, 0, false };

	if (buf == NULL || buflen == 0)
		return 0;
	buf[0] = '\0';
	for (const struct conf_entry *e = table; e->key != NULL; e++) {
		if (conf_ops(e) == NULL)
			continue;
		mdoc_put(&o, ".It Cm %s %s\n", e->key, mdoc_types[e->type]);
		mdoc_help(&o, e->help != NULL ? e->help : "");
		mdoc_default(&o, e);
	}
	if (o.full) {
		buf[0] = '\0';
		return 0;
	}
	return o.off;
}
