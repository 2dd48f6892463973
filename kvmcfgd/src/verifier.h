/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Verify=yes: the reality probes (lib/probe) for the params a check reads,
 * run from the event loop in a child process (each probe again in its own
 * child with VerifyTimeout=), so a hung vCPU stalls neither the loop nor
 * its watchdog. A run is wanted at start, after a module load or unload,
 * on SIGUSR1 and SIGHUP, and every VerifyInterval=; the next check starts
 * it for the probes its findings need. Each check adds the last complete
 * run's verdicts to its findings (contradicted, unverified, not applicable).
 * While a run after a module change is in flight, the previous verdicts
 * are carried only for params whose value did not change. A wanted run
 * waits (up to 10 s) while /dev/kvm is missing: kvm.ko loads before the
 * vendor module that creates it. $KVMCFGD_TEST_KVM_DEVICE names another
 * path to wait for (tests only; the probes still open /dev/kvm).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "finding.h"
#include "textfile.h"

typedef struct Verifier Verifier;

/* Called when a run completed or the interval came: check now. */
typedef void (*verifier_done_t)(Verifier *v, void *userdata);

/* How each run ends is counted in @metrics (the verify_* counters), which must outlive @ret. */
int verifier_new(Verifier **ret, sd_event *e, uint64_t interval_usec, uint64_t timeout_usec,
		 Metrics *metrics, verifier_done_t done, void *userdata);
/* Kills a run in flight. NULL-safe. */
Verifier *verifier_free(Verifier *v);
static inline void verifier_freep(Verifier **v)
{
	verifier_free(*v);
}

/* Ask for a run: the next verifier_check() starts it (or queues it behind one in flight). */
void verifier_want(Verifier *v);
/* The modules changed: the last results describe modules that are gone; want a run. */
void verifier_invalidate(Verifier *v);
/* The kernel announced /dev/kvm (add@/devices/virtual/misc/kvm): a waiting run starts. */
void verifier_device_added(Verifier *v);
/* Stop the interval timer (daemon stopping); a run in flight is left to finish or be killed. */
void verifier_stop(Verifier *v);

/*
 * With @may_start, start a wanted run for the probes @f needs (a check in
 * the middle of a module load burst passes false: kvm alone has no
 * /dev/kvm yet; the settle check starts it). Then add the verdicts of the
 * last complete run (or the carried ones) to @f. Returns 0 or -ENOMEM; a
 * run that cannot start is logged and retried on the next check.
 */
int verifier_check(Verifier *v, Findings *f, bool may_start);

/* Completed runs (for logs and tests). */
uint64_t verifier_runs(const Verifier *v);
/* Whether a run is in flight, wanted, queued or waiting for /dev/kvm. */
bool verifier_busy(const Verifier *v);
