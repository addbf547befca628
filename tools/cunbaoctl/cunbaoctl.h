/*
 * cunbaoctl.h — what the subcommands of cunbaoctl share with main.c.
 *
 * A subcommand is a function taking its own argv (argv[0] is the
 * subcommand's name) and returning one of the exit codes below; it handles
 * its own --help.  To add one: write cmd_<name>.c, declare its function
 * here and add one line to the table in main.c.
 */
#ifndef CUNBAOCTL_H
#define CUNBAOCTL_H

/* Exit codes of cunbaoctl, documented in `cunbaoctl --help`. */
enum ctl_exit {
	CTL_OK = 0,		/* everything went through */
	CTL_FAIL = 1,		/* a message did not parse, a request failed */
	CTL_USAGE = 2,		/* bad command line (or a request the server calls bad) */
	CTL_NOTFOUND = 3,	/* a file or an object does not exist */
	CTL_REFUSED = 4,	/* not permitted (bad token, forbidden) */
};

/* cunbaoctl parse [--catalog FILE] [--lang zh|en] [--now ISO8601] [TEXT...] */
int cmd_parse(int argc, char **argv);
/* cunbaoctl rebuild --db FILE [--catalog FILE] [--prefix ROOT] [--tz ZONE] (tools/cunbaoctl/cmd_rebuild.c) */
int cmd_rebuild(int argc, char **argv);
/*
 * cunbaoctl backup [-c FILE] [--db FILE] OUT and
 * cunbaoctl restore [-c FILE] [--db FILE] [--check] BACKUP (tools/cunbaoctl/cmd_backup.c)
 */
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
/* The admin subcommands speaking cunbaod's HTTP API (tools/cunbaoctl/cmd_<name>.c, http.c, table.c). */
int cmd_rollup(int argc, char **argv);
int cmd_reports(int argc, char **argv);
int cmd_missing(int argc, char **argv);
int cmd_journal(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_areas(int argc, char **argv);
int cmd_reporters(int argc, char **argv);
int cmd_remind(int argc, char **argv);

#endif
