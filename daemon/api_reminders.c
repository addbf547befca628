/*
 * api_reminders.c — POST /v1/reminders {"kind":…, "area":…, "period":…}:
 * sends a reminder now to every leader of every expected group of the area
 * (default: all) still missing the kind's report for the period (default:
 * the current one), and says who got one; with "dry_run":true only says
 * who would.  GET /v1/reminders/due: what cunbaod's own check would send
 * now.  See remind.h for the rules.
 */
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "api_roster.h"
#include "jsonw.h"
#include "period.h"
#include "remind.h"
#include "store_query.h"
#include "topic.h"

/* What the reply lists while remind_missing sends: who got one, who was skipped and why. */
struct sent_list {
	struct api *api;
	int64_t dedup_s, max;
	struct evbuffer *out, *skipped;
	size_t nsent, nskipped, ngroups;
	bool capped;			/* some were skipped for the cap */
	bool dry_run;			/* nothing sent: "reminders" lists who would get one */
	char last_group[CB_AREA_MAX];
};

/* Writes why s was skipped, in words a person can act on. */
static void
skip_reason(const struct sent_list *sl, const struct remind_sent *s, char *buf, size_t len)
{
	char at[40];

	switch (s->skip) {
	case REMIND_NO_LEADER:
		snprintf(buf, len, "the group has no leader in the roster");
		break;
	case REMIND_NO_CHANNEL:
		snprintf(buf, len, "the leader's id names no channel to reach");
		break;
	case REMIND_RECENT:
		api_time_format(sl->api, s->last_at, at, sizeof at);
		snprintf(buf, len, "already reminded of this kind and period at %s, within %lld h "
		    "(remind-dedup)", at, (long long)(sl->dedup_s / 3600));
		break;
	case REMIND_NEW:
		snprintf(buf, len, "the group, or its leaders, came into cunbao after this period ended");
		break;
	case REMIND_CAP:
		snprintf(buf, len, "over the cap of %lld reminders per request (remind-max): "
		    "narrow the area or ask again", (long long)sl->max);
		break;
	default:
		snprintf(buf, len, "not sent");
		break;
	}
}

static void
sent_item(void *arg, const struct remind_sent *s)
{
	struct sent_list *sl = arg;
	char buf[1024], id[32], why[256];
	struct jsonw w;
	bool sent = s->skip == REMIND_SENT && (s->id > 0 || sl->dry_run);

	sl->capped |= s->skip == REMIND_CAP;

	if (strcmp(sl->last_group, s->area) != 0) {
		sl->ngroups++;
		snprintf(sl->last_group, sizeof sl->last_group, "%s", s->area);
	}
	jsonw_init(&w, buf, sizeof buf);
	jsonw_obj(&w);
	jsonw_key(&w, "area"); jsonw_str(&w, s->area);
	api_json_str(&w, "to", s->reporter);
	api_json_str(&w, "name", s->name);
	api_json_str(&w, "channel", s->channel && *s->channel ? s->channel : NULL);
	if (sent && s->id > 0) {
		snprintf(id, sizeof id, "rm-%lld", (long long)s->id);
		api_json_str(&w, "id", id);
	} else if (!sent) {
		skip_reason(sl, s, why, sizeof why);
		api_json_str(&w, "reason", why);
	}
	jsonw_end(&w);
	size_t n = jsonw_finish(&w);
	struct evbuffer *to = sent ? sl->out : sl->skipped;
	size_t *count = sent ? &sl->nsent : &sl->nskipped;
	evbuffer_add_printf(to, "%s\n", (*count)++ ? "," : "");
	evbuffer_add(to, buf, n);
}

/*
 * Reads and checks the body's kind, area and period.  Answers 400 and
 * returns false when one is bad.
 */
static bool
reminder_target(struct api_req *r, const cJSON *o, const struct kind **k, const char **area,
    char *period, size_t periodlen)
{
	bool ok = true;
	const char *kind = roster_json_str(r, o, "kind", true, &ok);
	const char *per = ok ? roster_json_str(r, o, "period", false, &ok) : NULL;

	*area = ok ? roster_json_str(r, o, "area", false, &ok) : NULL;
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(o, "all");
	const cJSON *dry = cJSON_GetObjectItemCaseSensitive(o, "dry_run");
	if (!ok)
		return false;
	if ((all != NULL && !cJSON_IsBool(all)) || (dry != NULL && !cJSON_IsBool(dry))) {
		api_error(r, 400, "bad_request", "\"%s\": give true or false", all && !cJSON_IsBool(all) ?
		    "all" : "dry_run");
		return false;
	}
	/* Kinds and areas by name too (api_param.c); the request is answered before the next one. */
	static char path[CB_AREA_MAX];
	if ((*k = api_kind_param(r, "kind", true, kind)) == NULL)
		return false;
	if (*area == NULL)
		*area = "";
	else if (!api_area_param(r, "area", true, *area, path, sizeof path))
		return false;
	else
		*area = path;
	if (per == NULL) {
		int64_t now = api_now();
		struct period p = period_of((*k)->period, now, api_utc_offset(r->api, now));
		period_format(&p, period, periodlen);
	} else if (api_period_valid(*k, per)) {
		snprintf(period, periodlen, "%s", per);
	} else {
		api_error(r, 400, "bad_request", "\"period\": %.32s is not a %s period of %s", per,
		    period_type_name((*k)->period), (*k)->code);
		return false;
	}
	/* The whole roster only when asked for in so many words: a forgotten area texts a county. */
	if ((*area)[0] == '\0' && !cJSON_IsTrue(all)) {
		api_error(r, 400, "bad_request", "give \"area\" (the subtree to remind), or \"all\": true "
		    "to remind every missing leader of the roster");
		return false;
	}
	if ((*area)[0] != '\0' && cJSON_IsTrue(all)) {
		api_error(r, 400, "bad_request", "give either \"area\" or \"all\": true, not both");
		return false;
	}
	return true;
}

void
api_post_reminders(struct api_req *r)
{
	struct sent_list sl = { .api = r->api, .max = r->api->cfg.remind_max,
		.dedup_s = r->api->cfg.remind_dedup_ms / 1000 };
	struct remind_limits lim = { .max = sl.max, .dedup_s = sl.dedup_s };
	const struct kind *k;
	const char *area;
	char period[CB_PERIOD_MAX];
	cJSON *o = roster_json_body(r);
	int sent;

	if (o == NULL)
		return;
	lim.dry_run = sl.dry_run = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "dry_run"));
	if (!reminder_target(r, o, &k, &area, period, sizeof period) ||
	    (sl.out = evbuffer_new()) == NULL || (sl.skipped = evbuffer_new()) == NULL) {
		if (!r->answered)
			api_internal(r, "out of memory");
		goto out;
	}
	evbuffer_add_printf(sl.out, "{\"area\":%s%s%s,\"kind\":\"%s\",\"period\":\"%s\",\"reminders\":[",
	    *area ? "\"" : "", *area ? area : "null", *area ? "\"" : "", k->code, period);
	sent = remind_missing(r->api, area, k, period, r->who ? r->who->name : "api", &lim, sent_item, &sl);
	if (sent == -2) {
		api_error(r, 503, "unavailable", "the broker is not connected: %s reminders were sent",
		    sl.nsent ? "only some" : "no");
	} else if (sent < 0) {
		api_internal(r, "the reminders could not be recorded (see the log)");
	} else {
		evbuffer_add_printf(sl.out, "],\"skipped\":[");
		evbuffer_add_buffer(sl.out, sl.skipped);
		evbuffer_add_printf(sl.out, "],\"missing\":%zu,\"sent\":%d,\"capped\":%s,\"dry_run\":%s}\n",
		    sl.ngroups, sl.dry_run ? 0 : sent, sl.capped ? "true" : "false", sl.dry_run ? "true" : "false");
		api_reply_json(r, 200, sl.out);
	}
out:
	if (sl.out != NULL)
		evbuffer_free(sl.out);
	if (sl.skipped != NULL)
		evbuffer_free(sl.skipped);
	cJSON_Delete(o);
}

/* The answer of GET /v1/reminders/due being built. */
struct due_list {
	struct api *api;
	struct evbuffer *out;
	size_t n;
};

static void
due_item(void *arg, const struct remind_due *d)
{
	struct due_list *dl = arg;
	char buf[CB_REPLY_MAX * 2 + 1024], at[40];
	struct jsonw w;

	api_time_format(dl->api, d->deadline, at, sizeof at);
	jsonw_init(&w, buf, sizeof buf);
	jsonw_obj(&w);
	jsonw_key(&w, "type"); jsonw_str(&w, d->type);
	jsonw_key(&w, "kind"); jsonw_str(&w, d->kind);
	jsonw_key(&w, "period"); jsonw_str(&w, d->period);
	jsonw_key(&w, "deadline"); jsonw_str(&w, at);
	jsonw_key(&w, "area"); jsonw_str(&w, d->area);
	jsonw_key(&w, "to"); jsonw_str(&w, d->to);
	api_json_str(&w, "name", d->name);
	jsonw_key(&w, "text"); jsonw_str(&w, d->text);
	jsonw_end(&w);
	if (dl->n++ > 0)
		evbuffer_add(dl->out, ",", 1);
	evbuffer_add(dl->out, buf, jsonw_finish(&w));
}

/*
 * GET /v1/reminders/due: what cunbaod's own check (remind-interval) would
 * send if it ran now — reminders before a deadline, escalations after it —
 * without sending or recording anything (remind_due).  Periods that ended
 * before the roster's groups came into cunbao are never due.
 */
void
api_get_reminders_due(struct api_req *r)
{
	struct due_list dl = { .api = r->api, .out = evbuffer_new() };
	char at[40];
	int64_t now = api_now();
	int n;

	if (dl.out == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	api_time_format(r->api, now, at, sizeof at);
	evbuffer_add_printf(dl.out, "{\"at\":\"%s\",\"due\":[", at);
	if ((n = remind_due(r->api, now, due_item, &dl)) < 0)
		api_internal(r, "the reminders due could not be read (see the log)");
	else {
		evbuffer_add_printf(dl.out, "],\"count\":%d}\n", n);
		api_reply_json(r, 200, dl.out);
	}
	evbuffer_free(dl.out);
}

static bool
reminder_item(void *arg, const struct sq_reminder *rm)
{
	struct api_page *pg = arg;
	char buf[1024], at[40], id[32], key[24];
	struct jsonw w;

	api_time_format(pg->r->api, rm->sent_at, at, sizeof at);
	snprintf(id, sizeof id, "rm-%lld", (long long)rm->id);
	jsonw_init(&w, buf, sizeof buf);
	jsonw_obj(&w);
	jsonw_key(&w, "id"); jsonw_str(&w, id);
	jsonw_key(&w, "type"); jsonw_str(&w, rm->type);
	jsonw_key(&w, "kind"); jsonw_str(&w, rm->kind);
	jsonw_key(&w, "period"); jsonw_str(&w, rm->period);
	jsonw_key(&w, "area"); jsonw_str(&w, rm->area);
	jsonw_key(&w, "to"); jsonw_str(&w, rm->reporter);
	jsonw_key(&w, "channel"); jsonw_str(&w, rm->channel);
	jsonw_key(&w, "sent_at"); jsonw_str(&w, at);
	api_json_str(&w, "who", rm->who);
	jsonw_end(&w);
	snprintf(key, sizeof key, "%lld", (long long)rm->id);
	return api_page_add(pg, buf, jsonw_finish(&w), key);
}

/* GET /v1/reminders: the reminders and escalations sent (by the check or by hand), by id. */
void
api_get_reminders(struct api_req *r)
{
	struct api_filter f;
	struct api_page pg;
	int64_t after;

	if (!api_filter_parse(r, &f) || !api_cursor_int(r, &f, &after) || !api_page_begin(r, &pg, f.limit))
		return;
	bool ok = store_query_reminders(r->api->sq, f.area, f.kind ? f.kind->code : "", f.period, f.since,
	    after, f.limit, reminder_item, &pg);
	pg.more = pg.list.n == f.limit;
	api_page_send(&pg, ok);
}
