// SPDX-License-Identifier: GPL-2.0-only
/*
 * coalesced_mmio: guest writes to a registered coalesced-MMIO zone go into
 * the ring shared with userspace, not out as KVM_EXIT_MMIO.
 *
 * The guest writes a deterministic sequence (widths 1/2/4/8, known offsets
 * and values) and then makes a port-I/O ucall, which returns to the host
 * without touching MMIO. The host checks the ring held exactly those
 * writes, in order, with the right phys_addr, len and data, and that no
 * KVM_EXIT_MMIO happened. Further cases: the ring holds at most
 * KVM_COALESCED_MMIO_MAX - 1 entries and the write that finds it full
 * exits as ordinary KVM_EXIT_MMIO (the host drains the ring and the next
 * writes coalesce again); reads in the zone and writes just outside it
 * exit; after KVM_UNREGISTER_COALESCED_MMIO every write exits again.
 * Runs at CPL0 and CPL3 (emulated versus faulting on a PVM host).
 *
 * Why: VMMs (QEMU's VGA and e1000, for instance) rely on coalescing for
 * speed and on ordering for correctness.
 *
 * Bug class: ring index arithmetic (off-by-one full check, lost or
 * duplicated entries), writes coalesced outside the zone or reads
 * swallowed, a stale zone after unregistration, and wrong len/data for
 * sub-8-byte writes.
 */
#include <sys/ioctl.h>

#include "kvm_test.h"

#define MMIO_GPA 0xc0000000ULL
#define RING_MAX KVM_COALESCED_MMIO_MAX

/* ---- the write sequence, shared by guest and host ---- */

static unsigned int write_len(uint64_t i)
{
	return 1U << (i & 3);
}

static unsigned int write_offset(uint64_t i)
{
	return (i * 8) & (PAGE_SIZE - 1);
}

static uint64_t write_value(uint64_t i)
{
	return (0x0102030405060708ULL * (i + 1)) ^ (i << 56);
}

/* ---- guest ---- */

/* @nbatches batches of @batch writes, a ucall after each batch. */
static void guest_writes(uint8_t *base, uint64_t nbatches, uint64_t batch)
{
	uint64_t b, j, i = 0;

	for (b = 0; b < nbatches; b++) {
		for (j = 0; j < batch; j++, i++)
			write_sized(base + write_offset(i), write_len(i), write_value(i));
		GUEST_SYNC(i);
	}
	GUEST_DONE();
}

static void guest_read(uint8_t *base)
{
	GUEST_SYNC(*(volatile uint32_t *)(base + 0x40));
	GUEST_DONE();
}

/* ---- host ---- */

FIXTURE(coalesced) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_coalesced_mmio_ring *ring;
	struct kvm_coalesced_mmio_zone zone;
	gva_t window;		/* zone page, then a page outside the zone */
};

FIXTURE_VARIANT_CPL(coalesced);

FIXTURE_SETUP(coalesced)
{
	int ring_page = kvm_check_cap(KVM_CAP_COALESCED_MMIO);

	if (ring_page <= 0)
		SKIP(return, "KVM_CAP_COALESCED_MMIO not supported");
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_writes, variant->cpl);
	ASSERT_LE((size_t)(ring_page + 1) * PAGE_SIZE, self->vcpu->run_size)
		TH_LOG("ring page %d lies outside the %zu-byte vCPU mapping", ring_page,
		       self->vcpu->run_size);
	self->ring = (void *)((char *)self->vcpu->run + (size_t)ring_page * PAGE_SIZE);
	self->window = vm_map_gpa(self->vm, MMIO_GPA, 2);
	self->zone = (struct kvm_coalesced_mmio_zone){ .addr = MMIO_GPA, .size = PAGE_SIZE };
	vm_ioctl(self->vm, KVM_REGISTER_COALESCED_MMIO, &self->zone);
	ASSERT_EQ(self->ring->first, self->ring->last) TH_LOG("ring not empty at start");
}

FIXTURE_TEARDOWN(coalesced)
{
	kvm_vm_free(self->vm);
}

static uint32_t ring_count(const struct kvm_coalesced_mmio_ring *ring)
{
	uint32_t last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);

	return (last + RING_MAX - ring->first) % RING_MAX;
}

/*
 * Check that the ring holds exactly writes @from .. @from + @n - 1 of the
 * sequence, in order, at @gpa_base; then consume them as a VMM would.
 */
static void drain_ring(struct kvm_coalesced_mmio_ring *ring, gpa_t gpa_base, uint64_t from,
		       uint64_t n)
{
	uint64_t k;

	TEST_ASSERT(ring_count(ring) == n, "ring holds %u entries (first %u, last %u), expected %llu",
		    ring_count(ring), ring->first, ring->last, (unsigned long long)n);
	for (k = 0; k < n; k++) {
		const struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[(ring->first + k) % RING_MAX];
		uint64_t i = from + k, v = write_value(i);

		TEST_ASSERT(e->phys_addr == gpa_base + write_offset(i) && e->len == write_len(i) &&
			    !memcmp(e->data, &v, e->len),
			    "ring entry %llu (write %llu): gpa %#llx len %u data %#llx, expected gpa %#llx "
			    "len %u data %#llx", (unsigned long long)k, (unsigned long long)i,
			    (unsigned long long)e->phys_addr, e->len,
			    (unsigned long long)*(const uint64_t *)e->data,
			    (unsigned long long)(gpa_base + write_offset(i)), write_len(i),
			    (unsigned long long)v);
		TEST_ASSERT(e->pio == 0, "ring entry %llu marked as PIO", (unsigned long long)k);
	}
	__atomic_store_n(&ring->first, (ring->first + n) % RING_MAX, __ATOMIC_RELEASE);
}

/* Run to the guest's next ucall, asserting it is SYNC(@count) with no MMIO exit. */
static void expect_sync(struct kvm_vcpu *vcpu, uint64_t count)
{
	struct ucall uc;

	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "expected the guest's batch ucall");
	TEST_ASSERT(uc.args[0] == count, "guest reports %llu writes, expected %llu",
		    (unsigned long long)uc.args[0], (unsigned long long)count);
}

/* Run and assert write @i of the sequence exits as KVM_EXIT_MMIO at @gpa_base. */
static void expect_write_exit(struct kvm_vcpu *vcpu, gpa_t gpa_base, uint64_t i)
{
	uint64_t v = write_value(i);

	vcpu_run(vcpu);
	vcpu_check_mmio(vcpu, gpa_base + write_offset(i), write_len(i), true, &v);
}

TEST_F(coalesced, ring_matches_writes)
{
	const uint64_t batch = 100, nbatches = test_iterations(3);
	uint64_t b;

	KVM_RETURN_IF_SKIPPED();

	vcpu_args_set(self->vcpu, 3, (uint64_t)self->window, nbatches, batch);
	for (b = 0; b < nbatches; b++) {
		/* vcpu_run_ucall() fails on any KVM_EXIT_MMIO before the ucall. */
		expect_sync(self->vcpu, (b + 1) * batch);
		drain_ring(self->ring, MMIO_GPA, b * batch, batch);
	}
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(self->vcpu, NULL));
}

TEST_F(coalesced, full_ring_exits)
{
	const uint64_t cap = RING_MAX - 1;	/* one slot stays free to tell full from empty */

	KVM_RETURN_IF_SKIPPED();

	vcpu_args_set(self->vcpu, 3, (uint64_t)self->window, 1, cap + 3);
	/* Writes 0 .. cap-1 fill the ring; write cap exits instead. */
	expect_write_exit(self->vcpu, MMIO_GPA, cap);
	ASSERT_EQ(cap, ring_count(self->ring));
	drain_ring(self->ring, MMIO_GPA, 0, cap);
	/* With room again, the last two coalesce. */
	expect_sync(self->vcpu, cap + 3);
	drain_ring(self->ring, MMIO_GPA, cap + 1, 2);
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(self->vcpu, NULL));
}

TEST_F(coalesced, unregister_restores_exits)
{
	const uint64_t batch = 8;
	uint64_t i;

	KVM_RETURN_IF_SKIPPED();

	vcpu_args_set(self->vcpu, 3, (uint64_t)self->window, 2, batch);
	expect_sync(self->vcpu, batch);
	drain_ring(self->ring, MMIO_GPA, 0, batch);
	vm_ioctl(self->vm, KVM_UNREGISTER_COALESCED_MMIO, &self->zone);
	for (i = batch; i < 2 * batch; i++)
		expect_write_exit(self->vcpu, MMIO_GPA, i);
	expect_sync(self->vcpu, 2 * batch);
	ASSERT_EQ(0, ring_count(self->ring));
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(self->vcpu, NULL));
}

TEST_F(coalesced, outside_zone_exits)
{
	const uint64_t batch = 8;
	uint64_t i;

	KVM_RETURN_IF_SKIPPED();

	/* The page after the zone: same VM, same ring, not coalesced. */
	vcpu_args_set(self->vcpu, 3, (uint64_t)self->window + PAGE_SIZE, 1, batch);
	for (i = 0; i < batch; i++)
		expect_write_exit(self->vcpu, MMIO_GPA + PAGE_SIZE, i);
	expect_sync(self->vcpu, batch);
	ASSERT_EQ(0, ring_count(self->ring));
}

TEST_F(coalesced, read_in_zone_exits)
{
	const uint32_t answer = 0x600dcafe;
	struct ucall uc;

	KVM_RETURN_IF_SKIPPED();

	vcpu_set_guest_code(self->vcpu, guest_read);
	vcpu_args_set(self->vcpu, 1, (uint64_t)self->window);
	vcpu_run(self->vcpu);
	vcpu_check_mmio(self->vcpu, MMIO_GPA + 0x40, 4, false, &answer);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(self->vcpu, &uc));
	ASSERT_EQ(answer, uc.args[0]);
	ASSERT_EQ(0, ring_count(self->ring));
}

KVM_HARNESS_MAIN
