// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "json-out.h"
#include "macro.h"
#include "report.h"

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_PASS: return "pass";
	case VERDICT_FAIL: return "fail";
	case VERDICT_SKIP: return "skip";
	default: return "not-run";
	}
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
	for (size_t i = 0; i < c->n_tests; i++) {
		free(c->tests[i].name);
		free(c->tests[i].reason);
		free(c->tests[i].output);
	}
	free(c->tests);
	param_outcomes_free(c->outcomes, c->n_outcomes);
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

/* Mismatches other than an honest override: derived rules, missing, unreadable. */
static size_t config_faults(const struct config_result *c)
{
	size_t n = outcome_count(c, OUTCOME_CONTRADICTED);

	for (size_t i = 0; i < c->n_mismatches; i++)
		n += c->mismatches[i].message != NULL;
	return n;
}

bool config_result_ok(const struct config_result *c)
{
	if (c->load_error || config_faults(c))
		return false;
	for (size_t i = 0; i < c->n_tests; i++)
		if (c->tests[i].verdict == VERDICT_FAIL || c->tests[i].verdict == VERDICT_NOT_RUN)
			return false;
	return true;
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
			fprintf(f, "%s%s%s%s %s: asked %s, loaded %s", n++ ? " " : "", em, outcome_name(o->kind),
				em, o->param, o->asked, o->loaded ? o->loaded : "(absent)");
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
				break;	/* a narrower table beats none */
			cols = nc;
			cols[n++] = name;
		}
	*ret = cols;
	return n;
}

static const struct test_outcome *find_test(const struct config_result *c, const char *name)
{
	for (size_t i = 0; i < c->n_tests; i++)
		if (!strcmp(c->tests[i].name, name))
			return &c->tests[i];
	return NULL;
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
		for (size_t k = 0; k < n; k++) {
			const struct test_outcome *t = find_test(c, cols[k]);

			fprintf(f, " %s |", !t ? "-" : t->verdict == VERDICT_FAIL ? "**FAIL**" :
					    verdict_name(t->verdict));
		}
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
		for (size_t j = 0; j < c->n_tests; j++) {
			const struct test_outcome *t = &c->tests[j];

			if (t->verdict == VERDICT_PASS || !t->reason)
				continue;
			fprintf(f, "\n- config %zu, %s, %s: ", i + 1, t->name, verdict_name(t->verdict));
			write_cell(f, t->reason);
		}
	}
	fputc('\n', f);
}

/* Every line of @text as a TAP comment, indented under its test. */
static void write_commented(FILE *f, const char *text)
{
	while (text && *text) {
		size_t len = strcspn(text, "\n");

		fprintf(f, "#   %.*s\n", (int)len, text);
		text += len + (text[len] == '\n');
	}
}

void report_write_tap(FILE *f, const struct matrix_report *r, size_t i)
{
	const struct config_result *c = &r->configs[i];

	fputs("TAP version 13\n# config: ", f);
	write_assign(f, c, " ");
	fprintf(f, "\n1..%zu\n", c->n_tests + 1);
	if (c->load_error) {
		fprintf(f, "not ok 1 params\n");
		write_commented(f, c->load_error);
	} else {
		_cleanup_free_ char *sum = outcome_summary(c);

		fprintf(f, "%s 1 params\n", config_faults(c) ? "not ok" : "ok");
		for (size_t k = 0; k < c->n_mismatches; k++)
			if (c->mismatches[k].message)
				fprintf(f, "# %s\n", c->mismatches[k].message);
		/* Held params say nothing; overrides and contradictions say what and why. */
		if (sum && *sum)
			fprintf(f, "# %s\n", sum);
	}
	for (size_t j = 0; j < c->n_tests; j++) {
		const struct test_outcome *t = &c->tests[j];

		write_commented(f, t->output);
		switch (t->verdict) {
		case VERDICT_PASS:
			fprintf(f, "ok %zu %s\n", j + 2, t->name);
			break;
		case VERDICT_SKIP:
			fprintf(f, "ok %zu %s # SKIP %s\n", j + 2, t->name, t->reason ? t->reason : "");
			break;
		default:
			fprintf(f, "not ok %zu %s\n", j + 2, t->name);
			if (t->reason)
				fprintf(f, "# %s\n", t->reason);
		}
	}
}

static void xml_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = *s;

		switch (ch) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			/* XML 1.0 forbids most control characters even escaped. */
			if (ch < 0x20 && ch != '\n' && ch != '\t')
				fputc('?', f);
			else
				fputc(ch, f);
		}
	}
}

void report_write_junit(FILE *f, const struct matrix_report *r, size_t i)
{
	const struct config_result *c = &r->configs[i];
	size_t failures = (c->load_error || config_faults(c)), skipped = 0;
	double total = 0;

	for (size_t j = 0; j < c->n_tests; j++) {
		failures += c->tests[j].verdict == VERDICT_FAIL || c->tests[j].verdict == VERDICT_NOT_RUN;
		skipped += c->tests[j].verdict == VERDICT_SKIP;
		total += c->tests[j].seconds;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"", f);
	fprintf(f, "config-%zu: ", i + 1);
	for (size_t k = 0; k < c->n_assign; k++) {
		fputs(k ? " " : "", f);
		xml_escape(f, c->assign[k]);
	}
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\">\n",
		c->n_tests + 1, failures, skipped, total);
	fputs("  <testcase classname=\"kvm-config-matrix\" name=\"params\">", f);
	if (c->load_error || config_faults(c)) {
		_cleanup_free_ char *sum = outcome_summary(c);

		fputs("<failure message=\"", f);
		if (c->load_error)
			xml_escape(f, c->load_error);
		for (size_t k = 0; k < c->n_mismatches; k++)
			if (c->mismatches[k].message) {
				xml_escape(f, c->mismatches[k].message);
				fputs("; ", f);
			}
		xml_escape(f, sum);
		fputs("\"/>", f);
	}
	fputs("</testcase>\n", f);
	for (size_t j = 0; j < c->n_tests; j++) {
		const struct test_outcome *t = &c->tests[j];

		fputs("  <testcase classname=\"kvm-config-matrix\" name=\"", f);
		xml_escape(f, t->name);
		fprintf(f, "\" time=\"%.3f\">", t->seconds);
		if (t->verdict == VERDICT_FAIL || t->verdict == VERDICT_NOT_RUN) {
			fputs("<failure message=\"", f);
			xml_escape(f, t->reason ? t->reason : verdict_name(t->verdict));
			fputs("\"/>", f);
		} else if (t->verdict == VERDICT_SKIP) {
			fputs("<skipped message=\"", f);
			xml_escape(f, t->reason);
			fputs("\"/>", f);
		}
		fputs("<system-out>", f);
		xml_escape(f, t->output);
		fputs("</system-out></testcase>\n", f);
	}
	fputs("</testsuite>\n</testsuites>\n", f);
}

static void json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_config(FILE *f, const struct config_result *c, size_t i)
{
	fprintf(f, "    {\"index\": %zu, \"params\": {", i + 1);
	for (size_t k = 0; k < c->n_assign; k++) {
		const char *eq = strchr(c->assign[k], '=');

		fprintf(f, "%s\"%.*s\": ", k ? ", " : "", (int)(eq - c->assign[k]), c->assign[k]);
		json_string(f, eq + 1);
	}
	fputs("},\n     \"load_error\": ", f);
	json_string(f, c->load_error);
	fprintf(f, ",\n     \"params_ok\": %s, \"mismatches\": [",
		!c->load_error && !config_faults(c) ? "true" : "false");
	for (size_t k = 0; k < c->n_mismatches; k++) {
		fprintf(f, "%s{\"param\": ", k ? ", " : "");
		json_string(f, c->mismatches[k].param);
		fputs(", \"requested\": ", f);
		json_string(f, c->mismatches[k].requested);
		fputs(", \"loaded\": ", f);
		json_string(f, c->mismatches[k].loaded);
		fputs(", \"message\": ", f);
		json_string(f, c->mismatches[k].message);
		fputc('}', f);
	}
	fputs("],\n     \"outcomes\": ", f);
	{
		_cleanup_json_ struct json_object *o = outcome_to_json(c);
		_cleanup_free_ char *text = o ? kvmcfg_json_serialize(o, JSON_C_TO_STRING_SPACED) : NULL;

		/* The serializer ends with a newline; the array sits inside a line here. */
		fprintf(f, "%.*s", text ? (int)strcspn(text, "\n") : 4, text ? text : "null");
	}
	fputs(",\n     \"tests\": [", f);
	for (size_t j = 0; j < c->n_tests; j++) {
		const struct test_outcome *t = &c->tests[j];

		fprintf(f, "%s\n       {\"name\": ", j ? "," : "");
		json_string(f, t->name);
		fprintf(f, ", \"result\": \"%s\", \"passed\": %u, \"failed\": %u, \"skipped\": %u, "
			   "\"seconds\": %.3f, \"reason\": ", verdict_name(t->verdict), t->passed,
			t->failed, t->skipped, t->seconds);
		json_string(f, t->reason);
		fputc('}', f);
	}
	fprintf(f, "],\n     \"ok\": %s}", config_result_ok(c) ? "true" : "false");
}

void report_write_json(FILE *f, const struct matrix_report *r)
{
	fputs("{\n  \"vendor_module\": ", f);
	json_string(f, r->vendor_module);
	fputs(",\n  \"notes\": [", f);
	for (size_t i = 0; i < r->n_notes; i++) {
		fputs(i ? ", " : "", f);
		json_string(f, r->notes[i]);
	}
	fputs("],\n  \"configs\": [\n", f);
	for (size_t i = 0; i < r->n_configs; i++) {
		json_config(f, &r->configs[i], i);
		fputs(i + 1 < r->n_configs ? ",\n" : "\n", f);
	}
	fprintf(f, "  ],\n  \"restore\": {\"attempted\": %s, \"ok\": %s, \"error\": ",
		r->restore_attempted ? "true" : "false", r->restore_ok ? "true" : "false");
	json_string(f, r->restore_error);
	fprintf(f, "},\n  \"interrupted_by_signal\": %d,\n  \"exit_code\": %d\n}\n", r->interrupted,
		r->exit_code);
}
