// SPDX-License-Identifier: GPL-2.0-only
#include "run.h"

size_t run_count(const struct run *r, enum verdict v)
{
	size_t i, n = 0;

	for (i = 0; i < r->n_tests; i++)
		n += r->tests[i]->finished && r->tests[i]->verdict == v;
	return n;
}

size_t run_count_subtests(const struct run *r, enum verdict v)
{
	size_t i, n = 0;

	for (i = 0; i < r->n_tests; i++)
		n += test_count(r->tests[i], v);
	return n;
}

int run_exit_code(const struct run *r)
{
	if (r->interrupted || run_count(r, VERDICT_FAIL) || run_count(r, VERDICT_TIMEOUT))
		return RUN_EXIT_FAILED;
	if (r->n_tests && run_count(r, VERDICT_SKIP) == r->n_tests)
		return RUN_EXIT_ALL_SKIPPED;
	return RUN_EXIT_OK;
}
