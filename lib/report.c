/*
 * report.c — structured reports from apps and sensors: decode (shape),
 * validate (meaning, against the catalog) and encode.
 *
 * Decoding keeps every value as exact text: a JSON number becomes the
 * shortest decimal text that reads back as the same double (jnum.h), so
 * 227.74 and "227.74" are the same value, and validation parses it at the
 * field's scale without rounding.
 */
#include <stdlib.h>
#include <string.h>

#include "jdec.h"
#include "jnum.h"
#include "jsonw.h"
#include "payload.h"
#include "report.h"
#include "topic.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define ID_FORM "[A-Za-z0-9:._-]{1,64}"
/* Any value of 10^18 or more units is beyond an int64 at its scale: out of range. */
#define INT64_DIGITS 18

/* [a-z0-9_]{1,CB_CODE_MAX}: kind and field codes. */
static bool
code_valid(const char *s, size_t len)
{
	return jdec_word(s, len, CB_CODE_MAX, "_");
}

static bool
area_valid(const char *s, size_t len)
{
	return topic_area_valid(s, len);
}

/* A reporter: a phone number or chat id, printable. */
static bool
reporter_valid(const char *s, size_t len)
{
	return len > 0 && jdec_printable(s, len);
}

/* [+-]?digits[.digits] with at least one digit: what dec_parse may read. */
static bool
decimal_text(const char *s, size_t len)
{
	size_t i = 0, digits = 0;
	bool point = false;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.' && !point)
			point = true;
		else
			return false;
	}
	return digits > 0;
}

/*
 * Turns one member of "values" into exact text in v->text: a number via
 * jnum_text, true/false as such, a string as given if it fits and, when it
 * starts like a number, is decimal text (words such as 合格 pass through for
 * yes/no fields).  Returns CB_OK, CB_BAD_TYPE or CB_BAD_VALUE.
 */
static enum cb_error
value_decode(const cJSON *m, struct report_value *v, char *err, size_t errlen)
{
	if (cJSON_IsNumber(m)) {
		if (jnum_text(m->valuedouble, v->text, sizeof v->text) > 0)
			return CB_OK;
	} else if (cJSON_IsBool(m)) {
		strcpy(v->text, cJSON_IsTrue(m) ? "true" : "false");
		return CB_OK;
	} else if (cJSON_IsString(m)) {
		const char *s = m->valuestring;
		size_t n = strlen(s);
		bool numeric = n > 0 && strchr("+-.0123456789", s[0]) != NULL;
		if (n > 0 && n < sizeof v->text && jdec_printable(s, n) &&
		    (!numeric || decimal_text(s, n))) {
			memcpy(v->text, s, n + 1);
			return CB_OK;
		}
	} else {
		jdec_err(err, errlen, "values.%s: must be a number, a string or true/false", v->field);
		return CB_BAD_TYPE;
	}
	jdec_err(err, errlen, "values.%s: not a decimal value or a word", v->field);
	return CB_BAD_VALUE;
}

/*
 * Reads the "values" object: at most CB_MAX_FIELDS members whose names are
 * codes, each once, each a number, string or boolean.
 */
static enum cb_error
values_decode(const cJSON *root, void *arg, char *err, size_t errlen)
{
	struct report *out = arg;
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(root, "values");

	if (values == NULL || cJSON_IsNull(values)) {
		jdec_err(err, errlen, "values: missing");
		return CB_MISSING_MEMBER;
	}
	if (!cJSON_IsObject(values)) {
		jdec_err(err, errlen, "values: must be an object");
		return CB_BAD_TYPE;
	}
	for (const cJSON *m = values->child; m != NULL; m = m->next) {
		size_t n = strlen(m->string);
		if (!code_valid(m->string, n)) {
			jdec_err(err, errlen, "values: '%.40s' is not a field code [a-z0-9_]{1,32}", m->string);
			return CB_UNKNOWN_FIELD;
		}
		for (size_t i = 0; i < out->nvalues; i++)
			if (strcmp(out->values[i].field, m->string) == 0) {
				jdec_err(err, errlen, "values.%s: given twice", m->string);
				return CB_DUPLICATE_FIELD;
			}
		if (out->nvalues == CB_MAX_FIELDS) {
			jdec_err(err, errlen, "values: more than %d", CB_MAX_FIELDS);
			return CB_BAD_VALUE;
		}
		struct report_value *v = &out->values[out->nvalues];
		memcpy(v->field, m->string, n + 1);
		enum cb_error e = value_decode(m, v, err, errlen);
		if (e != CB_OK)
			return e;
		out->nvalues++;
	}
	return CB_OK;
}

/* See report.h.  Members are checked in the order of the table, then values. */
enum cb_error
report_decode(const char *buf, size_t len, struct report *out, char *err, size_t errlen)
{
	const struct jdec_str members[] = {
		{ "id", true, out->id, sizeof out->id, payload_id_valid, CB_BAD_ID, ID_FORM },
		{ "source", true, out->source, sizeof out->source, payload_id_valid, CB_BAD_ID, ID_FORM },
		{ "kind", true, out->kind, sizeof out->kind, code_valid, CB_UNKNOWN_KIND,
		  "a kind code [a-z0-9_]{1,32}" },
		{ "area", true, out->area, sizeof out->area, area_valid, CB_BAD_AREA,
		  "1 to 5 slugs [a-z0-9-]{1,32} joined by /" },
		{ "period", false, out->period, sizeof out->period, jdec_printable, CB_BAD_PERIOD,
		  "a period (2023-12, 2023-W48, 2023-12-05, 2023-Q4, 2023)" },
		{ "reporter", false, out->reporter, sizeof out->reporter, reporter_valid, CB_BAD_ID,
		  "1 to 64 bytes of printable text" },
		{ "sent_at", false, out->sent_at, sizeof out->sent_at, jdec_printable, CB_BAD_VALUE,
		  "a timestamp of at most 39 bytes" },
	};

	memset(out, 0, sizeof *out);
	return jdec_object(buf, len, members, NELEM(members), 2, values_decode, out, err, errlen);
}

/* Records the first problem in out and returns it. */
static enum cb_error
fail(struct parsed *out, enum cb_error e, const char *token, const struct field *f)
{
	out->error = e;
	out->field = f;
	size_t n = utf8_truncate(token, strlen(token), sizeof out->token - 1);
	memcpy(out->token, token, n);
	out->token[n] = '\0';
	return e;
}

/*
 * Reads text as a value of field f into *v: a decimal at the field's scale
 * within its bounds, or for yes/no true/false, 1/0 or one of its words.
 */
static enum cb_error
value_read(const struct field *f, const char *text, int64_t *v)
{
	size_t n = strlen(text);

	if (f->type == FIELD_YESNO) {
		static const struct {
			const char *text;
			int v;
		} literal[] = { { "true", 1 }, { "1", 1 }, { "false", 0 }, { "0", 0 } };
		for (size_t i = 0; i < NELEM(literal); i++)
			if (strcmp(text, literal[i].text) == 0) {
				*v = literal[i].v;
				return CB_OK;
			}
		int w = field_yesno_word(f, text, n);
		*v = w;
		return w < 0 ? CB_BAD_VALUE : CB_OK;
	}
	if (dec_parse(text, n, f->scale, v) != CB_OK)
		return jnum_is_huge(text, n, INT64_DIGITS - f->scale) ? CB_OUT_OF_RANGE : CB_BAD_VALUE;
	return *v < f->min || *v > f->max ? CB_OUT_OF_RANGE : CB_OK;
}

/*
 * Reads every value of r against kind k into per-field slots, then copies
 * them into out in the kind's field order.  Unknown and repeated fields,
 * bad values and missing required fields fail.
 */
static enum cb_error
values_validate(const struct kind *k, const struct report *r, struct parsed *out)
{
	bool have[CB_MAX_FIELDS] = { false };
	int64_t slot[CB_MAX_FIELDS];

	for (size_t i = 0; i < r->nvalues; i++) {
		const struct report_value *rv = &r->values[i];
		const struct field *f = kind_field(k, rv->field);
		if (f == NULL)
			return fail(out, CB_UNKNOWN_FIELD, rv->field, NULL);
		if (have[f->index])
			return fail(out, CB_DUPLICATE_FIELD, rv->field, f);
		enum cb_error e = value_read(f, rv->text, &slot[f->index]);
		if (e != CB_OK)
			return fail(out, e, rv->field, f);
		have[f->index] = true;
	}
	for (size_t i = 0; i < k->nfields; i++) {
		if (have[i])
			out->values[out->nvalues++] = (struct value){ &k->fields[i], slot[i] };
		else if (k->fields[i].required)
			return fail(out, CB_MISSING_FIELD, k->fields[i].code, &k->fields[i]);
	}
	if (out->nvalues == 0)
		return fail(out, CB_MISSING_FIELD, "values", NULL);
	return CB_OK;
}

/* See report.h. */
enum cb_error
report_validate(const struct catalog *c, const struct report *r, int64_t now,
    int32_t utc_offset, struct parsed *out)
{
	memset(out, 0, sizeof *out);
	out->cmd = CMD_REPORT;
	out->lang = LANG_EN;
	const struct kind *k = catalog_kind(c, r->kind);
	if (k == NULL)
		return fail(out, CB_UNKNOWN_KIND, "kind", NULL);
	out->kind = k;
	struct period current = period_of(k->period, now, utc_offset);
	out->period = current;
	if (r->period[0] != '\0') {
		out->period_given = true;
		if (period_parse(r->period, strlen(r->period), k->period, &out->period) != CB_OK)
			return fail(out, CB_BAD_PERIOD, "period", NULL);
		if (period_cmp(&out->period, &current) > 0)
			return fail(out, CB_FUTURE_PERIOD, "period", NULL);
	}
	enum cb_error e = values_validate(k, r, out);
	if (e != CB_OK)
		return e;
	out->error = CB_OK;
	return CB_OK;
}

/*
 * True if s is a number in JSON's own syntax, so it can be written raw:
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 */
static bool
json_number(const char *s)
{
	size_t i = 0;

	if (s[i] == '-')
		i++;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return false;
	if (s[i] == '.') {
		size_t start = ++i;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return false;
	}
	if (s[i] == 'e' || s[i] == 'E') {
		i++;
		if (s[i] == '+' || s[i] == '-')
			i++;
		size_t start = i;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return false;
	}
	return s[i] == '\0';
}

/*
 * True if text is a JSON number that report_decode would turn back into the
 * same text ("227.74", "12", "1e+300"); "1.50", "-0.0" or twenty digits are
 * not, and travel as strings so that no digit changes on the way.
 */
static bool
canonical_number(const char *text)
{
	char again[DEC_TEXT_MAX];

	return json_number(text) && jnum_text(strtod(text, NULL), again, sizeof again) > 0 &&
	    strcmp(again, text) == 0;
}

/* Writes one value: canonical numbers and true/false raw, anything else as a string. */
static void
value_encode(struct jsonw *w, const struct report_value *v)
{
	jsonw_key(w, v->field);
	if (canonical_number(v->text) || strcmp(v->text, "true") == 0 || strcmp(v->text, "false") == 0)
		jsonw_raw(w, v->text);
	else
		jsonw_str(w, v->text);
}

/* See report.h.  Optional members are left out when empty. */
size_t
report_encode(const struct report *r, char *buf, size_t buflen)
{
	const struct jdec_out head[] = {
		{ "id", r->id, false }, { "source", r->source, false }, { "kind", r->kind, false },
		{ "area", r->area, false }, { "period", r->period, true },
	}, tail[] = { { "reporter", r->reporter, true }, { "sent_at", r->sent_at, true } };
	struct jsonw w;

	jsonw_init(&w, buf, buflen);
	jsonw_obj(&w);
	jdec_write(&w, head, NELEM(head));
	jsonw_key(&w, "values");
	jsonw_obj(&w);
	for (size_t i = 0; i < r->nvalues && i < CB_MAX_FIELDS; i++)
		value_encode(&w, &r->values[i]);
	jsonw_end(&w);
	jdec_write(&w, tail, NELEM(tail));
	jsonw_end(&w);
	return jsonw_finish(&w);
}

/* ---- report-apps: apps and the areas they may report for ---- */

/* The next blank-separated entry of *p: its start and length (0 at the end); *p moves past it. */
static size_t
apps_next(const char **p, const char **entry)
{
	const char *s = *p;
	size_t n;

	s += strspn(s, " \t");
	n = strcspn(s, " \t");
	*entry = s;
	*p = s + n;
	return n;
}

/*
 * Splits an entry "SOURCE=AREA,AREA" at the '=': the source's length, or 0
 * when there is no '=' within the entry.
 */
static size_t
apps_source_len(const char *e, size_t n)
{
	const char *eq = memchr(e, '=', n);

	return eq != NULL ? (size_t)(eq - e) : 0;
}

/* See report.h. */
bool
report_apps_check(const char *apps, char *err, size_t errlen)
{
	const char *p = apps, *e;
	size_t n;

	while ((n = apps_next(&p, &e)) > 0) {
		size_t sl = apps_source_len(e, n);
		const char *a = e + sl + 1, *end = e + n;

		if (sl == 0 || !payload_id_valid(e, sl)) {
			jdec_err(err, errlen, "'%.*s': not SOURCE=AREA[,AREA...] with SOURCE [A-Za-z0-9:._-]{1,64}",
			    (int)(n > 80 ? 80 : n), e);
			return false;
		}
		do {
			size_t al = strcspn(a, ", \t");

			if (a + al > end)
				al = (size_t)(end - a);
			if (!topic_area_valid(a, al)) {
				jdec_err(err, errlen, "'%.*s': '%.*s' is not an area (1 to 5 slugs [a-z0-9-]{1,32})",
				    (int)(n > 80 ? 80 : n), e, (int)(al > 80 ? 80 : al), a);
				return false;
			}
			a += al + 1;
		} while (a <= end);
	}
	return true;
}

/* See report.h. */
int
report_apps_allow(const char *apps, const char *source, const char *area)
{
	const char *p = apps, *e;
	size_t n, srclen = strlen(source), arealen = strlen(area);
	int found = -1;

	while (apps != NULL && (n = apps_next(&p, &e)) > 0) {
		size_t sl = apps_source_len(e, n);
		const char *a = e + sl + 1, *end = e + n;

		if (sl != srclen || memcmp(e, source, sl) != 0)
			continue;
		found = 0;
		for (; a < end; a += strcspn(a, ", \t") + 1) {
			size_t al = strcspn(a, ", \t");

			if (al > (size_t)(end - a))
				al = (size_t)(end - a);
			/* The area itself, or below it: "a/b" covers "a/b/c", never "a/bc". */
			if (al <= arealen && memcmp(a, area, al) == 0 && (area[al] == '\0' || area[al] == '/'))
				return 1;
		}
	}
	return found;
}
