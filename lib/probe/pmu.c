// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe "pmu": does KVM offer guests a PMU? Judges kvm.enable_pmu.
 *
 * KVM_GET_SUPPORTED_CPUID is what VMMs hand to guests. With enable_pmu on,
 * leaf 0xA (architectural performance monitoring) carries KVM's PMU
 * version, and on AMD 0x80000001 ECX.PERFCTR_CORE (bit 23) is set where
 * the CPU has it; with it off both are cleared. A CPU that has neither
 * gives KVM nothing to offer, so the probe cannot tell there.
 */
#include <string.h>
#include <unistd.h>

#include "probes.h"

#define PERFCTR_CORE (1u << 23)

static void run(KvmcfgProbeResult *res)
{
	uint32_t host_a[4], host_e[4], host_max[4], kvm_a[4], kvm_e[4];
	unsigned host_version = 0, kvm_version;
	bool host_core, kvm_core, on;

	probe_host_cpuid(0, 0, host_max);
	if (host_max[0] >= 0xa) {
		probe_host_cpuid(0xa, 0, host_a);
		host_version = host_a[0] & 0xff;
	}
	probe_host_cpuid(0x80000001, 0, host_e);
	host_core = host_e[2] & PERFCTR_CORE;
	if (!host_version && !host_core) {
		kvmcfg_probe_set_outcome(res, KVMCFG_PROBE_NOT_APPLICABLE,
					 "this CPU has no PMU to offer (CPUID 0xA version 0, no "
					 "PERFCTR_CORE): KVM offers none whatever enable_pmu says");
		return;
	}
	if (!probe_supported_cpuid(res, 0xa, kvm_a, 0x80000001, kvm_e))
		return;
	kvm_version = kvm_a[0] & 0xff;
	kvm_core = kvm_e[2] & PERFCTR_CORE;
	on = kvm_version || kvm_core;
	kvmcfg_probe_set_evidence(
		res,
		"KVM_GET_SUPPORTED_CPUID: leaf 0xA PMU version %u, "
		"0x80000001 ECX.PERFCTR_CORE=%d (CPU: version %u, PERFCTR_CORE=%d)",
		kvm_version, kvm_core, host_version, host_core);
	probe_observed(res, "kvm", "enable_pmu", on, "KVM offers guests a PMU",
		       "KVM offers guests no PMU");
}

const KvmcfgProbe kvmcfg_probe_pmu = {
	.name = "pmu",
	.what = "the PMU in KVM's supported CPUID (leaf 0xA, AMD PERFCTR_CORE)",
	.params = { { "kvm", "enable_pmu" }, {} },
	.run = run,
};
