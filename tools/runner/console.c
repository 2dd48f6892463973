// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"

/* Lines of a failed test's output shown under its result line. */
#define TAIL_LINES 20
#define SLOWEST	   5

static const char *const label[_VERDICT_MAX] = {
	[VERDICT_PASS] = "PASS",   [VERDICT_FAIL] = "FAIL",	  [VERDICT_SKIP] = "SKIP",
	[VERDICT_XFAIL] = "XFAIL", [VERDICT_TIMEOUT] = "TIMEOUT",
};
static const char *const colour[_VERDICT_MAX] = {
	[VERDICT_PASS] = "\033[32m",  [VERDICT_FAIL] = "\033[1;31m",	[VERDICT_SKIP] = "\033[33m",
	[VERDICT_XFAIL] = "\033[36m", [VERDICT_TIMEOUT] = "\033[1;35m",
};

void console_init(struct console *c, FILE *out, bool tap, size_t total)
{
	const char *term = getenv("TERM");

	*c = (struct console){ .out = out, .tap = tap, .total = total };
	c->color = !tap && isatty(fileno(out)) && !getenv("NO_COLOR") &&
		   !(term && !strcmp(term, "dumb"));
}

static void vsay(struct console *c, const char *fmt, va_list ap)
{
	if (c->tap)
		fputs("# ", c->out);
	vfprintf(c->out, fmt, ap);
	fputc('\n', c->out);
}

void console_note(struct console *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(c, fmt, ap);
	va_end(ap);
}

static const char *paint(const struct console *c, enum verdict v)
{
	return c->color ? colour[v] : "";
}

static const char *reset(const struct console *c)
{
	return c->color ? "\033[0m" : "";
}

void console_begin(struct console *c, const struct run *r)
{
	if (c->tap)
		fprintf(c->out, "TAP version 13\n1..%zu\n", c->total);
	console_note(
		c, "kvm-selftests: %zu test(s) from %s, %s mode (KVMCFG_TEST_SCALE=%u), %u job(s)",
		c->total, r->dir, r->full ? "full" : "quick", r->scale, r->jobs);
	fflush(c->out);
}

/* Each line of @text, prefixed; only the last @max lines when max > 0. */
static void lines(struct console *c, const char *text, size_t len, const char *prefix, size_t max)
{
	const char *p = text, *end = text + len, *nl;
	if (!text)
		return;
	if (max) {
		size_t seen = 0;

		/* Walk back to the start of the max-th line from the end. */
		p = end;
		if (p > text && p[-1] == '\n')
			p--;
		while (p > text && !(p[-1] == '\n' && ++seen == max))
			p--;
	}
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		fprintf(c->out, "%s%.*s\n", prefix, (int)(nl - p), p);
		p = nl + 1;
	}
}

static void tap_line(struct console *c, const struct test *t)
{
	lines(c, t->output, t->output_len, "# ", 0);
	if (t->output_dropped)
		fprintf(c->out, "# (%zu more bytes of output not kept)\n", t->output_dropped);
	switch (t->verdict) {
	case VERDICT_SKIP:
		/* The reason is on one line: a directive ends at the newline. */
		fprintf(c->out, "ok %zu %s # SKIP %.*s\n", c->done, t->id,
			(int)strcspn(t->reason ? t->reason : "", "\n"), t->reason ? t->reason : "");
		break;
	case VERDICT_FAIL:
	case VERDICT_TIMEOUT:
		fprintf(c->out, "not ok %zu %s\n", c->done, t->id);
		if (t->reason)
			fprintf(c->out, "# %s: %s\n", label[t->verdict], t->reason);
		break;
	default:
		fprintf(c->out, "ok %zu %s\n", c->done, t->id);
	}
}

void console_test_done(struct console *c, const struct test *t)
{
	size_t i;

	c->done++;
	if (c->tap) {
		tap_line(c, t);
		fflush(c->out);
		return;
	}
	fprintf(c->out, "[%*zu/%zu] %s%-7s%s %s  (%zu passed",
		(int)snprintf(NULL, 0, "%zu", c->total), c->done, c->total, paint(c, t->verdict),
		label[t->verdict], reset(c), t->id,
		test_count(t, VERDICT_PASS) + test_count(t, VERDICT_XFAIL));
	if (test_count(t, VERDICT_SKIP))
		fprintf(c->out, ", %zu skipped", test_count(t, VERDICT_SKIP));
	if (test_count(t, VERDICT_FAIL))
		fprintf(c->out, ", %zu failed", test_count(t, VERDICT_FAIL));
	fprintf(c->out, ", %.2f s)\n", t->duration);
	if (t->verdict == VERDICT_SKIP && t->reason)
		fprintf(c->out, "    skip: %s\n", t->reason);
	if (t->verdict == VERDICT_FAIL || t->verdict == VERDICT_TIMEOUT) {
		for (i = 0; i < t->n_subtests; i++) {
			const struct subtest *s = &t->subtests[i];

			if (s->verdict == VERDICT_FAIL || s->verdict == VERDICT_TIMEOUT)
				fprintf(c->out, "    %s%s%s %s%s%s\n", paint(c, s->verdict),
					label[s->verdict], reset(c), s->name, s->reason ? ": " : "",
					s->reason ? s->reason : "");
		}
		fprintf(c->out, "    --- last lines of output ---\n");
		lines(c, t->output, t->output_len, "    | ", TAIL_LINES);
	}
	fflush(c->out);
}

static int by_duration(const void *a, const void *b)
{
	const struct test *x = *(struct test *const *)a, *y = *(struct test *const *)b;

	return x->duration < y->duration ? 1 : x->duration > y->duration ? -1 : 0;
}

static void skipped_line(struct console *c, bool *title, const char *id, const char *sub,
			 const char *why)
{
	if (!*title) {
		console_note(c, "%s", "");
		console_note(c, "skipped:");
		*title = true;
	}
	why = why ? why : "no reason given";
	console_note(c, "  %s%s%s: %.*s", id, sub ? " " : "", sub ? sub : "",
		     (int)strcspn(why, "\n"), why);
}

/* Why what was skipped was skipped: a skipped test's reason, else its skipped subtests'. */
static void skip_reasons(struct console *c, const struct run *r)
{
	bool title = false;
	size_t i, k;

	for (i = 0; i < r->n_tests; i++) {
		const struct test *t = r->tests[i];

		if (!t->finished)
			continue;
		if (t->verdict == VERDICT_SKIP) {
			skipped_line(c, &title, t->id, NULL, t->reason);
			continue;
		}
		for (k = 0; k < t->n_subtests; k++)
			if (t->subtests[k].verdict == VERDICT_SKIP)
				skipped_line(c, &title, t->id, t->subtests[k].name,
					     t->subtests[k].reason);
	}
}

void console_summary(struct console *c, const struct run *r)
{
	struct test **sorted;
	size_t i, n = 0, w = 4;

	for (i = 0; i < r->n_tests; i++)
		if (r->tests[i]->finished && strlen(r->tests[i]->id) > w)
			w = strlen(r->tests[i]->id);
	console_note(c, "%s", "");
	console_note(c, "%-*s  %-7s %5s %5s %5s %5s %9s", (int)w, "test", "result", "pass", "fail",
		     "skip", "xfail", "time");
	for (i = 0; i < r->n_tests; i++) {
		const struct test *t = r->tests[i];

		if (!t->finished)
			continue;
		console_note(c, "%-*s  %s%-7s%s %5zu %5zu %5zu %5zu %8.2fs", (int)w, t->id,
			     paint(c, t->verdict), label[t->verdict], reset(c),
			     test_count(t, VERDICT_PASS),
			     test_count(t, VERDICT_FAIL) + test_count(t, VERDICT_TIMEOUT),
			     test_count(t, VERDICT_SKIP), test_count(t, VERDICT_XFAIL),
			     t->duration);
	}

	skip_reasons(c, r);

	sorted = calloc(r->n_tests ? r->n_tests : 1, sizeof(*sorted));
	for (i = 0; sorted && i < r->n_tests; i++)
		if (r->tests[i]->finished)
			sorted[n++] = r->tests[i];
	if (sorted && n > 1) {
		qsort(sorted, n, sizeof(*sorted), by_duration);
		console_note(c, "%s", "");
		console_note(c, "slowest:");
		for (i = 0; i < n && i < SLOWEST; i++)
			console_note(c, "  %8.2fs  %s", sorted[i]->duration, sorted[i]->id);
	}
	free(sorted);

	console_note(c, "%s", "");
	/* The plain last line scripts grep for; its wording is documented. */
	console_note(
		c,
		"kvm-selftests: %zu tests: %zu passed, %zu failed, %zu skipped, %zu timed out; "
		"subtests: %zu passed, %zu failed, %zu skipped, %zu xfail; %.1f s",
		run_count(r, VERDICT_PASS) + run_count(r, VERDICT_FAIL) +
			run_count(r, VERDICT_SKIP) + run_count(r, VERDICT_TIMEOUT),
		run_count(r, VERDICT_PASS), run_count(r, VERDICT_FAIL), run_count(r, VERDICT_SKIP),
		run_count(r, VERDICT_TIMEOUT), run_count_subtests(r, VERDICT_PASS),
		run_count_subtests(r, VERDICT_FAIL) + run_count_subtests(r, VERDICT_TIMEOUT),
		run_count_subtests(r, VERDICT_SKIP), run_count_subtests(r, VERDICT_XFAIL),
		r->duration);
	fflush(c->out);
}
