/*
 * topic.h — MQTT topic names of docs/protocol.md, under a configurable root
 * (default "cunbao/v1"):
 *   <root>/inbox/<channel>                      envelopes from the bridge
 *   <root>/report/<area path>                   structured reports
 *   <root>/receipt/<source>                     receipts
 *   <root>/outbox/<channel>                     reminders, broadcasts
 *   <root>/rollup/<area path>/<kind>/<period>   retained rollups (+ …/current)
 *   <root>/completeness/<area path>/<kind>/<period>
 *   <root>/status/cunbaod
 * Areas are 1–5 slugs [a-z0-9-]{1,32} joined by '/'.
 */
#ifndef CB_TOPIC_H
#define CB_TOPIC_H

#include "cunbao.h"

#define CB_TOPIC_MAX 512
#define CB_ROOT_DEFAULT "cunbao/v1"

enum topic_type { TOPIC_OTHER, TOPIC_INBOX, TOPIC_REPORT, TOPIC_RECEIPT, TOPIC_OUTBOX,
	TOPIC_ROLLUP, TOPIC_COMPLETENESS, TOPIC_STATUS };

struct topic {
	enum topic_type type;
	char channel[17];		/* inbox, outbox */
	char area[CB_AREA_MAX];		/* report */
	char source[CB_ID_MAX + 1];	/* receipt */
};

/* True if root is 1..128 bytes of topic levels with no wildcards, no leading/trailing '/'. */
bool topic_root_valid(const char *root);
/* True if s[0..len) is a valid area path. */
bool topic_area_valid(const char *s, size_t len);
/* Number of levels of a valid area path ("a/b/c" -> 3). */
int topic_area_depth(const char *area);
/* Writes the parent of area into buf ("a/b/c" -> "a/b"); false for a top-level area. */
bool topic_area_parent(const char *area, char *buf, size_t buflen);

/* Classifies a topic under root; TOPIC_OTHER (with out zeroed) for anything malformed. */
enum topic_type topic_parse(const char *root, const char *topic, struct topic *out);

/* Builders: write the topic into buf, return its length, 0 if it does not fit or a part is invalid. */
size_t topic_inbox(const char *root, const char *channel, char *buf, size_t buflen);
size_t topic_report(const char *root, const char *area, char *buf, size_t buflen);
size_t topic_receipt(const char *root, const char *source, char *buf, size_t buflen);
size_t topic_outbox(const char *root, const char *channel, char *buf, size_t buflen);
size_t topic_rollup(const char *root, const char *area, const char *kind, const char *period, char *buf, size_t buflen);
size_t topic_completeness(const char *root, const char *area, const char *kind, const char *period, char *buf, size_t buflen);
size_t topic_status(const char *root, char *buf, size_t buflen);

#endif
