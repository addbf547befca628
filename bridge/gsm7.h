/*
 * gsm7.h — how a reply goes as SMS: in the GSM 03.38 7-bit default alphabet
 * when every character is in it (or in its extension table), else as UCS-2;
 * and how many SMS that takes.  Pure: no I/O, no allocation.
 */
#ifndef CB_GSM7_H
#define CB_GSM7_H

#include <stdbool.h>
#include <stddef.h>

/* One SMS holds 160 septets or 70 UTF-16 units; a part of a concatenated SMS 153 or 67. */
#define GSM7_SMS_SEPTETS	160
#define GSM7_PART_SEPTETS	153
#define UCS2_SMS_UNITS		70
#define UCS2_PART_UNITS		67

struct sms_size {
	bool gsm7;		/* every character is GSM-7: send with coding 0 */
	size_t units;		/* septets (an extension character counts two) or UTF-16 code units */
	size_t parts;		/* SMS it takes: 1, or the parts of a concatenated message */
};

/*
 * Measures UTF-8 text s[0..len) as an SMS into out.  Invalid UTF-8 is not
 * GSM-7 (its units are then those of the text with U+FFFD in place of each
 * bad byte, as the UCS-2 path sends it).  An escape pair is never split
 * across two parts, as the GSM spec and Kannel's splitting require.
 */
void gsm7_measure(const char *s, size_t len, struct sms_size *out);

/* True if s[0..len) can go as one or more GSM-7 SMS without losing a character. */
bool gsm7_fits(const char *s, size_t len);

/* Septets of code point cp in GSM-7: 1 (default alphabet), 2 (extension table), 0 (neither). */
int gsm7_septets(int cp);

#endif
