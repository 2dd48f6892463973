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
 *  - An SEV (SEV-ES) VM can be created when sev=Y (sev_es=Y) and is
 *    refused otherwise, both the legacy way (KVM_MEMORY_ENCRYPT_OP with
 *    KVM_SEV_INIT / KVM_SEV_ES_INIT on a default VM; sev_mem_enc_ioctl()
 *    returns -ENOTTY when SEV is off, other vendors have no handler) and,
 *    where KVM_CAP_VM_TYPES exists, the v6.10+ way (KVM_CREATE_VM with
 *    KVM_X86_SEV_VM / KVM_X86_SEV_ES_VM, then KVM_SEV_INIT2; an
 *    unsupported type makes KVM_CREATE_VM fail with EINVAL).
 *  - sev_es=Y needs kvm.mmio_caching=Y: an SEV-ES guest's registers and
 *    instruction bytes are encrypted, so KVM cannot emulate its MMIO
 *    accesses and relies on MMIO SPTEs (reserved-bit NPFs that the guest's
 *    #VC handler turns into explicit MMIO requests). sev_hardware_setup()
 *    disables SEV-ES when MMIO caching is off; a kernel that leaves
 *    sev_es=Y then advertises a VM type it cannot run.
 *  - sev=Y needs kvm_amd.npt=Y, and sev_es=Y needs sev=Y.
 * Where the params say SEV is off (or kvm_amd is not loaded) the refusal
 * checks still run: advertising or creating an SEV VM there is as wrong,
 * and the refusal must be KVM saying SEV is off (ENOTTY, or EINVAL for a
 * VM type it does not offer), not a failure for an unrelated reason.
 * The observation code (fresh-VM INIT, VM types) is lib/probe/sev.c.
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
#include "probe-sev.h"
#include "reality.h"

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

TEST(dev_sev_present)
{
	struct sev_params p;
	struct stat st;

	sev_params_read(&p);
	if (!p.sev)
		SKIP(return, "%s: SEV not enabled, no /dev/sev expected", p.sev_what);
	ASSERT_EQ(0, stat(KVMCFG_SEV_DEV, &st))
		TH_LOG("%s, but %s is missing (%s): no PSP driver (ccp) to launch SEV guests",
		       p.sev_what, KVMCFG_SEV_DEV, strerror(errno));
	ASSERT_TRUE(S_ISCHR(st.st_mode)) TH_LOG("%s is not a character device", KVMCFG_SEV_DEV);
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
	uint32_t id;		/* legacy INIT on a default VM */
	const char *cmd;
	unsigned long vm_type;	/* the VM type KVM_SEV_INIT2 needs */
	bool es;
};

FIXTURE_VARIANT_ADD(sev_init, sev) {
	.id = KVM_SEV_INIT, .cmd = "KVM_SEV_INIT", .vm_type = KVM_X86_SEV_VM, .es = false,
};
FIXTURE_VARIANT_ADD(sev_init, sev_es) {
	.id = KVM_SEV_ES_INIT, .cmd = "KVM_SEV_ES_INIT", .vm_type = KVM_X86_SEV_ES_VM, .es = true,
};

FIXTURE_SETUP(sev_init)
{
	sev_params_read(&self->p);
}

FIXTURE_TEARDOWN(sev_init)
{
}

/*
 * Enabled: the SEV(-ES) VM is created. Disabled: it must be refused, and
 * refused because SEV is off (ENOTTY from the encrypt op, EINVAL for an
 * unsupported VM type; kvmcfg_sev_refused_as_off()): a refusal for an
 * unrelated reason (a firmware error, ENOMEM) proves nothing about the
 * param and fails. EBUSY (every ASID taken by other VMs) with SEV on is
 * the host being full: skip.
 */
static void expect_init(struct __test_metadata *_metadata, bool enabled, const char *what,
			const char *how, int r, const char *step, uint32_t fw_error)
{
	if (!enabled) {
		ASSERT_NE(0, r) TH_LOG("%s, but %s succeeded", what, how);
		ASSERT_TRUE(kvmcfg_sev_refused_as_off(r, step))
			TH_LOG("%s: %s was refused, but for a reason unrelated to SEV being off: "
			       "%s at %s (firmware error %u)", what, how, strerror(-r), step, fw_error);
		TH_LOG("%s: %s refused at %s with %s, because SEV is off", what, how, step,
		       strerror(-r));
		return;
	}
	if (r == -EBUSY)
		SKIP(return, "%s, but every SEV ASID is in use by other VMs (%s: EBUSY)", what, how);
	ASSERT_EQ(0, r) TH_LOG("%s, but %s failed at %s: %s, firmware error %u", what, how, step,
			       strerror(-r), fw_error);
	TH_LOG("%s: %s created an SEV VM", what, how);
}

/* The legacy way, v4.16 to current: a default VM, then KVM_SEV_(ES_)INIT. */
TEST_F(sev_init, legacy_init_matches_param)
{
	bool enabled = variant->es ? self->p.sev_es : self->p.sev;
	const char *what = variant->es ? self->p.es_what : self->p.sev_what;
	char how[96];
	const char *step;
	uint32_t fw_error;
	int r;

	snprintf(how, sizeof(how), "%s on a fresh default VM", variant->cmd);
	r = kvmcfg_sev_init_fresh_vm(KVM_X86_DEFAULT_VM, variant->id, NULL, &step, &fw_error);
	expect_init(_metadata, enabled, what, how, r, step, fw_error);
}

/* The v6.10+ way: KVM_CREATE_VM with the SEV(-ES) type, then KVM_SEV_INIT2. */
TEST_F(sev_init, typed_vm_matches_param)
{
	bool enabled = variant->es ? self->p.sev_es : self->p.sev;
	const char *what = variant->es ? self->p.es_what : self->p.sev_what;
	struct kvmcfg_sev_init2_args args = {};
	char how[96];
	const char *step;
	uint32_t fw_error;
	int r;

	if (kvm_check_cap(KVM_CAP_VM_TYPES) <= 0)
		SKIP(return, "KVM_CAP_VM_TYPES (cap %d) not supported by this kernel: no typed SEV "
		     "VMs before v6.10 (legacy_init_matches_param covers it)", KVM_CAP_VM_TYPES);
	snprintf(how, sizeof(how), "KVM_CREATE_VM type %lu + KVM_SEV_INIT2", variant->vm_type);
	r = kvmcfg_sev_init_fresh_vm(variant->vm_type, KVMCFG_SEV_CMD_INIT2, &args, &step, &fw_error);
	expect_init(_metadata, enabled, what, how, r, step, fw_error);
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

/* The probe's verdicts, through the judge kvmcfgctl check --verify uses. */
TEST(probe_sev_param)
{
	REALITY_JUDGE("sev", "kvm_amd", "sev");
}

TEST(probe_sev_es_param)
{
	REALITY_JUDGE("sev", "kvm_amd", "sev_es");
}

TEST(probe_sev_snp_param)
{
	REALITY_JUDGE("sev", "kvm_amd", "sev_snp");
}

KVM_HARNESS_MAIN
