// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for kvm-mmio-bench's pure parts: the statistics engine, the
 * run conditions, the result file reader, the JSON writer and --compare.
 */
#include "check-run.h"
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "compare.h"
#include "conditions.h"
#include "json-read.h"
#include "results.h"
#include "runs.h"
#include "sample-stats.h"
#include "utf8.h"

#define ARRAY_SIZE_T(a) (sizeof(a) / sizeof((a)[0]))

/* ---- statistics ---- */

START_TEST(quantiles_known_values)
{
	uint64_t v[] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };
	struct bench_summary s;

	ck_assert_int_eq(bench_summarize(v, 10, &s), 0);
	ck_assert_uint_eq(s.n, 10);
	ck_assert_double_eq(s.min, 1);
	ck_assert_double_eq(s.max, 10);
	ck_assert_double_eq_tol(s.median, 5.5, 1e-9);
	/* Type 7: h = 9 * 0.9 = 8.1 -> 9 + 0.1 * (10 - 9). */
	ck_assert_double_eq_tol(s.p90, 9.1, 1e-9);
	ck_assert_double_eq_tol(s.p99, 9.91, 1e-9);
	ck_assert_double_eq_tol(s.mean, 5.5, 1e-9);
	/* Sample stddev of 1..10 is sqrt(55/6). */
	ck_assert_double_eq_tol(s.stddev, sqrt(55.0 / 6), 1e-9);
	ck_assert_double_eq_tol(s.ci95, 2.2622 * sqrt(55.0 / 6) / sqrt(10), 1e-6);
}
END_TEST

START_TEST(median_ci_order_statistics)
{
	uint64_t v[100];
	struct bench_summary s;
	size_t i, lo, hi;

	/* The textbook n = 100 interval: the 40th and 61st order statistics. */
	for (i = 0; i < 100; i++)
		v[i] = 100 - i;
	ck_assert_int_eq(bench_summarize(v, 100, &s), 0);
	ck_assert_double_eq(s.median_lo, 40);
	ck_assert_double_eq(s.median_hi, 61);
	/* Tiny samples: the whole range. */
	bench_median_ci_ranks(3, &lo, &hi);
	ck_assert_uint_eq(lo, 0);
	ck_assert_uint_eq(hi, 2);
	bench_median_ci_ranks(1, &lo, &hi);
	ck_assert_uint_eq(lo, 0);
	ck_assert_uint_eq(hi, 0);
	/* Large n: about sqrt(n) ranks either side of the middle. */
	bench_median_ci_ranks(1000000, &lo, &hi);
	ck_assert(lo >= 499000 - 1 && lo < 499100 && hi > 500900 && hi <= 501000);
}
END_TEST

START_TEST(summarize_single_and_empty)
{
	uint64_t v[] = { 42 };
	struct bench_summary s = { .n = 99 };

	ck_assert_int_eq(bench_summarize(v, 0, &s), -EINVAL);
	ck_assert_uint_eq(s.n, 99); /* untouched on failure */
	ck_assert_int_eq(bench_summarize(v, 1, &s), 0);
	ck_assert_double_eq(s.median, 42);
	ck_assert_double_eq(s.p99, 42);
	ck_assert_double_eq(s.ci95, 0);
}
END_TEST

START_TEST(t95_table_and_tail)
{
	ck_assert(isinf(bench_t95(0)));
	ck_assert_double_eq_tol(bench_t95(1), 12.7062, 1e-4);
	ck_assert_double_eq_tol(bench_t95(30), 2.0423, 1e-4);
	ck_assert_double_eq_tol(bench_t95(31), 2.0395, 2e-4);
	ck_assert_double_eq_tol(bench_t95(60), 2.0003, 2e-4);
	ck_assert_double_eq_tol(bench_t95(120), 1.9799, 2e-4);
	ck_assert_double_eq_tol(bench_t95(1000000), 1.96, 1e-3);
}
END_TEST

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return *x >> 33;
}

/* Welford's running mean/CI and quickselect median agree with the sorted two-pass summary. */
START_TEST(running_matches_batch)
{
	struct bench_samples s;
	struct bench_summary sum;
	uint64_t x = 7 + (uint64_t)_i, *copy;
	size_t n = 1 + (size_t)_i * 37, i;
	double median;

	bench_samples_init(&s, 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(bench_samples_add(&s, 1000 + lcg(&x) % 5000), 0);
	ck_assert_int_eq(bench_samples_median(&s, &median), 0);
	copy = malloc(n * sizeof(*copy));
	memcpy(copy, s.v, n * sizeof(*copy));
	ck_assert_int_eq(bench_summarize(copy, n, &sum), 0);
	ck_assert_double_eq_tol(median, sum.median, 1e-9);
	ck_assert_double_eq_tol(s.mean, sum.mean, 1e-6);
	ck_assert_double_eq_tol(bench_samples_ci95(&s), sum.ci95, 1e-6 * (1 + sum.ci95));
	free(copy);
	bench_samples_deinit(&s);
}
END_TEST

START_TEST(median_with_duplicates)
{
	struct bench_samples s;
	uint64_t vals[] = { 5, 5, 5, 1, 5, 9, 5, 5 };
	double m;
	size_t i;

	bench_samples_init(&s, 0);
	ck_assert_int_eq(bench_samples_median(&s, &m), -EINVAL);
	for (i = 0; i < ARRAY_SIZE_T(vals); i++)
		bench_samples_add(&s, vals[i]);
	ck_assert_int_eq(bench_samples_median(&s, &m), 0);
	ck_assert_double_eq(m, 5);
	bench_samples_deinit(&s);
}
END_TEST

START_TEST(capacity_limit)
{
	struct bench_samples s;

	bench_samples_init(&s, 3);
	ck_assert_int_eq(bench_samples_add(&s, 1), 0);
	ck_assert_int_eq(bench_samples_add(&s, 2), 0);
	ck_assert_int_eq(bench_samples_add(&s, 3), 0);
	ck_assert_int_eq(bench_samples_add(&s, 4), -ENOSPC);
	ck_assert_uint_eq(s.n, 3);
	bench_samples_deinit(&s);
}
END_TEST

START_TEST(convergence_rule)
{
	struct bench_samples s;
	uint64_t x = 1;
	int i;

	bench_samples_init(&s, 0);
	/* Constant samples: CI 0, converged as soon as min_n is reached. */
	for (i = 0; i < 9; i++)
		bench_samples_add(&s, 100);
	ck_assert(!bench_samples_converged(&s, 10, 0.02));
	bench_samples_add(&s, 100);
	ck_assert(bench_samples_converged(&s, 10, 0.02));
	bench_samples_deinit(&s);

	/* Values spread 0..199 around 100: sd ~58, CI ~ 113/sqrt(n). */
	bench_samples_init(&s, 0);
	for (i = 0; i < 100; i++)
		bench_samples_add(&s, lcg(&x) % 200);
	ck_assert(!bench_samples_converged(&s, 10, 0.02)); /* CI ~11 > 2 */
	for (i = 0; i < 20000; i++)
		bench_samples_add(&s, lcg(&x) % 200);
	ck_assert(bench_samples_converged(&s, 10, 0.02)); /* CI ~0.8 < 2 */
	bench_samples_deinit(&s);
}
END_TEST

/* ---- statistics across rounds ---- */

START_TEST(rounds_estimate_median_and_ci)
{
	double v[100];
	struct bench_estimate e;
	size_t i;

	for (i = 0; i < 100; i++)
		v[i] = (double)(100 - i);
	ck_assert_int_eq(bench_rounds_estimate(v, 100, &e), 0);
	ck_assert_uint_eq(e.n, 100);
	ck_assert_double_eq(e.value, 50.5);
	/* The same order statistics as the per-sample median CI: 40th and 61st. */
	ck_assert_double_eq(e.lo, 40);
	ck_assert_double_eq(e.hi, 61);
	ck_assert_double_eq(v[0], 100); /* input untouched */
	ck_assert_int_eq(bench_rounds_estimate(v, 1, &e), -EINVAL);
	v[3] = 0;
	ck_assert_int_eq(bench_rounds_estimate(v, 100, &e), -EINVAL);
}
END_TEST

START_TEST(shift_ci_known_values)
{
	double a[20], b[20], c[20];
	struct bench_estimate s;
	uint64_t x = 3;
	size_t i;

	/* B is A scaled by 1.05, with the same noise: the shift is exactly 1.05. */
	for (i = 0; i < 20; i++) {
		a[i] = 1000 + (double)(lcg(&x) % 20);
		b[i] = a[i] * 1.05;
		c[i] = 1000 + (double)(lcg(&x) % 20);
	}
	ck_assert_int_eq(bench_shift_ci(a, 20, b, 20, 1.96, &s), 0);
	ck_assert_double_eq_tol(s.value, 1.05, 1e-9);
	ck_assert(s.lo > 1.02 && s.lo < 1.05 && s.hi > 1.05 && s.hi < 1.08);
	/* Same distribution: the interval holds 1. */
	ck_assert_int_eq(bench_shift_ci(a, 20, c, 20, 1.96, &s), 0);
	ck_assert(s.lo < 1 && s.hi > 1);
	ck_assert(fabs(s.value - 1) < 0.01);
	/* One wild round in B barely moves the estimate (Hodges-Lehmann). */
	memcpy(c, a, sizeof(c));
	c[7] = 1e6;
	ck_assert_int_eq(bench_shift_ci(a, 20, c, 20, 1.96, &s), 0);
	ck_assert(fabs(s.value - 1) < 0.005);
	/* A wider interval for a higher confidence. */
	{
		struct bench_estimate w;

		ck_assert_int_eq(bench_shift_ci(a, 20, b, 20, BENCH_COMPARE_Z, &w), 0);
		ck_assert(w.lo <= s.lo + 1 && w.lo < 1.05 && w.hi > 1.05);
	}
	ck_assert_int_eq(bench_shift_ci(a, 1, b, 20, 1.96, &s), -EINVAL);
	a[0] = -1;
	ck_assert_int_eq(bench_shift_ci(a, 20, b, 20, 1.96, &s), -EINVAL);
}
END_TEST

START_TEST(verdicts)
{
	struct bench_estimate s;

	/* Interval clear of 1 and 5% slower: regression; the mirror image: improvement. */
	s = (struct bench_estimate){ .n = 60, .value = 1.05, .lo = 1.03, .hi = 1.07 };
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0), BENCH_REGRESSION);
	s = (struct bench_estimate){ .n = 60, .value = 0.95, .lo = 0.93, .hi = 0.97 };
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0), BENCH_IMPROVEMENT);
	/* 5% slower but the interval holds 1: inconclusive (run again); faster: noise. */
	s = (struct bench_estimate){ .n = 60, .value = 1.05, .lo = 0.99, .hi = 1.10 };
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0), BENCH_INCONCLUSIVE);
	s = (struct bench_estimate){ .n = 60, .value = 0.95, .lo = 0.90, .hi = 1.01 };
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0), BENCH_NOISE);
	/*
	 * Slower by the minimum, but the interval reaches further below no
	 * change than the minimum too: it shows nothing either way, and a
	 * rerun would not either (pio_cpl0 across runs here): noise.
	 */
	s = (struct bench_estimate){ .n = 15, .value = 1.023, .lo = 0.948, .hi = 1.122 };
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0), BENCH_NOISE);
	/* Below the minimum change with a wide interval: noise, never a rerun. */
	s = (struct bench_estimate){ .n = 60, .value = 1.015, .lo = 0.95, .hi = 1.08 };
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0), BENCH_NOISE);
	/* Clear of 1 but below the minimum change: noise, unless the minimum is lower. */
	s = (struct bench_estimate){ .n = 60, .value = 1.01, .lo = 1.005, .hi = 1.015 };
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0), BENCH_NOISE);
	ck_assert_int_eq(bench_verdict(&s, 0.005, 0), BENCH_REGRESSION);
	/* Clear of 1 and above the minimum, but within the noise floor: inconclusive. */
	s = (struct bench_estimate){ .n = 60, .value = 1.04, .lo = 1.01, .hi = 1.07 };
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0.05), BENCH_INCONCLUSIVE);
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0.03), BENCH_REGRESSION);
	s = (struct bench_estimate){ .n = 60, .value = 1 / 1.04, .lo = 0.93, .hi = 0.99 };
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0.05), BENCH_NOISE);
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0.03), BENCH_IMPROVEMENT);
	/* Degenerate input never claims a change. */
	s = (struct bench_estimate){ .n = 60, .value = NAN, .lo = 2, .hi = 3 };
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0), BENCH_NOISE);
	s = (struct bench_estimate){ 0 };
	ck_assert_int_eq(bench_verdict(&s, 0.02, 0), BENCH_NOISE);
}
END_TEST

static bool have_all_but_lapic(const char *name, const void *opaque)
{
	(void)opaque;
	return strcmp(name, "lapic_read") != 0;
}

static bool have_all(const char *name, const void *opaque)
{
	(void)name;
	(void)opaque;
	return true;
}

static bool have_none(const char *name, const void *opaque)
{
	(void)name;
	(void)opaque;
	return false;
}

START_TEST(noise_floor_from_halves)
{
	double a[20], b[20], floor;
	size_t i;

	/* Steady runs: no floor. */
	for (i = 0; i < 20; i++)
		a[i] = b[i] = 100;
	ck_assert_int_eq(bench_noise_floor(a, 20, b, 20, &floor), 0);
	ck_assert_double_eq_tol(floor, 0, 1e-12);
	/* B's second half 6% above its first: the floor is 6%, whichever run drifted. */
	for (i = 10; i < 20; i++)
		b[i] = 106;
	ck_assert_int_eq(bench_noise_floor(a, 20, b, 20, &floor), 0);
	ck_assert_double_eq_tol(floor, 0.06, 1e-9);
	ck_assert_int_eq(bench_noise_floor(b, 20, a, 20, &floor), 0);
	ck_assert_double_eq_tol(floor, 0.06, 1e-9);
	/* Downwards counts the same, as the ratio the other way. */
	for (i = 10; i < 20; i++)
		b[i] = 100 / 1.06;
	ck_assert_int_eq(bench_noise_floor(a, 20, b, 20, &floor), 0);
	ck_assert_double_eq_tol(floor, 0.06, 1e-9);
	/* Too few rounds to split: the CI alone judges. */
	ck_assert_int_eq(bench_noise_floor(a, 3, b, 3, &floor), 0);
	ck_assert_double_eq(floor, 0);
}
END_TEST

START_TEST(control_choice)
{
	ck_assert_str_eq(bench_control_for("mmio_write", have_all, NULL), "lapic_read");
	/* The control's own control is the next in-kernel path. */
	ck_assert_str_eq(bench_control_for("lapic_read", have_all, NULL), "ioeventfd_datamatch");
	ck_assert_str_eq(bench_control_for("mmio_write", have_all_but_lapic, NULL),
			 "ioeventfd_datamatch");
	ck_assert_ptr_null(bench_control_for("mmio_write", have_none, NULL));
}
END_TEST

/* ---- run conditions ---- */

START_TEST(loadavg_parse)
{
	struct bench_load l = { 0 };

	ck_assert_int_eq(bench_parse_loadavg("0.52 1.58 12.59 1/123 4567\n", &l), 0);
	ck_assert(l.valid);
	ck_assert_double_eq_tol(l.avg1, 0.52, 1e-9);
	ck_assert_double_eq_tol(l.avg5, 1.58, 1e-9);
	ck_assert_double_eq_tol(l.avg15, 12.59, 1e-9);
	l.avg1 = 7;
	ck_assert_int_eq(bench_parse_loadavg("0.52 x", &l), -EINVAL);
	ck_assert_int_eq(bench_parse_loadavg("", &l), -EINVAL);
	ck_assert_int_eq(bench_parse_loadavg(NULL, &l), -EINVAL);
	ck_assert_double_eq(l.avg1, 7); /* untouched on failure */
}
END_TEST

START_TEST(cpuinfo_parse)
{
	const char *text =
		"processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel\t\t: 1\n"
		"model name\t: AMD EPYC 7B13 64-Core Processor\nmicrocode\t: 0x1000065\n\n"
		"processor\t: 1\nmodel name\t: other\n";
	char *model = NULL, *ucode = NULL;

	ck_assert_int_eq(bench_parse_cpuinfo(text, &model, &ucode), 0);
	ck_assert_str_eq(model, "AMD EPYC 7B13 64-Core Processor");
	ck_assert_str_eq(ucode, "0x1000065");
	free(model);
	free(ucode);
	/* "model" alone is not "model name"; absent fields are NULL. */
	ck_assert_int_eq(bench_parse_cpuinfo("model\t\t: 1\n", &model, &ucode), 0);
	ck_assert_ptr_null(model);
	ck_assert_ptr_null(ucode);
}
END_TEST

static void make_fd_link(const char *root, const char *pid, const char *fd, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/fd", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/fd/%s", root, pid, fd);
	ck_assert_int_eq(symlink(target, path), 0);
}

START_TEST(kvm_users_in_fake_proc)
{
	char root[] = "/tmp/test-bench-proc.XXXXXX";
	char cmd[600];

	ck_assert_ptr_nonnull(mkdtemp(root));
	make_fd_link(root, "100", "3", "/dev/kvm"); /* a VMM */
	make_fd_link(root, "100", "4", "anon_inode:kvm-vm");
	make_fd_link(root, "200", "0", "/dev/null");		     /* not KVM */
	make_fd_link(root, "200", "5", "anon_inode:kvm-vcpu-stats"); /* prefix check */
	make_fd_link(root, "300", "7", "anon_inode:kvm-vcpu:0");     /* a vCPU */
	make_fd_link(root, "400", "3", "/dev/kvm");		     /* "self" */
	make_fd_link(root, "sys", "3", "/dev/kvm");		     /* not a pid */
	ck_assert_int_eq(bench_count_kvm_users(root, 400), 3);
	ck_assert_int_eq(bench_count_kvm_users(root, 100), 3);
	ck_assert_int_eq(bench_count_kvm_users("/nonexistent-proc-root", 1), -ENOENT);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(busy_rule)
{
	struct bench_conditions c = { .ncpus = 2 };
	char why[256];

	c.start = (struct bench_busy){ .load = { .valid = true, .avg1 = 1.5 }, .kvm_users = 0 };
	c.end = c.start;
	ck_assert(!bench_conditions_busy(&c, why, sizeof(why)));
	ck_assert_str_eq(why, "");
	c.end.load.avg1 = 2.5;
	ck_assert(bench_conditions_busy(&c, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "load average 2.50 on 2 CPUs at the end"));
	c.end.load.avg1 = 0.1;
	c.start.kvm_users = 2;
	ck_assert(bench_conditions_busy(&c, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "2 other processes using KVM at the start"));
	/* Unknown is not busy. */
	c.start.kvm_users = -1;
	c.start.load.valid = false;
	ck_assert(!bench_conditions_busy(&c, why, sizeof(why)));
}
END_TEST

/* ---- reading result files ---- */

static const struct {
	const char *text;
	unsigned int line, column;
	const char *want; /* in err.what, when set */
} bad_json[] = {
	{ "", 1, 1 },
	{ "{", 1, 2 },
	{ "{\"a\" 1}", 1, 6 },
	{ "{\"a\": 1,}", 1, 9 },
	{ "[1 2]", 1, 4 },
	{ "{\n  \"a\": tru\n}", 2, 11 },
	{ "\"abc", 1, 5 },
	{ "\"a\\qb\"", 1, 3, "bad escape: '\\' then byte 0x71" },
	{ "\"\\u12G4\"", 1, 2, "bad \\u escape" },
	{ "1 2", 1, 3 },
	{ "{\"a\": 1} x", 1, 10 },
	{ "-", 1, 2 },
	{ "1.2.3", 1, 4 },
	{ "NaN", 1, 4 },
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 1,
	  33 },
	/* JSON's grammar forbids raw control characters in strings; json-c 0.16 allows them. */
	{ "\"a\x01\"", 1, 3, "control character 0x01 in a string" },
	{ "\"\\\x01\"", 1, 2, "bad escape: '\\' then byte 0x01" },
	/* Surrogates: only a high one directly followed by a \u low one is a character. */
	{ "\"\\uD83D\"", 1, 2, "lone high surrogate \\uD83D (not followed by a \\u low" },
	{ "\"\\uDE00\"", 1, 2, "lone low surrogate \\uDE00" },
	{ "\"\\uDE00\\uD83D\"", 1, 2, "lone low surrogate \\uDE00" },
	{ "\"\\uD83Dx\"", 1, 2, "lone high surrogate \\uD83D (not followed" },
	{ "\"\\uD83D\\n\"", 1, 2, "lone high surrogate \\uD83D (not followed" },
	{ "[\"ok\",\n \"\\ud83d\\u0041\"]", 2, 3,
	  "lone high surrogate \\uD83D (followed by \\u0041, not a low surrogate)" },
	{ "\"\\uD83D\\uD83D\"", 1, 2, "followed by \\uD83D, not a low surrogate" },
	{ "\"\\uD83D\\u12G4\"", 1, 8, "bad \\u escape" },
	/* Escaped or raw, the same text rule (utf8.h): U+FFFF is out, and so is U+0000. */
	{ "\"\\uFFFF\"", 1, 2, "\\uFFFF is not a character" },
	{ "{\"k\": \"\\u0000\"}", 1, 8, "\\u0000 in a string" },
	/* Raw bytes that are not UTF-8: overlong, truncated, never valid, surrogate, too big. */
	{ "\"ab\xC0\xAF\"", 1, 4, "invalid UTF-8 in string (byte 0xC0)" },
	{ "\"\xE0\x80\xAF\"", 1, 2, "invalid UTF-8 in string (byte 0xE0)" },
	{ "\"ab\xE2\x82\"", 1, 4, "invalid UTF-8 in string (byte 0xE2)" },
	{ "\"\xF0\x9F\x98\"", 1, 2, "invalid UTF-8 in string (byte 0xF0)" },
	{ "\"\xFF\"", 1, 2, "invalid UTF-8 in string (byte 0xFF)" },
	{ "\"\x80\"", 1, 2, "invalid UTF-8 in string (byte 0x80)" },
	{ "\"\xED\xA0\x80\"", 1, 2, "invalid UTF-8 in string (byte 0xED)" },
	{ "\"\xF4\x90\x80\x80\"", 1, 2, "invalid UTF-8 in string (byte 0xF4)" },
	{ "\"\xEF\xBF\xBF\"", 1, 2, "invalid UTF-8 in string (byte 0xEF)" },
	/* Columns count bytes: the euro sign is 3 of them. */
	{ "\"\xE2\x82\xAC\xFF\"", 1, 5, "invalid UTF-8 in string (byte 0xFF)" },
	{ "{\n  \"k\xFF\": 1}", 2, 5, "invalid UTF-8 in string (byte 0xFF)" },
	/* A grammar error before a bad string is the one reported. */
	{ "[1 2, \"\xFF\"]", 1, 4 },
};

START_TEST(json_parse_errors_have_positions)
{
	struct json_object *v = (struct json_object *)0x1;
	struct bench_json_error err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(bench_json_parse(bad_json[_i].text, strlen(bad_json[_i].text), &v, &err),
			 -EBADMSG);
	ck_assert_ptr_eq(v, (struct json_object *)0x1); /* output untouched */
	ck_assert_msg(err.line == bad_json[_i].line && err.column == bad_json[_i].column,
		      "'%s': got %u:%u (%s), want %u:%u", bad_json[_i].text, err.line, err.column,
		      err.what, bad_json[_i].line, bad_json[_i].column);
	ck_assert(err.what[0]);
	if (bad_json[_i].want)
		ck_assert_msg(strstr(err.what, bad_json[_i].want), "got '%s', want '%s'", err.what,
			      bad_json[_i].want);
}
END_TEST

/* Parse @text, which must succeed, and return its one string's decoded bytes. */
static char *parse_one_string(const char *text)
{
	struct bench_json_error err = { 0 };
	struct json_object *v = NULL;
	const char *str;
	char *s;

	ck_assert_msg(bench_json_parse(text, strlen(text), &v, &err) == 0, "'%s': %u:%u: %s", text,
		      err.line, err.column, err.what);
	ck_assert(json_object_is_type(v, json_type_string));
	str = json_object_get_string(v);
	/* No NUL inside: what is accepted can be used as a C string. */
	ck_assert_uint_eq(strlen(str), (size_t)json_object_get_string_len(v));
	s = strdup(str);
	json_object_put(v);
	/* Whatever the reader accepts is text by kvmcfg's one rule. */
	for (size_t i = 0, n; s[i]; i += n) {
		n = kvmcfg_utf8_seq_len((const unsigned char *)s + i, strlen(s + i));
		ck_assert_msg(n > 0, "'%s' decoded to invalid UTF-8 at byte %zu", text, i);
	}
	return s;
}

static const struct {
	const char *text, *want;
} good_strings[] = {
	{ "\"\\u00e9\\u0041\\u20ac\"", "\xC3\xA9"
				       "A"
				       "\xE2\x82\xAC" },
	/* Boundaries of the 2- and 3-byte forms; U+FFFD and the noncharacter U+FDD0 pass. */
	{ "\"\\u007f\\u0080\\u07FF\\u0800\"", "\x7F"
					      "\xC2\x80"
					      "\xDF\xBF"
					      "\xE0\xA0\x80" },
	{ "\"\\uFFFD\\uFDD0\\uD7FF\\uE000\"", "\xEF\xBF\xBD"
					      "\xEF\xB7\x90"
					      "\xED\x9F\xBF"
					      "\xEE\x80\x80" },
	/* A surrogate pair is one character, four bytes: U+1F600, either case. */
	{ "\"\\uD83D\\uDE00\"", "\xF0\x9F\x98\x80" },
	{ "\"\\ud83d\\ude00\"", "\xF0\x9F\x98\x80" },
	/* The first and last pairs: U+10000 and U+10FFFF. */
	{ "\"\\uD800\\uDC00\"", "\xF0\x90\x80\x80" },
	{ "\"\\uDBFF\\uDFFF\"", "\xF4\x8F\xBF\xBF" },
	/* Pairs next to other text and escapes, and back to back. */
	{ "\"a\\uD83D\\uDE00\\n\\uD83D\\uDE01\\uD83D\\uDE02b\"",
	  "a\xF0\x9F\x98\x80\n\xF0\x9F\x98\x81\xF0\x9F\x98\x82"
	  "b" },
	/* Raw UTF-8 of every length passes through byte for byte. */
	{ "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xB7\x90\"",
	  "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xB7\x90" },
	/* Raw and escaped spellings of one character decode alike. */
	{ "\"\xF0\x9F\x98\x80\\uD83D\\uDE00\"", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80" },
	/* Escapes that look like string ends do not confuse the scan. */
	{ "\"a\\\\\\\"\\/b\"", "a\\\"/b" },
};

START_TEST(json_unicode_good)
{
	char *s = parse_one_string(good_strings[_i].text);

	ck_assert_msg(strcmp(s, good_strings[_i].want) == 0, "'%s' decoded to %zu bytes, want %zu",
		      good_strings[_i].text, strlen(s), strlen(good_strings[_i].want));
	free(s);
}
END_TEST

/* Every byte 0x80-0xFF alone in a string is an error at that byte, never copied through. */
START_TEST(json_raw_high_bytes_alone)
{
	char text[] = { '"', (char)(0x80 + _i), '"' };
	struct json_object *v = NULL;
	struct bench_json_error err = { 0 };
	char want[64];

	ck_assert_int_eq(bench_json_parse(text, sizeof(text), &v, &err), -EBADMSG);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(err.line, 1);
	ck_assert_uint_eq(err.column, 2);
	snprintf(want, sizeof(want), "invalid UTF-8 in string (byte 0x%02X)", 0x80 + _i);
	ck_assert_str_eq(err.what, want);
}
END_TEST

/* ---- report and compare ---- */

/* A path measured in @rounds rounds at @median ns each, times @scale[i] in round i. */
static struct bench_path_result sample_path(const char *name, double median, size_t rounds,
					    const double *scale)
{
	struct bench_path_result p = {
		.name = name,
		.group = "a",
		.description = "test path",
		.cpl = 3,
		.accesses = 1000,
		.batches = 4,
		.converged = true,
		.elapsed_s = 0.5,
	};
	size_t i;

	p.ns = (struct bench_summary){ .n = 1000,
				       .median = median,
				       .p90 = median * 1.1,
				       .p99 = median * 1.5,
				       .mean = median,
				       .ci95 = 1,
				       .min = median / 2,
				       .max = median * 3,
				       .median_lo = median - 1,
				       .median_hi = median + 1 };
	p.cycles = p.ns;
	p.host_ns = p.ns;
	p.stat_present[BENCH_STAT_EXITS] = true;
	p.stat_per_access[BENCH_STAT_EXITS] = 1.004;
	p.round_ns = calloc(rounds, sizeof(double));
	for (i = 0; i < rounds; i++)
		p.round_ns[i] = median * scale[i] * (1 + 0.001 * (double)(i % 5));
	p.n_rounds = rounds;
	ck_assert_int_eq(bench_rounds_estimate(p.round_ns, rounds, &p.est), 0);
	return p;
}

#define ROUNDS 30

/*
 * A result document: mmio_write at @write ns, lapic_read (the control)
 * at 6000 ns, every round scaled by the host's @drift, one path skipped.
 */
static struct json_object *render(double write, double drift, const char *caching, bool busy)
{
	struct bench_path_result paths[4];
	struct bench_report r;
	struct json_object *v;
	double scale[ROUNDS];
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	for (i = 0; i < ROUNDS; i++)
		scale[i] = drift *
			   (i % 7 == 3 ? 1.2 : 1); /* a burst of load now and then, in every path */
	bench_report_init(&r);
	r.kernel_release = strdup("6.1.0-test");
	r.timestamp = strdup("2026-12-03T10:00:00Z");
	r.cond.hostname = strdup("host\xFF"
				 "a"); /* not UTF-8: written as U+FFFD */
	r.cond.cpu_model = strdup("AMD EPYC");
	r.cond.microcode = strdup("0x1000065");
	r.cond.ncpus = 2;
	r.cond.start = (struct bench_busy){ .load = { .valid = true, .avg1 = busy ? 6 : 0.5 },
					    .kvm_users = busy ? 2 : 0 };
	r.cond.end = r.cond.start;
	r.rounds = ROUNDS;
	r.tsc_khz = 2000000;
	paths[0] = sample_path("mmio_write", write, ROUNDS, scale);
	paths[1] = sample_path("lapic_read", 6000, ROUNDS, scale);
	paths[2] = sample_path("ioeventfd_datamatch", 6100, ROUNDS, scale);
	paths[3] = (struct bench_path_result){ .name = "coalesced",
					       .group = "c",
					       .cpl = 3,
					       .description = "x",
					       .skip_reason = "no coalesced MMIO" };
	for (i = 0; i < 3; i++) {
		size_t c = i == 1 ? 2 : 1;
		double ratio[ROUNDS];

		paths[i].control = paths[c].name;
		ck_assert_int_eq(bench_round_ratios(paths[i].round_ns, paths[c].round_ns, ROUNDS,
						    ratio, &paths[i].vs_control),
				 0);
	}
	r.paths = paths;
	r.n_paths = 4;
	ck_assert_int_eq(bench_report_add_param(&r, "kvm", "mmio_caching", caching, 0), 0);
	ck_assert_int_eq(bench_report_add_param(&r, "kvm", "secret", NULL, -EACCES), 0);
	ck_assert_int_eq(bench_report_add_param(&r, "kvm_amd", "npt", "Y", 0), 0);
	ck_assert_int_eq(bench_report_write_json(&r, f), 0);
	fclose(f);
	for (i = 0; i < 3; i++)
		free(paths[i].round_ns);
	r.paths = NULL; /* on the stack */
	bench_report_deinit(&r);
	/* What the writer writes, the strict reader reads. */
	ck_assert_int_eq(bench_json_parse(buf, len, &v, NULL), 0);
	free(buf);
	return v;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no member %s", key);
	return v;
}

START_TEST(report_json_shape)
{
	struct json_object *v = render(20000, 1, "N", true);
	struct json_object *paths = member(v, "paths"), *p, *params, *rounds, *cond;

	ck_assert_str_eq(json_object_get_string(member(v, "tool")), "kvm-mmio-bench");
	ck_assert_int_eq(json_object_get_int(member(v, "schema")), BENCH_JSON_SCHEMA);
	ck_assert_str_eq(json_object_get_string(member(member(v, "host"), "hostname")),
			 "host\xEF\xBF\xBD"
			 "a");
	ck_assert_str_eq(json_object_get_string(member(member(v, "host"), "microcode")),
			 "0x1000065");
	cond = member(v, "conditions");
	ck_assert(json_object_get_boolean(member(cond, "busy")));
	ck_assert_ptr_nonnull(
		strstr(json_object_get_string(member(cond, "busy_reason")), "load average 6.00"));
	ck_assert_int_eq(json_object_get_int(member(member(cond, "end"), "kvm_users")), 2);
	ck_assert_double_eq_tol(json_object_get_double(json_object_array_get_idx(
					member(member(cond, "start"), "loadavg"), 0)),
				6, 1e-9);
	ck_assert_uint_eq(json_object_array_length(paths), 4);
	p = json_object_array_get_idx(paths, 0);
	ck_assert_double_eq(json_object_get_double(member(member(p, "ns"), "median")), 20000);
	ck_assert_double_eq_tol(
		json_object_get_double(member(member(p, "stats_per_access"), "exits")), 1.004,
		1e-9);
	/* A stat KVM lacks is null, never 0. */
	ck_assert(json_object_is_type(member(member(p, "stats_per_access"), "pf_emulate"),
				      json_type_null));
	rounds = member(p, "rounds");
	ck_assert_int_eq(json_object_get_int(member(rounds, "n")), ROUNDS);
	ck_assert_uint_eq(json_object_array_length(member(rounds, "medians")), ROUNDS);
	ck_assert_str_eq(json_object_get_string(member(member(rounds, "vs_control"), "control")),
			 "lapic_read");
	p = json_object_array_get_idx(paths, 3);
	ck_assert_str_eq(json_object_get_string(member(p, "status")), "skipped");
	ck_assert(!json_object_object_get_ex(p, "ns", NULL));
	params = member(v, "kvm_params");
	ck_assert_str_eq(json_object_get_string(member(member(params, "kvm"), "mmio_caching")),
			 "N");
	ck_assert(json_object_is_type(member(member(params, "kvm"), "secret"), json_type_null));
	ck_assert_str_eq(json_object_get_string(member(member(params, "kvm_amd"), "npt")), "Y");
	json_object_put(v);
}
END_TEST

/* Every proper prefix of a result document is an error, never a crash or a leak (ASan run). */
START_TEST(json_truncations)
{
	struct json_object *v = render(20000, 1, "N", false), *w;
	const char *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text), i;
	struct bench_json_error err;

	for (i = 0; i < len; i += 1 + i / 64) {
		char *copy = malloc(i + 1);

		memcpy(copy, text, i);
		ck_assert_msg(bench_json_parse(copy, i, &w, &err) == -EBADMSG,
			      "prefix of %zu bytes parsed", i);
		free(copy);
	}
	ck_assert_int_eq(bench_json_parse(text, len, &w, &err), 0);
	json_object_put(w);
	json_object_put(v);
}
END_TEST

static int compare_docs(struct json_object *a, struct json_object *b, char **out)
{
	size_t len = 0;
	FILE *f = open_memstream(out, &len), *err = fopen("/dev/null", "w");
	int r = bench_compare(a, "a.json", b, "b.json", 0.02, f, err, NULL);

	fclose(f);
	fclose(err);
	return r;
}

START_TEST(compare_documents)
{
	struct json_object *a = render(20000, 1, "N", false), *b = render(21000, 1, "Y", false);
	struct json_object *same = render(20010, 1, "N", false);
	char *out = NULL;

	ck_assert_int_eq(compare_docs(a, b, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "param kvm.mmio_caching: N -> Y"));
	ck_assert_ptr_nonnull(strstr(out, "significant regression"));
	ck_assert_ptr_nonnull(strstr(out, "+5.0% [+"));
	ck_assert_ptr_nonnull(strstr(out, "coalesced            not comparable"));
	ck_assert_ptr_nonnull(strstr(out, "host drift: the control lapic_read moved +0.0%"));
	free(out);
	ck_assert_int_eq(compare_docs(b, a, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "significant improvement"));
	free(out);
	ck_assert_int_eq(compare_docs(a, same, &out), 0);
	ck_assert_ptr_null(strstr(out, "significant regression"));
	ck_assert_ptr_null(strstr(out, "significant improvement"));
	/* kvm.secret is unreadable (null) in both: not a difference. */
	ck_assert_ptr_null(strstr(out, "kvm.secret"));
	free(out);
	json_object_put(a);
	json_object_put(b);
	json_object_put(same);
}
END_TEST

/* The whole host 4% slower: every path moves, none is blamed; the drift is reported. */
START_TEST(compare_host_drift)
{
	struct json_object *a = render(20000, 1, "N", false), *b = render(20000, 1.04, "N", false);
	struct json_object *c = render(20800, 1.04, "N", false);
	char *out = NULL;

	ck_assert_int_eq(compare_docs(a, b, &out), 0);
	ck_assert_ptr_null(strstr(out, "significant regression"));
	ck_assert_ptr_null(strstr(out, "significant improvement"));
	ck_assert_ptr_nonnull(strstr(out, "host drift: the control lapic_read moved +4.0%"));
	ck_assert_ptr_nonnull(strstr(out, "note: the control itself moved"));
	free(out);
	/* Drift and a real 4% on top of it: the real change is still caught, and only it. */
	/* One regression, mmio_write: the in-kernel paths did not move. */
	ck_assert_int_eq(compare_docs(a, c, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "mmio_write"));
	ck_assert_ptr_nonnull(strstr(out, "+4.0% [+4.0, +4.0]"));
	free(out);
	json_object_put(a);
	json_object_put(b);
	json_object_put(c);
}
END_TEST

/* B's mmio_write 4% slower on average, but its halves 8% apart: within the noise floor,
 * so not called, and not passed either: inconclusive. */
START_TEST(compare_drift_inside_a_run)
{
	struct json_object *a = render(20000, 1, "N", false), *b = render(20000, 1, "N", false);
	struct json_object *medians = NULL, *p = json_object_array_get_idx(member(b, "paths"), 0);
	char *out = NULL;
	size_t i;

	medians = member(member(p, "rounds"), "medians");
	for (i = 0; i < ROUNDS; i++) {
		struct json_object *m = json_object_array_get_idx(medians, i);

		json_object_set_double(m, json_object_get_double(m) * (i < ROUNDS / 2 ? 1 : 1.08));
	}
	ck_assert_int_eq(compare_docs(a, b, &out), 0);
	ck_assert_ptr_null(strstr(out, "significant regression"));
	ck_assert_ptr_nonnull(strstr(out, "   8.0%  inconclusive"));
	free(out);
	json_object_put(a);
	json_object_put(b);
}
END_TEST

/* The host 12% slower: past the drift limit only a change beyond 1.5 x 12% is called. */
START_TEST(compare_large_drift)
{
	struct json_object *a = render(20000, 1, "N", false);
	struct json_object *b = render(20000 * 1.15, 1.12, "N", false);
	struct json_object *c = render(20000 * 1.20, 1.12, "N", false);
	char *out = NULL;

	ck_assert_int_eq(compare_docs(a, b, &out), 0);
	ck_assert_ptr_nonnull(
		strstr(out, "warning: the host's speed changed by 12.0% between the runs"));
	ck_assert_ptr_nonnull(strstr(out, "only changes beyond 18.0% are called"));
	ck_assert_ptr_nonnull(strstr(out, "  18.0%  inconclusive"));
	free(out);
	/* One regression, mmio_write: the in-kernel paths did not move. */
	ck_assert_int_eq(compare_docs(a, c, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "  18.0%  significant regression"));
	free(out);
	json_object_put(a);
	json_object_put(b);
	json_object_put(c);
}
END_TEST

START_TEST(compare_conditions)
{
	struct json_object *quiet = render(20000, 1, "N", false),
			   *busy = render(20000, 1, "N", true);
	char *out = NULL;

	ck_assert_int_eq(compare_docs(quiet, busy, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "A: quiet, load average up to 0.50, 0 other KVM users"));
	ck_assert_ptr_nonnull(strstr(out, "B: busy, load average up to 6.00, 2 other KVM users"));
	ck_assert_ptr_nonnull(strstr(out, "warning: the two runs' conditions differ"));
	free(out);
	ck_assert_int_eq(compare_docs(quiet, quiet, &out), 0);
	ck_assert_ptr_null(strstr(out, "conditions differ"));
	free(out);
	json_object_put(quiet);
	json_object_put(busy);
}
END_TEST

START_TEST(compare_rejects_foreign_json)
{
	const char *text = "{\"tool\": \"other\", \"paths\": []}";
	struct json_object *a = render(1, 1, "N", false), *b;
	char *out = NULL;

	ck_assert_int_eq(bench_json_parse(text, strlen(text), &b, NULL), 0);
	ck_assert_int_eq(compare_docs(a, b, &out), -EBADMSG);
	free(out);
	json_object_put(a);
	json_object_put(b);
}
END_TEST

/* ---- several runs (--runs) ---- */

/* Run-to-run spread of a quiet host, about +-1%, in a fixed order. */
static const double jitter[10] = { 1.000, 0.992, 1.011, 0.997, 1.006,
				   0.989, 1.003, 1.014, 0.995, 1.008 };

/*
 * @n runs merged: run i's mmio_write at @write times a jitter (the order
 * picked by @seed), 5% more in run @outlier; the even runs on a host at
 * speed @even, the odd ones at @odd (the development host falls into two
 * speeds from run to run), which moves every path alike.
 */
static struct json_object *render_runs_at(size_t n, double write, size_t seed, size_t outlier,
					  double even, double odd)
{
	struct json_object *docs[BENCH_MIN_RUNS * 2], *m = NULL;
	double wall[BENCH_MIN_RUNS * 2];
	char why[200];
	size_t i;

	ck_assert_uint_le(n, BENCH_MIN_RUNS * 2);
	for (i = 0; i < n; i++) {
		docs[i] = render(write * jitter[(i * 3 + seed) % 10] * (i == outlier ? 1.05 : 1),
				 i % 2 ? odd : even, "N", false);
		wall[i] = 0.5 + (double)i;
	}
	ck_assert_int_eq(bench_runs_merge(docs, wall, n, &m, why, sizeof(why)), 0);
	for (i = 0; i < n; i++)
		json_object_put(docs[i]);
	return m;
}

static struct json_object *render_runs(size_t n, double write, size_t seed, size_t outlier)
{
	return render_runs_at(n, write, seed, outlier, 1, 1.1);
}

START_TEST(runs_merge_shape)
{
	struct json_object *m = render_runs(3, 20000, 0, 99), *p, *across, *vc, *runs;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(json_object_get_int(member(m, "schema")), BENCH_JSON_SCHEMA);
	ck_assert_uint_eq(bench_runs_count(m), 3);
	runs = member(m, "runs");
	ck_assert_double_eq(
		json_object_get_double(member(json_object_array_get_idx(runs, 2), "wall_s")), 2.5);
	/* Each run keeps its own per-sample summaries; the identity is said once. */
	ck_assert_ptr_nonnull(member(
		json_object_array_get_idx(member(json_object_array_get_idx(runs, 1), "paths"), 0),
		"ns"));
	ck_assert(
		!json_object_object_get_ex(json_object_array_get_idx(runs, 1), "kvm_params", NULL));
	p = json_object_array_get_idx(member(m, "paths"), 0);
	ck_assert_str_eq(json_object_get_string(member(p, "name")), "mmio_write");
	ck_assert(!json_object_object_get_ex(p, "ns", NULL));
	ck_assert_int_eq(json_object_get_int(member(member(p, "rounds"), "n")), 3 * ROUNDS);
	ck_assert_int_eq(json_object_get_int(member(p, "accesses")), 3000);
	ck_assert_double_eq_tol(
		json_object_get_double(member(member(p, "stats_per_access"), "exits")), 1.004,
		1e-9);
	across = member(p, "across_runs");
	ck_assert_int_eq(json_object_get_int(member(across, "n")), 3);
	vc = member(across, "vs_control");
	ck_assert_str_eq(json_object_get_string(member(vc, "control")), "lapic_read");
	/* Run 2 (index 1): jitter[3] = 0.997 of 20000 over the control's 6000. */
	ck_assert_double_eq_tol(
		json_object_get_double(json_object_array_get_idx(member(vc, "values"), 1)),
		20000 * 0.997 / 6000, 1e-9);
	/* The skipped path is carried as it was. */
	p = json_object_array_get_idx(member(m, "paths"), 3);
	ck_assert_str_eq(json_object_get_string(member(p, "skip_reason")), "no coalesced MMIO");
	/* The table names the runs and the spread. */
	f = open_memstream(&text, &len);
	bench_runs_print_table(m, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "3 runs of 30 rounds, each in a fresh process"));
	ck_assert_ptr_nonnull(strstr(text, "skipped: no coalesced MMIO"));
	ck_assert_ptr_nonnull(strstr(text, "%..+"));
	free(text);
	json_object_put(m);
}
END_TEST

START_TEST(runs_merge_refuses_what_differs)
{
	struct json_object *docs[3] = { render(20000, 1, "N", false), render(20000, 1, "N", false),
					render(20000, 1, "Y", false) };
	struct json_object *m = NULL, *paths;
	char why[200];

	ck_assert_int_eq(bench_runs_merge(docs, NULL, 1, &m, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(bench_runs_merge(docs, NULL, 3, &m, why, sizeof(why)), -EBADMSG);
	ck_assert_str_eq(why, "run 3's kvm_params differs from run 1's");
	/* A path that ran in one run and was skipped in another. */
	json_object_put(docs[2]);
	docs[2] = render(20000, 1, "N", false);
	paths = member(docs[2], "paths");
	json_object_object_add(json_object_array_get_idx(paths, 0), "status",
			       json_object_new_string("skipped"));
	ck_assert_int_eq(bench_runs_merge(docs, NULL, 3, &m, why, sizeof(why)), -EBADMSG);
	ck_assert_str_eq(why, "path mmio_write is ok in run 1 but skipped in run 3");
	ck_assert_ptr_null(m);
	json_object_put(docs[0]);
	json_object_put(docs[1]);
	json_object_put(docs[2]);
}
END_TEST

/*
 * Runs as the samples: spread and a 5% outlier run are noise, a 4% change
 * in every run is a regression, and too few runs fall back to the rounds
 * with a warning.
 */
START_TEST(compare_runs)
{
	struct json_object *a = render_runs(10, 20000, 0, 99);
	struct json_object *b = render_runs(10, 20000, 1, 4);
	struct json_object *c = render_runs(10, 20000 * 1.04, 2, 99);
	struct json_object *few = render_runs(5, 20000, 1, 99);
	char *out = NULL;

	ck_assert_int_eq(compare_docs(a, b, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "judged on runs: A has 10, B 10"));
	ck_assert_ptr_null(strstr(out, "  significant"));
	ck_assert_ptr_null(strstr(out, "  inconclusive"));
	free(out);
	/* One regression, mmio_write: the in-kernel paths did not move. */
	ck_assert_int_eq(compare_docs(a, c, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "significant regression"));
	free(out);
	ck_assert_int_eq(compare_docs(a, few, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "warning: judged on rounds: A has 10 runs, B 5"));
	free(out);
	json_object_put(a);
	json_object_put(b);
	json_object_put(c);
	json_object_put(few);
}
END_TEST

/*
 * The host 14% slower on side B: a path whose ratio the drift does not
 * move (slope 1 on the control, measured across A's two speeds) keeps
 * most of its power, a 7% change is called; with no spread inside the
 * sides to measure that on, the whole drift floor stands.
 */
START_TEST(compare_runs_drift)
{
	struct json_object *a = render_runs_at(10, 20000, 0, 99, 1, 1.1);
	struct json_object *b = render_runs_at(10, 20000 * 1.07, 1, 99, 1.2, 1.2);
	struct json_object *flat = render_runs_at(10, 20000, 0, 99, 1, 1);
	char *out = NULL;

	ck_assert_int_eq(compare_docs(a, b, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "warning: the host's speed changed by"));
	ck_assert_ptr_nonnull(strstr(out, "measured on the runs"));
	ck_assert_ptr_nonnull(strstr(out, "moved +14.4%"));
	/*
	 * mmio_write's floor: 1.5 x (|slope - 1| + 3.29 x its standard error)
	 * x 14.4%, with the slope near 1: 4.7% (on rounds: 1.5 x 14.4%).
	 */
	ck_assert_ptr_nonnull(strstr(out, "4.7%  significant regression"));
	free(out);
	ck_assert_int_eq(compare_docs(flat, b, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "30.0%  inconclusive"));
	free(out);
	json_object_put(a);
	json_object_put(b);
	json_object_put(flat);
}
END_TEST

START_TEST(within_slope_known)
{
	double x0[6] = { 1, 1.1, 1, 1.1, 1, 1.1 }, y0[6], x1[4] = { 1.2, 1.32, 1.2, 1.32 }, y1[4];
	const double *x[2] = { x0, x1 }, *y[2] = { y0, y1 };
	size_t n[2] = { 6, 4 }, i;
	double slope, se;

	/* y = c x^1.7, with another c in each group: only the within-group slope counts. */
	for (i = 0; i < 6; i++)
		y0[i] = 5 * pow(x0[i], 1.7);
	for (i = 0; i < 4; i++)
		y1[i] = 9 * pow(x1[i], 1.7);
	ck_assert_int_eq(bench_within_slope(x, y, n, 2, &slope, &se), 0);
	ck_assert_double_eq_tol(slope, 1.7, 1e-9);
	ck_assert_double_eq_tol(se, 0, 1e-6);
	/*
	 * One y 1% off: the slope moves a little, and its standard error is
	 * what least squares says for the residuals left (checked by hand).
	 */
	y0[0] *= 1.01;
	ck_assert_int_eq(bench_within_slope(x, y, n, 2, &slope, &se), 0);
	ck_assert_double_eq_tol(slope, 1.7 - log(1.01) / (10 * log(1.1) / 2), 1e-9);
	ck_assert(se > 0.02 && se < 0.1);
	/* No spread in x: nothing to measure a slope on. */
	for (i = 0; i < 6; i++)
		x0[i] = 1;
	for (i = 0; i < 4; i++)
		x1[i] = 2;
	ck_assert_int_eq(bench_within_slope(x, y, n, 2, &slope, &se), -EINVAL);
	x0[0] = -1;
	ck_assert_int_eq(bench_within_slope(x, y, n, 2, &slope, &se), -EINVAL);
}
END_TEST

/* A path under half a KVM exit per access in both runs is not KVM's cost: not judged. */
START_TEST(compare_not_an_exit)
{
	struct json_object *a = render(20000, 1, "N", false), *b = render(23000, 1, "N", false);
	struct json_object *docs[2] = { a, b };
	char *out = NULL;
	size_t i;

	for (i = 0; i < 2; i++)
		json_object_object_add(
			member(json_object_array_get_idx(member(docs[i], "paths"), 0),
			       "stats_per_access"),
			"exits", json_object_new_double(0.005));
	ck_assert_int_eq(compare_docs(a, b, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "not a KVM exit\n"));
	free(out);
	/* An access that became an exit is judged. */
	json_object_object_add(
		member(json_object_array_get_idx(member(b, "paths"), 0), "stats_per_access"),
		"exits", json_object_new_double(1.004));
	ck_assert_int_eq(compare_docs(a, b, &out), 1);
	free(out);
	json_object_put(a);
	json_object_put(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bench");
	TCase *tc = tcase_create("stats");

	tcase_add_test(tc, quantiles_known_values);
	tcase_add_test(tc, summarize_single_and_empty);
	tcase_add_test(tc, median_ci_order_statistics);
	tcase_add_test(tc, t95_table_and_tail);
	tcase_add_loop_test(tc, running_matches_batch, 0, 40);
	tcase_add_test(tc, median_with_duplicates);
	tcase_add_test(tc, capacity_limit);
	tcase_add_test(tc, convergence_rule);
	tcase_add_test(tc, rounds_estimate_median_and_ci);
	tcase_add_test(tc, shift_ci_known_values);
	tcase_add_test(tc, verdicts);
	tcase_add_test(tc, noise_floor_from_halves);
	tcase_add_test(tc, control_choice);
	suite_add_tcase(s, tc);

	tc = tcase_create("conditions");
	tcase_add_test(tc, loadavg_parse);
	tcase_add_test(tc, cpuinfo_parse);
	tcase_add_test(tc, kvm_users_in_fake_proc);
	tcase_add_test(tc, busy_rule);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_loop_test(tc, json_parse_errors_have_positions, 0, ARRAY_SIZE_T(bad_json));
	tcase_add_loop_test(tc, json_unicode_good, 0, ARRAY_SIZE_T(good_strings));
	tcase_add_loop_test(tc, json_raw_high_bytes_alone, 0, 0x80);
	tcase_add_test(tc, json_truncations);
	suite_add_tcase(s, tc);

	tc = tcase_create("report");
	tcase_add_test(tc, report_json_shape);
	tcase_add_test(tc, compare_documents);
	tcase_add_test(tc, compare_host_drift);
	tcase_add_test(tc, compare_drift_inside_a_run);
	tcase_add_test(tc, compare_large_drift);
	tcase_add_test(tc, compare_conditions);
	tcase_add_test(tc, compare_rejects_foreign_json);
	tcase_add_test(tc, runs_merge_shape);
	tcase_add_test(tc, runs_merge_refuses_what_differs);
	tcase_add_test(tc, compare_runs);
	tcase_add_test(tc, compare_not_an_exit);
	tcase_add_test(tc, compare_runs_drift);
	tcase_add_test(tc, within_slope_known);
	suite_add_tcase(s, tc);

	return check_run(s);
}
