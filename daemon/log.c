/*
 * log.c — one line per event, with its level: on stderr in the foreground
 * ("12:00:01.234 warn: ..."), with its syslog priority in front ("<4>warn:
 * ...") when stderr is systemd's journal, or to syslog as a daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static bool log_fg = true;
static bool log_journal;	/* stderr is the journal: "<pri>" instead of a timestamp */
static bool log_dbg;

/*
 * Chooses where messages go: syslog (ident progname, facility daemon) when
 * not in the foreground, else stderr, marked with priorities when
 * JOURNAL_STREAM says it is the journal (the journal takes
 * SYSLOG_IDENTIFIER from the unit's program name).
 */
void
log_init(const char *progname, bool foreground, bool verbose)
{
	log_fg = foreground;
	log_dbg = verbose;
	log_journal = foreground && notify_journal_fd(STDERR_FILENO);
	if (!foreground)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setverbose(bool verbose)
{
	log_dbg = verbose;
}

bool
log_verbose(void)
{
	return log_dbg;
}

/* The word each line carries for a syslog priority. */
static const char *
log_level(int pri)
{
	switch (pri) {
	case LOG_DEBUG:
		return "debug";
	case LOG_INFO:
	case LOG_NOTICE:
		return "info";
	case LOG_WARNING:
		return "warn";
	case LOG_ERR:
		return "error";
	default:
		return "fatal";
	}
}

/*
 * Writes one message at a syslog priority, with errno's text appended when
 * errnum != 0.  A message of several lines becomes several lines, each
 * with its level (and its priority for the journal).
 */
static void
log_vwrite(int pri, int errnum, const char *fmt, va_list ap)
{
	char msg[1024], stamp[32];
	struct timespec ts;
	struct tm tm;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (errnum != 0) {
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof msg - n, ": %s", strerror(errnum));
	}
	if (!log_fg) {
		syslog(pri, "%s", msg);
		return;
	}
	if (log_journal)
		snprintf(stamp, sizeof stamp, "<%d>", pri);
	else {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
		snprintf(stamp + strlen(stamp), sizeof stamp - strlen(stamp), ".%03ld ", ts.tv_nsec / 1000000);
	}
	flockfile(stderr);
	for (const char *p = msg, *nl; *p != '\0'; p = nl + (*nl != '\0')) {
		nl = p + strcspn(p, "\n");
		if (nl > p)
			fprintf(stderr, "%s%s: %.*s\n", stamp, log_level(pri), (int)(nl - p), p);
	}
	funlockfile(stderr);
	fflush(stderr);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, errnum, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_dbg)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, errnum, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * Keeps a recognisable head and tail of an id and stars out the middle:
 * an E.164 number keeps its first six and last four characters, other ids
 * their first third and last quarter (at least one character each).
 */
const char *
log_mask(const char *id, char *buf, size_t buflen)
{
	size_t n = id ? strlen(id) : 0, head, tail;

	if (buflen == 0)
		return buf;
	if (n <= 2) {
		snprintf(buf, buflen, "%s", n ? "**" : "-");
		return buf;
	}
	if (id[0] == '+' && n >= 12) {
		head = 6;
		tail = 4;
	} else {
		head = n / 3 ? n / 3 : 1;
		tail = n / 4 ? n / 4 : 1;
	}
	snprintf(buf, buflen, "%.*s****%s", (int)head, id, id + n - tail);
	return buf;
}

/*
 * Copies text into buf with the middle of every run of seven digits or
 * more starred out: "id \"+86 13812345678\" is ..." -> "id \"+86
 * 138****5678\" is ...".  For texts that may echo a phone number from a
 * file (a roster CSV's errors) on their way to the log.  Returns buf.
 */
const char *
log_mask_numbers(const char *text, char *buf, size_t buflen)
{
	size_t o = 0;

	if (buflen == 0)
		return buf;
	for (const char *p = text; *p != '\0' && o + 1 < buflen;) {
		size_t n = strspn(p, "0123456789"), head, tail;

		if (n < 7) {
			n = n ? n : 1;
			for (size_t i = 0; i < n && o + 1 < buflen; i++)
				buf[o++] = *p++;
			continue;
		}
		head = n >= 11 ? n - 8 : n / 3;
		tail = n >= 11 ? 4 : n / 4;
		o += (size_t)snprintf(buf + o, buflen - o, "%.*s****%.*s", (int)head, p, (int)tail, p + n - tail);
		if (o >= buflen)
			o = buflen - 1;
		p += n;
	}
	buf[o] = '\0';
	return buf;
}
