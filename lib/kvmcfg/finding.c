// SPDX-License-Identifier: GPL-2.0-only
/* Findings as structs, their verdict, and their JSON form (schema in finding.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "json-out.h"
#include "macro.h"

static const char *const kind_names[_FINDING_KIND_MAX] = {
	[FINDING_OK] = "ok",
	[FINDING_SKIPPED] = "skipped",
	[FINDING_MISMATCH] = "mismatch",
	[FINDING_MODULE_MISSING] = "module-missing",
	[FINDING_PARAM_MISSING] = "param-missing",
	[FINDING_UNREADABLE] = "unreadable",
	[FINDING_DERIVED] = "derived",
	[FINDING_CONTRADICTED] = "contradicted",
	[FINDING_UNVERIFIED] = "unverified",
};

const char *kvmcfg_finding_kind_to_string(FindingKind k)
{
	return (unsigned)k < _FINDING_KIND_MAX ? kind_names[k] : NULL;
}

static const char *const verdict_names[_KVMCFG_VERDICT_MAX] = {
	[KVMCFG_VERDICT_OK] = "ok",
	[KVMCFG_VERDICT_MISMATCH] = "mismatch",
	[KVMCFG_VERDICT_UNREADABLE] = "unreadable",
	[KVMCFG_VERDICT_UNVERIFIED] = "unverified",
};

const char *kvmcfg_verdict_to_string(KvmcfgVerdict v)
{
	return (unsigned)v < _KVMCFG_VERDICT_MAX ? verdict_names[v] : NULL;
}

int kvmcfg_verdict_exit_code(KvmcfgVerdict v)
{
	switch (v) {
	case KVMCFG_VERDICT_OK:
		return 0;
	case KVMCFG_VERDICT_MISMATCH:
		return 1;
	default:
		return 3;
	}
}

const char *kvmcfg_errno_name(int negative_errno)
{
	/* The outcomes param.h documents, plus what open()/read() can add. */
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ ENODEV, "ENODEV" },
		{ ENOENT, "ENOENT" },
		{ EACCES, "EACCES" },
		{ EPERM, "EPERM" },
		{ ESTALE, "ESTALE" },
		{ EBADMSG, "EBADMSG" },
		{ EINVAL, "EINVAL" },
		{ ENOMEM, "ENOMEM" },
		{ EIO, "EIO" },
		{ ENOTDIR, "ENOTDIR" },
		{ ENAMETOOLONG, "ENAMETOOLONG" },
		{ ELOOP, "ELOOP" },
		{ EMFILE, "EMFILE" },
		{ ENFILE, "ENFILE" },
		{ EBADFD, "EBADFD" },
		{ EISDIR, "EISDIR" },
		{ EXDEV, "EXDEV" },
		{ EAGAIN, "EAGAIN" },
	};
	size_t i;

	if (negative_errno == 0)
		return "ok";
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == -negative_errno)
			return names[i].name;
	return "EUNKNOWN";
}

int kvmcfg_findings_new(Findings **ret)
{
	Findings *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	*ret = f;
	return 0;
}

static void finding_done(Finding *f)
{
	free(f->module);
	free(f->param);
	free(f->expected);
	free(f->actual);
	free(f->origin_file);
	free(f->rule);
	free(f->message);
	free(f->probe);
	free(f->evidence);
}

Findings *kvmcfg_findings_free(Findings *f)
{
	size_t i;

	if (!f)
		return NULL;
	for (i = 0; i < f->n; i++)
		finding_done(&f->items[i]);
	free(f->items);
	free(f);
	return NULL;
}

static int strdup_null(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* The message a report shows when the caller gave none. */
static char *default_message(const Finding *f)
{
	char *m = NULL;
	int r = -1;

	switch (f->kind) {
	case FINDING_OK:
		r = asprintf(&m, "%s.%s is %s", f->module, f->param,
			     f->actual ? f->actual : "absent");
		break;
	case FINDING_SKIPPED:
		r = asprintf(&m, "module %s is not loaded, not checked", f->module);
		break;
	case FINDING_MISMATCH:
		r = asprintf(&m, "%s.%s is %s, policy wants %s", f->module, f->param,
			     f->actual ? f->actual : "absent", f->expected);
		break;
	case FINDING_MODULE_MISSING:
		/* kvm itself is always required; a vendor module is often only on some hosts. */
		if (!strcmp(f->module, "kvm"))
			r = asprintf(&m, "module %s is required but not loaded", f->module);
		else
			r = asprintf(&m,
				     "module %s is required but not loaded (if only some hosts "
				     "load it, say Required = no in [%s])",
				     f->module, f->module);
		break;
	case FINDING_PARAM_MISSING:
		r = asprintf(&m, "module %s is loaded but has no parameter %s (policy wants %s)",
			     f->module, f->param, f->expected);
		break;
	case FINDING_UNREADABLE:
		r = asprintf(&m, "%s.%s cannot be read: %s", f->module, f->param ? f->param : "",
			     strerror(-f->read_error));
		break;
	case FINDING_DERIVED:
		r = asprintf(&m, "%s.%s=%s requires %s", f->module, f->param,
			     f->actual ? f->actual : "?", f->expected);
		break;
	case FINDING_CONTRADICTED:
		r = asprintf(&m, "%s.%s=%s contradicts what KVM does", f->module, f->param,
			     f->actual ? f->actual : "?");
		break;
	case FINDING_UNVERIFIED:
		r = asprintf(&m, "%s.%s could not be verified", f->module,
			     f->param ? f->param : "");
		break;
	default:
		break;
	}
	return r < 0 ? NULL : m;
}

int kvmcfg_findings_add(Findings *f, FindingKind kind, PolicySeverity severity, const char *module,
			const char *param, const char *expected, const char *actual, int read_error,
			const char *origin_file, unsigned origin_line, const char *rule,
			const char *message)
{
	Finding n = {
		.kind = kind,
		.severity = severity,
		.read_error = read_error,
		.origin_line = origin_line,
	};

	if (GROW(f->items, f->allocated, f->n + 1) < 0)
		return -ENOMEM;
	if (strdup_null(module ? module : "", &n.module) < 0 || strdup_null(param, &n.param) < 0 ||
	    strdup_null(expected ? expected : "", &n.expected) < 0 ||
	    strdup_null(actual, &n.actual) < 0 ||
	    strdup_null(origin_file ? origin_file : "", &n.origin_file) < 0 ||
	    strdup_null(rule, &n.rule) < 0 || strdup_null(message, &n.message) < 0)
		goto oom;
	if (!n.message && !(n.message = default_message(&n)))
		goto oom;
	f->items[f->n++] = n;
	return 0;
oom:
	finding_done(&n);
	return -ENOMEM;
}

int kvmcfg_findings_set_probe(Findings *f, const char *probe, const char *evidence)
{
	if (!f->n)
		return -EINVAL;
	return kvmcfg_findings_set_probe_at(f, f->n - 1, probe, evidence);
}

int kvmcfg_findings_set_probe_at(Findings *f, size_t i, const char *probe, const char *evidence)
{
	Finding *x;

	if (i >= f->n)
		return -EINVAL;
	x = &f->items[i];
	free(x->probe);
	free(x->evidence);
	x->probe = x->evidence = NULL;
	if (strdup_null(probe, &x->probe) < 0 || strdup_null(evidence, &x->evidence) < 0)
		return -ENOMEM;
	return 0;
}

bool kvmcfg_finding_is_problem(const Finding *f)
{
	return f->kind != FINDING_OK && f->kind != FINDING_SKIPPED;
}

static bool streq_null(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool kvmcfg_finding_same(const Finding *a, const Finding *b)
{
	return a->kind == b->kind && streq_null(a->module, b->module) &&
	       streq_null(a->param, b->param) && streq_null(a->rule, b->rule) &&
	       streq_null(a->origin_file, b->origin_file) && a->origin_line == b->origin_line;
}

const Finding *kvmcfg_findings_find(const Findings *f, const Finding *like)
{
	size_t i;

	for (i = 0; f && i < f->n; i++)
		if (kvmcfg_finding_same(&f->items[i], like))
			return &f->items[i];
	return NULL;
}

size_t kvmcfg_findings_n_problems(const Findings *f)
{
	size_t i, n = 0;

	for (i = 0; i < f->n; i++)
		n += kvmcfg_finding_is_problem(&f->items[i]);
	return n;
}

KvmcfgVerdict kvmcfg_findings_verdict(const Findings *f)
{
	return kvmcfg_findings_verdict_at(f, POLICY_SEVERITY_WARN);
}

KvmcfgVerdict kvmcfg_findings_verdict_at(const Findings *f, PolicySeverity fail_on)
{
	bool unreadable = false, unverified = false;
	size_t i;

	for (i = 0; i < f->n; i++) {
		const Finding *x = &f->items[i];

		if (!kvmcfg_finding_is_problem(x) || x->severity < fail_on)
			continue;
		if (x->kind == FINDING_UNREADABLE)
			unreadable = true;
		else if (x->kind == FINDING_UNVERIFIED)
			unverified = true;
		else
			return KVMCFG_VERDICT_MISMATCH;
	}
	return unreadable ? KVMCFG_VERDICT_UNREADABLE :
	       unverified ? KVMCFG_VERDICT_UNVERIFIED :
			    KVMCFG_VERDICT_OK;
}

/* ---- JSON ---- */

/* @s as a JSON string, or JSON null for NULL (kvmcfg_json_add() takes NULL as ENOMEM). */
static int add_string(struct json_object *o, const char *key, const char *s)
{
	if (!s)
		return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
	return kvmcfg_json_add(o, key, kvmcfg_json_new_string(s));
}

static int add_origin(struct json_object *o, const char *file, unsigned line)
{
	_cleanup_(json_object_putp) struct json_object *origin = json_object_new_object();

	if (!origin || add_string(origin, "file", file) < 0 ||
	    kvmcfg_json_add(origin, "line", json_object_new_int64(line)) < 0)
		return -ENOMEM;
	return kvmcfg_json_add(o, "origin", TAKE_PTR(origin));
}

static struct json_object *finding_to_json(const Finding *x)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();

	if (!o || add_string(o, "kind", kvmcfg_finding_kind_to_string(x->kind)) < 0 ||
	    add_string(o, "severity", kvmcfg_policy_severity_to_string(x->severity)) < 0 ||
	    add_string(o, "module", x->module) < 0 || add_string(o, "param", x->param) < 0 ||
	    add_string(o, "expected", x->expected) < 0 || add_string(o, "actual", x->actual) < 0 ||
	    add_string(o, "status", kvmcfg_errno_name(x->read_error)) < 0 ||
	    add_origin(o, x->origin_file, x->origin_line) < 0 ||
	    add_string(o, "rule", x->rule) < 0 || add_string(o, "message", x->message) < 0)
		return NULL;
	/* --verify findings only: the probe and what it measured (or why it could not). */
	if (x->probe &&
	    (add_string(o, "probe", x->probe) < 0 || add_string(o, "evidence", x->evidence) < 0))
		return NULL;
	return TAKE_PTR(o);
}

/* The head every document shares: schema, verdict, counts and the findings array. */
static struct json_object *document_new(const char *verdict, size_t checked, size_t problems,
					struct json_object **ret_findings)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();

	if (!o || add_string(o, "schema", KVMCFG_FINDINGS_SCHEMA) < 0 ||
	    add_string(o, "verdict", verdict) < 0 ||
	    kvmcfg_json_add(o, "checked", json_object_new_int64((int64_t)checked)) < 0 ||
	    kvmcfg_json_add(o, "problems", json_object_new_int64((int64_t)problems)) < 0 ||
	    kvmcfg_json_add(o, "findings", arr) < 0)
		return NULL;
	*ret_findings = arr;
	return TAKE_PTR(o);
}

static int serialize(struct json_object *o, bool pretty, char **ret)
{
	char *s = kvmcfg_json_serialize(o,
					pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
						 JSON_C_TO_STRING_PLAIN);

	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int kvmcfg_findings_to_json(const Findings *f, bool pretty, char **ret)
{
	return kvmcfg_findings_to_json_at(f, POLICY_SEVERITY_WARN, NULL, pretty, ret);
}

/* [{file, line, message}, ...] of every item of @err. */
static struct json_object *errors_to_json(const PolicyError *err)
{
	_cleanup_(json_object_putp) struct json_object *errors = json_object_new_array();
	unsigned i;

	for (i = 0; errors && i < kvmcfg_policy_error_n_items(err); i++) {
		_cleanup_(json_object_putp) struct json_object *e = json_object_new_object();
		PolicyErrorItem it;

		kvmcfg_policy_error_item(err, i, &it);
		if (!e || add_string(e, "file", it.file) < 0 ||
		    kvmcfg_json_add(e, "line", json_object_new_int64(it.line)) < 0 ||
		    add_string(e, "message", it.message) < 0 ||
		    kvmcfg_json_append(errors, TAKE_PTR(e)) < 0)
			return NULL;
	}
	return TAKE_PTR(errors);
}

int kvmcfg_findings_to_json_at(const Findings *f, PolicySeverity fail_on,
			       const PolicyError *warnings, bool pretty, char **ret)
{
	_cleanup_(json_object_putp) struct json_object *o = NULL;
	struct json_object *arr = NULL;
	size_t i;

	o = document_new(kvmcfg_verdict_to_string(kvmcfg_findings_verdict_at(f, fail_on)), f->n,
			 kvmcfg_findings_n_problems(f), &arr);
	if (!o)
		return -ENOMEM;
	/* Only when not the default, so the default document stays as it was. */
	if (fail_on != POLICY_SEVERITY_WARN &&
	    add_string(o, "fail_on", kvmcfg_policy_severity_to_string(fail_on)) < 0)
		return -ENOMEM;
	for (i = 0; i < f->n; i++)
		if (kvmcfg_json_append(arr, finding_to_json(&f->items[i])) < 0)
			return -ENOMEM;
	if (warnings && warnings->n_errors &&
	    kvmcfg_json_add(o, "warnings", errors_to_json(warnings)) < 0)
		return -ENOMEM;
	return serialize(o, pretty, ret);
}

int kvmcfg_findings_error_to_json(const char *verdict, const PolicyError *err, bool pretty,
				  char **ret)
{
	_cleanup_(json_object_putp) struct json_object *o = NULL;
	struct json_object *arr = NULL;

	o = document_new(verdict, 0, 0, &arr);
	if (!o || kvmcfg_json_add(o, "errors", errors_to_json(err)) < 0)
		return -ENOMEM;
	if (kvmcfg_json_add(o, "errors_total", json_object_new_int64(err->n_errors)) < 0)
		return -ENOMEM;
	return serialize(o, pretty, ret);
}
