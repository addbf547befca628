/*
 * test_groupname.c — the group number an area's name says (lib/groupname.c),
 * read as the SMS grammar reads a leader's "3组".
 */
#include <criterion/criterion.h>
#include <string.h>

#include "groupname.h"

/* The group number an area's name says, as a leader's SMS would say it. */
Test(groupname, numbers_as_the_sms_grammar_reads_them)
{
	static const struct {
		const char *name;
		int want;
	} cases[] = {
		{ "三组", 3 }, { "3组", 3 }, { "第三组", 3 }, { "第12组", 12 }, { "十一组", 11 },
		{ "河东村一组", 1 }, { "３组", 3 }, { "五小组", 5 }, { "二队", 2 },
		{ "河东村", 0 }, { "组", 0 }, { "三组东", 0 }, { "100组", 0 }, { "", 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_expect_eq(groupname_number(cases[i].name, strlen(cases[i].name)), cases[i].want, "%s",
		    cases[i].name);
}
