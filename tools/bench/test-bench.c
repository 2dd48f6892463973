// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for kvm-mmio-bench's pure parts: the statistics engine, the
 * JSON writer and parser, the result renderer and the --compare verdict.
 */
#include "check-run.h"
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "json.h"
#include "results.h"
#include "sample-stats.h"
#include "utf8.h"

#define ARRAY_SIZE_T(a) (sizeof(a) / sizeof((a)[0]))

/* ---- statistics ---- */

START_TEST(quantiles_known_values)
{
	uint64_t v[] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };
	struct bench_summary s;

	ck_assert_int_eq(bench_summarize(v, 10, &s), 0);
	ck_assert_uint_eq(s.n, 10);
	ck_assert_double_eq(s.min, 1);
	ck_assert_double_eq(s.max, 10);
	ck_assert_double_eq_tol(s.median, 5.5, 1e-9);
	/* Type 7: h = 9 * 0.9 = 8.1 -> 9 + 0.1 * (10 - 9). */
	ck_assert_double_eq_tol(s.p90, 9.1, 1e-9);
	ck_assert_double_eq_tol(s.p99, 9.91, 1e-9);
	ck_assert_double_eq_tol(s.mean, 5.5, 1e-9);
	/* Sample stddev of 1..10 is sqrt(55/6). */
	ck_assert_double_eq_tol(s.stddev, sqrt(55.0 / 6), 1e-9);
	ck_assert_double_eq_tol(s.ci95, 2.2622 * sqrt(55.0 / 6) / sqrt(10), 1e-6);
}
END_TEST

START_TEST(median_ci_order_statistics)
{
	uint64_t v[100];
	struct bench_summary s;
	size_t i, lo, hi;

	/* The textbook n = 100 interval: the 40th and 61st order statistics. */
	for (i = 0; i < 100; i++)
		v[i] = 100 - i;
	ck_assert_int_eq(bench_summarize(v, 100, &s), 0);
	ck_assert_double_eq(s.median_lo, 40);
	ck_assert_double_eq(s.median_hi, 61);
	/* Tiny samples: the whole range. */
	bench_median_ci_ranks(3, &lo, &hi);
	ck_assert_uint_eq(lo, 0);
	ck_assert_uint_eq(hi, 2);
	bench_median_ci_ranks(1, &lo, &hi);
	ck_assert_uint_eq(lo, 0);
	ck_assert_uint_eq(hi, 0);
	/* Large n: about sqrt(n) ranks either side of the middle. */
	bench_median_ci_ranks(1000000, &lo, &hi);
	ck_assert(lo >= 499000 - 1 && lo < 499100 && hi > 500900 && hi <= 501000);
}
END_TEST

START_TEST(summarize_single_and_empty)
{
	uint64_t v[] = { 42 };
	struct bench_summary s = { .n = 99 };

	ck_assert_int_eq(bench_summarize(v, 0, &s), -EINVAL);
	ck_assert_uint_eq(s.n, 99); /* untouched on failure */
	ck_assert_int_eq(bench_summarize(v, 1, &s), 0);
	ck_assert_double_eq(s.median, 42);
	ck_assert_double_eq(s.p99, 42);
	ck_assert_double_eq(s.ci95, 0);
}
END_TEST

START_TEST(t95_table_and_tail)
{
	ck_assert(isinf(bench_t95(0)));
	ck_assert_double_eq_tol(bench_t95(1), 12.7062, 1e-4);
	ck_assert_double_eq_tol(bench_t95(30), 2.0423, 1e-4);
	ck_assert_double_eq_tol(bench_t95(31), 2.0395, 2e-4);
	ck_assert_double_eq_tol(bench_t95(60), 2.0003, 2e-4);
	ck_assert_double_eq_tol(bench_t95(120), 1.9799, 2e-4);
	ck_assert_double_eq_tol(bench_t95(1000000), 1.96, 1e-3);
}
END_TEST

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return *x >> 33;
}

/* Welford's running mean/CI and quickselect median agree with the sorted two-pass summary. */
START_TEST(running_matches_batch)
{
	struct bench_samples s;
	struct bench_summary sum;
	uint64_t x = 7 + (uint64_t)_i, *copy;
	size_t n = 1 + (size_t)_i * 37, i;
	double median;

	bench_samples_init(&s, 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(bench_samples_add(&s, 1000 + lcg(&x) % 5000), 0);
	ck_assert_int_eq(bench_samples_median(&s, &median), 0);
	copy = malloc(n * sizeof(*copy));
	memcpy(copy, s.v, n * sizeof(*copy));
	ck_assert_int_eq(bench_summarize(copy, n, &sum), 0);
	ck_assert_double_eq_tol(median, sum.median, 1e-9);
	ck_assert_double_eq_tol(s.mean, sum.mean, 1e-6);
	ck_assert_double_eq_tol(bench_samples_ci95(&s), sum.ci95, 1e-6 * (1 + sum.ci95));
	free(copy);
	bench_samples_deinit(&s);
}
END_TEST

START_TEST(median_with_duplicates)
{
	struct bench_samples s;
	uint64_t vals[] = { 5, 5, 5, 1, 5, 9, 5, 5 };
	double m;
	size_t i;

	bench_samples_init(&s, 0);
	ck_assert_int_eq(bench_samples_median(&s, &m), -EINVAL);
	for (i = 0; i < ARRAY_SIZE_T(vals); i++)
		bench_samples_add(&s, vals[i]);
	ck_assert_int_eq(bench_samples_median(&s, &m), 0);
	ck_assert_double_eq(m, 5);
	bench_samples_deinit(&s);
}
END_TEST

START_TEST(capacity_limit)
{
	struct bench_samples s;

	bench_samples_init(&s, 3);
	ck_assert_int_eq(bench_samples_add(&s, 1), 0);
	ck_assert_int_eq(bench_samples_add(&s, 2), 0);
	ck_assert_int_eq(bench_samples_add(&s, 3), 0);
	ck_assert_int_eq(bench_samples_add(&s, 4), -ENOSPC);
	ck_assert_uint_eq(s.n, 3);
	bench_samples_deinit(&s);
}
END_TEST

START_TEST(convergence_rule)
{
	struct bench_samples s;
	uint64_t x = 1;
	int i;

	bench_samples_init(&s, 0);
	/* Constant samples: CI 0, converged as soon as min_n is reached. */
	for (i = 0; i < 9; i++)
		bench_samples_add(&s, 100);
	ck_assert(!bench_samples_converged(&s, 10, 0.02));
	bench_samples_add(&s, 100);
	ck_assert(bench_samples_converged(&s, 10, 0.02));
	bench_samples_deinit(&s);

	/* Values spread 0..199 around 100: sd ~58, CI ~ 113/sqrt(n). */
	bench_samples_init(&s, 0);
	for (i = 0; i < 100; i++)
		bench_samples_add(&s, lcg(&x) % 200);
	ck_assert(!bench_samples_converged(&s, 10, 0.02)); /* CI ~11 > 2 */
	for (i = 0; i < 20000; i++)
		bench_samples_add(&s, lcg(&x) % 200);
	ck_assert(bench_samples_converged(&s, 10, 0.02)); /* CI ~0.8 < 2 */
	bench_samples_deinit(&s);
}
END_TEST

/* ---- JSON ---- */

static char *write_to_string(void (*fn)(struct json_writer *), int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer w;

	ck_assert_ptr_nonnull(f);
	json_writer_init(&w, f);
	fn(&w);
	*rc = json_writer_finish(&w);
	fclose(f);
	return buf;
}

static void write_sample(struct json_writer *w)
{
	json_begin_object(w, NULL);
	json_string(w, "s", "quote\" back\\ nl\n tab\t ctl\x01");
	json_uint(w, "u", 18446744073709551615ULL);
	json_int(w, "i", -5);
	json_double(w, "d", 0.125);
	json_double(w, "nan", NAN);
	json_bool(w, "t", true);
	json_bool(w, "f", false);
	json_null(w, "z");
	json_begin_array(w, "a");
	json_uint(w, NULL, 1);
	json_begin_object(w, NULL);
	json_end_object(w);
	json_begin_array(w, NULL);
	json_end_array(w);
	json_end_array(w);
	json_end_object(w);
}

START_TEST(json_roundtrip)
{
	int rc;
	char *text = write_to_string(write_sample, &rc);
	struct json_value *v = NULL;
	const struct json_value *a;
	struct json_error err;
	const char *s;
	double d;

	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(json_parse(text, strlen(text), &v, &err), 0);
	ck_assert_int_eq(json_get_string(v, "s", &s), 0);
	ck_assert_str_eq(s, "quote\" back\\ nl\n tab\t ctl\x01");
	ck_assert_int_eq(json_get_number(v, "u", &d), 0);
	ck_assert_double_eq(d, 18446744073709551615.0);
	ck_assert_int_eq(json_get_number(v, "i", &d), 0);
	ck_assert_double_eq(d, -5);
	ck_assert_int_eq(json_get_number(v, "d", &d), 0);
	ck_assert_double_eq(d, 0.125);
	ck_assert_int_eq(json_get(v, "nan")->type, JSON_NULL);
	ck_assert(json_get(v, "t")->boolean);
	ck_assert(!json_get(v, "f")->boolean);
	ck_assert_int_eq(json_get(v, "z")->type, JSON_NULL);
	ck_assert_int_eq(json_get_number(v, "s", &d), -EMEDIUMTYPE);
	ck_assert_int_eq(json_get_number(v, "missing", &d), -ENOENT);
	a = json_get(v, "a");
	ck_assert_int_eq(a->type, JSON_ARRAY);
	ck_assert_uint_eq(a->n, 3);
	ck_assert_int_eq(a->items[1]->type, JSON_OBJECT);
	ck_assert_uint_eq(a->items[1]->n, 0);
	ck_assert_int_eq(a->items[2]->type, JSON_ARRAY);
	json_value_free(v);
	free(text);
}
END_TEST

static void write_unbalanced(struct json_writer *w)
{
	json_begin_object(w, NULL);
	json_begin_array(w, "x");
	json_end_array(w);
}

static void write_overclosed(struct json_writer *w)
{
	json_begin_array(w, NULL);
	json_end_array(w);
	json_end_array(w);
}

START_TEST(json_writer_nesting_errors)
{
	int rc;

	free(write_to_string(write_unbalanced, &rc));
	ck_assert_int_eq(rc, -EINVAL);
	free(write_to_string(write_overclosed, &rc));
	ck_assert_int_eq(rc, -EINVAL);
}
END_TEST

static const struct {
	const char *text;
	unsigned int line, column;
	const char *want;	/* in err.what, when set */
} bad_json[] = {
	{ "", 1, 1 },
	{ "{", 1, 2 },
	{ "{\"a\" 1}", 1, 6 },
	{ "{\"a\": 1,}", 1, 9 },
	{ "[1 2]", 1, 4 },
	{ "{\n  \"a\": tru\n}", 2, 8 },
	{ "\"abc", 1, 1 },
	{ "\"a\\qb\"", 1, 4 },
	{ "\"\\u12G4\"", 1, 3 },
	{ "1 2", 1, 3 },
	{ "-", 1, 1 },
	{ "1.2.3", 1, 1 },
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 1, 33 },
	{ "\"a\x01\"", 1, 3 },
	{ "\"\\\x01\"", 1, 3, "bad escape: '\\' then byte 0x01" },
	/* Surrogates: only a high one directly followed by a \u low one is a character. */
	{ "\"\\uD83D\"", 1, 3, "lone high surrogate \\uD83D (not followed by a \\u low" },
	{ "\"\\uDE00\"", 1, 3, "lone low surrogate \\uDE00" },
	{ "\"\\uDE00\\uD83D\"", 1, 3, "lone low surrogate \\uDE00" },
	{ "\"\\uD83Dx\"", 1, 3, "lone high surrogate \\uD83D (not followed" },
	{ "\"\\uD83D\\n\"", 1, 3, "lone high surrogate \\uD83D (not followed" },
	{ "[\"ok\",\n \"\\ud83d\\u0041\"]", 2, 4,
	  "lone high surrogate \\uD83D (followed by \\u0041, not a low surrogate)" },
	{ "\"\\uD83D\\uD83D\"", 1, 3, "followed by \\uD83D, not a low surrogate" },
	{ "\"\\uD83D\\u12G4\"", 1, 9, "bad \\u escape" },
	/* Escaped or raw, the same text rule (utf8.h): U+FFFF is out. */
	{ "\"\\uFFFF\"", 1, 3, "\\uFFFF is not a character" },
	/* Raw bytes that are not UTF-8: overlong, truncated, never valid, surrogate, too big. */
	{ "\"ab\xC0\xAF\"", 1, 4, "invalid UTF-8 in string (byte 0xC0)" },
	{ "\"\xE0\x80\xAF\"", 1, 2, "invalid UTF-8 in string (byte 0xE0)" },
	{ "\"ab\xE2\x82\"", 1, 4, "invalid UTF-8 in string (byte 0xE2)" },
	{ "\"\xF0\x9F\x98\"", 1, 2, "invalid UTF-8 in string (byte 0xF0)" },
	{ "\"\xFF\"", 1, 2, "invalid UTF-8 in string (byte 0xFF)" },
	{ "\"\x80\"", 1, 2, "invalid UTF-8 in string (byte 0x80)" },
	{ "\"\xED\xA0\x80\"", 1, 2, "invalid UTF-8 in string (byte 0xED)" },
	{ "\"\xF4\x90\x80\x80\"", 1, 2, "invalid UTF-8 in string (byte 0xF4)" },
	{ "\"\xEF\xBF\xBF\"", 1, 2, "invalid UTF-8 in string (byte 0xEF)" },
	/* Columns count bytes: the euro sign is 3 of them. */
	{ "\"\xE2\x82\xAC\xFF\"", 1, 5, "invalid UTF-8 in string (byte 0xFF)" },
	{ "{\n  \"k\xFF\": 1}", 2, 5, "invalid UTF-8 in string (byte 0xFF)" },
};

START_TEST(json_parse_errors_have_positions)
{
	struct json_value *v = (struct json_value *)0x1;
	struct json_error err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(json_parse(bad_json[_i].text, strlen(bad_json[_i].text), &v, &err), -EBADMSG);
	ck_assert_ptr_eq(v, (struct json_value *)0x1); /* output untouched */
	ck_assert_msg(err.line == bad_json[_i].line && err.column == bad_json[_i].column,
		      "'%s': got %u:%u (%s), want %u:%u", bad_json[_i].text, err.line, err.column,
		      err.what, bad_json[_i].line, bad_json[_i].column);
	ck_assert(err.what[0]);
	if (bad_json[_i].want)
		ck_assert_msg(strstr(err.what, bad_json[_i].want), "got '%s', want '%s'", err.what,
			      bad_json[_i].want);
}
END_TEST

/* Every proper prefix of a valid document is an error, never a crash or a leak (ASan run). */
START_TEST(json_truncations)
{
	int rc;
	char *text = write_to_string(write_sample, &rc);
	size_t len = strlen(text), i;
	struct json_value *v;
	struct json_error err;

	/* Drop the trailing newline: the value itself ends at the last '}'. */
	while (len && text[len - 1] == '\n')
		len--;
	for (i = 0; i < len; i++) {
		char *copy = malloc(i + 1);

		memcpy(copy, text, i);
		ck_assert_msg(json_parse(copy, i, &v, &err) == -EBADMSG, "prefix of %zu bytes parsed", i);
		free(copy);
	}
	ck_assert_int_eq(json_parse(text, len, &v, &err), 0);
	json_value_free(v);
	free(text);
}
END_TEST

/* Parse @text, which must succeed, and return its one string's decoded bytes. */
static char *parse_one_string(const char *text)
{
	struct json_error err = { 0 };
	struct json_value *v = NULL;
	char *s;

	ck_assert_msg(json_parse(text, strlen(text), &v, &err) == 0, "'%s': %u:%u: %s", text,
		      err.line, err.column, err.what);
	ck_assert_int_eq(v->type, JSON_STRING);
	s = strdup(v->string);
	json_value_free(v);
	/* Whatever the reader accepts is text by kvmcfg's one rule. */
	for (size_t i = 0, n; s[i]; i += n) {
		n = kvmcfg_utf8_seq_len((const unsigned char *)s + i, strlen(s + i));
		ck_assert_msg(n > 0, "'%s' decoded to invalid UTF-8 at byte %zu", text, i);
	}
	return s;
}

static const struct {
	const char *text, *want;
} good_strings[] = {
	{ "\"\\u00e9\\u0041\\u20ac\"", "\xC3\xA9" "A" "\xE2\x82\xAC" },
	/* Boundaries of the 2- and 3-byte forms; U+FFFD and the noncharacter U+FDD0 pass. */
	{ "\"\\u007f\\u0080\\u07FF\\u0800\"", "\x7F" "\xC2\x80" "\xDF\xBF" "\xE0\xA0\x80" },
	{ "\"\\uFFFD\\uFDD0\\uD7FF\\uE000\"", "\xEF\xBF\xBD" "\xEF\xB7\x90" "\xED\x9F\xBF" "\xEE\x80\x80" },
	/* A surrogate pair is one character, four bytes: U+1F600, either case. */
	{ "\"\\uD83D\\uDE00\"", "\xF0\x9F\x98\x80" },
	{ "\"\\ud83d\\ude00\"", "\xF0\x9F\x98\x80" },
	/* The first and last pairs: U+10000 and U+10FFFF. */
	{ "\"\\uD800\\uDC00\"", "\xF0\x90\x80\x80" },
	{ "\"\\uDBFF\\uDFFF\"", "\xF4\x8F\xBF\xBF" },
	/* Pairs next to other text and escapes, and back to back. */
	{ "\"a\\uD83D\\uDE00\\n\\uD83D\\uDE01\\uD83D\\uDE02b\"",
	  "a\xF0\x9F\x98\x80\n\xF0\x9F\x98\x81\xF0\x9F\x98\x82" "b" },
	/* Raw UTF-8 of every length passes through byte for byte. */
	{ "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xB7\x90\"",
	  "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xB7\x90" },
	/* Raw and escaped spellings of one character decode alike. */
	{ "\"\xF0\x9F\x98\x80\\uD83D\\uDE00\"", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80" },
};

START_TEST(json_unicode_good)
{
	char *s = parse_one_string(good_strings[_i].text);

	ck_assert_msg(strcmp(s, good_strings[_i].want) == 0, "'%s' decoded to %zu bytes, want %zu",
		      good_strings[_i].text, strlen(s), strlen(good_strings[_i].want));
	free(s);
}
END_TEST

/* Raw multi-byte text in keys too, and what our writer writes reads back unchanged. */
static void write_unicode(struct json_writer *w)
{
	json_begin_object(w, NULL);
	json_string(w, "caf\xC3\xA9 \xF0\x9F\x98\x80", "\xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF");
	json_end_object(w);
}

START_TEST(json_unicode_roundtrip)
{
	int rc;
	char *text = write_to_string(write_unicode, &rc);
	struct json_value *v;
	const char *s;

	ck_assert_int_eq(rc, 0);
	/* Written raw, not as \u escapes or surrogate pairs. */
	ck_assert_ptr_nonnull(strstr(text, "\xF0\x9F\x98\x80"));
	ck_assert_int_eq(json_parse(text, strlen(text), &v, NULL), 0);
	ck_assert_int_eq(json_get_string(v, "caf\xC3\xA9 \xF0\x9F\x98\x80", &s), 0);
	ck_assert_str_eq(s, "\xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF");
	json_value_free(v);
	free(text);
}
END_TEST

/* Every byte 0x80-0xFF alone in a string is an error at that byte, never copied through. */
START_TEST(json_raw_high_bytes_alone)
{
	char text[] = { '"', (char)(0x80 + _i), '"' };
	struct json_value *v = NULL;
	struct json_error err = { 0 };
	char want[64];

	ck_assert_int_eq(json_parse(text, sizeof(text), &v, &err), -EBADMSG);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(err.line, 1);
	ck_assert_uint_eq(err.column, 2);
	snprintf(want, sizeof(want), "invalid UTF-8 in string (byte 0x%02X)", 0x80 + _i);
	ck_assert_str_eq(err.what, want);
}
END_TEST

/* ---- report and compare ---- */

static struct bench_path_result sample_path(const char *name, double mean, double ci)
{
	struct bench_path_result p = {
		.name = name, .group = "a", .description = "test path", .cpl = 3,
		.accesses = 1000, .batches = 4, .converged = true, .elapsed_s = 0.5,
	};

	p.ns = (struct bench_summary){ .n = 1000, .median = mean, .p90 = mean * 1.1, .p99 = mean * 1.5,
				       .mean = mean, .ci95 = ci, .min = mean / 2, .max = mean * 3,
				       .median_lo = mean - ci, .median_hi = mean + ci };
	p.cycles = p.ns;
	p.host_ns = p.ns;
	p.stat_present[BENCH_STAT_EXITS] = true;
	p.stat_per_access[BENCH_STAT_EXITS] = 1.004;
	return p;
}

static struct json_value *render(double mean_write, double ci_write, const char *caching)
{
	struct bench_path_result paths[3];
	struct bench_report r;
	struct json_value *v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	bench_report_init(&r);
	r.kernel_release = strdup("6.1.0-test");
	r.tsc_khz = 2000000;
	paths[0] = sample_path("mmio_write", mean_write, ci_write);
	paths[1] = sample_path("cpuid", 500, 2);
	paths[2] = sample_path("lapic_read", 0, 0);
	paths[2].skip_reason = "no in-kernel irqchip";
	r.paths = paths;
	r.n_paths = 3;
	ck_assert_int_eq(bench_report_add_param(&r, "kvm", "mmio_caching", caching, 0), 0);
	ck_assert_int_eq(bench_report_add_param(&r, "kvm", "secret", NULL, -EACCES), 0);
	ck_assert_int_eq(bench_report_add_param(&r, "kvm_amd", "npt", "Y", 0), 0);
	ck_assert_int_eq(bench_report_write_json(&r, f), 0);
	fclose(f);
	r.paths = NULL; /* on the stack */
	bench_report_deinit(&r);
	ck_assert_int_eq(json_parse(buf, len, &v, NULL), 0);
	free(buf);
	return v;
}

START_TEST(report_json_shape)
{
	struct json_value *v = render(11000, 50, "N");
	const struct json_value *paths = json_get(v, "paths"), *p, *params;
	const char *s;
	double d;

	ck_assert_int_eq(json_get_string(v, "tool", &s), 0);
	ck_assert_str_eq(s, "kvm-mmio-bench");
	ck_assert_uint_eq(paths->n, 3);
	p = paths->items[0];
	ck_assert_int_eq(json_get_number(json_get(p, "ns"), "median", &d), 0);
	ck_assert_double_eq(d, 11000);
	ck_assert_int_eq(json_get_number(json_get(p, "stats_per_access"), "exits", &d), 0);
	ck_assert_double_eq_tol(d, 1.004, 1e-9);
	/* A stat KVM lacks is null, never 0. */
	ck_assert_int_eq(json_get(json_get(p, "stats_per_access"), "pf_emulate")->type, JSON_NULL);
	ck_assert_int_eq(json_get_string(paths->items[2], "status", &s), 0);
	ck_assert_str_eq(s, "skipped");
	ck_assert_ptr_null(json_get(paths->items[2], "ns"));
	params = json_get(v, "kvm_params");
	ck_assert_int_eq(json_get_string(json_get(params, "kvm"), "mmio_caching", &s), 0);
	ck_assert_str_eq(s, "N");
	ck_assert_int_eq(json_get(json_get(params, "kvm"), "secret")->type, JSON_NULL);
	ck_assert_int_eq(json_get_string(json_get(params, "kvm_amd"), "npt", &s), 0);
	json_value_free(v);
}
END_TEST

START_TEST(verdicts)
{
	double rel;

	/* Intervals apart, 10% slower: regression; the mirror image: improvement. */
	ck_assert_int_eq(bench_verdict(100, 99, 101, 110, 109, 111, 0.02, &rel), BENCH_REGRESSION);
	ck_assert_double_eq_tol(rel, 0.10, 1e-12);
	ck_assert_int_eq(bench_verdict(100, 99, 101, 90, 89, 91, 0.02, &rel), BENCH_IMPROVEMENT);
	/* 10% apart but the intervals overlap: noise. */
	ck_assert_int_eq(bench_verdict(100, 92, 108, 110, 102, 118, 0.02, &rel), BENCH_NOISE);
	/* Intervals apart but below the minimum effect: noise, unless the minimum is lower. */
	ck_assert_int_eq(bench_verdict(1000, 999.9, 1000.1, 1010, 1009.9, 1010.1, 0.02, &rel), BENCH_NOISE);
	ck_assert_int_eq(bench_verdict(1000, 999.9, 1000.1, 1010, 1009.9, 1010.1, 0.005, &rel),
			 BENCH_REGRESSION);
	/* Degenerate input never claims a change. */
	ck_assert_int_eq(bench_verdict(0, 0, 0, 10, 10, 10, 0.02, &rel), BENCH_NOISE);
	ck_assert_int_eq(bench_verdict(100, NAN, 101, 200, 199, 201, 0.02, &rel), BENCH_NOISE);
}
END_TEST

static int compare_docs(struct json_value *a, struct json_value *b, char **out)
{
	size_t len = 0;
	FILE *f = open_memstream(out, &len), *err = fopen("/dev/null", "w");
	int r = bench_compare(a, "a.json", b, "b.json", 0.02, f, err);

	fclose(f);
	fclose(err);
	return r;
}

START_TEST(compare_documents)
{
	struct json_value *a = render(11000, 50, "N"), *b = render(12000, 60, "Y");
	struct json_value *same = render(11010, 50, "N");
	char *out = NULL;

	ck_assert_int_eq(compare_docs(a, b, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "param kvm.mmio_caching: N -> Y"));
	ck_assert_ptr_nonnull(strstr(out, "significant regression"));
	ck_assert_ptr_nonnull(strstr(out, "lapic_read             not comparable"));
	free(out);
	ck_assert_int_eq(compare_docs(b, a, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "significant improvement"));
	free(out);
	ck_assert_int_eq(compare_docs(a, same, &out), 0);
	ck_assert_ptr_null(strstr(out, "significant regression"));
	ck_assert_ptr_null(strstr(out, "significant improvement"));
	ck_assert_ptr_nonnull(strstr(out, "11000 [10950, 11050]"));
	free(out);
	json_value_free(a);
	json_value_free(b);
	json_value_free(same);
}
END_TEST

START_TEST(compare_rejects_foreign_json)
{
	const char *text = "{\"tool\": \"other\", \"paths\": []}";
	struct json_value *a = render(1, 1, "N"), *b;
	char *out = NULL;

	ck_assert_int_eq(json_parse(text, strlen(text), &b, NULL), 0);
	ck_assert_int_eq(compare_docs(a, b, &out), -EBADMSG);
	free(out);
	json_value_free(a);
	json_value_free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bench");
	TCase *tc = tcase_create("stats");

	tcase_add_test(tc, quantiles_known_values);
	tcase_add_test(tc, summarize_single_and_empty);
	tcase_add_test(tc, median_ci_order_statistics);
	tcase_add_test(tc, t95_table_and_tail);
	tcase_add_loop_test(tc, running_matches_batch, 0, 40);
	tcase_add_test(tc, median_with_duplicates);
	tcase_add_test(tc, capacity_limit);
	tcase_add_test(tc, convergence_rule);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_test(tc, json_roundtrip);
	tcase_add_test(tc, json_writer_nesting_errors);
	tcase_add_loop_test(tc, json_parse_errors_have_positions, 0, ARRAY_SIZE_T(bad_json));
	tcase_add_loop_test(tc, json_unicode_good, 0, ARRAY_SIZE_T(good_strings));
	tcase_add_test(tc, json_unicode_roundtrip);
	tcase_add_loop_test(tc, json_raw_high_bytes_alone, 0, 0x80);
	tcase_add_test(tc, json_truncations);
	suite_add_tcase(s, tc);

	tc = tcase_create("report");
	tcase_add_test(tc, report_json_shape);
	tcase_add_test(tc, verdicts);
	tcase_add_test(tc, compare_documents);
	tcase_add_test(tc, compare_rejects_foreign_json);
	suite_add_tcase(s, tc);

	return check_run(s);
}
