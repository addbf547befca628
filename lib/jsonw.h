/*
 * jsonw.h — a small JSON writer into a caller's buffer, for payloads on the
 * hot path (receipts, rollups) where cJSON's allocations and double-printing
 * would cost speed and exactness.  Numbers are written as given (exact
 * decimal text); strings are escaped (control characters, quote, backslash;
 * UTF-8 passes through).  Once the buffer overflows, every call is a no-op and
 * jsonw_finish returns 0.
 *
 *   struct jsonw w; jsonw_init(&w, buf, sizeof buf);
 *   jsonw_obj(&w); jsonw_key(&w, "id"); jsonw_str(&w, id); ... jsonw_end(&w);
 *   size_t n = jsonw_finish(&w);
 */
#ifndef CB_JSONW_H
#define CB_JSONW_H

#include "cunbao.h"

#define JSONW_DEPTH 8

struct jsonw {
	char *buf;
	size_t len, off;
	bool overflow;
	int depth;
	bool first[JSONW_DEPTH];	/* no member written yet at this depth */
	bool after_key;
	char close[JSONW_DEPTH];
};

void jsonw_init(struct jsonw *w, char *buf, size_t len);
void jsonw_obj(struct jsonw *w);
void jsonw_arr(struct jsonw *w);
void jsonw_end(struct jsonw *w);			/* closes the innermost object or array */
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_str(struct jsonw *w, const char *s);
void jsonw_strn(struct jsonw *w, const char *s, size_t n);
void jsonw_raw(struct jsonw *w, const char *number);	/* exact decimal text, true/false/null */
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_dec(struct jsonw *w, int64_t v, unsigned scale);	/* trimmed exact decimal */
void jsonw_bool(struct jsonw *w, bool b);
/* NUL-terminates; returns the length, or 0 on overflow or unbalanced nesting. */
size_t jsonw_finish(struct jsonw *w);

#endif
