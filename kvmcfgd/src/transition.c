// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "macro.h"
#include "transition.h"

static void mismatch_done(Mismatch *m)
{
	free(m->module);
	free(m->param);
	free(m->rule);
	free(m->kind);
	free(m->expected);
	free(m->actual);
	free(m->severity);
	free(m->origin);
	free(m->evidence);
}

int mismatch_set_add(MismatchSet *s, const Mismatch *m)
{
	const char *src[] = {
		m->module, m->param,	m->rule,   m->kind,	m->expected,
		m->actual, m->severity, m->origin, m->evidence,
	};
	char *dst[ELEMENTSOF(src)] = { 0 };
	size_t i;

	if (GROW(s->v, s->allocated, s->n + 1) < 0)
		return -ENOMEM;
	for (i = 0; i < ELEMENTSOF(src); i++) {
		dst[i] = strdup(src[i] ? src[i] : "");
		if (!dst[i]) {
			while (i--)
				free(dst[i]);
			return -ENOMEM;
		}
	}
	s->v[s->n++] = (Mismatch){
		.module = dst[0],
		.param = dst[1],
		.rule = dst[2],
		.kind = dst[3],
		.expected = dst[4],
		.actual = dst[5],
		.severity = dst[6],
		.origin = dst[7],
		.evidence = dst[8],
	};
	return 0;
}

static int identity_cmp(const Mismatch *a, const Mismatch *b)
{
	int r = strcmp(a->module, b->module);

	if (r == 0)
		r = strcmp(a->param, b->param);
	if (r == 0)
		r = strcmp(a->rule, b->rule);
	return r;
}

static int identity_qsort_cmp(const void *a, const void *b)
{
	return identity_cmp(a, b);
}

int mismatch_set_seal(MismatchSet *s)
{
	size_t i, n = 0;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), identity_qsort_cmp);
	/*
	 * One alert stream per identity: should a checker ever report the same
	 * (module, param, rule) twice, the first in sort order stands for both.
	 */
	for (i = 0; i < s->n; i++) {
		if (n > 0 && identity_cmp(&s->v[n - 1], &s->v[i]) == 0) {
			mismatch_done(&s->v[i]);
			continue;
		}
		s->v[n++] = s->v[i];
	}
	s->n = n;
	return 0;
}

void mismatch_set_done(MismatchSet *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		mismatch_done(&s->v[i]);
	free(s->v);
	*s = (MismatchSet)MISMATCH_SET_INIT;
}

void mismatch_set_swap(MismatchSet *a, MismatchSet *b)
{
	MismatchSet t = *a;

	*a = *b;
	*b = t;
}

size_t mismatch_set_count_severity(const MismatchSet *s, const char *severity)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (!severity || strcmp(s->v[i].severity, severity) == 0)
			n++;
	return n;
}

const char *transition_kind_to_string(TransitionKind k)
{
	static const char *const names[_TRANSITION_MAX] = {
		[TRANSITION_NEW] = "new",
		[TRANSITION_RESOLVED] = "resolved",
		[TRANSITION_CHANGED] = "changed",
	};

	return k < _TRANSITION_MAX ? names[k] : NULL;
}

static bool reported_fields_differ(const Mismatch *a, const Mismatch *b)
{
	return strcmp(a->kind, b->kind) || strcmp(a->expected, b->expected) ||
	       strcmp(a->actual, b->actual) || strcmp(a->severity, b->severity);
}

int mismatch_set_diff(const MismatchSet *before, const MismatchSet *now, Transition **ret,
		      size_t *ret_n)
{
	_cleanup_free_ Transition *t = NULL;
	size_t i = 0, j = 0, n = 0;

	/* At most one transition per entry of either side. */
	if (before->n + now->n > 0) {
		t = calloc(before->n + now->n, sizeof(*t));
		if (!t)
			return -ENOMEM;
	}
	/* Both sides are sorted by identity: one merge walk. */
	while (i < before->n || j < now->n) {
		int c;

		if (i == before->n)
			c = 1;
		else if (j == now->n)
			c = -1;
		else
			c = identity_cmp(&before->v[i], &now->v[j]);

		if (c < 0) {
			t[n++] = (Transition){ TRANSITION_RESOLVED, &before->v[i++], NULL };
		} else if (c > 0) {
			t[n++] = (Transition){ TRANSITION_NEW, NULL, &now->v[j++] };
		} else {
			if (reported_fields_differ(&before->v[i], &now->v[j]))
				t[n++] = (Transition){ TRANSITION_CHANGED, &before->v[i],
						       &now->v[j] };
			i++;
			j++;
		}
	}
	if (n == 0) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	*ret = TAKE_PTR(t);
	*ret_n = n;
	return 0;
}

int mismatch_set_keep_unalerted(MismatchSet *now, MismatchSet *before, const Transition *t,
				const bool *failed, size_t n)
{
	/* As a number: realloc() below may move the array @t points into. */
	const uintptr_t old = (uintptr_t)now->v;
	size_t i, j, k, n_back = 0;

	for (i = 0; i < n; i++)
		if (failed[i] && t[i].kind == TRANSITION_RESOLVED)
			n_back++;
	/* The only allocation, first: after it nothing can fail half-way. */
	if (now->n + n_back > now->allocated) {
		Mismatch *nv = realloc(now->v, (now->n + n_back) * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		now->v = nv;
		now->allocated = now->n + n_back;
	}
	for (i = 0, k = now->n; i < n; i++) {
		Mismatch *b = t[i].before ? &before->v[t[i].before - before->v] : NULL;
		Mismatch *x =
			t[i].now ? &now->v[((uintptr_t)t[i].now - old) / sizeof(Mismatch)] : NULL;
		Mismatch tmp;

		if (!failed[i])
			continue;
		switch (t[i].kind) {
		case TRANSITION_NEW:
			/* A NULL module marks it for removal below. */
			mismatch_done(x);
			*x = (Mismatch){ 0 };
			break;
		case TRANSITION_RESOLVED:
			now->v[k++] = *b;
			*b = (Mismatch){ 0 };
			break;
		default:
			tmp = *x;
			*x = *b;
			*b = tmp;
			break;
		}
	}
	now->n = k;
	for (i = j = 0; i < now->n; i++)
		if (now->v[i].module)
			now->v[j++] = now->v[i];
	now->n = j;
	return mismatch_set_seal(now);
}

static const char *absent_actual(const Finding *f, char *buf, size_t size)
{
	switch (f->kind) {
	case FINDING_MODULE_MISSING:
		return "(module not loaded)";
	case FINDING_PARAM_MISSING:
		return "(no such parameter)";
	default:
		snprintf(buf, size, "(unreadable: %s)", kvmcfg_errno_name(f->read_error));
		return buf;
	}
}

int mismatch_set_from_findings(MismatchSet *ret, const Findings *f)
{
	MismatchSet s = MISMATCH_SET_INIT;
	size_t i;
	int r;

	for (i = 0; i < f->n; i++) {
		const Finding *x = &f->items[i];
		char origin[512], note[64];

		if (!kvmcfg_finding_is_problem(x))
			continue;
		if (x->origin_line > 0)
			snprintf(origin, sizeof(origin), "%s:%u",
				 x->origin_file ? x->origin_file : "", x->origin_line);
		else
			snprintf(origin, sizeof(origin), "%s",
				 x->origin_file ? x->origin_file : "");
		r = mismatch_set_add(
			&s,
			&(Mismatch){
				.module = x->module,
				.param = x->param,
				/* --verify's verdict on a param is its own finding, beside the policy's. */
				.rule = x->rule ? x->rule :
					x->kind == FINDING_CONTRADICTED ?
						  (char *)"verify:contradicted" :
					x->kind == FINDING_UNVERIFIED ?
						  (char *)"verify:unverified" :
						  (char *)"policy",
				.kind = (char *)kvmcfg_finding_kind_to_string(x->kind),
				.expected = x->expected,
				.actual = x->actual ? x->actual :
						      (char *)absent_actual(x, note, sizeof(note)),
				.severity = (char *)kvmcfg_policy_severity_to_string(x->severity),
				.origin = origin,
				.evidence = x->evidence,
			});
		if (r < 0)
			goto fail;
	}
	r = mismatch_set_seal(&s);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	mismatch_set_done(&s);
	return r;
}
