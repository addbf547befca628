/*
 * migrations.h — the SQL migrations embedded at build time (embed_sql.cmake
 * turns schema/sql/NNN_*.sql into migrations.c).  Ordered by version; the
 * table ends with a NULL name.  A database's user_version is the last
 * version applied.
 */
#ifndef CUNBAOD_MIGRATIONS_H
#define CUNBAOD_MIGRATIONS_H

#include <stddef.h>

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration migrations[];

#endif
