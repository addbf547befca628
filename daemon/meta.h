/*
 * meta.h — the names and units dashboards need, as retained MQTT topics
 * (docs/protocol.md, "Names and units"):
 *
 *   <root>/meta/area/<area>   one per roster area: its name, whether it
 *                             reports, how many reporting areas it holds
 *   <root>/meta/kind/<kind>   one per catalog kind: names, period type,
 *                             deadline, and each field's names, unit, type,
 *                             scale and aggregation
 *
 * Never a phone number, a chat id or a reporter's name.  cunbaod publishes
 * them all on every connect and, after SIGHUP or a roster change, only
 * those whose payload changed; a topic whose area or kind is gone is
 * cleared (an empty retained message).
 */
#ifndef CUNBAOD_META_H
#define CUNBAOD_META_H

#include <stdbool.h>

struct daemon;
struct meta;

/* An empty record of what was published; NULL when out of memory. */
struct meta *meta_new(void);
/* Frees m; NULL does nothing.  Publishes nothing. */
void meta_free(struct meta *m);

/*
 * Publishes d's catalog and roster as meta topics on d's broker connection:
 * every topic when all (a new connection), else only those new or changed
 * since the last call, and clears those gone.  Does nothing while the
 * broker is not connected (the next connect publishes all).
 */
void meta_publish(struct meta *m, struct daemon *d, bool all);

#endif
