/* SPDX-License-Identifier: GPL-2.0-only */
/* Inside lib/probe: the probe objects and what several probes share. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "probe.h"

extern const KvmcfgProbe kvmcfg_probe_tdp;
extern const KvmcfgProbe kvmcfg_probe_mmio_caching;
extern const KvmcfgProbe kvmcfg_probe_sev;
extern const KvmcfgProbe kvmcfg_probe_ignore_msrs;
extern const KvmcfgProbe kvmcfg_probe_force_emulation_prefix;
extern const KvmcfgProbe kvmcfg_probe_vmware_backdoor;
extern const KvmcfgProbe kvmcfg_probe_pmu;
extern const KvmcfgProbe kvmcfg_probe_nested;

/*
 * Open /dev/kvm for a probe: the fd, or -1 with @res set to CANNOT_RUN
 * naming the error (the library's own opener ends the process instead).
 */
int probe_open_kvm(KvmcfgProbeResult *res);

/*
 * Whether /dev/kvm opens (else @res is CANNOT_RUN naming the error) and,
 * with @need_stats, has binary stats (else NOT_APPLICABLE naming the cap),
 * checked before lib/vm, which would end the process instead.
 */
bool probe_kvm_usable(KvmcfgProbeResult *res, bool need_stats);

/*
 * A probe's one verdict: @module.@param is @on, described by @fact_on or
 * @fact_off; @res becomes OBSERVED (its evidence is the caller's).
 */
void probe_observed(KvmcfgProbeResult *res, const char *module, const char *param, bool on,
		    const char *fact_on, const char *fact_off);

/* CPUID as this (host) CPU executes it. */
void probe_host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

/*
 * KVM_GET_SUPPORTED_CPUID's entries for @leaf_a and @leaf_b (subleaf 0)
 * into @a and @b (eax, ebx, ecx, edx; zeroes for a leaf KVM does not
 * offer). False with @res CANNOT_RUN when /dev/kvm or the ioctl fails.
 */
bool probe_supported_cpuid(KvmcfgProbeResult *res, uint32_t leaf_a, uint32_t a[4], uint32_t leaf_b,
			   uint32_t b[4]);
