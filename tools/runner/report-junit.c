// SPDX-License-Identifier: GPL-2.0-only
/*
 * JUnit XML in the shape Jenkins' junit plugin and GitLab's report parser
 * both take: <testsuites> of one <testsuite> per test binary, a <testcase>
 * per TAP subtest, <failure> for fail and timeout (type says which),
 * <skipped message=...> for skips. A binary-level failure (a crash, an
 * unexplained exit) is a testcase of its own. Host facts go into each
 * suite's <properties>, the only place both readers keep them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xml-escape.h"
#include "report.h"

static void attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	escape_xml(f, value ? value : "", value ? strlen(value) : 0, true);
	fputc('"', f);
}

static void property(FILE *f, const char *name, const char *value)
{
	fputs("      <property", f);
	attr(f, "name", name);
	attr(f, "value", value);
	fputs("/>\n", f);
}

static void properties(FILE *f, const struct run *r)
{
	const struct hostinfo *h = r->host;
	char buf[64];
	size_t i;

	const struct {
		const char *name, *value;
	} facts[] = {
		{ "host.hostname", h->hostname },
		{ "host.kernel_release", h->kernel_release },
		{ "host.kernel_version", h->kernel_version },
		{ "host.cpu_vendor", h->cpu_vendor },
		{ "host.cpu_model", h->cpu_model },
		{ "host.kvm_device", h->kvm_device },
		{ "runner.mode", r->full ? "full" : "quick" },
	};

	fputs("    <properties>\n", f);
	for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		property(f, facts[i].name, facts[i].value);
	snprintf(buf, sizeof(buf), "%u", r->scale);
	property(f, "runner.scale", buf);
	for (i = 0; i < h->params.n; i++) {
		const KvmcfgParam *p = &h->params.items[i];
		char *name;

		if (asprintf(&name, "param.%s.%s", p->module, p->param) < 0)
			continue;
		property(f, name, p->value ? p->value : strerror(-p->error));
		free(name);
	}
	for (i = 0; i < h->n_caps; i++) {
		const struct host_cap *c = &h->caps[i];
		char *name;

		if (asprintf(&name, "cap.%s", c->name) < 0)
			continue;
		if (c->value >= 0)
			snprintf(buf, sizeof(buf), "%d", c->value);
		else
			snprintf(buf, sizeof(buf), "%s",
				 c->number < 0 ? "unknown capability" : strerror(-c->value));
		property(f, name, buf);
		free(name);
	}
	fputs("    </properties>\n", f);
}

static void testcase(FILE *f, const struct test *t, const struct subtest *s, double time)
{
	fputs("    <testcase", f);
	attr(f, "classname", t->id);
	attr(f, "name", s->name);
	fprintf(f, " time=\"%.3f\"", time);
	switch (s->verdict) {
	case VERDICT_PASS:
		fputs("/>\n", f);
		return;
	case VERDICT_XFAIL:
		fputs(">\n      <system-out>expected failure: ", f);
		escape_xml(f, s->reason ? s->reason : "", s->reason ? strlen(s->reason) : 0, false);
		fputs("</system-out>\n    </testcase>\n", f);
		return;
	case VERDICT_SKIP:
		fputs(">\n      <skipped", f);
		attr(f, "message", s->reason ? s->reason : "skipped");
		fputs("/>\n    </testcase>\n", f);
		return;
	default:
		fputs(">\n      <failure", f);
		attr(f, "type", s->verdict == VERDICT_TIMEOUT ? "timeout" : "failure");
		attr(f, "message", s->reason ? s->reason : "failed");
		fputs("/>\n    </testcase>\n", f);
		return;
	}
}

static void suite(FILE *f, const struct run *r, const struct test *t)
{
	size_t i, failures = test_count(t, VERDICT_FAIL) + test_count(t, VERDICT_TIMEOUT);
	struct subtest whole = {
		.number = -1, .name = t->name, .verdict = VERDICT_SKIP, .reason = t->reason
	};
	char when[32];

	report_timestamp(t->start_time, when, sizeof(when));
	fputs("  <testsuite", f);
	attr(f, "name", t->id);
	/* A whole-binary skip has no subtests; it still needs a testcase to show. */
	fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\"",
		t->n_subtests ? t->n_subtests : 1, failures,
		t->n_subtests ? test_count(t, VERDICT_SKIP) : 1, t->duration);
	attr(f, "timestamp", when);
	attr(f, "hostname", r->host->hostname);
	fputs(">\n", f);
	properties(f, r);
	for (i = 0; i < t->n_subtests; i++)
		testcase(f, t, &t->subtests[i], t->subtests[i].duration);
	if (!t->n_subtests)
		testcase(f, t, &whole, t->duration);
	fputs("    <system-out>", f);
	escape_xml(f, t->output ? t->output : "", t->output_len, false);
	fputs("</system-out>\n  </testsuite>\n", f);
}

int report_junit_write(const struct run *r, const char *path)
{
	size_t i, tests = 0, failures = 0, skipped = 0;
	char *tmp;
	FILE *f;
	int err;

	for (i = 0; i < r->n_tests; i++) {
		const struct test *t = r->tests[i];

		if (!t->finished)
			continue;
		tests += t->n_subtests ? t->n_subtests : 1;
		failures += test_count(t, VERDICT_FAIL) + test_count(t, VERDICT_TIMEOUT);
		skipped += t->n_subtests ? test_count(t, VERDICT_SKIP) : 1;
	}
	err = report_open(path, &f, &tmp);
	if (err < 0)
		return err;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kvm-selftests\"", f);
	fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\">\n",
		tests, failures, skipped, r->duration);
	for (i = 0; i < r->n_tests; i++)
		if (r->tests[i]->finished)
			suite(f, r, r->tests[i]);
	fputs("</testsuites>\n", f);
	err = report_close(f, tmp, path);
	free(tmp);
	return err;
}
