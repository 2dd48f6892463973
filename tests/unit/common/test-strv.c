// SPDX-License-Identifier: GPL-2.0-only
/* strv (the one string-vector type) and GROW() (the one array-growth helper). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "strv.h"
#include "unit-test.h"

START_TEST(test_strv)
{
	_cleanup_(strv_freep) char **v = NULL;

	ck_assert_uint_eq(strv_length(v), 0);
	ck_assert(!strv_contains(v, "a"));
	ck_assert_int_eq(strv_extend(&v, "a"), 0);
	ck_assert_int_eq(strv_extend_unique(&v, "b"), 0);
	ck_assert_int_eq(strv_extend_unique(&v, "a"), 0);
	ck_assert_int_eq(strv_consume(&v, strdup("c")), 0);
	ck_assert_int_eq(strv_consume(&v, NULL), -ENOMEM);
	ck_assert_uint_eq(strv_length(v), 3);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b");
	ck_assert_str_eq(v[2], "c");
	ck_assert_ptr_null(v[3]);
	ck_assert(strv_contains(v, "c"));
	ck_assert_ptr_null(strv_free(NULL));
}
END_TEST

START_TEST(test_grow)
{
	_cleanup_free_ int *a = NULL;
	size_t n_alloc = 0, i;

	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(GROW(a, n_alloc, i + 1), 0);
		ck_assert_uint_ge(n_alloc, i + 1);
		a[i] = (int)i;
	}
	/* Doubling: 1000 appends end below twice what they need. */
	ck_assert_uint_lt(n_alloc, 2048);
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(a[i], (int)i);
	/* An impossible size fails and leaves the array as it was. */
	ck_assert_int_eq(GROW(a, n_alloc, SIZE_MAX / 2), -ENOMEM);
	ck_assert_int_eq(a[999], 999);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { test_strv, test_grow, NULL };

	return unit_test_run("strv", tests);
}
