// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-config-matrix: reload kvm and its vendor module under every config of
 * a parameter matrix, check that the loaded params are the requested ones,
 * run the selftests under each through kvm-selftests, and restore the
 * original params at the end (also after a failure, Ctrl-C or SIGTERM).
 * See docs/matrix.md. This file is the command line; sweep.c runs it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "parse-arg.h"
#include "selftests.h"
#include "strv.h"
#include "sweep.h"

struct options {
	struct sweep_options s;
	const char *runner; /* --kvm-selftests, or NULL */
};

static void usage(FILE *f)
{
	fputs("Usage: kvm-config-matrix [OPTIONS] [MATRIX...]\n"
	      "\n"
	      "Reload kvm and the vendor module under each config of MATRIX, assert the\n"
	      "loaded params, run the selftests, restore the original params.\n"
	      "\n"
	      "  MATRIX, -m, --matrix TEXT  axes, e.g. 'kvm.tdp_mmu={0,1} x kvm_amd.npt={0,1}'\n"
	      "  -f, --matrix-file FILE     axes from a file (one or more per line, # comments)\n"
	      "  -t, --test GLOB            run only the tests kvm-selftests --filter GLOB picks\n"
	      "                             (repeatable)\n"
	      "      --tests-dir DIR        the suite kvm-selftests runs (its --dir; default: the\n"
	      "                             one it finds itself, installed or in a build tree)\n"
	      "      --no-tests             only reload and check params\n"
	      "      --timeout SEC          per-test deadline (default: the suite's settings)\n"
	      "      --kvm-selftests PATH   the runner to use (default: the one beside this program)\n"
	      "  -o, --output DIR           write matrix.md, matrix.json and each config's\n"
	      "                             config-N.json, config-N.xml, config-N.tap\n"
	      "      --reload-modules       required: actually unload and load KVM\n"
	      "  -n, --dry-run              print the plan and the safety check, change nothing;\n"
	      "                             exits 4 where KVM cannot be reloaded\n"
	      "      --force                run even if VMs exist or /dev/kvm is open elsewhere\n"
	      "      --modprobe, --rmmod, --modinfo PATH   the module tools (default from PATH)\n"
	      "      --sysfs-root DIR, --proc-root DIR     read another tree (for tests)\n"
	      "  -h, --help                 this text\n"
	      "\n"
	      "Exit: 0 all configs ok, 1 a config or test failed, 2 usage, 3 refused (safety),\n"
	      "4 not possible on this host, 5 restore failed, 128+N interrupted by signal N.\n",
	      f);
}

/* A matrix source and the label its parse errors carry. */
static int push_source(struct sweep_options *o, const char *text, const char *label)
{
	size_t n = o->n_sources;

	if (strv_push(&o->labels, &n, strdup(label)) < 0)
		return -ENOMEM;
	return strv_push(&o->sources, &o->n_sources, strdup(text));
}

static char *read_file(const char *path)
{
	char *buf = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return NULL;
	if (getdelim(&buf, &cap, '\0', f) < 0 && !buf)
		buf = strdup("");
	fclose(f);
	return buf;
}

static int parse_options(int argc, char **argv, struct options *opts)
{
	struct sweep_options *o = &opts->s;
	enum {
		O_DIR = 256,
		O_NO_TESTS,
		O_TIMEOUT,
		O_RELOAD,
		O_FORCE,
		O_MODPROBE,
		O_RMMOD,
		O_MODINFO,
		O_SYSFS,
		O_PROC,
		O_KVM_SELFTESTS
	};
	static const struct option longopts[] = {
		{ "matrix", required_argument, NULL, 'm' },
		{ "matrix-file", required_argument, NULL, 'f' },
		{ "test", required_argument, NULL, 't' },
		{ "tests-dir", required_argument, NULL, O_DIR },
		{ "no-tests", no_argument, NULL, O_NO_TESTS },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "kvm-selftests", required_argument, NULL, O_KVM_SELFTESTS },
		{ "output", required_argument, NULL, 'o' },
		{ "reload-modules", no_argument, NULL, O_RELOAD },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, O_FORCE },
		{ "modprobe", required_argument, NULL, O_MODPROBE },
		{ "rmmod", required_argument, NULL, O_RMMOD },
		{ "modinfo", required_argument, NULL, O_MODINFO },
		{ "sysfs-root", required_argument, NULL, O_SYSFS },
		{ "proc-root", required_argument, NULL, O_PROC },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	char label[64], arg_error[KVMCFG_ARG_ERROR_MAX], *text;
	int c;

	while ((c = getopt_long(argc, argv, "m:f:t:o:nh", longopts, NULL)) >= 0) {
		switch (c) {
		case 'm':
			snprintf(label, sizeof(label), "--matrix argument %zu", o->n_sources + 1);
			if (push_source(o, optarg, label) < 0)
				return -ENOMEM;
			break;
		case 'f':
			text = read_file(optarg);
			if (!text) {
				fprintf(stderr,
					"kvm-config-matrix: cannot read matrix file %s: %m\n",
					optarg);
				return -EINVAL;
			}
			if (push_source(o, text, optarg) < 0) {
				free(text);
				return -ENOMEM;
			}
			free(text);
			break;
		case 't':
			if (strv_push(&o->filters, &o->n_filters, strdup(optarg)) < 0)
				return -ENOMEM;
			break;
		case O_DIR:
			o->tests_dir = optarg;
			break;
		case O_NO_TESTS:
			o->no_tests = true;
			break;
		case O_KVM_SELFTESTS:
			opts->runner = optarg;
			break;
		case O_TIMEOUT:
			if (kvmcfg_arg_uint("--timeout", optarg, 1, 86400, &o->timeout_s,
					    arg_error) < 0) {
				fprintf(stderr, "kvm-config-matrix: %s (seconds)\n", arg_error);
				return -EINVAL;
			}
			break;
		case 'o':
			o->output_dir = optarg;
			break;
		case O_RELOAD:
			o->reload = true;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case O_FORCE:
			o->force = true;
			break;
		case O_MODPROBE:
			o->tools.modprobe = optarg;
			break;
		case O_RMMOD:
			o->tools.rmmod = optarg;
			break;
		case O_MODINFO:
			o->tools.modinfo = optarg;
			break;
		case O_SYSFS:
			o->sysfs_root = optarg;
			break;
		case O_PROC:
			o->proc_root = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(MATRIX_EXIT_OK);
		default:
			return -EINVAL;
		}
	}
	for (; optind < argc; optind++) {
		snprintf(label, sizeof(label), "matrix argument %zu", o->n_sources + 1);
		if (push_source(o, argv[optind], label) < 0)
			return -ENOMEM;
	}
	if (!o->n_sources) {
		fputs("kvm-config-matrix: no matrix given (see --help)\n", stderr);
		return -EINVAL;
	}
	return 0;
}

/* The directory this program runs from, or NULL. */
static char *exe_dir(void)
{
	char exe[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return strdup(exe);
}

int main(int argc, char **argv)
{
	struct options o = { .s = { .sysfs_root = "/sys",
				    .proc_root = "/proc",
				    .tools = { "modprobe", "rmmod", "modinfo", 60000 } } };
	_cleanup_free_ char *dir = NULL, *runner = NULL;
	int rc = MATRIX_EXIT_USAGE;

	signal(SIGPIPE, SIG_IGN);
	if (parse_options(argc, argv, &o) < 0)
		goto out;
	dir = exe_dir();
	runner = o.runner ? strdup(o.runner) :
			    selftests_default_runner(dir, KVMCFG_BUILD_MATRIX_DIR,
						     KVMCFG_BUILD_RUNNER, KVMCFG_INSTALLED_RUNNER);
	if (!runner) {
		rc = MATRIX_EXIT_FAILED;
		goto out;
	}
	o.s.runner = runner;
	rc = sweep_run(&o.s);
out:
	strv_free(o.s.sources);
	strv_free(o.s.labels);
	strv_free(o.s.filters);
	return rc;
}
