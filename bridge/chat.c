/*
 * chat.c — what the chat platforms (WeCom, WeChat Official Accounts,
 * DingTalk, Feishu) share: the platform table, finding an instance by its
 * module or channel, the checks every instance gets, and small helpers
 * for the platforms' files.  Pure.
 *
 * A platform is one file (ch_<platform>.c) exporting a struct chat_ops; to
 * add one, write that file and add its line to chat_platforms below.  Each
 * configured instance is a [<platform> <name>] section (config.c), served
 * on /<platform>/<name> (http.c) and relayed by relay.c under the module
 * "<platform>:<name>".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"

const struct chat_ops *const chat_platforms[] = {
	&ch_wecom,
	&ch_wechat,
	&ch_dingtalk,
	&ch_feishu,
	NULL,
};

const struct chat_ops *
chat_platform(const char *name)
{
	size_t i;

	for (i = 0; chat_platforms[i] != NULL; i++)
		if (strcmp(chat_platforms[i]->platform, name) == 0)
			return chat_platforms[i];
	return NULL;
}

const char *
chat_platform_names(void)
{
	static char names[128];
	size_t i;

	names[0] = '\0';
	for (i = 0; chat_platforms[i] != NULL; i++)
		err_append(names, sizeof names, "%s%s", i ? ", " : "", chat_platforms[i]->platform);
	return names;
}

const struct chat_conf *
chat_find(const struct bridge_conf *c, const char *module)
{
	int i;

	for (i = 0; i < c->nchats; i++)
		if (strcmp(c->chats[i].module, module) == 0)
			return &c->chats[i];
	return NULL;
}

const struct chat_conf *
chat_for_channel(const struct bridge_conf *c, const char *ch)
{
	int i;

	for (i = 0; i < c->nchats; i++)
		if (strcmp(c->chats[i].ops->platform, ch) == 0)
			return &c->chats[i];
	return NULL;
}

enum chat_reply_mode
chat_reply_mode(const struct chat_conf *cc)
{
	if (strcmp(cc->reply, "api") == 0)
		return CHAT_REPLY_API;
	if (strcmp(cc->reply, "passive") == 0)
		return CHAT_REPLY_PASSIVE;
	if (strcmp(cc->reply, "both") == 0)
		return CHAT_REPLY_BOTH;
	return CHAT_REPLY_BAD;
}

int
chat_err(const struct chat_conf *cc, char *err, size_t errlen, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	err_append(err, errlen, "[%s %s] %s\n", cc->ops->platform, cc->name, line);
	return 1;
}

int
chat_check_common(const struct chat_conf *cc, char *err, size_t errlen)
{
	enum chat_reply_mode m = chat_reply_mode(cc);
	int n = 0;

	if (m == CHAT_REPLY_BAD)
		n += chat_err(cc, err, errlen, "reply: \"%s\" is not api, passive or both", cc->reply);
	else if (m != CHAT_REPLY_API && cc->ops->passive == NULL)
		n += chat_err(cc, err, errlen, "reply: %s takes no passive replies: use api", cc->ops->platform);
	if (m != CHAT_REPLY_PASSIVE && strncmp(cc->api, "http://", 7) != 0 && strncmp(cc->api, "https://", 8) != 0)
		n += chat_err(cc, err, errlen, "api: \"%s\" is not an http(s) URL", cc->api);
	return n;
}

bool
chat_query(const struct webhook *w, const char *key, char *out, size_t outsize)
{
	size_t n;

	return form_get(w->query, w->querylen, key, out, outsize, &n) && strlen(out) == n;
}

size_t
chat_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	/* Step back over continuation bytes (10xxxxxx) to the start of the cut character. */
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}
