/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --verify: a second verdict from behaviour on the params a check read.
 * Pure logic between a check's findings and probe results; running the
 * probes is the caller's (kvmcfgctl runs them one by one, isolated;
 * kvmcfgd in a batch child from its event loop).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "finding.h"
#include "probe.h"

/*
 * The probes that judge a param read in @f, each once, in kvmcfg_probes[]
 * order, into @ret (room for every probe). Returns how many.
 */
size_t kvmcfg_verify_probes_needed(const Findings *f, const KvmcfgProbe **ret);

/*
 * For every param read in @f (first finding per module.param) that a probe
 * in @probes judges, with @results[i] from @probes[i], append to @f:
 *  - "contradicted" (critical) with the judge's message and the evidence,
 *    when the param contradicts the behaviour;
 *  - "unverified" with the reason when the probe could not run (severity
 *    of the rule, or info under @allow_unverified, so it never fails the
 *    verdict then);
 *  - "skipped" (info) when the probe cannot tell on this host.
 * A param that agrees with behaviour adds no finding: its own finding, when
 * the rule holds, gets the probe's name and evidence (kvmcfg_findings_set_probe_at()), which
 * reports show as verified. Returns the number of contradictions, or -ENOMEM.
 */
int kvmcfg_verify_apply(Findings *f, const KvmcfgProbe *const *probes,
			const KvmcfgProbeResult *results, size_t n, bool allow_unverified);
