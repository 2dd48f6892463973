// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "json-escape.h"
#include "report.h"

static void host(FILE *f, const struct hostinfo *h)
{
	size_t i;

	const struct { const char *key, *value; } facts[] = {
		{ "hostname", h->hostname },
		{ "kernel_release", h->kernel_release },
		{ "kernel_version", h->kernel_version },
		{ "cpu_vendor", h->cpu_vendor },
		{ "cpu_model", h->cpu_model },
		{ "kvm_device", h->kvm_device },
		{ "sysfs_root", h->sysfs_root },
	};

	fputs("  \"host\": {", f);
	for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		fprintf(f, "%s\n    \"%s\": ", i ? "," : "", facts[i].key);
		kvmcfg_json_string(f, facts[i].value);
	}
	fputs(",\n    \"module_params\": {", f);
	for (i = 0; i < h->params.n; i++) {
		const KvmcfgParam *p = &h->params.items[i];

		if (i == 0 || strcmp(p->module, h->params.items[i - 1].module)) {
			fputs(i ? "\n      },\n      " : "\n      ", f);
			kvmcfg_json_string(f, p->module);
			fputs(": {", f);
		} else {
			fputc(',', f);
		}
		fputs("\n        ", f);
		kvmcfg_json_string(f, p->param);
		fputs(": ", f);
		if (p->value)
			kvmcfg_json_string(f, p->value);
		else
			fprintf(f, "{\"error\": \"%s\"}", strerror(-p->error));
	}
	fputs(h->params.n ? "\n      }\n    },\n" : "},\n", f);
	fputs("    \"kvm_caps\": {", f);
	for (i = 0; i < h->n_caps; i++) {
		const struct host_cap *c = &h->caps[i];

		fputs(i ? ",\n      " : "\n      ", f);
		kvmcfg_json_string(f, c->name);
		if (c->value >= 0)
			fprintf(f, ": %d", c->value);
		else
			fprintf(f, ": {\"error\": \"%s\"}",
				c->number < 0 ? "unknown capability" : strerror(-c->value));
	}
	fputs(h->n_caps ? "\n    }\n  },\n" : "}\n  },\n", f);
}

static void exit_status(FILE *f, const struct test *t)
{
	if (t->exec_error || !t->started)
		fputs("null", f);
	else if (WIFSIGNALED(t->wait_status))
		fprintf(f, "{\"signal\": %d}", WTERMSIG(t->wait_status));
	else
		fprintf(f, "{\"code\": %d}", WEXITSTATUS(t->wait_status));
}

static void test(FILE *f, const struct test *t)
{
	size_t i;

	fputs("    {\n      \"id\": ", f);
	kvmcfg_json_string(f, t->id);
	fputs(", \"collection\": ", f);
	kvmcfg_json_string(f, t->collection);
	fputs(", \"name\": ", f);
	kvmcfg_json_string(f, t->name);
	fputs(",\n      \"path\": ", f);
	kvmcfg_json_string(f, t->path);
	fputs(",\n      \"result\": ", f);
	kvmcfg_json_string(f, verdict_name(t->verdict));
	fputs(", \"reason\": ", f);
	kvmcfg_json_string(f, t->reason);
	fprintf(f, ",\n      \"timeout\": %u, \"started\": %.3f, \"duration\": %.3f, \"exit\": ",
		t->timeout, t->start_time, t->duration);
	exit_status(f, t);
	fputs(",\n      \"subtests\": [", f);
	for (i = 0; i < t->n_subtests; i++) {
		const struct subtest *s = &t->subtests[i];

		fputs(i ? ",\n        " : "\n        ", f);
		fputs("{\"number\": ", f);
		if (s->number >= 0)
			fprintf(f, "%ld", s->number);
		else
			fputs("null", f);
		fputs(", \"name\": ", f);
		kvmcfg_json_string(f, s->name);
		fputs(", \"result\": ", f);
		kvmcfg_json_string(f, verdict_name(s->verdict));
		fputs(", \"reason\": ", f);
		kvmcfg_json_string(f, s->reason);
		fprintf(f, ", \"duration\": %.3f}", s->duration);
	}
	fputs(t->n_subtests ? "\n      ],\n" : "],\n", f);
	fprintf(f, "      \"output_dropped_bytes\": %zu,\n      \"output\": \"", t->output_dropped);
	kvmcfg_json_escape(f, t->output ? t->output : "", t->output_len);
	fputs("\"\n    }", f);
}

int report_json_write(const struct run *r, const char *path)
{
	static const enum verdict order[] = { VERDICT_PASS, VERDICT_FAIL, VERDICT_SKIP,
					      VERDICT_XFAIL, VERDICT_TIMEOUT };
	char when[32], *tmp;
	size_t i, n = 0;
	FILE *f;
	int err;

	err = report_open(path, &f, &tmp);
	if (err < 0)
		return err;
	report_timestamp(r->start_time, when, sizeof(when));
	fputs("{\n  \"runner\": {\"name\": \"kvm-selftests\", \"version\": ", f);
	kvmcfg_json_string(f, PACKAGE_VERSION);
	fputs(", \"dir\": ", f);
	kvmcfg_json_string(f, r->dir);
	fprintf(f, ",\n    \"mode\": \"%s\", \"scale\": %u, \"jobs\": %u, \"started\": \"%s\", "
		   "\"duration\": %.3f, \"interrupted\": %s, \"exit_code\": %d},\n",
		r->full ? "full" : "quick", r->scale, r->jobs, when, r->duration,
		r->interrupted ? "true" : "false", r->exit_code);
	host(f, r->host);

	for (i = 0; i < r->n_tests; i++)
		n += r->tests[i]->finished;
	fprintf(f, "  \"summary\": {\"tests\": %zu", n);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		fprintf(f, ", \"%s\": %zu", verdict_name(order[i]), run_count(r, order[i]));
	fputs(",\n    \"subtests\": {", f);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		fprintf(f, "%s\"%s\": %zu", i ? ", " : "", verdict_name(order[i]),
			run_count_subtests(r, order[i]));
	fputs("}},\n  \"tests\": [", f);
	for (i = 0, n = 0; i < r->n_tests; i++) {
		if (!r->tests[i]->finished)
			continue;
		fputs(n++ ? ",\n" : "\n", f);
		test(f, r->tests[i]);
	}
	fputs(n ? "\n  ]\n}\n" : "]\n}\n", f);
	err = report_close(f, tmp, path);
	free(tmp);
	return err;
}
