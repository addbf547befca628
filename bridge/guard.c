/*
 * guard.c — what keeps the bridge from being flooded or from talking to
 * itself, and how fast it retries.
 *
 *   rate limit: a token bucket per sender; a message over it is refused
 *     (429) before it is spooled, so the gateway keeps it and retries later;
 *   loop guard: a message from one of our own numbers, our own reply
 *     bounced back, or the same text more than loop_repeat times in
 *     loop_window is still forwarded (cunbaod journals it: nothing is lost)
 *     but never answered, which breaks the loop.
 *
 * State lives in a fixed table of senders (the least recently seen is
 * evicted when a probe window is full), so memory stays bounded whatever
 * the traffic.  Time is a parameter: the tests drive the clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

#define GUARD_SLOTS	4096
#define GUARD_PROBE	16
#define GUARD_TEXTS	4

struct guard_text {
	uint64_t hash;
	int64_t first;		/* when this text was first seen in the window */
	int64_t count;
};

struct guard_slot {
	char who[CB_ID_MAX + 1];	/* "" = free */
	int64_t seen;
	int64_t bucket;			/* tokens in ms-units: one message costs rate_window */
	int64_t filled;			/* when bucket was last topped up */
	struct guard_text texts[GUARD_TEXTS];
	uint64_t reply;			/* hash of the last reply sent to who */
	int64_t reply_at;
};

struct guard {
	struct guard_conf c;
	struct guard_slot *slots;
};

static uint64_t
guard_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct guard *
guard_new(const struct guard_conf *gc)
{
	struct guard *g = calloc(1, sizeof *g);

	if (g == NULL)
		return NULL;
	g->c = *gc;
	g->slots = calloc(GUARD_SLOTS, sizeof *g->slots);
	if (g->slots == NULL) {
		free(g);
		return NULL;
	}
	return g;
}

void
guard_free(struct guard *g)
{
	if (g == NULL)
		return;
	free(g->slots);
	free(g);
}

/* The slot of who, taken over from the least recently seen sender if need be. */
static struct guard_slot *
guard_slot(struct guard *g, const char *who, int64_t now)
{
	size_t h = (size_t)(guard_hash(who, strlen(who)) % GUARD_SLOTS), i;
	struct guard_slot *victim = NULL;

	for (i = 0; i < GUARD_PROBE; i++) {
		struct guard_slot *s = &g->slots[(h + i) % GUARD_SLOTS];

		if (strcmp(s->who, who) == 0 && s->who[0] != '\0') {
			s->seen = now;
			return s;
		}
		if (victim == NULL || (victim->who[0] != '\0' &&
		    (s->who[0] == '\0' || s->seen < victim->seen)))
			victim = s;
	}
	memset(victim, 0, sizeof *victim);
	snprintf(victim->who, sizeof victim->who, "%s", who);
	victim->seen = now;
	victim->filled = now;
	victim->bucket = g->c.rate_limit * g->c.rate_window;
	return victim;
}

/* Takes one message's worth of tokens; false when the bucket is empty. */
static bool
guard_take(const struct guard *g, struct guard_slot *s, int64_t now)
{
	int64_t cap = g->c.rate_limit * g->c.rate_window;

	if (g->c.rate_limit <= 0 || g->c.rate_window <= 0)
		return true;
	if (now > s->filled) {
		int64_t add = (now - s->filled) * g->c.rate_limit;

		s->bucket = (add > cap - s->bucket) ? cap : s->bucket + add;
		s->filled = now;
	}
	if (s->bucket < g->c.rate_window)
		return false;
	s->bucket -= g->c.rate_window;
	return true;
}

/* Counts text h; true when it has now been seen more than loop_repeat times in the window. */
static bool
guard_repeat(const struct guard *g, struct guard_slot *s, uint64_t h, int64_t now)
{
	struct guard_text *oldest = &s->texts[0];
	size_t i;

	for (i = 0; i < GUARD_TEXTS; i++) {
		struct guard_text *t = &s->texts[i];

		if (t->count > 0 && t->hash == h && now - t->first < g->c.loop_window)
			return ++t->count > g->c.loop_repeat && g->c.loop_repeat > 0;
		if (t->count == 0 || t->first < oldest->first)
			oldest = t;
	}
	oldest->hash = h;
	oldest->first = now;
	oldest->count = 1;
	return false;
}

enum guard_verdict
guard_inbound(struct guard *g, const char *from, const char *text, size_t len, int64_t now)
{
	struct guard_slot *s;
	uint64_t h = guard_hash(text, len);

	if (guard_own(g, from))
		return GUARD_OWN;
	s = guard_slot(g, from, now);
	if (!guard_take(g, s, now))
		return GUARD_RATE;
	if (s->reply_at != 0 && s->reply == h && now - s->reply_at < g->c.loop_window)
		return GUARD_ECHO;
	if (guard_repeat(g, s, h, now))
		return GUARD_REPEAT;
	return GUARD_PASS;
}

void
guard_replied(struct guard *g, const char *to, const char *text, size_t len, int64_t now)
{
	struct guard_slot *s = guard_slot(g, to, now);

	s->reply = guard_hash(text, len);
	s->reply_at = now;
}

bool
guard_own(const struct guard *g, const char *to)
{
	const char *cc = g->c.country ? g->c.country : "86";

	return g->c.own_numbers != NULL && phone_in_list(to, g->c.own_numbers, cc);
}

const char *
guard_name(enum guard_verdict v)
{
	static const char *const names[] = {
		[GUARD_PASS] = "pass",
		[GUARD_RATE] = "rate limit",
		[GUARD_OWN] = "own number",
		[GUARD_ECHO] = "our reply bounced back",
		[GUARD_REPEAT] = "same text repeated",
	};

	return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "unknown";
}

int64_t
backoff_ms(int attempts, int64_t min, int64_t max)
{
	int64_t d = min;
	int i;

	for (i = 1; i < attempts && d < max; i++)
		d = d > max / 2 ? max : d * 2;
	return d < max ? d : max;
}
