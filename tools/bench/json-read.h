/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading a kvm-mmio-bench result file for --compare: json-c's tokener
 * (strict grammar, UTF-8 validation), plus the text rule json-c does not
 * apply by itself.
 *
 * A result file is outside input (a CI artifact from another run), so the
 * reader is strict where such a file could carry text that is not text:
 *   - strings and keys must be UTF-8 by kvmcfg's one rule (utf8.h): no
 *     overlong forms, no encoded surrogates, nothing past U+10FFFF, no
 *     sequence cut short, no U+FFFE or U+FFFF;
 *   - a \u escape is held to the same rule as the raw bytes it stands for;
 *     a surrogate pair (\uD83D\uDE00) is one character, but a lone
 *     surrogate is rejected (json-c would quietly turn it into U+FFFD), and
 *     so is \u0000 (the rest of the tool works on NUL-terminated strings);
 *   - a raw control character in a string is rejected, as JSON's grammar
 *     says (json-c 0.16 lets it through even in strict mode).
 * Errors carry a 1-based line and a byte column, for "FILE:LINE:COL: what".
 * Pure: text in, tree out, no I/O, no logging.
 */
#pragma once

#include <stddef.h>

struct json_object;

struct bench_json_error {
	unsigned int line, column; /* 1-based; the column counts bytes */
	char what[96];
};

/*
 * Parse @len bytes of @text: one JSON value, with only whitespace around
 * it. 0 and *ret (put it with json_object_put()) on success; -EBADMSG with
 * @err filled (when not NULL) and *ret untouched on bad input; -ENOMEM.
 */
int bench_json_parse(const char *text, size_t len, struct json_object **ret,
		     struct bench_json_error *err);
