/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mmio_caching probe's observation: a CPL3 guest makes n accesses to k
 * unbacked guest-physical pages, the host answers each KVM_EXIT_MMIO, and
 * the vCPU stats say whether KVM cached MMIO SPTEs (mmio-caching.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "probe.h"

#define KVMCFG_MMIO_MAX_PAGES 64

enum kvmcfg_mmio_caching {
	KVMCFG_MMIO_CACHED,   /* one MMIO SPTE per page, later accesses take the fast path */
	KVMCFG_MMIO_UNCACHED, /* no MMIO SPTE, every access a full fault ending in emulation */
	KVMCFG_MMIO_MIXED,    /* neither picture */
};

struct kvmcfg_mmio_observation {
	uint64_t n, pages;
	bool is_write;
	uint64_t taken, emulate, created, exits; /* vCPU stat deltas */
	uint64_t ns_per_access;
	enum kvmcfg_mmio_caching caching;
	char summary[384];
};

/*
 * Observe @n accesses round-robin over @pages (<= KVMCFG_MMIO_MAX_PAGES)
 * pages. Returns 0, or -ENOENT with *missing naming a vCPU stat this kernel
 * lacks. lib/vm asserts on everything else (every exit must be the expected
 * MMIO access).
 */
int kvmcfg_mmio_observe(uint64_t pages, uint64_t n, bool is_write,
			struct kvmcfg_mmio_observation *obs, const char **missing);

/* The probe's result from @obs: a verdict on kvm.mmio_caching, or CANNOT_RUN when mixed. */
void kvmcfg_mmio_result(const struct kvmcfg_mmio_observation *obs, KvmcfgProbeResult *res);
