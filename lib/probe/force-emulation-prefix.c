// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe "force_emulation_prefix": is KVM's forced-emulation prefix
 * ("ud2; .ascii \"kvm\"") honoured, or does it raise #UD? Judges
 * kvm.force_emulation_prefix (a bool, a bit mask since v6.3: any nonzero
 * value enables it).
 *
 * handle_ud() checks the 5 bytes at RIP for the signature when the param
 * is on, skips them and emulates the next instruction; otherwise the guest
 * gets the #UD of its ud2. The guest runs at CPL3, which takes the #UD
 * intercept on every host (a PVM host emulates CPL0 code from the start).
 */
#include "guest-fault.h"
#include "kvm_util.h"
#include "probes.h"

static const uint8_t fep[] = { 0x0f, 0x0b, 'k', 'v', 'm' };

static void guest_ud(struct ex_regs *regs)
{
	if (probe_guest_insn_is(regs->rip, fep, sizeof(fep))) {
		regs->rbx++;
		regs->rip += sizeof(fep); /* run the instruction natively */
		return;
	}
	probe_guest_not_mine(regs);
}

static void guest_code(void)
{
	uint64_t a = 0, uds = 0;

	__asm__ volatile("ud2; .ascii \"kvm\"; movl $42, %%eax" : "+a"(a), "+b"(uds));
	GUEST_SYNC2(uds, a);
	GUEST_DONE();
}

static void run(KvmcfgProbeResult *res)
{
	_cleanup_(kvm_vm_freep) struct kvm_vm *vm = NULL;
	struct kvm_vcpu *vcpu;
	struct ucall uc;
	bool ud;

	if (!probe_kvm_usable(res, false))
		return;
	vm = vm_create_with_one_vcpu(&vcpu, guest_code, GUEST_CPL3);
	vm_install_exception_handler(vm, UD_VECTOR, guest_ud);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), (uint64_t)UCALL_SYNC);
	TEST_ASSERT(uc.args[1] == 42 && uc.args[0] <= 1,
		    "after the prefix: %llu #UD, eax=%llu; expected at most one #UD and eax=42",
		    (unsigned long long)uc.args[0], (unsigned long long)uc.args[1]);
	ud = uc.args[0] == 1;
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), (uint64_t)UCALL_DONE);
	kvmcfg_probe_set_evidence(res, "the forced-emulation prefix at CPL3 %s",
				  ud ? "raised #UD" :
				       "was emulated (no #UD, the next instruction ran)");
	probe_observed(res, "kvm", "force_emulation_prefix", !ud,
		       "KVM honours the forced-emulation prefix",
		       "the forced-emulation prefix raises #UD");
}

const KvmcfgProbe kvmcfg_probe_force_emulation_prefix = {
	.name = "force_emulation_prefix",
	.what = "#UD or emulation on KVM's forced-emulation prefix",
	.params = { { "kvm", "force_emulation_prefix" }, {} },
	.run = run,
};
