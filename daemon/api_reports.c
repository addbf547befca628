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
#include "store_query.h"
#include "utf8.h"

static const char *const report_statuses[] = { "active", "superseded", "withdrawn", NULL };
static const char *const journal_statuses[] = { "accepted", "rejected", NULL };

/* One page of items, and where the next one starts. */
struct page {
	struct api_req *r;
	struct api_list list;
	unsigned limit;
	int64_t last;
	bool more;
	bool overflow;		/* an item did not fit its buffer */
};

/*
 * Reads a numeric cursor (the last id of the previous page) and an optional
 * parameter restricted to words.  Answers 400 and returns false when bad.
 */
static bool
page_params(struct api_req *r, const struct api_filter *f, int64_t *after,
    const char *name, const char *const *words, const char **word)
{
	const char *v = api_param(r, name);
	char *end;

	*after = 0;
	if (f->cursor[0] != '\0') {
		long long c = strtoll(f->cursor, &end, 10);
		if (*end != '\0' || c <= 0) {
			api_error(r, 400, "bad_parameter", "cursor: not one this resource gave");
			return false;
		}
		*after = c;
	}
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

/* Reads a reporter/sender id parameter: printable, at most CB_ID_MAX bytes. */
static bool
id_param(struct api_req *r, const char *name, const char **out)
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

/* Writes an id that may be absent (0) as a number or null. */
static void
id_write(struct jsonw *w, const char *key, int64_t id)
{
	jsonw_key(w, key);
	if (id > 0)
		jsonw_int(w, id);
	else
		jsonw_raw(w, "null");
}

/* Adds the finished item to the page; false (stop) if it did not fit. */
static bool
page_item(struct page *pg, struct jsonw *w, const char *buf, int64_t id)
{
	size_t n = jsonw_finish(w);

	if (n == 0) {
		pg->overflow = true;
		return false;
	}
	api_list_item(&pg->list, buf, n);
	pg->last = id;
	return true;
}

static bool
report_item(void *arg, const struct sq_report *rp)
{
	struct page *pg = arg;
	const struct kind *k = catalog_kind(api_catalog(pg->r->api), rp->kind);
	char buf[API_ITEM_MAX], at[40];
	struct jsonw w;

	if (pg->list.n == pg->limit) {
		pg->more = true;
		return false;
	}
	api_time_format(pg->r->api, rp->created_at, at, sizeof at);
	jsonw_init(&w, buf, sizeof buf);
	jsonw_obj(&w);
	jsonw_key(&w, "id"); jsonw_int(&w, rp->id);
	jsonw_key(&w, "journal"); jsonw_int(&w, rp->journal_seq);
	jsonw_key(&w, "area"); jsonw_str(&w, rp->area);
	jsonw_key(&w, "kind"); jsonw_str(&w, rp->kind);
	jsonw_key(&w, "period"); jsonw_str(&w, rp->period);
	jsonw_key(&w, "reporter");
	if (rp->reporter) jsonw_str(&w, rp->reporter); else jsonw_raw(&w, "null");
	jsonw_key(&w, "created_at"); jsonw_str(&w, at);
	jsonw_key(&w, "status"); jsonw_str(&w, rp->status);
	id_write(&w, "superseded_by", rp->superseded_by);
	id_write(&w, "replaces", rp->replaces);
	jsonw_key(&w, "values");
	jsonw_obj(&w);
	for (size_t i = 0; i < rp->nvalues; i++)
		value_write(&w, k, &rp->values[i]);
	jsonw_end(&w);
	jsonw_end(&w);
	return page_item(pg, &w, buf, rp->id);
}

/* Ends the page and sends it, or a 500 when the query failed. */
static void
page_send(struct page *pg, bool ok, struct evbuffer *out)
{
	char next[32];

	if (!ok) {
		api_db_error(pg->r);
		return;
	}
	if (pg->overflow) {
		api_internal(pg->r, "an item is too large to encode");
		return;
	}
	snprintf(next, sizeof next, "%lld", (long long)pg->last);
	api_list_end(&pg->list, pg->more ? next : NULL);
	api_reply_json(pg->r, 200, out);
}

void
api_get_reports(struct api_req *r)
{
	struct api_filter f;
	struct sq_report_filter q;
	struct page pg = { .r = r };
	struct evbuffer *out;

	if (!api_filter_parse(r, &f) ||
	    !page_params(r, &f, &q.after, "status", report_statuses, &q.status) ||
	    !id_param(r, "reporter", &q.reporter))
		return;
	q.area = f.area;
	q.kind = f.kind ? f.kind->code : "";
	q.period = f.period;
	q.since = f.since;
	q.limit = f.limit + 1;
	pg.limit = f.limit;
	if ((out = evbuffer_new()) == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	api_list_begin(&pg.list, out);
	page_send(&pg, store_query_reports(r->api->sq, &q, report_item, &pg), out);
	evbuffer_free(out);
}

/* Writes a string member that may be NULL as null. */
static void
str_write(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	if (s != NULL)
		jsonw_str(w, s);
	else
		jsonw_raw(w, "null");
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
	struct page *pg = arg;
	char buf[API_ITEM_MAX], at[40];
	struct jsonw w;

	if (pg->list.n == pg->limit) {
		pg->more = true;
		return false;
	}
	api_time_format(pg->r->api, j->received_at, at, sizeof at);
	jsonw_init(&w, buf, sizeof buf);
	jsonw_obj(&w);
	jsonw_key(&w, "seq"); jsonw_int(&w, j->seq);
	str_write(&w, "id", j->msg_id);
	str_write(&w, "source", j->source);
	str_write(&w, "channel", j->channel);
	str_write(&w, "sender", j->sender);
	str_write(&w, "area", j->area);
	str_write(&w, "topic", j->topic);
	jsonw_key(&w, "received_at"); jsonw_str(&w, at);
	str_write(&w, "status", j->status);
	str_write(&w, "error", j->error);
	str_write(&w, "detail", j->detail);
	str_write(&w, "command", j->command);
	id_write(&w, "report", j->report_id);
	payload_write(&w, j->payload, j->len);
	jsonw_end(&w);
	return page_item(pg, &w, buf, j->seq);
}

void
api_get_journal(struct api_req *r)
{
	struct api_filter f;
	struct sq_journal_filter q;
	struct page pg = { .r = r };
	struct evbuffer *out;

	if (!api_filter_parse(r, &f) ||
	    !page_params(r, &f, &q.after, "status", journal_statuses, &q.status) ||
	    !id_param(r, "sender", &q.sender))
		return;
	q.area = f.area;
	q.kind = f.kind ? f.kind->code : "";
	q.period = f.period;
	q.since = f.since;
	q.limit = f.limit + 1;
	pg.limit = f.limit;
	if ((out = evbuffer_new()) == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	api_list_begin(&pg.list, out);
	page_send(&pg, store_query_journal(r->api->sq, &q, journal_item, &pg), out);
	evbuffer_free(out);
}
