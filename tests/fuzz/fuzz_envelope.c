/*
 * fuzz_envelope.c — feeds arbitrary bytes to the decoders of the bridge's
 * payloads: envelope, receipt and outbox.  Checks: error texts terminated,
 * ids valid or empty, and each payload that decodes encodes and decodes
 * back to the same struct.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char buf[CB_PAYLOAD_MAX * 8];

static void
check_id(const char *id)
{
	if (id[0] != '\0' && !payload_id_valid(id, strlen(id)))
		abort();
}

static void
fuzz_envelope(const char *data, size_t size)
{
	struct envelope e, back;
	char err[256];

	memset(err, 'x', sizeof err);
	enum cb_error rc = envelope_decode(data, size, &e, err, sizeof err);
	if (memchr(err, '\0', sizeof err) == NULL)
		abort();
	check_id(e.id);
	check_id(e.source);
	if (rc != CB_OK)
		return;
	if (e.textlen != strlen(e.text))
		abort();
	size_t n = envelope_encode(&e, buf, sizeof buf);
	if (n == 0)
		abort();
	/* Escaping may grow a payload past the limit (a raw control byte is written back as six). */
	if (n <= CB_PAYLOAD_MAX && (envelope_decode(buf, n, &back, err, sizeof err) != CB_OK ||
	    memcmp(&e, &back, sizeof e) != 0))
		abort();
}

static void
fuzz_receipt(const char *data, size_t size)
{
	struct receipt r, back;
	char err[256];

	memset(err, 'x', sizeof err);
	enum cb_error rc = receipt_decode(data, size, &r, err, sizeof err);
	if (memchr(err, '\0', sizeof err) == NULL)
		abort();
	check_id(r.id);
	if (rc != CB_OK)
		return;
	size_t n = receipt_encode(&r, buf, sizeof buf);
	if (n == 0)
		abort();
	/* Escaping may grow a payload past the limit (a raw control byte is written back as six). */
	if (n <= CB_PAYLOAD_MAX && (receipt_decode(buf, n, &back, err, sizeof err) != CB_OK ||
	    memcmp(&r, &back, sizeof r) != 0))
		abort();
}

static void
fuzz_outbox(const char *data, size_t size)
{
	struct outbox o, back;
	char err[256];

	memset(err, 'x', sizeof err);
	enum cb_error rc = outbox_decode(data, size, &o, err, sizeof err);
	if (memchr(err, '\0', sizeof err) == NULL)
		abort();
	check_id(o.id);
	if (rc != CB_OK)
		return;
	size_t n = outbox_encode(&o, buf, sizeof buf);
	if (n == 0)
		abort();
	/* Escaping may grow a payload past the limit (a raw control byte is written back as six). */
	if (n <= CB_PAYLOAD_MAX && (outbox_decode(buf, n, &back, err, sizeof err) != CB_OK ||
	    memcmp(&o, &back, sizeof o) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_envelope((const char *)data, size);
	fuzz_receipt((const char *)data, size);
	fuzz_outbox((const char *)data, size);
	return 0;
}
