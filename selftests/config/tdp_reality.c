// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdp_reality: is the guest really on TDP (EPT/NPT) or on shadow paging,
 * and is it really the TDP MMU? Observed from inside a guest, then held
 * against kvm_intel.ept, kvm_amd.npt and kvm.tdp_mmu.
 *
 * What the guest does, and what each MMU makes of it (v6.1 and later):
 *  - INVLPG at CPL0, n times. Shadow paging must intercept INVLPG to keep
 *    its shadow tables coherent (VMX sets CPU_BASED_INVLPG_EXITING only
 *    without EPT; SVM clears INTERCEPT_INVLPG when npt_enabled), and each
 *    exit ends in kvm_mmu_invlpg(), which bumps the vCPU stat "invlpg".
 *    With TDP the instruction never leaves the guest: invlpg stays 0.
 *  - Reads of an unmapped guest-virtual page at CPL3, n times, each
 *    taking a guest #PF that the guest's handler skips. Shadow paging
 *    intercepts #PF and re-injects it through kvm_inject_page_fault(),
 *    which bumps "pf_guest"; with TDP the #PF goes straight to the guest.
 *  - Writes at CPL3, n times, to a spare entry of the guest's own page
 *    directory (the one that maps the writing address, so the shadow
 *    page stays in use and is not zapped as write-flooded). Shadow paging
 *    write-protects guest page tables; each write faults, is emulated,
 *    and kvm_mmu_pte_write() (kvm_mmu_track_write() in newer kernels)
 *    bumps the VM stat "mmu_pte_write". With TDP there are no indirect
 *    shadow pages and the stat never moves.
 *  - Touches of memory in a guest-physical range (4 GiB up) that no MMU
 *    page has covered yet. The shadow MMU, for shadow paging and for TDP
 *    without the TDP MMU alike, looks up its page hash for every new page
 *    table page and counts each miss in "mmu_cache_miss"
 *    (kvm_mmu_find_shadow_page()). The TDP MMU has no hash and never
 *    counts: over the VM's whole life the stat stays 0.
 * The three paging signals must agree: all intercepted (shadow) or none
 * (TDP). Disagreement is itself a failure, reported with every value.
 * CR3 loads also exit only under shadow paging, but no stat counts them
 * apart from the noisy "exits", so they are not used.
 *
 * Then the params: kvm_intel.ept / kvm_amd.npt must say Y exactly when TDP
 * was observed; kvm.tdp_mmu=Y needs TDP and the TDP MMU observed, N needs
 * the shadow MMU observed. Before v6.3 kvm.tdp_mmu was a writable param
 * left at Y when the vendor module ran without TDP (npt=0/ept=0), so a
 * 6.1 kernel with tdp_mmu=Y npt=0 fails here: the param claims an MMU the
 * VMs do not get. Upstream made it read-only and derived from TDP in
 * v6.3 (3af15ff47c4d, "KVM: x86/mmu: Change tdp_mmu to a read-only
 * parameter").
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
#include <sys/ioctl.h>

#include "exception.h"
#include "kvm_test.h"
#include "reality.h"

#define BASE_OPS 256
#define FRESH_GPA (1ULL << 32)
#define FRESH_GVA 0x200000000000ULL
#define FRESH_PAGES 16
/* Fresh pages spread over two 2 MiB regions, so two new last-level tables. */
#define FRESH_STRIDE_PAGES 65
#define FRESH_SLOT 1
#define PD_SPARE_INDEX 300

enum phase {
	PHASE_PF = 1,
	PHASE_PTE_WRITE,
	PHASE_FRESH,
};

static uint64_t nr_ops;
static gva_t absent_gva;	/* mapped by no guest PTE */
static gva_t pd_gva;		/* the guest's page directory that maps pd_gva itself */
static gva_t fresh_gva;

/* Skip the 3-byte "movq (%rax), %rax" that faulted on absent_gva. */
static void guest_pf_skip(struct ex_regs *regs)
{
	GUEST_ASSERT_EQ(read_cr2(), absent_gva);
	regs->rip += 3;
}

static void guest_invlpg(void)
{
	uint64_t i;

	for (i = 0; i < nr_ops; i++)
		__asm__ volatile("invlpg (%0)" : : "r"(fresh_gva + (i % FRESH_PAGES) * PAGE_SIZE)
				 : "memory");
	GUEST_DONE();
}

static void guest_code(void)
{
	volatile uint64_t *pd = (volatile uint64_t *)pd_gva;
	uint64_t i, sum = 0;

	GUEST_SYNC(PHASE_PF);
	for (i = 0; i < nr_ops; i++) {
		uint64_t a = absent_gva;

		__asm__ volatile("movq (%%rax), %%rax" : "+a"(a) : : "memory");
	}

	GUEST_SYNC(PHASE_PTE_WRITE);
	/* Not-present values (bit 0 clear): the guest's mappings never change. */
	for (i = 0; i < nr_ops; i++)
		pd[PD_SPARE_INDEX] = (i + 1) << PAGE_SHIFT;
	pd[PD_SPARE_INDEX] = 0;

	GUEST_SYNC(PHASE_FRESH);
	for (i = 0; i < FRESH_PAGES; i++)
		sum += *(volatile uint64_t *)(fresh_gva + i * FRESH_STRIDE_PAGES * PAGE_SIZE);
	GUEST_ASSERT_EQ(sum, 0);
	GUEST_DONE();
}

enum paging { PAGING_TDP, PAGING_SHADOW, PAGING_MIXED };

static const char *const paging_name[] = {
	[PAGING_TDP] = "TDP (EPT/NPT)",
	[PAGING_SHADOW] = "shadow paging",
	[PAGING_MIXED] = "contradictory signals",
};

struct mmu_observation {
	uint64_t n;		/* guest actions of each kind */
	uint64_t invlpg;	/* vCPU stat deltas over those actions */
	uint64_t pf_guest;
	uint64_t pte_write;	/* VM stat delta */
	uint64_t cache_miss;	/* VM stat over the VM's whole life */
	enum paging paging;
	bool tdp_mmu;		/* no shadow-MMU page was ever created */
	char summary[512];
};

static const char *const vcpu_stats_needed[] = { "invlpg", "pf_guest" };
static const char *const vm_stats_needed[] = { "mmu_pte_write", "mmu_cache_miss" };

/* The page table page (gpa) that holds @gva's entry at @level (2 = PD). */
static gpa_t guest_table_of(struct kvm_vm *vm, gva_t gva, int level)
{
	gpa_t table = vm->pml4;
	int l;

	for (l = 4; l > level; l--) {
		uint64_t e = ((uint64_t *)addr_gpa2hva(vm, table))[(gva >> (PAGE_SHIFT + 9 * (l - 1))) & 511];

		TEST_ASSERT((e & PTE_PRESENT) && !(e & PTE_LARGE),
			    "no level-%d table on the walk of gva %#llx", l - 1, (unsigned long long)gva);
		table = e & PTE_ADDR_MASK;
	}
	return table;
}

/* Run @vcpu to its next ucall, which must be SYNC(@phase) or DONE (phase 0). */
static void run_to(struct kvm_vcpu *vcpu, uint64_t phase)
{
	struct ucall uc;
	uint64_t cmd = vcpu_run_ucall(vcpu, &uc);

	if (!phase) {
		TEST_ASSERT(cmd == UCALL_DONE, "guest: ucall %llu, expected DONE", (unsigned long long)cmd);
		return;
	}
	TEST_ASSERT(cmd == UCALL_SYNC && uc.args[0] == phase, "guest: ucall %llu (%llu), expected SYNC(%llu)",
		    (unsigned long long)cmd, (unsigned long long)uc.args[0], (unsigned long long)phase);
}

/*
 * Make the guest do everything above and classify it. Returns 0, or
 * -ENOENT with *missing naming the stat this kernel lacks.
 */
static int observe(struct mmu_observation *obs, const char **missing)
{
	_cleanup_vm_ struct kvm_vm *vm = NULL;
	_cleanup_stats_snapshot_ struct kvm_stats_snapshot c0 = {}, c1 = {};
	_cleanup_stats_snapshot_ struct kvm_stats_snapshot m0 = {}, m1 = {}, m2 = {};
	struct kvm_vcpu *cpl3, *cpl0;
	gpa_t pd_gpa;
	size_t i;
	int shadow_votes;

	vm = vm_create_with_one_vcpu(&cpl3, guest_code, GUEST_CPL3);
	cpl0 = vm_vcpu_add(vm, 1, guest_invlpg, GUEST_CPL0);
	*missing = reality_missing_stat(vm, cpl3, vcpu_stats_needed, ARRAY_SIZE(vcpu_stats_needed));
	if (!*missing)
		*missing = reality_missing_stat(vm, NULL, vm_stats_needed, ARRAY_SIZE(vm_stats_needed));
	if (*missing)
		return -ENOENT;

	memset(obs, 0, sizeof(*obs));
	obs->n = nr_ops = test_iterations(BASE_OPS);
	vm_install_exception_handler(vm, PF_VECTOR, guest_pf_skip);
	absent_gva = vm->next_vaddr;
	vm->next_vaddr += 2 * PAGE_SIZE;	/* never mapped */
	/*
	 * Map the page directory of the library's address range into that same
	 * range: every trapped write to it then walks through it, which keeps
	 * KVM's write-flooding heuristic from unshadowing it mid-loop.
	 */
	pd_gpa = guest_table_of(vm, vm->next_vaddr, 2);
	pd_gva = vm_map_gpa(vm, pd_gpa, 1);
	TEST_ASSERT(guest_table_of(vm, pd_gva, 2) == pd_gpa, "pd_gva %#llx is not under its own PD",
		    (unsigned long long)pd_gva);
	TEST_ASSERT(!(((uint64_t *)addr_gpa2hva(vm, pd_gpa))[PD_SPARE_INDEX] & PTE_PRESENT),
		    "PD entry %d is in use", PD_SPARE_INDEX);
	vm_memslot_add(vm, FRESH_SLOT, FRESH_GPA, FRESH_PAGES * FRESH_STRIDE_PAGES * PAGE_SIZE, 0);
	fresh_gva = FRESH_GVA;
	for (i = 0; i < FRESH_PAGES; i++)
		virt_map(vm, fresh_gva + i * FRESH_STRIDE_PAGES * PAGE_SIZE,
			 FRESH_GPA + i * FRESH_STRIDE_PAGES * PAGE_SIZE, 1);
	sync_global_to_guest(vm, nr_ops);
	sync_global_to_guest(vm, absent_gva);
	sync_global_to_guest(vm, pd_gva);
	sync_global_to_guest(vm, fresh_gva);

	/* INVLPG needs CPL0; it runs on its own vCPU, to completion. */
	vcpu_stats_snapshot(cpl0, &c0);
	run_to(cpl0, 0);
	vcpu_stats_snapshot(cpl0, &c1);
	obs->invlpg = kvm_stats_delta(&c0, &c1, "invlpg");
	kvm_stats_snapshot_deinit(&c0);
	kvm_stats_snapshot_deinit(&c1);

	run_to(cpl3, PHASE_PF);
	vcpu_stats_snapshot(cpl3, &c0);
	run_to(cpl3, PHASE_PTE_WRITE);
	vcpu_stats_snapshot(cpl3, &c1);
	vm_stats_snapshot(vm, &m0);
	run_to(cpl3, PHASE_FRESH);
	vm_stats_snapshot(vm, &m1);
	run_to(cpl3, 0);
	vm_stats_snapshot(vm, &m2);

	obs->pf_guest = kvm_stats_delta(&c0, &c1, "pf_guest");
	obs->pte_write = kvm_stats_delta(&m0, &m1, "mmu_pte_write");
	obs->cache_miss = kvm_stats_snapshot_get(&m2, "mmu_cache_miss");

	/* Shadow paging sees every one of the n actions; TDP sees none. */
	shadow_votes = (obs->invlpg >= obs->n) + (obs->pf_guest >= obs->n) +
		       (obs->pte_write >= obs->n);
	obs->paging = shadow_votes == 3 ? PAGING_SHADOW : shadow_votes == 0 ? PAGING_TDP : PAGING_MIXED;
	obs->tdp_mmu = obs->cache_miss == 0;
	snprintf(obs->summary, sizeof(obs->summary),
		 "%s: invlpg=%llu after %llu INVLPGs, pf_guest=%llu after %llu guest #PFs, "
		 "mmu_pte_write=%llu after %llu page-table writes; %s: mmu_cache_miss=%llu",
		 paging_name[obs->paging], (unsigned long long)obs->invlpg, (unsigned long long)obs->n,
		 (unsigned long long)obs->pf_guest, (unsigned long long)obs->n,
		 (unsigned long long)obs->pte_write, (unsigned long long)obs->n,
		 obs->tdp_mmu ? "TDP MMU" : "shadow MMU pages created",
		 (unsigned long long)obs->cache_miss);
	return 0;
}

TEST(paging_signals_agree)
{
	struct mmu_observation obs;

	REALITY_OBSERVE_OR_SKIP(observe, &obs);
	ASSERT_NE(PAGING_MIXED, obs.paging)
		TH_LOG("INVLPG, guest #PF and page-table write signals disagree; shadow paging "
		       "intercepts all three, TDP none: %s", obs.summary);
	if (obs.paging == PAGING_TDP) {
		ASSERT_EQ(0, obs.pte_write)
			TH_LOG("TDP, yet guest page tables are write-tracked: %s", obs.summary);
	} else {
		ASSERT_FALSE(obs.tdp_mmu)
			TH_LOG("shadow paging, yet no shadow MMU page was created: %s", obs.summary);
	}
}

TEST(vendor_tdp_param)
{
	struct mmu_observation obs;
	char vendor[64], what[128];
	const char *module, *param;
	bool tdp;
	int r;

	kvm_vendor_module(vendor, sizeof(vendor));
	if (!strcmp(vendor, "kvm_intel")) {
		module = "kvm_intel";
		param = "ept";
	} else if (!strcmp(vendor, "kvm_amd")) {
		module = "kvm_amd";
		param = "npt";
	} else {
		SKIP(return, "no kvm_intel.ept or kvm_amd.npt to check: the KVM vendor module is %s",
		     vendor);
	}
	r = reality_param_bool(module, param, &tdp, what, sizeof(what));
	if (r < 0)
		SKIP(return, "%s", what);
	REALITY_OBSERVE_OR_SKIP(observe, &obs);
	ASSERT_NE(PAGING_MIXED, obs.paging) TH_LOG("%s, but %s", what, obs.summary);
	ASSERT_EQ(tdp, obs.paging == PAGING_TDP)
		TH_LOG("%s, but the guest runs on %s", what, obs.summary);
	TH_LOG("%s matches: %s", what, paging_name[obs.paging]);
}

TEST(tdp_mmu_param)
{
	struct mmu_observation obs;
	char what[128];
	bool tdp_mmu;
	int r;

	r = reality_param_bool("kvm", "tdp_mmu", &tdp_mmu, what, sizeof(what));
	if (r < 0)
		SKIP(return, "%s", what);
	REALITY_OBSERVE_OR_SKIP(observe, &obs);
	ASSERT_NE(PAGING_MIXED, obs.paging) TH_LOG("%s, but %s", what, obs.summary);
	if (tdp_mmu) {
		/* Before v6.3 (3af15ff47c4d) tdp_mmu stays Y with ept=0/npt=0. */
		ASSERT_EQ(PAGING_TDP, obs.paging)
			TH_LOG("%s claims the TDP MMU, which needs TDP, but the guest runs on %s",
			       what, obs.summary);
		ASSERT_TRUE(obs.tdp_mmu)
			TH_LOG("%s, but the shadow MMU built the guest's tables: %s", what, obs.summary);
	} else {
		ASSERT_FALSE(obs.tdp_mmu)
			TH_LOG("%s, but no shadow MMU page was created, as only the TDP MMU does: %s",
			       what, obs.summary);
	}
	TH_LOG("%s is consistent with %s", what, obs.summary);
}

KVM_HARNESS_MAIN
