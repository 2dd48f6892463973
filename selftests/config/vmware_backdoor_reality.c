// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmware_backdoor_reality: does a CPL3 access to the VMware backdoor port
 * (0x5658) with IOPL 0 reach the host exactly when
 * kvm.enable_vmware_backdoor is on, and raise #GP otherwise? The backdoor
 * intercepts every guest #GP and lets user mode reach a port the guest
 * kernel denied it.
 *
 * Bug class: a host that opens the backdoor to guest user space while its
 * param says it is closed, or the reverse for VMware guests that need it.
 *
 * The observation is lib/probe's "vmware_backdoor" probe; this test holds the param
 * against it through the probe's judge, the one kvmcfgctl check --verify
 * and kvmcfgd use, and fails with "kvm.enable_vmware_backdoor=V, but <behaviour>: <evidence>"
 * when they disagree. It skips, naming why, where the param is absent or
 * this host cannot show the behaviour.
 */
#include "kvm_test.h"
#include "reality.h"

REALITY_PROBE_RUNS("vmware_backdoor")

TEST(enable_vmware_backdoor_param)
{
	REALITY_JUDGE("vmware_backdoor", "kvm", "enable_vmware_backdoor");
}

KVM_HARNESS_MAIN
