// SPDX-License-Identifier: GPL-2.0-only
/*
 * force_emulation_prefix_reality: is KVM's forced-emulation prefix (ud2
 * followed by "kvm") honoured exactly when kvm.force_emulation_prefix is
 * nonzero? The prefix lets any guest drive KVM's instruction emulator at
 * will: a testing aid that must stay off in production.
 *
 * Bug class: a production host that exposes the emulator to guests while
 * its param (or its policy) says it is off.
 *
 * The observation is lib/probe's "force_emulation_prefix" probe; this test holds the param
 * against it through the probe's judge, the one kvmcfgctl check --verify
 * and kvmcfgd use, and fails with "kvm.force_emulation_prefix=V, but <behaviour>: <evidence>"
 * when they disagree. It skips, naming why, where the param is absent or
 * this host cannot show the behaviour.
 */
#include "kvm_test.h"
#include "reality.h"

REALITY_PROBE_RUNS("force_emulation_prefix")

TEST(force_emulation_prefix_param)
{
	REALITY_JUDGE("force_emulation_prefix", "kvm", "force_emulation_prefix");
}

KVM_HARNESS_MAIN
