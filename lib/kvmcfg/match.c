// SPDX-License-Identifier: GPL-2.0-only
/* Rule values: parse the small value grammar of match.h and test values read from sysfs. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "param.h"

static const char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* Length of [s, s+len) without trailing whitespace. */
static size_t trim_end(const char *s, size_t len)
{
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return len;
}

static const struct {
	const char *op;
	MatchCmp cmp;
} cmp_ops[] = {
	/* Two-character operators first so ">=" is not read as ">" "=...". */
	{ ">=", MATCH_CMP_GE }, { "<=", MATCH_CMP_LE }, { "!=", MATCH_CMP_NE },
	{ ">", MATCH_CMP_GT },	{ "<", MATCH_CMP_LT },
};

static int parse_alt(MatchAlt *a, const char *s, const char **msg)
{
	const char *dots;
	size_t i;

	if (s[0] == '"') {
		size_t len = strlen(s);

		if (len < 2 || s[len - 1] != '"') {
			*msg = "unterminated quoted text";
			return -EINVAL;
		}
		if (memchr(s + 1, '"', len - 2)) {
			*msg = "a quote inside quoted text";
			return -EINVAL;
		}
		a->kind = MATCH_ALT_TEXT;
		a->text = strndup(s + 1, len - 2);
		return a->text ? 0 : -ENOMEM;
	}
	if (!strcmp(s, "any") || !strcmp(s, "present")) {
		*msg = "'any' and 'present' stand alone, they cannot be alternatives";
		return -EINVAL;
	}
	a->text = strdup(s);
	if (!a->text)
		return -ENOMEM;
	if (!strcmp(s, "absent")) {
		a->kind = MATCH_ALT_ABSENT;
		return 0;
	}
	for (i = 0; i < sizeof(cmp_ops) / sizeof(cmp_ops[0]); i++) {
		size_t n = strlen(cmp_ops[i].op);

		if (strncmp(s, cmp_ops[i].op, n))
			continue;
		a->kind = MATCH_ALT_CMP;
		a->cmp = cmp_ops[i].cmp;
		if (kvmcfg_parse_int(skip_space(s + n), &a->lo) < 0) {
			*msg = "a comparison needs an integer, e.g. '>= 100000'";
			return -EINVAL;
		}
		return 0;
	}
	dots = strstr(s, "..");
	if (dots) {
		char lo[64], hi[64];
		size_t nlo = trim_end(s, dots - s);
		const char *h = skip_space(dots + 2);

		a->kind = MATCH_ALT_RANGE;
		if (nlo >= sizeof(lo) || strlen(h) >= sizeof(hi)) {
			*msg = "a range needs two integers, e.g. '1000..500000'";
			return -EINVAL;
		}
		memcpy(lo, s, nlo);
		lo[nlo] = '\0';
		strcpy(hi, h);
		if (kvmcfg_parse_int(lo, &a->lo) < 0 || kvmcfg_parse_int(hi, &a->hi) < 0) {
			*msg = "a range needs two integers, e.g. '1000..500000'";
			return -EINVAL;
		}
		if (a->lo > a->hi) {
			*msg = "a range must not end below its start";
			return -EINVAL;
		}
		return 0;
	}
	if (kvmcfg_parse_bool(s, &a->b) == 0) {
		a->kind = MATCH_ALT_BOOL;
		return 0;
	}
	if (kvmcfg_parse_int(s, &a->lo) == 0) {
		a->kind = MATCH_ALT_INT;
		return 0;
	}
	/*
	 * Unquoted text is one word: "> 1 0" or "a b" is more likely a typo. A ';'
	 * would start a comment once the value is written back after a space.
	 */
	if (strpbrk(s, " \t<>=!\";")) {
		*msg = "text with spaces or any of <>=!\"; must be quoted, e.g. \"a b\"";
		return -EINVAL;
	}
	a->kind = MATCH_ALT_TEXT;
	return 0;
}

void kvmcfg_matcher_done(Matcher *m)
{
	unsigned i;

	for (i = 0; i < m->n_alts; i++)
		free(m->alts[i].text);
	free(m->alts);
	free(m->text);
	*m = (Matcher){};
}

/* Split at '|' outside quotes. Returns the end of the alternative. */
static const char *alt_end(const char *s)
{
	bool quoted = false;

	for (; *s; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (*s == '|' && !quoted)
			break;
	}
	return s;
}

int kvmcfg_matcher_parse(Matcher *ret, const char *text, const char **msg)
{
	Matcher m = {};
	const char *dummy, *s = skip_space(text);
	size_t len = trim_end(s, strlen(s));
	char *buf = NULL;
	FILE *norm;
	size_t normlen;
	int r = 0;

	if (!msg)
		msg = &dummy;
	if (!len) {
		*msg = "empty value";
		return -EINVAL;
	}
	if (len == 3 && !strncmp(s, "any", 3))
		m.kind = MATCHER_ANY;
	else if (len == 7 && !strncmp(s, "present", 7))
		m.kind = MATCHER_PRESENT;
	else
		m.kind = MATCHER_ALTERNATIVES;

	norm = open_memstream(&buf, &normlen);
	if (!norm)
		return -ENOMEM;
	if (m.kind != MATCHER_ALTERNATIVES) {
		fprintf(norm, "%.*s", (int)len, s);
		goto done;
	}
	for (const char *p = s; p <= s + len;) {
		const char *e = alt_end(p);
		size_t n;
		char *one;
		MatchAlt *alts;

		if (e > s + len)
			e = s + len;
		p = skip_space(p);
		n = e > p ? trim_end(p, e - p) : 0;
		if (!n) {
			*msg = "empty alternative (a '|' with nothing on one side)";
			r = -EINVAL;
			goto done;
		}
		one = strndup(p, n);
		alts = realloc(m.alts, (m.n_alts + 1) * sizeof(*alts));
		if (!one || !alts) {
			free(one);
			if (alts)
				m.alts = alts;
			r = -ENOMEM;
			goto done;
		}
		m.alts = alts;
		m.alts[m.n_alts] = (MatchAlt){};
		r = parse_alt(&m.alts[m.n_alts], one, msg);
		m.n_alts++;
		if (r == 0)
			fprintf(norm, "%s%s", m.n_alts > 1 ? " | " : "", one);
		free(one);
		if (r < 0)
			goto done;
		p = e + 1;
	}
done:
	if (fclose(norm) != 0 && r == 0)
		r = -ENOMEM;
	m.text = buf;
	if (r == 0 && !m.text)
		r = -ENOMEM;
	if (r < 0) {
		kvmcfg_matcher_done(&m);
		return r;
	}
	*ret = m;
	return 0;
}

static bool alt_test(const MatchAlt *a, const char *actual)
{
	int64_t v;
	bool b;

	if (a->kind == MATCH_ALT_ABSENT)
		return !actual;
	if (!actual)
		return false;
	switch (a->kind) {
	case MATCH_ALT_BOOL:
		return kvmcfg_parse_bool(actual, &b) == 0 && b == a->b;
	case MATCH_ALT_INT:
		if (!strcmp(actual, a->text))
			return true;
		return kvmcfg_parse_int(actual, &v) == 0 && v == a->lo;
	case MATCH_ALT_TEXT:
		return !strcmp(actual, a->text);
	case MATCH_ALT_RANGE:
		return kvmcfg_parse_int(actual, &v) == 0 && v >= a->lo && v <= a->hi;
	case MATCH_ALT_CMP:
		if (kvmcfg_parse_int(actual, &v) < 0)
			return false;
		switch (a->cmp) {
		case MATCH_CMP_LT:
			return v < a->lo;
		case MATCH_CMP_LE:
			return v <= a->lo;
		case MATCH_CMP_GT:
			return v > a->lo;
		case MATCH_CMP_GE:
			return v >= a->lo;
		case MATCH_CMP_NE:
			return v != a->lo;
		}
		return false;
	default:
		return false;
	}
}

bool kvmcfg_matcher_test(const Matcher *m, const char *actual)
{
	unsigned i;

	switch (m->kind) {
	case MATCHER_ANY:
		return true;
	case MATCHER_PRESENT:
		return actual != NULL;
	case MATCHER_ALTERNATIVES:
		for (i = 0; i < m->n_alts; i++)
			if (alt_test(&m->alts[i], actual))
				return true;
		return false;
	}
	return false;
}

bool kvmcfg_matcher_text_needs_quotes(const char *text)
{
	Matcher m = {};
	bool quote;

	if (kvmcfg_matcher_parse(&m, text, NULL) < 0)
		return true;
	/* Bare is fine only when the value reads back as itself: a boolean,
	 * an integer or one word of text, with nothing trimmed or split off. */
	quote = m.kind != MATCHER_ALTERNATIVES || m.n_alts != 1 || strcmp(m.text, text) ||
		(m.alts[0].kind != MATCH_ALT_BOOL && m.alts[0].kind != MATCH_ALT_INT &&
		 m.alts[0].kind != MATCH_ALT_TEXT) ||
		(m.alts[0].kind == MATCH_ALT_TEXT && strcmp(m.alts[0].text, text)) ||
		text[0] == '@' || strchr(text, ';');
	kvmcfg_matcher_done(&m);
	return quote;
}
