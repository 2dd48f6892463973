/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The measured exit paths of kvm-mmio-bench: their VMs, guest loops and
 * host-side exit handling (paths.c, compiled with the guest flags because
 * guest code lives there). This interface is integers only, so the guest
 * translation unit never touches floating point; statistics happen in the
 * caller's callbacks.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum bench_path_id {
	BENCH_MMIO_WRITE,	   /* (a) userspace MMIO, write */
	BENCH_MMIO_READ,	   /* (a) userspace MMIO, read */
	BENCH_MMIO_NEW_PAGE,	   /* (b) userspace MMIO, first write to a new page */
	BENCH_COALESCED,	   /* (c) coalesced MMIO write, one page */
	BENCH_COALESCED_NEW_PAGE,  /* (b) coalesced MMIO write, a new page each time */
	BENCH_IOEVENTFD_DATAMATCH, /* (d) */
	BENCH_IOEVENTFD_WILDCARD,  /* (d) zero-length where KVM_CAP_IOEVENTFD_ANY_LENGTH */
	BENCH_LAPIC_READ,	   /* (e) in-kernel LAPIC MMIO */
	BENCH_PIO_CPL0,		   /* (f) port I/O to userspace, at CPL0 */
	BENCH_PIO_CPL3,		   /* (f) the same at CPL3 */
	BENCH_CPUID,		   /* (g) empty exit floor */
	_BENCH_PATH_MAX,
};

struct bench_path_info {
	const char *name;
	const char *group;
	unsigned int cpl;
	const char *description;
};

extern const struct bench_path_info bench_path_info[_BENCH_PATH_MAX];

/* Accesses per batch at most (the guest's cycle buffer). */
#define BENCH_BATCH_MAX 512

struct bench_sink {
	/*
	 * After each measured batch: the guest's per-access TSC deltas and the
	 * host CLOCK_MONOTONIC_RAW time of the whole batch (its KVM_RUN calls
	 * and exit handling). Return true to stop.
	 */
	bool (*batch)(void *opaque, const uint64_t *cycles, unsigned int n, uint64_t host_ns);
	void *opaque;
};

#define BENCH_STATS_MAX 16

struct bench_path_out {
	uint32_t tsc_khz;
	uint64_t accesses, batches;
	uint64_t elapsed_ns;
	/* Stat deltas over the measured batches, for the names the caller passed. */
	bool stat_present[BENCH_STATS_MAX];
	uint64_t stat_delta[BENCH_STATS_MAX];
};

/* One path's VM, kept between the slices of an interleaved run. */
struct bench_path;

/*
 * Build the VM for path @id and run one unmeasured warm-up batch.
 * @handler_delay_ns of work is added to each exit the bench handles in
 * userspace (0: none). @stat_names (at most BENCH_STATS_MAX, kept by
 * reference) are the vCPU stats whose deltas are wanted. Returns 0 with
 * *ret set, or 0 with *ret NULL and *skip_reason (static) when the host
 * lacks what the path needs; *note says how the path was set up where
 * hosts differ (or NULL). A wrong exit or value fails the process.
 */
int bench_path_new(enum bench_path_id id, uint64_t handler_delay_ns, const char *const *stat_names,
		   unsigned int n_stats, struct bench_path **ret, const char **skip_reason,
		   const char **note);

/* One slice: a warm-up batch, then measured batches until the sink says stop. */
void bench_path_measure(struct bench_path *p, const struct bench_sink *sink);

/* Totals over every slice so far. */
void bench_path_totals(const struct bench_path *p, struct bench_path_out *out);

struct bench_path *bench_path_free(struct bench_path *p);

struct bench_harness_sink {
	/*
	 * One bench batch and one raw chunk of @n accesses each, run back to
	 * back so machine load hits both alike. Return true to stop.
	 */
	bool (*pair)(void *opaque, unsigned int n, uint64_t bench_ns, uint64_t raw_ns);
	void *opaque;
};

/*
 * Harness overhead on path (a) write: the bench's loop against a raw loop
 * (one KVM_RUN, one exit-reason check, nothing else), alternating.
 */
int bench_harness_run(const struct bench_harness_sink *sink);
