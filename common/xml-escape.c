// SPDX-License-Identifier: GPL-2.0-only
#include "utf8.h"
#include "xml-escape.h"

void escape_xml(FILE *f, const char *s, size_t len, bool attribute)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		size_t n = kvmcfg_utf8_seq_len(p, end - p);

		if (!n) {
			fputs(KVMCFG_UTF8_REPLACEMENT, f);
			p++;
			continue;
		}
		if (n > 1)
			fwrite(p, 1, n, f);
		else if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if (*p == '&')
			fputs("&amp;", f);
		else if (*p == '"')
			fputs("&quot;", f);
		else if (*p == '\r' || (attribute && (*p == '\n' || *p == '\t')))
			/* Attribute values would normalise raw whitespace away. */
			fprintf(f, "&#%d;", *p);
		else if (*p == '\n' || *p == '\t')
			fputc(*p, f);
		else if (*p >= 0x20)
			fputc(*p, f);
		/* Other C0 controls cannot appear in XML 1.0 at all: dropped. */
		p += n;
	}
}
