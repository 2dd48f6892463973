/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What one check found, in the shape the alert channels need, and the diff
 * between two checks. kvmcfgd alerts on transitions (a mismatch appears,
 * resolves, or its actual value changes), never on every check, so the diff is
 * where "alert once" is decided. Pure logic, no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* One param that does not match the policy (or could not be read). */
typedef struct Mismatch {
	/* Identity across checks: the same (module, param, rule) is the same finding. */
	char *module;
	char *param;
	char *rule; /* "policy", or the name of a derived rule */
	/* What is reported; a change of these is a CHANGED transition... */
	char *kind; /* "mismatch", "module-missing", "unreadable", ... */
	char *expected;
	char *actual;
	char *severity;
	/* ...but not of this: a reload that moves a rule to another line is no news. */
	char *origin; /* policy file:line the expectation comes from, or "" */
	/* Nor of this: what a probe measured for a "contradicted"/"unverified" one, or "". */
	char *evidence;
} Mismatch;

/* The separator for printing "module.param", or "" for a finding about a whole module. */
static inline const char *mismatch_dot(const Mismatch *m)
{
	return *m->param ? "." : "";
}

typedef struct MismatchSet {
	Mismatch *v;
	size_t n;
	size_t allocated;
} MismatchSet;

#define MISMATCH_SET_INIT  \
	{                  \
		NULL, 0, 0 \
	}

/* Copy one mismatch in (every string of @m; NULL ones are stored as ""). */
int mismatch_set_add(MismatchSet *s, const Mismatch *m);
/* Sort by identity, keeping one entry per identity. */
int mismatch_set_seal(MismatchSet *s);
void mismatch_set_done(MismatchSet *s);
/* Swap contents: the new check becomes "before" for the next one. */
void mismatch_set_swap(MismatchSet *a, MismatchSet *b);
size_t mismatch_set_count_severity(const MismatchSet *s, const char *severity);

typedef enum TransitionKind {
	TRANSITION_NEW,
	TRANSITION_RESOLVED,
	TRANSITION_CHANGED,
	_TRANSITION_MAX,
} TransitionKind;

const char *transition_kind_to_string(TransitionKind k);

/* Points into the two sealed mismatch sets it was computed from. */
typedef struct Transition {
	TransitionKind kind;
	const Mismatch *before; /* NULL for NEW */
	const Mismatch *now;	/* NULL for RESOLVED */
} Transition;

/* The mismatch a transition is about: the current one, or the resolved one. */
static inline const Mismatch *transition_subject(const Transition *t)
{
	return t->now ? t->now : t->before;
}

/*
 * Transitions from @before to @now, both sealed, in identity order. *ret is
 * malloc'd (NULL when there are none).
 */
int mismatch_set_diff(const MismatchSet *before, const MismatchSet *now, Transition **ret,
		      size_t *ret_n);

/*
 * Turn @now into what was actually alerted, for a diff @t (computed from
 * @before to @now) where @failed[i] says transition i reached no channel:
 * its identity keeps its @before state (a NEW is dropped, a RESOLVED entry
 * is moved back in from @before, a CHANGED one gets its old fields back), so
 * the next check's diff raises it again. Moves entries out of @before (which
 * the caller then discards). -ENOMEM leaves both mismatch sets as they were.
 */
int mismatch_set_keep_unalerted(MismatchSet *now, MismatchSet *before, const Transition *t,
				const bool *failed, size_t n);

typedef struct Findings Findings;

/*
 * The problems of one check (kvmcfg_finding_is_problem()) as a sealed mismatch set:
 * identity (module, param or "", derived rule name or "policy"), ACTUAL a
 * value or a "(...)" note when nothing could be read, ORIGIN "file:line".
 */
int mismatch_set_from_findings(MismatchSet *ret, const Findings *f);
