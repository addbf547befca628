/*
 * fuzz_csv.c — feeds arbitrary bytes to lib/csv.h: csv_record over the
 * whole text as a roster import reads it, and csv_put on the way back.
 * Checks: every call moves forward and ends exactly at the end of the text;
 * a record's fields lie in the storage, NUL-terminated, without NUL bytes;
 * a good record written back with csv_put reads back as the same fields;
 * the first line taken as one field survives csv_put and csv_record; a
 * csv_put that does not fit leaves the offset alone and the buffer
 * terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS 16
#define STORE 4096

/* Checks what csv_record promises about the n fields it returned. */
static void
check_fields(char *const *f, int n, const char *store)
{
	for (int i = 0; i < n; i++) {
		if (f[i] < store || f[i] >= store + STORE)
			abort();
		size_t left = (size_t)(store + STORE - f[i]);
		if (memchr(f[i], '\0', left) == NULL)
			abort();
	}
}

/* Writes the n fields as one line with csv_put and reads it back: the same fields. */
static void
round_trip(char *const *f, int n)
{
	static char line[FIELDS * (2 * STORE + 3) + 2], store[STORE];
	char *back[FIELDS];
	size_t off = 0, pos = 0;

	/* A lone empty field is a blank line, which a reader skips: no record to compare. */
	if (n == 1 && f[0][0] == '\0')
		return;
	for (int i = 0; i < n; i++) {
		if (i > 0)
			line[off++] = ',';
		if (!csv_put(line, sizeof line - 1, &off, f[i]))
			abort();
	}
	line[off++] = '\n';
	if (csv_record(line, off, &pos, back, FIELDS, store, sizeof store) != n || pos != off)
		abort();
	for (int i = 0; i < n; i++)
		if (strcmp(back[i], f[i]) != 0)
			abort();
}

/* Reads every record of text as the roster import does. */
static void
read_all(const char *text, size_t len)
{
	static char store[STORE];
	char *f[FIELDS];
	size_t pos = 0;
	int n;

	for (;;) {
		size_t before = pos;
		n = csv_record(text, len, &pos, f, FIELDS, store, sizeof store);
		if (pos > len || n < -1 || n > FIELDS)
			abort();
		if (n == 0) {
			if (pos != len)
				abort();
			return;
		}
		if (pos <= before)
			abort();	/* no progress: an import would loop for ever */
		if (n > 0) {
			check_fields(f, n, store);
			round_trip(f, n);
		}
	}
}

/*
 * Takes the input up to its first NUL as one field: it must come back
 * whole through csv_put and csv_record; and a buffer too small by a byte
 * must refuse it cleanly.
 */
static void
one_field(const char *text, size_t len)
{
	static char s[STORE], buf[2 * STORE + 4], store[2 * STORE];
	char *f[FIELDS];
	size_t n = strnlen(text, len < STORE - 1 ? len : STORE - 1), off = 0, pos = 0;

	memcpy(s, text, n);
	s[n] = '\0';
	if (!csv_put(buf, sizeof buf, &off, s) || off >= sizeof buf || buf[off] != '\0')
		abort();
	size_t need = off;
	if (n > 0 && (csv_record(buf, off, &pos, f, FIELDS, store, sizeof store) != 1 ||
	    strcmp(f[0], s) != 0 || pos != off))
		abort();
	/* Exactly one byte short (the NUL's): refused, offset kept, the text before it terminated. */
	off = 0;
	buf[0] = 'x';
	if (csv_put(buf, need, &off, s) || off != 0 || (need > 0 && buf[0] != '\0'))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_all((const char *)data, size);
	one_field((const char *)data, size);
	return 0;
}
