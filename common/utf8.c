// SPDX-License-Identifier: GPL-2.0-only
#include "utf8.h"

size_t kvmcfg_utf8_seq_len(const unsigned char *s, size_t avail)
{
	size_t need, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	/* C0 and C1 could only start overlong two-byte forms. */
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (avail < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	/* Not XML characters; see the header for why nobody gets them. */
	if (cp == 0xfffe || cp == 0xffff)
		return 0;
	return need;
}
