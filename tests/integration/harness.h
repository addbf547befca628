/*
 * harness.h — what integration tests need to run real servers on loopback:
 * free ports, child processes that are always stopped (even when a test
 * fails or crashes), a private mosquitto, an MQTT client that collects what
 * it receives, and a scratch directory per test process.
 *
 * Every process started with h_spawn is registered; h_cleanup (run at exit
 * and on SIGINT/SIGTERM/SIGABRT/SIGSEGV of the test process) kills them all
 * and removes the scratch directory (kept when CUNBAO_KEEP_TMP is set).
 */
#ifndef CB_HARNESS_H
#define CB_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A free TCP port on 127.0.0.1 (bound then released; never one handed out before). */
int h_free_port(void);

/* The scratch directory of this test process (created on first use), and a path inside it. */
const char *h_tmpdir(void);
const char *h_path(const char *name);	/* static buffer rotation of 8: copy if kept */

/* Path of a built program relative to the build tree: h_bin("daemon/cunbaod"). */
const char *h_bin(const char *rel);
/* Path of a source-tree file: h_src("schema/catalog.json"). */
const char *h_src(const char *rel);

struct h_proc {
	pid_t pid;
	char name[64];
	char log[512];		/* stdout+stderr of the child go here */
	int status;		/* wait status once reaped */
	bool reaped;
};

/* Starts argv[0] with argv, output to h_path("<name>.log"); NULL on failure. */
struct h_proc *h_spawn(const char *name, char *const argv[]);
/* Sends sig, waits up to timeout_ms, then SIGKILL; returns the exit code (128+sig if signalled). */
int h_stop(struct h_proc *p, int sig, int timeout_ms);
/* kill -9 and reap. */
void h_kill9(struct h_proc *p);
/* True while the process runs. */
bool h_alive(struct h_proc *p);
/* Waits until 127.0.0.1:port accepts a connection. */
bool h_wait_port(int port, int timeout_ms);
/* Waits until the process's log contains needle. */
bool h_wait_log(struct h_proc *p, const char *needle, int timeout_ms);
/* Prints the last lines of a process log to stderr (on failure). */
void h_dump_log(struct h_proc *p);
/* Stops every registered process and removes the scratch dir. */
void h_cleanup(void);

/*
 * A private mosquitto on a free port, persistence on, queue limits raised.
 * extra (NULL: none) is appended to its config file as written: an
 * acl_file, a password_file, allow_anonymous false...
 */
struct h_broker {
	int port;
	char conf[512];
	struct h_proc *proc;
	const char *extra;	/* more config lines, appended (another listener, its ACL); NULL: none */
	bool per_listener;	/* per_listener_settings true, so that extra's listener has its own ACL */
};
/*
 * Picks a port the first time and writes the default config, reuses both on
 * restart.  A caller that sets port and writes its own config to conf
 * before the first call gets that config (h_broker_write_conf).
 */
bool h_broker_start(struct h_broker *b);
/* Gives b a free port and writes text as its config (then h_broker_start); false on error. */
bool h_broker_write_conf(struct h_broker *b, const char *text);
void h_broker_stop(struct h_broker *b);		/* SIGTERM (mosquitto saves its persistence) */

/* An MQTT client on libmosquitto's own thread, queueing every message it receives. */
struct h_msg {
	char *topic;
	char *payload;
	size_t len;
	bool retain;
};
struct h_mqtt;
struct h_mqtt *h_mqtt_connect(int port, const char *client_id, bool clean);
/* How to log in: an account, TLS (checked against cafile, to 127.0.0.1), MQTT 5. */
struct h_mqtt_opts {
	const char *user, *password;	/* NULL: anonymous */
	const char *cafile;		/* NULL: plain TCP */
	bool v5;
	int connack;			/* out: the CONNACK's code, -1 when none came */
};
/* h_mqtt_connect with options; NULL when the broker refused (o->connack says why) or did not answer. */
struct h_mqtt *h_mqtt_connect_opts(int port, const char *client_id, bool clean, struct h_mqtt_opts *o);
/* Subscribes and returns the SUBACK's code (granted QoS, or >= 0x80 refused); -1 when none came. */
int h_mqtt_sub_granted(struct h_mqtt *m, const char *pattern, int qos);
/*
 * Publishes at QoS 1 (publications one at a time) and waits for the PUBACK:
 * its reason code (MQTT 5: 0 accepted, 0x10 no subscribers, 0x87 not
 * authorised; 3.1.1: 0), or -1 when none came within timeout_ms.
 */
int h_mqtt_pub_ack(struct h_mqtt *m, const char *topic, const char *payload, int timeout_ms);
bool h_mqtt_sub(struct h_mqtt *m, const char *pattern, int qos);
bool h_mqtt_pub(struct h_mqtt *m, const char *topic, const char *payload, size_t len, int qos, bool retain);
/*
 * Waits for the first queued message whose topic matches the MQTT filter
 * pattern (wildcards + #) and whose payload contains `contains` (NULL: any);
 * removes it from the queue and returns it (free with h_msg_free), or NULL
 * after timeout_ms.
 */
struct h_msg *h_mqtt_wait(struct h_mqtt *m, const char *pattern, const char *contains, int timeout_ms);
/* Number of queued messages matching pattern. */
size_t h_mqtt_count(struct h_mqtt *m, const char *pattern);
void h_msg_free(struct h_msg *msg);
void h_mqtt_close(struct h_mqtt *m);

/* Reads the retained message of topic (subscribe, wait up to timeout_ms); malloc'd payload or NULL. */
char *h_retained(int port, const char *topic, int timeout_ms);

/*
 * A TCP relay on loopback, to cut a link (a mosquitto bridge's) and restore
 * it without touching either end: clients connect to its port, it forwards
 * to target.  h_relay_cut closes every relayed connection and stops
 * listening (a link gone down: the bridge sees its connection drop and
 * cannot reconnect); h_relay_restore listens on the same port again.
 * Runs on a thread of its own; h_relay_stop ends it.
 */
struct h_relay;
struct h_relay *h_relay_start(int target);
int h_relay_port(const struct h_relay *r);
void h_relay_cut(struct h_relay *r);
bool h_relay_restore(struct h_relay *r);
void h_relay_stop(struct h_relay *r);

/* Reads a whole file; malloc'd, NUL-terminated; NULL on error. */
char *h_read_file(const char *path, size_t *len);
/* Writes a file; false on error. */
bool h_write_file(const char *path, const char *text);

/* Runs a command (sh -c) and returns its stdout (malloc'd) and exit code. */
char *h_run(const char *cmd, int *exit_code);

#endif
