/*
 * test_jsonw.c — the JSON writer: structure, escaping, exact numbers and
 * every misuse or overflow turning into a 0 from jsonw_finish.
 */
#include <string.h>
#include <criterion/criterion.h>

#include "jsonw.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
build_receipt(struct jsonw *w)
{
	jsonw_obj(w);
	jsonw_key(w, "id");
	jsonw_str(w, "kannel:8841");
	jsonw_key(w, "status");
	jsonw_str(w, "rejected");
	jsonw_key(w, "errors");
	jsonw_arr(w);
	jsonw_obj(w);
	jsonw_key(w, "field");
	jsonw_str(w, "鸡");
	jsonw_key(w, "code");
	jsonw_str(w, "unknown_field");
	jsonw_end(w);
	jsonw_end(w);
	jsonw_key(w, "ok");
	jsonw_bool(w, false);
	jsonw_end(w);
}

static void
build_numbers(struct jsonw *w)
{
	jsonw_arr(w);
	jsonw_int(w, 0);
	jsonw_int(w, -12);
	jsonw_int(w, INT64_MAX);
	jsonw_int(w, INT64_MIN);
	jsonw_dec(w, 22774, 2);
	jsonw_dec(w, 7500, 4);
	jsonw_dec(w, 600, 2);
	jsonw_dec(w, -5, 2);
	jsonw_raw(w, "1e3");
	jsonw_raw(w, "null");
	jsonw_bool(w, true);
	jsonw_end(w);
}

static void
build_escapes(struct jsonw *w)
{
	jsonw_obj(w);
	jsonw_key(w, "k\"\\");
	jsonw_str(w, "a\"b\\c\n\r\t\b\f\x01\x1f/é村");
	jsonw_key(w, "nul");
	jsonw_strn(w, "x\0y", 3);
	jsonw_key(w, "none");
	jsonw_str(w, NULL);
	jsonw_end(w);
}

static void
build_empty_containers(struct jsonw *w)
{
	jsonw_obj(w);
	jsonw_key(w, "a");
	jsonw_arr(w);
	jsonw_end(w);
	jsonw_key(w, "o");
	jsonw_obj(w);
	jsonw_end(w);
	jsonw_end(w);
}

static void
build_top_string(struct jsonw *w)
{
	jsonw_str(w, "only");
}

static void
build_deep_ok(struct jsonw *w)
{
	for (int i = 0; i < JSONW_DEPTH; i++)
		jsonw_arr(w);
	for (int i = 0; i < JSONW_DEPTH; i++)
		jsonw_end(w);
}

/* Misuses: each must make jsonw_finish return 0. */
static void
bad_too_deep(struct jsonw *w)
{
	for (int i = 0; i <= JSONW_DEPTH; i++)
		jsonw_arr(w);
	for (int i = 0; i <= JSONW_DEPTH; i++)
		jsonw_end(w);
}

static void
bad_unclosed(struct jsonw *w)
{
	jsonw_obj(w);
	jsonw_key(w, "a");
	jsonw_int(w, 1);
}

static void
bad_extra_end(struct jsonw *w)
{
	jsonw_arr(w);
	jsonw_end(w);
	jsonw_end(w);
}

static void
bad_value_without_key(struct jsonw *w)
{
	jsonw_obj(w);
	jsonw_int(w, 1);
	jsonw_end(w);
}

static void
bad_key_in_array(struct jsonw *w)
{
	jsonw_arr(w);
	jsonw_key(w, "a");
	jsonw_int(w, 1);
	jsonw_end(w);
}

static void
bad_dangling_key(struct jsonw *w)
{
	jsonw_obj(w);
	jsonw_key(w, "a");
	jsonw_end(w);
}

static void
bad_two_top_values(struct jsonw *w)
{
	jsonw_int(w, 1);
	jsonw_int(w, 2);
}

static void
bad_nothing(struct jsonw *w)
{
	(void)w;
}

static void
bad_empty_raw(struct jsonw *w)
{
	jsonw_arr(w);
	jsonw_raw(w, "");
	jsonw_end(w);
}

static void
bad_scale(struct jsonw *w)
{
	jsonw_arr(w);
	jsonw_dec(w, 1, 40);
	jsonw_end(w);
}

static const struct {
	const char *name;
	void (*build)(struct jsonw *);
	const char *want;	/* NULL: jsonw_finish must return 0 */
} cases[] = {
	{ "receipt", build_receipt,
	  "{\"id\":\"kannel:8841\",\"status\":\"rejected\",\"errors\":[{\"field\":\"鸡\","
	  "\"code\":\"unknown_field\"}],\"ok\":false}" },
	{ "numbers", build_numbers,
	  "[0,-12,9223372036854775807,-9223372036854775808,227.74,0.75,6,-0.05,1e3,null,true]" },
	{ "escapes", build_escapes,
	  "{\"k\\\"\\\\\":\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f/é村\","
	  "\"nul\":\"x\\u0000y\",\"none\":null}" },
	{ "empty containers", build_empty_containers, "{\"a\":[],\"o\":{}}" },
	{ "top string", build_top_string, "\"only\"" },
	{ "max depth", build_deep_ok, "[[[[[[[[]]]]]]]]" },
	{ "too deep", bad_too_deep, NULL },
	{ "unclosed", bad_unclosed, NULL },
	{ "extra end", bad_extra_end, NULL },
	{ "value without key", bad_value_without_key, NULL },
	{ "key in array", bad_key_in_array, NULL },
	{ "dangling key", bad_dangling_key, NULL },
	{ "two top values", bad_two_top_values, NULL },
	{ "nothing", bad_nothing, NULL },
	{ "empty raw", bad_empty_raw, NULL },
	{ "scale too large", bad_scale, NULL },
};

Test(jsonw, table)
{
	for (size_t i = 0; i < NELEM(cases); i++) {
		char buf[512];
		struct jsonw w;

		memset(buf, 'X', sizeof buf);
		jsonw_init(&w, buf, sizeof buf);
		cases[i].build(&w);
		size_t n = jsonw_finish(&w);
		if (cases[i].want == NULL) {
			cr_expect_eq(n, 0, "%s: got %zu", cases[i].name, n);
			cr_expect_str_eq(buf, "", "%s", cases[i].name);
		} else {
			cr_expect_str_eq(buf, cases[i].want, "%s", cases[i].name);
			cr_expect_eq(n, strlen(cases[i].want), "%s", cases[i].name);
		}
	}
}

/*
 * Every buffer size from 1 up: below the exact need (length + NUL) the
 * result is 0 and buf stays a string, never written past its end; from it up
 * the output is complete.
 */
Test(jsonw, every_buffer_size)
{
	const char *want = cases[0].want;
	size_t need = strlen(want) + 1;

	for (size_t len = 1; len <= need + 2; len++) {
		char buf[256];
		struct jsonw w;

		memset(buf, 'X', sizeof buf);
		jsonw_init(&w, buf, len);
		build_receipt(&w);
		size_t n = jsonw_finish(&w);
		if (len < need) {
			cr_expect_eq(n, 0, "len %zu", len);
			cr_expect_eq(buf[0], '\0', "len %zu", len);
		} else {
			cr_expect_eq(n, need - 1, "len %zu", len);
			cr_expect_str_eq(buf, want, "len %zu", len);
		}
		cr_expect_eq(buf[len], 'X', "len %zu: wrote past the end", len);
	}
}

Test(jsonw, zero_length_buffer)
{
	char buf[1] = { 'X' };
	struct jsonw w;

	jsonw_init(&w, buf, 0);
	jsonw_int(&w, 1);
	cr_expect_eq(jsonw_finish(&w), 0);
	cr_expect_eq(buf[0], 'X');
}

Test(jsonw, calls_after_overflow_are_noops)
{
	char buf[8];
	struct jsonw w;

	jsonw_init(&w, buf, sizeof buf);
	jsonw_arr(&w);
	jsonw_str(&w, "far too long for the buffer");
	jsonw_int(&w, 1);
	jsonw_end(&w);
	cr_expect(w.overflow);
	cr_expect_eq(jsonw_finish(&w), 0);
	cr_expect_str_eq(buf, "");
}
