/*
 * test_errors.c — the stable names of error codes and languages.
 */
#include <string.h>
#include <criterion/criterion.h>

#include "cunbao.h"

/* The names as they cross process boundaries; a renumbered enum fails here. */
static const struct {
	enum cb_error e;
	const char *name;
} names[] = {
	{ CB_OK, "ok" },
	{ CB_EMPTY, "empty" },
	{ CB_UNKNOWN_KIND, "unknown_kind" },
	{ CB_UNKNOWN_FIELD, "unknown_field" },
	{ CB_BAD_VALUE, "bad_value" },
	{ CB_OUT_OF_RANGE, "out_of_range" },
	{ CB_UNIT_MISMATCH, "unit_mismatch" },
	{ CB_MISSING_FIELD, "missing_field" },
	{ CB_BAD_PERIOD, "bad_period" },
	{ CB_FUTURE_PERIOD, "future_period" },
	{ CB_AMBIGUOUS_KIND, "ambiguous_kind" },
	{ CB_TOO_LARGE, "too_large" },
	{ CB_BAD_UTF8, "bad_utf8" },
	{ CB_DUPLICATE_FIELD, "duplicate_field" },
	{ CB_BAD_GROUP, "bad_group" },
	{ CB_BAD_JSON, "bad_json" },
	{ CB_BAD_TYPE, "bad_type" },
	{ CB_MISSING_MEMBER, "missing_member" },
	{ CB_BAD_ID, "bad_id" },
	{ CB_BAD_AREA, "bad_area" },
	{ CB_UNKNOWN_SENDER, "unknown_sender" },
	{ CB_UNKNOWN_AREA, "unknown_area" },
	{ CB_NOT_PERMITTED, "not_permitted" },
	{ CB_NOTHING_TO_FIX, "nothing_to_fix" },
	{ CB_INTERNAL, "internal" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

Test(errors, every_code_has_its_name)
{
	cr_assert_eq(NELEM(names), (size_t)CB_ERROR_COUNT, "table misses a code");
	for (size_t i = 0; i < NELEM(names); i++) {
		cr_expect_eq(names[i].e, (enum cb_error)i, "case %zu out of order", i);
		cr_expect_str_eq(cb_error_name(names[i].e), names[i].name);
		cr_expect_eq(cb_error_from_name(names[i].name), names[i].e,
		    "from_name(%s)", names[i].name);
	}
}

Test(errors, names_are_unique_snake_case)
{
	for (int i = 0; i < CB_ERROR_COUNT; i++) {
		const char *a = cb_error_name((enum cb_error)i);

		cr_expect_eq(strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789_"), strlen(a), "%s", a);
		for (int j = i + 1; j < CB_ERROR_COUNT; j++)
			cr_expect_str_neq(a, cb_error_name((enum cb_error)j));
	}
}

Test(errors, out_of_range_and_unknown)
{
	cr_expect_str_eq(cb_error_name(CB_ERROR_COUNT), "unknown");
	cr_expect_str_eq(cb_error_name((enum cb_error)-1), "unknown");
	cr_expect_str_eq(cb_error_name((enum cb_error)1000), "unknown");
	static const char *const bad[] = { "", "unknown", "Bad_Value", "bad_value ", "okay" };
	for (size_t i = 0; i < NELEM(bad); i++)
		cr_expect_eq(cb_error_from_name(bad[i]), CB_ERROR_COUNT, "'%s'", bad[i]);
	cr_expect_eq(cb_error_from_name(NULL), CB_ERROR_COUNT);
}

Test(lang, names_and_parse)
{
	static const struct {
		const char *text;
		bool ok;
		enum lang l;
	} cases[] = {
		{ "zh", true, LANG_ZH }, { "en", true, LANG_EN }, { "ZH", true, LANG_ZH },
		{ "En", true, LANG_EN }, { "", false, LANG_ZH }, { "zh-CN", false, LANG_ZH },
		{ "fr", false, LANG_ZH }, { "e", false, LANG_ZH },
	};
	cr_expect_str_eq(lang_name(LANG_ZH), "zh");
	cr_expect_str_eq(lang_name(LANG_EN), "en");
	for (size_t i = 0; i < NELEM(cases); i++) {
		enum lang l = (enum lang)99;

		cr_expect_eq(lang_parse(cases[i].text, &l), cases[i].ok, "'%s'", cases[i].text);
		if (cases[i].ok)
			cr_expect_eq(l, cases[i].l, "'%s'", cases[i].text);
		else
			cr_expect_eq(l, (enum lang)99, "'%s' touched out", cases[i].text);
	}
	cr_expect_not(lang_parse(NULL, NULL));
}
