/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The libFuzzer entry point every target in fuzz/ defines. The same file
 * builds two ways: with clang's -fsanitize=fuzzer (meson -Dfuzzers=true)
 * for real fuzzing, or linked with replay.c, a plain main() that feeds each
 * file of the corpus directories given on the command line, so CI replays
 * the corpora with the normal compiler (and under ASan in the sanitizer
 * pass) as regression tests.
 *
 * A target checks properties of what the code under test returned, not
 * only that it returned: a broken property is reported with fuzz_fail(),
 * which aborts, so libFuzzer saves the input as a crash.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_fail(...)                                                        \
	do {                                                                  \
		fprintf(stderr, "%s:%d: property violated: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                                 \
		fputc('\n', stderr);                                          \
		abort();                                                      \
	} while (0)

#define fuzz_assert(expr)                                                     \
	do {                                                                  \
		if (!(expr))                                                  \
			fuzz_fail("%s", #expr);                               \
	} while (0)

/* A NUL-terminated malloc'd copy of @size bytes of @data (aborts on ENOMEM). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}
