/*
 * api_kinds.c — GET /v1/kinds: the catalog in force as the admin tools show
 * it: each kind with its Chinese and English names, keywords and period
 * type, and its fields in catalog order with their names, aliases, type,
 * scale, units and aggregation.  Read-only; what cunbaoctl needs to print
 * 牛 61 头 where the rollup says "cattle":61.
 */
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "jsonw.h"

#define KIND_JSON_MAX 32768	/* bytes of one kind as JSON: 16 fields of 16 words of 48 bytes fit */

/* Writes member key: an array of the words of ws. */
static void
words_json(struct jsonw *w, const char *key, const struct words *ws)
{
	jsonw_key(w, key);
	jsonw_arr(w);
	for (size_t i = 0; i < ws->n; i++)
		jsonw_str(w, ws->w[i]);
	jsonw_end(w);
}

/* Writes member key: {"zh":zh,"en":en}. */
static void
names_json(struct jsonw *w, const char *key, const char *zh, const char *en)
{
	jsonw_key(w, key);
	jsonw_obj(w);
	jsonw_key(w, "zh"); jsonw_str(w, zh);
	jsonw_key(w, "en"); jsonw_str(w, en);
	jsonw_end(w);
}

/* Writes one field of a kind as a JSON object. */
static void
field_json(struct jsonw *w, const struct field *f)
{
	jsonw_obj(w);
	jsonw_key(w, "code"); jsonw_str(w, f->code);
	names_json(w, "names", f->name_zh, f->name_en);
	words_json(w, "aliases", &f->aliases);
	jsonw_key(w, "type"); jsonw_str(w, field_type_name(f->type));
	jsonw_key(w, "scale"); jsonw_int(w, f->scale);
	names_json(w, "unit", f->unit_zh, f->unit_en);
	jsonw_key(w, "agg"); jsonw_str(w, agg_name(f->agg));
	if (f->type == FIELD_YESNO) {
		words_json(w, "yes", &f->yes);
		words_json(w, "no", &f->no);
	}
	jsonw_end(w);
}

/* Encodes kind k as one list item into buf; returns the length (0 if it did not fit). */
static size_t
kind_json(const struct kind *k, char *buf, size_t buflen)
{
	struct jsonw w;

	jsonw_init(&w, buf, buflen);
	jsonw_obj(&w);
	jsonw_key(&w, "code"); jsonw_str(&w, k->code);
	names_json(&w, "names", k->name_zh, k->name_en);
	words_json(&w, "keywords", &k->keywords);
	jsonw_key(&w, "period"); jsonw_str(&w, period_type_name(k->period));
	jsonw_key(&w, "fields");
	jsonw_arr(&w);
	for (size_t i = 0; i < k->nfields; i++)
		field_json(&w, &k->fields[i]);
	jsonw_end(&w);
	jsonw_end(&w);
	return jsonw_finish(&w);
}

/*
 * GET /v1/kinds: every kind of the catalog in catalog order, in one page
 * (a catalog is small), as {"items":[...],"next":null}.
 */
void
api_get_kinds(struct api_req *r)
{
	const struct catalog *c = api_catalog(r->api);
	char buf[KIND_JSON_MAX];
	struct api_list l;
	struct evbuffer *out = evbuffer_new();

	if (out == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	api_list_begin(&l, out);
	for (size_t i = 0; c != NULL && i < c->nkinds; i++) {
		size_t n = kind_json(&c->kinds[i], buf, sizeof buf);
		if (n == 0) {
			evbuffer_free(out);
			api_internal(r, "a kind is too large to encode");
			return;
		}
		api_list_item(&l, buf, n);
	}
	api_list_end(&l, NULL);
	api_reply_json(r, 200, out);
	evbuffer_free(out);
}
