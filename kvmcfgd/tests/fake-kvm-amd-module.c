// SPDX-License-Identifier: GPL-2.0-only
/*
 * Not a kernel module: an ELF object with the .modinfo section modinfo(8)
 * and libkmod read, standing in for kvm-amd.ko in the fake modules
 * directory of test-kvmcfgctl.py (a module this "kernel" ships but has not
 * loaded). Compiled with -c only, never linked or loaded.
 */
#define MODINFO(id, text) \
	__attribute__((section(".modinfo"), used, aligned(1))) static const char id[] = text

MODINFO(name, "name=kvm_amd");
MODINFO(license, "license=GPL");
MODINFO(npt, "parmtype=npt:bool");
MODINFO(avic, "parmtype=avic:bool");
MODINFO(nested, "parmtype=nested:int");
MODINFO(sev_es, "parmtype=sev_es:bool");
MODINFO(desc, "parm=npt:Enable AMD Nested Paging (bool)");

/* depmod looks for the module structure's section. */
__attribute__((section(".gnu.linkonce.this_module"), used)) static char this_module[64];
