// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmio_generation: a guest-physical address turns from MMIO into RAM and
 * back as the host adds, moves and deletes a memslot over it, and the guest
 * must always see the current truth.
 *
 * The guest reads address X. The host walks a memslot through a cycle:
 *   state 0: no slot: X is MMIO (the host answers MMIO_MARK)
 *   state 1: slot added at X, filled with RAM_MARK: X is RAM
 *   state 2: slot moved away to Y: X is MMIO again
 *   state 3: slot moved back onto X: X is RAM (same contents)
 *   back to state 0 by deleting the slot.
 * In MMIO states each guest read must exit with KVM_EXIT_MMIO at X; in RAM
 * states it must return RAM_MARK with no exit. The guest reads X twice per
 * state, so with caching on the second read runs through the MMIO SPTE the
 * first one created.
 *
 * Variants:
 *   serial           the vCPU is stopped while the host changes the slot
 *   vcpu_thread      a vCPU thread keeps reading X while the host changes
 *                    the slot; the two agree through a seqlock-like epoch in
 *                    guest memory so only reads inside a stable state are
 *                    judged (pthreads, every wait bounded)
 *   wraparound       opt-in (KVMCFG_MMIO_GEN_WRAP=1, or KVMCFG_TEST_FULL=1
 *                    from kvm-selftests --full; 8 s here): an MMIO
 *                    SPTE is created, X becomes RAM, and the host makes 2^19
 *                    memslot updates in all, so the memslot generation
 *                    returns to the SPTE's value modulo the bits the SPTE
 *                    stores (18 or 19 bits). A KVM that misses the zap on
 *                    generation wraparound would then take the stale MMIO
 *                    SPTE as valid and send the RAM read to userspace.
 *
 * The guest runs at CPL3: that reaches the page-fault path on a PVM host
 * (KVM's PVM mode emulates CPL0 code outright) and on VMX/SVM alike.
 *
 * Bug class: stale MMIO SPTEs after memslot changes (RAM read as MMIO),
 * stale RAM mappings after delete or move (MMIO read as RAM, a
 * use-after-free of the slot's memory), races between memslot updates and
 * running vCPUs, and the MMIO generation wraparound.
 */
#include <pthread.h>
#include <time.h>

#include "kvm_test.h"

#define X_GPA 0xc0000000ULL
#define Y_GPA 0xc0200000ULL
#define SLOT 1
#define FILLER_SLOT 2
#define FILLER_GPA 0xc0400000ULL
#define RAM_MARK 0x52414d52414d5241ULL	/* "ARAMRAMR" */
#define MMIO_MARK 0x4d4d494f4d4d494fULL	/* "OIMMOIMM" */
#define STALE_TAG 0x57a1e

/* X is RAM in states 1 and 3. */
static bool state_is_ram(uint64_t state)
{
	return state & 1;
}

/* ---- guest ---- */

static void guest_serial(volatile uint64_t *x)
{
	for (;;) {
		uint64_t a = *x;
		uint64_t b = *x;

		GUEST_SYNC2(a, b);
	}
}

/* Shared with the host through guest memory (the host writes its copy). */
struct race_shared {
	volatile uint64_t epoch;	/* odd while the host changes the slot */
	volatile uint64_t stop;
	volatile uint64_t checked_epoch;	/* last even epoch the guest judged */
	volatile uint64_t nchecks[2];	/* [0] MMIO, [1] RAM */
};

static struct race_shared race __attribute__((aligned(4096)));

static void guest_racing(volatile uint64_t *x, struct race_shared *sh)
{
	while (!sh->stop) {
		uint64_t e1 = sh->epoch, e2, v, state;

		if (e1 & 1) {
			cpu_relax();
			continue;
		}
		v = *x;
		e2 = sh->epoch;
		if (e1 != e2)
			continue;
		state = (e1 / 2) % 4;
		if (v != (state_is_ram(state) ? RAM_MARK : MMIO_MARK))
			for (;;)
				GUEST_SYNC3(STALE_TAG, e1, v);
		sh->nchecks[state_is_ram(state)]++;
		sh->checked_epoch = e1;
	}
	GUEST_DONE();
}

/* ---- host ---- */

/* Move the slot from state @state - 1 to @state (mod 4). */
static void enter_state(struct kvm_vm *vm, uint64_t state)
{
	switch (state % 4) {
	case 0:
		vm_memslot_delete(vm, SLOT);
		break;
	case 1:
		vm_memslot_add(vm, SLOT, X_GPA, PAGE_SIZE, 0);
		*(uint64_t *)vm_memslot_hva(vm, SLOT) = RAM_MARK;
		break;
	case 2:
		vm_memslot_move(vm, SLOT, Y_GPA);
		break;
	case 3:
		vm_memslot_move(vm, SLOT, X_GPA);
		break;
	}
}

static const char *const state_names[] = {
	"no slot (MMIO)", "slot added at X (RAM)", "slot moved away (MMIO)", "slot moved back (RAM)",
};

/*
 * Run the serial guest through its two reads of X in @state and check
 * them: MMIO exits in MMIO states, RAM_MARK with no exit in RAM states.
 */
static void check_serial_round(struct kvm_vcpu *vcpu, uint64_t state, uint64_t round)
{
	const uint64_t answer = MMIO_MARK;
	unsigned int nmmio = 0;
	uint64_t want;
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason != KVM_EXIT_MMIO)
			break;
		TEST_ASSERT(!state_is_ram(state),
			    "round %llu, %s: stale MMIO SPTE: X is RAM but a read exited as MMIO (gpa %#llx)",
			    (unsigned long long)round, state_names[state],
			    (unsigned long long)vcpu->run->mmio.phys_addr);
		TEST_ASSERT(nmmio < 2, "round %llu: more MMIO exits than guest reads", (unsigned long long)round);
		vcpu_check_mmio(vcpu, X_GPA, 8, false, &answer);
		nmmio++;
	}
	TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_SYNC, "round %llu: expected the guest's report, got exit %s",
		    (unsigned long long)round, exit_reason_str(vcpu->run->exit_reason));
	want = state_is_ram(state) ? RAM_MARK : MMIO_MARK;
	TEST_ASSERT(uc.args[0] == want && uc.args[1] == want,
		    "round %llu, %s: guest read %#llx and %#llx, expected %#llx (%s)%s",
		    (unsigned long long)round, state_names[state], (unsigned long long)uc.args[0],
		    (unsigned long long)uc.args[1], (unsigned long long)want,
		    state_is_ram(state) ? "RAM" : "MMIO",
		    !state_is_ram(state) && nmmio < 2 ? ": stale RAM mapping, MMIO read as RAM" : "");
	TEST_ASSERT(state_is_ram(state) || nmmio == 2, "round %llu: %u MMIO exits for 2 reads",
		    (unsigned long long)round, nmmio);
}

FIXTURE(gen) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	gva_t x;
};

FIXTURE_SETUP(gen)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_serial, GUEST_CPL3);
	self->x = vm_map_gpa(self->vm, X_GPA, 1);
	vcpu_args_set(self->vcpu, 1, (uint64_t)self->x);
}

FIXTURE_TEARDOWN(gen)
{
	kvm_vm_free(self->vm);
}

TEST_F(gen, serial)
{
	const uint64_t rounds = test_iterations(200);
	uint64_t r, t0 = now_ns();

	check_serial_round(self->vcpu, 0, 0);
	for (r = 1; r <= rounds; r++) {
		enter_state(self->vm, r % 4);
		check_serial_round(self->vcpu, r % 4, r);
	}
	TH_LOG("%llu memslot transitions, each checked with 2 guest reads, %llu us per round",
	       (unsigned long long)rounds, (unsigned long long)((now_ns() - t0) / 1000 / rounds));
}

/* ---- the racing variant ---- */

struct vcpu_thread {
	struct kvm_vcpu *vcpu;
	uint64_t mmio_exits;
	uint64_t stale_epoch, stale_value;
	bool stale;		/* set last, read by the main thread */
};

static void *vcpu_thread_main(void *arg)
{
	struct vcpu_thread *t = arg;
	const uint64_t answer = MMIO_MARK;
	struct ucall uc;

	for (;;) {
		vcpu_run(t->vcpu);
		if (t->vcpu->run->exit_reason == KVM_EXIT_MMIO) {
			vcpu_check_mmio(t->vcpu, X_GPA, 8, false, &answer);
			t->mmio_exits++;
			continue;
		}
		switch (get_ucall(t->vcpu, &uc)) {
		case UCALL_SYNC:
			TEST_ASSERT(uc.args[0] == STALE_TAG, "unexpected guest sync %#llx",
				    (unsigned long long)uc.args[0]);
			t->stale_epoch = uc.args[1];
			t->stale_value = uc.args[2];
			__atomic_store_n(&t->stale, true, __ATOMIC_RELEASE);
			return NULL;
		case UCALL_DONE:
			return NULL;
		case UCALL_ASSERT:
			REPORT_GUEST_ASSERT(uc);
		default:
			TEST_FAIL("vCPU thread: unexpected exit %s",
				  exit_reason_str(t->vcpu->run->exit_reason));
		}
	}
}

static struct timespec deadline_in(uint64_t ns)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ns += ts.tv_nsec;
	ts.tv_sec += ns / NSEC_PER_SEC;
	ts.tv_nsec = ns % NSEC_PER_SEC;
	return ts;
}

TEST_F(gen, vcpu_thread)
{
	const uint64_t rounds = test_iterations(100);
	const uint64_t wait_ns = 5 * NSEC_PER_SEC;	/* generous: the host is shared */
	struct vcpu_thread t = { .vcpu = self->vcpu };
	struct race_shared *sh;
	struct timespec until;
	pthread_t thread;
	uint64_t r, waited_us = 0;
	int rc;

	vcpu_set_guest_code(self->vcpu, guest_racing);
	vcpu_args_set(self->vcpu, 2, (uint64_t)self->x, (uint64_t)(uintptr_t)&race);
	sh = addr_gva2hva(self->vm, (gva_t)(uintptr_t)&race);
	memset(sh, 0, sizeof(*sh));

	ASSERT_EQ(0, pthread_create(&thread, NULL, vcpu_thread_main, &t));
	for (r = 1; r <= rounds && !__atomic_load_n(&t.stale, __ATOMIC_ACQUIRE); r++) {
		uint64_t start;

		__atomic_store_n(&sh->epoch, 2 * r - 1, __ATOMIC_RELEASE);
		enter_state(self->vm, r % 4);
		__atomic_store_n(&sh->epoch, 2 * r, __ATOMIC_RELEASE);
		/* Let the guest judge at least one read in this state. */
		start = now_ns();
		while (__atomic_load_n(&sh->checked_epoch, __ATOMIC_ACQUIRE) != 2 * r &&
		       !__atomic_load_n(&t.stale, __ATOMIC_ACQUIRE)) {
			if (now_ns() - start > wait_ns) {
				__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
				TEST_FAIL("round %llu (%s): the vCPU judged no read within %llu ms",
					  (unsigned long long)r, state_names[r % 4],
					  (unsigned long long)(wait_ns / 1000000));
			}
			usleep(50);
		}
		waited_us += (now_ns() - start) / 1000;
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	/* X may be MMIO: the guest then exits on its next read and sees stop. */
	until = deadline_in(5 * NSEC_PER_SEC);
	rc = pthread_timedjoin_np(thread, NULL, &until);
	ASSERT_EQ(0, rc) TH_LOG("vCPU thread did not finish within 5 s after stop: %s", strerror(rc));

	ASSERT_FALSE(t.stale)
		TH_LOG("epoch %llu, %s: guest read %#llx from X, expected %s",
		       (unsigned long long)t.stale_epoch, state_names[(t.stale_epoch / 2) % 4],
		       (unsigned long long)t.stale_value,
		       state_is_ram((t.stale_epoch / 2) % 4) ? "RAM_MARK (RAM read as MMIO)" :
							       "MMIO_MARK (MMIO read as RAM)");
	ASSERT_GT(sh->nchecks[0], 0);
	ASSERT_GT(sh->nchecks[1], 0);
	ASSERT_GE(t.mmio_exits, sh->nchecks[0]);
	TH_LOG("%llu racing transitions: %llu MMIO and %llu RAM reads judged, %llu MMIO exits, "
	       "%llu us mean wait per state", (unsigned long long)rounds,
	       (unsigned long long)sh->nchecks[0], (unsigned long long)sh->nchecks[1],
	       (unsigned long long)t.mmio_exits, (unsigned long long)(waited_us / rounds));
}

/* ---- generation wraparound (opt-in) ---- */

/* Its own switch, or the runner's --full that runs every long variant. */
static bool wrap_enabled(void)
{
	const char *s = getenv("KVMCFG_MMIO_GEN_WRAP");

	return (s && !strcmp(s, "1")) || test_full();
}

/*
 * Memslot updates between creating the MMIO SPTE and reading X as RAM. KVM
 * stores the low 18 or 19 bits of the memslot generation in an MMIO SPTE
 * (the layout moved between kernel versions) and adds 1 or 2 per update (2
 * with SMM address spaces), so 2^19 updates bring the generation back to
 * the SPTE's value modulo what it stores, on every layout.
 */
#define WRAP_UPDATES (1ULL << 19)

TEST_F_TIMEOUT(gen, wraparound, 1800)
{
	bool dirty = false;
	uint64_t i, t0;

	if (!wrap_enabled())
		SKIP(return, "opt-in: set KVMCFG_MMIO_GEN_WRAP=1 or run kvm-selftests --full "
			     "(KVMCFG_TEST_FULL=1); 2^19 memslot updates, 8 s here");
	vm_memslot_add(self->vm, FILLER_SLOT, FILLER_GPA, PAGE_SIZE, 0);
	t0 = now_ns();
	/* X is MMIO: with caching, this creates the SPTE at generation G. */
	check_serial_round(self->vcpu, 0, 0);
	/* One update puts RAM at X; flag flips on an unrelated slot make up the rest. */
	enter_state(self->vm, 1);
	for (i = 1; i < WRAP_UPDATES; i++) {
		dirty = !dirty;
		vm_memslot_set_flags(self->vm, FILLER_SLOT, dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0);
	}
	/* A KVM that missed the zap at wraparound takes G's SPTE as current. */
	check_serial_round(self->vcpu, 1, WRAP_UPDATES);
	enter_state(self->vm, 0);
	check_serial_round(self->vcpu, 0, WRAP_UPDATES + 1);
	TH_LOG("%llu memslot updates in %llu ms", (unsigned long long)WRAP_UPDATES,
	       (unsigned long long)((now_ns() - t0) / 1000000));
}

KVM_HARNESS_MAIN
