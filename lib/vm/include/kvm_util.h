/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest-driven VM library: VMs, vCPUs, memslots and guest memory.
 *
 * A struct kvm_vm owns its vCPUs and memslots; kvm_vm_free() (NULL-safe)
 * tears all of them down. Functions without a leading "__" assert success
 * and end the test on failure; the "__" variants return the raw result
 * (negative errno style: -1 with errno set, as the ioctl gave it) for
 * negative tests.
 *
 * Guest code is ordinary C in the test file, compiled with the guest flags
 * (-mgeneral-regs-only and friends). kvm_vm_new() maps the test binary's
 * loaded segments into the guest at their host virtual addresses, so a
 * guest function pointer, its globals and its string literals work
 * unchanged in the guest. Guest globals are a copy: sync_global_to_guest()
 * and sync_global_from_guest() move values across.
 */
#pragma once

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "processor.h"
#include "test_util.h"

struct ucall;
struct kvm_stats;

typedef uint64_t gpa_t;
typedef uint64_t gva_t;

#define KVM_DEV_PATH	  "/dev/kvm"
#define VM_MAX_VCPUS	  16
#define VM_MAX_SLOTS	  32
#define VM_DEFAULT_MEM_MB 64
/* Scratch memslot of vm_mmu_resync(): past the library's slot table, at 64 GiB - 4 KiB. */
#define VM_SCRATCH_SLOT VM_MAX_SLOTS
#define VM_SCRATCH_GPA	((1ULL << 36) - PAGE_SIZE)

struct kvm_memslot {
	struct kvm_userspace_memory_region region;
	void *host_mem;
	size_t mmap_size;
	bool in_use;
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	uint32_t id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	int stats_fd;		 /* -1 until first used */
	struct kvm_stats *stats; /* its descriptors, see kvm_stats.h */
	gpa_t gdt_gpa;
	gva_t gdt_gva;
	gva_t tss_gva;
	gva_t stack_top;
	enum guest_cpl cpl;
};

struct kvm_vm {
	int kvm_fd;
	int fd;
	int stats_fd;		 /* -1 until first used */
	struct kvm_stats *stats; /* its descriptors, see kvm_stats.h */
	struct kvm_memslot slots[VM_MAX_SLOTS];
	struct kvm_vcpu *vcpus[VM_MAX_VCPUS];
	unsigned int nr_vcpus;
	gpa_t pml4;	  /* guest page tables root */
	gpa_t next_page;  /* bump allocator for guest-physical pages in slot 0 */
	gpa_t mem_end;	  /* end of slot 0 */
	gva_t next_vaddr; /* bump allocator for library-chosen guest-virtual addresses */
	gva_t idt_gva;
	gpa_t idt_gpa;
	bool has_irqchip; /* vm_create_irqchip() done */
	bool ran;	  /* some vCPU entered KVM_RUN */
	bool pt_stale;	  /* host changed a present guest PTE since */
};

/*
 * Open /dev/kvm, or end the whole binary with a kselftest skip naming the
 * reason (missing device, EACCES as an unprivileged user, ...).
 */
int open_kvm_dev_path_or_exit(void);

/* KVM_CHECK_EXTENSION on /dev/kvm; the raw value (0 = not supported). */
int kvm_check_cap(long cap);

/*
 * Create a VM with @mem_mb MiB of guest RAM in slot 0 at GPA 0, long-mode
 * page tables, the test binary mapped at its host addresses, and no vCPUs.
 */
struct kvm_vm *kvm_vm_new(unsigned int mem_mb);
struct kvm_vm *kvm_vm_free(struct kvm_vm *vm);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kvm_vm *, kvm_vm_free);

/*
 * KVM_CREATE_IRQCHIP: an in-kernel PIC, IOAPIC and a LAPIC per vCPU (at
 * GPA 0xfee00000, handled in the kernel). Must come before any vCPU is
 * added (asserted). The raw variant returns the ioctl result.
 */
int __vm_create_irqchip(struct kvm_vm *vm);
void vm_create_irqchip(struct kvm_vm *vm);

/* Create a VM and one vCPU that starts in @guest_code at @cpl. */
struct kvm_vm *vm_create_with_one_vcpu(struct kvm_vcpu **vcpu, void *guest_code,
				       enum guest_cpl cpl);

/* Add a vCPU that starts in long mode at @cpl in @guest_code (may be NULL). */
struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, uint32_t id, void *guest_code, enum guest_cpl cpl);

/*
 * Start a vCPU that has not run yet in another guest function, for tests
 * whose fixture created it with a default one. Set arguments afterwards.
 */
void vcpu_set_guest_code(struct kvm_vcpu *vcpu, void *guest_code);

/* Set the first @n (<= 6) integer arguments of the vCPU's guest function. */
void vcpu_args_set(struct kvm_vcpu *vcpu, unsigned int n, ...);

/* ---- memslots ---- */

/*
 * Add memslot @slot at @gpa of @size bytes (page multiple) backed by fresh
 * anonymous memory, with KVM_MEM_* @flags. The raw variant returns the ioctl
 * result and leaves no slot behind on failure.
 */
int __vm_memslot_add(struct kvm_vm *vm, uint32_t slot, gpa_t gpa, size_t size, uint32_t flags);
void vm_memslot_add(struct kvm_vm *vm, uint32_t slot, gpa_t gpa, size_t size, uint32_t flags);
/* Move a slot to @new_gpa (its memory keeps its contents). */
int __vm_memslot_move(struct kvm_vm *vm, uint32_t slot, gpa_t new_gpa);
void vm_memslot_move(struct kvm_vm *vm, uint32_t slot, gpa_t new_gpa);
/* Change a slot's flags, e.g. KVM_MEM_LOG_DIRTY_PAGES. */
void vm_memslot_set_flags(struct kvm_vm *vm, uint32_t slot, uint32_t flags);
void vm_memslot_delete(struct kvm_vm *vm, uint32_t slot);
/*
 * KVM_GET_DIRTY_LOG for a slot with KVM_MEM_LOG_DIRTY_PAGES: one bit per
 * 4 KiB page, set if the guest wrote it since the last call (which clears
 * the log). @bitmap holds at least ceil(pages / 64) words.
 */
void vm_dirty_log_get(struct kvm_vm *vm, uint32_t slot, uint64_t *bitmap);
/* Host memory of a slot (valid while the slot exists). */
void *vm_memslot_hva(struct kvm_vm *vm, uint32_t slot);

/* ---- guest memory ---- */

/* Allocate @n zeroed guest-physical pages from slot 0. */
gpa_t vm_phy_pages_alloc(struct kvm_vm *vm, size_t n);
/* Host address of @gpa, or NULL when no slot backs it. */
void *addr_gpa2hva(struct kvm_vm *vm, gpa_t gpa);
/* Walk the guest page tables: gva -> gpa. Asserts the gva is mapped. */
gpa_t addr_gva2gpa(struct kvm_vm *vm, gva_t gva);
/* gva -> host address (asserts mapped and backed by a slot). */
void *addr_gva2hva(struct kvm_vm *vm, gva_t gva);

/*
 * Map @npages 4 KiB pages at @gva to @gpa (which need not be backed: an
 * unbacked gpa is MMIO). Remapping an already-mapped page replaces it.
 *
 * TLB rule: the host edits guest page tables behind the guest's back, so
 * once the guest has touched a gva, a host remap or unmap of it may not be
 * seen until the guest flushes: guest code must call guest_flush_tlb()
 * (CR3 reload, either CPL) or invlpg() (CPL0) after the host changed the
 * mapping and before it uses the address again.
 *
 * With shadow paging (no EPT/NPT; PVM on the dev host) a guest flush is
 * not enough: KVM keeps shadow PTEs for guest page tables it has
 * write-protected, and host writes through the memslot's host mapping are
 * not trapped, so KVM never re-reads the changed entry. Measured here: a
 * CPL3 guest kept reading the old page after a CR3 reload and after
 * invlpg. So when virt_map(), virt_map_2m() or virt_unmap() change an
 * entry that was present after the VM first ran, the next KVM_RUN first
 * calls vm_mmu_resync(). Mapping gvas the guest has never touched needs
 * neither. Memslot changes (add/move/delete) are guest-physical and need no
 * guest flush.
 */
void virt_map(struct kvm_vm *vm, gva_t gva, gpa_t gpa, size_t npages);
/* Map one 2 MiB page (both addresses 2 MiB aligned). */
void virt_map_2m(struct kvm_vm *vm, gva_t gva, gpa_t gpa);
/* Remove the 4 KiB mapping at @gva (no-op if absent). */
void virt_unmap(struct kvm_vm *vm, gva_t gva);
/*
 * Make KVM drop every shadow or TDP page it built for this VM, so guest
 * page tables the host edited are walked afresh: adds and deletes a
 * scratch memslot (slot VM_SCRATCH_SLOT at VM_SCRATCH_GPA), and deleting a
 * slot zaps the whole MMU (KVM_X86_QUIRK_SLOT_ZAP_ALL, on by default). It
 * also bumps the memslot generation and drops MMIO SPTEs, so stats-based
 * tests must not remap between their snapshots.
 */
void vm_mmu_resync(struct kvm_vm *vm);
/*
 * Pick an unused guest-virtual range of @npages pages (library region),
 * map it to @gpa and return its address.
 */
gva_t vm_map_gpa(struct kvm_vm *vm, gpa_t gpa, size_t npages);
/* Allocate @npages fresh pages, map them, return the guest-virtual address. */
gva_t vm_vaddr_alloc(struct kvm_vm *vm, size_t npages);

/* Copy a host global to/from the guest's copy at the same address. */
void __sync_to_guest(struct kvm_vm *vm, const void *addr, size_t size);
void __sync_from_guest(struct kvm_vm *vm, void *addr, size_t size);
#define sync_global_to_guest(vm, g)   __sync_to_guest(vm, &(g), sizeof(g))
#define sync_global_from_guest(vm, g) __sync_from_guest(vm, &(g), sizeof(g))

/* ---- running ---- */

/* KVM_RUN; returns the raw ioctl result (0, or -1 with errno). */
int __vcpu_run(struct kvm_vcpu *vcpu);
/* KVM_RUN, asserting the ioctl succeeded (EINTR is retried). */
void vcpu_run(struct kvm_vcpu *vcpu);
/* Assert the last exit was @reason, naming both on mismatch. */
void __vcpu_assert_exit(struct kvm_vcpu *vcpu, uint32_t reason, const char *file,
			unsigned int line);
#define TEST_ASSERT_KVM_EXIT_REASON(vcpu, reason) \
	__vcpu_assert_exit(vcpu, reason, __FILE__, __LINE__)
const char *exit_reason_str(uint32_t reason);

/*
 * Assert the last exit was KVM_EXIT_MMIO with exactly these fields; a
 * mismatch names every field, expected and got. For a write, @data holds
 * the bytes the guest must have written. For a read, @data is copied into
 * run->mmio.data, so the next KVM_RUN completes the guest's load with it.
 */
void __vcpu_check_mmio(struct kvm_vcpu *vcpu, gpa_t gpa, uint32_t len, bool is_write,
		       const void *data, const char *file, unsigned int line);
#define vcpu_check_mmio(vcpu, gpa, len, is_write, data) \
	__vcpu_check_mmio(vcpu, gpa, len, is_write, data, __FILE__, __LINE__)

/*
 * Run until the next ucall and return its command. A guest assertion fails
 * the test with the guest's file:line; any exit other than the ucall port
 * fails it with the exit reason and RIP.
 */
uint64_t vcpu_run_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);

void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_regs_set(struct kvm_vcpu *vcpu, const struct kvm_regs *regs);
void vcpu_sregs_get(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_sregs_set(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs);

/* Raw ioctl helpers that assert, naming the ioctl. */
#define vm_ioctl(vm, cmd, arg)                       \
	({                                           \
		int __r = ioctl((vm)->fd, cmd, arg); \
		TEST_ASSERT_SYSCALL(__r, #cmd);      \
		__r;                                 \
	})
#define vcpu_ioctl(vcpu, cmd, arg)                     \
	({                                             \
		int __r = ioctl((vcpu)->fd, cmd, arg); \
		TEST_ASSERT_SYSCALL(__r, #cmd);        \
		__r;                                   \
	})
