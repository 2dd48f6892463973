/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The INI tokenizer shared by the policy parser (policy.c) and kvmcfgd.conf
 * (conf.c). It only splits text into section headers and key = value pairs
 * with their line numbers; what a section or key means is the caller's
 * business. Pure: a buffer in, callbacks out, no I/O, no logging.
 *
 * The syntax (docs/policy.md, kvmcfg.policy(5)):
 *   - lines end at '\n'; a '\r' before it is dropped (CRLF); the last line
 *     needs no newline; a UTF-8 byte order mark at the very start is skipped;
 *     there is no limit on the length of a line;
 *   - leading and trailing whitespace is ignored, so an indented line is an
 *     ordinary line (there are no continuation lines);
 *   - a line whose first non-blank character is '#' or ';' is a comment;
 *   - '[name]' is a section header; only whitespace or a comment ('#' or ';')
 *     may follow the ']'; the name is passed on as written;
 *   - anything else is 'key = value' (or 'key: value'), split at the first
 *     '=' or ':'; key and value are trimmed, the value may be empty; a ';'
 *     after whitespace starts a comment that ends the value, unless it is
 *     inside double quotes (a '"' opens or closes quotes, nothing escapes
 *     it; '#' inside a value is never a comment);
 *   - a NUL byte is an error on its line.
 */
#pragma once

#include <stddef.h>

typedef enum IniError {
	INI_ERROR_NUL,		   /* a NUL byte on the line */
	INI_ERROR_HEADER_UNCLOSED, /* "[name" without ']' */
	INI_ERROR_HEADER_TRAILING, /* "[name] text" */
	INI_ERROR_NO_SEPARATOR,	   /* neither a header, a comment nor key = value */
	_INI_ERROR_MAX,
} IniError;

/* The message for a syntax error, e.g. "missing ']' in section header". */
const char *ini_error_to_string(IniError e);

/*
 * A callback returns 0 to go on, or a negative errno to stop: ini_tokenize()
 * then returns that value. The strings are valid only during the call.
 * A NULL callback is skipped.
 */
typedef struct IniCallbacks {
	/* @name: the text between the brackets, untrimmed. */
	int (*section)(void *userdata, const char *name, unsigned line);
	/* @key and @value trimmed, inline comment removed; @value may be "", @key too. */
	int (*key)(void *userdata, const char *key, const char *value, unsigned line);
	/* A syntax error; the line is skipped and tokenizing goes on with the next. */
	int (*error)(void *userdata, IniError error, unsigned line);
} IniCallbacks;

/*
 * Tokenize @len bytes at @text (no terminating NUL needed), calling @cb in
 * line order; @line is 1-based. Returns 0 (syntax errors went to
 * cb->error), -ENOMEM, or the first negative value a callback returned.
 */
int ini_tokenize(const char *text, size_t len, const IniCallbacks *cb, void *userdata);
