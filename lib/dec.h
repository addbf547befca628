/*
 * dec.h — exact decimals as scaled integers.
 *
 * A value v with scale s means v / 10^s: 227.74 at scale 2 is 22774.  A field
 * has one fixed scale (catalog), so values of one field add as integers and a
 * rollup never drifts.  Every operation detects overflow and reports it
 * instead of wrapping.
 */
#ifndef CB_DEC_H
#define CB_DEC_H

#include "cunbao.h"

#define DEC_SCALE_MAX 6
#define DEC_TEXT_MAX  32	/* enough for any int64 at any scale, sign, point, NUL */

/*
 * Parses ASCII decimal text s[0..len) ("12", "227.74", "-3", "0.5") into
 * *out at the given scale.  Rejects empty text, stray characters, more
 * fraction digits than scale, and overflow: CB_BAD_VALUE in every case.
 * A leading '+' or '-' is accepted; "1." and ".5" are accepted.
 */
enum cb_error dec_parse(const char *s, size_t len, unsigned scale, int64_t *out);

/*
 * Writes v at scale as text into buf ("227.74", "-0.05", "12").  With trim,
 * trailing fraction zeros and a bare point go ("0.7500" -> "0.75", "6.00" ->
 * "6").  Returns the length written, excluding the NUL; 0 if buflen is too
 * small (buf then holds "").
 */
size_t dec_format(int64_t v, unsigned scale, bool trim, char *buf, size_t buflen);

/* *out = a + b; returns false on overflow (then *out is unchanged). */
bool dec_add(int64_t a, int64_t b, int64_t *out);
/* *out = a - b; returns false on overflow. */
bool dec_sub(int64_t a, int64_t b, int64_t *out);
/* *out = v * 10^(to - from) for to >= from; returns false on overflow or to < from. */
bool dec_rescale_up(int64_t v, unsigned from, unsigned to, int64_t *out);
/*
 * *out = round(num * 10^extra / den), half away from zero; den != 0.
 * Returns false on overflow or den == 0.  Used for avg and rate.
 */
bool dec_div(int64_t num, int64_t den, unsigned extra, int64_t *out);

#endif
