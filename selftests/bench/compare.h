/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --compare A.json B.json: per path, did B get slower or faster than A?
 *
 * The verdict comes from the two 95% CIs of the mean per-access cost: the
 * difference of the means has a CI half-width of sqrt(ciA^2 + ciB^2)
 * (independent runs, large n). A change is significant when that CI
 * excludes zero AND the change is at least @min_rel of A's mean; the
 * second condition keeps a 0.3% shift between two huge runs from failing
 * CI while the machine's own noise is larger than that.
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

/* Pure: the verdict for mean±ci A versus B; *change_rel = (B - A) / A. */
enum bench_verdict bench_verdict(double mean_a, double ci_a, double mean_b, double ci_b,
				 double min_rel, double *change_rel);

/*
 * Compare two parsed result documents and print the table to @f.
 * @name_a/@name_b label the columns (file names). Returns the number of
 * regressions (>= 0), or -EBADMSG when a document is not a kvm-mmio-bench
 * result (with a line on @err saying what is wrong and in which file).
 */
int bench_compare(const struct json_value *a, const char *name_a, const struct json_value *b,
		  const char *name_b, double min_rel, FILE *f, FILE *err);
