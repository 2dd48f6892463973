/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one output filter for text that reaches a person: kvmcfgctl's
 * tables, problem lists, errors and echoes of policy values, and kvmcfgd's
 * stderr log. Values from sysfs and policy files are hostile input: a
 * param value of "Y\e]0;PWNED\a\e[2J\e[1;31mFAKE OK" would retitle and
 * clear an operator's terminal and print a fake OK.
 *
 * Nothing a terminal acts on passes:
 *   - C0 controls and DEL become \xHH (\n and \t as \n, \t in one-line
 *     mode; in multi-line mode '\n' and '\t' pass, being the layout);
 *   - C1 controls U+0080..U+009F become \u0080..\u009f (U+009B is CSI, an
 *     escape sequence in one character for terminals that honour it);
 *   - bytes that are not UTF-8 by utf8.h's rule become U+FFFD (and so does
 *     a raw 8-bit C1 byte, which is never valid UTF-8).
 * Everything else, including valid UTF-8 text, passes unchanged. The
 * escapes are plain ASCII with no quote, so text that already is JSON
 * stays valid JSON ("\u009b" is the same character there).
 * Pure: no logging.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

enum {
	/* '\n' and '\t' escaped too: a value stays on its line (a log entry, a cell). */
	KVMCFG_TEXT_ONE_LINE = 1 << 0,
	/* '"' and '\\' get a backslash, for values written inside "...". */
	KVMCFG_TEXT_QUOTE = 1 << 1,
	/*
	 * C0 controls and DEL as \u0001, \u007f too, not \x01: every escape is
	 * then a JSON escape of the same character, so JSON that passes the
	 * filter stays valid and means the same (kvmcfgctl --json).
	 */
	KVMCFG_TEXT_JSON_SAFE = 1 << 2,
};

/* Write @len bytes of @s to @f through the filter. */
void kvmcfg_text_filter(FILE *f, const char *s, size_t len, unsigned flags);

/* The filtered copy of @s, malloc'd; NULL on ENOMEM. */
char *kvmcfg_text_filter_dup(const char *s, unsigned flags);

/*
 * A stdio stream that filters everything written to it (multi-line mode,
 * KVMCFG_TEXT_JSON_SAFE) and writes the result to @fd. A UTF-8 sequence split between two writes
 * is joined first. Line-buffered when @fd is a terminal, else fully
 * buffered. kvmcfgctl puts its stdout and stderr behind one each, so no
 * line it prints can carry a raw escape. NULL with errno set on failure.
 */
FILE *kvmcfg_text_filter_stream(int fd);

/*
 * Put stdout and stderr behind kvmcfg_text_filter_stream(), until exit,
 * which flushes and closes the filters (atexit). 0 or -errno.
 */
int kvmcfg_text_filter_std(void);
