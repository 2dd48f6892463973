/* SPDX-License-Identifier: GPL-2.0-only */
/* The main() of kvmcfgd's libcheck tests: one suite, one case, exit status for meson. */
#pragma once

#include <check.h>
#include <stdlib.h>

/* Run the NULL-terminated @tests as suite @name. */
static inline int kvmcfgd_test_run(const char *name, const TTest *const *tests)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create(name);
	SRunner *sr;
	int failed;

	for (; *tests; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
