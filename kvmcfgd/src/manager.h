/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kvmcfgd manager: one sd-event loop that owns the policy, the last
 * check's mismatch set and every event source. It checks at start, on module
 * uevents (at once and again after the settle delay), on the interval and on
 * SIGUSR1; it reloads the policy on SIGHUP (keeping the old one if the new one
 * is broken) and stops on SIGTERM/SIGINT once running alert commands finish.
 */
#pragma once

#include "conf.h"
#include "policy.h"

typedef struct Manager Manager;

/*
 * Take over @conf (left zeroed). @test_uevent_fd >= 0 is an extra datagram
 * socket whose messages are read as uevents without the kernel-sender check,
 * so integration tests can inject module events; -1 for none.
 */
int manager_new(Manager **ret, DaemonConf *conf, int test_uevent_fd);

/* The policy @conf names (Policy=, PolicyDropins=), every error in @err. */
int manager_policy_load(const DaemonConf *conf, Policy **ret, PolicyError *err);
Manager *manager_free(Manager *m);
static inline void manager_freep(Manager **m)
{
	manager_free(*m);
}

/* Load the policy, set up the sources, run the first check, send READY=1. */
int manager_start(Manager *m);

/* Run the loop until a clean stop; returns its exit code (0) or -errno. */
int manager_run(Manager *m);
