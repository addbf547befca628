/*
 * log.h — cunbaod's logging, OpenBSD style.
 *
 * With -d (foreground) messages go to stderr, otherwise to syslog (facility
 * daemon).  log_warn appends strerror(errno); the x variants do not.
 * fatal/fatalx log and exit 1: only at start-up or when the disk fails, never for a bad message.
 * log_debug prints only when verbose.  Never log a full phone number at info
 * level: pass it through log_mask first.
 */
#ifndef CUNBAOD_LOG_H
#define CUNBAOD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void log_init(const char *progname, bool foreground, bool verbose);
void log_setverbose(bool verbose);
bool log_verbose(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Masks the middle of a reporter id for logs: "+8613800000003" ->
 * "+86138****0003", "tg:700000003" -> "tg:7****003".  Ids of two
 * characters or less become "**".  Returns buf.
 */
const char *log_mask(const char *id, char *buf, size_t buflen);

#endif
