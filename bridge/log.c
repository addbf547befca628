/*
 * log.c — the bridge's log, on stderr (systemd's journal keeps it).
 *
 * In the manner of OpenBSD's daemons: log_warn adds strerror(errno),
 * log_warnx does not, fatalx is for start-up only.  Each line carries a
 * UTC timestamp with milliseconds and a level, so a test's log can be read
 * next to Kannel's and mosquitto's.  When stderr is systemd's journal
 * (JOURNAL_STREAM) the timestamp gives way to the line's syslog priority,
 * "<4>warn: ...", which journalctl shows and filters on (-p); a message of
 * several lines becomes several lines, each with its level.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"
#include "daemon/notify.h"

static bool log_verbose;	/* -v: debug lines */
static bool log_unmasked;	/* --log-unmasked: whole sender ids */
static bool log_journal;	/* stderr is the journal: "<pri>" instead of a timestamp */

void
log_init(bool verbose, bool unmasked)
{
	log_verbose = verbose;
	log_unmasked = unmasked;
	log_journal = notify_journal_fd(STDERR_FILENO);
	setvbuf(stderr, NULL, _IOLBF, 0);
}

/* The syslog priority of a level word. */
static int
log_priority(const char *level)
{
	return strcmp(level, "debug") == 0 ? LOG_DEBUG : strcmp(level, "info") == 0 ? LOG_INFO :
	    strcmp(level, "warn") == 0 ? LOG_WARNING : LOG_CRIT;
}

/* Writes one message (tail: strerror's text, or NULL) as lines that each carry the level. */
static void
log_vline(const char *level, const char *fmt, va_list ap, const char *tail)
{
	struct timespec ts;
	struct tm tm;
	char head[48], msg[4096];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (tail != NULL)
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg), ": %s", tail);
	if (log_journal)
		snprintf(head, sizeof head, "<%d>%s: ", log_priority(level), level);
	else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(head, sizeof head, "%H:%M:%S", &tm);
		snprintf(head + strlen(head), sizeof head - strlen(head), ".%03ld %s: ", ts.tv_nsec / 1000000,
		    level);
	}
	flockfile(stderr);
	for (const char *p = msg, *nl; *p != '\0'; p = nl + (*nl != '\0')) {
		nl = p + strcspn(p, "\n");
		if (nl > p)
			fprintf(stderr, "%s%.*s\n", head, (int)(nl - p), p);
	}
	funlockfile(stderr);
}

void
log_warn(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vline("warn", fmt, ap, why);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("warn", fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("info", fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vline("debug", fmt, ap, NULL);
	va_end(ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("fatal", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

int64_t
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Hides the middle of a sender id so logs at info level do not carry whole
 * phone numbers or chat ids: "+8613800000003" -> "+86138****0003"; a chat
 * id keeps its "<platform>:" and the first and last two characters of the
 * platform's id ("tg:700000003" -> "tg:70****03", "wecom:zhangsan" ->
 * "wecom:zh****an"), and an id of four characters or fewer is hidden whole
 * ("wecom:lisi" -> "wecom:****"), at every level.  Only --log-unmasked
 * shows the whole id.
 */
const char *
log_who(const char *id, char *buf, size_t buflen)
{
	size_t n = strlen(id), head, tail;
	const char *colon = strchr(id, ':');

	if (log_unmasked) {
		snprintf(buf, buflen, "%s", id);
		return buf;
	}
	if (colon != NULL && id[0] != '+') {
		size_t pre = (size_t)(colon - id) + 1, m = n - pre;

		if (m <= 4)
			snprintf(buf, buflen, "%.*s****", (int)pre, id);
		else
			snprintf(buf, buflen, "%.*s****%s", (int)pre + 2, id, id + n - 2);
		return buf;
	}
	if (n < 8) {
		snprintf(buf, buflen, "%s", id);
		return buf;
	}
	head = 6;
	tail = 4;
	if (head + tail >= n)
		head = n - tail - 1;
	snprintf(buf, buflen, "%.*s****%s", (int)head, id, id + n - tail);
	return buf;
}
