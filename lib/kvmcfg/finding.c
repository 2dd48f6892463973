// SPDX-License-Identifier: GPL-2.0-only
/* Findings as structs, their verdict, and their JSON form (schema in finding.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "json-escape.h"

static const char *const kind_names[_FINDING_KIND_MAX] = {
	[FINDING_OK] = "ok",
	[FINDING_SKIPPED] = "skipped",
	[FINDING_MISMATCH] = "mismatch",
	[FINDING_MODULE_MISSING] = "module-missing",
	[FINDING_PARAM_MISSING] = "param-missing",
	[FINDING_UNREADABLE] = "unreadable",
	[FINDING_DERIVED] = "derived",
};

const char *kvmcfg_finding_kind_to_string(FindingKind k)
{
	return (unsigned)k < _FINDING_KIND_MAX ? kind_names[k] : NULL;
}

static const char *const verdict_names[_KVMCFG_VERDICT_MAX] = {
	[KVMCFG_VERDICT_OK] = "ok",
	[KVMCFG_VERDICT_MISMATCH] = "mismatch",
	[KVMCFG_VERDICT_UNREADABLE] = "unreadable",
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
		{ ENODEV, "ENODEV" }, { ENOENT, "ENOENT" },     { EACCES, "EACCES" },
		{ EPERM, "EPERM" },   { ESTALE, "ESTALE" },     { EBADMSG, "EBADMSG" },
		{ EINVAL, "EINVAL" }, { ENOMEM, "ENOMEM" },     { EIO, "EIO" },
		{ ENOTDIR, "ENOTDIR" }, { ENAMETOOLONG, "ENAMETOOLONG" }, { ELOOP, "ELOOP" },
		{ EMFILE, "EMFILE" }, { ENFILE, "ENFILE" }, { EBADFD, "EBADFD" },
		{ EISDIR, "EISDIR" }, { EXDEV, "EXDEV" },  { EAGAIN, "EAGAIN" },
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
		r = asprintf(&m, "%s.%s is %s", f->module, f->param, f->actual ? f->actual : "absent");
		break;
	case FINDING_SKIPPED:
		r = asprintf(&m, "module %s is not loaded, not checked", f->module);
		break;
	case FINDING_MISMATCH:
		r = asprintf(&m, "%s.%s is %s, policy wants %s", f->module, f->param,
			     f->actual ? f->actual : "absent", f->expected);
		break;
	case FINDING_MODULE_MISSING:
		r = asprintf(&m, "module %s is required but not loaded", f->module);
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

	if (f->n == f->allocated) {
		size_t a = f->allocated ? f->allocated * 2 : 32;
		Finding *items = realloc(f->items, a * sizeof(*items));

		if (!items)
			return -ENOMEM;
		f->items = items;
		f->allocated = a;
	}
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
	bool unreadable = false;
	size_t i;

	for (i = 0; i < f->n; i++) {
		const Finding *x = &f->items[i];

		if (!kvmcfg_finding_is_problem(x) || x->severity == POLICY_SEVERITY_INFO)
			continue;
		if (x->kind != FINDING_UNREADABLE)
			return KVMCFG_VERDICT_MISMATCH;
		unreadable = true;
	}
	return unreadable ? KVMCFG_VERDICT_UNREADABLE : KVMCFG_VERDICT_OK;
}

/* ---- JSON ---- */

static void json_field(FILE *o, bool pretty, unsigned indent, bool first, const char *key)
{
	if (!first)
		fputc(',', o);
	if (pretty)
		fprintf(o, "\n%*s", indent * 2, "");
	kvmcfg_json_string(o, key);
	fputs(pretty ? ": " : ":", o);
}

static void json_finding(FILE *o, const Finding *x, bool pretty)
{
	unsigned d = 3;

	fputc('{', o);
	json_field(o, pretty, d, true, "kind");
	kvmcfg_json_string(o, kvmcfg_finding_kind_to_string(x->kind));
	json_field(o, pretty, d, false, "severity");
	kvmcfg_json_string(o, kvmcfg_policy_severity_to_string(x->severity));
	json_field(o, pretty, d, false, "module");
	kvmcfg_json_string(o, x->module);
	json_field(o, pretty, d, false, "param");
	kvmcfg_json_string(o, x->param);
	json_field(o, pretty, d, false, "expected");
	kvmcfg_json_string(o, x->expected);
	json_field(o, pretty, d, false, "actual");
	kvmcfg_json_string(o, x->actual);
	json_field(o, pretty, d, false, "status");
	kvmcfg_json_string(o, kvmcfg_errno_name(x->read_error));
	json_field(o, pretty, d, false, "origin");
	fputc('{', o);
	json_field(o, pretty, d + 1, true, "file");
	kvmcfg_json_string(o, x->origin_file);
	json_field(o, pretty, d + 1, false, "line");
	fprintf(o, "%u", x->origin_line);
	if (pretty)
		fprintf(o, "\n%*s", d * 2, "");
	fputc('}', o);
	json_field(o, pretty, d, false, "rule");
	kvmcfg_json_string(o, x->rule);
	json_field(o, pretty, d, false, "message");
	kvmcfg_json_string(o, x->message);
	if (pretty)
		fprintf(o, "\n%*s", (d - 1) * 2, "");
	fputc('}', o);
}

int kvmcfg_findings_to_json(const Findings *f, bool pretty, char **ret)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *o;

	o = open_memstream(&buf, &len);
	if (!o)
		return -ENOMEM;
	fputc('{', o);
	json_field(o, pretty, 1, true, "schema");
	kvmcfg_json_string(o, "kvmcfg-findings/1");
	json_field(o, pretty, 1, false, "verdict");
	kvmcfg_json_string(o, kvmcfg_verdict_to_string(kvmcfg_findings_verdict(f)));
	json_field(o, pretty, 1, false, "checked");
	fprintf(o, "%zu", f->n);
	json_field(o, pretty, 1, false, "problems");
	fprintf(o, "%zu", kvmcfg_findings_n_problems(f));
	json_field(o, pretty, 1, false, "findings");
	fputc('[', o);
	for (i = 0; i < f->n; i++) {
		if (i)
			fputc(',', o);
		if (pretty)
			fputs("\n    ", o);
		json_finding(o, &f->items[i], pretty);
	}
	if (pretty && f->n)
		fputs("\n  ", o);
	fputc(']', o);
	if (pretty)
		fputc('\n', o);
	fputs("}\n", o);
	if (fclose(o) != 0 || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
