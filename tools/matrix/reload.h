/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One config's life on the host: unload kvm and the vendor module, load
 * them with the config's params, check the loaded params with libkvmcfg's
 * checker (the same rules kvmcfgd and kvmcfgctl apply, derived rules
 * included), and at the end put the original modules and params back and
 * prove it by re-reading every param.
 */
#pragma once

#include "matrix.h"
#include "modules.h"
#include "report.h"

struct reload {
	const struct modtools *tools;
	int sysfs_fd;
	const char *vendor_module;
	const struct matrix *m;
	struct saved_params orig_kvm, orig_vendor; /* from reload_begin() */
};

/* Record every param of kvm and the vendor module as they are now. */
int reload_begin(struct reload *rl);
void reload_clear(struct reload *rl);

/*
 * Unload both modules and load them with @c's assignments. A failure of a
 * tool is -EIO with c->load_error saying which and why.
 */
int reload_config(struct reload *rl, struct config_result *c);

/*
 * Check the loaded modules against a policy made of @c's assignments (each
 * module Required), through kvmcfg_check(). Every finding that is a
 * problem becomes a mismatch in @c, derived-rule violations included.
 */
int reload_check(struct reload *rl, struct config_result *c);

/*
 * Reload the originals and verify. 0: every param reads as before;
 * 1: something differs (*error says what); -errno: a tool failed (*error
 * says which). *error is malloc'd or NULL.
 */
int reload_restore(struct reload *rl, char **error);
