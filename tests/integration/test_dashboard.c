/*
 * test_dashboard.c — the dashboard end to end: a real mosquitto with a
 * WebSocket listener whose ACL lets the page read rollup, completeness,
 * status and meta only; a real cunbaod serving web/ (built into
 * share/cunbao/web) and /dashboard/config.json; the example village's
 * month of messages (schema/examples/messages.txt, sent now, so that the
 * figures are the current period's); then test_dashboard.js drives Debian's
 * headless Chromium through playwright-core: the figures (cattle 61, pigs
 * 398, sheep 118, road 1920 m, 已报 7/8 with group 4 missing), a new report
 * shown within 1 s, the page's own publications refused, a broker restart
 * (离线/重连中, then live again by itself), no console error, no request to
 * another host, and screenshots at desktop and phone width in
 * <build>/test-artifacts/dashboard/.
 *
 * The static files' own answers (types, caching, traversal, no token) are
 * checked here with curl.
 */
#include <sys/stat.h>

#include "test_cunbaod.h"

#define DASH_NODE_WAIT 240000	/* ms the browser half may take, a deadline */

/* The page's ACL on the WebSocket listener (anonymous there). */
static const char acl_text[] =
	"# the dashboard: read the figures and the names, nothing else\n"
	"topic read " CBD_ROOT "/rollup/#\n"
	"topic read " CBD_ROOT "/completeness/#\n"
	"topic read " CBD_ROOT "/status/#\n"
	"topic read " CBD_ROOT "/meta/#\n";

/* Sends every line of messages.txt as an SMS now and waits for each receipt. */
static void
feed_examples(struct cbd *c)
{
	char *text = h_read_file(h_src("schema/examples/messages.txt"), NULL), *save = NULL, id[32];
	int n = 0;

	cr_assert_not_null(text);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (line[0] == '#' || sp == NULL)
			continue;
		*sp = '\0';
		snprintf(id, sizeof id, "ex:%d", ++n);
		cr_assert(cbd_sms(c, id, line, sp + 1));
		cJSON *r = cbd_receipt(c, id);
		cr_assert_not_null(r, "no receipt for %s \"%s\"", line, sp + 1);
		cJSON_Delete(r);
	}
	free(text);
	cr_assert_gt(n, 40);
}

/* The status line and headers curl gets for url (HEAD-less GET, body dropped); malloc'd. */
static char *
http_head(const char *url, const char *extra)
{
	char cmd[1024];
	int rc;

	snprintf(cmd, sizeof cmd, "curl -s -o /dev/null -D - %s '%s'", extra ? extra : "", url);
	return h_run(cmd, &rc);
}

/* What cunbaod answers for the page's files without a token, and what it refuses. */
static void
check_static(int api_port)
{
	static const struct {
		const char *path, *want;
	} cases[] = {
		{ "/", "Content-Type: text/html; charset=utf-8" },
		{ "/app.js", "Content-Type: text/javascript; charset=utf-8" },
		{ "/style.css", "Content-Type: text/css; charset=utf-8" },
		{ "/mqtt.min.js", "Cache-Control: no-cache" },
		{ "/dashboard/config.json", "Content-Type: application/json; charset=utf-8" },
		{ "/../../../etc/passwd", "HTTP/1.1 404" },
		{ "/%2e%2e/CMakeCache.txt", "HTTP/1.1 404" },
		{ "/.hidden.js", "HTTP/1.1 404" },
		{ "/share//app.js", "HTTP/1.1 404" },
		{ "/CMakeLists.txt", "HTTP/1.1 404" },
		{ "/v1/rollups", "HTTP/1.1 401" },	/* the admin API keeps its tokens */
	};
	char url[256], *h;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(url, sizeof url, "http://127.0.0.1:%d%s", api_port, cases[i].path);
		h = http_head(url, "--path-as-is");
		cr_expect(h != NULL && strstr(h, cases[i].want) != NULL, "%s: want \"%s\", got:\n%s",
		    cases[i].path, cases[i].want, h ? h : "");
		free(h);
	}
	/* An unchanged file costs a 304. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/app.js", api_port);
	h = http_head(url, NULL);
	char *etag = h ? strstr(h, "ETag: ") : NULL, inm[128];
	cr_assert_not_null(etag, "no ETag:\n%s", h ? h : "");
	snprintf(inm, sizeof inm, "-H 'If-None-Match: %.*s'", (int)strcspn(etag + 6, "\r\n"), etag + 6);
	free(h);
	h = http_head(url, inm);
	cr_expect(h != NULL && strstr(h, "HTTP/1.1 304") != NULL, "If-None-Match: %s", h ? h : "");
	free(h);
	snprintf(url, sizeof url, "curl -s http://127.0.0.1:%d/dashboard/config.json", api_port);
	int rc;
	h = h_run(url, &rc);
	cr_expect(h != NULL && strstr(h, "\"root\":\"" CBD_ROOT "\"") != NULL && strstr(h, "\"ws\":\"ws://127.0.0.1:"),
	    "config.json: %s", h ? h : "");
	free(h);
}

/* Runs the browser half; restarts the broker when it asks; returns its exit code. */
static int
run_browser(struct cbd *c, int api_port)
{
	char page[64], mport[16], flag[512], artifacts[512];
	struct h_proc *p;
	long long waited = 0;
	bool restarted = false;

	snprintf(page, sizeof page, "http://127.0.0.1:%d/", api_port);
	snprintf(mport, sizeof mport, "%d", c->broker.port);
	snprintf(flag, sizeof flag, "%s", h_path("broker-restarted"));
	snprintf(artifacts, sizeof artifacts, "%s", h_bin("test-artifacts"));
	mkdir(artifacts, 0755);
	snprintf(artifacts, sizeof artifacts, "%s", h_bin("test-artifacts/dashboard"));
	mkdir(artifacts, 0755);
	char *argv[] = { "/usr/bin/env", "node", (char *)h_src("tests/integration/test_dashboard.js"), page, mport,
		(char *)h_bin("web-npm/node_modules/playwright-core"), artifacts, flag, NULL };
	cr_assert_not_null(p = h_spawn("dashboard-browser", argv));
	while (h_alive(p) && waited < DASH_NODE_WAIT) {
		if (!restarted && h_wait_log(p, "RESTART-BROKER", 100)) {
			h_broker_stop(&c->broker);
			cr_assert(h_broker_start(&c->broker), "mosquitto did not restart");
			cr_assert(h_write_file(flag, "1\n"));
			restarted = true;
		} else if (restarted) {
			usleep(100 * 1000);
		}
		waited += 100;
	}
	int rc = h_stop(p, SIGTERM, 5000);
	char *log = h_read_file(p->log, NULL);

	fprintf(stderr, "%s", log ? log : "(no log)\n");
	free(log);
	return rc;
}

Test(dashboard, figures_live_in_headless_chromium, .timeout = 400)
{
	struct cbd c = { 0 };
	int ws = h_free_port(), api = h_free_port();
	char extra[1024], listen[64], wsurl[64], webdir[512];

	cr_assert(access(h_bin("share/cunbao/web/mqtt.min.js"), R_OK) == 0,
	    "the dashboard's libraries are not built (npm ci in web/CMakeLists.txt; scripts/common.sh installs npm)");
	cr_assert(access(h_bin("web-npm/node_modules/playwright-core/package.json"), R_OK) == 0,
	    "playwright-core is not in web-npm/ (npm ci)");
	cr_assert(access("/usr/bin/chromium", X_OK) == 0, "Debian's chromium is not installed (scripts/common.sh)");
	cr_assert(h_write_file(h_path("dashboard.acl"), acl_text));
	snprintf(extra, sizeof extra,
	    "listener %d 127.0.0.1\nprotocol websockets\nsocket_domain ipv4\nallow_anonymous true\nacl_file %s\n",
	    ws, h_path("dashboard.acl"));
	c.broker.extra = extra;
	c.broker.per_listener = true;
	snprintf(listen, sizeof listen, "127.0.0.1:%d", api);
	snprintf(wsurl, sizeof wsurl, "ws://127.0.0.1:%d/", ws);
	snprintf(webdir, sizeof webdir, "%s", h_bin("share/cunbao/web"));
	const char *args[] = { "--listen", listen, "--web-dir", webdir, "--dashboard-ws", wsurl,
		"--reconnect-max", "500ms", NULL };
	memcpy(c.extra, args, sizeof args);
	cbd_start(&c);
	cr_assert(h_wait_port(api, CBD_WAIT));
	check_static(api);
	feed_examples(&c);
	char *p = cbd_rollup_wait(&c, "xinzhuang/hexi", "livestock", "current", "cattle", "61", CBD_WAIT);
	cr_assert_not_null(p, "the village's cattle never reached 61");
	free(p);

	int rc = run_browser(&c, api);
	cr_expect_eq(rc, 0, "the browser test failed (its output is above)");
	/* The page's publications reached nobody: nothing of theirs is journaled. */
	cr_expect_eq(db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id LIKE 'dash-deny:%'"), 0);
	cr_expect_gt(db_int(c.db, "SELECT count(*) FROM journal WHERE msg_id = 'dash:live:2'"), 0,
	    "the report after the restart was not stored");
	cr_expect_eq(cbd_term(&c), 0, "cunbaod did not exit cleanly (under ASan: a leak or an error)");
	cbd_stop(&c);
}
