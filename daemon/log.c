/*
 * log.c — stderr in the foreground, syslog as a daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static bool log_fg = true;
static bool log_dbg;

/* Chooses where messages go; opens syslog when not in the foreground. */
void
log_init(const char *progname, bool foreground, bool verbose)
{
	log_fg = foreground;
	log_dbg = verbose;
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

/* Writes one message at a syslog priority, with errno's text appended when errnum != 0. */
static void
log_vwrite(int pri, int errnum, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (errnum != 0) {
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof msg - n, ": %s", strerror(errnum));
	}
	if (!log_fg) {
		syslog(pri, "%s", msg);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s\n", stamp, ts.tv_nsec / 1000000, msg);
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
