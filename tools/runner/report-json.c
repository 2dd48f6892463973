// SPDX-License-Identifier: GPL-2.0-only
/*
 * The JSON report, built with json-c through common/json-out.h: every
 * string from outside (test output, reasons, param values) goes through
 * kvmcfg_json_new_string*(), so no byte a test prints can make the report
 * invalid. The layout is documented in docs/runner.md and kvm-selftests(1);
 * REPORT_JSON_SCHEMA_VERSION changes when a field changes meaning or goes
 * away (new fields do not change it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json-out.h"
#include "report.h"

#define REPORT_JSON_SCHEMA_VERSION 1

static const enum verdict order[] = { VERDICT_PASS, VERDICT_FAIL, VERDICT_SKIP, VERDICT_XFAIL,
				      VERDICT_TIMEOUT };
#define N_ORDER (sizeof(order) / sizeof(order[0]))

/* {"error": "why"}: a fact that could not be read. */
static struct json_object *error_object(const char *why)
{
	struct json_object *o = json_object_new_object();

	if (o && kvmcfg_json_add_string(o, "error", why) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *module_params(const struct hostinfo *h)
{
	_cleanup_(json_object_putp) struct json_object *all = json_object_new_object();
	struct json_object *mod = NULL;

	if (!all)
		return NULL;
	for (size_t i = 0; i < h->params.n; i++) {
		const KvmcfgParam *p = &h->params.items[i];

		/* The list is grouped by module: a new module starts a new object. */
		if (i == 0 || strcmp(p->module, h->params.items[i - 1].module)) {
			mod = json_object_new_object();
			if (kvmcfg_json_add(all, p->module, mod) < 0)
				return NULL;
		}
		if (kvmcfg_json_add(mod, p->param,
				    p->value ? kvmcfg_json_new_string(p->value) :
					       error_object(strerror(-p->error))) < 0)
			return NULL;
	}
	return TAKE_PTR(all);
}

static struct json_object *kvm_caps(const struct hostinfo *h)
{
	_cleanup_(json_object_putp) struct json_object *caps = json_object_new_object();

	if (!caps)
		return NULL;
	for (size_t i = 0; i < h->n_caps; i++) {
		const struct host_cap *c = &h->caps[i];
		struct json_object *v;

		if (c->value >= 0)
			v = json_object_new_int(c->value);
		else
			v = error_object(c->number < 0 ? "unknown capability" :
							 strerror(-c->value));
		if (kvmcfg_json_add(caps, c->name, v) < 0)
			return NULL;
	}
	return TAKE_PTR(caps);
}

static struct json_object *host(const struct hostinfo *h)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
	const struct {
		const char *key, *value;
	} facts[] = {
		{ "hostname", h->hostname },
		{ "kernel_release", h->kernel_release },
		{ "kernel_version", h->kernel_version },
		{ "cpu_vendor", h->cpu_vendor },
		{ "cpu_model", h->cpu_model },
		{ "kvm_device", h->kvm_device },
		{ "sysfs_root", h->sysfs_root },
	};

	if (!o)
		return NULL;
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		if (kvmcfg_json_add_string(o, facts[i].key, facts[i].value) < 0)
			return NULL;
	if (kvmcfg_json_add(o, "module_params", module_params(h)) < 0 ||
	    kvmcfg_json_add(o, "kvm_caps", kvm_caps(h)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

/* {"code": N}, {"signal": N}, or null when it never ran. */
static int add_exit(struct json_object *o, const struct test *t)
{
	struct json_object *e;

	if (t->exec_error || !t->started)
		return json_object_object_add(o, "exit", NULL) < 0 ? -ENOMEM : 0;
	e = json_object_new_object();
	if (!e)
		return -ENOMEM;
	if (WIFSIGNALED(t->wait_status)) {
		if (kvmcfg_json_add(e, "signal", json_object_new_int(WTERMSIG(t->wait_status))) < 0)
			goto fail;
	} else if (kvmcfg_json_add(e, "code", json_object_new_int(WEXITSTATUS(t->wait_status))) <
		   0) {
		goto fail;
	}
	return kvmcfg_json_add(o, "exit", e);
fail:
	json_object_put(e);
	return -ENOMEM;
}

static struct json_object *subtest(const struct subtest *s)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if ((s->number >= 0 ? kvmcfg_json_add(o, "number", json_object_new_int64(s->number)) :
			      kvmcfg_json_add_string(o, "number", NULL)) < 0 ||
	    kvmcfg_json_add_string(o, "name", s->name) < 0 ||
	    kvmcfg_json_add_string(o, "result", verdict_name(s->verdict)) < 0 ||
	    kvmcfg_json_add_string(o, "reason", s->reason) < 0 ||
	    kvmcfg_json_add(o, "duration", kvmcfg_json_new_fixed(s->duration, 3)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

static struct json_object *test(const struct test *t)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
	struct json_object *subs;

	if (!o)
		return NULL;
	if (kvmcfg_json_add_string(o, "id", t->id) < 0 ||
	    kvmcfg_json_add_string(o, "collection", t->collection) < 0 ||
	    kvmcfg_json_add_string(o, "name", t->name) < 0 ||
	    kvmcfg_json_add_string(o, "path", t->path) < 0 ||
	    kvmcfg_json_add_string(o, "result", verdict_name(t->verdict)) < 0 ||
	    kvmcfg_json_add_string(o, "reason", t->reason) < 0 ||
	    kvmcfg_json_add(o, "timeout", json_object_new_int64(t->timeout)) < 0 ||
	    kvmcfg_json_add(o, "started", kvmcfg_json_new_fixed(t->start_time, 3)) < 0 ||
	    kvmcfg_json_add(o, "duration", kvmcfg_json_new_fixed(t->duration, 3)) < 0 ||
	    add_exit(o, t) < 0)
		return NULL;
	subs = kvmcfg_json_add_array(o, "subtests");
	if (!subs)
		return NULL;
	for (size_t i = 0; i < t->n_subtests; i++)
		if (kvmcfg_json_append(subs, subtest(&t->subtests[i])) < 0)
			return NULL;
	if (kvmcfg_json_add(o, "output_dropped_bytes", json_object_new_int64(t->output_dropped)) <
		    0 ||
	    kvmcfg_json_add(o, "output",
			    kvmcfg_json_new_string_len(t->output ? t->output : "", t->output_len)) <
		    0)
		return NULL;
	return TAKE_PTR(o);
}

static struct json_object *runner(const struct run *r)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
	char when[32];

	if (!o)
		return NULL;
	report_timestamp(r->start_time, when, sizeof(when));
	if (kvmcfg_json_add_string(o, "name", "kvm-selftests") < 0 ||
	    kvmcfg_json_add_string(o, "version", PACKAGE_VERSION) < 0 ||
	    kvmcfg_json_add_string(o, "dir", r->dir) < 0 ||
	    kvmcfg_json_add_string(o, "mode", r->full ? "full" : "quick") < 0 ||
	    kvmcfg_json_add(o, "scale", json_object_new_int64(r->scale)) < 0 ||
	    kvmcfg_json_add(o, "jobs", json_object_new_int64(r->jobs)) < 0 ||
	    kvmcfg_json_add_string(o, "started", when) < 0 ||
	    kvmcfg_json_add(o, "duration", kvmcfg_json_new_fixed(r->duration, 3)) < 0 ||
	    kvmcfg_json_add(o, "interrupted", json_object_new_boolean(r->interrupted)) < 0 ||
	    kvmcfg_json_add(o, "exit_code", json_object_new_int(r->exit_code)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

static struct json_object *summary(const struct run *r)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
	struct json_object *subs;
	size_t n = 0;

	if (!o)
		return NULL;
	for (size_t i = 0; i < r->n_tests; i++)
		n += r->tests[i]->finished;
	if (kvmcfg_json_add(o, "tests", json_object_new_int64(n)) < 0)
		return NULL;
	for (size_t i = 0; i < N_ORDER; i++)
		if (kvmcfg_json_add(o, verdict_name(order[i]),
				    json_object_new_int64(run_count(r, order[i]))) < 0)
			return NULL;
	subs = json_object_new_object();
	if (kvmcfg_json_add(o, "subtests", subs) < 0)
		return NULL;
	for (size_t i = 0; i < N_ORDER; i++)
		if (kvmcfg_json_add(subs, verdict_name(order[i]),
				    json_object_new_int64(run_count_subtests(r, order[i]))) < 0)
			return NULL;
	return TAKE_PTR(o);
}

static struct json_object *document(const struct run *r)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
	struct json_object *tests;

	if (!o)
		return NULL;
	if (kvmcfg_json_add(o, "schema_version", json_object_new_int(REPORT_JSON_SCHEMA_VERSION)) <
		    0 ||
	    kvmcfg_json_add(o, "runner", runner(r)) < 0 ||
	    kvmcfg_json_add(o, "host", host(r->host)) < 0 ||
	    kvmcfg_json_add(o, "summary", summary(r)) < 0)
		return NULL;
	tests = kvmcfg_json_add_array(o, "tests");
	if (!tests)
		return NULL;
	for (size_t i = 0; i < r->n_tests; i++)
		if (r->tests[i]->finished && kvmcfg_json_append(tests, test(r->tests[i])) < 0)
			return NULL;
	return TAKE_PTR(o);
}

int report_json_write(const struct run *r, const char *path)
{
	_cleanup_(json_object_putp) struct json_object *doc = document(r);
	_cleanup_free_ char *tmp = NULL;
	FILE *f;
	int err;

	if (!doc)
		return -ENOMEM;
	err = report_open(path, &f, &tmp);
	if (err < 0)
		return err;
	err = kvmcfg_json_write(f, doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	if (err < 0) {
		fclose(f);
		unlink(tmp);
		return err;
	}
	return report_close(f, tmp, path);
}
