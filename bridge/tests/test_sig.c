/*
 * test_sig.c — HMAC-SHA256 against RFC 4231's test vectors, and the
 * signature header check (prefix, case, tampering, wrong secret).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"

Test(sig, rfc4231_case2)
{
	char hex[SIG_HEX_LEN + 1];

	sig_hmac_hex("Jefe", "what do ya want for nothing?", 28, hex);
	cr_expect_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

Test(sig, rfc4231_case1_shape)
{
	/* Case 1 uses a binary key of 0x0b bytes: a C string key works the same. */
	char key[21], hex[SIG_HEX_LEN + 1];

	memset(key, 0x0b, 20);
	key[20] = '\0';
	sig_hmac_hex(key, "Hi There", 8, hex);
	cr_expect_str_eq(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

Test(sig, check_table)
{
	static const char body[] = "{\"from\":\"13800000003\",\"id\":\"1\",\"text\":\"x\"}";
	char hex[SIG_HEX_LEN + 1], header[80], upper[80];
	size_t i;

	sig_hmac_hex("s3cret-s3cret-s3cret", body, strlen(body), hex);
	snprintf(header, sizeof header, "sha256=%s", hex);
	for (i = 0; hex[i]; i++)
		upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
	upper[i] = '\0';

	cr_expect(sig_check("s3cret-s3cret-s3cret", header, body, strlen(body)));
	cr_expect(sig_check("s3cret-s3cret-s3cret", hex, body, strlen(body)));
	cr_expect(sig_check("s3cret-s3cret-s3cret", upper, body, strlen(body)));
	cr_expect(!sig_check("other-secret-other", header, body, strlen(body)));
	cr_expect(!sig_check("s3cret-s3cret-s3cret", header, body, strlen(body) - 1));
	cr_expect(!sig_check("s3cret-s3cret-s3cret", NULL, body, strlen(body)));
	cr_expect(!sig_check("s3cret-s3cret-s3cret", "sha256=", body, strlen(body)));
	cr_expect(!sig_check("", header, body, strlen(body)));
	header[10] = header[10] == '0' ? '1' : '0';
	cr_expect(!sig_check("s3cret-s3cret-s3cret", header, body, strlen(body)));
}

/* The generic channel's signature covers "<timestamp>.<body>", and only that. */
Test(sig, stamped)
{
	static const char body[] = "{\"id\":\"1\"}";
	char a[SIG_HEX_LEN + 1], b[SIG_HEX_LEN + 1], header[80];

	sig_hmac_stamped_hex("s3cret-s3cret-s3cret", "1701736200", body, strlen(body), a);
	sig_hmac_hex("s3cret-s3cret-s3cret", "1701736200.{\"id\":\"1\"}", strlen(body) + 11, b);
	cr_expect_str_eq(a, b);
	snprintf(header, sizeof header, "sha256=%s", a);
	cr_expect(sig_check_stamped("s3cret-s3cret-s3cret", header, "1701736200", body, strlen(body)));
	cr_expect(!sig_check_stamped("s3cret-s3cret-s3cret", header, "1701736201", body, strlen(body)));
	cr_expect(!sig_check_stamped("s3cret-s3cret-s3cret", header, NULL, body, strlen(body)));
	cr_expect(!sig_check_stamped("s3cret-s3cret-s3cret", header, "1701736200", body, strlen(body) - 1));
	cr_expect(!sig_check_stamped("", header, "1701736200", body, strlen(body)));
	sig_hmac_stamped_hex("s3cret-s3cret-s3cret", "", "", 0, a);
	sig_hmac_hex("s3cret-s3cret-s3cret", ".", 1, b);
	cr_expect_str_eq(a, b);
}

Test(sig, equal)
{
	cr_expect(sig_equal("abc", "abc"));
	cr_expect(!sig_equal("abc", "abd"));
	cr_expect(!sig_equal("abc", "abcd"));
	cr_expect(sig_equal("", ""));
}
