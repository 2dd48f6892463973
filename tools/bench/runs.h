/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Several runs of the bench as one result document (--runs N).
 *
 * On a shared or nested host a whole run carries an effect of its own: on
 * the development host, one run in eight came out 3-5% off in its ratio to
 * the control, with a tight interval and halves that agree (docs/bench.md,
 * "Runs, not rounds"). Rounds inside a run cannot see it, so a comparison
 * of one run with one run cannot tell it from a change. Each run of --runs
 * is therefore a fresh process, and the runs themselves are the samples
 * --compare judges.
 *
 * The merged document keeps the single-run layout, so every reader of a
 * single run still works on it, and adds:
 *   - "runs": what is each run's own (timestamp, conditions, paths with
 *     their per-sample summaries, harness) and "wall_s", its time;
 *   - per path, "across_runs": each run's median across rounds ("medians")
 *     and its ratio to the control ("vs_control": "values"), with the
 *     median and its 95% CI across runs;
 * while the path's "rounds" pool the rounds of every run. The per-sample
 * summaries (ns, cycles, host_ns) are per run only, under "runs". Pure.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

struct json_object;

/* More runs than this are refused (--runs). */
#define BENCH_RUNS_MAX 200

/*
 * The fewest runs a side for --compare to judge runs rather than rounds:
 * with 8 and 8 runs, all 64 pairwise differences on one side of zero has
 * probability 2/C(16,8) = 0.00016 under no change, inside the 99.9% level.
 */
#define BENCH_MIN_RUNS 8

/*
 * Merge @n >= 2 single-run documents @docs (taking no references away:
 * the merged document holds its own) with their wall times @wall_s into
 * *@ret. -EBADMSG with the reason in @why when the runs do not belong
 * together (not bench results, a different kernel, kvm parameters, paths
 * or control between runs), -EINVAL for n < 2, -ENOMEM.
 */
int bench_runs_merge(struct json_object *const *docs, const double *wall_s, size_t n,
		     struct json_object **ret, char *why, size_t why_len);

/* The number of runs a document holds: 1 for a single run. */
size_t bench_runs_count(struct json_object *doc);

/*
 * The per-run values of path @p of a merged document: each run's ratio to
 * *@control (when @vs_control and every run has it), else each run's
 * median in ns (*@control NULL). Malloc'd into *@ret. 0, -EBADMSG when the
 * path has no runs (skipped, or a single-run document), -ENOMEM.
 */
int bench_runs_values(struct json_object *p, int vs_control, double **ret, size_t *n,
		      const char **control);

/* The table of a merged document, as the single-run table has it. */
void bench_runs_print_table(struct json_object *doc, FILE *f);
