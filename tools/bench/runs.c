// SPDX-License-Identifier: GPL-2.0-only
/* Several runs of the bench as one result document (see runs.h). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json-doc.h"
#include "json-out.h"
#include "macro.h"
#include "results.h"
#include "runs.h"
#include "sample-stats.h"

static struct json_object *copy_of(struct json_object *o)
{
	struct json_object *c = NULL;

	if (!o)
		return NULL; /* JSON null, or absent: the caller adds null */
	return json_object_deep_copy(o, &c, NULL) < 0 ? NULL : c;
}

/* Add a deep copy of @src's member @key to @dst (null when absent); 0 or -ENOMEM. */
static int add_copy(struct json_object *dst, const char *key, struct json_object *src)
{
	struct json_object *v = bench_json_get(src, key);

	return v ? kvmcfg_json_add(dst, key, copy_of(v)) : bench_json_add_null(dst, key);
}

static struct json_object *doc_paths(struct json_object *doc)
{
	struct json_object *p = bench_json_get(doc, "paths");

	return p && json_object_is_type(p, json_type_array) ? p : NULL;
}

/* The runs must measure the same thing: same kernel, parameters, settings. */
static int check_alike(struct json_object *const *docs, size_t n, char *why, size_t len)
{
	static const char *const keys[] = { "kernel",		"kvm_params", "rounds",
					    "handler_delay_ns", "tsc_khz",    "host" };
	size_t i, k;

	for (i = 0; i < n; i++) {
		const char *tool = bench_json_get_string(docs[i], "tool");

		if (!tool || strcmp(tool, "kvm-mmio-bench") != 0 || !doc_paths(docs[i])) {
			snprintf(why, len, "run %zu is not a kvm-mmio-bench result", i + 1);
			return -EBADMSG;
		}
		for (k = 0; i && k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (!json_object_equal(bench_json_get(docs[0], keys[k]),
					       bench_json_get(docs[i], keys[k]))) {
				snprintf(why, len, "run %zu's %s differs from run 1's", i + 1,
					 keys[k]);
				return -EBADMSG;
			}
		}
	}
	return 0;
}

/* The control a path was judged against in a run, or NULL. */
static const char *run_control(struct json_object *p)
{
	return bench_json_get_string(bench_json_get(bench_json_get(p, "rounds"), "vs_control"),
				     "control");
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* A path's estimate across values @v as { median, ci_lo, ci_hi } members of @o. */
static int add_estimate(struct json_object *o, const double *v, size_t n)
{
	struct bench_estimate e;
	int r = bench_rounds_estimate(v, n, &e);

	if (r == -ENOMEM)
		return r;
	if (r < 0)
		e = (struct bench_estimate){ .value = NAN, .lo = NAN, .hi = NAN };
	r = bench_json_add_num(o, "median", e.value);
	r |= bench_json_add_num(o, "ci_lo", e.lo);
	r |= bench_json_add_num(o, "ci_hi", e.hi);
	return r;
}

static int add_array(struct json_object *o, const char *key, const double *v, size_t n)
{
	struct json_object *a = kvmcfg_json_add_array(o, key);
	size_t i;
	int r = 0;

	if (!a)
		return -ENOMEM;
	for (i = 0; i < n && !r; i++)
		r |= bench_json_append_num(a, v[i]);
	return r;
}

struct pooled {
	double *ns, *ratio; /* every round of every run */
	size_t n, n_ratio;
	double *run_ns, *run_ratio; /* one per run */
};

static void pooled_free(struct pooled *p)
{
	free(p->ns);
	free(p->ratio);
	free(p->run_ns);
	free(p->run_ratio);
}

/* Append run @doc's rounds of path @p (and their ratios to @control) to @acc. */
static int pool_run(struct json_object *doc, struct json_object *p, const char *control,
		    struct pooled *acc, size_t run, char *why, size_t len)
{
	_cleanup_free_ double *v = NULL, *c = NULL;
	struct json_object *rounds = bench_json_get(p, "rounds");
	size_t n, nc, i;
	double *grown;
	int r;

	r = bench_json_positive_array(bench_json_get(rounds, "medians"), 2, &v, &n);
	if (r == -EBADMSG ||
	    (r == 0 && !bench_json_get_number(rounds, "median", &acc->run_ns[run])))
		snprintf(why, len, "run %zu: path %s has no rounds", run + 1,
			 bench_json_get_string(p, "name"));
	if (r < 0 || why[0])
		return r < 0 ? r : -EBADMSG;
	grown = realloc(acc->ns, (acc->n + n) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	acc->ns = grown;
	memcpy(acc->ns + acc->n, v, n * sizeof(*v));
	acc->n += n;
	if (!control)
		return 0;
	r = bench_json_positive_array(
		bench_json_get(
			bench_json_get(bench_json_find_path(doc_paths(doc), control), "rounds"),
			"medians"),
		2, &c, &nc);
	if (r == -EBADMSG || (r == 0 && nc != n) ||
	    (r == 0 &&
	     !bench_json_get_number(bench_json_get(bench_json_get(p, "rounds"), "vs_control"),
				    "median", &acc->run_ratio[run]))) {
		snprintf(why, len, "run %zu: the control %s of path %s has no matching rounds",
			 run + 1, control, bench_json_get_string(p, "name"));
		return -EBADMSG;
	}
	if (r < 0)
		return r;
	grown = realloc(acc->ratio, (acc->n_ratio + n) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	acc->ratio = grown;
	for (i = 0; i < n; i++)
		acc->ratio[acc->n_ratio + i] = v[i] / c[i];
	acc->n_ratio += n;
	return 0;
}

/* The per-access KVM stats over every run, weighted by the runs' accesses; null if any lacks it. */
static int merge_stats(struct json_object *const *ps, size_t n, struct json_object *o)
{
	struct json_object *stats = json_object_new_object(),
			   *first = bench_json_get(ps[0], "stats_per_access");
	int r = kvmcfg_json_add(o, "stats_per_access", stats);

	if (r || !first || !json_object_is_type(first, json_type_object))
		return r;
	json_object_object_foreach(first, key, unused)
	{
		double sum = 0, weight = 0, v, a;
		size_t i;

		(void)unused;
		for (i = 0; i < n; i++) {
			if (!bench_json_get_number(bench_json_get(ps[i], "stats_per_access"), key,
						   &v) ||
			    !bench_json_get_number(ps[i], "accesses", &a))
				break;
			sum += v * a;
			weight += a;
		}
		r |= i == n && weight > 0 ? bench_json_add_num(stats, key, sum / weight) :
					    bench_json_add_null(stats, key);
	}
	return r;
}

static int merge_ok_path(struct json_object *const *docs, struct json_object *const *ps, size_t n,
			 struct json_object *o, char *why, size_t len)
{
	const char *control = run_control(ps[0]);
	struct pooled acc = { 0 };
	struct json_object *rounds, *across, *vc;
	double accesses = 0, batches = 0, elapsed = 0, v;
	bool converged = true, cut = false;
	size_t i;
	int r = 0;

	acc.run_ns = calloc(n, sizeof(double));
	acc.run_ratio = calloc(n, sizeof(double));
	if (!acc.run_ns || !acc.run_ratio) {
		pooled_free(&acc);
		return -ENOMEM;
	}
	for (i = 0; i < n && r == 0; i++) {
		if (!same_str(control, run_control(ps[i]))) {
			snprintf(why, len, "path %s has another control in run %zu than in run 1",
				 bench_json_get_string(ps[0], "name"), i + 1);
			r = -EBADMSG;
			break;
		}
		r = pool_run(docs[i], ps[i], control, &acc, i, why, len);
		accesses += bench_json_get_number(ps[i], "accesses", &v) ? v : 0;
		batches += bench_json_get_number(ps[i], "batches", &v) ? v : 0;
		elapsed += bench_json_get_number(ps[i], "elapsed_s", &v) ? v : 0;
		converged &= json_object_get_boolean(bench_json_get(ps[i], "converged"));
		cut |= json_object_get_boolean(bench_json_get(ps[i], "budget_cut"));
	}
	if (r < 0)
		goto out;
	r |= kvmcfg_json_add(o, "accesses", json_object_new_uint64((uint64_t)accesses));
	r |= kvmcfg_json_add(o, "batches", json_object_new_uint64((uint64_t)batches));
	r |= kvmcfg_json_add(o, "converged", json_object_new_boolean(converged));
	r |= kvmcfg_json_add(o, "budget_cut", json_object_new_boolean(cut));
	r |= bench_json_add_num(o, "elapsed_s", elapsed);

	rounds = json_object_new_object();
	r |= kvmcfg_json_add(o, "rounds", rounds);
	if (r)
		goto out;
	r |= kvmcfg_json_add(rounds, "n", json_object_new_uint64(acc.n));
	r |= add_estimate(rounds, acc.ns, acc.n);
	r |= add_array(rounds, "medians", acc.ns, acc.n);
	if (control) {
		vc = json_object_new_object();
		r |= kvmcfg_json_add(rounds, "vs_control", vc);
		r |= r ? 0 : bench_json_add_str(vc, "control", control);
		r |= r ? 0 : add_estimate(vc, acc.ratio, acc.n_ratio);
	}

	across = json_object_new_object();
	r |= kvmcfg_json_add(o, "across_runs", across);
	if (r)
		goto out;
	r |= kvmcfg_json_add(across, "n", json_object_new_uint64(n));
	r |= add_estimate(across, acc.run_ns, n);
	r |= add_array(across, "medians", acc.run_ns, n);
	if (control) {
		vc = json_object_new_object();
		r |= kvmcfg_json_add(across, "vs_control", vc);
		r |= r ? 0 : bench_json_add_str(vc, "control", control);
		r |= r ? 0 : add_estimate(vc, acc.run_ratio, n);
		r |= r ? 0 : add_array(vc, "values", acc.run_ratio, n);
	}
	r |= r ? 0 : merge_stats(ps, n, o);
out:
	pooled_free(&acc);
	return r;
}

static int merge_path(struct json_object *const *docs, size_t n, struct json_object *p0,
		      struct json_object **ret, char *why, size_t len)
{
	static const char *const copied[] = { "name", "group", "description", "cpl", "status" };
	_cleanup_(json_object_putp) struct json_object *o = NULL;
	_cleanup_free_ struct json_object **ps = NULL;
	const char *name = bench_json_get_string(p0, "name"),
		   *status = bench_json_get_string(p0, "status");
	size_t i;
	int r = 0;

	if (!name || !status) {
		snprintf(why, len, "run 1 has a path without a name or status");
		return -EBADMSG;
	}
	ps = calloc(n, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ps[i] = bench_json_find_path(doc_paths(docs[i]), name);
		if (!ps[i] || !same_str(status, bench_json_get_string(ps[i], "status"))) {
			snprintf(why, len, "path %s is %s in run 1 but %s in run %zu", name, status,
				 ps[i] ? bench_json_get_string(ps[i], "status") : "absent", i + 1);
			return -EBADMSG;
		}
	}
	if (strcmp(status, "ok") != 0) {
		*ret = copy_of(p0);
		return *ret ? 0 : -ENOMEM;
	}
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	for (i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
		r |= add_copy(o, copied[i], p0);
	if (bench_json_get(p0, "note"))
		r |= add_copy(o, "note", p0);
	if (r)
		return -ENOMEM;
	r = merge_ok_path(docs, ps, n, o, why, len);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(o);
	return 0;
}

static int merge_conditions(struct json_object *const *docs, size_t n, struct json_object *doc)
{
	struct json_object *c = json_object_new_object();
	size_t i, busy_run = 0;
	int r = kvmcfg_json_add(doc, "conditions", c);

	if (r)
		return r;
	r |= add_copy(c, "start", bench_json_get(docs[0], "conditions"));
	r |= add_copy(c, "end", bench_json_get(docs[n - 1], "conditions"));
	for (i = 0; i < n && !busy_run; i++)
		if (json_object_get_boolean(
			    bench_json_get(bench_json_get(docs[i], "conditions"), "busy")))
			busy_run = i + 1;
	r |= kvmcfg_json_add(c, "busy", json_object_new_boolean(busy_run > 0));
	if (busy_run) {
		const char *why = bench_json_get_string(
			bench_json_get(docs[busy_run - 1], "conditions"), "busy_reason");
		char buf[320];

		snprintf(buf, sizeof(buf), "run %zu: %s", busy_run, why ? why : "busy");
		r |= bench_json_add_str(c, "busy_reason", buf);
	}
	return r;
}

int bench_runs_merge(struct json_object *const *docs, const double *wall_s, size_t n,
		     struct json_object **ret, char *why, size_t why_len)
{
	/* Run 1's identity and settings (check_alike() made sure the others agree). */
	static const char *const top[] = { "timestamp", "host",	     "kernel", "tsc_khz",
					   "budget_s",	"ci_target", "rounds", "handler_delay_ns",
					   "kvm_params" };
	_cleanup_(json_object_putp) struct json_object *doc = NULL;
	struct json_object *paths, *runs, *p0s;
	size_t i;
	int r = 0;

	why[0] = '\0';
	if (n < 2)
		return -EINVAL;
	r = check_alike(docs, n, why, why_len);
	if (r < 0)
		return r;
	doc = json_object_new_object();
	if (!doc)
		return -ENOMEM;
	r |= bench_json_add_str(doc, "tool", "kvm-mmio-bench");
	r |= kvmcfg_json_add(doc, "schema", json_object_new_int(BENCH_JSON_SCHEMA));
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		r |= add_copy(doc, top[i], docs[0]);
	r |= r ? 0 : merge_conditions(docs, n, doc);
	paths = kvmcfg_json_add_array(doc, "paths");
	if (r || !paths)
		return -ENOMEM;
	p0s = doc_paths(docs[0]);
	for (i = 0; i < json_object_array_length(p0s); i++) {
		struct json_object *p = NULL;

		r = merge_path(docs, n, json_object_array_get_idx(p0s, i), &p, why, why_len);
		if (r < 0)
			return r;
		if (kvmcfg_json_append(paths, p) < 0)
			return -ENOMEM;
	}
	r = add_copy(doc, "harness", docs[0]);
	runs = kvmcfg_json_add_array(doc, "runs");
	if (r || !runs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		/* What is the run's own: the rest is run 1's, and check_alike() held them equal. */
		static const char *const own[] = { "timestamp", "conditions", "paths", "harness" };
		struct json_object *run = json_object_new_object();
		size_t k;

		r = kvmcfg_json_append(runs, run);
		for (k = 0; !r && k < sizeof(own) / sizeof(own[0]); k++)
			r |= add_copy(run, own[k], docs[i]);
		r |= r ? 0 : bench_json_add_num(run, "wall_s", wall_s ? wall_s[i] : NAN);
		if (r)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(doc);
	return 0;
}

size_t bench_runs_count(struct json_object *doc)
{
	struct json_object *runs = bench_json_get(doc, "runs");

	return runs && json_object_is_type(runs, json_type_array) ? json_object_array_length(runs) :
								    1;
}

int bench_runs_values(struct json_object *p, int vs_control, double **ret, size_t *n,
		      const char **control)
{
	struct json_object *across = bench_json_get(p, "across_runs"),
			   *vc = bench_json_get(across, "vs_control");

	*control = NULL;
	if (!across)
		return -EBADMSG;
	if (vs_control && vc) {
		*control = bench_json_get_string(vc, "control");
		if (*control)
			return bench_json_positive_array(bench_json_get(vc, "values"), 2, ret, n);
	}
	*control = NULL;
	return bench_json_positive_array(bench_json_get(across, "medians"), 2, ret, n);
}

/* ---- table ---- */

static void print_load(struct json_object *at, FILE *f)
{
	struct json_object *l = bench_json_get(at, "loadavg");
	double v[3];
	size_t i;

	for (i = 0; i < 3; i++)
		if (!l || !json_object_is_type(l, json_type_array) ||
		    !bench_json_number(json_object_array_get_idx(l, i), &v[i]))
			break;
	if (i == 3)
		fprintf(f, "load average %.2f %.2f %.2f", v[0], v[1], v[2]);
	else
		fprintf(f, "load average unknown");
	if (bench_json_get_number(at, "kvm_users", &v[0]))
		fprintf(f, ", %.0f other KVM user%s", v[0], v[0] == 1 ? "" : "s");
}

static void print_params(struct json_object *params, FILE *f)
{
	if (!params || !json_object_is_type(params, json_type_object))
		return;
	json_object_object_foreach(params, module, m)
	{
		size_t col = strlen(module) + 3;

		fprintf(f, "  %s:", module);
		if (!json_object_is_type(m, json_type_object)) {
			fputc('\n', f);
			continue;
		}
		json_object_object_foreach(m, param, v)
		{
			char item[160];
			int len = snprintf(item, sizeof(item), " %s=%s", param,
					   json_object_is_type(v, json_type_string) ?
						   json_object_get_string(v) :
						   "(unreadable)");

			if (col + (size_t)len > 100) {
				fprintf(f, "\n   ");
				col = 3;
			}
			fputs(item, f);
			col += (size_t)len;
		}
		fputc('\n', f);
	}
}

static const char *str_or(const char *s, const char *otherwise)
{
	return s ? s : otherwise;
}

/* A ratio's median and CI, "1.0123 [1.0100, 1.0150]". */
static void format_ratio(struct json_object *e, char *buf, size_t len)
{
	struct bench_estimate est;

	if (bench_json_get_estimate(e, &est))
		snprintf(buf, len, "%.4f [%.4f, %.4f]", est.value, est.lo, est.hi);
	else
		snprintf(buf, len, "-");
}

/* The lowest and highest run's ratio against their median, "-1.2%..+3.4%". */
static void format_spread(struct json_object *vc, char *buf, size_t len)
{
	_cleanup_free_ double *v = NULL;
	double m, lo = INFINITY, hi = -INFINITY;
	size_t n, i;

	if (!bench_json_get_number(vc, "median", &m) || !(m > 0) ||
	    bench_json_positive_array(bench_json_get(vc, "values"), 1, &v, &n) < 0) {
		snprintf(buf, len, "-");
		return;
	}
	for (i = 0; i < n; i++) {
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	snprintf(buf, len, "%+.1f%%..%+.1f%%", (lo / m - 1) * 100, (hi / m - 1) * 100);
}

void bench_runs_print_table(struct json_object *doc, FILE *f)
{
	struct json_object *kernel = bench_json_get(doc, "kernel"),
			   *host = bench_json_get(doc, "host");
	struct json_object *cond = bench_json_get(doc, "conditions"), *paths = doc_paths(doc);
	double tsc = 0, rounds = 0, delay = 0, cpus = 0;
	size_t i, n = paths ? json_object_array_length(paths) : 0;
	const char *s;

	bench_json_get_number(doc, "tsc_khz", &tsc);
	bench_json_get_number(doc, "rounds", &rounds);
	bench_json_get_number(doc, "handler_delay_ns", &delay);
	bench_json_get_number(host, "cpus", &cpus);
	fprintf(f, "kvm-mmio-bench: kernel %s %s (%s), TSC %.3f MHz, %s\n",
		str_or(bench_json_get_string(kernel, "release"), "?"),
		str_or(bench_json_get_string(kernel, "version"), ""),
		str_or(bench_json_get_string(kernel, "machine"), "?"), tsc / 1000,
		str_or(bench_json_get_string(doc, "timestamp"), ""));
	fprintf(f, "host %s, CPU %s, microcode %s, %.0f CPUs\n",
		str_or(bench_json_get_string(host, "hostname"), "?"),
		str_or(bench_json_get_string(host, "cpu_model"), "?"),
		str_or(bench_json_get_string(host, "microcode"), "?"), cpus);
	fprintf(f, "start: ");
	print_load(bench_json_get(cond, "start"), f);
	fprintf(f, "\nend:   ");
	print_load(bench_json_get(cond, "end"), f);
	fputc('\n', f);
	if ((s = bench_json_get_string(cond, "busy_reason")))
		fprintf(f, "warning: the host was busy (%s): figures are less comparable\n", s);
	fprintf(f, "%zu runs of %.0f rounds, each in a fresh process", bench_runs_count(doc),
		rounds);
	if (delay > 0)
		fprintf(f, ", handler delay %.0f ns per exit to userspace", delay);
	fprintf(f, "\nKVM parameters:\n");
	print_params(bench_json_get(doc, "kvm_params"), f);

	fprintf(f,
		"\nPer access, across runs. median: the median of the runs' medians across rounds, with\n"
		"its 95%% CI across runs; vs control: the same for each run's ratio to the control path\n"
		"(what --compare judges); runs: the lowest and highest run's ratio against that median.\n"
		"Per-sample figures (p90, p99, mean, cycles) are per run, in the JSON's \"runs\".\n");
	fprintf(f, "%-3s %-20s %3s %11s %19s %28s %15s %10s %10s %10s %14s %10s\n", "", "path",
		"cpl", "median (ns)", "95% CI (ns)", "vs control (ratio) [95% CI]", "runs", "exits",
		"mmio_exits", "pf_emulate", "insn_emulation", "accesses");
	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(paths, i);
		struct json_object *across = bench_json_get(p, "across_runs"),
				   *st = bench_json_get(p, "stats_per_access");
		static const char *const stats[] = { "exits", "mmio_exits", "pf_emulate",
						     "insn_emulation" };
		struct bench_estimate est = { .value = NAN };
		double cpl = 0, acc = 0, v;
		char ci[48], vs[48], spread[40];
		size_t k;

		bench_json_get_number(p, "cpl", &cpl);
		if ((s = bench_json_get_string(p, "skip_reason"))) {
			fprintf(f, "%-3s %-20s %3.0f   skipped: %s\n",
				str_or(bench_json_get_string(p, "group"), ""),
				str_or(bench_json_get_string(p, "name"), "?"), cpl, s);
			continue;
		}
		bench_json_get_number(p, "accesses", &acc);
		snprintf(ci, sizeof(ci), "-");
		if (bench_json_get_estimate(across, &est))
			snprintf(ci, sizeof(ci), "[%.0f, %.0f]", est.lo, est.hi);
		format_ratio(bench_json_get(across, "vs_control"), vs, sizeof(vs));
		format_spread(bench_json_get(across, "vs_control"), spread, sizeof(spread));
		fprintf(f, "%-3s %-20s %3.0f %11.0f %19s %28s %15s",
			str_or(bench_json_get_string(p, "group"), ""),
			str_or(bench_json_get_string(p, "name"), "?"), cpl, est.value, ci, vs,
			spread);
		for (k = 0; k < sizeof(stats) / sizeof(stats[0]); k++) {
			int w = k == 3 ? 14 : 10;

			if (bench_json_get_number(st, stats[k], &v))
				fprintf(f, " %*.3f", w, v);
			else
				fprintf(f, " %*s", w, "-");
		}
		fprintf(f, " %10.0f\n", acc);
	}
	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(paths, i);

		if ((s = bench_json_get_string(p, "note")) &&
		    !bench_json_get_string(p, "skip_reason"))
			fprintf(f, "note: %s: %s\n", bench_json_get_string(p, "name"), s);
	}
}
