/*
 * log.h — cunbaod's logging, OpenBSD style.
 *
 * With -d (foreground) messages go to stderr, one line per event with a
 * timestamp and a level ("12:00:01.234 warn: ..."); when stderr is
 * systemd's journal (JOURNAL_STREAM) each line starts with its syslog
 * priority instead of the time ("<4>warn: ...": journalctl -p filters on
 * it).  Otherwise to syslog (ident cunbaod, facility daemon).  log_warn
 * appends strerror(errno); the x variants do not.
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
/*
 * Copies text into buf with the middle of every run of 7 or more digits
 * starred out ("13812345678" -> "138****5678"): for error texts that echo a
 * file's values (roster CSVs) on their way to the log.  Returns buf.
 */
const char *log_mask_numbers(const char *text, char *buf, size_t buflen);

#endif
