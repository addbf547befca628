/*
 * cmd_parse.c — `cunbaoctl parse`: reads SMS/chat text the way cunbaod does
 * (the same catalog, the same grammar, the same replies) and prints one
 * JSON object per message:
 *   {"ok":true,"kind":"livestock","period":"2023-12","values":{"cattle":12},"reply":"…"}
 *   {"ok":false,"error":{"code":"unknown_field","at":[6,9]},"reply":"…"}
 * with "cmd" for commands, "group" when one was written and "from" when the
 * input line named a sender.  Without TEXT it reads lines from stdin, as in
 * schema/examples/messages.txt: "+8613800000001 牲畜 牛12", "tg:7000 …";
 * blank lines and # comments are skipped.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cunbaoctl.h"
#include "catalog.h"
#include "jsonw.h"
#include "period.h"
#include "reply.h"
#include "sms.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define CATALOG_FILE_MAX (4u << 20)
#define SHANGHAI 28800		/* Asia/Shanghai, cunbaod's default tz (docs/sms.md) */

/*
 * The catalogs tried without --catalog, first found wins.  An installed
 * cunbaoctl reads the one cunbaod uses by default, else the one shipped under
 * the install prefix; the source tree's is read only by the cunbaoctl of the
 * build tree (the tests'), never by an installed one.
 */
static const char *const installed_catalogs[] = {
	CUNBAO_CONFDIR "/catalog.json",
	CUNBAO_DATADIR "/catalog.json",
};
static const char *const tree_catalogs[] = {
	CUNBAO_SOURCE_DIR "/schema/catalog.json",
};

struct parse_opts {
	const char *catalog;
	int lang;			/* -1: the message's own */
	struct sms_context ctx;
};

static void
parse_usage(FILE *f)
{
	fprintf(f, "usage: cunbaoctl parse [--catalog FILE] [--lang zh|en] [--now ISO8601] [TEXT...]\n\n"
	    "Reads each TEXT (or, without TEXT, each line of stdin) as an SMS to cunbaod and\n"
	    "prints one JSON object per message: what it means, or its first problem with\n"
	    "the byte span, and the reply the sender would get.  Lines of stdin may start\n"
	    "with the sender (\"+8613800000001 牛12\", \"tg:700000003 牛12\"); blank lines and\n"
	    "lines starting with # are skipped.\n\n"
	    "  --catalog FILE  the catalog (default: " CUNBAO_CONFDIR "/catalog.json,\n"
	    "                  else " CUNBAO_DATADIR "/catalog.json; run from its build\n"
	    "                  tree: the source tree's schema/catalog.json)\n"
	    "  --lang zh|en    the language of replies (default: the message's)\n"
	    "  --now ISO8601   the time messages arrive, e.g. 2023-12-05T08:30:00+08:00\n"
	    "                  (default: now; the offset is the area's, default +08:00)\n\n"
	    "Exit: 0 every message parsed, 1 one did not (or the catalog is invalid),\n"
	    "2 usage error, 3 catalog not found.\n");
}

/* Reads n digits at s into *v; false on anything else. */
static bool
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/*
 * Parses "YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM|±HHMM]" into unix seconds and the
 * UTC offset it states (+08:00 when none).  False on malformed text.
 */
static bool
parse_iso8601(const char *s, int64_t *t, int32_t *off)
{
	int y, mo, d, h, mi, sec = 0, oh = 8, om = 0, sign = 1;
	size_t n = strlen(s);

	if (n < 16 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi))
		return false;
	s += 16;
	if (*s == ':') {
		if (!digits(s + 1, 2, &sec))
			return false;
		s += 3;
	}
	if (*s == 'Z') {
		oh = 0;
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		if (!digits(s + 1, 2, &oh))
			return false;
		s += 3;
		s += *s == ':';
		if (!digits(s, 2, &om))
			return false;
		s += 2;
	}
	if (*s != '\0' || !period_valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 60 ||
	    oh > 14 || om > 59)
		return false;
	*off = sign * (oh * 3600 + om * 60);
	*t = period_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - *off;
	return true;
}

/* Reads a whole file (at most CATALOG_FILE_MAX bytes); malloc'd, NULL with errno set. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(CATALOG_FILE_MAX);
	*len = buf ? fread(buf, 1, CATALOG_FILE_MAX, f) : 0;
	fclose(f);
	if (buf != NULL && *len == CATALOG_FILE_MAX) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	return buf;
}

/*
 * True when this program is the one in the build tree it was compiled in
 * (CUNBAO_BINARY_DIR, resolved by CMake: no path in the tree is looked at), as the tests run it; false for an installed copy.
 */
static bool
running_from_build_tree(void)
{
	static const char tree[] = CUNBAO_BINARY_DIR;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n <= 0)
		return false;
	self[n] = '\0';
	return strncmp(self, tree, sizeof tree - 1) == 0 && self[sizeof tree - 1] == '/';
}

/*
 * Loads the catalog named in o (or the first default that exists) into *c.
 * Returns CTL_OK, CTL_NOTFOUND or CTL_FAIL, having said why on stderr.
 */
static int
load_catalog(const struct parse_opts *o, struct catalog **c)
{
	char err[8192];
	const char *path = o->catalog;
	const char *const *paths = installed_catalogs;
	size_t npaths = NELEM(installed_catalogs);
	char *text = NULL;
	size_t len = 0;

	if (running_from_build_tree()) {
		paths = tree_catalogs;
		npaths = NELEM(tree_catalogs);
	}
	for (size_t i = 0; path == NULL && i < npaths; i++)
		if ((text = read_file(paths[i], &len)) != NULL)
			path = paths[i];
	if (text == NULL && path != NULL)
		text = read_file(path, &len);
	if (text == NULL) {
		fprintf(stderr, "cunbaoctl parse: %s: %s\n", path ? path : paths[npaths - 1],
		    strerror(errno));
		return errno == ENOENT ? CTL_NOTFOUND : CTL_FAIL;
	}
	*c = catalog_load(text, len, path, err, sizeof err);
	free(text);
	if (*c == NULL) {
		fprintf(stderr, "%s", err);
		return CTL_FAIL;
	}
	return CTL_OK;
}

/* The reply a sender gets for each kind of accepted message. */
static size_t
reply_report(const struct catalog *c, const struct parsed *p, enum lang l, char *buf, size_t len)
{
	return reply_accepted(p, p->group, l, buf, len);
}

static size_t
reply_helped(const struct catalog *c, const struct parsed *p, enum lang l, char *buf, size_t len)
{
	return reply_help(c, p->kind, l, buf, len);
}

/* A query with no figures at hand: what cunbaod says before anyone reported. */
static size_t
reply_queried(const struct catalog *c, const struct parsed *p, enum lang l, char *buf, size_t len)
{
	return reply_query(p->kind, p->kind ? &p->period : NULL, p->group, NULL, 0, NULL, 0, l,
	    buf, len);
}

static size_t
reply_undo(const struct catalog *c, const struct parsed *p, enum lang l, char *buf, size_t len)
{
	const struct period *per = p->kind || p->period_given ? &p->period : NULL;

	return reply_undone(p->kind, per, p->group, l, buf, len);
}

static size_t (*const replies[])(const struct catalog *, const struct parsed *, enum lang, char *,
    size_t) = {
	[CMD_REPORT] = reply_report,
	[CMD_HELP] = reply_helped,
	[CMD_QUERY] = reply_queried,
	[CMD_FIX] = reply_report,
	[CMD_UNDO] = reply_undo,
};

/* Writes what p means into w: cmd, kind, period, group, values. */
static void
write_meaning(struct jsonw *w, const struct parsed *p)
{
	char per[CB_PERIOD_MAX];

	if (p->cmd != CMD_REPORT) {
		jsonw_key(w, "cmd");
		jsonw_str(w, command_name(p->cmd));
	}
	if (p->kind != NULL) {
		jsonw_key(w, "kind");
		jsonw_str(w, p->kind->code);
	}
	if ((p->kind != NULL && p->cmd != CMD_HELP) || p->period_given) {
		period_format(&p->period, per, sizeof per);
		jsonw_key(w, "period");
		jsonw_str(w, per);
	}
	if (p->group != 0) {
		jsonw_key(w, "group");
		jsonw_int(w, p->group);
	}
	if (p->cmd != CMD_REPORT && p->cmd != CMD_FIX)
		return;
	jsonw_key(w, "values");
	jsonw_obj(w);
	for (size_t i = 0; i < p->nvalues; i++) {
		jsonw_key(w, p->values[i].field->code);
		if (p->values[i].field->type == FIELD_YESNO)
			jsonw_bool(w, p->values[i].v != 0);
		else
			jsonw_dec(w, p->values[i].v, p->values[i].field->scale);
	}
	jsonw_end(w);
}

/*
 * Parses one message and prints its JSON line.  from names the sender (NULL
 * if the line did not).  Returns true if it parsed.
 */
static bool
parse_one(const struct catalog *c, const struct parse_opts *o, const char *from,
    const char *text, size_t len)
{
	char json[CB_PAYLOAD_MAX * 2], reply[CB_REPLY_MAX];
	struct parsed p;
	struct jsonw w;
	enum lang l;

	sms_parse(c, text, len, &o->ctx, &p);
	l = o->lang >= 0 ? (enum lang)o->lang : p.lang;
	if (p.error != CB_OK)
		reply_error(c, &p, l, reply, sizeof reply);
	else
		replies[p.cmd](c, &p, l, reply, sizeof reply);
	jsonw_init(&w, json, sizeof json);
	jsonw_obj(&w);
	if (from != NULL) {
		jsonw_key(&w, "from");
		jsonw_str(&w, from);
	}
	jsonw_key(&w, "ok");
	jsonw_bool(&w, p.error == CB_OK);
	if (p.error == CB_OK)
		write_meaning(&w, &p);
	else {
		jsonw_key(&w, "error");
		jsonw_obj(&w);
		jsonw_key(&w, "code");
		jsonw_str(&w, cb_error_name(p.error));
		jsonw_key(&w, "at");
		jsonw_arr(&w);
		jsonw_int(&w, p.at[0]);
		jsonw_int(&w, p.at[1]);
		jsonw_end(&w);
		jsonw_end(&w);
	}
	jsonw_key(&w, "reply");
	jsonw_str(&w, reply);
	jsonw_end(&w);
	if (jsonw_finish(&w) == 0)
		fprintf(stderr, "cunbaoctl parse: output too large\n");
	else
		printf("%s\n", json);
	return p.error == CB_OK;
}

/*
 * Splits an input line into its sender ("+86…", "tg:…") and text.  Returns
 * the sender's length (0: no sender; *text is then the whole line).
 */
static size_t
split_sender(const char *line, const char **text)
{
	size_t n = 0;

	*text = line;
	if ((line[0] == '+' && line[1] >= '0' && line[1] <= '9') || strncmp(line, "tg:", 3) == 0) {
		n = strcspn(line, " \t");
		*text = line + n + strspn(line + n, " \t");
	}
	return n;
}

/* Parses every line of f; returns the exit code. */
static int
parse_lines(const struct catalog *c, const struct parse_opts *o, FILE *f)
{
	char *line = NULL, from[128];
	size_t cap = 0;
	ssize_t n;
	int rc = CTL_OK;

	while ((n = getline(&line, &cap, f)) >= 0) {
		const char *text;
		size_t k;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		k = strspn(line, " \t");
		if (line[k] == '\0' || line[k] == '#')
			continue;
		size_t fl = split_sender(line, &text);
		snprintf(from, sizeof from, "%.*s", (int)fl, line);
		if (!parse_one(c, o, fl ? from : NULL, text, strlen(text)))
			rc = CTL_FAIL;
	}
	free(line);
	return rc;
}

/* Reads the options into *o; returns the index of the first TEXT, -1 on a usage error, -2 for --help. */
static int
parse_options(int argc, char **argv, struct parse_opts *o)
{
	static const struct option longopts[] = {
		{ "catalog", required_argument, NULL, 'c' },
		{ "lang", required_argument, NULL, 'l' },
		{ "now", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum lang l;
	int ch;

	*o = (struct parse_opts){ NULL, -1, { (int64_t)time(NULL), SHANGHAI } };
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:l:n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->catalog = optarg;
			break;
		case 'l':
			if (!lang_parse(optarg, &l)) {
				fprintf(stderr, "cunbaoctl parse: --lang: \"%s\" is not zh or en\n", optarg);
				return -1;
			}
			o->lang = (int)l;
			break;
		case 'n':
			if (!parse_iso8601(optarg, &o->ctx.now, &o->ctx.utc_offset)) {
				fprintf(stderr, "cunbaoctl parse: --now: \"%s\" is not like "
				    "2023-12-05T08:30:00+08:00\n", optarg);
				return -1;
			}
			break;
		case 'h':
			return -2;
		default:
			return -1;
		}
	}
	return optind;
}

/* See cunbaoctl.h. */
int
cmd_parse(int argc, char **argv)
{
	struct parse_opts o;
	struct catalog *c = NULL;
	int first = parse_options(argc, argv, &o), rc;

	if (first < 0) {
		parse_usage(first == -2 ? stdout : stderr);
		return first == -2 ? CTL_OK : CTL_USAGE;
	}
	if ((rc = load_catalog(&o, &c)) != CTL_OK)
		return rc;
	if (first == argc)
		rc = parse_lines(c, &o, stdin);
	for (int i = first; i < argc; i++)
		if (!parse_one(c, &o, NULL, argv[i], strlen(argv[i])))
			rc = CTL_FAIL;
	catalog_free(c);
	return rc;
}
