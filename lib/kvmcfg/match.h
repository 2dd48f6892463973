/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The value side of a policy rule: what a module parameter may read as.
 * Parsing is pure (text in, struct out); matching compares one value read
 * from sysfs (or its absence) against the parsed form.
 *
 * Grammar of a value (whitespace around tokens is ignored):
 *   any                     record the value, assert nothing
 *   present                 the parameter must exist, any value
 *   ALT [| ALT]...          one of the alternatives must hold, where ALT is
 *     absent                  the parameter does not exist
 *     Y | N | yes | 1 | ...   a boolean word: compared by meaning, so Y, y, 1,
 *                             yes, true, on are all equal (the kernel prints
 *                             Y/N, people write 1/0)
 *     200000 | 0x10 | -1      an integer: compared numerically when the value
 *                             read is an integer, else as text
 *     >= N, > N, <= N, < N, != N
 *                             a numeric comparison (the value read must be
 *                             an integer)
 *     A..B                    an inclusive integer range
 *     "text"                  exact text, never a boolean or number (for
 *                             params like nx_huge_pages whose "N" and
 *                             "never" differ)
 *     word                    any other word: exact text (e.g. never, auto)
 * The type is decided per alternative from its form, so `N | never` means
 * "boolean false, or the literal text never".
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef enum MatcherKind {
	MATCHER_ANY,	      /* record only */
	MATCHER_PRESENT,      /* exists, any value */
	MATCHER_ALTERNATIVES, /* one of alts[] */
} MatcherKind;

typedef enum MatchAltKind {
	MATCH_ALT_ABSENT,
	MATCH_ALT_BOOL,
	MATCH_ALT_INT,
	MATCH_ALT_TEXT,
	MATCH_ALT_CMP,
	MATCH_ALT_RANGE,
} MatchAltKind;

typedef enum MatchCmp {
	MATCH_CMP_LT,
	MATCH_CMP_LE,
	MATCH_CMP_GT,
	MATCH_CMP_GE,
	MATCH_CMP_NE,
} MatchCmp;

typedef struct MatchAlt {
	MatchAltKind kind;
	MatchCmp cmp;	/* MATCH_ALT_CMP */
	bool b;		/* MATCH_ALT_BOOL */
	int64_t lo, hi; /* MATCH_ALT_INT (lo), MATCH_ALT_CMP (lo), MATCH_ALT_RANGE */
	char *text;	/* MATCH_ALT_TEXT (unquoted); the word as written otherwise */
} MatchAlt;

/* Embedded in a PolicyRule: kvmcfg_matcher_parse() fills it, kvmcfg_matcher_done() frees it. */
typedef struct Matcher {
	MatcherKind kind;
	MatchAlt *alts;
	unsigned n_alts;
	char *text; /* normalized text of the whole value, for "expected" in reports */
} Matcher;

/*
 * Parse @text into *ret. Pure. On failure returns -EINVAL (or -ENOMEM) and,
 * when @msg is not NULL, points it at a static English explanation without
 * file:line (the caller adds that). *ret is written only on success.
 */
int kvmcfg_matcher_parse(Matcher *ret, const char *text, const char **msg);

/* Free what kvmcfg_matcher_parse() allocated; safe on a zeroed Matcher and twice. */
void kvmcfg_matcher_done(Matcher *m);

/*
 * Test a value: @actual is the text read (newline trimmed) or NULL when the
 * parameter does not exist. Returns true when the matcher holds.
 * MATCHER_ANY always holds.
 */
bool kvmcfg_matcher_test(const Matcher *m, const char *actual);

/* Whether @text needs quoting to be read back as exact text (snapshot). */
bool kvmcfg_matcher_text_needs_quotes(const char *text);
