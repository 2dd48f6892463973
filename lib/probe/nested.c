// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe "nested": does KVM offer guests VMX or SVM? Judges
 * kvm_intel.nested and kvm_amd.nested.
 *
 * vmx_set_cpu_caps() sets VMX (CPUID 1 ECX bit 5) and svm_set_cpu_caps()
 * sets SVM (0x80000001 ECX bit 2) in KVM's supported CPUID exactly when
 * nested is on. A CPU without VMX/SVM of its own runs no such vendor
 * module, so the probe cannot tell there (a PVM host, for one).
 */
#include <string.h>
#include <unistd.h>

#include "probes.h"

#define VMX_BIT (1u << 5)
#define SVM_BIT (1u << 2)

static void run(KvmcfgProbeResult *res)
{
	uint32_t h1[4], he[4], k1[4], ke[4];
	bool host_vmx, host_svm, vmx, svm;

	probe_host_cpuid(1, 0, h1);
	probe_host_cpuid(0x80000001, 0, he);
	host_vmx = h1[2] & VMX_BIT;
	host_svm = he[2] & SVM_BIT;
	if (!host_vmx && !host_svm) {
		kvmcfg_probe_set_outcome(res, KVMCFG_PROBE_NOT_APPLICABLE,
					 "this CPU has neither VMX nor SVM: nothing to nest");
		return;
	}
	if (!probe_supported_cpuid(res, 1, k1, 0x80000001, ke))
		return;
	vmx = k1[2] & VMX_BIT;
	svm = ke[2] & SVM_BIT;
	kvmcfg_probe_set_evidence(res,
				  "KVM_GET_SUPPORTED_CPUID: VMX=%d SVM=%d (CPU: VMX=%d SVM=%d)",
				  vmx, svm, host_vmx, host_svm);
	if (host_vmx)
		kvmcfg_probe_add_verdict(res, "kvm_intel", "nested", vmx,
					 vmx ? "KVM offers guests VMX" :
					       "KVM offers guests no VMX");
	if (host_svm)
		kvmcfg_probe_add_verdict(res, "kvm_amd", "nested", svm,
					 svm ? "KVM offers guests SVM" :
					       "KVM offers guests no SVM");
	res->outcome = KVMCFG_PROBE_OBSERVED;
}

const KvmcfgProbe kvmcfg_probe_nested = {
	.name = "nested",
	.what = "VMX or SVM in KVM's supported CPUID",
	.params = { { "kvm_intel", "nested" }, { "kvm_amd", "nested" }, {} },
	.run = run,
};
