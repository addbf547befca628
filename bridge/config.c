/*
 * config.c — every setting of cunbao-bridge, once, as a table.
 *
 * The same table reads the config file (`key value` lines), the
 * command-line flags (`--key value`, which win), serves -n and --help, and
 * documents the keys (docs/bridge.md lists them in this order).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"

#define M(member) offsetof(struct bridge_conf, member), sizeof(((struct bridge_conf *)0)->member)
#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

/* An edit is not counted again: the person is asked for a correction instead. */
#define TELEGRAM_EDIT_REPLY "修改过的消息不计入。如需改数，请发一条新消息：更正 加上正确的内容，例如：更正 牲畜 牛12 猪40 羊5"

const struct conf_entry bridge_conf_table[] = {
	{ "broker", CONF_ADDR, M(broker), 0, 0, "127.0.0.1:1883", "MQTT broker HOST:PORT (an IP address)" },
	{ "listen", CONF_ADDR, M(listen), 0, 0, "127.0.0.1:13080", "webhook server ADDR:PORT" },
	{ "spool", CONF_STR, M(spool), 0, 0, "/var/lib/cunbao/bridge.db", "SQLite spool file" },
	{ "prefix", CONF_STR, M(prefix), 0, 0, CB_ROOT_DEFAULT, "MQTT topic root" },
	{ "source", CONF_STR, M(source), 0, 0, "bridge-1", "our name: receipts come on <prefix>/receipt/<source>" },
	{ "country", CONF_STR, M(country), 0, 0, "86", "default country calling code for phone numbers" },
	{ "mqtt-id", CONF_STR, M(mqtt_id), 0, 0, "", "MQTT client id (default cunbao-bridge-<source>)" },
	{ "mqtt-keepalive", CONF_INT, M(mqtt_keepalive), 5, 3600, "30", "MQTT keepalive, seconds" },
	{ "mqtt-user", CONF_STR, M(mqtt_user), 0, 0, "", "MQTT user name (none: anonymous); the ACL's account, usually the source" },
	{ "mqtt-password-file", CONF_STR, M(mqtt_password_file), 0, 0, "", "file whose first line is the MQTT password" },
	{ "mqtt-cafile", CONF_STR, M(mqtt_cafile), 0, 0, "", "CA certificate (PEM) the broker's is checked against; set: connect with TLS" },
	{ "mqtt-certfile", CONF_STR, M(mqtt_certfile), 0, 0, "", "client certificate (PEM) for a broker that asks for one, with mqtt-keyfile" },
	{ "mqtt-keyfile", CONF_STR, M(mqtt_keyfile), 0, 0, "", "private key (PEM, unencrypted) of mqtt-certfile" },

	{ "max-body", CONF_INT, M(max_body), 1024, 1048576, "16384", "bytes of one webhook body" },
	{ "max-headers", CONF_INT, M(max_headers), 1024, 65536, "8192", "bytes of one webhook's request line and headers" },
	{ "http-timeout", CONF_DURATION, M(http_timeout), SEC, 5 * MIN, "10s", "time a webhook request may take, from connect to answer, however it trickles (then 408)" },
	{ "http-max-connections", CONF_INT, M(http_max_connections), 1, 10000, "128", "webhook connections open at once (more get 503)" },
	{ "send-timeout", CONF_DURATION, M(send_timeout), SEC, 5 * MIN, "10s", "time one outbound request may take" },

	{ "republish-after", CONF_DURATION, M(republish_after), 100, HOUR, "30s", "first wait for a receipt before publishing again" },
	{ "republish-max", CONF_DURATION, M(republish_max), 100, DAY, "10m", "longest wait between publications (it doubles)" },
	{ "retry-min", CONF_DURATION, M(retry_min), 100, HOUR, "2s", "first wait before sending a failed reply again" },
	{ "retry-max", CONF_DURATION, M(retry_max), 100, DAY, "10m", "longest wait between reply attempts (it doubles)" },
	{ "give-up-after", CONF_DURATION, M(give_up_after), SEC, 30 * DAY, "1d", "an undelivered reply is given up after this" },
	{ "keep-done", CONF_DURATION, M(keep_done), MIN, 365 * DAY, "7d", "done rows are kept this long (absorbs gateway retries)" },
	{ "send-concurrency", CONF_INT, M(send_concurrency), 1, 256, "4", "replies in flight at once" },
	{ "confirm-wait", CONF_DURATION, M(confirm_wait), 0, HOUR, "30s", "a send cut short by a restart waits this long for a delivery report before it is repeated" },

	{ "rate-limit", CONF_INT, M(rate_limit), 0, 1000000, "30", "messages one sender may send per rate-window (0: no limit)" },
	{ "rate-window", CONF_DURATION, M(rate_window), SEC, DAY, "10m", "window of the rate limit" },
	{ "loop-repeat", CONF_INT, M(loop_repeat), 0, 1000, "3", "answers to one sender's same text per loop-window (0: no limit)" },
	{ "loop-window", CONF_DURATION, M(loop_window), SEC, 7 * DAY, "1h", "window of the loop guard" },
	{ "own-numbers", CONF_STR, M(own_numbers), 0, 0, "", "our own numbers, comma separated: never answered" },
	{ "sms-gateway", CONF_STR, M(sms_gateway), 0, 0, "kannel", "channel that sends sms replies and reminders (kannel, generic)" },

	{ "kannel", CONF_BOOL, M(kannel), 0, 0, "yes", "accept SMS from Kannel on /kannel/incoming" },
	{ "kannel-sendsms", CONF_STR, M(kannel_sendsms), 0, 0, "http://127.0.0.1:13013/cgi-bin/sendsms", "Kannel's sendsms URL" },
	{ "kannel-user", CONF_STR, M(kannel_user), 0, 0, "cunbao", "Kannel sendsms-user username" },
	{ "kannel-pass", CONF_STR, M(kannel_pass), 0, 0, "", "Kannel sendsms-user password" },
	{ "kannel-from", CONF_STR, M(kannel_from), 0, 0, "", "sender number of replies (also never answered)" },
	{ "kannel-smsc", CONF_STR, M(kannel_smsc), 0, 0, "", "smsc-id to send replies through (default: Kannel's routing)" },
	{ "kannel-allow", CONF_STR, M(kannel_allow), 0, 0, "127.0.0.1,::1", "addresses allowed to call /kannel/incoming and /kannel/dlr (empty: any)" },
	{ "kannel-secret", CONF_STR, M(kannel_secret), 0, 0, "", "shared secret Kannel sends as key= in its get-url and dlr-url (16+ of A-Z a-z 0-9 . _ ~ -)" },
	{ "kannel-secret-file", CONF_STR, M(kannel_secret_file), 0, 0, "", "file holding kannel-secret (its first line)" },
	{ "kannel-dlr-url", CONF_STR, M(kannel_dlr_url), 0, 0, "", "URL Kannel sends delivery reports to (empty: /kannel/dlr on listen; off: none)" },

	{ "generic", CONF_BOOL, M(generic), 0, 0, "no", "accept SMS from an HTTP gateway on /sms/incoming" },
	{ "generic-secret", CONF_STR, M(generic_secret), 0, 0, "", "shared secret of the HMAC-SHA256 signatures" },
	{ "generic-reply-url", CONF_STR, M(generic_reply_url), 0, 0, "", "URL replies are POSTed to" },
	{ "generic-header", CONF_STR, M(generic_header), 0, 0, "X-Cunbao-Signature", "signature header name" },
	{ "generic-window", CONF_DURATION, M(generic_window), 10 * SEC, DAY, "5m", "a signed request whose X-Cunbao-Timestamp is further than this from our clock is refused (403)" },

	{ "telegram", CONF_BOOL, M(telegram), 0, 0, "no", "accept bot updates on /telegram/webhook" },
	{ "telegram-secret", CONF_STR, M(telegram_secret), 0, 0, "", "X-Telegram-Bot-Api-Secret-Token value" },
	{ "telegram-token", CONF_STR, M(telegram_token), 0, 0, "", "bot token for sendMessage" },
	{ "telegram-api", CONF_STR, M(telegram_api), 0, 0, "https://api.telegram.org", "Bot API base URL" },
	{ "telegram-edit-reply", CONF_STR, M(telegram_edit_reply), 0, 0, TELEGRAM_EDIT_REPLY, "answer to an edited message, which is not counted (empty: none)" },
	{ .key = NULL },
};

/* Appends the formatted line to err when bad; returns 1 when bad, else 0. */
static int __attribute__((format(printf, 4, 5)))
config_rule(bool bad, char *err, size_t errlen, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!bad)
		return 0;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	err_append(err, errlen, "%s\n", line);
	return 1;
}

static bool
config_country_valid(const char *cc)
{
	size_t n = strlen(cc);

	return n >= 1 && n <= 3 && cc[0] != '0' && strspn(cc, "0123456789") == n;
}

/* The MQTT account and TLS files: each one given must be readable; the count of problems. */
static int
config_check_mqtt(const struct bridge_conf *c, char *err, size_t errlen)
{
	const char *key[] = { "mqtt-password-file", "mqtt-cafile", "mqtt-certfile", "mqtt-keyfile" };
	const char *path[] = { c->mqtt_password_file, c->mqtt_cafile, c->mqtt_certfile, c->mqtt_keyfile };
	int n = 0;

	for (size_t i = 0; i < sizeof key / sizeof key[0]; i++) {
		/* access() before strerror(): the order of a call's arguments is unspecified. */
		bool unreadable = path[i][0] != '\0' && access(path[i], R_OK) != 0;

		n += config_rule(unreadable, err, errlen, "%s: %s: %s", key[i], path[i], strerror(errno));
	}
	n += config_rule(c->mqtt_user[0] != '\0' && !payload_id_valid(c->mqtt_user, strlen(c->mqtt_user)),
	    err, errlen, "mqtt-user: \"%s\" must be [A-Za-z0-9:._-]{1,64}", c->mqtt_user);
	n += config_rule(c->mqtt_password_file[0] != '\0' && c->mqtt_user[0] == '\0', err, errlen,
	    "mqtt-password-file: a password needs mqtt-user");
	n += config_rule((c->mqtt_certfile[0] != '\0') != (c->mqtt_keyfile[0] != '\0'), err, errlen,
	    "mqtt-certfile, mqtt-keyfile: give both or neither");
	n += config_rule(c->mqtt_certfile[0] != '\0' && c->mqtt_cafile[0] == '\0', err, errlen,
	    "mqtt-certfile: a client certificate needs TLS: set mqtt-cafile too");
	return n;
}

/* The rules across keys that the table's types and bounds cannot express. */
static int
config_check_core(const struct bridge_conf *c, char *err, size_t errlen)
{
	const struct channel_ops *gw = channel_find(c->sms_gateway);
	int n = 0;

	n += config_rule(!topic_root_valid(c->prefix), err, errlen,
	    "prefix: \"%s\" is not a topic root (levels, no wildcards)", c->prefix);
	n += config_rule(!payload_id_valid(c->source, strlen(c->source)), err, errlen,
	    "source: \"%s\" must be [A-Za-z0-9:._-]{1,64}", c->source);
	n += config_rule(c->mqtt_id[0] != '\0' && !payload_id_valid(c->mqtt_id, strlen(c->mqtt_id)),
	    err, errlen, "mqtt-id: \"%s\" must be [A-Za-z0-9:._-]{1,64}", c->mqtt_id);
	n += config_rule(!config_country_valid(c->country), err, errlen,
	    "country: \"%s\" is not a country calling code (1-3 digits)", c->country);
	n += config_rule(gw == NULL || strcmp(gw->channel, "sms") != 0, err, errlen,
	    "sms-gateway: \"%s\" is not an SMS channel (kannel, generic)", c->sms_gateway);
	n += config_rule(c->retry_min > c->retry_max, err, errlen, "retry-min: longer than retry-max");
	n += config_rule(c->republish_after > c->republish_max, err, errlen,
	    "republish-after: longer than republish-max");
	n += config_rule(c->spool[0] == '\0', err, errlen, "spool: a file is required");
	n += config_check_mqtt(c, err, errlen);
	return n;
}

int
config_check(const struct bridge_conf *c, char *err, size_t errlen)
{
	int n = config_check_core(c, err, errlen), enabled = 0;
	size_t i;

	for (i = 0; channel_table[i] != NULL; i++) {
		if (!channel_table[i]->enabled(c))
			continue;
		enabled++;
		n += channel_table[i]->check(c, err, errlen);
	}
	for (int k = 0; k < c->nchats; k++) {
		const struct chat_conf *cc = &c->chats[k];

		enabled++;
		n += chat_check_common(cc, err, errlen) + cc->ops->check(cc, err, errlen);
		n += config_rule(chat_reply_mode(cc) != CHAT_REPLY_API && cc->passive_wait >= c->http_timeout,
		    err, errlen, "[%s %s] passive-wait: must be shorter than http-timeout (%lld ms)",
		    cc->ops->platform, cc->name, (long long)c->http_timeout);
	}
	if (enabled == 0) {
		err_append(err, errlen, "no channel is enabled (kannel, generic, telegram, or a [wecom name] "
		    "section...)\n");
		n++;
	}
	return n;
}

/*
 * Reads the first line of path into out (trailing blanks and CR trimmed);
 * false with a line in err when it cannot be read, is empty or too long.
 */
static bool
config_secret_file(const char *key, const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		err_append(err, errlen, "%s: cannot read %s: %s\n", key, path, strerror(errno));
		return false;
	}
	if (fgets(out, (int)outlen, f) == NULL)
		out[0] = '\0';
	fclose(f);
	n = strcspn(out, "\r\n");
	if (out[n] == '\0' && n == outlen - 1) {
		out[0] = '\0';
		err_append(err, errlen, "%s: the secret in %s is longer than %zu characters\n", key, path, outlen - 2);
		return false;
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
	if (n == 0) {
		err_append(err, errlen, "%s: %s is empty\n", key, path);
		return false;
	}
	return true;
}

/*
 * Reads one chat instance's secret file (key "token-file" for member
 * "token"...) into its value; given with its value, unreadable or empty
 * is an error naming the section and the key.  Returns 0 or 1.
 */
static int
config_chat_secret(const struct chat_conf *cc, const char *key, const char *path, char *out, size_t outlen,
    char *err, size_t errlen)
{
	char name[96];

	if (path[0] == '\0')
		return 0;
	snprintf(name, sizeof name, "[%s %s] %s", cc->ops->platform, cc->name, key);
	if (out[0] != '\0') {
		err_append(err, errlen, "%s: give the value or the file, not both\n", name);
		return 1;
	}
	return config_secret_file(name, path, out, outlen, err, errlen) ? 0 : 1;
}

int
config_read_secrets(struct bridge_conf *c, char *err, size_t errlen)
{
	int n = 0, i;

	for (i = 0; i < c->nchats; i++) {
		struct chat_conf *cc = &c->chats[i];

		n += config_chat_secret(cc, "token-file", cc->token_file, cc->token, sizeof cc->token, err, errlen);
		n += config_chat_secret(cc, "aes-key-file", cc->aes_key_file, cc->aes_key, sizeof cc->aes_key,
		    err, errlen);
		n += config_chat_secret(cc, "secret-file", cc->secret_file, cc->secret, sizeof cc->secret,
		    err, errlen);
	}
	if (c->kannel_secret_file[0] == '\0')
		return n;
	if (c->kannel_secret[0] != '\0') {
		err_append(err, errlen, "kannel-secret-file: give kannel-secret or kannel-secret-file, not both\n");
		return n + 1;
	}
	return n + (config_secret_file("kannel-secret-file", c->kannel_secret_file, c->kannel_secret,
	    sizeof c->kannel_secret, err, errlen) ? 0 : 1);
}

/* ------------------------------------------------------------------ [<platform> <name>] sections */

/*
 * Reads a section header line "[platform name]" (blanks allowed inside the
 * brackets).  Returns 0 for a line that is no header, 1 for a good one
 * (plat and name filled), -1 for a bad one (msg says why).
 */
static int
config_header(const char *line, size_t n, char *plat, char *name, char *msg, size_t msglen)
{
	char buf[128], extra[8];

	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
		n--;
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	if (n == 0 || line[0] != '[')
		return 0;
	if (line[n - 1] != ']' || n - 2 >= sizeof buf) {
		const char *close = memchr(line, ']', n);

		if (close != NULL && close[1 + strspn(close + 1, " \t")] == '#')
			snprintf(msg, msglen, "a section header is \"[platform name]\" on a line of its own: "
			    "a comment after it takes a line of its own");
		else
			snprintf(msg, msglen, "a section header is \"[platform name]\" on a line of its own");
		return -1;
	}
	memcpy(buf, line + 1, n - 2);
	buf[n - 2] = '\0';
	plat[0] = name[0] = '\0';
	if (sscanf(buf, "%15s %31s %7s", plat, name, extra) != 2) {
		snprintf(msg, msglen, "section \"[%s]\": give a platform and a name, as [wecom hexi]", buf);
		return -1;
	}
	if (chat_platform(plat) == NULL) {
		snprintf(msg, msglen, "section [%s %s]: unknown platform \"%s\" (%s)", plat, name, plat,
		    chat_platform_names());
		return -1;
	}
	if (strlen(name) > CHAT_NAME_MAX || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(name)) {
		snprintf(msg, msglen, "section [%s %s]: the name must be [a-z0-9-]{1,%d}", plat, name, CHAT_NAME_MAX);
		return -1;
	}
	return 1;
}

/*
 * Finds the sections of text: owner[line] is -1 for a global line, k for
 * a line of section k (its header included).  Sets up c->chats[k]'s
 * platform, name, module and defaults.  Returns the number of errors
 * (bad, repeated or too many headers), each a "file:line: " line in err.
 */
static int
config_find_sections(struct bridge_conf *c, const char *file, const char *text, size_t len, int *owner,
    size_t nlines, char *err, size_t errlen)
{
	size_t pos = 0, line = 0, first[BR_CHATS_MAX];
	char plat[16], name[32], msg[256];
	int cur = -1, n = 0, k;

	while (pos < len && line < nlines) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		int h = config_header(text + pos, end - pos, plat, name, msg, sizeof msg);

		if (h < 0) {
			err_append(err, errlen, "%s:%zu: %s\n", file, line + 1, msg);
			n++;
			cur = -2;	/* the lines of a bad section are nobody's */
		} else if (h > 0) {
			for (k = 0; k < c->nchats; k++)
				if (strcmp(c->chats[k].ops->platform, plat) == 0 && strcmp(c->chats[k].name, name) == 0)
					break;
			if (k < c->nchats) {
				err_append(err, errlen, "%s:%zu: section [%s %s] again (first on line %zu)\n", file,
				    line + 1, plat, name, first[k]);
				n++;
				cur = -2;
			} else if (c->nchats == BR_CHATS_MAX) {
				err_append(err, errlen, "%s:%zu: more than %d chat sections\n", file, line + 1,
				    BR_CHATS_MAX);
				n++;
				cur = -2;
			} else {
				struct chat_conf *cc = &c->chats[c->nchats];

				memset(cc, 0, sizeof *cc);
				cc->ops = chat_platform(plat);
				conf_defaults(cc->ops->table, cc);
				/* name is [a-z0-9-]{1,16} (checked above), plat one of the platforms' words */
				snprintf(cc->name, sizeof cc->name, "%.*s", CHAT_NAME_MAX, name);
				snprintf(cc->module, sizeof cc->module, "%.12s:%.*s", plat, CHAT_NAME_MAX, name);
				first[c->nchats] = line + 1;
				cur = c->nchats++;
			}
		}
		owner[line++] = cur;
		pos = end + 1;
	}
	return n;
}

/* A copy of text with every line whose owner is not `keep` blanked (its newline kept); malloc'd. */
static char *
config_only(const char *text, size_t len, const int *owner, int keep, bool keep_header)
{
	char *out = malloc(len + 1);
	size_t pos = 0, line = 0, i;

	if (out == NULL)
		return NULL;
	memcpy(out, text, len);
	out[len] = '\0';
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		bool header = line == 0 || owner[line - 1] != owner[line];

		if (owner[line] != keep || (header && owner[line] >= 0 && !keep_header))
			for (i = pos; i < end; i++)
				out[i] = ' ';
		line++;
		pos = end + 1;
	}
	return out;
}

/* The first chat platform (other than not) whose section table has key, or NULL. */
static const struct chat_ops *
config_chat_key_owner(const char *key, const struct chat_ops *not)
{
	int i;

	for (i = 0; chat_platforms[i] != NULL; i++)
		if (chat_platforms[i] != not && conf_find(chat_platforms[i]->table, key) != NULL)
			return chat_platforms[i];
	return NULL;
}

/*
 * Finds, in part (the lines of section k, or the global lines for k < 0,
 * others blanked), the keys that belong elsewhere: a global key under a
 * section (it must come above the first section), another platform's key
 * in a section, a section's key among the global ones.  Each is named with
 * its line and where it belongs, and blanked in part, so that conf_parse
 * does not report it again as a bare "unknown key".  Returns their number.
 */
static int
config_misplaced(const struct bridge_conf *c, int k, size_t first_section, const char *file, char *part,
    size_t len, char *err, size_t errlen)
{
	const struct chat_conf *cc = k >= 0 ? &c->chats[k] : NULL;
	const struct conf_entry *table = cc != NULL ? cc->ops->table : bridge_conf_table;
	size_t pos = 0, line = 0;
	int n = 0;

	while (pos < len) {
		char *nl = memchr(part + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - part) : len, b = pos + strspn(part + pos, " \t"), e = b;
		char key[64], where[64];
		const struct chat_ops *owner;

		line++;
		pos = end + 1;
		while (e < end && part[e] != ' ' && part[e] != '\t' && part[e] != '\r')
			e++;
		if (e == b || part[b] == '#' || e - b >= sizeof key)
			continue;	/* blank, a comment, or too long for any key: conf_parse judges it */
		memcpy(key, part + b, e - b);
		key[e - b] = '\0';
		owner = config_chat_key_owner(key, cc != NULL ? cc->ops : NULL);
		if (conf_find(table, key) != NULL)
			continue;	/* its own key */
		if (cc != NULL && conf_find(bridge_conf_table, key) != NULL) {
			err_append(err, errlen, "%s:%zu: unknown key \"%s\" in [%s %s]: a global key, which goes "
			    "above the first section (line %zu): a section runs to the next one\n", file, line, key,
			    cc->ops->platform, cc->name, first_section);
			n++;
		} else if (owner != NULL) {
			if (cc != NULL)
				snprintf(where, sizeof where, "in [%s %s]", cc->ops->platform, cc->name);
			else
				snprintf(where, sizeof where, "outside any section");
			err_append(err, errlen, "%s:%zu: unknown key \"%s\" %s: a key of [%s NAME] sections "
			    "(cunbao-bridge --help lists each platform's keys)\n", file, line, key, where,
			    owner->platform);
			n++;
		} else
			continue;	/* unknown everywhere: conf_parse says so */
		memset(part + b, ' ', end - b);
	}
	return n;
}

int
config_parse_file(struct bridge_conf *c, const char *file, const char *text, size_t len, char *err, size_t errlen)
{
	size_t nlines = 1, i;
	int *owner, n, k;
	char *part;

	for (i = 0; i < len; i++)
		nlines += text[i] == '\n';
	if ((owner = calloc(nlines, sizeof *owner)) == NULL) {
		err_append(err, errlen, "%s: out of memory\n", file);
		return 1;
	}
	c->nchats = 0;
	n = config_find_sections(c, file, text, len, owner, nlines, err, errlen);
	for (i = 0; i < nlines && owner[i] < 0; i++)
		;
	for (k = -1; k < c->nchats; k++) {
		size_t used;

		if ((part = config_only(text, len, owner, k, false)) == NULL) {
			err_append(err, errlen, "%s: out of memory\n", file);
			n++;
			break;
		}
		n += config_misplaced(c, k, i + 1, file, part, len, err, errlen);
		used = strnlen(err, errlen);
		if (k < 0)
			n += conf_parse(bridge_conf_table, c, file, part, len, err + used, errlen - used);
		else
			n += conf_parse(c->chats[k].ops->table, &c->chats[k], file, part, len, err + used,
			    errlen - used);
		free(part);
	}
	free(owner);
	return n;
}

int
config_warnings(const struct bridge_conf *c, char *out, size_t outlen)
{
	int n = 0;

	out[0] = '\0';
	if (c->kannel && c->kannel_secret[0] == '\0') {
		err_append(out, outlen, "kannel-secret: not set; /kannel/incoming and /kannel/dlr trust the "
		    "peer address alone (kannel-allow %s): never reach them through a proxy\n", c->kannel_allow);
		n++;
	}
	for (int k = 0; k < c->nchats; k++) {
		const struct chat_conf *cc = &c->chats[k];

		/* Messages that anyone who knows the token could forge: valid, but said (docs/bridge.md). */
		if (strcmp(cc->ops->platform, "feishu") == 0 && cc->aes_key[0] == '\0') {
			err_append(out, outlen, "[feishu %s] aes-key: not set; events arrive unsigned and in clear, "
			    "and only the Verification Token authenticates them: set an Encrypt Key on the console "
			    "and in aes-key-file\n", cc->name);
			n++;
		} else if (strcmp(cc->ops->platform, "wechat") == 0 && cc->plain) {
			err_append(out, outlen, "[wechat %s] plain: yes; the signature does not cover the message, "
			    "so anyone who sees one request can send others: prefer safe mode (安全模式)\n", cc->name);
			n++;
		}
	}
	return n;
}
