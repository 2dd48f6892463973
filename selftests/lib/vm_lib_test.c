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
 * - Many VMs with stats fds and irqchips open: no fd leaks.
 *
 * Bug class: test-infrastructure rot. Every other selftest derives its
 * verdict from these helpers, so a stats reader that returns the wrong
 * slot, or a param reader that ignores its root, would make them lie.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

FIXTURE_VARIANT(stats) {
	enum guest_cpl cpl;
};

FIXTURE_VARIANT_ADD(stats, cpl0) { .cpl = GUEST_CPL0 };
FIXTURE_VARIANT_ADD(stats, cpl3) { .cpl = GUEST_CPL3 };

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
	_cleanup_stats_snapshot_ struct kvm_stats_snapshot before = {}, after = {};
	uint64_t exits0, exits1, seen = 0, io;
	struct kvm_run *run = self->vcpu->run;

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
	_cleanup_stats_snapshot_ struct kvm_stats_snapshot snap = {};
	struct kvm_stats *vs = vcpu_stats(self->vcpu);
	uint64_t v = 0xdead;
	unsigned int i;

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
	_cleanup_vm_ struct kvm_vm *vm = NULL;
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
	_cleanup_vm_ struct kvm_vm *vm = NULL;
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
		_cleanup_vm_ struct kvm_vm *vm = kvm_vm_new(8);
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
