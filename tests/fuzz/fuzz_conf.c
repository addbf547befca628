/*
 * fuzz_conf.c — feeds arbitrary text to conf_parse with a small table of
 * every type, then checks what a caller relies on: the error text is a
 * terminated string within its buffer, strings stay terminated within their
 * members, bounds hold, and the dump of a clean parse reads back unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

struct fuzz_cfg {
	char broker[48];
	char name[16];
	int64_t workers;
	bool verbose;
	int64_t timeout;
	int64_t offset;
};

#define M(f) offsetof(struct fuzz_cfg, f), sizeof(((struct fuzz_cfg *)0)->f)

static const struct conf_entry fuzz_table[] = {
	{ "broker", CONF_ADDR, M(broker), 0, 0, "127.0.0.1:1883", "" },
	{ "name", CONF_STR, M(name), 0, 0, "cunbaod", "" },
	{ "workers", CONF_INT, M(workers), 1, 64, "4", "" },
	{ "verbose", CONF_BOOL, M(verbose), 0, 0, NULL, "" },
	{ "timeout", CONF_DURATION, M(timeout), 100, 3600000, "5s", "" },
	{ "offset", CONF_INT, M(offset), 0, 0, NULL, "" },
	{ .key = NULL }
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_cfg c, back;
	char err[512], dump[1024], err2[512];

	conf_defaults(fuzz_table, &c);
	int n = conf_parse(fuzz_table, &c, "fuzz.conf", (const char *)data, size, err, sizeof err);
	if (n < 0 || memchr(err, '\0', sizeof err) == NULL)
		abort();
	if (n == 0 && err[0] != '\0')
		abort();
	if (memchr(c.broker, '\0', sizeof c.broker) == NULL ||
	    memchr(c.name, '\0', sizeof c.name) == NULL)
		abort();
	if (c.workers < 1 || c.workers > 64 || c.timeout < 100 || c.timeout > 3600000)
		abort();

	size_t len = conf_dump(fuzz_table, &c, dump, sizeof dump);
	if (len == 0)
		abort();
	if (n == 0) {
		char dump2[1024];

		memset(&back, 0, sizeof back);
		if (conf_parse(fuzz_table, &back, "dump", dump, len, err2, sizeof err2) != 0)
			abort();
		if (conf_dump(fuzz_table, &back, dump2, sizeof dump2) != len ||
		    memcmp(dump, dump2, len) != 0)
			abort();
	}
	return 0;
}
