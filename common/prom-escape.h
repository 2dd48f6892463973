/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writing arbitrary text as a Prometheus label value: the one escaper behind
 * kvmcfgd's textfile (kvmcfg_mismatch{...}) and the selftest runner's
 * (kvm_selftests_test_failed{test=...}).
 *
 * A label value is what a kernel param, a policy file or a test name held,
 * so it may carry any byte; one that breaks the exposition format makes
 * node_exporter drop the whole file, every other series with it. The format
 * (text 0.0.4) escapes exactly three characters inside the quotes: backslash
 * as \\, double quote as \", line feed as \n. Everything else is literal,
 * so other control bytes (tab, CR, ...) pass through unchanged.
 *
 * The format is UTF-8. Bytes that are not valid UTF-8 by kvmcfg's one rule
 * (utf8.h: no overlongs, surrogates, values past U+10FFFF, U+FFFE/U+FFFF)
 * become U+FFFD, one per byte, as the JSON escaper and the daemon's log
 * writer do; a bad byte never swallows the valid text after it.
 *
 * Pure formatting: no I/O beyond the FILE given, no logging.
 */
#pragma once

#include <stdio.h>

/* Write the NUL-terminated @s as the inside of a label value (no quotes). */
void kvmcfg_prom_label_value(FILE *f, const char *s);
