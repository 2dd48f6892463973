// SPDX-License-Identifier: GPL-2.0-only
/*
 * The INI tokenizer (syntax in ini.h). It replaces libinih, whose Debian
 * build has a 200-byte line buffer (a long comment made a policy invalid)
 * and strips " ;" comments before anyone sees quotes (so "a ; b" could not
 * be a value). Each line is copied once into a buffer that grows with the
 * longest line, so the only size limit is the caller's file size limit.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"

static const char *const error_messages[_INI_ERROR_MAX] = {
	[INI_ERROR_NUL] = "not a text file (contains a NUL byte)",
	[INI_ERROR_HEADER_UNCLOSED] = "missing ']' in section header",
	[INI_ERROR_HEADER_TRAILING] = "unexpected text after section header",
	[INI_ERROR_NO_SEPARATOR] = "expected 'key = value' or '[section]'",
};

const char *ini_error_to_string(IniError e)
{
	return (unsigned)e < _INI_ERROR_MAX ? error_messages[e] : NULL;
}

/* '\n' never reaches here; '\r' is blank so a CRLF line end trims away. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static char *skip_blank(char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

static void trim_end(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
}

/*
 * Cut a ';' comment that follows whitespace, as libinih did, but not inside
 * double quotes: a '"' toggles, so an unclosed quote protects the rest of
 * the line and the value parser reports the quote.
 */
static void cut_inline_comment(char *s)
{
	bool quoted = false;
	char *p;

	for (p = s; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ';' && !quoted && p > s && is_blank(p[-1])) {
			*p = '\0';
			return;
		}
	}
}

static int report(const IniCallbacks *cb, void *userdata, IniError e, unsigned line)
{
	return cb->error ? cb->error(userdata, e, line) : 0;
}

/* One line, NUL-terminated in a buffer we may write to. */
static int tokenize_line(char *buf, const IniCallbacks *cb, void *userdata, unsigned line)
{
	char *s = skip_blank(buf), *sep, *value;

	trim_end(s);
	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		char *close = strchr(s + 1, ']'), *rest;

		if (!close)
			return report(cb, userdata, INI_ERROR_HEADER_UNCLOSED, line);
		rest = skip_blank(close + 1);
		if (*rest && *rest != '#' && *rest != ';')
			return report(cb, userdata, INI_ERROR_HEADER_TRAILING, line);
		*close = '\0';
		return cb->section ? cb->section(userdata, s + 1, line) : 0;
	}
	cut_inline_comment(s);
	sep = strpbrk(s, "=:");
	if (!sep)
		return report(cb, userdata, INI_ERROR_NO_SEPARATOR, line);
	*sep = '\0';
	trim_end(s);
	value = skip_blank(sep + 1);
	trim_end(value);
	return cb->key ? cb->key(userdata, s, value, line) : 0;
}

int ini_tokenize(const char *text, size_t len, const IniCallbacks *cb, void *userdata)
{
	size_t pos = 0, cap = 0;
	char *buf = NULL;
	unsigned line = 0;
	int r = 0;

	/* A UTF-8 byte order mark some editors write; only at the very start. */
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		pos = 3;
	while (pos < len && r >= 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		line++;
		if (memchr(text + pos, '\0', n))
			r = report(cb, userdata, INI_ERROR_NUL, line);
		else {
			if (n + 1 > cap) {
				char *b = realloc(buf, n + 1);

				if (!b) {
					r = -ENOMEM;
					break;
				}
				buf = b;
				cap = n + 1;
			}
			memcpy(buf, text + pos, n);
			buf[n] = '\0';
			r = tokenize_line(buf, cb, userdata, line);
		}
		pos += n + (nl ? 1 : 0);
	}
	free(buf);
	return r < 0 ? r : 0;
}
