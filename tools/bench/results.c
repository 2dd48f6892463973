// SPDX-License-Identifier: GPL-2.0-only
/* Rendering a run's results as tables and as JSON (see report.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
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

/* Short column headings for the stats table, same order. */
static const char *const stat_heads[_BENCH_STAT_MAX] = {
	"exits", "mmio_ex", "io_ex", "pf_taken", "pf_emul", "spte_new", "insn_em",
};

void bench_report_init(struct bench_report *r)
{
	memset(r, 0, sizeof(*r));
}

void bench_report_deinit(struct bench_report *r)
{
	kvmcfg_params_deinit(&r->params);
	free(r->paths);
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
			len = snprintf(item, sizeof(item), " %s=(%s)", p->param, strerror(-p->error));
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

void bench_report_print_table(const struct bench_report *r, FILE *f)
{
	size_t i;
	int s;

	fprintf(f, "kvm-mmio-bench: kernel %s %s (%s), TSC %.3f MHz, %s\n",
		r->kernel_release ? r->kernel_release : "?", r->kernel_version ? r->kernel_version : "",
		r->machine ? r->machine : "?", (double)r->tsc_khz / 1000, r->timestamp ? r->timestamp : "");
	fprintf(f, "budget %.1f s, stop when 95%% CI half-width < %.1f%% of median\n",
		r->budget_s, r->ci_target * 100);
	fprintf(f, "KVM parameters:\n");
	print_params(r, f);

	fprintf(f, "\nPer access, ns (cycles) from guest TSC; host = CLOCK_MONOTONIC_RAW per batch / accesses\n");
	fprintf(f, "%-3s %-22s %3s %9s %9s %9s %18s %10s %9s %8s %s\n", "", "path", "cpl",
		"median", "p90", "p99", "mean +- 95% CI", "cycles", "host", "n", "stop");
	for (i = 0; i < r->n_paths; i++) {
		const struct bench_path_result *p = &r->paths[i];
		char mean[40];

		if (p->skip_reason) {
			fprintf(f, "%-3s %-22s %3u   skipped: %s\n", p->group, p->name, p->cpl, p->skip_reason);
			continue;
		}
		snprintf(mean, sizeof(mean), "%.0f +- %.1f", p->ns.mean, p->ns.ci95);
		fprintf(f, "%-3s %-22s %3u %9.0f %9.0f %9.0f %18s %10.0f %9.0f %8llu %s\n", p->group,
			p->name, p->cpl, p->ns.median, p->ns.p90, p->ns.p99, mean, p->cycles.median,
			p->host_ns.mean, (unsigned long long)p->accesses, p->converged ? "ci" : "budget");
	}

	fprintf(f, "\nKVM stat deltas per access (- = stat absent on this kernel)\n");
	fprintf(f, "%-3s %-22s", "", "path");
	for (s = 0; s < _BENCH_STAT_MAX; s++)
		fprintf(f, " %9s", stat_heads[s]);
	fputc('\n', f);
	for (i = 0; i < r->n_paths; i++) {
		const struct bench_path_result *p = &r->paths[i];

		if (p->skip_reason)
			continue;
		fprintf(f, "%-3s %-22s", p->group, p->name);
		for (s = 0; s < _BENCH_STAT_MAX; s++) {
			if (p->stat_present[s])
				fprintf(f, " %9.3f", p->stat_per_access[s]);
			else
				fprintf(f, " %9s", "-");
		}
		fputc('\n', f);
	}

	for (i = 0; i < r->n_paths; i++)
		if (r->paths[i].note && !r->paths[i].skip_reason)
			fprintf(f, "note: %s: %s\n", r->paths[i].name, r->paths[i].note);

	if (r->harness.path) {
		const struct bench_harness *h = &r->harness;

		fprintf(f, "\nHarness overhead on %s, per access (host clock, median of batches): bench loop %.0f ns,\n"
			"raw KVM_RUN loop %.0f ns: ratio %.3f (%+.1f%%); means %.0f / %.0f ns: ratio %.3f\n",
			h->path, h->bench_ns.median, h->raw_ns.median, h->ratio, (h->ratio - 1) * 100,
			h->bench_ns.mean, h->raw_ns.mean, h->ratio_mean);
	} else if (r->harness.skip_reason) {
		fprintf(f, "\nHarness overhead: not measured: %s\n", r->harness.skip_reason);
	}
}

/* ---- JSON ---- */

static void write_summary(struct json_writer *w, const char *key, const struct bench_summary *s)
{
	json_begin_object(w, key);
	json_uint(w, "n", s->n);
	json_double(w, "median", s->median);
	json_double(w, "p90", s->p90);
	json_double(w, "p99", s->p99);
	json_double(w, "mean", s->mean);
	json_double(w, "ci95", s->ci95);
	json_double(w, "median_ci_lo", s->median_lo);
	json_double(w, "median_ci_hi", s->median_hi);
	json_double(w, "stddev", s->stddev);
	json_double(w, "min", s->min);
	json_double(w, "max", s->max);
	json_end_object(w);
}

static void write_path(struct json_writer *w, const struct bench_path_result *p)
{
	int s;

	json_begin_object(w, NULL);
	json_string(w, "name", p->name);
	json_string(w, "group", p->group);
	json_string(w, "description", p->description);
	json_uint(w, "cpl", p->cpl);
	json_string(w, "status", p->skip_reason ? "skipped" : "ok");
	if (p->skip_reason) {
		json_string(w, "skip_reason", p->skip_reason);
		json_end_object(w);
		return;
	}
	if (p->note)
		json_string(w, "note", p->note);
	json_uint(w, "accesses", p->accesses);
	json_uint(w, "batches", p->batches);
	json_bool(w, "converged", p->converged);
	json_double(w, "elapsed_s", p->elapsed_s);
	write_summary(w, "ns", &p->ns);
	write_summary(w, "cycles", &p->cycles);
	write_summary(w, "host_ns", &p->host_ns);
	json_begin_object(w, "stats_per_access");
	for (s = 0; s < _BENCH_STAT_MAX; s++) {
		if (p->stat_present[s])
			json_double(w, bench_stat_names[s], p->stat_per_access[s]);
		else
			json_null(w, bench_stat_names[s]);
	}
	json_end_object(w);
	json_end_object(w);
}

int bench_report_write_json(const struct bench_report *r, FILE *f)
{
	struct json_writer w;
	const char *module = NULL;
	size_t i;

	json_writer_init(&w, f);
	json_begin_object(&w, NULL);
	json_string(&w, "tool", "kvm-mmio-bench");
	json_uint(&w, "schema", 1);
	json_string(&w, "timestamp", r->timestamp);
	json_begin_object(&w, "kernel");
	json_string(&w, "release", r->kernel_release);
	json_string(&w, "version", r->kernel_version);
	json_string(&w, "machine", r->machine);
	json_end_object(&w);
	json_uint(&w, "tsc_khz", r->tsc_khz);
	json_double(&w, "budget_s", r->budget_s);
	json_double(&w, "ci_target", r->ci_target);

	/* Parameters arrive grouped by module (the collector reads module by module). */
	json_begin_object(&w, "kvm_params");
	for (i = 0; i < r->params.n; i++) {
		const KvmcfgParam *p = &r->params.items[i];

		if (!module || strcmp(module, p->module) != 0) {
			if (module)
				json_end_object(&w);
			json_begin_object(&w, p->module);
			module = p->module;
		}
		if (p->value)
			json_string(&w, p->param, p->value);
		else
			json_null(&w, p->param);
	}
	if (module)
		json_end_object(&w);
	json_end_object(&w);

	json_begin_array(&w, "paths");
	for (i = 0; i < r->n_paths; i++)
		write_path(&w, &r->paths[i]);
	json_end_array(&w);

	json_begin_object(&w, "harness");
	if (r->harness.path) {
		json_string(&w, "path", r->harness.path);
		write_summary(&w, "bench_ns", &r->harness.bench_ns);
		write_summary(&w, "raw_ns", &r->harness.raw_ns);
		json_double(&w, "ratio", r->harness.ratio);
		json_double(&w, "ratio_mean", r->harness.ratio_mean);
	} else {
		json_string(&w, "skip_reason", r->harness.skip_reason ? r->harness.skip_reason : "not run");
	}
	json_end_object(&w);
	json_end_object(&w);
	return json_writer_finish(&w);
}
