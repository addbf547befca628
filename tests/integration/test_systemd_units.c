/*
 * test_systemd_units.c — the shipped units (systemd/cunbaod.service,
 * systemd/cunbao-bridge.service) as systemd reads them:
 * `systemd-analyze verify --man=no --recursive-errors=yes` finds nothing
 * (without --recursive-errors verify exits 0 even on unknown keys), and
 * `systemd-analyze security --offline=true` scores each at most 1.5.
 *
 * verify needs ExecStart's programs to exist, so each unit is checked in a
 * copy whose /usr/sbin/ programs are the build tree's, the same textual
 * substitution the install makes with its own prefix.  Skipped, saying
 * so, where systemd-analyze is not installed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define EXPOSURE_MAX 1.5

/* Copies systemd/<unit> into the scratch dir with the build tree's programs; the copy's path. */
static const char *
unit_copy(const char *unit)
{
	static char out[512];
	char *text = h_read_file(h_src(unit), NULL), *p;
	char buf[16384];
	size_t n = 0;
	const struct { const char *from, *to; } subst[] = {
		{ "/usr/sbin/cunbaod", h_bin("daemon/cunbaod") },
		{ "/usr/sbin/cunbao-bridge", h_bin("bridge/cunbao-bridge") },
	};

	cr_assert_not_null(text, "cannot read %s", h_src(unit));
	for (p = text; *p != '\0' && n < sizeof buf - 512;) {
		size_t i;

		for (i = 0; i < sizeof subst / sizeof subst[0]; i++) {
			size_t l = strlen(subst[i].from);

			if (strncmp(p, subst[i].from, l) == 0 && p[l] != '-' && p[l] != '.') {
				n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", subst[i].to);
				p += l;
				break;
			}
		}
		if (i == sizeof subst / sizeof subst[0])
			buf[n++] = *p++;
	}
	buf[n] = '\0';
	free(text);
	snprintf(out, sizeof out, "%s", h_path(strrchr(unit, '/') + 1));
	cr_assert(h_write_file(out, buf));
	return out;
}

static void
need_systemd_analyze(void)
{
	int rc = -1;
	char *out = h_run("command -v systemd-analyze", &rc);

	free(out);
	if (rc != 0)
		cr_skip_test("systemd-analyze is not installed (Debian: the systemd package): units not checked");
}

/* verify clean: exit 0 and not a word about the unit. */
static void
unit_verify(const char *unit)
{
	char cmd[1024];
	int rc = -1;
	const char *copy = unit_copy(unit);

	snprintf(cmd, sizeof cmd, "systemd-analyze verify --man=no --recursive-errors=yes '%s' 2>&1", copy);
	char *out = h_run(cmd, &rc);

	cr_expect_eq(rc, 0, "%s: verify exited %d:\n%s", unit, rc, out ? out : "");
	cr_expect(out != NULL && strstr(out, strrchr(copy, '/') + 1) == NULL, "%s: verify says:\n%s", unit,
	    out ? out : "");
	free(out);
}

/* The offline exposure score (0.0 safe ... 10.0 unsafe); fails the test when none is printed. */
static double
unit_exposure(const char *unit)
{
	char cmd[1024];
	int rc = -1;
	double score = 99;
	const char *copy = unit_copy(unit);

	snprintf(cmd, sizeof cmd, "systemd-analyze security --offline=true --threshold=100 '%s' 2>&1", copy);
	char *out = h_run(cmd, &rc);
	const char *at = out ? strstr(out, "Overall exposure level for ") : NULL;

	cr_assert(at != NULL && (at = strchr(at, ':')) != NULL && sscanf(at + 1, "%lf", &score) == 1,
	    "%s: no exposure score (exit %d):\n%s", unit, rc, out ? out : "");
	free(out);
	return score;
}

/* The unit speaks the notify protocol cunbaod and the bridge implement (daemon/notify.h). */
static void
unit_notify(const char *unit)
{
	char *text = h_read_file(h_src(unit), NULL);

	cr_assert_not_null(text);
	cr_expect(strstr(text, "\nType=notify\n") != NULL, "%s: not Type=notify", unit);
	cr_expect(strstr(text, "\nNotifyAccess=main\n") != NULL, "%s: no NotifyAccess=main", unit);
	cr_expect(strstr(text, "\nWatchdogSec=") != NULL, "%s: no WatchdogSec=", unit);
	free(text);
}

TestSuite(systemd_units, .init = need_systemd_analyze, .fini = h_cleanup);

Test(systemd_units, cunbaod_verify_and_exposure, .timeout = 120)
{
	unit_notify("systemd/cunbaod.service");
	unit_verify("systemd/cunbaod.service");
	double e = unit_exposure("systemd/cunbaod.service");

	cr_expect(e <= EXPOSURE_MAX, "cunbaod.service: exposure %.1f > %.1f", e, EXPOSURE_MAX);
	cr_log_info("cunbaod.service: exposure %.1f", e);
}

Test(systemd_units, bridge_verify_and_exposure, .timeout = 120)
{
	unit_notify("systemd/cunbao-bridge.service");
	unit_verify("systemd/cunbao-bridge.service");
	double e = unit_exposure("systemd/cunbao-bridge.service");

	cr_expect(e <= EXPOSURE_MAX, "cunbao-bridge.service: exposure %.1f > %.1f", e, EXPOSURE_MAX);
	cr_log_info("cunbao-bridge.service: exposure %.1f", e);
}
