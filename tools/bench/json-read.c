// SPDX-License-Identifier: GPL-2.0-only
/* Reading result files: json-c plus kvmcfg's text rule (see json-read.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "json-read.h"
#include "utf8.h"

struct problem {
	size_t offset; /* (size_t)-1: none */
	char what[96];
};

static void problem_set(struct problem *p, size_t offset, const char *fmt, ...)
{
	va_list ap;

	p->offset = offset;
	va_start(ap, fmt);
	vsnprintf(p->what, sizeof(p->what), fmt, ap);
	va_end(ap);
}

static int hex4(const unsigned char *s, size_t avail, unsigned int *ret)
{
	unsigned int v = 0;
	size_t i;

	if (avail < 4)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		unsigned char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* Whether code point @cp (not a surrogate) is text by the rule of utf8.h. */
static bool code_point_ok(unsigned int cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return kvmcfg_utf8_seq_len(b, n) == n;
}

/*
 * One \u escape at @s (just after the backslash-u), which may be the start
 * of a surrogate pair. Returns the bytes it spans after the backslash, or 0
 * with @p set. @at is the escape's offset (its backslash).
 */
static size_t check_u_escape(const unsigned char *s, size_t avail, size_t at, struct problem *p)
{
	unsigned int cp, lo;

	if (hex4(s, avail, &cp) < 0) {
		problem_set(p, at, "bad \\u escape (four hex digits must follow)");
		return 0;
	}
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		problem_set(p, at, "lone low surrogate \\u%04X", cp);
		return 0;
	}
	if (cp < 0xd800 || cp > 0xdbff) {
		if (cp == 0)
			problem_set(p, at, "\\u0000 in a string");
		else if (!code_point_ok(cp))
			problem_set(p, at, "\\u%04X is not a character", cp);
		return cp && code_point_ok(cp) ? 5 : 0;
	}
	if (avail < 6 || s[4] != '\\' || s[5] != 'u') {
		problem_set(p, at,
			    "lone high surrogate \\u%04X (not followed by a \\u low surrogate)",
			    cp);
		return 0;
	}
	if (hex4(s + 6, avail - 6, &lo) < 0) {
		problem_set(p, at + 6, "bad \\u escape (four hex digits must follow)");
		return 0;
	}
	if (lo < 0xdc00 || lo > 0xdfff) {
		problem_set(
			p, at,
			"lone high surrogate \\u%04X (followed by \\u%04X, not a low surrogate)",
			cp, lo);
		return 0;
	}
	return 11;
}

/*
 * The first string-level problem in @text: raw bytes that are not UTF-8 by
 * the rule, raw control characters, escapes naming no character. Only the
 * lexical structure of strings is followed; the grammar is json-c's.
 */
static void scan_strings(const unsigned char *s, size_t len, struct problem *p)
{
	bool in_string = false;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = s[i];

		if (!in_string) {
			in_string = c == '"';
			i++;
			continue;
		}
		if (c == '"') {
			in_string = false;
			i++;
		} else if (c == '\\') {
			if (i + 1 >= len)
				return; /* cut short: json-c reports it */
			if (s[i + 1] == 'u') {
				n = check_u_escape(s + i + 2, len - i - 2, i, p);
				if (!n)
					return;
				i += 1 + n;
			} else if (s[i + 1] && strchr("\"\\/bfnrt", s[i + 1])) {
				i += 2;
			} else {
				problem_set(p, i, "bad escape: '\\' then byte 0x%02X", s[i + 1]);
				return;
			}
		} else if (c < 0x20) {
			problem_set(p, i, "control character 0x%02X in a string (must be escaped)",
				    c);
			return;
		} else if (c < 0x80) {
			i++;
		} else {
			n = kvmcfg_utf8_seq_len(s + i, len - i);
			if (!n) {
				problem_set(p, i, "invalid UTF-8 in string (byte 0x%02X)", c);
				return;
			}
			i += n;
		}
	}
}

static void locate(const char *text, size_t offset, struct bench_json_error *err)
{
	size_t i, line_start = 0;

	err->line = 1;
	for (i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			err->line++;
			line_start = i + 1;
		}
	}
	err->column = (unsigned int)(offset - line_start + 1);
}

static bool all_space(const char *s, size_t len, size_t *first)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!strchr(" \t\r\n", s[i]) || !s[i]) {
			*first = i;
			return false;
		}
	}
	return true;
}

int bench_json_parse(const char *text, size_t len, struct json_object **ret,
		     struct bench_json_error *err)
{
	struct problem scan = { .offset = (size_t)-1 }, grammar = { .offset = (size_t)-1 };
	struct json_tokener *tok;
	struct json_object *o = NULL;
	enum json_tokener_error e;
	size_t end, junk;

	if (len > INT32_MAX)
		return -EFBIG;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (e == json_tokener_continue || (!o && e == json_tokener_success)) {
		/* The text ended inside a value (or held none). */
		problem_set(&grammar, len, "%s",
			    json_tokener_error_desc(json_tokener_error_parse_eof));
	} else if (e != json_tokener_success) {
		problem_set(&grammar, end, "%s", json_tokener_error_desc(e));
	} else if (!all_space(text + end, len - end, &junk)) {
		problem_set(&grammar, end + junk, "unexpected text after the value");
	}
	json_tokener_free(tok);

	/* Whichever problem comes first in the text is the one to report. */
	scan_strings((const unsigned char *)text, len, &scan);
	if (scan.offset <= grammar.offset)
		grammar = scan;
	if (grammar.offset != (size_t)-1) {
		json_object_put(o);
		if (err) {
			locate(text, grammar.offset, err);
			memcpy(err->what, grammar.what, sizeof(err->what));
		}
		return -EBADMSG;
	}
	*ret = o;
	return 0;
}
