// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-selftests: run the installed KVM selftest suite on a fleet host or in
 * a CI gate. Finds the suite (kselftest-list.txt), runs each binary under a
 * timeout in its own session, reads its TAP, shows a line per test and a
 * summary, and writes JUnit/JSON reports with the host facts.
 *
 * This file is the command line; see exec.c (processes), test.c (verdicts),
 * catalog.c (the suite on disk), console.c, report-*.c and hostinfo.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "console.h"
#include "exec.h"
#include "parse-arg.h"
#include "report.h"
#include "run.h"

/* --full: KVMCFG_TEST_SCALE and the factor on each settings timeout. */
#define FULL_SCALE 10
#define STR(x)	   STR_(x)
#define STR_(x)	   #x
#define GRACE_MS   2000

struct options {
	bool list, full, tap;
	unsigned int timeout; /* 0: from settings */
	unsigned int jobs;
	const char *junit, *json, *textfile, *dir;
	char **filters;
	size_t n_filters;
};

static void usage(FILE *f)
{
	fputs("Usage: kvm-selftests [OPTION]...\n"
	      "Run the installed KVM selftests and report per test and subtest.\n\n"
	      "  -l, --list          list the selected tests (collection:test) and exit\n"
	      "  -f, --filter GLOB   only tests whose collection:test or name matches (repeatable);\n"
	      "                      selects full-only tests (stress:*) too when it matches them\n"
	      "  -q, --quick         CI-sized iterations (default): KVMCFG_TEST_SCALE=1\n"
	      "  -F, --full          long variants and more iterations: KVMCFG_TEST_FULL=1,\n"
	      "                      KVMCFG_TEST_SCALE=" STR(FULL_SCALE) ", timeouts x" STR(
		      FULL_SCALE) ",\n"
				  "                      and the full-only tests (full-list.txt: the stress area)\n"
				  "  -t, --timeout S     per-test timeout in seconds (default: the suite's settings)\n"
				  "  -j, --jobs N        tests run in parallel (default: usable CPUs)\n"
				  "      --tap           print one TAP stream of the whole run\n"
				  "      --junit FILE    write a JUnit XML report\n"
				  "      --json FILE     write a JSON report\n"
				  "      --textfile FILE write a node_exporter textfile summary (.prom)\n"
				  "  -d, --dir DIR       the suite's directory (holding kselftest-list.txt)\n"
				  "  -h, --help          this text;  -V, --version\n\n"
				  "Exit status: 0 all passed (skips allowed), 1 a failure or timeout,\n"
				  "2 usage error, 4 every test skipped.\n",
	      f);
}

static int parse_uint(const char *s, unsigned int max, unsigned int *ret)
{
	return kvmcfg_arg_uint(NULL, s, 1, max, ret, NULL);
}

static int parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_TAP = 256, OPT_JUNIT, OPT_JSON, OPT_TEXTFILE };
	static const struct option longopts[] = { { "list", no_argument, NULL, 'l' },
						  { "filter", required_argument, NULL, 'f' },
						  { "quick", no_argument, NULL, 'q' },
						  { "full", no_argument, NULL, 'F' },
						  { "timeout", required_argument, NULL, 't' },
						  { "jobs", required_argument, NULL, 'j' },
						  { "tap", no_argument, NULL, OPT_TAP },
						  { "junit", required_argument, NULL, OPT_JUNIT },
						  { "json", required_argument, NULL, OPT_JSON },
						  { "textfile", required_argument, NULL,
						    OPT_TEXTFILE },
						  { "dir", required_argument, NULL, 'd' },
						  { "help", no_argument, NULL, 'h' },
						  { "version", no_argument, NULL, 'V' },
						  {} };
	int c;

	while ((c = getopt_long(argc, argv, "lf:qFt:j:d:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->list = true;
			break;
		case 'f':
			o->filters[o->n_filters++] = optarg;
			break;
		case 'q':
			o->full = false;
			break;
		case 'F':
			o->full = true;
			break;
		case 't':
			if (parse_uint(optarg, 86400, &o->timeout) < 0) {
				fprintf(stderr,
					"kvm-selftests: --timeout wants seconds (1-86400), not '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'j':
			if (parse_uint(optarg, 1024, &o->jobs) < 0) {
				fprintf(stderr, "kvm-selftests: --jobs wants 1-1024, not '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_TAP:
			o->tap = true;
			break;
		case OPT_JUNIT:
			o->junit = optarg;
			break;
		case OPT_TEXTFILE:
			o->textfile = optarg;
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("kvm-selftests %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kvm-selftests: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static bool has_list(const char *dir)
{
	char *path;
	bool ok;

	if (asprintf(&path, "%s/kselftest-list.txt", dir) < 0)
		return false;
	ok = access(path, R_OK) == 0;
	free(path);
	return ok;
}

/*
 * Without --dir: a runner in the build tree runs the build tree's suite;
 * an installed one looks relative to itself first (so a DESTDIR or a moved
 * prefix works), then at the libexec directory it was configured for.
 */
static char *default_dir(void)
{
	char exe[PATH_MAX], *rel, *found, *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (!strcmp(exe, KVMCFG_BUILD_RUNNER_DIR))
				return strdup(KVMCFG_BUILD_SELFTESTS_DIR);
			if (KVMCFG_SELFTESTS_RELDIR[0] &&
			    asprintf(&rel, "%s/%s", exe, KVMCFG_SELFTESTS_RELDIR) >= 0) {
				found = has_list(rel) ? realpath(rel, NULL) : NULL;
				free(rel);
				if (found)
					return found;
			}
		}
	}
	return strdup(KVMCFG_SELFTESTS_DIR);
}

static unsigned int usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_done(struct test *t, void *userdata)
{
	console_test_done(userdata, t);
}

/* Tell the tests what mode they run in; an explicit KVMCFG_TEST_SCALE wins. */
static unsigned int set_mode_env(bool full)
{
	const char *given = getenv("KVMCFG_TEST_SCALE");
	unsigned int scale = full ? FULL_SCALE : 1;
	char buf[16];

	if (given && parse_uint(given, UINT_MAX, &scale) < 0) {
		fprintf(stderr,
			"kvm-selftests: ignoring KVMCFG_TEST_SCALE='%s': not a positive integer\n",
			given);
		scale = full ? FULL_SCALE : 1;
	}
	snprintf(buf, sizeof(buf), "%u", scale);
	setenv("KVMCFG_TEST_SCALE", buf, 1);
	if (full)
		setenv("KVMCFG_TEST_FULL", "1", 1);
	else
		unsetenv("KVMCFG_TEST_FULL");
	return scale;
}

static int write_reports(const struct options *o, struct run *r)
{
	const char *sysfs = getenv("KVMCFG_SYSFS_ROOT");
	int err, rc = 0;

	if (o->textfile && (err = report_textfile_write(r, o->textfile)) < 0) {
		fprintf(stderr, "kvm-selftests: failed to write %s: %s\n", o->textfile,
			strerror(-err));
		rc = -1;
	}
	if (!o->junit && !o->json)
		return rc;
	err = hostinfo_collect(&r->host, sysfs && *sysfs ? sysfs : "/sys", r->tests, r->n_tests);
	if (err < 0) {
		fprintf(stderr, "kvm-selftests: failed to collect host facts: %s\n",
			strerror(-err));
		return -1;
	}
	if (o->junit && (err = report_junit_write(r, o->junit)) < 0) {
		fprintf(stderr, "kvm-selftests: failed to write %s: %s\n", o->junit,
			strerror(-err));
		rc = -1;
	}
	if (o->json && (err = report_json_write(r, o->json)) < 0) {
		fprintf(stderr, "kvm-selftests: failed to write %s: %s\n", o->json, strerror(-err));
		rc = -1;
	}
	return rc;
}

static bool any_match(const struct catalog *c, const struct options *o)
{
	size_t i;

	for (i = 0; i < o->n_filters; i++)
		if (catalog_matches(c, o->filters[i]))
			return true;
	return false;
}

/*
 * No filter matched: a glob matches the whole id or name, so a bare word
 * ("mmio") matches only a test of exactly that name. Suggest "*word*" where
 * that would select something.
 */
static void suggest(const struct catalog *c, const struct options *o, const char *dir)
{
	char *wide;
	size_t i;

	fprintf(stderr, "kvm-selftests: no test in %s matches the filter\n", dir);
	for (i = 0; i < o->n_filters; i++) {
		const char *g = o->filters[i];

		if (strpbrk(g, "*?[") || asprintf(&wide, "*%s*", g) < 0)
			continue;
		if (catalog_matches(c, wide))
			fprintf(stderr,
				"kvm-selftests: a filter matches a whole collection:test or "
				"name; did you mean --filter '%s'?\n",
				wide);
		free(wide);
	}
	fprintf(stderr, "kvm-selftests: --list shows the tests\n");
}

/*
 * Before any test runs: each report can be written where asked (a test run
 * can take an hour; finding out at its end is too late). Creates and
 * removes the temporary file the report goes through.
 */
static int check_report_paths(const struct options *o)
{
	const struct {
		const char *opt, *path;
	} reports[] = {
		{ "--junit", o->junit },
		{ "--json", o->json },
		{ "--textfile", o->textfile },
	};
	size_t i;

	for (i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		struct stat st;
		char *tmp;
		FILE *f;
		int err;

		if (!reports[i].path)
			continue;
		if (stat(reports[i].path, &st) == 0 && S_ISDIR(st.st_mode))
			err = -EISDIR;
		else
			err = report_open(reports[i].path, &f, &tmp);
		if (err < 0) {
			fprintf(stderr, "kvm-selftests: %s %s: cannot write there: %s\n",
				reports[i].opt, reports[i].path, strerror(-err));
			return err;
		}
		fclose(f);
		unlink(tmp);
		free(tmp);
	}
	return 0;
}

static void freep(void *p)
{
	free(*(void **)p);
}

int main(int argc, char **argv)
{
	struct catalog *cat __attribute__((cleanup(catalog_freep))) = NULL;
	/* Never more filters than arguments. */
	char **filters __attribute__((cleanup(freep))) = calloc(argc + 1, sizeof(*filters));
	char *dir __attribute__((cleanup(freep))) = NULL;
	struct options o = { .filters = filters };
	struct exec_opts eo = {};
	struct console con;
	struct run r = {};
	char *err_line = NULL;
	size_t i;
	int err;

	if (!filters || parse_args(argc, argv, &o) < 0)
		return RUN_EXIT_USAGE;

	dir = o.dir ? strdup(o.dir) : default_dir();
	if (!dir)
		return RUN_EXIT_USAGE;
	err = catalog_load(&cat, dir, &err_line);
	if (err < 0) {
		fprintf(stderr, "kvm-selftests: %s%s\n", err_line ? err_line : strerror(-err),
			err == -ENOENT ? " (no test suite there: use --dir DIR)" : "");
		free(err_line);
		return RUN_EXIT_USAGE;
	}
	free(dir);
	dir = strdup(cat->dir);
	if (!dir)
		return RUN_EXIT_USAGE;
	if (o.n_filters && !any_match(cat, &o)) {
		suggest(cat, &o, dir);
		return RUN_EXIT_USAGE;
	}
	catalog_filter(cat, o.filters, o.full);
	if (cat->n_tests == 0) {
		fprintf(stderr, "kvm-selftests: no test in %s to run\n", dir);
		return RUN_EXIT_USAGE;
	}
	if (!o.list && check_report_paths(&o) < 0)
		return RUN_EXIT_USAGE;
	if (o.list) {
		for (i = 0; i < cat->n_tests; i++)
			printf("%s\n", cat->tests[i]->id);
		return RUN_EXIT_OK;
	}

	for (i = 0; i < cat->n_tests; i++)
		cat->tests[i]->timeout =
			o.timeout ? o.timeout : cat->tests[i]->timeout * (o.full ? FULL_SCALE : 1);
	r = (struct run){
		.tests = cat->tests,
		.n_tests = cat->n_tests,
		.dir = dir,
		.full = o.full,
		.scale = set_mode_env(o.full),
		.jobs = o.jobs ? o.jobs : usable_cpus(),
		.start_time = wall_now(),
	};
	/* A pipe reader gone away must not kill the run before the reports are written. */
	signal(SIGPIPE, SIG_IGN);

	console_init(&con, stdout, o.tap, cat->n_tests);
	console_begin(&con, &r);
	eo = (struct exec_opts){
		.jobs = r.jobs, .grace_ms = GRACE_MS, .on_done = on_done, .userdata = &con
	};
	err = exec_run(cat->tests, cat->n_tests, &eo);
	r.duration = wall_now() - r.start_time;
	if (err == -EINTR) {
		r.interrupted = true;
		/* A TAP consumer must not take the short stream for a complete run. */
		if (o.tap)
			printf("Bail out! interrupted: tests not started are left out\n");
		else
			console_note(&con,
				     "kvm-selftests: interrupted; tests not started are left out");
	} else if (err < 0) {
		fprintf(stderr, "kvm-selftests: running tests failed: %s\n", strerror(-err));
		r.interrupted = true;
	}
	r.exit_code = run_exit_code(&r);
	console_summary(&con, &r);
	if (write_reports(&o, &r) < 0 && r.exit_code == RUN_EXIT_OK)
		r.exit_code = RUN_EXIT_FAILED;
	hostinfo_free(r.host);
	return r.exit_code;
}
