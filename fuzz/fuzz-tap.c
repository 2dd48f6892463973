// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: what the selftest runner takes from a test binary's output.
 * The input is a TAP stream; each line goes through the classifier and the
 * summary (common), the summary through tap_explain_exit() for the
 * exit statuses kselftest uses, and the raw bytes through the JUnit and
 * JSON report escapers (common/xml-escape.c), whose output must stay
 * well-formed whatever a test printed.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "xml-escape.h"
#include "fuzz.h"
#include "tap.h"

static char *escaped(void (*esc)(FILE *, const char *, size_t, bool), bool json,
		     const char *s, size_t n, bool attribute, size_t *ret_len)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	if (json)
		escape_json(f, s, n);
	else
		esc(f, s, n, attribute);
	fclose(f);
	*ret_len = len;
	return out;
}

/* Valid UTF-8 throughout (kvmcfg_utf8_seq_len is the escapers' own judge; this asks it per byte). */
static void check_utf8(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		n = kvmcfg_utf8_seq_len((const unsigned char *)s + i, len - i);
		fuzz_assert(n >= 1 && n <= 4);
		i += n;
	}
}

static void check_escapers(const char *s, size_t n)
{
	size_t len, i;
	char *out;

	out = escaped(NULL, true, s, n, false, &len);
	check_utf8(out, len);
	for (i = 0; i < len; i++) {
		fuzz_assert((unsigned char)out[i] >= 0x20);
		if (out[i] == '\\')
			fuzz_assert(++i < len && strchr("\"\\/bfnrtu", out[i]));
		else
			fuzz_assert(out[i] != '"');
	}
	free(out);

	for (int attr = 0; attr < 2; attr++) {
		out = escaped(escape_xml, false, s, n, attr, &len);
		check_utf8(out, len);
		for (i = 0; i < len; i++) {
			unsigned char c = (unsigned char)out[i];

			/* XML 1.0 allows no other C0 control, and \r must be a reference. */
			fuzz_assert(c >= 0x20 || c == '\t' || c == '\n');
			fuzz_assert(c != '<' && c != '>' && c != '"');
			if (attr)
				fuzz_assert(c != '"' && c != '\n' && c != '\t');
			if (c == '&')
				fuzz_assert(memchr(out + i, ';', len - i));
		}
		free(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int statuses[] = { 0, 1 << 8, 2 << 8, 3 << 8, 4 << 8, 5 << 8, SIGSEGV, 0x137f };
	struct tap_summary sum = {};
	char *text = fuzz_strndup(data, size), *line, *next;
	unsigned results = 0;
	char why[256];

	for (line = text; line; line = next) {
		struct tap_result r;
		enum tap_line kind;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		kind = tap_summary_feed(&sum, line);
		fuzz_assert(tap_classify(line) == kind);
		if (tap_result_parse(line, &r) == 0) {
			fuzz_assert(r.kind == kind);
			fuzz_assert(r.desc >= line && r.desc + r.desc_len <= line + strlen(line));
			fuzz_assert(r.reason >= line || r.reason_len == 0);
			results++;
		}
	}
	fuzz_assert(sum.tests == results);
	fuzz_assert(sum.passed + sum.failed + sum.skipped + sum.xfailed == sum.tests);
	fuzz_assert(sum.misnumbered <= sum.tests);
	/* Whatever the plan said, a clean exit with a negative plan is never excused. */
	tap_explain_exit(&sum, 0, why, sizeof(why));
	fuzz_assert(sum.plan >= 0 || why[0]);
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		tap_explain_exit(&sum, statuses[i], why, sizeof(why));
		fuzz_assert(strlen(why) < sizeof(why));
	}
	check_escapers((const char *)data, size);
	free(text);
	return 0;
}
