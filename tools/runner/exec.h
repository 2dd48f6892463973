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

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "test.h"

/*
 * A test seam: the calls through which exec_run() waits and signals, so unit
 * tests can inject poll() failures and check the target of every signal.
 * NULL (or a NULL member): poll() and proc_kill_session().
 */
struct exec_sys {
	int (*poll)(struct pollfd *fds, nfds_t n, int timeout_ms, void *userdata);
	int (*kill_session)(pid_t sid, int sig, void *userdata);
	void *userdata;
};

struct exec_opts {
	unsigned int jobs;     /* at least 1 */
	unsigned int grace_ms; /* SIGTERM -> SIGKILL */
	/* Called in the runner after each test finished (test_finish() done). */
	void (*on_done)(struct test *t, void *userdata);
	void *userdata;
	const struct exec_sys *sys; /* NULL but in tests */
};

/*
 * Run @tests in order, @jobs at a time. Returns 0 when all ran, -EINTR when
 * SIGINT/SIGTERM stopped the run (running tests were killed and finished as
 * failures; tests not yet started have started == false), or -errno when
 * the runner itself could not go on (then running tests were killed, reaped
 * and finished as failures naming the error).
 *
 * A test's process group and session are signalled only while its leader is
 * unreaped (running or a zombie): never a pid this runner has waited for,
 * which may since belong to another process.
 */
int exec_run(struct test **tests, size_t n, const struct exec_opts *opts);
