// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmio_caching: does KVM's MMU do what kvm.mmio_caching says it does?
 *
 * The guest makes N accesses to unbacked guest-physical pages: all to one
 * page, or round-robin over K distinct pages, reads or writes. The host
 * answers every KVM_EXIT_MMIO (checking its address) and compares the vCPU
 * stats with what the parameter promises:
 *
 *   mmio_caching=Y  KVM installs one MMIO SPTE per page on the first fault
 *                   (pf_mmio_spte_created == K); later accesses to that page
 *                   take the fast MMIO path, so at most K accesses go through
 *                   the full page-fault handler (pf_emulate <= K).
 *   mmio_caching=N  no MMIO SPTE (pf_mmio_spte_created == 0); every access
 *                   is a full fault that ends in emulation (pf_emulate >= N).
 *
 * Either way each access exits to userspace once (mmio_exits == N). A
 * mismatch FAILs naming the parameter's value and the observed stats.
 *
 * The guest runs at CPL3: on a PVM host (KVM's PVM mode, kvm_pvm) CPL0
 * code is emulated from the start and never takes the page-fault path, while CPL3 code runs
 * natively and faults like any guest on VMX/SVM (where both levels would
 * do).
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

#define MMIO_GPA 0xc0000000ULL
#define MAX_PAGES 64

static void guest_code(uint8_t *window, uint64_t npages, uint64_t n, uint64_t is_write)
{
	uint64_t i, sum = 0;

	/* Warm up: fault in the stack and the ucall path before the host's snapshot. */
	GUEST_SYNC(0);
	for (i = 0; i < n; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(window + (i % npages) * PAGE_SIZE);

		if (is_write)
			*p = i;
		else
			sum += *p;
	}
	GUEST_SYNC(sum);
	GUEST_DONE();
}

FIXTURE(caching) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	gva_t window;
	bool caching;
};

FIXTURE_VARIANT(caching) {
	unsigned int npages;
	unsigned long base_accesses;	/* scaled by test_iterations() */
	bool is_write;
};

FIXTURE_VARIANT_ADD(caching, one_page_read) { .npages = 1, .base_accesses = 1000 };
FIXTURE_VARIANT_ADD(caching, one_page_write) { .npages = 1, .base_accesses = 500, .is_write = true };
FIXTURE_VARIANT_ADD(caching, distinct_pages_read) { .npages = 16, .base_accesses = 1024 };

static const char *const needed_stats[] = {
	"pf_taken", "pf_emulate", "pf_mmio_spte_created", "mmio_exits",
};

FIXTURE_SETUP(caching)
{
	unsigned int i;
	int r;

	r = __kvm_param_get_bool("kvm", "mmio_caching", &self->caching);
	if (r == -ENODEV)
		SKIP(return, "module kvm not loaded under %s", kvm_sysfs_root());
	if (r == -ENOENT)
		SKIP(return, "no kvm.mmio_caching parameter under %s", kvm_sysfs_root());
	ASSERT_EQ(0, r) TH_LOG("reading kvm.mmio_caching under %s: %s", kvm_sysfs_root(),
			       strerror(-r));
	if (!kvm_check_cap(KVM_CAP_BINARY_STATS_FD))
		SKIP(return, "KVM_CAP_BINARY_STATS_FD not supported");

	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_code, GUEST_CPL3);
	for (i = 0; i < ARRAY_SIZE(needed_stats); i++)
		if (!kvm_stats_has(vcpu_stats(self->vcpu), needed_stats[i]))
			SKIP(return, "this kernel has no vCPU stat %s", needed_stats[i]);
	ASSERT_LE(variant->npages, MAX_PAGES);
	self->window = vm_map_gpa(self->vm, MMIO_GPA, variant->npages);
}

FIXTURE_TEARDOWN(caching)
{
	kvm_vm_free(self->vm);
}

TEST_F(caching, stats_match_param)
{
	const uint64_t n = test_iterations(variant->base_accesses);
	const uint64_t k = variant->npages;
	_cleanup_stats_snapshot_ struct kvm_stats_snapshot before = {}, after = {};
	uint64_t i, sum = 0, taken, emulate, created, exits;
	uint64_t t0, t1;
	struct ucall uc;

	KVM_RETURN_IF_SKIPPED();

	vcpu_args_set(self->vcpu, 4, (uint64_t)self->window, k, n, (uint64_t)variant->is_write);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(self->vcpu, &uc));
	vcpu_stats_snapshot(self->vcpu, &before);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		uint64_t v = variant->is_write ? i : i * 0x9e3779b97f4a7c15ULL;

		vcpu_run(self->vcpu);
		vcpu_check_mmio(self->vcpu, MMIO_GPA + (i % k) * PAGE_SIZE, 8, variant->is_write, &v);
		sum += v;
	}
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(self->vcpu, &uc));
	t1 = now_ns();
	vcpu_stats_snapshot(self->vcpu, &after);
	if (!variant->is_write)
		ASSERT_EQ(sum, uc.args[0]) TH_LOG("guest's sum of the values the host supplied");
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(self->vcpu, &uc));

	taken = kvm_stats_delta(&before, &after, "pf_taken");
	emulate = kvm_stats_delta(&before, &after, "pf_emulate");
	created = kvm_stats_delta(&before, &after, "pf_mmio_spte_created");
	exits = kvm_stats_delta(&before, &after, "mmio_exits");
	TH_LOG("kvm.mmio_caching=%c, %llu %s to %llu page(s): pf_taken +%llu pf_emulate +%llu "
	       "pf_mmio_spte_created +%llu mmio_exits +%llu, %llu ns per access",
	       self->caching ? 'Y' : 'N', (unsigned long long)n,
	       variant->is_write ? "writes" : "reads", (unsigned long long)k,
	       (unsigned long long)taken, (unsigned long long)emulate,
	       (unsigned long long)created, (unsigned long long)exits,
	       (unsigned long long)((t1 - t0) / n));

	EXPECT_EQ(n, exits) TH_LOG("every MMIO access must exit to userspace exactly once");
	if (self->caching) {
		EXPECT_EQ(k, created)
			TH_LOG("kvm.mmio_caching=Y promises one MMIO SPTE per page: %llu pages, "
			       "pf_mmio_spte_created +%llu", (unsigned long long)k,
			       (unsigned long long)created);
		EXPECT_LE(emulate, k)
			TH_LOG("kvm.mmio_caching=Y: only the first access to each of %llu pages may take "
			       "the full fault path, but pf_emulate +%llu for %llu accesses",
			       (unsigned long long)k, (unsigned long long)emulate,
			       (unsigned long long)n);
	} else {
		EXPECT_EQ(0, created)
			TH_LOG("kvm.mmio_caching=N, yet pf_mmio_spte_created +%llu",
			       (unsigned long long)created);
		EXPECT_GE(emulate, n)
			TH_LOG("kvm.mmio_caching=N: every one of %llu accesses must be a full fault "
			       "ending in emulation, but pf_emulate +%llu (pf_taken +%llu)",
			       (unsigned long long)n, (unsigned long long)emulate,
			       (unsigned long long)taken);
		EXPECT_GE(taken, n);
	}
}

KVM_HARNESS_MAIN
