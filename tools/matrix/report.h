/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a matrix run found, and its own two renderings: the matrix table
 * (config x test, markdown) and matrix.json (json-c, common/json-out.h).
 * The tests' verdicts are kvm-selftests' own, read from its JSON report
 * (selftests.h); the per-config TAP, JUnit and JSON files are the runner's.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "outcome.h"

/* One test of a config, as kvm-selftests' JSON report gives it. */
struct config_test {
	char *id;     /* "collection:test" */
	char *name;   /* "test" */
	char *result; /* the runner's verdict: pass, fail, skip, xfail, timeout */
	char *reason; /* why it failed, timed out or skipped, or NULL */
	double seconds;
	unsigned int passed, failed, skipped; /* its subtests (failed counts timeouts) */
};

void config_test_clear(struct config_test *t);

/* True for a verdict the runner counts as a failure (fail, timeout). */
bool config_test_failed(const struct config_test *t);

struct param_mismatch {
	char *param;		  /* module.param */
	char *requested, *loaded; /* loaded NULL: not exported after the load */
	char *message;		  /* a derived rule or unreadable param: why; else NULL */
};

struct config_result {
	char **assign; /* "module.param=value", n_assign of them */
	size_t n_assign;
	char *load_error; /* NULL: unload + load worked */
	struct param_mismatch *mismatches;
	size_t n_mismatches;
	struct config_test *tests;
	size_t n_tests;
	bool tests_ran;	    /* kvm-selftests ran for this config */
	int runner_exit;    /* its exit status (0, 1, 4; 2 usage), when it ran */
	char *runner_error; /* it gave no report: what it said, else NULL */
	struct param_outcome
		*outcomes; /* one per assign: held/overridden/contradicted (outcome.h) */
	size_t n_outcomes;
};

struct matrix_report {
	const char *vendor_module;
	char **notes; /* dropped axes and other plan notes */
	size_t n_notes;
	struct config_result *configs;
	size_t n_configs;
	bool restore_attempted, restore_ok;
	char *restore_error; /* what differs or failed after the restore */
	int interrupted;     /* the signal that stopped the run, or 0 */
	int exit_code;
};

void matrix_report_clear(struct matrix_report *r);

/*
 * True when the config loaded, no param was contradicted, the param check
 * found nothing but honest overrides (outcome.h), and kvm-selftests (when
 * it ran) exited 0 or 4: its own judgement, no test failed.
 */
bool config_result_ok(const struct config_result *c);

/* The markdown table: one row per config, one column per test, reasons below. */
void report_write_table(FILE *f, const struct matrix_report *r);

/* matrix.json as a json-c document; NULL on ENOMEM. */
struct json_object *report_json(const struct matrix_report *r);

/*
 * Write matrix.md and matrix.json into @dir (which exists). Returns 0 or
 * -errno after saying on stderr which file failed.
 */
int report_write_files(const char *dir, const struct matrix_report *r);
