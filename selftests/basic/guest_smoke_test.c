// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest_smoke_test: the toolchain and the VM library, end to end.
 *
 * A VM runs 64-bit C code from this file at CPL0 and at CPL3. The guest
 * reads an argument passed in a register and a global the host wrote into
 * guest memory, reads a value from an I/O port the host answers, and
 * reports a pseudo-random sequence back through ucalls. The host recomputes
 * everything and asserts it matches, so a broken page table, segment setup,
 * global mapping, register passing or port-I/O completion fails here first.
 *
 * It also proves the guest flags: a PVM host's KVM (kvm_pvm) emulates CPL0 code one
 * instruction at a time and rejects SSE, so guest code built without
 * -mgeneral-regs-only would die in the emulator.
 */
#include <sys/ioctl.h>

#include "kvm_test.h"

#define SEQ_LEN 16
#define ANSWER_PORT 0x2000

static uint64_t guest_seed;

static uint64_t lcg_next(uint64_t x)
{
	return x * 6364136223846793005ULL + 1442695040888963407ULL;
}

static void guest_code(uint64_t arg)
{
	uint64_t x = guest_seed;
	uint32_t answer;
	int i;

	GUEST_SYNC2(guest_cpl(), arg);
	answer = inl(ANSWER_PORT);
	GUEST_ASSERT_EQ(answer, (uint32_t)(arg ^ 0xa5a5a5a5));
	for (i = 0; i < SEQ_LEN; i++) {
		x = lcg_next(x);
		GUEST_SYNC(x);
	}
	GUEST_DONE();
}

FIXTURE(smoke) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_VARIANT(smoke) {
	enum guest_cpl cpl;
};

FIXTURE_VARIANT_ADD(smoke, cpl0) { .cpl = GUEST_CPL0 };
FIXTURE_VARIANT_ADD(smoke, cpl3) { .cpl = GUEST_CPL3 };

FIXTURE_SETUP(smoke)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_code, variant->cpl);
}

FIXTURE_TEARDOWN(smoke)
{
	kvm_vm_free(self->vm);
}

TEST_F(smoke, registers_globals_ports_ucall)
{
	const uint64_t arg = 0x1234567890abcdefULL;
	struct kvm_run *run = self->vcpu->run;
	struct ucall uc;
	uint64_t x;
	int i;

	guest_seed = 0xfeedface00c0ffeeULL;
	sync_global_to_guest(self->vm, guest_seed);
	vcpu_args_set(self->vcpu, 1, arg);

	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(self->vcpu, &uc));
	EXPECT_EQ(variant->cpl, uc.args[0]) TH_LOG("guest runs at CPL%llu", (unsigned long long)uc.args[0]);
	ASSERT_EQ(arg, uc.args[1]);

	/* The guest's IN: complete it with a value derived from the argument. */
	vcpu_run(self->vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(self->vcpu, KVM_EXIT_IO);
	ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	ASSERT_EQ(ANSWER_PORT, run->io.port);
	ASSERT_EQ(4, run->io.size);
	ASSERT_EQ(1, run->io.count);
	*(uint32_t *)((char *)run + run->io.data_offset) = (uint32_t)(arg ^ 0xa5a5a5a5);

	x = guest_seed;
	for (i = 0; i < SEQ_LEN; i++) {
		x = lcg_next(x);
		ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(self->vcpu, &uc));
		ASSERT_EQ(x, uc.args[0]) TH_LOG("sequence step %d", i);
	}
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(self->vcpu, &uc));
}

/* Many VMs in a row: the library must not leak fds or memory per VM. */
TEST(vm_create_free_no_fd_leak)
{
	int before = dup(0), after;
	int i;

	close(before);
	for (i = 0; i < 20; i++) {
		struct kvm_vcpu *vcpu;
		_cleanup_(kvm_vm_freep) struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_code, GUEST_CPL3);

		ASSERT_NE(NULL, vcpu->run);
	}
	after = dup(0);
	close(after);
	ASSERT_EQ(before, after) TH_LOG("lowest free fd moved from %d to %d", before, after);
}

KVM_HARNESS_MAIN
