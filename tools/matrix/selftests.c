// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json-out.h"
#include "selftests.h"
#include "spawn-capture.h"
#include "strv.h"

/* After SIGTERM the runner ends its tests (2 s grace each) and writes its reports. */
#define RUNNER_GRACE_MS 15000

char *selftests_default_runner(const char *exe_dir, const char *build_matrix_dir,
			       const char *build_runner, const char *installed)
{
	char *beside;

	if (exe_dir && !strcmp(exe_dir, build_matrix_dir))
		return strdup(build_runner);
	if (exe_dir && asprintf(&beside, "%s/kvm-selftests", exe_dir) >= 0) {
		if (access(beside, X_OK) == 0)
			return beside;
		free(beside);
	}
	return strdup(access(installed, X_OK) == 0 ? installed : "kvm-selftests");
}

/* argv for @cmd plus @extra (NULL-terminated); the strings are borrowed. */
static char **runner_argv(const struct selftests_cmd *cmd, char *const *extra, char *timeout_buf,
			  size_t timeout_len)
{
	size_t n_extra = 0, k = 0;
	char **argv;

	while (extra[n_extra])
		n_extra++;
	argv = calloc(2 * cmd->n_filters + n_extra + 6, sizeof(*argv));
	if (!argv)
		return NULL;
	argv[k++] = (char *)cmd->runner;
	if (cmd->dir) {
		argv[k++] = "--dir";
		argv[k++] = (char *)cmd->dir;
	}
	if (cmd->timeout_s) {
		snprintf(timeout_buf, timeout_len, "%u", cmd->timeout_s);
		argv[k++] = "--timeout";
		argv[k++] = timeout_buf;
	}
	for (size_t i = 0; i < cmd->n_filters; i++) {
		argv[k++] = "--filter";
		argv[k++] = cmd->filters[i];
	}
	for (size_t i = 0; i < n_extra; i++)
		argv[k++] = extra[i];
	return argv;
}

/* "kvm-selftests exit status 2: its first line of output". */
static char *describe_failure(const char *runner, const struct spawn_result *res)
{
	char st[64], *why;
	const char *out = res->output ? res->output : "";

	if (asprintf(&why, "%s %s: %.*s", runner, spawn_describe(res->wait_status, st, sizeof(st)),
		     (int)strcspn(out, "\n"), out) < 0)
		return NULL;
	return why;
}

int selftests_list(const struct selftests_cmd *cmd, char ***ret, char **why)
{
	char *extra[] = { "--list", NULL }, tbuf[16], **argv, **v = NULL;
	struct spawn_result res = {};
	size_t n = 0;
	int r;

	argv = runner_argv(cmd, extra, tbuf, sizeof(tbuf));
	if (!argv)
		return -ENOMEM;
	r = spawn_capture(argv, 60000, NULL, &res);
	free(argv);
	if (r < 0) {
		if (asprintf(why, "cannot run %s: %s", cmd->runner, strerror(-r)) < 0)
			*why = NULL;
		return -EBADMSG;
	}
	if (!WIFEXITED(res.wait_status) || WEXITSTATUS(res.wait_status) != 0) {
		*why = describe_failure(cmd->runner, &res);
		spawn_result_clear(&res);
		return -EBADMSG;
	}
	for (char *p = res.output, *nl; *p; p = nl + (*nl == '\n')) {
		nl = p + strcspn(p, "\n");
		if (nl > p && strv_push(&v, &n, strndup(p, nl - p)) < 0) {
			spawn_result_clear(&res);
			strv_free(v);
			return -ENOMEM;
		}
	}
	spawn_result_clear(&res);
	if (!v && !(v = calloc(1, sizeof(*v))))
		return -ENOMEM;
	*ret = v;
	return 0;
}

static const char *get_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	*oom |= s && !d;
	return d;
}

/* One entry of the report's "tests" into @t; false if it lacks id, name or result. */
static bool test_from_json(struct json_object *o, struct config_test *t, bool *oom)
{
	struct json_object *subs, *v;
	const char *id = get_string(o, "id"), *name = get_string(o, "name");
	const char *result = get_string(o, "result");

	if (!id || !name || !result)
		return false;
	t->id = dup_or_null(id, oom);
	t->name = dup_or_null(name, oom);
	t->result = dup_or_null(result, oom);
	t->reason = dup_or_null(get_string(o, "reason"), oom);
	if (json_object_object_get_ex(o, "duration", &v))
		t->seconds = json_object_get_double(v);
	if (json_object_object_get_ex(o, "subtests", &subs) &&
	    json_object_is_type(subs, json_type_array))
		for (size_t i = 0; i < json_object_array_length(subs); i++) {
			const char *r = get_string(json_object_array_get_idx(subs, i), "result");

			if (!r)
				continue;
			t->passed += !strcmp(r, "pass") || !strcmp(r, "xfail");
			t->failed += !strcmp(r, "fail") || !strcmp(r, "timeout");
			t->skipped += !strcmp(r, "skip");
		}
	return true;
}

int selftests_parse_report(const char *text, size_t len, struct config_test **tests, size_t *n_ret,
			   int *exit_code, char **why)
{
	struct json_tokener *tok = json_tokener_new();
	_cleanup_(json_object_putp) struct json_object *doc = NULL;
	struct json_object *runner, *arr, *v;
	struct config_test *v_tests;
	const char *bad = NULL;
	bool oom = false;
	size_t n;

	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	doc = json_tokener_parse_ex(tok, text, (int)len);
	if (!doc || json_tokener_get_error(tok) != json_tokener_success)
		bad = doc ? "trailing text after the document" :
			    json_tokener_error_desc(json_tokener_get_error(tok));
	else if (!json_object_object_get_ex(doc, "schema_version", &v) ||
		 json_object_get_int(v) != 1)
		bad = "not a kvm-selftests report of schema_version 1";
	else if (!json_object_object_get_ex(doc, "runner", &runner) ||
		 !json_object_object_get_ex(runner, "exit_code", &v) ||
		 !json_object_object_get_ex(doc, "tests", &arr) ||
		 !json_object_is_type(arr, json_type_array))
		bad = "no runner.exit_code or tests";
	json_tokener_free(tok);
	if (bad) {
		if (asprintf(why, "its JSON report: %s", bad) < 0)
			*why = NULL;
		return -EBADMSG;
	}
	n = json_object_array_length(arr);
	v_tests = calloc(n + 1, sizeof(*v_tests));
	if (!v_tests)
		return -ENOMEM;
	for (size_t i = 0; i < n && !bad; i++)
		if (!test_from_json(json_object_array_get_idx(arr, i), &v_tests[i], &oom))
			bad = "a test without id, name or result";
	if (bad || oom) {
		for (size_t i = 0; i < n; i++)
			config_test_clear(&v_tests[i]);
		free(v_tests);
		if (oom)
			return -ENOMEM;
		if (asprintf(why, "its JSON report: %s", bad) < 0)
			*why = NULL;
		return -EBADMSG;
	}
	*exit_code = json_object_get_int(v);
	*tests = v_tests;
	*n_ret = n;
	return 0;
}

static int read_whole(const char *path, char **ret, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return -errno;
	n = getdelim(&buf, &cap, '\0', f);
	if (n < 0) {
		int err = feof(f) ? -ENODATA : -EIO;

		fclose(f);
		free(buf);
		return err;
	}
	fclose(f);
	*ret = buf;
	*len = n;
	return 0;
}

static int write_whole(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "we");
	int err = 0;

	if (!f)
		return -errno;
	if (fwrite(text, 1, len, f) != len)
		err = -EIO;
	if (fclose(f) != 0 && !err)
		err = -errno;
	return err;
}

int selftests_run(const struct selftests_cmd *cmd, const char *dir, size_t index, bool keep_files,
		  volatile sig_atomic_t *stop, struct config_result *c)
{
	_cleanup_free_ char *json = NULL, *junit = NULL, *tap = NULL, *text = NULL;
	char *extra[8] = { "--tap", "-j", "1", "--json" }, tbuf[16], **argv;
	struct spawn_result res = {};
	size_t k = 4, len = 0;
	int r;

	if (asprintf(&json, "%s/config-%zu.json", dir, index) < 0 ||
	    asprintf(&junit, "%s/config-%zu.xml", dir, index) < 0 ||
	    asprintf(&tap, "%s/config-%zu.tap", dir, index) < 0)
		return -ENOMEM;
	extra[k++] = json;
	if (keep_files) {
		extra[k++] = "--junit";
		extra[k++] = junit;
	}
	argv = runner_argv(cmd, extra, tbuf, sizeof(tbuf));
	if (!argv)
		return -ENOMEM;
	/* An earlier run's reports in -o DIR must not stand in for this one's. */
	unlink(json);
	unlink(junit);
	unlink(tap);
	/* One VM at a time (-j 1): the host may be small, and the tests measure. */
	r = spawn_capture_graceful(argv, 0, stop, RUNNER_GRACE_MS, &res);
	free(argv);
	c->tests_ran = true;
	if (r < 0) {
		c->runner_exit = 127;
		return asprintf(&c->runner_error, "cannot run %s: %s", cmd->runner, strerror(-r)) <
				       0 ?
			       -ENOMEM :
			       0;
	}
	c->runner_exit = WIFEXITED(res.wait_status) ? WEXITSTATUS(res.wait_status) :
						      128 + WTERMSIG(res.wait_status);
	if (keep_files && write_whole(tap, res.output, res.len) < 0)
		fprintf(stderr, "kvm-config-matrix: cannot write %s: %m\n", tap);
	r = read_whole(json, &text, &len);
	if (r < 0) {
		/* No report: a usage error, a filter that matched nothing, a crash. */
		c->runner_error = describe_failure(cmd->runner, &res);
		r = c->runner_error ? 0 : -ENOMEM;
	} else {
		int code;
		char *why = NULL;

		r = selftests_parse_report(text, len, &c->tests, &c->n_tests, &code, &why);
		if (r == -EBADMSG) {
			if (asprintf(&c->runner_error, "%s: %s", json, why ? why : "unreadable") <
			    0)
				c->runner_error = NULL;
			free(why);
			r = c->runner_error ? 0 : -ENOMEM;
		}
		if (!keep_files)
			unlink(json);
	}
	if (r == 0 && res.stopped)
		r = -EINTR;
	spawn_result_clear(&res);
	return r;
}
