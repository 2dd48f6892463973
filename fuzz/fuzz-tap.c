// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: what the selftest runner takes from a test binary's output.
 * The input is a TAP stream; each line goes through the classifier and the
 * summary (common), the summary through tap_explain_exit() for the
 * exit statuses kselftest uses, and the raw bytes through the JUnit
 * escaper (common/xml-escape.c) and the JSON string the reports build
 * (common/json-out.c), whose output must stay well-formed whatever a test
 * printed.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "fuzz.h"
#include "json-out.h"
#include "tap.h"
#include "utf8.h"
#include "xml-escape.h"

static char *escaped_xml(const char *s, size_t n, bool attribute, size_t *ret_len)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	escape_xml(f, s, n, attribute);
	fclose(f);
	*ret_len = len;
	return out;
}

/* The string as a report writes it: one serialized JSON string and a newline. */
static char *escaped_json(const char *s, size_t n, size_t *ret_len)
{
	struct json_object *o = kvmcfg_json_new_string_len(s, n);
	char *out;

	if (!o)
		abort();
	out = kvmcfg_json_serialize(o, JSON_C_TO_STRING_PLAIN);
	json_object_put(o);
	if (!out)
		abort();
	*ret_len = strlen(out);
	return out;
}

/* A strict, UTF-8-validating json-c reader takes @out back as one string. */
static void check_json_parses(const char *out, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *back;

	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	back = json_tokener_parse_ex(tok, out, (int)len);
	fuzz_assert(back && json_object_is_type(back, json_type_string));
	json_object_put(back);
	json_tokener_free(tok);
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

	out = escaped_json(s, n, &len);
	check_utf8(out, len);
	fuzz_assert(len >= 3 && out[0] == '"' && out[len - 2] == '"' && out[len - 1] == '\n');
	check_json_parses(out, len - 1);
	for (i = 1, len -= 2; i < len; i++) {
		fuzz_assert((unsigned char)out[i] >= 0x20);
		if (out[i] == '\\')
			fuzz_assert(++i < len && strchr("\"\\/bfnrtu", out[i]));
		else
			fuzz_assert(out[i] != '"');
	}
	free(out);

	for (int attr = 0; attr < 2; attr++) {
		out = escaped_xml(s, n, attr, &len);
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
