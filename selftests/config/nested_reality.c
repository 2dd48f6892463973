// SPDX-License-Identifier: GPL-2.0-only
/*
 * nested_reality: does KVM offer guests VMX (kvm_intel) or SVM (kvm_amd)
 * in its supported CPUID exactly when the vendor module's nested param is
 * on? On a host without VMX/SVM (a PVM host) neither module loads and the
 * test skips naming the vendor module.
 *
 * Bug class: nested virtualization offered to guests (a large attack
 * surface) while the fleet's policy and the param say it is off.
 *
 * The observation is lib/probe's "nested" probe; this test holds the param
 * against it through the probe's judge, the one kvmcfgctl check --verify
 * and kvmcfgd use, and fails with "kvm_intel/kvm_amd.nested=V, but <behaviour>: <evidence>"
 * when they disagree. It skips, naming why, where the param is absent or
 * this host cannot show the behaviour.
 */
#include "kvm_test.h"
#include "reality.h"

REALITY_PROBE_RUNS("nested")

TEST(vendor_nested_param)
{
	char vendor[64];

	kvm_vendor_module(vendor, sizeof(vendor));
	if (!strcmp(vendor, "kvm_intel"))
		REALITY_JUDGE("nested", "kvm_intel", "nested");
	else if (!strcmp(vendor, "kvm_amd"))
		REALITY_JUDGE("nested", "kvm_amd", "nested");
	else
		SKIP(return, "no kvm_intel.nested or kvm_amd.nested to check: the KVM vendor module "
		     "is %s", vendor);
}

KVM_HARNESS_MAIN
