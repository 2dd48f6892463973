// SPDX-License-Identifier: GPL-2.0-only
/*
 * inkernel_mmio: MMIO to a device KVM emulates itself (the local APIC of
 * an in-kernel irqchip) is answered in the kernel, with no exit to
 * userspace, and with the values KVM reports through KVM_GET_LAPIC.
 *
 * The guest maps the xAPIC page (GPA 0xfee00000), reads the ID and version
 * registers, writes the task-priority register and reads it back. With an
 * in-kernel irqchip the host sees only the guest's ucalls: any
 * KVM_EXIT_MMIO fails, the vCPU's mmio_exits stat must not move, and the
 * values must match the LAPIC state KVM hands out (ID = vCPU id, version
 * of an integrated APIC, TPR as written). Without an irqchip the same read
 * must exit as KVM_EXIT_MMIO at 0xfee00030: that proves the irqchip, not
 * something else, kept the access in the kernel. Runs at CPL0 and CPL3.
 *
 * Why: interrupt-heavy guests touch the APIC constantly; an exit per
 * access is a large slowdown, and a wrong value breaks guest SMP bring-up.
 * Bug class: the MMIO bus dispatch order (in-kernel devices before
 * userspace), APIC page routing at CPL3 / through the fault path, and
 * register emulation that disagrees with the state userspace migrates.
 */
#include <sys/ioctl.h>

#include "kvm_test.h"

#define APIC_GPA 0xfee00000ULL
#define APIC_ID 0x20
#define APIC_LVR 0x30
#define APIC_TASKPRI 0x80
#define TPR_VALUE 0x50

/* ---- guest ---- */

static uint32_t apic_read(uint8_t *apic, unsigned int reg)
{
	return *(volatile uint32_t *)(apic + reg);
}

static void guest_code(uint8_t *apic)
{
	uint32_t id = apic_read(apic, APIC_ID);
	uint32_t lvr = apic_read(apic, APIC_LVR);

	GUEST_SYNC2(id, lvr);
	*(volatile uint32_t *)(apic + APIC_TASKPRI) = TPR_VALUE;
	GUEST_SYNC(apic_read(apic, APIC_TASKPRI));
	GUEST_DONE();
}

static void guest_read_lvr(uint8_t *apic)
{
	GUEST_SYNC(apic_read(apic, APIC_LVR));
	GUEST_DONE();
}

/* ---- host ---- */

static uint32_t lapic_reg(const struct kvm_lapic_state *s, unsigned int reg)
{
	uint32_t v;

	memcpy(&v, s->regs + reg, sizeof(v));
	return v;
}

FIXTURE(inkernel) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	gva_t apic;
};

FIXTURE_VARIANT_CPL(inkernel);

FIXTURE_SETUP(inkernel)
{
	self->vm = kvm_vm_new(VM_DEFAULT_MEM_MB);
	self->apic = vm_map_gpa(self->vm, APIC_GPA, 1);
}

FIXTURE_TEARDOWN(inkernel)
{
	kvm_vm_free(self->vm);
}

TEST_F(inkernel, lapic_without_exit)
{
	_cleanup_(kvm_stats_snapshot_deinit) struct kvm_stats_snapshot before = {}, after = {};
	bool have_stats = kvm_check_cap(KVM_CAP_BINARY_STATS_FD) > 0;
	struct kvm_lapic_state lapic;
	struct ucall uc;
	uint64_t mmio_exits;
	uint32_t vcpu_id = 0;

	if (!kvm_check_cap(KVM_CAP_IRQCHIP))
		SKIP(return, "KVM_CAP_IRQCHIP not supported");
	vm_create_irqchip(self->vm);
	self->vcpu = vm_vcpu_add(self->vm, vcpu_id, guest_code, variant->cpl);
	vcpu_args_set(self->vcpu, 1, (uint64_t)self->apic);
	if (have_stats)
		vcpu_stats_snapshot(self->vcpu, &before);

	/* vcpu_run_ucall() fails the test on any KVM_EXIT_MMIO. */
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(self->vcpu, &uc));
	vcpu_ioctl(self->vcpu, KVM_GET_LAPIC, &lapic);
	EXPECT_EQ(lapic_reg(&lapic, APIC_ID), uc.args[0]);
	EXPECT_EQ(vcpu_id, uc.args[0] >> 24) TH_LOG("xAPIC ID register %#llx",
						     (unsigned long long)uc.args[0]);
	EXPECT_EQ(lapic_reg(&lapic, APIC_LVR), uc.args[1]);
	/* An integrated APIC has version 0x1X; the max-LVT field is never 0. */
	EXPECT_EQ(0x10, uc.args[1] & 0xf0) TH_LOG("version register %#llx",
						   (unsigned long long)uc.args[1]);
	EXPECT_NE(0, (uc.args[1] >> 16) & 0xff);
	TH_LOG("guest read APIC ID %#llx, version %#llx without an exit",
	       (unsigned long long)uc.args[0], (unsigned long long)uc.args[1]);

	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(self->vcpu, &uc));
	EXPECT_EQ(TPR_VALUE, uc.args[0]);
	vcpu_ioctl(self->vcpu, KVM_GET_LAPIC, &lapic);
	EXPECT_EQ(TPR_VALUE, lapic_reg(&lapic, APIC_TASKPRI)) TH_LOG("KVM_GET_LAPIC after the guest's write");
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(self->vcpu, NULL));

	if (!have_stats)
		return;
	vcpu_stats_snapshot(self->vcpu, &after);
	if (__kvm_stats_delta(&before, &after, "mmio_exits", &mmio_exits) == 0)
		EXPECT_EQ(0, mmio_exits) TH_LOG("in-kernel APIC accesses counted as MMIO exits");
}

TEST_F(inkernel, no_irqchip_exits)
{
	const uint32_t answer = 0xabad1dea;
	struct ucall uc;

	self->vcpu = vm_vcpu_add(self->vm, 0, guest_read_lvr, variant->cpl);
	vcpu_args_set(self->vcpu, 1, (uint64_t)self->apic);
	vcpu_run(self->vcpu);
	vcpu_check_mmio(self->vcpu, APIC_GPA + APIC_LVR, 4, false, &answer);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(self->vcpu, &uc));
	ASSERT_EQ(answer, uc.args[0]);
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(self->vcpu, NULL));
}

KVM_HARNESS_MAIN
