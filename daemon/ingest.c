/*
 * ingest.c — one inbound message: decode it, answer a repeat from the
 * journal, dispatch envelopes to the SMS grammar and reports to the
 * validator, then journal the outcome and encode its receipt.
 */
#include <stdio.h>
#include <string.h>

#include "ingest_int.h"
#include "jdec.h"
#include "report.h"
#include "rollcache.h"
#include "sms.h"
#include "store.h"
#include "tz.h"
#include "utf8.h"

#define CLOCK_SKEW 300	/* seconds an envelope's received_at may run ahead of ours */
#define INGEST_SALVAGE_MAX 65536	/* bytes of a refused payload searched for its id */

/* See ingest.h.  The note names the stamp and the bound, in the units the config uses. */
int64_t
ingest_time(const char *stamp, int64_t received_at, int64_t max_age, char *note, size_t notelen)
{
	static const struct {
		const char *unit;
		int64_t s;
	} units[] = { { "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 } };
	int64_t t;
	size_t u = 0;

	if (max_age == 0)
		max_age = INGEST_MAX_AGE;
	if (stamp == NULL || stamp[0] == '\0')
		return received_at;
	if (!tz_parse(stamp, &t) || t <= 0)
		snprintf(note, notelen, "received_at %.40s unreadable; cunbaod's time used", stamp);
	else if (t > received_at + CLOCK_SKEW)
		snprintf(note, notelen, "received_at %.40s is ahead of cunbaod's clock; cunbaod's time used",
		    stamp);
	else if (max_age > 0 && t < received_at - max_age) {
		while (max_age % units[u].s != 0)
			u++;
		snprintf(note, notelen, "received_at %.40s is older than max-received-age %lld%s;"
		    " cunbaod's time used", stamp, (long long)(max_age / units[u].s), units[u].unit);
	} else
		return t;
	return received_at;
}

/*
 * The bound ingest_time applies to an envelope's received_at.  Live: the
 * configured max-received-age.  Replayed (rebuild): the one the journal's
 * detail recorded when that bound refused the stamp ("... older than
 * max-received-age 3d ..."), else none, so that a rebuild repeats cunbaod's
 * decisions whatever the bound is now.
 */
static int64_t
ingest_max_age(const struct msgctx *m)
{
	const char *d = m->in->detail, *at;
	long long n;
	char unit;

	if (!m->replay)
		return m->env->max_received_age;
	if (d == NULL || (at = strstr(d, " older than max-received-age ")) == NULL)
		return -1;
	if (sscanf(at + strlen(" older than max-received-age "), "%lld%c", &n, &unit) != 2 || n <= 0)
		return 1;
	return n * (unit == 'd' ? 86400 : unit == 'h' ? 3600 : unit == 'm' ? 60 : 1);
}

/* Copies src into dst[0..n), truncating (texts here are for people, cut where they must be). */
static void
copy_text(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len > n - 1)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * See ingest_int.h.  The journal's detail says what was wrong in the
 * sender's own text: the message given, else the offending token (the word
 * "鸡" of an unknown field, the "99999999" out of range), else the code's
 * name.  A note ingest_time left stays in front.
 */
void
ingest_reject(struct msgctx *m, enum cb_error e, const char *field, const char *detail)
{
	size_t n = strlen(m->out->detail);

	if (detail == NULL && field != NULL && field[0] != '\0')
		detail = field;

	m->rc.error = e;
	copy_text(m->rc.error_field, sizeof m->rc.error_field, field ? field : "");
	if (detail != NULL && n > 0 && n + 2 < sizeof m->out->detail) {	/* ingest_time's note stays */
		memcpy(m->out->detail + n, "; ", 2);
		copy_text(m->out->detail + n + 2, sizeof m->out->detail - n - 2, detail);
	} else if (detail != NULL)
		copy_text(m->out->detail, sizeof m->out->detail, detail);
	else if (m->out->detail[0] == '\0')
		copy_text(m->out->detail, sizeof m->out->detail, cb_error_name(e));
}

/* The language of a text: zh when it holds any CJK character. */
static enum lang
text_lang(const char *s, size_t len)
{
	for (size_t i = 0; i < len;)
		if (utf8_is_cjk(utf8_next(s, len, &i)))
			return LANG_ZH;
	return LANG_EN;
}

/*
 * Answers a repeated (source, id) from the journal: the original receipt,
 * marked duplicate, and only to the source that sent it — the same id from
 * another source is another message.  Returns 1 when answered, 0 when the
 * message is new, -1 on error.
 */
static int
answer_duplicate(struct msgctx *m)
{
	struct outcome *out = m->out;
	struct receipt rc;
	char err[128];
	size_t len;
	int found = store_journal_find(m->env->store, m->source, m->msg_id, out->payload, sizeof out->payload,
	    &len);

	if (found <= 0)
		return found;
	if (receipt_decode(out->payload, len, &rc, err, sizeof err) != CB_OK) {
		memset(&rc, 0, sizeof rc);	/* an unreadable stored receipt: say duplicate all the same */
		snprintf(rc.id, sizeof rc.id, "%s", m->msg_id);
	}
	rc.status = RECEIPT_DUPLICATE;
	out->duplicate = true;
	out->error = rc.error;
	out->len = receipt_encode(&rc, out->payload, sizeof out->payload);
	return 1;
}

/*
 * When a payload was refused before its members could be read (over 4 KiB,
 * bad UTF-8, not JSON to cJSON — nested deeper than its limit —, or
 * refused by jdec_strict) its id and source may still be readable: a
 * bounded scan of the raw text (jdec_salvage: exactly one top-level string
 * member of each, no NUL) finds them so the sender gets its rejection
 * instead of silence.  What the decoder already read is kept.
 */
static void
salvage_ids(const char *payload, size_t len, enum cb_error e, char *id, char *source)
{
	if (e == CB_OK || len > INGEST_SALVAGE_MAX)
		return;
	if (id[0] == '\0' && !jdec_salvage(payload, len, "id", id, CB_ID_MAX + 1))
		id[0] = '\0';
	if (source[0] == '\0' && !jdec_salvage(payload, len, "source", source, CB_ID_MAX + 1))
		source[0] = '\0';
}

/*
 * True when the response topic rt may carry the receipt whose normal topic
 * is receipt (<root>/receipt/<source>): rt is that topic or one below it,
 * without wildcards, valid UTF-8, and fits.  Anything else would let a
 * client make cunbaod publish, under its own name, where the client may
 * not: another sender's receipts, the status, a rollup, $SYS, or a topic
 * the broker's ACL denies cunbaod.
 */
static bool
response_topic_ok(const char *receipt, const char *rt)
{
	size_t n = strlen(receipt), len = strlen(rt);

	if (n == 0 || len >= CB_TOPIC_MAX || strncmp(rt, receipt, n) != 0 ||
	    (rt[n] != '\0' && rt[n] != '/'))
		return false;
	return strpbrk(rt, "+#") == NULL && utf8_valid(rt, len);
}

/*
 * Decides where the receipt goes: out->topic (receipt/<source>, or "") is
 * replaced by the message's response topic when response_topic_ok allows it.
 */
static void
ingest_answer_topic(struct msgctx *m)
{
	const char *rt = m->in->response_topic;

	if (rt != NULL && response_topic_ok(m->out->topic, rt))
		memcpy(m->out->topic, rt, strlen(rt) + 1);
}

/*
 * For the journal: appends to the detail that the response topic was
 * refused, and where the receipt went instead (nowhere when no source).
 */
static void
ingest_note_topic(struct msgctx *m)
{
	const char *rt = m->in->response_topic;
	struct outcome *out = m->out;
	size_t n = strlen(out->detail);

	if (rt == NULL || strcmp(rt, out->topic) == 0)
		return;
	snprintf(out->detail + n, sizeof out->detail - n, "%sresponse topic \"%.60s%s\" refused: %s%s",
	    n > 0 ? "; " : "", rt, strlen(rt) > 60 ? "…" : "",
	    out->topic[0] ? "answered on " : "not under receipt/<source>, no source to answer", out->topic);
	out->detail[utf8_truncate(out->detail, strlen(out->detail), sizeof out->detail - 1)] = '\0';
}

/* Notes the id and source a decoder could read, and answers a repeat. */
static int
ingest_ids(struct msgctx *m, const char *id, const char *source)
{
	if (id[0] != '\0' && payload_id_valid(id, strlen(id))) {
		m->msg_id = id;
		snprintf(m->rc.id, sizeof m->rc.id, "%s", id);
	}
	if (source[0] != '\0' && payload_id_valid(source, strlen(source))) {
		m->source = source;
		topic_receipt(m->env->root, source, m->out->topic, sizeof m->out->topic);
	}
	ingest_answer_topic(m);
	return m->msg_id != NULL && !m->replay ? answer_duplicate(m) : 0;
}

/*
 * An envelope from the bridge: a known sender's SMS or chat text, parsed by
 * the grammar and run as a report or command.
 */
static bool
ingest_envelope(struct msgctx *m, struct envelope *e)
{
	char err[200] = "";
	enum cb_error rc = envelope_decode(m->in->payload, m->in->len, e, err, sizeof err);
	int dup;

	salvage_ids(m->in->payload, m->in->len, rc, e->id, e->source);
	dup = ingest_ids(m, e->id, e->source);

	if (dup != 0)
		return dup > 0;
	if (rc != CB_OK) {
		ingest_reject(m, rc, NULL, err);
		return true;
	}
	m->channel = e->channel;
	snprintf(m->out->sender, sizeof m->out->sender, "%s", e->from);
	snprintf(m->rc.channel, sizeof m->rc.channel, "%s", e->channel);
	snprintf(m->rc.to, sizeof m->rc.to, "%s", e->from);
	m->t = ingest_time(e->received_at, m->in->received_at, ingest_max_age(m),
	    m->out->detail, sizeof m->out->detail);
	m->offset = tz_offset(m->t);
	/* A gateway that did not write E.164 ("13800000003") still finds its leader; chat ids stay. */
	if (roster_id_norm(e->from, m->from, sizeof m->from))
		snprintf(m->out->sender, sizeof m->out->sender, "%s", m->from);
	if ((m->rep = roster_reporter(m->env->roster, m->out->sender)) == NULL) {
		m->lang = text_lang(e->text, e->textlen);
		m->p.error = CB_UNKNOWN_SENDER;
		ingest_reject(m, CB_UNKNOWN_SENDER, NULL, "sender not in the roster");
		reply_error(m->env->catalog, &m->p, m->lang, m->rc.text, sizeof m->rc.text);
		return true;
	}
	struct sms_context ctx = { m->t, m->offset };

	sms_parse(m->env->catalog, e->text, e->textlen, &ctx, &m->p);
	m->lang = m->rep->lang;
	m->out->has_cmd = m->p.error == CB_OK;
	m->out->cmd = m->p.cmd;
	if (m->p.error != CB_OK) {
		ingest_reject(m, m->p.error, m->p.token, NULL);
		reply_error(m->env->catalog, &m->p, m->lang, m->rc.text, sizeof m->rc.text);
		return true;
	}
	return ingest_command(m);
}

/*
 * The authority of a report that names no reporter: its source's
 * report-apps entry, when it has one, must cover the area; without one the
 * report passes only when reporters are not required.  False (rejected)
 * otherwise.
 */
static bool
report_app(struct msgctx *m, const struct report *r)
{
	char detail[CB_ID_MAX + CB_AREA_MAX + 96];
	int allow = report_apps_allow(m->env->report_apps, r->source, r->area);

	if (allow > 0 || (allow < 0 && !m->env->need_reporter))
		return true;
	if (allow == 0) {
		snprintf(detail, sizeof detail, "app %s may not report for %s (report-apps)", r->source, r->area);
		ingest_reject(m, CB_NOT_PERMITTED, "area", detail);
	} else {
		snprintf(detail, sizeof detail, "no reporter, and source %s has no report-apps entry", r->source);
		ingest_reject(m, CB_UNKNOWN_SENDER, "reporter", detail);
	}
	return false;
}

/* Checks a structured report's area and reporter against the topic and the roster. */
static const struct area *
report_area(struct msgctx *m, const struct report *r, const char *topic_area)
{
	const struct area *a;
	char detail[2 * CB_AREA_MAX + 64];

	if (strcmp(topic_area, r->area) != 0) {
		snprintf(detail, sizeof detail, "topic area %s, payload area %s", topic_area, r->area);
		ingest_reject(m, CB_BAD_AREA, "area", detail);
		return NULL;
	}
	if ((a = roster_area(m->env->roster, r->area)) == NULL) {
		ingest_reject(m, CB_UNKNOWN_AREA, "area", "area not in the roster");
		return NULL;
	}
	if (a->child != NULL) {
		ingest_reject(m, CB_NOT_PERMITTED, "area", "reports are made for areas without sub-areas");
		return NULL;
	}
	if (r->reporter[0] != '\0' && (m->rep = roster_reporter(m->env->roster, r->reporter)) == NULL) {
		ingest_reject(m, CB_UNKNOWN_SENDER, "reporter", "reporter not in the roster");
		return NULL;
	}
	if (m->rep != NULL && !ingest_permitted(m->rep, a)) {
		ingest_reject(m, CB_NOT_PERMITTED, "area", "the reporter does not own this area");
		return NULL;
	}
	return m->rep != NULL || report_app(m, r) ? a : NULL;
}

/* A structured report from an app or sensor on <root>/report/<area>. */
static bool
ingest_report(struct msgctx *m, struct report *r, const char *topic_area)
{
	char err[200] = "";
	enum cb_error rc = report_decode(m->in->payload, m->in->len, r, err, sizeof err);
	const struct area *a;
	int dup;

	salvage_ids(m->in->payload, m->in->len, rc, r->id, r->source);
	dup = ingest_ids(m, r->id, r->source);

	if (dup != 0)
		return dup > 0;
	m->lang = LANG_EN;
	m->out->has_cmd = true;
	m->out->cmd = CMD_REPORT;
	snprintf(m->out->sender, sizeof m->out->sender, "%s", r->reporter);
	if (rc != CB_OK) {
		ingest_reject(m, rc, NULL, err);
		return true;
	}
	if ((a = report_area(m, r, topic_area)) == NULL)
		return true;
	m->offset = tz_offset(m->t);
	if (report_validate(m->env->catalog, r, m->t, m->offset, &m->p) != CB_OK) {
		ingest_reject(m, m->p.error, m->p.token, NULL);
		return true;
	}
	return ingest_store_report(m, a, 0);
}

/*
 * A message on a topic we cannot read (a report topic whose area is not a
 * path of slugs): rejected, but answered when its payload names an id and a
 * source.
 */
static bool
ingest_bad_topic(struct msgctx *m, struct report *r)
{
	char err[200];
	int dup;

	salvage_ids(m->in->payload, m->in->len, report_decode(m->in->payload, m->in->len, r, err, sizeof err),
	    r->id, r->source);
	if ((dup = ingest_ids(m, r->id, r->source)) != 0)
		return dup > 0;
	ingest_reject(m, CB_BAD_AREA, "topic", "the topic is not <root>/inbox/<channel> or <root>/report/<area>");
	return true;
}

/* Journals the message (or rewrites its outcome on replay) and encodes its receipt. */
static bool
ingest_finish(struct msgctx *m)
{
	struct outcome *out = m->out;
	struct store *s = m->env->store;
	const char *status = m->rc.error == CB_OK ? "accepted" : "rejected";
	const char *error = m->rc.error == CB_OK ? NULL : cb_error_name(m->rc.error);

	m->rc.status = m->rc.error == CB_OK ? RECEIPT_ACCEPTED : RECEIPT_REJECTED;
	out->error = m->rc.error;
	ingest_note_topic(m);
	if (out->report_id > 0)
		snprintf(m->rc.report, sizeof m->rc.report, "r-%lld", (long long)out->report_id);
	out->len = receipt_encode(&m->rc, out->payload, sizeof out->payload);
	if (m->replay)
		return store_journal_outcome(s, m->in->journal_seq, status, error,
		    out->detail[0] ? out->detail : NULL, out->report_id);
	struct journal_row row = {
		.msg_id = m->msg_id, .source = m->source, .channel = m->channel,
		.sender = out->sender[0] ? out->sender : NULL, .topic = m->in->topic,
		.payload = m->in->payload, .len = m->in->len, .received_at = m->in->received_at,
		.status = status, .error = error, .detail = out->detail[0] ? out->detail : NULL,
		.command = out->has_cmd ? command_name(out->cmd) : NULL,
		.report_id = out->report_id, .receipt = out->payload, .receipt_len = out->len,
	};
	return (out->journal_seq = store_journal_add(s, &row)) > 0;
}

/* Both entry points: classify the topic, handle the payload, finish. */
static bool
ingest_run(const struct ingest_env *env, const struct inbound *in, struct outcome *out, bool replay)
{
	struct msgctx m = { .env = env, .in = in, .out = out, .replay = replay };
	union {			/* what was decoded: m points into it until the journal row is written */
		struct envelope e;
		struct report r;
	} dec;
	struct topic tp;
	bool ok;

	memset(out, 0, offsetof(struct outcome, payload));
	out->payload[0] = '\0';
	m.t = in->received_at;
	m.offset = tz_offset(m.t);
	switch (topic_parse(env->root, in->topic, &tp)) {
	case TOPIC_INBOX:
		ok = ingest_envelope(&m, &dec.e);
		break;
	case TOPIC_REPORT:
		ok = ingest_report(&m, &dec.r, tp.area);
		break;
	default:
		ok = ingest_bad_topic(&m, &dec.r);
		break;
	}
	if (!ok)
		return false;
	return out->duplicate || ingest_finish(&m);
}

bool
ingest_message(const struct ingest_env *env, const struct inbound *in, struct outcome *out)
{
	return ingest_run(env, in, out, false);
}

bool
ingest_replay(const struct ingest_env *env, const struct inbound *in, struct outcome *out)
{
	return ingest_run(env, in, out, true);
}
