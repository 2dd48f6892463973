/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Prometheus node_exporter textfile: per-mismatch gauges, the verdict, the
 * last-check timestamp and the daemon's counters. Rendering is pure; writing
 * is atomic (temp file in the same directory, then rename) so the collector
 * never reads half a file.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "transition.h"

typedef struct Metrics {
	uint64_t checks;
	uint64_t check_failures; /* checks that could not run at all */
	uint64_t transitions[_TRANSITION_MAX];
	uint64_t module_uevents;
	uint64_t uevent_overflows; /* ENOBUFS: events lost, full re-check done */
	uint64_t reloads;
	uint64_t reload_failures; /* policy rejected, old one kept */
	uint64_t alert_commands;
	uint64_t alert_command_failures; /* spawn failed, non-zero exit, killed */
	uint64_t alert_command_timeouts;
	uint64_t alert_commands_dropped; /* queue full */
	/* Reality probe runs (Verify=), by how they ended. */
	uint64_t verify_completed;
	uint64_t verify_cut_short; /* the run ended before every probe reported */
	uint64_t verify_timeouts;  /* killed at its deadline */
	uint64_t verify_killed;	   /* killed by a module change: its result was stale */
	uint64_t last_check_realtime_usec;
	uint64_t last_check_duration_usec;
	bool last_check_ok;	 /* every param could be read */
	bool last_reload_failed; /* the last reload was rejected */
	uint64_t policy_rules;	 /* of the policy in force */
	char policy_sha256[65];	 /* its effective text's SHA-256; "" if unknown */
} Metrics;

/*
 * The series of one check: kvmcfg_mismatch{,_info}, kvmcfg_mismatches,
 * kvmcfg_ok, kvmcfg_check_readable and the last check's time and duration
 * (from @m's last_check_* fields only). kvmcfgctl check --textfile writes
 * these; the daemon adds its counters.
 */
void textfile_render_check(FILE *f, const MismatchSet *s, const Metrics *m);

/* Render the whole textfile into a malloc'd string. */
int textfile_render(const MismatchSet *s, const Metrics *m, char **ret);

/* Replace @path atomically with @text (mode 0644). */
int textfile_write_atomic(const char *path, const char *text);
