// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the sysfs value side. The input is "MATCHER\nVALUE": the
 * first line is parsed as a rule's value (kvmcfg_matcher_parse), the rest is what
 * a param file might hold (kvmcfg_parse_bool/int, kvmcfg_matcher_test). Values
 * come from the kernel, but a module param can hold any text a root user
 * wrote, so they are hostile input too; the same value is rendered as a
 * Prometheus label, whose escaping is checked byte for byte, and through the
 * output filter of kvmcfgctl and kvmcfgd's log (text-filter.h), whose
 * result must hold nothing a terminal acts on (issue 19).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "match.h"
#include "param.h"
#include "prom-escape.h"
#include "text-filter.h"
#include "utf8.h"

/* What the label writer printed must be a valid Prometheus label body. */
static void check_label(const char *value)
{
	char *out = NULL;
	size_t len = 0, i, n;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	kvmcfg_prom_label_value(f, value);
	fclose(f);
	for (i = 0; i < len; i++) {
		if (out[i] == '\\') {
			fuzz_assert(i + 1 < len);
			i++;
			fuzz_assert(out[i] == '\\' || out[i] == '"' || out[i] == 'n');
			continue;
		}
		fuzz_assert(out[i] != '"' && out[i] != '\n' && out[i] != '\0');
		/* The exposition format is UTF-8. */
		n = kvmcfg_utf8_seq_len((const unsigned char *)out + i, len - i);
		fuzz_assert(n > 0);
		i += n - 1;
	}
	free(out);
}

/* The filtered text is UTF-8 with no C0, DEL or C1 control, in one-line mode not even '\n'. */
static void check_filtered(const char *value)
{
	char *out = kvmcfg_text_filter_dup(value, KVMCFG_TEXT_ONE_LINE);
	const unsigned char *p;
	size_t len, n;

	if (!out)
		abort();
	len = strlen(out);
	for (p = (const unsigned char *)out; *p; p += n) {
		n = kvmcfg_utf8_seq_len(p, len - (size_t)(p - (const unsigned char *)out));
		fuzz_assert(n > 0);
		fuzz_assert(n > 1 || (*p >= 0x20 && *p != 0x7f));
		fuzz_assert(!(n == 2 && p[0] == 0xc2 && p[1] < 0xa0));
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), *value = strchr(text, '\n');
	const char *msg = NULL;
	Matcher m = {};
	int64_t i, j;
	bool b;
	int r;

	if (value)
		*value++ = '\0';
	else
		value = text;

	r = kvmcfg_parse_int(value, &i);
	fuzz_assert(r == 0 || r == -EINVAL || r == -ERANGE);
	if (r == 0) {
		char again[32];

		/* Whatever spelling was accepted, the number survives a round trip. */
		snprintf(again, sizeof(again), "%" PRId64, i);
		fuzz_assert(kvmcfg_parse_int(again, &j) == 0 && i == j);
	}
	r = kvmcfg_parse_bool(value, &b);
	fuzz_assert(r == 0 || r == -EINVAL);
	if (r == 0) {
		/* A boolean matcher compares by meaning. */
		Matcher y = {};

		fuzz_assert(kvmcfg_matcher_parse(&y, "Y", NULL) == 0);
		fuzz_assert(kvmcfg_matcher_test(&y, value) == b);
		kvmcfg_matcher_done(&y);
	}
	(void)kvmcfg_matcher_text_needs_quotes(value);

	r = kvmcfg_matcher_parse(&m, text, &msg);
	if (r < 0) {
		fuzz_assert(r == -EINVAL && msg && *msg);
	} else {
		fuzz_assert(m.text);
		if (m.kind == MATCHER_ANY)
			fuzz_assert(kvmcfg_matcher_test(&m, value) && kvmcfg_matcher_test(&m, NULL));
		if (m.kind == MATCHER_PRESENT)
			fuzz_assert(kvmcfg_matcher_test(&m, value) && !kvmcfg_matcher_test(&m, NULL));
		(void)kvmcfg_matcher_test(&m, value);
		(void)kvmcfg_matcher_test(&m, NULL);
		/* The normalized text parses to a matcher that decides the same. */
		Matcher n = {};

		fuzz_assert(kvmcfg_matcher_parse(&n, m.text, NULL) == 0);
		fuzz_assert(kvmcfg_matcher_test(&n, value) == kvmcfg_matcher_test(&m, value));
		fuzz_assert(kvmcfg_matcher_test(&n, NULL) == kvmcfg_matcher_test(&m, NULL));
		kvmcfg_matcher_done(&n);
		kvmcfg_matcher_done(&m);
		kvmcfg_matcher_done(&m); /* documented safe twice */
	}
	check_label(value);
	check_filtered(value);
	free(text);
	return 0;
}
