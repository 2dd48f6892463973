/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writing arbitrary test output into the JUnit report. Tests print anything,
 * including bytes that are not UTF-8 and control characters that XML 1.0
 * forbids outright; the report must stay parseable, so invalid sequences
 * become U+FFFD and forbidden controls are dropped. (JSON goes through
 * libkvmcfg's kvmcfg_json_escape(), json-escape.h, which shares the UTF-8
 * check.)
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

#include "json-escape.h"

/* Write @len bytes of @s as XML character data, or as an attribute value. */
void escape_xml(FILE *f, const char *s, size_t len, bool attribute);

/* The runner's older names for the libkvmcfg functions (the fuzz targets use them). */
static inline void escape_json(FILE *f, const char *s, size_t len)
{
	kvmcfg_json_escape(f, s, len);
}

static inline size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	return kvmcfg_utf8_seq_len(s, avail);
}
