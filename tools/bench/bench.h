/*
 * bench.h — the private interfaces of cunbao-bench.
 *
 * cunbao-bench drives the same deterministic message stream through two
 * consumers on the same broker: a minimal echo (the broker's own round-trip
 * limit) and a real cunbaod, and prints both rates and their ratio.
 *
 *   main.c      options, passes, wiring
 *   mq.c        a libmosquitto client driven by poll(), no library thread
 *   echo.c      the ceiling consumer (runs as `cunbao-bench --echo`)
 *   senders.c   K publishers, a window of W awaiting receipts, retries
 *   probe.c     rollup staleness: report receipt -> retained rollup seen
 *   workload.c  the roster (thousands of groups) and the message stream
 *   stats.c     latency samples and percentiles
 *   procs.c     child processes, the private broker, /proc figures
 *   query.c     admin API latency on a large database
 *   federated.c --federated: child rollups into a federating cunbaod
 *   report.c    the human table and --json
 */
#ifndef CB_BENCH_H
#define CB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <sys/types.h>

#include "cunbao.h"
#include "topic.h"

/* ---- time ---- */

/* Microseconds on the monotonic clock. */
int64_t bench_now_us(void);

/* ---- stats.c: latency samples ---- */

struct lat {
	uint32_t *us;		/* samples in microseconds, owned */
	size_t n, cap;
	bool sorted;
};

/* Adds one sample (clamped to [0, UINT32_MAX] µs); false when out of memory. */
bool lat_add(struct lat *l, int64_t us);
/* The q-quantile (0..1) in milliseconds by nearest rank; -1 when there are no samples. */
double lat_quantile(struct lat *l, double q);
void lat_free(struct lat *l);

/* ---- mq.c: one MQTT client driven by our own poll loop ---- */

struct mq;
typedef void (*mq_message_fn)(void *arg, const char *topic, const void *payload, size_t len);

/*
 * Connects client_id (clean session) to host:port and waits for CONNACK.
 * Every message received is handed to fn(arg, ...) from inside mq_handle.
 * Returns NULL with err filled on failure.
 */
struct mq *mq_new(const char *host, int port, const char *client_id, mq_message_fn fn,
    void *arg, char *err, size_t errlen);
void mq_free(struct mq *m);
/* Subscribes (remembered for reconnects) and waits for SUBACK; false on failure. */
bool mq_subscribe(struct mq *m, const char *pattern, int qos);
/* Queues one publish; it goes out at the next mq_handle.  false if refused. */
bool mq_publish(struct mq *m, const char *topic, const void *payload, size_t len, int qos);
/* mq_publish with the retain flag (a child daemon's rollups are retained). */
bool mq_publish_retain(struct mq *m, const char *topic, const void *payload, size_t len, int qos,
    bool retain);
/* QoS 1 publishes queued by this client and not yet PUBACKed. */
uint64_t mq_unacked(const struct mq *m);
/* Fills pfd for poll(): the socket and POLLIN, plus POLLOUT when bytes wait. */
void mq_pollfd(struct mq *m, struct pollfd *pfd);
/* Reads every waiting packet, writes what is queued, keeps alive, reconnects. */
void mq_handle(struct mq *m, short revents);
/* Polls the given clients once for at most timeout_ms and handles them. */
void mq_poll(struct mq **v, size_t n, int timeout_ms);
/* Number of reconnects so far. */
unsigned mq_reconnects(const struct mq *m);

/* ---- workload.c: roster and message stream ---- */

enum msg_class {
	MSG_SMS,		/* a valid SMS envelope */
	MSG_REPORT,		/* a valid JSON report */
	MSG_BAD,		/* bad input that must be rejected */
	MSG_DUP,		/* a repeat of an earlier id */
	MSG_CLASS_COUNT
};

struct msg {
	char id[CB_ID_MAX + 1];
	enum msg_class cls;
	char topic[CB_TOPIC_MAX];
	char payload[CB_PAYLOAD_MAX];
	size_t len;
};

struct workload_opts {
	const char *catalog_path;
	int townships, villages, groups;	/* per parent */
	int probe_villages;			/* staleness probes: one group each */
	unsigned bad_permille, dup_permille;	/* shares of bad input and repeats */
	uint64_t seed;
};

struct workload;
struct catalog;
struct proc;

/* Loads the catalog and lays out the roster; NULL with err filled on failure. */
struct workload *workload_new(const struct workload_opts *o, char *err, size_t errlen);
void workload_free(struct workload *w);
/* Writes areas.csv and reporters.csv into dir; false with err filled on failure. */
bool workload_write_roster(const struct workload *w, const char *dir, char *err, size_t errlen);
/* The catalog the stream is drawn from (owned by w). */
const struct catalog *workload_catalog(const struct workload *w);
/* Number of reporting groups (probe groups excluded). */
size_t workload_groups(const struct workload *w);

/*
 * Builds message i of the stream into *out, with `tag` making ids unique to
 * a pass, `source` the receipt address, under topic root `root`.  The same
 * (seed, i) gives the same message.  A repeat (MSG_DUP) is message
 * i - stride*back of the same sender's substream, re-sent verbatim; stride
 * is the number of senders.  Returns false if the message could not be
 * encoded (a bug: logged by the caller).
 */
bool workload_message(const struct workload *w, const char *root, const char *tag,
    const char *source, uint64_t i, uint64_t stride, unsigned window, struct msg *out);

/* Message i of a three-year history (valid reports of past periods), for --query. */
bool workload_history(const struct workload *w, const char *root, const char *tag, uint64_t i,
    int64_t now, struct msg *out);

/* The area path of group g (0-based). */
void workload_group_area(const struct workload *w, size_t g, char *buf, size_t buflen);

/* The probe report for village v (0-based) carrying value; false if it does not encode. */
bool workload_probe(const struct workload *w, const char *root, const char *tag,
    const char *source, int v, int64_t value, struct msg *out);
/* The probe kind's code and field code; the rollup area of village v. */
const char *workload_probe_kind(const struct workload *w);
const char *workload_probe_field(const struct workload *w);
void workload_probe_area(const struct workload *w, int v, char *buf, size_t buflen);
/* A ping: a report for an unknown area, rejected without touching rollups. */
bool workload_ping(const struct workload *w, const char *root, const char *id,
    const char *source, struct msg *out);

/* ---- senders.c and probe.c: one measured pass ---- */

struct target {
	const char *host;
	int port;
	const char *root;	/* topic root of this pass */
	const char *tag;	/* unique per pass: ids and client ids */
};

struct run_opts {
	int senders;		/* K */
	unsigned window;	/* W per sender */
	uint64_t messages;	/* N */
	double rate;		/* messages/s over all senders, 0: as fast as receipts allow */
	int timeout_ms;		/* first retry after this; doubled each retry, capped */
	int ready_ms;		/* how long to wait for the consumer to answer a ping */
	int probes;		/* staleness probe villages, 0: none */
	int probe_gap_ms;	/* pause between one probe's rollup and its next report */
	struct proc *consumer;	/* checked while waiting: a dead consumer ends the pass */
	void (*mark)(void *arg, bool start);	/* called when the timed stream starts/ends */
	void *mark_arg;
};

struct run_result {
	uint64_t sent, publishes, retries, receipts, extra, skipped_dups;
	uint64_t status[3];			/* accepted, rejected, duplicate */
	uint64_t by_class[MSG_CLASS_COUNT];	/* messages of each class receipted */
	uint64_t unexpected;			/* a receipt whose status does not fit its class */
	uint64_t bad_receipts;			/* receipts that did not decode */
	unsigned reconnects;
	double seconds;				/* first publish -> last receipt */
	double rate;				/* receipts / seconds */
	struct lat latency;			/* publish -> receipt */
	struct lat stale;			/* receipt -> rollup (probes) */
	uint64_t probes, probe_lost;		/* probes receipted; rollups never seen */
	bool ready;				/* the consumer answered the pings */
	bool complete;				/* every message got its receipt */
};

/*
 * Runs one pass: connects K senders (and the probe client when
 * o->probes > 0), pings until the consumer answers, then sends N messages
 * of the stream and waits for every receipt (retrying on timeout with the
 * same id).  Fills *r (the caller frees it with run_result_free).  Returns
 * false with err filled when the pass could not run or finish.
 */
bool senders_run(const struct target *t, const struct run_opts *o, const struct workload *w,
    struct run_result *r, char *err, size_t errlen);
void run_result_free(struct run_result *r);

struct probe;
struct probe *probe_new(const struct target *t, const struct workload *w, int villages,
    int gap_ms, char *err, size_t errlen);
void probe_free(struct probe *p);
struct mq *probe_mq(struct probe *p);
/* Retries overdue probes and, with more, sends the next ones that are due. */
void probe_tick(struct probe *p, int64_t now, bool more);
/* True once every probe sent has been receipted and its rollup seen (or given up). */
bool probe_idle(const struct probe *p);
/* Moves the staleness samples and counts into r. */
void probe_result(struct probe *p, struct run_result *r);

/* ---- query.c ---- */

/*
 * Makes database db hold n history reports with the roster written in dir:
 * reused when it holds n already, completed when it holds fewer, created
 * otherwise; *had is how many it held before.  false with err filled.
 */
bool query_fill(const struct workload *w, const char *dir, const char *db, uint64_t n,
    uint64_t *had, char *err, size_t errlen);

/* GETs path from 127.0.0.1:port into buf (response text, NUL-terminated); the HTTP status. */
int http_fetch(int port, const char *path, const char *token, char *buf, size_t buflen);
/* Asks the API on port each endpoint's questions; fills q->q[]; false if nothing answered. */
struct query_figures;
bool query_measure(const struct workload *w, int port, const char *token, struct query_figures *q);

/* ---- federated.c: a federating cunbaod's fan-in ---- */

/* The kind every child rollup is of: one field per aggregation (last, sum, avg, max, rate). */
#define FED_KIND "mixed"
/* The federating daemon's own (top) area; the children are FED_TOP/c1 .. FED_TOP/cC. */
#define FED_TOP "nat"

/*
 * Writes the federated roster into dir: catalog.json (FED_KIND), areas.csv
 * (FED_TOP and its C children), an empty reporters.csv.  Returns the
 * upstream-of list ("nat/c1,nat/c2,...", malloc'd) or NULL with err filled.
 */
char *fed_setup(const char *dir, int children, char *err, size_t errlen);

struct fed_opts {
	int children;		/* C */
	uint64_t inputs;	/* N child rollups, each a newer seq of one child's */
	double rate;		/* inputs/s, 0: as fast as PUBACKs allow */
	int senders;		/* K publishers; child c publishes through publisher c % K */
	unsigned window;	/* W unacknowledged publishes per publisher */
	const char *dir;	/* where fed_setup wrote the catalog */
	const char *db;		/* the federating daemon's database (journal counted there) */
	struct proc *consumer;	/* the federating cunbaod: dead ends the pass */
	void (*mark)(void *arg, bool start);	/* the timed stream starts/ends */
	void *mark_arg;
};

struct fed_result {
	uint64_t inputs, repeats;	/* published: new seqs, verbatim second deliveries */
	uint64_t journaled;		/* rows in fed_journal at the end (must be inputs) */
	double seconds;			/* first publish -> last input journaled */
	double rate;			/* inputs journaled per second */
	struct lat lag;			/* publish -> the parent's rollup counting it */
	uint64_t lag_lost;		/* inputs the parent's rollup never counted */
	bool complete;			/* every input journaled, the parent caught up */
	bool correct;			/* the parent's figures are the children's combined */
	char why[512];			/* what went wrong, "" when nothing did */
};

/*
 * Publishes N child rollups as C child daemons would (retained, QoS 1,
 * rising seq; every tenth delivered twice), waits until every one is
 * journaled and the parent's rollup counts them all, and checks the
 * parent's figures.  false with r->why filled when it could not run.
 */
bool fed_run(const struct target *t, const struct fed_opts *o, struct fed_result *r);

/* ---- check.c ---- */

/* `--check N`: the first N messages through the pure core; 0 if each class reads right. */
int check_main(const struct workload *w, uint64_t n, bool dump);

/* ---- echo.c ---- */

/* The ceiling consumer's main: `cunbao-bench --echo HOST:PORT ROOT`. */
int echo_main(const char *host, int port, const char *root);

/* ---- procs.c ---- */

struct proc {
	pid_t pid;
	char name[32];
	char log[512];
	int status;
	bool reaped;
};

/* Starts argv with stdout+stderr into log (appended); registered for cleanup. */
bool proc_spawn(struct proc *p, const char *name, char *const argv[], const char *log);
/* SIGTERM, wait up to timeout_ms, then SIGKILL; returns the exit code (128+sig if killed). */
int proc_stop(struct proc *p, int timeout_ms);
bool proc_alive(struct proc *p);
/* Prints the last lines of p's log to stderr. */
void proc_dump_log(const struct proc *p);
/* Kills every process still running (at exit and on fatal signals). */
void procs_cleanup(void);

struct usage {
	double cpu_s;		/* utime + stime */
	double sys_s;		/* stime: the kernel's share */
	long hwm_kib;		/* VmHWM */
	long rss_kib;		/* VmRSS */
};
/* Reads /proc/<pid>/stat and status; false if the process is gone. */
bool proc_usage(pid_t pid, struct usage *u);
/* Our own CPU seconds (getrusage). */
double self_cpu_s(void);

int port_free(void);
bool port_wait(int port, int timeout_ms);

struct broker {
	int port;
	struct proc proc;
};
/* A private mosquitto on a free loopback port, nothing dropped, nothing persisted. */
bool broker_start(struct broker *b, const char *dir, char *err, size_t errlen);

/* A fresh scratch directory under $TMPDIR (or /tmp); removed by dir_remove. */
bool dir_make(char *buf, size_t buflen);
void dir_remove(const char *path);
/* Size of a file in bytes, 0 if absent. */
long long file_size(const char *path);
/* True if path is an executable file. */
bool file_executable(const char *path);
/* The version line of mosquitto ("2.0.11") into buf; "" if unknown. */
void mosquitto_version_text(char *buf, size_t buflen);

#endif

/* ---- main.c and report.c: what a bench run found ---- */

/* A stopped cunbaod's database (dbsize.c). */
#define DB_SIZE_TABLES 6
struct db_size {
	long long file, wal;		/* bytes */
	long long journal, reports, rollups;	/* rows */
	size_t ntables;			/* the largest tables, their indexes included, largest first */
	struct {
		char name[40];
		long long bytes;
	} table[DB_SIZE_TABLES];
};
/* Reads db's sizes and counts (read-only); false when it cannot be opened. */
bool db_size_read(const char *db, struct db_size *out);

struct pass_figures {
	char name[48];			/* "ceiling (echo)", "cunbaod", ... */
	bool daemon;			/* cunbaod (else the echo) */
	bool ran;			/* false: skipped, note says why */
	bool failed;			/* ran but did not finish; note says why */
	char note[1200];
	uint64_t messages;
	double rate_asked;		/* 0: as fast as it goes */
	struct run_result r;
	double consumer_cpu_s;		/* echo or cunbaod, during the timed stream */
	double consumer_sys_s;		/* the kernel's part of it */
	double broker_cpu_s, bench_cpu_s;
	long consumer_hwm_kib;		/* peak RSS of the consumer */
	long long db_bytes;		/* database and WAL after a clean stop; 0 for the echo */
	struct db_size db;		/* what it holds (db.file 0: not read) */
	/* cunbaod's own /metrics at the end of the pass (have: they could be read). */
	struct {
		bool have;
		double batches, batch_messages, batch_max, commit_s;
		double rollups, completeness, receipts;
		double syncs, sync_s, wal_frames;
	} m;
};

#define SCALE_MAX 4

struct query_figures {
	bool ran;
	char note[640];
	uint64_t reports;		/* in the database queried */
	double fill_seconds;
	struct {
		char name[32];		/* "rollups", "completeness", "export" */
		char path[600];
		unsigned requests;
		double p50, p99, max;	/* ms */
	} q[8];
	size_t nq;
};

/* One --federated pass (main.c fills it, report.c prints it). */
struct fed_figures {
	char name[48];
	bool ran, failed;
	char note[1200];
	int children;
	double rate_asked;		/* 0: full speed */
	struct fed_result r;
	double consumer_cpu_s;		/* the federating cunbaod, during the timed stream */
	long consumer_hwm_kib;
	long long db_bytes;		/* database and WAL after a clean stop */
	double rollups_published;	/* its /metrics; -1 unknown */
};

struct bench_report {
	char command[512];
	char cpu[128];
	long nproc;
	char mosquitto[32];
	char loadavg[64];		/* /proc/loadavg when the run began: was the machine quiet? */
	int senders;
	unsigned window;
	uint64_t seed;
	size_t groups;
	unsigned bad_permille, dup_permille;
	struct pass_figures ceiling, daemon, ceiling_half, daemon_half;
	struct pass_figures scale[SCALE_MAX];
	size_t nscale;
	struct query_figures query;
	struct fed_figures fed[2];	/* --federated: full speed, paced */
	size_t nfed;
};

/* Prints the human table (what BENCHMARKS.md shows). */
void report_print(FILE *f, struct bench_report *b);
/* Prints the same figures as one JSON object. */
bool report_json(FILE *f, struct bench_report *b);
