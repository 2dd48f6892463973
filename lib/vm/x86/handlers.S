/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest exception entry: one stub per vector 0-31 pushes a dummy error
 * code where the CPU pushes none, then the vector, saves the GPRs as a
 * struct ex_regs and calls guest_exception_handle() (exception.c).
 */
	.text

.macro VEC n, has_err
	.align 16
vec_\n:
	.if \has_err == 0
	pushq $0
	.endif
	pushq $\n
	jmp guest_exception_common
.endm


	.align 16
guest_exception_common:
	push %r15
	push %r14
	push %r13
	push %r12
	push %r11
	push %r10
	push %r9
	push %r8
	push %rbp
	push %rdi
	push %rsi
	push %rdx
	push %rcx
	push %rbx
	push %rax
	mov %rsp, %rdi
	/* The interrupted code may have left RSP unaligned. */
	mov %rsp, %rbp
	and $-16, %rsp
	call guest_exception_handle
	mov %rbp, %rsp
	pop %rax
	pop %rbx
	pop %rcx
	pop %rdx
	pop %rsi
	pop %rdi
	pop %rbp
	pop %r8
	pop %r9
	pop %r10
	pop %r11
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	add $16, %rsp	/* vector and error code */
	iretq

	/* Vectors for which the CPU pushes an error code: 8, 10-14, 17, 21, 29, 30. */
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	VEC \n, ((\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30))
	.endr

	.section .data.rel.ro, "aw"
	.align 8
	.globl guest_idt_stubs
guest_idt_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad vec_\n
	.endr

	.section .note.GNU-stack, "", @progbits
