/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A policy written from a host: every readable parameter of the KVM modules
 * as it reads now, in the value form that matches it exactly. Used by
 * `kvmcfgctl snapshot` and by the check benchmark.
 */
#pragma once

#include <stdbool.h>

/*
 * The loaded modules named kvm or kvm_* under @sysfs_fd, plus @extra
 * (NULL-terminated, may be NULL; need not be loaded), sorted, without
 * duplicates. A vector for strv_free().
 */
int kvmcfg_kvm_modules_at(int sysfs_fd, const char *const *extra, char ***ret);

/* Whether a fleet pins @module.@param (the default policy asserts a value for it). */
bool kvmcfg_snapshot_pins(const char *module, const char *param);

enum {
	/* Every param at its current value (the check benchmark's worst case). */
	KVMCFG_SNAPSHOT_PIN_ALL = 1 << 0,
};

/*
 * Policy text for @modules: a section per loaded module with Required = yes
 * and one rule per param: what a fleet pins (kvmcfg_snapshot_pins()) at its
 * current value, under a comment saying so, then the tuning knobs as 'any'
 * with the value here in a comment; with KVMCFG_SNAPSHOT_PIN_ALL in @flags,
 * every param at its value. Params that cannot be read or written as a rule
 * become comments saying why; a module that is not loaded becomes a comment.
 * @header (may be NULL) is written first, as is. *ret is malloc'd;
 * *ret_n_rules (may be NULL) counts the rules.
 */
int kvmcfg_snapshot_at(int sysfs_fd, const char *const *modules, const char *header, unsigned flags,
		       char **ret, unsigned *ret_n_rules);
