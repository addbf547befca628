/*
 * notify.h — systemd's service protocol for cunbaod and cunbao-bridge,
 * written out (no libsystemd): sd_notify(3)'s datagrams to $NOTIFY_SOCKET,
 * the watchdog's keep-alives, and the check that stderr is the journal.
 *
 * Outside systemd (no NOTIFY_SOCKET, no WATCHDOG_USEC) everything here does
 * nothing.  Under a unit with Type=notify the program:
 *   - sends READY=1 once its database is open and the broker connected, or
 *     NOTIFY_READY_GRACE_MS after the first attempt when it is not (a broker
 *     that is down must not keep the unit "activating": the status says so);
 *   - sends STATUS=<the owner's sentence> with READY and every
 *     NOTIFY_STATUS_MS when it changed (systemctl status shows it);
 *   - sends WATCHDOG=1 from the event loop every WATCHDOG_USEC/2, so a
 *     wedged loop stops the keep-alives and systemd restarts the service;
 *   - sends RELOADING=1 ... READY=1 around a SIGHUP, STOPPING=1 on SIGTERM.
 * The library is linked by both programs (cunbao_notify); it logs nothing.
 */
#ifndef CUNBAO_NOTIFY_H
#define CUNBAO_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

#define NOTIFY_READY_GRACE_MS	5000	/* READY without a broker after this long */
#define NOTIFY_STATUS_MS	5000	/* STATUS= refreshed this often (when it changed) */
#define NOTIFY_STATUS_MAX	256

/*
 * Sends one message ("KEY=VALUE" lines) to $NOTIFY_SOCKET: a path, or an
 * abstract socket name with a leading '@'.  Returns 1 when sent, 0 when
 * not run by systemd (no NOTIFY_SOCKET), -errno on failure.
 */
int notify_send(const char *state);

/*
 * The watchdog interval in microseconds when systemd asks for keep-alives
 * (WATCHDOG_USEC set, and WATCHDOG_PID absent or ours), else 0.
 */
uint64_t notify_watchdog_usec(void);

/*
 * True when fd is systemd's journal stream: JOURNAL_STREAM ("DEV:INO")
 * names the device and inode fd is open on.  Then each line may start with
 * its syslog priority, "<3>" ... "<7>" (sd-daemon(3)).
 */
bool notify_journal_fd(int fd);

/* What the notifier asks its owner (arg) for, on the owner's loop. */
struct notify_ops {
	bool (*connected)(void *arg);	/* true once the broker session is up */
	/* The STATUS= sentence now, into buf; called every NOTIFY_STATUS_MS and for READY. */
	void (*status)(void *arg, char *buf, size_t buflen);
	void *arg;
};

struct notify;

/*
 * Starts the protocol on base (call it once the database is open and the
 * broker's first connection attempt made): READY when ops->connected says
 * so or after the grace, STATUS refreshes, and the watchdog's timer when
 * WATCHDOG_USEC asks for one.  NULL only when out of memory; a notifier
 * outside systemd keeps no timer.  The caller owns it (notify_free).
 */
struct notify *notify_new(struct event_base *base, const struct notify_ops *ops);
/* RELOADING=1 before a SIGHUP's work, READY=1 with a fresh STATUS after it. */
void notify_reloading(struct notify *n);
void notify_reloaded(struct notify *n);
/* STOPPING=1 (once); the watchdog goes on pinging until the loop ends. */
void notify_stopping(struct notify *n);
/* Frees the notifier and its timers; notify_free(NULL) does nothing. */
void notify_free(struct notify *n);

/*
 * A count over the last minute (receipts sent, replies delivered), from
 * samples of a running total kept at most one per NOTIFY_STATUS_MS.
 */
#define NOTIFY_RATE_SLOTS	(60000 / NOTIFY_STATUS_MS)
struct notify_rate {
	uint64_t total[NOTIFY_RATE_SLOTS];	/* the running total at each kept sample, a ring */
	int64_t at[NOTIFY_RATE_SLOTS];		/* when, monotonic ms */
	size_t next, n;
};
/*
 * Notes the running total at now_ms (monotonic; notify_now_ms()) and
 * returns how much it grew since the oldest sample of the last minute.
 */
uint64_t notify_rate_add(struct notify_rate *r, uint64_t total, int64_t now_ms);
/* The monotonic clock in milliseconds. */
int64_t notify_now_ms(void);

#endif
