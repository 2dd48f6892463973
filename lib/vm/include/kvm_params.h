/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Module parameters for selftests: thin wrappers over libkvmcfg's one
 * reader (kvmcfg_param_read(), lib/kvmcfg/param.h), so a test reads
 * kvm.mmio_caching exactly the way kvmcfgd and kvmcfgctl do.
 *
 * The sysfs root is $KVMCFG_SYSFS_ROOT, default "/sys": a test of the
 * wrappers (or of a test's own expectations) points it at a fake tree.
 *
 * The "__" variants return libkvmcfg's negative errno (-ENODEV module not
 * loaded, -ENOENT no such parameter, -EACCES, -EINVAL/-ERANGE for a value
 * that does not parse) and write *ret only on success, so a test can skip
 * naming the parameter. The plain variants assert, naming module.param,
 * the sysfs root and the error.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* $KVMCFG_SYSFS_ROOT, or "/sys" when unset or empty. */
const char *kvm_sysfs_root(void);

int __kvm_param_get_bool(const char *module, const char *param, bool *ret);
bool kvm_param_get_bool(const char *module, const char *param);

int __kvm_param_get_int(const char *module, const char *param, int64_t *ret);
int64_t kvm_param_get_int(const char *module, const char *param);

/* *ret is malloc'd, with the trailing newline removed; free() it. */
int __kvm_param_get_str(const char *module, const char *param, char **ret);
char *kvm_param_get_str(const char *module, const char *param);
