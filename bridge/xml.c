/*
 * xml.c — one field out of the flat XML documents WeCom and WeChat send:
 *
 *   <xml><ToUserName><![CDATA[ww14..]]></ToUserName><CreateTime>1476422779</CreateTime>..</xml>
 *
 * Not an XML parser: no DTDs, no namespaces, no attributes we read.  The
 * document is walked tag by tag, stepping over CDATA sections, comments
 * and processing instructions, so that text a user wrote (inside a CDATA
 * section) can never pose as an element: "<MsgId>1</MsgId>" sent as a
 * message is content, not the message id.  The first start tag named
 * `name` wins; its content is text and CDATA sections (no child elements),
 * blanks around it dropped, CDATA unwrapped, the five predefined entities
 * and numeric character references decoded.  Pure; every read bounded by
 * len and every write by outsize.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

#define CDATA_OPEN	"<![CDATA["
#define CDATA_CLOSE	"]]>"

/* The first occurrence of needle in [p, end), or NULL. */
static const char *
xml_find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; p != NULL && (size_t)(end - p) >= n; p++) {
		p = memchr(p, needle[0], (size_t)(end - p));
		if (p == NULL || (size_t)(end - p) < n)
			return NULL;
		if (memcmp(p, needle, n) == 0)
			return p;
	}
	return NULL;
}

static bool
xml_starts(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

/* Skips the markup at p ('<'): a CDATA section, comment or PI; returns what follows, or NULL. */
static const char *
xml_skip(const char *p, const char *end)
{
	const char *q;

	if (xml_starts(p, end, CDATA_OPEN))
		return (q = xml_find(p + 9, end, CDATA_CLOSE)) ? q + 3 : NULL;
	if (xml_starts(p, end, "<!--"))
		return (q = xml_find(p + 4, end, "-->")) ? q + 3 : NULL;
	if (xml_starts(p, end, "<?") || xml_starts(p, end, "<!"))
		return (q = memchr(p, '>', (size_t)(end - p))) ? q + 1 : NULL;
	return p;
}

/* Appends n bytes at *o; false when they do not fit (one byte kept for the NUL). */
static bool
xml_put(char *out, size_t outsize, size_t *o, const char *s, size_t n)
{
	if (n >= outsize - *o)
		return false;
	memcpy(out + *o, s, n);
	*o += n;
	return true;
}

/* Writes code point cp as UTF-8; false for a surrogate, NUL or beyond U+10FFFF. */
static bool
xml_put_cp(char *out, size_t outsize, size_t *o, unsigned long cp)
{
	char b[4];
	size_t n;

	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return false;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return xml_put(out, outsize, o, b, n);
}

/* Decodes the entity at p ('&'); returns what follows, or NULL when it is not one we know. */
static const char *
xml_entity(const char *p, const char *end, char *out, size_t outsize, size_t *o)
{
	static const struct {
		const char *name;
		char c;
	} ents[] = { { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' } };
	const char *semi = memchr(p, ';', (size_t)(end - p) < 12 ? (size_t)(end - p) : 12);
	unsigned long cp;
	char num[12], *stop;
	size_t i;

	if (semi == NULL)
		return NULL;
	for (i = 0; i < sizeof ents / sizeof ents[0]; i++)
		if (xml_starts(p, semi + 1, ents[i].name) && (size_t)(semi + 1 - p) == strlen(ents[i].name))
			return xml_put(out, outsize, o, &ents[i].c, 1) ? semi + 1 : NULL;
	if (semi - p < 3 || p[1] != '#')
		return NULL;
	snprintf(num, sizeof num, "%.*s", (int)(semi - p - 2), p + 2);
	if (num[0] == 'x' || num[0] == 'X')
		cp = strtoul(num + 1, &stop, 16);
	else
		cp = strtoul(num, &stop, 10);
	if (*stop != '\0' || stop == num || (num[0] == 'x' && stop == num + 1) || num[0] == '-' || num[0] == '+')
		return NULL;
	return xml_put_cp(out, outsize, o, cp) ? semi + 1 : NULL;
}

/* Decodes the content [p, end) of an element into out; false if it holds markup or does not fit. */
static bool
xml_content(const char *p, const char *end, char *out, size_t outsize, size_t *outlen)
{
	size_t o = 0;

	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	while (p < end) {
		if (xml_starts(p, end, CDATA_OPEN)) {
			const char *q = xml_find(p + 9, end, CDATA_CLOSE);

			if (q == NULL || !xml_put(out, outsize, &o, p + 9, (size_t)(q - p - 9)))
				return false;
			p = q + 3;
		} else if (*p == '&') {
			if ((p = xml_entity(p, end, out, outsize, &o)) == NULL)
				return false;
		} else if (*p == '<') {
			return false;	/* a child element or stray markup */
		} else {
			const char *q = p;

			while (q < end && *q != '<' && *q != '&')
				q++;
			if (!xml_put(out, outsize, &o, p, (size_t)(q - p)))
				return false;
			p = q;
		}
	}
	out[o] = '\0';
	*outlen = o;
	return memchr(out, '\0', o) == NULL;
}

bool
xml_field(const char *xml, size_t len, const char *name, char *out, size_t outsize, size_t *outlen)
{
	const char *p = xml, *end = xml + len, *start, *close;
	size_t nlen = strlen(name);
	char tag[80];

	if (outsize == 0 || nlen == 0 || nlen + 4 > sizeof tag)
		return false;
	out[0] = '\0';
	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		const char *next = xml_skip(p, end);

		if (next == NULL)
			return false;	/* an unterminated CDATA section or comment */
		if (next != p) {
			p = next;
			continue;
		}
		if ((size_t)(end - p) > nlen + 1 && memcmp(p + 1, name, nlen) == 0 &&
		    (p[nlen + 1] == '>' || (p[nlen + 1] == '/' && p + nlen + 2 < end && p[nlen + 2] == '>'))) {
			if (p[nlen + 1] == '/') {
				*outlen = 0;
				return true;	/* <Name/> */
			}
			start = p + nlen + 2;
			snprintf(tag, sizeof tag, "</%s>", name);
			/* The content may hold CDATA with "</Name>" inside: look past each section. */
			for (close = start; ; ) {
				const char *c = xml_find(close, end, tag), *d = xml_find(close, end, CDATA_OPEN);

				if (c == NULL)
					return false;
				if (d == NULL || d > c)
					break;
				if ((close = xml_find(d + 9, end, CDATA_CLOSE)) == NULL)
					return false;
				close += 3;
			}
			close = xml_find(close, end, tag);
			return xml_content(start, close, out, outsize, outlen);
		}
		p++;
	}
	return false;
}
