// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <stdbool.h>
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
#include "spawn-capture.h"
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

/* Append @line (without its "# ") to the nested output being collected. */
static int nested_append(FILE *f, const char *line, size_t len)
{
	if (len >= 2 && line[0] == '#' && line[1] == ' ')
		line += 2, len -= 2;
	else if (len >= 1 && line[0] == '#')
		line += 1, len -= 1;
	return fprintf(f, "%.*s\n", (int)len, line) < 0 ? -ENOMEM : 0;
}

/* One top-level result line of kvm-selftests into an outcome. */
static int outcome_from_line(const char *line, char *nested, struct test_outcome *t)
{
	struct tap_summary sum = {};
	enum tap_line kind = tap_classify(line);
	const char *id = line + (kind == TAP_LINE_NOT_OK ? 6 : 2), *colon, *skip;
	size_t id_len;

	id += strspn(id, " ");
	id += strspn(id, "0123456789");
	id += strspn(id, " ");
	id_len = strcspn(id, " #");
	/* "collection:test": the table shows the test's name, as in direct mode. */
	colon = memchr(id, ':', id_len);
	if (colon) {
		id_len -= colon + 1 - id;
		id = colon + 1;
	}
	t->name = strndup(id, id_len);
	t->output = nested;
	if (!t->name)
		return -ENOMEM;
	for (const char *p = nested; p && *p;) {
		size_t len = strcspn(p, "\n");
		char *l = strndup(p, len);

		if (l)
			tap_summary_feed(&sum, l);
		free(l);
		p += len + (p[len] == '\n');
	}
	t->passed = sum.passed;
	t->failed = sum.failed;
	t->skipped = sum.skipped;
	if (kind == TAP_LINE_SKIP) {
		t->verdict = VERDICT_SKIP;
		skip = strstr(line, "# SKIP");
		t->reason = strdup(skip ? skip + 6 + strspn(skip + 6, " ") : "skipped");
	} else if (kind == TAP_LINE_NOT_OK) {
		t->verdict = VERDICT_FAIL;
		t->reason = failure_reason(nested);
		if (!t->reason)
			t->reason = strdup(line);
	} else {
		t->verdict = VERDICT_PASS;
	}
	return 0;
}

int suite_parse_kvm_selftests(const char *output, struct test_outcome **ret, size_t *n_ret)
{
	struct test_outcome *v = NULL;
	size_t n = 0, nlen = 0;
	char *nested = NULL;
	FILE *f = open_memstream(&nested, &nlen);
	bool after_fail = false;
	int r = 0;

	if (!f)
		return -ENOMEM;
	for (const char *p = output; *p;) {
		size_t len = strcspn(p, "\n");
		char *line = strndup(p, len);
		enum tap_line kind;

		if (!line) {
			r = -ENOMEM;
			break;
		}
		kind = tap_classify(line);
		if (kind == TAP_LINE_OK || kind == TAP_LINE_NOT_OK || kind == TAP_LINE_SKIP) {
			struct test_outcome *nv = realloc(v, (n + 1) * sizeof(*nv));

			fclose(f);
			f = NULL;
			if (!nv) {
				free(nested);
				free(line);
				r = -ENOMEM;
				break;
			}
			v = nv;
			memset(&v[n], 0, sizeof(v[n]));
			r = outcome_from_line(line, nested, &v[n++]);
			after_fail = kind == TAP_LINE_NOT_OK;
			free(line);
			line = NULL;
			nested = NULL;
			f = open_memstream(&nested, &nlen);
			if (r < 0 || !f)
				r = r < 0 ? r : -ENOMEM;
		} else if (after_fail && (!strncmp(line, "# FAIL: ", 8) ||
					  !strncmp(line, "# TIMEOUT: ", 11))) {
			/* The runner's own reason follows its "not ok" line: keep the
			 * harness's message ("not ok N case: message") when there is one. */
			if (!v[n - 1].reason || !strstr(v[n - 1].reason, ": ") ||
			    !strncmp(line, "# TIMEOUT: ", 11)) {
				free(v[n - 1].reason);
				v[n - 1].reason = strdup(line + 2);
			}
			after_fail = false;
		} else if (line[0] == '#') {
			after_fail = false;
			r = nested_append(f, line, len);
		}
		free(line);
		if (r < 0)
			break;
		p += len + (p[len] == '\n');
	}
	if (f)
		fclose(f);
	free(nested);
	if (r < 0) {
		for (size_t i = 0; i < n; i++) {
			free(v[i].name);
			free(v[i].reason);
			free(v[i].output);
		}
		free(v);
		return r;
	}
	*ret = v;
	*n_ret = n;
	return 0;
}

int suite_run_kvm_selftests(const char *runner, const char *dir, char *const *names,
			    size_t n_names, unsigned int timeout_s, volatile sig_atomic_t *stop,
			    struct test_outcome **ret, size_t *n, char **why)
{
	char **argv = calloc(2 * n_names + 10, sizeof(*argv)), tbuf[16], st[64];
	struct spawn_result res = {};
	size_t k = 0;
	int r;

	if (!argv)
		return -ENOMEM;
	argv[k++] = (char *)runner;
	argv[k++] = "--dir";
	argv[k++] = (char *)dir;
	argv[k++] = "--tap";
	argv[k++] = "-j";
	argv[k++] = "1";	/* one VM at a time: the host may be small */
	if (timeout_s) {
		snprintf(tbuf, sizeof(tbuf), "%u", timeout_s);
		argv[k++] = "--timeout";
		argv[k++] = tbuf;
	}
	for (size_t i = 0; i < n_names; i++) {
		argv[k++] = "--filter";
		argv[k++] = names[i];
	}
	r = spawn_capture(argv, 0, stop, &res);
	free(argv);
	if (r < 0)
		return r;
	r = suite_parse_kvm_selftests(res.output, ret, n);
	if (r == 0 && !*n) {
		/* Nothing ran: a usage error, an empty filter, a missing list. */
		if (asprintf(why, "%s %s: %.*s", runner,
			     spawn_describe(res.wait_status, st, sizeof(st)),
			     (int)strcspn(res.output, "\n"), res.output) < 0)
			*why = NULL;
		free(*ret);
		r = -EBADMSG;
	}
	if (r == 0 && res.stopped)
		r = -EINTR;
	spawn_result_clear(&res);
	return r;
}
