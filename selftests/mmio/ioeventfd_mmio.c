// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioeventfd_mmio: guest MMIO writes that match an ioeventfd signal it in
 * the kernel; everything else still exits to userspace.
 *
 * The guest runs a table of writes to an MMIO page where the host has
 * registered an ioeventfd. For each configuration the host knows which
 * writes must be consumed by the ioeventfd and which must exit:
 *   datamatch   addr, len 4, value V: only 4-byte writes of V at addr match
 *   wildcard    addr, len 4, any value: every 4-byte write at addr matches
 *   any_length  addr, len 0 (KVM_CAP_IOEVENTFD_ANY_LENGTH, the virtio-mmio
 *               notify idiom): any write at addr matches, whatever width
 *   deassigned  registered then removed: every write exits
 * Writes of another width, at a neighbouring address, or (for datamatch)
 * with another value must exit with an exact KVM_EXIT_MMIO; a read at addr
 * must exit (len-0 doorbells are write-only on VMX, see the test body). The eventfd's counter must equal the number of matching
 * writes, and the guest must reach its final ucall with no other exit.
 * Runs at CPL0 and CPL3 (emulated versus faulting on a PVM host).
 *
 * Why: vhost and every virtio-mmio VMM depend on ioeventfd for doorbells.
 * Bug class: datamatch compared at the wrong width or byte order,
 * length-mismatched writes swallowed, lost or doubled signals, and
 * deassign leaving the device on the bus.
 */
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm_test.h"

#define MMIO_GPA 0xc0000000ULL
#define DOORBELL 0x100		/* offset of the ioeventfd address in the page */
#define MATCH 0x1234abcdU

struct mmio_write {
	unsigned int offset;
	unsigned int len;
	uint64_t value;
};

static const struct mmio_write writes[] = {
	{ DOORBELL, 4, MATCH },
	{ DOORBELL, 4, MATCH + 1 },
	{ DOORBELL, 4, MATCH },
	{ DOORBELL, 2, MATCH & 0xffff },
	{ DOORBELL, 8, MATCH },
	{ DOORBELL + 4, 4, MATCH },
	{ DOORBELL - 4, 4, MATCH },
	{ DOORBELL, 1, 0xcd },
	{ DOORBELL, 4, 0 },
	{ DOORBELL, 4, MATCH },
};

/* ---- guest ---- */

static void guest_code(uint8_t *base, uint64_t rounds, uint64_t read_off)
{
	uint64_t r, i;

	for (r = 0; r < rounds; r++)
		for (i = 0; i < ARRAY_SIZE(writes); i++)
			write_sized(base + writes[i].offset, writes[i].len, writes[i].value);
	GUEST_SYNC(*(volatile uint32_t *)(base + read_off));
	GUEST_DONE();
}

/* ---- host ---- */

enum mode { DATAMATCH, WILDCARD, ANY_LENGTH, DEASSIGNED };

/* Whether the ioeventfd in @mode consumes @w. */
static bool consumed(enum mode mode, const struct mmio_write *w)
{
	if (w->offset != DOORBELL)
		return false;
	switch (mode) {
	case DATAMATCH:
		return w->len == 4 && w->value == MATCH;
	case WILDCARD:
		return w->len == 4;
	case ANY_LENGTH:
		return true;
	default:
		return false;
	}
}

FIXTURE(ioeventfd) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	int efd;
	gva_t window;
};

FIXTURE_VARIANT(ioeventfd) {
	enum guest_cpl cpl;
	enum mode mode;
};

FIXTURE_VARIANT_ADD(ioeventfd, datamatch_cpl0) { .cpl = GUEST_CPL0, .mode = DATAMATCH };
FIXTURE_VARIANT_ADD(ioeventfd, datamatch_cpl3) { .cpl = GUEST_CPL3, .mode = DATAMATCH };
FIXTURE_VARIANT_ADD(ioeventfd, wildcard_cpl0) { .cpl = GUEST_CPL0, .mode = WILDCARD };
FIXTURE_VARIANT_ADD(ioeventfd, wildcard_cpl3) { .cpl = GUEST_CPL3, .mode = WILDCARD };
FIXTURE_VARIANT_ADD(ioeventfd, any_length_cpl3) { .cpl = GUEST_CPL3, .mode = ANY_LENGTH };
FIXTURE_VARIANT_ADD(ioeventfd, deassigned_cpl3) { .cpl = GUEST_CPL3, .mode = DEASSIGNED };

FIXTURE_SETUP(ioeventfd)
{
	struct kvm_ioeventfd io = { .addr = MMIO_GPA + DOORBELL, .len = 4 };

	self->efd = -1;
	if (!kvm_check_cap(KVM_CAP_IOEVENTFD))
		SKIP(return, "KVM_CAP_IOEVENTFD not supported");
	if (variant->mode == ANY_LENGTH && !kvm_check_cap(KVM_CAP_IOEVENTFD_ANY_LENGTH))
		SKIP(return, "KVM_CAP_IOEVENTFD_ANY_LENGTH not supported");

	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_code, variant->cpl);
	self->window = vm_map_gpa(self->vm, MMIO_GPA, 1);
	self->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_GE(self->efd, 0);
	io.fd = self->efd;
	if (variant->mode == DATAMATCH) {
		io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
		io.datamatch = MATCH;
	}
	if (variant->mode == ANY_LENGTH)
		io.len = 0;
	vm_ioctl(self->vm, KVM_IOEVENTFD, &io);
	if (variant->mode == DEASSIGNED) {
		io.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
		vm_ioctl(self->vm, KVM_IOEVENTFD, &io);
		/* A second deassign finds nothing to remove. */
		ASSERT_EQ(-1, ioctl(self->vm->fd, KVM_IOEVENTFD, &io));
		ASSERT_EQ(ENOENT, errno);
	}
}

FIXTURE_TEARDOWN(ioeventfd)
{
	kvm_vm_free(self->vm);
	if (self->efd >= 0)
		close(self->efd);
}

/* The eventfd's counter (reading resets it); 0 when never signalled. */
static uint64_t eventfd_take(int efd)
{
	uint64_t n = 0;
	ssize_t r = read(efd, &n, sizeof(n));

	if (r < 0 && errno == EAGAIN)
		return 0;
	TEST_ASSERT(r == sizeof(n), "read of eventfd: %zd", r);
	return n;
}

TEST_F(ioeventfd, writes_signal_or_exit)
{
	const uint64_t rounds = test_iterations(20);
	const uint32_t answer = 0x5eed;
	/*
	 * A read of the doorbell must exit, except with a len-0 ioeventfd: on
	 * VMX, KVM's fast MMIO path cannot tell a read from a write on an
	 * EPT misconfig and signals len-0 ioeventfds for both (a documented
	 * restriction: such doorbells are write-only), so read elsewhere.
	 */
	const uint64_t read_off = variant->mode == ANY_LENGTH ? DOORBELL + 0x40 : DOORBELL;
	uint64_t r, i, want = 0, exits = 0;
	struct ucall uc;

	KVM_RETURN_IF_SKIPPED();

	vcpu_args_set(self->vcpu, 3, (uint64_t)self->window, rounds, read_off);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ARRAY_SIZE(writes); i++) {
			const struct mmio_write *w = &writes[i];

			if (consumed(variant->mode, w)) {
				want++;
				continue;
			}
			/* The next exit must be exactly this write; a consumed one never shows. */
			vcpu_run(self->vcpu);
			vcpu_check_mmio(self->vcpu, MMIO_GPA + w->offset, w->len, true, &w->value);
			exits++;
		}
	}
	/* The guest's read: ioeventfds take writes only. */
	vcpu_run(self->vcpu);
	vcpu_check_mmio(self->vcpu, MMIO_GPA + read_off, 4, false, &answer);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(self->vcpu, &uc));
	ASSERT_EQ(answer, uc.args[0]);
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(self->vcpu, NULL));

	ASSERT_EQ(want, eventfd_take(self->efd))
		TH_LOG("eventfd count must equal the %llu matching writes", (unsigned long long)want);
	TH_LOG("%llu writes signalled the eventfd, %llu exited", (unsigned long long)want,
	       (unsigned long long)exits);
}

KVM_HARNESS_MAIN
