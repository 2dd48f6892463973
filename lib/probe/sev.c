// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe "sev": the SEV VM types KVM really accepts. Judges kvm_amd.sev,
 * kvm_amd.sev_es and kvm_amd.sev_snp.
 *
 * kvm_amd rewrites the params at load to what sev_hardware_setup() found
 * usable, so each must agree with what KVM does:
 *  - KVM_SEV_INIT / KVM_SEV_ES_INIT on a fresh default VM (legacy, v4.16
 *    to current) succeed when SEV / SEV-ES is on. When it is off, KVM
 *    refuses with ENOTTY: svm_mem_enc_ioctl() returns it when !sev_enabled
 *    (and for SEV-ES when !sev_es_enabled), and a vendor module without
 *    mem_enc_ioctl (VMX, PVM) gives it from kvm_arch_vm_ioctl(). Any other
 *    error (EIO with a firmware status, EBUSY when every ASID is taken) is
 *    a failure unrelated to the params: the probe cannot tell, and says so.
 *  - KVM_CAP_VM_TYPES (v6.10+) lists KVM_X86_SNP_VM exactly when SEV-SNP
 *    is on; before v6.10 sev_snp does not exist and is not judged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "probe-sev.h"
#include "probes.h"

int kvmcfg_sev_vm_types(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	r = r < 0 ? -errno : r;
	close(fd);
	return r;
}

int kvmcfg_sev_init_fresh_vm(unsigned long vm_type, uint32_t id, void *data, const char **step,
			     uint32_t *fw_error)
{
	struct kvm_sev_cmd cmd = { .id = id, .data = (uintptr_t)data };
	int kvm_fd, vm_fd, sev_fd, r;

	*fw_error = 0;
	*step = "open /dev/kvm";
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		return -errno;
	*step = "KVM_CREATE_VM";
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, vm_type);
	if (vm_fd < 0) {
		r = -errno;
		close(kvm_fd);
		return r;
	}
	/* INIT itself does not use sev_fd; pass the real one where it opens. */
	sev_fd = open(KVMCFG_SEV_DEV, O_RDWR | O_CLOEXEC);
	cmd.sev_fd = sev_fd >= 0 ? (uint32_t)sev_fd : UINT32_MAX;
	*step = "KVM_MEMORY_ENCRYPT_OP";
	r = ioctl(vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd);
	r = r < 0 ? -errno : 0;
	*fw_error = cmd.error;
	if (sev_fd >= 0)
		close(sev_fd);
	close(vm_fd);
	close(kvm_fd);
	return r;
}

bool kvmcfg_sev_refused_as_off(int r, const char *step)
{
	if (!strcmp(step, "KVM_MEMORY_ENCRYPT_OP"))
		return r == -ENOTTY;
	if (!strcmp(step, "KVM_CREATE_VM"))
		return r == -EINVAL;
	return false;
}

/*
 * One legacy INIT: 1 accepted, 0 refused as off, -1 cannot tell (@res is
 * then CANNOT_RUN). @text gets the outcome for the evidence.
 */
static int legacy_init(KvmcfgProbeResult *res, uint32_t id, const char *name, char *text,
		       size_t size)
{
	const char *step;
	uint32_t fw;
	int r = kvmcfg_sev_init_fresh_vm(KVM_X86_DEFAULT_VM, id, NULL, &step, &fw);

	if (r == 0) {
		snprintf(text, size, "%s on a fresh VM accepted", name);
		return 1;
	}
	if (kvmcfg_sev_refused_as_off(r, step)) {
		snprintf(text, size, "%s refused with %s (SEV off)", name,
			 r == -ENOTTY ? "ENOTTY" : "EINVAL");
		return 0;
	}
	kvmcfg_probe_set_outcome(res, KVMCFG_PROBE_CANNOT_RUN,
				 "%s failed at %s with %s (firmware error %u): not a refusal "
				 "because SEV is off, so it says nothing about the params",
				 name, step, strerror(-r), fw);
	return -1;
}

static void run(KvmcfgProbeResult *res)
{
	char sev_text[96], es_text[96];
	int sev, es, types;

	if (!probe_kvm_usable(res, false))
		return;
	sev = legacy_init(res, KVM_SEV_INIT, "KVM_SEV_INIT", sev_text, sizeof(sev_text));
	if (sev < 0)
		return;
	es = legacy_init(res, KVM_SEV_ES_INIT, "KVM_SEV_ES_INIT", es_text, sizeof(es_text));
	if (es < 0)
		return;
	types = kvmcfg_sev_vm_types();
	if (types < 0)
		types = 0;
	kvmcfg_probe_set_evidence(res, "%s; %s; KVM_CAP_VM_TYPES=%#x%s", sev_text, es_text,
				  (unsigned)types, types ? "" : " (no typed VMs before v6.10)");
	kvmcfg_probe_add_verdict(res, "kvm_amd", "sev", sev,
				 sev ? "KVM accepts SEV VMs" : "KVM refuses SEV VMs as SEV is off");
	kvmcfg_probe_add_verdict(res, "kvm_amd", "sev_es", es,
				 es ? "KVM accepts SEV-ES VMs" :
				      "KVM refuses SEV-ES VMs as SEV-ES is off");
	if (types > 0) {
		bool snp = types & (1 << KVM_X86_SNP_VM);

		kvmcfg_probe_add_verdict(res, "kvm_amd", "sev_snp", snp,
					 snp ? "KVM lists the SEV-SNP VM type" :
					       "KVM does not list the SEV-SNP VM type");
	}
	res->outcome = KVMCFG_PROBE_OBSERVED;
}

const KvmcfgProbe kvmcfg_probe_sev = {
	.name = "sev",
	.what = "SEV and SEV-ES VMs accepted or refused as off; SEV-SNP in KVM_CAP_VM_TYPES",
	.params = { { "kvm_amd", "sev" }, { "kvm_amd", "sev_es" }, { "kvm_amd", "sev_snp" }, {} },
	.run = run,
};
