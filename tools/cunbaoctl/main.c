/*
 * main.c — cunbaoctl, the admin command line of cunbao.
 *
 * `cunbaoctl <subcommand> [options] [args]`: the subcommands are a table;
 * main only finds the one named and hands it the rest of the command line.
 */
#include <stdio.h>
#include <string.h>

#include "ctlconf.h"
#include "cunbaoctl.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "parse", cmd_parse, "read SMS text as cunbaod would and print what it means, as JSON lines" },
	{ "rebuild", cmd_rebuild, "recompute reports and rollups from cunbaod's journal (cunbaod stopped)" },
	{ "backup", cmd_backup, "copy cunbaod's database, live, into a file (cunbaod keeps running)" },
	{ "restore", cmd_restore, "check a backup and make it the database (cunbaod stopped)" },
	{ "rollup", cmd_rollup, "figures of an area and its subtree, per kind and period (API)" },
	{ "reports", cmd_reports, "reports with their values, corrections and withdrawals (API)" },
	{ "missing", cmd_missing, "groups that have not reported, with their leaders (API)" },
	{ "journal", cmd_journal, "every message received and what became of it (API)" },
	{ "export", cmd_export, "the ledger (台账) as CSV or an Excel workbook (.xlsx) (API)" },
	{ "areas", cmd_areas, "list, add, change, remove and import the roster's areas (API)" },
	{ "reporters", cmd_reporters, "list, add, change, remove and import reporters (API)" },
	{ "remind", cmd_remind, "send a reminder now to the leaders still missing (API)" },
};

/* Prints the program's help to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: cunbaoctl <subcommand> [options] [args]\n"
	    "       cunbaoctl <subcommand> --help\n"
	    "       cunbaoctl --version\n\nsubcommands:\n");
	for (size_t i = 0; i < NELEM(subcommands); i++)
		fprintf(f, "  %-12s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f, "\nthe (API) subcommands speak cunbaod's admin HTTP API:\n"
	    "  --url URL          default $CUNBAO_URL, else url in the config file, else\n"
	    "                     http://127.0.0.1:8080\n"
	    "  --token-file FILE  the bearer token (default: the CUNBAO_TOKEN variable, else\n"
	    "                     token-file in the config file)\n"
	    "  --json             the server's JSON instead of a table\n"
	    "  --lang zh|en       the tables' language (default: lang in the config file,\n"
	    "                     else zh when LC_ALL, LC_MESSAGES or LANG starts with zh)\n"
	    "  --wide             no 80-column limit, full phone numbers and times\n"
	    "  --codes            area paths, kind and field codes instead of names\n");
	fprintf(f, "\nconfig file: the first of $CUNBAO_CTL_CONF, ~/.config/cunbao/cunbaoctl.conf\n"
	    "and /etc/cunbao/cunbaoctl.conf that exists; \"key value\" lines, # comments;\n"
	    "the variables win over it, the options over both:\n%s", ctlconf_help);
	fprintf(f, "\nexit codes:\n"
	    "  0  ok\n"
	    "  1  a message did not parse, or a request failed\n"
	    "  2  usage error\n"
	    "  3  not found (a file, an area, a reporter)\n"
	    "  4  refused (not permitted)\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CTL_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("cunbaoctl %s\n", CUNBAO_VERSION);
		return CTL_OK;
	}
	for (size_t i = 0; i < NELEM(subcommands); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "cunbaoctl: unknown subcommand \"%s\"\n", argv[1]);
	usage(stderr);
	return CTL_USAGE;
}
