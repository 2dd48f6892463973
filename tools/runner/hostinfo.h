/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host facts a report records, so a CI failure shows the configuration
 * it happened under: kernel release, CPU vendor and model, every parameter
 * of every loaded KVM module, kvm and kvm_* (read through libkvmcfg), whether /dev/kvm
 * opened, and the value of each KVM capability a skip reason named.
 */
#pragma once

#include <stddef.h>

#include "param-set.h"
#include "test.h"

struct host_cap {
	char *name;  /* "KVM_CAP_..." as named by a skip reason */
	long number; /* -1 if <linux/kvm.h> here does not know it */
	int value;   /* KVM_CHECK_EXTENSION result, or -errno */
};

struct hostinfo {
	char *hostname;
	char *kernel_release;
	char *kernel_version;
	char *cpu_vendor;
	char *cpu_model;
	char *sysfs_root;
	char *kvm_device;    /* "ok" or why /dev/kvm did not open */
	KvmcfgParams params; /* the KVM modules' params, grouped by module */
	struct host_cap *caps;
	size_t n_caps, n_caps_alloc;
};

/*
 * Collect the facts. @sysfs_root holds module/ ("/sys"; tests pass a fake
 * tree). Capabilities are those named "KVM_CAP_*" in the skip reasons of
 * @tests. A fact that cannot be read is recorded as such, not an error.
 */
int hostinfo_collect(struct hostinfo **ret, const char *sysfs_root, struct test *const *tests,
		     size_t n_tests);
struct hostinfo *hostinfo_free(struct hostinfo *h);
static inline void hostinfo_freep(struct hostinfo **h)
{
	hostinfo_free(*h);
}
