// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the runner's pure parts: list/settings parsing, escaping, verdicts. */
#include "check-run.h"
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "escape.h"
#include "run.h"
#include "test.h"

#define EXIT_STATUS(code) ((code) << 8)

START_TEST(list_lines)
{
	char *c = NULL, *n = NULL;

	ck_assert_int_eq(catalog_parse_list_line("basic:guest_smoke_test\n", &c, &n), 0);
	ck_assert_str_eq(c, "basic");
	ck_assert_str_eq(n, "guest_smoke_test");
	free(c);
	free(n);
	ck_assert_int_eq(catalog_parse_list_line("\n", &c, &n), 1);
	ck_assert_int_eq(catalog_parse_list_line("# comment\n", &c, &n), 1);
	/* A path or an empty part would let a list name files outside the suite. */
	ck_assert_int_eq(catalog_parse_list_line("basic\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line(":x\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line("a:\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line("..:x\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line("a:../../bin/sh\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line("a:b:c\n", &c, &n), -EINVAL);
}
END_TEST

START_TEST(settings_text)
{
	unsigned int timeout = 99, bad = 0;

	ck_assert_int_eq(catalog_parse_settings("# c\ntimeout=60\n", &timeout, &bad), 0);
	ck_assert_uint_eq(timeout, 60);
	ck_assert_int_eq(catalog_parse_settings("other=1\n", &timeout, &bad), 0);
	ck_assert_uint_eq(timeout, 0);
	ck_assert_int_eq(catalog_parse_settings("x=1\ntimeout=abc\n", &timeout, &bad), -EINVAL);
	ck_assert_uint_eq(bad, 2);
	ck_assert_int_eq(catalog_parse_settings("timeout=0\n", &timeout, &bad), -EINVAL);
	ck_assert_int_eq(catalog_parse_settings("timeout=5 \n", &timeout, &bad), -EINVAL);
}
END_TEST

static char *escaped(void (*fn)(FILE *, const char *, size_t), const char *s, size_t len)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);

	fn(f, s, len);
	fclose(f);
	return buf;
}

static void xml_text(FILE *f, const char *s, size_t len)
{
	escape_xml(f, s, len, false);
}

static void xml_attr(FILE *f, const char *s, size_t len)
{
	escape_xml(f, s, len, true);
}

START_TEST(escaping)
{
	char *out;

	out = escaped(escape_json, "a\"b\\c\n\x01\xff\xc3\xa9", 10);
	ck_assert_str_eq(out, "a\\\"b\\\\c\\n\\u0001\\ufffd\xc3\xa9");
	free(out);
	/* An overlong encoding and a surrogate are not UTF-8. */
	out = escaped(escape_json, "\xc0\xaf\xed\xa0\x80", 5);
	ck_assert_str_eq(out, "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd");
	free(out);
	out = escaped(xml_text, "<a & \"b\">\n\x1b[31m", 15);
	ck_assert_str_eq(out, "&lt;a &amp; &quot;b&quot;&gt;\n[31m");
	free(out);
	out = escaped(xml_attr, "x\ny", 3);
	ck_assert_str_eq(out, "x&#10;y");
	free(out);
}
END_TEST

static struct test *fed(const char *out, int status)
{
	struct test *t = NULL;
	size_t i;

	ck_assert_int_eq(test_new(&t, "c", "n", "/x/n", 10), 0);
	/* Byte by byte: lines split across reads must parse the same. */
	for (i = 0; out[i]; i++)
		ck_assert_int_eq(test_feed(t, out + i, 1), 0);
	t->wait_status = status;
	ck_assert_int_eq(test_finish(t), 0);
	return t;
}

START_TEST(verdicts)
{
	struct test *t;

	t = fed("1..2\nok 1 a\nok 2 b", EXIT_STATUS(0));
	ck_assert_int_eq(t->verdict, VERDICT_PASS);
	ck_assert_uint_eq(t->n_subtests, 2);
	ck_assert_str_eq(t->subtests[1].name, "b");
	test_free(t);

	t = fed("1..0 # SKIP no /dev/kvm\n", EXIT_STATUS(4));
	ck_assert_int_eq(t->verdict, VERDICT_SKIP);
	ck_assert_str_eq(t->reason, "no /dev/kvm");
	test_free(t);

	t = fed("1..2\n#  RUN           f.v.t ...\nok 1 # SKIP why\nnot ok 2 x\n", EXIT_STATUS(1));
	ck_assert_int_eq(t->verdict, VERDICT_FAIL);
	ck_assert_str_eq(t->subtests[0].name, "f.v.t");
	ck_assert_str_eq(t->subtests[0].reason, "why");
	ck_assert_str_eq(t->reason, "x");
	test_free(t);

	t = fed("1..1\nok 1 a\n", SIGABRT);
	ck_assert_int_eq(t->verdict, VERDICT_FAIL);
	ck_assert_ptr_nonnull(strstr(t->reason, "signal 6"));
	test_free(t);

}
END_TEST

START_TEST(timeout_and_exit_codes)
{
	struct test *t[2] = {};
	struct run r = { .tests = t, .n_tests = 2 };

	ck_assert_int_eq(test_new(&t[0], "c", "a", "/a", 3), 0);
	ck_assert_int_eq(test_new(&t[1], "c", "b", "/b", 3), 0);
	test_feed(t[0], "1..0 # SKIP x\n", strlen("1..0 # SKIP x\n"));
	t[0]->wait_status = EXIT_STATUS(4);
	test_finish(t[0]);
	test_feed(t[1], "1..1\n#  RUN           f.slow ...\n",
		  strlen("1..1\n#  RUN           f.slow ...\n"));
	t[1]->timed_out = true;
	t[1]->wait_status = SIGTERM;
	test_finish(t[1]);
	ck_assert_int_eq(t[1]->verdict, VERDICT_TIMEOUT);
	ck_assert_str_eq(t[1]->reason, "timed out after 3 s in f.slow");
	ck_assert_int_eq(run_exit_code(&r), RUN_EXIT_FAILED);
	r.n_tests = 1;
	ck_assert_int_eq(run_exit_code(&r), RUN_EXIT_ALL_SKIPPED);
	test_free(t[0]);
	test_free(t[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("runner");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, list_lines);
	tcase_add_test(tc, settings_text);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, verdicts);
	tcase_add_test(tc, timeout_and_exit_codes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
