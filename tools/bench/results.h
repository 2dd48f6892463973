/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The results of one benchmark run, and their two renderings: the table
 * for people and the JSON file for machines (--json, read back by
 * --compare). Host-side only; no guest code includes this.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conditions.h"
#include "param-set.h"
#include "sample-stats.h"

/* 2: rounds, host identity, run conditions, handler delay; 3: several runs (runs.h). */
#define BENCH_JSON_SCHEMA 3

struct json_object;

/* The KVM stats reported per access, by KVM's own names. */
enum bench_stat {
	BENCH_STAT_EXITS,
	BENCH_STAT_MMIO_EXITS,
	BENCH_STAT_IO_EXITS,
	BENCH_STAT_PF_TAKEN,
	BENCH_STAT_PF_EMULATE,
	BENCH_STAT_PF_MMIO_SPTE_CREATED,
	BENCH_STAT_INSN_EMULATION,
	_BENCH_STAT_MAX,
};

extern const char *const bench_stat_names[_BENCH_STAT_MAX];

struct bench_path_result {
	const char *name;  /* "mmio_write" */
	const char *group; /* the letter: "a" .. "g" */
	const char *description;
	unsigned int cpl;
	const char *skip_reason; /* non-NULL: the path did not run, and why */
	const char *note;	 /* setup detail where hosts differ, or NULL */

	uint64_t accesses, batches;
	bool converged;	 /* the CI across rounds met --ci-target */
	bool budget_cut; /* some slice stopped at its time share, short of its samples */
	double elapsed_s;
	/*
	 * This path's median in each round (ns), and the median of those with
	 * its 95% CI across rounds (bench_rounds_estimate()).
	 */
	double *round_ns;
	size_t n_rounds;
	struct bench_estimate est;
	/*
	 * The same relative to the control path's median in the same round
	 * (bench_control_for()), which shares the host's drift; what
	 * --compare judges. control NULL: no control was measured.
	 */
	const char *control;
	struct bench_estimate vs_control;
	struct bench_summary cycles; /* per access, guest TSC cycles */
	struct bench_summary ns;     /* the same samples in ns */
	struct bench_summary
		host_ns; /* per access, host CLOCK_MONOTONIC_RAW, one sample per batch */

	/* KVM stat deltas over the measured batches, per access; absent = KVM lacks the stat. */
	bool stat_present[_BENCH_STAT_MAX];
	double stat_per_access[_BENCH_STAT_MAX];
};

/* Harness overhead: the bench's loop against the smallest raw loop on one path. */
struct bench_harness {
	const char *path; /* NULL: not measured */
	const char *skip_reason;
	struct bench_summary bench_ns; /* bench loop, host clock per access (per batch) */
	struct bench_summary raw_ns;   /* raw KVM_RUN loop, host clock per access (per chunk) */
	double ratio;		       /* bench_ns.median / raw_ns.median */
	double ratio_mean;	       /* bench_ns.mean / raw_ns.mean (load spikes move it) */
};

struct bench_report {
	char *kernel_release, *kernel_version, *machine;
	struct bench_conditions cond; /* host identity and load, at start and end */
	uint64_t handler_delay_ns;    /* --handler-delay-ns */
	unsigned int rounds;	      /* --rounds */
	char *timestamp;	      /* UTC, ISO 8601 */
	uint64_t tsc_khz;
	double budget_s, ci_target;
	KvmcfgParams params; /* the kvm* module params, grouped by module */
	struct bench_path_result *paths;
	size_t n_paths;
	struct bench_harness harness;
};

/*
 * The control for path @name: the first of lapic_read, ioeventfd_datamatch
 * and coalesced (in-kernel exits: no userspace, so --handler-delay-ns and
 * the userspace round trip do not move them) that is not @name and for
 * which @have(candidate, @opaque) is true; NULL if none is.
 */
const char *bench_control_for(const char *name, bool (*have)(const char *name, const void *opaque),
			      const void *opaque);

/*
 * Per-round ratios @v[i] / @control[i] of @n rounds into @ret (n values),
 * and their estimate. -EINVAL when a value is not positive, -ENOMEM.
 */
int bench_round_ratios(const double *v, const double *control, size_t n, double *ret,
		       struct bench_estimate *est);

void bench_report_init(struct bench_report *r);
/* Frees what @r holds, @r->paths and their round_ns arrays included. */
void bench_report_deinit(struct bench_report *r);

/* Append a parameter (strings copied): 0 or -ENOMEM. */
int bench_report_add_param(struct bench_report *r, const char *module, const char *name,
			   const char *value, int error);

/* Host identity and load lines, with a warning when the host was busy. */
void bench_report_print_conditions(const struct bench_report *r, FILE *f);
/* Human-readable tables. */
void bench_report_print_table(const struct bench_report *r, FILE *f);
/* The JSON document (json-c); NULL on ENOMEM. */
struct json_object *bench_report_to_json(const struct bench_report *r);
/* The JSON document written to @f; 0 or -errno. */
int bench_report_write_json(const struct bench_report *r, FILE *f);
