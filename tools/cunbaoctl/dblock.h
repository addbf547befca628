/*
 * dblock.h — cunbaod's lock on its database, taken by the cunbaoctl
 * subcommands that must not run beside it (rebuild, restore).
 *
 * cunbaod holds an flock on DB.lock for as long as it runs (daemon/daemon.c);
 * taking it here proves cunbaod is stopped and keeps it from starting
 * while the subcommand writes.
 */
#ifndef CUNBAOCTL_DBLOCK_H
#define CUNBAOCTL_DBLOCK_H

/*
 * Takes the lock of db: returns its descriptor, or -1 after printing why on
 * stderr as "cunbaoctl <who>: ..." (cunbaod runs, or the lock file cannot
 * be made).
 */
int ctl_db_lock(const char *db, const char *who);
/* Releases a lock ctl_db_lock took (-1: nothing). */
void ctl_db_unlock(int fd);

#endif
