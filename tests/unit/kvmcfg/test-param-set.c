// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for collecting every parameter of a set of modules: which
 * modules count as KVM's, the order entries come in, unreadable values
 * recorded with their error, and *ret untouched on failure.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-run.h"
#include "fake-sysfs.h"
#include "param-set.h"
#include "param.h"

static char *root;
static int root_fd = -1;

static void setup(void)
{
	char big[KVMCFG_PARAM_MAX + 100];

	root = fake_sysfs_new();
	fake_sysfs_param(root, "kvm", "tdp_mmu", "Y");
	fake_sysfs_param(root, "kvm", "halt_poll_ns", "200000");
	fake_sysfs_param(root, "kvm_amd", "npt", "1");
	/* Not KVM's, though the name starts with "kvm": left out of the default set. */
	fake_sysfs_param(root, "kvmgt", "enable", "Y");
	fake_sysfs_param(root, "vfio", "enable_unsafe_noiommu_mode", "N");
	/* Over KVMCFG_PARAM_MAX: the reader says -EBADMSG, which must be recorded. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fake_sysfs_put(root, "module/kvm/parameters/zz_huge", big, 0444);
	/* Loaded, no parameters directory. */
	fake_sysfs_put(root, "module/kvm_intel/refcnt", "0\n", 0444);
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(root_fd, 0);
}

static void teardown(void)
{
	close(root_fd);
	fake_sysfs_free(root);
	root = NULL;
}

static void assert_entry(const KvmcfgParam *p, const char *module, const char *param,
			 const char *value, int error)
{
	ck_assert_str_eq(p->module, module);
	ck_assert_str_eq(p->param, param);
	if (value)
		ck_assert_str_eq(p->value, value);
	else
		ck_assert_ptr_null(p->value);
	ck_assert_int_eq(p->error, error);
}

START_TEST(default_is_kvm_modules)
{
	KvmcfgParams s = { 0 };

	ck_assert_int_eq(kvmcfg_params_collect_at(root_fd, NULL, &s), 0);
	/* kvm (sorted params), kvm_amd; kvm_intel has none; kvmgt, vfio are not KVM's. */
	ck_assert_uint_eq(s.n, 4);
	assert_entry(&s.items[0], "kvm", "halt_poll_ns", "200000", 0);
	assert_entry(&s.items[1], "kvm", "tdp_mmu", "Y", 0);
	assert_entry(&s.items[2], "kvm", "zz_huge", NULL, -EBADMSG);
	assert_entry(&s.items[3], "kvm_amd", "npt", "1", 0);
	kvmcfg_params_deinit(&s);
	ck_assert_ptr_null(s.items);
	ck_assert_uint_eq(s.n, 0);
	kvmcfg_params_deinit(&s);	/* twice is harmless */
	kvmcfg_params_deinit(NULL);
}
END_TEST

START_TEST(named_modules_in_given_order)
{
	static const char *const mods[] = { "vfio", "kvm_unloaded", "kvm_amd", NULL };
	KvmcfgParams s = { 0 };

	ck_assert_int_eq(kvmcfg_params_collect_at(root_fd, mods, &s), 0);
	ck_assert_uint_eq(s.n, 2);
	assert_entry(&s.items[0], "vfio", "enable_unsafe_noiommu_mode", "N", 0);
	assert_entry(&s.items[1], "kvm_amd", "npt", "1", 0);
	kvmcfg_params_deinit(&s);
}
END_TEST

START_TEST(failure_leaves_ret_alone)
{
	static const char *const bad[] = { "kvm", "../etc", NULL };
	KvmcfgParams s = { .items = (KvmcfgParam *)&s, .n = 42 };
	char *empty = fake_sysfs_new();
	int fd = open(empty, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	/* No module/ directory at all: the listing fails, nothing is written. */
	ck_assert_int_eq(kvmcfg_params_collect_at(fd, NULL, &s), -ENOENT);
	ck_assert_ptr_eq(s.items, (KvmcfgParam *)&s);
	ck_assert_uint_eq(s.n, 42);
	/* A module name the reader refuses fails the whole collection. */
	ck_assert_int_eq(kvmcfg_params_collect_at(root_fd, bad, &s), -EINVAL);
	ck_assert_uint_eq(s.n, 42);
	close(fd);
	fake_sysfs_free(empty);
}
END_TEST

START_TEST(add_copies_and_records_error)
{
	KvmcfgParams s = { 0 };
	char value[] = "Y";

	ck_assert_int_eq(kvmcfg_params_add(&s, "kvm", "a", value, -EIO), 0);
	ck_assert_int_eq(kvmcfg_params_add(&s, "kvm", "b", NULL, -EACCES), 0);
	value[0] = 'N';
	ck_assert_uint_eq(s.n, 2);
	/* A value wins over an error passed alongside it. */
	assert_entry(&s.items[0], "kvm", "a", "Y", 0);
	assert_entry(&s.items[1], "kvm", "b", NULL, -EACCES);
	kvmcfg_params_deinit(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("param-set");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, default_is_kvm_modules);
	tcase_add_test(tc, named_modules_in_given_order);
	tcase_add_test(tc, failure_leaves_ret_alone);
	tcase_add_test(tc, add_copies_and_records_error);
	suite_add_tcase(s, tc);
	return check_run(s);
}
