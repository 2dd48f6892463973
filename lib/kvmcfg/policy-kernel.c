// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "policy-kernel.h"
#include "strdist.h"

/* Module names a typo is measured against, besides what this host has loaded. */
static const char *const kvm_modules[] = { "kvm", "kvm_intel", "kvm_amd", "kvm_pvm" };

static bool type_is(const char *type, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(type, *names))
			return true;
	return false;
}

/* Why alternative @a can never match a param of modinfo type @type, or NULL. */
static const char *alt_type_conflict(const MatchAlt *a, const char *type)
{
	static const char *const bools[] = { "bool", "invbool", NULL };
	static const char *const ints[] = { "int", "long", "short", "byte", NULL };
	static const char *const uints[] = { "uint", "ulong", "ushort", "ullong", "hexint", NULL };
	bool is_int = type_is(type, ints), is_uint = type_is(type, uints);

	if (a->kind == MATCH_ALT_ABSENT)
		return NULL;
	if (type_is(type, bools)) {
		if (a->kind == MATCH_ALT_BOOL ||
		    (a->kind == MATCH_ALT_INT && (a->lo == 0 || a->lo == 1)))
			return NULL;
		return "a bool reads Y or N";
	}
	if (!is_int && !is_uint)
		return NULL; /* charp, string, a custom type: any text */
	switch (a->kind) {
	case MATCH_ALT_BOOL:
		/*
		 * 0 and 1 are numbers as well as boolean words. A signed int is
		 * often a boolean in disguise (kvm_amd.npt and nested were ints,
		 * read 1 and match Y by meaning); an unsigned one is a quantity
		 * (halt_poll_ns, min_timer_period_us), where a word is a mistake.
		 */
		if (is_int || (a->text && (!strcmp(a->text, "0") || !strcmp(a->text, "1"))))
			return NULL;
		return "an unsigned integer param never reads a boolean word";
	case MATCH_ALT_TEXT:
		return "an integer param never reads text";
	case MATCH_ALT_INT:
		return is_uint && a->lo < 0 ? "an unsigned param is never negative" : NULL;
	default:
		return NULL;
	}
}

static void review_types(const PolicyRule *r, const KvmcfgKernelParam *kp, PolicyError *errors)
{
	unsigned i;

	if (!kp->type || r->matcher.kind != MATCHER_ALTERNATIVES)
		return;
	for (i = 0; i < r->matcher.n_alts; i++) {
		const MatchAlt *a = &r->matcher.alts[i];
		const char *why = alt_type_conflict(a, kp->type);

		if (why)
			kvmcfg_policy_error_add(
				errors, r->file, r->line,
				"%s.%s is a %s (modinfo): '%s' can never match (%s)", r->module,
				r->param, kp->type, a->text ? a->text : "?", why);
	}
}

static const char *closest_param(const KvmcfgKernelModule *m, const char *param)
{
	const char **names = calloc(m->n_params + 1, sizeof(*names));
	const char *best;
	size_t i;

	if (!names)
		return NULL;
	for (i = 0; i < m->n_params; i++)
		names[i] = m->params[i].name;
	best = kvmcfg_closest(param, names, m->n_params, 2);
	free(names);
	return best;
}

static void review_rule(const PolicyRule *r, const KvmcfgKernelModule *m, const char *source,
			PolicyError *errors, PolicyError *notes)
{
	const KvmcfgKernelParam *kp;
	const char *hint;

	if (!m->found || !m->params_known)
		return;
	kp = kvmcfg_kernel_find_param(m, r->param);
	if (kp) {
		review_types(r, kp, errors);
		return;
	}
	hint = closest_param(m, r->param);
	/* A param of newer kernels only is fine where the rule says 'absent' is. */
	if (kvmcfg_matcher_test(&r->matcher, NULL))
		kvmcfg_policy_error_add(
			notes, r->file, r->line,
			"%s has no parameter '%s' in this kernel (%s)%s%s%s; the rule "
			"accepts that",
			r->module, r->param, source, hint ? ", did you mean " : "",
			hint ? hint : "", hint ? "?" : "");
	else
		kvmcfg_policy_error_add(errors, r->file, r->line,
					"%s has no parameter '%s'%s%s%s (this kernel: %s)",
					r->module, r->param, hint ? "; did you mean " : "",
					hint ? hint : "", hint ? "?" : "", source);
}

/* A module not on this host: a typo (error) or a fleet's other vendor (note). */
static void review_missing_module(const char *module, const char *file, unsigned line,
				  const char *source, PolicyError *errors, PolicyError *notes)
{
	const char *hint = kvmcfg_closest(module, kvm_modules,
					  sizeof(kvm_modules) / sizeof(kvm_modules[0]), 2);

	if (hint)
		kvmcfg_policy_error_add(errors, file, line, "unknown module '%s'; did you mean %s?",
					module, hint);
	else
		kvmcfg_policy_error_add(notes, file, line,
					"module %s is not on this host (%s): its rules are not "
					"checked against its parameters here",
					module, source);
}

int kvmcfg_policy_review_kernel(const Policy *p, KvmcfgKernel *k, PolicyError *errors,
				PolicyError *notes)
{
	const char *source = kvmcfg_kernel_source(k);
	size_t i, j;
	int r;

	for (i = 0; i < p->n_sections; i++) {
		const PolicySection *s = &p->sections[i];
		const KvmcfgKernelModule *m;

		r = kvmcfg_kernel_module(k, s->module, &m);
		if (r < 0)
			return r;
		if (!m->found)
			review_missing_module(s->module, s->file, s->line, source, errors, notes);
		for (j = 0; j < s->n_rules; j++) {
			const PolicyRule *rule = &s->rules[j];
			const KvmcfgKernelModule *rm = m;

			if (strcmp(rule->module, s->module)) {
				r = kvmcfg_kernel_module(k, rule->module, &rm);
				if (r < 0)
					return r;
				if (!rm->found &&
				    kvmcfg_closest(rule->module, kvm_modules,
						   sizeof(kvm_modules) / sizeof(kvm_modules[0]), 2))
					review_missing_module(rule->module, rule->file, rule->line,
							      source, errors, notes);
			}
			review_rule(rule, rm, source, errors, notes);
		}
	}
	return 0;
}
