/*
 * test_harness.c — the harness itself against a real mosquitto: ports, the
 * private broker, QoS 1 delivery, retained messages, a broker restart that
 * keeps a persistent session's queued messages, and process cleanup.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

Test(harness, free_ports_differ)
{
	int a = h_free_port(), b = h_free_port();

	cr_assert(a > 0 && b > 0);
	cr_assert_neq(a, b);
}

Test(harness, broker_pub_sub_and_retained)
{
	struct h_broker b = { 0 };

	cr_assert(h_broker_start(&b));
	struct h_mqtt *m = h_mqtt_connect(b.port, "t-sub", true);
	cr_assert_not_null(m);
	cr_assert(h_mqtt_sub(m, "t/#", 1));
	cr_assert(h_mqtt_pub(m, "t/a", "hello", 5, 1, false));
	cr_assert(h_mqtt_pub(m, "t/r", "kept", 4, 1, true));
	struct h_msg *msg = h_mqtt_wait(m, "t/a", "hell", 5000);
	cr_assert_not_null(msg);
	cr_assert_str_eq(msg->payload, "hello");
	h_msg_free(msg);
	cr_assert_null(h_mqtt_wait(m, "t/none", NULL, 100));
	h_mqtt_close(m);

	char *kept = h_retained(b.port, "t/r", 5000);
	cr_assert_not_null(kept);
	cr_assert_str_eq(kept, "kept");
	free(kept);
	h_broker_stop(&b);
}

Test(harness, persistent_session_survives_broker_restart)
{
	struct h_broker b = { 0 };

	cr_assert(h_broker_start(&b));
	struct h_mqtt *sub = h_mqtt_connect(b.port, "t-persist", false);
	cr_assert_not_null(sub);
	cr_assert(h_mqtt_sub(sub, "q/#", 1));
	h_mqtt_close(sub);

	struct h_mqtt *pub = h_mqtt_connect(b.port, "t-pub", true);
	cr_assert_not_null(pub);
	cr_assert(h_mqtt_pub(pub, "q/1", "queued", 6, 1, false));
	usleep(300 * 1000);
	h_mqtt_close(pub);

	h_broker_stop(&b);
	cr_assert(h_broker_start(&b), "restart on the same port");
	sub = h_mqtt_connect(b.port, "t-persist", false);
	cr_assert_not_null(sub);
	struct h_msg *msg = h_mqtt_wait(sub, "q/#", NULL, 5000);
	cr_assert_not_null(msg, "the queued QoS 1 message survives the restart");
	cr_assert_str_eq(msg->payload, "queued");
	h_msg_free(msg);
	h_mqtt_close(sub);
}

Test(harness, spawned_processes_are_stopped)
{
	char *argv[] = { "sleep", "60", NULL };
	struct h_proc *p = h_spawn("sleeper", argv);

	cr_assert_not_null(p);
	cr_assert(h_alive(p));
	cr_assert_eq(h_stop(p, SIGTERM, 2000), 128 + SIGTERM);
	cr_assert(!h_alive(p));
}
