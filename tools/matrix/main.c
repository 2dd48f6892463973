// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-config-matrix: reload kvm and its vendor module under every config of
 * a parameter matrix, check that the loaded params are the requested ones,
 * run the selftests under each, and restore the original params at the end
 * (also after a failure, Ctrl-C or SIGTERM). See docs/matrix.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"
#include "macro.h"
#include "matrix.h"
#include "modules.h"
#include "outcome.h"
#include "param.h"
#include "parse-arg.h"
#include "reload.h"
#include "strv.h"
#include "report.h"
#include "suite.h"

/* Exit codes, documented in docs/matrix.md and --help. */
enum {
	EXIT_OK = 0,		/* every config: params as requested, no test failed */
	EXIT_FAILED = 1,	/* a config failed to load, mismatched, or a test failed */
	EXIT_USAGE = 2,		/* bad options or matrix */
	EXIT_REFUSED = 3,	/* safety: no --reload-modules, or VMs / /dev/kvm users */
	EXIT_UNSUPPORTED = 4,	/* this host cannot reload KVM (built in, no VMX/SVM, ...) */
	EXIT_RESTORE = 5,	/* the original params could not be restored */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct options {
	char **sources;		/* matrix texts, with a label each for errors */
	char **labels;
	size_t n_sources;
	char **tests;
	size_t n_tests;
	const char *tests_dir, *output_dir, *sysfs_root, *proc_root, *kvm_selftests;
	bool reload, dry_run, force, no_tests, timeout_set;
	unsigned int timeout_s;
	struct modtools tools;
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
	      "  -t, --test NAME|PATH       run only this test (repeatable)\n"
	      "      --tests-dir DIR        where the selftests are (default " SELFTESTS_DIR ")\n"
	      "      --no-tests             only reload and check params\n"
	      "      --timeout SEC          per-test deadline (default 300; with\n"
	      "                             --kvm-selftests: the suite's settings)\n"
	      "      --kvm-selftests PATH   run the tests through the installed runner, with\n"
	      "                             --dir as the tests dir and -t as --filter\n"
	      "  -o, --output DIR           write matrix.md, matrix.json, config-N.tap, config-N.xml\n"
	      "      --reload-modules       required: actually unload and load KVM\n"
	      "  -n, --dry-run              print the plan and the safety check, change nothing\n"
	      "      --force                run even if VMs exist or /dev/kvm is open elsewhere\n"
	      "      --modprobe, --rmmod, --modinfo PATH   the module tools (default from PATH)\n"
	      "      --sysfs-root DIR, --proc-root DIR     read another tree (for tests)\n"
	      "  -h, --help                 this text\n"
	      "\n"
	      "Exit: 0 all configs ok, 1 a config or test failed, 2 usage, 3 refused (safety),\n"
	      "4 not possible on this host, 5 restore failed, 128+N interrupted by signal N.\n", f);
}

/* A matrix source and the label its parse errors carry. */
static int push_source(struct options *o, const char *text, const char *label)
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

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { O_DIR = 256, O_NO_TESTS, O_TIMEOUT, O_RELOAD, O_FORCE, O_MODPROBE, O_RMMOD,
	       O_MODINFO, O_SYSFS, O_PROC, O_KVM_SELFTESTS };
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
				fprintf(stderr, "kvm-config-matrix: cannot read matrix file %s: %m\n", optarg);
				return -EINVAL;
			}
			if (push_source(o, text, optarg) < 0) {
				free(text);
				return -ENOMEM;
			}
			free(text);
			break;
		case 't':
			if (strv_push(&o->tests, &o->n_tests, strdup(optarg)) < 0)
				return -ENOMEM;
			break;
		case O_DIR: o->tests_dir = optarg; break;
		case O_NO_TESTS: o->no_tests = true; break;
		case O_KVM_SELFTESTS: o->kvm_selftests = optarg; break;
		case O_TIMEOUT:
			if (kvmcfg_arg_uint("--timeout", optarg, 1, 86400, &o->timeout_s, arg_error) < 0) {
				fprintf(stderr, "kvm-config-matrix: %s (seconds)\n", arg_error);
				return -EINVAL;
			}
			o->timeout_set = true;
			break;
		case 'o': o->output_dir = optarg; break;
		case O_RELOAD: o->reload = true; break;
		case 'n': o->dry_run = true; break;
		case O_FORCE: o->force = true; break;
		case O_MODPROBE: o->tools.modprobe = optarg; break;
		case O_RMMOD: o->tools.rmmod = optarg; break;
		case O_MODINFO: o->tools.modinfo = optarg; break;
		case O_SYSFS: o->sysfs_root = optarg; break;
		case O_PROC: o->proc_root = optarg; break;
		case 'h': usage(stdout); exit(EXIT_OK);
		default: return -EINVAL;
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

struct run {
	struct options *o;
	int sysfs_fd;
	struct cpu_facts cpu;
	struct matrix *m;
	char **tests;			/* paths */
	struct reload rl;
	struct matrix_report report;
};

__attribute__((format(printf, 2, 3)))
static int note(struct run *run, const char *fmt, ...)
{
	char *s, **nv;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	nv = realloc(run->report.notes, (run->report.n_notes + 1) * sizeof(*nv));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	run->report.notes = nv;
	nv[run->report.n_notes++] = s;
	printf("note: %s\n", s);
	return 0;
}

/*
 * Whether this host can reload KVM at all. Returns EXIT_OK or
 * EXIT_UNSUPPORTED after saying why.
 */
static int check_host(struct run *run)
{
	enum module_state st;
	char **builtin = NULL;
	int r;

	r = module_state_at(run->sysfs_fd, "kvm", &st);
	if (r < 0) {
		fprintf(stderr, "kvm-config-matrix: cannot read %s/module/kvm: %s\n",
			run->o->sysfs_root, strerror(-r));
		return EXIT_UNSUPPORTED;
	}
	if (st == MODULE_BUILTIN) {
		r = builtin_kvm_modules_at(run->sysfs_fd, &builtin);
		fprintf(stderr,
			"kvm-config-matrix: KVM is built into this kernel (%s/module/kvm has no initstate;"
			" built in:", run->o->sysfs_root);
		for (char **b = builtin; r > 0 && *b; b++)
			fprintf(stderr, " %s", *b);
		fputs(").\nIts parameters were fixed at boot and cannot be changed by reloading;"
		      " nothing was done.\nRun the matrix on a host with KVM as modules, or in the"
		      " fleet box (docs/fleetbox.md).\n", stderr);
		kvmcfg_strv_free(builtin);
		return EXIT_UNSUPPORTED;
	}
	r = cpuinfo_read(run->o->proc_root, &run->cpu);
	if (r < 0) {
		fprintf(stderr, "kvm-config-matrix: cannot read %s/cpuinfo: %s\n", run->o->proc_root,
			strerror(-r));
		return EXIT_UNSUPPORTED;
	}
	if (!run->cpu.vendor_module) {
		fprintf(stderr, "kvm-config-matrix: CPU vendor '%s' has no KVM vendor module this runner knows"
			" (kvm_amd, kvm_intel); nothing was done.\n", run->cpu.vendor_id);
		return EXIT_UNSUPPORTED;
	}
	if (!strcmp(run->cpu.vendor_module, "kvm_amd") ? !run->cpu.svm : !run->cpu.vmx) {
		fprintf(stderr, "kvm-config-matrix: the CPU (%s) shows no '%s' flag: no hardware"
			" virtualization to load %s for; nothing was done.\n", run->cpu.vendor_id,
			!strcmp(run->cpu.vendor_module, "kvm_amd") ? "svm" : "vmx",
			run->cpu.vendor_module);
		return EXIT_UNSUPPORTED;
	}
	r = module_state_at(run->sysfs_fd, run->cpu.vendor_module, &st);
	if (r == 0 && st == MODULE_BUILTIN) {
		fprintf(stderr, "kvm-config-matrix: %s is built into this kernel; its params cannot be"
			" reloaded; nothing was done.\n", run->cpu.vendor_module);
		return EXIT_UNSUPPORTED;
	}
	return EXIT_OK;
}

/* Param names of a module: from sysfs when loaded, else from modinfo. */
static int module_param_names(struct run *run, const char *module, char ***ret)
{
	int r = kvmcfg_param_list_at(run->sysfs_fd, module, ret);

	if (r != -ENODEV)
		return r;
	return module_params_modinfo(&run->o->tools, module, ret);
}

static int parse_matrix(struct run *run)
{
	struct matrix_error err = {};
	int r;

	for (size_t i = 0; i < run->o->n_sources; i++) {
		r = matrix_parse(run->m, run->o->sources[i], &err);
		if (r == -EINVAL || r == -EEXIST) {
			fprintf(stderr, "kvm-config-matrix: %s:%u:%u: %s\n", run->o->labels[i], err.line,
				err.column, err.message);
			return EXIT_USAGE;
		}
		if (r < 0)
			return EXIT_FAILED;
	}
	if (!run->m->n_axes) {
		fputs("kvm-config-matrix: the matrix has no axes\n", stderr);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int plan(struct run *run)
{
	struct matrix_host h = { .vendor_module = run->cpu.vendor_module,
				 .cpu_sev = run->cpu.sev, .cpu_sev_es = run->cpu.sev_es };
	int r, rc = EXIT_OK;

	r = module_param_names(run, "kvm", &h.kvm_params);
	if (r >= 0)
		r = module_param_names(run, h.vendor_module, &h.vendor_params);
	if (r < 0) {
		fprintf(stderr, "kvm-config-matrix: cannot list the params of kvm or %s (not loaded, and"
			" modinfo does not find it: %s); nothing was done.\n", h.vendor_module,
			strerror(-r));
		rc = EXIT_UNSUPPORTED;
		goto out;
	}
	r = matrix_apply_host(run->m, &h);
	if (r < 0) {
		rc = EXIT_FAILED;
		goto out;
	}
	for (size_t i = 0; i < run->m->n_axes; i++) {
		const struct matrix_axis *a = &run->m->axes[i];
		char name[256];

		if (!a->note)
			continue;
		snprintf(name, sizeof(name), "%s.%s", a->module, a->param);
		if (note(run, "axis %s dropped: %s", name, a->note) < 0) {
			rc = EXIT_FAILED;
			goto out;
		}
	}
	if (!matrix_n_configs(run->m)) {
		fputs("kvm-config-matrix: no axis of the matrix applies to this host\n", stderr);
		rc = EXIT_USAGE;
	}
out:
	kvmcfg_strv_free(h.kvm_params);
	kvmcfg_strv_free(h.vendor_params);
	return rc;
}

/* "module.param=value" for every active axis of config @index. */
static int config_assign(const struct matrix *m, size_t index, struct config_result *c)
{
	size_t choice[m->n_axes];

	matrix_config(m, index, choice);
	c->assign = calloc(m->n_axes, sizeof(*c->assign));
	if (!c->assign)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_axes; i++) {
		const struct matrix_axis *a = &m->axes[i];

		if (a->note)
			continue;
		if (asprintf(&c->assign[c->n_assign], "%s.%s=%s", a->module, a->param,
			     a->values[choice[i]]) < 0)
			return -ENOMEM;
		c->n_assign++;
	}
	return 0;
}

static void print_plan(struct run *run)
{
	size_t n = matrix_n_configs(run->m);

	size_t n_tests = 0;

	while (run->tests && run->tests[n_tests])
		n_tests++;
	if (run->o->kvm_selftests && !run->o->no_tests)
		printf("plan: %zu config%s on %s (%s), tests through kvm-selftests\n", n,
		       n == 1 ? "" : "s", run->cpu.vendor_id, run->cpu.vendor_module);
	else
		printf("plan: %zu config%s on %s (%s), %zu test%s each\n", n, n == 1 ? "" : "s",
		       run->cpu.vendor_id, run->cpu.vendor_module, n_tests, n_tests == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		struct config_result c = {};

		if (config_assign(run->m, i, &c) < 0)
			return;
		printf("  config %zu:", i + 1);
		for (size_t k = 0; k < c.n_assign; k++)
			printf(" %s", c.assign[k]);
		putchar('\n');
		for (size_t k = 0; k < c.n_assign; k++)
			free(c.assign[k]);
		free(c.assign);
	}
	for (size_t k = 0; k < n_tests; k++)
		printf("  test: %s\n", run->tests[k]);
	if (run->o->kvm_selftests && !run->o->no_tests) {
		printf("  tests: %s --dir %s", run->o->kvm_selftests, run->o->tests_dir);
		for (size_t k = 0; k < run->o->n_tests; k++)
			printf(" --filter %s", run->o->tests[k]);
		putchar('\n');
	}
}

/* Returns EXIT_OK, or EXIT_REFUSED after listing who uses KVM. */
static int safety_check(struct run *run)
{
	struct kvm_holder *h = NULL;
	size_t n = 0, bad = 0, n_vms = 0, n_extra = 0;
	pid_t *vms = NULL;
	int r;

	r = kvm_holders_scan(run->o->proc_root, getpid(), &h, &n, &bad);
	if (r < 0) {
		fprintf(stderr, "kvm-config-matrix: cannot scan %s for /dev/kvm users: %s\n",
			run->o->proc_root, strerror(-r));
		return run->o->force ? EXIT_OK : EXIT_REFUSED;
	}
	if (bad)
		fprintf(stderr, "kvm-config-matrix: warning: could not look into %zu process%s fds\n",
			bad, bad == 1 ? "'s" : "es'");
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "kvm-config-matrix: pid %d (%s) holds %s\n", (int)h[i].pid, h[i].comm,
			h[i].vm ? "a VM (anon_inode:kvm-vm)" : "/dev/kvm open");
	/* KVM's own list of VMs, for processes whose fds were out of sight. */
	if (kvm_debugfs_vms_at(run->sysfs_fd, &vms, &n_vms) == 0) {
		for (size_t i = 0; i < n_vms; i++) {
			bool seen = false;

			for (size_t k = 0; k < n; k++)
				seen |= h[k].vm && h[k].pid == vms[i];
			if (seen)
				continue;
			fprintf(stderr, "kvm-config-matrix: debugfs lists a VM of pid %d (kernel/debug/kvm)\n",
				(int)vms[i]);
			n_extra++;
		}
		free(vms);
	}
	free(h);
	n += n_extra;
	if (!n) {
		puts("safety: no process holds /dev/kvm or a VM");
		return EXIT_OK;
	}
	if (run->o->force) {
		fputs("kvm-config-matrix: --force: going ahead anyway; their VMs will break\n", stderr);
		return EXIT_OK;
	}
	fputs("kvm-config-matrix: refusing to reload KVM while it is in use: reloading breaks"
	      " running VMs (--force overrides); nothing was done.\n", stderr);
	return EXIT_REFUSED;
}

static void print_config_line(const struct config_result *c, size_t i, size_t n)
{
	printf("[%zu/%zu]", i + 1, n);
	for (size_t k = 0; k < c->n_assign; k++)
		printf(" %s", c->assign[k]);
	if (c->load_error)
		printf(": LOAD FAILED: %s\n", c->load_error);
	else {
		_cleanup_free_ char *sum = outcome_summary(c);
		bool fault = false;

		for (size_t k = 0; k < c->n_mismatches; k++)
			if (c->mismatches[k].message) {
				printf("%s %s", fault ? "" : ": PARAM MISMATCH:", c->mismatches[k].message);
				fault = true;
			}
		/* An honest override is information: what was loaded instead, and why. */
		if (sum && *sum)
			printf("%s %s", fault ? ";" : ": params as loaded:", sum);
		else if (!fault)
			printf(": params ok");
		putchar('\n');
	}
	fflush(stdout);
}

static void print_outcome(const struct test_outcome *t)
{
	printf("    %-32s %s%s%s\n", t->name, verdict_name(t->verdict), t->reason ? ": " : "",
	       t->reason ? t->reason : "");
}

/* The tests as binaries of our own; -EINTR when stopped. */
static int run_binaries(struct run *run, struct config_result *c, size_t n_tests)
{
	int r = 0;

	c->tests = calloc(n_tests + 1, sizeof(*c->tests));
	if (!c->tests)
		return -ENOMEM;
	for (size_t j = 0; !c->load_error && j < n_tests; j++) {
		struct test_outcome *t = &c->tests[c->n_tests];

		r = suite_run_one(run->tests[j], run->o->timeout_s * 1000, &stop_signal, t);
		if (r == -ENOMEM)
			return r;
		c->n_tests++;
		print_outcome(t);
		fflush(stdout);
		if (r == -EINTR)
			break;
	}
	return r;
}

/* The tests through kvm-selftests; its failure to run is one failed "test". */
static int run_through_runner(struct run *run, struct config_result *c)
{
	char *why = NULL;
	int r;

	r = suite_run_kvm_selftests(run->o->kvm_selftests, run->o->tests_dir, run->o->tests,
				    run->o->n_tests, run->o->timeout_set ? run->o->timeout_s : 0,
				    &stop_signal, &c->tests, &c->n_tests, &why);
	if (r == -EBADMSG || (r < 0 && r != -EINTR && r != -ENOMEM)) {
		c->tests = calloc(1, sizeof(*c->tests));
		if (!c->tests)
			return -ENOMEM;
		c->tests[0].name = strdup("kvm-selftests");
		c->tests[0].verdict = VERDICT_FAIL;
		c->tests[0].reason = why ? why : strdup(strerror(-r));
		why = NULL;
		c->n_tests = c->tests[0].name ? 1 : 0;
	}
	free(why);
	for (size_t j = 0; j < c->n_tests; j++)
		print_outcome(&c->tests[j]);
	fflush(stdout);
	return r;
}

/* Run every config. Returns -errno only for resource failures. */
static int run_configs(struct run *run)
{
	size_t n = matrix_n_configs(run->m), n_tests = 0;
	struct matrix_report *rep = &run->report;
	int r;

	while (run->tests && run->tests[n_tests])
		n_tests++;
	rep->configs = calloc(n, sizeof(*rep->configs));
	if (!rep->configs)
		return -ENOMEM;
	for (size_t i = 0; i < n && !stop_signal; i++) {
		struct config_result *c = &rep->configs[rep->n_configs++];

		r = config_assign(run->m, i, c);
		if (r < 0)
			return r;
		r = reload_config(&run->rl, c);
		if (r == -ENOMEM)
			return r;
		if (r < 0 && !c->load_error)
			c->load_error = strdup(strerror(-r));
		if (!c->load_error) {
			r = reload_check(&run->rl, c);
			if (r < 0 || (r = outcome_classify(c)) < 0)
				return r;
		}
		print_config_line(c, i, n);
		/*
		 * Tests run even when a param does not match: what they see is
		 * the point of the matrix. Not when the modules failed to load.
		 */
		if (run->o->kvm_selftests && !run->o->no_tests && !c->load_error)
			r = run_through_runner(run, c);
		else
			r = run_binaries(run, c, n_tests);
		if (r == -ENOMEM || outcome_classify(c) < 0)
			return -ENOMEM;
		for (size_t k = 0; k < c->n_outcomes; k++)
			if (c->outcomes[k].kind == OUTCOME_CONTRADICTED)
				printf("    %s CONTRADICTED: loaded %s, but %s\n", c->outcomes[k].param,
				       c->outcomes[k].loaded ? c->outcomes[k].loaded : "(absent)",
				       c->outcomes[k].evidence);
		/* A config whose modules do not unload or load leaves nothing to go on with. */
		if (c->load_error)
			break;
	}
	return 0;
}

typedef void (*writer_fn)(FILE *f, const struct matrix_report *r);

static int write_to(const char *dir, const char *name, writer_fn w, void (*wi)(FILE *, const struct matrix_report *, size_t),
		    const struct matrix_report *r, size_t i)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "kvm-config-matrix: cannot write %s: %m\n", path);
		return -errno;
	}
	if (w)
		w(f, r);
	else
		wi(f, r, i);
	if (fclose(f) != 0) {
		fprintf(stderr, "kvm-config-matrix: cannot write %s: %m\n", path);
		return -EIO;
	}
	return 0;
}

static int write_outputs(const char *dir, const struct matrix_report *r)
{
	char name[64];
	int rc = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "kvm-config-matrix: cannot create %s: %m\n", dir);
		return -errno;
	}
	rc |= write_to(dir, "matrix.md", report_write_table, NULL, r, 0);
	rc |= write_to(dir, "matrix.json", report_write_json, NULL, r, 0);
	for (size_t i = 0; i < r->n_configs; i++) {
		snprintf(name, sizeof(name), "config-%zu.tap", i + 1);
		rc |= write_to(dir, name, NULL, report_write_tap, r, i);
		snprintf(name, sizeof(name), "config-%zu.xml", i + 1);
		rc |= write_to(dir, name, NULL, report_write_junit, r, i);
	}
	return rc ? -EIO : 0;
}

static void options_clear(struct options *o)
{
	kvmcfg_strv_free(o->sources);
	kvmcfg_strv_free(o->labels);
	kvmcfg_strv_free(o->tests);
}

static int prepare(struct run *run)
{
	const char *missing = NULL;
	int rc, r;

	rc = parse_matrix(run);
	if (rc != EXIT_OK)
		return rc;
	rc = check_host(run);
	if (rc != EXIT_OK)
		return rc;
	rc = plan(run);
	if (rc != EXIT_OK)
		return rc;
	if (!run->o->no_tests && !run->o->kvm_selftests) {
		r = suite_collect(run->o->tests_dir, run->o->tests, run->o->n_tests, &run->tests, &missing);
		if (r < 0) {
			fprintf(stderr, "kvm-config-matrix: %s: %s\n", missing ? missing : run->o->tests_dir,
				r == -ENOENT && missing ? "no such test (or not executable)" : strerror(-r));
			return EXIT_USAGE;
		}
		if (!run->tests[0]) {
			fprintf(stderr, "kvm-config-matrix: no tests in %s (--no-tests to only check params)\n",
				run->o->tests_dir);
			return EXIT_USAGE;
		}
	}
	print_plan(run);
	return EXIT_OK;
}

static int execute(struct run *run)
{
	struct matrix_report *rep = &run->report;
	struct sigaction sa = { .sa_handler = on_signal };
	int r;

	run->rl = (struct reload){ .tools = &run->o->tools, .sysfs_fd = run->sysfs_fd,
				   .vendor_module = run->cpu.vendor_module, .m = run->m };
	r = reload_begin(&run->rl);
	if (r < 0) {
		fprintf(stderr, "kvm-config-matrix: cannot read the current params: %s; nothing was done.\n",
			strerror(-r));
		return EXIT_FAILED;
	}
	/* From here on every way out goes through restore(). */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	r = run_configs(run);
	if (r < 0)
		fprintf(stderr, "kvm-config-matrix: %s; stopping\n", strerror(-r));
	if (stop_signal) {
		rep->interrupted = stop_signal;
		fprintf(stderr, "kvm-config-matrix: interrupted by signal %d (%s); restoring\n",
			(int)stop_signal, strsignal(stop_signal));
	}
	rep->restore_attempted = true;
	if (run->rl.orig_kvm.loaded)
		printf("restore: reloading kvm%s%s with the original params\n",
		       run->rl.orig_vendor.loaded ? " and " : " (only: it was loaded alone)",
		       run->rl.orig_vendor.loaded ? run->cpu.vendor_module : "");
	else
		printf("restore: unloading kvm and %s, as before the run\n", run->cpu.vendor_module);
	rep->restore_ok = reload_restore(&run->rl, &rep->restore_error) == 0;
	if (rep->restore_ok)
		printf("restore: ok, every param of kvm and %s is as before\n", run->cpu.vendor_module);
	else
		fprintf(stderr, "kvm-config-matrix: RESTORE FAILED: %s\n",
			rep->restore_error ? rep->restore_error : "unknown");

	if (!rep->restore_ok)
		return EXIT_RESTORE;
	if (rep->interrupted)
		return 128 + rep->interrupted;
	if (r < 0)
		return EXIT_FAILED;
	for (size_t i = 0; i < rep->n_configs; i++)
		if (!config_result_ok(&rep->configs[i]))
			return EXIT_FAILED;
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct options o = { .tests_dir = SELFTESTS_DIR, .sysfs_root = "/sys", .proc_root = "/proc",
			     .timeout_s = 300,
			     .tools = { "modprobe", "rmmod", "modinfo", 60000 } };
	struct run run = { .o = &o, .sysfs_fd = -1 };
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (parse_options(argc, argv, &o) < 0) {
		options_clear(&o);
		return EXIT_USAGE;
	}
	run.sysfs_fd = open(o.sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (run.sysfs_fd < 0) {
		fprintf(stderr, "kvm-config-matrix: cannot open %s: %m\n", o.sysfs_root);
		options_clear(&o);
		return EXIT_UNSUPPORTED;
	}
	if (matrix_new(&run.m) < 0) {
		rc = EXIT_FAILED;
		goto out;
	}
	rc = prepare(&run);
	if (rc != EXIT_OK)
		goto out;
	if (o.dry_run) {
		rc = safety_check(&run);
		puts(rc == EXIT_OK ? "dry run: the plan above would run with --reload-modules" :
				     "dry run: the plan above would be refused (see above)");
		goto out;
	}
	if (!o.reload) {
		fputs("kvm-config-matrix: reloading KVM breaks running VMs, so it needs --reload-modules"
		      " (or --dry-run to see the plan); nothing was done.\n", stderr);
		rc = EXIT_REFUSED;
		goto out;
	}
	rc = safety_check(&run);
	if (rc != EXIT_OK)
		goto out;
	rc = execute(&run);
	run.report.vendor_module = run.cpu.vendor_module;
	run.report.exit_code = rc;
	putchar('\n');
	report_write_table(stdout, &run.report);
	if (o.output_dir && write_outputs(o.output_dir, &run.report) < 0 && rc == EXIT_OK)
		rc = EXIT_FAILED;
out:
	reload_clear(&run.rl);
	matrix_report_clear(&run.report);
	kvmcfg_strv_free(run.tests);
	matrix_free(run.m);
	close(run.sysfs_fd);
	options_clear(&o);
	return rc;
}
