/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One run of kvm-config-matrix over its configs: the plan (axes that apply
 * here, configs, the tests kvm-selftests will run), the preflight, and for
 * each config reload -> param check -> kvm-selftests, then the proven
 * restore, whatever happened. main.c is the command line around it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "modules.h"

/* Exit codes, documented in docs/matrix.md and --help. */
enum {
	MATRIX_EXIT_OK = 0, /* every config: params held or honestly overridden, no test failed */
	MATRIX_EXIT_FAILED =
		1, /* a config failed to load, mismatched, contradicted, or a test failed */
	MATRIX_EXIT_USAGE = 2,	     /* bad options, matrix or tests */
	MATRIX_EXIT_REFUSED = 3,     /* safety: no --reload-modules, or VMs / /dev/kvm users */
	MATRIX_EXIT_UNSUPPORTED = 4, /* this host cannot reload KVM (built in, no VMX/SVM, ...) */
	MATRIX_EXIT_RESTORE = 5,     /* the original params could not be restored */
};

struct sweep_options {
	char **sources; /* matrix texts, with a label each for errors */
	char **labels;
	size_t n_sources;
	char **filters; /* -t: kvm-selftests --filter globs */
	size_t n_filters;
	const char *runner;	/* the kvm-selftests program */
	const char *tests_dir;	/* its --dir, or NULL */
	unsigned int timeout_s; /* its --timeout, or 0 */
	const char *output_dir, *sysfs_root, *proc_root;
	bool reload, dry_run, force, no_tests;
	struct modtools tools;
};

/* Plan, check, and (unless a dry run or refused) run. Returns the exit code. */
int sweep_run(const struct sweep_options *o);
