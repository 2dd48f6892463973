/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a matrix run found, and its renderings: the matrix table (config x
 * test), TAP and JUnit for each config, and one JSON document. Writers only
 * format; the caller opens the files and reports errors.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "outcome.h"

enum verdict { VERDICT_PASS, VERDICT_FAIL, VERDICT_SKIP, VERDICT_NOT_RUN };

const char *verdict_name(enum verdict v);

struct test_outcome {
	char *name;
	enum verdict verdict;
	unsigned int passed, failed, skipped;
	char *reason;		/* fail or skip: the first line that says why */
	char *output;		/* everything the test printed */
	double seconds;
};

struct param_mismatch {
	char *param;		/* module.param */
	char *requested, *loaded;	/* loaded NULL: not exported after the load */
	char *message;		/* a derived rule or unreadable param: why; else NULL */
};

struct config_result {
	char **assign;		/* "module.param=value", n_assign of them */
	size_t n_assign;
	char *load_error;	/* NULL: unload + load worked */
	struct param_mismatch *mismatches;
	size_t n_mismatches;
	struct test_outcome *tests;
	size_t n_tests;
	struct param_outcome *outcomes;	/* one per assign: held/overridden/contradicted (outcome.h) */
	size_t n_outcomes;
};

struct matrix_report {
	const char *vendor_module;
	char **notes;		/* dropped axes and other plan notes */
	size_t n_notes;
	struct config_result *configs;
	size_t n_configs;
	bool restore_attempted, restore_ok;
	char *restore_error;	/* what differs or failed after the restore */
	int interrupted;	/* the signal that stopped the run, or 0 */
	int exit_code;
};

void matrix_report_clear(struct matrix_report *r);

/*
 * True when the config loaded, no param was contradicted, the param check
 * found nothing but honest overrides (outcome.h), and every test passed or
 * skipped.
 */
bool config_result_ok(const struct config_result *c);

/* The markdown table: one row per config, one column per test. */
void report_write_table(FILE *f, const struct matrix_report *r);
/* TAP 13 for config @i: the param check is test 1, then the tests. */
void report_write_tap(FILE *f, const struct matrix_report *r, size_t i);
/* JUnit XML for config @i: one <testsuite>. */
void report_write_junit(FILE *f, const struct matrix_report *r, size_t i);
/* Everything, as one JSON object. */
void report_write_json(FILE *f, const struct matrix_report *r);
