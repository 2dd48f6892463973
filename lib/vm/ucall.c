// SPDX-License-Identifier: GPL-2.0-only
/* Host side of ucall (see ucall.h). */
#include <inttypes.h>
#include <unistd.h>

#include "kvm_util.h"
#include "ucall.h"

uint64_t get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	struct ucall *guest_uc;

	if (run->exit_reason != KVM_EXIT_IO || run->io.port != UCALL_PIO_PORT)
		return UCALL_NONE;
	vcpu_regs_get(vcpu, &regs);
	guest_uc = addr_gva2hva(vcpu->vm, regs.rdi);
	/* The struct lives on the guest stack and may cross a page boundary. */
	TEST_ASSERT(((regs.rdi & ~PAGE_MASK) + sizeof(*uc)) <= PAGE_SIZE ||
			    (char *)addr_gva2hva(vcpu->vm, regs.rdi + sizeof(*uc) - 1) ==
				    (char *)guest_uc + sizeof(*uc) - 1,
		    "ucall struct at gva %#llx spans discontiguous pages",
		    (unsigned long long)regs.rdi);
	if (uc)
		*uc = *guest_uc;
	return guest_uc->cmd;
}

void __report_guest_assert(const struct ucall *uc)
{
	fflush(stdout);
	if (uc->nargs == 2)
		__noreturn_fail(uc->file, uc->line, uc->expr,
				"guest assertion failed: %#" PRIx64 " != %#" PRIx64, uc->args[0],
				uc->args[1]);
	__noreturn_fail(uc->file, uc->line, uc->expr, "guest assertion failed");
}
