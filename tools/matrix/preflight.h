/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Before the matrix touches a module: can this host reload KVM at all
 * (modules, not built in; a CPU with VMX or SVM), and may it now (no
 * process holds /dev/kvm or a VM)? Each check returns a verdict with its
 * reasons as text, and prints nothing: main.c says it, --dry-run too.
 * Readers take the /sys and /proc roots, so tests use fake trees.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "host.h"

enum preflight_verdict {
	PREFLIGHT_OK,
	PREFLIGHT_REFUSED,     /* safety: KVM is in use (--force overrides) */
	PREFLIGHT_UNSUPPORTED, /* this host cannot reload KVM */
};

struct preflight {
	enum preflight_verdict verdict;
	char *reason; /* why not (without "nothing was done"); NULL when ok */
	char **lines; /* what was found, one line each: holders, warnings */
	size_t n_lines;
};

void preflight_clear(struct preflight *p);

/*
 * Whether KVM can be reloaded here: kvm loaded as a module (or absent), a
 * known CPU vendor whose virtualization flag is there, the vendor module
 * not built in. *cpu gets what /proc/cpuinfo says even when the verdict is
 * not ok (vendor_id empty when it could not be read). Returns 0 with *ret
 * filled, or -ENOMEM.
 */
int preflight_host(int sysfs_fd, const char *sysfs_root, const char *proc_root,
		   struct cpu_facts *cpu, struct preflight *ret);

/*
 * Whether anyone else uses KVM now: /dev/kvm or a VM fd in any process but
 * @self (its /proc/PID/fd), and VMs KVM lists in debugfs that the fd scan
 * did not see. PREFLIGHT_REFUSED names each in ret->lines; a scan that
 * cannot run refuses too. Returns 0 with *ret filled, or -ENOMEM.
 */
int preflight_users(int sysfs_fd, const char *proc_root, pid_t self, struct preflight *ret);
