/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --compare A.json B.json: per path, did B get slower or faster than A?
 *
 * The verdict comes from the 95% CIs of the per-access median of each
 * run: a change is significant when the two intervals do not overlap AND
 * the medians differ by at least @min_rel. Medians, not means: on a loaded
 * host a few preempted accesses (milliseconds each) move the mean and
 * widen its CI from run to run, while the median stays put; two runs of
 * the same kernel here differed by 26% in the mean and 0.2% in the median.
 * Non-overlap of two 95% intervals is a conservative test (about 99.5%
 * for independent runs), which suits a CI gate that must not cry wolf.
 * The minimum change keeps a real but tiny shift between two huge runs
 * from failing CI.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "json.h"

enum bench_verdict {
	BENCH_NOISE,
	BENCH_REGRESSION,
	BENCH_IMPROVEMENT,
};

const char *bench_verdict_str(enum bench_verdict v);

/*
 * Pure: the verdict for A's estimate @a with 95% interval [@a_lo, @a_hi]
 * against B's; *change_rel = (b - a) / a.
 */
enum bench_verdict bench_verdict(double a, double a_lo, double a_hi, double b, double b_lo,
				 double b_hi, double min_rel, double *change_rel);

/*
 * Compare two parsed result documents and print the table to @f.
 * @name_a/@name_b label the columns (file names). Returns the number of
 * regressions (>= 0), or -EBADMSG when a document is not a kvm-mmio-bench
 * result (with a line on @err saying what is wrong and in which file).
 */
int bench_compare(const struct json_value *a, const char *name_a, const struct json_value *b,
		  const char *name_b, double min_rel, FILE *f, FILE *err);
