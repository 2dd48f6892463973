/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Supervising test binaries: what kvm-config-matrix (spawn-capture.c) and
 * kvm-selftests (exec.c) both need to bound a child in time and leave
 * nothing of it behind. No logging here; callers report.
 *
 * Both run each binary as the leader of a session of its own (setsid()).
 * Killing that process group is not enough: the kselftest harness puts each
 * test case in a process group of its own (setpgrp() in __run_test()), so a
 * hung test case survives a kill of the binary's group and keeps the output
 * pipe open. Those processes stay in the session, though, and the session
 * id is what proc_kill_session() goes by.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * Send @sig to process group @sid, then to every process whose session id
 * (/proc/PID/stat field 6) is @sid. Call it while the session leader is
 * unreaped (running or a zombie): until then its pid, and so the session
 * id, cannot be reused, so the sweep hits only its own processes. Each
 * member is signalled through a pidfd after its session is read again, so a
 * member that exits and whose pid is reused meanwhile is not hit either.
 *
 * Returns how many processes the sweep signalled, -EINVAL when @sid is not
 * positive (kill(0) and kill(-1) would hit far more than a test), or -errno
 * when /proc cannot be read (the group has been signalled all the same).
 */
int proc_kill_session(pid_t sid, int sig);

/*
 * Send @sig to @root and every process descended from it by parent pid:
 * those that left its session with setsid() too, as long as the chain of
 * parents up to @root is unbroken. A process whose parent exited is
 * reparented (to init, or to a PR_SET_CHILD_SUBREAPER ancestor) and is
 * found by proc_kill_children() of that subreaper instead. Returns how many
 * descendants were signalled, or -errno.
 */
int proc_kill_tree(pid_t root, int sig);

/*
 * Send @sig to every child of @parent (by /proc/PID/stat's parent pid)
 * except the @n_except pids in @except and, when @marker ("NAME=") is not
 * NULL, except those without a variable starting with @marker in their
 * environment (zombies, which have none left, are included: a subreaper
 * must reap what it adopted); the first @max of them go to @ret. For a subreaper sweeping
 * up the orphans it adopted, and only those. Returns how many were
 * signalled, or -errno.
 */
int proc_kill_children(pid_t parent, const pid_t *except, size_t n_except, const char *marker,
		       int sig, pid_t *ret, size_t max);

/* CLOCK_MONOTONIC in milliseconds: for deadlines and durations. */
long long proc_now_ms(void);
