// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the one Prometheus label-value escaper (prom-escape.h),
 * shared by kvmcfgd's textfile and the selftest runner's. A value with a
 * quote, backslash, newline or bad UTF-8 must not break the file, which
 * node_exporter would then drop whole; everything else must pass through
 * byte for byte, since dashboards and alert rules match on these values.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit-test.h"
#include "prom-escape.h"

#define FFFD "\xef\xbf\xbd"

static void expect_label(const char *in, const char *want)
{
	char *got = CAPTURE(f, kvmcfg_prom_label_value(f, in));

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(empty)
{
	expect_label("", "");
}
END_TEST

START_TEST(plain)
{
	expect_label("Y", "Y");
	expect_label("x86:mmio_caching", "x86:mmio_caching");
	expect_label("/etc/kvmcfgd/policy.conf:3", "/etc/kvmcfgd/policy.conf:3");
}
END_TEST

START_TEST(the_three_escapes)
{
	expect_label("a\"b", "a\\\"b");
	expect_label("back\\slash", "back\\\\slash");
	expect_label("two\nlines", "two\\nlines");
	/* Each on its own and back to back: no escape eats its neighbour. */
	expect_label("\\", "\\\\");
	expect_label("\"", "\\\"");
	expect_label("\n", "\\n");
	expect_label("\\\"\n", "\\\\\\\"\\n");
	expect_label("\\n", "\\\\n");
	expect_label("say \"hi\"\\", "say \\\"hi\\\"\\\\");
}
END_TEST

START_TEST(control_bytes)
{
	/* The format escapes only the three above; other controls are literal. */
	expect_label("tab\there", "tab\there");
	expect_label("N\rY", "N\rY");
	expect_label("\x01\x1b[2J\x7f", "\x01\x1b[2J\x7f");
}
END_TEST

START_TEST(valid_utf8)
{
	expect_label("caf\xc3\xa9", "caf\xc3\xa9");
	expect_label("\xe2\x82\xac", "\xe2\x82\xac");
	expect_label("\xf0\x9f\x90\xa7", "\xf0\x9f\x90\xa7");
	expect_label("\xf4\x8f\xbf\xbd", "\xf4\x8f\xbf\xbd"); /* U+10FFFD, the last one */
}
END_TEST

START_TEST(invalid_utf8)
{
	/* One U+FFFD per bad byte; the valid text around it survives. */
	expect_label("a\xffz", "a" FFFD "z");
	expect_label("\x80", FFFD);                              /* lone continuation */
	expect_label("\xc3", FFFD);                              /* cut short */
	expect_label("\xc3" "\"", FFFD "\\\"");                  /* cut short by a quote */
	expect_label("\xe2\x82" "\n", FFFD FFFD "\\n");
	expect_label("\xc0\xaf", FFFD FFFD);                     /* overlong '/' */
	expect_label("\xe0\x80\xaf", FFFD FFFD FFFD);            /* overlong, 3 bytes */
	expect_label("\xed\xa0\x80", FFFD FFFD FFFD);            /* surrogate U+D800 */
	expect_label("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);   /* past U+10FFFF */
	expect_label("\xef\xbf\xbf", FFFD FFFD FFFD);            /* U+FFFF */
	expect_label("\xc3\xa9\xff\xc3\xa9", "\xc3\xa9" FFFD "\xc3\xa9");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		empty, plain, the_three_escapes, control_bytes, valid_utf8, invalid_utf8, NULL,
	};

	return unit_test_run("prom-escape", tests);
}
