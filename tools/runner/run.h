/* SPDX-License-Identifier: GPL-2.0-only */
/* One invocation of kvm-selftests: what ran, how, and on what host. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "hostinfo.h"
#include "test.h"

struct run {
	struct test **tests; /* the selected tests, in list order */
	size_t n_tests;
	const char *dir;    /* where the suite was found */
	bool full;	    /* --full */
	unsigned int scale; /* KVMCFG_TEST_SCALE given to the tests */
	unsigned int jobs;
	double start_time; /* wall clock, seconds since the epoch */
	double duration;
	bool interrupted;
	int exit_code;
	struct hostinfo *host;
};

/* Exit codes, documented in kvm-selftests(1). */
enum {
	RUN_EXIT_OK = 0,	  /* everything passed; skips allowed */
	RUN_EXIT_FAILED = 1,	  /* a test failed or timed out (or the run was interrupted) */
	RUN_EXIT_USAGE = 2,	  /* bad arguments, no suite, nothing matched */
	RUN_EXIT_ALL_SKIPPED = 4, /* every test skipped: e.g. no /dev/kvm */
};

/* Tests (binaries) that ran and ended with @v. */
size_t run_count(const struct run *r, enum verdict v);
/* Subtests over all tests with @v. */
size_t run_count_subtests(const struct run *r, enum verdict v);
/* The exit code the run's verdicts call for. */
int run_exit_code(const struct run *r);
