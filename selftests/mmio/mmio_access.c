// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmio_access: guest MMIO reads and writes, field by field.
 *
 * The guest runs a table of accesses to guest-physical addresses that no
 * memslot backs: every width (1, 2, 4, 8), aligned and unaligned, through
 * several instruction forms (mov load/store, movzx/movsx, movs and stos,
 * xchg and add as read-modify-write), plus accesses that straddle RAM then
 * MMIO, MMIO then RAM, and two MMIO pages. For every access the host checks
 * each KVM_EXIT_MMIO it gets (phys_addr, len, is_write, and the data of a
 * write), answers reads with known bytes, and the guest reports the
 * register it loaded so the host can check that exactly those bytes landed,
 * with the right zero/sign extension and the untouched upper bits of 8- and
 * 16-bit register writes.
 *
 * Why: KVM_EXIT_MMIO is the contract between KVM's instruction emulator and
 * every VMM's device models. Runs at CPL0 and CPL3: on a PVM host (KVM's
 * PVM mode, kvm_pvm) CPL0 code is emulated from the start while CPL3 code reaches the emulator through a
 * real page fault; on VMX/SVM both run natively and fault.
 *
 * Bug class: emulator operand-size and extension bugs, wrong fragment
 * splitting of page-crossing accesses (wrong phys_addr or len, RAM bytes
 * sent to userspace, MMIO bytes lost), lost or duplicated read-modify-write
 * halves, and completion data written back at the wrong width.
 */
#include "kvm_test.h"

/* Guest-physical MMIO: two consecutive pages no memslot covers. */
#define MMIO_GPA 0xc0000000ULL
/* Register contents before a load, so partial register writes show. */
#define PRESET 0xa5a5a5a5a5a5a5a5ULL

enum form {
	LOAD,		/* mov mem -> reg, width 1/2/4/8 */
	STORE,		/* mov reg -> mem, width 1/2/4/8 */
	MOVZX,		/* movzb/movzw into a 64-bit reg */
	MOVSX,		/* movsb/movsw/movsl into a 64-bit reg */
	MOVSQ,		/* movsq from MMIO into a RAM buffer */
	STOSL,		/* stosl of eax into MMIO */
	XCHG,		/* xchg reg <-> mem, 8 bytes: read then write */
	ADD,		/* addl imm, mem: read then write */
};

#define ADD_IMM 0x01020304U

/*
 * One access. @offset is from the start of the guest-virtual window
 * [RAM page][MMIO page][MMIO page][RAM page]. @value is what the host answers reads
 * with, or what the guest stores; for XCHG the guest stores @wvalue.
 */
struct access_case {
	const char *name;
	enum form form;
	unsigned int len;
	unsigned int offset;
	uint64_t value;
	uint64_t wvalue;
};

#define MMIO0 PAGE_SIZE			/* window offset of the first MMIO page */
#define MMIO_END (3 * PAGE_SIZE)	/* and of the RAM page after the second */
#define WINDOW_PAGES 4

static bool is_mmio(unsigned int off)
{
	return off >= MMIO0 && off < MMIO_END;
}

static const struct access_case cases[] = {
	{ "load1",              LOAD,  1, MMIO0 + 0x10, 0x81 },
	{ "load2",              LOAD,  2, MMIO0 + 0x20, 0x8281 },
	{ "load4",              LOAD,  4, MMIO0 + 0x30, 0x84838281 },
	{ "load8",              LOAD,  8, MMIO0 + 0x40, 0x8887868584838281ULL },
	{ "load2_unaligned",    LOAD,  2, MMIO0 + 0x57, 0x1234 },
	{ "load4_unaligned",    LOAD,  4, MMIO0 + 0x63, 0xdeadbeef },
	{ "load8_unaligned",    LOAD,  8, MMIO0 + 0x7d, 0x0123456789abcdefULL },
	{ "store1",             STORE, 1, MMIO0 + 0x11, 0x5a },
	{ "store2",             STORE, 2, MMIO0 + 0x22, 0xa55a },
	{ "store4",             STORE, 4, MMIO0 + 0x34, 0xcafef00d },
	{ "store8",             STORE, 8, MMIO0 + 0x48, 0xfedcba9876543210ULL },
	{ "store4_unaligned",   STORE, 4, MMIO0 + 0x9e, 0x13572468 },
	{ "store8_unaligned",   STORE, 8, MMIO0 + 0xa1, 0x1122334455667788ULL },
	{ "movzx1",             MOVZX, 1, MMIO0 + 0xb0, 0xf0 },
	{ "movzx2",             MOVZX, 2, MMIO0 + 0xb2, 0xf00d },
	{ "movsx1",             MOVSX, 1, MMIO0 + 0xc0, 0x80 },
	{ "movsx2",             MOVSX, 2, MMIO0 + 0xc2, 0x8001 },
	{ "movsx4",             MOVSX, 4, MMIO0 + 0xc4, 0x80000001 },
	{ "movsx1_positive",    MOVSX, 1, MMIO0 + 0xc9, 0x7f },
	{ "movsq",              MOVSQ, 8, MMIO0 + 0xd0, 0x0f1e2d3c4b5a6978ULL },
	{ "stosl",              STOSL, 4, MMIO0 + 0xe0, 0x600df00d },
	{ "xchg8",              XCHG,  8, MMIO0 + 0xf0, 0x1111222233334444ULL, 0x5555666677778888ULL },
	{ "add4",               ADD,   4, MMIO0 + 0x100, 0x10203040 },
	/* 8 bytes from the last 4 of RAM into the first 4 of MMIO. */
	{ "load8_ram_mmio",     LOAD,  8, MMIO0 - 4, 0x99aabbccddeeff00ULL },
	{ "store8_ram_mmio",    STORE, 8, MMIO0 - 3, 0x0807060504030201ULL },
	/* And from the last bytes of MMIO into the RAM page after it. */
	{ "load8_mmio_ram",     LOAD,  8, MMIO_END - 4, 0x3132333435363738ULL },
	{ "store8_mmio_ram",    STORE, 8, MMIO_END - 5, 0xc1c2c3c4c5c6c7c8ULL },
	/* 8 bytes across the two MMIO pages: two exits. */
	{ "load8_mmio_mmio",    LOAD,  8, 2 * PAGE_SIZE - 2, 0x7766554433221100ULL },
	{ "store4_mmio_mmio",   STORE, 4, 2 * PAGE_SIZE - 1, 0xa1b2c3d4 },
};

/* ---- guest ---- */

static uint64_t guest_access(const struct access_case *c, uint8_t *window)
{
	uint8_t *p = window + c->offset;
	uint64_t r = PRESET, buf = 0;
	uint8_t *dst = (uint8_t *)&buf;

	switch (c->form) {
	case LOAD:
		if (c->len == 1)
			__asm__ volatile("movb (%1), %b0" : "+a"(r) : "r"(p) : "memory");
		else if (c->len == 2)
			__asm__ volatile("movw (%1), %w0" : "+a"(r) : "r"(p) : "memory");
		else if (c->len == 4)
			__asm__ volatile("movl (%1), %k0" : "+a"(r) : "r"(p) : "memory");
		else
			__asm__ volatile("movq (%1), %0" : "+a"(r) : "r"(p) : "memory");
		break;
	case STORE:
		if (c->len == 1)
			__asm__ volatile("movb %b0, (%1)" : : "a"(c->value), "r"(p) : "memory");
		else if (c->len == 2)
			__asm__ volatile("movw %w0, (%1)" : : "a"(c->value), "r"(p) : "memory");
		else if (c->len == 4)
			__asm__ volatile("movl %k0, (%1)" : : "a"(c->value), "r"(p) : "memory");
		else
			__asm__ volatile("movq %0, (%1)" : : "a"(c->value), "r"(p) : "memory");
		r = 0;
		break;
	case MOVZX:
		if (c->len == 1)
			__asm__ volatile("movzbq (%1), %0" : "+a"(r) : "r"(p) : "memory");
		else
			__asm__ volatile("movzwq (%1), %0" : "+a"(r) : "r"(p) : "memory");
		break;
	case MOVSX:
		if (c->len == 1)
			__asm__ volatile("movsbq (%1), %0" : "+a"(r) : "r"(p) : "memory");
		else if (c->len == 2)
			__asm__ volatile("movswq (%1), %0" : "+a"(r) : "r"(p) : "memory");
		else
			__asm__ volatile("movslq (%1), %0" : "+a"(r) : "r"(p) : "memory");
		break;
	case MOVSQ:
		__asm__ volatile("movsq" : "+S"(p), "+D"(dst) : : "memory");
		r = buf;
		break;
	case STOSL:
		__asm__ volatile("stosl" : "+D"(p) : "a"(c->value) : "memory");
		r = 0;
		break;
	case XCHG:
		r = c->wvalue;
		__asm__ volatile("xchgq %0, (%1)" : "+r"(r) : "r"(p) : "memory");
		break;
	case ADD:
		__asm__ volatile("addl %0, (%1)" : : "i"(ADD_IMM), "r"(p) : "memory");
		r = 0;
		break;
	}
	return r;
}

static void guest_code(const struct access_case *table, uint64_t n, uint8_t *window)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		GUEST_SYNC2(i, guest_access(&table[i], window));
	GUEST_DONE();
}

/* ---- host ---- */

/* A byte of the RAM page's fill pattern, so RAM bytes are recognisable. */
static uint8_t ram_byte(unsigned int off)
{
	return (uint8_t)(off * 7 + 0x31);
}

static uint64_t sign_extend(uint64_t v, unsigned int len)
{
	unsigned int shift = 64 - 8 * len;

	return (uint64_t)((int64_t)(v << shift) >> shift);
}

static uint64_t truncate_to(uint64_t v, unsigned int len)
{
	return len == 8 ? v : v & ((1ULL << (8 * len)) - 1);
}

/*
 * Check the exits of one direction of @c: the access is split at page
 * boundaries, and each part that lies in MMIO is one exit carrying the
 * matching bytes of @value. Returns the bytes the guest sees (reads: RAM
 * parts from the fill pattern, MMIO parts from @value).
 */
static uint64_t expect_exits(struct kvm_vcpu *vcpu, const struct access_case *c,
			     bool is_write, uint64_t value, uint64_t *nexits)
{
	const uint8_t *vb = (const uint8_t *)&value;
	uint64_t seen = 0;
	uint8_t *sb = (uint8_t *)&seen;
	unsigned int k = 0;

	while (k < c->len) {
		unsigned int off = c->offset + k;
		unsigned int part = PAGE_SIZE - (off & (PAGE_SIZE - 1));

		if (part > c->len - k)
			part = c->len - k;
		if (!is_mmio(off)) {
			unsigned int j;

			for (j = 0; j < part; j++)
				sb[k + j] = ram_byte(off + j);
		} else {
			vcpu_run(vcpu);
			vcpu_check_mmio(vcpu, MMIO_GPA + off - MMIO0, part, is_write, vb + k);
			memcpy(sb + k, vb + k, part);
			(*nexits)++;
		}
		k += part;
	}
	return seen;
}

/* Host address of RAM byte @off of the window. */
static uint8_t *ram_at(uint8_t *const ram[2], unsigned int off)
{
	return off < MMIO0 ? ram[0] + off : ram[1] + (off - MMIO_END);
}

/* The register value the guest must report for read @c given loaded bytes. */
static uint64_t expected_result(const struct access_case *c, uint64_t loaded)
{
	switch (c->form) {
	case LOAD:
		if (c->len == 4)
			return loaded;	/* a 32-bit write zero-extends */
		if (c->len == 8)
			return loaded;
		return (PRESET & ~truncate_to(~0ULL, c->len)) | loaded;
	case MOVZX:
	case MOVSQ:
		return loaded;
	case MOVSX:
		return sign_extend(loaded, c->len);
	case XCHG:
		return loaded;
	default:
		return 0;
	}
}

FIXTURE(mmio) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint8_t *ram[2];	/* host view of the window's two RAM pages */
	gva_t window;
};

FIXTURE_VARIANT_CPL(mmio);

FIXTURE_SETUP(mmio)
{
	unsigned int i, r;

	self->vm = vm_create_with_one_vcpu(&self->vcpu, guest_code, variant->cpl);
	/* Contiguous guest-virtual pages: RAM, the two MMIO pages, RAM. */
	self->window = vm_map_gpa(self->vm, MMIO_GPA - PAGE_SIZE, WINDOW_PAGES);
	for (r = 0; r < 2; r++) {
		unsigned int base = r ? MMIO_END : 0;
		gpa_t gpa = vm_phy_pages_alloc(self->vm, 1);

		virt_map(self->vm, self->window + base, gpa, 1);
		self->ram[r] = addr_gpa2hva(self->vm, gpa);
		for (i = 0; i < PAGE_SIZE; i++)
			self->ram[r][i] = ram_byte(base + i);
	}
}

FIXTURE_TEARDOWN(mmio)
{
	kvm_vm_free(self->vm);
}

TEST_F(mmio, every_exit_field)
{
	_cleanup_(kvm_stats_snapshot_deinit) struct kvm_stats_snapshot before = {}, after = {};
	bool have_stats = kvm_check_cap(KVM_CAP_BINARY_STATS_FD) > 0;
	uint64_t nexits = 0, ninsns = 0, mmio_exits;
	struct ucall uc;
	unsigned int i, k;

	vcpu_args_set(self->vcpu, 3, (uint64_t)(uintptr_t)cases, (uint64_t)ARRAY_SIZE(cases),
		      (uint64_t)self->window);
	if (have_stats)
		vcpu_stats_snapshot(self->vcpu, &before);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct access_case *c = &cases[i];
		uint64_t loaded = 0, want;
		struct kvm_vcpu *v = self->vcpu;

		switch (c->form) {
		case LOAD:
		case MOVZX:
		case MOVSX:
		case MOVSQ:
			loaded = expect_exits(v, c, false, c->value, &nexits);
			break;
		case STORE:
		case STOSL:
			expect_exits(v, c, true, c->value, &nexits);
			break;
		case XCHG:
			loaded = expect_exits(v, c, false, c->value, &nexits);
			expect_exits(v, c, true, c->wvalue, &nexits);
			break;
		case ADD:
			expect_exits(v, c, false, c->value, &nexits);
			expect_exits(v, c, true, truncate_to(c->value + ADD_IMM, c->len), &nexits);
			break;
		}
		ninsns++;

		ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(v, &uc)) TH_LOG("case %s", c->name);
		ASSERT_EQ(i, uc.args[0]);
		want = expected_result(c, loaded);
		EXPECT_EQ(want, uc.args[1])
			TH_LOG("case %s: guest register %#llx, expected %#llx", c->name,
			       (unsigned long long)uc.args[1], (unsigned long long)want);
		/* A store's RAM part lands in RAM, and the bytes around it do not change. */
		if (c->form == STORE && (!is_mmio(c->offset) || !is_mmio(c->offset + c->len - 1))) {
			for (k = 0; k <= c->len + 1; k++) {
				unsigned int off = c->offset - 1 + k;
				uint8_t want_byte = k == 0 || k > c->len ? ram_byte(off) :
						    (uint8_t)(c->value >> (8 * (k - 1)));

				if (is_mmio(off))
					continue;
				EXPECT_EQ(want_byte, *ram_at(self->ram, off))
					TH_LOG("case %s: RAM byte at window offset %#x", c->name, off);
			}
		}
	}
	ASSERT_EQ(UCALL_DONE, vcpu_run_ucall(self->vcpu, &uc));

	if (!have_stats)
		return;
	vcpu_stats_snapshot(self->vcpu, &after);
	if (__kvm_stats_delta(&before, &after, "mmio_exits", &mmio_exits) < 0) {
		TH_LOG("no mmio_exits stat on this kernel: exits not cross-checked");
		return;
	}
	/*
	 * KVM counts an MMIO exit per emulated instruction that needed
	 * userspace; the fragments of a page-crossing access share one count.
	 */
	EXPECT_GE(mmio_exits, ninsns);
	EXPECT_LE(mmio_exits, nexits);
	TH_LOG("%llu instructions, %llu KVM_EXIT_MMIO, mmio_exits +%llu",
	       (unsigned long long)ninsns, (unsigned long long)nexits, (unsigned long long)mmio_exits);
}

KVM_HARNESS_MAIN
