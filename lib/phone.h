/*
 * phone.h — phone numbers to E.164, and reporter ids to the form the
 * roster keys them by (lib/phone.c).  Pure: no I/O, the default country
 * code is a parameter.  Used by cunbao-bridge (senders from gateways) and
 * cunbaod (roster imports, the admin API, the envelope's "from").
 */
#ifndef CB_PHONE_H
#define CB_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#define PHONE_CC_DEFAULT "86"

/*
 * Normalises a phone number to E.164 ("+8613800000003") using the default
 * country code cc ("86"): separators (space, -, ., (, ), full-width forms)
 * are dropped, "00" becomes "+", a trunk "0" is replaced by +cc, a number
 * that starts with cc and has at least 12 digits is taken as international.
 * Short codes (3–6 digits) are kept as digits.  Returns false for anything
 * that is not a number of 3–15 digits.
 */
bool phone_e164(const char *in, size_t len, const char *cc, char *out, size_t outlen);

/* True if number (normalised) appears in the comma-separated list (each entry normalised with cc). */
bool phone_in_list(const char *number, const char *list, const char *cc);

/* True if cc is a country calling code: 1–3 digits, not starting with 0. */
bool phone_cc_valid(const char *cc);

/*
 * A reporter id as the roster keys it: a chat id ("tg:700000003",
 * "wecom:zhang.san@corp") — anything holding a ':' — is copied unchanged;
 * anything else is taken as a phone number and brought to E.164 with cc
 * ("138 0000 0009" -> "+8613800000009").  Returns false (out holds "")
 * for a text that is neither: not a number of 7 to 15 digits (a short code
 * is no reporter), or too long for out.
 */
bool phone_reporter_id(const char *in, size_t len, const char *cc, char *out, size_t outlen);

#endif
