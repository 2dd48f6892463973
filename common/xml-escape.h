/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writing arbitrary test output into the JUnit report. Tests print anything,
 * including bytes that are not UTF-8 and control characters that XML 1.0
 * forbids outright; the report must stay parseable, so invalid sequences
 * become U+FFFD and forbidden controls are dropped. (JSON goes through
 * libkvmcfg's kvmcfg_json_escape(), json-escape.h, which shares the UTF-8
 * rule, utf8.h.)
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

#include "json-escape.h"

/* Write @len bytes of @s as XML character data, or as an attribute value. */
void escape_xml(FILE *f, const char *s, size_t len, bool attribute);

/* The runner's older name for the libkvmcfg escaper (the tests and fuzz target use it). */
static inline void escape_json(FILE *f, const char *s, size_t len)
{
	kvmcfg_json_escape(f, s, len);
}
