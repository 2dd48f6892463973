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
	REALITY_JUDGE_VENDOR("nested", "nested", "nested");
}

KVM_HARNESS_MAIN
