/*
 * cunbao.h — limits, error codes and languages shared by every part of cunbao.
 *
 * Everything in lib/ is pure: no I/O, no logging, no globals, no clock.  A
 * function that can fail returns an enum cb_error (CB_OK on success) and, where
 * a person must act on the failure, fills a caller's buffer with a sentence.
 */
#ifndef CUNBAO_H
#define CUNBAO_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define CB_PAYLOAD_MAX   4096	/* bytes in any MQTT payload we accept or send */
#define CB_ID_MAX        64	/* idempotency keys, sources, reporter ids */
#define CB_SLUG_MAX      32	/* one area level: [a-z0-9-]{1,32} */
#define CB_AREA_LEVELS   5
#define CB_AREA_MAX      (CB_AREA_LEVELS * (CB_SLUG_MAX + 1))	/* incl. NUL */
#define CB_CODE_MAX      32	/* kind and field codes: [a-z0-9_]{1,32} */
#define CB_PERIOD_MAX    16	/* "2023-W48", "2023-12-05", "2023-Q4" */
#define CB_MAX_FIELDS    16	/* fields in one kind, values in one report */
#define CB_TEXT_MAX      480	/* bytes of SMS/chat text we parse (160 UCS-2 chars) */
#define CB_REPLY_MAX     512	/* bytes of one reply text */

/*
 * Stable error codes.  Their names (cb_error_name) cross process boundaries:
 * receipts, the journal, cunbaoctl output.  Never renumber the names; append.
 */
enum cb_error {
	CB_OK = 0,
	/* The SMS grammar and report validation (issue 2). */
	CB_EMPTY,		/* "empty": nothing but spaces */
	CB_UNKNOWN_KIND,	/* "unknown_kind" */
	CB_UNKNOWN_FIELD,	/* "unknown_field" */
	CB_BAD_VALUE,		/* "bad_value": not a number, too many decimals */
	CB_OUT_OF_RANGE,	/* "out_of_range": below min or above max */
	CB_UNIT_MISMATCH,	/* "unit_mismatch": 牛12米 */
	CB_MISSING_FIELD,	/* "missing_field": a required field left out, or no value at all */
	CB_BAD_PERIOD,		/* "bad_period" */
	CB_FUTURE_PERIOD,	/* "future_period" */
	CB_AMBIGUOUS_KIND,	/* "ambiguous_kind": fields of two kinds, or no kind inferable */
	CB_TOO_LARGE,		/* "too_large": text or payload over the limit */
	CB_BAD_UTF8,		/* "bad_utf8" */
	CB_DUPLICATE_FIELD,	/* "duplicate_field": 牛12 牛13 */
	CB_BAD_GROUP,		/* "bad_group": 99组 where no such group exists, or malformed */
	/* Payload decoding (report JSON, envelopes). */
	CB_BAD_JSON,		/* "bad_json": not JSON, or not an object */
	CB_BAD_TYPE,		/* "bad_type": a member of the wrong JSON type */
	CB_MISSING_MEMBER,	/* "missing_member": id, kind, area ... absent */
	CB_BAD_ID,		/* "bad_id": id or source outside [A-Za-z0-9:._-]{1,64} */
	CB_BAD_AREA,		/* "bad_area": not 1–5 slugs [a-z0-9-]{1,32} */
	/* Decided by cunbaod against the roster and its history (issue 3). */
	CB_UNKNOWN_SENDER,	/* "unknown_sender" */
	CB_UNKNOWN_AREA,	/* "unknown_area" */
	CB_NOT_PERMITTED,	/* "not_permitted": a report for an area the sender does not own */
	CB_NOTHING_TO_FIX,	/* "nothing_to_fix": 更正/撤销 with no report in effect */
	CB_INTERNAL,		/* "internal": a fault of ours; the journal has the detail */
	CB_ERROR_COUNT
};

/* Returns the stable snake_case name of an error ("unknown_field"); "unknown" if out of range. */
const char *cb_error_name(enum cb_error e);
/* Returns the error whose name is s, or CB_ERROR_COUNT if none is. */
enum cb_error cb_error_from_name(const char *s);

/* The language a reply is written in. */
enum lang { LANG_ZH = 0, LANG_EN = 1 };

/* "zh" / "en". */
const char *lang_name(enum lang l);
/* Parses "zh"/"en" (case-insensitive); returns false on anything else. */
bool lang_parse(const char *s, enum lang *out);

/* The value of one hex digit (0-9, a-f, A-F), or -1 (JSON's \u escapes, URL %XX escapes). */
int cb_hex_digit(char c);

#endif
