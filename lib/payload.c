/*
 * payload.c — envelopes, receipts and outbox messages (docs/protocol.md).
 *
 * Decoders check a payload's shape with jdec (size, UTF-8, one JSON object)
 * and read their members by table; encoders write with jsonw into the
 * caller's buffer, leaving out optional members that are empty.
 */
#include <stdio.h>
#include <string.h>

#include "jdec.h"
#include "jsonw.h"
#include "payload.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define ID_FORM "[A-Za-z0-9:._-]{1,64}"
#define CHANNEL_FORM "[a-z0-9-]{1,16}"
#define ADDR_FORM "a phone number or <channel>:<id> (wecom:zhang.san@corp), 1 to 64 bytes of printable text"

static const char *const receipt_status_names[] = {
	[RECEIPT_ACCEPTED] = "accepted",
	[RECEIPT_REJECTED] = "rejected",
	[RECEIPT_DUPLICATE] = "duplicate",
};

/* True for [A-Za-z0-9:._-]{1,64}: safe in a topic level, a file name, a log line. */
bool
payload_id_valid(const char *s, size_t len)
{
	return jdec_word(s, len, CB_ID_MAX, "ABCDEFGHIJKLMNOPQRSTUVWXYZ:._-");
}

/* True for [a-z0-9-]{1,16}. */
bool
payload_channel_valid(const char *s, size_t len)
{
	return jdec_word(s, len, CB_CHANNEL_MAX, "-");
}

/* A sender or recipient address: "+8613800000003", "tg:1234"; no control characters. */
static bool
addr_valid(const char *s, size_t len)
{
	return len > 0 && len <= CB_ID_MAX && jdec_printable(s, len);
}

/* See payload.h. */
bool
payload_reporter_valid(const char *s, size_t len, char *why, size_t whylen)
{
	const char *colon = memchr(s, ':', len);
	size_t cl = colon ? (size_t)(colon - s) : 0;

	if (len > CB_ID_MAX)
		snprintf(why, whylen, "%zu bytes, more than the %d a reporter id may have (channel prefix "
		    "included: wecom: leaves %d for the UserID)", len, CB_ID_MAX, CB_ID_MAX - 6);
	else if (len > 0 && s[0] == '+')
		snprintf(why, whylen, len >= 8 && len <= 16 && s[1] != '0' &&
		    strspn(s + 1, "0123456789") == len - 1 ? "" :
		    "a phone number is + and 7 to 15 digits (+8613800000003)");
	else if (colon == NULL || cl == 0)
		snprintf(why, whylen, "neither a phone number (+8613800000003) nor a chat id "
		    "<channel>:<id> (tg:700000003, wecom:zhang.san@corp)");
	else if (!jdec_word(s, cl, CB_CHANNEL_MAX, "-"))
		snprintf(why, whylen, "the channel before ':' must be [a-z0-9-]{1,%d}", CB_CHANNEL_MAX);
	else if (!jdec_word(colon + 1, len - cl - 1, CB_ID_MAX, "ABCDEFGHIJKLMNOPQRSTUVWXYZ._@-"))
		snprintf(why, whylen, "the id after \"%.*s:\" must be 1 or more of [A-Za-z0-9._@-]", (int)cl, s);
	else
		snprintf(why, whylen, "%s", "");
	return why[0] == '\0';
}

/* "accepted", "rejected", "duplicate"; "unknown" outside the enum. */
const char *
receipt_status_name(enum receipt_status s)
{
	if ((unsigned)s >= NELEM(receipt_status_names))
		return "unknown";
	return receipt_status_names[s];
}

/*
 * Decodes an envelope into *out (zeroed first).  id and source are peeked
 * before the strict pass so that even a rejected envelope can be answered.
 */
enum cb_error
envelope_decode(const char *buf, size_t len, struct envelope *out, char *err, size_t errlen)
{
	const struct jdec_str members[] = {
		{ "id", true, out->id, sizeof out->id, payload_id_valid, CB_BAD_ID, ID_FORM },
		{ "source", true, out->source, sizeof out->source, payload_id_valid, CB_BAD_ID, ID_FORM },
		{ "channel", true, out->channel, sizeof out->channel, payload_channel_valid, CB_BAD_ID,
		  CHANNEL_FORM },
		{ "from", true, out->from, sizeof out->from, addr_valid, CB_BAD_ID, ADDR_FORM },
		{ "text", true, out->text, sizeof out->text, NULL, CB_TOO_LARGE, "text that fits" },
		{ "received_at", false, out->received_at, sizeof out->received_at, jdec_printable,
		  CB_BAD_VALUE, "a timestamp of at most 39 bytes" },
	};

	memset(out, 0, sizeof *out);
	enum cb_error e = jdec_object(buf, len, members, NELEM(members), 2, NULL, NULL, err, errlen);
	out->textlen = strlen(out->text);
	return e;
}

/* Encodes an envelope; received_at is left out when empty.  Returns the length or 0. */
size_t
envelope_encode(const struct envelope *e, char *buf, size_t buflen)
{
	const struct jdec_out head[] = {
		{ "id", e->id, false }, { "source", e->source, false }, { "channel", e->channel, false },
		{ "from", e->from, false },
	}, tail[] = { { "received_at", e->received_at, true } };
	struct jsonw w;

	jsonw_init(&w, buf, buflen);
	jsonw_obj(&w);
	jdec_write(&w, head, NELEM(head));
	jsonw_key(&w, "text");
	jsonw_strn(&w, e->text, e->textlen);
	jdec_write(&w, tail, NELEM(tail));
	jsonw_end(&w);
	return jsonw_finish(&w);
}

/*
 * Writes the optional parts of a receipt: the error (one entry of
 * "errors") and the reply, each only when there is one.
 */
static void
receipt_encode_tail(struct jsonw *w, const struct receipt *r)
{
	if (r->error != CB_OK) {
		jsonw_key(w, "errors");
		jsonw_arr(w);
		jsonw_obj(w);
		jsonw_key(w, "field");
		jsonw_str(w, r->error_field);
		jsonw_key(w, "code");
		jsonw_str(w, cb_error_name(r->error));
		jsonw_end(w);
		jsonw_end(w);
	}
	if (r->channel[0] == '\0' && r->to[0] == '\0' && r->text[0] == '\0')
		return;
	const struct jdec_out parts[] = {
		{ "channel", r->channel, true }, { "to", r->to, true }, { "text", r->text, true },
	};
	jsonw_key(w, "reply");
	jsonw_obj(w);
	jdec_write(w, parts, NELEM(parts));
	jsonw_end(w);
}

/* Encodes a receipt; report, errors and reply only when set.  Returns the length or 0. */
size_t
receipt_encode(const struct receipt *r, char *buf, size_t buflen)
{
	const struct jdec_out head[] = {
		{ "id", r->id, false }, { "status", receipt_status_name(r->status), false },
		{ "report", r->report, true },
	};
	struct jsonw w;

	jsonw_init(&w, buf, buflen);
	jsonw_obj(&w);
	jdec_write(&w, head, NELEM(head));
	receipt_encode_tail(&w, r);
	jsonw_end(&w);
	return jsonw_finish(&w);
}

/* Reads "status" into *out: CB_MISSING_MEMBER, CB_BAD_TYPE or CB_BAD_VALUE when it is not one. */
static enum cb_error
receipt_decode_status(const cJSON *root, enum receipt_status *out, char *err, size_t errlen)
{
	char s[16];
	const struct jdec_str m = { "status", true, s, sizeof s, NULL, CB_BAD_VALUE,
		"accepted, rejected or duplicate" };
	enum cb_error e = jdec_strings(root, &m, 1, err, errlen);

	if (e != CB_OK)
		return e;
	for (unsigned i = 0; i < NELEM(receipt_status_names); i++)
		if (strcmp(s, receipt_status_names[i]) == 0) {
			*out = (enum receipt_status)i;
			return CB_OK;
		}
	jdec_err(err, errlen, "status: '%s' is not accepted, rejected or duplicate", s);
	return CB_BAD_VALUE;
}

/*
 * Reads the first entry of "errors" ({"field":..,"code":..}) into r.  A
 * field longer than r->error_field is cut on a character boundary (it is
 * only shown); an unknown code is CB_BAD_VALUE.
 */
static enum cb_error
receipt_decode_errors(const cJSON *root, struct receipt *r, char *err, size_t errlen)
{
	const cJSON *errors = cJSON_GetObjectItemCaseSensitive(root, "errors");
	char code[32];
	const struct jdec_str m = { "code", true, code, sizeof code, NULL, CB_BAD_VALUE, "an error code" };

	if (errors == NULL || cJSON_IsNull(errors))
		return CB_OK;
	if (!cJSON_IsArray(errors) || (errors->child != NULL && !cJSON_IsObject(errors->child))) {
		jdec_err(err, errlen, "errors: must be an array of objects");
		return CB_BAD_TYPE;
	}
	if (errors->child == NULL)
		return CB_OK;
	enum cb_error e = jdec_strings(errors->child, &m, 1, err, errlen);
	if (e != CB_OK)
		return e;
	r->error = cb_error_from_name(code);
	if (r->error == CB_ERROR_COUNT || r->error == CB_OK) {
		r->error = CB_OK;
		jdec_err(err, errlen, "errors: '%s' is not an error code", code);
		return CB_BAD_VALUE;
	}
	const cJSON *field = cJSON_GetObjectItemCaseSensitive(errors->child, "field");
	if (cJSON_IsString(field)) {
		const char *s = field->valuestring;
		size_t n = utf8_truncate(s, strlen(s), sizeof r->error_field - 1);
		memcpy(r->error_field, s, n);
		r->error_field[n] = '\0';
	} else if (field != NULL && !cJSON_IsNull(field)) {
		jdec_err(err, errlen, "errors: field must be a string");
		return CB_BAD_TYPE;
	}
	return CB_OK;
}

/* Reads the optional "reply" object into r. */
static enum cb_error
receipt_decode_reply(const cJSON *root, struct receipt *r, char *err, size_t errlen)
{
	const cJSON *reply = cJSON_GetObjectItemCaseSensitive(root, "reply");
	const struct jdec_str members[] = {
		{ "channel", false, r->channel, sizeof r->channel, payload_channel_valid, CB_BAD_ID,
		  CHANNEL_FORM },
		{ "to", false, r->to, sizeof r->to, addr_valid, CB_BAD_ID, ADDR_FORM },
		{ "text", false, r->text, sizeof r->text, NULL, CB_TOO_LARGE, "at most 511 bytes" },
	};

	if (reply == NULL || cJSON_IsNull(reply))
		return CB_OK;
	if (!cJSON_IsObject(reply)) {
		jdec_err(err, errlen, "reply: must be an object");
		return CB_BAD_TYPE;
	}
	return jdec_strings(reply, members, NELEM(members), err, errlen);
}

/* What a receipt holds beyond its id: status, report, errors (first entry), reply. */
static enum cb_error
receipt_decode_rest(const cJSON *root, void *arg, char *err, size_t errlen)
{
	struct receipt *r = arg;
	const struct jdec_str report = { "report", false, r->report, sizeof r->report, payload_id_valid,
		CB_BAD_ID, ID_FORM };
	enum cb_error e;

	if ((e = receipt_decode_status(root, &r->status, err, errlen)) == CB_OK &&
	    (e = jdec_strings(root, &report, 1, err, errlen)) == CB_OK &&
	    (e = receipt_decode_errors(root, r, err, errlen)) == CB_OK)
		e = receipt_decode_reply(root, r, err, errlen);
	return e;
}

/*
 * Decodes a receipt into *out (zeroed first): id and status required,
 * report, errors (first entry) and reply optional.
 */
enum cb_error
receipt_decode(const char *buf, size_t len, struct receipt *out, char *err, size_t errlen)
{
	const struct jdec_str id = { "id", true, out->id, sizeof out->id, payload_id_valid, CB_BAD_ID, ID_FORM };

	memset(out, 0, sizeof *out);
	return jdec_object(buf, len, &id, 1, 1, receipt_decode_rest, out, err, errlen);
}

/* Encodes an outbox message.  Returns the length or 0. */
size_t
outbox_encode(const struct outbox *o, char *buf, size_t buflen)
{
	const struct jdec_out members[] = {
		{ "id", o->id, false }, { "channel", o->channel, false }, { "to", o->to, false },
		{ "text", o->text, false },
	};
	struct jsonw w;

	jsonw_init(&w, buf, buflen);
	jsonw_obj(&w);
	jdec_write(&w, members, NELEM(members));
	jsonw_end(&w);
	return jsonw_finish(&w);
}

/* Decodes an outbox message into *out (zeroed first); every member is required. */
enum cb_error
outbox_decode(const char *buf, size_t len, struct outbox *out, char *err, size_t errlen)
{
	const struct jdec_str members[] = {
		{ "id", true, out->id, sizeof out->id, payload_id_valid, CB_BAD_ID, ID_FORM },
		{ "channel", true, out->channel, sizeof out->channel, payload_channel_valid, CB_BAD_ID,
		  CHANNEL_FORM },
		{ "to", true, out->to, sizeof out->to, addr_valid, CB_BAD_ID, ADDR_FORM },
		{ "text", true, out->text, sizeof out->text, NULL, CB_TOO_LARGE, "at most 511 bytes" },
	};

	memset(out, 0, sizeof *out);
	return jdec_object(buf, len, members, NELEM(members), 1, NULL, NULL, err, errlen);
}
