// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "matrix.h"
#include "outcome.h"
#include "param.h"
#include "preflight.h"
#include "reload.h"
#include "report.h"
#include "selftests.h"
#include "strv.h"
#include "sweep.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct sweep {
	const struct sweep_options *o;
	int sysfs_fd;
	struct cpu_facts cpu;
	struct preflight host;
	struct matrix *m;
	struct selftests_cmd cmd;
	char **tests;	/* ids kvm-selftests --list gave */
	char *work_dir; /* -o DIR, or a temporary directory for the runner's JSON */
	bool work_dir_temp;
	struct reload rl;
	struct matrix_report report;
};

static void say_preflight(const struct preflight *p, bool done)
{
	for (size_t i = 0; i < p->n_lines; i++)
		fprintf(stderr, "kvm-config-matrix: %s\n", p->lines[i]);
	if (p->reason)
		fprintf(stderr, "kvm-config-matrix: %s%s\n", p->reason,
			done ? "; nothing was done." : "");
}

static int parse_matrix(struct sweep *s)
{
	struct matrix_error err = {};
	int r;

	for (size_t i = 0; i < s->o->n_sources; i++) {
		r = matrix_parse(s->m, s->o->sources[i], &err);
		if (r == -EINVAL || r == -EEXIST) {
			fprintf(stderr, "kvm-config-matrix: %s:%u:%u: %s\n", s->o->labels[i],
				err.line, err.column, err.message);
			return MATRIX_EXIT_USAGE;
		}
		if (r < 0)
			return MATRIX_EXIT_FAILED;
	}
	if (!s->m->n_axes) {
		fputs("kvm-config-matrix: the matrix has no axes\n", stderr);
		return MATRIX_EXIT_USAGE;
	}
	return MATRIX_EXIT_OK;
}

/* Param names of a module: from sysfs when loaded, else from modinfo. */
static int module_param_names(struct sweep *s, const char *module, char ***ret)
{
	int r = kvmcfg_param_list_at(s->sysfs_fd, module, ret);

	if (r != -ENODEV)
		return r;
	return module_params_modinfo(&s->o->tools, module, ret);
}

/*
 * Drop the axes that cannot apply here. On a host that cannot reload
 * (a dry run there), params that cannot be listed are left unknown.
 */
static int plan_axes(struct sweep *s)
{
	struct matrix_host h = { .vendor_module = s->cpu.vendor_module,
				 .cpu_sev = s->cpu.sev,
				 .cpu_sev_es = s->cpu.sev_es };
	bool can = s->host.verdict == PREFLIGHT_OK;
	int r, rc = MATRIX_EXIT_OK;

	r = module_param_names(s, "kvm", &h.kvm_params);
	if (r >= 0 && h.vendor_module)
		r = module_param_names(s, h.vendor_module, &h.vendor_params);
	if (r < 0 && can) {
		fprintf(stderr,
			"kvm-config-matrix: cannot list the params of kvm or %s (not loaded, and"
			" modinfo does not find it: %s); nothing was done.\n",
			h.vendor_module, strerror(-r));
		rc = MATRIX_EXIT_UNSUPPORTED;
		goto out;
	}
	r = matrix_apply_host(s->m, &h);
	if (r < 0) {
		rc = MATRIX_EXIT_FAILED;
		goto out;
	}
	for (size_t i = 0; i < s->m->n_axes; i++) {
		const struct matrix_axis *a = &s->m->axes[i];

		if (!a->note)
			continue;
		if (strv_pushf(&s->report.notes, &s->report.n_notes, "axis %s.%s dropped: %s",
			       a->module, a->param, a->note) < 0) {
			rc = MATRIX_EXIT_FAILED;
			goto out;
		}
		printf("note: %s\n", s->report.notes[s->report.n_notes - 1]);
	}
	if (!matrix_n_configs(s->m)) {
		fputs("kvm-config-matrix: no axis of the matrix applies to this host\n", stderr);
		rc = MATRIX_EXIT_USAGE;
	}
out:
	strv_free(h.kvm_params);
	strv_free(h.vendor_params);
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

static void print_plan(struct sweep *s)
{
	size_t n = matrix_n_configs(s->m), n_tests = 0;

	while (s->tests && s->tests[n_tests])
		n_tests++;
	printf("plan: %zu config%s on %s (%s), %zu test%s each\n", n, n == 1 ? "" : "s",
	       s->cpu.vendor_id[0] ? s->cpu.vendor_id : "an unknown CPU",
	       s->cpu.vendor_module ? s->cpu.vendor_module : "no vendor module", n_tests,
	       n_tests == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		struct config_result c = {};

		if (config_assign(s->m, i, &c) < 0)
			return;
		printf("  config %zu:", i + 1);
		for (size_t k = 0; k < c.n_assign; k++)
			printf(" %s", c.assign[k]);
		putchar('\n');
		for (size_t k = 0; k < c.n_assign; k++)
			free(c.assign[k]);
		free(c.assign);
	}
	if (s->o->no_tests)
		return;
	printf("  tests: %s", s->cmd.runner);
	if (s->cmd.dir)
		printf(" --dir %s", s->cmd.dir);
	for (size_t k = 0; k < s->cmd.n_filters; k++)
		printf(" --filter %s", s->cmd.filters[k]);
	putchar('\n');
	for (size_t k = 0; k < n_tests; k++)
		printf("  test: %s\n", s->tests[k]);
}

/* The tests kvm-selftests will run: it must find its suite before anything changes. */
static int plan_tests(struct sweep *s)
{
	char *why = NULL;
	int r;

	if (s->o->no_tests)
		return MATRIX_EXIT_OK;
	r = selftests_list(&s->cmd, &s->tests, &why);
	if (r == -ENOMEM)
		return MATRIX_EXIT_FAILED;
	if (r < 0) {
		fprintf(stderr, "kvm-config-matrix: kvm-selftests finds no tests to run: %s\n",
			why ? why : strerror(-r));
		free(why);
		return MATRIX_EXIT_USAGE;
	}
	return MATRIX_EXIT_OK;
}

/* Where the runner's reports go: -o DIR, made now, or a temporary directory. */
static int make_work_dir(struct sweep *s)
{
	const char *tmp = getenv("TMPDIR");

	if (s->o->output_dir) {
		if (mkdir(s->o->output_dir, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "kvm-config-matrix: cannot create %s: %m\n",
				s->o->output_dir);
			return MATRIX_EXIT_USAGE;
		}
		s->work_dir = strdup(s->o->output_dir);
	} else if (asprintf(&s->work_dir, "%s/kvm-config-matrix.XXXXXX",
			    tmp && *tmp ? tmp : "/tmp") >= 0) {
		if (!mkdtemp(s->work_dir)) {
			fprintf(stderr, "kvm-config-matrix: cannot create %s: %m\n", s->work_dir);
			return MATRIX_EXIT_FAILED;
		}
		s->work_dir_temp = true;
	} else {
		s->work_dir = NULL;
	}
	return s->work_dir ? MATRIX_EXIT_OK : MATRIX_EXIT_FAILED;
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
				printf("%s %s",
				       fault ? "" : ": PARAM MISMATCH:", c->mismatches[k].message);
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

static void print_tests(const struct config_result *c)
{
	for (size_t j = 0; j < c->n_tests; j++) {
		const struct config_test *t = &c->tests[j];

		printf("    %-32s %s%s%s\n", t->name, t->result, t->reason ? ": " : "",
		       t->reason ? t->reason : "");
	}
	if (c->runner_error)
		printf("    %-32s fail: %s\n", "kvm-selftests", c->runner_error);
	for (size_t k = 0; k < c->n_outcomes; k++)
		if (c->outcomes[k].kind == OUTCOME_CONTRADICTED)
			printf("    %s CONTRADICTED: loaded %s, but %s\n", c->outcomes[k].param,
			       c->outcomes[k].loaded ? c->outcomes[k].loaded : "(absent)",
			       c->outcomes[k].evidence);
	fflush(stdout);
}

/* Run every config. Returns -errno only for resource failures. */
static int run_configs(struct sweep *s)
{
	size_t n = matrix_n_configs(s->m);
	struct matrix_report *rep = &s->report;
	int r;

	rep->configs = calloc(n, sizeof(*rep->configs));
	if (!rep->configs)
		return -ENOMEM;
	for (size_t i = 0; i < n && !stop_signal; i++) {
		struct config_result *c = &rep->configs[rep->n_configs++];

		r = config_assign(s->m, i, c);
		if (r < 0)
			return r;
		r = reload_config(&s->rl, c);
		if (r == -ENOMEM)
			return r;
		if (r < 0 && !c->load_error)
			c->load_error = strdup(strerror(-r));
		if (!c->load_error) {
			r = reload_check(&s->rl, c);
			if (r < 0 || (r = outcome_classify(c)) < 0)
				return r;
		}
		print_config_line(c, i, n);
		/* A config whose modules do not unload or load leaves nothing to go on with. */
		if (c->load_error)
			break;
		/*
		 * Tests run even when a param does not match: what they see is
		 * the point of the matrix.
		 */
		if (!s->o->no_tests) {
			r = selftests_run(&s->cmd, s->work_dir, i + 1, !s->work_dir_temp,
					  &stop_signal, c);
			/* Now with what the tests observed: contradicted where one names a param. */
			if (r == -ENOMEM || outcome_classify(c) < 0)
				return -ENOMEM;
			print_tests(c);
		}
	}
	return 0;
}

static int execute(struct sweep *s)
{
	struct matrix_report *rep = &s->report;
	struct sigaction sa = { .sa_handler = on_signal };
	int r;

	s->rl = (struct reload){ .tools = &s->o->tools,
				 .sysfs_fd = s->sysfs_fd,
				 .vendor_module = s->cpu.vendor_module,
				 .m = s->m };
	r = reload_begin(&s->rl);
	if (r < 0) {
		fprintf(stderr,
			"kvm-config-matrix: cannot read the current params: %s; nothing was done.\n",
			strerror(-r));
		return MATRIX_EXIT_FAILED;
	}
	/* From here on every way out goes through the restore. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	r = run_configs(s);
	if (r < 0)
		fprintf(stderr, "kvm-config-matrix: %s; stopping\n", strerror(-r));
	if (stop_signal) {
		rep->interrupted = stop_signal;
		fprintf(stderr, "kvm-config-matrix: interrupted by signal %d (%s); restoring\n",
			(int)stop_signal, strsignal(stop_signal));
	}
	rep->restore_attempted = true;
	if (s->rl.orig_kvm.loaded)
		printf("restore: reloading kvm%s%s with the original params\n",
		       s->rl.orig_vendor.loaded ? " and " : " (only: it was loaded alone)",
		       s->rl.orig_vendor.loaded ? s->cpu.vendor_module : "");
	else
		printf("restore: unloading kvm and %s, as before the run\n", s->cpu.vendor_module);
	rep->restore_ok = reload_restore(&s->rl, &rep->restore_error) == 0;
	if (rep->restore_ok)
		printf("restore: ok, every param of kvm and %s is as before\n",
		       s->cpu.vendor_module);
	else
		fprintf(stderr, "kvm-config-matrix: RESTORE FAILED: %s\n",
			rep->restore_error ? rep->restore_error : "unknown");

	if (!rep->restore_ok)
		return MATRIX_EXIT_RESTORE;
	if (rep->interrupted)
		return 128 + rep->interrupted;
	if (r < 0)
		return MATRIX_EXIT_FAILED;
	for (size_t i = 0; i < rep->n_configs; i++)
		if (!config_result_ok(&rep->configs[i]))
			return MATRIX_EXIT_FAILED;
	return MATRIX_EXIT_OK;
}

/* Who uses KVM now: MATRIX_EXIT_OK to go ahead, else MATRIX_EXIT_REFUSED. */
static int check_users(struct sweep *s, bool dry_run)
{
	struct preflight p = {};
	int rc = MATRIX_EXIT_OK;

	if (preflight_users(s->sysfs_fd, s->o->proc_root, getpid(), &p) < 0)
		return MATRIX_EXIT_FAILED;
	say_preflight(&p, !dry_run && !s->o->force);
	if (p.verdict == PREFLIGHT_OK)
		puts("safety: no process holds /dev/kvm or a VM");
	else if (s->o->force)
		fputs("kvm-config-matrix: --force: going ahead anyway; their VMs will break\n",
		      stderr);
	else
		rc = MATRIX_EXIT_REFUSED;
	preflight_clear(&p);
	return rc;
}

static int dry_run(struct sweep *s)
{
	int rc;

	if (s->host.verdict != PREFLIGHT_OK)
		say_preflight(&s->host, false);
	rc = check_users(s, true);
	if (s->host.verdict != PREFLIGHT_OK) {
		puts("dry run: the plan above cannot run on this host (see above)");
		return MATRIX_EXIT_UNSUPPORTED;
	}
	puts(rc == MATRIX_EXIT_OK ? "dry run: the plan above would run with --reload-modules" :
				    "dry run: the plan above would be refused (see above)");
	return rc;
}

static int sweep_go(struct sweep *s)
{
	int rc;

	rc = parse_matrix(s);
	if (rc != MATRIX_EXIT_OK)
		return rc;
	if (preflight_host(s->sysfs_fd, s->o->sysfs_root, s->o->proc_root, &s->cpu, &s->host) < 0)
		return MATRIX_EXIT_FAILED;
	/* Only a dry run goes on to show its plan on a host that cannot reload. */
	if (s->host.verdict != PREFLIGHT_OK && !s->o->dry_run) {
		say_preflight(&s->host, true);
		return MATRIX_EXIT_UNSUPPORTED;
	}
	rc = plan_axes(s);
	if (rc == MATRIX_EXIT_OK)
		rc = plan_tests(s);
	if (rc != MATRIX_EXIT_OK)
		return rc;
	print_plan(s);
	if (s->o->dry_run)
		return dry_run(s);
	if (!s->o->reload) {
		fputs("kvm-config-matrix: reloading KVM breaks running VMs, so it needs --reload-modules"
		      " (or --dry-run to see the plan); nothing was done.\n",
		      stderr);
		return MATRIX_EXIT_REFUSED;
	}
	rc = check_users(s, false);
	if (rc == MATRIX_EXIT_OK)
		rc = make_work_dir(s);
	if (rc != MATRIX_EXIT_OK)
		return rc;
	rc = execute(s);
	s->report.vendor_module = s->cpu.vendor_module;
	s->report.exit_code = rc;
	putchar('\n');
	report_write_table(stdout, &s->report);
	fflush(stdout);
	if (s->o->output_dir && report_write_files(s->o->output_dir, &s->report) < 0 &&
	    rc == MATRIX_EXIT_OK)
		rc = MATRIX_EXIT_FAILED;
	return rc;
}

int sweep_run(const struct sweep_options *o)
{
	struct sweep s = {
		.o = o,
		.cmd = { .runner = o->runner,
			 .dir = o->tests_dir,
			 .filters = o->filters,
			 .n_filters = o->n_filters,
			 .timeout_s = o->timeout_s },
	};
	int rc;

	/* kvm-selftests records the params it ran under from the same tree. */
	if (strcmp(o->sysfs_root, "/sys") && setenv("KVMCFG_SYSFS_ROOT", o->sysfs_root, 1) < 0)
		return MATRIX_EXIT_FAILED;
	s.sysfs_fd = open(o->sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.sysfs_fd < 0) {
		fprintf(stderr, "kvm-config-matrix: cannot open %s: %m\n", o->sysfs_root);
		return MATRIX_EXIT_UNSUPPORTED;
	}
	rc = matrix_new(&s.m) < 0 ? MATRIX_EXIT_FAILED : sweep_go(&s);
	if (s.work_dir_temp)
		rmdir(s.work_dir);
	free(s.work_dir);
	reload_clear(&s.rl);
	matrix_report_clear(&s.report);
	preflight_clear(&s.host);
	strv_free(s.tests);
	matrix_free(s.m);
	close(s.sysfs_fd);
	return rc;
}
