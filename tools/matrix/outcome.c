// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "json-out.h"
#include "outcome.h"
#include "param.h"
#include "report.h"

const char *outcome_name(enum outcome_kind k)
{
	switch (k) {
	case OUTCOME_HELD:
		return "held";
	case OUTCOME_OVERRIDDEN:
		return "overridden";
	default:
		return "contradicted";
	}
}

void param_outcomes_free(struct param_outcome *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(o[i].param);
		free(o[i].asked);
		free(o[i].loaded);
		free(o[i].reason);
		free(o[i].evidence);
	}
	free(o);
}

/* The policy finding (not a derived rule's) for @module.@param. */
static const Finding *finding_for(const Findings *found, const char *module, size_t mlen,
				  const char *param, size_t plen)
{
	for (size_t i = 0; found && i < found->n; i++) {
		const Finding *f = &found->items[i];

		if (!f->rule && f->param && strlen(f->module) == mlen &&
		    !strncmp(f->module, module, mlen) && strlen(f->param) == plen &&
		    !strncmp(f->param, param, plen))
			return f;
	}
	return NULL;
}

int outcome_init(struct config_result *c, const Findings *found)
{
	struct param_outcome *o = calloc(c->n_assign + 1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_assign; i++) {
		const char *a = c->assign[i], *dot = strchr(a, '.'), *eq = strchr(a, '=');
		const Finding *f;

		if (!dot || !eq || eq < dot) {
			param_outcomes_free(o, i);
			return -EINVAL;
		}
		o[i].param = strndup(a, eq - a);
		o[i].asked = strdup(eq + 1);
		f = finding_for(found, a, dot - a, dot + 1, eq - dot - 1);
		if (f && f->actual)
			o[i].loaded = strdup(f->actual);
		o[i].read_as_asked = f && f->kind == FINDING_OK;
		if (!o[i].param || !o[i].asked || (f && f->actual && !o[i].loaded)) {
			param_outcomes_free(o, i + 1);
			return -ENOMEM;
		}
	}
	param_outcomes_free(c->outcomes, c->n_outcomes);
	c->outcomes = o;
	c->n_outcomes = c->n_assign;
	return 0;
}

/* Does @text name @param as a whole word (module.param then '=', ' ', ':', ',' or the end)? */
static bool names_param(const char *text, const char *param)
{
	size_t len = strlen(param);

	for (const char *p = text; p && (p = strstr(p, param)); p += len) {
		char before = p == text ? ' ' : p[-1], after = p[len];

		if ((before == ' ' || before == '(' || before == ',' || before == ':') &&
		    (!after || strchr("= :,;)", after)))
			return true;
	}
	return false;
}

static const struct param_outcome *outcome_of(const struct config_result *c, const char *module,
					      const char *param)
{
	size_t ml = strlen(module);

	for (size_t i = 0; i < c->n_outcomes; i++) {
		const char *p = c->outcomes[i].param;

		if (!strncmp(p, module, ml) && p[ml] == '.' && !strcmp(p + ml + 1, param))
			return &c->outcomes[i];
	}
	return NULL;
}

static bool reads_bool(const char *s, bool want)
{
	bool b;

	return s && kvmcfg_parse_bool(s, &b) == 0 && b == want;
}

/*
 * Why the kernel cleared @o, where a derived rule explains it: the asked
 * value was true, the rule makes it need one of its params, and every one
 * of those this config loaded reads false. NULL when none does (or ENOMEM).
 */
static char *override_reason(const struct config_result *c, const struct param_outcome *o)
{
	if (!reads_bool(o->asked, true) || !reads_bool(o->loaded, false))
		return NULL;
	for (size_t r = 0; r < kvmcfg_n_derived_rules; r++) {
		const KvmcfgDerivedRule *d = &kvmcfg_derived_rules[r];
		size_t ml = strlen(d->when.module), n_false = 0, n_true = 0;
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		FILE *f;

		if (strncmp(o->param, d->when.module, ml) || o->param[ml] != '.' ||
		    strcmp(o->param + ml + 1, d->when.param))
			continue;
		f = open_memstream(&text, &len);
		if (!f)
			return NULL;
		for (size_t k = 0; k < KVMCFG_DERIVED_REQUIRES_MAX && d->requires[k].module; k++) {
			const struct param_outcome *q =
				outcome_of(c, d->requires[k].module, d->requires[k].param);

			if (!q || !q->loaded)
				continue;
			if (reads_bool(q->loaded, true)) {
				n_true++;
				continue;
			}
			fprintf(f, "%s%s=%s", n_false++ ? " and " : "", q->param, q->loaded);
		}
		/* The part of the rule's explanation before its first ';'. */
		fprintf(f, ", and %.*s (derived rule %s)", (int)strcspn(d->why, ";"), d->why,
			d->name);
		if (fclose(f) != 0)
			return NULL;
		if (n_false && !n_true) {
			char *ret = text;

			text = NULL;
			return ret;
		}
	}
	return NULL;
}

int outcome_classify(struct config_result *c)
{
	for (size_t i = 0; i < c->n_outcomes; i++) {
		struct param_outcome *o = &c->outcomes[i];
		_cleanup_free_ char *ev = NULL;
		size_t len = 0;
		FILE *f;

		free(o->reason);
		free(o->evidence);
		o->reason = o->evidence = NULL;
		f = open_memstream(&ev, &len);
		if (!f)
			return -ENOMEM;
		for (size_t t = 0; t < c->n_tests; t++) {
			const struct config_test *to = &c->tests[t];

			if (config_test_failed(to) && to->reason &&
			    names_param(to->reason, o->param))
				fprintf(f, "%s%s: %s", len ? "; " : "", to->name, to->reason);
			fflush(f);
		}
		if (fclose(f) != 0)
			return -ENOMEM;
		if (len) {
			o->kind = OUTCOME_CONTRADICTED;
			o->evidence = ev;
			ev = NULL;
		} else if (!o->read_as_asked) {
			o->kind = OUTCOME_OVERRIDDEN;
			o->reason = o->loaded ?
					    override_reason(c, o) :
					    strdup("the module does not export it after the load");
		} else {
			o->kind = OUTCOME_HELD;
		}
	}
	return 0;
}

size_t outcome_count(const struct config_result *c, enum outcome_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_outcomes; i++)
		n += c->outcomes[i].kind == k;
	return n;
}

struct json_object *outcome_to_json(const struct config_result *c)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < c->n_outcomes; i++) {
		const struct param_outcome *o = &c->outcomes[i];
		struct json_object *e = json_object_new_object();

		if (kvmcfg_json_append(arr, e) < 0 ||
		    kvmcfg_json_add_string(e, "param", o->param) < 0 ||
		    kvmcfg_json_add_string(e, "asked", o->asked) < 0 ||
		    kvmcfg_json_add_string(e, "loaded", o->loaded) < 0 ||
		    kvmcfg_json_add_string(e, "outcome", outcome_name(o->kind)) < 0 ||
		    kvmcfg_json_add_string(e, "reason", o->reason) < 0 ||
		    kvmcfg_json_add_string(e, "evidence", o->evidence) < 0) {
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

char *outcome_summary(const struct config_result *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < c->n_outcomes; i++) {
		const struct param_outcome *o = &c->outcomes[i];

		if (o->kind == OUTCOME_HELD)
			continue;
		fprintf(f, "%s%s %s: asked %s, loaded %s", len ? "; " : "", o->param,
			outcome_name(o->kind), o->asked, o->loaded ? o->loaded : "(absent)");
		if (o->reason)
			fprintf(f, " (%s)", o->reason);
		if (o->evidence)
			fprintf(f, " (%s)", o->evidence);
		fflush(f);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
