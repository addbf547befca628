/*
 * fuzz_csvenc.c — feeds arbitrary bytes to lib/csvenc.h as a roster import
 * does, to lib/phone.h's reporter ids and to lib/groupname.h.  Checks: a decoded text is
 * valid UTF-8 without NUL or BOM, its length is what was said and it is
 * NUL-terminated; a refusal names a line (or says out of memory) and gives
 * the hint; a reporter id is E.164 or the input unchanged (a chat id); a
 * group number read from a name is 0..99.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvenc.h"
#include "groupname.h"
#include "phone.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
decode(const char *text, size_t len)
{
	char err[512] = "";
	const char *cs = NULL;
	size_t n = 0;
	unsigned line;
	char *out = csvenc_decode(text, len, &n, &cs, err, sizeof err);

	if (out == NULL) {
		if ((sscanf(err, "line %u is not valid", &line) != 1 || line == 0 ||
		    strstr(err, "iconv -f GB18030 -t UTF-8") == NULL) && strstr(err, "out of memory") == NULL)
			abort();
		return;
	}
	if (cs == NULL || out[n] != '\0' || memchr(out, '\0', n) != NULL || !utf8_valid(out, n))
		abort();
	if (strcmp(cs, "UTF-8") == 0 && (n != len || memcmp(out, text, n) != 0))
		abort();	/* UTF-8 comes through untouched */
	free(out);
}

static void
reporter(const char *text, size_t len)
{
	char out[65];

	if (!phone_reporter_id(text, len, "86", out, sizeof out)) {
		if (out[0] != '\0')
			abort();
		return;
	}
	if (memchr(text, ':', len) != NULL) {
		if (strlen(out) != len || memcmp(out, text, len) != 0)
			abort();
	} else if (out[0] != '+' || strlen(out) < 8 || strspn(out + 1, "0123456789") != strlen(out) - 1) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decode((const char *)data, size);
	reporter((const char *)data, size < 80 ? size : 80);
	int g = groupname_number((const char *)data, size < 200 ? size : 200);
	if (g < 0 || g > 99)
		abort();
	return 0;
}
