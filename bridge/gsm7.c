/*
 * gsm7.c — does a reply fit GSM-7, and how many SMS does it take.
 *
 * A reply in the GSM 03.38 default alphabet goes with coding 0: 160
 * characters in one SMS.  One character outside it (any Chinese character,
 * an emoji, a backtick) makes the whole SMS UCS-2: 70 characters, so an
 * English reply of 142 characters costs three SMS instead of one.  The
 * extension table (^ { } \ [ ] ~ | € and form feed) is reached through an
 * escape septet, so each of those counts two.
 */
#include <string.h>

#include "gsm7.h"
#include "utf8.h"

/* The default alphabet beyond ASCII (23.038, table 6.2.1), in code point order. */
static const int gsm7_latin[] = {
	0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
	0x00C9, 0x00D1, 0x00D6, 0x00D8, 0x00DC, 0x00DF, 0x00E0, 0x00E4, 0x00E5, 0x00E6,
	0x00E8, 0x00E9, 0x00EC, 0x00F1, 0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC,
	0x0393, 0x0394, 0x0398, 0x039B, 0x039E, 0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9,
};

/* The extension table: an escape septet, then one of these. */
static const char gsm7_ext_ascii[] = "^{}\\[]~|\f";

int
gsm7_septets(int cp)
{
	size_t i;

	if (cp == '\n' || cp == '\r')
		return 1;
	if (cp == 0x20AC || (cp > 0 && cp < 0x80 && strchr(gsm7_ext_ascii, cp) != NULL))
		return 2;
	if (cp >= 0x20 && cp < 0x7F)
		return cp == '`' ? 0 : 1;
	for (i = 0; i < sizeof gsm7_latin / sizeof gsm7_latin[0]; i++)
		if (gsm7_latin[i] == cp)
			return 1;
	return 0;
}

/* Parts of a message of `units` units: one up to single, else ceil(units / part). */
static size_t
gsm7_parts(size_t units, size_t single, size_t part)
{
	if (units <= single)
		return 1;
	return (units + part - 1) / part;
}

void
gsm7_measure(const char *s, size_t len, struct sms_size *out)
{
	size_t i = 0, septets = 0, units = 0, parts = 1, fill = 0;
	bool gsm7 = true;

	while (i < len) {
		int32_t cp = utf8_next(s, len, &i);
		int w = cp < 0 ? 0 : gsm7_septets(cp);

		units += cp >= 0x10000 ? 2 : 1;		/* a bad byte goes as one U+FFFD */
		if (w == 0) {
			gsm7 = false;
			continue;
		}
		septets += (size_t)w;
		/* Parts of 153 septets; an escape pair is never cut in two (23.040). */
		if (fill + (size_t)w > GSM7_PART_SEPTETS)
			parts++, fill = 0;
		fill += (size_t)w;
	}
	out->gsm7 = gsm7;
	if (gsm7) {
		out->units = septets;
		out->parts = septets <= GSM7_SMS_SEPTETS ? 1 : parts;
	} else {
		out->units = units;
		out->parts = gsm7_parts(units, UCS2_SMS_UNITS, UCS2_PART_UNITS);
	}
}

bool
gsm7_fits(const char *s, size_t len)
{
	struct sms_size z;

	gsm7_measure(s, len, &z);
	return z.gsm7;
}
