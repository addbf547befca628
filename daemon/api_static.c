/*
 * api_static.c — the dashboard on the admin API's listener: the page's files
 * from web-dir at / and its settings at /dashboard/config.json, both
 * without a token (they hold nothing secret; the figures themselves come
 * from the broker, docs/dashboard.md).  Everything else on the listener
 * stays behind the tokens of api.c.
 *
 * Only GET and HEAD, only files of the types in `types` below, only paths
 * whose every segment is [A-Za-z0-9_-][A-Za-z0-9._-]* (no "..", no hidden
 * files, no empty segment), at most STATIC_DEPTH deep, regular files only
 * and never a symbolic link as the last component.  Files are revalidated
 * on every load (Cache-Control: no-cache with an ETag), so an upgrade
 * shows at once and an unchanged file costs a 304.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_int.h"
#include "jsonw.h"
#include "log.h"

#define STATIC_DEPTH    3		/* segments of a file's path */
#define STATIC_FILE_MAX (16L << 20)	/* bytes of one file */
#define STATIC_CONFIG   "/dashboard/config.json"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
};

/*
 * What the page may load and connect to: its own origin, and WebSockets
 * (the broker's URL is a setting, so any ws: or wss:).  Styles may be
 * inline because the chart library sets style attributes; mqtt.js runs its
 * keepalive timer in a worker made from a blob, so that a page in a
 * background tab keeps its connection.
 */
#define STATIC_CSP "default-src 'self'; connect-src 'self' ws: wss:; worker-src 'self' blob:; img-src 'self' data:; " \
	"style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

/* The Content-Type of a file name, or NULL for a type not served. */
static const char *
static_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return NULL;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/*
 * True if path ("/app.js", "/fonts/x.woff2") names a file the dashboard
 * may serve: every segment non-empty, of [A-Za-z0-9._-], not starting with
 * a dot, at most STATIC_DEPTH segments.  This alone keeps requests inside
 * web-dir: no "..", no "//", no backslash, no percent (already decoded).
 */
static bool
static_path_ok(const char *path)
{
	int depth = 0;

	if (path[0] != '/')
		return false;
	for (const char *p = path; *p == '/'; ) {
		size_t n;

		p++;
		n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
		if (n == 0 || p[0] == '.' || ++depth > STATIC_DEPTH)
			return false;
		p += n;
		if (*p != '/' && *p != '\0')
			return false;
	}
	return true;
}

/*
 * Answers /dashboard/config.json: the broker's WebSocket URL ("" lets the
 * page use its own host, port 9001) and the topic root.  Never cached: a
 * restarted cunbaod with another broker must be seen on the next load.
 */
static void
static_config(struct api_req *r)
{
	const struct api_config *c = &r->api->cfg;
	char json[2 * API_PATH_MAX + 64];
	struct jsonw w;
	size_t n;
	struct evbuffer *b = evbuffer_new();

	jsonw_init(&w, json, sizeof json);
	jsonw_obj(&w);
	jsonw_key(&w, "ws");
	jsonw_str(&w, c->dashboard_ws);
	jsonw_key(&w, "root");
	jsonw_str(&w, c->prefix);
	jsonw_end(&w);
	n = jsonw_finish(&w);
	if (b == NULL || n == 0 || evbuffer_add(b, json, n) != 0 || evbuffer_add(b, "\n", 1) != 0) {
		evbuffer_free(b);
		api_internal(r, "cannot encode the dashboard's settings");
		return;
	}
	api_reply_json(r, 200, b);
	evbuffer_free(b);
}

/* True if the request's If-None-Match lists etag (or is "*"). */
static bool
static_not_modified(struct api_req *r, const char *etag)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(r->req), "If-None-Match");

	return h != NULL && (strcmp(h, "*") == 0 || strstr(h, etag) != NULL);
}

/* Reads size bytes of fd into b (a file shorter than its fstat size fails); false with errno set. */
static bool
static_read(struct evbuffer *b, int fd, off_t size)
{
	while (size > 0) {
		int n = evbuffer_read(b, fd, size > (1 << 20) ? 1 << 20 : (int)size);

		if (n == 0)
			errno = EIO;
		if (n <= 0)
			return false;
		size -= n;
	}
	return true;
}

/*
 * Sends the file at web-dir + path with its type, an ETag made of its size
 * and modification time, and the page's security headers.  Returns false,
 * having sent nothing, when there is no such regular file (the caller's 404).
 */
static bool
static_file(struct api_req *r, const char *type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
	char file[2 * API_PATH_MAX + 16], etag[64];
	const char *path = strcmp(r->path, "/") == 0 ? "/index.html" : r->path;
	struct evbuffer *b;
	struct stat st;
	int fd;

	if (r->api->cfg.web_dir[0] == '\0')
		return false;
	snprintf(file, sizeof file, "%s%s", r->api->cfg.web_dir, path);
	if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			log_warnx("api: %s: %s", file, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_FILE_MAX) {
		close(fd);
		return false;
	}
	snprintf(etag, sizeof etag, "\"%jx-%jx-%lx\"", (uintmax_t)st.st_size,
	    (uintmax_t)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	evhttp_add_header(h, "ETag", etag);
	evhttp_add_header(h, "Cache-Control", "no-cache");
	if (strncmp(type, "text/html", 9) == 0) {
		evhttp_add_header(h, "Content-Security-Policy", STATIC_CSP);
		evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	}
	if (static_not_modified(r, etag)) {
		close(fd);
		api_reply(r, 304, NULL, NULL);
		return true;
	}
	b = evbuffer_new();
	if (b == NULL || !static_read(b, fd, st.st_size)) {
		log_warnx("api: %s: %s", file, b == NULL ? "out of memory" : strerror(errno));
		close(fd);
		evbuffer_free(b);
		api_internal(r, "cannot read a dashboard file");
		return true;
	}
	close(fd);
	api_reply(r, 200, type, b);
	evbuffer_free(b);
	return true;
}

bool
api_static(struct api_req *r)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(r->req);
	const char *type;

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD)
		return false;
	if (strcmp(r->path, STATIC_CONFIG) == 0) {
		static_config(r);
		return true;
	}
	if (strcmp(r->path, "/") == 0)
		type = static_type("index.html");
	else if (!static_path_ok(r->path) || (type = static_type(r->path)) == NULL)
		return false;
	return static_file(r, type);
}

void
api_static_start(const struct api *a)
{
	char index[API_PATH_MAX + 16];

	snprintf(index, sizeof index, "%s/index.html", a->cfg.web_dir);
	if (access(index, R_OK) == 0)
		log_info("api: the dashboard from %s at http://%s/", a->cfg.web_dir, a->cfg.listen);
	else
		log_warnx("api: web-dir %s: no readable index.html (%s); the dashboard is not served",
		    a->cfg.web_dir, strerror(errno));
}
