/*
 * test_federation_bridge.c — the shipped county bridge snippet
 * (systemd/mosquitto-county-bridge.conf.example) as an operator fills it
 * in: only the values it marks FILL IN change (the address of the upper
 * broker's TLS listener, the county's account and password, the CA file,
 * the county's names).  The upper broker is the shipped broker config
 * (test_trust_broker.h: TLS listener, password file, ACL) with the county's
 * account and the ACL lines docs/federation.md gives.
 *
 * Checks: the bridge logs in over TLS with the county's account; a county
 * rollup and completeness arrive retained on the upper broker; the link
 * notification says 1; the ACL keeps the county to its own topics (a
 * rollup under another county's area forwarded by the bridge is dropped);
 * nothing comes down (the province's own rollups stay upstairs); a bad
 * password keeps the link from coming up.
 */
#include "test_trust_broker.h"

#include <unistd.h>

#define WAIT 20000

/* docs/federation.md's ACL block for county-a and the federating cunbaod's reads. */
static const char county_acl[] =
    "\nuser county-a\n"
    "topic write cunbao/v1/rollup/county-a/#\n"
    "topic write cunbao/v1/completeness/county-a/#\n"
    "topic write cunbao/v1/link/county-a\n"
    "\nuser cunbaod\n"
    "topic read cunbao/v1/rollup/#\n"
    "topic read cunbao/v1/completeness/#\n"
    "topic read cunbao/v1/link/#\n";

/* Adds county-a's account (password pw) and the ACL block to the upper broker, and restarts it. */
static void
upper_add_county(struct tbk *t, const char *pw)
{
	char cmd[1024], *acl;
	int rc;

	snprintf(cmd, sizeof cmd, "mosquitto_passwd -b '%s' county-a '%s' 2>&1", t->passwd, pw);
	free(h_run(cmd, &rc));
	cr_assert_eq(rc, 0);
	acl = h_read_file(t->acl, NULL);
	cr_assert_not_null(acl);
	size_t n = strlen(acl) + sizeof county_acl;
	char *full = malloc(n);
	snprintf(full, n, "%s%s", acl, county_acl);
	cr_assert(h_write_file(t->acl, full));
	free(full);
	free(acl);
	h_broker_stop(&t->broker);
	cr_assert(h_broker_start(&t->broker));
	cr_assert(h_wait_port(t->tls_port, 10000));
}

/* The shipped snippet with its FILL IN values given; comments left out (the harness's buffer is small). */
static char *
county_snippet(const struct tbk *t, const char *password)
{
	char *snip = h_read_file(h_src("systemd/mosquitto-county-bridge.conf.example"), NULL);
	char *out = calloc(1, 4096), *line, *save = NULL;
	size_t n = 0;

	cr_assert_not_null(snip);
	snip = tbk_subst(snip, "address province-broker.example.cn:8883", "address 127.0.0.1:TLSPORT");
	for (line = strtok_r(snip, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strcmp(line, "address 127.0.0.1:TLSPORT") == 0)
			n += (size_t)snprintf(out + n, 4096 - n, "address 127.0.0.1:%d\n", t->tls_port);
		else if (strcmp(line, "remote_password CHANGE-ME") == 0)
			n += (size_t)snprintf(out + n, 4096 - n, "remote_password %s\n", password);
		else if (strcmp(line, "bridge_cafile /etc/mosquitto/certs/province-ca.crt") == 0)
			n += (size_t)snprintf(out + n, 4096 - n, "bridge_cafile %s\n", t->ca);
		else if (strncmp(line, "restart_timeout", 15) == 0)
			n += (size_t)snprintf(out + n, 4096 - n, "restart_timeout 1 2\n");	/* quicker tests */
		else
			n += (size_t)snprintf(out + n, 4096 - n, "%s\n", line);
	}
	free(snip);
	cr_assert(strstr(out, "remote_username county-a\n") != NULL && strstr(out, "bridge_cafile") != NULL,
	    "the snippet no longer has the values this test fills in");
	return out;
}

/* Polls the upper broker (as the federating cunbaod's account) for topic's retained payload. */
static char *
upper_retained(struct tbk *t, const char *topic, const char *want)
{
	for (int waited = 0; waited <= WAIT; waited += 200) {
		struct h_mqtt *m = tbk_client(t, "test-reader", "cunbaod");
		struct h_msg *msg;
		char *p = NULL;

		cr_assert(h_mqtt_sub(m, topic, 1));
		if ((msg = h_mqtt_wait(m, topic, want, 500)) != NULL) {
			p = strdup(msg->payload);
			h_msg_free(msg);
		}
		h_mqtt_close(m);
		if (p != NULL)
			return p;
		usleep(200 * 1000);
	}
	return NULL;
}

Test(federation_bridge, shipped_snippet_tls_account_acl, .timeout = 300)
{
	struct tbk up = { 0 };
	struct h_broker county = { 0 };
	struct h_mqtt *c;
	char *p;

	tbk_start(&up);
	upper_add_county(&up, "pw-county-a");
	county.extra = county_snippet(&up, "pw-county-a");
	cr_assert(h_broker_start(&county), "the county broker refused the shipped bridge snippet");

	c = h_mqtt_connect(county.port, "county-cunbaod", true);
	cr_assert_not_null(c);
	cr_assert(h_mqtt_sub(c, "cunbao/v1/#", 1));	/* nothing may come down */
	cr_assert(h_mqtt_pub(c, "cunbao/v1/rollup/county-a/livestock/2023-12", "{\"r\":1}", 7, 1, true));
	cr_assert(h_mqtt_pub(c, "cunbao/v1/rollup/county-a/v1/livestock/2023-12", "{\"v\":1}", 7, 1, true));
	cr_assert(h_mqtt_pub(c, "cunbao/v1/completeness/county-a/livestock/2023-12", "{\"c\":1}", 7, 1, true));
	/* What the county's ACL upstairs refuses: another county's area, a report. */
	cr_assert(h_mqtt_pub(c, "cunbao/v1/rollup/county-b/livestock/2023-12", "{\"x\":1}", 7, 1, true));
	cr_assert(h_mqtt_pub(c, "cunbao/v1/report/county-a/v1/g01", "{\"y\":1}", 7, 1, false));

	cr_expect_not_null(p = upper_retained(&up, "cunbao/v1/rollup/county-a/livestock/2023-12", "\"r\":1"),
	    "the county's rollup did not arrive retained over the TLS bridge");
	free(p);
	cr_expect_not_null(p = upper_retained(&up, "cunbao/v1/rollup/county-a/v1/livestock/2023-12", NULL));
	free(p);
	cr_expect_not_null(p = upper_retained(&up, "cunbao/v1/completeness/county-a/livestock/2023-12", NULL));
	free(p);
	cr_expect_not_null(p = upper_retained(&up, "cunbao/v1/link/county-a", "1"), "no link notification");
	free(p);
	/* Refused upstairs: the last above arrived, these went before it on the same link. */
	struct h_mqtt *r = tbk_client(&up, "test-reader-2", "dashboard");
	cr_assert(h_mqtt_sub(r, "cunbao/v1/rollup/county-b/#", 1));
	cr_expect_null(h_mqtt_wait(r, "cunbao/v1/rollup/county-b/#", NULL, 1000),
	    "county-a's bridge wrote another county's rollup");
	h_mqtt_close(r);

	/* Nothing comes down: the province's own rollups stay upstairs. */
	struct h_mqtt *fed = tbk_client(&up, "test-fed", "cunbaod");
	cr_assert(h_mqtt_pub(fed, "cunbao/v1/rollup/gansu/livestock/2023-12", "{\"p\":1}", 7, 1, true));
	cr_assert(h_mqtt_pub(fed, "cunbao/v1/receipt/x", "{\"p\":2}", 7, 1, false));
	cr_expect_not_null(p = upper_retained(&up, "cunbao/v1/rollup/gansu/livestock/2023-12", NULL));
	free(p);
	h_mqtt_close(fed);
	cr_expect_null(h_mqtt_wait(c, "cunbao/v1/rollup/gansu/#", NULL, 2000), "the province's rollup came down");
	cr_expect_null(h_mqtt_wait(c, "cunbao/v1/receipt/#", NULL, 100), "a receipt came down");
	h_mqtt_close(c);
	h_broker_stop(&county);
	h_broker_stop(&up.broker);
	free((char *)county.extra);
}

Test(federation_bridge, a_wrong_password_keeps_the_link_down, .timeout = 300)
{
	struct tbk up = { 0 };
	struct h_broker county = { 0 };
	struct h_mqtt *c;

	tbk_start(&up);
	upper_add_county(&up, "pw-county-a");
	county.extra = county_snippet(&up, "not-the-password");
	cr_assert(h_broker_start(&county));
	c = h_mqtt_connect(county.port, "county-cunbaod", true);
	cr_assert_not_null(c);
	cr_assert(h_mqtt_pub(c, "cunbao/v1/rollup/county-a/livestock/2023-12", "{\"r\":1}", 7, 1, true));
	struct h_mqtt *r = tbk_client(&up, "test-reader", "dashboard");
	cr_assert(h_mqtt_sub(r, "cunbao/v1/#", 1));
	cr_expect_null(h_mqtt_wait(r, "cunbao/v1/rollup/#", NULL, 4000), "a bridge with a wrong password got in");
	h_mqtt_close(r);
	h_mqtt_close(c);
	h_broker_stop(&county);
	h_broker_stop(&up.broker);
	free((char *)county.extra);
}
