/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the reality tests (selftests/config): which KVM vendor
 * module is loaded, a module parameter as the text a failure message
 * quotes ("kvm.tdp_mmu=N", "kvm_amd.sev: module not loaded"), and the
 * skip-or-observe step in front of every stats-based verdict.
 *
 * Host-side only. Each reality test is one translation unit, so these are
 * static; the header holds nothing a test does not use.
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kvm_params.h"
#include "kvm_stats.h"
#include "kvm_util.h"

/*
 * Name of the loaded KVM vendor module in @buf: kvm_intel or kvm_amd when
 * one is loaded, else the first other kvm_* module under
 * <sysfs root>/module (kvm_pvm on a PVM host), else "none". Used to say
 * precisely why a vendor parameter cannot be checked.
 */
static inline const char *kvm_vendor_module(char *buf, size_t size)
{
	static const char *const known[] = { "kvm_intel", "kvm_amd" };
	char path[4096];
	struct dirent *de;
	DIR *d;
	size_t i;

	snprintf(buf, size, "none");
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		snprintf(path, sizeof(path), "%s/module/%s", kvm_sysfs_root(), known[i]);
		if (access(path, F_OK) == 0) {
			snprintf(buf, size, "%s", known[i]);
			return buf;
		}
	}
	snprintf(path, sizeof(path), "%s/module", kvm_sysfs_root());
	d = opendir(path);
	if (!d)
		return buf;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "kvm_", 4) == 0) {
			snprintf(buf, size, "%s", de->d_name);
			break;
		}
	}
	closedir(d);
	return buf;
}

/* Why a __kvm_param_get_*() result is not a value, for skip messages. */
static inline const char *kvm_param_errstr(int r)
{
	switch (r) {
	case -ENODEV:
		return "module not loaded";
	case -ENOENT:
		return "no such parameter in this kernel";
	case -EACCES:
	case -EPERM:
		return "not readable";
	default:
		return strerror(-r);
	}
}

/*
 * Read a boolean parameter. Returns 0 and sets *ret, or the negative errno
 * from libkvmcfg (see kvm_params.h); @what receives "module.param=Y/N" or
 * "module.param: <reason>" for messages either way.
 */
static inline int reality_param_bool(const char *module, const char *param, bool *ret,
				     char *what, size_t size)
{
	bool v;
	int r = __kvm_param_get_bool(module, param, &v);

	if (r < 0) {
		snprintf(what, size, "%s.%s: %s", module, param, kvm_param_errstr(r));
		return r;
	}
	snprintf(what, size, "%s.%s=%c", module, param, v ? 'Y' : 'N');
	*ret = v;
	return 0;
}

/*
 * The first of @names (vCPU stats when @vcpu, else VM stats of @vm) that
 * this kernel does not have, or NULL when it has them all.
 */
static inline const char *reality_missing_stat(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
					       const char *const *names, size_t n)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < n; i++) {
		int r = vcpu ? __vcpu_get_stat(vcpu, names[i], &v) : __vm_get_stat(vm, names[i], &v);

		if (r == -ENOENT)
			return names[i];
	}
	return NULL;
}

/*
 * In a TEST: run @observe(@obs, &missing), which returns -ENOENT with
 * missing naming a stat this kernel lacks, or 0 with @obs->summary filled;
 * skip naming what is missing, else log the summary.
 */
#define REALITY_OBSERVE_OR_SKIP(observe, obs)                                             \
	do {                                                                              \
		const char *__missing = NULL;                                             \
		if (!kvm_check_cap(KVM_CAP_BINARY_STATS_FD))                              \
			SKIP(return, "KVM_CAP_BINARY_STATS_FD not supported: no stats to observe"); \
		if (observe(obs, &__missing) < 0)                                         \
			SKIP(return, "this kernel has no \"%s\" stat", __missing);        \
		TH_LOG("observed %s", (obs)->summary);                                    \
	} while (0)
