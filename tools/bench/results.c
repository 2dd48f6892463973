// SPDX-License-Identifier: GPL-2.0-only
/* Rendering a run's results as tables and as JSON (see results.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json-doc.h"
#include "json-out.h"
#include "results.h"

const char *const bench_stat_names[_BENCH_STAT_MAX] = {
	[BENCH_STAT_EXITS] = "exits",
	[BENCH_STAT_MMIO_EXITS] = "mmio_exits",
	[BENCH_STAT_IO_EXITS] = "io_exits",
	[BENCH_STAT_PF_TAKEN] = "pf_taken",
	[BENCH_STAT_PF_EMULATE] = "pf_emulate",
	[BENCH_STAT_PF_MMIO_SPTE_CREATED] = "pf_mmio_spte_created",
	[BENCH_STAT_INSN_EMULATION] = "insn_emulation",
};

const char *bench_control_for(const char *name, bool (*have)(const char *name, const void *opaque),
			      const void *opaque)
{
	static const char *const controls[] = { "lapic_read", "ioeventfd_datamatch", "coalesced" };
	size_t i;

	for (i = 0; i < sizeof(controls) / sizeof(controls[0]); i++)
		if (strcmp(controls[i], name) != 0 && have(controls[i], opaque))
			return controls[i];
	return NULL;
}

int bench_round_ratios(const double *v, const double *control, size_t n, double *ret,
		       struct bench_estimate *est)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(control[i] > 0))
			return -EINVAL;
		ret[i] = v[i] / control[i];
	}
	return bench_rounds_estimate(ret, n, est);
}

void bench_report_init(struct bench_report *r)
{
	memset(r, 0, sizeof(*r));
}

void bench_report_deinit(struct bench_report *r)
{
	size_t i;

	kvmcfg_params_deinit(&r->params);
	for (i = 0; r->paths && i < r->n_paths; i++)
		free(r->paths[i].round_ns);
	free(r->paths);
	bench_conditions_deinit(&r->cond);
	free(r->kernel_release);
	free(r->kernel_version);
	free(r->machine);
	free(r->timestamp);
	bench_report_init(r);
}

int bench_report_add_param(struct bench_report *r, const char *module, const char *name,
			   const char *value, int error)
{
	return kvmcfg_params_add(&r->params, module, name, value, error);
}

/* ---- table ---- */

static void print_params(const struct bench_report *r, FILE *f)
{
	const char *module = NULL;
	size_t i, col = 0;

	for (i = 0; i < r->params.n; i++) {
		const KvmcfgParam *p = &r->params.items[i];
		char item[160];
		int len;

		if (!module || strcmp(module, p->module) != 0) {
			fprintf(f, "%s  %s:", module ? "\n" : "", p->module);
			module = p->module;
			col = strlen(module) + 3;
		}
		if (p->value)
			len = snprintf(item, sizeof(item), " %s=%s", p->param, p->value);
		else
			len = snprintf(item, sizeof(item), " %s=(%s)", p->param,
				       strerror(-p->error));
		if (col + (size_t)len > 100) {
			fprintf(f, "\n   ");
			col = 3;
		}
		fputs(item, f);
		col += (size_t)len;
	}
	if (module)
		fputc('\n', f);
}

static void print_load(const struct bench_busy *b, FILE *f)
{
	if (b->load.valid)
		fprintf(f, "load average %.2f %.2f %.2f", b->load.avg1, b->load.avg5,
			b->load.avg15);
	else
		fprintf(f, "load average unknown");
	if (b->kvm_users >= 0)
		fprintf(f, ", %d other KVM user%s", b->kvm_users, b->kvm_users == 1 ? "" : "s");
}

void bench_report_print_conditions(const struct bench_report *r, FILE *f)
{
	char why[256];

	fprintf(f, "host %s, CPU %s, microcode %s, %u CPUs\n",
		r->cond.hostname ? r->cond.hostname : "?",
		r->cond.cpu_model ? r->cond.cpu_model : "?",
		r->cond.microcode ? r->cond.microcode : "?", r->cond.ncpus);
	fprintf(f, "start: ");
	print_load(&r->cond.start, f);
	fprintf(f, "\nend:   ");
	print_load(&r->cond.end, f);
	fputc('\n', f);
	if (bench_conditions_busy(&r->cond, why, sizeof(why)))
		fprintf(f, "warning: the host was busy (%s): figures are less comparable\n", why);
}

void bench_report_print_table(const struct bench_report *r, FILE *f)
{
	size_t i;
	int s;

	fprintf(f, "kvm-mmio-bench: kernel %s %s (%s), TSC %.3f MHz, %s\n",
		r->kernel_release ? r->kernel_release : "?",
		r->kernel_version ? r->kernel_version : "", r->machine ? r->machine : "?",
		(double)r->tsc_khz / 1000, r->timestamp ? r->timestamp : "");
	bench_report_print_conditions(r, f);
	fprintf(f, "%u rounds, budget %.1f s, CI target %.1f%% of the median", r->rounds,
		r->budget_s, r->ci_target * 100);
	if (r->handler_delay_ns)
		fprintf(f, ", handler delay %llu ns per exit to userspace",
			(unsigned long long)r->handler_delay_ns);
	fprintf(f, "\nKVM parameters:\n");
	print_params(r, f);

	fprintf(f,
		"\nPer access. median: the median across rounds of the path's median in each round, with\n"
		"its 95%% CI across rounds; vs control: the same for the ratio to the control path in the\n"
		"same round (what --compare judges); the rest over all samples. Guest TSC, except\n"
		"host = CLOCK_MONOTONIC_RAW per batch / accesses.\n");
	fprintf(f, "%-3s %-20s %3s %11s %19s %28s %9s %11s %12s %15s %10s %9s %s\n", "", "path",
		"cpl", "median (ns)", "95% CI (ns)", "vs control (ratio) [95% CI]", "p90 (ns)",
		"p99 (ns)", "mean (ns)", "median (cycles)", "host (ns)", "accesses", "CI");
	for (i = 0; i < r->n_paths; i++) {
		const struct bench_path_result *p = &r->paths[i];
		char ci[40], vs[48];

		if (p->skip_reason) {
			fprintf(f, "%-3s %-20s %3u   skipped: %s\n", p->group, p->name, p->cpl,
				p->skip_reason);
			continue;
		}
		if (p->est.n)
			snprintf(ci, sizeof(ci), "[%.0f, %.0f]", p->est.lo, p->est.hi);
		else
			snprintf(ci, sizeof(ci), "(one round)");
		if (p->control)
			snprintf(vs, sizeof(vs), "%.4f [%.4f, %.4f]", p->vs_control.value,
				 p->vs_control.lo, p->vs_control.hi);
		else
			snprintf(vs, sizeof(vs), "(no control)");
		fprintf(f,
			"%-3s %-20s %3u %11.0f %19s %28s %9.0f %11.0f %12.0f %15.0f %10.0f %9llu %s\n",
			p->group, p->name, p->cpl, p->est.n ? p->est.value : p->ns.median, ci, vs,
			p->ns.p90, p->ns.p99, p->ns.mean, p->cycles.median, p->host_ns.mean,
			(unsigned long long)p->accesses,
			p->converged  ? "ok" :
			p->budget_cut ? "wide (budget)" :
					"wide");
	}

	fprintf(f, "\nKVM stat deltas per access (- = stat absent on this kernel)\n");
	fprintf(f, "%-3s %-20s", "", "path");
	for (s = 0; s < _BENCH_STAT_MAX; s++)
		fprintf(f, " %*s", s == BENCH_STAT_PF_MMIO_SPTE_CREATED ? 20 : 14,
			bench_stat_names[s]);
	fputc('\n', f);
	for (i = 0; i < r->n_paths; i++) {
		const struct bench_path_result *p = &r->paths[i];

		if (p->skip_reason)
			continue;
		fprintf(f, "%-3s %-20s", p->group, p->name);
		for (s = 0; s < _BENCH_STAT_MAX; s++) {
			int w = s == BENCH_STAT_PF_MMIO_SPTE_CREATED ? 20 : 14;

			if (p->stat_present[s])
				fprintf(f, " %*.3f", w, p->stat_per_access[s]);
			else
				fprintf(f, " %*s", w, "-");
		}
		fputc('\n', f);
	}

	for (i = 0; i < r->n_paths; i++)
		if (r->paths[i].note && !r->paths[i].skip_reason)
			fprintf(f, "note: %s: %s\n", r->paths[i].name, r->paths[i].note);

	if (r->harness.path) {
		const struct bench_harness *h = &r->harness;

		fprintf(f,
			"\nHarness overhead on %s, per access (host clock, median of batches): bench loop %.0f ns,\n"
			"raw KVM_RUN loop %.0f ns: ratio %.3f (%+.1f%%); means %.0f / %.0f ns: ratio %.3f\n",
			h->path, h->bench_ns.median, h->raw_ns.median, h->ratio,
			(h->ratio - 1) * 100, h->bench_ns.mean, h->raw_ns.mean, h->ratio_mean);
	} else if (r->harness.skip_reason) {
		fprintf(f, "\nHarness overhead: not measured: %s\n", r->harness.skip_reason);
	}
}

/* ---- JSON ---- */

static struct json_object *summary_json(const struct bench_summary *s)
{
	struct json_object *o = json_object_new_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= kvmcfg_json_add(o, "n", json_object_new_uint64(s->n));
	r |= bench_json_add_num(o, "median", s->median);
	r |= bench_json_add_num(o, "p90", s->p90);
	r |= bench_json_add_num(o, "p99", s->p99);
	r |= bench_json_add_num(o, "mean", s->mean);
	r |= bench_json_add_num(o, "ci95", s->ci95);
	r |= bench_json_add_num(o, "median_ci_lo", s->median_lo);
	r |= bench_json_add_num(o, "median_ci_hi", s->median_hi);
	r |= bench_json_add_num(o, "stddev", s->stddev);
	r |= bench_json_add_num(o, "min", s->min);
	r |= bench_json_add_num(o, "max", s->max);
	return bench_json_built(o, r);
}

static struct json_object *rounds_json(const struct bench_path_result *p)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	size_t i;
	int r = 0;

	if (!o || !a) {
		json_object_put(o);
		json_object_put(a);
		return NULL;
	}
	for (i = 0; i < p->n_rounds; i++)
		r |= bench_json_append_num(a, p->round_ns[i]);
	r |= kvmcfg_json_add(o, "n", json_object_new_uint64(p->n_rounds));
	r |= bench_json_add_num(o, "median", p->est.n ? p->est.value : NAN);
	r |= bench_json_add_num(o, "ci_lo", p->est.n ? p->est.lo : NAN);
	r |= bench_json_add_num(o, "ci_hi", p->est.n ? p->est.hi : NAN);
	r |= kvmcfg_json_add(o, "medians", a);
	if (p->control) {
		struct json_object *c = json_object_new_object();

		r |= kvmcfg_json_add(o, "vs_control", c);
		if (!r) {
			r |= bench_json_add_str(c, "control", p->control);
			r |= bench_json_add_num(c, "median", p->vs_control.value);
			r |= bench_json_add_num(c, "ci_lo", p->vs_control.lo);
			r |= bench_json_add_num(c, "ci_hi", p->vs_control.hi);
		}
	}
	return bench_json_built(o, r);
}

static struct json_object *path_json(const struct bench_path_result *p)
{
	struct json_object *o = json_object_new_object(), *stats;
	int r = 0, s;

	if (!o)
		return NULL;
	r |= bench_json_add_str(o, "name", p->name);
	r |= bench_json_add_str(o, "group", p->group);
	r |= bench_json_add_str(o, "description", p->description);
	r |= kvmcfg_json_add(o, "cpl", json_object_new_uint64(p->cpl));
	r |= bench_json_add_str(o, "status", p->skip_reason ? "skipped" : "ok");
	if (p->skip_reason) {
		r |= bench_json_add_str(o, "skip_reason", p->skip_reason);
		goto out;
	}
	if (p->note)
		r |= bench_json_add_str(o, "note", p->note);
	r |= kvmcfg_json_add(o, "accesses", json_object_new_uint64(p->accesses));
	r |= kvmcfg_json_add(o, "batches", json_object_new_uint64(p->batches));
	r |= kvmcfg_json_add(o, "converged", json_object_new_boolean(p->converged));
	r |= kvmcfg_json_add(o, "budget_cut", json_object_new_boolean(p->budget_cut));
	r |= bench_json_add_num(o, "elapsed_s", p->elapsed_s);
	r |= kvmcfg_json_add(o, "rounds", rounds_json(p));
	r |= kvmcfg_json_add(o, "ns", summary_json(&p->ns));
	r |= kvmcfg_json_add(o, "cycles", summary_json(&p->cycles));
	r |= kvmcfg_json_add(o, "host_ns", summary_json(&p->host_ns));
	stats = json_object_new_object();
	for (s = 0; stats && s < _BENCH_STAT_MAX; s++)
		r |= p->stat_present[s] ?
			     bench_json_add_num(stats, bench_stat_names[s], p->stat_per_access[s]) :
			     bench_json_add_null(stats, bench_stat_names[s]);
	r |= kvmcfg_json_add(o, "stats_per_access", stats);
out:
	return bench_json_built(o, r);
}

static struct json_object *busy_json(const struct bench_busy *b)
{
	struct json_object *o = json_object_new_object(), *l = NULL;
	int r = 0;

	if (!o)
		return NULL;
	if (b->load.valid) {
		l = json_object_new_array();
		r |= kvmcfg_json_add(o, "loadavg", l);
		if (!r) {
			r |= bench_json_append_num(l, b->load.avg1);
			r |= bench_json_append_num(l, b->load.avg5);
			r |= bench_json_append_num(l, b->load.avg15);
		}
	} else {
		r |= bench_json_add_null(o, "loadavg");
	}
	r |= b->kvm_users >= 0 ?
		     kvmcfg_json_add(o, "kvm_users", json_object_new_int(b->kvm_users)) :
		     bench_json_add_null(o, "kvm_users");
	return bench_json_built(o, r);
}

static struct json_object *conditions_json(const struct bench_report *rep)
{
	struct json_object *o = json_object_new_object();
	char why[256];
	bool busy = bench_conditions_busy(&rep->cond, why, sizeof(why));
	int r = 0;

	if (!o)
		return NULL;
	r |= kvmcfg_json_add(o, "start", busy_json(&rep->cond.start));
	r |= kvmcfg_json_add(o, "end", busy_json(&rep->cond.end));
	r |= kvmcfg_json_add(o, "busy", json_object_new_boolean(busy));
	if (busy)
		r |= bench_json_add_str(o, "busy_reason", why);
	return bench_json_built(o, r);
}

static struct json_object *host_json(const struct bench_report *rep)
{
	struct json_object *o = json_object_new_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= bench_json_add_str(o, "hostname", rep->cond.hostname);
	r |= bench_json_add_str(o, "cpu_model", rep->cond.cpu_model);
	r |= bench_json_add_str(o, "microcode", rep->cond.microcode);
	r |= kvmcfg_json_add(o, "cpus", json_object_new_uint64(rep->cond.ncpus));
	return bench_json_built(o, r);
}

static struct json_object *params_json(const struct bench_report *rep)
{
	struct json_object *o = json_object_new_object(), *mod = NULL;
	const char *module = NULL;
	size_t i;
	int r = 0;

	if (!o)
		return NULL;
	/* Parameters arrive grouped by module (the collector reads module by module). */
	for (i = 0; i < rep->params.n && !r; i++) {
		const KvmcfgParam *p = &rep->params.items[i];

		if (!module || strcmp(module, p->module) != 0) {
			mod = json_object_new_object();
			r |= kvmcfg_json_add(o, p->module, mod);
			module = p->module;
			if (r)
				break;
		}
		r |= bench_json_add_str(mod, p->param, p->value);
	}
	return bench_json_built(o, r);
}

static struct json_object *harness_json(const struct bench_harness *h)
{
	struct json_object *o = json_object_new_object();
	int r = 0;

	if (!o)
		return NULL;
	if (h->path) {
		r |= bench_json_add_str(o, "path", h->path);
		r |= kvmcfg_json_add(o, "bench_ns", summary_json(&h->bench_ns));
		r |= kvmcfg_json_add(o, "raw_ns", summary_json(&h->raw_ns));
		r |= bench_json_add_num(o, "ratio", h->ratio);
		r |= bench_json_add_num(o, "ratio_mean", h->ratio_mean);
	} else {
		r |= bench_json_add_str(o, "skip_reason",
					h->skip_reason ? h->skip_reason : "not run");
	}
	return bench_json_built(o, r);
}

struct json_object *bench_report_to_json(const struct bench_report *rep)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
	struct json_object *kernel, *paths;
	size_t i;
	int r = 0;

	if (!o)
		return NULL;
	r |= bench_json_add_str(o, "tool", "kvm-mmio-bench");
	r |= kvmcfg_json_add(o, "schema", json_object_new_int(BENCH_JSON_SCHEMA));
	r |= bench_json_add_str(o, "timestamp", rep->timestamp);
	r |= kvmcfg_json_add(o, "host", host_json(rep));
	kernel = json_object_new_object();
	r |= kvmcfg_json_add(o, "kernel", kernel);
	if (r)
		return NULL;
	r |= bench_json_add_str(kernel, "release", rep->kernel_release);
	r |= bench_json_add_str(kernel, "version", rep->kernel_version);
	r |= bench_json_add_str(kernel, "machine", rep->machine);
	r |= kvmcfg_json_add(o, "conditions", conditions_json(rep));
	r |= kvmcfg_json_add(o, "tsc_khz", json_object_new_uint64(rep->tsc_khz));
	r |= bench_json_add_num(o, "budget_s", rep->budget_s);
	r |= bench_json_add_num(o, "ci_target", rep->ci_target);
	r |= kvmcfg_json_add(o, "rounds", json_object_new_uint64(rep->rounds));
	r |= kvmcfg_json_add(o, "handler_delay_ns", json_object_new_uint64(rep->handler_delay_ns));
	r |= kvmcfg_json_add(o, "kvm_params", params_json(rep));
	paths = json_object_new_array();
	r |= kvmcfg_json_add(o, "paths", paths);
	for (i = 0; !r && i < rep->n_paths; i++)
		r |= kvmcfg_json_append(paths, path_json(&rep->paths[i]));
	r |= kvmcfg_json_add(o, "harness", harness_json(&rep->harness));
	if (r)
		return NULL;
	return TAKE_PTR(o);
}

int bench_report_write_json(const struct bench_report *r, FILE *f)
{
	_cleanup_(json_object_putp) struct json_object *o = bench_report_to_json(r);

	if (!o)
		return -ENOMEM;
	return kvmcfg_json_write(f, o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
}
