/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tests run under each config: kselftest binaries found in a directory
 * or named one by one, run with a deadline, their TAP classified with
 * common/tap.h into one verdict per binary.
 */
#pragma once

#include <signal.h>
#include <stddef.h>

#include "report.h"

/*
 * Resolve @names (a path with '/', else a file in @dir) or, with no names,
 * every executable regular file in @dir, sorted. *ret is a NULL-terminated
 * vector of paths. -ENOENT names the first name that does not exist via
 * *missing (points into @names).
 */
int suite_collect(const char *dir, char *const *names, size_t n_names, char ***ret,
		  const char **missing);

/*
 * Run one test binary and judge it. Returns 0 with *ret filled, -EINTR if
 * *stop was set while it ran (then *ret holds what was seen, verdict
 * not-run), or -ENOMEM.
 */
int suite_run_one(const char *path, unsigned int timeout_ms, volatile sig_atomic_t *stop,
		  struct test_outcome *ret);

/*
 * Run the tests through the installed runner kvm-selftests instead:
 * "@runner --dir @dir --tap -j 1 [--timeout S] [--filter NAME]..." once,
 * and one test_outcome per result line of its TAP (its session handling,
 * timeouts and verdicts are then the fleet's own). @timeout_s 0 keeps the
 * suite's settings. *ret is a malloc'd array of *n outcomes. -EINTR when
 * *stop was set (what was seen is returned), -EBADMSG when the runner
 * reported nothing (then *why says what it printed), -errno otherwise.
 */
int suite_run_kvm_selftests(const char *runner, const char *dir, char *const *names,
			    size_t n_names, unsigned int timeout_s, volatile sig_atomic_t *stop,
			    struct test_outcome **ret, size_t *n, char **why);

/* kvm-selftests --tap output into outcomes. Pure. */
int suite_parse_kvm_selftests(const char *output, struct test_outcome **ret, size_t *n);

/* The verdict for a finished binary's output and wait status. Pure. */
void suite_judge(const char *output, int wait_status, struct test_outcome *t);
