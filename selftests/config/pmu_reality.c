// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu_reality: does KVM offer guests a PMU (CPUID leaf 0xA, AMD's
 * PERFCTR_CORE) exactly when kvm.enable_pmu is on? On a CPU without a PMU
 * of its own KVM offers none either way: the test skips saying so.
 *
 * Bug class: guests that lose (or gain) performance counters while the
 * param says otherwise, e.g. when perf disables the PMU at boot.
 *
 * The observation is lib/probe's "pmu" probe; this test holds the param
 * against it through the probe's judge, the one kvmcfgctl check --verify
 * and kvmcfgd use, and fails with "kvm.enable_pmu=V, but <behaviour>: <evidence>"
 * when they disagree. It skips, naming why, where the param is absent or
 * this host cannot show the behaviour.
 */
#include "kvm_test.h"
#include "reality.h"

REALITY_PROBE_RUNS("pmu")

TEST(enable_pmu_param)
{
	REALITY_JUDGE("pmu", "kvm", "enable_pmu");
}

KVM_HARNESS_MAIN
