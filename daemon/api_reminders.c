/*
 * api_reminders.c — POST /v1/reminders {"kind":…, "area":…, "period":…}:
 * sends a reminder now to every leader of every expected group of the area
 * (default: all) still missing the kind's report for the period (default:
 * the current one), and says who got one.  See remind.h for the rules.
 */
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "api_roster.h"
#include "jsonw.h"
#include "period.h"
#include "remind.h"
#include "topic.h"

/* What the reply lists while remind_missing sends. */
struct sent_list {
	struct evbuffer *out;
	size_t nsent, ngroups;
	char last_group[CB_AREA_MAX];
};

static void
sent_item(void *arg, const struct remind_sent *s)
{
	struct sent_list *sl = arg;
	char buf[1024], id[32];
	struct jsonw w;

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
	/* No id: no leader, or no channel to reach one. */
	snprintf(id, sizeof id, "rm-%lld", (long long)s->id);
	api_json_str(&w, "id", s->id > 0 ? id : NULL);
	jsonw_end(&w);
	size_t n = jsonw_finish(&w);
	evbuffer_add_printf(sl->out, "%s\n", sl->nsent++ ? "," : "");
	evbuffer_add(sl->out, buf, n);
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
	if (!ok)
		return false;
	if ((*k = catalog_kind(api_catalog(r->api), kind)) == NULL) {
		api_error(r, 400, "bad_request", "\"kind\": %.64s is not a kind of the catalog", kind);
		return false;
	}
	if (*area == NULL)
		*area = "";
	else if (!topic_area_valid(*area, strlen(*area))) {
		api_error(r, 400, "bad_request", "\"area\": %.200s is not an area path", *area);
		return false;
	}
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
	return true;
}

void
api_post_reminders(struct api_req *r)
{
	struct sent_list sl = { 0 };
	const struct kind *k;
	const char *area;
	char period[CB_PERIOD_MAX];
	cJSON *o = roster_json_body(r);
	int sent;

	if (o == NULL)
		return;
	if (!reminder_target(r, o, &k, &area, period, sizeof period) ||
	    (sl.out = evbuffer_new()) == NULL) {
		if (!r->answered)
			api_internal(r, "out of memory");
		cJSON_Delete(o);
		return;
	}
	evbuffer_add_printf(sl.out, "{\"area\":%s%s%s,\"kind\":\"%s\",\"period\":\"%s\",\"reminders\":[",
	    *area ? "\"" : "", *area ? area : "null", *area ? "\"" : "", k->code, period);
	sent = remind_missing(r->api, area, k, period, r->who ? r->who->name : "api", sent_item, &sl);
	if (sent == -2) {
		api_error(r, 503, "unavailable", "the broker is not connected: %s reminders were sent",
		    sl.nsent ? "only some" : "no");
	} else if (sent < 0) {
		api_internal(r, "the reminders could not be recorded (see the log)");
	} else {
		evbuffer_add_printf(sl.out, "],\"missing\":%zu,\"sent\":%d}\n", sl.ngroups, sent);
		api_reply_json(r, 200, sl.out);
	}
	evbuffer_free(sl.out);
	cJSON_Delete(o);
}
