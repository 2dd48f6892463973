/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by kvmcfgd's libcheck tests: their main() (one suite of one case,
 * run by check_run()) and capturing what a writer prints into a FILE.
 */
#pragma once

#include <stdio.h>

#include "check-run.h"

/*
 * Run the statements after @f with FILE *@f open on memory; the value is
 * what they wrote, as a malloc'd string. CAPTURE(f, fputs("x", f)) == "x".
 */
#define CAPTURE(f, ...) ({                                         \
		char *capture_buf_ = NULL;                         \
		size_t capture_len_ = 0;                           \
		FILE *f = open_memstream(&capture_buf_, &capture_len_); \
								   \
		ck_assert_ptr_nonnull(f);                          \
		__VA_ARGS__;                                       \
		ck_assert_int_eq(fclose(f), 0);                    \
		capture_buf_;                                      \
	})

/* Run the NULL-terminated @tests as suite @name. */
static inline int unit_test_run(const char *name, const TTest *const *tests)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create(name);

	for (; *tests; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
	return check_run(s);
}
