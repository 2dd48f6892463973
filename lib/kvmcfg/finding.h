/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Findings: the result of one check, as structs and as JSON. One format for
 * kvmcfgd, kvmcfgctl, the matrix runner and the reality tests.
 *
 * A Findings list holds one entry per rule evaluated (including rules that
 * hold, kind FINDING_OK, so reports can show what was checked) and one per
 * derived rule. Findings own all their strings: they outlive the Policy that
 * produced them (kvmcfgd keeps the last findings across a policy reload).
 *
 * JSON schema "kvmcfg-findings/1" (stable; fields are only ever added):
 *   {
 *     "schema": "kvmcfg-findings/1",
 *     "verdict": "ok" | "mismatch" | "unreadable" | "unverified" | "policy-error",
 *     "checked": <number of findings>,
 *     "problems": <number of findings for which kvmcfg_finding_is_problem()>,
 *     "findings": [
 *       {
 *         "kind": "ok" | "skipped" | "mismatch" | "module-missing" |
 *                 "param-missing" | "unreadable" | "derived" |
 *                 "contradicted" | "unverified",
 *         "severity": "info" | "warn" | "critical",
 *         "module": "kvm",
 *         "param": "tdp_mmu" | null,           (null for module-missing)
 *         "expected": "Y",
 *         "actual": "N" | null,                (null when nothing was read)
 *         "status": "ok" | "ENOENT" | "ENODEV" | "EACCES" | ... (the read's errno name)
 *         "origin": { "file": "/etc/kvmcfgd/policy.conf", "line": 12 },
 *         "rule": "tdp-mmu-requires-tdp" | null,   (derived rules only)
 *         "message": "human explanation",
 *         "probe": "mmio_caching",             (--verify: contradicted, unverified,
 *         "evidence": "pf_mmio_spte_created=0 ..."  probe-skipped findings, and ok
 *                                              findings behaviour confirmed)
 *       }, ...
 *     ],
 *     "errors": [ { "file": ..., "line": 0 | N, "message": ... }, ... ],
 *     "errors_total": N,
 *     "fail_on": "critical" | "info",  (kvmcfgctl check --fail-on, when not warn)
 *     "warnings": [ { "file", "line", "message" } ]  (the policy against this
 *                 kernel, kvmcfgctl check; only when there are any)
 *   }
 * "errors" and "errors_total" are there only when nothing could be checked:
 * verdict "policy-error" (the policy did not load: every error, checked 0)
 * or "unreadable" (the sysfs root itself: one error naming it).
 * errors_total can exceed the length of "errors" when very many were found.
 */
#define KVMCFG_FINDINGS_SCHEMA "kvmcfg-findings/1"
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"
#include "policy.h"

typedef enum FindingKind {
	FINDING_OK,		/* the rule holds */
	FINDING_SKIPPED,	/* not evaluated: module not loaded and not required,
				 * or a derived rule that does not apply */
	FINDING_MISMATCH,	/* the value read does not match */
	FINDING_MODULE_MISSING, /* a required module is not loaded */
	FINDING_PARAM_MISSING,	/* the module is loaded but has no such param */
	FINDING_UNREADABLE,	/* EACCES, module unloading mid-read (ESTALE), junk */
	FINDING_DERIVED,	/* a derived rule (relation between params) is violated */
	FINDING_CONTRADICTED,	/* the param contradicts what a probe saw KVM do (--verify) */
	FINDING_UNVERIFIED,	/* the probe for the param could not run (--verify): never a pass */
	_FINDING_KIND_MAX,
} FindingKind;

/* "ok", "skipped", "mismatch", "module-missing", "param-missing", "unreadable", "derived". */
const char *kvmcfg_finding_kind_to_string(FindingKind k);

typedef struct Finding {
	FindingKind kind;
	PolicySeverity severity;
	char *module;
	char *param;	   /* NULL for FINDING_MODULE_MISSING */
	char *expected;	   /* the matcher's text, or what a derived rule requires */
	char *actual;	   /* the value read; NULL when nothing was read */
	int read_error;	   /* 0, or the -errno of the read (see param.h) */
	char *origin_file; /* policy file, "modprobe.d:<module>", or "derived" */
	unsigned origin_line;
	char *rule;	/* derived rule name; NULL for policy rules */
	char *message;	/* one-line human explanation */
	char *probe;	/* the probe behind a --verify finding, else NULL */
	char *evidence; /* what that probe measured (or why it could not), else NULL */
} Finding;

typedef enum KvmcfgVerdict {
	KVMCFG_VERDICT_OK,	   /* nothing wrong at warn or critical severity */
	KVMCFG_VERDICT_MISMATCH,   /* a mismatch, missing module/param, or derived violation */
	KVMCFG_VERDICT_UNREADABLE, /* no mismatch, but something could not be read */
	KVMCFG_VERDICT_UNVERIFIED, /* all read and matched, but a probe could not run */
	_KVMCFG_VERDICT_MAX,
} KvmcfgVerdict;

/* "ok", "mismatch", "unreadable", "unverified". */
const char *kvmcfg_verdict_to_string(KvmcfgVerdict v);

typedef struct Findings {
	Finding *items;
	size_t n;
	size_t allocated;
} Findings;

int kvmcfg_findings_new(Findings **ret);
Findings *kvmcfg_findings_free(Findings *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(Findings *, kvmcfg_findings_free);

/*
 * Append a finding; strings are copied (NULL allowed where the struct says
 * so). @message may be NULL: a default one is made from the other fields.
 */
int kvmcfg_findings_add(Findings *f, FindingKind kind, PolicySeverity severity, const char *module,
			const char *param, const char *expected, const char *actual, int read_error,
			const char *origin_file, unsigned origin_line, const char *rule,
			const char *message);

/* Attach a probe's name and evidence to the last finding added (copied). */
int kvmcfg_findings_set_probe(Findings *f, const char *probe, const char *evidence);

/*
 * The same for finding @i: an "ok" finding with a probe attached is one
 * that behaviour confirmed (check --verify shows it as "verified").
 */
int kvmcfg_findings_set_probe_at(Findings *f, size_t i, const char *probe, const char *evidence);

/* Whether a finding is something to report (not ok, not skipped). */
bool kvmcfg_finding_is_problem(const Finding *f);

/*
 * Whether two findings are about the same thing (module, param, rule, origin
 * and kind), so a daemon can tell "still failing" from "new" and "resolved".
 */
bool kvmcfg_finding_same(const Finding *a, const Finding *b);

/* The first finding in @f that is kvmcfg_finding_same() as @like, or NULL. */
const Finding *kvmcfg_findings_find(const Findings *f, const Finding *like);

/* Number of findings with kvmcfg_finding_is_problem(). */
size_t kvmcfg_findings_n_problems(const Findings *f);

/*
 * The verdict: MISMATCH when any warn/critical problem other than
 * "unreadable" or "unverified" exists (a contradiction is one), else
 * UNREADABLE when any warn/critical finding is unreadable, else UNVERIFIED
 * when one is unverified, else OK. Info-severity findings never change the verdict.
 */
KvmcfgVerdict kvmcfg_findings_verdict(const Findings *f);

/*
 * The verdict when problems at @fail_on and above count (kvmcfgctl check
 * --fail-on); kvmcfg_findings_verdict() is this at POLICY_SEVERITY_WARN.
 */
KvmcfgVerdict kvmcfg_findings_verdict_at(const Findings *f, PolicySeverity fail_on);

/* Exit code for kvmcfgctl check: 0 ok, 1 mismatch, 3 unreadable or unverified. */
int kvmcfg_verdict_exit_code(KvmcfgVerdict v);

/*
 * Serialize as JSON (schema above), one object, pretty-printed when
 * @pretty, newline-terminated. *ret is malloc'd.
 */
int kvmcfg_findings_to_json(const Findings *f, bool pretty, char **ret);

/*
 * kvmcfg_findings_to_json() with the verdict of kvmcfg_findings_verdict_at(@fail_on),
 * when @fail_on is not warn a "fail_on" field naming it, and when @warnings
 * (may be NULL) holds any, "warnings": [{file, line, message}...].
 */
int kvmcfg_findings_to_json_at(const Findings *f, PolicySeverity fail_on,
			       const PolicyError *warnings, bool pretty, char **ret);

/*
 * The document for a check that could not run (schema above, no findings):
 * @verdict "policy-error" or "unreadable", and every error of @err.
 */
int kvmcfg_findings_error_to_json(const char *verdict, const PolicyError *err, bool pretty,
				  char **ret);

/* "EACCES" style name of a -errno as used in JSON "status"; "ok" for 0. */
const char *kvmcfg_errno_name(int negative_errno);
