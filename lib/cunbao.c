/*
 * cunbao.c — the stable names of error codes and languages.
 *
 * The names cross process boundaries (receipts, the journal, cunbaoctl), so
 * they live in one table indexed by the enum: reordering the enum cannot
 * silently change a name, and a missing entry is caught by the unit test.
 */
#include <strings.h>
#include <string.h>

#include "cunbao.h"

static const char *const error_names[CB_ERROR_COUNT] = {
	[CB_OK] = "ok",
	[CB_EMPTY] = "empty",
	[CB_UNKNOWN_KIND] = "unknown_kind",
	[CB_UNKNOWN_FIELD] = "unknown_field",
	[CB_BAD_VALUE] = "bad_value",
	[CB_OUT_OF_RANGE] = "out_of_range",
	[CB_UNIT_MISMATCH] = "unit_mismatch",
	[CB_MISSING_FIELD] = "missing_field",
	[CB_BAD_PERIOD] = "bad_period",
	[CB_FUTURE_PERIOD] = "future_period",
	[CB_AMBIGUOUS_KIND] = "ambiguous_kind",
	[CB_TOO_LARGE] = "too_large",
	[CB_BAD_UTF8] = "bad_utf8",
	[CB_DUPLICATE_FIELD] = "duplicate_field",
	[CB_BAD_GROUP] = "bad_group",
	[CB_BAD_JSON] = "bad_json",
	[CB_BAD_TYPE] = "bad_type",
	[CB_MISSING_MEMBER] = "missing_member",
	[CB_BAD_ID] = "bad_id",
	[CB_BAD_AREA] = "bad_area",
	[CB_UNKNOWN_SENDER] = "unknown_sender",
	[CB_UNKNOWN_AREA] = "unknown_area",
	[CB_NOT_PERMITTED] = "not_permitted",
	[CB_NOTHING_TO_FIX] = "nothing_to_fix",
	[CB_INTERNAL] = "internal",
};

static const char *const lang_names[] = {
	[LANG_ZH] = "zh",
	[LANG_EN] = "en",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Returns the stable name of e, or "unknown" for a value outside the enum. */
const char *
cb_error_name(enum cb_error e)
{
	if ((unsigned)e >= CB_ERROR_COUNT || error_names[e] == NULL)
		return "unknown";
	return error_names[e];
}

/* Looks s up in the name table; CB_ERROR_COUNT when s is NULL or unknown. */
enum cb_error
cb_error_from_name(const char *s)
{
	if (s == NULL)
		return CB_ERROR_COUNT;
	for (unsigned i = 0; i < CB_ERROR_COUNT; i++)
		if (error_names[i] != NULL && strcmp(error_names[i], s) == 0)
			return (enum cb_error)i;
	return CB_ERROR_COUNT;
}

/* Returns "zh" or "en"; an out-of-range value reads as "zh", the default. */
const char *
lang_name(enum lang l)
{
	if ((unsigned)l >= NELEM(lang_names))
		return lang_names[LANG_ZH];
	return lang_names[l];
}

/* Parses a language name case-insensitively into *out; false on anything else. */
bool
lang_parse(const char *s, enum lang *out)
{
	if (s == NULL)
		return false;
	for (unsigned i = 0; i < NELEM(lang_names); i++) {
		if (strcasecmp(lang_names[i], s) == 0) {
			*out = (enum lang)i;
			return true;
		}
	}
	return false;
}

/* The value of one hex digit of either case, or -1 for any other character. */
int
cb_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
