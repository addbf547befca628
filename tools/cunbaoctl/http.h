/*
 * http.h — how cunbaoctl's admin subcommands speak cunbaod's HTTP API.
 *
 * A small HTTP/1.1 client over a TCP socket (one request per connection,
 * "Connection: close"), the options every admin subcommand shares (--url,
 * --token-file, --json; the token from CUNBAO_TOKEN otherwise) and the
 * mapping of HTTP statuses to cunbaoctl's exit codes (cunbaoctl.h):
 *   2xx CTL_OK, 400 CTL_USAGE, 404 CTL_NOTFOUND, 401/403 CTL_REFUSED, else CTL_FAIL.
 */
#ifndef CUNBAOCTL_HTTP_H
#define CUNBAOCTL_HTTP_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "cunbaoctl.h"
#include "view.h"

#define CLIENT_URL_DEFAULT "http://127.0.0.1:8080"
#define CLIENT_TOKEN_MAX 256
#define HTTP_BODY_MAX (64u << 20)	/* bytes of a response we read */

struct http_response {
	int status;
	char content_type[128];
	char *body;		/* malloc'd, NUL-terminated (the NUL is not counted in len) */
	size_t len;
};

/* What every admin subcommand knows about the server and the output it wants. */
struct client {
	char host[256];
	char port[8];
	char prefix[256];	/* path prefix of the URL, "" or "/cunbao" */
	char token[CLIENT_TOKEN_MAX];
	bool json;		/* print the server's JSON instead of a table */
	const char *url;
	const char *token_file;
	const char *url_from;	/* where url came from: "--url", "CUNBAO_URL", the config file, "the default" */
	const char *token_from;	/* where the token came from, NULL when there is none */
	bool bad_conf;		/* the config file had errors (said on stderr) */
	int timeout_s;		/* connect, send and read limit of a request */
};

/*
 * Long options shared by the admin subcommands; put CLIENT_OPTIONS inside a
 * subcommand's struct option array and hand unknown option codes to
 * client_option.  CLIENT_HELP is the matching --help text.
 */
#define CLIENT_OPT_URL 0x1001
#define CLIENT_OPT_TOKEN_FILE 0x1002
#define CLIENT_OPT_JSON 0x1003
#define CLIENT_OPTIONS \
	{ "url", required_argument, NULL, CLIENT_OPT_URL }, \
	{ "token-file", required_argument, NULL, CLIENT_OPT_TOKEN_FILE }, \
	{ "json", no_argument, NULL, CLIENT_OPT_JSON }, \
	VIEW_OPTIONS
#define CLIENT_HELP \
	"  --url URL          cunbaod's API (default $CUNBAO_URL, else url in the config\n" \
	"                     file, else " CLIENT_URL_DEFAULT ")\n" \
	"  --token-file FILE  read the bearer token from FILE (default: $CUNBAO_TOKEN, else\n" \
	"                     token-file in the config file; see cunbaoctl --help)\n" \
	"  --json             print the server's JSON instead of a table\n"

/* Sets c to its defaults. */
void client_init(struct client *c);

/* Handles one of the shared options; returns false if opt is not one of them. */
bool client_option(struct client *c, int opt, const char *arg);

/*
 * Resolves the URL and the token (file or CUNBAO_TOKEN).  Prints the problem
 * to stderr and returns false when either is unusable.
 */
bool client_ready(struct client *c);

/*
 * Sends one request (path may carry a query string; body may be NULL) and
 * reads the whole response into *out (free with http_response_clear).
 * Returns false with a message in err when no HTTP answer was had.
 */
bool client_request(const struct client *c, const char *method, const char *path,
    const char *content_type, const char *body, size_t bodylen,
    struct http_response *out, char *err, size_t errlen);

/*
 * Sends a request and, if the answer is not 2xx, prints the server's error
 * message to stderr.  Returns the exit code that fits (CTL_OK on 2xx).
 */
int client_call(const struct client *c, const char *method, const char *path,
    const char *content_type, const char *body, size_t bodylen, struct http_response *out);

/* The exit code for an HTTP status. */
int client_exit_code(int status);

void http_response_clear(struct http_response *r);

/*
 * Appends "&name=value" (or "?name=value" first) with value percent-encoded
 * to the path in buf.  Returns false if it does not fit.
 */
bool client_query_add(char *buf, size_t buflen, const char *name, const char *value);

/*
 * Writes base into buf followed by the query of the NULL-terminated
 * name/value pairs whose value is not NULL:
 *   client_path(buf, sizeof buf, "/v1/rollups", "area", area, "kind", kind, NULL);
 * Returns false (after saying so on stderr) if it does not fit.
 */
bool client_path(char *buf, size_t buflen, const char *base, ...) __attribute__((sentinel));

/*
 * Handles an option code the subcommand's own switch did not: the shared
 * client and list options (l may be NULL).  Returns false for anything else
 * (then the caller prints its usage and returns CTL_USAGE).
 */
struct list_opts;
bool client_other_option(struct client *c, struct list_opts *l, int opt, const char *arg);

/* Percent-encodes s for use inside a path segment or query value into buf; false if it does not fit. */
bool client_escape(const char *s, char *buf, size_t buflen);

/*
 * Options of the list subcommands: --limit N, --cursor C, --all (follow
 * every page).  LIST_OPTIONS go into a struct option array, LIST_HELP into
 * the --help text; list_option handles them.
 */
#define LIST_OPT_LIMIT 0x1101
#define LIST_OPT_CURSOR 0x1102
#define LIST_OPT_ALL 0x1103
#define LIST_OPTIONS \
	{ "limit", required_argument, NULL, LIST_OPT_LIMIT }, \
	{ "cursor", required_argument, NULL, LIST_OPT_CURSOR }, \
	{ "all", no_argument, NULL, LIST_OPT_ALL }
#define LIST_HELP \
	"  --limit N          items per page, 1 to 1000 (default 100)\n" \
	"  --cursor C         start after the page that said \"next\": C\n" \
	"  --all              follow every page\n"

struct list_opts {
	const char *limit, *cursor;
	bool all;
};

/*
 * Fetches a list resource (path with its query; limit and cursor added
 * from l) and calls fn for each item, following "next" with --all.  With
 * --json prints one {"items":[...],"next":...} holding every item fetched
 * instead.  Without --all, a "next" left over is printed to stderr as the
 * --cursor to continue with.  Returns the exit code.
 */
int client_list(const struct client *c, const char *path, const struct list_opts *l,
    void (*fn)(void *arg, const cJSON *item), void *arg);

/* Prints a JSON body as it came (--json) followed by a newline if it lacks one. */
void client_print_body(const struct http_response *r);

#endif
