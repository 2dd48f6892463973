// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "macro.h"
#include "test.h"

static const char *const verdict_names[_VERDICT_MAX] = {
	[VERDICT_PASS] = "pass",   [VERDICT_FAIL] = "fail",	  [VERDICT_SKIP] = "skip",
	[VERDICT_XFAIL] = "xfail", [VERDICT_TIMEOUT] = "timeout",
};

const char *verdict_name(enum verdict v)
{
	return v < _VERDICT_MAX ? verdict_names[v] : "?";
}

int test_new(struct test **ret, const char *collection, const char *name, const char *path,
	     unsigned int timeout)
{
	struct test *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->collection = strdup(collection);
	t->name = strdup(name);
	t->path = strdup(path);
	if (!t->collection || !t->name || !t->path ||
	    asprintf(&t->id, "%s:%s", collection, name) < 0) {
		t->id = NULL;
		test_free(t);
		return -ENOMEM;
	}
	t->timeout = timeout;
	*ret = t;
	return 0;
}

struct test *test_free(struct test *t)
{
	size_t i;

	if (!t)
		return NULL;
	for (i = 0; i < t->n_subtests; i++) {
		free(t->subtests[i].name);
		free(t->subtests[i].reason);
	}
	free(t->subtests);
	free(t->id);
	free(t->collection);
	free(t->name);
	free(t->path);
	free(t->exec_error);
	free(t->skip_reason);
	free(t->output);
	free(t->partial);
	free(t->running);
	free(t->message);
	free(t->reason);
	free(t);
	return NULL;
}

static int add_subtest(struct test *t, long number, const char *name, size_t name_len,
		       enum verdict v, const char *reason, size_t reason_len)
{
	struct subtest *s;

	if (GROW(t->subtests, t->n_subtests_alloc, t->n_subtests + 1) < 0)
		return -ENOMEM;
	s = &t->subtests[t->n_subtests];
	*s = (struct subtest){ .number = number, .verdict = v, .duration = t->clock - t->mark };
	s->name = strndup(name, name_len);
	s->reason = reason && reason_len ? strndup(reason, reason_len) : NULL;
	if (!s->name || (reason && reason_len && !s->reason)) {
		free(s->name);
		free(s->reason);
		return -ENOMEM;
	}
	t->n_subtests++;
	t->mark = t->clock;
	return 0;
}

/*
 * The kselftest harness announces each test with "#  RUN  fixture.variant.name ..."
 * and names skips only there ("ok 3 # SKIP reason"), so remember it.
 */
static int note_harness_run(struct test *t, const char *line)
{
	const char *p = line, *end;

	if (*p++ != '#')
		return 0;
	while (*p == ' ')
		p++;
	if (strncmp(p, "RUN ", 4))
		return 0;
	p += 4;
	while (*p == ' ')
		p++;
	end = strstr(p, " ...");
	if (!end)
		end = p + strcspn(p, "\n");
	free(t->running);
	free(t->message);
	t->message = NULL;
	t->running = strndup(p, end - p);
	t->mark = t->clock;
	return t->running ? 0 : -ENOMEM;
}

static int parse_line(struct test *t, const char *line)
{
	static const enum verdict by_kind[] = {
		[TAP_LINE_OK] = VERDICT_PASS,
		[TAP_LINE_NOT_OK] = VERDICT_FAIL,
		[TAP_LINE_SKIP] = VERDICT_SKIP,
		[TAP_LINE_XFAIL] = VERDICT_XFAIL,
	};
	enum tap_line kind = tap_summary_feed(&t->sum, line);
	struct tap_result r;
	char fallback[32];
	const char *name;
	size_t name_len;
	int err;

	if (kind == TAP_LINE_PLAN && t->sum.skip_all && !t->skip_reason) {
		const char *d = strchr(line, '#');
		size_t len;

		/* "1..0 # SKIP reason": keep what follows the directive word. */
		/* No '#': the end of the line (never a literal, which -Warray-bounds minds). */
		d = d ? d + 1 + strspn(d + 1, " \t") : line + strlen(line);
		d += strcspn(d, " \t\n");
		d += strspn(d, " \t");
		/* The kernel's KVM selftests print "1..0 # SKIP - reason". */
		if (d[0] == '-' && d[1] == ' ')
			d += 2;
		len = strcspn(d, "\n");
		t->skip_reason = strndup(d, len);
		return t->skip_reason ? 0 : -ENOMEM;
	}
	if (kind == TAP_LINE_OTHER && tap_harness_message(line, &name, &name_len)) {
		/* The last one is the most specific: the test's own TH_LOG after the assertion. */
		free(t->message);
		t->message = strndup(name, name_len);
		return t->message ? 0 : -ENOMEM;
	}
	if (kind == TAP_LINE_OTHER)
		return note_harness_run(t, line);
	if (tap_result_parse(line, &r) < 0)
		return 0;

	if (r.desc_len) {
		name = r.desc;
		name_len = r.desc_len;
	} else if (t->running) {
		name = t->running;
		name_len = strlen(name);
	} else {
		name_len = snprintf(fallback, sizeof(fallback), "test %ld",
				    r.number >= 0 ? r.number : (long)t->sum.tests);
		name = fallback;
	}
	if (r.kind == TAP_LINE_NOT_OK && !r.reason_len && t->message) {
		r.reason = t->message;
		r.reason_len = strlen(t->message);
	}
	err = add_subtest(t, r.number, name, name_len, by_kind[r.kind], r.reason, r.reason_len);
	free(t->running);
	t->running = NULL;
	free(t->message);
	t->message = NULL;
	return err;
}

static void keep_output(struct test *t, const char *buf, size_t len)
{
	size_t room = TEST_OUTPUT_MAX - t->output_len, take = len < room ? len : room;
	char *grown;

	if (take) {
		grown = realloc(t->output, t->output_len + take + 1);
		if (grown) {
			t->output = grown;
			memcpy(t->output + t->output_len, buf, take);
			t->output_len += take;
			t->output[t->output_len] = '\0';
		} else {
			take = 0;
		}
	}
	t->output_dropped += len - take;
}

int test_feed(struct test *t, const char *buf, size_t len)
{
	const char *end = buf + len, *nl;
	char *line;
	int err;

	keep_output(t, buf, len);
	while (buf < end) {
		nl = memchr(buf, '\n', end - buf);
		if (!nl) {
			line = realloc(t->partial, t->partial_len + (end - buf) + 1);
			if (!line)
				return -ENOMEM;
			memcpy(line + t->partial_len, buf, end - buf);
			t->partial = line;
			t->partial_len += end - buf;
			t->partial[t->partial_len] = '\0';
			return 0;
		}
		if (t->partial_len) {
			line = realloc(t->partial, t->partial_len + (nl - buf) + 1);
			if (!line)
				return -ENOMEM;
			memcpy(line + t->partial_len, buf, nl - buf);
			line[t->partial_len + (nl - buf)] = '\0';
			t->partial = NULL;
			t->partial_len = 0;
		} else {
			line = strndup(buf, nl - buf);
			if (!line)
				return -ENOMEM;
		}
		err = parse_line(t, line);
		free(line);
		if (err < 0)
			return err;
		buf = nl + 1;
	}
	return 0;
}

const char *test_basename(const struct test *t)
{
	const char *slash = strrchr(t->name, '/');

	return slash ? slash + 1 : t->name;
}

size_t test_count(const struct test *t, enum verdict v)
{
	size_t i, n = 0;

	for (i = 0; i < t->n_subtests; i++)
		n += t->subtests[i].verdict == v;
	return n;
}

/* A result of the binary as a whole, reported as one more subtest. */
static int add_synthetic(struct test *t, enum verdict v, const char *why)
{
	char *name = NULL;
	int err;

	if (t->running && asprintf(&name, "%s (running)", t->running) < 0)
		return -ENOMEM;
	err = add_subtest(t, -1, name ? name : t->name, strlen(name ? name : t->name), v, why,
			  why ? strlen(why) : 0);
	free(name);
	return err;
}

static int set_reason(struct test *t, const char *why)
{
	free(t->reason);
	t->reason = why ? strdup(why) : NULL;
	return !why || t->reason ? 0 : -ENOMEM;
}

static bool exited_with(const struct test *t, int code)
{
	return WIFEXITED(t->wait_status) && WEXITSTATUS(t->wait_status) == code;
}

/* kselftest.h's name for an exit status that is neither pass, fail nor skip. */
static const char *ksft_code_name(int code)
{
	if (code == 2)
		return " (KSFT_XFAIL)";
	if (code == 3)
		return " (KSFT_XPASS)";
	return "";
}

/*
 * kselftest's contract, as run_kselftest.sh (kselftest/runner.sh) judges: the
 * exit status decides, 0 pass, 4 (KSFT_SKIP) skip, anything else fail. TAP
 * adds detail, and a "not ok" (or "Bail out!") in it fails an exit 0 or 4.
 * Into @why, the failure the TAP does not account for, or "".
 */
static void explain_ksft_exit(const struct test *t, char *why, size_t len)
{
	const struct tap_summary *sum = &t->sum;
	int code = WEXITSTATUS(t->wait_status);

	why[0] = '\0';
	if (!WIFEXITED(t->wait_status))
		tap_explain_exit(sum, t->wait_status, why, len); /* a signal */
	else if (code == 1 && sum->failed)
		return; /* the "not ok" explains it */
	else if (code != 0 && code != 1 && code != 4)
		snprintf(why, len, "exited with status %d%s", code, ksft_code_name(code));
	else if (sum->failed)
		snprintf(why, len, "reported %u failure(s) but exited %d", sum->failed, code);
	else if (sum->bailed)
		snprintf(why, len, "bailed out (exit %d)", code);
	else if (code == 1)
		snprintf(why, len, "exited with status 1");
}

/*
 * Without require_tap, what the exit status says about a binary that passed
 * or skipped (exit 4): a subtest standing for the binary where the TAP had
 * none (most foreign tests print none).
 */
static int judge_by_exit(struct test *t, bool skip)
{
	if (t->n_subtests || t->sum.skip_all)
		return 0;
	if (skip)
		return add_synthetic(t, VERDICT_SKIP, "exited 4 (KSFT_SKIP)");
	return exited_with(t, 0) ? add_synthetic(t, VERDICT_PASS, NULL) : 0;
}

int test_finish(struct test *t)
{
	char why[256] = "";
	const struct subtest *first_skip = NULL;
	bool exit_skip = false;
	size_t i;
	int err;

	if (t->partial_len) {
		char *line = t->partial;

		t->partial = NULL;
		t->partial_len = 0;
		err = parse_line(t, line);
		free(line);
		if (err < 0)
			return err;
	}
	t->finished = true;

	exit_skip = !t->exec_error && !t->timed_out && exited_with(t, 4) && !t->sum.failed &&
		    !t->sum.bailed;
	if (t->exec_error) {
		err = add_synthetic(t, VERDICT_FAIL, t->exec_error);
	} else if (t->timed_out) {
		snprintf(why, sizeof(why), "timed out after %u s%s%s", t->timeout,
			 t->running ? " in " : "", t->running ? t->running : "");
		err = add_synthetic(t, VERDICT_TIMEOUT, why);
	} else if (t->require_tap) {
		tap_explain_exit(&t->sum, t->wait_status, why, sizeof(why));
		if (!why[0] && t->sum.bailed)
			snprintf(why, sizeof(why), "bailed out");
		err = why[0] ? add_synthetic(t, VERDICT_FAIL, why) : 0;
	} else {
		explain_ksft_exit(t, why, sizeof(why));
		err = why[0] ? add_synthetic(t, VERDICT_FAIL, why) : judge_by_exit(t, exit_skip);
	}
	if (err < 0)
		return err;

	/* The worst subtest decides; a binary that only skipped is a skip. */
	t->verdict = VERDICT_PASS;
	for (i = 0; i < t->n_subtests; i++) {
		const struct subtest *s = &t->subtests[i];

		if (s->verdict == VERDICT_TIMEOUT) {
			t->verdict = VERDICT_TIMEOUT;
			return set_reason(t, s->reason);
		}
		if (s->verdict == VERDICT_FAIL && t->verdict != VERDICT_FAIL) {
			t->verdict = VERDICT_FAIL;
			err = set_reason(t, s->reason ? s->reason : s->name);
			if (err < 0)
				return err;
		}
		if (s->verdict == VERDICT_SKIP && !first_skip)
			first_skip = s;
	}
	if (t->verdict == VERDICT_FAIL)
		return 0;
	/* Exit 4 skips the whole even when some subtests passed, as under runner.sh. */
	if (exit_skip || t->n_subtests == test_count(t, VERDICT_SKIP)) {
		t->verdict = VERDICT_SKIP;
		if (t->skip_reason)
			return set_reason(t, t->skip_reason);
		if (first_skip && first_skip->reason)
			return set_reason(t, first_skip->reason);
		return set_reason(t, exit_skip ? "exited 4 (KSFT_SKIP)" : "skipped");
	}
	return 0;
}
