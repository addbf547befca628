/*
 * check.c — `cunbao-bench --check N`: runs the first N messages of the
 * stream through the pure core (envelope and SMS grammar, report decode and
 * validation) and says whether each class reads as it should: valid
 * messages parse, bad input fails.  Bad input that only the roster can
 * catch (an unknown sender or area) parses here and is counted apart.
 * Deterministic and quick: it proves the stream means what the bench
 * claims before any rate is measured.  --dump prints the messages too.
 * Its last line is a figure, not a check: the time the SMS grammar
 * (sms_parse alone, not the envelope around it) took per message.
 */
#include "bench.h"
#include "catalog.h"
#include "payload.h"
#include "report.h"
#include "sms.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define CHECK_ROOT "cunbao/v1"
#define SHANGHAI   (8 * 3600)

struct check_counts {
	uint64_t total[MSG_CLASS_COUNT];
	uint64_t wrong[MSG_CLASS_COUNT];	/* valid that fails, bad that parses */
	uint64_t roster_only;			/* bad input left for the roster to refuse */
	uint64_t sms_calls;			/* sms_parse calls timed */
	uint64_t sms_ns;			/* their total time, monotonic clock */
};

/* Nanoseconds on the monotonic clock. */
static uint64_t
check_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Runs sms_parse on text and adds its time to k: the clock reads around
 * the grammar call only, so the figure is the SMS share of the core.
 */
static enum cb_error
check_sms(const struct catalog *c, const char *text, size_t len, const struct sms_context *ctx,
    struct parsed *p, struct check_counts *k)
{
	uint64_t t0 = check_clock_ns();
	enum cb_error e = sms_parse(c, text, len, ctx, p);

	k->sms_ns += check_clock_ns() - t0;
	k->sms_calls++;
	return e;
}

/*
 * Runs one message through the core, timing its SMS grammar into k;
 * returns its error (CB_OK if it reads).
 */
static enum cb_error
check_one(const struct catalog *c, const struct msg *m, int64_t now, char *err, size_t errlen,
    struct check_counts *k)
{
	struct parsed p;
	struct sms_context ctx = { .now = now, .utc_offset = SHANGHAI };
	enum cb_error e;

	if (strncmp(m->topic, CHECK_ROOT "/inbox/", strlen(CHECK_ROOT "/inbox/")) == 0) {
		static struct envelope env;
		if ((e = envelope_decode(m->payload, m->len, &env, err, errlen)) != CB_OK)
			return e;
		e = check_sms(c, env.text, env.textlen, &ctx, &p, k);
		snprintf(err, errlen, "%s", p.token);
		return e;
	}
	static struct report rep;
	if ((e = report_decode(m->payload, m->len, &rep, err, errlen)) != CB_OK)
		return e;
	e = report_validate(c, &rep, now, SHANGHAI, &p);
	snprintf(err, errlen, "%s", p.token);
	return e;
}

/* The figure of the SMS share: time per message and messages per second. */
static void
check_print_sms(const struct check_counts *k)
{
	double s = (double)k->sms_ns / 1e9;

	if (k->sms_calls == 0 || k->sms_ns == 0) {
		printf("sms grammar: no message timed\n");
		return;
	}
	printf("sms grammar: %llu messages in %.3f s, %.2f us/message, %.0f messages/s\n",
	    (unsigned long long)k->sms_calls, s, s * 1e6 / (double)k->sms_calls,
	    (double)k->sms_calls / s);
}

/*
 * Checks (and with dump prints) messages 0..n-1 as sender 0 of 1 would
 * send them.  Prints the counts and up to 10 wrong messages; returns 0 if
 * none was wrong, 1 otherwise.
 */
int
check_main(const struct workload *w, uint64_t n, bool dump)
{
	static const char *const names[] = { "sms", "report", "bad", "repeat" };
	struct check_counts k = { 0 };
	int64_t now = (int64_t)time(NULL);
	unsigned shown = 0;
	static struct msg m;
	char err[256];

	for (uint64_t i = 0; i < n; i++) {
		if (!workload_message(w, CHECK_ROOT, "chk", "bench-chk-0", i, 1, 32, &m)) {
			printf("message %llu does not encode\n", (unsigned long long)i);
			return 1;
		}
		if (dump)
			printf("%s %s %.*s\n", names[m.cls], m.topic, (int)m.len, m.payload);
		k.total[m.cls]++;
		if (m.cls == MSG_DUP)
			continue;
		err[0] = '\0';
		enum cb_error e = check_one(workload_catalog(w), &m, now, err, sizeof err, &k);
		bool wrong = m.cls == MSG_BAD ? e == CB_OK : e != CB_OK;
		if (m.cls == MSG_BAD && e == CB_OK &&
		    (strstr(m.payload, "+86137") != NULL || strstr(m.payload, "nowhere/") != NULL)) {
			k.roster_only++;
			wrong = false;
		}
		k.wrong[m.cls] += wrong;
		if (wrong && shown++ < 10)
			printf("WRONG %s: %s (%s) %s %.*s\n", names[m.cls], cb_error_name(e), err,
			    m.topic, (int)m.len, m.payload);
	}
	uint64_t bad = 0;
	for (int c = 0; c < MSG_CLASS_COUNT; c++) {
		printf("%-7s %8llu messages, %llu wrong\n", names[c], (unsigned long long)k.total[c],
		    (unsigned long long)k.wrong[c]);
		bad += k.wrong[c];
	}
	printf("bad input left to the roster (unknown sender or area): %llu\n",
	    (unsigned long long)k.roster_only);
	check_print_sms(&k);
	return bad ? 1 : 0;
}
