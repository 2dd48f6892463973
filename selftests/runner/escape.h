/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writing arbitrary test output into reports. Tests print anything,
 * including bytes that are not UTF-8 and control characters that XML 1.0
 * forbids outright; both report formats must stay parseable, so invalid
 * sequences become U+FFFD and forbidden controls are dropped (XML) or
 * escaped (JSON).
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

/* Write @len bytes of @s as the inside of a JSON string (no quotes). */
void escape_json(FILE *f, const char *s, size_t len);

/* Write @len bytes of @s as XML character data, or as an attribute value. */
void escape_xml(FILE *f, const char *s, size_t len, bool attribute);

/* Length of the valid UTF-8 sequence at @s (1-4), or 0 if it is not one. */
size_t utf8_seq_len(const unsigned char *s, size_t avail);
