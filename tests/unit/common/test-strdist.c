// SPDX-License-Identifier: GPL-2.0-only
/* Edit distance and "did you mean" for policy names. */
#include <check.h>

#include "check-run.h"
#include "strdist.h"

START_TEST(distance)
{
	ck_assert_uint_eq(kvmcfg_strdist("", ""), 0);
	ck_assert_uint_eq(kvmcfg_strdist("tdp_mmu", "tdp_mmu"), 0);
	ck_assert_uint_eq(kvmcfg_strdist("tdp_mmmu", "tdp_mmu"), 1);   /* insertion */
	ck_assert_uint_eq(kvmcfg_strdist("kvm_intell", "kvm_intel"), 1);
	ck_assert_uint_eq(kvmcfg_strdist("tdp_mum", "tdp_mmu"), 1);    /* a swap is one edit */
	ck_assert_uint_eq(kvmcfg_strdist("ept", "npt"), 1);
	ck_assert_uint_eq(kvmcfg_strdist("abc", ""), 3);
	ck_assert_uint_eq(kvmcfg_strdist("kitten", "sitting"), 3);
	ck_assert_uint_eq(kvmcfg_strdist("x", "0123456789012345678901234567890123456789012345678901"
					      "234567890123"), (size_t)-1);
}
END_TEST

START_TEST(closest)
{
	const char *const params[] = { "tdp_mmu", "mmio_caching", "halt_poll_ns", "halt_poll_ns_grow" };

	ck_assert_str_eq(kvmcfg_closest("tdp_mmmu", params, 4, 2), "tdp_mmu");
	ck_assert_str_eq(kvmcfg_closest("halt_pol_ns", params, 4, 2), "halt_poll_ns");
	ck_assert_ptr_null(kvmcfg_closest("tdp_mmu", params, 4, 2));   /* itself: no suggestion */
	ck_assert_ptr_null(kvmcfg_closest("nested", params, 4, 2));    /* nothing close */
	ck_assert_ptr_null(kvmcfg_closest("x", params, 0, 2));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("strdist");
	TCase *tc = tcase_create("strdist");

	tcase_add_test(tc, distance);
	tcase_add_test(tc, closest);
	suite_add_tcase(s, tc);
	return check_run(s);
}
