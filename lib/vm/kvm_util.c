// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMs, vCPUs and memslots. Long-mode specifics (page tables, GDT, sregs)
 * live in x86/processor.c.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exception.h"
#include "kvm_stats.h"
#include "kvm_util.h"
#include "kvm_util_internal.h"
#include "ucall.h"

int open_kvm_dev_path_or_exit(void)
{
	int fd = open(KVM_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		ksft_exit_skip("cannot open %s: %s (needs KVM and access to the device)\n",
			       KVM_DEV_PATH, strerror(errno));
	return fd;
}

int kvm_check_cap(long cap)
{
	int fd = open_kvm_dev_path_or_exit();
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	close(fd);
	TEST_ASSERT_SYSCALL(r, "KVM_CHECK_EXTENSION");
	return r;
}

struct kvm_vm *kvm_vm_new(unsigned int mem_mb)
{
	struct kvm_vm *vm = calloc(1, sizeof(*vm));
	int r;

	TEST_ASSERT(vm, "out of memory");
	vm->fd = -1;
	vm->stats_fd = -1;
	vm->kvm_fd = open_kvm_dev_path_or_exit();
	r = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, NULL);
	TEST_ASSERT(r == KVM_API_VERSION, "KVM_GET_API_VERSION: %d, expected %d", r,
		    KVM_API_VERSION);
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	TEST_ASSERT_SYSCALL(vm->fd, "KVM_CREATE_VM");

	vm_memslot_add(vm, 0, 0, (size_t)mem_mb << 20, 0);
	/* Page 0 stays unused so a NULL guest pointer faults. */
	vm->next_page = PAGE_SIZE;
	vm->mem_end = (gpa_t)mem_mb << 20;
	vm->next_vaddr = VM_LIB_VADDR_BASE;
	vm_arch_setup(vm);
	return vm;
}

struct kvm_vm *kvm_vm_free(struct kvm_vm *vm)
{
	unsigned int i;

	if (!vm)
		return NULL;
	for (i = 0; i < VM_MAX_VCPUS; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu)
			continue;
		if (vcpu->run)
			munmap(vcpu->run, vcpu->run_size);
		kvm_stats_free(vcpu->stats);
		if (vcpu->stats_fd >= 0)
			close(vcpu->stats_fd);
		if (vcpu->fd >= 0)
			close(vcpu->fd);
		free(vcpu);
	}
	kvm_stats_free(vm->stats);
	if (vm->stats_fd >= 0)
		close(vm->stats_fd);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	/* Memory goes after the VM fd, so KVM never sees a slot's memory vanish. */
	for (i = 0; i < VM_MAX_SLOTS; i++)
		if (vm->slots[i].host_mem)
			munmap(vm->slots[i].host_mem, vm->slots[i].mmap_size);
	free(vm);
	return NULL;
}

int __vm_create_irqchip(struct kvm_vm *vm)
{
	int r;

	/* KVM creates each vCPU's LAPIC only if the irqchip already exists. */
	TEST_ASSERT(vm->nr_vcpus == 0, "KVM_CREATE_IRQCHIP after %u vCPUs were created",
		    vm->nr_vcpus);
	r = ioctl(vm->fd, KVM_CREATE_IRQCHIP, NULL);
	if (r == 0)
		vm->has_irqchip = true;
	return r;
}

void vm_create_irqchip(struct kvm_vm *vm)
{
	int r = __vm_create_irqchip(vm);

	TEST_ASSERT_SYSCALL(r, "KVM_CREATE_IRQCHIP");
}

struct kvm_vm *vm_create_with_one_vcpu(struct kvm_vcpu **vcpu, void *guest_code, enum guest_cpl cpl)
{
	struct kvm_vm *vm = kvm_vm_new(VM_DEFAULT_MEM_MB);

	*vcpu = vm_vcpu_add(vm, 0, guest_code, cpl);
	return vm;
}

struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, uint32_t id, void *guest_code, enum guest_cpl cpl)
{
	struct kvm_vcpu *vcpu;
	int size;

	TEST_ASSERT(id < VM_MAX_VCPUS && !vm->vcpus[id], "vCPU id %u in use or too large", id);
	vcpu = calloc(1, sizeof(*vcpu));
	TEST_ASSERT(vcpu, "out of memory");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->stats_fd = -1;
	vcpu->cpl = cpl;
	vm->vcpus[id] = vcpu;
	vm->nr_vcpus++;

	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	TEST_ASSERT_SYSCALL(vcpu->fd, "KVM_CREATE_VCPU");
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	TEST_ASSERT_SYSCALL(size, "KVM_GET_VCPU_MMAP_SIZE");
	TEST_ASSERT((size_t)size >= sizeof(struct kvm_run), "kvm_run mmap size %d too small", size);
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	TEST_ASSERT(vcpu->run != MAP_FAILED, "mmap of kvm_run failed");

	vcpu_arch_setup(vcpu, guest_code, cpl);
	return vcpu;
}

void vcpu_set_guest_code(struct kvm_vcpu *vcpu, void *guest_code)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	regs.rip = (uintptr_t)guest_code;
	vcpu_regs_set(vcpu, &regs);
}

void vcpu_args_set(struct kvm_vcpu *vcpu, unsigned int n, ...)
{
	struct kvm_regs regs;
	__u64 *slots[] = { &regs.rdi, &regs.rsi, &regs.rdx, &regs.rcx, &regs.r8, &regs.r9 };
	va_list ap;
	unsigned int i;

	TEST_ASSERT(n <= ARRAY_SIZE(slots), "at most %zu guest arguments", ARRAY_SIZE(slots));
	vcpu_regs_get(vcpu, &regs);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		*slots[i] = va_arg(ap, uint64_t);
	va_end(ap);
	vcpu_regs_set(vcpu, &regs);
}

/* ---- memslots ---- */

static struct kvm_memslot *memslot_get(struct kvm_vm *vm, uint32_t slot)
{
	TEST_ASSERT(slot < VM_MAX_SLOTS && vm->slots[slot].in_use, "memslot %u does not exist",
		    slot);
	return &vm->slots[slot];
}

static int memslot_commit(struct kvm_vm *vm, struct kvm_memslot *s)
{
	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &s->region);
}

int __vm_memslot_add(struct kvm_vm *vm, uint32_t slot, gpa_t gpa, size_t size, uint32_t flags)
{
	struct kvm_memslot *s;
	void *mem;
	int r;

	TEST_ASSERT(slot < VM_MAX_SLOTS && !vm->slots[slot].in_use,
		    "memslot %u in use or too large", slot);
	TEST_ASSERT(size && !(size & ~PAGE_MASK) && !(gpa & ~PAGE_MASK),
		    "memslot gpa %#llx size %#zx not page aligned", (unsigned long long)gpa, size);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	TEST_ASSERT(mem != MAP_FAILED, "mmap of %zu bytes of guest memory failed", size);

	s = &vm->slots[slot];
	s->region = (struct kvm_userspace_memory_region){
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)mem,
	};
	r = memslot_commit(vm, s);
	if (r < 0) {
		int err = errno;

		munmap(mem, size);
		memset(s, 0, sizeof(*s));
		errno = err;
		return r;
	}
	s->host_mem = mem;
	s->mmap_size = size;
	s->in_use = true;
	return 0;
}

void vm_memslot_add(struct kvm_vm *vm, uint32_t slot, gpa_t gpa, size_t size, uint32_t flags)
{
	int r = __vm_memslot_add(vm, slot, gpa, size, flags);

	TEST_ASSERT_SYSCALL(r, "KVM_SET_USER_MEMORY_REGION (add)");
}

int __vm_memslot_move(struct kvm_vm *vm, uint32_t slot, gpa_t new_gpa)
{
	struct kvm_memslot *s = memslot_get(vm, slot);
	gpa_t old = s->region.guest_phys_addr;
	int r;

	s->region.guest_phys_addr = new_gpa;
	r = memslot_commit(vm, s);
	if (r < 0)
		s->region.guest_phys_addr = old;
	return r;
}

void vm_memslot_move(struct kvm_vm *vm, uint32_t slot, gpa_t new_gpa)
{
	int r = __vm_memslot_move(vm, slot, new_gpa);

	TEST_ASSERT_SYSCALL(r, "KVM_SET_USER_MEMORY_REGION (move)");
}

void vm_memslot_set_flags(struct kvm_vm *vm, uint32_t slot, uint32_t flags)
{
	struct kvm_memslot *s = memslot_get(vm, slot);
	int r;

	s->region.flags = flags;
	r = memslot_commit(vm, s);
	TEST_ASSERT_SYSCALL(r, "KVM_SET_USER_MEMORY_REGION (flags)");
}

void vm_memslot_delete(struct kvm_vm *vm, uint32_t slot)
{
	struct kvm_memslot *s = memslot_get(vm, slot);
	int r;

	TEST_ASSERT(slot != 0, "slot 0 holds the page tables and the test binary");
	s->region.memory_size = 0;
	r = memslot_commit(vm, s);
	TEST_ASSERT_SYSCALL(r, "KVM_SET_USER_MEMORY_REGION (delete)");
	munmap(s->host_mem, s->mmap_size);
	memset(s, 0, sizeof(*s));
}

void vm_dirty_log_get(struct kvm_vm *vm, uint32_t slot, uint64_t *bitmap)
{
	struct kvm_dirty_log log = { .slot = memslot_get(vm, slot)->region.slot,
				     .dirty_bitmap = bitmap };

	size_t pages = vm->slots[slot].region.memory_size / PAGE_SIZE;

	TEST_ASSERT(vm->slots[slot].region.flags & KVM_MEM_LOG_DIRTY_PAGES,
		    "memslot %u does not log dirty pages", slot);
	/* KVM fills all of it; clearing first tells valgrind so too. */
	memset(bitmap, 0, (pages + 63) / 64 * sizeof(uint64_t));
	vm_ioctl(vm, KVM_GET_DIRTY_LOG, &log);
}

void *vm_memslot_hva(struct kvm_vm *vm, uint32_t slot)
{
	return memslot_get(vm, slot)->host_mem;
}

/* ---- guest memory ---- */

gpa_t vm_phy_pages_alloc(struct kvm_vm *vm, size_t n)
{
	gpa_t gpa = vm->next_page;

	TEST_ASSERT(n && gpa + n * PAGE_SIZE <= vm->mem_end,
		    "guest memory exhausted: %zu pages wanted at %#llx, slot 0 ends at %#llx", n,
		    (unsigned long long)gpa, (unsigned long long)vm->mem_end);
	vm->next_page += n * PAGE_SIZE;
	memset(addr_gpa2hva(vm, gpa), 0, n * PAGE_SIZE);
	return gpa;
}

void *addr_gpa2hva(struct kvm_vm *vm, gpa_t gpa)
{
	unsigned int i;

	for (i = 0; i < VM_MAX_SLOTS; i++) {
		struct kvm_memslot *s = &vm->slots[i];

		if (s->in_use && gpa >= s->region.guest_phys_addr &&
		    gpa - s->region.guest_phys_addr < s->region.memory_size)
			return (char *)s->host_mem + (gpa - s->region.guest_phys_addr);
	}
	return NULL;
}

void *addr_gva2hva(struct kvm_vm *vm, gva_t gva)
{
	gpa_t gpa = addr_gva2gpa(vm, gva);
	void *hva = addr_gpa2hva(vm, gpa);

	TEST_ASSERT(hva, "gva %#llx maps to gpa %#llx, which no memslot backs",
		    (unsigned long long)gva, (unsigned long long)gpa);
	return hva;
}

static void sync_range(struct kvm_vm *vm, void *host, size_t size, bool to_guest)
{
	uintptr_t addr = (uintptr_t)host;

	while (size) {
		size_t chunk = PAGE_SIZE - (addr & ~PAGE_MASK);
		char *g = addr_gva2hva(vm, addr);

		if (chunk > size)
			chunk = size;
		if (to_guest)
			memcpy(g, (void *)addr, chunk);
		else
			memcpy((void *)addr, g, chunk);
		addr += chunk;
		size -= chunk;
	}
}

void __sync_to_guest(struct kvm_vm *vm, const void *addr, size_t size)
{
	sync_range(vm, (void *)addr, size, true);
}

void __sync_from_guest(struct kvm_vm *vm, void *addr, size_t size)
{
	sync_range(vm, addr, size, false);
}

/* ---- running ---- */

void vm_mmu_resync(struct kvm_vm *vm)
{
	struct kvm_userspace_memory_region r = {
		.slot = VM_SCRATCH_SLOT,
		.guest_phys_addr = VM_SCRATCH_GPA,
		.memory_size = PAGE_SIZE,
	};
	void *mem =
		mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(mem != MAP_FAILED, "mmap of the scratch memslot page failed");
	r.userspace_addr = (uintptr_t)mem;
	vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
	r.memory_size = 0;
	vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
	munmap(mem, PAGE_SIZE);
	vm->pt_stale = false;
}

int __vcpu_run(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;

	if (vm->pt_stale)
		vm_mmu_resync(vm);
	vm->ran = true;
	return ioctl(vcpu->fd, KVM_RUN, NULL);
}

void vcpu_run(struct kvm_vcpu *vcpu)
{
	int r;

	do {
		r = __vcpu_run(vcpu);
	} while (r < 0 && errno == EINTR);
	TEST_ASSERT_SYSCALL(r, "KVM_RUN");
}

const char *exit_reason_str(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "(other)";
}

void __vcpu_assert_exit(struct kvm_vcpu *vcpu, uint32_t reason, const char *file, unsigned int line)
{
	struct kvm_regs regs;
	uint32_t got = vcpu->run->exit_reason;

	if (got == reason)
		return;
	vcpu_regs_get(vcpu, &regs);
	__noreturn_fail(file, line, "exit_reason",
			"expected KVM_EXIT_%s (%u), got KVM_EXIT_%s (%u) at rip %#llx%s",
			exit_reason_str(reason), reason, exit_reason_str(got), got,
			(unsigned long long)regs.rip,
			got == KVM_EXIT_INTERNAL_ERROR ? " (emulation failure or internal error)" :
							 "");
}

static void hex_bytes(char *buf, size_t size, const uint8_t *b, uint32_t len)
{
	size_t used = 0;
	uint32_t i;

	buf[0] = '\0';
	for (i = 0; i < len && used + 3 < size; i++)
		used += snprintf(buf + used, size - used, "%02x", b[i]);
}

void __vcpu_check_mmio(struct kvm_vcpu *vcpu, gpa_t gpa, uint32_t len, bool is_write,
		       const void *data, const char *file, unsigned int line)
{
	struct kvm_run *run = vcpu->run;
	char want[40], got[40];

	TEST_ASSERT(len && len <= sizeof(run->mmio.data), "MMIO length %u out of range", len);
	__vcpu_assert_exit(vcpu, KVM_EXIT_MMIO, file, line);
	if (run->mmio.phys_addr != gpa || run->mmio.len != len || run->mmio.is_write != is_write ||
	    (is_write && memcmp(run->mmio.data, data, len))) {
		hex_bytes(want, sizeof(want), data, len);
		hex_bytes(got, sizeof(got), run->mmio.data,
			  run->mmio.len <= sizeof(run->mmio.data) ? run->mmio.len : 8);
		__noreturn_fail(
			file, line, "KVM_EXIT_MMIO fields",
			"expected %s of %u bytes at gpa %#llx%s%s, got %s of %u bytes at gpa %#llx%s%s",
			is_write ? "write" : "read", len, (unsigned long long)gpa,
			is_write ? " data " : "", is_write ? want : "",
			run->mmio.is_write ? "write" : "read", run->mmio.len,
			(unsigned long long)run->mmio.phys_addr, run->mmio.is_write ? " data " : "",
			run->mmio.is_write ? got : "");
	}
	if (!is_write)
		memcpy(run->mmio.data, data, len);
}

uint64_t vcpu_run_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct ucall tmp;
	uint64_t cmd;

	if (!uc)
		uc = &tmp;
	vcpu_run(vcpu);
	cmd = get_ucall(vcpu, uc);
	if (cmd == UCALL_ASSERT)
		REPORT_GUEST_ASSERT(*uc);
	if (cmd == UCALL_UNHANDLED)
		TEST_FAIL(
			"unexpected guest exception %s (vector %llu) at rip %#llx, error code %#llx, cr2 %#llx",
			exception_name(uc->args[0]), (unsigned long long)uc->args[0],
			(unsigned long long)uc->args[1], (unsigned long long)uc->args[2],
			(unsigned long long)uc->args[3]);
	if (cmd == UCALL_NONE) {
		struct kvm_run *run = vcpu->run;

		if (run->exit_reason == KVM_EXIT_MMIO)
			TEST_FAIL("unexpected KVM_EXIT_MMIO: %s of %u bytes at gpa %#llx",
				  run->mmio.is_write ? "write" : "read", run->mmio.len,
				  (unsigned long long)run->mmio.phys_addr);
		if (run->exit_reason == KVM_EXIT_IO)
			TEST_FAIL("unexpected KVM_EXIT_IO: %s port %#x",
				  run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
				  run->io.port);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	}
	return cmd;
}

void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	vcpu_ioctl(vcpu, KVM_GET_REGS, regs);
}

void vcpu_regs_set(struct kvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	vcpu_ioctl(vcpu, KVM_SET_REGS, regs);
}

void vcpu_sregs_get(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	vcpu_ioctl(vcpu, KVM_GET_SREGS, sregs);
}

void vcpu_sregs_set(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	vcpu_ioctl(vcpu, KVM_SET_SREGS, sregs);
}
