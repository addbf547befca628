/*
 * test_dashboard_meta.c — the retained names and units a dashboard reads
 * (<root>/meta/area/<area>, <root>/meta/kind/<kind>, daemon/meta.c): there
 * from the first connect, refreshed when the roster changes through the
 * admin API or on SIGHUP, cleared when an area is deleted, and never
 * holding a phone number, a chat id or a reporter's name.
 */
#include "test_api.h"

#define META CBD_ROOT "/meta"

/* Waits until the retained payload of topic contains want (NULL: until it is gone); true when it does. */
static bool
meta_wait(int port, const char *topic, const char *want, int timeout_ms)
{
	char *p = NULL;

	for (int waited = 0; waited <= timeout_ms; waited += 400) {
		free(p);
		p = h_retained(port, topic, 300);
		if (want == NULL ? (p == NULL || p[0] == '\0') : (p != NULL && strstr(p, want) != NULL)) {
			free(p);
			return true;
		}
		usleep(100 * 1000);
	}
	fprintf(stderr, "%s: \"%s\", not \"%s\"\n", topic, p ? p : "(none)", want ? want : "(none)");
	free(p);
	return false;
}

static void
admin(struct api *a, const char *method, const char *path, const char *body, int status)
{
	struct resp r = http_req(a->port, method, path, TOKEN_ADMIN, body ? "application/json" : NULL, body);

	cr_expect_eq(r.status, status, "%s %s: %d %s", method, path, r.status, r.body);
	resp_free(&r);
}

Test(meta, names_and_units_follow_the_roster_and_catalog, .timeout = 120)
{
	struct api a = { 0 };
	char *areas = h_read_file(h_src("schema/examples/areas.csv"), NULL), *p;
	struct h_msg *m;
	int port;

	cr_assert_not_null(areas);
	cr_assert(h_write_file(h_path("areas.csv"), areas));
	a.cbd.areas = h_path("areas.csv");
	api_start(&a);
	port = a.cbd.broker.port;

	/* On connect: every area and kind. */
	p = h_retained(port, META "/area/xinzhuang/hexi/g04", CBD_WAIT);
	cr_assert_not_null(p);
	cr_expect_str_eq(p, "{\"area\":\"xinzhuang/hexi/g04\",\"name\":\"四组\",\"expected\":true,"
	    "\"expected_under\":1,\"leaf\":true}");
	free(p);
	p = h_retained(port, META "/area/xinzhuang/hexi", CBD_WAIT);
	cr_expect(p != NULL && strstr(p, "\"name\":\"河西村\"") && strstr(p, "\"expected_under\":8") &&
	    strstr(p, "\"leaf\":false"), "%s", p ? p : "(none)");
	free(p);
	p = h_retained(port, META "/kind/livestock", CBD_WAIT);
	cr_expect(p != NULL && strstr(p, "\"name_zh\":\"牲畜\"") && strstr(p, "\"period\":\"month\"") &&
	    strstr(p, "\"deadline\":{\"day\":25,\"hour\":18}") &&
	    strstr(p, "{\"field\":\"cattle\",\"name_zh\":\"牛\",\"name_en\":\"cattle\",\"unit_zh\":\"头\""),
	    "%s", p ? p : "(none)");
	free(p);
	p = h_retained(port, META "/kind/sanitation", CBD_WAIT);
	cr_expect(p != NULL && strstr(p, "\"agg\":\"rate\""), "%s", p ? p : "(none)");
	free(p);

	/* The admin API adds, renames and deletes an area. */
	admin(&a, "POST", "/v1/areas", "{\"path\":\"xinzhuang/hexi/g09\",\"name\":\"九组\",\"expected\":true}", 201);
	cr_expect(meta_wait(port, META "/area/xinzhuang/hexi/g09", "\"name\":\"九组\"", CBD_WAIT));
	cr_expect(meta_wait(port, META "/area/xinzhuang/hexi", "\"expected_under\":9", CBD_WAIT),
	    "the village counts its new group");
	admin(&a, "PUT", "/v1/areas/xinzhuang/hexi/g09", "{\"name\":\"第九组\"}", 200);
	cr_expect(meta_wait(port, META "/area/xinzhuang/hexi/g09", "\"name\":\"第九组\"", CBD_WAIT));
	admin(&a, "DELETE", "/v1/areas/xinzhuang/hexi/g09", NULL, 200);
	cr_expect(meta_wait(port, META "/area/xinzhuang/hexi/g09", NULL, CBD_WAIT),
	    "a deleted area's meta topic is cleared");
	cr_expect(meta_wait(port, META "/area/xinzhuang/hexi", "\"expected_under\":8", CBD_WAIT));

	/* SIGHUP reads the areas file again: a new name is published. */
	char *renamed = strstr(areas, "三组");
	cr_assert_not_null(renamed);
	*renamed = '\0';
	char text[4096];
	snprintf(text, sizeof text, "%s第三组%s", areas, renamed + strlen("三组"));
	cr_assert(h_write_file(h_path("areas.csv"), text));
	kill(a.cbd.proc->pid, SIGHUP);
	cr_expect(meta_wait(port, META "/area/xinzhuang/hexi/g03", "\"name\":\"第三组\"", CBD_WAIT));

	/* Nothing in meta names a reporter or an address. */
	struct h_mqtt *mq = h_mqtt_connect(port, "meta-reader", true);
	cr_assert(h_mqtt_sub(mq, META "/#", 1));
	int n = 0;
	while ((m = h_mqtt_wait(mq, META "/#", NULL, 1000)) != NULL) {
		n++;
		cr_expect(strstr(m->payload, "+86") == NULL && strstr(m->payload, "138") == NULL &&
		    strstr(m->payload, "tg:") == NULL && strstr(m->payload, "王建国") == NULL,
		    "%s: %s", m->topic, m->payload);
		h_msg_free(m);
	}
	cr_expect_eq(n, 10 + 7, "10 areas and 7 kinds, the deleted group gone (got %d)", n);
	h_mqtt_close(mq);
	free(areas);
	api_stop(&a);
}
