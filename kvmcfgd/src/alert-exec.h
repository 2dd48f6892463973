/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AlertCommand=: run a program for each transition, the finding in its
 * environment (KVMCFG_EVENT, KVMCFG_MODULE, ...). execve() directly, never a
 * shell, so values reach the program byte for byte. Runs are children watched
 * by sd-event: the loop never waits on them. Each has a timeout (SIGTERM, then
 * SIGKILL), at most ALERT_EXEC_PARALLEL run at once and the rest queue.
 *
 * Everything a run starts ends with it (issue 19): each run is a session of
 * its own, and kvmcfgd is a child subreaper (PR_SET_CHILD_SUBREAPER), so a
 * process that escapes with setsid() and a double fork is reparented to
 * kvmcfgd, not to init. At the timeout the run's session, its process tree
 * and the orphans it left are signalled; when no run is left, orphans still
 * there are killed, as systemd does with a oneshot unit's leftovers. Its
 * stdout and stderr go to a pipe: up to ALERT_EXEC_OUTPUT_MAX bytes and
 * ALERT_EXEC_OUTPUT_LINES lines are logged (through the output filter), the
 * rest is read and dropped with one line saying so.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "transition.h"
#include "textfile.h"

#define ALERT_EXEC_PARALLEL  4
#define ALERT_EXEC_QUEUE_MAX 256
/* After SIGTERM at the timeout, how long until SIGKILL. */
#define ALERT_EXEC_KILL_GRACE_USEC ((uint64_t)2 * 1000000)
/* What of a run's output is logged, at most. */
#define ALERT_EXEC_OUTPUT_MAX	4096
#define ALERT_EXEC_OUTPUT_LINES 32

typedef struct AlertRunner AlertRunner;

/* Called when the last run finished and the queue is empty. */
typedef void (*AlertRunnerIdle)(AlertRunner *r, void *userdata);

/* @argv is copied; @metrics (may be NULL) is updated as runs start and end. */
int alert_runner_new(AlertRunner **ret, sd_event *e, char *const *argv, uint64_t timeout_usec,
		     Metrics *metrics);
/* Kills (SIGKILL) and reaps what still runs. NULL-safe. */
AlertRunner *alert_runner_free(AlertRunner *r);
static inline void alert_runner_freep(AlertRunner **r)
{
	alert_runner_free(*r);
}

/* Start (or queue) a run for @t. Copies what it needs. -ENOBUFS if the queue is full. */
int alert_runner_submit(AlertRunner *r, const Transition *t);

/* Runs in progress plus queued. */
size_t alert_runner_pending(const AlertRunner *r);
void alert_runner_set_idle_callback(AlertRunner *r, AlertRunnerIdle cb, void *userdata);

/*
 * The environment of one run: @base (the daemon's, minus what belongs to the
 * service manager: NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*) plus the transition's
 * KVMCFG_* fields and KVMCFG_MESSAGE. Free with strv_free().
 */
int alert_exec_env(char *const *base, const Transition *t, char ***ret);
