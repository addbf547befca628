/*
 * groupname.c — see groupname.h.  The name is folded as an SMS is
 * (full-width digits, traditional forms) and a group token is looked for at
 * each character; one that ends the name is the group's number.
 */
#include <stdlib.h>
#include <string.h>

#include "groupname.h"
#include "sms_int.h"
#include "utf8.h"

int
groupname_number(const char *name, size_t len)
{
	struct sms_text *t;
	int group = 0;

	if (len == 0 || len > CB_TEXT_MAX || !utf8_valid(name, len) || (t = malloc(sizeof *t)) == NULL)
		return 0;
	sms_fold(name, len, t);
	for (size_t i = 0; i < t->len && group == 0;) {
		enum cb_error err;
		int n;
		size_t k = sms_group_scan(t->s, t->len, i, &n, &err);

		if (k > 0 && i + k == t->len && err == CB_OK)
			group = n;
		utf8_next(t->s, t->len, &i);
	}
	free(t);
	return group;
}
