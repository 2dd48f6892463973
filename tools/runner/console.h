/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a person (or a TAP consumer) sees: a line per finished test with a
 * progress count, details of what failed, and at the end a summary table
 * and the slowest tests. Colour only on a terminal (and not with NO_COLOR).
 *
 * In TAP mode stdout is one valid TAP 13 stream of the whole run: a plan,
 * an "ok"/"not ok" line per test binary, everything else as "# " comments.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "run.h"

struct console {
	FILE *out;
	bool tap;
	bool color;
	size_t total, done;
};

void console_init(struct console *c, FILE *out, bool tap, size_t total);
/* The start of the run (the TAP header in TAP mode). */
void console_begin(struct console *c, const struct run *r);
/* One finished test. */
void console_test_done(struct console *c, const struct test *t);
/* The summary table, totals and slowest tests. */
void console_summary(struct console *c, const struct run *r);
/* A "# "-prefixed note in TAP mode, a plain line otherwise. */
void console_note(struct console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
