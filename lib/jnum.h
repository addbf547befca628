/*
 * jnum.h — JSON numbers as exact decimal text.
 *
 * cJSON hands numbers over as doubles.  A value like 227.74 has no exact
 * double, but it has one shortest decimal text that reads back as the same
 * double, and that text is what the sender wrote.  The codecs (catalog
 * bounds, report values) turn a cJSON number into that text and then parse
 * it exactly with dec_parse at the field's scale, so 227.74 sent as a number
 * and as "227.74" give the same scaled integer, and 227.745 is refused at
 * scale 2 instead of being rounded.  Assumes the "C" numeric locale (the
 * programs never change LC_NUMERIC).
 */
#ifndef CB_JNUM_H
#define CB_JNUM_H

#include "cunbao.h"

/*
 * Writes the shortest decimal text that reads back as d into buf (buflen
 * bytes incl. the NUL): plain notation ("227.74", "1000000", "-0.5",
 * "0.000001") when it fits, else exponent notation ("1e+300").  An infinity
 * (cJSON's reading of 1e999) is written "1e+999" or "-1e+999".  Returns the
 * length, or 0 for NaN or when even the exponent form does not fit.
 */
size_t jnum_text(double d, char *buf, size_t buflen);

/*
 * True if s[0..len) is a number in JSON's syntax with an optional leading
 * '+' ("-12", "227.74", "1e+300", ".5" and "1." too) whose magnitude is at
 * least 10^digits.  Lets a decoder tell "too big for the field" (out of
 * range) from "not a number" or "too many decimals" (bad value) after
 * dec_parse refused it.
 */
bool jnum_is_huge(const char *s, size_t len, unsigned digits);

#endif
