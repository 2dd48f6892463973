// SPDX-License-Identifier: GPL-2.0-only
/*
 * ignore_msrs_reality: does a guest RDMSR of an MSR that nobody implements
 * raise #GP exactly when kvm.ignore_msrs is off? A runtime-writable param:
 * an operator who sets it to 1 silences #GPs that guests rely on to probe
 * for features, and the host's config files never show it.
 *
 * Bug class: guests that see an MSR 'exist' (reads 0) because the param
 * changed behind the config's back, or a param that reads Y while KVM
 * still injects #GP.
 *
 * The observation is lib/probe's "ignore_msrs" probe; this test holds the param
 * against it through the probe's judge, the one kvmcfgctl check --verify
 * and kvmcfgd use, and fails with "kvm.ignore_msrs=V, but <behaviour>: <evidence>"
 * when they disagree. It skips, naming why, where the param is absent or
 * this host cannot show the behaviour.
 */
#include "kvm_test.h"
#include "reality.h"

REALITY_PROBE_RUNS("ignore_msrs")

TEST(ignore_msrs_param)
{
	REALITY_JUDGE("ignore_msrs", "kvm", "ignore_msrs");
}

KVM_HARNESS_MAIN
