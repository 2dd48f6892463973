/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every parameter of a set of modules with the value (or the error) each
 * read gave, in one vector. The bench and the selftest runner record this in
 * their reports so a result shows the configuration it was measured under;
 * both read it here rather than each walking /sys/module.
 *
 * Pure reading through param.h: no logging. A parameter that cannot be read
 * is an entry with its -errno, not a failure of the collection.
 */
#pragma once

#include <stddef.h>

typedef struct KvmcfgParam {
	char *module;
	char *param;
	char *value; /* NULL when it could not be read */
	int error;   /* -errno from kvmcfg_param_read_at() when value is NULL */
} KvmcfgParam;

/* Embedded in its owner: zero-initialise it (or kvmcfg_params_init()). */
typedef struct KvmcfgParams {
	KvmcfgParam *items;
	size_t n, n_alloc;
} KvmcfgParams;

void kvmcfg_params_init(KvmcfgParams *s);
/* Frees every entry and leaves @s empty; NULL-safe. */
void kvmcfg_params_deinit(KvmcfgParams *s);

/*
 * Append one entry, copying the strings. @value NULL records @error (a
 * negative errno). 0 or -ENOMEM (then @s is unchanged).
 */
int kvmcfg_params_add(KvmcfgParams *s, const char *module, const char *param, const char *value,
		      int error);

/*
 * Read every parameter of each module in @modules (NULL-terminated), module
 * by module in that order, each module's parameters sorted by name. @modules
 * NULL means the loaded KVM modules (kvm and kvm_*, see
 * kvmcfg_kvm_modules_at()). A module that is not loaded (or went away while
 * we listed it) contributes nothing. On success *ret, which must be empty, is
 * filled; on failure (-ENOMEM, or the error listing <root>/module or a
 * module's parameters gave) it is left alone.
 */
int kvmcfg_params_collect_at(int sysfs_fd, const char *const *modules, KvmcfgParams *ret);
