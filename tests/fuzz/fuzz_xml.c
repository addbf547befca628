/*
 * fuzz_xml.c — feeds arbitrary bytes to xml_field (bridge/xml.c), the
 * reader of WeCom's and WeChat's XML.  The first byte picks the field name
 * asked for; checks: a value found is NUL-terminated at its length, holds
 * no NUL, fits the buffer, and a smaller buffer never gets more.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
	"xml", "ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "AgentID",
	"Encrypt", "Event", "C",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[512], small[8];
	size_t n = 0, m = 0;
	const char *name;

	if (size < 1)
		return 0;
	name = names[data[0] % (sizeof names / sizeof names[0])];
	memset(out, 'x', sizeof out);
	if (xml_field((const char *)data + 1, size - 1, name, out, sizeof out, &n)) {
		if (n >= sizeof out || out[n] != '\0' || memchr(out, '\0', n) != NULL)
			abort();
		if (xml_field((const char *)data + 1, size - 1, name, small, sizeof small, &m) &&
		    (m != n || memcmp(small, out, n) != 0))
			abort();
	}
	return 0;
}
