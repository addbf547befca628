/*
 * view.c — the names, units, words and widths of cunbaoctl's tables
 * (view.h), fetched from the API once per process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlconf.h"
#include "http.h"
#include "view.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct view {
	bool lang_set, wide, codes;
	enum lang lang;
	const struct client *c;		/* borrowed */
	cJSON *kinds;			/* GET /v1/kinds items, or NULL */
	cJSON *areas;			/* {path: name} */
	cJSON *people;			/* {id: name} */
	bool kinds_tried, areas_tried, people_tried;
} view;

/* English words of headers and cells with their Chinese. */
static const struct { const char *en, *zh; } zh_words[] = {
	{ "AREA", "地区" }, { "KIND", "种类" }, { "PERIOD", "期间" }, { "REPORTED", "已报" },
	{ "VALUES", "数值" }, { "UPDATED", "更新时间" }, { "ID", "编号" }, { "REPORTER", "报送人" },
	{ "STATUS", "状态" }, { "RECEIVED", "收到时间" }, { "CREATED", "收到时间" },
	{ "GROUP", "组" }, { "LEADERS", "负责人" }, { "MISSING", "未报" }, { "PATH", "代码" },
	{ "NAME", "名称" }, { "EXPECTED", "应报" }, { "ROLE", "角色" }, { "LANG", "语言" },
	{ "SEQ", "序号" }, { "SENDER", "发送人" }, { "ERROR", "错误" }, { "DETAIL", "详情" },
	{ "TEXT", "内容" }, { "TO", "收件人" }, { "CHANNEL", "渠道" }, { "NOT SENT BECAUSE", "未发原因" },
	{ "accepted", "已接收" }, { "rejected", "已拒收" },
	{ "active", "有效" }, { "superseded", "已更正" }, { "withdrawn", "已撤销" },
	{ "leader", "组长" }, { "admin", "管理员" }, { "yes", "是" }, { "no", "否" },
	{ "zh", "中文" }, { "en", "英文" }, { "(no leader)", "（无负责人）" },
	{ "replaced by", "已被更正：" }, { "corrects", "更正" },
};

bool
view_option(int opt, const char *arg)
{
	switch (opt) {
	case VIEW_OPT_LANG:
		if (!lang_parse(arg, &view.lang)) {
			fprintf(stderr, "cunbaoctl: --lang %s: give zh or en\n", arg);
			return false;
		}
		view.lang_set = true;
		return true;
	case VIEW_OPT_WIDE:
		view.wide = true;
		return true;
	case VIEW_OPT_CODES:
		view.codes = true;
		return true;
	default:
		return false;
	}
}

void
view_bind(const struct client *c)
{
	view.c = c;
}

/* The language of the locale: zh when the first of LC_ALL, LC_MESSAGES, LANG that is set starts so. */
static enum lang
locale_lang(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

	for (size_t i = 0; i < NELEM(vars); i++) {
		const char *v = getenv(vars[i]);
		if (v != NULL && *v != '\0')
			return strncmp(v, "zh", 2) == 0 ? LANG_ZH : LANG_EN;
	}
	return LANG_EN;
}

enum lang
view_lang(void)
{
	if (!view.lang_set) {
		const struct ctlconf *cf = ctlconf_get();
		if (!lang_parse(cf->lang, &view.lang))
			view.lang = locale_lang();
		view.lang_set = true;
	}
	return view.lang;
}

bool
view_wide(void)
{
	return view.wide;
}

bool
view_codes(void)
{
	return view.codes;
}

size_t
view_width(void)
{
	return view.wide ? 0 : VIEW_WIDTH;
}

const char *
view_word(const char *en)
{
	if (view_lang() != LANG_ZH)
		return en;
	for (size_t i = 0; i < NELEM(zh_words); i++)
		if (strcmp(zh_words[i].en, en) == 0)
			return zh_words[i].zh;
	return en;
}

const char *
view_header(const char *en)
{
	return view_word(en);
}

/* Keeps a copy of a list item in the array arg. */
static void
keep_item(void *arg, const cJSON *item)
{
	cJSON_AddItemToArray(arg, cJSON_Duplicate(item, true));
}

/* Keeps {key: name} of a list item in the object arg (key the area's path or the reporter's id). */
static void
keep_name(void *arg, const cJSON *item, const char *key)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(item, key);
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(item, "name");

	if (cJSON_IsString(k) && cJSON_IsString(n))
		cJSON_AddStringToObject(arg, k->valuestring, n->valuestring);
}

static void
keep_area(void *arg, const cJSON *item)
{
	keep_name(arg, item, "path");
}

static void
keep_person(void *arg, const cJSON *item)
{
	keep_name(arg, item, "id");
}

/*
 * Fetches every page of a list resource into *out (a new array or object,
 * filled by fn); leaves *out NULL, saying that codes are shown, when it
 * cannot be had.  Tried once.
 */
static void
view_fetch(const char *path, bool *tried, cJSON **out, bool array, void (*fn)(void *, const cJSON *))
{
	/* /v1/kinds is one page and takes no limit. */
	struct list_opts l = { .limit = array ? NULL : "1000", .all = true };
	struct client c;

	if (*tried || view.c == NULL)
		return;
	*tried = true;
	c = *view.c;
	c.json = false;
	*out = array ? cJSON_CreateArray() : cJSON_CreateObject();
	if (*out != NULL && client_list(&c, path, &l, fn, *out) == CTL_OK)
		return;
	fprintf(stderr, "cunbaoctl: %s could not be read: showing codes instead of names\n", path);
	cJSON_Delete(*out);
	*out = NULL;
}

/* The name of area path in the roster, or NULL. */
static const char *
area_name(const char *path)
{
	const cJSON *n;

	view_fetch("/v1/areas", &view.areas_tried, &view.areas, false, keep_area);
	n = cJSON_GetObjectItemCaseSensitive(view.areas, path);
	return cJSON_IsString(n) && *n->valuestring ? n->valuestring : NULL;
}

const char *
view_area(const char *path, char *buf, size_t buflen)
{
	const char *last = strrchr(path, '/'), *name, *up = NULL;
	char parent[CB_AREA_MAX];

	snprintf(buf, buflen, "%s", path);
	if (view.codes || *path == '\0' || (name = area_name(path)) == NULL)
		return buf;
	/* A group is known by its village's name and its own; a village or a township by its own. */
	if (last != NULL && strchr(path, '/') != last) {
		snprintf(parent, sizeof parent, "%.*s", (int)(last - path), path);
		up = area_name(parent);
	}
	snprintf(buf, buflen, "%s%s%s", up ? up : "", up ? " " : "", name);
	return buf;
}

/* The kind with this code among the catalog's, or NULL. */
static const cJSON *
kind_find(const char *code)
{
	const cJSON *k;

	view_fetch("/v1/kinds", &view.kinds_tried, &view.kinds, true, keep_item);
	cJSON_ArrayForEach(k, view.kinds) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(k, "code");
		if (cJSON_IsString(c) && strcmp(c->valuestring, code) == 0)
			return k;
	}
	return NULL;
}

/* The member "zh" or "en" (the view's language) of o's object key; "" if none. */
static const char *
lang_member(const cJSON *o, const char *key)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, key),
	    view_lang() == LANG_ZH ? "zh" : "en");

	return cJSON_IsString(n) ? n->valuestring : "";
}

const char *
view_kind(const char *code)
{
	const cJSON *k = view.codes ? NULL : kind_find(code);
	const char *name = lang_member(k, "names");

	return *name ? name : code;
}

/* Masks a phone number as logs do (+86138****0003); other ids are left as they are. */
static const char *
mask_id(const char *id, char *buf, size_t buflen)
{
	size_t n = strlen(id);

	if (id[0] == '+' && n >= 11)
		snprintf(buf, buflen, "%.6s****%s", id, id + n - 4);
	else
		snprintf(buf, buflen, "%s", id);
	return buf;
}

const char *
view_id(const char *id, char *buf, size_t buflen)
{
	if (view.wide || view.codes)
		return snprintf(buf, buflen, "%s", id), buf;
	return mask_id(id, buf, buflen);
}

const char *
view_person(const char *id, const char *name, char *buf, size_t buflen)
{
	const cJSON *n;

	if (view.codes && !view.wide)
		return snprintf(buf, buflen, "%s", id), buf;
	if (name == NULL || *name == '\0') {
		view_fetch("/v1/reporters", &view.people_tried, &view.people, false, keep_person);
		n = cJSON_GetObjectItemCaseSensitive(view.people, id);
		name = cJSON_IsString(n) ? n->valuestring : NULL;
	}
	if (name == NULL)
		return view.wide ? (snprintf(buf, buflen, "%s", id), buf) : mask_id(id, buf, buflen);
	snprintf(buf, buflen, "%s%s%s", name, view.wide ? " " : "", view.wide ? id : "");
	return buf;
}

const char *
view_time(const char *iso, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s", iso);
	if (!view.wide && strlen(iso) >= 16 && iso[10] == 'T') {
		snprintf(buf, buflen, "%.16s", iso);
		buf[10] = ' ';
	}
	return buf;
}

/* Trims trailing zeros (and a trailing point) of a decimal in buf. */
static void
trim_zeros(char *buf)
{
	char *end;

	if (strchr(buf, '.') == NULL)
		return;
	end = buf + strlen(buf);
	while (end > buf && end[-1] == '0')
		*--end = '\0';
	if (end > buf && end[-1] == '.')
		end[-1] = '\0';
}

/* The first word of a yes/no list in the view's language (合格 in zh, passed in en), or NULL. */
static const char *
yesno_word(const cJSON *field, bool yes)
{
	const cJSON *w;

	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(field, yes ? "yes" : "no")) {
		bool ascii = true;
		if (!cJSON_IsString(w))
			continue;
		for (const char *p = w->valuestring; *p; p++)
			ascii = ascii && (unsigned char)*p < 0x80;
		if (ascii == (view_lang() == LANG_EN))
			return w->valuestring;
	}
	return NULL;
}

/*
 * Writes one value of field (its catalog entry, NULL if unknown) as text:
 * a rate as a percentage, a decimal with its scale, a count as it is, a
 * yes/no as true/false (--codes) or the field's word.  Returns buf.
 */
static const char *
value_format(const cJSON *field, const cJSON *v, char *buf, size_t buflen)
{
	const cJSON *agg = cJSON_GetObjectItemCaseSensitive(field, "agg");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(field, "type");
	const cJSON *scale = cJSON_GetObjectItemCaseSensitive(field, "scale");
	bool rate = cJSON_IsString(agg) && strcmp(agg->valuestring, "rate") == 0;
	bool avg = cJSON_IsString(agg) && strcmp(agg->valuestring, "avg") == 0;
	char *text;

	buf[0] = '\0';
	if (cJSON_IsBool(v)) {
		const char *w = view.codes ? NULL : yesno_word(field, cJSON_IsTrue(v));
		snprintf(buf, buflen, "%s", w ? w : view.codes ? (cJSON_IsTrue(v) ? "true" : "false") :
		    view_word(cJSON_IsTrue(v) ? "yes" : "no"));
	} else if (cJSON_IsNumber(v) && rate) {
		snprintf(buf, buflen, "%.2f", v->valuedouble * 100);
		trim_zeros(buf);
		strncat(buf, "%", buflen - strlen(buf) - 1);
	} else if (cJSON_IsNumber(v) && !avg && cJSON_IsString(type) &&
	    strcmp(type->valuestring, "decimal") == 0 && cJSON_IsNumber(scale)) {
		snprintf(buf, buflen, "%.*f", (int)scale->valuedouble, v->valuedouble);
	} else if (cJSON_IsString(v)) {
		snprintf(buf, buflen, "%s", v->valuestring);
	} else if (v != NULL && !cJSON_IsNull(v) && (text = cJSON_PrintUnformatted(v)) != NULL) {
		snprintf(buf, buflen, "%s", text);
		cJSON_free(text);
	}
	return buf;
}

/* Appends one field's value to buf at *off as "名 61 头" (or "code=61"); false when full. */
static bool
pair_add(const cJSON *field, const char *code, const cJSON *v, char *buf, size_t buflen, size_t *off)
{
	char val[128];
	const char *name = lang_member(field, "names"), *unit = lang_member(field, "unit");
	const cJSON *agg = cJSON_GetObjectItemCaseSensitive(field, "agg");
	int n;

	value_format(field, v, val, sizeof val);
	if (agg != NULL && cJSON_IsString(agg) && strcmp(agg->valuestring, "rate") == 0)
		unit = "";
	if (view.codes || field == NULL)
		n = snprintf(buf + *off, buflen - *off, "%s%s=%s", *off ? view.codes ? " " : "  " : "",
		    code, val);
	else if (cJSON_IsBool(v))
		n = snprintf(buf + *off, buflen - *off, "%s%s", *off ? "  " : "", val);
	else
		n = snprintf(buf + *off, buflen - *off, "%s%s %s%s%s", *off ? "  " : "", *name ? name : code,
		    val, *unit ? " " : "", unit);
	if (n < 0 || (size_t)n >= buflen - *off)
		return false;
	*off += (size_t)n;
	return true;
}

const char *
view_values(const char *kind, const cJSON *values, char *buf, size_t buflen)
{
	const cJSON *k = kind_find(kind), *f, *v;
	size_t off = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(k, "fields")) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(f, "code");
		if (cJSON_IsString(code) && (v = cJSON_GetObjectItemCaseSensitive(values, code->valuestring)) &&
		    !pair_add(f, code->valuestring, v, buf, buflen, &off))
			return buf;
	}
	cJSON_ArrayForEach(v, values) {
		bool known = false;
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(k, "fields")) {
			const cJSON *code = cJSON_GetObjectItemCaseSensitive(f, "code");
			known = known || (cJSON_IsString(code) && strcmp(code->valuestring, v->string) == 0);
		}
		if (!known && !pair_add(NULL, v->string, v, buf, buflen, &off))
			break;
	}
	return buf;
}

void
view_free(void)
{
	cJSON_Delete(view.kinds);
	cJSON_Delete(view.areas);
	cJSON_Delete(view.people);
	view.kinds = view.areas = view.people = NULL;
}
