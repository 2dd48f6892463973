/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the reality tests (selftests/config): which KVM vendor
 * module is loaded, a module parameter as the text a failure message
 * quotes ("kvm.tdp_mmu=N", "kvm_amd.sev: module not loaded"), and the
 * judge step that holds a param against its probe (lib/probe).
 *
 * Host-side only. Each reality test is one translation unit, so these are
 * static; the header holds nothing a test does not use.
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_params.h"
#include "kvm_stats.h"
#include "kvm_util.h"
#include "probe.h"

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
 * In a TEST: run the probe @probe_name in this process and hold
 * @module.@param against it through the one judge (lib/probe), so the
 * selftest, kvmcfgctl check --verify and kvmcfgd say the same thing. Skips
 * naming the reason where the param is absent or the probe cannot observe
 * it here; fails when the probe cannot run; fails with the judge's
 * "module.param=V, but <behaviour>: <evidence>" on a contradiction.
 */
#define REALITY_JUDGE(probe_name, module, param)                                          \
	do {                                                                              \
		const KvmcfgProbe *__p = kvmcfg_probe_by_name(probe_name);                \
		KvmcfgProbeResult __res;                                                  \
		char __value[64], __msg[1024];                                            \
		char *__v = NULL;                                                         \
		int __r = __kvm_param_get_str(module, param, &__v);                       \
                                                                                          \
		if (__r < 0)                                                              \
			SKIP(return, "%s.%s: %s", module, param, kvm_param_errstr(__r));  \
		snprintf(__value, sizeof(__value), "%s", __v);                            \
		free(__v);                                                                \
		ASSERT_NE(NULL, __p) TH_LOG("no probe called %s", probe_name);            \
		kvmcfg_probe_run(__p, &__res);                                            \
		if (__res.outcome == KVMCFG_PROBE_NOT_APPLICABLE)                         \
			SKIP(return, "%s.%s=%s cannot be observed here: %s", module, param, \
			     __value, __res.reason);                                      \
		ASSERT_EQ(KVMCFG_PROBE_OBSERVED, __res.outcome)                           \
			TH_LOG("%s.%s=%s: probe %s could not run: %s", module, param,     \
			       __value, probe_name, __res.reason);                        \
		__r = kvmcfg_probe_judge(&__res, module, param, __value, __msg, sizeof(__msg)); \
		if (__r == -ENOENT)                                                       \
			SKIP(return, "%s.%s=%s: probe %s gives no verdict on it here (%s)", \
			     module, param, __value, probe_name, __res.evidence);         \
		ASSERT_EQ(0, __r) TH_LOG("%s", __msg);                                    \
		TH_LOG("%s", __msg);                                                      \
	} while (0)

/*
 * REALITY_JUDGE() on the loaded vendor module's param: kvm_intel.@intel_param
 * or kvm_amd.@amd_param; skips naming the vendor module when it is neither.
 */
#define REALITY_JUDGE_VENDOR(probe_name, intel_param, amd_param)                          \
	do {                                                                              \
		char __vendor[64];                                                        \
                                                                                          \
		kvm_vendor_module(__vendor, sizeof(__vendor));                            \
		if (!strcmp(__vendor, "kvm_intel"))                                       \
			REALITY_JUDGE(probe_name, "kvm_intel", intel_param);              \
		else if (!strcmp(__vendor, "kvm_amd"))                                    \
			REALITY_JUDGE(probe_name, "kvm_amd", amd_param);                  \
		else                                                                      \
			SKIP(return, "no kvm_intel.%s or kvm_amd.%s to check: the KVM "  \
			     "vendor module is %s", intel_param, amd_param, __vendor);    \
	} while (0)

/*
 * TEST(probe_runs) for @probe_name: the probe itself works on this host,
 * whatever the params say: it observes (with evidence and a verdict) or
 * says why it cannot tell here; it never fails to run.
 */
#define REALITY_PROBE_RUNS(probe_name)                                                    \
	TEST(probe_runs)                                                                  \
	{                                                                                 \
		const KvmcfgProbe *__p = kvmcfg_probe_by_name(probe_name);                \
		KvmcfgProbeResult __res;                                                  \
                                                                                          \
		ASSERT_NE(NULL, __p) TH_LOG("no probe called %s", probe_name);            \
		kvmcfg_probe_run(__p, &__res);                                            \
		ASSERT_NE(KVMCFG_PROBE_CANNOT_RUN, __res.outcome)                         \
			TH_LOG("probe %s could not run: %s", probe_name, __res.reason);   \
		if (__res.outcome == KVMCFG_PROBE_NOT_APPLICABLE) {                       \
			ASSERT_NE(0, __res.reason[0]) TH_LOG("not applicable, no reason"); \
			TH_LOG("probe %s: not applicable here: %s", probe_name, __res.reason); \
			return;                                                           \
		}                                                                         \
		ASSERT_NE(0, __res.n_verdicts) TH_LOG("observed, but no verdict");        \
		ASSERT_NE(0, __res.evidence[0]) TH_LOG("observed, but no evidence");      \
		TH_LOG("probe %s: %s", probe_name, __res.evidence);                       \
	}
