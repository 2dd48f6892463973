// SPDX-License-Identifier: GPL-2.0-only
/* Matcher tests: a table of (policy value, value read, holds?). */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "check-run.h"

typedef struct Case {
	const char *value;
	const char *actual; /* NULL: the param does not exist */
	bool holds;
} Case;

static const Case cases[] = {
	/* Booleans by meaning. */
	{ "Y", "Y", true }, { "Y", "y", true }, { "1", "Y", true }, { "yes", "Y", true },
	{ "true", "1", true }, { "Y", "N", false }, { "N", "0", true }, { "0", "N", true },
	{ "Y | 1", "Y", true }, { "Y", NULL, false }, { "Y", "never", false },
	/* Non-boolean text is exact: nx_huge_pages reads Y, N or never. */
	{ "never", "never", true }, { "never", "N", false }, { "N | never", "never", true },
	{ "N | never", "N", true }, { "\"N\"", "n", false }, { "\"N\"", "N", true },
	{ "\"1\"", "Y", false }, { "auto", "Y", false }, { "\"\"", "", true },
	{ "\"a b\"", "a b", true }, { "\"x | y\"", "x | y", true }, { "\"x | y\"", "x", false },
	/* Integers: numerically when the value is a number, else as text. */
	{ "200000", "200000", true }, { "200000", "0x30d40", true }, { "200000", "200001", false },
	{ "-1", "-1", true }, { "16", "sixteen", false },
	/* Comparisons and ranges need a number. */
	{ ">= 100000", "200000", true }, { ">=100000", "99999", false }, { "> 5", "5", false },
	{ "< 5", "4", true }, { "<= 5", "5", true }, { "!= 0", "0", false }, { "!= 0", "7", true },
	{ ">= 1", "Y", false }, { ">= 1", NULL, false }, { "1000..500000", "1000", true },
	{ "1000..500000", "500000", true }, { "1000..500000", "500001", false },
	{ "1000 .. 500000", "999", false }, { "-5..-1", "-3", true }, { "0..10", "ten", false },
	/* present, absent, any. */
	{ "present", "", true }, { "present", NULL, false }, { "absent", NULL, true },
	{ "absent", "N", false }, { "absent | N", NULL, true }, { "absent | N", "N", true },
	{ "absent | N", "Y", false }, { "any", NULL, true }, { "any", "whatever", true },
};

START_TEST(match_cases)
{
	const Case *c = &cases[_i];
	Matcher m = {};
	const char *msg = NULL;

	ck_assert_msg(kvmcfg_matcher_parse(&m, c->value, &msg) == 0, "%s: %s", c->value, msg);
	ck_assert_msg(kvmcfg_matcher_test(&m, c->actual) == c->holds, "'%s' against '%s': expected %s",
		      c->value, c->actual ? c->actual : "(absent)", c->holds ? "match" : "mismatch");
	kvmcfg_matcher_done(&m);
	kvmcfg_matcher_done(&m); /* idempotent */
}
END_TEST

START_TEST(normalized_text)
{
	Matcher m = {};

	ck_assert_int_eq(kvmcfg_matcher_parse(&m, "  Y|1 |  yes  ", NULL), 0);
	ck_assert_str_eq(m.text, "Y | 1 | yes");
	ck_assert_uint_eq(m.n_alts, 3);
	ck_assert_int_eq(m.alts[1].kind, MATCH_ALT_BOOL);
	kvmcfg_matcher_done(&m);
	ck_assert_int_eq(kvmcfg_matcher_parse(&m, ">=10 | 1..2 | \"q\" | word | absent", NULL), 0);
	ck_assert_int_eq(m.alts[0].kind, MATCH_ALT_CMP);
	ck_assert_int_eq(m.alts[0].cmp, MATCH_CMP_GE);
	ck_assert_int_eq(m.alts[1].kind, MATCH_ALT_RANGE);
	ck_assert_int_eq(m.alts[2].kind, MATCH_ALT_TEXT);
	ck_assert_str_eq(m.alts[2].text, "q");
	ck_assert_int_eq(m.alts[3].kind, MATCH_ALT_TEXT);
	ck_assert_int_eq(m.alts[4].kind, MATCH_ALT_ABSENT);
	kvmcfg_matcher_done(&m);
}
END_TEST

START_TEST(bad_values)
{
	const char *bad[] = { "", "  ", "|", "Y |", "| Y", "Y || N", "any | Y", "present | N",
			      ">=", "> x", "1..", "..1", "3..2", "\"x", "\"a\"b\"", "a b", "x=y", ";1",
			      "1..2..3", ";1", "a;b" };
	Matcher m = { .kind = MATCHER_PRESENT };
	const char *msg;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg = NULL;
		ck_assert_msg(kvmcfg_matcher_parse(&m, bad[i], &msg) == -EINVAL, "'%s' parsed", bad[i]);
		ck_assert_ptr_nonnull(msg);
		/* Untouched on failure. */
		ck_assert_int_eq(m.kind, MATCHER_PRESENT);
		ck_assert_ptr_null(m.text);
	}
}
END_TEST

START_TEST(needs_quotes)
{
	ck_assert(!kvmcfg_matcher_text_needs_quotes("Y"));
	ck_assert(!kvmcfg_matcher_text_needs_quotes("200000"));
	ck_assert(!kvmcfg_matcher_text_needs_quotes("never"));
	ck_assert(!kvmcfg_matcher_text_needs_quotes("-1"));
	ck_assert(kvmcfg_matcher_text_needs_quotes(""));
	ck_assert(kvmcfg_matcher_text_needs_quotes("any"));
	ck_assert(kvmcfg_matcher_text_needs_quotes("absent"));
	ck_assert(kvmcfg_matcher_text_needs_quotes("1..2"));
	ck_assert(kvmcfg_matcher_text_needs_quotes("a b"));
	ck_assert(kvmcfg_matcher_text_needs_quotes("a|b"));
	ck_assert(kvmcfg_matcher_text_needs_quotes(" x"));
	ck_assert(kvmcfg_matcher_text_needs_quotes("@warn"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("matcher");

	tcase_add_loop_test(tc, match_cases, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, normalized_text);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, needs_quotes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
