// SPDX-License-Identifier: GPL-2.0-only
/* Judging two result files against each other (see compare.h). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "compare.h"

const char *bench_verdict_str(enum bench_verdict v)
{
	switch (v) {
	case BENCH_REGRESSION:
		return "significant regression";
	case BENCH_IMPROVEMENT:
		return "significant improvement";
	case BENCH_NOISE:
		break;
	}
	return "noise";
}

enum bench_verdict bench_verdict(double a, double a_lo, double a_hi, double b, double b_lo,
				 double b_hi, double min_rel, double *change_rel)
{
	double rel = a > 0 ? (b - a) / a : 0;

	if (change_rel)
		*change_rel = rel;
	if (!(a > 0) || !isfinite(b) || !isfinite(a_lo) || !isfinite(a_hi) || !isfinite(b_lo) ||
	    !isfinite(b_hi) || fabs(rel) < min_rel)
		return BENCH_NOISE;
	if (b_lo > a_hi && b > a)
		return BENCH_REGRESSION;
	if (b_hi < a_lo && b < a)
		return BENCH_IMPROVEMENT;
	return BENCH_NOISE;
}

static const struct json_value *find_path(const struct json_value *paths, const char *name)
{
	size_t i;

	for (i = 0; i < paths->n; i++) {
		const char *n;

		if (json_get_string(paths->items[i], "name", &n) == 0 && strcmp(n, name) == 0)
			return paths->items[i];
	}
	return NULL;
}

/* The "paths" array of a result document, or NULL with a message. */
static const struct json_value *doc_paths(const struct json_value *doc, const char *name, FILE *err)
{
	const struct json_value *paths;
	const char *tool;

	if (json_get_string(doc, "tool", &tool) < 0 || strcmp(tool, "kvm-mmio-bench") != 0) {
		fprintf(err, "%s: not a kvm-mmio-bench result (no \"tool\": \"kvm-mmio-bench\")\n", name);
		return NULL;
	}
	paths = json_get(doc, "paths");
	if (!paths || paths->type != JSON_ARRAY) {
		fprintf(err, "%s: no \"paths\" array\n", name);
		return NULL;
	}
	return paths;
}

struct path_figures {
	double median, lo, hi, mean;
};

/* A path's "ns" median, its CI and mean; -EBADMSG if missing or skipped. */
static int path_figures(const struct json_value *p, struct path_figures *f)
{
	const struct json_value *ns = json_get(p, "ns");
	const char *status;

	if (json_get_string(p, "status", &status) < 0 || strcmp(status, "ok") != 0)
		return -EBADMSG;
	if (json_get_number(ns, "median", &f->median) < 0 ||
	    json_get_number(ns, "median_ci_lo", &f->lo) < 0 ||
	    json_get_number(ns, "median_ci_hi", &f->hi) < 0 ||
	    json_get_number(ns, "mean", &f->mean) < 0)
		return -EBADMSG;
	return 0;
}

static void print_context_diff(const struct json_value *a, const struct json_value *b, FILE *f)
{
	const struct json_value *ka = json_get(a, "kernel"), *kb = json_get(b, "kernel");
	const struct json_value *pa = json_get(a, "kvm_params"), *pb = json_get(b, "kvm_params");
	const char *ra = "?", *rb = "?";
	size_t m, i;

	json_get_string(ka, "release", &ra);
	json_get_string(kb, "release", &rb);
	if (strcmp(ra, rb) != 0)
		fprintf(f, "kernel: %s -> %s\n", ra, rb);
	if (!pa || pa->type != JSON_OBJECT)
		return;
	for (m = 0; m < pa->n; m++) {
		const struct json_value *ma = pa->items[m], *mb = json_get(pb, pa->keys[m]);

		if (ma->type != JSON_OBJECT)
			continue;
		for (i = 0; i < ma->n; i++) {
			const struct json_value *vb = json_get(mb, ma->keys[i]);
			const char *sa = ma->items[i]->type == JSON_STRING ? ma->items[i]->string : "(unreadable)";
			const char *sb = !vb ? "(absent)" : vb->type == JSON_STRING ? vb->string : "(unreadable)";

			if (strcmp(sa, sb) != 0)
				fprintf(f, "param %s.%s: %s -> %s\n", pa->keys[m], ma->keys[i], sa, sb);
		}
	}
}

int bench_compare(const struct json_value *a, const char *name_a, const struct json_value *b,
		  const char *name_b, double min_rel, FILE *f, FILE *err)
{
	const struct json_value *pa = doc_paths(a, name_a, err), *pb;
	int regressions = 0;
	size_t i;

	if (!pa)
		return -EBADMSG;
	pb = doc_paths(b, name_b, err);
	if (!pb)
		return -EBADMSG;

	fprintf(f, "A = %s\nB = %s\n", name_a, name_b);
	print_context_diff(a, b, f);
	fprintf(f, "Per-access median ns [95%% CI]; significant = CIs apart and change >= %.1f%%\n",
		min_rel * 100);
	fprintf(f, "%-22s %24s %24s %8s %8s  %s\n", "path", "A median [CI]", "B median [CI]", "change",
		"(mean)", "verdict");
	for (i = 0; i < pa->n; i++) {
		const struct json_value *p = pa->items[i], *q;
		struct path_figures fa, fb;
		enum bench_verdict v;
		char sa[48], sb[48];
		const char *name;
		double rel;

		if (json_get_string(p, "name", &name) < 0) {
			fprintf(err, "%s: path %zu has no name\n", name_a, i);
			return -EBADMSG;
		}
		q = find_path(pb, name);
		if (!q) {
			fprintf(f, "%-22s only in A\n", name);
			continue;
		}
		if (path_figures(p, &fa) < 0 || path_figures(q, &fb) < 0) {
			fprintf(f, "%-22s not comparable (skipped or incomplete in one file)\n", name);
			continue;
		}
		v = bench_verdict(fa.median, fa.lo, fa.hi, fb.median, fb.lo, fb.hi, min_rel, &rel);
		if (v == BENCH_REGRESSION)
			regressions++;
		snprintf(sa, sizeof(sa), "%.0f [%.0f, %.0f]", fa.median, fa.lo, fa.hi);
		snprintf(sb, sizeof(sb), "%.0f [%.0f, %.0f]", fb.median, fb.lo, fb.hi);
		fprintf(f, "%-22s %24s %24s %+7.1f%% %+7.1f%%  %s\n", name, sa, sb, rel * 100,
			fa.mean > 0 ? (fb.mean - fa.mean) / fa.mean * 100 : 0, bench_verdict_str(v));
	}
	for (i = 0; i < pb->n; i++) {
		const char *name;

		if (json_get_string(pb->items[i], "name", &name) == 0 && !find_path(pa, name))
			fprintf(f, "%-22s only in B\n", name);
	}
	return regressions;
}
