/*
 * api_children.c — a federating cunbaod's admin API (docs/federation.md):
 * GET /v1/children, and the answers of GET /v1/rollups and GET
 * /v1/completeness for the areas above its children, computed from the
 * kept child rollups exactly as they are published (federate.c).
 *
 * The daemon's state is read in memory and through its own store
 * connection between batches (the API runs on the daemon's loop), so an
 * answer is what the broker was last given.
 */
#include <stdint.h>
#include <stdlib.h>

#include "api_int.h"
#include "daemon.h"
#include "federate.h"
#include "jsonw.h"

#define CHILDREN_BUF (FED_CHILDREN_MAX * 640 + 64)
#define FED_ITEMS_BUF (1 << 20)	/* 1 MiB: about 250 items of 4 KiB */

/* The federation of the daemon the API serves; NULL when it does not federate. */
static struct federate *
api_fed(const struct api_req *r)
{
	const struct daemon *d = r->api->hooks.arg;	/* api_daemon.c: the hooks' arg */

	return d != NULL ? d->fed : NULL;
}

/* Sends the n bytes of buf as a 200 JSON answer; a 500 when n is 0 (did not fit). */
static void
reply_buf(struct api_req *r, const char *buf, size_t n)
{
	struct evbuffer *out = evbuffer_new();

	if (out == NULL || n == 0) {
		api_internal(r, n == 0 ? "the answer does not fit" : "out of memory");
		if (out != NULL)
			evbuffer_free(out);
		return;
	}
	evbuffer_add(out, buf, n);
	evbuffer_add(out, "\n", 1);
	api_reply_json(r, 200, out);
	evbuffer_free(out);
}

/*
 * GET /v1/children: {"federating":bool,"children":[…]}, one item per child
 * of upstream-of (federate_children_json).
 */
void
api_get_children(struct api_req *r)
{
	char *buf = malloc(CHILDREN_BUF);
	struct jsonw w;

	if (buf == NULL) {
		api_internal(r, "out of memory");
		return;
	}
	jsonw_init(&w, buf, CHILDREN_BUF);
	jsonw_obj(&w);
	jsonw_key(&w, "federating");
	jsonw_bool(&w, api_fed(r) != NULL);
	jsonw_key(&w, "children");
	federate_children_json(api_fed(r), &w, api_now());
	jsonw_end(&w);
	reply_buf(r, buf, jsonw_finish(&w));
	free(buf);
}

/*
 * For GET /v1/rollups and /v1/completeness on a federating cunbaod: true
 * when it answered (the caller does nothing more).  The filters are the
 * common ones; one page of at most limit items, "next" null.
 */
bool
api_fed_answer(struct api_req *r, bool completeness)
{
	struct federate *f = api_fed(r);
	struct api_filter flt;
	struct jsonw w;
	char *buf;
	size_t n;

	if (f == NULL)
		return false;
	if (!api_filter_parse(r, &flt))
		return true;
	if ((buf = malloc(FED_ITEMS_BUF)) == NULL) {
		api_internal(r, "out of memory");
		return true;
	}
	jsonw_init(&w, buf, FED_ITEMS_BUF);
	jsonw_obj(&w);
	jsonw_key(&w, "items");
	jsonw_arr(&w);
	n = federate_api_items(f, &w, completeness, flt.area, flt.kind ? flt.kind->code : "", flt.period,
	    flt.limit > 0 ? flt.limit : 100);
	jsonw_end(&w);
	jsonw_key(&w, "next");
	jsonw_raw(&w, "null");
	jsonw_end(&w);
	if (n == SIZE_MAX)
		api_internal(r, "the federation's inputs cannot be read");
	else
		reply_buf(r, buf, jsonw_finish(&w));
	free(buf);
	return true;
}
