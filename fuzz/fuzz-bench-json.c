// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the JSON parser of kvm-mmio-bench --compare
 * (tools/bench/json.c) and the comparison that walks what it parsed.
 * A result file is outside input (a CI artifact from another run). The
 * parser must accept or reject with a position inside the text; a document
 * it accepts holds only valid UTF-8 (utf8.h) in its strings and keys, and
 * compares against itself, which can never be a regression.
 */
#include <errno.h>
#include <string.h>

#include "compare.h"
#include "fuzz.h"
#include "json.h"
#include "utf8.h"

/* Every string and key the reader hands out is text by kvmcfg's one rule. */
static void assert_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);

	while (p < end) {
		size_t n = kvmcfg_utf8_seq_len(p, (size_t)(end - p));

		fuzz_assert(n > 0);
		p += n;
	}
}

static void assert_all_text(const struct json_value *v)
{
	size_t i;

	if (v->type == JSON_STRING)
		assert_text(v->string);
	for (i = 0; i < v->n; i++) {
		if (v->type == JSON_OBJECT)
			assert_text(v->keys[i]);
		assert_all_text(v->items[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_error err = {};
	struct json_value *v = NULL;
	FILE *devnull;
	int r;

	r = json_parse((const char *)data, size, &v, &err);
	if (r < 0) {
		fuzz_assert(r == -EBADMSG && !v);
		fuzz_assert(err.line >= 1 && err.column >= 1);
		fuzz_assert(err.line <= size + 1 && err.column <= size + 1);
		fuzz_assert(err.what[0]);
		return 0;
	}
	fuzz_assert(v);
	assert_all_text(v);
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	r = bench_compare(v, "a.json", v, "b.json", 0.05, devnull, devnull);
	fuzz_assert(r == 0 || r == -EBADMSG);
	fclose(devnull);
	json_value_free(v);
	return 0;
}
