/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86-64 definitions shared by host and guest code: control-register and
 * page-table bits, the GDT layout the library builds, and small inline
 * instructions that guest code uses. Everything here is safe to compile
 * into guest code (no SSE, no libc calls).
 */
#pragma once

#include <stdint.h>

#define PAGE_SHIFT     12
#define PAGE_SIZE      (1UL << PAGE_SHIFT)
#define PAGE_MASK      (~(PAGE_SIZE - 1))
#define HUGEPAGE_SHIFT 21
#define HUGEPAGE_SIZE  (1UL << HUGEPAGE_SHIFT)

#define X86_CR0_PE     (1UL << 0)
#define X86_CR0_MP     (1UL << 1)
#define X86_CR0_ET     (1UL << 4)
#define X86_CR0_NE     (1UL << 5)
#define X86_CR0_WP     (1UL << 16)
#define X86_CR0_AM     (1UL << 18)
#define X86_CR0_PG     (1UL << 31)
#define X86_CR4_PAE    (1UL << 5)
#define X86_CR4_PGE    (1UL << 7)
#define X86_CR4_OSFXSR (1UL << 9)
#define EFER_SCE       (1UL << 0)
#define EFER_LME       (1UL << 8)
#define EFER_LMA       (1UL << 10)
#define EFER_NX	       (1UL << 11)

#define X86_EFLAGS_FIXED (1UL << 1)
#define X86_EFLAGS_IF	 (1UL << 9)
#define X86_EFLAGS_IOPL3 (3UL << 12)

#define PTE_PRESENT   (1ULL << 0)
#define PTE_WRITE     (1ULL << 1)
#define PTE_USER      (1ULL << 2)
#define PTE_PWT	      (1ULL << 3)
#define PTE_PCD	      (1ULL << 4)
#define PTE_ACCESSED  (1ULL << 5)
#define PTE_DIRTY     (1ULL << 6)
#define PTE_LARGE     (1ULL << 7)
#define PTE_NX	      (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

/* GDT layout built by the library (selectors). */
#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER_DS   0x18
#define GDT_USER_CS   0x20
#define GDT_TSS	      0x28 /* 16-byte system descriptor: entries 5 and 6 */
#define GDT_ENTRIES   8

/* Privilege level a vCPU's guest code starts at. */
enum guest_cpl {
	GUEST_CPL0 = 0,
	GUEST_CPL3 = 3,
};

/* 64-bit TSS. */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp0, rsp1, rsp2;
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* Current privilege level, from CS's RPL. */
static inline unsigned int guest_cpl(void)
{
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

/* One store of @len (1, 2, 4 or 8) bytes: a single MMIO access of that width. */
static inline void write_sized(void *p, unsigned int len, uint64_t v)
{
	switch (len) {
	case 1:
		*(volatile uint8_t *)p = v;
		break;
	case 2:
		*(volatile uint16_t *)p = v;
		break;
	case 4:
		*(volatile uint32_t *)p = v;
		break;
	default:
		*(volatile uint64_t *)p = v;
		break;
	}
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* CPL0 only: drop the TLB entry for the page holding @addr. */
static inline void invlpg(const volatile void *addr)
{
	__asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

/*
 * Flush the guest's non-global TLB entries by reloading CR3, at either
 * CPL. At CPL3 the "mov %rax, %cr3" raises #GP and the library's #GP
 * handler (exception.c) performs the reload at CPL0, much as it does for
 * port I/O; the value in RAX is ignored there. Call it after the host
 * changes guest page tables (see virt_map() in kvm_util.h).
 */
static inline void guest_flush_tlb(void)
{
	if (guest_cpl() == 0)
		__asm__ volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
	else
		__asm__ volatile("mov %%rax, %%cr3" : : "a"(0) : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
			 uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
