// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdp_reality: is the guest really on TDP (EPT/NPT) or on shadow paging,
 * and is it really the TDP MMU? The observation is lib/probe's "tdp" probe
 * (lib/probe/tdp.c says what the guest does and what each MMU makes of
 * it); this test holds kvm_intel.ept, kvm_amd.npt and kvm.tdp_mmu against
 * it through the probe's judge, the same one kvmcfgctl check --verify and
 * kvmcfgd use.
 *
 * Before v6.3 kvm.tdp_mmu was a writable param left at Y when the vendor
 * module ran without TDP (npt=0/ept=0), so a 6.1 kernel with tdp_mmu=Y
 * npt=0 fails here: the param claims an MMU the VMs do not get. Upstream
 * made it read-only and derived from TDP in v6.3 (3af15ff47c4d, "KVM:
 * x86/mmu: Change tdp_mmu to a read-only parameter").
 *
 * On a PVM host (vendor module kvm_pvm, no ept/npt param) the guest runs
 * on shadow paging; the vendor check skips naming the module, and the
 * tdp_mmu check still holds kvm.tdp_mmu against what was observed.
 *
 * Bug class: KVM running with a different MMU configuration than its
 * params claim, the "OMG-level" bug in the upstream thread on MMIO caching
 * params (Sean Christopherson, "Re: [PATCH v2 2/3] KVM: x86/mmu: Fully
 * re-evaluate MMIO caching when SPTE masks change", 2022-08-24): operators
 * assert params after load, and that only helps if params tell the truth.
 */
#include "kvm_test.h"
#include "probe-tdp.h"
#include "reality.h"

TEST(paging_signals_agree)
{
	struct kvmcfg_tdp_observation obs;
	const char *missing = NULL;

	if (!kvm_check_cap(KVM_CAP_BINARY_STATS_FD))
		SKIP(return, "KVM_CAP_BINARY_STATS_FD not supported: no stats to observe");
	if (kvmcfg_tdp_observe(test_iterations(256), &obs, &missing) < 0)
		SKIP(return, "this kernel has no \"%s\" stat", missing);
	TH_LOG("observed %s", obs.summary);
	ASSERT_NE(KVMCFG_PAGING_MIXED, obs.paging)
		TH_LOG("INVLPG, guest #PF and page-table write signals disagree; shadow paging "
		       "intercepts all three, TDP none: %s", obs.summary);
	if (obs.paging == KVMCFG_PAGING_TDP) {
		ASSERT_EQ(0, obs.pte_write)
			TH_LOG("TDP, yet guest page tables are write-tracked: %s", obs.summary);
	} else {
		ASSERT_FALSE(obs.tdp_mmu)
			TH_LOG("shadow paging, yet no shadow MMU page was created: %s", obs.summary);
	}
}

TEST(vendor_tdp_param)
{
	REALITY_JUDGE_VENDOR("tdp", "ept", "npt");
}

TEST(tdp_mmu_param)
{
	REALITY_JUDGE("tdp", "kvm", "tdp_mmu");
}

KVM_HARNESS_MAIN
