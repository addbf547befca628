/*
 * main.c — cunbaod: options, configuration, then the event loop.
 *
 *   cunbaod [-dnvV] [-c FILE] [--broker HOST:PORT] [--db FILE] [--catalog FILE]
 *           [--areas CSV] [--reporters CSV] [--prefix ROOT] [--client-id ID] [--tz ZONE]
 *
 * Exit status: 0 after a clean stop (SIGTERM/SIGINT) or a good -n check;
 * 1 when the configuration, catalog, roster, API token file or database is
 * unusable, when another cunbaod holds the database's lock (the token file,
 * listen address and lock are checked before cunbaod goes to the
 * background, so that their refusal reaches the terminal), or when another
 * client took over the MQTT session (DISCONNECT 0x8E) while running;
 * 2 on a usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon.h"
#include "log.h"
#include "notify.h"
#ifdef CUNBAO_HAVE_API
#include "api.h"
#endif

/* The options that are not config keys; every config key is also --KEY VALUE. */
static const struct option fixed_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help-mdoc", no_argument, NULL, 'M' },	/* hidden: the keys for cunbao.conf(5) */
};
#define NFIXED (sizeof fixed_options / sizeof fixed_options[0])
#define OPTIONS_MAX 64

/* Builds the long options: the fixed ones, then one per config key (val 0). */
static void
options_build(struct option *opts)
{
	size_t n = 0;

	for (; n < NFIXED; n++)
		opts[n] = fixed_options[n];
	for (const struct conf_entry *e = config_table; e->key != NULL && n + 1 < OPTIONS_MAX; e++)
		if (strcmp(e->key, "verbose") != 0)
			opts[n++] = (struct option){ e->key, required_argument, NULL, 0 };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
}

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: cunbaod [-dnvV] [-c FILE] [--broker HOST:PORT] [--db FILE] [--catalog FILE]\n"
	    "               [--areas CSV] [--reporters CSV] [--prefix ROOT] [--client-id ID] [--tz ZONE]\n"
	    "\n"
	    "cunbao's daemon: ingests reports from MQTT, stores them in SQLite, answers each\n"
	    "with a receipt after its commit, and publishes retained rollups.\n"
	    "\n"
	    "  -c, --config FILE  config file (default " CONFIG_DEFAULT_FILE ", if present)\n"
	    "  -d                 stay in the foreground, log to stderr\n"
	    "  -n                 check the config, catalog, CSVs and token file, then exit\n"
	    "  -v, --verbose      log debug messages (one line per message)\n"
	    "  -V, --version      print the version\n"
	    "  -h, --help         this text\n"
	    "  --KEY VALUE        any config key below; flags win over the file\n"
	    "\n");
	config_usage(out);
	fprintf(out, "\nsignals: SIGHUP reloads config, catalog and roster (keeping what is invalid);\n"
	    "SIGTERM/SIGINT commit, send the receipts, go offline and exit 0.\n"
	    "\nsystemd: with NOTIFY_SOCKET set (Type=notify) cunbaod reports READY=1 once the\n"
	    "database is open and the broker connected (or 5 s after the first attempt), a\n"
	    "STATUS= line and, with WATCHDOG_USEC, keep-alives; with -d and stderr the\n"
	    "journal (JOURNAL_STREAM) each line starts with its syslog priority.\n");
}

/* notify_ops: the broker session is up. */
static bool
notify_connected(void *arg)
{
	return daemon_connected(arg);
}

/*
 * notify_ops: the STATUS= systemctl shows, "connected; 12 receipts in the
 * last minute", with what is wrong first when something is.
 */
static void
notify_status(void *arg, char *buf, size_t buflen)
{
	static struct notify_rate receipts;
	struct daemon *d = arg;
	uint64_t n = notify_rate_add(&receipts, d->metrics.receipts_sent, notify_now_ms());

	snprintf(buf, buflen, "%s%s; %llu receipt%s in the last minute",
	    daemon_connected(d) ? "connected" : "broker not connected, retrying",
	    daemon_store_ok(d) ? "" : "; database failing, messages held", (unsigned long long)n,
	    n == 1 ? "" : "s");
}

/* Reads the command line into d (flags kept for SIGHUP); exits on a usage error. */
static bool
parse_args(int argc, char **argv, struct daemon *d)
{
	struct option options[OPTIONS_MAX];
	char err[256];
	bool check = false;
	int ch, idx;

	options_build(options);
	d->conf_file = CONFIG_DEFAULT_FILE;
	while ((ch = getopt_long(argc, argv, "c:dnhvV", options, &idx)) != -1) {
		switch (ch) {
		case 0:
			if (!config_flag(&d->flags, options[idx].name, optarg, err, sizeof err)) {
				fprintf(stderr, "cunbaod: %s\n", err);
				exit(2);
			}
			break;
		case 'c':
			d->conf_file = optarg;
			d->conf_must_exist = true;
			break;
		case 'd':
			d->foreground = true;
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			d->verbose_flag = true;
			break;
		case 'V':
			printf("cunbaod %s\n", CUNBAOD_VERSION);
			exit(0);
		case 'M': {	/* the config keys as mdoc items, for cunbao.conf(5) at build time */
			static char keys[1 << 16];

			exit(conf_mdoc(config_table, keys, sizeof keys) > 0 && fputs(keys, stdout) >= 0 ? 0 : 1);
		}
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cunbaod: unexpected argument \"%s\"\n", argv[optind]);
		exit(2);
	}
	return check;
}

int
main(int argc, char **argv)
{
	static struct daemon d;
	char err[8192];
	bool check = parse_args(argc, argv, &d);

	bool bad = config_load(&d.conf, d.conf_file, d.conf_must_exist, &d.flags, err, sizeof err) > 0;

	/* In the working directory the file was named in, before daemon() leaves it. */
	bad = config_upstream_file(&d.conf, err + strlen(err), sizeof err - strlen(err)) > 0 || bad;

	fputs(err, stderr);
	if (check)	/* -n: the catalog and the CSVs too, so every problem shows at once */
		bad = !daemon_check(&d.conf, stderr) || bad;
#ifdef CUNBAO_HAVE_API
	/* The API's listen address and token file: refused here, on the terminal, not after the fork. */
	bad = !api_check(&d.conf, stderr) || bad;
#endif
	if (bad) {
		fprintf(stderr, "cunbaod: configuration invalid\n");
		return 1;
	}
	if (check) {
		printf("configuration OK\n");
		return 0;
	}
	/* Before the fork: the refusal reaches the terminal, and the lock is inherited. */
	if (!daemon_lock(&d, err, sizeof err)) {
		fprintf(stderr, "cunbaod: %s\n", err);
		return 1;
	}
	log_init("cunbaod", d.foreground, d.verbose_flag || d.conf.verbose);
	daemon_start(&d);
	/* The database is open and the broker tried: READY once it answers (notify.h). */
	struct notify_ops nops = { notify_connected, notify_status, &d };

	if ((d.notify = notify_new(d.base, &nops)) == NULL)
		fatalx("out of memory");
	event_base_dispatch(d.base);
	int status = d.exit_status;

	log_info(status == 0 ? "stopped" : "stopped after an error");
	notify_free(d.notify);
	d.notify = NULL;
	daemon_free(&d);
	libevent_global_shutdown();
	return status;
}
