/*
 * csvenc.h — the charset of a CSV file a clerk saved: UTF-8 (with or
 * without a BOM), UTF-16LE/BE (with a BOM, or told by its NUL bytes) and
 * GBK/GB18030 (what Excel and WPS write on a Chinese Windows), brought to
 * UTF-8 with iconv (lib/csvenc.c).  Pure: no I/O.
 */
#ifndef CB_CSVENC_H
#define CB_CSVENC_H

#include <stdbool.h>
#include <stddef.h>

/* What to tell a person whose file is none of the charsets above. */
#define CSVENC_HINT "in Excel save as 'CSV UTF-8 (逗号分隔)' (WPS: UTF-8), or convert with " \
	"iconv -f GB18030 -t UTF-8"

/*
 * Decodes text[0..len) to UTF-8 without a BOM.  Returns a NUL-terminated
 * copy (the caller frees it) with its length in *outlen and the charset it
 * was read as in *charset ("UTF-8", "UTF-8 with BOM", "UTF-16LE",
 * "UTF-16BE", "GB18030"; a static string).  NULL when it is none of these,
 * or out of memory, with the message in err: "line 3 is not valid UTF-8,
 * GB18030 or UTF-16; in Excel save as ...".
 */
char *csvenc_decode(const char *text, size_t len, size_t *outlen, const char **charset,
    char *err, size_t errlen);

#endif
