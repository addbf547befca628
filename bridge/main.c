/*
 * main.c — cunbao-bridge: options, the config, signals, wiring.
 *
 *   cunbao-bridge [-dnvV] [-c FILE] [--log-unmasked] [--KEY VALUE ...]
 *
 * Every config key is also a flag (--broker, --listen, --spool, --prefix,
 * --source, --kannel-sendsms, --kannel-user, --kannel-pass, ...), and flags
 * win over the file.  The one-letter flags mean what cunbaod's mean: -d
 * stays in the foreground (the bridge never forks, so it always does), -n
 * checks the configuration and exits, -v logs debug lines.  Whole phone
 * numbers are logged only with --log-unmasked, which is itself logged as a
 * warning.  SIGHUP re-reads the file and swaps
 * the new settings in only when they are valid and need no restart;
 * SIGTERM and SIGINT stop accepting webhooks, let replies in flight finish
 * (up to send-timeout) and exit.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bridge.h"
#include "daemon/notify.h"

#define FLAGS_MAX	64
#define ERR_MAX		8192
#define FILE_MAX	(1024 * 1024)

struct flag {
	const char *key, *value;
};

struct bridge {
	struct event_base *base;
	struct bridge_conf conf;
	const char *file;
	struct flag flags[FLAGS_MAX];
	int nflags;
	struct spool *sp;
	struct relay *relay;
	struct http *http;
	struct event *sigterm, *sigint, *sighup, *deadline;
	struct notify *notify;		/* systemd's protocol (daemon/notify.h) */
	struct notify_rate sent;	/* replies sent, for STATUS= */
};

/* Keys whose change needs a restart: a reload that changes one is refused. */
static const char *const restart_keys[] = {
	"broker", "listen", "spool", "prefix", "source", "mqtt-id", "mqtt-keepalive", "send-timeout",
	"mqtt-user", "mqtt-password-file", "mqtt-cafile", "mqtt-certfile", "mqtt-keyfile",
	"kannel", "generic", "telegram", NULL,
};

static void
usage(FILE *f)
{
	char def[128];
	const struct conf_entry *e;
	int i;

	fprintf(f, "usage: cunbao-bridge [-dnvV] [-c FILE] [--log-unmasked] [--KEY VALUE ...]\n\n"
	    "  -d                 stay in the foreground, log to stderr (as cunbaod; the bridge always does)\n"
	    "  -n                 check the configuration and exit (warnings too)\n"
	    "  -v, --verbose      log debug lines\n"
	    "  -c FILE            config file of `key value` lines\n"
	    "  -V, --version      print the version\n"
	    "  --log-unmasked     log whole phone numbers and chat ids (personal data: debugging only)\n"
	    "\nkeys (also flags, which win over the file):\n");
	for (e = bridge_conf_table; e->key != NULL; e++) {
		snprintf(def, sizeof def, "%s", e->def ? e->def : "");
		fprintf(f, "  --%-20s %s [%s]\n", e->key, e->help, def);
	}
	fprintf(f, "\nchat platforms: each instance is a section of the config file, after the keys\n"
	    "above, its keys below it up to the next section, served on /<platform>/<name>:\n"
	    "  [wecom hexi]\n  token-file /etc/cunbao/wecom-hexi.token\n  aes-key-file /etc/cunbao/wecom-hexi.aes\n"
	    "  receiver ww1436e0e65a779aee\n  ...\n"
	    "each platform's keys (docs/bridge.md has what to copy from its console; -n checks\n"
	    "every section):\n");
	for (i = 0; chat_platforms[i] != NULL; i++) {
		fprintf(f, "  [%s NAME]\n", chat_platforms[i]->platform);
		for (e = chat_platforms[i]->table; e->key != NULL; e++)
			fprintf(f, "    %-16s %s [%s]\n", e->key, e->help, e->def ? e->def : "");
	}
	fprintf(f, "\nsystemd: with NOTIFY_SOCKET set (Type=notify) the bridge reports READY=1 once the\n"
	    "broker connected (or 5 s after the first attempt), its spool and replies as STATUS=\n"
	    "and, with WATCHDOG_USEC, keep-alives; when stderr is the journal (JOURNAL_STREAM)\n"
	    "each line starts with its syslog priority.\n");
}

/*
 * Prints, for cunbao.conf(5), one item per chat platform ("[wecom name]")
 * holding the list of its section's keys, from the tables the sections are
 * parsed with.  Returns -1 (done, exit 0) or 1 when a list did not fit.
 */
static int
help_mdoc_chat(FILE *f)
{
	static char keys[1 << 15];
	int i;

	for (i = 0; chat_platforms[i] != NULL; i++) {
		if (conf_mdoc(chat_platforms[i]->table, keys, sizeof keys) == 0)
			return 1;
		fprintf(f, ".It Bq Cm %s Ar name\n.Bl -tag -width Ds\n%s.El\n", chat_platforms[i]->platform,
		    keys);
	}
	return fflush(f) == 0 ? -1 : 1;
}

/* Reads a whole file; malloc'd and NUL-terminated, NULL (err) on failure. */
static char *
read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;

	if (f == NULL || (buf = malloc(FILE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "%s: cannot read\n", path);
		goto done;
	}
	*len = fread(buf, 1, FILE_MAX + 1, f);
	if (ferror(f) || *len > FILE_MAX) {
		snprintf(err, errlen, "%s: cannot read (or larger than %d bytes)\n", path, FILE_MAX);
		free(buf);
		buf = NULL;
		goto done;
	}
	buf[*len] = '\0';
done:
	if (f != NULL)
		fclose(f);
	return buf;
}

/* Defaults, then the file, then the flags, then the checks; returns the number of errors (in err). */
static int
load(const struct bridge *b, struct bridge_conf *c, char *err, size_t errlen)
{
	char one[512];
	int n = 0, i;

	err[0] = '\0';
	conf_defaults(bridge_conf_table, c);
	if (b->file != NULL) {
		size_t len = 0;
		char *text = read_file(b->file, &len, err, errlen);

		if (text == NULL)
			return 1;
		n += config_parse_file(c, b->file, text, len, err, errlen);
		free(text);
	}
	for (i = 0; i < b->nflags; i++) {
		if (!conf_set(bridge_conf_table, c, b->flags[i].key, b->flags[i].value, one, sizeof one)) {
			err_append(err, errlen, "--%s\n", one);
			n++;
		}
	}
	n += config_read_secrets(c, err, errlen);
	return n + config_check(c, err, errlen);
}

/* What the command line asks for besides config keys. */
struct options {
	bool check;		/* -n */
	bool verbose;		/* -v */
	bool unmasked;		/* --log-unmasked */
};

/*
 * Reads the command line into b and o; returns 0 to go on, -1 after -h, -V
 * or --help-mdoc printed what they print (exit 0), or the exit status of a
 * bad option.
 */
static int
parse_args(struct bridge *b, int argc, char **argv, struct options *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] == '-' && a[1] != '-' && a[1] != '\0' && strspn(a + 1, "dnv") == strlen(a + 1)) {
			/* -d (foreground: the bridge never leaves it), -n, -v, alone or together as -dv. */
			o->check = o->check || strchr(a, 'n') != NULL;
			o->verbose = o->verbose || strchr(a, 'v') != NULL;
		} else if (strcmp(a, "--verbose") == 0)
			o->verbose = true;
		else if (strcmp(a, "--log-unmasked") == 0)
			o->unmasked = true;
		else if (strcmp(a, "-c") == 0 && i + 1 < argc)
			b->file = argv[++i];
		else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("cunbao-bridge %s\n", CUNBAO_VERSION);
			return -1;
		} else if (strcmp(a, "--help-mdoc") == 0) {	/* hidden: the keys for cunbao.conf(5) */
			static char keys[1 << 16];

			return conf_mdoc(bridge_conf_table, keys, sizeof keys) > 0 && fputs(keys, stdout) >= 0 ? -1 : 1;
		} else if (strcmp(a, "--help-mdoc-chat") == 0) {	/* hidden: the sections' keys, cunbao.conf(5) */
			return help_mdoc_chat(stdout);
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return -1;
		} else if (strncmp(a, "--", 2) == 0 && conf_find(bridge_conf_table, a + 2) != NULL &&
		    i + 1 < argc && b->nflags < FLAGS_MAX) {
			b->flags[b->nflags++] = (struct flag){ a + 2, argv[++i] };
		} else {
			fprintf(stderr, "cunbao-bridge: unknown or incomplete option %s\n\n", a);
			usage(stderr);
			return 2;
		}
	}
	return 0;
}

/* True if the new settings differ from the running ones in a key that needs a restart. */
static bool
needs_restart(const struct bridge_conf *old, const struct bridge_conf *new, const char **which)
{
	size_t i;

	for (i = 0; restart_keys[i] != NULL; i++) {
		const struct conf_entry *e = conf_find(bridge_conf_table, restart_keys[i]);
		size_t size = e->type == CONF_BOOL ? sizeof(bool) : e->type == CONF_INT ||
		    e->type == CONF_DURATION ? sizeof(int64_t) : e->size;

		if (memcmp((const char *)old + e->offset, (const char *)new + e->offset, size) != 0) {
			*which = e->key;
			return true;
		}
	}
	return false;
}

/* True if both settings have the same chat sections in the same order (their routes stay valid). */
static bool
same_sections(const struct bridge_conf *old, const struct bridge_conf *new)
{
	int k;

	if (old->nchats != new->nchats)
		return false;
	for (k = 0; k < old->nchats; k++)
		if (strcmp(old->chats[k].module, new->chats[k].module) != 0)
			return false;
	return true;
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct bridge *b = arg;
	static struct bridge_conf c;
	static char err[ERR_MAX];
	const char *which;

	if (load(b, &c, err, sizeof err) != 0) {
		log_warnx("reload refused, the running settings stay:\n%s", err);
		return;
	}
	if (!same_sections(&b->conf, &c)) {
		log_warnx("reload refused: the [platform name] sections changed, which needs a restart");
		return;
	}
	if (needs_restart(&b->conf, &c, &which)) {
		log_warnx("reload refused: %s changed, which needs a restart", which);
		return;
	}
	notify_reloading(b->notify);
	b->conf = c;
	http_apply(b->http);
	relay_reconfigure(b->relay);
	log_info("reloaded %s", b->file ? b->file : "(no file)");
	notify_reloaded(b->notify);
}

static void
on_drained(void *arg)
{
	struct bridge *b = arg;

	event_base_loopexit(b->base, NULL);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct bridge *b = arg;

	log_warnx("replies still in flight at exit: they will be sent again after the restart");
	event_base_loopexit(b->base, NULL);
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct bridge *b = arg;
	struct timeval tv = { b->conf.send_timeout / 1000 + 1, 0 };

	if (b->http == NULL)
		return;		/* already stopping */
	log_info("signal %d: stopping", (int)sig);
	notify_stopping(b->notify);
	http_free(b->http);
	b->http = NULL;
	b->deadline = evtimer_new(b->base, on_deadline, b);
	if (b->deadline != NULL)
		evtimer_add(b->deadline, &tv);
	relay_drain(b->relay, on_drained, b);
}

/* Writes the configuration's warnings to f (-n), or logs each as a warning when f is NULL. */
static void
warnings(const struct bridge_conf *c, FILE *f)
{
	char text[2048], *line, *save = NULL;

	if (config_warnings(c, text, sizeof text) == 0)
		return;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (f != NULL)
			fprintf(f, "warning: %s\n", line);
		else
			log_warnx("%s", line);
	}
}

/* notify_ops: the broker session is up (as /healthz tells). */
static bool
notify_connected(void *arg)
{
	struct bridge *b = arg;
	char health[512];

	return relay_health(b->relay, health, sizeof health) == 200 &&
	    strstr(health, "\"mqtt\":\"connected\"") != NULL;
}

/*
 * notify_ops: the STATUS= systemctl shows: the broker, the spool's
 * envelopes waiting for a receipt, the replies pending, sent in the last
 * minute and failed.
 */
static void
notify_status(void *arg, char *buf, size_t buflen)
{
	struct bridge *b = arg;
	struct spool_counts c;

	if (!spool_counts(b->sp, &c)) {
		snprintf(buf, buflen, "spool %s unreadable", b->conf.spool);
		return;
	}
	uint64_t sent = notify_rate_add(&b->sent, (uint64_t)c.reply[REPLY_SENT], notify_now_ms());

	snprintf(buf, buflen, "%s; spool: %lld waiting for a receipt; replies: %lld pending, %llu sent in the "
	    "last minute, %lld failed", notify_connected(b) ? "connected" : "broker not connected, retrying",
	    (long long)c.inbound[0], (long long)c.reply[REPLY_PENDING], (unsigned long long)sent,
	    (long long)c.reply[REPLY_FAILED]);
}

/* Opens the spool, the relay and the webhook server; fatal on failure (start-up only). */
static void
start(struct bridge *b)
{
	char err[512];
	struct http_handlers h = { relay_webhook, relay_report, relay_health, relay_chat };
	size_t i;
	int k;

	if ((b->base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	if ((b->sp = spool_open(b->conf.spool, err, sizeof err)) == NULL)
		fatalx("spool: %s", err);
	if ((b->relay = relay_new(b->base, &b->conf, b->sp, err, sizeof err)) == NULL)
		fatalx("%s", err);
	if ((b->http = http_new(b->base, &b->conf, &h, b->relay, err, sizeof err)) == NULL)
		fatalx("webhooks: %s", err);
	b->sigterm = evsignal_new(b->base, SIGTERM, on_stop, b);
	b->sigint = evsignal_new(b->base, SIGINT, on_stop, b);
	b->sighup = evsignal_new(b->base, SIGHUP, on_hup, b);
	if (b->sigterm == NULL || b->sigint == NULL || b->sighup == NULL || evsignal_add(b->sigterm, NULL) ||
	    evsignal_add(b->sigint, NULL) || evsignal_add(b->sighup, NULL))
		fatalx("cannot watch signals");
	relay_start(b->relay);
	warnings(&b->conf, NULL);
	err[0] = '\0';
	for (i = 0; channel_table[i] != NULL; i++)
		if (channel_table[i]->enabled(&b->conf))
			err_append(err, sizeof err, " %s=%s%s%s", channel_table[i]->name, channel_table[i]->route,
			    channel_table[i]->report_route ? "," : "",
			    channel_table[i]->report_route ? channel_table[i]->report_route : "");
	for (k = 0; k < b->conf.nchats; k++)
		err_append(err, sizeof err, " %s=/%s/%s", b->conf.chats[k].module, b->conf.chats[k].ops->platform,
		    b->conf.chats[k].name);
	log_info("cunbao-bridge: listening on %s (%s), broker %s, receipts on %s/receipt/%s", b->conf.listen,
	    err + 1, b->conf.broker, b->conf.prefix, b->conf.source);
	/* The spool is open and the broker tried: READY once it answers (notify.h). */
	struct notify_ops nops = { notify_connected, notify_status, b };

	if ((b->notify = notify_new(b->base, &nops)) == NULL)
		fatalx("out of memory");
}

static void
stop(struct bridge *b)
{
	notify_free(b->notify);
	http_free(b->http);
	relay_free(b->relay);
	spool_free(b->sp);
	if (b->sigterm != NULL)
		event_free(b->sigterm);
	if (b->sigint != NULL)
		event_free(b->sigint);
	if (b->sighup != NULL)
		event_free(b->sighup);
	if (b->deadline != NULL)
		event_free(b->deadline);
	event_base_free(b->base);
}

int
main(int argc, char **argv)
{
	static struct bridge b;
	static char err[ERR_MAX];
	struct options o = { false, false, false };
	int rc;

	if ((rc = parse_args(&b, argc, argv, &o)) != 0)
		return rc < 0 ? 0 : rc;
	log_init(o.verbose, o.unmasked);
	if (load(&b, &b.conf, err, sizeof err) != 0) {
		fprintf(stderr, "%s", err);
		return 1;
	}
	if (o.check) {
		warnings(&b.conf, stderr);
		printf("%s: configuration OK\n", b.file ? b.file : "cunbao-bridge");
		return 0;
	}
	if (o.unmasked)
		log_warnx("--log-unmasked: whole phone numbers and chat ids go to the log");
	signal(SIGPIPE, SIG_IGN);
	mqtt_lib(true);
	start(&b);
	event_base_dispatch(b.base);
	log_info("cunbao-bridge: stopped");
	stop(&b);
	mqtt_lib(false);
	libevent_global_shutdown();
	return 0;
}
