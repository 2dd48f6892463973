/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the kernel has: the modules it ships, loaded or not (builtin ones
 * too), their parameters and each one's type as modinfo knows it
 * ("parmtype": bool, invbool, int, uint, long, ulong, short, ushort, byte,
 * ullong, hexint, charp, string). Two sources:
 *   - libkmod (loaded with dlopen() at the first lookup, kmod-dl.h) on a
 *     modules directory, normally /lib/modules/$(uname -r): modules.dep for
 *     loadable modules, modules.builtin.modinfo for builtin ones;
 *   - sysfs under a root: the parameter names of loaded modules (no types),
 *     which is all there is on a host without /lib/modules.
 * A module neither knows is not on this host. Used to review a policy
 * (policy-kernel.h); reads files, never logs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "hash-index.h"

typedef struct KvmcfgKernelParam {
	char *name;
	char *type; /* modinfo's parmtype, NULL when unknown */
} KvmcfgKernelParam;

typedef struct KvmcfgKernelModule {
	char *name;
	KvmcfgKernelParam *params;
	size_t n_params;
	size_t params_alloc;
	KvmcfgIndex index; /* params[] by name: a review is linear in the rules */
	bool found;	   /* false: not on this host */
	bool params_known; /* params[] is the complete list */
} KvmcfgKernelModule;

/* The param @name of @m, or NULL. */
const KvmcfgKernelParam *kvmcfg_kernel_find_param(const KvmcfgKernelModule *m, const char *name);

typedef struct KvmcfgKernel KvmcfgKernel;

/*
 * @modules_dir: libkmod's directory (the one holding modules.dep), NULL for
 * the running kernel's, or "" for none (sysfs only). @sysfs_fd: an
 * O_DIRECTORY fd of the root holding module/, or -1 for none (borrowed; it
 * must outlive the KvmcfgKernel).
 */
int kvmcfg_kernel_new(KvmcfgKernel **ret, const char *modules_dir, int sysfs_fd);
KvmcfgKernel *kvmcfg_kernel_free(KvmcfgKernel *k);
static inline void kvmcfg_kernel_freep(KvmcfgKernel **k)
{
	kvmcfg_kernel_free(*k);
}

/*
 * What the kernel knows of @module ('-' and '_' alike), cached. 0 with *ret
 * set (found or not), or -ENOMEM.
 */
int kvmcfg_kernel_module(KvmcfgKernel *k, const char *module, const KvmcfgKernelModule **ret);

/*
 * Where the answers come from, for messages: "/lib/modules/6.1.0-13-amd64"
 * or "sysfs only: <why libkmod is not used>".
 */
const char *kvmcfg_kernel_source(const KvmcfgKernel *k);

/* Whether libkmod answers (so a module missing from both sources is really not shipped). */
bool kvmcfg_kernel_has_modules_dir(const KvmcfgKernel *k);
