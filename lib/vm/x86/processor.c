// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86-64 long mode for test VMs: 4-level page tables built by the host,
 * the test binary mapped at its host addresses, a per-vCPU GDT and TSS,
 * and the register state that starts a vCPU at CPL0 or CPL3.
 */
#include <elf.h>
#include <link.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "exception.h"
#include "kvm_util.h"
#include "../kvm_util_internal.h"

#define VCPU_STACK_PAGES 8

/* Entry stubs for vectors 0-31 (handlers.S). */
extern const uint64_t guest_idt_stubs[NR_EXCEPTION_VECTORS];
static void vm_setup_idt(struct kvm_vm *vm);

static uint64_t *pte_table(struct kvm_vm *vm, gpa_t table)
{
	uint64_t *t = addr_gpa2hva(vm, table);

	TEST_ASSERT(t, "page table at gpa %#llx is not in a memslot", (unsigned long long)table);
	return t;
}

/*
 * Note that a present entry is about to change. Once the guest has run, KVM
 * may hold shadow pages built from it (see the TLB rule in kvm_util.h).
 */
static void pte_changed(struct kvm_vm *vm, uint64_t old)
{
	if ((old & PTE_PRESENT) && vm->ran)
		vm->pt_stale = true;
}

static unsigned int pt_index(gva_t gva, int level)
{
	return (gva >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

/*
 * Return the entry for @gva at @level (1 = PTE, 2 = PDE, ...), creating the
 * intermediate tables when @create. NULL if absent and !create.
 */
static uint64_t *pte_lookup(struct kvm_vm *vm, gva_t gva, int level, bool create)
{
	gpa_t table = vm->pml4;
	int l;

	TEST_ASSERT((int64_t)(gva << 16) >> 16 == (int64_t)gva, "gva %#llx is not canonical",
		    (unsigned long long)gva);
	for (l = 4; l > level; l--) {
		uint64_t *e = &pte_table(vm, table)[pt_index(gva, l)];

		if (!(*e & PTE_PRESENT) || (*e & PTE_LARGE)) {
			if (!create)
				return NULL;
			pte_changed(vm, *e);
			/* A huge mapping in the way is replaced by a fresh table. */
			*e = vm_phy_pages_alloc(vm, 1) | PTE_PRESENT | PTE_WRITE | PTE_USER;
		}
		table = *e & PTE_ADDR_MASK;
	}
	return &pte_table(vm, table)[pt_index(gva, level)];
}

void virt_map(struct kvm_vm *vm, gva_t gva, gpa_t gpa, size_t npages)
{
	size_t i;

	TEST_ASSERT(!(gva & ~PAGE_MASK) && !(gpa & ~PAGE_MASK),
		    "virt_map: unaligned gva %#llx gpa %#llx", (unsigned long long)gva,
		    (unsigned long long)gpa);
	for (i = 0; i < npages; i++) {
		uint64_t *e = pte_lookup(vm, gva + i * PAGE_SIZE, 1, true);

		pte_changed(vm, *e);
		/* User-accessible so the same mappings serve CPL0 and CPL3 code. */
		*e = (gpa + i * PAGE_SIZE) | PTE_PRESENT | PTE_WRITE | PTE_USER;
	}
}

void virt_map_2m(struct kvm_vm *vm, gva_t gva, gpa_t gpa)
{
	uint64_t *e;

	TEST_ASSERT(!(gva & (HUGEPAGE_SIZE - 1)) && !(gpa & (HUGEPAGE_SIZE - 1)),
		    "virt_map_2m: unaligned gva %#llx gpa %#llx", (unsigned long long)gva,
		    (unsigned long long)gpa);
	e = pte_lookup(vm, gva, 2, true);
	pte_changed(vm, *e);
	*e = gpa | PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_LARGE;
}

void virt_unmap(struct kvm_vm *vm, gva_t gva)
{
	uint64_t *e = pte_lookup(vm, gva, 1, false);

	if (e) {
		pte_changed(vm, *e);
		*e = 0;
	}
}

gpa_t addr_gva2gpa(struct kvm_vm *vm, gva_t gva)
{
	uint64_t *e = pte_lookup(vm, gva, 2, false);

	TEST_ASSERT(e && (*e & PTE_PRESENT), "gva %#llx is not mapped", (unsigned long long)gva);
	if (*e & PTE_LARGE)
		return (*e & PTE_ADDR_MASK & ~(HUGEPAGE_SIZE - 1)) | (gva & (HUGEPAGE_SIZE - 1));
	e = &pte_table(vm, *e & PTE_ADDR_MASK)[pt_index(gva, 1)];
	TEST_ASSERT(*e & PTE_PRESENT, "gva %#llx is not mapped", (unsigned long long)gva);
	return (*e & PTE_ADDR_MASK) | (gva & ~PAGE_MASK);
}

gva_t vm_map_gpa(struct kvm_vm *vm, gpa_t gpa, size_t npages)
{
	gva_t gva = vm->next_vaddr;

	/* One unmapped guard page between ranges catches overruns. */
	vm->next_vaddr += (npages + 1) * PAGE_SIZE;
	virt_map(vm, gva, gpa, npages);
	return gva;
}

gva_t vm_vaddr_alloc(struct kvm_vm *vm, size_t npages)
{
	return vm_map_gpa(vm, vm_phy_pages_alloc(vm, npages), npages);
}

/*
 * Copy a page of this process's own image. From live memory, not the file:
 * relocations (GOT, .data.rel.ro) are already applied there. Through the
 * kernel, not memcpy: under ASan the image holds poisoned redzones that
 * must be copied as they are.
 */
static void copy_own_memory(void *dst, uintptr_t src)
{
	struct iovec local = { .iov_base = dst, .iov_len = PAGE_SIZE };
	struct iovec remote = { .iov_base = (void *)src, .iov_len = PAGE_SIZE };
	ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);

	TEST_ASSERT(n == (ssize_t)PAGE_SIZE, "process_vm_readv of own page %#lx: %zd",
		    (unsigned long)src, n);
}

/* Copy each loaded segment of the test binary into the guest at its address. */
static int map_binary_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct kvm_vm *vm = data;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start, end, va;

		if (ph->p_type != PT_LOAD)
			continue;
		start = (info->dlpi_addr + ph->p_vaddr) & PAGE_MASK;
		end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + PAGE_SIZE - 1) & PAGE_MASK;
		for (va = start; va < end; va += PAGE_SIZE) {
			uint64_t *e = pte_lookup(vm, va, 1, true);
			gpa_t gpa;

			/* Segments may share a page at their boundary. */
			if (*e & PTE_PRESENT)
				continue;
			gpa = vm_phy_pages_alloc(vm, 1);
			copy_own_memory(addr_gpa2hva(vm, gpa), va);
			*e = gpa | PTE_PRESENT | PTE_WRITE | PTE_USER;
		}
	}
	return 1; /* the first object is the executable itself */
}

void vm_arch_setup(struct kvm_vm *vm)
{
	vm->pml4 = vm_phy_pages_alloc(vm, 1);
	dl_iterate_phdr(map_binary_cb, vm);
	vm->idt_gva = vm_vaddr_alloc(vm, 1);
	vm->idt_gpa = addr_gva2gpa(vm, vm->idt_gva);
	vm_setup_idt(vm);
}

static uint64_t gdt_segment(uint8_t access, uint8_t flags)
{
	/* base 0, limit 0xfffff (4 GiB with G=1) */
	return 0xffffULL | ((uint64_t)access << 40) | (0xfULL << 48) | ((uint64_t)flags << 52);
}

static void kvm_seg(struct kvm_segment *s, uint16_t sel, bool code, unsigned int dpl)
{
	*s = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = code ? 0xb : 0x3,
		.present = 1,
		.dpl = dpl,
		.s = 1,
		.l = code,
		.db = !code,
		.g = 1,
	};
}

static void vcpu_set_cpuid(struct kvm_vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid;
	unsigned int n = 128;
	int r;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		TEST_ASSERT(cpuid, "out of memory");
		cpuid->nent = n;
		r = ioctl(vcpu->vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (r == 0 || errno != E2BIG)
			break;
		free(cpuid);
		n *= 2;
	}
	TEST_ASSERT_SYSCALL(r, "KVM_GET_SUPPORTED_CPUID");
	r = ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	TEST_ASSERT_SYSCALL(r, "KVM_SET_CPUID2");
}

void vcpu_arch_setup(struct kvm_vcpu *vcpu, void *guest_code, enum guest_cpl cpl)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_sregs sregs;
	struct kvm_regs regs = {};
	struct tss64 *tss;
	uint64_t *gdt;
	gva_t kstack, ustack;
	unsigned int dpl = cpl == GUEST_CPL3 ? 3 : 0;

	TEST_ASSERT(cpl == GUEST_CPL0 || cpl == GUEST_CPL3, "CPL must be 0 or 3, not %d", cpl);
	vcpu_set_cpuid(vcpu);

	/* One page: GDT at offset 0, TSS at offset 0x100. */
	vcpu->gdt_gva = vm_vaddr_alloc(vm, 1);
	vcpu->gdt_gpa = addr_gva2gpa(vm, vcpu->gdt_gva);
	vcpu->tss_gva = vcpu->gdt_gva + 0x100;
	gdt = addr_gpa2hva(vm, vcpu->gdt_gpa);
	tss = (struct tss64 *)((char *)gdt + 0x100);

	gdt[GDT_KERNEL_CS >> 3] = gdt_segment(0x9b, 0xa);
	gdt[GDT_KERNEL_DS >> 3] = gdt_segment(0x93, 0xc);
	gdt[GDT_USER_DS >> 3] = gdt_segment(0xf3, 0xc);
	gdt[GDT_USER_CS >> 3] = gdt_segment(0xfb, 0xa);
	/* 64-bit busy TSS descriptor (type 0xb) spanning two entries. */
	gdt[GDT_TSS >> 3] = (sizeof(*tss) - 1) | ((vcpu->tss_gva & 0xffffff) << 16) |
			    (0x8bULL << 40) | (((vcpu->tss_gva >> 24) & 0xff) << 56);
	gdt[(GDT_TSS >> 3) + 1] = vcpu->tss_gva >> 32;

	/* Kernel stack (exceptions from CPL3 land here) and the start stack. */
	kstack = vm_vaddr_alloc(vm, VCPU_STACK_PAGES) + VCPU_STACK_PAGES * PAGE_SIZE;
	tss->rsp0 = kstack;
	tss->iomap_base = sizeof(*tss); /* no I/O bitmap: IOPL decides */
	ustack = cpl == GUEST_CPL3 ?
			 vm_vaddr_alloc(vm, VCPU_STACK_PAGES) + VCPU_STACK_PAGES * PAGE_SIZE :
			 kstack;
	vcpu->stack_top = ustack;

	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	sregs.cr4 = X86_CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	sregs.cr3 = vm->pml4;
	kvm_seg(&sregs.cs, dpl ? GDT_USER_CS | 3 : GDT_KERNEL_CS, true, dpl);
	kvm_seg(&sregs.ds, dpl ? GDT_USER_DS | 3 : GDT_KERNEL_DS, false, dpl);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.tr = (struct kvm_segment){
		.base = vcpu->tss_gva,
		.limit = sizeof(*tss) - 1,
		.selector = GDT_TSS,
		.type = 0xb,
		.present = 1,
	};
	sregs.ldt = (struct kvm_segment){ .unusable = 1, .type = 0x2, .present = 0 };
	sregs.gdt.base = vcpu->gdt_gva;
	sregs.gdt.limit = GDT_ENTRIES * 8 - 1;
	sregs.idt.base = vm->idt_gva;
	sregs.idt.limit = 256 * 16 - 1;
	vcpu_sregs_set(vcpu, &sregs);

	/* IOPL 3 lets CPL3 guest code make ucalls with OUT. */
	regs.rflags = X86_EFLAGS_FIXED | X86_EFLAGS_IOPL3;
	regs.rip = (uintptr_t)guest_code;
	/* As if a return address had been pushed: the SysV alignment at entry. */
	regs.rsp = ustack - 8;
	vcpu_regs_set(vcpu, &regs);
}

const char *exception_name(unsigned int vector)
{
	static const char *const names[NR_EXCEPTION_VECTORS] = {
		"#DE", "#DB", "NMI", "#BP", "#OF",	  "#BR",	"#UD",	      "#NM", "#DF",
		"CSO", "#TS", "#NP", "#SS", "#GP",	  "#PF",	"(15)",	      "#MF", "#AC",
		"#MC", "#XM", "#VE", "#CP", [28] = "#HV", [29] = "#VC", [30] = "#SX",
	};

	return vector < NR_EXCEPTION_VECTORS && names[vector] ? names[vector] : "(reserved)";
}

void vm_install_exception_handler(struct kvm_vm *vm, unsigned int vector,
				  guest_exception_handler_t handler)
{
	guest_exception_handler_t *slot;

	TEST_ASSERT(vector < NR_EXCEPTION_VECTORS, "vector %u out of range", vector);
	slot = addr_gva2hva(vm, (uintptr_t)&guest_exception_handlers[vector]);
	*slot = handler;
}

/* 64-bit interrupt gates for vectors 0-31, all entering the library's stubs. */
static void vm_setup_idt(struct kvm_vm *vm)
{
	uint64_t *idt = addr_gpa2hva(vm, vm->idt_gpa);
	unsigned int v;

	for (v = 0; v < NR_EXCEPTION_VECTORS; v++) {
		uint64_t addr = guest_idt_stubs[v];

		idt[2 * v] = (addr & 0xffff) | ((uint64_t)GDT_KERNEL_CS << 16) |
			     (0x8eULL << 40) /* P, DPL0, interrupt gate */ |
			     ((addr >> 16) & 0xffff) << 48;
		idt[2 * v + 1] = addr >> 32;
	}
}
