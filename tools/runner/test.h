/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One selftest binary as the runner sees it: where it is, how long it may
 * run, what it printed, and the verdict drawn from its TAP and exit status.
 * Everything the console and the reports show comes from here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "tap.h"

enum verdict {
	VERDICT_PASS,
	VERDICT_FAIL,
	VERDICT_SKIP,
	VERDICT_XFAIL, /* an expected failure: counts as passed */
	VERDICT_TIMEOUT,
	_VERDICT_MAX,
};

/* "pass", "fail", "skip", "xfail", "timeout". */
const char *verdict_name(enum verdict v);

struct subtest {
	long number; /* the TAP number, or -1 for a synthesized result */
	char *name;
	enum verdict verdict;
	char *reason;	 /* skip/xfail reason or why it failed; may be NULL */
	double duration; /* seconds from its RUN line (or the previous result) to its result */
};

/* Captured output beyond this is counted but not kept. */
#define TEST_OUTPUT_MAX (1u << 20)

struct test {
	char *id; /* "collection:name", as in kselftest-list.txt */
	char *collection;
	char *name;
	char *path;	      /* the binary */
	unsigned int timeout; /* seconds */
	bool full_only;	      /* from full-list.txt: runs with --full or when named */
	/*
	 * The collection's settings say require_tap=1 (our own suite): a
	 * result must be in TAP, so exit 0 without one fails, and a stream
	 * that contradicts its exit status or itself fails. Otherwise the
	 * kselftest contract of run_kselftest.sh: the exit status decides
	 * (0 pass, 4 skip, else fail), and a "not ok" fails an exit 0.
	 */
	bool require_tap;

	/* What happened, filled by exec and test_feed()/test_finish(). */
	bool started, finished, timed_out;
	int wait_status;
	char *exec_error;  /* could not start it at all */
	double start_time; /* wall clock, seconds since the epoch */
	double duration;   /* seconds */
	struct tap_summary sum;
	struct subtest *subtests;
	size_t n_subtests, n_subtests_alloc;
	char *skip_reason; /* the "1..0 # SKIP reason" of a whole-binary skip */
	char *output;
	size_t output_len;
	size_t output_dropped;
	char *partial; /* an unterminated last line */
	size_t partial_len;
	char *running; /* the kselftest harness's last "RUN name" without a result */
	char *message; /* its last "# file.c:N:test:message" since, the reason of a "not ok" */
	/*
	 * Seconds since the start as of the bytes being fed, kept up to date
	 * by the caller (parsing stays free of clocks), and when the current
	 * subtest began: its RUN line or the previous result.
	 */
	double clock, mark;

	enum verdict verdict;
	char *reason; /* why it failed, timed out or skipped */
};

int test_new(struct test **ret, const char *collection, const char *name, const char *path,
	     unsigned int timeout);
struct test *test_free(struct test *t);
static inline void test_freep(struct test **t)
{
	test_free(*t);
}

/* Feed output bytes as they arrive; complete lines are parsed as TAP. */
int test_feed(struct test *t, const char *buf, size_t len);

/*
 * After the process is gone (wait_status, timed_out or exec_error set):
 * parse the last line, synthesize a failure the TAP stream does not explain
 * (by require_tap's rule, above), and set verdict and reason.
 */
int test_finish(struct test *t);

/* The binary's file name: @t's name without the directories it may list. */
const char *test_basename(const struct test *t);

/* How many subtests have @v. */
size_t test_count(const struct test *t, enum verdict v);
