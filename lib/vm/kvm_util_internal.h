/* SPDX-License-Identifier: GPL-2.0-only */
/* Library-internal glue between the generic VM code and the x86 setup. */
#pragma once

#include "kvm_util.h"

/* Guest-virtual addresses the library picks for stacks, GDT, IDT, ... */
#define VM_LIB_VADDR_BASE 0x100000000000ULL

/* Build page tables and map the test binary; called once per VM. */
void vm_arch_setup(struct kvm_vm *vm);
/* CPUID, GDT/TSS, stacks, sregs and regs for a new vCPU. */
void vcpu_arch_setup(struct kvm_vcpu *vcpu, void *guest_code, enum guest_cpl cpl);
