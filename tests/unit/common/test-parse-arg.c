// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the command-line number parser (parse-arg.h) that
 * kvmcfgd, kvm-selftests, kvm-config-matrix and kvm-mmio-bench share:
 * what is accepted, what is refused with which errno, the exact message
 * an operator sees, and that a refused value leaves the output untouched.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "unit-test.h"
#include "parse-arg.h"

static void uint_ok(const char *s, unsigned int min, unsigned int max, unsigned int want)
{
	char error[KVMCFG_ARG_ERROR_MAX] = "untouched";
	unsigned int v = 12345;

	ck_assert_int_eq(kvmcfg_arg_uint("--jobs", s, min, max, &v, error), 0);
	ck_assert_uint_eq(v, want);
	ck_assert_str_eq(error, "untouched");
}

static void uint_bad(const char *s, unsigned int min, unsigned int max, int err, const char *msg)
{
	char error[KVMCFG_ARG_ERROR_MAX];
	unsigned int v = 12345;

	ck_assert_int_eq(kvmcfg_arg_uint("--jobs", s, min, max, &v, error), err);
	ck_assert_uint_eq(v, 12345);
	ck_assert_str_eq(error, msg);
	/* Without a buffer: the same verdict, no message. */
	ck_assert_int_eq(kvmcfg_arg_uint(NULL, s, min, max, &v, NULL), err);
}

START_TEST(uint_accepted)
{
	uint_ok("1", 1, 1024, 1);
	uint_ok("1024", 1, 1024, 1024);
	uint_ok("007", 1, 1024, 7);
	uint_ok("0", 0, 10, 0);
	uint_ok("4294967295", 0, 4294967295u, 4294967295u);
}
END_TEST

START_TEST(uint_refused)
{
	static const struct {
		const char *s;
		unsigned int min, max;
		int err;
		const char *msg;
	} cases[] = {
		{ "x", 1, 1024, -EINVAL, "--jobs: not a number: 'x'" },
		{ "", 1, 1024, -EINVAL, "--jobs: not a number: ''" },
		{ "4x", 1, 1024, -EINVAL, "--jobs: not a number: '4x'" },
		{ " 4", 1, 1024, -EINVAL, "--jobs: not a number: ' 4'" },
		{ "4 ", 1, 1024, -EINVAL, "--jobs: not a number: '4 '" },
		{ "+4", 1, 1024, -EINVAL, "--jobs: not a number: '+4'" },
		{ "0x10", 1, 1024, -EINVAL, "--jobs: not a number: '0x10'" },
		{ "1.5", 1, 1024, -EINVAL, "--jobs: not a number: '1.5'" },
		{ "-", 1, 1024, -EINVAL, "--jobs: not a number: '-'" },
		{ "0", 1, 1024, -ERANGE, "--jobs: out of range 1-1024: '0'" },
		{ "1025", 1, 1024, -ERANGE, "--jobs: out of range 1-1024: '1025'" },
		{ "-1", 1, 1024, -ERANGE, "--jobs: out of range 1-1024: '-1'" },
		/* Past unsigned int and past unsigned long long: never wrapped round. */
		{ "4294967296", 0, 4294967295u, -ERANGE,
		  "--jobs: out of range 0-4294967295: '4294967296'" },
		{ "99999999999999999999999", 1, 1024, -ERANGE,
		  "--jobs: out of range 1-1024: '99999999999999999999999'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		uint_bad(cases[i].s, cases[i].min, cases[i].max, cases[i].err, cases[i].msg);
}
END_TEST

START_TEST(long_argument_cut)
{
	char arg[300], error[KVMCFG_ARG_ERROR_MAX];
	unsigned int v;

	memset(arg, 'x', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = '\0';
	ck_assert_int_eq(kvmcfg_arg_uint("--jobs", arg, 1, 2, &v, error), -EINVAL);
	/* 64 characters of it and "...": the message stays one short line. */
	ck_assert_uint_eq(strlen(error), strlen("--jobs: not a number: ''") + 64 + 3);
	ck_assert_ptr_nonnull(strstr(error, "xxx...'"));
}
END_TEST

static void positive_bad(const char *s, int err, const char *msg)
{
	char error[KVMCFG_ARG_ERROR_MAX];
	double v = 42;

	ck_assert_int_eq(kvmcfg_arg_positive("--budget", s, &v, error), err);
	ck_assert(v == 42);
	ck_assert_str_eq(error, msg);
}

static const struct {
	const char *s;
	int err;
	const char *msg;
} positive_cases[] = {
	{ "abc", -EINVAL, "--budget: not a number: 'abc'" },
	{ "", -EINVAL, "--budget: not a number: ''" },
	{ "2s", -EINVAL, "--budget: not a number: '2s'" },
	{ " 2", -EINVAL, "--budget: not a number: ' 2'" },
	{ "nan", -EINVAL, "--budget: not a number: 'nan'" },
	{ "0", -ERANGE, "--budget: not a positive number: '0'" },
	{ "-1", -ERANGE, "--budget: not a positive number: '-1'" },
	{ "inf", -ERANGE, "--budget: not a positive number: 'inf'" },
	{ "1e999", -ERANGE, "--budget: not a positive number: '1e999'" },
};

START_TEST(positive)
{
	char error[KVMCFG_ARG_ERROR_MAX];
	double v = 0;

	ck_assert_int_eq(kvmcfg_arg_positive("--budget", "2.5", &v, error), 0);
	ck_assert(v == 2.5);
	ck_assert_int_eq(kvmcfg_arg_positive("--budget", "1e3", &v, error), 0);
	ck_assert(v == 1000);
	ck_assert_int_eq(kvmcfg_arg_positive("--budget", "7", &v, NULL), 0);
	ck_assert(v == 7);

	for (size_t i = 0; i < sizeof(positive_cases) / sizeof(positive_cases[0]); i++)
		positive_bad(positive_cases[i].s, positive_cases[i].err, positive_cases[i].msg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		uint_accepted, uint_refused, long_argument_cut, positive, NULL,
	};

	return unit_test_run("parse-arg", tests);
}
