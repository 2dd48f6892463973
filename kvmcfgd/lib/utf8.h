/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * UTF-8 validation for the text channels that must stay UTF-8 clean whatever
 * a param holds: findings JSON (finding.c), Prometheus labels (kvmcfgd's
 * textfile.c), sd_notify STATUS= and stderr log lines (kvmcfgd's log.c).
 * systemd drops a STATUS= that is not UTF-8; JSON must be UTF-8.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Length of the valid UTF-8 sequence at the NUL-terminated @s, or 0 if it is
 * not one. Never reads past a NUL: a continuation byte is checked before the
 * next one is read.
 */
static inline size_t utf8_sequence_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}
