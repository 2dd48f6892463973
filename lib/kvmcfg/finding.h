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
 *     "verdict": "ok" | "mismatch" | "unreadable" | "unverified",
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
 *         "probe": "mmio_caching",             (contradicted, unverified and
 *         "evidence": "pf_mmio_spte_created=0 ..."  probe-skipped findings only)
 *       }, ...
 *     ]
 *   }
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

typedef enum FindingKind {
	FINDING_OK,             /* the rule holds */
	FINDING_SKIPPED,        /* not evaluated: module not loaded and not required,
				 * or a derived rule that does not apply */
	FINDING_MISMATCH,       /* the value read does not match */
	FINDING_MODULE_MISSING, /* a required module is not loaded */
	FINDING_PARAM_MISSING,  /* the module is loaded but has no such param */
	FINDING_UNREADABLE,     /* EACCES, module unloading mid-read (ESTALE), junk */
	FINDING_DERIVED,        /* a derived rule (relation between params) is violated */
	FINDING_CONTRADICTED,   /* the param contradicts what a probe saw KVM do (--verify) */
	FINDING_UNVERIFIED,     /* the probe for the param could not run (--verify): never a pass */
	_FINDING_KIND_MAX,
} FindingKind;

/* "ok", "skipped", "mismatch", "module-missing", "param-missing", "unreadable", "derived". */
const char *kvmcfg_finding_kind_to_string(FindingKind k);

typedef struct Finding {
	FindingKind kind;
	PolicySeverity severity;
	char *module;
	char *param;       /* NULL for FINDING_MODULE_MISSING */
	char *expected;    /* the matcher's text, or what a derived rule requires */
	char *actual;      /* the value read; NULL when nothing was read */
	int read_error;    /* 0, or the -errno of the read (see param.h) */
	char *origin_file; /* policy file, "modprobe.d:<module>", or "derived" */
	unsigned origin_line;
	char *rule;        /* derived rule name; NULL for policy rules */
	char *message;     /* one-line human explanation */
	char *probe;       /* the probe behind a --verify finding, else NULL */
	char *evidence;    /* what that probe measured (or why it could not), else NULL */
} Finding;

typedef enum KvmcfgVerdict {
	KVMCFG_VERDICT_OK,         /* nothing wrong at warn or critical severity */
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
static inline void kvmcfg_findings_freep(Findings **f) { kvmcfg_findings_free(*f); }
#define _cleanup_findings_ __attribute__((cleanup(kvmcfg_findings_freep)))

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

/* Exit code for kvmcfgctl check: 0 ok, 1 mismatch, 3 unreadable or unverified. */
int kvmcfg_verdict_exit_code(KvmcfgVerdict v);

/*
 * Serialize as JSON (schema above), one object, pretty-printed when
 * @pretty, newline-terminated. *ret is malloc'd.
 */
int kvmcfg_findings_to_json(const Findings *f, bool pretty, char **ret);

/* "EACCES" style name of a -errno as used in JSON "status"; "ok" for 0. */
const char *kvmcfg_errno_name(int negative_errno);
