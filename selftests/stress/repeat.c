// SPDX-License-Identifier: GPL-2.0-only
/*
 * repeat: run one kselftest binary many times in a row, each run a fresh
 * process (fresh VM, fresh vCPU threads), and fail if any run fails.
 *
 * Usage: repeat [--count N] [--require NAME]... [EXE [ARG]...]
 *
 * A run passes when it exits 0 and every --require'd case reports "ok" (not
 * a skip): a stress run that silently skipped would prove nothing. The count
 * is 100 x KVMCFG_TEST_SCALE unless --count is given. Each run gets
 * KVMCFG_TEST_SCALE=1 and no KVMCFG_TEST_FULL, so it is the test's ordinary
 * size (under kvm-selftests --full the count grows, not each run: the long
 * variants already run once in their own area).
 *
 * Built once per stress entry with its command line compiled in
 * (REPEAT_DEFAULT_ARGS), so it runs as an installed kselftest binary with no
 * arguments: stress/mmio_generation_x100. A relative EXE that is not there
 * is looked up next to this binary: ../EXE (installed,
 * <suite>/<area>/<test>), then ../<basename> (the flat build tree).
 *
 * Each run goes through spawn_capture() (common): its own
 * session, 120 s, everything it started killed with it.
 *
 * Output is kselftest TAP (one result per run, the failing run's last lines
 * as comments, a summary of per-run wall times); exit 0 pass, 1 fail, 4
 * (1..0 # SKIP, with the binary's own reason) when the binary skipped as a
 * whole on its first run, e.g. without /dev/kvm.
 *
 * Bug class: what shows once in many runs: races (a vCPU thread against
 * memslot toggles), state leaking between VMs or processes, flaky waits.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest.h"
#include "parse-arg.h"
#include "proc.h"
#include "spawn-capture.h"

#define RUN_TIMEOUT_MS (120 * 1000)
#define TAIL_LINES 30
#define MAX_REQUIRE 16

/* Resolve a relative @exe that is not where given: next to this binary. */
static char *find_exe(const char *exe)
{
	char self[PATH_MAX], *slash, *path;
	const char *base = strrchr(exe, '/');
	ssize_t n;

	if (exe[0] == '/' || access(exe, X_OK) == 0)
		return strdup(exe);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return strdup(exe);
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return strdup(exe);
	*slash = '\0';
	if (asprintf(&path, "%s/../%s", self, exe) >= 0) {
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	if (asprintf(&path, "%s/../%s", self, base ? base + 1 : exe) >= 0) {
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	return strdup(exe);
}

/* Whether @out has an "ok" result, not a skip, for a case whose dotted name has @name as a part. */
static bool passed_case(const char *out, const char *name)
{
	size_t nlen = strlen(name);
	const char *line;

	for (line = out; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *p = line, *end;

		if (strncmp(p, "ok ", 3))
			continue;
		p += 3;
		p += strspn(p, "0123456789");
		if (*p++ != ' ')
			continue;
		end = p + strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");
		if (!strncmp(end, " # SKIP", 7) || !strncmp(end, " # skip", 7))
			continue;
		/* Each '.'-separated part of the name. */
		while (p < end) {
			const char *dot = memchr(p, '.', end - p);
			size_t len = (dot ? dot : end) - p;

			if (len == nlen && !strncmp(p, name, nlen))
				return true;
			p += len + 1;
		}
	}
	return false;
}

/* The last @n lines of @out, as TAP comments. */
static void print_tail(const char *out, int n)
{
	const char *p = out + strlen(out), *line;

	while (p > out && n > 0)
		if (*--p == '\n' && p[1])
			n--;
	for (line = p == out ? p : p + 1; *line;) {
		size_t len = strcspn(line, "\n");

		printf("# %.*s\n", (int)len, line);
		line += len + (line[len] == '\n');
	}
}

/* The binary's own skip reason: its "1..0 # SKIP reason" line, else its last line. */
static void skip_exit(const char *out)
{
	const char *s = strstr(out, "1..0 # SKIP "), *last = out;
	size_t len;

	if (s) {
		s += strlen("1..0 # SKIP ");
		len = strcspn(s, "\n");
	} else {
		s = out + strlen(out);
		while (s > last && s[-1] == '\n')
			s--;
		len = s - last;
		while (s > last && s[-1] != '\n')
			s--;
		len -= s - last;
	}
	ksft_exit_skip("%.*s\n", (int)len, s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [--count N] [--require NAME]... [EXE [ARG]...]\n"
		"Run the kselftest binary EXE N times (default 100 x KVMCFG_TEST_SCALE),\n"
		"each a fresh process; fail if a run fails or a --require'd case is not ok.\n"
		"With no arguments it runs the test it was built for.\n", prog);
}

int main(int argc, char **argv)
{
#ifdef REPEAT_DEFAULT_ARGS
	static char *defaults[] = { "repeat", REPEAT_DEFAULT_ARGS, NULL };
#endif
	const char *require[MAX_REQUIRE], *scale = getenv("KVMCFG_TEST_SCALE");
	unsigned int n_require = 0, count = 0, i, failed = 0;
	double *times, total = 0;
	char *end;
	int a = 1;

#ifdef REPEAT_DEFAULT_ARGS
	if (argc == 1) {
		argv = defaults;
		argc = sizeof(defaults) / sizeof(defaults[0]) - 1;
	}
#endif
	for (; a < argc && !strncmp(argv[a], "-", 1); a += 2) {
		char error[KVMCFG_ARG_ERROR_MAX];

		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage(stdout, argv[0]);
			return 0;
		}
		if (strcmp(argv[a], "--count") && strcmp(argv[a], "--require"))
			ksft_exit_fail_msg("unknown option %s (see --help)\n", argv[a]);
		if (a + 1 >= argc)
			ksft_exit_fail_msg("%s needs a value (see --help)\n", argv[a]);
		if (!strcmp(argv[a], "--count")) {
			if (kvmcfg_arg_uint("--count", argv[a + 1], 1, 1000000, &count, error) < 0)
				ksft_exit_fail_msg("%s\n", error);
		} else if (n_require < MAX_REQUIRE) {
			require[n_require++] = argv[a + 1];
		} else {
			ksft_exit_fail_msg("more than %d --require\n", MAX_REQUIRE);
		}
	}
	if (a >= argc) {
		usage(stderr, argv[0]);
		ksft_exit_fail();
	}
	if (!count) {
		unsigned long s = scale ? strtoul(scale, &end, 10) : 1;

		count = 100 * (scale && (*end || !s || s > 10000) ? 1 : s);
	}
	argv += a;
	argv[0] = find_exe(argv[0]);
	times = calloc(count, sizeof(*times));
	if (!argv[0] || !times)
		ksft_exit_fail_msg("out of memory\n");

	/* Each run the test's ordinary size; the count carries the scale. */
	setenv("KVMCFG_TEST_SCALE", "1", 1);
	unsetenv("KVMCFG_TEST_FULL");
	ksft_print_header();
	for (i = 0; i < count; i++) {
		struct spawn_result r = {};
		long long t0 = proc_now_ms();
		char why[256] = "", desc[64];
		const char *out;
		unsigned int k;
		int err = spawn_capture(argv, RUN_TIMEOUT_MS, NULL, &r);

		times[i] = (proc_now_ms() - t0) / 1000.0;
		total += times[i];
		out = r.output ? r.output : "";
		if (err)
			snprintf(why, sizeof(why), "could not start %s: %s", argv[0], strerror(-err));
		else if (i == 0 && WIFEXITED(r.wait_status) && WEXITSTATUS(r.wait_status) == KSFT_SKIP)
			skip_exit(out);
		else if (r.timed_out)
			snprintf(why, sizeof(why), "timed out after %d s", RUN_TIMEOUT_MS / 1000);
		else if (r.wait_status)
			snprintf(why, sizeof(why), "%s",
				 spawn_describe(r.wait_status, desc, sizeof(desc)));
		for (k = 0; k < n_require && !why[0]; k++)
			if (!passed_case(out, require[k]))
				snprintf(why, sizeof(why), "no pass for %s", require[k]);
		if (i == 0)
			ksft_set_plan(count);
		if (why[0]) {
			failed++;
			ksft_test_result_fail("run %u: %s\n", i + 1, why);
			print_tail(out, TAIL_LINES);
		} else {
			ksft_test_result_pass("run %u (%.2f s)\n", i + 1, times[i]);
		}
		spawn_result_clear(&r);
	}
	qsort(times, count, sizeof(*times), cmp_double);
	ksft_print_msg("%u runs of %s: %u failed; wall time per run min %.2f s, median %.2f s, "
		       "max %.2f s, total %.1f s\n", count, argv[0], failed, times[0],
		       times[count / 2], times[count - 1], total);
	free(times);
	free(argv[0]);
	return failed ? ksft_exit_fail() : ksft_exit_pass();
}
