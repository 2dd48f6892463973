/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sev probe's observations: which VM types KVM lists, and whether it
 * accepts SEV and SEV-ES VMs, or refuses them because SEV is off, or fails
 * for some unrelated reason (sev.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

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
#ifndef KVM_X86_SNP_VM
#define KVM_X86_SNP_VM 4
#endif
/* enum sev_cmd_id: the slot after KVM_SEV_SEND_CANCEL (21), v6.10+. */
#define KVMCFG_SEV_CMD_INIT2 22

/* struct kvm_sev_init (v6.10+), the argument of KVM_SEV_INIT2. */
struct kvmcfg_sev_init2_args {
	uint64_t vmsa_features;
	uint32_t flags;
	uint16_t ghcb_version;
	uint16_t pad1;
	uint32_t pad2[8];
};

#define KVMCFG_SEV_DEV "/dev/sev"

/* KVM_CAP_VM_TYPES: the bit mask of VM types (v6.10+), 0 without the cap, -errno. */
int kvmcfg_sev_vm_types(void);

/*
 * Create a VM of @vm_type and issue KVM_MEMORY_ENCRYPT_OP @id with @data,
 * before any vCPU exists as every SEV INIT requires. Returns 0, or -errno
 * with *step naming the call that failed ("open /dev/kvm",
 * "KVM_CREATE_VM", "KVM_MEMORY_ENCRYPT_OP"); *fw_error gets the PSP
 * firmware's status code. The VM (and any ASID it took) is freed.
 */
int kvmcfg_sev_init_fresh_vm(unsigned long vm_type, uint32_t id, void *data, const char **step,
			     uint32_t *fw_error);

/*
 * Whether a failure of kvmcfg_sev_init_fresh_vm() is KVM refusing because
 * SEV (or SEV-ES) is off: KVM_MEMORY_ENCRYPT_OP failing with ENOTTY (no
 * mem_enc_ioctl, or svm_mem_enc_ioctl() with SEV disabled), or
 * KVM_CREATE_VM refusing a typed VM with EINVAL (type not supported).
 * Anything else (EIO with a firmware error, EBUSY, ENOMEM, ...) is an
 * unrelated failure and says nothing about the params.
 */
bool kvmcfg_sev_refused_as_off(int r, const char *step);
