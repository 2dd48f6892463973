// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the result-file reader of kvm-mmio-bench --compare
 * (tools/bench/json-read.c: json-c's tokener plus kvmcfg's text rule) and
 * the comparison that walks what it read. A result file is outside input
 * (a CI artifact from another run). The reader must accept or reject with
 * a position inside the text; a document it accepts holds only valid UTF-8
 * (utf8.h) without NUL in its strings and keys, and compares against
 * itself, which can never be a regression; the table of several runs
 * (runs.c) prints whatever shape the document has.
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "compare.h"
#include "fuzz.h"
#include "json-read.h"
#include "runs.h"
#include "utf8.h"

/* Every string and key the reader hands out is text by kvmcfg's one rule. */
static void assert_text(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	fuzz_assert(strlen(s) == len);
	while (p < end) {
		size_t n = kvmcfg_utf8_seq_len(p, (size_t)(end - p));

		fuzz_assert(n > 0);
		p += n;
	}
}

static void assert_all_text(struct json_object *v)
{
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_string:
		assert_text(json_object_get_string(v), (size_t)json_object_get_string_len(v));
		break;
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			assert_all_text(json_object_array_get_idx(v, i));
		break;
	case json_type_object: {
		json_object_object_foreach(v, key, val) {
			assert_text(key, strlen(key));
			assert_all_text(val);
		}
		break;
	}
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bench_json_error err = {};
	struct json_object *v = NULL;
	FILE *devnull;
	int r;

	r = bench_json_parse((const char *)data, size, &v, &err);
	if (r < 0) {
		fuzz_assert(r == -EBADMSG && !v);
		fuzz_assert(err.line >= 1 && err.column >= 1);
		fuzz_assert(err.line <= size + 1 && err.column <= size + 1);
		fuzz_assert(err.what[0]);
		return 0;
	}
	/* "null" parses to json-c's NULL object; anything else is a tree. */
	if (v)
		assert_all_text(v);
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	r = bench_compare(v, "a.json", v, "b.json", 0.05, devnull, devnull, NULL);
	fuzz_assert(r == 0 || r == -EBADMSG || r == -ENOMEM);
	bench_runs_print_table(v, devnull);
	fclose(devnull);
	json_object_put(v);
	return 0;
}
