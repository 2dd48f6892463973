// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe "tdp": is a guest really on TDP (EPT/NPT) or on shadow paging, and
 * is it really the TDP MMU? Judges kvm_intel.ept, kvm_amd.npt, kvm.tdp_mmu.
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
 * (TDP). Disagreement is reported with every value and judges nothing.
 * CR3 loads also exit only under shadow paging, but no stat counts them
 * apart from the noisy "exits", so they are not used.
 *
 * Before v6.3 kvm.tdp_mmu was a writable param left at Y when the vendor
 * module ran without TDP (npt=0/ept=0): the probe then sees shadow paging
 * and the judge calls tdp_mmu=Y contradicted. Upstream made it read-only
 * and derived from TDP in v6.3 (3af15ff47c4d, "KVM: x86/mmu: Change
 * tdp_mmu to a read-only parameter").
 */
#include <string.h>
#include <unistd.h>

#include "exception.h"
#include "kvm_stats.h"
#include "kvm_util.h"
#include "probe-tdp.h"
#include "probes.h"
#include "ucall.h"

/* Guest actions of each kind in the gate's run: every one is counted, so few do. */
#define PROBE_OPS   32
#define FRESH_GPA   (1ULL << 32)
#define FRESH_GVA   0x200000000000ULL
#define FRESH_PAGES 16
/* Fresh pages spread over two 2 MiB regions, so two new last-level tables. */
#define FRESH_STRIDE_PAGES 65
#define FRESH_SLOT	   1
#define PD_SPARE_INDEX	   300

enum phase {
	PHASE_PF = 1,
	PHASE_PTE_WRITE,
	PHASE_FRESH,
};

static uint64_t nr_ops;
static gva_t absent_gva; /* mapped by no guest PTE */
static gva_t pd_gva;	 /* the guest's page directory that maps pd_gva itself */
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
		__asm__ volatile("invlpg (%0)"
				 :
				 : "r"(fresh_gva + (i % FRESH_PAGES) * PAGE_SIZE)
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

const char *kvmcfg_paging_name(enum kvmcfg_paging p)
{
	static const char *const names[] = {
		[KVMCFG_PAGING_TDP] = "TDP (EPT/NPT)",
		[KVMCFG_PAGING_SHADOW] = "shadow paging",
		[KVMCFG_PAGING_MIXED] = "contradictory signals",
	};

	return p <= KVMCFG_PAGING_MIXED ? names[p] : "invalid";
}

static const char *const vcpu_stats_needed[] = { "invlpg", "pf_guest" };
static const char *const vm_stats_needed[] = { "mmu_pte_write", "mmu_cache_miss" };

/* The first of @names this kernel lacks (vCPU stats when @vcpu), else NULL. */
static const char *missing_stat(struct kvm_vm *vm, struct kvm_vcpu *vcpu, const char *const *names,
				size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!kvm_stats_has(vcpu ? vcpu_stats(vcpu) : vm_stats(vm), names[i]))
			return names[i];
	return NULL;
}

/* The page table page (gpa) that holds @gva's entry at @level (2 = PD). */
static gpa_t guest_table_of(struct kvm_vm *vm, gva_t gva, int level)
{
	gpa_t table = vm->pml4;
	int l;

	for (l = 4; l > level; l--) {
		uint64_t e = ((uint64_t *)addr_gpa2hva(
			vm, table))[(gva >> (PAGE_SHIFT + 9 * (l - 1))) & 511];

		TEST_ASSERT((e & PTE_PRESENT) && !(e & PTE_LARGE),
			    "no level-%d table on the walk of gva %#llx", l - 1,
			    (unsigned long long)gva);
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
		TEST_ASSERT(cmd == UCALL_DONE, "guest: ucall %llu, expected DONE",
			    (unsigned long long)cmd);
		return;
	}
	TEST_ASSERT(cmd == UCALL_SYNC && uc.args[0] == phase,
		    "guest: ucall %llu (%llu), expected SYNC(%llu)", (unsigned long long)cmd,
		    (unsigned long long)uc.args[0], (unsigned long long)phase);
}

int kvmcfg_tdp_observe(uint64_t n, struct kvmcfg_tdp_observation *obs, const char **missing)
{
	_cleanup_(kvm_vm_freep) struct kvm_vm *vm = NULL;
	_cleanup_(kvm_stats_snapshot_deinit) struct kvm_stats_snapshot c0 = {}, c1 = {};
	_cleanup_(kvm_stats_snapshot_deinit) struct kvm_stats_snapshot m0 = {}, m1 = {}, m2 = {};
	struct kvm_vcpu *cpl3, *cpl0;
	gpa_t pd_gpa;
	size_t i;
	int shadow_votes;

	vm = vm_create_with_one_vcpu(&cpl3, guest_code, GUEST_CPL3);
	cpl0 = vm_vcpu_add(vm, 1, guest_invlpg, GUEST_CPL0);
	*missing = missing_stat(vm, cpl3, vcpu_stats_needed, ARRAY_SIZE(vcpu_stats_needed));
	if (!*missing)
		*missing = missing_stat(vm, NULL, vm_stats_needed, ARRAY_SIZE(vm_stats_needed));
	if (*missing)
		return -ENOENT;

	memset(obs, 0, sizeof(*obs));
	obs->n = nr_ops = n;
	vm_install_exception_handler(vm, PF_VECTOR, guest_pf_skip);
	absent_gva = vm->next_vaddr;
	vm->next_vaddr += 2 * PAGE_SIZE; /* never mapped */
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
	shadow_votes =
		(obs->invlpg >= obs->n) + (obs->pf_guest >= obs->n) + (obs->pte_write >= obs->n);
	obs->paging = shadow_votes == 3 ? KVMCFG_PAGING_SHADOW :
		      shadow_votes == 0 ? KVMCFG_PAGING_TDP :
					  KVMCFG_PAGING_MIXED;
	obs->tdp_mmu = obs->cache_miss == 0;
	snprintf(obs->summary, sizeof(obs->summary),
		 "%s: invlpg=%llu after %llu INVLPGs, pf_guest=%llu after %llu guest #PFs, "
		 "mmu_pte_write=%llu after %llu page-table writes; %s: mmu_cache_miss=%llu",
		 kvmcfg_paging_name(obs->paging), (unsigned long long)obs->invlpg,
		 (unsigned long long)obs->n, (unsigned long long)obs->pf_guest,
		 (unsigned long long)obs->n, (unsigned long long)obs->pte_write,
		 (unsigned long long)obs->n, obs->tdp_mmu ? "TDP MMU" : "shadow MMU pages created",
		 (unsigned long long)obs->cache_miss);
	return 0;
}

void kvmcfg_tdp_result(const struct kvmcfg_tdp_observation *obs, KvmcfgProbeResult *res)
{
	const char *paging;
	bool tdp;

	kvmcfg_probe_set_evidence(res, "%s", obs->summary);
	if (obs->paging == KVMCFG_PAGING_MIXED) {
		kvmcfg_probe_set_outcome(res, KVMCFG_PROBE_CANNOT_RUN,
					 "paging signals disagree: %s", obs->summary);
		return;
	}
	tdp = obs->paging == KVMCFG_PAGING_TDP;
	paging = tdp ? "the guest runs on TDP (EPT/NPT)" : "the guest runs on shadow paging";
	kvmcfg_probe_add_verdict(res, "kvm_intel", "ept", tdp, "%s", paging);
	kvmcfg_probe_add_verdict(res, "kvm_amd", "npt", tdp, "%s", paging);
	if (!tdp)
		kvmcfg_probe_add_verdict(
			res, "kvm", "tdp_mmu", false,
			"the guest runs on shadow paging, which the TDP MMU cannot serve");
	else if (obs->tdp_mmu)
		kvmcfg_probe_add_verdict(
			res, "kvm", "tdp_mmu", true,
			"the TDP MMU built the guest's tables (no shadow MMU page)");
	else
		kvmcfg_probe_add_verdict(res, "kvm", "tdp_mmu", false,
					 "the shadow MMU built the guest's tables");
	res->outcome = KVMCFG_PROBE_OBSERVED;
}

static void run(KvmcfgProbeResult *res)
{
	struct kvmcfg_tdp_observation obs;
	const char *missing = NULL;

	if (!probe_kvm_usable(res, true))
		return;
	if (kvmcfg_tdp_observe(PROBE_OPS, &obs, &missing) < 0) {
		kvmcfg_probe_set_outcome(res, KVMCFG_PROBE_NOT_APPLICABLE,
					 "this kernel has no \"%s\" stat", missing);
		return;
	}
	kvmcfg_tdp_result(&obs, res);
}

const KvmcfgProbe kvmcfg_probe_tdp = {
	.name = "tdp",
	.what = "TDP (EPT/NPT) or shadow paging, TDP MMU or shadow MMU, from MMU stats",
	.params = { { "kvm_intel", "ept" }, { "kvm_amd", "npt" }, { "kvm", "tdp_mmu" }, {} },
	.run = run,
};
