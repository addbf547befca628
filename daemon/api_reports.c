/*
 * api_reports.c — GET /v1/reports (every report with its values and its
 * place in the supersession history: a correction supersedes, a withdrawal
 * withdraws, nothing is deleted) and GET /v1/journal (every inbound message,
 * raw, with its outcome: how an admin finds out why a leader's SMS was
 * refused).  Both page by id/seq.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "jsonw.h"
#include "roster.h"
#include "store_query.h"
#include "utf8.h"

static const char *const report_statuses[] = { "active", "superseded", "withdrawn", NULL };
static const char *const journal_statuses[] = { "accepted", "rejected", NULL };

/*
 * Reads the optional parameter name, restricted to words, into *word (NULL
 * when absent).  Answers 400 and returns false on another value.
 */
static bool
word_param(struct api_req *r, const char *name, const char *const *words, const char **word)
{
	const char *v = api_param(r, name);

	*word = NULL;
	if (v == NULL)
		return true;
	for (size_t i = 0; words[i] != NULL; i++)
		if (strcmp(v, words[i]) == 0)
			*word = words[i];
	if (*word == NULL) {
		api_error(r, 400, "bad_parameter", "%s=%.32s: give one of %s, %s%s%s", name, v,
		    words[0], words[1], words[2] ? ", " : "", words[2] ? words[2] : "");
		return false;
	}
	return true;
}

/*
 * Reads a reporter/sender id parameter: printable, at most CB_ID_MAX bytes,
 * brought to the roster's form ("13800000003" is +8613800000003) in buf.
 */
static bool
id_param(struct api_req *r, const char *name, const char **out, char *buf, size_t buflen)
{
	const char *v = api_param(r, name);

	*out = v;
	if (v == NULL)
		return true;
	size_t n = strlen(v);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= ' ') {
			n = 0;
			break;
		}
	if (n == 0 && v[0] == ' ' && strspn(v + 1, "0123456789") == strlen(v + 1)) {
		/* A query string's '+' means a space: the phone number lost its plus. */
		api_error(r, 400, "bad_parameter", "%s: write the + of a phone number as %%2B in a URL "
		    "(%s=%%2B%.20s)", name, name, v + 1);
		return false;
	}
	if (n == 0 || n > CB_ID_MAX) {
		api_error(r, 400, "bad_parameter", "%s: give a reporter id like +8613800000003 or tg:1234", name);
		return false;
	}
	if (roster_id_norm(v, buf, buflen))
		*out = buf;
	return true;
}

/* Writes one value: true/false for yes/no fields, else the exact decimal. */
static void
value_write(struct jsonw *w, const struct kind *k, const struct sq_value *v)
{
	const struct field *f = k ? kind_field(k, v->field) : NULL;

	jsonw_key(w, v->field);
	if (f != NULL && f->type == FIELD_YESNO)
		jsonw_bool(w, v->value != 0);
	else
		jsonw_dec(w, v->value, v->scale);
}

/* Adds the finished item to the page under its id; false (stop) if it did not fit. */
static bool
page_item(struct api_page *pg, struct jsonw *w, const char *buf, int64_t id)
{
	char key[24];

	snprintf(key, sizeof key, "%lld", (long long)id);
	return api_page_add(pg, buf, jsonw_finish(w), key);
}

static bool
report_item(void *arg, const struct sq_report *rp)
{
	struct api_page *pg = arg;
	const struct kind *k = catalog_kind(api_catalog(pg->r->api), rp->kind);
	char buf[API_ITEM_MAX], at[40];
	struct jsonw w;

	if (!api_page_room(pg))
		return false;
	api_time_format(pg->r->api, rp->created_at, at, sizeof at);
	jsonw_init(&w, buf, sizeof buf);
	jsonw_obj(&w);
	jsonw_key(&w, "id"); jsonw_int(&w, rp->id);
	jsonw_key(&w, "journal"); jsonw_int(&w, rp->journal_seq);
	jsonw_key(&w, "area"); jsonw_str(&w, rp->area);
	jsonw_key(&w, "kind"); jsonw_str(&w, rp->kind);
	jsonw_key(&w, "period"); jsonw_str(&w, rp->period);
	api_json_str(&w, "reporter", rp->reporter);
	jsonw_key(&w, "created_at"); jsonw_str(&w, at);
	jsonw_key(&w, "status"); jsonw_str(&w, rp->status);
	api_json_id(&w, "superseded_by", rp->superseded_by);
	api_json_id(&w, "replaces", rp->replaces);
	jsonw_key(&w, "values");
	jsonw_obj(&w);
	for (size_t i = 0; i < rp->nvalues; i++)
		value_write(&w, k, &rp->values[i]);
	jsonw_end(&w);
	jsonw_end(&w);
	return page_item(pg, &w, buf, rp->id);
}

/* What both lists take: the common filters, a numeric cursor, a status and an id. */
struct list_query {
	struct api_filter f;
	int64_t after;
	const char *status;	/* NULL: any */
	const char *id;		/* reporter or sender; NULL: any */
	char idbuf[CB_ID_MAX + 1];	/* id normalised */
};

/*
 * Reads the filters of a list whose id parameter is idname and whose
 * statuses are words, then starts its page.  False after answering.
 */
static bool
list_begin(struct api_req *r, const char *idname, const char *const *statuses,
    struct list_query *lq, struct api_page *pg)
{
	return api_filter_parse(r, &lq->f) && api_cursor_int(r, &lq->f, &lq->after) &&
	    word_param(r, "status", statuses, &lq->status) && id_param(r, idname, &lq->id, lq->idbuf, sizeof lq->idbuf) &&
	    api_page_begin(r, pg, lq->f.limit);
}

void
api_get_reports(struct api_req *r)
{
	struct list_query lq;
	struct api_page pg;

	if (!list_begin(r, "reporter", report_statuses, &lq, &pg))
		return;
	struct sq_report_filter q = {
		.area = lq.f.area, .kind = lq.f.kind ? lq.f.kind->code : "", .period = lq.f.period,
		.reporter = lq.id, .status = lq.status, .since = lq.f.since, .after = lq.after,
		.limit = lq.f.limit + 1,
	};
	api_page_send(&pg, store_query_reports(r->api->sq, &q, report_item, &pg));
}

#define PAYLOAD_SHOW_MAX (2 * CB_PAYLOAD_MAX)

/*
 * Writes the raw payload as a JSON string.  It may be anything a sender
 * sent: invalid UTF-8 is replaced by U+FFFD so the answer stays valid JSON
 * (payload_utf8 then says false), and more than PAYLOAD_SHOW_MAX bytes are
 * cut (payload_bytes tells the full size).
 */
static void
payload_write(struct jsonw *w, const char *p, size_t len)
{
	char clean[PAYLOAD_SHOW_MAX * 3];
	size_t show = len > PAYLOAD_SHOW_MAX ? utf8_truncate(p, len, PAYLOAD_SHOW_MAX) : len;
	size_t i = 0, o = 0;

	jsonw_key(w, "payload_bytes");
	jsonw_int(w, (int64_t)len);
	jsonw_key(w, "payload_utf8");
	jsonw_bool(w, utf8_valid(p, len));
	while (i < show) {
		size_t at = i;
		if (utf8_next(p, show, &i) < 0) {
			o += utf8_put(0xFFFD, clean + o);
		} else {
			memcpy(clean + o, p + at, i - at);
			o += i - at;
		}
	}
	jsonw_key(w, "payload");
	jsonw_strn(w, clean, o);
}

static bool
journal_item(void *arg, const struct sq_journal *j)
{
	struct api_page *pg = arg;
	char buf[API_ITEM_MAX], at[40];
	struct jsonw w;

	if (!api_page_room(pg))
		return false;
	api_time_format(pg->r->api, j->received_at, at, sizeof at);
	jsonw_init(&w, buf, sizeof buf);
	jsonw_obj(&w);
	jsonw_key(&w, "seq"); jsonw_int(&w, j->seq);
	api_json_str(&w, "id", j->msg_id);
	api_json_str(&w, "source", j->source);
	api_json_str(&w, "channel", j->channel);
	api_json_str(&w, "sender", j->sender);
	api_json_str(&w, "area", j->area);
	api_json_str(&w, "topic", j->topic);
	jsonw_key(&w, "received_at"); jsonw_str(&w, at);
	api_json_str(&w, "status", j->status);
	api_json_str(&w, "error", j->error);
	api_json_str(&w, "detail", j->detail);
	api_json_str(&w, "command", j->command);
	api_json_id(&w, "report", j->report_id);
	payload_write(&w, j->payload, j->len);
	jsonw_end(&w);
	return page_item(pg, &w, buf, j->seq);
}

void
api_get_journal(struct api_req *r)
{
	struct list_query lq;
	struct api_page pg;

	if (!list_begin(r, "sender", journal_statuses, &lq, &pg))
		return;
	struct sq_journal_filter q = {
		.area = lq.f.area, .kind = lq.f.kind ? lq.f.kind->code : "", .period = lq.f.period,
		.sender = lq.id, .status = lq.status, .since = lq.f.since, .after = lq.after,
		.limit = lq.f.limit + 1,
	};
	api_page_send(&pg, store_query_journal(r->api->sq, &q, journal_item, &pg));
}
