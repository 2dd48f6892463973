/* SPDX-License-Identifier: GPL-2.0-only */
/* The main() of kvmcfgd's libcheck tests: one suite of one case, run by check_run(). */
#pragma once

#include "check-run.h"

/* Run the NULL-terminated @tests as suite @name. */
static inline int kvmcfgd_test_run(const char *name, const TTest *const *tests)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create(name);

	for (; *tests; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
	return check_run(s);
}
