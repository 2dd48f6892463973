/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writing arbitrary bytes as JSON strings: the one escaper behind kvmcfg's
 * findings JSON, the selftest runner's report and the bench results.
 *
 * What goes in may be anything a kernel, a sysfs file or a test printed,
 * including bytes that are not UTF-8; what comes out must always parse.
 * Valid UTF-8 (by kvmcfg's one rule, utf8.h) passes through; each byte of
 * an invalid sequence becomes \ufffd; '"' and '\\' are escaped, \n \t \r
 * as such, and other C0 controls and DEL as \u00XX. No I/O beyond the FILE
 * given, no logging.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

/* kvmcfg_utf8_seq_len(), which decides what "valid" means here. */
#include "utf8.h"

/* Write @len bytes of @s as the inside of a JSON string (no quotes). */
void kvmcfg_json_escape(FILE *f, const char *s, size_t len);

/* Write the NUL-terminated @s as a quoted JSON string, or null if @s is NULL. */
void kvmcfg_json_string(FILE *f, const char *s);
