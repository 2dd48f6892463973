/* SPDX-License-Identifier: GPL-2.0-only */
/* kvmcfgctl: shared state of the command line and the verbs. */
#pragma once

#include <stdbool.h>

#include "finding.h"
#include "policy.h"

/* Documented in kvmcfgctl(8); the CI gate relies on them. */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_MISMATCH = 1,
	CTL_EXIT_POLICY = 2, /* also: bad command line */
	CTL_EXIT_UNREADABLE = 3,
};

typedef struct Ctl {
	const char *policy_path;   /* --policy */
	const char **policy_dirs;  /* --policy-dir, NULL-terminated; NULL if none given */
	const char **modprobe_dirs; /* --modprobe-dir */
	const char **modules;      /* --module */
	const char *sysfs_root;    /* --sysfs-root, default /sys */
	const char *output;        /* --output */
	bool json, print, no_policy;
	bool verify, allow_unverified; /* check --verify, --allow-unverified */
	unsigned verify_timeout_ms;     /* per probe; 0: the library's default */
	char **args;               /* positional arguments after the verb */
	int n_args;
} Ctl;

/*
 * Load the policy the options select; on failure print every error and
 * return CTL_EXIT_POLICY. @optional: when no --policy was given and no
 * default policy exists, return 0 with *ret = NULL instead.
 */
int ctl_load_policy(const Ctl *c, bool optional, Policy **ret);
/*
 * --verify: run the probes for the params in @f and add their findings
 * (contradicted, unverified, not applicable). 0, or CTL_EXIT_UNREADABLE.
 */
int ctl_verify(const Ctl *c, Findings *f);
/* Open --sysfs-root and check; prints the reason and returns CTL_EXIT_UNREADABLE on failure. */
int ctl_check(const Ctl *c, const Policy *p, Findings **ret);

/* Table cells shared by check and show. */
const char *ctl_status_cell(const Finding *f);
const char *ctl_actual_cell(const Finding *f);
/* "file:line", "file" (line 0) or "derived:<rule>", in @buf. */
const char *ctl_origin_cell(const Finding *f, char *buf, size_t size);

int verb_show(const Ctl *c);
int verb_snapshot(const Ctl *c);
int verb_probe(const Ctl *c);

/*
 * The modules show and snapshot cover: kvmcfg_kvm_modules_at() plus the
 * --module ones and (when @p) the policy's sections.
 */
int ctl_kvm_modules(const Ctl *c, const Policy *p, int sysfs_fd, char ***ret);
