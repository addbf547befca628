/*
 * harness.c — real servers on loopback for integration tests (see harness.h).
 *
 * The harness owns every process it starts: they are kept in a fixed table
 * and killed by h_cleanup, which runs at exit and from the fatal-signal
 * handlers, so a failing or crashing test never leaves a broker or daemon
 * behind.  Criterion runs each test in a forked child; the table is per
 * process, so each test cleans up what it started.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CUNBAO_BUILD_DIR
#define CUNBAO_BUILD_DIR "."
#endif
#ifndef CUNBAO_SOURCE_DIR
#define CUNBAO_SOURCE_DIR "."
#endif

#define H_PROCS_MAX 64

static struct h_proc procs[H_PROCS_MAX];
static size_t nprocs;
static char tmpdir[200];
static pid_t owner_pid;		/* the process that created tmpdir (forks must not remove it) */
static bool hooks_installed;

/* Milliseconds on the monotonic clock. */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Removes a directory tree (scratch dirs only: regular files and subdirs). */
static void
rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[1024];

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		struct stat st;
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(sub);
		else
			unlink(sub);
	}
	closedir(d);
	rmdir(path);
}

/* Kills every live registered process; with the scratch dir's owner, removes it. */
void
h_cleanup(void)
{
	for (size_t i = 0; i < nprocs; i++) {
		struct h_proc *p = &procs[i];
		if (p->pid > 0 && !p->reaped) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &p->status, 0);
			p->reaped = true;
		}
	}
	if (tmpdir[0] != '\0' && getpid() == owner_pid && getenv("CUNBAO_KEEP_TMP") == NULL)
		rm_tree(tmpdir);
}

static void
on_fatal(int sig)
{
	h_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Installs the exit hook and fatal-signal handlers once per process. */
static void
hooks_install(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGABRT, SIGSEGV, SIGBUS, SIGHUP };

	if (hooks_installed && owner_pid == getpid())
		return;
	hooks_installed = true;
	atexit(h_cleanup);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], on_fatal);
	signal(SIGPIPE, SIG_IGN);
}

const char *
h_tmpdir(void)
{
	if (tmpdir[0] != '\0' && owner_pid == getpid())
		return tmpdir;
	/* A forked test gets a scratch dir of its own. */
	snprintf(tmpdir, sizeof tmpdir, "/tmp/cunbao-it-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	owner_pid = getpid();
	nprocs = 0;
	hooks_install();
	return tmpdir;
}

const char *
h_path(const char *name)
{
	static char bufs[8][512];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof bufs[0], "%s/%s", h_tmpdir(), name);
	return b;
}

const char *
h_bin(const char *rel)
{
	static char bufs[4][512];
	static unsigned next;
	char *b = bufs[next++ % 4];
	const char *dir = getenv("CUNBAO_BUILD_DIR");

	snprintf(b, sizeof bufs[0], "%s/%s", dir ? dir : CUNBAO_BUILD_DIR, rel);
	return b;
}

const char *
h_src(const char *rel)
{
	static char bufs[4][512];
	static unsigned next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof bufs[0], "%s/%s", CUNBAO_SOURCE_DIR, rel);
	return b;
}

/*
 * A free port: bind port 0 on loopback, read the port, close.  Ports handed
 * out before in this process are skipped, so two calls never collide.
 */
int
h_free_port(void)
{
	static int given[128];
	static size_t ngiven;

	for (int tries = 0; tries < 100; tries++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t alen = sizeof a;
		int port = -1;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
		    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
			port = ntohs(a.sin_port);
		if (fd >= 0)
			close(fd);
		if (port <= 0)
			continue;
		bool seen = false;
		for (size_t i = 0; i < ngiven; i++)
			seen |= given[i] == port;
		if (seen)
			continue;
		if (ngiven < sizeof given / sizeof given[0])
			given[ngiven++] = port;
		return port;
	}
	fprintf(stderr, "harness: no free port\n");
	abort();
}

struct h_proc *
h_spawn(const char *name, char *const argv[])
{
	struct h_proc *p;
	pid_t pid;
	int fd;

	h_tmpdir();
	if (nprocs == H_PROCS_MAX) {
		fprintf(stderr, "harness: too many processes\n");
		return NULL;
	}
	p = &procs[nprocs++];
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	snprintf(p->log, sizeof p->log, "%s/%s.log", tmpdir, name);
	fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(p->log);
		nprocs--;
		return NULL;
	}
	fflush(NULL);
	pid_t parent = getpid();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		close(fd);
		nprocs--;
		return NULL;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		/*
		 * Dies with the test: a test killed by ctest's timeout (SIGKILL)
		 * runs no cleanup, and its broker and daemons would live on,
		 * holding ports and scratch files.  (If the test is already gone,
		 * go now.)
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		setpgid(0, 0);
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		fprintf(stderr, "harness: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	p->pid = pid;
	return p;
}

/* Reaps p if it has exited; true if it has. */
static bool
reap(struct h_proc *p, bool block)
{
	if (p->reaped)
		return true;
	pid_t r = waitpid(p->pid, &p->status, block ? 0 : WNOHANG);
	if (r == p->pid)
		p->reaped = true;
	return p->reaped;
}

bool
h_alive(struct h_proc *p)
{
	return p != NULL && !reap(p, false);
}

int
h_stop(struct h_proc *p, int sig, int timeout_ms)
{
	if (p == NULL)
		return -1;
	if (!reap(p, false)) {
		kill(p->pid, sig);
		long long end = now_ms() + timeout_ms;
		while (!reap(p, false) && now_ms() < end)
			sleep_ms(10);
		if (!p->reaped) {
			fprintf(stderr, "harness: %s ignored signal %d for %d ms; SIGKILL\n",
			    p->name, sig, timeout_ms);
			kill(p->pid, SIGKILL);
			reap(p, true);
		}
	}
	if (WIFEXITED(p->status))
		return WEXITSTATUS(p->status);
	if (WIFSIGNALED(p->status))
		return 128 + WTERMSIG(p->status);
	return -1;
}

void
h_kill9(struct h_proc *p)
{
	if (p != NULL && !reap(p, false)) {
		kill(p->pid, SIGKILL);
		reap(p, true);
	}
}

bool
h_wait_port(int port, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	do {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
			close(fd);
			return true;
		}
		if (fd >= 0)
			close(fd);
		sleep_ms(20);
	} while (now_ms() < end);
	return false;
}

bool
h_wait_log(struct h_proc *p, const char *needle, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	do {
		char *text = h_read_file(p->log, NULL);
		bool found = text != NULL && strstr(text, needle) != NULL;
		free(text);
		if (found)
			return true;
		sleep_ms(20);
	} while (now_ms() < end);
	return false;
}

void
h_dump_log(struct h_proc *p)
{
	size_t len;
	char *text;

	if (p == NULL || (text = h_read_file(p->log, &len)) == NULL)
		return;
	const char *from = len > 4000 ? text + len - 4000 : text;
	fprintf(stderr, "---- last of %s ----\n%s\n---- end of %s ----\n", p->log, from, p->name);
	free(text);
}

char *
h_read_file(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	if (buf == NULL)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

bool
h_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (f == NULL)
		return false;
	ok = fputs(text, f) >= 0;
	ok &= fclose(f) == 0;
	return ok;
}

char *
h_run(const char *cmd, int *exit_code)
{
	FILE *f = popen(cmd, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int st;

	if (f == NULL) {
		if (exit_code)
			*exit_code = -1;
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap + 1);
			if (nb == NULL)
				break;
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	st = pclose(f);
	if (buf)
		buf[len] = '\0';
	if (exit_code)
		*exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return buf;
}

/*
 * mosquitto with a private config: loopback only, persistence in the
 * scratch dir, and the queue limits raised (the default of 1000 queued
 * messages silently drops QoS 1 messages to a lagging subscriber).
 */
bool
h_broker_start(struct h_broker *b)
{
	char text[4096];

	if (b->port == 0) {
		b->port = h_free_port();
		snprintf(b->conf, sizeof b->conf, "%s/mosquitto-%d.conf", h_tmpdir(), b->port);
		snprintf(text, sizeof text,
		    "%s"	/* it must come before any other security setting */
		    "listener %d 127.0.0.1\n"
		    "allow_anonymous true\n"
		    "user root\n"	/* as root it would drop to "mosquitto", who cannot write here */
		    "persistence true\n"
		    "persistence_location %s/\n"
		    "persistence_file mosquitto-%d.db\n"
		    "autosave_interval 1\n"
		    "max_queued_messages 2147483647\n"	/* 0 breaks ACL refusals (docs/protocol.md) */
		    "max_queued_bytes 0\n"
		    "max_inflight_messages 0\n"
		    "max_keepalive 65535\n"
		    "log_dest stderr\n"
		    "log_type error\nlog_type warning\nlog_type notice\n%s",
		    b->per_listener ? "per_listener_settings true\n" : "", b->port, h_tmpdir(), b->port,
		    b->extra ? b->extra : "");
		if (!h_write_file(b->conf, text))
			return false;
	}
	char *argv[] = { "/usr/sbin/mosquitto", "-c", b->conf, NULL };
	char name[32];
	snprintf(name, sizeof name, "mosquitto-%d", b->port);
	b->proc = h_spawn(name, argv);
	if (b->proc == NULL)
		return false;
	if (!h_wait_port(b->port, 10000)) {
		h_dump_log(b->proc);
		return false;
	}
	return true;
}

bool
h_broker_write_conf(struct h_broker *b, const char *text)
{
	if (b->port == 0)
		b->port = h_free_port();
	snprintf(b->conf, sizeof b->conf, "%s/mosquitto-%d.conf", h_tmpdir(), b->port);
	return h_write_file(b->conf, text);
}

void
h_broker_stop(struct h_broker *b)
{
	if (b->proc != NULL)
		h_stop(b->proc, SIGTERM, 5000);
	b->proc = NULL;
}

/* ---- an MQTT client that queues what it receives ---- */

struct h_node {
	struct h_msg msg;
	struct h_node *next;
};

struct h_mqtt {
	struct mosquitto *mosq;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct h_node *head, **tail;
	bool connected;
	int subacks;
	int connacks;			/* CONNACKs seen, and the last one's code */
	int connack;
	int granted;			/* the last SUBACK's first code */
	int acked;			/* PUBACKs seen (QoS 1), and the last one's mid and reason */
	int ack_mid, ack_reason;
};

static int lib_refs;

static void
on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct h_mqtt *m = arg;

	pthread_mutex_lock(&m->lock);
	m->connected = rc == 0;
	m->connack = rc;
	m->connacks++;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

static void
on_subscribe(struct mosquitto *mosq, void *arg, int mid, int qos_count, const int *granted)
{
	struct h_mqtt *m = arg;

	pthread_mutex_lock(&m->lock);
	m->granted = qos_count > 0 ? granted[0] : -1;
	m->subacks++;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

/* A PUBACK (MQTT 5: with its reason code; 3.1.1: always 0). */
static void
on_publish(struct mosquitto *mosq, void *arg, int mid, int reason, const mosquitto_property *props)
{
	struct h_mqtt *m = arg;

	pthread_mutex_lock(&m->lock);
	m->ack_mid = mid;
	m->ack_reason = reason;
	m->acked++;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

static void
on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
	struct h_mqtt *m = arg;
	struct h_node *n = calloc(1, sizeof *n);

	if (n == NULL)
		abort();
	n->msg.topic = strdup(msg->topic);
	n->msg.payload = malloc((size_t)msg->payloadlen + 1);
	if (n->msg.topic == NULL || n->msg.payload == NULL)
		abort();
	memcpy(n->msg.payload, msg->payload, (size_t)msg->payloadlen);
	n->msg.payload[msg->payloadlen] = '\0';
	n->msg.len = (size_t)msg->payloadlen;
	n->msg.retain = msg->retain;
	pthread_mutex_lock(&m->lock);
	*m->tail = n;
	m->tail = &n->next;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

/* Waits on m->cond until *flag reaches want or the deadline passes; m->lock held. */
static bool
wait_int(struct h_mqtt *m, const int *flag, int want, int timeout_ms)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	while (*flag < want)
		if (pthread_cond_timedwait(&m->cond, &m->lock, &dl) == ETIMEDOUT)
			return *flag >= want;
	return true;
}

struct h_mqtt *
h_mqtt_connect(int port, const char *client_id, bool clean)
{
	return h_mqtt_connect_opts(port, client_id, clean, NULL);
}

struct h_mqtt *
h_mqtt_connect_opts(int port, const char *client_id, bool clean, struct h_mqtt_opts *o)
{
	struct h_mqtt *m = calloc(1, sizeof *m);
	bool ok;

	if (m == NULL)
		return NULL;
	if (lib_refs++ == 0)
		mosquitto_lib_init();
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	m->tail = &m->head;
	m->mosq = mosquitto_new(client_id, clean, m);
	if (m->mosq == NULL) {
		free(m);
		return NULL;
	}
	if (o != NULL)
		o->connack = -1;
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION,
	    o != NULL && o->v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
	mosquitto_max_inflight_messages_set(m->mosq, 0);
	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_subscribe_callback_set(m->mosq, on_subscribe);
	mosquitto_message_callback_set(m->mosq, on_message);
	mosquitto_publish_v5_callback_set(m->mosq, on_publish);
	if (o != NULL && o->user != NULL && mosquitto_username_pw_set(m->mosq, o->user, o->password) != MOSQ_ERR_SUCCESS)
		goto fail;
	if (o != NULL && o->cafile != NULL && mosquitto_tls_set(m->mosq, o->cafile, NULL, NULL, NULL, NULL) != MOSQ_ERR_SUCCESS)
		goto fail;
	if (mosquitto_connect(m->mosq, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS ||
	    mosquitto_loop_start(m->mosq) != MOSQ_ERR_SUCCESS)
		goto fail;
	pthread_mutex_lock(&m->lock);
	wait_int(m, &m->connacks, 1, 10000);
	ok = m->connected;
	if (o != NULL)
		o->connack = m->connacks > 0 ? m->connack : -1;
	pthread_mutex_unlock(&m->lock);
	if (!ok) {
		h_mqtt_close(m);
		return NULL;
	}
	return m;
fail:
	mosquitto_destroy(m->mosq);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	free(m);
	if (--lib_refs == 0)
		mosquitto_lib_cleanup();
	return NULL;
}

int
h_mqtt_sub_granted(struct h_mqtt *m, const char *pattern, int qos)
{
	int want, granted = -1;

	pthread_mutex_lock(&m->lock);
	want = m->subacks + 1;
	pthread_mutex_unlock(&m->lock);
	if (mosquitto_subscribe(m->mosq, NULL, pattern, qos) != MOSQ_ERR_SUCCESS)
		return -1;
	pthread_mutex_lock(&m->lock);
	if (wait_int(m, &m->subacks, want, 10000))
		granted = m->granted;
	pthread_mutex_unlock(&m->lock);
	return granted;
}

int
h_mqtt_pub_ack(struct h_mqtt *m, const char *topic, const char *payload, int timeout_ms)
{
	int mid = 0, want, reason = -1;

	pthread_mutex_lock(&m->lock);
	want = m->acked + 1;
	if (mosquitto_publish(m->mosq, &mid, topic, (int)strlen(payload), payload, 1, false) == MOSQ_ERR_SUCCESS &&
	    wait_int(m, &m->acked, want, timeout_ms) && m->ack_mid == mid)
		reason = m->ack_reason;
	pthread_mutex_unlock(&m->lock);
	return reason;
}

bool
h_mqtt_sub(struct h_mqtt *m, const char *pattern, int qos)
{
	int want;
	bool ok;

	pthread_mutex_lock(&m->lock);
	want = m->subacks + 1;
	pthread_mutex_unlock(&m->lock);
	if (mosquitto_subscribe(m->mosq, NULL, pattern, qos) != MOSQ_ERR_SUCCESS)
		return false;
	pthread_mutex_lock(&m->lock);
	ok = wait_int(m, &m->subacks, want, 10000);
	pthread_mutex_unlock(&m->lock);
	return ok;
}

bool
h_mqtt_pub(struct h_mqtt *m, const char *topic, const char *payload, size_t len, int qos, bool retain)
{
	return mosquitto_publish(m->mosq, NULL, topic, (int)len, payload, qos, retain) ==
	    MOSQ_ERR_SUCCESS;
}

/* Finds, unlinks and returns the first queued node matching; m->lock held. */
static struct h_node *
take(struct h_mqtt *m, const char *pattern, const char *contains)
{
	for (struct h_node **pp = &m->head; *pp != NULL; pp = &(*pp)->next) {
		struct h_node *n = *pp;
		bool match = false;
		mosquitto_topic_matches_sub(pattern, n->msg.topic, &match);
		if (!match || (contains != NULL && strstr(n->msg.payload, contains) == NULL))
			continue;
		*pp = n->next;
		if (m->tail == &n->next)
			m->tail = pp;
		return n;
	}
	return NULL;
}

struct h_msg *
h_mqtt_wait(struct h_mqtt *m, const char *pattern, const char *contains, int timeout_ms)
{
	struct timespec dl;
	struct h_node *n;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->lock);
	while ((n = take(m, pattern, contains)) == NULL)
		if (pthread_cond_timedwait(&m->cond, &m->lock, &dl) == ETIMEDOUT) {
			n = take(m, pattern, contains);
			break;
		}
	pthread_mutex_unlock(&m->lock);
	if (n == NULL)
		return NULL;
	struct h_msg *msg = malloc(sizeof *msg);
	if (msg == NULL)
		abort();
	*msg = n->msg;
	free(n);
	return msg;
}

size_t
h_mqtt_count(struct h_mqtt *m, const char *pattern)
{
	size_t count = 0;

	pthread_mutex_lock(&m->lock);
	for (struct h_node *n = m->head; n != NULL; n = n->next) {
		bool match = false;
		mosquitto_topic_matches_sub(pattern, n->msg.topic, &match);
		count += match;
	}
	pthread_mutex_unlock(&m->lock);
	return count;
}

void
h_msg_free(struct h_msg *msg)
{
	if (msg == NULL)
		return;
	free(msg->topic);
	free(msg->payload);
	free(msg);
}

void
h_mqtt_close(struct h_mqtt *m)
{
	if (m == NULL)
		return;
	mosquitto_disconnect(m->mosq);
	mosquitto_loop_stop(m->mosq, true);
	mosquitto_destroy(m->mosq);
	while (m->head != NULL) {
		struct h_node *n = m->head;
		m->head = n->next;
		free(n->msg.topic);
		free(n->msg.payload);
		free(n);
	}
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	free(m);
	if (--lib_refs == 0)
		mosquitto_lib_cleanup();
}

char *
h_retained(int port, const char *topic, int timeout_ms)
{
	char id[64];
	struct h_mqtt *m;
	struct h_msg *msg;
	char *payload = NULL;

	snprintf(id, sizeof id, "h-retained-%d-%ld", (int)getpid(), (long)now_ms());
	if ((m = h_mqtt_connect(port, id, true)) == NULL)
		return NULL;
	if (h_mqtt_sub(m, topic, 1) && (msg = h_mqtt_wait(m, topic, NULL, timeout_ms)) != NULL) {
		payload = msg->payload;
		msg->payload = NULL;
		h_msg_free(msg);
	}
	h_mqtt_close(m);
	return payload;
}

/* ---- a TCP relay that can cut a link (h_relay_*) ---- */

#include <poll.h>

#define RELAY_PAIRS 16

struct h_relay {
	pthread_t th;
	int port, target;
	int lfd;			/* listening; -1 while cut */
	int ctl[2];			/* commands: 'c' cut, 'r' restore, 'q' quit */
	int pair[RELAY_PAIRS][2];	/* client side, target side; -1 when free */
	pthread_mutex_t mu;
	pthread_cond_t done;
	bool acked;
	bool restored;
};

/* Listens on 127.0.0.1:port (SO_REUSEADDR); -1 on failure. */
static int
relay_listen(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Connects to 127.0.0.1:port; -1 on failure. */
static int
relay_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void
relay_close_pair(struct h_relay *r, int i)
{
	for (int j = 0; j < 2; j++)
		if (r->pair[i][j] >= 0) {
			close(r->pair[i][j]);
			r->pair[i][j] = -1;
		}
}

/* Acts on one command byte; false on 'q'. */
static bool
relay_command(struct h_relay *r, char c)
{
	if (c == 'c') {
		for (int i = 0; i < RELAY_PAIRS; i++)
			relay_close_pair(r, i);
		if (r->lfd >= 0)
			close(r->lfd);
		r->lfd = -1;
	} else if (c == 'r' && r->lfd < 0) {
		r->lfd = relay_listen(r->port);
		r->restored = r->lfd >= 0;
	}
	pthread_mutex_lock(&r->mu);
	r->acked = true;
	pthread_cond_signal(&r->done);
	pthread_mutex_unlock(&r->mu);
	return c != 'q';
}

/* Copies what one side has to the other; false when either side closed. */
static bool
relay_copy(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof buf);

	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));

		if (w <= 0)
			return false;
		off += w;
	}
	return true;
}

static void *
relay_main(void *arg)
{
	struct h_relay *r = arg;

	for (;;) {
		struct pollfd p[2 + 2 * RELAY_PAIRS];
		int n = 0;

		p[n++] = (struct pollfd){ .fd = r->ctl[0], .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = r->lfd, .events = POLLIN };
		for (int i = 0; i < RELAY_PAIRS; i++)
			for (int j = 0; j < 2; j++)
				p[n++] = (struct pollfd){ .fd = r->pair[i][j], .events = POLLIN };
		if (poll(p, (nfds_t)n, 1000) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			char c = 'q';

			if (read(r->ctl[0], &c, 1) != 1 || !relay_command(r, c))
				break;
			continue;
		}
		if (r->lfd >= 0 && (p[1].revents & POLLIN)) {
			int cfd = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC), tfd = cfd >= 0 ? relay_connect(r->target) : -1;
			int i;

			for (i = 0; i < RELAY_PAIRS && r->pair[i][0] >= 0; i++)
				;
			if (cfd >= 0 && (tfd < 0 || i == RELAY_PAIRS)) {
				close(cfd);
				if (tfd >= 0)
					close(tfd);
			} else if (cfd >= 0) {
				r->pair[i][0] = cfd;
				r->pair[i][1] = tfd;
			}
		}
		for (int i = 0; i < RELAY_PAIRS; i++)
			for (int j = 0; j < 2; j++) {
				short ev = p[2 + 2 * i + j].revents;

				if (r->pair[i][j] >= 0 && (ev & (POLLIN | POLLHUP | POLLERR)) &&
				    !relay_copy(r->pair[i][j], r->pair[i][1 - j]))
					relay_close_pair(r, i);
			}
	}
	for (int i = 0; i < RELAY_PAIRS; i++)
		relay_close_pair(r, i);
	if (r->lfd >= 0)
		close(r->lfd);
	return NULL;
}

struct h_relay *
h_relay_start(int target)
{
	struct h_relay *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->target = target;
	for (int i = 0; i < RELAY_PAIRS; i++)
		r->pair[i][0] = r->pair[i][1] = -1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->done, NULL);
	for (int tries = 0; tries < 10 && r->lfd <= 0; tries++) {
		r->port = h_free_port();
		if ((r->lfd = relay_listen(r->port)) < 0)
			r->lfd = 0;
	}
	if (r->lfd <= 0 || pipe2(r->ctl, O_CLOEXEC) != 0 || pthread_create(&r->th, NULL, relay_main, r) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

int
h_relay_port(const struct h_relay *r)
{
	return r->port;
}

/* Sends a command and waits until the relay thread has carried it out. */
static void
relay_do(struct h_relay *r, char c)
{
	pthread_mutex_lock(&r->mu);
	r->acked = false;
	pthread_mutex_unlock(&r->mu);
	if (write(r->ctl[1], &c, 1) != 1)
		return;
	pthread_mutex_lock(&r->mu);
	while (!r->acked)
		pthread_cond_wait(&r->done, &r->mu);
	pthread_mutex_unlock(&r->mu);
}

void
h_relay_cut(struct h_relay *r)
{
	relay_do(r, 'c');
}

bool
h_relay_restore(struct h_relay *r)
{
	relay_do(r, 'r');
	return r->restored;
}

void
h_relay_stop(struct h_relay *r)
{
	if (r == NULL)
		return;
	relay_do(r, 'q');
	pthread_join(r->th, NULL);
	close(r->ctl[0]);
	close(r->ctl[1]);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->done);
	free(r);
}
