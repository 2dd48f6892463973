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

/* Whether KVM has binary stats, else @res is NOT_APPLICABLE naming the cap. */
bool probe_need_stats(KvmcfgProbeResult *res, int kvm_fd);

/* CPUID as this (host) CPU executes it. */
void probe_host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

/*
 * KVM_GET_SUPPORTED_CPUID's entry for @leaf/@subleaf into @regs (eax, ebx,
 * ecx, edx): 1 found, 0 KVM offers no such leaf, -errno.
 */
int probe_supported_cpuid(int kvm_fd, uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);
