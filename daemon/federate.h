/*
 * federate.h — a federating cunbaod (config key upstream-of): its inputs are
 * the retained rollups and completeness of its child cunbaods' top areas
 * (the counties'), bridged up to its broker by mosquitto, and it publishes
 * the rollups and completeness of its own areas above them (a city, a
 * province) with the same topics, payloads and exact arithmetic.
 *
 * upstream-of lists areas of our own roster, one per child cunbaod
 * ("lanzhou/county-a, lanzhou/county-b"); a child publishes under its own
 * top area, the last slug ("county-a"): <root>/rollup/county-a/<kind>/<period>.
 *
 * Every input is checked against our catalog (rollup_decode: same kind,
 * fields, scales, aggregations), journaled and kept, latest per (child,
 * kind, period), in the transaction of the batch that read it, so its
 * PUBACK leaves after the commit (batch.c) and a kill -9 loses nothing.  An
 * input no newer than the one kept (a repeat, a bridge's double delivery,
 * the retained copy the broker sends again on every subscribe) changes
 * nothing.  The rollups of the areas above the children are computed from
 * the kept inputs when published, so they are exact whatever order the
 * inputs came in; at start every one is published again (retained:
 * idempotent).
 */
#ifndef CUNBAOD_FEDERATE_H
#define CUNBAOD_FEDERATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct daemon;
struct mqtt_msg;
struct jsonw;
struct federate;

/*
 * Checks an upstream-of list's syntax (comma- or space-separated area
 * paths, at most FED_CHILDREN_MAX, last slugs distinct); false with the
 * reason in why.
 */
bool federate_check(const char *list, char *why, size_t whylen);

/*
 * The federation of d (NULL when upstream-of is empty); fatal at start when
 * a child is not an area of the roster.  Marks every kept input's parents
 * for publication.
 */
struct federate *federate_new(struct daemon *d);
void federate_free(struct federate *f);

/* True for a rollup or completeness topic: federate_input takes it, whoever published it. */
bool federate_wants(const struct federate *f, const char *topic);

/*
 * Takes one message federate_wants accepted, in the batch's open
 * transaction: a child's input is checked and, when newer, journaled and
 * kept; anything else (our own publications, a stranger's top area,
 * …/current) is ignored.  Returns false only on a store error (the batch
 * fails and is retried).
 */
bool federate_input(struct federate *f, const struct mqtt_msg *m, int64_t now);

/* Publishes everything pending now (connect, shutdown). */
void federate_flush(struct federate *f);

/*
 * Writes the children as a JSON array for GET /v1/children: per child its
 * area, last input time, the child's updated_at, lag, status (ok, stale,
 * catalog_mismatch), the catalog difference, counts.
 */
void federate_children_json(const struct federate *f, struct jsonw *w, int64_t now);

/*
 * Writes, as items of the JSON array w has open, the rollups (or, with
 * completeness, the completeness) of the federated areas in the subtree of
 * area ("" or NULL: all) for kind and period (NULL or "": all), as they are
 * published, at most max.  Returns how many; SIZE_MAX on a store error.
 */
size_t federate_api_items(struct federate *f, struct jsonw *w, bool completeness, const char *area,
    const char *kind, const char *period, size_t max);

#define FED_CHILDREN_MAX 4096

#endif
