/*
 * federated.c — `cunbao-bench --federated`: how many child rollups a
 * federating cunbaod (config key upstream-of) absorbs, and how soon its own
 * rollup counts them.
 *
 * The bench plays C child daemons (counties): child c publishes, retained at
 * QoS 1 on <root>/rollup/c<c>/mixed/<period>, the rollup of its top area
 * encoded by the core's own rollup_encode_seq (def, terms, seq), each input
 * a newer seq of that child's.  Every tenth input is published a second
 * time verbatim, as a bridge that delivers twice: that must change nothing.
 *
 * Each child's terms are built so that, for every field, the denominator
 * (the count of values) is the child's seq: the parent's denominator is
 * then the number of inputs it has absorbed.  A watcher subscribed to the
 * parent's rollup reads it from each publication, which gives the lag of
 * the j-th input: from its publication until the parent counts j.  At the
 * end the parent's terms must be the children's last terms combined
 * (sum of num and den; max for max), its reported and expected the sums,
 * and the journal must hold exactly N rows (no repeat journaled).
 */
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "period.h"
#include "rollup.h"

#define FED_EXPECTED	40	/* groups each child expects */
#define FED_MAX_PUBS	64
#define FED_WAIT_US	(180LL * 1000000)	/* journal and parent catch-up limit */

/* The catalog: one kind with a field per aggregation (as test_federation.c). */
static const char fed_catalog[] =
    "{\"version\":1,\"kinds\":[{\"code\":\"" FED_KIND "\",\"names\":{\"zh\":\"混合\",\"en\":\"mixed\"},"
    "\"keywords\":[\"mixed\"],\"period\":\"month\",\"agg\":\"sum\","
    "\"deadline\":{\"day\":25,\"hour\":18,\"remind_hours\":24},"
    "\"example\":{\"zh\":\"mixed stock 1\",\"en\":\"mixed stock 1\"},\"fields\":[\n"
    "{\"code\":\"stock\",\"names\":{\"zh\":\"存量\",\"en\":\"stock\"},\"type\":\"decimal\",\"scale\":2,"
    "\"min\":0,\"max\":1000000,\"agg\":\"last\"},\n"
    "{\"code\":\"metres\",\"names\":{\"zh\":\"米\",\"en\":\"metres\"},\"type\":\"decimal\",\"scale\":1,"
    "\"min\":0,\"max\":1000000,\"agg\":\"sum\"},\n"
    "{\"code\":\"attendance\",\"names\":{\"zh\":\"出勤\",\"en\":\"attendance\"},\"type\":\"count\","
    "\"min\":0,\"max\":1000000,\"agg\":\"avg\"},\n"
    "{\"code\":\"peak\",\"names\":{\"zh\":\"峰值\",\"en\":\"peak\"},\"type\":\"count\","
    "\"min\":0,\"max\":1000000,\"agg\":\"max\"},\n"
    "{\"code\":\"passed\",\"names\":{\"zh\":\"合格\",\"en\":\"passed\"},\"type\":\"yesno\","
    "\"agg\":\"rate\",\"yes\":[\"yes\"],\"no\":[\"no\"]}]}]}\n";

/* Writes text into dir/name; false with err filled. */
static bool
write_file(const char *dir, const char *name, const char *text, char *err, size_t errlen)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

/* See bench.h.  The roster's children expect nothing of their own: their figures come whole. */
char *
fed_setup(const char *dir, int children, char *err, size_t errlen)
{
	size_t cap = 64 + (size_t)children * 40, off = 0, loff = 0;
	char *areas = malloc(cap), *list = malloc(cap);
	bool ok;

	if (areas == NULL || list == NULL) {
		snprintf(err, errlen, "out of memory for %d children", children);
		free(areas);
		free(list);
		return NULL;
	}
	off += (size_t)snprintf(areas, cap, "path,name,expected\n%s,%s,0\n", FED_TOP, FED_TOP);
	list[0] = '\0';
	for (int c = 1; c <= children; c++) {
		off += (size_t)snprintf(areas + off, cap - off, "%s/c%d,c%d,0\n", FED_TOP, c, c);
		loff += (size_t)snprintf(list + loff, cap - loff, "%s%s/c%d", c > 1 ? "," : "",
		    FED_TOP, c);
	}
	ok = write_file(dir, "catalog.json", fed_catalog, err, errlen) &&
	    write_file(dir, "areas.csv", areas, err, errlen) &&
	    write_file(dir, "reporters.csv", "id,name,area,role,lang\n", err, errlen);
	free(areas);
	if (!ok) {
		free(list);
		return NULL;
	}
	return list;
}

/* What a pass keeps while it runs. */
struct fed {
	const struct fed_opts *o;
	const char *root;		/* topic root of the pass */
	const struct kind *k;
	char period[CB_PERIOD_MAX];
	char parent_topic[CB_TOPIC_MAX];
	const struct catalog *cat;
	int64_t *pub_us;		/* publication time of input j (1-based) */
	uint64_t counted;		/* the parent's latest count of inputs */
	char last[CB_PAYLOAD_MAX];	/* the parent's latest rollup */
	size_t last_len;
	uint64_t undecodable;
	struct fed_result *r;
};

/*
 * The child's terms for field f at child c (1-based), seq s: den is s (the
 * values counted so far), num a value that moves with c and s; a rate's yes
 * count stays within 0..s.
 */
static void
child_terms(const struct field *f, int c, int64_t s, int64_t *num, int64_t *den)
{
	*den = s;
	if (f->agg == AGG_RATE)
		*num = (c + s) % (s + 1);
	else
		*num = (c * 37 + s * 11 + (int64_t)f->index * 5) % 5000;
}

/* Encodes child c's rollup at seq s into buf; its length, 0 when it does not encode. */
static size_t
child_rollup(struct fed *fd, int c, int64_t s, char *buf, size_t buflen)
{
	struct rollup_state st[CB_MAX_FIELDS];
	char area[CB_AREA_MAX];
	int64_t num, den;

	memset(st, 0, sizeof st);
	for (size_t i = 0; i < fd->k->nfields; i++) {
		child_terms(&fd->k->fields[i], c, s, &num, &den);
		if (!rollup_from_terms(&fd->k->fields[i], num, den, &st[i]))
			return 0;
	}
	snprintf(area, sizeof area, "c%d", c);
	return rollup_encode_seq(area, fd->k, fd->period, st, (unsigned)(s < FED_EXPECTED ? s :
	    FED_EXPECTED), FED_EXPECTED, "2026-01-01T08:00:00+08:00", s, buf, buflen);
}

/* The watcher's callback: the parent's rollup; its first field's den counts the inputs. */
static void
on_parent(void *arg, const char *topic, const void *payload, size_t len)
{
	struct fed *fd = arg;
	struct rollup_in in;
	char err[256];
	int64_t now = bench_now_us(), num, den;

	if (strcmp(topic, fd->parent_topic) != 0 || len >= sizeof fd->last)
		return;
	if (rollup_decode(payload, len, fd->cat, &in, err, sizeof err) != CB_OK) {
		if (fd->undecodable++ == 0)
			fprintf(stderr, "bench: the parent's rollup does not decode: %s\n", err);
		return;
	}
	memcpy(fd->last, payload, len);
	fd->last_len = len;
	rollup_terms(&fd->k->fields[0], &in.st[0], &num, &den);
	for (uint64_t j = fd->counted + 1; j <= (uint64_t)den && j <= fd->r->inputs; j++)
		lat_add(&fd->r->lag, now - fd->pub_us[j]);
	if ((uint64_t)den > fd->counted)
		fd->counted = (uint64_t)den;
}

/* Rows in the federating daemon's journal (read-only, beside its writer); -1 when unreadable. */
static int64_t
journal_rows(sqlite3 *db, bool exact)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, exact ? "SELECT count(*) FROM fed_journal" :
	    "SELECT coalesce(max(seq), 0) FROM fed_journal", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * The end check: the parent's last rollup against the children's last
 * inputs combined.  Fills r->why with the first difference.
 */
static bool
fed_check(struct fed *fd, uint64_t n)
{
	const struct fed_opts *o = fd->o;
	struct rollup_in in;
	char err[256];
	int children = (int)(n < (uint64_t)o->children ? n : (uint64_t)o->children);
	int64_t reported = 0, expected = 0;

	if (fd->last_len == 0) {
		snprintf(fd->r->why, sizeof fd->r->why, "no rollup of the parent on %.200s",
		    fd->parent_topic);
		return false;
	}
	if (rollup_decode(fd->last, fd->last_len, fd->cat, &in, err, sizeof err) != CB_OK) {
		snprintf(fd->r->why, sizeof fd->r->why, "the parent's rollup: %s", err);
		return false;
	}
	for (int c = 1; c <= children; c++) {
		int64_t s = (int64_t)((n - (uint64_t)c) / (uint64_t)o->children + 1);
		reported += s < FED_EXPECTED ? s : FED_EXPECTED;
		expected += FED_EXPECTED;
	}
	if (in.reported != reported || in.expected != expected) {
		snprintf(fd->r->why, sizeof fd->r->why, "parent reported/expected %" PRId64 "/%" PRId64
		    ", the children's sum %" PRId64 "/%" PRId64, in.reported, in.expected, reported,
		    expected);
		return false;
	}
	for (size_t i = 0; i < fd->k->nfields; i++) {
		const struct field *f = &fd->k->fields[i];
		int64_t num = 0, den = 0, got_num, got_den, cn, cd;

		for (int c = 1; c <= children; c++) {
			/* child c's last seq: inputs c, c+C, c+2C, ... up to n */
			child_terms(f, c, (int64_t)((n - (uint64_t)c) / (uint64_t)o->children + 1), &cn, &cd);
			num = f->agg == AGG_MAX ? (c == 1 || cn > num ? cn : num) : num + cn;
			den += cd;
		}
		rollup_terms(f, &in.st[i], &got_num, &got_den);
		if (got_num != num || got_den != den) {
			snprintf(fd->r->why, sizeof fd->r->why, "parent's %s (%s): num %" PRId64 " den %"
			    PRId64 ", the children's combined: num %" PRId64 " den %" PRId64, f->code,
			    agg_name(f->agg), got_num, got_den, num, den);
			return false;
		}
	}
	return true;
}

/* Polls the clients and the consumer until cond(fd) or the limit; false on a dead consumer or timeout. */
static bool
fed_wait(struct fed *fd, struct mq **v, size_t nv, sqlite3 *db, uint64_t *rows, bool parent)
{
	int64_t end = bench_now_us() + FED_WAIT_US;

	while (bench_now_us() < end) {
		int64_t n = journal_rows(db, false);
		if (n >= 0)
			*rows = (uint64_t)n;
		if (parent ? fd->counted >= fd->r->inputs : *rows >= fd->r->inputs)
			return true;
		if (!proc_alive(fd->o->consumer)) {
			snprintf(fd->r->why, sizeof fd->r->why, "the federating cunbaod died");
			return false;
		}
		mq_poll(v, nv, 5);
	}
	snprintf(fd->r->why, sizeof fd->r->why, parent ? "the parent's rollup counted %" PRIu64
	    " of %" PRIu64 " inputs after %lld s" : "%" PRIu64 " of %" PRIu64
	    " inputs journaled after %lld s", parent ? fd->counted : *rows, fd->r->inputs,
	    FED_WAIT_US / 1000000);
	return false;
}

/*
 * Publishes every input at the pace asked, a window of W unacknowledged
 * per publisher, input i (0-based) from child i % C at seq i / C + 1, and
 * every tenth twice.  false when a publish is refused or the consumer dies.
 */
static bool
fed_publish(struct fed *fd, struct mq **pub, size_t k, struct mq **all, size_t nall)
{
	const struct fed_opts *o = fd->o;
	char topic[CB_TOPIC_MAX], area[16];
	static char buf[CB_PAYLOAD_MAX];
	int64_t t0 = bench_now_us();

	for (uint64_t i = 0; i < o->inputs;) {
		int c = (int)(i % (uint64_t)o->children) + 1;
		int64_t s = (int64_t)(i / (uint64_t)o->children) + 1, now = bench_now_us();
		struct mq *m = pub[(size_t)(c - 1) % k];
		bool due = o->rate <= 0 || now >= t0 + (int64_t)((double)i * 1e6 / o->rate);

		if (!due || mq_unacked(m) >= o->window) {
			if (!proc_alive(o->consumer)) {
				snprintf(fd->r->why, sizeof fd->r->why, "the federating cunbaod died");
				return false;
			}
			mq_poll(all, nall, due ? 5 : 1);
			continue;
		}
		size_t len = child_rollup(fd, c, s, buf, sizeof buf);
		snprintf(area, sizeof area, "c%d", c);
		topic_rollup(fd->root, area, FED_KIND, fd->period, topic, sizeof topic);
		fd->pub_us[i + 1] = now;
		if (len == 0 || !mq_publish_retain(m, topic, buf, len, 1, true) ||
		    (i % 10 == 9 && !mq_publish_retain(m, topic, buf, len, 1, true))) {
			snprintf(fd->r->why, sizeof fd->r->why, "input %" PRIu64 " (%s seq %" PRId64
			    ") %s", i, area, s, len == 0 ? "does not encode" : "refused by libmosquitto");
			return false;
		}
		fd->r->repeats += i % 10 == 9;
		i++;
		if (i % 64 == 0)
			mq_poll(all, nall, 0);
	}
	return true;
}

/* Reads the file at path into a NUL-terminated malloc'd buffer; NULL on failure. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	if (f != NULL)
		fclose(f);
	return buf;
}

/* True once the daemon's log says it has subscribed (its inputs would otherwise be missed). */
static bool
log_says(const char *path, const char *needle)
{
	size_t len = 0;
	char *text = slurp(path, &len);
	bool yes = text != NULL && strstr(text, needle) != NULL;

	free(text);
	return yes;
}

/* Connects the K publishers and the watcher of the parent's rollup; false with r->why filled. */
static bool
fed_connect(struct fed *fd, const struct target *t, struct mq **all, size_t k)
{
	char id[96], err[256];

	for (size_t i = 0; i <= k; i++) {
		snprintf(id, sizeof id, "bench-%s-%s-%zu", t->tag, i < k ? "child" : "watch", i);
		if ((all[i] = mq_new(t->host, t->port, id, on_parent, fd, err, sizeof err)) == NULL) {
			snprintf(fd->r->why, sizeof fd->r->why, "%s", err);
			return false;
		}
	}
	if (!mq_subscribe(all[k], fd->parent_topic, 1)) {
		snprintf(fd->r->why, sizeof fd->r->why, "subscribe %.200s refused", fd->parent_topic);
		return false;
	}
	return true;
}

/* See bench.h.  The catalog is read back from o->dir, as the daemon reads it. */
bool
fed_run(const struct target *t, const struct fed_opts *o, struct fed_result *r)
{
	struct fed fd = { .o = o, .root = t->root, .r = r };
	struct mq *all[FED_MAX_PUBS + 1] = { 0 };
	size_t k = (size_t)(o->senders < FED_MAX_PUBS ? o->senders : FED_MAX_PUBS), len = 0;
	char path[600], err[1024];
	struct catalog *cat = NULL;
	sqlite3 *db = NULL;
	uint64_t rows = 0;
	bool ok = false;

	memset(r, 0, sizeof *r);
	r->inputs = o->inputs;
	snprintf(path, sizeof path, "%s/catalog.json", o->dir);
	char *text = slurp(path, &len);
	if (text == NULL || (cat = catalog_load(text, len, path, err, sizeof err)) == NULL) {
		snprintf(r->why, sizeof r->why, "%.200s: %.300s", path, text ? err : strerror(errno));
		free(text);
		return false;
	}
	free(text);
	fd.cat = cat;
	fd.k = catalog_kind(cat, FED_KIND);
	struct period p = period_of(fd.k->period, (int64_t)time(NULL), 8 * 3600);
	period_format(&p, fd.period, sizeof fd.period);
	topic_rollup(t->root, FED_TOP, FED_KIND, fd.period, fd.parent_topic, sizeof fd.parent_topic);
	if ((fd.pub_us = calloc(o->inputs + 1, sizeof *fd.pub_us)) == NULL) {
		snprintf(r->why, sizeof r->why, "out of memory for %" PRIu64 " inputs", o->inputs);
		goto out;
	}
	for (int waited = 0; !log_says(o->consumer->log, "mqtt: subscribed"); waited += 50) {
		if (!proc_alive(o->consumer) || waited > 60000) {
			snprintf(r->why, sizeof r->why, "the federating cunbaod %s",
			    proc_alive(o->consumer) ? "did not subscribe within 60 s" :
			    "exited before it subscribed (its log above says why)");
			goto out;
		}
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
	}
	if (!fed_connect(&fd, t, all, k))
		goto out;
	if (sqlite3_open_v2(o->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(r->why, sizeof r->why, "%s: %s", o->db, sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_busy_timeout(db, 1000);
	int64_t t0 = bench_now_us();
	o->mark(o->mark_arg, true);
	if (!fed_publish(&fd, all, k, all, k + 1) || !fed_wait(&fd, all, k + 1, db, &rows, false)) {
		o->mark(o->mark_arg, false);
		goto out;
	}
	o->mark(o->mark_arg, false);
	r->seconds = (double)(bench_now_us() - t0) / 1e6;
	r->rate = r->seconds > 0 ? (double)o->inputs / r->seconds : 0;
	ok = fed_wait(&fd, all, k + 1, db, &rows, true);
	r->lag_lost = o->inputs - r->lag.n;
	/* The repeats went out before the last input: by now they were handled (or journaled). */
	int64_t exact = journal_rows(db, true);
	r->journaled = exact > 0 ? (uint64_t)exact : 0;
	r->complete = ok && r->journaled == o->inputs;
	if (ok && r->journaled != o->inputs)
		snprintf(r->why, sizeof r->why, "%" PRIu64 " journal rows for %" PRIu64
		    " inputs (and %" PRIu64 " repeats, which must change nothing)", r->journaled,
		    o->inputs, r->repeats);
	r->correct = r->complete && fed_check(&fd, o->inputs);
	ok = true;
out:
	for (size_t i = 0; i <= k; i++)
		mq_free(all[i]);
	sqlite3_close(db);
	free(fd.pub_us);
	catalog_free(cat);
	return ok;
}
