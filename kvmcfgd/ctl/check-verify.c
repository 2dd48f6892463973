// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmcfgctl check --verify: run the probes for the params the check read,
 * each in a child with a timeout (lib/probe), and add the contradictions,
 * the unverified params and the ones no probe can tell here to the findings.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvmcfgctl.h"
#include "probe-verify.h"

int ctl_verify(const Ctl *c, Findings *f)
{
	const KvmcfgProbe *probes[32];
	KvmcfgProbeResult results[32];
	size_t n, i;
	int r;

	n = kvmcfg_verify_probes_needed(f, probes);
	for (i = 0; i < n; i++)
		/* A probe that cannot start is CANNOT_RUN in its result: unverified, not an error. */
		kvmcfg_probe_run_isolated(probes[i], c->verify_timeout_ms, &results[i]);
	r = kvmcfg_verify_apply(f, probes, results, n, c->allow_unverified);
	if (r < 0) {
		fprintf(stderr, "kvmcfgctl: out of memory\n");
		return CTL_EXIT_UNREADABLE;
	}
	return 0;
}
