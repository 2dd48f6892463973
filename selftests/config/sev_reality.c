// SPDX-License-Identifier: GPL-2.0-only
/*
 * sev_reality: do kvm_amd.sev and kvm_amd.sev_es match what KVM offers?
 *
 * kvm_amd rewrites both params at load to what sev_hardware_setup() found
 * usable (sev needs npt and the SEV CPU feature and ASIDs; sev_es needs sev
 * and, since v5.19, MMIO caching), so each must agree with the rest:
 *  - sev=Y: /dev/sev (the PSP driver, which every SEV launch command goes
 *    through) is a character device.
 *  - KVM_CAP_VM_TYPES (cap 235, v6.10+) lists KVM_X86_SEV_VM exactly when
 *    sev=Y, and KVM_X86_SEV_ES_VM exactly when sev_es=Y.
 *  - KVM_MEMORY_ENCRYPT_OP with KVM_SEV_INIT (KVM_SEV_ES_INIT) on a fresh
 *    VM succeeds when sev=Y (sev_es=Y), and is refused otherwise:
 *    sev_mem_enc_ioctl() returns -ENOTTY when SEV is off, and a kernel
 *    without an SEV-capable vendor module has no handler at all.
 *  - sev_es=Y needs kvm.mmio_caching=Y: an SEV-ES guest's registers and
 *    instruction bytes are encrypted, so KVM cannot emulate its MMIO
 *    accesses and relies on MMIO SPTEs (reserved-bit NPFs that the guest's
 *    #VC handler turns into explicit MMIO requests). sev_hardware_setup()
 *    disables SEV-ES when MMIO caching is off; a kernel that leaves
 *    sev_es=Y then advertises a VM type it cannot run.
 *  - sev=Y needs kvm_amd.npt=Y, and sev_es=Y needs sev=Y.
 * Where the params say SEV is off (or kvm_amd is not loaded) the refusal
 * checks still run: advertising or creating an SEV VM there is as wrong.
 * Every positive check skips, naming the param, where SEV is not enabled.
 *
 * Bug class: a confidential-computing host whose params promise SEV or
 * SEV-ES while KVM cannot deliver it (or the reverse), found only when a
 * customer's launch fails. Same family as the MMIO caching thread
 * ("Re: [PATCH v2 2/3] KVM: x86/mmu: Fully re-evaluate MMIO caching when
 * SPTE masks change", 2022-08-24), where SVM's C-bit position is one of
 * the things that can turn MMIO caching, and so SEV-ES, off.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvm_test.h"
#include "reality.h"

/* Newer than the v6.1 UAPI headers this builds against. */
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif
#ifndef KVM_X86_DEFAULT_VM
#define KVM_X86_DEFAULT_VM 0
#endif
#ifndef KVM_X86_SEV_VM
#define KVM_X86_SEV_VM 2
#endif
#ifndef KVM_X86_SEV_ES_VM
#define KVM_X86_SEV_ES_VM 3
#endif

#define SEV_DEV "/dev/sev"

/* The SEV-related params, each with the text a message quotes. */
struct sev_params {
	char vendor[64];
	bool sev, sev_es;	/* false also when unreadable or absent */
	char sev_what[160], es_what[160];
};

static void describe_absent(char *what, size_t size, const char *param, int r, const char *vendor)
{
	if (r == -ENODEV)
		snprintf(what, size, "kvm_amd.%s: kvm_amd not loaded (KVM vendor module: %s)", param,
			 vendor);
	else
		snprintf(what, size, "kvm_amd.%s: %s", param, kvm_param_errstr(r));
}

static void sev_params_read(struct sev_params *p)
{
	int r;

	memset(p, 0, sizeof(*p));
	kvm_vendor_module(p->vendor, sizeof(p->vendor));
	r = reality_param_bool("kvm_amd", "sev", &p->sev, p->sev_what, sizeof(p->sev_what));
	if (r < 0)
		describe_absent(p->sev_what, sizeof(p->sev_what), "sev", r, p->vendor);
	r = reality_param_bool("kvm_amd", "sev_es", &p->sev_es, p->es_what, sizeof(p->es_what));
	if (r < 0)
		describe_absent(p->es_what, sizeof(p->es_what), "sev_es", r, p->vendor);
}

/*
 * KVM_MEMORY_ENCRYPT_OP @id on a fresh default VM, with no vCPUs as
 * KVM_SEV_INIT requires. Returns 0 or -errno; *fw_error gets the PSP
 * firmware's status code. The VM (and any ASID it took) is freed.
 */
static int sev_init_fresh_vm(uint32_t id, uint32_t *fw_error)
{
	struct kvm_sev_cmd cmd = { .id = id };
	int kvm_fd, vm_fd, sev_fd, r;

	kvm_fd = open_kvm_dev_path_or_exit();
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);
	TEST_ASSERT_SYSCALL(vm_fd, "KVM_CREATE_VM");
	/* INIT itself does not use sev_fd; pass the real one where it opens. */
	sev_fd = open(SEV_DEV, O_RDWR | O_CLOEXEC);
	cmd.sev_fd = sev_fd >= 0 ? (uint32_t)sev_fd : UINT32_MAX;
	r = ioctl(vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd);
	r = r < 0 ? -errno : 0;
	*fw_error = cmd.error;
	if (sev_fd >= 0)
		close(sev_fd);
	close(vm_fd);
	close(kvm_fd);
	return r;
}

TEST(dev_sev_present)
{
	struct sev_params p;
	struct stat st;

	sev_params_read(&p);
	if (!p.sev)
		SKIP(return, "%s: SEV not enabled, no /dev/sev expected", p.sev_what);
	ASSERT_EQ(0, stat(SEV_DEV, &st))
		TH_LOG("%s, but %s is missing (%s): no PSP driver (ccp) to launch SEV guests",
		       p.sev_what, SEV_DEV, strerror(errno));
	ASSERT_TRUE(S_ISCHR(st.st_mode)) TH_LOG("%s is not a character device", SEV_DEV);
}

TEST(vm_types_match_params)
{
	struct sev_params p;
	int types = kvm_check_cap(KVM_CAP_VM_TYPES);

	if (types <= 0)
		SKIP(return, "KVM_CAP_VM_TYPES (cap %d) not supported by this kernel (added in v6.10)",
		     KVM_CAP_VM_TYPES);
	sev_params_read(&p);
	TH_LOG("KVM_CAP_VM_TYPES = %#x; %s; %s", types, p.sev_what, p.es_what);
	ASSERT_TRUE(types & (1 << KVM_X86_DEFAULT_VM)) TH_LOG("the default VM type is not listed");
	ASSERT_EQ(p.sev, !!(types & (1 << KVM_X86_SEV_VM)))
		TH_LOG("%s, but KVM_CAP_VM_TYPES %s KVM_X86_SEV_VM (%#x)", p.sev_what,
		       p.sev ? "lacks" : "lists", types);
	ASSERT_EQ(p.sev_es, !!(types & (1 << KVM_X86_SEV_ES_VM)))
		TH_LOG("%s, but KVM_CAP_VM_TYPES %s KVM_X86_SEV_ES_VM (%#x)", p.es_what,
		       p.sev_es ? "lacks" : "lists", types);
}

FIXTURE(sev_init) {
	struct sev_params p;
};

FIXTURE_VARIANT(sev_init) {
	uint32_t id;
	const char *cmd;
	bool es;
};

FIXTURE_VARIANT_ADD(sev_init, sev) { .id = KVM_SEV_INIT, .cmd = "KVM_SEV_INIT", .es = false };
FIXTURE_VARIANT_ADD(sev_init, sev_es) { .id = KVM_SEV_ES_INIT, .cmd = "KVM_SEV_ES_INIT", .es = true };

FIXTURE_SETUP(sev_init)
{
	sev_params_read(&self->p);
}

FIXTURE_TEARDOWN(sev_init)
{
}

/* Enabled: an SEV(-ES) VM can be created. Disabled: it must be refused. */
TEST_F(sev_init, matches_param)
{
	bool enabled = variant->es ? self->p.sev_es : self->p.sev;
	const char *what = variant->es ? self->p.es_what : self->p.sev_what;
	uint32_t fw_error = 0;
	int r = sev_init_fresh_vm(variant->id, &fw_error);

	if (!enabled) {
		ASSERT_NE(0, r) TH_LOG("%s, yet %s on a fresh VM succeeded", what, variant->cmd);
		TH_LOG("%s: %s refused with %s, as it must be", what, variant->cmd, strerror(-r));
		return;
	}
	if (r == -EBUSY)
		SKIP(return, "%s, but every SEV ASID is in use by other VMs (%s: EBUSY)", what,
		     variant->cmd);
	ASSERT_EQ(0, r) TH_LOG("%s, but %s on a fresh VM failed: %s, firmware error %u", what,
			       variant->cmd, strerror(-r), fw_error);
	TH_LOG("%s: %s created an SEV VM", what, variant->cmd);
}

TEST(sev_es_needs_mmio_caching)
{
	struct sev_params p;
	char what[128];
	bool caching;
	int r;

	sev_params_read(&p);
	if (!p.sev_es)
		SKIP(return, "%s: SEV-ES not enabled, nothing depends on MMIO caching", p.es_what);
	r = reality_param_bool("kvm", "mmio_caching", &caching, what, sizeof(what));
	if (r < 0)
		SKIP(return, "%s", what);
	ASSERT_TRUE(caching)
		TH_LOG("%s with %s: SEV-ES guests' MMIO needs MMIO SPTEs, and "
		       "sev_hardware_setup() should have turned SEV-ES off", p.es_what, what);
}

TEST(sev_param_dependencies)
{
	struct sev_params p;
	char what[128];
	bool npt;
	int r;

	sev_params_read(&p);
	if (!p.sev && !p.sev_es)
		SKIP(return, "%s; %s: nothing to depend on", p.sev_what, p.es_what);
	ASSERT_TRUE(!p.sev_es || p.sev) TH_LOG("%s, but %s", p.es_what, p.sev_what);
	r = reality_param_bool("kvm_amd", "npt", &npt, what, sizeof(what));
	ASSERT_EQ(0, r) TH_LOG("%s, but %s", p.sev_what, what);
	ASSERT_TRUE(npt) TH_LOG("%s, but %s: SEV needs nested paging", p.sev_what, what);
}

KVM_HARNESS_MAIN
