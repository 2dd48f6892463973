/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tdp probe's observation: TDP (EPT/NPT) or shadow paging, and the TDP
 * MMU or the shadow MMU, seen through vCPU and VM stats (tdp.c says how).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "probe.h"

enum kvmcfg_paging { KVMCFG_PAGING_TDP, KVMCFG_PAGING_SHADOW, KVMCFG_PAGING_MIXED };

/* "TDP (EPT/NPT)", "shadow paging", "contradictory signals". */
const char *kvmcfg_paging_name(enum kvmcfg_paging p);

struct kvmcfg_tdp_observation {
	uint64_t n;	 /* guest actions of each kind */
	uint64_t invlpg; /* vCPU stat deltas over those actions */
	uint64_t pf_guest;
	uint64_t pte_write;  /* VM stat delta */
	uint64_t cache_miss; /* VM stat over the VM's whole life */
	enum kvmcfg_paging paging;
	bool tdp_mmu; /* no shadow-MMU page was ever created */
	char summary[512];
};

/*
 * Make a guest INVLPG, take #PFs and write its own page tables @n times
 * each, touch fresh memory, and classify what KVM did. Returns 0, or -ENOENT with *missing
 * naming a stat this kernel lacks. Needs /dev/kvm and binary stats (lib/vm
 * asserts otherwise).
 */
int kvmcfg_tdp_observe(uint64_t n, struct kvmcfg_tdp_observation *obs, const char **missing);

/* The probe's result from @obs: verdicts on ept, npt and tdp_mmu, or CANNOT_RUN when mixed. */
void kvmcfg_tdp_result(const struct kvmcfg_tdp_observation *obs, KvmcfgProbeResult *res);
