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
	BENCH_MMIO_WRITE,		/* (a) userspace MMIO, write */
	BENCH_MMIO_READ,		/* (a) userspace MMIO, read */
	BENCH_MMIO_NEW_PAGE,		/* (b) userspace MMIO, first write to a new page */
	BENCH_COALESCED,		/* (c) coalesced MMIO write, one page */
	BENCH_COALESCED_NEW_PAGE,	/* (b) coalesced MMIO write, a new page each time */
	BENCH_IOEVENTFD_DATAMATCH,	/* (d) */
	BENCH_IOEVENTFD_WILDCARD,	/* (d) zero-length where KVM_CAP_IOEVENTFD_ANY_LENGTH */
	BENCH_LAPIC_READ,		/* (e) in-kernel LAPIC MMIO */
	BENCH_PIO_CPL0,			/* (f) port I/O to userspace, at CPL0 */
	BENCH_PIO_CPL3,			/* (f) the same at CPL3 */
	BENCH_CPUID,			/* (g) empty exit floor */
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

struct bench_path_out {
	uint32_t tsc_khz;
	uint64_t accesses, batches;
	uint64_t elapsed_ns;
	const char *skip_reason;	/* set: the path cannot run here (static string) */
	const char *note;		/* how the path was set up where hosts differ, or NULL */
	/* Stat deltas over the measured batches, for the names the caller passed. */
	bool stat_present[16];
	uint64_t stat_delta[16];
};

/*
 * Run path @id until the sink says stop (after one unmeasured warm-up
 * batch). @stat_names (at most 16) are the vCPU stats whose deltas are
 * wanted. Returns 0 (out->skip_reason set if the host lacks what the path
 * needs); a wrong exit or value fails the process with the reason.
 */
int bench_path_run(enum bench_path_id id, const struct bench_sink *sink,
		   const char *const *stat_names, unsigned int n_stats,
		   struct bench_path_out *out);

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
