/*
 * csv.h — RFC 4180 CSV: splitting one record, writing one field.
 * Used for the roster import (areas.csv, reporters.csv) and the ledger export.
 */
#ifndef CB_CSV_H
#define CB_CSV_H

#include "cunbao.h"

/*
 * Splits the record starting at text[*pos] (quoted fields may hold commas,
 * doubled quotes and newlines) into at most maxfields fields, unquoted and
 * NUL-terminated, copied into the storage buffer store[0..storelen).
 * fields[i] point into store.  Advances *pos past the record's line end.
 * Returns the number of fields, 0 at end of text, -1 on a malformed record
 * (unterminated quote, too many fields, storage too small).  A UTF-8 BOM at
 * the start of text is skipped.
 */
int csv_record(const char *text, size_t len, size_t *pos, char **fields, int maxfields,
    char *store, size_t storelen);

/* Appends s as one CSV field (quoted when it needs to be) to buf at *off; false if it does not fit. */
bool csv_put(char *buf, size_t buflen, size_t *off, const char *s);
/*
 * csv_put for text people typed (names, phone numbers): a field a
 * spreadsheet would run as a formula — one starting with = + - @, a tab or
 * a carriage return — gets a leading ' so it is shown as the text it is
 * ("=HYPERLINK(...)" as a roster name, "+8613800000003").  Not for numbers.
 */
bool csv_put_text(char *buf, size_t buflen, size_t *off, const char *s);

#endif
