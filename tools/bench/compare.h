/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --compare A.json B.json: per path, did B get slower or faster than A?
 *
 * Each run visits every path in many short rounds, and records the path's
 * median in each round. A path is judged by its ratio to a control path
 * measured in the same round (an in-kernel exit, bench_control_for()),
 * which shares the host's drift: two back-to-back runs of the same kernel
 * on a shared host differ by several percent in every path alike, and the
 * ratio takes that out. The shift of those per-round ratios from A to B is
 * estimated by Hodges-Lehmann with a distribution-free 99.9% interval
 * (bench_shift_ci()); a path regressed when the interval lies wholly above
 * no change AND the estimate is at least @min_rel AND beyond the noise
 * floor (bench_noise_floor(), or 1.5 times the host's drift past
 * BENCH_DRIFT_LIMIT).
 * The control's own move is printed as the host's drift. docs/bench.md has the measurements behind
 * this design.
 */
#pragma once

#include <stdio.h>

#include "sample-stats.h"

struct json_object;

enum bench_verdict {
	BENCH_NOISE,
	BENCH_REGRESSION,
	BENCH_IMPROVEMENT,
	/* Slower by at least the minimum change, but too noisy to call: run B again. */
	BENCH_INCONCLUSIVE,
	/*
	 * Not judged: under half a KVM exit per access in both runs, so what
	 * it costs is not KVM's (CPUID on a host whose own hypervisor traps
	 * it). Never a regression.
	 */
	BENCH_NOT_AN_EXIT,
};

/*
 * How far the control may move between two runs (either way) before the
 * ratio to it stops taking the drift out for every path: measured here,
 * the paths dominated by instruction emulation (pio_cpl0, pio_cpl3) and
 * CPUID (the outer hypervisor's) moved up to 2.1 times as much as the
 * control, so their ratio to it moved by up to 1.1 times the drift. Beyond
 * the limit, a change must also be larger than BENCH_DRIFT_FLOOR times the
 * drift to be called.
 */
#define BENCH_DRIFT_LIMIT 0.08
#define BENCH_DRIFT_FLOOR 1.5

/*
 * z of the interval --compare judges with: 99.9%, two-sided. 11 paths are
 * judged at once, so about 1% per comparison that some path is flagged by
 * chance alone (Bonferroni), before --min-change.
 */
#define BENCH_COMPARE_Z 3.2905

const char *bench_verdict_str(enum bench_verdict v);

/*
 * Pure: the verdict for @shift (B / A as a ratio, with its interval): a
 * regression when the interval is wholly above 1 and the ratio is at least
 * 1 + the larger of @min_rel and @floor; an improvement in the mirror
 * image; inconclusive when the ratio is at least 1 + @min_rel but the
 * interval or the floor keeps it from being called, and the interval
 * leans that way: clear of 1, or reaching no lower than 1 / (1 + @min_rel)
 * (a gate reruns B rather than pass a change it could not see through the
 * noise); noise otherwise, an interval wide on both sides included.
 */
enum bench_verdict bench_verdict(const struct bench_estimate *shift, double min_rel, double floor);

/*
 * The noise floor from the data: how far the second half of a run's
 * rounds is from its first half (Hodges-Lehmann shift, as a relative
 * change either way), the larger of runs @a and @b. The halves share
 * everything but time, so this is drift inside a run that lasts longer
 * than a round, which the rounds' CI takes for independent noise.
 * A run of fewer than 4 rounds adds nothing. 0, -EINVAL (a value not
 * positive), -ENOMEM.
 */
int bench_noise_floor(const double *a, size_t na, const double *b, size_t nb, double *ret);

/*
 * Compare two parsed result documents and print the table to @f.
 * @name_a/@name_b label the columns (file names). Returns the number of
 * regressions (>= 0) and stores the number of inconclusive paths in
 * *@ret_inconclusive (if not NULL), or -EBADMSG when a document is not a
 * kvm-mmio-bench result (with a line on @err saying what is wrong and in
 * which file).
 */
int bench_compare(struct json_object *a, const char *name_a, struct json_object *b,
		  const char *name_b, double min_rel, FILE *f, FILE *err, size_t *ret_inconclusive);
