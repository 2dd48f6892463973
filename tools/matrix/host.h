/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Facts about the host the runner must know before it touches anything:
 * the CPU vendor (which vendor module applies), whether kvm is built in
 * (nothing to reload), and who holds /dev/kvm or a VM right now.
 * Readers take a /proc or /sys root so tests point them at fake trees.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cpu_facts {
	const char *vendor_module; /* "kvm_amd", "kvm_intel" or NULL */
	char vendor_id[32];
	bool svm, vmx, sev, sev_es;
};

/* Parse the first CPU of /proc/cpuinfo text. Pure. -EBADMSG: no vendor_id. */
int cpuinfo_parse(const char *text, struct cpu_facts *ret);

/* Read and parse <proc_root>/cpuinfo. */
int cpuinfo_read(const char *proc_root, struct cpu_facts *ret);

/*
 * How a module is present under <sysfs>/module/<module>:
 *   0 not present, 1 loaded as a module (has initstate), 2 built in
 *   (the directory exists but has no initstate: params fixed at boot).
 */
enum module_state { MODULE_ABSENT, MODULE_LOADED, MODULE_BUILTIN };
int module_state_at(int sysfs_fd, const char *module, enum module_state *ret);

/*
 * Names of built-in modules under <sysfs>/module whose name starts with "kvm",
 * sorted, in a NULL-terminated vector (empty when none; free with
 * strv_free()). Returns how many, or -errno.
 */
int builtin_kvm_modules_at(int sysfs_fd, char ***ret);

struct kvm_holder {
	pid_t pid;
	bool vm; /* holds a VM fd (anon_inode:kvm-vm), not only /dev/kvm */
	char comm[32];
};

/*
 * Every process other than @self that has /dev/kvm or a VM fd open, found
 * by reading the links in <proc_root>/<pid>/fd. Processes we may not look
 * into are counted in *unreadable. *ret is malloc'd (NULL when none).
 */
int kvm_holders_scan(const char *proc_root, pid_t self, struct kvm_holder **ret, size_t *n_ret,
		     size_t *unreadable);

/*
 * The VMs KVM itself lists in debugfs (<sysfs>/kernel/debug/kvm/PID-FD, one
 * directory per VM while it exists): catches VMs in processes whose fds we
 * cannot read. *pids is malloc'd (NULL when none); -ENOENT when debugfs or
 * its kvm directory is not there.
 */
int kvm_debugfs_vms_at(int sysfs_fd, pid_t **pids, size_t *n_ret);
