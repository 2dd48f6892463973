// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm_churn: the VM library under stress. Create and free many VMs, each
 * with a vCPU that runs guest code to a ucall, an extra memslot, an irqchip
 * and stats fds where KVM has them, and check that the process ends where
 * it started:
 *   - no fd leak: the entries of /proc/self/fd, counted before and after;
 *   - no memory leak: under AddressSanitizer (the sanitize build), a
 *     LeakSanitizer check of the live heap after the churn; otherwise
 *     mallinfo2()'s in-use bytes and VmRSS, measured after a warm-up and
 *     after the churn, within a fixed bound that one leaked guest-RAM
 *     mapping or a few bytes per VM would exceed;
 *   - no address-space leak: VmSize within the same kind of bound (a
 *     guest-RAM mmap() that is never unmapped shows here even untouched).
 *
 * The count is 1000 VMs times KVMCFG_TEST_SCALE by default;
 * KVMCFG_VM_CHURN_COUNT overrides it (docs/reliability.md has the timings).
 *
 * Bug class: resource leaks in the test library's VM/vCPU/memslot teardown
 * (a forgotten close() of a vCPU or stats fd, a memslot's backing mmap not
 * unmapped on free, a per-VM allocation never freed). A suite that runs
 * thousands of VMs per host would hit EMFILE or OOM long before any KVM bug.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <malloc.h>

#include "kvm_test.h"

#define WARMUP 20
/* Bounds on growth from after the warm-up to after the churn. */
#define HEAP_SLACK (256 * 1024)      /* bytes in use (mallinfo2) */
#define RSS_SLACK_KB (4 * 1024)
#define VMSIZE_SLACK_KB (16 * 1024)
#define GUEST_MB 8                   /* > VMSIZE_SLACK_KB / 1024: one leaked VM shows */

static void guest_code(uint64_t token)
{
	GUEST_SYNC(token);
	GUEST_DONE();
}

/* ---- host ---- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	TEST_ASSERT(d, "opendir /proc/self/fd: %s", strerror(errno));
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the DIR's own fd */
}

static long status_kb(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	TEST_ASSERT(f, "fopen /proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	TEST_ASSERT(v >= 0, "%s not in /proc/self/status", key);
	return v;
}

static unsigned long churn_count(void)
{
	const char *s = getenv("KVMCFG_VM_CHURN_COUNT");

	if (s && *s) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);

		TEST_ASSERT(!*end && v > 0, "KVMCFG_VM_CHURN_COUNT=%s: not a positive number", s);
		return v;
	}
	return test_iterations(1000);
}

/* One VM's whole life, as a test would use it. */
static void one_vm(uint64_t i, bool irqchip, bool stats)
{
	_cleanup_(kvm_vm_freep) struct kvm_vm *vm = kvm_vm_new(GUEST_MB);
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	if (irqchip)
		vm_create_irqchip(vm);
	vcpu = vm_vcpu_add(vm, 0, guest_code, GUEST_CPL3);
	vcpu_args_set(vcpu, 1, i);
	vm_memslot_add(vm, 1, 1ULL << 30, 4 * PAGE_SIZE, 0);
	*(volatile uint64_t *)vm_memslot_hva(vm, 1) = i;
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), (uint64_t)UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], i);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), (uint64_t)UCALL_DONE);
	if (stats)
		(void)vcpu_get_stat(vcpu, "exits");
}

struct usage {
	int fds;
	long rss_kb, vmsize_kb;
	size_t heap;
};

static struct usage usage_now(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (struct usage) {
		.fds = count_fds(),
		.rss_kb = status_kb("VmRSS"),
		.vmsize_kb = status_kb("VmSize"),
		.heap = mi.uordblks + mi.hblkhd,
	};
}

/* No per-VM state between cases: the fixture is there for TEST_F_TIMEOUT. */
FIXTURE(churn) {
	int unused;
};

FIXTURE_SETUP(churn)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(churn)
{
}

/*
 * The harness's default 30 s is too close to 1000 VMs on a loaded host (16 s
 * here) and far below KVMCFG_TEST_SCALE=10; meson's own timeout bounds it.
 */
TEST_F_TIMEOUT(churn, create_free_many, 1800)
{
	/* Present only when ASan's runtime is linked in (the sanitize build). */
	int (*lsan_check)(void) = (int (*)(void))dlsym(RTLD_DEFAULT,
							"__lsan_do_recoverable_leak_check");
	const unsigned long n = churn_count();
	bool irqchip = kvm_check_cap(KVM_CAP_IRQCHIP) > 0;
	bool stats = kvm_check_cap(KVM_CAP_BINARY_STATS_FD) > 0;
	struct usage start, warm, end;
	uint64_t t0, t1;
	unsigned long i;

	start = usage_now();
	/* Warm-up: the first VMs grow the allocator and page in the library once. */
	for (i = 0; i < WARMUP; i++)
		one_vm(i, irqchip, stats);
	warm = usage_now();
	ASSERT_EQ(start.fds, warm.fds) TH_LOG("fds after %d VMs: %d, before: %d", WARMUP, warm.fds,
					      start.fds);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		one_vm(WARMUP + i, irqchip, stats);
	t1 = now_ns();
	end = usage_now();

	ASSERT_EQ(start.fds, end.fds) TH_LOG("open fds: %d before, %d after %lu VMs", start.fds,
					     end.fds, n);
	EXPECT_LE(end.vmsize_kb, warm.vmsize_kb + VMSIZE_SLACK_KB)
		TH_LOG("VmSize grew from %ld to %ld KiB over %lu VMs", warm.vmsize_kb,
		       end.vmsize_kb, n);
	if (lsan_check) {
		/* ASan's quarantine holds freed memory: RSS says nothing here, LSan does. */
		ASSERT_EQ(0, lsan_check()) TH_LOG("LeakSanitizer found leaks after %lu VMs", n);
	} else {
		EXPECT_LE(end.heap, warm.heap + HEAP_SLACK)
			TH_LOG("heap in use grew from %zu to %zu bytes over %lu VMs", warm.heap,
			       end.heap, n);
		EXPECT_LE(end.rss_kb, warm.rss_kb + RSS_SLACK_KB)
			TH_LOG("VmRSS grew from %ld to %ld KiB over %lu VMs", warm.rss_kb, end.rss_kb,
			       n);
	}
	TH_LOG("%lu VMs (irqchip %s, stats %s) in %llu ms, %llu us each; fds %d -> %d; "
	       "VmRSS %ld -> %ld KiB; VmSize %ld -> %ld KiB; heap %zu -> %zu bytes; %s",
	       n, irqchip ? "yes" : "no", stats ? "yes" : "no",
	       (unsigned long long)((t1 - t0) / 1000000), (unsigned long long)((t1 - t0) / 1000 / n),
	       start.fds, end.fds, warm.rss_kb, end.rss_kb, warm.vmsize_kb, end.vmsize_kb,
	       warm.heap, end.heap, lsan_check ? "LeakSanitizer: no leak" : "no sanitizer");
}

KVM_HARNESS_MAIN
