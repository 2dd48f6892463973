/* SPDX-License-Identifier: GPL-2.0-only */
/* kvmcfgctl: shared state of the command line and the verbs. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

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
	const char *policy_path;    /* --policy */
	const char **policy_dirs;   /* --policy-dir, NULL-terminated; NULL if none given */
	const char **modprobe_dirs; /* --modprobe-dir */
	const char **modules;	    /* --module */
	const char *sysfs_root;	    /* --sysfs-root, default /sys */
	const char *output;	    /* --output */
	const char *textfile;	    /* check --textfile */
	const char *modules_dir;    /* --modules-dir; NULL: see ctl_review_kernel() */
	PolicySeverity fail_on;	    /* check --fail-on; default warn */
	bool json, print, no_policy, quiet;
	bool verify, allow_unverified; /* check --verify, --allow-unverified */
	unsigned verify_timeout_ms;    /* --probe-timeout; 0: the library's default */
	char **args;		       /* positional arguments after the verb */
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

/* Microseconds on @clock. */
uint64_t ctl_now_usec(clockid_t clock);
/* check --textfile: the check's series (kvmcfgd's names) to @path, atomically. */
int ctl_write_textfile(const char *path, const Findings *f, uint64_t start_usec);

/*
 * Review @p against the kernel (policy-kernel.h): libkmod on the running
 * kernel's modules dir when @use_modules and --sysfs-root is /sys, else
 * sysfs only; --modules-dir overrides ("" for sysfs only). 0 or -ENOMEM.
 */
int ctl_review_kernel(const Ctl *c, const Policy *p, bool use_modules, PolicyError *errors,
		      PolicyError *notes);
/* Each line of @text (newline-terminated lines) with @prefix before it. */
void ctl_print_prefixed(FILE *f, const char *prefix, const char *text);
