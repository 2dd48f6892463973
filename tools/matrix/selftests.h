/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tests of each config, run by kvm-selftests (the one runner: its
 * suite discovery, sessions, timeouts and verdicts) and read back from its
 * JSON report. The matrix finds no tests and judges no TAP of its own.
 */
#pragma once

#include <signal.h>
#include <stddef.h>

#include "report.h"

/* How to run kvm-selftests; every field but @runner may be empty. */
struct selftests_cmd {
	const char *runner;   /* the kvm-selftests program */
	const char *dir;      /* its --dir; NULL: the suite it finds by itself */
	char *const *filters; /* its --filter globs (-t) */
	size_t n_filters;
	unsigned int timeout_s; /* its --timeout; 0: the suite's settings */
};

/*
 * The kvm-selftests to run when none is given: in a build tree the one
 * built next to this matrix, else the one installed beside it (same
 * bindir; DESTDIR trees and moved prefixes work), else @installed, else
 * "kvm-selftests" from PATH. @exe_dir is where this program is. Malloc'd.
 */
char *selftests_default_runner(const char *exe_dir, const char *build_matrix_dir,
			       const char *build_runner, const char *installed);

/*
 * The tests kvm-selftests would run ("collection:test" ids, its --list),
 * as a NULL-terminated vector. When it fails, -EBADMSG with *why saying
 * what it printed (malloc'd).
 */
int selftests_list(const struct selftests_cmd *cmd, char ***ret, char **why);

/*
 * Run the tests of config @index (1-based) and fill c->tests, c->tests_ran
 * and c->runner_exit from the runner's JSON report, or c->runner_error
 * when it wrote none. The runner writes its reports into @dir:
 * config-N.json and config-N.xml (its --json, --junit) and, with
 * @keep_files, its --tap stream as config-N.tap; without @keep_files the
 * JSON is removed once read. When *stop is set the runner gets SIGTERM,
 * ends its tests and still reports; -EINTR then. -ENOMEM, or 0.
 */
int selftests_run(const struct selftests_cmd *cmd, const char *dir, size_t index, bool keep_files,
		  volatile sig_atomic_t *stop, struct config_result *c);

/*
 * Parse a kvm-selftests JSON report (strict, UTF-8 validated). Fills
 * *tests (n of them) and *exit_code. -EBADMSG with *why (malloc'd) when it
 * is not one; -ENOMEM. Pure.
 */
int selftests_parse_report(const char *text, size_t len, struct config_test **tests, size_t *n,
			   int *exit_code, char **why);
