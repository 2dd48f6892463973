/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reality probes: each starts a tiny VM (or asks /dev/kvm), makes KVM do one
 * thing, and says what KVM did, with the evidence: stat deltas, the
 * exception the guest took, the CPUID bits KVM offers. A probe never reads
 * the param it judges; the judge (kvmcfg_probe_judge()) holds a param's
 * value against the result afterwards.
 *
 * One probe per behaviour, shared by the reality selftests (selftests/config),
 * kvmcfgctl check --verify and kvmcfgd's Verify=:
 *
 *   tdp                 kvm_intel.ept, kvm_amd.npt, kvm.tdp_mmu
 *   mmio_caching        kvm.mmio_caching
 *   sev                 kvm_amd.sev, kvm_amd.sev_es, kvm_amd.sev_snp
 *   ignore_msrs         kvm.ignore_msrs
 *   force_emulation_prefix  kvm.force_emulation_prefix
 *   vmware_backdoor     kvm.enable_vmware_backdoor
 *   pmu                 kvm.enable_pmu
 *   nested              kvm_intel.nested, kvm_amd.nested
 *
 * Outcomes: OBSERVED (a verdict per judged param: the value the behaviour
 * implies, and the behaviour in words), NOT_APPLICABLE (this host cannot
 * show it, e.g. no VMX/SVM to offer a guest; a reason) and CANNOT_RUN (the
 * probe should have run but could not: no /dev/kvm, EPERM, VM creation
 * failed, a timeout; a reason). CANNOT_RUN is never a pass.
 *
 * kvmcfg_probe_run() runs in the caller's process: lib/vm asserts end the
 * process, which is what a selftest wants. Tools and the daemon use
 * kvmcfg_probe_run_isolated() (a child with a timeout), so a failed
 * assertion or a hung vCPU costs a CANNOT_RUN, never the caller.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define KVMCFG_PROBE_MAX_VERDICTS 3
/* What a daemon or gate gives one probe before calling it hung. */
#define KVMCFG_PROBE_TIMEOUT_MS 20000

typedef enum KvmcfgProbeOutcome {
	KVMCFG_PROBE_OBSERVED,
	KVMCFG_PROBE_NOT_APPLICABLE,
	KVMCFG_PROBE_CANNOT_RUN,
	_KVMCFG_PROBE_OUTCOME_MAX,
} KvmcfgProbeOutcome;

/* "observed", "not-applicable", "cannot-run". */
const char *kvmcfg_probe_outcome_to_string(KvmcfgProbeOutcome o);

/* What the behaviour says of one param. */
typedef struct KvmcfgProbeVerdict {
	char module[32];
	char param[48];
	bool on;	/* the behaviour implies the param is enabled */
	char fact[192]; /* the behaviour in words: "MMIO SPTEs are not cached" */
} KvmcfgProbeVerdict;

/* Plain data (no pointers): it crosses a pipe from the isolated child. */
typedef struct KvmcfgProbeResult {
	KvmcfgProbeOutcome outcome;
	char evidence[512]; /* OBSERVED: what was measured */
	char reason[256];   /* NOT_APPLICABLE, CANNOT_RUN: why */
	unsigned n_verdicts;
	KvmcfgProbeVerdict verdicts[KVMCFG_PROBE_MAX_VERDICTS];
	unsigned long long elapsed_us; /* wall time of the run */
} KvmcfgProbeResult;

typedef struct KvmcfgProbeParam {
	const char *module;
	const char *param;
} KvmcfgProbeParam;

typedef struct KvmcfgProbe {
	const char *name;					/* "tdp", "mmio_caching", ... */
	const char *what;					/* one line: what it observes */
	KvmcfgProbeParam params[KVMCFG_PROBE_MAX_VERDICTS + 1]; /* judged; {NULL} ends */
	/* Fill @res (zeroed by the caller); lib/vm asserts end the process. */
	void (*run)(KvmcfgProbeResult *res);
} KvmcfgProbe;

/* Every probe, NULL-terminated. */
extern const KvmcfgProbe *const kvmcfg_probes[];

/* The probe that judges @module.@param, or NULL. */
const KvmcfgProbe *kvmcfg_probe_for_param(const char *module, const char *param);
/* The probe called @name, or NULL. */
const KvmcfgProbe *kvmcfg_probe_by_name(const char *name);

/* Run @p in this process (selftests). Returns 0. */
int kvmcfg_probe_run(const KvmcfgProbe *p, KvmcfgProbeResult *res);

/*
 * Run @p in a forked child, killed after @timeout_ms (0: KVMCFG_PROBE_TIMEOUT_MS).
 * Always fills @res: a child that dies, asserts, skips or hangs gives
 * CANNOT_RUN with what it printed last. Returns 0, or -errno when no child
 * could be started (then @res is CANNOT_RUN too).
 */
int kvmcfg_probe_run_isolated(const KvmcfgProbe *p, unsigned timeout_ms, KvmcfgProbeResult *res);

/*
 * Start @n probes one after another in a child of their own (each again
 * isolated with @timeout_ms), for an event loop: *ret_fd (O_CLOEXEC,
 * O_NONBLOCK) delivers the n results in order, then EOF; *ret_pid is the
 * child to reap (kvmcfg_probe_batch_kill() if it must stop early). The child
 * leads a process group of its own, shared with the probe it is running.
 * Returns 0 or -errno.
 */
int kvmcfg_probe_batch_start(const KvmcfgProbe *const *probes, size_t n, unsigned timeout_ms,
			     pid_t *ret_pid, int *ret_fd);

/*
 * Stop batch @pid early and reap it: SIGKILL to its process group, so the
 * probe it is running (and that probe's VM) dies too, then reap the batch
 * and any probe of it that was reparented to us (a child subreaper adopts
 * them; without the second wait they would stay zombies).
 */
void kvmcfg_probe_batch_kill(pid_t pid);

/* The verdict in @res about @module.@param, or NULL. */
const KvmcfgProbeVerdict *kvmcfg_probe_result_verdict(const KvmcfgProbeResult *res,
						      const char *module, const char *param);

/*
 * Whether a param's text reads as enabled: Y/y/1 or a nonzero integer
 * (force_emulation_prefix is a bit mask) -> 1, N/n/0 -> 0, else -EINVAL.
 */
int kvmcfg_probe_param_on(const char *value);

/*
 * Hold @module.@param=@value against an OBSERVED @res. Returns 0 when they
 * agree, 1 when the param contradicts the behaviour, -ENOENT when @res has
 * no verdict on it (or did not observe), -EINVAL when @value is not a
 * boolean or integer. @msg (may be NULL) gets "kvm.mmio_caching=Y, but MMIO
 * SPTEs are not cached: <evidence>" on 1, and "kvm.mmio_caching=N matches:
 * <fact>" on 0.
 */
int kvmcfg_probe_judge(const KvmcfgProbeResult *res, const char *module, const char *param,
		       const char *value, char *msg, size_t size);

/* Helpers for probe implementations: printf into the result's fields. */
void kvmcfg_probe_set_outcome(KvmcfgProbeResult *res, KvmcfgProbeOutcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kvmcfg_probe_set_evidence(KvmcfgProbeResult *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void kvmcfg_probe_add_verdict(KvmcfgProbeResult *res, const char *module, const char *param,
			      bool on, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
