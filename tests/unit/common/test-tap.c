// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the TAP classifier and the exit-status explanation. */
#include "check-run.h"
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "tap.h"

#define EXIT_STATUS(code) ((code) << 8)

START_TEST(classify_lines)
{
	ck_assert_int_eq(tap_classify("ok 1 foo\n"), TAP_LINE_OK);
	ck_assert_int_eq(tap_classify("ok 2"), TAP_LINE_OK);
	ck_assert_int_eq(tap_classify("not ok 3 bar\n"), TAP_LINE_NOT_OK);
	ck_assert_int_eq(tap_classify("ok 4 # SKIP no /dev/kvm\n"), TAP_LINE_SKIP);
	ck_assert_int_eq(tap_classify("ok 5 # skip lower case\n"), TAP_LINE_SKIP);
	ck_assert_int_eq(tap_classify("not ok 6 # TODO later\n"), TAP_LINE_XFAIL);
	ck_assert_int_eq(tap_classify("ok 7 # XFAIL known\n"), TAP_LINE_XFAIL);
	ck_assert_int_eq(tap_classify("1..12\n"), TAP_LINE_PLAN);
	ck_assert_int_eq(tap_classify("1..0 # SKIP nothing\n"), TAP_LINE_PLAN);
	ck_assert_int_eq(tap_classify("Bail out! broken\n"), TAP_LINE_BAIL);
	/* Not results: diagnostics, words that merely start alike, indentation. */
	ck_assert_int_eq(tap_classify("# ok 1 inside a comment\n"), TAP_LINE_OTHER);
	ck_assert_int_eq(tap_classify("okay\n"), TAP_LINE_OTHER);
	ck_assert_int_eq(tap_classify("not okay\n"), TAP_LINE_OTHER);
	ck_assert_int_eq(tap_classify("  ok 1 indented\n"), TAP_LINE_OTHER);
	ck_assert_int_eq(tap_classify("1..x\n"), TAP_LINE_OTHER);
	ck_assert_int_eq(tap_classify("TAP version 13\n"), TAP_LINE_OTHER);
}
END_TEST

START_TEST(summary_counts)
{
	struct tap_summary s = {};
	const char *lines[] = { "TAP version 13\n", "1..4\n", "ok 1 a\n", "not ok 2 b\n",
				"ok 3 # SKIP c\n", "not ok 4 d # TODO\n" };
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		tap_summary_feed(&s, lines[i]);
	ck_assert_uint_eq(s.tests, 4);
	ck_assert_uint_eq(s.passed, 1);
	ck_assert_uint_eq(s.failed, 1);
	ck_assert_uint_eq(s.skipped, 1);
	ck_assert_uint_eq(s.xfailed, 1);
	ck_assert_int_eq(s.plan, 4);
	ck_assert(!s.skip_all);
}
END_TEST

START_TEST(skip_all_plan)
{
	struct tap_summary s = {};
	char why[128];

	tap_summary_feed(&s, "1..0 # SKIP cannot open /dev/kvm: Permission denied\n");
	ck_assert(s.skip_all);
	tap_explain_exit(&s, EXIT_STATUS(4), why, sizeof(why));
	ck_assert_str_eq(why, "");
}
END_TEST

START_TEST(exit_status_explained)
{
	struct tap_summary s = {};
	char why[128];

	/* Exit 1 with a reported failure: the TAP stream already says FAIL. */
	tap_summary_feed(&s, "not ok 1 x\n");
	tap_explain_exit(&s, EXIT_STATUS(1), why, sizeof(why));
	ck_assert_str_eq(why, "");

	/* Exit 1 with only passes: something failed outside a test. */
	s = (struct tap_summary){};
	tap_summary_feed(&s, "ok 1 x\n");
	tap_explain_exit(&s, EXIT_STATUS(1), why, sizeof(why));
	ck_assert_str_ne(why, "");

	/* A crash is always a failure, even after passes. */
	tap_explain_exit(&s, SIGSEGV, why, sizeof(why));
	ck_assert_ptr_nonnull(strstr(why, "signal 11"));

	/* Exit 0 with no results at all is not a pass. */
	s = (struct tap_summary){};
	tap_explain_exit(&s, EXIT_STATUS(0), why, sizeof(why));
	ck_assert_str_ne(why, "");

	/* Exit 4 after a normal plan but no results: not a proper skip. */
	tap_summary_feed(&s, "1..3\n");
	tap_explain_exit(&s, EXIT_STATUS(4), why, sizeof(why));
	ck_assert_str_ne(why, "");

	/* Unknown exit codes are failures. */
	s = (struct tap_summary){};
	tap_summary_feed(&s, "ok 1 x\n");
	tap_explain_exit(&s, EXIT_STATUS(42), why, sizeof(why));
	ck_assert_ptr_nonnull(strstr(why, "42"));
}
END_TEST

START_TEST(result_parse)
{
	struct tap_result r;

	ck_assert_int_eq(tap_result_parse("ok 3 - smoke.cpl0.x # comment\n", &r), 0);
	ck_assert_int_eq(r.kind, TAP_LINE_OK);
	ck_assert_int_eq(r.number, 3);
	ck_assert_uint_eq(r.desc_len, strlen("smoke.cpl0.x"));
	ck_assert(!strncmp(r.desc, "smoke.cpl0.x", r.desc_len));
	ck_assert_str_eq(r.reason, "");

	/* kselftest's skip: no description, the reason follows the directive. */
	ck_assert_int_eq(tap_result_parse("ok 2 # SKIP no KVM_CAP_X here\n", &r), 0);
	ck_assert_int_eq(r.kind, TAP_LINE_SKIP);
	ck_assert_uint_eq(r.desc_len, 0);
	ck_assert_uint_eq(r.reason_len, strlen("no KVM_CAP_X here"));
	ck_assert(!strncmp(r.reason, "no KVM_CAP_X here", r.reason_len));

	ck_assert_int_eq(tap_result_parse("not ok name # TODO later", &r), 0);
	ck_assert_int_eq(r.kind, TAP_LINE_XFAIL);
	ck_assert_int_eq(r.number, -1);
	ck_assert(!strncmp(r.desc, "name", r.desc_len));

	ck_assert_int_eq(tap_result_parse("1..3\n", &r), -EINVAL);
	ck_assert_int_eq(tap_result_parse("# ok 1\n", &r), -EINVAL);
}
END_TEST

START_TEST(malformed_streams)
{
	struct tap_summary s = {};
	char why[128];

	/* Fewer results than planned, exit 0: the stream is broken. */
	tap_summary_feed(&s, "1..3\n");
	tap_summary_feed(&s, "ok 1 a\n");
	tap_summary_feed(&s, "ok 2 b\n");
	tap_explain_exit(&s, EXIT_STATUS(0), why, sizeof(why));
	ck_assert_ptr_nonnull(strstr(why, "planned 3"));

	/* Numbers out of sequence. */
	s = (struct tap_summary){};
	tap_summary_feed(&s, "ok 1 a\n");
	tap_summary_feed(&s, "ok 3 b\n");
	ck_assert_uint_eq(s.misnumbered, 1);
	tap_explain_exit(&s, EXIT_STATUS(0), why, sizeof(why));
	ck_assert_ptr_nonnull(strstr(why, "sequence"));

	/* A plan count past INT_MAX (4294967295 used to wrap to -1 and pass). */
	s = (struct tap_summary){};
	tap_summary_feed(&s, "1..4294967295\n");
	tap_summary_feed(&s, "ok 1 a\n");
	tap_explain_exit(&s, EXIT_STATUS(0), why, sizeof(why));
	ck_assert_ptr_nonnull(strstr(why, "out of range"));
	s = (struct tap_summary){};
	tap_summary_feed(&s, "1..99999999999999999999999\n");
	ck_assert_int_eq(s.plan, -1);

	/* A trailing plan that matches is fine. */
	s = (struct tap_summary){};
	tap_summary_feed(&s, "ok 1 a\n");
	tap_summary_feed(&s, "1..1\n");
	tap_explain_exit(&s, EXIT_STATUS(0), why, sizeof(why));
	ck_assert_str_eq(why, "");
}
END_TEST

START_TEST(harness_message)
{
	const char *msg;
	size_t len;

	ck_assert(tap_harness_message("# ../selftests/config/tdp_reality.c:120:tdp_mmu_param:kvm.tdp_mmu=Y: x\n",
				      &msg, &len));
	ck_assert_uint_eq(len, strlen("kvm.tdp_mmu=Y: x"));
	ck_assert(!strncmp(msg, "kvm.tdp_mmu=Y: x", len));
	/* Not a message: no number after ".c:", no test name, no text, not a comment. */
	ck_assert(!tap_harness_message("# see foo.c:bar:x:y\n", &msg, &len));
	ck_assert(!tap_harness_message("# foo.c:12\n", &msg, &len));
	ck_assert(!tap_harness_message("# foo.c:12:name:\n", &msg, &len));
	ck_assert(!tap_harness_message("foo.c:12:name:text\n", &msg, &len));
	ck_assert(!tap_harness_message("#  RUN  global.x ...\n", &msg, &len));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, classify_lines);
	tcase_add_test(tc, summary_counts);
	tcase_add_test(tc, skip_all_plan);
	tcase_add_test(tc, exit_status_explained);
	tcase_add_test(tc, result_parse);
	tcase_add_test(tc, malformed_streams);
	tcase_add_test(tc, harness_message);
	suite_add_tcase(s, tc);
	return check_run(s);
}
