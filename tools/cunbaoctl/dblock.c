/*
 * dblock.c — cunbaod's database lock, seen from cunbaoctl (dblock.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "dblock.h"

int
ctl_db_lock(const char *db, const char *who)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof path, "%s.lock", db) >= sizeof path) {
		fprintf(stderr, "cunbaoctl %s: %s: name too long\n", who, db);
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "cunbaoctl %s: %s: %s\n", who, path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "cunbaoctl %s: cunbaod is running on %s (it holds %s); stop it first\n",
		    who, db, path);
		close(fd);
		return -1;
	}
	return fd;
}

void
ctl_db_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
