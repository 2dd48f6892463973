/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The benchmark's statistics engine: a growing set of per-access samples
 * (TSC cycles or ns), their percentiles, mean and 95% confidence interval,
 * and the adaptive stop rule.
 *
 * The mean and variance are kept incrementally (Welford), so checking
 * whether to stop after each batch costs O(1) until the cheap test passes;
 * only then is the median computed (quickselect on a scratch copy).
 *
 * The CI is the textbook one for a mean: t(0.975, n-1) * s / sqrt(n). Per
 * access samples of an exit path are neither normal nor fully independent
 * (a host interrupt lands on neighbours), so treat the CI as a guide to
 * sample size and to whether two runs differ, not as an exact probability.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_samples {
	uint64_t *v;
	size_t n, cap;
	size_t max;	 /* refuse to grow past this many (0: no limit) */
	double mean, m2; /* Welford running mean and sum of squared deviations */
};

/* Empty sample set that holds at most @max samples (0: unlimited). */
void bench_samples_init(struct bench_samples *s, size_t max);
void bench_samples_deinit(struct bench_samples *s);

/* Add one sample: 0, -ENOMEM, or -ENOSPC once @max samples are held. */
int bench_samples_add(struct bench_samples *s, uint64_t v);

/* Half-width of the 95% CI of the mean; 0 with fewer than two samples. */
double bench_samples_ci95(const struct bench_samples *s);

struct bench_summary {
	uint64_t n;
	double min, max;
	double median, p90, p99;
	double mean, stddev, ci95; /* ci95: half-width of the 95% CI of the mean */
	/*
	 * Distribution-free 95% CI of the median (order statistics, normal
	 * approximation to the binomial): robust where preemption spikes
	 * inflate the mean and its CI on a loaded host.
	 */
	double median_lo, median_hi;
};

/*
 * Summarise @n samples (sorted in place). -EINVAL when @n is 0. Quantiles
 * interpolate linearly between closest ranks (R type 7).
 */
int bench_summarize(uint64_t *v, size_t n, struct bench_summary *ret);

/* The same for a sample set; sorts its samples. */
int bench_samples_summarize(struct bench_samples *s, struct bench_summary *ret);

/* Quantile @q in [0,1] of @n sorted values (n >= 1). */
double bench_quantile_sorted(const uint64_t *sorted, size_t n, double q);

/* Two-sided 95% Student t critical value for @dof degrees of freedom. */
double bench_t95(uint64_t dof);

/* 0-based indexes of the 95% CI bounds of the median of @n sorted values. */
void bench_median_ci_ranks(size_t n, size_t *lo, size_t *hi);

/* Median of @s without reordering its samples (-EINVAL empty, -ENOMEM). */
int bench_samples_median(const struct bench_samples *s, double *ret);

/*
 * The adaptive stop rule: true once at least @min_n samples are in and the
 * CI half-width is below @rel (0.02 for 2%) of the median.
 */
bool bench_samples_converged(const struct bench_samples *s, size_t min_n, double rel);

/*
 * A figure measured once per round of an interleaved run (a path's median
 * in each round, or its ratio to the control path in the same round): the
 * median across rounds and its distribution-free 95% CI (the order
 * statistics of bench_median_ci_ranks()). Across rounds, not within one:
 * the spread includes what drifts while the run goes on, and a round that
 * a burst of load hit moves the median little.
 */
struct bench_estimate {
	size_t n; /* rounds */
	double value, lo, hi;
};

/* The estimate of @n >= 2 positive values; -EINVAL otherwise, -ENOMEM. */
int bench_rounds_estimate(const double *v, size_t n, struct bench_estimate *ret);

/*
 * The shift from @a to @b as a ratio (b / a), robust to outlying rounds:
 * the Hodges-Lehmann estimate (median of all pairwise differences of the
 * logarithms) and its distribution-free confidence interval (Mann-Whitney;
 * @z = 1.96 for 95%). -EINVAL unless both have >= 2 positive values (and
 * at most 10^6 pairs: 1000 rounds each), -ENOMEM.
 */
int bench_shift_ci(const double *a, size_t na, const double *b, size_t nb, double z,
		   struct bench_estimate *ret);

/*
 * How a path moves with its control, from paired values in @k groups
 * (sides): group g has @n[g] pairs (@x[g][i], @y[g][i]), all positive.
 * The least-squares slope of log y on log x within the groups, pooled
 * (each group centred on its own means, so a shift between the groups
 * does not count), in *@slope, and its standard error in *@se (large
 * when x barely spreads inside the groups). -EINVAL with fewer than k + 2
 * pairs in all, a value not positive or no spread in x.
 */
int bench_within_slope(const double *const *x, const double *const *y, const size_t *n, size_t k,
		       double *slope, double *se);
