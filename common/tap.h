/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small TAP 13 line classifier, shared by tapwrap (meson) and the
 * installed runner: what a kselftest binary printed, and whether its exit
 * status is explained by it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum tap_line {
	TAP_LINE_OTHER, /* diagnostics, version line, anything else */
	TAP_LINE_PLAN,	/* "1..N" (maybe "1..0 # SKIP reason") */
	TAP_LINE_OK,
	TAP_LINE_NOT_OK,
	TAP_LINE_SKIP,	/* "ok N ... # SKIP reason" */
	TAP_LINE_XFAIL, /* "not ok N ... # TODO" or "ok N ... # XFAIL" */
	TAP_LINE_BAIL,	/* "Bail out!" */
};

struct tap_summary {
	unsigned int tests; /* result lines seen */
	unsigned int passed, failed, skipped, xfailed;
	int plan;      /* the last plan line's N; 0 if none */
	bool skip_all; /* "1..0 # SKIP" */
	bool bailed;
	unsigned int misnumbered; /* result lines whose number is not the next one */
};

/* One result line taken apart. Pointers point into the classified line. */
struct tap_result {
	enum tap_line kind; /* TAP_LINE_OK, _NOT_OK, _SKIP or _XFAIL */
	long number;	    /* -1 when the line has no test number */
	const char *desc;   /* description, without a leading "- " */
	size_t desc_len;    /* 0 when there is none (kselftest skips have none) */
	const char *reason; /* text after the SKIP/TODO/XFAIL word, or "" */
	size_t reason_len;
};

/* Classify one line (with or without its newline). Pure: no I/O. */
enum tap_line tap_classify(const char *line);

/*
 * Take a result line apart. Returns 0, or -EINVAL when @line is not a result
 * line (then *ret is untouched). Pure: no I/O.
 */
int tap_result_parse(const char *line, struct tap_result *ret);

/*
 * The kselftest harness's message line "# file.c:LINE:test:message" (its
 * assertions and TH_LOG print it before the test's "not ok"): returns true
 * with @msg and @len the message, false for any other line. Pure: no I/O.
 */
bool tap_harness_message(const char *line, const char **msg, size_t *len);

/* Classify one line and count it into @sum, which starts zeroed. */
enum tap_line tap_summary_feed(struct tap_summary *sum, const char *line);

/*
 * Given the wait status of the binary that printed @sum, write into @why a
 * reason to report one extra failure, or "" when the TAP stream already
 * accounts for the status (exit 0; kselftest's 1 with a "not ok"; 4 = skip).
 * A clean exit does not excuse a broken stream: a plan that disagrees with
 * the results, or results numbered out of sequence, is a failure too.
 */
void tap_explain_exit(const struct tap_summary *sum, int wait_status, char *why, size_t len);
