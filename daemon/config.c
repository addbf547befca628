/*
 * config.c — cunbaod's config keys and how a configuration is assembled.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "payload.h"
#include "phone.h"
#include "report.h"
#include "topic.h"

#define OFF(m) offsetof(struct config, m)
#define SZ(m) sizeof(((struct config *)0)->m)

const struct conf_entry config_table[] = {
	{ "broker", CONF_ADDR, OFF(broker), SZ(broker), 0, 0, "127.0.0.1:1883",
	  "MQTT broker HOST:PORT (resolved once at start; with mqtt-cafile at each connect) [restart]" },
	{ "db", CONF_STR, OFF(db), SZ(db), 0, 0, "/var/lib/cunbao/cunbao.db",
	  "SQLite database file [restart]" },
	{ "catalog", CONF_STR, OFF(catalog), SZ(catalog), 0, 0, CUNBAO_CONFDIR "/catalog.json",
	  "report kinds and fields (JSON)" },
	{ "areas", CONF_STR, OFF(areas), SZ(areas), 0, 0, NULL,
	  "CSV path,name,expected imported at start and on SIGHUP" },
	{ "reporters", CONF_STR, OFF(reporters), SZ(reporters), 0, 0, NULL,
	  "CSV id,name,area,role,lang imported at start and on SIGHUP" },
	{ "prefix", CONF_STR, OFF(prefix), SZ(prefix), 0, 0, CB_ROOT_DEFAULT,
	  "MQTT topic root [restart]" },
	{ "client-id", CONF_STR, OFF(client_id), SZ(client_id), 0, 0, "cunbaod",
	  "MQTT client id of the persistent session [restart]" },
	{ "mqtt-user", CONF_STR, OFF(mqtt_user), SZ(mqtt_user), 0, 0, NULL,
	  "MQTT user name (none: anonymous) [restart]" },
	{ "mqtt-password-file", CONF_STR, OFF(mqtt_password_file), SZ(mqtt_password_file), 0, 0, NULL,
	  "file whose first line is the MQTT password [restart]" },
	{ "mqtt-cafile", CONF_STR, OFF(mqtt_cafile), SZ(mqtt_cafile), 0, 0, NULL,
	  "CA certificate (PEM) the broker's is checked against; set: connect with TLS [restart]" },
	{ "mqtt-certfile", CONF_STR, OFF(mqtt_certfile), SZ(mqtt_certfile), 0, 0, NULL,
	  "client certificate (PEM) for a broker that asks for one, with mqtt-keyfile [restart]" },
	{ "mqtt-keyfile", CONF_STR, OFF(mqtt_keyfile), SZ(mqtt_keyfile), 0, 0, NULL,
	  "private key (PEM, unencrypted) of mqtt-certfile [restart]" },
	{ "mqtt-protocol", CONF_STR, OFF(mqtt_protocol), SZ(mqtt_protocol), 0, 0, "5",
	  "MQTT version spoken to the broker: 5, or 3.1.1 for a broker without MQTT 5 (RabbitMQ 3.10:"
	  " receipts only on receipt/<source>, no Response Topic) [restart]" },
	{ "tz", CONF_STR, OFF(tz), SZ(tz), 0, 0, "Asia/Shanghai",
	  "time zone that decides which period a message falls in" },
	{ "keepalive", CONF_DURATION, OFF(keepalive), 0, 5000, 3600000, "30s",
	  "MQTT keepalive [restart]" },
	{ "batch-max", CONF_INT, OFF(batch_max), 0, 1, 100000, "2000",
	  "most messages in one transaction (group commit); a longer burst commits again" },
	{ "rollup-interval", CONF_DURATION, OFF(rollup_interval), 0, 1, 60000, "100ms",
	  "longest delay before a changed rollup is published" },
	{ "leaf-rollup-interval", CONF_DURATION, OFF(leaf_rollup_interval), 0, 0, 600000, "1s",
	  "how long a group's (a leaf area's) changed rollup waits to coalesce; upper areas go first" },
	{ "reconnect-max", CONF_DURATION, OFF(reconnect_max), 0, 100, 600000, "5s",
	  "longest wait between reconnects to the broker" },
	{ "busy-timeout", CONF_DURATION, OFF(busy_timeout), 0, 0, 600000, "5s",
	  "how long SQLite waits for another writer [restart]" },
	{ "max-received-age", CONF_DURATION, OFF(max_received_age), 0, 0, 3650LL * 86400000, "3d",
	  "oldest received_at a gateway may give a message; an older one is replaced by cunbaod's time"
	  " and journaled (0: no bound)" },
	{ "sync-thread", CONF_BOOL, OFF(sync_thread), 0, 0, 0, "no",
	  "removed: accepted and ignored with a warning (COMMIT always syncs) [restart]" },
	{ "db-max-pages", CONF_INT, OFF(db_max_pages), 0, 0, 1073741823, "0",
	  "testing aid: cap the database at this many pages, like a full disk; 0: no cap" },
	{ "verbose", CONF_BOOL, OFF(verbose), 0, 0, 0, "no",
	  "log debug messages" },
	{ "listen", CONF_STR, OFF(listen), SZ(listen), 0, 0, "127.0.0.1:8080",
	  "admin HTTP API HOST:PORT, or off [restart]" },
	{ "tokens", CONF_STR, OFF(tokens), SZ(tokens), 0, 0, NULL,
	  "admin API bearer tokens: \"<token> <role> [name]\" lines, mode 0600" },
	{ "remind-interval", CONF_DURATION, OFF(remind_interval), 0, 0, 86400000, "1m",
	  "how often reminders are checked; 0 turns them off [restart]" },
	{ "reports-need-reporter", CONF_BOOL, OFF(reports_need_reporter), 0, 0, 0, "no",
	  "a structured report must name a roster reporter who may report for its area, "
	  "unless its source is in report-apps" },
	{ "report-apps", CONF_STR, OFF(report_apps), SZ(report_apps), 0, 0, NULL,
	  "apps that report without a reporter, each only for its areas: \"SOURCE=AREA[,AREA...] ...\"" },
	{ "web-dir", CONF_STR, OFF(web_dir), SZ(web_dir), 0, 0, CUNBAO_WEB_DIR,
	  "the dashboard's files, served at / on the listen address without a token [restart]" },
	{ "dashboard-ws", CONF_STR, OFF(dashboard_ws), SZ(dashboard_ws), 0, 0, NULL,
	  "broker WebSocket URL the dashboard connects to (ws://HOST:9001/); none: the page's host, port 9001 [restart]" },
	{ "api-connections", CONF_INT, OFF(api_max_connections), 0, 1, 4096, "64",
	  "admin API connections open at once; a new one beyond is closed at once [restart]" },
	{ "api-request-timeout", CONF_DURATION, OFF(api_request_timeout), 0, 100, 600000, "10s",
	  "how long an API request (head and body) may take to arrive [restart]" },
	{ "api-query-timeout", CONF_DURATION, OFF(api_query_timeout), 0, 10, 60000, "500ms",
	  "how long one API query may hold the event loop; longer ones answer 503 [restart]" },
	{ "api-loop-share", CONF_INT, OFF(api_loop_share), 0, 1, 100, "20",
	  "percent of the event loop's time the API may use; beyond, queries answer 503 [restart]" },
	{ "remind-max", CONF_INT, OFF(remind_max), 0, 1, 100000, "200",
	  "reminders one POST /v1/reminders may send [restart]" },
	{ "remind-dedup", CONF_DURATION, OFF(remind_dedup), 0, 0, 604800000, "6h",
	  "a leader is not reminded twice of one kind and period within this [restart]" },
	{ "country-code", CONF_STR, OFF(country_code), SZ(country_code), 0, 0, "86",
	  "country calling code of phone numbers written without one (13800000009 -> +8613800000009)" },
	{ "upstream-of", CONF_STR, OFF(upstream_of), SZ(upstream_of), 0, 0, NULL,
	  "federate: areas of our roster, one per child cunbaod, whose retained rollups (published under "
	  "the area's last slug) are our inputs: \"city/county-a, city/county-b\" (docs/federation.md) [restart]" },
	{ "upstream-of-file", CONF_STR, OFF(upstream_of_file), SZ(upstream_of_file), 0, 0, NULL,
	  "federate: a file of the children's area paths, one a line (# comments), for lists too long for "
	  "upstream-of (a province's counties) [restart]" },
	{ "upstream-stale", CONF_DURATION, OFF(upstream_stale), 0, 1000, 3650LL * 86400000, "1d",
	  "federate: a child with no input for this long is shown stale in GET /v1/children" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* Appends one formatted line to err (keeps what is there). */
static void __attribute__((format(printf, 3, 4)))
err_add(char *err, size_t errlen, const char *fmt, ...)
{
	size_t n = strnlen(err, errlen);
	va_list ap;

	if (n + 1 >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
}

bool
config_flag(struct config_flags *f, const char *key, const char *value, char *err, size_t errlen)
{
	if (conf_find(config_table, key) == NULL) {
		snprintf(err, errlen, "--%s: no such key", key);
		return false;
	}
	if (f->n == CONFIG_FLAGS_MAX) {
		snprintf(err, errlen, "--%s: too many options", key);
		return false;
	}
	f->kv[f->n].key = key;
	f->kv[f->n].value = value;
	f->n++;
	return true;
}

/*
 * Accepts zone names that resolve to a zoneinfo file (TZDIR or
 * /usr/share/zoneinfo), "UTC", and POSIX rules such as "CST-8"; glibc would
 * otherwise fall back to UTC without a word.
 */
bool
config_tz_valid(const char *zone)
{
	char path[512];
	const char *dir = getenv("TZDIR");
	struct stat st;
	size_t i = 0;

	if (zone[0] == ':')
		zone++;
	if (strcmp(zone, "UTC") == 0)
		return true;
	if (zone[0] != '\0' && strstr(zone, "..") == NULL && zone[0] != '/') {
		snprintf(path, sizeof path, "%s/%s", dir ? dir : "/usr/share/zoneinfo", zone);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return true;
	}
	while (isalpha((unsigned char)zone[i]))
		i++;
	if (i < 3)
		return false;
	if (zone[i] == '+' || zone[i] == '-')
		i++;
	return isdigit((unsigned char)zone[i]);
}

/* Each entry of an upstream-of list must be an area path: one line into err per other; their number. */
static int
upstream_check_list(const char *what, const char *list, char *err, size_t errlen)
{
	int n = 0;

	for (const char *p = list + strspn(list, ", \t"); *p; p += strspn(p, ", \t")) {
		size_t len = strcspn(p, ", \t");

		if (!topic_area_valid(p, len)) {
			err_add(err, errlen, "%s: \"%.*s\" is not an area path (1-5 slugs [a-z0-9-])\n", what,
			    (int)len, p);
			n++;
		}
		p += len;
	}
	return n;
}

/* The checks that look at a value's meaning rather than its type. */
static int
config_check(const struct config *c, char *err, size_t errlen)
{
	int n = 0;

	if (!topic_root_valid(c->prefix)) {
		err_add(err, errlen, "prefix: \"%s\" is not a topic root (levels, no wildcards)\n", c->prefix);
		n++;
	}
	if (!config_tz_valid(c->tz)) {
		err_add(err, errlen, "tz: unknown time zone \"%s\"\n", c->tz);
		n++;
	}
	if (!phone_cc_valid(c->country_code)) {
		err_add(err, errlen, "country-code: \"%s\" is not a country calling code (1 to 3 digits: 86)\n",
		    c->country_code);
		n++;
	}
	if (!payload_id_valid(c->client_id, strlen(c->client_id))) {
		err_add(err, errlen, "client-id: \"%s\" is not [A-Za-z0-9:._-]{1,64}\n", c->client_id);
		n++;
	}
	if ((c->mqtt_certfile[0] != '\0') != (c->mqtt_keyfile[0] != '\0')) {
		err_add(err, errlen, "mqtt-certfile, mqtt-keyfile: give both or neither\n");
		n++;
	}
	if (c->mqtt_certfile[0] != '\0' && c->mqtt_cafile[0] == '\0') {
		err_add(err, errlen, "mqtt-certfile: a client certificate needs TLS: set mqtt-cafile too\n");
		n++;
	}
	if (strcmp(c->mqtt_protocol, "5") != 0 && strcmp(c->mqtt_protocol, "3.1.1") != 0) {
		err_add(err, errlen, "mqtt-protocol: \"%s\" is not 5 or 3.1.1\n", c->mqtt_protocol);
		n++;
	}
	if (c->db[0] == '\0') {
		err_add(err, errlen, "db: no database file given\n");
		n++;
	}
	if (c->dashboard_ws[0] != '\0' && strncmp(c->dashboard_ws, "ws://", 5) != 0 &&
	    strncmp(c->dashboard_ws, "wss://", 6) != 0) {
		err_add(err, errlen, "dashboard-ws: \"%s\" is not a ws:// or wss:// URL\n", c->dashboard_ws);
		n++;
	}
	if (c->catalog[0] == '\0') {
		err_add(err, errlen, "catalog: no catalog file given\n");
		n++;
	}
	n += upstream_check_list("upstream-of", c->upstream_of, err, errlen);
	char why[200];
	if (!report_apps_check(c->report_apps, why, sizeof why)) {
		err_add(err, errlen, "report-apps: %s\n", why);
		n++;
	}
	return n;
}

char *
config_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n = -1;
	int e = 0;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		e = errno;
	else if (n >= CONFIG_FILE_MAX)
		e = EFBIG;
	else if ((buf = malloc((size_t)n + 1)) == NULL)
		e = ENOMEM;
	else {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	if (e != 0)
		errno = e;
	return buf;
}

int
config_load(struct config *c, const char *file, bool must_exist,
    const struct config_flags *flags, char *err, size_t errlen)
{
	char one[256];
	int n = 0;

	err[0] = '\0';
	conf_defaults(config_table, c);
	if (file != NULL) {
		size_t len = 0;
		char *text = config_read_file(file, &len);

		if (text != NULL) {
			n += conf_parse(config_table, c, file, text, len, err, errlen);
			free(text);
		} else if (must_exist || errno != ENOENT) {
			err_add(err, errlen, "%s: %s\n", file, strerror(errno));
			n++;
		}
	}
	for (size_t i = 0; flags != NULL && i < flags->n; i++) {
		if (!conf_set(config_table, c, flags->kv[i].key, flags->kv[i].value, one, sizeof one)) {
			err_add(err, errlen, "command line: %s\n", one);
			n++;
		}
	}
	return n + config_check(c, err, errlen);
}

void
config_usage(FILE *out)
{
	fprintf(out, "config keys (file lines \"key value\"; each also a --key flag):\n");
	for (const struct conf_entry *e = config_table; e->key != NULL; e++)
		fprintf(out, "  %-18s %-26s %s\n", e->key, e->def ? e->def : "\"\"", e->help);
}

/* The keys that name files: relative ones are made absolute (config_absolute). */
static const char *const path_keys[] = { "db", "catalog", "areas", "reporters", "mqtt-password-file",
	"tokens", "upstream-of-file", NULL };

int
config_upstream_file(struct config *c, char *err, size_t errlen)
{
	char *text, *line, *save = NULL;
	size_t len = 0, off = 0;
	int n = 0;

	if (c->upstream_of_file[0] == '\0')
		return 0;
	if (c->upstream_of[0] != '\0') {
		err_add(err, errlen, "upstream-of-file: upstream-of is given too; give the list one way\n");
		return 1;
	}
	if ((text = config_read_file(c->upstream_of_file, &len)) == NULL) {
		err_add(err, errlen, "upstream-of-file: %s: %s\n", c->upstream_of_file, strerror(errno));
		return 1;
	}
	for (line = strtok_r(text, "\r\n", &save); line != NULL; line = strtok_r(NULL, "\r\n", &save)) {
		line += strspn(line, " \t");
		size_t l = strcspn(line, "#");

		while (l > 0 && (line[l - 1] == ' ' || line[l - 1] == '\t'))
			l--;
		if (l == 0)
			continue;
		if (off + l + 3 > sizeof c->upstream_of) {
			err_add(err, errlen, "upstream-of-file: %s: more than %zu bytes of area paths\n",
			    c->upstream_of_file, sizeof c->upstream_of - 1);
			n++;
			break;
		}
		off += (size_t)snprintf(c->upstream_of + off, sizeof c->upstream_of - off, "%s%.*s",
		    off ? ", " : "", (int)l, line);
	}
	free(text);
	if (n == 0)
		n = upstream_check_list(c->upstream_of_file, c->upstream_of, err, errlen);
	if (n > 0)
		c->upstream_of[0] = '\0';
	return n;
}

int
config_absolute(struct config *c, const char *dir, char *err, size_t errlen)
{
	int n = 0;

	for (size_t i = 0; path_keys[i] != NULL; i++) {
		const struct conf_entry *e = conf_find(config_table, path_keys[i]);
		char *v = (char *)c + e->offset, abs[CONFIG_PATH_MAX];

		if (v[0] == '\0' || v[0] == '/')
			continue;
		if ((size_t)snprintf(abs, sizeof abs, "%s/%s", dir, v) >= sizeof abs || strlen(abs) >= e->size) {
			err_add(err, errlen, "%s: \"%s\" is too long once made absolute (under %s)\n", e->key,
			    v, dir);
			n++;
			continue;
		}
		memcpy(v, abs, strlen(abs) + 1);
	}
	return n;
}

bool
config_reloadable(const char *key)
{
	const struct conf_entry *e = conf_find(config_table, key);

	return e != NULL && strstr(e->help, "[restart]") == NULL;
}

/* The bytes a key occupies in struct config. */
static size_t
member_size(const struct conf_entry *e)
{
	switch (e->type) {
	case CONF_STR:
	case CONF_ADDR:
		return e->size;
	case CONF_BOOL:
		return sizeof(bool);
	default:
		return sizeof(int64_t);
	}
}

bool
config_same(const struct conf_entry *e, const struct config *a, const struct config *b)
{
	const char *x = (const char *)a + e->offset, *y = (const char *)b + e->offset;

	if (e->type == CONF_STR || e->type == CONF_ADDR)
		return strncmp(x, y, e->size) == 0;	/* what follows the NUL is not the value */
	return memcmp(x, y, member_size(e)) == 0;
}

void
config_copy_reloadable(struct config *dst, const struct config *src)
{
	for (const struct conf_entry *e = config_table; e->key != NULL; e++)
		if (config_reloadable(e->key))
			memcpy((char *)dst + e->offset, (const char *)src + e->offset, member_size(e));
}
