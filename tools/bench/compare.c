// SPDX-License-Identifier: GPL-2.0-only
/* Judging two result files against each other (see compare.h). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "compare.h"
#include "json-doc.h"
#include "macro.h"
#include "results.h"
#include "runs.h"

const char *bench_verdict_str(enum bench_verdict v)
{
	switch (v) {
	case BENCH_REGRESSION:
		return "significant regression";
	case BENCH_IMPROVEMENT:
		return "significant improvement";
	case BENCH_INCONCLUSIVE:
		return "inconclusive";
	case BENCH_NOT_AN_EXIT:
		return "not a KVM exit";
	case BENCH_NOISE:
		break;
	}
	return "noise";
}

enum bench_verdict bench_verdict(const struct bench_estimate *s, double min_rel, double floor)
{
	double t = floor > min_rel ? floor : min_rel;

	if (!isfinite(s->value) || !isfinite(s->lo) || !isfinite(s->hi) || !(s->value > 0) ||
	    !isfinite(t))
		return BENCH_NOISE;
	if (s->lo > 1 && s->value >= 1 + t)
		return BENCH_REGRESSION;
	if (s->hi < 1 && s->value <= 1 / (1 + t))
		return BENCH_IMPROVEMENT;
	/*
	 * Slower by the minimum and leaning that way: clear of no change but
	 * under the floor, or not clear, yet reaching no further below no
	 * change than the minimum. An interval wide on both sides shows
	 * nothing, and making B again would not show more.
	 */
	if (s->value >= 1 + min_rel && (s->lo > 1 || s->lo >= 1 / (1 + min_rel)))
		return BENCH_INCONCLUSIVE;
	return BENCH_NOISE;
}

int bench_noise_floor(const double *a, size_t na, const double *b, size_t nb, double *ret)
{
	const double *v[2] = { a, b };
	size_t n[2] = { na, nb }, i;
	double floor = 0;

	for (i = 0; i < 2; i++) {
		struct bench_estimate e;
		int r;

		if (n[i] < 4)
			continue; /* no halves to compare: the CI alone judges */
		r = bench_shift_ci(v[i], n[i] / 2, v[i] + n[i] / 2, n[i] - n[i] / 2, 1.96, &e);
		if (r < 0)
			return r;
		if (fabs(e.value - 1) > floor)
			floor = fabs(e.value - 1);
		if (1 / e.value - 1 > floor)
			floor = 1 / e.value - 1;
	}
	*ret = floor;
	return 0;
}

/* ---- reading the documents ---- */

/* The "paths" array of a result document, or NULL with a message. */
static struct json_object *doc_paths(struct json_object *doc, const char *name, FILE *err)
{
	const char *tool = bench_json_get_string(doc, "tool");
	struct json_object *paths;

	if (!tool || strcmp(tool, "kvm-mmio-bench") != 0) {
		fprintf(err, "%s: not a kvm-mmio-bench result (no \"tool\": \"kvm-mmio-bench\")\n",
			name);
		return NULL;
	}
	paths = bench_json_get(doc, "paths");
	if (!paths || !json_object_is_type(paths, json_type_array)) {
		fprintf(err, "%s: no \"paths\" array\n", name);
		return NULL;
	}
	return paths;
}

/* A measured path's per-round medians (malloc'd into *ret); -EBADMSG if absent or skipped. */
static int path_rounds(struct json_object *p, double **ret, size_t *n)
{
	const char *status = bench_json_get_string(p, "status");

	if (!status || strcmp(status, "ok") != 0)
		return -EBADMSG;
	return bench_json_positive_array(bench_json_get(bench_json_get(p, "rounds"), "medians"), 2,
					 ret, n);
}

struct docs {
	struct json_object *pa, *pb;
	bool by_runs; /* both have BENCH_MIN_RUNS runs: the runs are the samples */
};

/* A control is usable when both runs measured it (the round counts are checked by the caller). */
static bool measured_in_both(const char *name, const void *opaque)
{
	const struct docs *d = opaque;
	_cleanup_free_ double *a = NULL, *b = NULL;
	size_t na, nb;

	return path_rounds(bench_json_find_path(d->pa, name), &a, &na) == 0 &&
	       path_rounds(bench_json_find_path(d->pb, name), &b, &nb) == 0;
}

/* ---- conditions ---- */

static void print_context_diff(struct json_object *a, struct json_object *b, FILE *f)
{
	static const char *const host_keys[] = { "hostname", "cpu_model", "microcode" };
	struct json_object *pa = bench_json_get(a, "kvm_params"),
			   *pb = bench_json_get(b, "kvm_params");
	const char *ra = bench_json_get_string(bench_json_get(a, "kernel"), "release");
	const char *rb = bench_json_get_string(bench_json_get(b, "kernel"), "release");
	size_t i;

	if (strcmp(ra ? ra : "?", rb ? rb : "?") != 0)
		fprintf(f, "kernel: %s -> %s\n", ra ? ra : "?", rb ? rb : "?");
	for (i = 0; i < sizeof(host_keys) / sizeof(host_keys[0]); i++) {
		const char *ha = bench_json_get_string(bench_json_get(a, "host"), host_keys[i]);
		const char *hb = bench_json_get_string(bench_json_get(b, "host"), host_keys[i]);

		if (strcmp(ha ? ha : "?", hb ? hb : "?") != 0)
			fprintf(f, "host %s: %s -> %s\n", host_keys[i], ha ? ha : "?",
				hb ? hb : "?");
	}
	if (!pa || !json_object_is_type(pa, json_type_object))
		return;
	json_object_object_foreach(pa, module, ma)
	{
		struct json_object *mb = bench_json_get(pb, module);

		if (!json_object_is_type(ma, json_type_object))
			continue;
		json_object_object_foreach(ma, param, va)
		{
			struct json_object *vb = NULL;
			/* A param that could not be read is null: present, unlike a missing one. */
			bool in_b = mb && json_object_is_type(mb, json_type_object) &&
				    json_object_object_get_ex(mb, param, &vb);
			const char *sa = json_object_is_type(va, json_type_string) ?
						 json_object_get_string(va) :
						 "(unreadable)";
			const char *sb = !in_b ? "(absent)" :
					 json_object_is_type(vb, json_type_string) ?
						 json_object_get_string(vb) :
						 "(unreadable)";

			if (strcmp(sa, sb) != 0)
				fprintf(f, "param %s.%s: %s -> %s\n", module, param, sa, sb);
		}
	}
}

struct run_conditions {
	bool known, busy;
	double load;   /* the higher 1-minute load average of start and end */
	int kvm_users; /* the most other KVM users seen; -1 unknown */
};

static void read_conditions(struct json_object *doc, struct run_conditions *c)
{
	struct json_object *cond = bench_json_get(doc, "conditions"),
			   *busy = bench_json_get(cond, "busy");
	const char *when[2] = { "start", "end" };
	int i;

	memset(c, 0, sizeof(*c));
	c->kvm_users = -1;
	c->load = -1;
	if (!cond)
		return;
	c->known = true;
	c->busy = busy && json_object_is_type(busy, json_type_boolean) &&
		  json_object_get_boolean(busy);
	for (i = 0; i < 2; i++) {
		struct json_object *at = bench_json_get(cond, when[i]),
				   *l = bench_json_get(at, "loadavg");
		double v;

		if (l && json_object_is_type(l, json_type_array) &&
		    bench_json_number(json_object_array_get_idx(l, 0), &v) && v > c->load)
			c->load = v;
		if (bench_json_get_number(at, "kvm_users", &v) && v > c->kvm_users)
			c->kvm_users = (int)v;
	}
}

static void print_one_condition(const char *label, const struct run_conditions *c, FILE *f)
{
	if (!c->known) {
		fprintf(f, "%s: conditions not recorded\n", label);
		return;
	}
	fprintf(f, "%s: %s, load average up to %.2f, %d other KVM user%s\n", label,
		c->busy ? "busy" : "quiet", c->load, c->kvm_users, c->kvm_users == 1 ? "" : "s");
}

/* Says so when the two runs ran under different conditions. */
static void print_conditions(struct json_object *a, struct json_object *b, FILE *f)
{
	struct run_conditions ca, cb;
	double cpus = 1;

	read_conditions(a, &ca);
	read_conditions(b, &cb);
	bench_json_get_number(bench_json_get(a, "host"), "cpus", &cpus);
	print_one_condition("A", &ca, f);
	print_one_condition("B", &cb, f);
	if (ca.known != cb.known || ca.busy != cb.busy || ca.kvm_users != cb.kvm_users ||
	    fabs(ca.load - cb.load) > (cpus > 1 ? cpus : 1) / 2)
		fprintf(f, "warning: the two runs' conditions differ (load or other KVM users): "
			   "the verdicts below are less certain\n");
	else if (ca.busy)
		fprintf(f, "warning: both runs were on a busy host\n");
}

/* ---- judging ---- */

/*
 * The floor the host's drift sets for one path, judged on runs: the part
 * of the drift its ratio to the control does not take out. How much that
 * is comes from the runs themselves: the slope of the path's run medians
 * on the control's within each side (1: the ratio cancels the drift; 1.7:
 * pio_cpl0 here), taken at the far end of its 99.9% interval, since the
 * runs inside a side may spread little. BENCH_DRIFT_FLOOR times that part
 * of the drift, and never more than @drift_floor, the floor on rounds.
 */
static double runs_drift_floor(const double *const *path, const double *const *control,
			       const size_t *n, double drift_floor)
{
	double drift = drift_floor / BENCH_DRIFT_FLOOR, slope, se;

	if (drift_floor <= 0)
		return 0;
	if (bench_within_slope(control, path, n, 2, &slope, &se) < 0)
		return drift_floor;
	return fmin(drift_floor,
		    BENCH_DRIFT_FLOOR * (fabs(slope - 1) + BENCH_COMPARE_Z * se) * drift);
}

/*
 * judge() on runs: each run's ratio to the control (or its median, when a
 * side has no control) is one sample. The spread between runs is in the
 * interval, so the floor is only what the host's drift leaves.
 */
static int judge_runs(const struct docs *d, const char *name, const char **control,
		      struct bench_estimate *abs, struct bench_estimate *rel, double *floor,
		      double drift_floor)
{
	struct json_object *p = bench_json_find_path(d->pa, name);
	struct json_object *q = bench_json_find_path(d->pb, name);
	_cleanup_free_ double *a = NULL, *b = NULL, *ra = NULL, *rb = NULL;
	_cleanup_free_ double *ca = NULL, *cb = NULL;
	const char *na_ctl, *nb_ctl, *unused;
	size_t n[2], nra, nrb, nca, ncb;
	int r;

	r = bench_runs_values(p, false, &a, &n[0], &unused);
	if (r >= 0)
		r = bench_runs_values(q, false, &b, &n[1], &unused);
	if (r >= 0)
		r = bench_shift_ci(a, n[0], b, n[1], BENCH_COMPARE_Z, abs);
	if (r < 0)
		return r;
	*rel = *abs;
	*floor = drift_floor;
	*control = NULL;
	if (bench_runs_values(p, true, &ra, &nra, &na_ctl) < 0 ||
	    bench_runs_values(q, true, &rb, &nrb, &nb_ctl) < 0 || !na_ctl || !nb_ctl ||
	    strcmp(na_ctl, nb_ctl) != 0)
		return 0;
	*control = na_ctl;
	if (bench_runs_values(bench_json_find_path(d->pa, na_ctl), false, &ca, &nca, &unused) ==
		    0 &&
	    bench_runs_values(bench_json_find_path(d->pb, na_ctl), false, &cb, &ncb, &unused) ==
		    0 &&
	    nca == n[0] && ncb == n[1])
		*floor = runs_drift_floor((const double *const[]){ a, b },
					  (const double *const[]){ ca, cb }, n, drift_floor);
	return bench_shift_ci(ra, nra, rb, nrb, BENCH_COMPARE_Z, rel);
}

/* The shift of path @name from A to B: relative to its control if both runs have one. */
static int judge(const struct docs *d, const char *name, const char **control,
		 struct bench_estimate *abs, struct bench_estimate *rel, double *floor,
		 double drift_floor)
{
	_cleanup_free_ double *a = NULL, *b = NULL, *ca = NULL, *cb = NULL;
	_cleanup_free_ double *ra = NULL, *rb = NULL;
	struct bench_estimate ea, eb;
	size_t na, nb, nca, ncb;
	int r;

	if (d->by_runs)
		return judge_runs(d, name, control, abs, rel, floor, drift_floor);
	r = path_rounds(bench_json_find_path(d->pa, name), &a, &na);
	if (r >= 0)
		r = path_rounds(bench_json_find_path(d->pb, name), &b, &nb);
	if (r < 0)
		return r;
	r = bench_shift_ci(a, na, b, nb, BENCH_COMPARE_Z, abs);
	if (r < 0)
		return r;
	*rel = *abs;
	*control = bench_control_for(name, measured_in_both, d);
	if (*control && (path_rounds(bench_json_find_path(d->pa, *control), &ca, &nca) < 0 ||
			 path_rounds(bench_json_find_path(d->pb, *control), &cb, &ncb) < 0 ||
			 nca != na || ncb != nb))
		*control = NULL;
	if (!*control)
		return bench_noise_floor(a, na, b, nb, floor);
	ra = calloc(na, sizeof(*ra));
	rb = calloc(nb, sizeof(*rb));
	if (!ra || !rb)
		return -ENOMEM;
	r = bench_round_ratios(a, ca, na, ra, &ea);
	if (r >= 0)
		r = bench_round_ratios(b, cb, nb, rb, &eb);
	if (r >= 0)
		r = bench_shift_ci(ra, na, rb, nb, BENCH_COMPARE_Z, rel);
	if (r >= 0)
		r = bench_noise_floor(ra, na, rb, nb, floor);
	if (r >= 0 && drift_floor > *floor)
		*floor = drift_floor;
	return r;
}

/*
 * Print how far the control moved between the runs; returns the floor
 * that drift sets for every path: 0 up to BENCH_DRIFT_LIMIT, the drift
 * itself (either way, as a relative change) beyond.
 */
static double print_drift(const struct docs *d, double min_rel, FILE *f)
{
	struct bench_estimate abs, rel;
	const char *control = bench_control_for("", measured_in_both, d), *c2;
	enum bench_verdict v;
	double floor, drift;

	if (!control) {
		fprintf(f,
			"host drift: no control path in both runs: paths are judged on their own medians\n");
		return 0;
	}
	if (judge(d, control, &c2, &abs, &rel, &floor, 0) < 0)
		return 0;
	fprintf(f,
		"host drift: the control %s moved %+.1f%% [%+.1f%%, %+.1f%%]; paths are judged relative to it\n",
		control, (abs.value - 1) * 100, (abs.lo - 1) * 100, (abs.hi - 1) * 100);
	drift = abs.value >= 1 ? abs.value - 1 : 1 / abs.value - 1;
	if (drift > BENCH_DRIFT_LIMIT && d->by_runs) {
		fprintf(f,
			"warning: the host's speed changed by %.1f%% between the sides, more than the control "
			"takes out for every path (%.0f%%): each path's floor is %.1f times the part of it "
			"that path's ratio keeps, measured on the runs (up to %.1f%%)\n",
			drift * 100, BENCH_DRIFT_LIMIT * 100, BENCH_DRIFT_FLOOR,
			drift * BENCH_DRIFT_FLOOR * 100);
		return drift * BENCH_DRIFT_FLOOR;
	}
	if (drift > BENCH_DRIFT_LIMIT) {
		fprintf(f,
			"warning: the host's speed changed by %.1f%% between the runs, more than the control "
			"takes out for every path (%.0f%%): only changes beyond %.1f%% are called; rerun on a "
			"steadier host\n",
			drift * 100, BENCH_DRIFT_LIMIT * 100, drift * BENCH_DRIFT_FLOOR * 100);
		return drift * BENCH_DRIFT_FLOOR;
	}
	v = bench_verdict(&abs, min_rel, 0);
	if (v == BENCH_REGRESSION || v == BENCH_IMPROVEMENT)
		fprintf(f,
			"note: the control itself moved by more than %.1f%%: the host's speed changed, or a "
			"change hit every in-kernel exit alike (see the absolute column)\n",
			min_rel * 100);
	return 0;
}

/* The median across rounds (or runs) and its CI, "12345 [12300, 12400]". */
static void format_median(struct json_object *p, bool by_runs, char *buf, size_t len)
{
	struct bench_estimate est;

	if (bench_json_get_estimate(bench_json_get(p, by_runs ? "across_runs" : "rounds"), &est))
		snprintf(buf, len, "%.0f [%.0f, %.0f]", est.value, est.lo, est.hi);
	else
		snprintf(buf, len, "?");
}

/* Under half a KVM exit per access: the access is not a KVM exit on that host. */
static bool not_an_exit(struct json_object *p)
{
	double exits;

	return bench_json_get_number(bench_json_get(p, "stats_per_access"), "exits", &exits) &&
	       exits < 0.5;
}

/* How the paths are judged: on runs when both sides have enough, else on rounds, with a warning. */
static void print_mode(struct json_object *a, struct json_object *b, struct docs *d, FILE *f)
{
	size_t ka = bench_runs_count(a), kb = bench_runs_count(b);

	d->by_runs = ka >= BENCH_MIN_RUNS && kb >= BENCH_MIN_RUNS;
	if (d->by_runs) {
		fprintf(f,
			"judged on runs: A has %zu, B %zu, each a fresh process and one sample\n",
			ka, kb);
		return;
	}
	fprintf(f,
		"warning: judged on rounds: A has %zu run%s, B %zu (fewer than %u a side). A whole run can\n"
		"  be a few percent off on a shared host, which rounds cannot see; a gate should make\n"
		"  each side with --runs 15 (docs/bench.md)\n",
		ka, ka == 1 ? "" : "s", kb, BENCH_MIN_RUNS);
}

int bench_compare(struct json_object *a, const char *name_a, struct json_object *b,
		  const char *name_b, double min_rel, FILE *f, FILE *err, size_t *ret_inconclusive)
{
	struct docs d = { 0 };
	double drift_floor;
	int regressions = 0;
	size_t inconclusive = 0;
	size_t i, n;

	d.pa = doc_paths(a, name_a, err);
	if (!d.pa)
		return -EBADMSG;
	d.pb = doc_paths(b, name_b, err);
	if (!d.pb)
		return -EBADMSG;

	fprintf(f, "A = %s\nB = %s\n", name_a, name_b);
	print_context_diff(a, b, f);
	print_conditions(a, b, f);
	print_mode(a, b, &d, f);
	drift_floor = print_drift(&d, min_rel, f);
	if (d.by_runs)
		fprintf(f,
			"Per access, ns: median of the runs' medians [95%% CI across runs]. change: B/A of the\n"
			"runs' medians, and of each run's ratio to the control (judged) [99.9%% CI]: the\n"
			"Hodges-Lehmann shift between the two sets of runs. floor: when the host's speed moved\n"
			"by more than %.0f%%, %.1f times the part of that move the path's ratio keeps (from the\n"
			"runs: its slope on the control within each side), else 0.",
			BENCH_DRIFT_LIMIT * 100, BENCH_DRIFT_FLOOR);
	else
		fprintf(f,
			"Per access, ns: median across rounds [95%% CI]. change: B/A of the per-round medians, and of\n"
			"their ratio to the control (judged) [99.9%% CI]. floor: how far the two halves of either run\n"
			"differ, or %.1f times the host's drift beyond %.0f%%.",
			BENCH_DRIFT_FLOOR, BENCH_DRIFT_LIMIT * 100);
	fprintf(f,
		" significant = CI clear of 0 and\n"
		"change >= the larger of %.1f%% and the floor; inconclusive = slower by at least that\n"
		"minimum, but the CI or the floor does not let it be called (run B again); not a KVM\n"
		"exit = under half an exit per access in both: not KVM's cost, not judged\n",
		min_rel * 100);
	fprintf(f, "%-20s %24s %24s %9s %28s %7s  %s\n", "path", "A median (ns) [CI]",
		"B median (ns) [CI]", "change", "vs control [99.9% CI]", "floor", "verdict");
	n = json_object_array_length(d.pa);
	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(d.pa, i), *q;
		struct bench_estimate abs, rel;
		const char *name = bench_json_get_string(p, "name"), *control = NULL;
		double floor = 0;
		enum bench_verdict v;
		char sa[48], sb[48], sr[48];
		int r;

		if (!name) {
			fprintf(err, "%s: path %zu has no name\n", name_a, i);
			return -EBADMSG;
		}
		q = bench_json_find_path(d.pb, name);
		if (!q) {
			fprintf(f, "%-20s only in A\n", name);
			continue;
		}
		r = judge(&d, name, &control, &abs, &rel, &floor, drift_floor);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			fprintf(f,
				"%-20s not comparable (skipped, incomplete or without rounds in one file)\n",
				name);
			continue;
		}
		v = not_an_exit(p) && not_an_exit(q) ? BENCH_NOT_AN_EXIT :
						       bench_verdict(&rel, min_rel, floor);
		if (v == BENCH_REGRESSION)
			regressions++;
		if (v == BENCH_INCONCLUSIVE)
			inconclusive++;
		format_median(p, d.by_runs, sa, sizeof(sa));
		format_median(q, d.by_runs, sb, sizeof(sb));
		snprintf(sr, sizeof(sr), "%+.1f%% [%+.1f, %+.1f]%s", (rel.value - 1) * 100,
			 (rel.lo - 1) * 100, (rel.hi - 1) * 100, control ? "" : " (abs)");
		fprintf(f, "%-20s %24s %24s %+8.1f%% %28s %6.1f%%  %s\n", name, sa, sb,
			(abs.value - 1) * 100, sr, floor * 100, bench_verdict_str(v));
	}
	n = json_object_array_length(d.pb);
	for (i = 0; i < n; i++) {
		const char *name =
			bench_json_get_string(json_object_array_get_idx(d.pb, i), "name");

		if (name && !bench_json_find_path(d.pa, name))
			fprintf(f, "%-20s only in B\n", name);
	}
	if (ret_inconclusive)
		*ret_inconclusive = inconclusive;
	return regressions;
}
