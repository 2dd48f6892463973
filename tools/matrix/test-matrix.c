// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the pure parts of kvm-config-matrix: the matrix grammar and
 * its errors, config enumeration, which axes a host drops, the cpuinfo
 * parser and the per-binary TAP verdict.
 */
#include "check-run.h"
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake-sysfs.h"
#include "host.h"
#include "matrix.h"
#include "modules.h"
#include "param.h"
#include "suite.h"

static struct matrix *parse_ok(const char *text)
{
	struct matrix_error err = {};
	struct matrix *m;

	ck_assert_int_eq(matrix_new(&m), 0);
	ck_assert_msg(matrix_parse(m, text, &err) == 0, "%s: %u:%u %s", text, err.line, err.column,
		      err.message);
	return m;
}

START_TEST(test_parse_product)
{
	struct matrix *m = parse_ok("kvm.tdp_mmu={0,1} x kvm-amd.npt={0, 1} x kvm.mmio_caching={0,1}");
	size_t choice[3];

	ck_assert_uint_eq(m->n_axes, 3);
	ck_assert_str_eq(m->axes[1].module, "kvm_amd");
	ck_assert_str_eq(m->axes[1].param, "npt");
	ck_assert_uint_eq(matrix_n_configs(m), 8);
	/* The last axis varies fastest. */
	matrix_config(m, 1, choice);
	ck_assert_uint_eq(choice[0], 0);
	ck_assert_uint_eq(choice[1], 0);
	ck_assert_uint_eq(choice[2], 1);
	matrix_config(m, 6, choice);
	ck_assert_uint_eq(choice[0], 1);
	ck_assert_uint_eq(choice[1], 1);
	ck_assert_uint_eq(choice[2], 0);
	matrix_free(m);
}
END_TEST

START_TEST(test_parse_file_form)
{
	struct matrix *m = parse_ok("# the fleet's axes\nkvm.tdp_mmu={0,1}\n\nkvm_amd.sev={0,1} # SEV hosts\n"
				    "kvm.halt_poll_ns=0;kvm.nx_huge_pages={off,force}\n");

	ck_assert_uint_eq(m->n_axes, 4);
	ck_assert_uint_eq(m->axes[2].n_values, 1);
	ck_assert_str_eq(m->axes[2].values[0], "0");
	ck_assert_str_eq(m->axes[3].values[1], "force");
	ck_assert_uint_eq(matrix_n_configs(m), 8);
	matrix_free(m);
}
END_TEST

static void parse_bad(const char *text, unsigned int line, unsigned int col, const char *msg, int err)
{
	struct matrix_error e = {};
	struct matrix *m;

	ck_assert_int_eq(matrix_new(&m), 0);
	ck_assert_int_eq(matrix_parse(m, text, &e), err);
	ck_assert_msg(e.line == line && e.column == col, "%s: at %u:%u, want %u:%u", text, e.line,
		      e.column, line, col);
	ck_assert_ptr_nonnull(strstr(e.message, msg));
	matrix_free(m);
}

START_TEST(test_parse_errors)
{
	parse_bad("kvm.tdp_mmu={0,1", 1, 17, "expected ',' or '}'", -EINVAL);
	parse_bad("kvm.tdp_mmu={0,1} x", 1, 20, "expected an axis after 'x'", -EINVAL);
	parse_bad("kvm.tdp_mmu={0,1} kvm.npt=1", 1, 19, "expected 'x'", -EINVAL);
	parse_bad("kvm.tdp_mmu={}", 1, 14, "expected a value", -EINVAL);
	parse_bad("kvm.tdp_mmu={0,0}", 1, 17, "twice", -EINVAL);
	parse_bad("kvm tdp_mmu=1", 1, 4, "expected '.'", -EINVAL);
	parse_bad("kvm.tdp_mmu", 1, 12, "expected '='", -EINVAL);
	parse_bad("kvm.tdp_mmu=1\nkvm.tdp_mmu=0", 2, 1, "given twice", -EEXIST);
	parse_bad("\n\n  =1", 3, 3, "expected module.param=", -EINVAL);
}
END_TEST

START_TEST(test_apply_host)
{
	struct matrix *m = parse_ok("kvm.tdp_mmu={0,1} x kvm_amd.npt={0,1} x kvm_intel.ept={0,1} x "
				    "kvm_amd.sev={0,1} x kvm.nosuch=1 x vfio.x=1 x kvm_amd.sev_es=1");
	char *kvm[] = { "tdp_mmu", "mmio_caching", NULL }, *amd[] = { "npt", "sev", "sev_es", NULL };
	struct matrix_host h = { .vendor_module = "kvm_amd", .kvm_params = kvm, .vendor_params = amd,
				 .cpu_sev = true };

	ck_assert_int_eq(matrix_apply_host(m, &h), 4);
	ck_assert_ptr_null(m->axes[0].note);
	ck_assert_ptr_null(m->axes[1].note);
	ck_assert_ptr_nonnull(strstr(m->axes[2].note, "this host uses kvm_amd"));
	ck_assert_ptr_null(m->axes[3].note);
	ck_assert_ptr_nonnull(strstr(m->axes[4].note, "no parameter 'nosuch'"));
	ck_assert_ptr_nonnull(strstr(m->axes[5].note, "not a module the runner reloads"));
	ck_assert_ptr_nonnull(strstr(m->axes[6].note, "'sev_es' flag"));
	ck_assert_uint_eq(matrix_n_active(m), 3);
	ck_assert_uint_eq(matrix_n_configs(m), 8);
	matrix_free(m);
}
END_TEST

START_TEST(test_cpuinfo)
{
	struct cpu_facts f;

	ck_assert_int_eq(cpuinfo_parse("processor\t: 0\nvendor_id\t: AuthenticAMD\n"
				       "flags\t\t: fpu svm npt sev sev_es\n\nprocessor\t: 1\n", &f), 0);
	ck_assert_str_eq(f.vendor_module, "kvm_amd");
	ck_assert(f.svm && f.sev && f.sev_es && !f.vmx);
	ck_assert_int_eq(cpuinfo_parse("vendor_id\t: GenuineIntel\nflags\t\t: vmx ept sev_esx\n", &f), 0);
	ck_assert_str_eq(f.vendor_module, "kvm_intel");
	ck_assert(f.vmx && !f.svm && !f.sev_es);
	ck_assert_int_eq(cpuinfo_parse("processor\t: 0\n", &f), -EBADMSG);
}
END_TEST

static struct test_outcome judge(const char *out, int exit_code)
{
	struct test_outcome t = {};

	suite_judge(out, exit_code << 8, &t);
	return t;
}

START_TEST(test_judge)
{
	struct test_outcome t;

	t = judge("TAP version 13\n1..2\nok 1 a\nok 2 b\n", 0);
	ck_assert_int_eq(t.verdict, VERDICT_PASS);
	ck_assert_uint_eq(t.passed, 2);
	free(t.reason);
	t = judge("1..2\nok 1 a\nnot ok 2 b: mmio_caching=Y but 10000 emulations\n", 1);
	ck_assert_int_eq(t.verdict, VERDICT_FAIL);
	ck_assert_str_eq(t.reason, "not ok 2 b: mmio_caching=Y but 10000 emulations");
	free(t.reason);
	/* The harness's own message for the failing test, not an earlier test's. */
	t = judge("1..2\n#  RUN global.a ...\n# t.c:10:a:note for a\nok 1 global.a\n"
		  "#  RUN global.b ...\n# t.c:20:b:Expected 0 (0) == x (1)\n"
		  "# t.c:21:b:kvm.tdp_mmu=Y but shadow paging\n# b: Test terminated\n"
		  "not ok 2 global.b\n", 1);
	ck_assert_int_eq(t.verdict, VERDICT_FAIL);
	ck_assert_str_eq(t.reason, "not ok 2 global.b: kvm.tdp_mmu=Y but shadow paging");
	free(t.reason);
	t = judge("1..0 # SKIP no /dev/kvm\n", 4);
	ck_assert_int_eq(t.verdict, VERDICT_SKIP);
	ck_assert_str_eq(t.reason, "no /dev/kvm");
	free(t.reason);
	/* A crash after passing results is still a failure. */
	t = judge("1..2\nok 1 a\n", 139);
	ck_assert_int_eq(t.verdict, VERDICT_FAIL);
	free(t.reason);
	t = judge("nothing here\n", 0);
	ck_assert_int_eq(t.verdict, VERDICT_FAIL);
	ck_assert_str_eq(t.reason, "exited 0 without reporting any test");
	free(t.reason);
}
END_TEST

START_TEST(test_parse_kvm_selftests)
{
	static const char out[] =
		"TAP version 13\n1..3\n# kvm-selftests: 3 test(s) from /x, quick mode\n"
		"# 1..1\n# ok 1 smoke\nok 1 basic:guest_smoke_test\n"
		"# 1..2\n# #  RUN           global.tdp_mmu_param ...\n"
		"# # tdp_reality.c:322:tdp_mmu_param:kvm.tdp_mmu=Y claims the TDP MMU\n"
		"# not ok 1 global.tdp_mmu_param\n# ok 2 global.other\n"
		"not ok 2 config:tdp_reality\n# FAIL: 1 subtest failed\n"
		"# 1..0 # SKIP no SEV\nok 3 config:sev_reality # SKIP no SEV on this CPU\n"
		"# kvm-selftests: 3 tests: 1 passed, 1 failed, 1 skipped\n";
	struct test_outcome *t = NULL;
	size_t n = 0;

	ck_assert_int_eq(suite_parse_kvm_selftests(out, &t, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(t[0].name, "guest_smoke_test");
	ck_assert_int_eq(t[0].verdict, VERDICT_PASS);
	ck_assert_uint_eq(t[0].passed, 1);
	ck_assert_str_eq(t[1].name, "tdp_reality");
	ck_assert_int_eq(t[1].verdict, VERDICT_FAIL);
	ck_assert_uint_eq(t[1].failed, 1);
	ck_assert_uint_eq(t[1].passed, 1);
	/* The harness's own message beats the runner's summary line. */
	ck_assert_str_eq(t[1].reason,
			 "not ok 1 global.tdp_mmu_param: kvm.tdp_mmu=Y claims the TDP MMU");
	ck_assert_str_eq(t[2].name, "sev_reality");
	ck_assert_int_eq(t[2].verdict, VERDICT_SKIP);
	ck_assert_str_eq(t[2].reason, "no SEV on this CPU");
	for (size_t i = 0; i < n; i++) {
		free(t[i].name);
		free(t[i].reason);
		free(t[i].output);
	}
	free(t);
}
END_TEST

/*
 * The host readers on a fake /sys: they list and probe through libkvmcfg's
 * one param reader (param.h) and add only what the matrix needs on top,
 * the built-in test (a module directory without initstate).
 */
static int open_root(const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(test_module_state)
{
	char *root = fake_sysfs_new();
	enum module_state st;
	int fd;

	fake_sysfs_param(root, "kvm", "tdp_mmu", "N");
	fake_sysfs_param(root, "kvm_intel", "ept", "Y");
	fake_sysfs_put(root, "module/kvm_intel/initstate", "live\n", 0444);
	fd = open_root(root);
	ck_assert_int_eq(module_state_at(fd, "kvm", &st), 0);
	ck_assert_int_eq(st, MODULE_BUILTIN);
	ck_assert_int_eq(module_state_at(fd, "kvm_intel", &st), 0);
	ck_assert_int_eq(st, MODULE_LOADED);
	ck_assert_int_eq(module_state_at(fd, "kvm_amd", &st), 0);
	ck_assert_int_eq(st, MODULE_ABSENT);
	close(fd);
	fake_sysfs_free(root);
}
END_TEST

START_TEST(test_builtin_modules)
{
	char *root = fake_sysfs_new(), **v = (char **)1;
	int fd;

	/* Built in: kvm, kvm_pvm, vfio (not kvm*); loaded as a module: kvm_intel. */
	fake_sysfs_param(root, "kvm_pvm", "x", "1");
	fake_sysfs_param(root, "kvm", "tdp_mmu", "N");
	fake_sysfs_param(root, "vfio", "x", "1");
	fake_sysfs_param(root, "kvm_intel", "ept", "Y");
	fake_sysfs_put(root, "module/kvm_intel/initstate", "live\n", 0444);
	fd = open_root(root);
	ck_assert_int_eq(builtin_kvm_modules_at(fd, &v), 2);
	ck_assert_str_eq(v[0], "kvm");
	ck_assert_str_eq(v[1], "kvm_pvm");
	ck_assert_ptr_null(v[2]);
	kvmcfg_strv_free(v);
	close(fd);
	fake_sysfs_free(root);

	/* None built in: an empty vector, not NULL. */
	root = fake_sysfs_new();
	fake_sysfs_param(root, "kvm", "tdp_mmu", "N");
	fake_sysfs_put(root, "module/kvm/initstate", "live\n", 0444);
	fd = open_root(root);
	ck_assert_int_eq(builtin_kvm_modules_at(fd, &v), 0);
	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_null(v[0]);
	kvmcfg_strv_free(v);
	close(fd);
	fake_sysfs_free(root);

	/* No module directory at all: the error, and *ret untouched. */
	root = fake_sysfs_new();
	fd = open_root(root);
	v = (char **)1;
	ck_assert_int_eq(builtin_kvm_modules_at(fd, &v), -ENOENT);
	ck_assert_ptr_eq(v, (char **)1);
	close(fd);
	fake_sysfs_free(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("matrix");
	TCase *tc = tcase_create("pure");
	TCase *tc_sysfs = tcase_create("sysfs");

	tcase_add_test(tc, test_parse_product);
	tcase_add_test(tc, test_parse_file_form);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_apply_host);
	tcase_add_test(tc, test_cpuinfo);
	tcase_add_test(tc, test_judge);
	tcase_add_test(tc, test_parse_kvm_selftests);
	suite_add_tcase(s, tc);
	tcase_add_test(tc_sysfs, test_module_state);
	tcase_add_test(tc_sysfs, test_builtin_modules);
	suite_add_tcase(s, tc_sysfs);
	return check_run(s);
}
