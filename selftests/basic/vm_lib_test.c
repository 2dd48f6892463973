// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm_lib_test: the VM library's own services, checked against KVM.
 *
 * - Binary stats: a guest makes a known number of port-I/O exits; the
 *   vCPU's "exits" counter must grow by at least that many, the snapshot
 *   delta must agree with single reads, and a stat KVM does not have must
 *   read as -ENOENT (what tests use to skip).
 * - Module params: the libkvmcfg-backed wrappers read a fake sysfs tree
 *   named by KVMCFG_SYSFS_ROOT (bool, int, string, missing module/param).
 * - KVM_CREATE_IRQCHIP: works before vCPUs, a second one is refused.
 * - Timing: the guest TSC, converted with KVM_GET_TSC_KHZ, measures a host
 *   sleep within a wide tolerance (this host is shared and noisy).
 * - Stats parser robustness: a synthetic stats file (good, truncated,
 *   inconsistent) gives values or -EBADMSG, never a crash.
 * - Page tables: a host remap is seen after guest_flush_tlb() at CPL0 and
 *   CPL3; a 2 MiB mapping reads the right bytes at both ends; an unexpected
 *   #UD or #PF reaches the host with vector, RIP, error code and CR2.
 * - Memslot flags: KVM_MEM_LOG_DIRTY_PAGES reports exactly the pages the
 *   guest wrote, and the log clears on read.
 * - Many VMs with stats fds and irqchips open: no fd leaks.
 *
 * Bug class: test-infrastructure rot. Every other selftest derives its
 * verdict from these helpers, so a stats reader that returns the wrong
 * slot, or a param reader that ignores its root, would make them lie.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exception.h"
#include "kvm_test.h"

#define PIO_PORT 0x2001

static void guest_pio(uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		outb(PIO_PORT, (uint8_t)i);
	GUEST_DONE();
}

static void guest_tsc(void)
{
	uint64_t t0 = rdtsc();

	/* The host sleeps between these two ucalls. */
	GUEST_SYNC(t0);
	GUEST_SYNC(rdtsc());
	GUEST_DONE();
}

FIXTURE(stats) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_VARIANT_CPL(stats);

FIXTURE_SETUP(stats)
{
	if (!kvm_check_cap(KVM_CAP_BINARY_STATS_FD))
		SKIP(return, "KVM_CAP_BINARY_STATS_FD not supported");
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_pio, variant->cpl);
}

FIXTURE_TEARDOWN(stats)
{
	kvm_vm_free(self->vm);
}

TEST_F(stats, exits_count_port_io)
{
	const uint64_t n = test_iterations(50);
	_cleanup_(kvm_stats_snapshot_deinit) struct kvm_stats_snapshot before = {}, after = {};
	uint64_t exits0, exits1, seen = 0, io;
	struct kvm_run *run;

	KVM_RETURN_IF_SKIPPED();
	run = self->vcpu->run;

	vcpu_args_set(self->vcpu, 1, n);
	exits0 = vcpu_get_stat(self->vcpu, "exits");
	vcpu_stats_snapshot(self->vcpu, &before);
	for (;;) {
		vcpu_run(self->vcpu);
		seen++;
		if (get_ucall(self->vcpu, NULL) == UCALL_DONE)
			break;
		TEST_ASSERT_KVM_EXIT_REASON(self->vcpu, KVM_EXIT_IO);
		ASSERT_EQ(PIO_PORT, run->io.port);
		ASSERT_LE(seen, n) TH_LOG("more port-I/O exits than the guest made");
	}
	vcpu_stats_snapshot(self->vcpu, &after);
	exits1 = vcpu_get_stat(self->vcpu, "exits");

	ASSERT_EQ(n + 1, seen);
	/* Every return to userspace is at least one guest exit. */
	EXPECT_GE(kvm_stats_delta(&before, &after, "exits"), seen);
	/* Nothing ran between a single read and its snapshot: they agree. */
	EXPECT_EQ(exits0, kvm_stats_snapshot_get(&before, "exits"));
	EXPECT_EQ(exits1, kvm_stats_snapshot_get(&after, "exits"));
	/* io_exits is per exit handler: VMX/SVM count each OUT, PVM none. */
	io = kvm_stats_delta(&before, &after, "io_exits");
	EXPECT_LE(io, kvm_stats_delta(&before, &after, "exits"));
	TH_LOG("%llu port-I/O exits: exits +%llu, io_exits +%llu, insn_emulation +%llu",
	       (unsigned long long)seen,
	       (unsigned long long)kvm_stats_delta(&before, &after, "exits"),
	       (unsigned long long)io,
	       (unsigned long long)kvm_stats_delta(&before, &after, "insn_emulation"));
}

TEST_F(stats, missing_and_histogram_names)
{
	_cleanup_(kvm_stats_snapshot_deinit) struct kvm_stats_snapshot snap = {};
	struct kvm_stats *vs;
	uint64_t v = 0xdead;
	unsigned int i;

	KVM_RETURN_IF_SKIPPED();
	vs = vcpu_stats(self->vcpu);

	ASSERT_EQ(-ENOENT, __vcpu_get_stat(self->vcpu, "no_such_stat_kvmcfg", &v));
	ASSERT_EQ(0xdead, v) TH_LOG("output written on failure");
	ASSERT_EQ(-ENOENT, __vm_get_stat(self->vm, "no_such_stat_kvmcfg", &v));
	/* A VM stat is not a vCPU stat. */
	ASSERT_EQ(-ENOENT, __vcpu_get_stat(self->vcpu, "remote_tlb_flush", &v));
	ASSERT_EQ(0, __vm_get_stat(self->vm, "remote_tlb_flush", &v));

	vcpu_stats_snapshot(self->vcpu, &snap);
	ASSERT_GT(kvm_stats_count(vs), 0);
	for (i = 0; i < kvm_stats_count(vs); i++) {
		const char *name = kvm_stats_name(vs, i);
		int r = __kvm_stats_snapshot_get(&snap, name, &v);

		/* Each name resolves: a scalar, or a histogram refused as such. */
		ASSERT_TRUE(r == 0 || r == -EMSGSIZE) TH_LOG("%s: %d", name, r);
		ASSERT_EQ(r == 0, kvm_stats_has(vs, name));
	}
	ASSERT_EQ(NULL, kvm_stats_name(vs, kvm_stats_count(vs)));
	/* Stats are cached: the same object, and the fd recorded in the vCPU. */
	ASSERT_EQ(vs, vcpu_stats(self->vcpu));
	ASSERT_GE(self->vcpu->stats_fd, 0);
}

/* ---- the stats parser on synthetic files ---- */

#define SYN_NAME_SIZE 48

struct syn_desc {
	struct kvm_stats_desc d;
	char name[SYN_NAME_SIZE];
};

struct syn_stats {
	struct kvm_stats_header hdr;
	char id[SYN_NAME_SIZE];
	struct syn_desc desc[2];
	uint64_t data[5];
};

static void syn_init(struct syn_stats *f)
{
	memset(f, 0, sizeof(*f));
	f->hdr = (struct kvm_stats_header){
		.name_size = SYN_NAME_SIZE, .num_desc = 2,
		.id_offset = offsetof(struct syn_stats, id),
		.desc_offset = offsetof(struct syn_stats, desc),
		.data_offset = offsetof(struct syn_stats, data),
	};
	strcpy(f->id, "kvm-synthetic");
	f->desc[0].d = (struct kvm_stats_desc){ .size = 1, .offset = 0 };
	strcpy(f->desc[0].name, "alpha");
	f->desc[1].d = (struct kvm_stats_desc){ .size = 4, .offset = 8,
						 .flags = KVM_STATS_TYPE_LINEAR_HIST };
	strcpy(f->desc[1].name, "hist");
	f->data[0] = 42;
}

/* A memfd holding the first @size bytes of @f, positioned like a stats fd. */
static int syn_fd(const struct syn_stats *f, size_t size)
{
	int fd = memfd_create("kvm-stats", MFD_CLOEXEC);

	TEST_ASSERT(fd >= 0, "memfd_create");
	TEST_ASSERT(write(fd, f, size) == (ssize_t)size, "writing the synthetic stats");
	return fd;
}

TEST(stats_parser_synthetic)
{
	struct syn_stats f;
	struct kvm_stats *st = NULL;
	struct kvm_stats_snapshot snap = {};
	uint64_t v = 0;
	int fd;

	syn_init(&f);
	fd = syn_fd(&f, sizeof(f));
	ASSERT_EQ(0, kvm_stats_new(&st, fd));
	ASSERT_EQ(2, kvm_stats_count(st));
	ASSERT_STREQ("hist", kvm_stats_name(st, 1));
	ASSERT_EQ(0, __kvm_stats_read(st, "alpha", &v));
	ASSERT_EQ(42, v);
	ASSERT_EQ(-EMSGSIZE, __kvm_stats_read(st, "hist", &v));
	ASSERT_EQ(-ENOENT, __kvm_stats_read(st, "beta", &v));
	kvm_stats_snapshot_take(st, &snap);
	ASSERT_EQ(5 * sizeof(uint64_t), snap.size);
	/* The snapshot is a copy: later changes do not reach it. */
	f.data[0] = 43;
	ASSERT_EQ((ssize_t)sizeof(uint64_t), pwrite(fd, &f.data[0], sizeof(uint64_t),
						    offsetof(struct syn_stats, data)));
	ASSERT_EQ(42, kvm_stats_snapshot_get(&snap, "alpha"));
	ASSERT_EQ(0, __kvm_stats_read(st, "alpha", &v));
	ASSERT_EQ(43, v);
	kvm_stats_snapshot_deinit(&snap);
	kvm_stats_snapshot_deinit(&snap);	/* idempotent */
	kvm_stats_free(st);
	close(fd);

	/* Truncated: the descriptors are missing. */
	st = NULL;
	fd = syn_fd(&f, sizeof(f.hdr) + 4);
	ASSERT_EQ(-EBADMSG, kvm_stats_new(&st, fd));
	ASSERT_EQ(NULL, st);
	close(fd);

	/* No descriptors at all, and a misaligned data offset. */
	syn_init(&f);
	f.hdr.num_desc = 0;
	fd = syn_fd(&f, sizeof(f));
	ASSERT_EQ(-EBADMSG, kvm_stats_new(&st, fd));
	close(fd);
	syn_init(&f);
	f.desc[0].d.offset = 3;
	fd = syn_fd(&f, sizeof(f));
	ASSERT_EQ(-EBADMSG, kvm_stats_new(&st, fd));
	close(fd);
	/* A descriptor pointing gigabytes into the data block. */
	syn_init(&f);
	f.desc[1].d.offset = 0xfffffff8;
	fd = syn_fd(&f, sizeof(f));
	ASSERT_EQ(-EBADMSG, kvm_stats_new(&st, fd));
	close(fd);
	/* A name that fills name_size without a NUL is cut, not overrun. */
	syn_init(&f);
	memset(f.desc[0].name, 'a', SYN_NAME_SIZE);
	fd = syn_fd(&f, sizeof(f));
	ASSERT_EQ(0, kvm_stats_new(&st, fd));
	ASSERT_EQ(SYN_NAME_SIZE - 1, strlen(kvm_stats_name(st, 0)));
	kvm_stats_free(st);
	kvm_stats_free(NULL);
	close(fd);
}

/* ---- page tables ---- */

static void guest_remap(volatile uint64_t *p)
{
	GUEST_SYNC(*p);
	/*
	 * The host has pointed p at another page. The guest flushes its TLB;
	 * the library resyncs KVM (shadow paging) before this KVM_RUN.
	 */
	guest_flush_tlb();
	GUEST_SYNC(*p);
	GUEST_DONE();
}

FIXTURE(pt) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_VARIANT_CPL(pt);

FIXTURE_SETUP(pt)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_remap, variant->cpl);
}

FIXTURE_TEARDOWN(pt)
{
	kvm_vm_free(self->vm);
}

TEST_F(pt, remap_seen_after_flush)
{
	gpa_t p1 = vm_phy_pages_alloc(self->vm, 1), p2 = vm_phy_pages_alloc(self->vm, 1);
	gva_t gva = vm_map_gpa(self->vm, p1, 1);
	struct ucall uc;

	*(uint64_t *)addr_gpa2hva(self->vm, p1) = 0x1111;
	*(uint64_t *)addr_gpa2hva(self->vm, p2) = 0x2222;
	vcpu_args_set(self->vcpu, 1, gva);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(self->vcpu, &uc));
	ASSERT_EQ(0x1111, uc.args[0]);
	virt_map(self->vm, gva, p2, 1);
	ASSERT_EQ(p2, addr_gva2gpa(self->vm, gva));
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(self->vcpu, &uc));
	ASSERT_EQ(0x2222, uc.args[0]) TH_LOG("guest still sees the old page after guest_flush_tlb()");
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(self->vcpu, NULL));
}

/* An unexpected guest exception must reach the host with vector, RIP and CR2. */
static void guest_faults(uint64_t ud, volatile uint64_t *unmapped)
{
	if (ud)
		__asm__ volatile(".globl vm_lib_test_ud\nvm_lib_test_ud: ud2");
	(void)*unmapped;
	GUEST_DONE();
}

extern const char vm_lib_test_ud[];

#define UNMAPPED_GVA 0x600000000000ULL

TEST_F(pt, unexpected_ud_reported)
{
	struct ucall uc;

	vcpu_set_guest_code(self->vcpu, guest_faults);
	vcpu_args_set(self->vcpu, 2, 1, UNMAPPED_GVA);
	vcpu_run(self->vcpu);
	ASSERT_EQ(UCALL_UNHANDLED, get_ucall(self->vcpu, &uc));
	ASSERT_EQ(UD_VECTOR, uc.args[0]);
	ASSERT_EQ((uintptr_t)vm_lib_test_ud, uc.args[1]);
}

TEST_F(pt, unexpected_pf_reported)
{
	struct ucall uc;

	vcpu_set_guest_code(self->vcpu, guest_faults);
	vcpu_args_set(self->vcpu, 2, 0, UNMAPPED_GVA);
	vcpu_run(self->vcpu);
	ASSERT_EQ(UCALL_UNHANDLED, get_ucall(self->vcpu, &uc));
	ASSERT_EQ(PF_VECTOR, uc.args[0]);
	/* Error code: not present, read, and the U bit says which CPL faulted. */
	ASSERT_EQ(variant->cpl == GUEST_CPL3 ? 4 : 0, uc.args[2]);
	ASSERT_EQ(UNMAPPED_GVA, uc.args[3]);
}

static void guest_read3(volatile uint64_t *a, volatile uint64_t *b, volatile uint64_t *c)
{
	GUEST_SYNC3(*a, *b, *c);
	GUEST_DONE();
}

TEST(hugepage_2m)
{
	const gpa_t gpa = 1ULL << 30;
	const gva_t gva = 0x7f0000000000ULL;	/* 2 MiB aligned, far from the binary */
	_cleanup_(kvm_vm_freep) struct kvm_vm *vm = NULL;
	struct kvm_vcpu *vcpu;
	struct ucall uc;
	uint64_t *mem;

	vm = vm_create_with_one_vcpu(&vcpu, guest_read3, GUEST_CPL3);
	vm_memslot_add(vm, 3, gpa, HUGEPAGE_SIZE, 0);
	virt_map_2m(vm, gva, gpa);
	mem = vm_memslot_hva(vm, 3);
	mem[0] = 0xa0;
	mem[0x123458 / 8] = 0xb1;
	mem[HUGEPAGE_SIZE / 8 - 1] = 0xc2;
	ASSERT_EQ(gpa + 0x123458, addr_gva2gpa(vm, gva + 0x123458));
	vcpu_args_set(vcpu, 3, gva, gva + 0x123458, gva + HUGEPAGE_SIZE - 8);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	ASSERT_EQ(0xa0, uc.args[0]);
	ASSERT_EQ(0xb1, uc.args[1]);
	ASSERT_EQ(0xc2, uc.args[2]);
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(vcpu, NULL));
}

/* ---- memslot flags: dirty logging ---- */

#define DIRTY_PAGES 8

static void guest_dirty(uint8_t *base)
{
	base[1 * PAGE_SIZE] = 1;
	base[3 * PAGE_SIZE + 100] = 3;
	base[6 * PAGE_SIZE + PAGE_SIZE - 1] = 6;
	GUEST_SYNC(0);
	base[0] = 7;
	GUEST_SYNC(1);
	GUEST_DONE();
}

TEST(dirty_log_reports_guest_writes)
{
	const gpa_t gpa = 0x80000000ULL;
	_cleanup_(kvm_vm_freep) struct kvm_vm *vm = NULL;
	struct kvm_vcpu *vcpu;
	uint64_t bitmap[1];
	gva_t gva;

	vm = vm_create_with_one_vcpu(&vcpu, guest_dirty, GUEST_CPL3);
	vm_memslot_add(vm, 4, gpa, DIRTY_PAGES * PAGE_SIZE, 0);
	gva = vm_map_gpa(vm, gpa, DIRTY_PAGES);
	vm_memslot_set_flags(vm, 4, KVM_MEM_LOG_DIRTY_PAGES);
	vcpu_args_set(vcpu, 1, gva);

	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, NULL));
	vm_dirty_log_get(vm, 4, bitmap);
	ASSERT_EQ((1ULL << 1) | (1ULL << 3) | (1ULL << 6), bitmap[0]);
	ASSERT_EQ(6, ((uint8_t *)vm_memslot_hva(vm, 4))[7 * PAGE_SIZE - 1]);
	/* Reading the log cleared it: only the next write shows. */
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, NULL));
	vm_dirty_log_get(vm, 4, bitmap);
	ASSERT_EQ(1ULL << 0, bitmap[0]);
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(vcpu, NULL));
	vm_memslot_set_flags(vm, 4, 0);
}

/* ---- module params against a fake sysfs tree ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	TEST_ASSERT(fd >= 0, "creating %s", path);
	TEST_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "writing %s", path);
	close(fd);
}

FIXTURE(params) {
	char root[64];
	char params[128];
	char *saved_root;
};

FIXTURE_SETUP(params)
{
	char path[128];
	const char *old = getenv("KVMCFG_SYSFS_ROOT");

	self->saved_root = old ? strdup(old) : NULL;
	strcpy(self->root, "/tmp/kvmcfg-params-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	snprintf(path, sizeof(path), "%s/module", self->root);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/module/kvm", self->root);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(self->params, sizeof(self->params), "%s/module/kvm/parameters", self->root);
	ASSERT_EQ(0, mkdir(self->params, 0755));
	write_file(self->params, "mmio_caching", "Y\n");
	write_file(self->params, "tdp_mmu", "N\n");
	write_file(self->params, "halt_poll_ns", "200000\n");
	write_file(self->params, "nx_huge_pages", "never\n");
	setenv("KVMCFG_SYSFS_ROOT", self->root, 1);
}

FIXTURE_TEARDOWN(params)
{
	static const char *const files[] = { "mmio_caching", "tdp_mmu", "halt_poll_ns", "nx_huge_pages" };
	char path[256];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", self->params, files[i]);
		unlink(path);
	}
	rmdir(self->params);
	snprintf(path, sizeof(path), "%s/module/kvm", self->root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/module", self->root);
	rmdir(path);
	rmdir(self->root);
	if (self->saved_root)
		setenv("KVMCFG_SYSFS_ROOT", self->saved_root, 1);
	else
		unsetenv("KVMCFG_SYSFS_ROOT");
	free(self->saved_root);
}

TEST_F(params, fake_root)
{
	bool b = false;
	int64_t i = -1;
	char *s = NULL;

	ASSERT_STREQ(self->root, kvm_sysfs_root());
	ASSERT_TRUE(kvm_param_get_bool("kvm", "mmio_caching"));
	ASSERT_FALSE(kvm_param_get_bool("kvm", "tdp_mmu"));
	ASSERT_EQ(200000, kvm_param_get_int("kvm", "halt_poll_ns"));
	s = kvm_param_get_str("kvm", "nx_huge_pages");
	ASSERT_STREQ("never", s);
	free(s);

	/* Distinct errors, and outputs untouched on failure. */
	ASSERT_EQ(-ENODEV, __kvm_param_get_bool("kvm_intel", "ept", &b));
	ASSERT_EQ(-ENOENT, __kvm_param_get_bool("kvm", "no_such_param", &b));
	ASSERT_EQ(-EINVAL, __kvm_param_get_bool("kvm", "halt_poll_ns", &b));
	ASSERT_EQ(-EINVAL, __kvm_param_get_int("kvm", "nx_huge_pages", &i));
	ASSERT_FALSE(b);
	ASSERT_EQ(-1, i);
}

TEST(params_default_root)
{
	const char *old = getenv("KVMCFG_SYSFS_ROOT");
	char *saved = old ? strdup(old) : NULL;

	unsetenv("KVMCFG_SYSFS_ROOT");
	ASSERT_STREQ("/sys", kvm_sysfs_root());
	setenv("KVMCFG_SYSFS_ROOT", "", 1);
	ASSERT_STREQ("/sys", kvm_sysfs_root());
	if (saved)
		setenv("KVMCFG_SYSFS_ROOT", saved, 1);
	else
		unsetenv("KVMCFG_SYSFS_ROOT");
	free(saved);
}

/* ---- irqchip, timing, fd hygiene ---- */

TEST(irqchip_before_vcpus)
{
	_cleanup_(kvm_vm_freep) struct kvm_vm *vm = NULL;
	struct kvm_vcpu *vcpu;

	if (!kvm_check_cap(KVM_CAP_IRQCHIP))
		SKIP(return, "KVM_CAP_IRQCHIP not supported");
	vm = kvm_vm_new(VM_DEFAULT_MEM_MB);
	vm_create_irqchip(vm);
	ASSERT_TRUE(vm->has_irqchip);
	/* KVM allows one irqchip per VM. */
	ASSERT_EQ(-1, __vm_create_irqchip(vm));
	ASSERT_EQ(EEXIST, errno);
	vcpu = vm_vcpu_add(vm, 0, guest_pio, GUEST_CPL0);
	vcpu_args_set(vcpu, 1, 0);
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(vcpu, NULL));
}

TEST(guest_tsc_measures_host_sleep)
{
	const uint64_t sleep_ns = 20 * 1000 * 1000;
	_cleanup_(kvm_vm_freep) struct kvm_vm *vm = NULL;
	struct kvm_vcpu *vcpu;
	struct timespec ts = { .tv_nsec = sleep_ns };
	struct ucall uc;
	uint64_t t0, t1, host0, host1, guest_ns;
	uint32_t khz;

	if (!kvm_check_cap(KVM_CAP_GET_TSC_KHZ))
		SKIP(return, "KVM_CAP_GET_TSC_KHZ not supported");
	vm = vm_create_with_one_vcpu(&vcpu, guest_tsc, GUEST_CPL3);
	khz = vcpu_tsc_khz(vcpu);
	ASSERT_GT(khz, 0);

	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	t0 = uc.args[0];
	host0 = now_ns();
	nanosleep(&ts, NULL);
	host1 = now_ns();
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	t1 = uc.args[0];
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(vcpu, NULL));

	ASSERT_GE(host1 - host0, sleep_ns);
	ASSERT_GT(t1, t0);
	guest_ns = tsc_to_ns(t1 - t0, khz);
	/*
	 * The guest's interval contains the host's sleep, plus exits and
	 * scheduling delay on a shared host: lower bound tight, upper loose.
	 */
	EXPECT_GE(guest_ns, (host1 - host0) * 9 / 10)
		TH_LOG("guest TSC says %llu ns at %u kHz, host slept %llu ns",
		       (unsigned long long)guest_ns, khz, (unsigned long long)(host1 - host0));
	EXPECT_LE(guest_ns, (host1 - host0) + 2 * NSEC_PER_SEC);
	TH_LOG("tsc %u kHz; guest measured %llu ns around a %llu ns host sleep", khz,
	       (unsigned long long)guest_ns, (unsigned long long)(host1 - host0));
}

static int lowest_free_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

TEST(many_vms_no_fd_leak)
{
	const int n = 16;
	int before = lowest_free_fd();
	bool irqchip = kvm_check_cap(KVM_CAP_IRQCHIP) > 0;
	bool stats = kvm_check_cap(KVM_CAP_BINARY_STATS_FD) > 0;
	int i;

	for (i = 0; i < n; i++) {
		_cleanup_(kvm_vm_freep) struct kvm_vm *vm = kvm_vm_new(8);
		struct kvm_vcpu *vcpu;

		if (irqchip)
			vm_create_irqchip(vm);
		vcpu = vm_vcpu_add(vm, 0, guest_pio, GUEST_CPL3);
		vm_vcpu_add(vm, 1, guest_pio, GUEST_CPL0);
		vm_memslot_add(vm, 1, 1ULL << 30, 2 * PAGE_SIZE, KVM_MEM_LOG_DIRTY_PAGES);
		if (stats) {
			vm_get_stat(vm, "remote_tlb_flush");
			vcpu_get_stat(vcpu, "exits");
		}
	}
	ASSERT_EQ(before, lowest_free_fd()) TH_LOG("lowest free fd moved after %d VMs", n);
}

KVM_HARNESS_MAIN
