/*
 * workload.c — the roster and the message stream a pass sends.
 *
 * The roster is a county's worth of groups: T townships × V villages × G
 * groups (default 10 × 30 × 10 = 3,000), one leader each, plus P probe
 * villages of one group (for rollup staleness).  The stream is a pure
 * function of (seed, i): message i is an SMS envelope or a JSON report of a
 * kind drawn from the catalog with realistic weights, for a random group,
 * with values inside the field's bounds; a share of it is bad input (which
 * cunbaod must reject with a receipt) and a share repeats an earlier
 * message verbatim (which cunbaod must answer "duplicate").  The echo and
 * cunbaod thus see exactly the same bytes.
 */
#include "bench.h"
#include "catalog.h"
#include "dec.h"
#include "payload.h"
#include "period.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define VALUE_CAP 500		/* values drawn are at most this (in field units) */

struct workload {
	struct workload_opts o;
	struct catalog *cat;
	unsigned weight_total;
	unsigned weights[32];		/* per kind of the catalog */
	const struct kind *probe_kind;
	const struct field *probe_field;
};

/* How often each kind is reported, relative; kinds not named weigh 5. */
static const struct {
	const char *code;
	unsigned weight;
} kind_weights[] = {
	{ "livestock", 30 }, { "sanitation", 20 }, { "monitoring", 15 }, { "labor", 12 },
	{ "road", 8 }, { "construction", 8 }, { "crops", 7 },
};

/* A small deterministic generator: splitmix64. */
struct rng {
	uint64_t s;
};

static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

/* The generator of message i: independent of every other message. */
static struct rng
rng_for(const struct workload *w, uint64_t i)
{
	struct rng r = { w->o.seed * 0x2545f4914f6cdd1dULL ^ (i * 0x9e3779b97f4a7c15ULL) };

	rng_next(&r);
	return r;
}

static unsigned
kind_weight(const char *code)
{
	for (size_t i = 0; i < NELEM(kind_weights); i++)
		if (strcmp(kind_weights[i].code, code) == 0)
			return kind_weights[i].weight;
	return 5;
}

/* Picks the probe field: a count summed as "last" (its rollup is its value). */
static bool
probe_pick(struct workload *w)
{
	for (size_t k = 0; k < w->cat->nkinds; k++) {
		const struct kind *kd = &w->cat->kinds[k];
		for (size_t f = 0; f < kd->nfields; f++)
			if (kd->fields[f].type == FIELD_COUNT && kd->fields[f].agg == AGG_LAST &&
			    kd->fields[f].max >= 100000) {
				w->probe_kind = kd;
				w->probe_field = &kd->fields[f];
				return true;
			}
	}
	return false;
}

struct workload *
workload_new(const struct workload_opts *o, char *err, size_t errlen)
{
	struct workload *w = calloc(1, sizeof *w);
	char cerr[1024];
	size_t len;
	char *json = NULL;
	FILE *f = fopen(o->catalog_path, "rb");

	if (w == NULL || f == NULL) {
		snprintf(err, errlen, "%s: %s", o->catalog_path, f ? "out of memory" : strerror(errno));
		goto fail;
	}
	w->o = *o;
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	rewind(f);
	if ((json = malloc(len + 1)) == NULL || fread(json, 1, len, f) != len) {
		snprintf(err, errlen, "%s: cannot read", o->catalog_path);
		goto fail;
	}
	if ((w->cat = catalog_load(json, len, o->catalog_path, cerr, sizeof cerr)) == NULL) {
		snprintf(err, errlen, "%s", cerr);
		goto fail;
	}
	for (size_t k = 0; k < w->cat->nkinds && k < NELEM(w->weights); k++)
		w->weight_total += w->weights[k] = kind_weight(w->cat->kinds[k].code);
	if (w->cat->nkinds == 0 || !probe_pick(w)) {
		snprintf(err, errlen, "%s: no kind with a count field aggregated as last",
		    o->catalog_path);
		goto fail;
	}
	free(json);
	fclose(f);
	return w;
fail:
	free(json);
	if (f)
		fclose(f);
	workload_free(w);
	return NULL;
}

void
workload_free(struct workload *w)
{
	if (w == NULL)
		return;
	catalog_free(w->cat);
	free(w);
}

const struct catalog *
workload_catalog(const struct workload *w)
{
	return w->cat;
}

size_t
workload_groups(const struct workload *w)
{
	return (size_t)w->o.townships * (size_t)w->o.villages * (size_t)w->o.groups;
}

/* Area path and leader phone of group g (0-based). */
void
workload_group_area(const struct workload *w, size_t g, char *buf, size_t buflen)
{
	size_t G = (size_t)w->o.groups, V = (size_t)w->o.villages;

	snprintf(buf, buflen, "t%02zu/v%02zu/g%02zu", g / (G * V) + 1, g / G % V + 1, g % G + 1);
}

static void
group_phone(size_t g, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "+86139%08zu", g + 1);
}

void
workload_probe_area(const struct workload *w, int v, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "probe/p%02d", v + 1);
}

static void
probe_phone(int v, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "+86136%08d", v + 1);
}

/* Writes the areas CSV: townships, villages and groups (expected to report). */
static bool
write_areas(const struct workload *w, FILE *f)
{
	int T = w->o.townships, V = w->o.villages, G = w->o.groups;

	fprintf(f, "path,name,expected\n");
	for (int t = 1; t <= T; t++) {
		fprintf(f, "t%02d,第%d镇,0\n", t, t);
		for (int v = 1; v <= V; v++) {
			fprintf(f, "t%02d/v%02d,%d镇%d村,0\n", t, v, t, v);
			for (int g = 1; g <= G; g++)
				fprintf(f, "t%02d/v%02d/g%02d,%d组,1\n", t, v, g, g);
		}
	}
	fprintf(f, "probe,探针镇,0\n");
	for (int v = 0; v < w->o.probe_villages; v++)
		fprintf(f, "probe/p%02d,探针%d村,0\nprobe/p%02d/g01,1组,1\n", v + 1, v + 1, v + 1);
	return !ferror(f);
}

/* Writes the reporters CSV: one leader per group, a tenth of them in English. */
static bool
write_reporters(const struct workload *w, FILE *f)
{
	char area[CB_AREA_MAX], phone[32];

	fprintf(f, "id,name,area,role,lang\n");
	for (size_t g = 0; g < workload_groups(w); g++) {
		workload_group_area(w, g, area, sizeof area);
		group_phone(g, phone, sizeof phone);
		fprintf(f, "%s,组长%zu,%s,leader,%s\n", phone, g + 1, area, g % 10 == 9 ? "en" : "zh");
	}
	for (int v = 0; v < w->o.probe_villages; v++) {
		workload_probe_area(w, v, area, sizeof area);
		probe_phone(v, phone, sizeof phone);
		fprintf(f, "%s,探针%d,%s/g01,leader,zh\n", phone, v + 1, area);
	}
	return !ferror(f);
}

bool
workload_write_roster(const struct workload *w, const char *dir, char *err, size_t errlen)
{
	static const char *const names[] = { "areas.csv", "reporters.csv" };
	bool (*const writers[])(const struct workload *, FILE *) = { write_areas, write_reporters };

	for (size_t i = 0; i < NELEM(names); i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "w");
		bool ok = f != NULL && writers[i](w, f);
		if (f != NULL && fclose(f) != 0)
			ok = false;
		if (!ok) {
			snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
			return false;
		}
	}
	return true;
}

static const struct kind *
kind_draw(const struct workload *w, struct rng *r)
{
	uint64_t x = rng_below(r, w->weight_total);

	for (size_t k = 0; k < w->cat->nkinds; k++) {
		if (x < w->weights[k])
			return &w->cat->kinds[k];
		x -= w->weights[k];
	}
	return &w->cat->kinds[0];
}

/* First plain ASCII word of ws (an English keyword or alias), or ws->w[0]. */
static const char *
ascii_word(const struct words *ws)
{
	for (size_t i = 0; i < ws->n; i++) {
		const char *s = ws->w[i];
		if (strspn(s, "abcdefghijklmnopqrstuvwxyz") == strlen(s) && s[0] != '\0')
			return s;
	}
	return ws->n ? ws->w[0] : "";
}

/* First word of ws that is not plain ASCII (a Chinese keyword), or ws->w[0]. */
static const char *
zh_word(const struct words *ws)
{
	for (size_t i = 0; i < ws->n; i++)
		for (const char *s = ws->w[i]; *s; s++)
			if ((unsigned char)*s >= 0x80)
				return ws->w[i];
	return ws->n ? ws->w[0] : "";
}

/*
 * Draws field f's value as exact decimal text: a count or decimal within
 * the field's bounds and at most VALUE_CAP, a yes (mostly) or no word.
 */
static void
value_draw(const struct field *f, struct rng *r, bool zh, char *buf, size_t buflen)
{
	int64_t unit = 1, lo, hi;

	if (f->type == FIELD_YESNO) {
		const struct words *ws = rng_below(r, 100) < 85 ? &f->yes : &f->no;
		snprintf(buf, buflen, "%s", zh ? ws->w[0] : ascii_word(ws));
		return;
	}
	for (unsigned s = 0; s < f->scale; s++)
		unit *= 10;
	lo = f->min > 0 ? f->min : 0;
	hi = f->max < VALUE_CAP * unit ? f->max : VALUE_CAP * unit;
	if (hi < lo)
		hi = lo;
	dec_format(lo + (int64_t)rng_below(r, (uint64_t)(hi - lo + 1)), f->scale, true, buf, buflen);
}

/* Picks the fields of one report: every required one, each other with p 1/2, at least one. */
static size_t
fields_draw(const struct kind *k, struct rng *r, const struct field **out)
{
	size_t n = 0;

	for (size_t i = 0; i < k->nfields; i++)
		if (k->fields[i].required || rng_below(r, 2) == 0)
			out[n++] = &k->fields[i];
	if (n == 0)
		out[n++] = &k->fields[rng_below(r, k->nfields)];
	return n;
}

/* A message being built: an SMS envelope or a JSON report. */
struct draft {
	bool sms;
	struct envelope env;
	struct report rep;
};

/* A yes/no word for English text: ASCII, and not also one of the field's aliases. */
static const char *
yesno_en(const struct field *f, bool yes)
{
	const struct words *ws = yes ? &f->yes : &f->no;

	for (size_t i = 0; i < ws->n; i++) {
		bool alias = false;
		for (size_t a = 0; a < f->aliases.n; a++)
			alias |= strcmp(f->aliases.w[a], ws->w[i]) == 0;
		if (!alias && ws->w[i][strspn(ws->w[i], "abcdefghijklmnopqrstuvwxyz")] == '\0')
			return ws->w[i];
	}
	return ascii_word(ws);
}

/* Appends one "field value" token of an SMS in the leader's language. */
static void
sms_append(struct envelope *e, const struct field *f, struct rng *r, bool zh)
{
	char v[DEC_TEXT_MAX + CATALOG_WORD_MAX];
	size_t room = sizeof e->text - e->textlen;
	int n;

	if (f->type == FIELD_YESNO) {
		bool yes = rng_below(r, 100) < 85;
		n = snprintf(e->text + e->textlen, room, " %s",
		    zh ? (yes ? f->yes.w[0] : f->no.w[0]) : yesno_en(f, yes));
	} else {
		value_draw(f, r, zh, v, sizeof v);
		/* A quarter of the Chinese values carry their unit, as leaders often type. */
		const char *unit = zh && rng_below(r, 4) == 0 ? f->unit_zh : "";
		n = zh ? snprintf(e->text + e->textlen, room, " %s%s%s", f->name_zh, v, unit) :
		    snprintf(e->text + e->textlen, room, " %s %s", ascii_word(&f->aliases), v);
	}
	if (n > 0 && (size_t)n < room)
		e->textlen += (size_t)n;
}

/* Fills a valid draft for message i of class cls (SMS or report) from r. */
static void
draft_valid(const struct workload *w, struct rng *r, const char *id, const char *source,
    enum msg_class cls, struct draft *d)
{
	size_t g = rng_below(r, workload_groups(w));
	const struct kind *k = kind_draw(w, r);
	const struct field *fields[CB_MAX_FIELDS];
	size_t nf = fields_draw(k, r, fields);
	char phone[32];

	memset(d, 0, sizeof *d);
	group_phone(g, phone, sizeof phone);
	d->sms = cls == MSG_SMS || (cls == MSG_BAD && rng_below(r, 2) == 0);
	if (d->sms) {
		bool zh = rng_below(r, 10) < 9;
		snprintf(d->env.id, sizeof d->env.id, "%s", id);
		snprintf(d->env.source, sizeof d->env.source, "%s", source);
		snprintf(d->env.channel, sizeof d->env.channel, "sms");
		snprintf(d->env.from, sizeof d->env.from, "%s", phone);
		d->env.textlen = (size_t)snprintf(d->env.text, sizeof d->env.text, "%s",
		    zh ? zh_word(&k->keywords) : ascii_word(&k->keywords));
		for (size_t i = 0; i < nf; i++)
			sms_append(&d->env, fields[i], r, zh);
		return;
	}
	snprintf(d->rep.id, sizeof d->rep.id, "%s", id);
	snprintf(d->rep.source, sizeof d->rep.source, "%s", source);
	snprintf(d->rep.kind, sizeof d->rep.kind, "%s", k->code);
	workload_group_area(w, g, d->rep.area, sizeof d->rep.area);
	snprintf(d->rep.reporter, sizeof d->rep.reporter, "%s", phone);
	for (size_t i = 0; i < nf; i++) {
		struct report_value *v = &d->rep.values[d->rep.nvalues++];
		snprintf(v->field, sizeof v->field, "%s", fields[i]->code);
		if (fields[i]->type == FIELD_YESNO)
			snprintf(v->text, sizeof v->text, "%s", rng_below(r, 100) < 85 ? "true" : "false");
		else
			value_draw(fields[i], r, false, v->text, sizeof v->text);
	}
}

/* The first numeric value of a report draft, made numeric if none is. */
static struct report_value *
numeric_value(const struct workload *w, struct draft *d, const struct field **fp)
{
	const struct kind *k = catalog_kind(w->cat, d->rep.kind);

	for (size_t i = 0; k != NULL && i < d->rep.nvalues; i++) {
		const struct field *f = kind_field(k, d->rep.values[i].field);
		if (f != NULL && f->type != FIELD_YESNO) {
			*fp = f;
			return &d->rep.values[i];
		}
	}
	*fp = w->probe_field;
	snprintf(d->rep.kind, sizeof d->rep.kind, "%s", w->probe_kind->code);
	d->rep.nvalues = 1;
	snprintf(d->rep.values[0].field, sizeof d->rep.values[0].field, "%s", w->probe_field->code);
	return &d->rep.values[0];
}

/*
 * Turns a valid draft into bad input of one of eight sorts, each of which
 * cunbaod must reject (with a receipt): for SMS an unknown field, an
 * unknown sender, text that is no report; for reports a value out of
 * range, an unknown area, an unknown kind, a future period, a value that is
 * no number.
 */
static void
draft_spoil(const struct workload *w, struct rng *r, struct draft *d)
{
	unsigned sort = (unsigned)rng_below(r, 4);
	const struct field *f;
	struct report_value *v;

	if (d->sms) {
		size_t room = sizeof d->env.text - d->env.textlen;
		if (sort == 0)
			d->env.textlen += (size_t)snprintf(d->env.text + d->env.textlen, room, " 鸭嘴兽12");
		else if (sort == 1)
			d->env.from[5] = '7';	/* +86137…: nobody in the roster */
		else
			d->env.textlen = (size_t)snprintf(d->env.text, sizeof d->env.text,
			    sort == 2 ? "今天开会吗 明天下雨" : "hello are you there");
		return;
	}
	if (sort == 0) {
		v = numeric_value(w, d, &f);
		dec_format(f->max + 1, f->scale, true, v->text, sizeof v->text);
	} else if (sort == 1) {
		snprintf(d->rep.area, sizeof d->rep.area, "nowhere/v01/g01");
	} else if (sort == 2) {
		snprintf(d->rep.kind, sizeof d->rep.kind, "weather");
	} else {
		const struct kind *k = catalog_kind(w->cat, d->rep.kind);
		struct period p = { .type = k ? k->period : PERIOD_MONTH, .year = 2099, .n = 1 };
		p.day = p.type == PERIOD_DAY ? 1 : 0;
		if (p.type == PERIOD_YEAR)
			p.n = 0;
		period_format(&p, d->rep.period, sizeof d->rep.period);
	}
}

/* Encodes a draft into out (topic and payload); false if it does not encode. */
static bool
draft_encode(const char *root, const struct draft *d, struct msg *out)
{
	size_t tn, pn;

	if (d->sms) {
		tn = topic_inbox(root, d->env.channel, out->topic, sizeof out->topic);
		pn = envelope_encode(&d->env, out->payload, sizeof out->payload);
		snprintf(out->id, sizeof out->id, "%s", d->env.id);
	} else {
		tn = topic_report(root, d->rep.area, out->topic, sizeof out->topic);
		pn = report_encode(&d->rep, out->payload, sizeof out->payload);
		snprintf(out->id, sizeof out->id, "%s", d->rep.id);
	}
	out->len = pn;
	return tn > 0 && pn > 0;
}

/* The class of message i as drawn (before a repeat is resolved). */
static enum msg_class
classify(const struct workload *w, uint64_t i)
{
	struct rng r = rng_for(w, i);
	uint64_t x = rng_next(&r);
	unsigned p = (unsigned)(x % 1000);

	if (p < w->o.dup_permille)
		return MSG_DUP;
	if (p < w->o.dup_permille + w->o.bad_permille)
		return MSG_BAD;
	return (x / 1000) % 10 < 6 ? MSG_SMS : MSG_REPORT;
}

/* Builds message j (a non-repeat, of class cls) with its own id. */
static bool
build(const struct workload *w, const char *root, const char *tag, const char *source,
    uint64_t j, enum msg_class cls, struct msg *out)
{
	struct rng r = rng_for(w, j);
	struct draft d;
	char id[CB_ID_MAX + 1];

	rng_next(&r);	/* the class draw */
	snprintf(id, sizeof id, "%s:%llu", tag, (unsigned long long)j);
	draft_valid(w, &r, id, source, cls, &d);
	if (cls == MSG_BAD)
		draft_spoil(w, &r, &d);
	out->cls = cls;
	return draft_encode(root, &d, out);
}

/*
 * Message i.  A repeat goes back `back` steps of this sender's substream
 * (stride apart), beyond its window so that the original has normally been
 * receipted, skipping over other repeats; with nothing to repeat yet it is
 * sent as a fresh report.
 */
bool
workload_message(const struct workload *w, const char *root, const char *tag,
    const char *source, uint64_t i, uint64_t stride, unsigned window, struct msg *out)
{
	enum msg_class cls = classify(w, i);
	struct rng r;
	uint64_t back, j;

	if (cls != MSG_DUP)
		return build(w, root, tag, source, i, cls, out);
	r = rng_for(w, i);
	rng_next(&r);
	back = (uint64_t)window + 1 + rng_below(&r, window ? window : 1);
	if (stride == 0 || i < stride * back)
		return build(w, root, tag, source, i, MSG_REPORT, out);
	j = i - stride * back;
	while (classify(w, j) == MSG_DUP && j >= stride)
		j -= stride;
	if (classify(w, j) == MSG_DUP)
		return build(w, root, tag, source, i, MSG_REPORT, out);
	if (!build(w, root, tag, source, j, classify(w, j), out))
		return false;
	out->cls = MSG_DUP;
	return true;
}

/* Fills a report of the probe kind with one value; the caller sets id and area. */
static void
probe_report(const struct workload *w, const char *id, const char *source, int64_t value,
    struct report *rep)
{
	memset(rep, 0, sizeof *rep);
	snprintf(rep->id, sizeof rep->id, "%s", id);
	snprintf(rep->source, sizeof rep->source, "%s", source);
	snprintf(rep->kind, sizeof rep->kind, "%s", w->probe_kind->code);
	rep->nvalues = 1;
	snprintf(rep->values[0].field, sizeof rep->values[0].field, "%s", w->probe_field->code);
	dec_format(value, w->probe_field->scale, true, rep->values[0].text, sizeof rep->values[0].text);
}

bool
workload_probe(const struct workload *w, const char *root, const char *tag,
    const char *source, int v, int64_t value, struct msg *out)
{
	struct draft d = { .sms = false };
	char id[CB_ID_MAX + 1];

	snprintf(id, sizeof id, "%s:probe:%d:%lld", tag, v + 1, (long long)value);
	probe_report(w, id, source, value, &d.rep);
	snprintf(d.rep.area, sizeof d.rep.area, "probe/p%02d/g01", v + 1);
	probe_phone(v, d.rep.reporter, sizeof d.rep.reporter);
	out->cls = MSG_REPORT;
	return draft_encode(root, &d, out);
}

bool
workload_ping(const struct workload *w, const char *root, const char *id, const char *source,
    struct msg *out)
{
	struct draft d = { .sms = false };

	probe_report(w, id, source, 1, &d.rep);
	snprintf(d.rep.area, sizeof d.rep.area, "nowhere/ping/g01");
	out->cls = MSG_BAD;
	return draft_encode(root, &d, out);
}

const char *
workload_probe_kind(const struct workload *w)
{
	return w->probe_kind->code;
}

const char *
workload_probe_field(const struct workload *w)
{
	return w->probe_field->code;
}

/* The length of a period of each type in seconds, about (a month: 30.44 days). */
static int64_t
period_seconds(enum period_type t)
{
	static const int64_t n[] = {
		[PERIOD_DAY] = 86400, [PERIOD_WEEK] = 7 * 86400, [PERIOD_MONTH] = 2629800,
		[PERIOD_QUARTER] = 3 * 2629800, [PERIOD_YEAR] = 12 * 2629800,
	};
	return (size_t)t < NELEM(n) ? n[t] : 86400;
}

/*
 * Message i of a history: a valid JSON report (no bad input, no repeats)
 * whose period is drawn from the three years before `now` (Asia/Shanghai),
 * so that a large database holds many periods as a real one would.
 */
bool
workload_history(const struct workload *w, const char *root, const char *tag, uint64_t i,
    int64_t now, struct msg *out)
{
	struct rng r = rng_for(w, i);
	struct draft d;
	char id[CB_ID_MAX + 1];

	rng_next(&r);
	snprintf(id, sizeof id, "%s:%llu", tag, (unsigned long long)i);
	draft_valid(w, &r, id, "bench-history", MSG_REPORT, &d);
	const struct kind *k = catalog_kind(w->cat, d.rep.kind);
	int64_t len = period_seconds(k->period), years3 = 3 * 12 * 2629800;
	int64_t back = (int64_t)rng_below(&r, (uint64_t)(years3 / len));
	struct period p = period_of(k->period, now - back * len, 8 * 3600);
	period_format(&p, d.rep.period, sizeof d.rep.period);
	out->cls = MSG_REPORT;
	return draft_encode(root, &d, out);
}
