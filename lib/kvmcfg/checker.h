/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One check: read every parameter the policy names (through param.h, under
 * a sysfs root), match it, evaluate the derived rules, and return findings.
 * (Named checker.h, not check.h: libcheck's <check.h> must stay reachable for
 * the unit tests, which have this directory on their include path.)
 *
 * Derived rules are relations between params that must hold whatever the
 * policy says, because a param that breaks them does not reflect what KVM
 * really does (a 6.1 kernel keeps tdp_mmu=Y after kvm_intel loads with
 * ept=N). They live in a table (kvmcfg_derived_rules[]) so adding one is one
 * entry: "when <if_module>.<if_param> reads true, at least one of
 * requires[] must read true", evaluated only when one of applies_when[] is
 * loaded (empty: always).
 */
#pragma once

#include <stddef.h>

#include "finding.h"
#include "policy.h"

/*
 * Check @p against the sysfs tree at @sysfs_fd (an O_DIRECTORY fd of the
 * root that holds module/, "/sys" in production). Each param is read once
 * per check even when several rules name it.
 *
 * Returns 0 with *ret set (the verdict is kvmcfg_findings_verdict(*ret)), or
 * -errno when the tree itself cannot be used (no module/ directory under
 * the root: -ENOENT/-ENOTDIR/-EACCES) or on -ENOMEM. Problems with single
 * params are findings, never an error return.
 */
int kvmcfg_check(const Policy *p, int sysfs_fd, Findings **ret);

/* The same with a path instead of an fd. */
int kvmcfg_check_path(const Policy *p, const char *sysfs_root, Findings **ret);

#define KVMCFG_DERIVED_REQUIRES_MAX 4

typedef struct KvmcfgParamRef {
	const char *module;
	const char *param;
} KvmcfgParamRef;

typedef struct KvmcfgDerivedRule {
	const char *name;    /* stable id, e.g. "tdp-mmu-requires-tdp" */
	KvmcfgParamRef when; /* the claim: this param reads as boolean true */
	KvmcfgParamRef requires[KVMCFG_DERIVED_REQUIRES_MAX];  /* any one true; {NULL} ends */
	const char *applies_when[KVMCFG_DERIVED_REQUIRES_MAX]; /* loaded modules; NULL ends */
	PolicySeverity severity;
	const char *why; /* one line for reports */
} KvmcfgDerivedRule;

extern const KvmcfgDerivedRule kvmcfg_derived_rules[];
extern const size_t kvmcfg_n_derived_rules;
