/*
 * test_log.c — log_who, the sender id as the bridge's logs show it: phone
 * numbers and chat ids with their middle hidden, the platform kept, a short
 * chat id hidden whole; --log-unmasked shows every id as it is.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "bridge.h"

Test(log, who_hides_the_middle_of_every_id)
{
	static const char *const cases[][2] = {
		{ "+8613800000003", "+86138****0003" },
		{ "tg:700000003", "tg:70****03" },
		{ "wecom:zhangsan", "wecom:zh****an" },
		{ "wecom:lisi", "wecom:****" },			/* shown whole before */
		{ "dingtalk:staff001", "dingtalk:st****01" },	/* was dingta****f001 */
		{ "feishu:ou_0123456789abcdef0123456789abcdef", "feishu:ou****ef" },
		{ "wechat:oZhang", "wechat:oZ****ng" },
	};
	char buf[128];

	log_init(false, false);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_expect_str_eq(log_who(cases[i][0], buf, sizeof buf), cases[i][1], "%s", cases[i][0]);
	log_init(false, true);
	cr_expect_str_eq(log_who("wecom:lisi", buf, sizeof buf), "wecom:lisi");
	log_init(false, false);
}
