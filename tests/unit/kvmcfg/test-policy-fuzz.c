// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mutation test of the policy parser: thousands of damaged policies from a
 * fixed seed. Whatever the input, the parser must not crash (CI runs this
 * under ASan+UBSan), must either return a policy with no errors or no
 * policy with at least one error on a real line, and a policy it accepts
 * must survive a round trip through kvmcfg_policy_format() unchanged.
 *
 * KVMCFG_FUZZ_ITERATIONS overrides the iteration count (default 20000).
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-run.h"
#include "policy.h"

static const char *const seeds[] = {
	"[Policy]\nImportModprobe = no\n[kvm]\nRequired = yes\nSeverity = warn\ntdp_mmu = Y\n"
	"halt_poll_ns = 1000..500000 @warn\nnx_huge_pages = N | never\n",
	"[kvm_intel]\nRequired = no\nept = Y | 1\nkvm.tdp_mmu = Y\nkvm.mmio_caching = Y @warn\n"
	"nested = any\n; comment\n# comment\n",
	"[kvm_amd]\nnpt = present\nsev = absent | N\navic = >= 1\nx = != 0\ny = \"a | b\"\n"
	"  z = -5..-1 @info\n",
};

static const char *const tokens[] = {
	"[", "]", "=", "|", "..", "@warn", "@bogus", "\"", "\n", " ; c", ";", "#", "kvm.", "Required",
	"Severity", ">=", "<", "!=", "absent", "present", "any", "\xEF\xBB\xBF", "\r\n", "\t", " ",
	"[Policy]", "ImportModprobe", "0x", "-", "99999999999999999999", "Y", "never", ":", "@",
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32) % n;
}

static char *mutate(const char *seed)
{
	size_t cap = strlen(seed) * 4 + 4096, len = strlen(seed);
	char *s = malloc(cap);
	int k, n = 1 + rnd(3);

	ck_assert_ptr_nonnull(s);
	memcpy(s, seed, len + 1);
	for (k = 0; k < n; k++) {
		size_t at = len ? rnd(len + 1) : 0;
		const char *t;
		size_t tl;

		switch (rnd(5)) {
		case 0: /* flip a byte to anything but NUL */
			if (len)
				s[rnd(len)] = (char)(1 + rnd(255));
			break;
		case 1: /* delete a run */
			if (len) {
				size_t dl = 1 + rnd(8);

				if (at + dl > len)
					dl = len - at;
				memmove(s + at, s + at + dl, len - at - dl + 1);
				len -= dl;
			}
			break;
		case 2: /* a long line */
			tl = 150 + rnd(120);
			if (len + tl + 1 < cap) {
				memmove(s + at + tl, s + at, len - at + 1);
				memset(s + at, 'x', tl);
				len += tl;
			}
			break;
		default: /* insert a token of the grammar */
			t = tokens[rnd(sizeof(tokens) / sizeof(tokens[0]))];
			tl = strlen(t);
			if (len + tl + 1 < cap) {
				memmove(s + at + tl, s + at, len - at + 1);
				memcpy(s + at, t, tl);
				len += tl;
			}
		}
	}
	return s;
}

/* The origin comment of a formatted rule: the first " ; " outside quotes. */
static char *origin_comment(char *s, size_t n)
{
	bool quoted = false;
	size_t i;

	for (i = 0; i + 3 <= n; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && !memcmp(s + i, " ; ", 3))
			return s + i;
	}
	return NULL;
}

/* kvmcfg_policy_format() without the "; file:line" origin comments. */
static char *format_bare(const Policy *p)
{
	char *out = NULL, *r, *w;

	ck_assert_int_eq(kvmcfg_policy_format(p, &out), 0);
	for (r = w = out; *r;) {
		char *eol = strchr(r, '\n'), *c;
		size_t n = eol ? (size_t)(eol - r) : strlen(r);

		c = origin_comment(r, n);
		memmove(w, r, c ? (size_t)(c - r) : n);
		w += c ? (size_t)(c - r) : n;
		r += n;
		if (*r)
			*w++ = *r++;
	}
	*w = '\0';
	return out;
}

static unsigned count_lines(const char *s)
{
	unsigned n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(mutations)
{
	const char *env = getenv("KVMCFG_FUZZ_ITERATIONS");
	long iterations = env ? atol(env) : 20000, i, accepted = 0;

	for (i = 0; i < iterations; i++) {
		char *text = mutate(seeds[rnd(sizeof(seeds) / sizeof(seeds[0]))]);
		PolicyError err = {};
		Policy *p = (Policy *)0x1;
		int r = kvmcfg_policy_parse(&p, text, "f.conf", &err);

		ck_assert_msg(r == 0 || r == -EINVAL, "iteration %ld: r=%d", i, r);
		if (r < 0) {
			ck_assert_ptr_eq(p, (Policy *)0x1);
			ck_assert_uint_gt(err.n_errors, 0);
			ck_assert_uint_ge(err.line, 1);
			ck_assert_uint_le(err.line, count_lines(text));
			ck_assert_str_eq(err.file, "f.conf");
			ck_assert(strlen(err.text) > 0 && err.text[strlen(err.text) - 1] == '\n');
		} else {
			char *a = format_bare(p), *b;
			PolicyError err2 = {};
			Policy *q = NULL;

			accepted++;
			ck_assert_uint_eq(err.n_errors, 0);
			/* Origins shift on re-parse: compare without them. Any line length
			 * must read back, quoted ';' included. */
			ck_assert_msg(kvmcfg_policy_parse(&q, a, "g.conf", &err2) == 0,
				      "iteration %ld: formatted policy does not parse:\n%s\n%s", i, a,
				      err2.text);
			b = format_bare(q);
			ck_assert_str_eq(a, b);
			free(b);
			kvmcfg_policy_free(q);
			free(a);
			kvmcfg_policy_free(p);
		}
		free(text);
	}
	/* A mutation test that rejects everything tests only the error path. */
	ck_assert_int_gt(accepted, iterations / 20);
	fprintf(stderr, "policy fuzz: %ld inputs, %ld accepted\n", iterations, accepted);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy-fuzz");
	TCase *tc = tcase_create("mutations");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, mutations);
	suite_add_tcase(s, tc);
	return check_run(s);
}
