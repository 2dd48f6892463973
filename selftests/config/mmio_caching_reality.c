// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmio_caching_reality: does kvm.mmio_caching match what KVM does with a
 * guest's MMIO accesses?
 *
 * The guest reads a few unbacked guest-physical pages (no memslot: MMIO)
 * many times; the host answers every KVM_EXIT_MMIO with a value derived
 * from the address, which the guest checks. The vCPU stats then tell the
 * two behaviours apart (v5.19+, where these stats exist):
 *  - Caching on: the first access to a page takes the full fault path,
 *    kvm_mmu_do_page_fault() (pf_taken, pf_emulate), which installs an MMIO
 *    SPTE (pf_mmio_spte_created, counted in mmu_set_spte() before
 *    mark_mmio_spte(), or in the TDP MMU's
 *    tdp_mmu_map_handle_target_level()). Every later access faults on that
 *    SPTE's reserved bits (EPT misconfig, NPF/#PF with PFERR_RSVD) and
 *    kvm_mmu_page_fault() hands it to handle_mmio_page_fault(), which
 *    emulates without touching those stats. So pf_mmio_spte_created is at
 *    least one per page and pf_emulate stays near the number of pages.
 *  - Caching off: handle_abnormal_pfn() (kvm_handle_noslot_fault() in
 *    newer kernels) returns RET_PF_EMULATE before any SPTE is made, so
 *    pf_mmio_spte_created = 0 and every access takes the full fault path:
 *    pf_emulate >= the number of reads.
 * mmio_exits must equal the reads in both cases (checked against the
 * host's own count), else the guest did not do what the verdict assumes.
 *
 * The reads run at CPL3. On real VMX/SVM hosts either level takes the
 * fault path; on a PVM host CPL0 guest code is emulated instruction by
 * instruction and its MMIO never faults, so only CPL3 shows the MMU.
 * Measured here (PVM, mmio_caching=N), 1000 reads: pf_taken=1001,
 * pf_emulate=1000, pf_mmio_spte_created=0, mmio_exits=1000. In a nested
 * SVM guest with mmio_caching=Y, 10,000 reads: pf_mmio_spte_created=1,
 * pf_emulate=1.
 *
 * Bug class: the param and the behaviour disagreeing. Upstream, KVM
 * clears enable_mmio_caching when the SPTE masks leave no room for an MMIO
 * SPTE (e.g. MAXPHYADDR=52, or SVM's C-bit position), and the 2022 fix
 * "KVM: x86/mmu: Fully re-evaluate MMIO caching when SPTE masks change"
 * (thread of 2022-08-24, in which Sean Christopherson argues that params
 * must stay up to date with reality) snapshots the user's wish so that the
 * param keeps reflecting what KVM actually does; SEV-ES depends on it. This test is
 * the assertion the thread asks for: the param, checked against reality.
 */
#include <sys/ioctl.h>

#include "kvm_test.h"
#include "reality.h"

#define MMIO_GPA (1ULL << 33)	/* far above guest RAM: no memslot */
#define MMIO_PAGES 4
#define BASE_READS 1000
#define MMIO_MAGIC 0x5a5a000000000000ULL

static uint64_t nr_reads;
static gva_t mmio_gva;

static void guest_code(void)
{
	uint64_t i, page, v;

	GUEST_SYNC(0);
	for (i = 0; i < nr_reads; i++) {
		page = i % MMIO_PAGES;
		v = *(volatile uint64_t *)(mmio_gva + page * PAGE_SIZE);
		GUEST_ASSERT_EQ(v, (MMIO_GPA + page * PAGE_SIZE) ^ MMIO_MAGIC);
	}
	GUEST_DONE();
}

struct mmio_observation {
	uint64_t reads;
	uint64_t host_exits;	/* KVM_EXIT_MMIO seen by this process */
	uint64_t pf_taken, pf_emulate, spte_created, mmio_exits;
	bool cached, uncached;
	char summary[384];
};

static const char *const stats_needed[] = {
	"pf_taken", "pf_emulate", "pf_mmio_spte_created", "mmio_exits",
};

/* Run until the next ucall, answering MMIO reads; returns the ucall. */
static uint64_t run_answering_mmio(struct kvm_vcpu *vcpu, uint64_t *exits)
{
	struct kvm_run *run = vcpu->run;
	struct ucall uc;
	uint64_t cmd, v;

	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason != KVM_EXIT_MMIO)
			break;
		TEST_ASSERT(!run->mmio.is_write && run->mmio.len == 8 &&
				    run->mmio.phys_addr >= MMIO_GPA &&
				    run->mmio.phys_addr < MMIO_GPA + MMIO_PAGES * PAGE_SIZE,
			    "unexpected MMIO %s of %u bytes at gpa %#llx",
			    run->mmio.is_write ? "write" : "read", run->mmio.len,
			    (unsigned long long)run->mmio.phys_addr);
		v = run->mmio.phys_addr ^ MMIO_MAGIC;
		memcpy(run->mmio.data, &v, sizeof(v));
		(*exits)++;
	}
	cmd = get_ucall(vcpu, &uc);
	if (cmd == UCALL_ASSERT)
		REPORT_GUEST_ASSERT(uc);
	TEST_ASSERT(cmd != UCALL_NONE, "unexpected exit %s (%u)", exit_reason_str(run->exit_reason),
		    run->exit_reason);
	TEST_ASSERT(cmd != UCALL_UNHANDLED, "unexpected guest exception, vector %llu at rip %#llx",
		    (unsigned long long)uc.args[0], (unsigned long long)uc.args[1]);
	return cmd;
}

/* 0, or -ENOENT with *missing naming the stat this kernel lacks. */
static int observe(struct mmio_observation *obs, const char **missing)
{
	_cleanup_vm_ struct kvm_vm *vm = NULL;
	_cleanup_stats_snapshot_ struct kvm_stats_snapshot before = {}, after = {};
	struct kvm_vcpu *vcpu;
	uint64_t setup_exits = 0;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code, GUEST_CPL3);
	*missing = reality_missing_stat(vm, vcpu, stats_needed, ARRAY_SIZE(stats_needed));
	if (*missing)
		return -ENOENT;
	memset(obs, 0, sizeof(*obs));
	obs->reads = nr_reads = test_iterations(BASE_READS);
	mmio_gva = vm_map_gpa(vm, MMIO_GPA, MMIO_PAGES);
	sync_global_to_guest(vm, nr_reads);
	sync_global_to_guest(vm, mmio_gva);

	TEST_ASSERT(run_answering_mmio(vcpu, &setup_exits) == UCALL_SYNC, "expected the guest's SYNC");
	TEST_ASSERT(!setup_exits, "MMIO before the measured loop");
	vcpu_stats_snapshot(vcpu, &before);
	TEST_ASSERT(run_answering_mmio(vcpu, &obs->host_exits) == UCALL_DONE, "expected DONE");
	vcpu_stats_snapshot(vcpu, &after);

	obs->pf_taken = kvm_stats_delta(&before, &after, "pf_taken");
	obs->pf_emulate = kvm_stats_delta(&before, &after, "pf_emulate");
	obs->spte_created = kvm_stats_delta(&before, &after, "pf_mmio_spte_created");
	obs->mmio_exits = kvm_stats_delta(&before, &after, "mmio_exits");
	/* Caching: MMIO SPTEs made, and most reads skipped the full fault path. */
	obs->cached = obs->spte_created >= 1 && obs->pf_emulate < obs->reads / 2;
	obs->uncached = obs->spte_created == 0 && obs->pf_emulate >= obs->reads;
	snprintf(obs->summary, sizeof(obs->summary),
		 "%s: %llu reads of %d MMIO pages at CPL3 gave pf_mmio_spte_created=%llu, "
		 "pf_emulate=%llu, pf_taken=%llu, mmio_exits=%llu",
		 obs->cached ? "MMIO SPTEs cached" : obs->uncached ? "no MMIO caching" : "neither pattern",
		 (unsigned long long)obs->reads, MMIO_PAGES, (unsigned long long)obs->spte_created,
		 (unsigned long long)obs->pf_emulate, (unsigned long long)obs->pf_taken,
		 (unsigned long long)obs->mmio_exits);
	return 0;
}

/* Whatever the param says, KVM must show one behaviour or the other. */
TEST(mmio_behaviour_consistent)
{
	struct mmio_observation obs;

	REALITY_OBSERVE_OR_SKIP(observe, &obs);
	ASSERT_EQ(obs.reads, obs.host_exits) TH_LOG("%s", obs.summary);
	ASSERT_EQ(obs.reads, obs.mmio_exits)
		TH_LOG("the mmio_exits stat disagrees with the exits userspace saw: %s", obs.summary);
	ASSERT_TRUE(obs.cached || obs.uncached)
		TH_LOG("MMIO handling is neither cached (SPTEs made, few full faults) nor uncached "
		       "(no SPTEs, a full fault per read): %s", obs.summary);
}

TEST(mmio_caching_param)
{
	struct mmio_observation obs;
	char what[128];
	bool caching;
	int r;

	r = reality_param_bool("kvm", "mmio_caching", &caching, what, sizeof(what));
	if (r < 0)
		SKIP(return, "%s", what);
	REALITY_OBSERVE_OR_SKIP(observe, &obs);
	ASSERT_EQ(obs.reads, obs.mmio_exits) TH_LOG("%s", obs.summary);
	if (caching) {
		ASSERT_TRUE(obs.cached)
			TH_LOG("%s, but KVM does not cache MMIO SPTEs: %s", what, obs.summary);
		ASSERT_LE(MMIO_PAGES, obs.spte_created)
			TH_LOG("%s, but fewer MMIO SPTEs than MMIO pages: %s", what, obs.summary);
	} else {
		ASSERT_TRUE(obs.uncached)
			TH_LOG("%s, but KVM behaves as if caching MMIO: %s", what, obs.summary);
	}
	TH_LOG("%s is consistent with %s", what, obs.summary);
}

KVM_HARNESS_MAIN
