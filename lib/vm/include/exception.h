/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest exceptions: every vector 0-31 enters guest_exception_handle().
 *
 * A test may install a guest handler for a vector; one that returns resumes
 * the guest at regs->rip (adjust it to skip an instruction). A vector with
 * no handler becomes UCALL_UNHANDLED and the host fails the test naming the
 * vector, RIP, error code and CR2.
 *
 * Port I/O from CPL3: with IOPL 3 the CPU allows IN/OUT at CPL3, but some
 * hosts (PVM, where guest CPL3 runs natively as host user mode) raise #GP
 * instead. The #GP path then performs the IN/OUT itself at CPL0 with the
 * guest's registers and skips the instruction, so ucalls and port I/O work
 * at either level. On VMX/SVM hosts this path is never taken.
 *
 * TLB flush from CPL3: guest_flush_tlb() (processor.h) executes
 * "mov %rax, %cr3", which faults at CPL3 on every host; the #GP path
 * recognises exactly that encoding and reloads CR3 at CPL0.
 */
#pragma once

#include <stdint.h>

struct ex_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*guest_exception_handler_t)(struct ex_regs *regs);

#define DE_VECTOR	     0
#define DB_VECTOR	     1
#define BP_VECTOR	     3
#define UD_VECTOR	     6
#define DF_VECTOR	     8
#define GP_VECTOR	     13
#define PF_VECTOR	     14
#define NR_EXCEPTION_VECTORS 32

/* Guest side: called by the entry stubs. */
void guest_exception_handle(struct ex_regs *regs);

/*
 * The library's own #GP handling (guest side): CPL3 port I/O and CR3
 * reloads as described above. Returns 1 when it handled @regs. A test's
 * #GP handler calls it for the faults that are not its own, so ucalls keep
 * working at CPL3 with IOPL 0.
 */
int guest_gp_fixup(struct ex_regs *regs);

/* Guest copy of the handler table, written by vm_install_exception_handler(). */
extern guest_exception_handler_t guest_exception_handlers[NR_EXCEPTION_VECTORS];

/* Guest CR2 (the faulting address of the last #PF). */
static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

/* Mnemonic of an exception vector ("#PF"), for messages. */
const char *exception_name(unsigned int vector);

struct kvm_vm;
/* Host side: make @handler (guest code, may be NULL) handle @vector. */
void vm_install_exception_handler(struct kvm_vm *vm, unsigned int vector,
				  guest_exception_handler_t handler);
