// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-mmio-bench's exit paths: one VM per path, a guest loop that times
 * every access with rdtsc, and the host's exit handling.
 *
 * The guest does a batch of accesses, storing each one's TSC delta in its
 * own copy of guest_cycles[], then rings a doorbell: an MMIO write of the
 * batch sequence number to a page no memslot backs. The doorbell is an
 * MMIO exit rather than a ucall because a ucall is port I/O, which at CPL3
 * on PVM hosts detours through the guest's #GP handler at CPL0, where
 * every instruction is emulated: tens of microseconds per batch that the
 * harness-overhead figure would otherwise carry.
 *
 * The host checks every exit it sees (address, size, direction, data),
 * that a path meant to stay in the kernel never reached userspace, and
 * after each batch that the in-kernel side effect happened once per
 * access (coalesced ring entries, eventfd counts, the LAPIC version read
 * back). A path that took a different route fails instead of reporting a
 * figure for the wrong thing.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "exception.h"
#include "kvm_stats.h"
#include "kvm_test.h"
#include "paths.h"
#include "timing.h"

/* Guest-physical layout; RAM is slot 0 at [0, 64 MiB). */
#define MMIO_GPA	   0xc0000000ULL /* userspace-answered MMIO page */
#define DOORBELL_GPA	   0xc0001000ULL /* end-of-batch doorbell */
#define IOEVENTFD_DM_GPA   0xc0002000ULL
#define IOEVENTFD_WC_GPA   0xc0003000ULL
#define COALESCED_GPA	   0xc0100000ULL /* one-page coalesced zone */
#define POOL_MMIO_GPA	   0xd0000000ULL /* fresh pages, userspace MMIO */
#define POOL_COALESCED_GPA 0xe0000000ULL /* fresh pages inside a coalesced zone */
#define POOL_PAGES	   4096ULL
#define LAPIC_GPA	   0xfee00000ULL
#define APIC_LVR	   0x30 /* LAPIC version register */
#define DUMMY_SLOT	   1	/* moved to bump the memslot generation */
#define DUMMY_GPA	   0x100000000ULL
#define BENCH_PORT	   0x3000 /* > 0xff: the DX form, which the #GP trampoline handles */
#define BENCH_VALUE	   0x5a17c0deU

/*
 * Batch sizes: a few ms of work each (a batch is one slice of a round, and
 * a round should be short enough that every path in it sees the same host);
 * coalesced stays under the ring size; pio_cpl3 (about 130 us an access on
 * PVM hosts) would otherwise be half of every round.
 */
#define BATCH_EXIT	256
#define BATCH_COALESCED 128
#define BATCH_IN_KERNEL 256
#define BATCH_SLOW	64

enum guest_op {
	OP_WRITE,      /* *addr = value */
	OP_READ,       /* guest_last = *addr */
	OP_WRITE_POOL, /* a fresh page of the pool each time */
	OP_OUT,	       /* outl(value, port addr) */
	OP_CPUID,
};

static uint64_t guest_cycles[BENCH_BATCH_MAX];
static uint64_t guest_last;

/* Time one access, @batch times, into guest_cycles[]. */
#define MEASURE(stmt)                                   \
	do {                                            \
		for (i = 0; i < batch; i++) {           \
			uint64_t t0 = rdtsc();          \
			stmt;                           \
			guest_cycles[i] = rdtsc() - t0; \
		}                                       \
	} while (0)

static void guest_code(uint64_t op, uint64_t addr, uint64_t batch, uint64_t npages, uint64_t value,
		       uint64_t doorbell)
{
	volatile uint32_t *p = (volatile uint32_t *)addr;
	uint64_t seq = 0, page = 0, i;
	uint32_t a, b, c, d;

	for (;;) {
		switch (op) {
		case OP_WRITE:
			MEASURE(*p = (uint32_t)value);
			break;
		case OP_READ:
			MEASURE(guest_last = *p);
			break;
		case OP_WRITE_POOL:
			MEASURE(p[(page + i) << (PAGE_SHIFT - 2)] = (uint32_t)value);
			page += batch;
			if (page >= npages)
				page = 0;
			break;
		case OP_OUT:
			MEASURE(outl((uint16_t)addr, (uint32_t)value));
			break;
		case OP_CPUID:
			MEASURE(cpuid(0, 0, &a, &b, &c, &d));
			break;
		}
		*(volatile uint64_t *)doorbell = ++seq;
	}
}

/* The raw loop for the harness-overhead comparison: nothing but the access. */
static void guest_raw(uint64_t addr, uint64_t value)
{
	for (;;)
		*(volatile uint32_t *)addr = (uint32_t)value;
}

const struct bench_path_info bench_path_info[_BENCH_PATH_MAX] = {
	[BENCH_MMIO_WRITE] = { "mmio_write", "a", 3,
			       "32-bit write to unbacked GPA, KVM_EXIT_MMIO answered by the bench, same page" },
	[BENCH_MMIO_READ] = { "mmio_read", "a", 3,
			      "32-bit read of unbacked GPA, KVM_EXIT_MMIO with data from the bench, same page" },
	[BENCH_MMIO_NEW_PAGE] = { "mmio_new_page", "b", 3,
				  "as mmio_write, but the first write to a page not touched since the last memslot change" },
	[BENCH_COALESCED] = { "coalesced", "c", 3,
			      "32-bit write into a coalesced MMIO zone (ring entry, no exit to userspace), same page" },
	[BENCH_COALESCED_NEW_PAGE] = { "coalesced_new_page", "b", 3,
				       "as coalesced, but the first write to a page not touched since the last memslot change" },
	[BENCH_IOEVENTFD_DATAMATCH] = { "ioeventfd_datamatch", "d", 3,
					"32-bit write matching an ioeventfd with KVM_IOEVENTFD_FLAG_DATAMATCH" },
	[BENCH_IOEVENTFD_WILDCARD] = { "ioeventfd_wildcard", "d", 3,
				       "32-bit write to an ioeventfd without datamatch (len 0 where KVM_CAP_IOEVENTFD_ANY_LENGTH)" },
	[BENCH_LAPIC_READ] = { "lapic_read", "e", 3,
			       "read of the in-kernel LAPIC version register (KVM_CREATE_IRQCHIP)" },
	[BENCH_PIO_CPL0] = { "pio_cpl0", "f", 0,
			     "OUT to a port, KVM_EXIT_IO answered by the bench, from CPL0" },
	[BENCH_PIO_CPL3] = { "pio_cpl3", "f", 3,
			     "OUT to a port from CPL3 (IOPL 3), KVM_EXIT_IO answered by the bench" },
	[BENCH_CPUID] = { "cpuid", "g", 3,
			  "CPUID leaf 0: an exit KVM handles without MMIO or userspace" },
};

struct path_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	enum guest_op op;
	gpa_t gpa; /* the accessed GPA (pool: its first page) */
	unsigned int batch;
	bool user_exit;	 /* each access exits to userspace */
	bool check_last; /* guest_last must be @last_value (or a LAPIC version) */
	bool lapic;
	int efd; /* ioeventfd, or -1 */
	bool coalesced;
	bool pool; /* bump the memslot generation when the pool wraps */
	uint64_t pool_pos, dummy_moves;
	uint64_t seq;
	uint64_t handler_delay_ns; /* --handler-delay-ns: extra work per exit to userspace */
};

static struct kvm_coalesced_mmio_ring *coalesced_ring(struct path_vm *pv)
{
	return (struct kvm_coalesced_mmio_ring *)((char *)pv->vcpu->run +
						  KVM_COALESCED_MMIO_PAGE_OFFSET * PAGE_SIZE);
}

static void register_coalesced(struct path_vm *pv, gpa_t gpa, uint64_t size)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = gpa, .size = (uint32_t)size };

	vm_ioctl(pv->vm, KVM_REGISTER_COALESCED_MMIO, &zone);
	pv->coalesced = true;
}

static void register_ioeventfd(struct path_vm *pv, gpa_t gpa, uint32_t len, bool datamatch)
{
	struct kvm_ioeventfd io = {
		.datamatch = datamatch ? BENCH_VALUE : 0,
		.addr = gpa,
		.len = len,
		.flags = datamatch ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0,
	};

	pv->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	TEST_ASSERT(pv->efd >= 0, "eventfd: %s", strerror(errno));
	io.fd = pv->efd;
	vm_ioctl(pv->vm, KVM_IOEVENTFD, &io);
}

static void path_vm_free(struct path_vm *pv)
{
	if (pv->efd >= 0)
		close(pv->efd);
	kvm_vm_free(pv->vm);
	pv->vm = NULL;
	pv->efd = -1;
}

/*
 * Build the VM for path @id. Returns NULL, or the reason the host cannot
 * run the path (then nothing is left allocated).
 */
static const char *path_vm_init(struct path_vm *pv, enum bench_path_id id, const char **note)
{
	enum guest_cpl cpl = bench_path_info[id].cpl ? GUEST_CPL3 : GUEST_CPL0;
	uint64_t addr, npages = 1;
	int r;

	memset(pv, 0, sizeof(*pv));
	pv->efd = -1;
	pv->op = OP_WRITE;
	pv->gpa = MMIO_GPA;
	pv->batch = BATCH_EXIT;
	pv->user_exit = true;
	*note = NULL;

	switch (id) {
	case BENCH_COALESCED:
	case BENCH_COALESCED_NEW_PAGE:
		if (!kvm_check_cap(KVM_CAP_COALESCED_MMIO))
			return "KVM_CAP_COALESCED_MMIO not supported";
		break;
	case BENCH_IOEVENTFD_DATAMATCH:
	case BENCH_IOEVENTFD_WILDCARD:
		if (!kvm_check_cap(KVM_CAP_IOEVENTFD))
			return "KVM_CAP_IOEVENTFD not supported";
		break;
	case BENCH_LAPIC_READ:
		if (!kvm_check_cap(KVM_CAP_IRQCHIP))
			return "KVM_CAP_IRQCHIP not supported (no in-kernel LAPIC)";
		break;
	default:
		break;
	}

	pv->vm = kvm_vm_new(VM_DEFAULT_MEM_MB);
	if (id == BENCH_LAPIC_READ) {
		r = __vm_create_irqchip(pv->vm);
		if (r < 0) {
			path_vm_free(pv);
			return "KVM_CREATE_IRQCHIP failed";
		}
	}

	switch (id) {
	case BENCH_MMIO_WRITE:
		break;
	case BENCH_MMIO_READ:
		pv->op = OP_READ;
		pv->check_last = true;
		break;
	case BENCH_MMIO_NEW_PAGE:
	case BENCH_COALESCED_NEW_PAGE:
		pv->op = OP_WRITE_POOL;
		pv->pool = true;
		pv->gpa = id == BENCH_MMIO_NEW_PAGE ? POOL_MMIO_GPA : POOL_COALESCED_GPA;
		npages = POOL_PAGES;
		vm_memslot_add(pv->vm, DUMMY_SLOT, DUMMY_GPA, PAGE_SIZE, 0);
		if (id == BENCH_COALESCED_NEW_PAGE) {
			register_coalesced(pv, pv->gpa, POOL_PAGES * PAGE_SIZE);
			pv->batch = BATCH_COALESCED;
			pv->user_exit = false;
		}
		break;
	case BENCH_COALESCED:
		pv->gpa = COALESCED_GPA;
		register_coalesced(pv, pv->gpa, PAGE_SIZE);
		pv->batch = BATCH_COALESCED;
		pv->user_exit = false;
		break;
	case BENCH_IOEVENTFD_DATAMATCH:
		pv->gpa = IOEVENTFD_DM_GPA;
		register_ioeventfd(pv, pv->gpa, 4, true);
		pv->batch = BATCH_IN_KERNEL;
		pv->user_exit = false;
		break;
	case BENCH_IOEVENTFD_WILDCARD:
		pv->gpa = IOEVENTFD_WC_GPA;
		if (kvm_check_cap(KVM_CAP_IOEVENTFD_ANY_LENGTH)) {
			register_ioeventfd(pv, pv->gpa, 0, false);
			*note = "len 0 (KVM_CAP_IOEVENTFD_ANY_LENGTH)";
		} else {
			register_ioeventfd(pv, pv->gpa, 4, false);
			*note = "len 4: no KVM_CAP_IOEVENTFD_ANY_LENGTH";
		}
		pv->batch = BATCH_IN_KERNEL;
		pv->user_exit = false;
		break;
	case BENCH_LAPIC_READ:
		pv->op = OP_READ;
		pv->gpa = LAPIC_GPA + APIC_LVR;
		pv->lapic = true;
		pv->check_last = true;
		pv->batch = BATCH_IN_KERNEL;
		pv->user_exit = false;
		break;
	case BENCH_PIO_CPL0:
		pv->op = OP_OUT;
		break;
	case BENCH_PIO_CPL3:
		pv->op = OP_OUT;
		pv->batch = BATCH_SLOW;
		break;
	case BENCH_CPUID:
		pv->op = OP_CPUID;
		pv->batch = BATCH_IN_KERNEL;
		pv->user_exit = false;
		break;
	default:
		TEST_FAIL("unknown path %d", id);
	}

	pv->vcpu = vm_vcpu_add(pv->vm, 0, guest_code, cpl);
	if (pv->op == OP_OUT)
		addr = BENCH_PORT;
	else
		addr = vm_map_gpa(pv->vm, pv->gpa & PAGE_MASK, npages) + (pv->gpa & ~PAGE_MASK);
	vcpu_args_set(pv->vcpu, 6, pv->op, addr, (uint64_t)pv->batch, npages, (uint64_t)BENCH_VALUE,
		      vm_map_gpa(pv->vm, DOORBELL_GPA, 1));
	return NULL;
}

/* An exit the path did not expect: say what it was, with the guest's own reason if it has one. */
static void __attribute__((noreturn)) fail_exit(struct path_vm *pv, const char *why)
{
	struct kvm_run *run = pv->vcpu->run;
	struct ucall uc;

	if (run->exit_reason == KVM_EXIT_IO && run->io.port == UCALL_PIO_PORT) {
		uint64_t cmd = get_ucall(pv->vcpu, &uc);

		if (cmd == UCALL_ASSERT)
			REPORT_GUEST_ASSERT(uc);
		if (cmd == UCALL_UNHANDLED)
			TEST_FAIL(
				"%s: guest exception %s at rip %#llx, error code %#llx, cr2 %#llx",
				why, exception_name(uc.args[0]), (unsigned long long)uc.args[1],
				(unsigned long long)uc.args[2], (unsigned long long)uc.args[3]);
	}
	if (run->exit_reason == KVM_EXIT_MMIO)
		TEST_FAIL("%s: KVM_EXIT_MMIO %s of %u bytes at gpa %#llx", why,
			  run->mmio.is_write ? "write" : "read", run->mmio.len,
			  (unsigned long long)run->mmio.phys_addr);
	if (run->exit_reason == KVM_EXIT_IO)
		TEST_FAIL("%s: KVM_EXIT_IO %s port %#x size %u", why,
			  run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port,
			  run->io.size);
	TEST_FAIL("%s: exit reason %s (%u)", why, exit_reason_str(run->exit_reason),
		  run->exit_reason);
}

/*
 * --handler-delay-ns: @ns of real work in the exit handler, a known change
 * for checking a gate. Spinning on the clock (not a calibrated loop) keeps
 * it @ns whatever the CPU's speed; the clock reads are the work.
 */
static void handler_delay(uint64_t ns)
{
	uint64_t t0;

	if (!ns)
		return;
	t0 = now_ns();
	while (now_ns() - t0 < ns)
		;
}

/* Check (and for reads, answer) one exit to userspace that the path expects. */
static void handle_user_exit(struct path_vm *pv, uint64_t index)
{
	struct kvm_run *run = pv->vcpu->run;
	uint32_t v;

	if (!pv->user_exit)
		fail_exit(pv, "in-kernel path reached userspace");
	handler_delay(pv->handler_delay_ns);
	if (pv->op == OP_OUT) {
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != BENCH_PORT ||
		    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1)
			fail_exit(pv, "expected a 4-byte OUT to the bench port");
		memcpy(&v, (char *)run + run->io.data_offset, 4);
		TEST_ASSERT(v == BENCH_VALUE, "OUT data %#x, expected %#x", v, BENCH_VALUE);
		return;
	}
	if (run->exit_reason != KVM_EXIT_MMIO || run->mmio.len != 4 ||
	    run->mmio.phys_addr != pv->gpa + (pv->pool ? index * PAGE_SIZE : 0) ||
	    run->mmio.is_write != (pv->op != OP_READ))
		fail_exit(pv, "expected a 4-byte MMIO access to the bench page");
	if (run->mmio.is_write) {
		memcpy(&v, run->mmio.data, 4);
		TEST_ASSERT(v == BENCH_VALUE, "MMIO write data %#x, expected %#x", v, BENCH_VALUE);
	} else {
		v = BENCH_VALUE;
		memcpy(run->mmio.data, &v, 4);
	}
}

/* Entries in the coalesced ring since the last drain; checks each and consumes them. */
static uint64_t drain_coalesced(struct path_vm *pv, uint64_t first_page)
{
	struct kvm_coalesced_mmio_ring *ring = coalesced_ring(pv);
	const uint32_t max = (PAGE_SIZE - sizeof(*ring)) / sizeof(ring->coalesced_mmio[0]);
	uint64_t n = 0;

	while (ring->first != __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE)) {
		struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[ring->first];
		gpa_t want = pv->gpa + (pv->pool ? (first_page + n) * PAGE_SIZE : 0);
		uint32_t v;

		memcpy(&v, e->data, 4);
		TEST_ASSERT(
			e->phys_addr == want && e->len == 4 && v == BENCH_VALUE,
			"coalesced entry %llu: gpa %#llx len %u data %#x, expected gpa %#llx len 4 data %#x",
			(unsigned long long)n, (unsigned long long)e->phys_addr, e->len, v,
			(unsigned long long)want, BENCH_VALUE);
		__atomic_store_n(&ring->first, (ring->first + 1) % max, __ATOMIC_RELEASE);
		n++;
	}
	return n;
}

/* One batch: run until the doorbell, check the side effects, return host ns. */
static uint64_t run_batch(struct path_vm *pv)
{
	struct kvm_run *run = pv->vcpu->run;
	uint64_t t0, t1, user = 0, seq, pos = pv->pool_pos, got;
	int r;

	t0 = now_ns();
	for (;;) {
		r = __vcpu_run(pv->vcpu);
		if (r < 0) {
			TEST_ASSERT(errno == EINTR, "KVM_RUN: %s", strerror(errno));
			continue;
		}
		if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == DOORBELL_GPA)
			break;
		handle_user_exit(pv, pos + user);
		user++;
	}
	t1 = now_ns();

	memcpy(&seq, run->mmio.data, sizeof(seq));
	TEST_ASSERT(run->mmio.is_write && run->mmio.len == 8 && seq == pv->seq + 1,
		    "doorbell: %s of %u bytes, sequence %llu after %llu",
		    run->mmio.is_write ? "write" : "read", run->mmio.len, (unsigned long long)seq,
		    (unsigned long long)pv->seq);
	pv->seq = seq;
	if (pv->user_exit)
		TEST_ASSERT(user == pv->batch, "%llu exits to userspace in a batch of %u accesses",
			    (unsigned long long)user, pv->batch);
	if (pv->coalesced) {
		got = drain_coalesced(pv, pos);
		TEST_ASSERT(got == pv->batch,
			    "%llu coalesced ring entries for a batch of %u writes",
			    (unsigned long long)got, pv->batch);
	}
	if (pv->efd >= 0) {
		got = 0;
		TEST_ASSERT(read(pv->efd, &got, sizeof(got)) == sizeof(got) && got == pv->batch,
			    "ioeventfd signalled %llu times for a batch of %u writes (%s)",
			    (unsigned long long)got, pv->batch, strerror(errno));
	}
	if (pv->check_last) {
		sync_global_from_guest(pv->vm, guest_last);
		if (pv->lapic)
			TEST_ASSERT((guest_last & 0xff) >= 0x10 && (guest_last & 0xff) <= 0x15,
				    "LAPIC version register read %#llx: not an integrated APIC",
				    (unsigned long long)guest_last);
		else
			TEST_ASSERT(guest_last == BENCH_VALUE,
				    "guest read %#llx, the bench answered %#x",
				    (unsigned long long)guest_last, BENCH_VALUE);
	}
	if (pv->pool) {
		pv->pool_pos += pv->batch;
		if (pv->pool_pos >= POOL_PAGES) {
			/*
			 * Every pool page has been touched: a memslot change bumps
			 * the generation, so any MMIO SPTE KVM cached for them is
			 * stale and the next round is a first access again.
			 */
			pv->pool_pos = 0;
			pv->dummy_moves++;
			vm_memslot_move(pv->vm, DUMMY_SLOT,
					DUMMY_GPA + (pv->dummy_moves & 1) * PAGE_SIZE);
		}
	}
	return t1 - t0;
}

struct bench_path {
	struct path_vm pv;
	struct kvm_stats *stats;
	uint32_t tsc_khz;
	uint64_t accesses, batches, elapsed_ns;
	uint64_t stat_delta[BENCH_STATS_MAX];
	bool stat_present[BENCH_STATS_MAX];
	const char *const *stat_names;
	unsigned int n_stats;
};

int bench_path_new(enum bench_path_id id, uint64_t handler_delay_ns, const char *const *stat_names,
		   unsigned int n_stats, struct bench_path **ret, const char **skip_reason,
		   const char **note)
{
	struct bench_path *p;
	unsigned int s;

	TEST_ASSERT(n_stats <= BENCH_STATS_MAX, "at most %d stats", BENCH_STATS_MAX);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	*skip_reason = path_vm_init(&p->pv, id, note);
	if (*skip_reason) {
		free(p);
		*ret = NULL;
		return 0;
	}
	p->pv.handler_delay_ns = handler_delay_ns;
	p->tsc_khz = vcpu_tsc_khz(p->pv.vcpu);
	p->stat_names = stat_names;
	p->n_stats = n_stats;
	if (kvm_check_cap(KVM_CAP_BINARY_STATS_FD)) {
		p->stats = vcpu_stats(p->pv.vcpu);
		for (s = 0; s < n_stats; s++)
			p->stat_present[s] = true;
	}
	/* Warm-up: faults in the guest's code, stack and page tables. */
	run_batch(&p->pv);
	*ret = p;
	return 0;
}

void bench_path_measure(struct bench_path *p, const struct bench_sink *sink)
{
	struct kvm_stats_snapshot before = { 0 }, after = { 0 };
	uint64_t t0, host_ns, d;
	unsigned int s;
	bool stop;

	/*
	 * No warm-up batch per slice: other paths ran since this one's last
	 * slice, and the first accesses after them are the same in every
	 * round of every run, so they cost both sides of a comparison alike
	 * (and the median does not see a few of them).
	 */
	if (p->stats)
		kvm_stats_snapshot_take(p->stats, &before);
	t0 = now_ns();
	do {
		host_ns = run_batch(&p->pv);
		sync_global_from_guest(p->pv.vm, guest_cycles);
		p->accesses += p->pv.batch;
		p->batches++;
		stop = sink->batch(sink->opaque, guest_cycles, p->pv.batch, host_ns);
	} while (!stop);
	p->elapsed_ns += now_ns() - t0;

	if (p->stats) {
		kvm_stats_snapshot_take(p->stats, &after);
		for (s = 0; s < p->n_stats; s++) {
			if (__kvm_stats_delta(&before, &after, p->stat_names[s], &d) == 0)
				p->stat_delta[s] += d;
			else
				p->stat_present[s] = false;
		}
		kvm_stats_snapshot_deinit(&before);
		kvm_stats_snapshot_deinit(&after);
	}
}

void bench_path_totals(const struct bench_path *p, struct bench_path_out *out)
{
	memset(out, 0, sizeof(*out));
	out->tsc_khz = p->tsc_khz;
	out->accesses = p->accesses;
	out->batches = p->batches;
	out->elapsed_ns = p->elapsed_ns;
	memcpy(out->stat_present, p->stat_present, sizeof(out->stat_present));
	memcpy(out->stat_delta, p->stat_delta, sizeof(out->stat_delta));
}

struct bench_path *bench_path_free(struct bench_path *p)
{
	if (p) {
		path_vm_free(&p->pv);
		free(p);
	}
	return NULL;
}

int bench_harness_run(const struct bench_harness_sink *sink)
{
	struct kvm_vcpu *raw_vcpu;
	struct kvm_vm *raw_vm;
	struct path_vm pv;
	const char *note;
	const char *skip = path_vm_init(&pv, BENCH_MMIO_WRITE, &note);
	uint64_t t0, raw_ns, bench_ns;
	unsigned int i;
	bool stop;
	int r = 0;

	TEST_ASSERT(!skip, "path mmio_write cannot run: %s", skip);
	raw_vm = vm_create_with_one_vcpu(&raw_vcpu, guest_raw, GUEST_CPL3);
	vcpu_args_set(raw_vcpu, 2, vm_map_gpa(raw_vm, MMIO_GPA, 1), (uint64_t)BENCH_VALUE);

	/* Warm both up, then alternate so machine load falls on both alike. */
	run_batch(&pv);
	for (i = 0; i < pv.batch; i++) {
		vcpu_run(raw_vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(raw_vcpu, KVM_EXIT_MMIO);
	}
	do {
		bench_ns = run_batch(&pv);
		t0 = now_ns();
		for (i = 0; i < pv.batch; i++) {
			r = ioctl(raw_vcpu->fd, KVM_RUN, NULL);
			if (r < 0 || raw_vcpu->run->exit_reason != KVM_EXIT_MMIO)
				break;
		}
		raw_ns = now_ns() - t0;
		if (i < pv.batch)
			TEST_FAIL("raw loop: KVM_RUN returned %d (%s), exit reason %s", r,
				  r < 0 ? strerror(errno) : "ok",
				  exit_reason_str(raw_vcpu->run->exit_reason));
		stop = sink->pair(sink->opaque, pv.batch, bench_ns, raw_ns);
	} while (!stop);

	kvm_vm_free(raw_vm);
	path_vm_free(&pv);
	return 0;
}
