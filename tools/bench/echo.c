/*
 * echo.c — the ceiling consumer: the least any consumer must do.
 *
 * It subscribes to the inbox and report topics at QoS 1, as cunbaod does,
 * and answers every message with a receipt of the size cunbaod sends, at
 * QoS 1, on the sender's receipt topic.  It stores nothing and validates
 * nothing: it only finds "id", "source" and "from" in the payload.  Its
 * rate is what the broker itself carries round trip on this machine, and
 * cunbaod is measured against it.  It runs as its own process
 * (`cunbao-bench --echo`), like cunbaod, so both share the machine alike.
 */
#define _GNU_SOURCE	/* memmem */
#include "bench.h"
#include "payload.h"

#include <mosquitto.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct echo {
	struct mq *mq;
	const char *root;
	uint64_t answered, dropped;
};

static volatile sig_atomic_t echo_stop;

static void
on_term(int sig)
{
	echo_stop = 1;
}

/*
 * Copies the string value of top-level-looking member `key` out of a JSON
 * text (no escapes: ids, sources and phone numbers have none) into buf.
 * A `"key":` cannot occur inside a string value, where its quotes would be
 * escaped.  Returns false if absent, not a plain string, or too long.
 */
static bool
json_member(const char *json, size_t len, const char *key, char *buf, size_t buflen)
{
	char pat[40];
	size_t plen = (size_t)snprintf(pat, sizeof pat, "\"%s\"", key);
	const char *p = memmem(json, len, pat, plen), *end = json + len;

	if (p == NULL)
		return false;
	for (p += plen; p < end && (*p == ' ' || *p == ':'); p++)
		;
	if (p == end || *p++ != '"')
		return false;
	const char *q = memchr(p, '"', (size_t)(end - p));
	if (q == NULL || (size_t)(q - p) >= buflen || memchr(p, '\\', (size_t)(q - p)) != NULL)
		return false;
	memcpy(buf, p, (size_t)(q - p));
	buf[q - p] = '\0';
	return true;
}

/* Answers one message with an "accepted" receipt sized like cunbaod's. */
static void
echo_message(void *arg, const char *topic, const void *payload, size_t len)
{
	struct echo *e = arg;
	struct receipt r = { .status = RECEIPT_ACCEPTED };
	char rtopic[CB_TOPIC_MAX], buf[CB_PAYLOAD_MAX], source[CB_ID_MAX + 1];
	size_t n;

	if (!json_member(payload, len, "id", r.id, sizeof r.id) ||
	    !json_member(payload, len, "source", source, sizeof source)) {
		e->dropped++;
		return;
	}
	snprintf(r.report, sizeof r.report, "r-%llu", (unsigned long long)e->answered + 1);
	if (json_member(payload, len, "from", r.to, sizeof r.to)) {
		/* An envelope: cunbaod's receipt carries the reply to send back. */
		snprintf(r.channel, sizeof r.channel, "sms");
		snprintf(r.text, sizeof r.text, "已收到 3组 12月 牲畜：牛12 猪40 羊5");
	}
	n = receipt_encode(&r, buf, sizeof buf);
	if (n == 0 || topic_receipt(e->root, source, rtopic, sizeof rtopic) == 0 ||
	    !mq_publish(e->mq, rtopic, buf, n, 1)) {
		e->dropped++;
		return;
	}
	e->answered++;
}

/*
 * Runs the echo until SIGTERM or SIGINT.  Prints "echo: ready" on stdout
 * once subscribed (the bench also pings until it answers) and its counts
 * on stderr at the end.  Returns the process exit code.
 */
int
echo_main(const char *host, int port, const char *root)
{
	struct echo e = { .root = root };
	char err[256], id[64], inbox[CB_TOPIC_MAX], report[CB_TOPIC_MAX];

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	snprintf(id, sizeof id, "bench-echo-%d", (int)getpid());
	snprintf(inbox, sizeof inbox, "%s/inbox/+", root);
	snprintf(report, sizeof report, "%s/report/#", root);
	if ((e.mq = mq_new(host, port, id, echo_message, &e, err, sizeof err)) == NULL) {
		fprintf(stderr, "echo: %s\n", err);
		return 1;
	}
	if (!mq_subscribe(e.mq, inbox, 1) || !mq_subscribe(e.mq, report, 1)) {
		fprintf(stderr, "echo: cannot subscribe under %s\n", root);
		mq_free(e.mq);
		return 1;
	}
	printf("echo: ready on %s:%d under %s\n", host, port, root);
	fflush(stdout);
	while (!echo_stop)
		mq_poll(&e.mq, 1, 200);
	fprintf(stderr, "echo: answered %llu, dropped %llu, reconnects %u\n",
	    (unsigned long long)e.answered, (unsigned long long)e.dropped, mq_reconnects(e.mq));
	mq_free(e.mq);
	return 0;
}
