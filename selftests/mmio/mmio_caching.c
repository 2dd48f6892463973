// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmio_caching: does KVM's MMU do what kvm.mmio_caching says it does?
 *
 * The observation is lib/probe's "mmio_caching" probe (lib/probe/mmio-caching.c):
 * the guest makes N accesses to unbacked guest-physical pages, all to one
 * page or round-robin over K pages, reads or writes, and the vCPU stats
 * say whether KVM cached MMIO SPTEs (pf_mmio_spte_created == K and
 * pf_emulate <= K) or not (pf_mmio_spte_created == 0, pf_emulate >= N).
 * Each variant here is one such observation, held against the param by
 * the probe's judge: a mismatch fails with "kvm.mmio_caching=Y, but MMIO
 * SPTEs are not cached: <stats>".
 *
 * Why: the parameter is what operators and kvmcfgd assert on, and KVM has
 * had to work to keep it equal to reality. Upstream, Sean Christopherson's
 * "[PATCH v2 0/3] KVM: x86/mmu: MMIO caching bug fixes" (kvm@vger.kernel.org,
 * 2022-08-03, Message-Id 20220803224957.1285926-1-seanjc@google.com) fixed
 * two bugs of the mmio_caching module param: commit c3e0c8c2e8b1 ("KVM:
 * x86/mmu: Fully re-evaluate MMIO caching when SPTE masks change") keeps
 * kvm.mmio_caching reflecting whether caching is really on after VMX (EPT)
 * or SVM (SEV's C-bit) change the MMIO SPTE masks, where it used to stay
 * off for good; commit 0c29397ac1fd ("KVM: SVM: Disable SEV-ES support if
 * MMIO caching is disable") makes SEV-ES depend on it. Bug class tested
 * here: enable_mmio_caching out of sync with the SPTE masks, MMIO SPTEs
 * created although caching is off, or the fast MMIO path never taken.
 */
#include "kvm_test.h"
#include "probe-mmio-caching.h"

FIXTURE(caching) {
	char value[16];	/* kvm.mmio_caching as read */
};

FIXTURE_VARIANT(caching) {
	unsigned int npages;
	unsigned long base_accesses;	/* scaled by test_iterations() */
	bool is_write;
};

FIXTURE_VARIANT_ADD(caching, one_page_read) { .npages = 1, .base_accesses = 1000 };
FIXTURE_VARIANT_ADD(caching, one_page_write) { .npages = 1, .base_accesses = 500, .is_write = true };
FIXTURE_VARIANT_ADD(caching, distinct_pages_read) { .npages = 16, .base_accesses = 1024 };

FIXTURE_SETUP(caching)
{
	char *v = NULL;
	int r;

	r = __kvm_param_get_str("kvm", "mmio_caching", &v);
	if (r == -ENODEV)
		SKIP(return, "module kvm not loaded under %s", kvm_sysfs_root());
	if (r == -ENOENT)
		SKIP(return, "no kvm.mmio_caching parameter under %s", kvm_sysfs_root());
	ASSERT_EQ(0, r) TH_LOG("reading kvm.mmio_caching under %s: %s", kvm_sysfs_root(),
			       strerror(-r));
	snprintf(self->value, sizeof(self->value), "%s", v);
	free(v);
	if (!kvm_check_cap(KVM_CAP_BINARY_STATS_FD))
		SKIP(return, "KVM_CAP_BINARY_STATS_FD not supported");
}

FIXTURE_TEARDOWN(caching)
{
}

TEST_F(caching, stats_match_param)
{
	struct kvmcfg_mmio_observation obs;
	KvmcfgProbeResult res = {};
	const char *missing = NULL;
	char msg[1024];
	int r;

	KVM_RETURN_IF_SKIPPED();
	if (kvmcfg_mmio_observe(variant->npages, test_iterations(variant->base_accesses),
				variant->is_write, &obs, &missing) < 0)
		SKIP(return, "this kernel has no vCPU stat %s", missing);
	TH_LOG("observed %s, %llu ns per access", obs.summary,
	       (unsigned long long)obs.ns_per_access);
	EXPECT_EQ(obs.n, obs.exits) TH_LOG("every MMIO access must exit to userspace exactly once");
	kvmcfg_mmio_result(&obs, &res);
	ASSERT_EQ(KVMCFG_PROBE_OBSERVED, res.outcome)
		TH_LOG("kvm.mmio_caching=%s: %s", self->value, res.reason);
	r = kvmcfg_probe_judge(&res, "kvm", "mmio_caching", self->value, msg, sizeof(msg));
	ASSERT_EQ(0, r) TH_LOG("%s", msg);
	TH_LOG("%s", msg);
}

KVM_HARNESS_MAIN
