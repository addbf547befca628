/*
 * topic.c — MQTT topic names under a configurable root (docs/protocol.md).
 *
 * Every part of a topic is checked against its charset before it is built
 * or after it is split, so no wildcard, empty level or stray '/' can come
 * from a payload into a topic, and a daemon subscribed to "<root>/report/#"
 * can trust the area it gets back.  Topic types are a table of
 * {name, type, parser}.
 */
#include <stdio.h>
#include <string.h>

#include "jdec.h"
#include "payload.h"
#include "period.h"
#include "topic.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define ROOT_MAX 128
#define STATUS_NAME "cunbaod"
#define PERIOD_CURRENT "current"

/* True for [a-z0-9-]{1,32}. */
static bool
slug_valid(const char *s, size_t len)
{
	return jdec_word(s, len, CB_SLUG_MAX, "-");
}

/* True for a kind code [a-z0-9_]{1,32}. */
static bool
kind_valid(const char *s, size_t len)
{
	return jdec_word(s, len, CB_CODE_MAX, "_");
}

/* True for "current" or the canonical text of a period of any type. */
static bool
period_text_valid(const char *s, size_t len)
{
	struct period p;

	if (len == strlen(PERIOD_CURRENT) && memcmp(s, PERIOD_CURRENT, len) == 0)
		return true;
	for (unsigned t = PERIOD_DAY; t <= PERIOD_YEAR; t++)
		if (period_parse(s, len, (enum period_type)t, &p) == CB_OK)
			return true;
	return false;
}

/*
 * True if root is 1..128 bytes of non-empty levels separated by '/', valid
 * UTF-8 without wildcards ('+', '#') or control characters.
 */
bool
topic_root_valid(const char *root)
{
	if (root == NULL)
		return false;
	size_t len = strlen(root);
	if (len == 0 || len > ROOT_MAX || !utf8_valid(root, len))
		return false;
	if (root[0] == '/' || root[len - 1] == '/' || strstr(root, "//") != NULL)
		return false;
	for (size_t i = 0; i < len; i++)
		if (root[i] == '+' || root[i] == '#' || (unsigned char)root[i] < 0x20 || root[i] == 0x7F)
			return false;
	return true;
}

/* True if s[0..len) is 1 to CB_AREA_LEVELS slugs joined by '/'. */
bool
topic_area_valid(const char *s, size_t len)
{
	size_t start = 0;
	int levels = 0;

	if (s == NULL || len == 0 || len >= CB_AREA_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '/')
			continue;
		if (++levels > CB_AREA_LEVELS || !slug_valid(s + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

/* Levels of a valid area ("a/b/c" -> 3); 0 for an invalid one. */
int
topic_area_depth(const char *area)
{
	int levels = 1;

	if (area == NULL || !topic_area_valid(area, strlen(area)))
		return 0;
	for (const char *p = area; *p != '\0'; p++)
		levels += *p == '/';
	return levels;
}

/* Writes all but the last level of area into buf; false for a top-level or invalid area. */
bool
topic_area_parent(const char *area, char *buf, size_t buflen)
{
	if (topic_area_depth(area) < 2)
		return false;
	size_t n = (size_t)(strrchr(area, '/') - area);
	if (n + 1 > buflen)
		return false;
	memcpy(buf, area, n);
	buf[n] = '\0';
	return true;
}

/*
 * Copies a topic's last part rest[0..len) into dst when valid accepts it
 * (valid bounds len below dst's size).
 */
static bool
part_copy(bool (*valid)(const char *, size_t), const char *rest, size_t len, char *dst)
{
	if (!valid(rest, len))
		return false;
	memcpy(dst, rest, len);
	dst[len] = '\0';
	return true;
}

/* inbox/<channel> and outbox/<channel>. */
static bool
parse_channel(const char *rest, size_t len, struct topic *out)
{
	return part_copy(payload_channel_valid, rest, len, out->channel);
}

/* report/<area>. */
static bool
parse_area(const char *rest, size_t len, struct topic *out)
{
	return part_copy(topic_area_valid, rest, len, out->area);
}

/* receipt/<source>. */
static bool
parse_source(const char *rest, size_t len, struct topic *out)
{
	return part_copy(payload_id_valid, rest, len, out->source);
}

/* The last '/' in s[0..len), or NULL. */
static const char *
last_slash(const char *s, size_t len)
{
	while (len > 0)
		if (s[--len] == '/')
			return s + len;
	return NULL;
}

/* rollup/<area>/<kind>/<period> and completeness/...: the last two levels are kind and period. */
static bool
parse_area_kind_period(const char *rest, size_t len, struct topic *out)
{
	const char *slash2 = last_slash(rest, len);
	if (slash2 == NULL)
		return false;
	const char *slash1 = last_slash(rest, (size_t)(slash2 - rest));
	if (slash1 == NULL)
		return false;
	const char *kind = slash1 + 1, *period = slash2 + 1;
	if (!kind_valid(kind, (size_t)(slash2 - kind)) ||
	    !period_text_valid(period, (size_t)(rest + len - period)))
		return false;
	return parse_area(rest, (size_t)(slash1 - rest), out);
}

/* status/cunbaod. */
static bool
parse_status(const char *rest, size_t len, struct topic *out)
{
	(void)out;
	return len == strlen(STATUS_NAME) && memcmp(rest, STATUS_NAME, len) == 0;
}

static const struct {
	const char *name;
	enum topic_type type;
	bool (*parse)(const char *rest, size_t len, struct topic *out);
} topic_table[] = {
	{ "inbox", TOPIC_INBOX, parse_channel },
	{ "report", TOPIC_REPORT, parse_area },
	{ "receipt", TOPIC_RECEIPT, parse_source },
	{ "outbox", TOPIC_OUTBOX, parse_channel },
	{ "rollup", TOPIC_ROLLUP, parse_area_kind_period },
	{ "completeness", TOPIC_COMPLETENESS, parse_area_kind_period },
	{ "status", TOPIC_STATUS, parse_status },
};

/*
 * Splits topic into root, type name and the rest, and lets the type's
 * parser check the rest.  Anything malformed is TOPIC_OTHER with out zeroed.
 */
enum topic_type
topic_parse(const char *root, const char *topic, struct topic *out)
{
	memset(out, 0, sizeof *out);
	if (!topic_root_valid(root) || topic == NULL)
		return TOPIC_OTHER;
	size_t rlen = strlen(root), len = strlen(topic);
	if (len <= rlen + 1 || len >= CB_TOPIC_MAX || memcmp(topic, root, rlen) != 0 ||
	    topic[rlen] != '/')
		return TOPIC_OTHER;
	const char *name = topic + rlen + 1;
	const char *slash = strchr(name, '/');
	if (slash == NULL)
		return TOPIC_OTHER;
	size_t nlen = (size_t)(slash - name);
	for (size_t i = 0; i < NELEM(topic_table); i++) {
		if (strlen(topic_table[i].name) != nlen || memcmp(topic_table[i].name, name, nlen) != 0)
			continue;
		const char *rest = slash + 1;
		if (topic_table[i].parse(rest, strlen(rest), out))
			return out->type = topic_table[i].type;
		break;
	}
	memset(out, 0, sizeof *out);
	return TOPIC_OTHER;
}

/* Writes "<root>/<name>/<rest>" into buf; the length, or 0 if it does not fit. */
static size_t
topic_build(const char *root, const char *name, const char *rest, char *buf, size_t buflen)
{
	if (buflen == 0)
		return 0;
	int n = snprintf(buf, buflen, "%s/%s/%s", root, name, rest);
	if (n < 0 || (size_t)n >= buflen || (size_t)n >= CB_TOPIC_MAX) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

/* Builds a topic whose last part was checked by valid (NULL for none). */
static size_t
topic_build_checked(const char *root, const char *name, const char *part,
    bool (*valid)(const char *, size_t), char *buf, size_t buflen)
{
	if (buflen > 0)
		buf[0] = '\0';
	if (!topic_root_valid(root) || part == NULL || !valid(part, strlen(part)))
		return 0;
	return topic_build(root, name, part, buf, buflen);
}

size_t
topic_inbox(const char *root, const char *channel, char *buf, size_t buflen)
{
	return topic_build_checked(root, "inbox", channel, payload_channel_valid, buf, buflen);
}

size_t
topic_report(const char *root, const char *area, char *buf, size_t buflen)
{
	return topic_build_checked(root, "report", area, topic_area_valid, buf, buflen);
}

size_t
topic_receipt(const char *root, const char *source, char *buf, size_t buflen)
{
	return topic_build_checked(root, "receipt", source, payload_id_valid, buf, buflen);
}

size_t
topic_outbox(const char *root, const char *channel, char *buf, size_t buflen)
{
	return topic_build_checked(root, "outbox", channel, payload_channel_valid, buf, buflen);
}

/* "<root>/<name>/<area>/<kind>/<period>" with every part checked. */
static size_t
topic_area_kind_period(const char *root, const char *name, const char *area, const char *kind,
    const char *period, char *buf, size_t buflen)
{
	char rest[CB_TOPIC_MAX];

	if (buflen > 0)
		buf[0] = '\0';
	if (area == NULL || kind == NULL || period == NULL || !topic_root_valid(root) ||
	    !topic_area_valid(area, strlen(area)) || !kind_valid(kind, strlen(kind)) ||
	    !period_text_valid(period, strlen(period)))
		return 0;
	snprintf(rest, sizeof rest, "%s/%s/%s", area, kind, period);
	return topic_build(root, name, rest, buf, buflen);
}

size_t
topic_rollup(const char *root, const char *area, const char *kind, const char *period,
    char *buf, size_t buflen)
{
	return topic_area_kind_period(root, "rollup", area, kind, period, buf, buflen);
}

size_t
topic_completeness(const char *root, const char *area, const char *kind, const char *period,
    char *buf, size_t buflen)
{
	return topic_area_kind_period(root, "completeness", area, kind, period, buf, buflen);
}

size_t
topic_status(const char *root, char *buf, size_t buflen)
{
	if (buflen > 0)
		buf[0] = '\0';
	if (!topic_root_valid(root))
		return 0;
	return topic_build(root, "status", STATUS_NAME, buf, buflen);
}
