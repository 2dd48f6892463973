/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host-side test utilities: assertions that abort a test with the failing
 * expression, file:line and errno, the iteration scale and whether long
 * variants run.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest.h"

#define __printf(a, b) __attribute__((format(printf, a, b)))

void __noreturn_fail(const char *file, unsigned int line, const char *expr, const char *fmt, ...)
	__printf(4, 5) __attribute__((noreturn));

/*
 * TEST_ASSERT(cond, fmt, ...): if @cond is false, print the expression,
 * where it failed, errno, and the message, then end the test with KSFT_FAIL.
 * For library calls that cannot fail in a correct test.
 */
#define TEST_ASSERT(cond, fmt, ...)                                                     \
	do {                                                                            \
		if (!(cond))                                                            \
			__noreturn_fail(__FILE__, __LINE__, #cond, fmt, ##__VA_ARGS__); \
	} while (0)

#define TEST_ASSERT_EQ(a, b)                                                                \
	do {                                                                                \
		typeof(a) __a = (a);                                                        \
		typeof(b) __b = (b);                                                        \
		if (__a != __b)                                                             \
			__noreturn_fail(__FILE__, __LINE__, #a " == " #b, "%#llx != %#llx", \
					(unsigned long long)__a, (unsigned long long)__b);  \
	} while (0)

#define TEST_FAIL(fmt, ...) __noreturn_fail(__FILE__, __LINE__, "TEST_FAIL", fmt, ##__VA_ARGS__)

/* Assert an ioctl-style return: @ret >= 0, naming the call and errno. */
#define TEST_ASSERT_SYSCALL(ret, name)                                                        \
	TEST_ASSERT((ret) >= 0, "%s failed, rc: %lld errno: %d (%s)", name, (long long)(ret), \
		    errno, strerror(errno))

/*
 * Iteration scale for loops whose size trades run time for coverage.
 * KVMCFG_TEST_SCALE in the environment (a positive integer, default 1) multiplies
 * them: keep 1 for CI on emulated hosts, raise it on real fleet hosts.
 */
unsigned long test_scale(void);

/* @base iterations times test_scale(), saturating. */
unsigned long test_iterations(unsigned long base);

/*
 * Whether long variants should run: KVMCFG_TEST_FULL=1, which
 * `kvm-selftests --full` sets (docs/runner.md). A long variant that does
 * not run skips with a reason naming how to run it, so reports show it.
 */
bool test_full(void);

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
