/* SPDX-License-Identifier: GPL-2.0-only */
/* The one main() tail of every libcheck unit test here. */
#pragma once

#include <check.h>
#include <stdlib.h>

/* Run @s (with its test cases added), free it, and return main()'s exit status. */
static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
