// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the one JSON string escaper: what valid text becomes (the
 * findings, runner and bench JSON depend on these exact bytes) and that
 * bytes which are not UTF-8 can never make the output unparseable.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-escape.h"
#include "unit-test.h"

static char *quoted(const char *s)
{
	return CAPTURE(f, kvmcfg_json_string(f, s));
}

static void assert_escapes(const char *in, size_t len, const char *want)
{
	char *out = CAPTURE(f, kvmcfg_json_escape(f, in, len));

	ck_assert_str_eq(out, want);
	free(out);
}

START_TEST(valid_text)
{
	assert_escapes("tdp_mmu", 7, "tdp_mmu");
	assert_escapes("a\"b\\c", 5, "a\\\"b\\\\c");
	assert_escapes("1\n2\t3\r4", 7, "1\\n2\\t3\\r4");
	assert_escapes("\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f");
	/* Two-, three- and four-byte UTF-8 pass through as they are. */
	assert_escapes("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
		       "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* @len, not NUL, ends the input. */
	assert_escapes("a\0b", 3, "a\\u0000b");
	assert_escapes("", 0, "");
}
END_TEST

START_TEST(invalid_utf8)
{
	/* A lone continuation byte, a byte never in UTF-8, a cut-short sequence. */
	assert_escapes("\x80x\xff", 3, "\\ufffdx\\ufffd");
	assert_escapes("\xe2\x82", 2, "\\ufffd\\ufffd");
	/* Overlong '/', a surrogate, past U+10FFFF, U+FFFF. */
	assert_escapes("\xc0\xaf", 2, "\\ufffd\\ufffd");
	assert_escapes("\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd");
	assert_escapes("\xf4\x90\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd");
	assert_escapes("\xef\xbf\xbf", 3, "\\ufffd\\ufffd\\ufffd");
	/* A bad lead byte does not swallow the valid text after it. */
	assert_escapes("\xc3" "A\xc3\xa9", 4, "\\ufffdA\xc3\xa9");
	/* All of it at once, as a hostile charp param might hold it. */
	assert_escapes("a\xff\xc3\xa9\xc3\n\"\x7f\xed\xa0\x80z", 12,
		       "a\\ufffd\xc3\xa9\\ufffd\\n\\\"\\u007f\\ufffd\\ufffd\\ufffdz");
}
END_TEST

START_TEST(quoted_string)
{
	char *out;

	out = quoted("N\n");
	ck_assert_str_eq(out, "\"N\\n\"");
	free(out);
	out = quoted(NULL);
	ck_assert_str_eq(out, "null");
	free(out);
	out = quoted("");
	ck_assert_str_eq(out, "\"\"");
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json-escape");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, valid_text);
	tcase_add_test(tc, invalid_utf8);
	tcase_add_test(tc, quoted_string);
	suite_add_tcase(s, tc);
	return check_run(s);
}
