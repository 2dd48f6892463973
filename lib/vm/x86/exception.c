// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest-side exception dispatch (compiled with the guest flags: it runs
 * inside the VM). See exception.h.
 */
#include "exception.h"
#include "processor.h"
#include "ucall.h"

guest_exception_handler_t guest_exception_handlers[NR_EXCEPTION_VECTORS];

/*
 * Perform a CPL3 IN/OUT that faulted with #GP at CPL0 instead. Returns 1
 * when the instruction was one of the DX-port forms (EC/ED/EE/EF, with an
 * optional 0x66 operand-size prefix) and has been done.
 */
static int emulate_user_pio(struct ex_regs *regs)
{
	const uint8_t *insn = (const uint8_t *)regs->rip;
	uint16_t port = (uint16_t)regs->rdx;
	unsigned int len = 1;
	int wide16 = 0;
	uint8_t op;

	if ((regs->cs & 3) != 3 || regs->error_code)
		return 0;
	op = insn[0];
	if (op == 0x66) {
		wide16 = 1;
		op = insn[1];
		len = 2;
	}
	switch (op) {
	case 0xee:
		__asm__ volatile("outb %%al, %%dx"
				 :
				 : "a"(regs->rax), "d"(port), "D"(regs->rdi)
				 : "memory");
		break;
	case 0xef:
		if (wide16)
			__asm__ volatile("outw %%ax, %%dx"
					 :
					 : "a"(regs->rax), "d"(port), "D"(regs->rdi)
					 : "memory");
		else
			__asm__ volatile("outl %%eax, %%dx"
					 :
					 : "a"(regs->rax), "d"(port), "D"(regs->rdi)
					 : "memory");
		break;
	case 0xec: {
		uint8_t v;

		__asm__ volatile("inb %%dx, %%al" : "=a"(v) : "d"(port) : "memory");
		regs->rax = (regs->rax & ~0xffULL) | v;
		break;
	}
	case 0xed:
		if (wide16) {
			uint16_t v;

			__asm__ volatile("inw %%dx, %%ax" : "=a"(v) : "d"(port) : "memory");
			regs->rax = (regs->rax & ~0xffffULL) | v;
		} else {
			uint32_t v;

			__asm__ volatile("inl %%dx, %%eax" : "=a"(v) : "d"(port) : "memory");
			regs->rax = v; /* a 32-bit result zero-extends */
		}
		break;
	default:
		return 0;
	}
	regs->rip += len;
	return 1;
}

/*
 * guest_flush_tlb() at CPL3: "mov %rax, %cr3" (0f 22 d8) faults with #GP;
 * reload CR3 with its own value here and skip the instruction.
 */
static int emulate_user_cr3_reload(struct ex_regs *regs)
{
	const uint8_t *insn = (const uint8_t *)regs->rip;

	if ((regs->cs & 3) != 3 || regs->error_code || insn[0] != 0x0f || insn[1] != 0x22 ||
	    insn[2] != 0xd8)
		return 0;
	__asm__ volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
	regs->rip += 3;
	return 1;
}

int guest_gp_fixup(struct ex_regs *regs)
{
	return emulate_user_pio(regs) || emulate_user_cr3_reload(regs);
}

void guest_exception_handle(struct ex_regs *regs)
{
	guest_exception_handler_t h =
		regs->vector < NR_EXCEPTION_VECTORS ? guest_exception_handlers[regs->vector] : 0;

	if (h) {
		h(regs);
		return;
	}
	if (regs->vector == GP_VECTOR && guest_gp_fixup(regs))
		return;
	for (;;)
		ucall(UCALL_UNHANDLED, 4, regs->vector, regs->rip, regs->error_code,
		      regs->vector == PF_VECTOR ? read_cr2() : 0);
}
