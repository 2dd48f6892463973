// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy against what the kernel has, from sysfs alone (no modules
 * directory: libkmod is never loaded here). The libkmod side, with types,
 * runs against a fake modules directory in test-kvmcfgctl.py.
 */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-run.h"
#include "fake-sysfs.h"
#include "policy-kernel.h"

static void review(const char *text, PolicyError *errors, PolicyError *notes)
{
	char *root = fake_sysfs_new();
	KvmcfgKernel *k = NULL;
	PolicyError err = {};
	Policy *p = NULL;
	int fd;

	fake_sysfs_param(root, "kvm", "tdp_mmu", "Y");
	fake_sysfs_param(root, "kvm", "halt_poll_ns", "200000");
	fake_sysfs_param(root, "kvm_intel", "ept", "Y");
	fd = open(root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(kvmcfg_policy_parse(&p, text, "p.conf", &err) == 0, "%s", err.text);
	ck_assert_int_eq(kvmcfg_kernel_new(&k, "", fd), 0);
	ck_assert(!kvmcfg_kernel_has_modules_dir(k));
	ck_assert_str_eq(kvmcfg_kernel_source(k), "sysfs only: no modules directory given");
	ck_assert_int_eq(kvmcfg_policy_review_kernel(p, k, errors, notes), 0);
	kvmcfg_kernel_free(k);
	kvmcfg_policy_free(p);
	close(fd);
	fake_sysfs_free(root);
}

START_TEST(names)
{
	PolicyError errors = {}, notes = {};

	review("[kvm]\ntdp_mmmu = Y\nhalt_poll_ns = any\nnew_knob = N | absent\n"
	       "[kvm_intell]\nRequired = no\nept = Y\n"
	       "[kvm_amd]\nRequired = no\nnpt = Y\n"
	       "[kvm_intel]\nRequired = no\neptt = Y\nkvm.tdp_mum = Y\n",
	       &errors, &notes);
	ck_assert_str_eq(errors.text,
			 "p.conf:2: kvm has no parameter 'tdp_mmmu'; did you mean tdp_mmu? (this "
			 "kernel: sysfs only: no modules directory given)\n"
			 "p.conf:5: unknown module 'kvm_intell'; did you mean kvm_intel?\n"
			 "p.conf:13: kvm_intel has no parameter 'eptt'; did you mean ept? (this "
			 "kernel: sysfs only: no modules directory given)\n"
			 "p.conf:14: kvm has no parameter 'tdp_mum'; did you mean tdp_mmu? (this "
			 "kernel: sysfs only: no modules directory given)\n");
	ck_assert_str_eq(notes.text,
			 "p.conf:4: kvm has no parameter 'new_knob' in this kernel (sysfs only: no "
			 "modules directory given); the rule accepts that\n"
			 "p.conf:8: module kvm_amd is not on this host (sysfs only: no modules "
			 "directory given): its rules are not checked against its parameters here\n");
}
END_TEST

START_TEST(clean)
{
	PolicyError errors = {}, notes = {};

	review("[kvm]\ntdp_mmu = Y\nhalt_poll_ns = 1000..500000\n[kvm_intel]\nept = Y\n", &errors,
	       &notes);
	ck_assert_uint_eq(errors.n_errors, 0);
	ck_assert_uint_eq(notes.n_errors, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy-kernel");
	TCase *tc = tcase_create("policy-kernel");

	tcase_add_test(tc, names);
	tcase_add_test(tc, clean);
	suite_add_tcase(s, tc);
	return check_run(s);
}
