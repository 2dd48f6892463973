/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What became of each param a config asked for. Three outcomes, judged
 * from what was read and observed, never from the kernel's version:
 *
 *   held          the param reads as asked (by meaning: 1 and Y are equal);
 *   overridden    the kernel loaded another value and its sysfs says so,
 *                 with the reason where one is known: the derived rule
 *                 (checker.h) the asked value would have broken given the
 *                 other params as loaded, e.g. "kvm.tdp_mmu needs
 *                 kvm_intel.ept or kvm_amd.npt ... and kvm_amd.npt=N";
 *   contradicted  the loaded value disagrees with what a guest observes: a
 *                 test that watches the param's effect (a reality test)
 *                 failed, naming the param in its failure. The only outcome
 *                 that is the kernel's fault.
 *
 * An override is information, not a failure; a contradiction is.
 * Pure: the classification reads the config's findings and test verdicts.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "finding.h"

enum outcome_kind { OUTCOME_HELD, OUTCOME_OVERRIDDEN, OUTCOME_CONTRADICTED };

/* "held", "overridden", "contradicted". */
const char *outcome_name(enum outcome_kind k);

struct param_outcome {
	char *param; /* module.param, as asked */
	char *asked;
	char *loaded;		/* NULL: not exported (or unreadable) after the load */
	bool read_as_asked;	/* the checker matched the loaded value to the ask */
	enum outcome_kind kind; /* set by outcome_classify() */
	char *reason;		/* overridden: why, where known; else NULL */
	char *evidence;		/* contradicted: "TEST: its failure"; else NULL */
};

struct config_result;

/*
 * One outcome per "module.param=value" of @c->assign, with the loaded value
 * and whether it reads as asked from @found, the findings of the check of
 * the config's own policy (reload_check()). Kinds are not set yet. Replaces
 * any earlier outcomes. 0 or -ENOMEM.
 */
int outcome_init(struct config_result *c, const Findings *found);

/*
 * Set every outcome's kind, reason and evidence from the loaded values and
 * @c's test verdicts: contradicted when a failed test's reason names the
 * param (module.param, followed by '=', a space, ':' , ',' or the end);
 * else overridden when the loaded value does not read as asked; else held.
 * 0 or -ENOMEM.
 */
int outcome_classify(struct config_result *c);

/* The number of @c's outcomes of kind @k. */
size_t outcome_count(const struct config_result *c, enum outcome_kind k);

void param_outcomes_free(struct param_outcome *o, size_t n);

/*
 * The outcomes as a JSON array of {"param", "asked", "loaded", "outcome",
 * "reason", "evidence"} (null where unset); NULL on ENOMEM.
 */
struct json_object *outcome_to_json(const struct config_result *c);

/*
 * One line for the table and the TAP: "kvm.tdp_mmu overridden: asked 1,
 * loaded N (REASON)" per outcome that is not held, joined by "; ". ""
 * when every param held. malloc'd, NULL on ENOMEM.
 */
char *outcome_summary(const struct config_result *c);
