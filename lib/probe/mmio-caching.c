// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe "mmio_caching": does KVM cache MMIO SPTEs? Judges kvm.mmio_caching.
 *
 * The guest makes n accesses to unbacked guest-physical pages: all to one
 * page, or round-robin over k distinct pages, reads or writes. The host
 * answers every KVM_EXIT_MMIO (checking its address), and the vCPU stats
 * tell the two MMUs apart:
 *
 *   cached    KVM installs one MMIO SPTE per page on the first fault
 *             (pf_mmio_spte_created == k); later accesses to that page
 *             take the fast MMIO path, so at most k accesses go through
 *             the full page-fault handler (pf_emulate <= k).
 *   uncached  no MMIO SPTE (pf_mmio_spte_created == 0); every access is a
 *             full fault that ends in emulation (pf_emulate >= n).
 *
 * Either way each access exits to userspace once (mmio_exits == n).
 *
 * The guest runs at CPL3: on a PVM host CPL0 code is emulated from the
 * start and never takes the page-fault path, while CPL3 code runs natively
 * and faults like any guest on VMX/SVM (where both levels would do).
 *
 * Why: kvm.mmio_caching could read Y while KVM had turned caching off after
 * the SPTE masks changed ("Re: [PATCH v2 2/3] KVM: x86/mmu: Fully
 * re-evaluate MMIO caching when SPTE masks change", 2022-08-24).
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm_stats.h"
#include "kvm_util.h"
#include "probe-mmio-caching.h"
#include "probes.h"
#include "ucall.h"

#define MMIO_GPA 0xc0000000ULL
/* The gate's run: few accesses, one fresh page, a clean separation. */
#define PROBE_ACCESSES 8

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

static const char *const needed_stats[] = {
	"pf_taken",
	"pf_emulate",
	"pf_mmio_spte_created",
	"mmio_exits",
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int kvmcfg_mmio_observe(uint64_t pages, uint64_t n, bool is_write,
			struct kvmcfg_mmio_observation *obs, const char **missing)
{
	_cleanup_(kvm_vm_freep) struct kvm_vm *vm = NULL;
	_cleanup_(kvm_stats_snapshot_deinit) struct kvm_stats_snapshot before = {}, after = {};
	struct kvm_vcpu *vcpu;
	uint64_t i, sum = 0, t0, t1;
	struct ucall uc;
	gva_t window;

	TEST_ASSERT(pages >= 1 && pages <= KVMCFG_MMIO_MAX_PAGES && n >= 1,
		    "%llu pages, %llu accesses", (unsigned long long)pages, (unsigned long long)n);
	vm = vm_create_with_one_vcpu(&vcpu, guest_code, GUEST_CPL3);
	for (i = 0; i < ARRAY_SIZE(needed_stats); i++)
		if (!kvm_stats_has(vcpu_stats(vcpu), needed_stats[i])) {
			*missing = needed_stats[i];
			return -ENOENT;
		}
	window = vm_map_gpa(vm, MMIO_GPA, pages);
	memset(obs, 0, sizeof(*obs));
	obs->n = n;
	obs->pages = pages;
	obs->is_write = is_write;

	vcpu_args_set(vcpu, 4, (uint64_t)window, pages, n, (uint64_t)is_write);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), (uint64_t)UCALL_SYNC);
	vcpu_stats_snapshot(vcpu, &before);
	t0 = mono_ns();
	for (i = 0; i < n; i++) {
		uint64_t v = is_write ? i : i * 0x9e3779b97f4a7c15ULL;

		vcpu_run(vcpu);
		vcpu_check_mmio(vcpu, MMIO_GPA + (i % pages) * PAGE_SIZE, 8, is_write, &v);
		sum += v;
	}
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), (uint64_t)UCALL_SYNC);
	t1 = mono_ns();
	vcpu_stats_snapshot(vcpu, &after);
	if (!is_write)
		TEST_ASSERT(sum == uc.args[0],
			    "the guest's sum of the values the host supplied: "
			    "%#llx, expected %#llx",
			    (unsigned long long)uc.args[0], (unsigned long long)sum);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), (uint64_t)UCALL_DONE);

	obs->taken = kvm_stats_delta(&before, &after, "pf_taken");
	obs->emulate = kvm_stats_delta(&before, &after, "pf_emulate");
	obs->created = kvm_stats_delta(&before, &after, "pf_mmio_spte_created");
	obs->exits = kvm_stats_delta(&before, &after, "mmio_exits");
	obs->ns_per_access = (t1 - t0) / n;
	if (obs->created == pages && obs->emulate <= pages)
		obs->caching = KVMCFG_MMIO_CACHED;
	else if (obs->created == 0 && obs->emulate >= n)
		obs->caching = KVMCFG_MMIO_UNCACHED;
	else
		obs->caching = KVMCFG_MMIO_MIXED;
	snprintf(obs->summary, sizeof(obs->summary),
		 "pf_mmio_spte_created=%llu pf_emulate=%llu pf_taken=%llu mmio_exits=%llu after "
		 "%llu %s of %llu fresh page%s",
		 (unsigned long long)obs->created, (unsigned long long)obs->emulate,
		 (unsigned long long)obs->taken, (unsigned long long)obs->exits,
		 (unsigned long long)n, is_write ? "writes" : "reads", (unsigned long long)pages,
		 pages == 1 ? "" : "s");
	return 0;
}

void kvmcfg_mmio_result(const struct kvmcfg_mmio_observation *obs, KvmcfgProbeResult *res)
{
	kvmcfg_probe_set_evidence(res, "%s", obs->summary);
	switch (obs->caching) {
	case KVMCFG_MMIO_CACHED:
		kvmcfg_probe_add_verdict(
			res, "kvm", "mmio_caching", true,
			"MMIO SPTEs are cached (one per page, then the fast path)");
		break;
	case KVMCFG_MMIO_UNCACHED:
		kvmcfg_probe_add_verdict(res, "kvm", "mmio_caching", false,
					 "MMIO SPTEs are not cached (every access a full fault)");
		break;
	default:
		kvmcfg_probe_set_outcome(res, KVMCFG_PROBE_CANNOT_RUN,
					 "MMIO stats fit neither cached nor uncached: %s",
					 obs->summary);
		return;
	}
	res->outcome = KVMCFG_PROBE_OBSERVED;
}

static void run(KvmcfgProbeResult *res)
{
	struct kvmcfg_mmio_observation obs;
	const char *missing = NULL;

	if (!probe_kvm_usable(res, true))
		return;
	if (kvmcfg_mmio_observe(1, PROBE_ACCESSES, false, &obs, &missing) < 0) {
		kvmcfg_probe_set_outcome(res, KVMCFG_PROBE_NOT_APPLICABLE,
					 "this kernel has no vCPU stat \"%s\"", missing);
		return;
	}
	kvmcfg_mmio_result(&obs, res);
}

const KvmcfgProbe kvmcfg_probe_mmio_caching = {
	.name = "mmio_caching",
	.what = "MMIO SPTEs cached or not, from page-fault stats over reads of a fresh MMIO page",
	.params = { { "kvm", "mmio_caching" }, {} },
	.run = run,
};
