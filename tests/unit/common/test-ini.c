// SPDX-License-Identifier: GPL-2.0-only
/*
 * The INI tokenizer (ini.h) in expected-output style: each case is text and
 * the transcript of the callbacks it produced, one per line as
 * "LINE [section]", "LINE key=value|" or "LINE error: message". It pins
 * every rule of the syntax, in particular the two libinih limits it
 * replaced: a line of any length, and a ';' inside double quotes that is
 * not a comment.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "check-run.h"

typedef struct Transcript {
	char *buf;
	size_t len;
	FILE *f;
	unsigned stop_at; /* a callback on this line returns -E2BIG */
} Transcript;

static int stop_or_go(Transcript *t, unsigned line)
{
	return t->stop_at && line == t->stop_at ? -E2BIG : 0;
}

static int on_section(void *userdata, const char *name, unsigned line)
{
	Transcript *t = userdata;

	fprintf(t->f, "%u [%s]\n", line, name);
	return stop_or_go(t, line);
}

static int on_key(void *userdata, const char *key, const char *value, unsigned line)
{
	Transcript *t = userdata;

	/* The '|' shows where the value ends: trailing blanks must be gone. */
	fprintf(t->f, "%u %s=%s|\n", line, key, value);
	return stop_or_go(t, line);
}

static int on_error(void *userdata, IniError e, unsigned line)
{
	Transcript *t = userdata;

	fprintf(t->f, "%u error: %s\n", line, ini_error_to_string(e));
	return stop_or_go(t, line);
}

static const IniCallbacks callbacks = {
	.section = on_section,
	.key = on_key,
	.error = on_error,
};

/* Tokenize @len bytes; returns the transcript (caller frees), *ret_r the result. */
static char *tokenize(const char *text, size_t len, unsigned stop_at, int *ret_r)
{
	Transcript t = { .stop_at = stop_at };

	t.f = open_memstream(&t.buf, &t.len);
	ck_assert_ptr_nonnull(t.f);
	*ret_r = ini_tokenize(text, len, &callbacks, &t);
	ck_assert_int_eq(fclose(t.f), 0);
	return t.buf;
}

typedef struct Case {
	const char *text;
	const char *expect;
} Case;

static const Case cases[] = {
	{ "", "" },
	{ "\n\n  \n\t\n", "" },
	{ "[kvm]\ntdp_mmu = Y\n", "1 [kvm]\n2 tdp_mmu=Y|\n" },
	/* Full-line comments, also indented. */
	{ "# c\n; c\n   # c = 1\n\t; [x]\n[a]\n", "5 [a]\n" },
	/* Whitespace around key and value is not part of them; '=' or ':' separates. */
	{ "  a  =  b  \n\ta\t=\tb\t\nc: d\ne=\nf =  \n", "1 a=b|\n2 a=b|\n3 c=d|\n4 e=|\n5 f=|\n" },
	/* The first separator splits; the rest is value. */
	{ "a = b = c\na = x:y\nurl: http://h/p?q=1\n",
	  "1 a=b = c|\n2 a=x:y|\n3 url=http://h/p?q=1|\n" },
	/* An empty key is passed on: the caller names it. */
	{ "= v\n", "1 =v|\n" },
	/* Inline comments: ';' after whitespace only; '#' never inline. */
	{ "a = Y ; c\nb = Y\t; c ; d\nc = Y;c\nd = Y # c\ne = ;c\n",
	  "1 a=Y|\n2 b=Y|\n3 c=Y;c|\n4 d=Y # c|\n5 e=|\n" },
	/* Double quotes protect ';' (and '#'); what is outside them still comments. */
	{ "a = \"x ; y\"\nb = \"x ; y\" ; c\nc = \"p\" | \"q ; r\" ; c \"s\"\nd = \"x # y\" # z\n",
	  "1 a=\"x ; y\"|\n2 b=\"x ; y\"|\n3 c=\"p\" | \"q ; r\"|\n4 d=\"x # y\" # z|\n" },
	/* An unclosed quote protects the rest of the line; the value parser reports it. */
	{ "a = \"x ; y\nb = x\"y ; c\n", "1 a=\"x ; y|\n2 b=x\"y ; c|\n" },
	/* Nothing escapes a quote: a backslash is an ordinary character. */
	{ "a = \"x\\\" ; c\n", "1 a=\"x\\\"|\n" },
	/* Section headers: the name as written, a comment may follow. */
	{ "[kvm] ; c\n[kvm_amd]# c\n[ k v ]\n[]\n  [x]\n",
	  "1 [kvm]\n2 [kvm_amd]\n3 [ k v ]\n4 []\n5 [x]\n" },
	{ "[kvm\n[kvm] x\n[kvm]]\n[a;b]\n",
	  "1 error: missing ']' in section header\n2 error: unexpected text after section header\n"
	  "3 error: unexpected text after section header\n4 [a;b]\n" },
	/* No continuation lines: an indented line is a line of its own. */
	{ "a = 1\n   b = 2\n   more\n",
	  "1 a=1|\n2 b=2|\n3 error: expected 'key = value' or '[section]'\n" },
	/* The comment goes before the separator is looked for. */
	{ "junk ; a = b\n", "1 error: expected 'key = value' or '[section]'\n" },
	/* CRLF: the '\r' is line end, not value; a lone '\r' inside stays. */
	{ "[kvm]\r\na = 1\r\n\r\nb = 2 ; c\r\nc = x\ry\r\n",
	  "1 [kvm]\n2 a=1|\n4 b=2|\n5 c=x\ry|\n" },
	/* A byte order mark at the start is skipped, anywhere else it is text. */
	{ "\xEF\xBB\xBF[kvm]\n", "1 [kvm]\n" },
	{ "\xEF\xBB\xBF", "" },
	{ "a = 1\n\xEF\xBB\xBF[x]\n", "1 a=1|\n2 error: expected 'key = value' or '[section]'\n" },
	/* The last line needs no newline. */
	{ "[kvm]\na = 1", "1 [kvm]\n2 a=1|\n" },
	{ "[kvm]\n[x", "1 [kvm]\n2 error: missing ']' in section header\n" },
	/* Every error, in line order, and tokenizing goes on after each. */
	{ "x\n[a\ny = 1\n[b] c\nz\n",
	  "1 error: expected 'key = value' or '[section]'\n2 error: missing ']' in section header\n"
	  "3 y=1|\n4 error: unexpected text after section header\n"
	  "5 error: expected 'key = value' or '[section]'\n" },
};

START_TEST(transcripts)
{
	const Case *c = &cases[_i];
	char *out;
	int r;

	out = tokenize(c->text, strlen(c->text), 0, &r);
	ck_assert_int_eq(r, 0);
	ck_assert_msg(!strcmp(out, c->expect), "case %d: got\n%s\nwant\n%s", _i, out, c->expect);
	free(out);
}
END_TEST

START_TEST(long_lines)
{
	/* Far past libinih's 200 bytes: a comment, a header and a value. */
	size_t n = 100 * 1024, i;
	char *text = malloc(3 * n + 64), *out, *want;
	int r;

	ck_assert_ptr_nonnull(text);
	strcpy(text, "# ");
	memset(text + 2, 'c', n);
	strcpy(text + 2 + n, "\n[");
	memset(text + n + 4, 'k', n);
	strcpy(text + 2 * n + 4, "]\nv = ");
	i = strlen(text);
	memset(text + i, 'v', n);
	strcpy(text + i + n, " ; tail\nw = 1\n");
	out = tokenize(text, strlen(text), 0, &r);
	ck_assert_int_eq(r, 0);
	ck_assert_int_gt(asprintf(&want, "2 [%.*s]\n3 v=%.*s|\n4 w=1|\n", (int)n, text + n + 4,
				  (int)n, text + i), 0);
	ck_assert_str_eq(out, want);
	free(want);
	free(out);
	free(text);
}
END_TEST

START_TEST(nul_bytes)
{
	static const char text[] = "[kvm]\na\0b = 1\nc = 2\n\0";
	char *out;
	int r;

	/* The line with the NUL is an error; the lines around it are read. */
	out = tokenize(text, sizeof(text) - 1, 0, &r);
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(out, "1 [kvm]\n2 error: not a text file (contains a NUL byte)\n3 c=2|\n"
			      "4 error: not a text file (contains a NUL byte)\n");
	free(out);
}
END_TEST

START_TEST(length_not_terminator)
{
	char *out;
	int r;

	/* Only @len bytes count, wherever the string ends. */
	out = tokenize("a = 1\nb = 2\n", 5, 0, &r);
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(out, "1 a=1|\n");
	free(out);
	out = tokenize("a = 12", 6, 0, &r);
	ck_assert_str_eq(out, "1 a=12|\n");
	free(out);
}
END_TEST

START_TEST(callback_stops)
{
	char *out;
	int r;

	/* A negative return from any callback ends tokenizing with that value. */
	out = tokenize("[a]\nb = 1\nc = 2\n", 16, 2, &r);
	ck_assert_int_eq(r, -E2BIG);
	ck_assert_str_eq(out, "1 [a]\n2 b=1|\n");
	free(out);
	out = tokenize("[a]\n[b\nc = 2\n", 13, 2, &r);
	ck_assert_int_eq(r, -E2BIG);
	ck_assert_str_eq(out, "1 [a]\n2 error: missing ']' in section header\n");
	free(out);
	out = tokenize("[a]\n[b]\nc = 2\n", 14, 2, &r);
	ck_assert_int_eq(r, -E2BIG);
	ck_assert_str_eq(out, "1 [a]\n2 [b]\n");
	free(out);
}
END_TEST

static unsigned n_keys;

static int count_key(void *userdata, const char *key, const char *value, unsigned line)
{
	(void)userdata, (void)key, (void)value, (void)line;
	n_keys++;
	return 0;
}

START_TEST(null_callbacks_and_messages)
{
	const IniCallbacks only_keys = { .key = count_key };
	IniError e;

	/* A caller may listen to keys only; headers and errors pass silently. */
	n_keys = 0;
	ck_assert_int_eq(ini_tokenize("[a]\nb = 1\njunk\n[c\nd = 2\n", 24, &only_keys, NULL), 0);
	ck_assert_uint_eq(n_keys, 2);
	for (e = 0; e < _INI_ERROR_MAX; e++)
		ck_assert_ptr_nonnull(ini_error_to_string(e));
	ck_assert_ptr_null(ini_error_to_string(_INI_ERROR_MAX));
	ck_assert_ptr_null(ini_error_to_string((IniError)-1));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ini");
	TCase *tc = tcase_create("tokenize");

	tcase_add_loop_test(tc, transcripts, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, long_lines);
	tcase_add_test(tc, nul_bytes);
	tcase_add_test(tc, length_not_terminator);
	tcase_add_test(tc, callback_stops);
	tcase_add_test(tc, null_callbacks_and_messages);
	suite_add_tcase(s, tc);
	return check_run(s);
}
