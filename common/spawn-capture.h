/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Run a program with its stdout and stderr captured, a deadline, and an
 * optional stop flag (set from a signal handler) that ends it early.
 * Used for modprobe/rmmod/modinfo and for the test binaries alike.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct spawn_result {
	char *output; /* NUL-terminated, stdout and stderr interleaved */
	size_t len;
	int wait_status; /* from waitpid() */
	bool timed_out;	 /* killed at the deadline */
	bool stopped;	 /* killed because *stop was set */
};

void spawn_result_clear(struct spawn_result *r);

/*
 * Run argv[0] (looked up in PATH) with @argv. @timeout_ms 0 means none.
 * @stop may be NULL. Returns 0 with *ret filled whenever the program ran
 * (check wait_status), -errno when it could not be started (exec failure is
 * -ENOENT/-EACCES reported by the child through a close-on-exec pipe).
 */
int spawn_capture(char *const argv[], unsigned int timeout_ms, volatile sig_atomic_t *stop,
		  struct spawn_result *ret);

/*
 * spawn_capture() for a program that cleans up after itself when told to
 * stop (a test runner that ends its own tests and writes its reports): at
 * the deadline or a stop, the program gets SIGTERM first, and its whole
 * session SIGKILL only @grace_ms later.
 */
int spawn_capture_graceful(char *const argv[], unsigned int timeout_ms, volatile sig_atomic_t *stop,
			   unsigned int grace_ms, struct spawn_result *ret);

/* "exit status 3", "killed by signal 9 (Killed)", ... into @buf. */
const char *spawn_describe(int wait_status, char *buf, size_t len);
