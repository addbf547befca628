/*
 * test_federation.c — counties federated up to a province through real
 * mosquitto bridges (issue 15): three brokers (two counties, one
 * province), each county broker bridged up by the shipped snippet
 * (systemd/mosquitto-county-bridge.conf.example, templated with the
 * ports), two county cunbaods with villages and groups, and a federating
 * cunbaod (upstream-of) on the province broker.
 *
 * The figures the province publishes are checked against a recomputation,
 * in this file, over every report the test sent (each aggregation, with
 * different numbers of groups reporting each field so that weighting
 * matters); then one county's link is cut (a relay between its bridge and
 * the province broker stops) while reports go on in both counties, its
 * broker restarts meanwhile, and the link is restored: the province
 * catches up, nothing lost, nothing counted twice;
 * then the federating cunbaod is killed -9 while reports flow, restarted,
 * and ends exact.
 */
#include "test_api.h"

#define KIND "mixed"
#define PERIOD "2023-12"
#define FED_WAIT 60000		/* ms: across a bridge's reconnect backoff */

#include "../fed_catalog.h"

/* One county: its broker (bridged up through a relay), its cunbaod, a client sending reports. */
struct county {
	const char *slug;
	int villages, groups;		/* groups per village */
	struct h_relay *relay;
	struct cbd c;
	struct h_mqtt *mq;
	char areas[256];
	int next;			/* the next group to report (0-based over villages x groups) */
};

/* What every report sent adds up to: the province's figures, recomputed independently. */
struct expect {
	int64_t stock, metres;		/* scale 2, scale 1: sums (stock: the groups' latest, one report each) */
	int64_t att_sum, att_n, peak, peak_n, yes, pass_n;
	int reported;
};

/* Writes the areas CSV of a county: the county, its villages, their groups (expected). */
static void
county_areas(struct county *k)
{
	char text[8192];
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof text - n, "path,name,expected\n%s,%s,0\n", k->slug, k->slug);
	for (int v = 1; v <= k->villages; v++) {
		n += (size_t)snprintf(text + n, sizeof text - n, "%s/v%d,v%d,0\n", k->slug, v, v);
		for (int g = 1; g <= k->groups; g++)
			n += (size_t)snprintf(text + n, sizeof text - n, "%s/v%d/g%02d,g%02d,1\n", k->slug, v, g, g);
	}
	snprintf(k->areas, sizeof k->areas, "%s", h_path(k->slug));
	strcat(k->areas, ".csv");
	cr_assert(h_write_file(k->areas, text));
}

/*
 * The shipped bridge snippet made to fit the test: the upper broker's
 * address is the relay, plain TCP and anonymous (the test brokers have no
 * TLS or accounts: those lines go), a short reconnect backoff, and the
 * county's own names.  Comments go too (the broker's config buffer is small).
 */
static char *
bridge_conf(const struct county *k)
{
	char *snip = h_read_file(h_src("systemd/mosquitto-county-bridge.conf.example"), NULL);
	char *out = calloc(1, 4096), *line, *save = NULL;
	size_t n = 0;

	cr_assert_not_null(snip);
	for (line = strtok_r(snip, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char buf[256];

		if (line[0] == '#' || line[0] == '\0' || strncmp(line, "remote_username", 15) == 0 ||
		    strncmp(line, "remote_password", 15) == 0 || strncmp(line, "bridge_", 7) == 0 ||
		    strncmp(line, "restart_timeout", 15) == 0)
			continue;
		if (strncmp(line, "address ", 8) == 0)
			snprintf(buf, sizeof buf, "address 127.0.0.1:%d", h_relay_port(k->relay));
		else if (strncmp(line, "bridge_protocol_version", 23) == 0)
			snprintf(buf, sizeof buf, "%s", line);
		else {
			char *at = strstr(line, "county-a");

			if (at != NULL)
				snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - line), line, k->slug, at + 8);
			else
				snprintf(buf, sizeof buf, "%s", line);
		}
		n += (size_t)snprintf(out + n, 4096 - n, "%s\n", buf);
	}
	n += (size_t)snprintf(out + n, 4096 - n, "restart_timeout 1 2\n");
	free(snip);
	return out;
}

/* Starts a county: relay to the province broker, its bridged broker, its cunbaod, its client. */
static void
county_start(struct county *k, int province_port)
{
	static const char *cat;
	char db[64];

	if (cat == NULL) {
		cat = strdup(h_path("fed-catalog.json"));
		cr_assert(h_write_file(cat, fed_catalog));
	}
	county_areas(k);
	cr_assert_not_null(k->relay = h_relay_start(province_port));
	k->c.broker.extra = bridge_conf(k);
	cr_assert(h_broker_start(&k->c.broker), "county broker %s did not start", k->slug);
	snprintf(db, sizeof db, "%s.db", k->slug);
	snprintf(k->c.db, sizeof k->c.db, "%s", h_path(db));
	k->c.catalog = cat;
	k->c.areas = k->areas;
	k->c.reporters = strdup(h_path("reporters.csv"));
	k->c.starts = k->slug[7] == 'a' ? 10 : 20;	/* logs cunbaod-11.log, cunbaod-21.log: one per daemon */
	cr_assert(h_write_file(k->c.reporters, "id,name,area,role,lang\n"));
	cr_assert(cbd_spawn(&k->c), "county cunbaod %s did not start", k->slug);
	cr_assert_not_null(k->mq = h_mqtt_connect(k->c.broker.port, "test-sender", true));
	cr_assert(h_mqtt_sub(k->mq, CBD_ROOT "/receipt/#", 1));
}

/*
 * Sends the next group's report (each group reports once) and adds it to
 * e.  Fields are left out in patterns so that each field is reported by
 * another number of groups: the avg and the rate must be weighted by
 * their own counts.
 */
static void
county_report(struct county *k, struct expect *e)
{
	int i = k->next++, v = i / k->groups + 1, g = i % k->groups + 1;
	int seed = (int)strlen(k->slug) * 7 + i * 13;
	int64_t stock = 1000 + seed * 37 % 9000, metres = 5 + seed * 11 % 300, att = 3 + seed % 9;
	int64_t peak = seed * 29 % 97;
	bool has_att = i % 3 != 0, has_peak = i % 4 != 1, has_pass = i % 2 == 0, pass = seed % 3 != 0;
	char id[64], topic[128], payload[512], extra[160] = "";
	size_t n = 0;

	cr_assert(v <= k->villages, "%s: no group left to report", k->slug);
	if (has_att)
		n += (size_t)snprintf(extra + n, sizeof extra - n, ",\"attendance\":%lld", (long long)att);
	if (has_peak)
		n += (size_t)snprintf(extra + n, sizeof extra - n, ",\"peak\":%lld", (long long)peak);
	if (has_pass)
		snprintf(extra + n, sizeof extra - n, ",\"passed\":%s", pass ? "true" : "false");
	snprintf(id, sizeof id, "%s-%d", k->slug, i);
	snprintf(topic, sizeof topic, CBD_ROOT "/report/%s/v%d/g%02d", k->slug, v, g);
	snprintf(payload, sizeof payload, "{\"id\":\"%s\",\"source\":\"test\",\"kind\":\"" KIND "\","
	    "\"area\":\"%s/v%d/g%02d\",\"period\":\"" PERIOD "\",\"values\":{\"stock\":%lld.%02lld,"
	    "\"metres\":%lld.%lld%s}}", id, k->slug, v, g, (long long)(stock / 100), (long long)(stock % 100),
	    (long long)(metres / 10), (long long)(metres % 10), extra);
	char needle[96];
	struct h_msg *m;

	cr_assert(h_mqtt_pub(k->mq, topic, payload, strlen(payload), 1, false));
	snprintf(needle, sizeof needle, "\"id\":\"%s\"", id);
	m = h_mqtt_wait(k->mq, CBD_ROOT "/receipt/test", needle, CBD_WAIT);
	cr_assert_not_null(m, "no receipt for %s", id);
	cr_assert(strstr(m->payload, "\"status\":\"accepted\"") != NULL, "%s: %s", id, m->payload);
	h_msg_free(m);
	e->stock += stock;
	e->metres += metres;
	if (has_att) {
		e->att_sum += att;
		e->att_n++;
	}
	if (has_peak) {
		e->peak = e->peak_n == 0 || peak > e->peak ? peak : e->peak;
		e->peak_n++;
	}
	if (has_pass) {
		e->yes += pass;
		e->pass_n++;
	}
	e->reported++;
}

/* round(num * 10^extra / den), half away from zero (num, den >= 0). */
static int64_t
div_round(int64_t num, int64_t den, int extra)
{
	int64_t p = 1;

	for (int i = 0; i < extra; i++)
		p *= 10;
	return (num * p * 2 + den) / (2 * den);
}

/* True when payload's figures are e's, exactly; why says what differs. */
static bool
figures_are(const char *payload, const struct expect *e, int expected, char *why, size_t whylen)
{
	cJSON *j = cJSON_Parse(payload);
	const cJSON *v = cJSON_GetObjectItem(j, "values");
	struct {
		const char *field;
		double want;
		bool present;
	} f[] = {
		{ "stock", (double)e->stock / 100, true },
		{ "metres", (double)e->metres / 10, true },
		{ "attendance", e->att_n ? (double)div_round(e->att_sum, e->att_n, 2) / 100 : 0, e->att_n > 0 },
		{ "peak", (double)e->peak, e->peak_n > 0 },
		{ "passed", e->pass_n ? (double)div_round(e->yes, e->pass_n, 4) / 10000 : 0, e->pass_n > 0 },
	};
	bool ok = j != NULL;

	snprintf(why, whylen, "%s", payload ? payload : "(none)");
	for (size_t i = 0; ok && i < sizeof f / sizeof f[0]; i++) {
		const cJSON *x = cJSON_GetObjectItem(v, f[i].field);

		if (f[i].present ? !cJSON_IsNumber(x) || x->valuedouble != f[i].want : x != NULL) {
			snprintf(why, whylen, "%s: want %.4f in %s", f[i].field, f[i].want, payload);
			ok = false;
		}
	}
	const cJSON *rep = cJSON_GetObjectItem(j, "reported"), *exp = cJSON_GetObjectItem(j, "expected");

	if (ok && (!cJSON_IsNumber(rep) || rep->valueint != e->reported || !cJSON_IsNumber(exp) ||
	    exp->valueint != expected)) {
		snprintf(why, whylen, "reported/expected: want %d/%d in %s", e->reported, expected, payload);
		ok = false;
	}
	cJSON_Delete(j);
	return ok;
}

/* Waits until the province broker's retained rollup of area shows e exactly. */
static void
expect_figures(int port, const char *area, const struct expect *e, int expected)
{
	char topic[256], why[4096] = "";

	snprintf(topic, sizeof topic, CBD_ROOT "/rollup/%s/" KIND "/" PERIOD, area);
	for (int waited = 0; waited <= FED_WAIT; waited += 200) {
		char *p = h_retained(port, topic, 500);
		bool ok = p != NULL && figures_are(p, e, expected, why, sizeof why);

		free(p);
		if (ok)
			return;
		usleep(200 * 1000);
	}
	cr_assert_fail("%s never showed the recomputed figures: %s", topic, why);
}

/* The sum of two expectations (the province's: both counties). */
static struct expect
expect_add(const struct expect *a, const struct expect *b)
{
	struct expect s = *a;

	s.stock += b->stock;
	s.metres += b->metres;
	s.att_sum += b->att_sum;
	s.att_n += b->att_n;
	if (b->peak_n > 0 && (s.peak_n == 0 || b->peak > s.peak))
		s.peak = b->peak;
	s.peak_n += b->peak_n;
	s.yes += b->yes;
	s.pass_n += b->pass_n;
	s.reported += b->reported;
	return s;
}

/* Waits until GET /v1/children holds needle; false after CBD_WAIT. */
static bool
children_show(int api_port, const char *needle)
{
	for (int waited = 0; waited <= CBD_WAIT; waited += 100) {
		struct resp r = http_get(api_port, "/v1/children", TOKEN_READ);
		bool ok = r.body != NULL && strstr(r.body, needle) != NULL;

		resp_free(&r);
		if (ok)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/* Starts (again) the federating cunbaod on the province broker. */
static void
province_spawn(struct cbd *p)
{
	cr_assert(cbd_spawn(p), "the federating cunbaod did not start");
}

Test(federation, exact_through_bridges_link_loss_and_kill9, .timeout = 600)
{
	struct county a = { .slug = "county-a", .villages = 4, .groups = 5 };
	struct county b = { .slug = "county-b", .villages = 3, .groups = 6 };
	char listen[64], tokens[256];
	int api_port = h_free_port();
	struct cbd p = { .extra = { "--upstream-of", "gansu/lanzhou/county-a, gansu/lanzhou/county-b",
		"--client-id", "cunbaod-province", "--listen", listen, "--tokens", tokens, NULL } };
	struct h_mqtt *spy;
	struct expect ea = { 0 }, eb = { 0 }, all;
	const int expected = 4 * 5 + 3 * 6;
	char *prov_areas = strdup(h_path("province.csv"));

	cr_assert(h_broker_start(&p.broker), "province broker did not start");
	county_start(&a, p.broker.port);
	county_start(&b, p.broker.port);
	cr_assert(h_write_file(prov_areas, "path,name,expected\ngansu,甘肃,0\ngansu/lanzhou,兰州,0\n"
	    "gansu/lanzhou/county-a,A县,0\ngansu/lanzhou/county-b,B县,0\n"));
	snprintf(p.db, sizeof p.db, "%s", h_path("province.db"));
	p.catalog = a.c.catalog;
	p.areas = prov_areas;
	p.reporters = a.c.reporters;
	snprintf(listen, sizeof listen, "127.0.0.1:%d", api_port);
	snprintf(tokens, sizeof tokens, "%s", h_path("tokens"));
	api_tokens_write(tokens, 0600);
	province_spawn(&p);
	/* What a bridge could deliver again late: county A's early rollups, kept to replay at the end. */
	cr_assert_not_null(spy = h_mqtt_connect(p.broker.port, "test-spy", true));
	cr_assert(h_mqtt_sub(spy, CBD_ROOT "/rollup/county-a/" KIND "/" PERIOD, 1));

	/* 1. Reports in both counties, different numbers of groups: exact at both upper levels. */
	for (int i = 0; i < 6; i++)
		county_report(&a, &ea);
	for (int i = 0; i < 4; i++)
		county_report(&b, &eb);
	all = expect_add(&ea, &eb);
	expect_figures(p.broker.port, "gansu", &all, expected);
	expect_figures(p.broker.port, "gansu/lanzhou", &all, expected);

	/* 2. County A's link cut while both report; B's figures still arrive, A's wait. */
	h_relay_cut(a.relay);
	/* The bridge's last will on the province broker: /v1/children says the link is down. */
	cr_expect(children_show(api_port, "\"publishes_as\":\"county-a\",\"status\":\"link_down\""),
	    "county-a's cut link is not shown");
	struct expect ea_before = ea;
	for (int i = 0; i < 5; i++)
		county_report(&a, &ea);
	for (int i = 0; i < 5; i++)
		county_report(&b, &eb);
	all = expect_add(&ea_before, &eb);
	expect_figures(p.broker.port, "gansu", &all, expected);
	/*
	 * County A's broker restarts while its link is down (a power cut in the
	 * county): what its bridge had queued is in its persistence.  County A
	 * reports nothing more, so only that queue can bring its last figures up.
	 */
	h_mqtt_close(a.mq);
	h_broker_stop(&a.c.broker);
	cr_assert(h_broker_start(&a.c.broker), "county-a's broker did not start again");
	cr_assert_not_null(a.mq = h_mqtt_connect(a.c.broker.port, "test-sender", true));
	cr_assert(h_mqtt_sub(a.mq, CBD_ROOT "/receipt/#", 1));
	for (int i = 0; i < 2; i++)
		county_report(&b, &eb);
	/* Restored: the bridge delivers what its county queued; exact, nothing twice. */
	cr_assert(h_relay_restore(a.relay));
	cr_expect(children_show(api_port, "\"publishes_as\":\"county-a\",\"status\":\"ok\""),
	    "county-a's restored link is not shown");
	all = expect_add(&ea, &eb);
	expect_figures(p.broker.port, "gansu", &all, expected);
	expect_figures(p.broker.port, "gansu/lanzhou", &all, expected);

	/* 3. The federating cunbaod killed -9 while reports flow; restarted, it ends exact. */
	for (int i = 0; i < 8; i++) {
		county_report(i % 2 ? &b : &a, i % 2 ? &eb : &ea);
		if (i == 3)
			h_kill9(p.proc);
	}
	province_spawn(&p);
	for (int i = 0; i < 4; i++)
		county_report(i % 2 ? &b : &a, i % 2 ? &eb : &ea);
	all = expect_add(&ea, &eb);
	expect_figures(p.broker.port, "gansu", &all, expected);
	expect_figures(p.broker.port, "gansu/lanzhou", &all, expected);

	/* Its journal: one kept rollup per child, kind and period. */
	cr_expect_eq(db_int(p.db, "SELECT count(*) FROM fed_inputs WHERE what = 'rollup'"), 2);

	/* Completeness upward: per county, how many groups and villages reported. */
	char want[256], *comp = NULL;
	struct resp r;
	snprintf(want, sizeof want, "\"children\":{\"lanzhou/county-a\":[%d,20,%d,4],"
	    "\"lanzhou/county-b\":[%d,18,%d,3]}", ea.reported, (a.next + a.groups - 1) / a.groups,
	    eb.reported, (b.next + b.groups - 1) / b.groups);
	for (int waited = 0; waited <= FED_WAIT; waited += 200) {
		free(comp);
		comp = h_retained(p.broker.port, CBD_ROOT "/completeness/gansu/" KIND "/" PERIOD, 500);
		if (comp != NULL && strstr(comp, want) != NULL)
			break;
		usleep(200 * 1000);
	}
	cr_expect(comp != NULL && strstr(comp, want) != NULL, "completeness %s lacks %s", comp, want);
	snprintf(want, sizeof want, "\"groups_reported\":%d,\"groups_expected\":%d", all.reported, expected);
	cr_expect(comp != NULL && strstr(comp, want) != NULL, "completeness %s lacks %s", comp, want);
	free(comp);
	/* The same from the admin API, for both of its levels. */
	r = http_get(api_port, "/v1/completeness?area=gansu&kind=" KIND "&period=" PERIOD, TOKEN_READ);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "{\"area\":\"gansu\",") != NULL && strstr(r.body, "{\"area\":\"gansu/lanzhou\",") != NULL &&
	    strstr(r.body, want) != NULL, "/v1/completeness: %s", r.body);
	resp_free(&r);

	/* The admin API: both children fresh, same catalog; the rollups of its own levels. */
	r = http_get(api_port, "/v1/children", TOKEN_READ);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"area\":\"gansu/lanzhou/county-a\",\"publishes_as\":\"county-a\","
	    "\"status\":\"ok\"") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\"publishes_as\":\"county-b\",\"status\":\"ok\"") != NULL, "%s", r.body);
	resp_free(&r);
	r = http_get(api_port, "/v1/rollups?area=gansu&kind=" KIND "&period=" PERIOD, TOKEN_READ);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cJSON *page = cJSON_Parse(r.body), *items = cJSON_GetObjectItem(page, "items");
	cr_expect_eq(cJSON_GetArraySize(items), 2, "gansu and gansu/lanzhou: %s", r.body);
	for (int i = 0; i < cJSON_GetArraySize(items); i++) {
		char *one = cJSON_PrintUnformatted(cJSON_GetArrayItem(items, i)), why[4096];

		cr_expect(figures_are(one, &all, expected, why, sizeof why), "/v1/rollups: %s", why);
		free(one);
	}
	cJSON_Delete(page);
	resp_free(&r);

	/* An early rollup of county A delivered again, late (a bridge's redelivery): nothing changes. */
	struct h_msg *early = h_mqtt_wait(spy, CBD_ROOT "/rollup/county-a/" KIND "/" PERIOD, NULL, CBD_WAIT);
	cr_assert_not_null(early);
	cr_assert(h_mqtt_pub(spy, early->topic, early->payload, early->len, 1, false));
	h_msg_free(early);
	bool seen = false;
	for (int waited = 0; !seen && waited <= CBD_WAIT; waited += 100) {
		r = http_get(api_port, "/v1/children", TOKEN_READ);
		seen = strstr(r.body, "\"older\":1") != NULL;
		resp_free(&r);
		usleep(100 * 1000);
	}
	cr_expect(seen, "the late rollup was not counted as older");
	expect_figures(p.broker.port, "gansu", &all, expected);

	/* A rollup from a county whose catalog aggregates another way: refused, logged once, shown. */
	static const char wrong[] = "{\"area\":\"county-b\",\"kind\":\"mixed\",\"period\":\"2023-11\","
	    "\"values\":{\"attendance\":7},\"reported\":1,\"expected\":18,"
	    "\"updated_at\":\"2023-11-05T08:30:00+08:00\",\"def\":\"00000000\","
	    "\"terms\":{\"attendance\":{\"agg\":\"max\",\"num\":\"7\",\"den\":1}},\"seq\":99}";
	for (int i = 0; i < 2; i++)
		cr_assert(h_mqtt_pub(spy, CBD_ROOT "/rollup/county-b/mixed/2023-11", wrong, strlen(wrong), 1, false));
	seen = false;
	for (int waited = 0; !seen && waited <= CBD_WAIT; waited += 100) {
		r = http_get(api_port, "/v1/children", TOKEN_READ);
		seen = strstr(r.body, "\"publishes_as\":\"county-b\",\"status\":\"catalog_mismatch\"") != NULL &&
		    strstr(r.body, "\"refused\":2") != NULL;
		if (seen)
			cr_expect(strstr(r.body, "terms.attendance: aggregation max, ours is avg") != NULL, "%s", r.body);
		resp_free(&r);
		usleep(100 * 1000);
	}
	cr_expect(seen, "county-b's other catalog is not shown in /v1/children");
	char *log = h_read_file(p.proc->log, NULL), *at = log;
	int logged = 0;
	while (log != NULL && (at = strstr(at, "its catalog differs from ours")) != NULL) {
		logged++;
		at++;
	}
	cr_expect_eq(logged, 1, "the mismatch was logged %d times", logged);
	cr_expect(log != NULL && strstr(log, "child county-b: kind mixed field attendance refused") != NULL);
	free(log);
	cr_expect_eq(db_int(p.db, "SELECT count(*) FROM fed_inputs WHERE period = '2023-11'"), 0);
	expect_figures(p.broker.port, "gansu", &all, expected);

	/*
	 * County B's database starts again (restored from a backup): its seq
	 * counts from 1, its updated_at is later.  Taken as its current
	 * figures; then a rollup with a small seq and an earlier time is old.
	 */
	static const char reset[] = "{\"area\":\"county-b\",\"kind\":\"mixed\",\"period\":\"2023-12\","
	    "\"values\":{\"stock\":1},\"reported\":1,\"expected\":18,\"updated_at\":\"2099-01-01T00:00:00+08:00\","
	    "\"terms\":{\"stock\":{\"agg\":\"last\",\"num\":\"1\",\"den\":1}},\"seq\":1}";
	cr_assert(h_mqtt_pub(spy, CBD_ROOT "/rollup/county-b/" KIND "/" PERIOD, reset, strlen(reset), 1, false));
	struct expect b_reset = { .stock = 100, .reported = 1 };
	all = expect_add(&ea, &b_reset);
	expect_figures(p.broker.port, "gansu", &all, expected);
	static const char late[] = "{\"area\":\"county-b\",\"kind\":\"mixed\",\"period\":\"2023-12\","
	    "\"values\":{\"stock\":2},\"reported\":1,\"expected\":18,\"updated_at\":\"2098-01-01T00:00:00+08:00\","
	    "\"terms\":{\"stock\":{\"agg\":\"last\",\"num\":\"2\",\"den\":1}},\"seq\":1}";
	cr_assert(h_mqtt_pub(spy, CBD_ROOT "/rollup/county-b/" KIND "/" PERIOD, late, strlen(late), 1, false));
	cr_expect(h_wait_log(p.proc, "child county-b: " CBD_ROOT "/rollup/county-b/" KIND "/" PERIOD ": older, kept",
	    CBD_WAIT), "the late rollup of the restarted county was taken");
	expect_figures(p.broker.port, "gansu", &all, expected);

	h_mqtt_close(spy);
	cbd_term(&p);
	for (struct county *k = &a; k != NULL; k = k == &a ? &b : NULL) {
		cbd_term(&k->c);
		h_mqtt_close(k->mq);
		h_broker_stop(&k->c.broker);
		h_relay_stop(k->relay);
		free((char *)k->c.broker.extra);
		free((char *)k->c.reporters);
	}
	free(prov_areas);
	h_broker_stop(&p.broker);
}
