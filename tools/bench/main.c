// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-mmio-bench: what each MMIO exit path costs on this host, under this
 * KVM configuration, with percentiles, confidence intervals and the KVM
 * stats that show which route KVM took. See docs/bench.md.
 *
 * This file is the host-side driver: options, the adaptive stop rule fed
 * by each batch, the KVM configuration, and output. The paths themselves
 * (and all guest code) are in paths.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "json-out.h"
#include "json-read.h"
#include "kvm_params.h"
#include "kvm_util.h"
#include "macro.h"
#include "param-set.h"
#include "parse-arg.h"
#include "paths.h"
#include "results.h"
#include "runs.h"
#include "sample-stats.h"
#include "spawn-capture.h"
#include "strv.h"
#include "timing.h"

#define DEFAULT_BUDGET_S   20.0
#define DEFAULT_CI_TARGET  0.02
#define DEFAULT_MIN_CHANGE 0.02
#define DEFAULT_ROUNDS	   60
#define MAX_ROUNDS	   1000
#define SLICE_SAMPLES	   1
#define DEFAULT_VM_ROUNDS  15
#define MAX_SAMPLES	   (4u << 20)
#define PROGRESS_NS	   (2 * NSEC_PER_SEC)
#define PROC_ROOT	   "/proc"

struct options {
	double budget_s, ci_target, min_change;
	unsigned int rounds, vm_rounds, runs;
	uint64_t slice_samples, handler_delay_ns;
	bool want[_BENCH_PATH_MAX];
	bool harness, quiet;
	const char *json_path;
	const char *compare[2];
};

/* ---- one slice's samples and stop rule ---- */

struct acc {
	const char *name;
	struct bench_samples cycles;  /* per access, guest TSC */
	struct bench_samples host_ps; /* per access, host ps (one per batch) */
	struct bench_samples raw_ps;  /* harness only: raw loop, per access */
	uint64_t start_ns, budget_ns, next_progress_ns;
	uint64_t want; /* samples wanted (0: until the CI target) */
	double ci_target, tsc_ghz;
	bool converged, quiet;
};

static void acc_init(struct acc *a, const char *name, uint64_t budget_ns, const struct options *o)
{
	memset(a, 0, sizeof(*a));
	a->name = name;
	bench_samples_init(&a->cycles, MAX_SAMPLES);
	bench_samples_init(&a->host_ps, MAX_SAMPLES);
	bench_samples_init(&a->raw_ps, MAX_SAMPLES);
	a->start_ns = now_ns();
	a->budget_ns = budget_ns;
	a->next_progress_ns = a->start_ns + PROGRESS_NS;
	a->ci_target = o->ci_target;
	a->quiet = o->quiet;
}

static void acc_deinit(struct acc *a)
{
	bench_samples_deinit(&a->cycles);
	bench_samples_deinit(&a->host_ps);
	bench_samples_deinit(&a->raw_ps);
}

/*
 * Stop once @done, or at the time share, or when the sample buffers are
 * full; print progress about @s (in units of @scale ns) now and then.
 */
static bool acc_should_stop(struct acc *a, bool done, const struct bench_samples *s, double scale,
			    bool full)
{
	uint64_t now = now_ns();

	if (done) {
		a->converged = true;
		return true;
	}
	if (!a->quiet && now >= a->next_progress_ns && s->n) {
		/* Always ns: the samples may be cycles or ps, the reader wants one unit. */
		fprintf(stderr, "  %s: %zu samples, mean %.0f +- %.0f ns (%.1f%%), %.1f s\n",
			a->name, s->n, s->mean * scale, bench_samples_ci95(s) * scale,
			100 * bench_samples_ci95(s) / s->mean,
			(double)(now - a->start_ns) / NSEC_PER_SEC);
		a->next_progress_ns = now + PROGRESS_NS;
	}
	return full || now - a->start_ns >= a->budget_ns;
}

static bool on_batch(void *opaque, const uint64_t *cycles, unsigned int n, uint64_t host_ns)
{
	struct acc *a = opaque;
	bool full = false;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (bench_samples_add(&a->cycles, cycles[i]) < 0)
			full = true;
	if (bench_samples_add(&a->host_ps, host_ns * 1000 / n) < 0)
		full = true;
	/* Stop before a batch could not be stored whole: samples must match accesses. */
	if (a->cycles.n + n > MAX_SAMPLES)
		full = true;
	return acc_should_stop(a, a->cycles.n >= a->want, &a->cycles, 1 / a->tsc_ghz, full);
}

/* Harness samples are per batch (host clock), so fewer of them are needed. */
#define MIN_PAIRS 20

static bool on_pair(void *opaque, unsigned int n, uint64_t bench_ns, uint64_t raw_ns)
{
	struct acc *a = opaque;
	bool full = bench_samples_add(&a->host_ps, bench_ns * 1000 / n) < 0 ||
		    bench_samples_add(&a->raw_ps, raw_ns * 1000 / n) < 0;
	bool converged = bench_samples_converged(&a->host_ps, MIN_PAIRS, a->ci_target) &&
			 bench_samples_converged(&a->raw_ps, MIN_PAIRS, a->ci_target);

	return acc_should_stop(a, converged, &a->raw_ps, 1e-3, full);
}

static void scale_summary(struct bench_summary *s, double k)
{
	s->min *= k;
	s->max *= k;
	s->median *= k;
	s->p90 *= k;
	s->p99 *= k;
	s->mean *= k;
	s->stddev *= k;
	s->ci95 *= k;
	s->median_lo *= k;
	s->median_hi *= k;
}

static int summarize_scaled(struct bench_samples *s, double k, struct bench_summary *ret)
{
	int r = bench_samples_summarize(s, ret);

	if (r >= 0)
		scale_summary(ret, k);
	return r;
}

/* ---- running: rounds that interleave the paths ---- */

/* One path across the rounds: its VM, every sample, and each round's median. */
struct path_run {
	enum bench_path_id id;
	struct bench_path *path;
	struct bench_path_out done; /* totals of the VMs already rebuilt */
	struct bench_samples cycles, host_ps;
	double *round_ns;
	size_t n_rounds;
	uint32_t tsc_khz;
	bool budget_cut;
};

static int path_run_open(struct path_run *pr, enum bench_path_id id, const struct options *o,
			 struct bench_path_result *res)
{
	const struct bench_path_info *info = &bench_path_info[id];
	int r;

	memset(pr, 0, sizeof(*pr));
	memset(res, 0, sizeof(*res));
	pr->id = id;
	res->name = info->name;
	res->group = info->group;
	res->cpl = info->cpl;
	res->description = info->description;
	bench_samples_init(&pr->cycles, MAX_SAMPLES);
	bench_samples_init(&pr->host_ps, MAX_SAMPLES);
	pr->round_ns = calloc(o->rounds, sizeof(*pr->round_ns));
	if (!pr->round_ns)
		return -ENOMEM;
	r = bench_path_new(id, o->handler_delay_ns, bench_stat_names, _BENCH_STAT_MAX, &pr->path,
			   &res->skip_reason, &res->note);
	if (r < 0)
		return r;
	if (pr->path) {
		struct bench_path_out out;

		bench_path_totals(pr->path, &out);
		pr->tsc_khz = out.tsc_khz;
		pr->done.tsc_khz = out.tsc_khz;
		for (r = 0; r < _BENCH_STAT_MAX; r++)
			pr->done.stat_present[r] = true;
	}
	if (res->skip_reason && !o->quiet)
		fprintf(stderr, "  %s: skipped: %s\n", info->name, res->skip_reason);
	return 0;
}

/* Fold @out into the run's totals: a stat is present only if every VM had it. */
static void totals_add(struct bench_path_out *t, const struct bench_path_out *out)
{
	int s;

	t->accesses += out->accesses;
	t->batches += out->batches;
	t->elapsed_ns += out->elapsed_ns;
	for (s = 0; s < _BENCH_STAT_MAX; s++) {
		t->stat_present[s] = t->stat_present[s] && out->stat_present[s];
		t->stat_delta[s] += out->stat_delta[s];
	}
}

/*
 * A fresh VM for the path, its totals kept: each VM instance has its own
 * placement of memory and shadow pages, and so its own cost; rebuilding
 * now and then puts that instance-to-instance spread into the rounds,
 * where the CI sees it, instead of between two runs, where it does not.
 */
static int path_run_rebuild(struct path_run *pr, const struct options *o)
{
	struct bench_path_out out;
	const char *skip, *note;
	int r;

	bench_path_totals(pr->path, &out);
	totals_add(&pr->done, &out);
	pr->path = bench_path_free(pr->path);
	r = bench_path_new(pr->id, o->handler_delay_ns, bench_stat_names, _BENCH_STAT_MAX,
			   &pr->path, &skip, &note);
	if (r >= 0 && !pr->path)
		r = -ENODEV;
	return r;
}

static void path_run_close(struct path_run *pr)
{
	pr->path = bench_path_free(pr->path);
	bench_samples_deinit(&pr->cycles);
	bench_samples_deinit(&pr->host_ps);
	free(pr->round_ns);
	pr->round_ns = NULL;
}

/* Append @from's samples to @to (the run-long set), as far as it holds them. */
static void samples_append(struct bench_samples *to, const struct bench_samples *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		if (bench_samples_add(to, from->v[i]) < 0)
			break;
}

/* One path's slice of one round. */
static void run_slice(struct path_run *pr, uint64_t share_ns, const struct options *o)
{
	struct bench_sink sink = { .batch = on_batch };
	struct acc a;
	double median;

	acc_init(&a, bench_path_info[pr->id].name, share_ns, o);
	a.want = o->slice_samples;
	a.tsc_ghz = pr->tsc_khz / 1e6;
	sink.opaque = &a;
	bench_path_measure(pr->path, &sink);
	if (!a.converged)
		pr->budget_cut = true;
	if (bench_samples_median(&a.cycles, &median) == 0)
		pr->round_ns[pr->n_rounds++] = median * 1e6 / pr->tsc_khz;
	samples_append(&pr->cycles, &a.cycles);
	samples_append(&pr->host_ps, &a.host_ps);
	acc_deinit(&a);
}

/* Totals, summaries and the across-round estimate into @res. */
static void path_run_finish(struct path_run *pr, const struct options *o, struct bench_report *rep,
			    struct bench_path_result *res)
{
	struct bench_path_out out;
	int s;

	if (!pr->path)
		return;
	bench_path_totals(pr->path, &out);
	totals_add(&pr->done, &out);
	out = pr->done;
	if (!rep->tsc_khz)
		rep->tsc_khz = out.tsc_khz;
	res->accesses = out.accesses;
	res->batches = out.batches;
	res->elapsed_s = (double)out.elapsed_ns / NSEC_PER_SEC;
	res->budget_cut = pr->budget_cut;
	summarize_scaled(&pr->cycles, 1, &res->cycles);
	res->ns = res->cycles;
	scale_summary(&res->ns, 1e6 / out.tsc_khz);
	summarize_scaled(&pr->host_ps, 1e-3, &res->host_ns);
	res->round_ns = TAKE_PTR(pr->round_ns);
	res->n_rounds = pr->n_rounds;
	if (bench_rounds_estimate(res->round_ns, res->n_rounds, &res->est) < 0)
		memset(&res->est, 0, sizeof(res->est));
	res->converged =
		res->est.n && (res->est.hi - res->est.lo) / 2 <= o->ci_target * res->est.value;
	for (s = 0; s < _BENCH_STAT_MAX; s++) {
		res->stat_present[s] = out.stat_present[s];
		res->stat_per_access[s] = (double)out.stat_delta[s] / (double)out.accesses;
	}
	/*
	 * Say so when the access did not reach KVM: then the figure is
	 * whatever handled it below (an outer hypervisor, say).
	 */
	if (res->stat_present[BENCH_STAT_EXITS] && res->stat_per_access[BENCH_STAT_EXITS] < 0.5)
		res->note = "under one KVM exit per access: handled without KVM on this host";
	if (!o->quiet)
		fprintf(stderr,
			"  %s: median %.0f ns [%.0f, %.0f] over %zu rounds, %llu accesses in %.1f s\n",
			res->name, res->est.value, res->est.lo, res->est.hi, res->n_rounds,
			(unsigned long long)res->accesses, res->elapsed_s);
}

static const struct bench_path_result *find_result(const struct bench_report *rep, const char *name)
{
	size_t i;

	for (i = 0; i < rep->n_paths; i++)
		if (strcmp(rep->paths[i].name, name) == 0 && !rep->paths[i].skip_reason &&
		    rep->paths[i].n_rounds >= 2)
			return &rep->paths[i];
	return NULL;
}

static bool have_result(const char *name, const void *opaque)
{
	return find_result(opaque, name);
}

/* Each path's per-round ratio to its control, and whether that met the CI target. */
static void add_controls(struct bench_report *rep, const struct options *o)
{
	size_t i;

	for (i = 0; i < rep->n_paths; i++) {
		struct bench_path_result *p = &rep->paths[i];
		const struct bench_path_result *c;
		_cleanup_free_ double *ratios = NULL;

		if (p->skip_reason || p->n_rounds < 2)
			continue;
		p->control = bench_control_for(p->name, have_result, rep);
		c = p->control ? find_result(rep, p->control) : NULL;
		ratios = calloc(p->n_rounds, sizeof(*ratios));
		if (!c || !ratios || c->n_rounds != p->n_rounds ||
		    bench_round_ratios(p->round_ns, c->round_ns, p->n_rounds, ratios,
				       &p->vs_control) < 0) {
			p->control = NULL;
			continue;
		}
		p->converged = (p->vs_control.hi - p->vs_control.lo) / 2 <=
			       o->ci_target * p->vs_control.value;
	}
}

static void run_harness(uint64_t budget_ns, const struct options *o, struct bench_harness *h)
{
	struct bench_harness_sink sink = { .pair = on_pair };
	struct acc a;

	acc_init(&a, "harness (raw loop)", budget_ns, o);
	sink.opaque = &a;
	bench_harness_run(&sink);
	summarize_scaled(&a.host_ps, 1e-3, &h->bench_ns);
	summarize_scaled(&a.raw_ps, 1e-3, &h->raw_ns);
	h->path = bench_path_info[BENCH_MMIO_WRITE].name;
	h->ratio = h->bench_ns.median / h->raw_ns.median;
	h->ratio_mean = h->bench_ns.mean / h->raw_ns.mean;
	if (!o->quiet)
		fprintf(stderr,
			"  harness: bench %.0f ns, raw %.0f ns per access (medians), ratio %.3f\n",
			h->bench_ns.median, h->raw_ns.median, h->ratio);
	acc_deinit(&a);
}

/* ---- the configuration it ran under ---- */

/* Every parameter of every loaded kvm* module, through libkvmcfg's reader. */
static int collect_params(struct bench_report *rep)
{
	int fd, r;

	fd = open(kvm_sysfs_root(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = kvmcfg_params_collect_at(fd, NULL, &rep->params);
	close(fd);
	return r;
}

static void collect_host(struct bench_report *rep)
{
	struct utsname u;
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;

	if (uname(&u) == 0) {
		rep->kernel_release = strdup(u.release);
		rep->kernel_version = strdup(u.version);
		rep->machine = strdup(u.machine);
	}
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rep->timestamp = strdup(ts);
}

/* ---- --compare ---- */

static int load_json(const char *file, struct json_object **ret)
{
	struct bench_json_error err;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, got;
	FILE *f = fopen(file, "re");
	int r;

	if (!f) {
		r = -errno;
		fprintf(stderr, "%s: %s\n", file, strerror(-r));
		return r;
	}
	for (;;) {
		char *nb = realloc(buf, len + 65536);

		if (!nb) {
			fclose(f);
			return -ENOMEM;
		}
		buf = nb;
		got = fread(buf + len, 1, 65536, f);
		len += got;
		if (got < 65536)
			break;
	}
	r = ferror(f) ? -EIO : 0;
	fclose(f);
	if (r == 0) {
		r = bench_json_parse(buf, len, ret, &err);
		if (r == -EBADMSG)
			fprintf(stderr, "%s:%u:%u: %s\n", file, err.line, err.column, err.what);
	}
	if (r < 0 && r != -EBADMSG)
		fprintf(stderr, "%s: %s\n", file, strerror(-r));
	return r;
}

static int do_compare(const struct options *o)
{
	_cleanup_(json_object_putp) struct json_object *a = NULL;
	_cleanup_(json_object_putp) struct json_object *b = NULL;
	size_t inconclusive = 0;
	int r;

	if (load_json(o->compare[0], &a) < 0 || load_json(o->compare[1], &b) < 0)
		return 2;
	r = bench_compare(a, o->compare[0], b, o->compare[1], o->min_change, stdout, stderr,
			  &inconclusive);
	if (r < 0)
		return 2;
	printf("%d significant regression%s", r, r == 1 ? "" : "s");
	if (inconclusive > 0)
		printf(", %zu inconclusive: slower by at least --min-change, but the runs were too\n"
		       "noisy to call it; run B again%s",
		       inconclusive, r > 0 ? "" : " (exit status 3)");
	printf("\n");
	return r > 0 ? 1 : inconclusive > 0 ? 3 : 0;
}

/* ---- options ---- */

static void usage(FILE *f)
{
	int i;

	fprintf(f,
		"Usage: kvm-mmio-bench [OPTIONS]\n"
		"       kvm-mmio-bench --compare A.json B.json [--min-change PCT]\n\n"
		"Measure the cost per access of each KVM MMIO exit path (docs/bench.md).\n\n"
		"  --rounds N         rounds that each visit every path (default %u); the\n"
		"                     judged median and its CI are taken across rounds\n"
		"  --runs N           N runs, each in a fresh process, in one result; with\n"
		"                     at least %u runs a side --compare judges the runs\n"
		"                     (for a gate: --runs 15 --rounds 20, docs/bench.md)\n"
		"  --slice-samples N  at least N accesses per path per round, in whole\n"
		"                     batches (default %u: one batch)\n"
		"  --vm-rounds N      build each path a fresh VM every N rounds (default %u)\n"
		"  --budget SECONDS   cap on each run (default %.0f): a slice stops at\n"
		"                     its share of what is left\n"
		"  --ci-target PCT    mark a path whose CI across rounds is wider than PCT%%\n"
		"                     of its median (default %.0f)\n"
		"  --handler-delay-ns N  add N ns of work to each exit the bench handles in\n"
		"                     userspace: a known change, to check a gate\n"
		"  --paths LIST       comma-separated path names or group letters (a-g)\n"
		"  --no-harness       skip the harness-overhead measurement\n"
		"  --json FILE        also write the results as JSON (-: stdout, the table\n"
		"                     then goes to stderr)\n"
		"  --compare A B      compare two --json results; exit 1 on a regression\n"
		"  --min-change PCT   smallest change --compare calls significant (default %.0f)\n"
		"  --quiet            no progress on stderr\n"
		"  --help\n\n"
		"Paths:\n",
		DEFAULT_ROUNDS, BENCH_MIN_RUNS, SLICE_SAMPLES, DEFAULT_VM_ROUNDS, DEFAULT_BUDGET_S,
		DEFAULT_CI_TARGET * 100, DEFAULT_MIN_CHANGE * 100);
	for (i = 0; i < _BENCH_PATH_MAX; i++)
		fprintf(f, "  (%s) %-20s CPL%u  %s\n", bench_path_info[i].group,
			bench_path_info[i].name, bench_path_info[i].cpl,
			bench_path_info[i].description);
	fprintf(f,
		"\nExit status: 0 ok, 1 failure or (--compare) regression, 2 usage or bad input,\n"
		"3 (--compare) no regression but a path inconclusive: run B again,\n"
		"4 KVM unavailable (skip).\n");
}

static int parse_paths(const char *list, bool *want)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int i, r = 0;

	if (!copy)
		return -ENOMEM;
	memset(want, 0, sizeof(bool) * _BENCH_PATH_MAX);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		for (i = 0; i < _BENCH_PATH_MAX; i++) {
			if (strcmp(tok, bench_path_info[i].name) == 0 ||
			    strcmp(tok, bench_path_info[i].group) == 0) {
				want[i] = true;
				found = true;
			}
		}
		if (!found) {
			fprintf(stderr, "--paths: unknown path '%s' (see --help)\n", tok);
			r = -EINVAL;
		}
	}
	free(copy);
	return r;
}

static int parse_positive(const char *opt, const char *s, double *ret)
{
	char error[KVMCFG_ARG_ERROR_MAX];
	int r = kvmcfg_arg_positive(opt, s, ret, error);

	if (r < 0)
		fprintf(stderr, "%s\n", error);
	return r;
}

static int parse_count(const char *opt, const char *s, unsigned int min, unsigned int max,
		       uint64_t *ret)
{
	char error[KVMCFG_ARG_ERROR_MAX];
	unsigned int v;
	int r = kvmcfg_arg_uint(opt, s, min, max, &v, error);

	if (r < 0) {
		fprintf(stderr, "%s\n", error);
		return r;
	}
	*ret = v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum {
		OPT_BUDGET = 256,
		OPT_CI,
		OPT_PATHS,
		OPT_NO_HARNESS,
		OPT_JSON,
		OPT_COMPARE,
		OPT_MIN_CHANGE,
		OPT_QUIET,
		OPT_ROUNDS,
		OPT_SLICE,
		OPT_DELAY,
		OPT_VM_ROUNDS,
		OPT_RUNS,
	};
	static const struct option longopts[] = {
		{ "budget", required_argument, NULL, OPT_BUDGET },
		{ "ci-target", required_argument, NULL, OPT_CI },
		{ "paths", required_argument, NULL, OPT_PATHS },
		{ "no-harness", no_argument, NULL, OPT_NO_HARNESS },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "compare", required_argument, NULL, OPT_COMPARE },
		{ "min-change", required_argument, NULL, OPT_MIN_CHANGE },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ "vm-rounds", required_argument, NULL, OPT_VM_ROUNDS },
		{ "runs", required_argument, NULL, OPT_RUNS },
		{ "slice-samples", required_argument, NULL, OPT_SLICE },
		{ "handler-delay-ns", required_argument, NULL, OPT_DELAY },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t v;
	double pct;
	int c, i;

	*o = (struct options){
		.budget_s = DEFAULT_BUDGET_S,
		.ci_target = DEFAULT_CI_TARGET,
		.min_change = DEFAULT_MIN_CHANGE,
		.harness = true,
		.rounds = DEFAULT_ROUNDS,
		.slice_samples = SLICE_SAMPLES,
		.vm_rounds = DEFAULT_VM_ROUNDS,
		.runs = 1,
	};
	for (i = 0; i < _BENCH_PATH_MAX; i++)
		o->want[i] = true;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_BUDGET:
			if (parse_positive("--budget", optarg, &o->budget_s) < 0)
				return -EINVAL;
			break;
		case OPT_CI:
			if (parse_positive("--ci-target", optarg, &pct) < 0)
				return -EINVAL;
			o->ci_target = pct / 100;
			break;
		case OPT_MIN_CHANGE:
			if (parse_positive("--min-change", optarg, &pct) < 0)
				return -EINVAL;
			o->min_change = pct / 100;
			break;
		case OPT_PATHS:
			if (parse_paths(optarg, o->want) < 0)
				return -EINVAL;
			break;
		case OPT_NO_HARNESS:
			o->harness = false;
			break;
		case OPT_JSON:
			o->json_path = optarg;
			break;
		case OPT_COMPARE:
			/* --compare A B: B is the next non-option argument. */
			if (optind >= argc || argv[optind][0] == '-') {
				fprintf(stderr,
					"--compare needs two files: --compare A.json B.json\n");
				return -EINVAL;
			}
			o->compare[0] = optarg;
			o->compare[1] = argv[optind++];
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_ROUNDS:
			if (parse_count("--rounds", optarg, 2, MAX_ROUNDS, &v) < 0)
				return -EINVAL;
			o->rounds = (unsigned int)v;
			break;
		case OPT_VM_ROUNDS:
			if (parse_count("--vm-rounds", optarg, 1, MAX_ROUNDS, &v) < 0)
				return -EINVAL;
			o->vm_rounds = (unsigned int)v;
			break;
		case OPT_RUNS:
			if (parse_count("--runs", optarg, 1, BENCH_RUNS_MAX, &v) < 0)
				return -EINVAL;
			o->runs = (unsigned int)v;
			break;
		case OPT_SLICE:
			if (parse_count("--slice-samples", optarg, 1, MAX_SAMPLES / MAX_ROUNDS,
					&v) < 0)
				return -EINVAL;
			o->slice_samples = v;
			break;
		case OPT_DELAY:
			if (parse_count("--handler-delay-ns", optarg, 0, NSEC_PER_SEC, &v) < 0)
				return -EINVAL;
			o->handler_delay_ns = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument '%s' (see --help)\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int write_json_file(struct json_object *doc, const char *file)
{
	FILE *f = strcmp(file, "-") == 0 ? stdout : fopen(file, "we");
	int r;

	if (!f) {
		fprintf(stderr, "Failed to open %s: %s\n", file, strerror(errno));
		return -errno;
	}
	r = doc ? kvmcfg_json_write(f, doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED) :
		  -ENOMEM;
	if (f != stdout && fclose(f) != 0 && r == 0)
		r = -errno;
	if (r < 0)
		fprintf(stderr, "Failed to write %s: %s\n", file, strerror(-r));
	return r;
}

/* ---- --runs: each run a fresh process ---- */

/* The command line of one run: this program, with @o's settings, its JSON to @json. */
static char **run_argv(const struct options *o, bool harness, const char *json)
{
	static const char *const opts[] = { "--rounds", "--vm-rounds", "--slice-samples",
					    "--budget", "--ci-target", "--handler-delay-ns" };
	_cleanup_(strv_freep) char **argv = NULL;
	char num[ARRAY_SIZE(opts)][32], paths[512] = "";
	size_t i;
	int r;

	snprintf(num[0], sizeof(num[0]), "%u", o->rounds);
	snprintf(num[1], sizeof(num[1]), "%u", o->vm_rounds);
	snprintf(num[2], sizeof(num[2]), "%llu", (unsigned long long)o->slice_samples);
	snprintf(num[3], sizeof(num[3]), "%.17g", o->budget_s);
	snprintf(num[4], sizeof(num[4]), "%.17g", o->ci_target * 100);
	snprintf(num[5], sizeof(num[5]), "%llu", (unsigned long long)o->handler_delay_ns);
	for (i = 0; i < _BENCH_PATH_MAX; i++) {
		if (!o->want[i])
			continue;
		if (paths[0])
			strcat(paths, ",");
		strcat(paths, bench_path_info[i].name);
	}
	r = strv_extend(&argv, "/proc/self/exe");
	r |= strv_extend(&argv, "--quiet");
	r |= strv_extend(&argv, "--json");
	r |= strv_extend(&argv, json);
	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		r |= strv_extend(&argv, opts[i]);
		r |= strv_extend(&argv, num[i]);
	}
	r |= strv_extend(&argv, "--paths");
	r |= strv_extend(&argv, paths);
	if (!harness)
		r |= strv_extend(&argv, "--no-harness");
	return r ? NULL : TAKE_PTR(argv);
}

/* SIGINT, SIGTERM or SIGHUP while --runs waits for a run; the run is then stopped. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/*
 * One run of --runs: this program again (a fresh process, so the
 * run-level effect --runs exists for is drawn anew; runs.h), through
 * spawn_capture(), its JSON written to a memfd it inherits. 0 with the
 * document in *@ret; the run's failure (> 0) after showing its output;
 * -EINTR when stopped by a signal; -errno.
 */
static int run_once(const struct options *o, bool harness, struct json_object **ret)
{
	_cleanup_close_ int fd = memfd_create("kvm-mmio-bench-run", 0);
	_cleanup_(strv_freep) char **argv = NULL;
	struct spawn_result res = {};
	char json[64], how[64];
	int r;

	if (fd < 0)
		return -errno;
	snprintf(json, sizeof(json), "/proc/self/fd/%d", fd);
	argv = run_argv(o, harness, json);
	if (!argv)
		return -ENOMEM;
	r = spawn_capture(argv, 0, &stop_signal, &res);
	if (r < 0)
		return r;
	if (res.stopped) {
		r = -EINTR;
	} else if (!WIFEXITED(res.wait_status) || WEXITSTATUS(res.wait_status) != 0) {
		fputs(res.output, stderr);
		fprintf(stderr, "the run ended with %s\n",
			spawn_describe(res.wait_status, how, sizeof(how)));
		r = WIFEXITED(res.wait_status) ? WEXITSTATUS(res.wait_status) :
						 128 + WTERMSIG(res.wait_status);
	} else {
		r = load_json(json, ret) < 0 ? -EBADMSG : 0;
	}
	spawn_result_clear(&res);
	return r;
}

static int do_runs(const struct options *o)
{
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP };
	_cleanup_(json_object_putp) struct json_object *merged = NULL;
	_cleanup_free_ struct json_object **docs = NULL;
	_cleanup_free_ double *wall = NULL;
	struct sigaction sa = { .sa_handler = on_stop_signal };
	unsigned int i, done = 0;
	char why[256];
	FILE *table;
	int r = 0;

	docs = calloc(o->runs, sizeof(*docs));
	wall = calloc(o->runs, sizeof(*wall));
	if (!docs || !wall)
		return 1;
	/* A run has a session of its own: a signal to the bench must stop it too. */
	for (i = 0; i < ARRAY_SIZE(stops); i++)
		sigaction(stops[i], &sa, NULL);
	for (i = 0; i < o->runs && !stop_signal; i++) {
		uint64_t t0 = now_ns();

		/* The harness is measured once, in the first run. */
		r = run_once(o, o->harness && i == 0, &docs[i]);
		wall[i] = (double)(now_ns() - t0) / NSEC_PER_SEC;
		if (r > 0)
			fprintf(stderr, "run %u of %u failed (exit status %d)\n", i + 1, o->runs,
				r);
		else if (r < 0 && r != -EINTR) /* -EINTR: a signal, which ends the bench below */
			fprintf(stderr, "run %u of %u: %s\n", i + 1, o->runs, strerror(-r));
		if (r != 0)
			break;
		done++;
		if (!o->quiet)
			fprintf(stderr, "run %u/%u: %.1f s\n", i + 1, o->runs, wall[i]);
	}
	if (r == 0 && !stop_signal) {
		r = bench_runs_merge(docs, wall, done, &merged, why, sizeof(why));
		if (r == -EBADMSG)
			fprintf(stderr, "The runs cannot be merged: %s\n", why);
		else if (r < 0)
			fprintf(stderr, "Failed to merge the runs: %s\n", strerror(-r));
	}
	for (i = 0; i < done; i++)
		json_object_put(docs[i]);
	if (stop_signal) {
		/* Die of the signal, as without the handler. */
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	if (r != 0)
		return r == 4 ? 4 : 1;
	table = o->json_path && strcmp(o->json_path, "-") == 0 ? stderr : stdout;
	bench_runs_print_table(merged, table);
	if (o->json_path && write_json_file(merged, o->json_path) < 0)
		return 1;
	return 0;
}

/*
 * The budget still left, split evenly over the @remaining measurements: a
 * path that met its CI target early leaves its time to the ones after it.
 */
static uint64_t share_left(uint64_t start_ns, uint64_t budget_ns, unsigned int remaining)
{
	uint64_t used = now_ns() - start_ns;

	if (used >= budget_ns || !remaining)
		return 0;
	return (budget_ns - used) / remaining;
}

int main(int argc, char **argv)
{
	struct bench_path_result results[_BENCH_PATH_MAX];
	struct path_run runs[_BENCH_PATH_MAX];
	struct bench_report rep;
	struct options o;
	uint64_t budget_ns, rounds_ns, t0 = now_ns();
	unsigned int n = 0, round, i, k, left;
	char why[256];
	FILE *table;
	int r, rc = 0;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	if (o.compare[0])
		return do_compare(&o);

	/* Skips (exit 4) with the reason when there is no usable /dev/kvm. */
	close(open_kvm_dev_path_or_exit());
	if (o.runs > 1)
		return do_runs(&o);

	bench_report_init(&rep);
	rep.budget_s = o.budget_s;
	rep.ci_target = o.ci_target;
	rep.rounds = o.rounds;
	rep.handler_delay_ns = o.handler_delay_ns;
	collect_host(&rep);
	if (bench_conditions_identify(PROC_ROOT, &rep.cond) < 0)
		fprintf(stderr, "Failed to identify the host: %s, ignoring\n", strerror(ENOMEM));
	bench_busy_sample(PROC_ROOT, &rep.cond.start);
	r = collect_params(&rep);
	if (r < 0)
		fprintf(stderr, "Failed to read kvm* module parameters under %s: %s, ignoring\n",
			kvm_sysfs_root(), strerror(-r));

	/* The control path runs whatever --paths says: it is what the others are judged against. */
	o.want[BENCH_LAPIC_READ] = true;

	/* Every path's VM first, so each round can visit them all. */
	for (i = 0; i < _BENCH_PATH_MAX; i++) {
		if (!o.want[i])
			continue;
		r = path_run_open(&runs[n], i, &o, &results[n]);
		if (r < 0) {
			fprintf(stderr, "Failed to set up path %s: %s\n", bench_path_info[i].name,
				strerror(-r));
			return 1;
		}
		n++;
	}

	/* The harness measurement gets one path's share of the budget, after the rounds. */
	budget_ns = (uint64_t)(o.budget_s * NSEC_PER_SEC);
	rounds_ns = o.harness ? budget_ns / (n + 1) * n : budget_ns;
	for (round = 0; round < o.rounds; round++) {
		if (!o.quiet)
			fprintf(stderr, "round %u/%u\n", round + 1, o.rounds);
		for (k = 0; round && round % o.vm_rounds == 0 && k < n; k++) {
			if (!runs[k].path)
				continue;
			r = path_run_rebuild(&runs[k], &o);
			if (r < 0) {
				fprintf(stderr, "Failed to rebuild the VM of %s: %s\n",
					bench_path_info[runs[k].id].name, strerror(-r));
				return 1;
			}
		}
		/*
		 * Rotate the order each round, so no path always runs right
		 * after the same neighbour (or first, with cold caches).
		 */
		for (k = 0; k < n; k++) {
			struct path_run *pr = &runs[(k + round) % n];

			if (!pr->path)
				continue;
			left = (o.rounds - round) * n - k;
			run_slice(pr, share_left(t0, rounds_ns, left), &o);
		}
	}
	for (k = 0; k < n; k++) {
		path_run_finish(&runs[k], &o, &rep, &results[k]);
		path_run_close(&runs[k]);
	}
	rep.paths = results;
	rep.n_paths = n;
	add_controls(&rep, &o);
	if (o.harness) {
		if (!o.quiet)
			fprintf(stderr, "harness overhead\n");
		/*
		 * One path's share of the budget: no more when the rounds ended
		 * early, no less when they overran theirs (a slice is at least a
		 * batch).
		 */
		run_harness(budget_ns / (n + 1), &o, &rep.harness);
	} else {
		rep.harness.skip_reason = "--no-harness";
	}
	bench_busy_sample(PROC_ROOT, &rep.cond.end);
	if (!o.quiet)
		fprintf(stderr, "done in %.1f s\n\n", (double)(now_ns() - t0) / NSEC_PER_SEC);
	if (bench_conditions_busy(&rep.cond, why, sizeof(why)))
		fprintf(stderr, "warning: the host was busy (%s): figures are less comparable\n",
			why);

	/* With --json -, stdout carries the JSON alone; the table goes to stderr. */
	table = o.json_path && strcmp(o.json_path, "-") == 0 ? stderr : stdout;
	bench_report_print_table(&rep, table);
	if (o.json_path) {
		_cleanup_(json_object_putp) struct json_object *doc = bench_report_to_json(&rep);

		if (write_json_file(doc, o.json_path) < 0)
			rc = 1;
	}
	rep.paths = NULL; /* on the stack; their round arrays are not */
	for (k = 0; k < n; k++)
		free(results[k].round_ns);
	bench_report_deinit(&rep);
	return rc;
}
