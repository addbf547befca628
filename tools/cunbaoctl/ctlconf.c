/*
 * ctlconf.c — reading cunbaoctl's config file (ctlconf.h) through the
 * table-driven parser of lib/conf.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ctlconf.h"

#define CTLCONF_SIZE_MAX (64 * 1024)	/* bytes of a config file */

static const struct conf_entry ctlconf_table[] = {
	{ "url", CONF_STR, offsetof(struct ctlconf, url), sizeof(((struct ctlconf *)0)->url),
	  0, 0, NULL, "cunbaod's API, http://HOST[:PORT][/PREFIX]" },
	{ "token-file", CONF_STR, offsetof(struct ctlconf, token_file),
	  sizeof(((struct ctlconf *)0)->token_file), 0, 0, NULL, "a file holding the bearer token" },
	{ "lang", CONF_STR, offsetof(struct ctlconf, lang), sizeof(((struct ctlconf *)0)->lang),
	  0, 0, NULL, "zh or en: the language of the tables" },
	{ "timeout", CONF_DURATION, offsetof(struct ctlconf, timeout_ms), 0, 1000, 3600000, "60s",
	  "how long a request may wait for cunbaod" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL },
};

const char ctlconf_help[] =
    "  url URL          cunbaod's API (CUNBAO_URL and --url win over it)\n"
    "  token-file FILE  the bearer token's file (CUNBAO_TOKEN and --token-file win)\n"
    "  lang zh|en       the language of the tables (--lang wins; default: the locale)\n"
    "  timeout 60s      how long a request may wait for cunbaod (1s to 1h)\n";

/* Fills cf->checked with the files to look for, in order. */
static void
ctlconf_candidates(struct ctlconf *cf)
{
	const char *env = getenv("CUNBAO_CTL_CONF"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (env != NULL && *env != '\0') {
		snprintf(cf->checked[cf->nchecked++], PATH_MAX, "%s", env);
		return;
	}
	if (xdg != NULL && *xdg == '/')
		snprintf(cf->checked[cf->nchecked++], PATH_MAX, "%s/cunbao/cunbaoctl.conf", xdg);
	else if (home != NULL && *home != '\0')
		snprintf(cf->checked[cf->nchecked++], PATH_MAX, "%s/.config/cunbao/cunbaoctl.conf", home);
	snprintf(cf->checked[cf->nchecked++], PATH_MAX, "/etc/cunbao/cunbaoctl.conf");
}

/* Reads a whole file (at most CTLCONF_SIZE_MAX bytes) into a malloc'd string; NULL with errno. */
static char *
ctlconf_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(CTLCONF_SIZE_MAX + 1);
	*len = buf ? fread(buf, 1, CTLCONF_SIZE_MAX + 1, f) : 0;
	fclose(f);
	if (buf != NULL && *len > CTLCONF_SIZE_MAX) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	if (buf != NULL)
		buf[*len] = '\0';
	return buf;
}

/* Expands a leading "~/" of a path to $HOME in place. */
static void
ctlconf_home(char *path, size_t size)
{
	const char *home = getenv("HOME");
	char tmp[PATH_MAX];

	if (strncmp(path, "~/", 2) != 0 || home == NULL)
		return;
	snprintf(tmp, sizeof tmp, "%s/%s", home, path + 2);
	snprintf(path, size, "%s", tmp);
}

/*
 * Reads the first of the candidate files that exists into cf; a file named
 * by CUNBAO_CTL_CONF must exist.  Every problem is said on stderr and sets
 * cf->bad.
 */
static void
ctlconf_load(struct ctlconf *cf)
{
	char err[4096] = "";
	size_t len = 0;

	conf_defaults(ctlconf_table, cf);
	ctlconf_candidates(cf);
	for (size_t i = 0; i < cf->nchecked && cf->file == NULL; i++) {
		char *text = ctlconf_read(cf->checked[i], &len);
		bool named = getenv("CUNBAO_CTL_CONF") != NULL && *getenv("CUNBAO_CTL_CONF") != '\0';
		if (text == NULL) {
			if (errno != ENOENT || named) {
				fprintf(stderr, "cunbaoctl: %s%s: %s\n", named ? "CUNBAO_CTL_CONF=" : "",
				    cf->checked[i], strerror(errno));
				cf->bad = true;
				return;
			}
			continue;
		}
		cf->file = cf->checked[i];
		if (conf_parse(ctlconf_table, cf, cf->file, text, len, err, sizeof err) > 0) {
			fprintf(stderr, "%s", err);
			cf->bad = true;
		}
		free(text);
	}
	if (cf->lang[0] != '\0' && strcmp(cf->lang, "zh") != 0 && strcmp(cf->lang, "en") != 0) {
		fprintf(stderr, "%s: lang: give zh or en, not \"%s\"\n", cf->file, cf->lang);
		cf->bad = true;
	}
	ctlconf_home(cf->token_file, sizeof cf->token_file);
}

const struct ctlconf *
ctlconf_get(void)
{
	static struct ctlconf cf;
	static bool loaded;

	if (!loaded) {
		loaded = true;
		ctlconf_load(&cf);
	}
	return &cf;
}

const char *
ctlconf_checked(const struct ctlconf *cf, char *buf, size_t buflen)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < cf->nchecked; i++) {
		const char *sep = i == 0 ? "" : i + 1 == cf->nchecked ? " or " : ", ";
		int n = snprintf(buf + off, buflen - off, "%s%s", sep, cf->checked[i]);
		if (n < 0 || (size_t)n >= buflen - off)
			break;
		off += (size_t)n;
	}
	return buf;
}
