// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe "ignore_msrs": does a guest RDMSR of an MSR that nobody implements
 * raise #GP? Judges kvm.ignore_msrs.
 *
 * kvm_get_msr_common() ends unknown MSRs in kvm_msr_ignored_check(): with
 * ignore_msrs off the access fails and the guest gets #GP; with it on the
 * read returns 0 and the guest goes on. The MSR is 0x474f4f00 ("GOO"),
 * which the upstream selftests use for "exists nowhere"
 * (x86/userspace_msr_exit_test). RDMSR needs CPL0.
 */
#include <string.h>

#include "guest-fault.h"
#include "kvm_util.h"
#include "probes.h"

#define MSR_NOWHERE 0x474f4f00u

static void guest_gp(struct ex_regs *regs)
{
	static const uint8_t rdmsr[] = { 0x0f, 0x32 };

	if (probe_guest_insn_is(regs->rip, rdmsr, sizeof(rdmsr)) && regs->rcx == MSR_NOWHERE) {
		regs->rax = 0xbad; /* marks "faulted" for the host */
		regs->rip += sizeof(rdmsr);
		return;
	}
	probe_guest_not_mine(regs);
}

static void guest_code(void)
{
	uint32_t lo = 0, hi = 0;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_NOWHERE));
	GUEST_SYNC2(lo, hi);
	GUEST_DONE();
}

static void run(KvmcfgProbeResult *res)
{
	_cleanup_(kvm_vm_freep) struct kvm_vm *vm = NULL;
	struct kvm_vcpu *vcpu;
	struct ucall uc;
	bool faulted;

	if (!probe_kvm_usable(res, false))
		return;
	vm = vm_create_with_one_vcpu(&vcpu, guest_code, GUEST_CPL0);
	vm_install_exception_handler(vm, GP_VECTOR, guest_gp);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), (uint64_t)UCALL_SYNC);
	faulted = uc.args[0] == 0xbad;
	TEST_ASSERT(faulted || (uc.args[0] == 0 && uc.args[1] == 0),
		    "RDMSR %#x returned %#llx:%#llx without #GP; ignored MSRs read 0", MSR_NOWHERE,
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[0]);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), (uint64_t)UCALL_DONE);
	if (faulted)
		kvmcfg_probe_set_evidence(res, "RDMSR of unimplemented MSR %#x at CPL0 raised #GP",
					  MSR_NOWHERE);
	else
		kvmcfg_probe_set_evidence(res,
					  "RDMSR of unimplemented MSR %#x at CPL0 returned 0 "
					  "without #GP",
					  MSR_NOWHERE);
	probe_observed(res, "kvm", "ignore_msrs", !faulted,
		       "unimplemented MSRs are ignored (no #GP)", "unimplemented MSRs raise #GP");
}

const KvmcfgProbe kvmcfg_probe_ignore_msrs = {
	.name = "ignore_msrs",
	.what = "#GP or not on a guest RDMSR of an unimplemented MSR",
	.params = { { "kvm", "ignore_msrs" }, {} },
	.run = run,
};
