/*
 * store_sync.c — durable commits off the event loop (see store.h).
 *
 * In this mode the connection runs with synchronous=NORMAL: COMMIT appends
 * the transaction to the WAL file — it is then in the kernel and survives
 * kill -9 of cunbaod — and returns at once.  The sync thread makes it
 * durable against power loss with one fdatasync(2) of the WAL file, which
 * covers every commit written before it began: under load one sync serves
 * several commits while the event loop goes on reading and storing.  The
 * caller holds each commit's receipts until store_durable() reaches the
 * commit's ticket.
 *
 * Checkpoints stay where store.c's WAL hook does them, right after a
 * commit on the committing thread.  (A checkpoint thread of its own, tried
 * first, was dropped: passes beside a writer that never pauses copy a page
 * once per pass rather than once per WAL generation, and the WAL cannot
 * restart.)  In NORMAL
 * mode SQLite syncs the WAL before a checkpoint and the database after it,
 * so nothing there depends on our fdatasync.
 *
 * Measured on cunbao-bench's 2-core machine (BENCHMARKS.md), the thread
 * costs about a tenth more CPU per report than an fdatasync inside COMMIT
 * and is off by default (sync-thread); it is for disks whose fsync takes
 * long enough that stopping the event loop for it hurts.
 *
 * Threads: the caller's thread owns struct store and its connection; the
 * sync thread touches only struct store_sync (under mu) and the WAL file
 * descriptor.
 */
#define _GNU_SOURCE	/* pthread_setname_np */
#include <sys/eventfd.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"


struct store_sync {
	pthread_mutex_t mu;
	pthread_cond_t work;		/* the sync thread: a commit to sync, or stop */
	pthread_cond_t done;		/* store_sync_wait: durable moved or failed */
	pthread_t syncer;
	bool syncer_up;
	uint64_t committed;		/* the last commit's ticket */
	uint64_t durable;		/* every ticket up to this one is fdatasync'ed */
	bool stop, failed;
	int efd;			/* eventfd: written each time durable moves or sync fails */
	int wal_fd;			/* the sync thread's descriptor of the WAL file */
	uint64_t syncs, sync_ns;	/* fdatasyncs done and their time */
	char wal[4096];
	char err[256];			/* why syncing failed */
};

/* Wakes the event loop: durable moved (or syncing failed). */
static void
sync_notify(struct store_sync *y)
{
	uint64_t one = 1;

	(void)!write(y->efd, &one, sizeof one);
}

/*
 * Makes the WAL file durable: reopens it first when SQLite has replaced it
 * (a different inode at its path).  Returns 0, or an errno.
 */
static int
sync_wal(struct store_sync *y)
{
	struct stat a, b;

	if (y->wal_fd < 0 || stat(y->wal, &a) != 0 || fstat(y->wal_fd, &b) != 0 ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		if (y->wal_fd >= 0)
			close(y->wal_fd);
		if ((y->wal_fd = open(y->wal, O_RDONLY | O_CLOEXEC)) < 0)
			return errno;
	}
	return fdatasync(y->wal_fd) == 0 ? 0 : errno;
}

static uint64_t
mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The sync thread: one fdatasync for whatever has been committed meanwhile. */
static void *
sync_main(void *arg)
{
	struct store_sync *y = arg;

	pthread_setname_np(pthread_self(), "cunbaod-sync");
	pthread_mutex_lock(&y->mu);
	for (;;) {
		while (!y->stop && y->committed == y->durable)
			pthread_cond_wait(&y->work, &y->mu);
		if (y->committed == y->durable)
			break;	/* stopping, and everything is durable */
		uint64_t target = y->committed, t0 = mono_ns();

		pthread_mutex_unlock(&y->mu);
		int e = sync_wal(y);

		pthread_mutex_lock(&y->mu);
		y->syncs++;
		y->sync_ns += mono_ns() - t0;
		if (e != 0) {
			snprintf(y->err, sizeof y->err, "fdatasync %.180s: %s", y->wal, strerror(e));
			y->failed = true;
		} else
			y->durable = target;
		pthread_cond_broadcast(&y->done);
		sync_notify(y);
		if (y->failed)
			break;	/* after a failed fsync nothing written before can be trusted */
	}
	pthread_mutex_unlock(&y->mu);
	return NULL;
}

/* Frees what store_sync_alloc made (the threads are stopped or were never started). */
static void
sync_free(struct store_sync *y)
{
	if (y->efd >= 0)
		close(y->efd);
	if (y->wal_fd >= 0)
		close(y->wal_fd);
	pthread_cond_destroy(&y->work);
	pthread_cond_destroy(&y->done);
	pthread_mutex_destroy(&y->mu);
	free(y);
}

/* Allocates the sync state for database file db; NULL with the reason in err. */
static struct store_sync *
sync_alloc(const char *db, char *err, size_t errlen)
{
	struct store_sync *y = calloc(1, sizeof *y);

	if (y == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	y->efd = y->wal_fd = -1;
	pthread_mutex_init(&y->mu, NULL);
	pthread_cond_init(&y->work, NULL);
	pthread_cond_init(&y->done, NULL);
	if ((size_t)snprintf(y->wal, sizeof y->wal, "%s-wal", db) >= sizeof y->wal) {
		snprintf(err, errlen, "%s: path too long", db);
		sync_free(y);
		return NULL;
	}
	if ((y->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
	    (y->wal_fd = open(y->wal, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%.180s: %s", y->efd < 0 ? "eventfd" : y->wal, strerror(errno));
		sync_free(y);
		return NULL;
	}
	return y;
}

bool
store_sync_start(struct store *s)
{
	const char *db = sqlite3_db_filename(s->db, "main");
	struct store_sync *y;

	if (s->sync != NULL)
		return true;
	if (db == NULL || db[0] == '\0') {
		snprintf(s->err, sizeof s->err, "sync: the database has no file");
		return false;
	}
	if ((y = sync_alloc(db, s->err, sizeof s->err)) == NULL)
		return false;
	if (sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(s, "synchronous = NORMAL");
		sync_free(y);
		return false;
	}
	y->committed = y->durable = s->committed;
	y->syncer_up = pthread_create(&y->syncer, NULL, sync_main, y) == 0;
	s->sync = y;
	if (!y->syncer_up) {
		snprintf(s->err, sizeof s->err, "sync: cannot start a thread");
		store_sync_stop(s);
		return false;
	}
	return true;
}

void
store_sync_stop(struct store *s)
{
	struct store_sync *y = s->sync;

	if (y == NULL)
		return;
	pthread_mutex_lock(&y->mu);
	y->stop = true;
	pthread_cond_broadcast(&y->work);
	pthread_mutex_unlock(&y->mu);
	if (y->syncer_up)
		pthread_join(y->syncer, NULL);
	sqlite3_exec(s->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	s->sync = NULL;
	sync_free(y);
}

int
store_sync_fd(const struct store *s)
{
	return s->sync != NULL ? s->sync->efd : -1;
}

/* Called by store_commit after a successful COMMIT: ticket t awaits its fdatasync. */
void
store_sync_committed(struct store *s, uint64_t t)
{
	struct store_sync *y = s->sync;

	pthread_mutex_lock(&y->mu);
	y->committed = t;
	pthread_cond_signal(&y->work);
	pthread_mutex_unlock(&y->mu);
}

uint64_t
store_committed(const struct store *s)
{
	return s->committed;
}

uint64_t
store_durable(struct store *s)
{
	struct store_sync *y = s->sync;
	uint64_t n, d;

	if (y == NULL)
		return s->committed;	/* synchronous=FULL: durable when COMMIT returned */
	(void)!read(y->efd, &n, sizeof n);
	pthread_mutex_lock(&y->mu);
	d = y->durable;
	pthread_mutex_unlock(&y->mu);
	return d;	/* store_sync_failed says whether it will move again */
}

bool
store_sync_failed(struct store *s)
{
	struct store_sync *y = s->sync;
	bool f;

	if (y == NULL)
		return false;
	pthread_mutex_lock(&y->mu);
	if ((f = y->failed))
		snprintf(s->err, sizeof s->err, "%s", y->err);
	pthread_mutex_unlock(&y->mu);
	return f;
}

uint64_t
store_sync_wait(struct store *s)
{
	struct store_sync *y = s->sync;
	uint64_t d;

	if (y == NULL)
		return s->committed;
	pthread_mutex_lock(&y->mu);
	while (!y->failed && y->durable < y->committed)
		pthread_cond_wait(&y->done, &y->mu);
	d = y->durable;
	pthread_mutex_unlock(&y->mu);
	return d;
}

void
store_stats(struct store *s, struct store_stats *st)
{
	struct store_sync *y = s->sync;

	memset(st, 0, sizeof *st);
	st->wal_frames = s->wal_frames;
	st->checkpoints = s->checkpoints;
	st->checkpoint_errors = s->checkpoint_errors;
	if (y == NULL)
		return;
	pthread_mutex_lock(&y->mu);
	st->syncs = y->syncs;
	st->sync_us = y->sync_ns / 1000;
	pthread_mutex_unlock(&y->mu);
}
