/*
 * report.h — structured reports from apps and sensors (docs/protocol.md):
 *
 *   {"id":"app:5f0c","source":"app-7","kind":"livestock","area":"xinzhuang/hexi/g03",
 *    "period":"2023-12","values":{"cattle":12,"pigs":40,"sheep":5},
 *    "reporter":"+8613800000003","sent_at":"2023-12-05T08:30:00+08:00"}
 *
 * report_decode checks the shape (a JSON object ≤ 4 KiB of valid UTF-8, member
 * types, id charset, area slugs); report_validate checks meaning against the
 * catalog and fills the same struct parsed, with the same error codes, as the
 * SMS grammar.  Values may be JSON numbers or decimal strings ("227.74");
 * yes/no fields take true/false, 1/0 or one of the field's yes/no words.
 * "period" is optional (default: the period `now` falls in); "reporter" and
 * "sent_at" are optional.
 */
#ifndef CB_REPORT_H
#define CB_REPORT_H

#include "cunbao.h"
#include "catalog.h"
#include "dec.h"
#include "parsed.h"

struct report_value {
	char field[CB_CODE_MAX + 1];
	char text[DEC_TEXT_MAX];	/* the value as exact decimal text, "true"/"false", or a word */
};

struct report {
	char id[CB_ID_MAX + 1];
	char source[CB_ID_MAX + 1];
	char kind[CB_CODE_MAX + 1];
	char area[CB_AREA_MAX];
	char period[CB_PERIOD_MAX];	/* "" when absent */
	char reporter[CB_ID_MAX + 1];	/* "" when absent */
	char sent_at[40];		/* "" when absent */
	size_t nvalues;
	struct report_value values[CB_MAX_FIELDS];
};

/*
 * Decodes buf[0..len) into *out.  Returns CB_OK or the first problem:
 * CB_TOO_LARGE, CB_BAD_UTF8, CB_BAD_JSON, CB_BAD_TYPE, CB_MISSING_MEMBER,
 * CB_BAD_ID (id, source, reporter), CB_BAD_AREA, CB_UNKNOWN_KIND (a kind that
 * is not [a-z0-9_]{1,32}), CB_BAD_PERIOD (a period too long to be one),
 * CB_UNKNOWN_FIELD (a value's code that is not [a-z0-9_]{1,32}),
 * CB_DUPLICATE_FIELD (a value given twice) or CB_BAD_VALUE (more than
 * CB_MAX_FIELDS values, a string value that starts like a number but is not
 * decimal text, sent_at too long).  Members not listed above are ignored.  err says which member failed and why.  Even on failure,
 * out->id and out->source hold what could be read (or ""), so a receipt can
 * still be addressed.
 */
enum cb_error report_decode(const char *buf, size_t len, struct report *out, char *err, size_t errlen);

/*
 * Checks a decoded report against catalog c at time now (utc_offset for its
 * area): known kind and fields, values in range with the right scale,
 * required fields present, period of the kind's type and not in the future.
 * Fills *out (cmd CMD_REPORT, lang LANG_EN, group 0) and returns out->error.
 * out->token names the offending member.
 */
enum cb_error report_validate(const struct catalog *c, const struct report *r,
    int64_t now, int32_t utc_offset, struct parsed *out);

/*
 * Encodes a report as JSON (the form above) into buf; returns the length or
 * 0 if it does not fit.  Used by cunbao-bench and tests.
 */
size_t report_encode(const struct report *r, char *buf, size_t buflen);

/*
 * Apps allowed to send structured reports without a roster reporter, each
 * for its own areas (cunbaod's `report-apps`): blank-separated entries
 * "SOURCE=AREA[,AREA...]", SOURCE an id [A-Za-z0-9:._-]{1,64}, each AREA a
 * path of slugs; an app may report for an area or any area below it:
 *
 *   app-7=xinzhuang/hexi,xinzhuang/dongpo sensor-3=xinzhuang/hexi/g03
 *
 * report_apps_check returns true, or false with err naming the entry at
 * fault (an empty text is valid: no apps).
 */
bool report_apps_check(const char *apps, char *err, size_t errlen);

/*
 * What apps (checked by report_apps_check) says of source reporting for
 * area: 1 allowed (area is one of the app's areas or below one), 0 the
 * source is listed but not for this area, -1 the source is not listed.
 */
int report_apps_allow(const char *apps, const char *source, const char *area);

#endif
