// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-out.h"
#include "report.h"

/* matrix.json's layout version (docs/matrix.md): changes when a field changes meaning. */
#define MATRIX_JSON_SCHEMA_VERSION 1

void config_test_clear(struct config_test *t)
{
	free(t->id);
	free(t->name);
	free(t->result);
	free(t->reason);
	memset(t, 0, sizeof(*t));
}

bool config_test_failed(const struct config_test *t)
{
	return !strcmp(t->result, "fail") || !strcmp(t->result, "timeout");
}

static void config_result_clear(struct config_result *c)
{
	for (size_t i = 0; i < c->n_assign; i++)
		free(c->assign[i]);
	free(c->assign);
	free(c->load_error);
	for (size_t i = 0; i < c->n_mismatches; i++) {
		free(c->mismatches[i].param);
		free(c->mismatches[i].requested);
		free(c->mismatches[i].loaded);
		free(c->mismatches[i].message);
	}
	free(c->mismatches);
	for (size_t i = 0; i < c->n_tests; i++)
		config_test_clear(&c->tests[i]);
	param_outcomes_free(c->outcomes, c->n_outcomes);
	free(c->tests);
	free(c->runner_error);
}

void matrix_report_clear(struct matrix_report *r)
{
	for (size_t i = 0; i < r->n_notes; i++)
		free(r->notes[i]);
	free(r->notes);
	for (size_t i = 0; i < r->n_configs; i++)
		config_result_clear(&r->configs[i]);
	free(r->configs);
	free(r->restore_error);
	memset(r, 0, sizeof(*r));
}

/* Mismatches other than an honest override (derived rules, missing, unreadable), and contradictions. */
static size_t config_faults(const struct config_result *c)
{
	size_t n = outcome_count(c, OUTCOME_CONTRADICTED);

	for (size_t i = 0; i < c->n_mismatches; i++)
		n += c->mismatches[i].message != NULL;
	return n;
}

bool config_result_ok(const struct config_result *c)
{
	if (c->load_error || config_faults(c) || c->runner_error)
		return false;
	return !c->tests_ran || c->runner_exit == 0 || c->runner_exit == 4;
}

static void write_assign(FILE *f, const struct config_result *c, const char *sep)
{
	for (size_t i = 0; i < c->n_assign; i++)
		fprintf(f, "%s%s", i ? sep : "", c->assign[i]);
}

/* A cell must not break the table: pipes and newlines become spaces. */
static void write_cell(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '|' || *s == '\n' ? ' ' : *s, f);
}

static void write_param_cell(FILE *f, const struct config_result *c)
{
	if (c->load_error) {
		fputs("**LOAD FAILED**", f);
		return;
	}
	if (!config_faults(c) && !outcome_count(c, OUTCOME_OVERRIDDEN)) {
		fputs("ok", f);
		return;
	}
	if (config_faults(c))
		fputs("**MISMATCH**", f);
	for (size_t i = 0, n = 0; i < c->n_mismatches; i++)
		if (c->mismatches[i].message)
			fprintf(f, "%s %s: derived rule broken (below)", n++ ? ";" : "",
				c->mismatches[i].param);
	/* Overridden and contradicted params; their reasons and evidence come below. */
	for (size_t i = 0, n = config_faults(c); i < c->n_outcomes; i++) {
		const struct param_outcome *o = &c->outcomes[i];
		const char *em = o->kind == OUTCOME_CONTRADICTED ? "**" : "";

		if (o->kind != OUTCOME_HELD)
			fprintf(f, "%s%s%s%s %s: asked %s, loaded %s", n++ ? " " : "", em,
				outcome_name(o->kind), em, o->param, o->asked,
				o->loaded ? o->loaded : "(absent)");
	}
}

/* The test names in order of first appearance across configs. */
static size_t test_columns(const struct matrix_report *r, const char ***ret)
{
	const char **cols = NULL;
	size_t n = 0;

	for (size_t i = 0; i < r->n_configs; i++)
		for (size_t j = 0; j < r->configs[i].n_tests; j++) {
			const char *name = r->configs[i].tests[j].name;
			const char **nc;
			size_t k;

			for (k = 0; k < n && strcmp(cols[k], name); k++)
				;
			if (k < n)
				continue;
			nc = realloc(cols, (n + 1) * sizeof(*nc));
			if (!nc)
				break; /* a narrower table beats none */
			cols = nc;
			cols[n++] = name;
		}
	*ret = cols;
	return n;
}

static const struct config_test *find_test(const struct config_result *c, const char *name)
{
	for (size_t i = 0; i < c->n_tests; i++)
		if (!strcmp(c->tests[i].name, name))
			return &c->tests[i];
	return NULL;
}

static void write_verdict_cell(FILE *f, const struct config_test *t)
{
	if (!t)
		fputs(" - |", f);
	else if (config_test_failed(t))
		fprintf(f, " **%s** |", !strcmp(t->result, "fail") ? "FAIL" : "TIMEOUT");
	else
		fprintf(f, " %s |", t->result);
}

void report_write_table(FILE *f, const struct matrix_report *r)
{
	const char **cols;
	size_t n = test_columns(r, &cols);

	fputs("| # | config | params |", f);
	for (size_t k = 0; k < n; k++)
		fprintf(f, " %s |", cols[k]);
	fputs("\n|---|---|---|", f);
	for (size_t k = 0; k < n; k++)
		fputs("---|", f);
	fputc('\n', f);
	for (size_t i = 0; i < r->n_configs; i++) {
		const struct config_result *c = &r->configs[i];

		fprintf(f, "| %zu | ", i + 1);
		write_assign(f, c, " ");
		fputs(" | ", f);
		write_param_cell(f, c);
		fputs(" |", f);
		for (size_t k = 0; k < n; k++)
			write_verdict_cell(f, find_test(c, cols[k]));
		fputc('\n', f);
	}
	free(cols);

	/* Why each failure and skip happened, so the table stands on its own. */
	for (size_t i = 0; i < r->n_configs; i++) {
		const struct config_result *c = &r->configs[i];

		if (c->load_error) {
			fprintf(f, "\n- config %zu: load failed: ", i + 1);
			write_cell(f, c->load_error);
		}
		for (size_t k = 0; k < c->n_mismatches; k++) {
			if (!c->mismatches[k].message)
				continue;
			fprintf(f, "\n- config %zu, %s: ", i + 1, c->mismatches[k].param);
			write_cell(f, c->mismatches[k].message);
		}
		for (size_t k = 0; k < c->n_outcomes; k++) {
			const struct param_outcome *o = &c->outcomes[k];

			if (o->kind != OUTCOME_OVERRIDDEN)
				continue;
			fprintf(f, "\n- config %zu, %s overridden: ", i + 1, o->param);
			write_cell(f, o->reason ? o->reason : "reason not known");
		}
		if (c->runner_error) {
			fprintf(f, "\n- config %zu: kvm-selftests: ", i + 1);
			write_cell(f, c->runner_error);
		}
		for (size_t j = 0; j < c->n_tests; j++) {
			const struct config_test *t = &c->tests[j];

			if (!t->reason || !strcmp(t->result, "pass"))
				continue;
			fprintf(f, "\n- config %zu, %s, %s: ", i + 1, t->name, t->result);
			write_cell(f, t->reason);
		}
	}
	fputc('\n', f);
}

static struct json_object *json_mismatch(const struct param_mismatch *m)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();

	if (!o || kvmcfg_json_add_string(o, "param", m->param) < 0 ||
	    kvmcfg_json_add_string(o, "requested", m->requested) < 0 ||
	    kvmcfg_json_add_string(o, "loaded", m->loaded) < 0 ||
	    kvmcfg_json_add_string(o, "message", m->message) < 0)
		return NULL;
	return TAKE_PTR(o);
}

static struct json_object *json_test(const struct config_test *t)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();

	if (!o || kvmcfg_json_add_string(o, "id", t->id) < 0 ||
	    kvmcfg_json_add_string(o, "name", t->name) < 0 ||
	    kvmcfg_json_add_string(o, "result", t->result) < 0 ||
	    kvmcfg_json_add(o, "passed", json_object_new_int64(t->passed)) < 0 ||
	    kvmcfg_json_add(o, "failed", json_object_new_int64(t->failed)) < 0 ||
	    kvmcfg_json_add(o, "skipped", json_object_new_int64(t->skipped)) < 0 ||
	    kvmcfg_json_add(o, "seconds", kvmcfg_json_new_fixed(t->seconds, 3)) < 0 ||
	    kvmcfg_json_add_string(o, "reason", t->reason) < 0)
		return NULL;
	return TAKE_PTR(o);
}

/* How kvm-selftests ended for this config: {exit_code, error}, or null when it did not run. */
static int json_add_runner(struct json_object *o, const struct config_result *c)
{
	struct json_object *k;

	if (!c->tests_ran)
		return json_object_object_add(o, "kvm_selftests", NULL) < 0 ? -ENOMEM : 0;
	k = json_object_new_object();
	if (kvmcfg_json_add(o, "kvm_selftests", k) < 0)
		return -ENOMEM;
	if (kvmcfg_json_add(k, "exit_code", json_object_new_int(c->runner_exit)) < 0 ||
	    kvmcfg_json_add_string(k, "error", c->runner_error) < 0)
		return -ENOMEM;
	return 0;
}

static struct json_object *json_config(const struct config_result *c, size_t i)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
	struct json_object *params, *mm, *tests;

	if (!o || kvmcfg_json_add(o, "index", json_object_new_int64(i + 1)) < 0)
		return NULL;
	params = json_object_new_object();
	if (kvmcfg_json_add(o, "params", params) < 0)
		return NULL;
	for (size_t k = 0; k < c->n_assign; k++) {
		const char *eq = strchr(c->assign[k], '=');
		_cleanup_free_ char *key = strndup(c->assign[k], eq - c->assign[k]);

		if (!key || kvmcfg_json_add_string(params, key, eq + 1) < 0)
			return NULL;
	}
	if (kvmcfg_json_add_string(o, "load_error", c->load_error) < 0 ||
	    kvmcfg_json_add(o, "params_ok",
			    json_object_new_boolean(!c->load_error && !config_faults(c))) < 0)
		return NULL;
	mm = kvmcfg_json_add_array(o, "mismatches");
	if (!mm)
		return NULL;
	for (size_t k = 0; k < c->n_mismatches; k++)
		if (kvmcfg_json_append(mm, json_mismatch(&c->mismatches[k])) < 0)
			return NULL;
	/* held / overridden / contradicted per asked param (outcome.h). */
	if (kvmcfg_json_add(o, "outcomes", outcome_to_json(c)) < 0 || json_add_runner(o, c) < 0)
		return NULL;
	tests = kvmcfg_json_add_array(o, "tests");
	if (!tests)
		return NULL;
	for (size_t j = 0; j < c->n_tests; j++)
		if (kvmcfg_json_append(tests, json_test(&c->tests[j])) < 0)
			return NULL;
	if (kvmcfg_json_add(o, "ok", json_object_new_boolean(config_result_ok(c))) < 0)
		return NULL;
	return TAKE_PTR(o);
}

struct json_object *report_json(const struct matrix_report *r)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
	struct json_object *notes, *configs, *restore;

	if (!o ||
	    kvmcfg_json_add(o, "schema_version", json_object_new_int(MATRIX_JSON_SCHEMA_VERSION)) <
		    0 ||
	    kvmcfg_json_add_string(o, "vendor_module", r->vendor_module) < 0)
		return NULL;
	notes = kvmcfg_json_add_array(o, "notes");
	if (!notes)
		return NULL;
	for (size_t i = 0; i < r->n_notes; i++)
		if (kvmcfg_json_append(notes, kvmcfg_json_new_string(r->notes[i])) < 0)
			return NULL;
	configs = kvmcfg_json_add_array(o, "configs");
	if (!configs)
		return NULL;
	for (size_t i = 0; i < r->n_configs; i++)
		if (kvmcfg_json_append(configs, json_config(&r->configs[i], i)) < 0)
			return NULL;
	restore = json_object_new_object();
	if (kvmcfg_json_add(o, "restore", restore) < 0 ||
	    kvmcfg_json_add(restore, "attempted", json_object_new_boolean(r->restore_attempted)) <
		    0 ||
	    kvmcfg_json_add(restore, "ok", json_object_new_boolean(r->restore_ok)) < 0 ||
	    kvmcfg_json_add_string(restore, "error", r->restore_error) < 0 ||
	    kvmcfg_json_add(o, "interrupted_by_signal", json_object_new_int(r->interrupted)) < 0 ||
	    kvmcfg_json_add(o, "exit_code", json_object_new_int(r->exit_code)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

/* Write one file of @dir with @write; says on stderr what failed. */
static int write_file(const char *dir, const char *name, const struct matrix_report *r,
		      int (*write)(FILE *f, const struct matrix_report *r))
{
	_cleanup_free_ char *path = NULL;
	FILE *f;
	int err;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	f = fopen(path, "we");
	if (!f) {
		err = -errno;
		fprintf(stderr, "kvm-config-matrix: cannot write %s: %s\n", path, strerror(-err));
		return err;
	}
	err = write(f, r);
	if (fclose(f) != 0 && !err)
		err = -errno;
	if (err < 0)
		fprintf(stderr, "kvm-config-matrix: cannot write %s: %s\n", path, strerror(-err));
	return err;
}

static int write_table(FILE *f, const struct matrix_report *r)
{
	report_write_table(f, r);
	return ferror(f) ? -EIO : 0;
}

static int write_json(FILE *f, const struct matrix_report *r)
{
	_cleanup_(json_object_putp) struct json_object *doc = report_json(r);

	if (!doc)
		return -ENOMEM;
	return kvmcfg_json_write(f, doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
}

int report_write_files(const char *dir, const struct matrix_report *r)
{
	int a = write_file(dir, "matrix.md", r, write_table);
	int b = write_file(dir, "matrix.json", r, write_json);

	return a < 0 ? a : b;
}
