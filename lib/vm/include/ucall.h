/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ucall: guest-to-host calls over port I/O.
 *
 * The guest fills a struct ucall on its own stack and executes an OUT to
 * UCALL_PIO_PORT with the struct's guest-virtual address in RDI. The host
 * sees KVM_EXIT_IO, reads RDI, and translates the address through the
 * guest's page tables. Port I/O is used (not MMIO, not VMCALL) so ucalls do
 * not disturb MMIO statistics, and because VMCALL hangs the vCPU on some
 * hosts (PVM).
 *
 * Strings passed by the guest (file names, expressions) are pointers into
 * the test binary's own .rodata, which the library maps into the guest at
 * the same virtual address, so the host reads them in place.
 */
#pragma once

#include <stdint.h>

#include "processor.h"

#define UCALL_PIO_PORT 0x1000
#define UCALL_MAX_ARGS 6

enum ucall_cmd {
	UCALL_NONE,
	UCALL_SYNC,
	UCALL_ASSERT,
	UCALL_DONE,
	UCALL_UNHANDLED, /* unexpected guest exception: vector, rip, error code, cr2 */
};

struct ucall {
	uint64_t cmd;
	uint64_t nargs;
	uint64_t args[UCALL_MAX_ARGS];
	/* UCALL_ASSERT only */
	const char *file;
	const char *expr;
	uint64_t line;
};

static inline void __ucall_out(struct ucall *uc)
{
	__asm__ volatile("outl %%eax, %%dx" : : "a"(0), "d"(UCALL_PIO_PORT), "D"(uc) : "memory");
}

static inline void ucall(uint64_t cmd, uint64_t nargs, uint64_t a0, uint64_t a1, uint64_t a2,
			 uint64_t a3)
{
	struct ucall uc = {
		.cmd = cmd,
		.nargs = nargs,
		.args = { a0, a1, a2, a3 },
	};

	__ucall_out(&uc);
}

static inline void ucall_assert(const char *file, uint64_t line, const char *expr, uint64_t nargs,
				uint64_t a, uint64_t b)
{
	struct ucall uc = {
		.cmd = UCALL_ASSERT,
		.nargs = nargs,
		.args = { a, b },
		.file = file,
		.expr = expr,
		.line = line,
	};

	/* The host ends the test on UCALL_ASSERT; never return if it resumes. */
	for (;;)
		__ucall_out(&uc);
}

#define GUEST_SYNC(v)	     ucall(UCALL_SYNC, 1, (uint64_t)(v), 0, 0, 0)
#define GUEST_SYNC2(a, b)    ucall(UCALL_SYNC, 2, (uint64_t)(a), (uint64_t)(b), 0, 0)
#define GUEST_SYNC3(a, b, c) ucall(UCALL_SYNC, 3, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c), 0)
#define GUEST_DONE()	     ucall(UCALL_DONE, 0, 0, 0, 0, 0)

#define GUEST_ASSERT(cond)                                                \
	do {                                                              \
		if (!(cond))                                              \
			ucall_assert(__FILE__, __LINE__, #cond, 0, 0, 0); \
	} while (0)

#define GUEST_ASSERT_EQ(a, b)                                                          \
	do {                                                                           \
		uint64_t __ga = (uint64_t)(a), __gb = (uint64_t)(b);                   \
		if (__ga != __gb)                                                      \
			ucall_assert(__FILE__, __LINE__, #a " == " #b, 2, __ga, __gb); \
	} while (0)

#define GUEST_FAIL(msg) ucall_assert(__FILE__, __LINE__, msg, 0, 0, 0)

struct kvm_vcpu;

/*
 * Host side: if the vCPU's last exit was a ucall, copy it into @uc (may be
 * NULL) and return its command; otherwise return UCALL_NONE. UCALL_ASSERT
 * is returned as is: use REPORT_GUEST_ASSERT() or vcpu_get_ucall_or_fail().
 */
uint64_t get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);

/* Print a guest assertion with its file:line, expression and values, and fail. */
void __report_guest_assert(const struct ucall *uc) __attribute__((noreturn));
#define REPORT_GUEST_ASSERT(uc) __report_guest_assert(&(uc))
