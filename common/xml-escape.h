/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writing arbitrary test output into the JUnit report. Tests print anything,
 * including bytes that are not UTF-8 and control characters that XML 1.0
 * forbids outright; the report must stay parseable, so invalid sequences
 * become U+FFFD and forbidden controls are dropped: the UTF-8 rule of
 * utf8.h, which json-out.h applies to JSON strings too.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

/* Write @len bytes of @s as XML character data, or as an attribute value. */
void escape_xml(FILE *f, const char *s, size_t len, bool attribute);
