// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "prom-escape.h"
#include "utf8.h"

void kvmcfg_prom_label_value(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);

	while (p < end) {
		size_t n = kvmcfg_utf8_seq_len(p, (size_t)(end - p));

		if (n == 0) {
			/* One bad byte would void the whole file for the collector. */
			fputs(KVMCFG_UTF8_REPLACEMENT, f);
			n = 1;
		} else if (*p == '\\') {
			fputs("\\\\", f);
		} else if (*p == '"') {
			fputs("\\\"", f);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else {
			fwrite(p, 1, n, f);
		}
		p += n;
	}
}
