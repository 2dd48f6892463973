// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmcfgctl: the CI gate and the human interface of kvmcfg. Parses the
 * command line, loads the policy, runs one check through libkvmcfg, and
 * prints a table or JSON. Exit codes: 0 ok, 1 mismatch, 2 policy error or
 * bad usage, 3 cannot read.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checker.h"
#include "param.h"
#include "parse-arg.h"
#include "policy-from-host.h"
#include "kvmcfgctl.h"
#include "table.h"
#include "text-filter.h"

static const char usage[] =
	"Usage: kvmcfgctl [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Assert loaded KVM module parameters against a policy (kvmcfg.policy(5)).\n"
	"\n"
	"Commands:\n"
	"  check              check this host once; exit 0 ok, 1 mismatch or\n"
	"                     contradicted, 2 policy error, 3 cannot read or\n"
	"                     unverified\n"
	"  show               every param of the KVM modules, its value and what\n"
	"                     the policy says of it\n"
	"  snapshot           write a policy that this host passes\n"
	"  validate [FILE...] check policy files without reading sysfs\n"
	"  probe [NAME...]    run the reality probes (all, or those named) and\n"
	"                     print what KVM was seen to do, without a policy\n"
	"\n"
	"Options:\n"
	"  -p, --policy=FILE       main policy file (default " POLICY_MAIN_PATH ",\n"
	"                          else " POLICY_VENDOR_PATH ")\n"
	"  -d, --policy-dir=DIR    drop-in directory (repeatable; default\n"
	"                          " POLICY_DROPIN_DIR " and " POLICY_VENDOR_DROPIN_DIR "\n"
	"                          without --policy, none with it)\n"
	"      --modprobe-dir=DIR  modprobe.d for ImportModprobe= (repeatable)\n"
	"  -r, --sysfs-root=DIR    read DIR/module/... instead of /sys/module/...\n"
	"  -j, --json              check: print findings as JSON (kvmcfg-findings/1)\n"
	"  -q, --quiet             check: print only problems (nothing when ok)\n"
	"      --fail-on=SEVERITY  check: the lowest severity that fails: critical,\n"
	"                          warn (default) or info\n"
	"      --textfile=FILE     check: also write node_exporter metrics to FILE\n"
	"      --modules-dir=DIR   check, validate: the kernel's modules (default the\n"
	"                          running kernel's for validate, sysfs only for check)\n"
	"      --verify            check: also run the reality probes for the params\n"
	"                          the policy names; a param that contradicts what KVM\n"
	"                          does is 'contradicted' (exit 1), a probe that cannot\n"
	"                          run makes it 'unverified' (exit 3)\n"
	"      --allow-unverified  check --verify: unverified params do not fail\n"
	"      --probe-timeout=MS  check --verify, probe: a probe that runs longer is killed\n"
	"                          and its params are unverified (default 20000)\n"
	"  -m, --module=NAME       show, snapshot: also this module (repeatable)\n"
	"  -o, --output=FILE       snapshot: write FILE (atomically) instead of stdout\n"
	"      --print             validate: print the effective policy\n"
	"      --no-policy         show: values only, no policy\n"
	"  -h, --help              this text\n"
	"      --version           version\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("kvmcfgctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see kvmcfgctl --help)\n", stderr);
	return CTL_EXIT_POLICY;
}

/* Append to a NULL-terminated vector of borrowed strings. */
static int strv_push_borrowed(const char ***v, const char *s)
{
	size_t n = 0;
	const char **nv;

	while (*v && (*v)[n])
		n++;
	nv = realloc(*v, (n + 2) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

/*
 * With --json, a check that cannot run still prints its document: a CI job
 * piping to jq sees "policy-error" or "unreadable", never empty input.
 */
static void json_error(const Ctl *c, const char *verdict, const PolicyError *err)
{
	char *j = NULL;

	if (!c->json)
		return;
	if (kvmcfg_findings_error_to_json(verdict, err, true, &j) < 0) {
		fprintf(stderr, "kvmcfgctl: out of memory\n");
		return;
	}
	fputs(j, stdout);
	free(j);
}

int ctl_load_policy(const Ctl *c, bool optional, Policy **ret)
{
	static const char *const none[] = { NULL };
	const char *const *dirs = c->policy_dirs;
	PolicyError err = {};
	Policy *p = NULL;
	int r;

	if (!dirs && c->policy_path)
		dirs = none;
	if (!c->policy_path && optional && access(POLICY_MAIN_PATH, F_OK) < 0 &&
	    access(POLICY_VENDOR_PATH, F_OK) < 0) {
		*ret = NULL;
		return 0;
	}
	r = kvmcfg_policy_load_full(&p, c->policy_path, dirs, c->modprobe_dirs, &err);
	if (r < 0) {
		fputs(err.text, stderr);
		if (r == -ENOMEM)
			fprintf(stderr, "kvmcfgctl: out of memory\n");
		fprintf(stderr, "kvmcfgctl: policy not applied (%u error%s)\n", err.n_errors,
			err.n_errors == 1 ? "" : "s");
		json_error(c, "policy-error", &err);
		return CTL_EXIT_POLICY;
	}
	*ret = p;
	return 0;
}

/* The sysfs root cannot be used: say so on stderr (and as JSON with --json). */
static int unreadable(const Ctl *c, const char *what, int negative_errno)
{
	PolicyError err = {};

	kvmcfg_policy_error_add(&err, c->sysfs_root, 0, "%s: %s", what, strerror(-negative_errno));
	fprintf(stderr, "kvmcfgctl: %s", err.text);
	json_error(c, "unreadable", &err);
	return CTL_EXIT_UNREADABLE;
}

int ctl_check(const Ctl *c, const Policy *p, Findings **ret)
{
	int fd, r;

	fd = open(c->sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return unreadable(c, "cannot open sysfs root", -errno);
	r = kvmcfg_check(p, fd, ret);
	close(fd);
	if (r == -ENOENT || r == -ENOTDIR)
		return unreadable(c, "not a sysfs tree (no module/ directory)", r);
	if (r < 0)
		return unreadable(c, "cannot check", r);
	return 0;
}

const char *ctl_status_cell(const Finding *f)
{
	static const char *const cells[_FINDING_KIND_MAX] = {
		[FINDING_OK] = "ok",
		[FINDING_SKIPPED] = "skipped",
		/* Problems in capitals so they stand out in a long table. */
		[FINDING_MISMATCH] = "MISMATCH",
		[FINDING_MODULE_MISSING] = "MODULE-MISSING",
		[FINDING_PARAM_MISSING] = "PARAM-MISSING",
		[FINDING_UNREADABLE] = "UNREADABLE",
		[FINDING_DERIVED] = "DERIVED",
		[FINDING_CONTRADICTED] = "CONTRADICTED",
		[FINDING_UNVERIFIED] = "UNVERIFIED",
	};

	/* An 'any' rule asserts nothing: "ok" would claim it was checked. */
	if (f->kind == FINDING_OK && !f->rule && f->expected && !strcmp(f->expected, "any"))
		return "recorded";
	/* check --verify: behaviour confirmed the value (probe-verify.h). */
	if (f->kind == FINDING_OK && f->probe)
		return "verified";
	return cells[f->kind];
}

const char *ctl_actual_cell(const Finding *f)
{
	if (f->actual)
		return f->actual;
	switch (f->read_error) {
	case -ENOENT:
		return "(absent)";
	case -ENODEV:
		return "(not loaded)";
	case 0:
		return "-";
	default:
		return kvmcfg_errno_name(f->read_error);
	}
}

const char *ctl_origin_cell(const Finding *f, char *buf, size_t size)
{
	if (f->rule)
		snprintf(buf, size, "derived:%s", f->rule);
	else if (f->origin_line)
		snprintf(buf, size, "%s:%u", f->origin_file, f->origin_line);
	else
		snprintf(buf, size, "%s", f->origin_file);
	return buf;
}

int ctl_kvm_modules(const Ctl *c, const Policy *p, int sysfs_fd, char ***ret)
{
	const char **extra = NULL;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && c->modules && c->modules[i]; i++)
		r = strv_push_borrowed(&extra, c->modules[i]);
	for (i = 0; r == 0 && p && i < p->n_sections; i++)
		r = strv_push_borrowed(&extra, p->sections[i].module);
	if (r == 0)
		r = kvmcfg_kvm_modules_at(sysfs_fd, extra, ret);
	free(extra);
	return r;
}

/* The explanation of each problem: the info-severity ones when @info, else all others. */
static void print_explanations(const Findings *f, const char *title, bool info, size_t n,
			       bool quiet)
{
	char origin[512];
	size_t i;

	if (!n)
		return;
	printf("%s%s:\n", quiet ? "" : "\n", title);
	for (i = 0; i < f->n; i++) {
		const Finding *x = &f->items[i];

		if (!kvmcfg_finding_is_problem(x) || (x->severity == POLICY_SEVERITY_INFO) != info)
			continue;
		/* One line per problem, whatever the value in the message holds. */
		printf("  %s %s: ", kvmcfg_policy_severity_to_string(x->severity),
		       ctl_origin_cell(x, origin, sizeof(origin)));
		kvmcfg_text_filter(stdout, x->message, strlen(x->message), KVMCFG_TEXT_ONE_LINE);
		putchar('\n');
	}
}

static int print_table(const Ctl *c, const Findings *f)
{
	static const char *const header[] = { "STATUS",	  "SEVERITY", "MODULE", "PARAM",
					      "EXPECTED", "ACTUAL",   "ORIGIN", NULL };
	_cleanup_(table_freep) Table *t = NULL;
	char origin[512];
	size_t i, n_problems = kvmcfg_findings_n_problems(f), n_info = 0;
	KvmcfgVerdict verdict;
	int r;

	r = table_new(&t, header);
	for (i = 0; r == 0 && !c->quiet && i < f->n; i++) {
		const Finding *x = &f->items[i];
		const char *row[] = { ctl_status_cell(x),
				      kvmcfg_policy_severity_to_string(x->severity),
				      x->module,
				      x->param,
				      x->expected,
				      ctl_actual_cell(x),
				      ctl_origin_cell(x, origin, sizeof(origin)) };

		r = table_add(t, row);
	}
	if (r < 0) {
		fprintf(stderr, "kvmcfgctl: out of memory\n");
		return CTL_EXIT_UNREADABLE;
	}
	if (!c->quiet)
		table_print(t, stdout);
	/* An info finding is reported, never a problem: the summary must not call it one. */
	for (i = 0; i < f->n; i++)
		n_info += kvmcfg_finding_is_problem(&f->items[i]) &&
			  f->items[i].severity == POLICY_SEVERITY_INFO;
	n_problems -= n_info;
	verdict = kvmcfg_findings_verdict_at(f, c->fail_on);
	/* Quiet: a gate's log shows what failed, and nothing when all is well. */
	if (c->quiet && verdict == KVMCFG_VERDICT_OK && !n_problems)
		return 0;
	print_explanations(f, "Problems", false, n_problems, c->quiet);
	if (!c->quiet || c->fail_on == POLICY_SEVERITY_INFO)
		print_explanations(f, "Info (reported, never a problem)", true, n_info, c->quiet);
	printf("%sverdict: %s (%zu checked, %zu problem%s", c->quiet ? "" : "\n",
	       kvmcfg_verdict_to_string(verdict), f->n, n_problems, n_problems == 1 ? "" : "s");
	if (n_info)
		printf(", %zu info", n_info);
	if (c->fail_on != POLICY_SEVERITY_WARN)
		printf("; failing at %s and above", kvmcfg_policy_severity_to_string(c->fail_on));
	printf(")\n");
	return 0;
}

static int verb_check(const Ctl *c)
{
	_cleanup_(kvmcfg_policy_freep) Policy *p = NULL;
	_cleanup_(kvmcfg_findings_freep) Findings *f = NULL;
	PolicyError warnings = {}, notes = {};
	int r;

	uint64_t start_usec = ctl_now_usec(CLOCK_MONOTONIC);

	if (c->n_args)
		return usage_error("check takes no arguments, got '%s'", c->args[0]);
	if (c->quiet && c->json)
		return usage_error("--quiet and --json exclude each other (jq selects from JSON)");
	if ((c->allow_unverified || c->verify_timeout_ms) && !c->verify)
		return usage_error("--allow-unverified and --probe-timeout need --verify");
	r = ctl_load_policy(c, false, &p);
	if (r)
		return r;
	r = ctl_check(c, p, &f);
	if (r)
		return r;
	if (c->verify) {
		r = ctl_verify(c, f);
		if (r)
			return r;
	}
	/* What validate calls errors, from sysfs alone: said, never the verdict. */
	if (ctl_review_kernel(c, p, false, &warnings, &notes) < 0) {
		fprintf(stderr, "kvmcfgctl: out of memory\n");
		return CTL_EXIT_UNREADABLE;
	}
	ctl_print_prefixed(stderr, "warning: ", warnings.text);
	if (c->textfile) {
		r = ctl_write_textfile(c->textfile, f, start_usec);
		if (r < 0) {
			fprintf(stderr, "kvmcfgctl: cannot write %s: %s\n", c->textfile,
				strerror(-r));
			return CTL_EXIT_UNREADABLE;
		}
	}
	if (c->json) {
		char *j = NULL;

		if (kvmcfg_findings_to_json_at(f, c->fail_on, &warnings, true, &j) < 0) {
			fprintf(stderr, "kvmcfgctl: out of memory\n");
			return CTL_EXIT_UNREADABLE;
		}
		fputs(j, stdout);
		free(j);
	} else {
		r = print_table(c, f);
		if (r)
			return r;
	}
	return kvmcfg_verdict_exit_code(kvmcfg_findings_verdict_at(f, c->fail_on));
}

static int validate_one(const Ctl *c, const char *path)
{
	static const char *const none[] = { NULL };
	const char *const *dirs = c->policy_dirs;
	_cleanup_(kvmcfg_policy_freep) Policy *p = NULL;
	PolicyError err = {};
	char *text = NULL;
	int r;

	if (!dirs && path)
		dirs = none;
	/* Modprobe import reads modprobe.d, not sysfs: validate shows its result too. */
	r = kvmcfg_policy_load_full(&p, path, dirs, c->modprobe_dirs, &err);
	if (r < 0) {
		fputs(err.text, stderr);
		fprintf(stderr, "%s: invalid (%u error%s)\n", path ? path : "policy", err.n_errors,
			err.n_errors == 1 ? "" : "s");
		return CTL_EXIT_POLICY;
	}
	{
		PolicyError kerr = {}, notes = {};

		if (ctl_review_kernel(c, p, true, &kerr, &notes) < 0) {
			fprintf(stderr, "kvmcfgctl: out of memory\n");
			return CTL_EXIT_POLICY;
		}
		ctl_print_prefixed(stderr, "note: ", notes.text);
		if (kerr.n_errors) {
			fputs(kerr.text, stderr);
			fprintf(stderr, "%s: invalid for this kernel (%u error%s)\n",
				path ? path : p->files[0], kerr.n_errors,
				kerr.n_errors == 1 ? "" : "s");
			return CTL_EXIT_POLICY;
		}
	}
	if (c->print) {
		if (kvmcfg_policy_format(p, &text) < 0) {
			fprintf(stderr, "kvmcfgctl: out of memory\n");
			return CTL_EXIT_POLICY;
		}
		fputs(text, stdout);
		free(text);
	} else
		printf("%s: ok (%zu section%s, %zu rule%s)\n", path ? path : p->files[0],
		       p->n_sections, p->n_sections == 1 ? "" : "s", kvmcfg_policy_n_rules(p),
		       kvmcfg_policy_n_rules(p) == 1 ? "" : "s");
	return 0;
}

static int verb_validate(const Ctl *c)
{
	int i, r, ret = 0;

	if (!c->n_args)
		return validate_one(c, c->policy_path);
	for (i = 0; i < c->n_args; i++) {
		r = validate_one(c, c->args[i]);
		if (r)
			ret = r;
	}
	return ret;
}

int main(int argc, char **argv)
{
	/* Long-only options get letters outside the short option string, so
	 * every option is one char in the per-verb "opts" lists below. */
	static const struct option options[] = { { "policy", required_argument, NULL, 'p' },
						 { "policy-dir", required_argument, NULL, 'd' },
						 { "modprobe-dir", required_argument, NULL, 'M' },
						 { "sysfs-root", required_argument, NULL, 'r' },
						 { "json", no_argument, NULL, 'j' },
						 { "quiet", no_argument, NULL, 'q' },
						 { "fail-on", required_argument, NULL, 'F' },
						 { "textfile", required_argument, NULL, 'T' },
						 { "modules-dir", required_argument, NULL, 'K' },
						 { "module", required_argument, NULL, 'm' },
						 { "output", required_argument, NULL, 'o' },
						 { "print", no_argument, NULL, 'P' },
						 { "no-policy", no_argument, NULL, 'N' },
						 { "verify", no_argument, NULL, 'Y' },
						 { "allow-unverified", no_argument, NULL, 'U' },
						 { "probe-timeout", required_argument, NULL, 'W' },
						 { "help", no_argument, NULL, 'h' },
						 { "version", no_argument, NULL, 'V' },
						 {} };
	static const struct {
		const char *name;
		int (*fn)(const Ctl *c);
		const char *opts; /* the options that make sense for the verb */
	} verbs[] = {
		{ "check", verb_check, "pdMrjqFTKYUW" }, { "show", verb_show, "pdMrmN" },
		{ "snapshot", verb_snapshot, "rmo" },	 { "validate", verb_validate, "pdMPrK" },
		{ "probe", verb_probe, "jW" },
	};
	Ctl c = { .sysfs_root = "/sys", .fail_on = POLICY_SEVERITY_WARN };
	char given[32] = "";
	const char *verb, *g;
	size_t i, k;
	int o, r = 0;

	/*
	 * Everything printed from here on passes the one output filter:
	 * values from sysfs and policy files reach the terminal in table
	 * cells, problem lists, error messages and echoes, and none of them
	 * may carry an escape sequence there (text-filter.h).
	 */
	if (kvmcfg_text_filter_std() < 0) {
		fprintf(stderr, "kvmcfgctl: out of memory\n");
		return CTL_EXIT_UNREADABLE;
	}
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":p:d:r:jqm:o:h", options, NULL)) >= 0) {
		switch (o) {
		case 'p':
			c.policy_path = optarg;
			break;
		case 'd':
			r = strv_push_borrowed(&c.policy_dirs, optarg);
			break;
		case 'M':
			r = strv_push_borrowed(&c.modprobe_dirs, optarg);
			break;
		case 'r':
			c.sysfs_root = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'q':
			c.quiet = true;
			break;
		case 'F':
			if (kvmcfg_policy_severity_from_string(optarg, &c.fail_on) < 0)
				return usage_error(
					"--fail-on takes critical, warn or info, not '%s'", optarg);
			break;
		case 'T':
			c.textfile = optarg;
			break;
		case 'K':
			c.modules_dir = optarg;
			break;
		case 'm':
			r = strv_push_borrowed(&c.modules, optarg);
			break;
		case 'o':
			c.output = optarg;
			break;
		case 'P':
			c.print = true;
			break;
		case 'N':
			c.no_policy = true;
			break;
		case 'Y':
			c.verify = true;
			break;
		case 'U':
			c.allow_unverified = true;
			break;
		case 'W': {
			char err[KVMCFG_ARG_ERROR_MAX];

			if (kvmcfg_arg_uint("--probe-timeout", optarg, 1, 600000,
					    &c.verify_timeout_ms, err) < 0)
				return usage_error("%s", err);
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf("kvmcfgctl %s\n", PACKAGE_VERSION);
			return CTL_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
		if (r < 0) {
			fprintf(stderr, "kvmcfgctl: out of memory\n");
			return CTL_EXIT_POLICY;
		}
		if (!strchr(given, o))
			given[strlen(given)] = (char)o;
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return CTL_EXIT_POLICY;
	}
	verb = argv[optind];
	c.args = argv + optind + 1;
	c.n_args = argc - optind - 1;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verb, verbs[i].name))
			continue;
		/* An option the verb would ignore is a mistake worth saying out loud. */
		for (g = given; *g; g++) {
			if (strchr(verbs[i].opts, *g))
				continue;
			for (k = 0; options[k].name && options[k].val != *g; k++)
				;
			fprintf(stderr,
				"kvmcfgctl: --%s does not apply to %s (see kvmcfgctl --help)\n",
				options[k].name, verb);
			return CTL_EXIT_POLICY;
		}
		r = verbs[i].fn(&c);
		free(c.policy_dirs);
		free(c.modprobe_dirs);
		free(c.modules);
		return r;
	}
	return usage_error("unknown command '%s' (check, show, snapshot, validate, probe)", verb);
}
