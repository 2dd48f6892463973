// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe "vmware_backdoor": does a CPL3 IN from the VMware backdoor port
 * fault, or does KVM emulate it? Judges kvm.enable_vmware_backdoor.
 *
 * The guest runs at CPL3 with IOPL 0, so IN from any port raises #GP. With
 * the backdoor on, KVM intercepts #GP (VMX and SVM both do when
 * enable_vmware_backdoor), emulates IN/OUT, and the emulator lets the
 * backdoor ports through whatever IOPL and the TSS bitmap say
 * (emulator_io_port_access_allowed()): the access reaches userspace as
 * KVM_EXIT_IO on port 0x5658. With it off, the guest gets #GP.
 */
#include "guest-fault.h"
#include "kvm_util.h"
#include "probes.h"

#define VMWARE_PORT  0x5658
#define VMWARE_MAGIC 0x564d5868u
#define HOST_ANSWER  0x6b766d63u /* "kvmc": what the host answers on the port */

static void guest_gp(struct ex_regs *regs)
{
	static const uint8_t inl_dx[] = { 0xed };

	if (probe_guest_insn_is(regs->rip, inl_dx, 1) && (uint16_t)regs->rdx == VMWARE_PORT) {
		regs->rbx = 0xbad; /* marks "faulted" for the host */
		regs->rip += 1;
		return;
	}
	probe_guest_not_mine(regs);
}

static void guest_code(void)
{
	uint64_t a = VMWARE_MAGIC, b = 0, c = 10 /* GETVERSION */, d = VMWARE_PORT;

	__asm__ volatile("inl %%dx, %%eax" : "+a"(a), "+b"(b), "+c"(c), "+d"(d) : : "memory");
	GUEST_SYNC2(a, b);
	GUEST_DONE();
}

static void run(KvmcfgProbeResult *res)
{
	_cleanup_(kvm_vm_freep) struct kvm_vm *vm = NULL;
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct ucall uc;
	unsigned port_exits = 0;
	uint64_t cmd;
	bool faulted;

	if (!probe_kvm_usable(res, false))
		return;
	vm = vm_create_with_one_vcpu(&vcpu, guest_code, GUEST_CPL3);
	vm_install_exception_handler(vm, GP_VECTOR, guest_gp);
	vcpu_regs_get(vcpu, &regs);
	regs.rflags &= ~X86_EFLAGS_IOPL3;
	vcpu_regs_set(vcpu, &regs);
	for (;;) {
		struct kvm_run *r = vcpu->run;

		vcpu_run(vcpu);
		if (r->exit_reason == KVM_EXIT_IO && r->io.port == VMWARE_PORT) {
			TEST_ASSERT(r->io.direction == KVM_EXIT_IO_IN && r->io.size == 4 &&
					    r->io.count == 1,
				    "backdoor access: dir %u size %u count %u", r->io.direction,
				    r->io.size, r->io.count);
			*(uint32_t *)((char *)r + r->io.data_offset) = HOST_ANSWER;
			port_exits++;
			continue;
		}
		cmd = get_ucall(vcpu, &uc);
		if (cmd == UCALL_ASSERT)
			REPORT_GUEST_ASSERT(uc);
		TEST_ASSERT(cmd == UCALL_SYNC,
			    "guest: exit %s, ucall %llu (vector %llu, rip %#llx)",
			    exit_reason_str(r->exit_reason), (unsigned long long)cmd,
			    (unsigned long long)uc.args[0], (unsigned long long)uc.args[1]);
		break;
	}
	faulted = uc.args[1] == 0xbad;
	TEST_ASSERT(faulted != (port_exits == 1) && port_exits <= 1,
		    "the backdoor IN both faulted (%d) and reached the host %u times", faulted,
		    port_exits);
	TEST_ASSERT(faulted || uc.args[0] == HOST_ANSWER,
		    "the backdoor IN read %#llx, the host gave %#x", (unsigned long long)uc.args[0],
		    HOST_ANSWER);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), (uint64_t)UCALL_DONE);
	kvmcfg_probe_set_evidence(res, "IN from port %#x at CPL3 with IOPL 0 %s", VMWARE_PORT,
				  faulted ? "raised #GP" : "reached the host as KVM_EXIT_IO");
	probe_observed(res, "kvm", "enable_vmware_backdoor", !faulted,
		       "KVM emulates the VMware backdoor port", "the VMware backdoor port faults");
}

const KvmcfgProbe kvmcfg_probe_vmware_backdoor = {
	.name = "vmware_backdoor",
	.what = "#GP or emulation on a CPL3 access to the VMware backdoor port",
	.params = { { "kvm", "enable_vmware_backdoor" }, {} },
	.run = run,
};
