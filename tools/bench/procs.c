/*
 * procs.c — the processes a pass runs (mosquitto, the echo, cunbaod), the
 * figures /proc gives about them, ports and scratch files.
 *
 * Every process started here is registered by pid until it is reaped;
 * procs_cleanup (at exit and on SIGINT/SIGTERM/SIGSEGV/SIGABRT) kills
 * whatever still runs, so an interrupted bench never leaves a broker or a
 * daemon behind.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROCS_MAX 16

static pid_t registry[PROCS_MAX];	/* children not yet reaped; 0: free entry */
static bool hooks_done;

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Kills and reaps every child still registered (at exit, on a fatal signal). */
void
procs_cleanup(void)
{
	for (size_t i = 0; i < PROCS_MAX; i++)
		if (registry[i] > 0) {
			kill(registry[i], SIGKILL);
			waitpid(registry[i], NULL, 0);
			registry[i] = 0;
		}
}

static void
on_fatal(int sig)
{
	procs_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
hooks_install(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGABRT, SIGSEGV, SIGBUS };

	if (hooks_done)
		return;
	hooks_done = true;
	atexit(procs_cleanup);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], on_fatal);
	signal(SIGPIPE, SIG_IGN);
}

/* Registers (pid > 0) or forgets (pid < 0: -pid) a child. */
static void
registry_set(pid_t pid)
{
	for (size_t i = 0; i < PROCS_MAX; i++)
		if (pid > 0 ? registry[i] == 0 : registry[i] == -pid) {
			registry[i] = pid > 0 ? pid : 0;
			return;
		}
}

/*
 * Forks and execs argv with stdin from /dev/null and stdout+stderr appended
 * to log.
 * Returns false (with the reason on stderr) if it could not start.
 */
bool
proc_spawn(struct proc *p, const char *name, char *const argv[], const char *log)
{
	int fd;
	pid_t pid;

	hooks_install();
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	snprintf(p->log, sizeof p->log, "%s", log);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "bench: %s: %s\n", log, strerror(errno));
		return false;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		fprintf(stderr, "bench: fork for %s: %s\n", name, strerror(errno));
		close(fd);
		return false;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "bench: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	p->pid = pid;
	registry_set(pid);
	return true;
}

static bool
reap(struct proc *p, bool block)
{
	if (!p->reaped && p->pid > 0 && waitpid(p->pid, &p->status, block ? 0 : WNOHANG) == p->pid) {
		p->reaped = true;
		registry_set(-p->pid);
	}
	return p->reaped;
}

bool
proc_alive(struct proc *p)
{
	return p->pid > 0 && !reap(p, false);
}

int
proc_stop(struct proc *p, int timeout_ms)
{
	if (p->pid <= 0)
		return -1;
	if (!reap(p, false)) {
		kill(p->pid, SIGTERM);
		for (int waited = 0; !reap(p, false) && waited < timeout_ms; waited += 10)
			sleep_ms(10);
		if (!p->reaped) {
			fprintf(stderr, "bench: %s ignored SIGTERM for %d ms; SIGKILL\n", p->name,
			    timeout_ms);
			kill(p->pid, SIGKILL);
			reap(p, true);
		}
	}
	if (WIFEXITED(p->status))
		return WEXITSTATUS(p->status);
	return WIFSIGNALED(p->status) ? 128 + WTERMSIG(p->status) : -1;
}

void
proc_dump_log(const struct proc *p)
{
	char cmd[700];

	fprintf(stderr, "---- last lines of %s (%s) ----\n", p->name, p->log);
	snprintf(cmd, sizeof cmd, "tail -n 20 '%s' >&2", p->log);
	if (system(cmd) != 0)
		fprintf(stderr, "(no log)\n");
}

/* Reads "Key:   123 kB" from /proc/<pid>/status; -1 if absent. */
static long
status_kib(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/*
 * CPU seconds (utime + stime, fields 14 and 15 of /proc/<pid>/stat, after
 * the parenthesised command name), peak and current RSS.
 */
bool
proc_usage(pid_t pid, struct usage *u)
{
	char path[64], buf[1024];
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ut, &st) != 2)
		return false;
	u->cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	u->sys_s = (double)st / (double)sysconf(_SC_CLK_TCK);
	u->hwm_kib = status_kib(pid, "VmHWM");
	u->rss_kib = status_kib(pid, "VmRSS");
	return true;
}

double
self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* A free loopback port: bind port 0, read it back, close; never the same twice. */
int
port_free(void)
{
	static int given[64];
	static size_t ngiven;

	for (int tries = 0; tries < 100; tries++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t alen = sizeof a;
		bool seen = false;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
		    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
			port = ntohs(a.sin_port);
		if (fd >= 0)
			close(fd);
		for (size_t i = 0; i < ngiven; i++)
			seen |= given[i] == port;
		if (port <= 0 || seen)
			continue;
		if (ngiven < sizeof given / sizeof given[0])
			given[ngiven++] = port;
		return port;
	}
	return -1;
}

bool
port_wait(int port, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
		bool ok;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
		if (fd >= 0)
			close(fd);
		if (ok)
			return true;
		sleep_ms(20);
	}
	return false;
}

/* The broker binary: Debian puts it in /usr/sbin, which a user's PATH may lack. */
static const char *
mosquitto_bin(void)
{
	return access("/usr/sbin/mosquitto", X_OK) == 0 ? "/usr/sbin/mosquitto" : "mosquitto";
}

/*
 * A private mosquitto: loopback only, no persistence (the bench measures
 * the round trip, not the broker's autosave), and every queue limit raised
 * so that it drops nothing (its default of 1000 queued messages silently
 * drops QoS 1 messages to a lagging subscriber).
 */
bool
broker_start(struct broker *b, const char *dir, char *err, size_t errlen)
{
	char conf[512], log[512];
	FILE *f;

	if ((b->port = port_free()) < 0) {
		snprintf(err, errlen, "no free port for mosquitto");
		return false;
	}
	snprintf(conf, sizeof conf, "%s/mosquitto.conf", dir);
	snprintf(log, sizeof log, "%s/mosquitto.log", dir);
	if ((f = fopen(conf, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", conf, strerror(errno));
		return false;
	}
	fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\n%s"
	    "persistence false\nmax_queued_messages 2147483647\nmax_queued_bytes 0\n"
	    "max_inflight_messages 0\nmax_keepalive 65535\nset_tcp_nodelay true\n"
	    "log_dest stderr\n"
	    "log_type error\nlog_type warning\n", b->port, getuid() == 0 ? "user root\n" : "");
	fclose(f);
	char *argv[] = { (char *)mosquitto_bin(), "-c", conf, NULL };
	if (!proc_spawn(&b->proc, "mosquitto", argv, log) || !port_wait(b->port, 10000)) {
		snprintf(err, errlen, "mosquitto did not start on port %d (log %s)", b->port, log);
		return false;
	}
	return true;
}

bool
dir_make(char *buf, size_t buflen)
{
	const char *base = getenv("TMPDIR");

	snprintf(buf, buflen, "%s/cunbao-bench-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(buf) != NULL;
}

/* Removes a scratch tree (regular files and directories only). */
void
dir_remove(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[1024];

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			dir_remove(sub);
		else
			unlink(sub);
	}
	closedir(d);
	rmdir(path);
}

long long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

bool
file_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* mosquitto -h prints "mosquitto version 2.0.11" on its first line. */
void
mosquitto_version_text(char *buf, size_t buflen)
{
	char line[256] = "", cmd[64];
	const char *v;
	FILE *f;

	buf[0] = '\0';
	snprintf(cmd, sizeof cmd, "%s -h 2>&1", mosquitto_bin());
	if ((f = popen(cmd, "r")) == NULL)
		return;
	if (fgets(line, sizeof line, f) != NULL && (v = strstr(line, "version ")) != NULL)
		snprintf(buf, buflen, "%.*s", (int)strcspn(v + 8, " \n"), v + 8);
	pclose(f);
}
