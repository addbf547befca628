/*
 * ctlconf.h — cunbaoctl's own config file, so the API's URL, the token file
 * and the language need not be exported in every session.
 *
 * The file is the first of $CUNBAO_CTL_CONF (when set: that file, which must
 * exist), ~/.config/cunbao/cunbaoctl.conf ($XDG_CONFIG_HOME when set) and
 * /etc/cunbao/cunbaoctl.conf that exists; `key value` lines as lib/conf.h
 * reads them:
 *
 *   url         http://10.0.0.5:8080
 *   token-file  ~/.config/cunbao/token
 *   lang        zh
 *   timeout     30s
 *
 * The environment (CUNBAO_URL, CUNBAO_TOKEN) wins over the file, and the
 * command line (--url, --token-file, --lang) over both.
 */
#ifndef CUNBAOCTL_CTLCONF_H
#define CUNBAOCTL_CTLCONF_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define CTLCONF_FILES 3

struct ctlconf {
	char url[512];			/* "" when not set */
	char token_file[PATH_MAX];	/* "" when not set; a leading ~/ is the home directory */
	char lang[8];			/* "zh", "en" or "" */
	int64_t timeout_ms;		/* a request's connect, send and read limit */
	const char *file;		/* the file read, NULL when none */
	bool bad;			/* the file had errors (said on stderr) */
	size_t nchecked;
	char checked[CTLCONF_FILES][PATH_MAX];	/* the files looked for, in order */
};

/*
 * The config, read on first use (every error said on stderr as
 * "file:line: message" and bad set).  Lives until the process ends.
 */
const struct ctlconf *ctlconf_get(void);

/* Writes the files looked for as "A, B or C" into buf (for messages); returns buf. */
const char *ctlconf_checked(const struct ctlconf *cf, char *buf, size_t buflen);

/* The config keys as --help lines. */
extern const char ctlconf_help[];

#endif
