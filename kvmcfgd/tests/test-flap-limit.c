// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rate limit of the "Failed to write textfile" / "works again" pair
 * (flap-limit.h). Issue 19: someone owning the textfile directory made the
 * pair flap 100 times in 11 s, 200 log lines.
 */
#include <check.h>

#include "flap-limit.h"
#include "unit-test.h"

#define SEC UINT64_C(1000000)

START_TEST(flood_is_two_lines)
{
	FlapLimit l = { 0 };
	unsigned suppressed = 99, lines = 0, i;
	uint64_t t = 1000 * SEC;

	/* 100 flaps in 11 s: the first failure and its recovery, nothing else. */
	for (i = 0; i < 100; i++, t += 110000) {
		lines += flap_limit_failure(&l, t, &suppressed);
		lines += flap_limit_failure(&l, t + 1000, &suppressed); /* the same, next check */
		lines += flap_limit_success(&l, t + 55000);
	}
	ck_assert_uint_eq(lines, 2);
	ck_assert_uint_eq(suppressed, 0);
	/* A failure that then lasts is said one interval after the last line, with the count. */
	ck_assert(!flap_limit_failure(&l, t, &suppressed));
	ck_assert(flap_limit_failure(&l, 1000 * SEC + 55000 + FLAP_LIMIT_INTERVAL_USEC, &suppressed));
	ck_assert_uint_eq(suppressed, 99 * 2 + 1);
	/* Its recovery is logged: the lines pair up. */
	ck_assert(flap_limit_success(&l, t + FLAP_LIMIT_INTERVAL_USEC));
}
END_TEST

START_TEST(quiet_host_logs_each)
{
	FlapLimit l = { 0 };
	unsigned suppressed = 7;

	ck_assert(flap_limit_failure(&l, 5 * SEC, &suppressed));
	ck_assert_uint_eq(suppressed, 0);
	ck_assert(!flap_limit_failure(&l, 6 * SEC, &suppressed));
	ck_assert(flap_limit_success(&l, 7 * SEC));
	ck_assert(!flap_limit_success(&l, 8 * SEC)); /* no failure to recover from */
	ck_assert(flap_limit_failure(&l, 7 * SEC + FLAP_LIMIT_INTERVAL_USEC, &suppressed));
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { flood_is_two_lines, quiet_host_logs_each, NULL };

	return unit_test_run("flap-limit", tests);
}
