// SPDX-License-Identifier: GPL-2.0-only
/* Percentiles, mean and CI, and the adaptive stop rule (see stats.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sample-stats.h"

void bench_samples_init(struct bench_samples *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
}

void bench_samples_deinit(struct bench_samples *s)
{
	free(s->v);
	bench_samples_init(s, s->max);
}

int bench_samples_add(struct bench_samples *s, uint64_t v)
{
	double delta;

	if (s->max && s->n >= s->max)
		return -ENOSPC;
	if (GROW(s->v, s->cap, s->n + 1) < 0)
		return -ENOMEM;
	s->v[s->n++] = v;
	delta = (double)v - s->mean;
	s->mean += delta / (double)s->n;
	s->m2 += delta * ((double)v - s->mean);
	return 0;
}

/*
 * Two-sided 95% critical values of Student's t for 1..30 degrees of
 * freedom; past 30 the Cornish-Fisher expansion below is within 1e-4.
 */
static const double t95_small[] = {
	12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
	2.2010,	 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
	2.0796,	 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
};

double bench_t95(uint64_t dof)
{
	const double z = 1.959964, z3 = z * z * z, z5 = z3 * z * z;
	double d = (double)dof;

	if (dof == 0)
		return INFINITY;
	if (dof <= 30)
		return t95_small[dof - 1];
	return z + (z3 + z) / (4 * d) + (5 * z5 + 16 * z3 + 3 * z) / (96 * d * d);
}

static double stddev_of(uint64_t n, double m2)
{
	return n > 1 ? sqrt(m2 / (double)(n - 1)) : 0;
}

double bench_samples_ci95(const struct bench_samples *s)
{
	if (s->n < 2)
		return 0;
	return bench_t95(s->n - 1) * stddev_of(s->n, s->m2) / sqrt((double)s->n);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

double bench_quantile_sorted(const uint64_t *sorted, size_t n, double q)
{
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)h;

	if (lo + 1 >= n)
		return (double)sorted[n - 1];
	return (double)sorted[lo] +
	       (h - (double)lo) * ((double)sorted[lo + 1] - (double)sorted[lo]);
}

void bench_median_ci_ranks(size_t n, size_t *lo, size_t *hi)
{
	/* 1-based ranks n/2 - z*sqrt(n)/2 and 1 + n/2 + z*sqrt(n)/2. */
	double half = 1.959964 * sqrt((double)n) / 2;
	double j = floor((double)n / 2 - half), k = ceil((double)n / 2 + 1 + half);

	*lo = j > 1 ? (size_t)j - 1 : 0;
	*hi = k < (double)n ? (size_t)k - 1 : n - 1;
}

int bench_summarize(uint64_t *v, size_t n, struct bench_summary *ret)
{
	double mean = 0, m2 = 0;
	size_t i, lo, hi;

	if (!n)
		return -EINVAL;
	qsort(v, n, sizeof(*v), cmp_u64);
	/* Recomputed here (two passes) rather than trusted from a caller. */
	for (i = 0; i < n; i++)
		mean += (double)v[i];
	mean /= (double)n;
	for (i = 0; i < n; i++)
		m2 += ((double)v[i] - mean) * ((double)v[i] - mean);
	bench_median_ci_ranks(n, &lo, &hi);

	*ret = (struct bench_summary){
		.n = n,
		.min = (double)v[0],
		.max = (double)v[n - 1],
		.median = bench_quantile_sorted(v, n, 0.5),
		.p90 = bench_quantile_sorted(v, n, 0.9),
		.p99 = bench_quantile_sorted(v, n, 0.99),
		.mean = mean,
		.stddev = stddev_of(n, m2),
		.ci95 = n > 1 ? bench_t95(n - 1) * stddev_of(n, m2) / sqrt((double)n) : 0,
		.median_lo = (double)v[lo],
		.median_hi = (double)v[hi],
	};
	return 0;
}

int bench_samples_summarize(struct bench_samples *s, struct bench_summary *ret)
{
	return bench_summarize(s->v, s->n, ret);
}

/* Hoare's selection: afterwards v[k] is the k-th smallest. */
static void select_kth(uint64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint64_t pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				uint64_t t = v[i];

				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

int bench_samples_median(const struct bench_samples *s, double *ret)
{
	uint64_t *tmp, next;
	double h;
	size_t lo, i;

	if (!s->n)
		return -EINVAL;
	tmp = malloc(s->n * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, s->v, s->n * sizeof(*tmp));
	h = (double)(s->n - 1) * 0.5;
	lo = (size_t)h;
	select_kth(tmp, s->n, lo);
	if (lo + 1 < s->n && h > (double)lo) {
		/* The next order statistic is the smallest of the upper part. */
		next = tmp[lo + 1];
		for (i = lo + 2; i < s->n; i++)
			if (tmp[i] < next)
				next = tmp[i];
		*ret = (double)tmp[lo] + (h - (double)lo) * ((double)next - (double)tmp[lo]);
	} else {
		*ret = (double)tmp[lo];
	}
	free(tmp);
	return 0;
}

bool bench_samples_converged(const struct bench_samples *s, size_t min_n, double rel)
{
	double ci, median;

	if (s->n < min_n || s->n < 2)
		return false;
	ci = bench_samples_ci95(s);
	/*
	 * Cheap screen first: the median of these right-skewed samples is at
	 * most a little above the mean, so a CI wider than rel * 2 * mean
	 * cannot pass and no selection is needed.
	 */
	if (ci >= rel * 2 * s->mean)
		return false;
	if (bench_samples_median(s, &median) < 0)
		return false;
	return ci < rel * median;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Whether all @n values are finite and positive (they are logged or divided by). */
static bool all_positive(const double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(v[i] > 0) || !isfinite(v[i]))
			return false;
	return true;
}

int bench_rounds_estimate(const double *v, size_t n, struct bench_estimate *ret)
{
	size_t lo, hi;
	double *d;

	if (n < 2 || !all_positive(v, n))
		return -EINVAL;
	d = malloc(n * sizeof(*d));
	if (!d)
		return -ENOMEM;
	memcpy(d, v, n * sizeof(*d));
	qsort(d, n, sizeof(*d), cmp_double);
	bench_median_ci_ranks(n, &lo, &hi);
	*ret = (struct bench_estimate){
		.n = n,
		.value = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2,
		.lo = d[lo],
		.hi = d[hi],
	};
	free(d);
	return 0;
}

int bench_shift_ci(const double *a, size_t na, const double *b, size_t nb, double z,
		   struct bench_estimate *ret)
{
	size_t n = na * nb, i, j, k = 0, c;
	double *d, est, half;

	if (na < 2 || nb < 2 || na > 1000000 / nb || !all_positive(a, na) || !all_positive(b, nb))
		return -EINVAL;
	d = malloc(n * sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			d[k++] = log(b[j]) - log(a[i]);
	qsort(d, n, sizeof(*d), cmp_double);
	est = (d[(n - 1) / 2] + d[n / 2]) / 2;
	/*
	 * The distribution-free interval: the c-th smallest and largest of
	 * the pairwise differences, c from the normal approximation to the
	 * Mann-Whitney U statistic's null distribution.
	 */
	half = z * sqrt((double)na * (double)nb * (double)(na + nb + 1) / 12);
	c = (double)n / 2 - half > 0 ? (size_t)floor((double)n / 2 - half) : 0;
	*ret = (struct bench_estimate){
		.n = na < nb ? na : nb,
		.value = exp(est),
		.lo = exp(d[c]),
		.hi = exp(d[n - 1 - c]),
	};
	free(d);
	return 0;
}

int bench_within_slope(const double *const *x, const double *const *y, const size_t *n, size_t k,
		       double *slope, double *se)
{
	double sxx = 0, sxy = 0, syy = 0, b;
	size_t g, i, total = 0;

	for (g = 0; g < k; g++) {
		double mx = 0, my = 0;

		if (!n[g])
			continue;
		if (!all_positive(x[g], n[g]) || !all_positive(y[g], n[g]))
			return -EINVAL;
		for (i = 0; i < n[g]; i++) {
			mx += log(x[g][i]);
			my += log(y[g][i]);
		}
		mx /= (double)n[g];
		my /= (double)n[g];
		for (i = 0; i < n[g]; i++) {
			double dx = log(x[g][i]) - mx, dy = log(y[g][i]) - my;

			sxx += dx * dx;
			sxy += dx * dy;
			syy += dy * dy;
		}
		total += n[g];
	}
	if (total < k + 2 || !(sxx > 0))
		return -EINVAL;
	b = sxy / sxx;
	*slope = b;
	/* Residual variance on total - k - 1 degrees of freedom: k means and the slope. */
	*se = sqrt(fmax(syy - b * sxy, 0) / (double)(total - k - 1) / sxx);
	return 0;
}
