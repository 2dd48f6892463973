// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "param.h"
#include "spawn.h"
#include "strv.h"
#include "suite.h"
#include "tap.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_test_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int suite_collect(const char *dir, char *const *names, size_t n_names, char ***ret,
		  const char **missing)
{
	char **v = NULL, *path;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < n_names; i++) {
		if (strchr(names[i], '/'))
			path = strdup(names[i]);
		else if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
			path = NULL;
		if (path && !is_test_file(path)) {
			free(path);
			kvmcfg_strv_free(v);
			*missing = names[i];
			return -ENOENT;
		}
		r = strv_push(&v, &n, path);
		if (r < 0)
			goto fail;
	}
	if (!n_names) {
		struct dirent *de;
		DIR *d = opendir(dir);

		if (!d)
			return -errno;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
				r = -ENOMEM;
				break;
			}
			if (!is_test_file(path)) {
				free(path);
				continue;
			}
			r = strv_push(&v, &n, path);
			if (r < 0)
				break;
		}
		closedir(d);
		if (r < 0)
			goto fail;
		if (n)
			qsort(v, n, sizeof(*v), cmp_str);
	}
	if (!v && !(v = calloc(1, sizeof(*v))))
		return -ENOMEM;
	*ret = v;
	return 0;
fail:
	kvmcfg_strv_free(v);
	return r;
}

/* The first line of @output for which @want(kind) holds, as a new string. */
static char *first_line(const char *output, enum tap_line want)
{
	for (const char *p = output; p && *p;) {
		size_t len = strcspn(p, "\n");
		char *line = strndup(p, len);

		if (line && tap_classify(line) == want)
			return line;
		free(line);
		p += len + (p[len] == '\n');
	}
	return NULL;
}

/*
 * The kselftest harness logs "# file.c:LINE:test:message" before a failing
 * test's "not ok"; the last such message is the most specific one (the
 * test's own TH_LOG after the assertion). Returns the message, or NULL.
 */
static char *last_diagnostic(const char *output, const char *until)
{
	const char *best = NULL;
	size_t best_len = 0;

	for (const char *p = output; p && *p && p < until;) {
		size_t len = strcspn(p, "\n");
		const char *c = p[0] == '#' ? strstr(p, ".c:") : NULL;

		if (c && c < p + len && c[3] >= '0' && c[3] <= '9') {
			const char *msg = memchr(c + 3, ':', p + len - (c + 3));

			msg = msg ? memchr(msg + 1, ':', p + len - (msg + 1)) : NULL;
			if (msg && msg + 1 < p + len) {
				best = msg + 1;
				best_len = p + len - best;
			}
		}
		if (!strncmp(p, "#  RUN ", 7) || !strncmp(p, "# RUN ", 6))
			best = NULL;	/* a new test: earlier messages were someone else's */
		p += len + (p[len] == '\n');
	}
	return best ? strndup(best, best_len) : NULL;
}

/* "not ok N name: the harness's last message for it". */
static char *failure_reason(const char *output)
{
	char *line = first_line(output, TAP_LINE_NOT_OK), *msg, *r;
	const char *at;

	if (!line)
		return NULL;
	at = strstr(output, line);
	msg = last_diagnostic(output, at ? at : output + strlen(output));
	if (!msg)
		return line;
	if (asprintf(&r, "%s: %s", line, msg) < 0)
		r = NULL;
	free(line);
	free(msg);
	return r;
}

/* The reason after "# SKIP" on a skip line, or the whole line. */
static char *skip_reason(const char *output)
{
	char *line = first_line(output, TAP_LINE_SKIP), *hash, *r;

	if (!line)
		line = first_line(output, TAP_LINE_PLAN);	/* "1..0 # SKIP why" */
	if (!line)
		return NULL;
	hash = strchr(line, '#');
	if (!hash)
		return line;
	hash++;
	hash += strspn(hash, " \t");
	if (!strncasecmp(hash, "skip", 4))
		hash += 4 + strspn(hash + 4, " \t:");
	r = strdup(hash);
	free(line);
	return r;
}

void suite_judge(const char *output, int wait_status, struct test_outcome *t)
{
	struct tap_summary sum = {};
	char why[256];

	for (const char *p = output; p && *p;) {
		size_t len = strcspn(p, "\n");
		char *line = strndup(p, len);

		if (line)
			tap_summary_feed(&sum, line);
		free(line);
		p += len + (p[len] == '\n');
	}
	t->passed = sum.passed;
	t->failed = sum.failed;
	t->skipped = sum.skipped;
	tap_explain_exit(&sum, wait_status, why, sizeof(why));
	if (sum.failed || sum.bailed || why[0]) {
		t->verdict = VERDICT_FAIL;
		t->reason = sum.failed ? failure_reason(output) :
			    sum.bailed ? first_line(output, TAP_LINE_BAIL) : strdup(why);
	} else if (sum.passed) {
		t->verdict = VERDICT_PASS;
	} else if (sum.skip_all || sum.skipped) {
		t->verdict = VERDICT_SKIP;
		t->reason = skip_reason(output);
	} else {
		/* Exit 0 and not one result: nothing was shown to work. */
		t->verdict = VERDICT_FAIL;
		t->reason = strdup("no TAP result lines");
	}
}

int suite_run_one(const char *path, unsigned int timeout_ms, volatile sig_atomic_t *stop,
		  struct test_outcome *ret)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *argv[] = { (char *)path, NULL };
	struct test_outcome t = {};
	struct spawn_result res = {};
	struct timespec a, b;
	int r;

	t.name = strdup(base);
	if (!t.name)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &a);
	r = spawn_capture(argv, timeout_ms, stop, &res);
	clock_gettime(CLOCK_MONOTONIC, &b);
	t.seconds = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	if (r < 0) {
		t.verdict = VERDICT_FAIL;
		if (asprintf(&t.reason, "cannot run %s: %s", path, strerror(-r)) < 0)
			t.reason = NULL;
		*ret = t;
		return 0;
	}
	t.output = res.output;
	res.output = NULL;
	if (res.stopped) {
		t.verdict = VERDICT_NOT_RUN;
		t.reason = strdup("interrupted");
		*ret = t;
		return -EINTR;
	}
	if (res.timed_out) {
		t.verdict = VERDICT_FAIL;
		if (asprintf(&t.reason, "timed out after %u s", timeout_ms / 1000) < 0)
			t.reason = NULL;
	} else {
		suite_judge(t.output, res.wait_status, &t);
	}
	*ret = t;
	return 0;
}
