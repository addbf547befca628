/*
 * utf8.h — the few UTF-8 operations the parsers need.
 */
#ifndef CB_UTF8_H
#define CB_UTF8_H

#include "cunbao.h"

/* True if s[0..len) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF). */
bool utf8_valid(const char *s, size_t len);

/*
 * Decodes the code point at s[*i] (i < len), advances *i past it and returns
 * it; returns -1 and advances one byte on malformed input.
 */
int32_t utf8_next(const char *s, size_t len, size_t *i);

/* Encodes cp into out (≥ 4 bytes); returns the byte count (0 for an invalid cp). */
size_t utf8_put(int32_t cp, char *out);

/* Folds full-width ASCII (U+FF01..U+FF5E) and the ideographic space to ASCII, ASCII to lower case. */
int32_t utf8_fold(int32_t cp);

/*
 * Writes the folded form (utf8_fold of every code point) of s[0..len) into
 * out, NUL-terminated, at most outlen bytes with the NUL.  Returns its
 * length, or (size_t)-1 (out then "") if s is not valid UTF-8 or the folded
 * text does not fit.
 */
size_t utf8_fold_text(const char *s, size_t len, char *out, size_t outlen);

/* True for CJK ideographs and CJK punctuation (what makes a message "zh"). */
bool utf8_is_cjk(int32_t cp);

/* Display columns of s (East Asian wide = 2), for aligned tables. */
size_t utf8_width(const char *s, size_t len);

/* The largest n ≤ max such that s[0..n) ends on a character boundary. */
size_t utf8_truncate(const char *s, size_t len, size_t max);

#endif
