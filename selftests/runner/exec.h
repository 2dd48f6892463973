/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running test binaries: up to N at once, each in its own session and
 * process group, with its output captured and a deadline enforced.
 *
 * On timeout the whole group gets SIGTERM, then SIGKILL after a grace
 * period. The session is swept as well, because the kselftest harness puts
 * each test case in a process group of its own (setpgrp() in __run_test()):
 * killing only the binary's group would leave that child running
 * (proc_kill_session(), shared with kvm-config-matrix).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "test.h"

struct exec_opts {
	unsigned int jobs;		/* at least 1 */
	unsigned int grace_ms;		/* SIGTERM -> SIGKILL */
	/* Called in the runner after each test finished (test_finish() done). */
	void (*on_done)(struct test *t, void *userdata);
	void *userdata;
};

/*
 * Run @tests in order, @jobs at a time. Returns 0 when all ran, -EINTR when
 * SIGINT/SIGTERM stopped the run (running tests were killed and finished as
 * failures; tests not yet started have started == false), or -errno when
 * the runner itself could not go on.
 */
int exec_run(struct test **tests, size_t n, const struct exec_opts *opts);
