/*
 * groupname.h — the group number an area's name says ("三组", "3组",
 * "第三组", "河东村一组" -> 3 or 1), read by the SMS grammar's own rules
 * (lib/sms_time.c), so that a code derived for a named group (gNN) is the
 * group a leader's "3组" means.  Pure.
 */
#ifndef CB_GROUPNAME_H
#define CB_GROUPNAME_H

#include <stddef.h>

/* The group number (1..99) that name[0..len) ends with, or 0 when it names none. */
int groupname_number(const char *name, size_t len);

#endif
