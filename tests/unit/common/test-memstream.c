// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for kvmcfg_memstream_open(): open_memstream()'s contract
 * (a NUL-terminated buffer and its length, valid after each write and at
 * fclose(), owned by the caller) with a buffer that starts small.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-run.h"
#include "memstream.h"

START_TEST(empty)
{
	char *buf = NULL;
	size_t len = 99;
	FILE *f = kvmcfg_memstream_open(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(buf);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(len, 0);
	free(buf);
}
END_TEST

START_TEST(grows_across_the_start_size)
{
	char *buf = NULL, *want;
	size_t len = 0, i, n = 5 * KVMCFG_MEMSTREAM_START + 17;
	FILE *f = kvmcfg_memstream_open(&buf, &len);

	ck_assert_ptr_nonnull(f);
	want = malloc(n + 1);
	ck_assert_ptr_nonnull(want);
	/* Byte by byte (the stream is unbuffered) and past every doubling. */
	for (i = 0; i < n; i++) {
		want[i] = (char)('a' + i % 26);
		ck_assert_int_eq(fputc(want[i], f), want[i]);
		/* Visible at once, NUL-terminated. */
		ck_assert_uint_eq(len, i + 1);
		ck_assert_int_eq(buf[len], '\0');
	}
	want[n] = '\0';
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_str_eq(buf, want);
	free(want);
	free(buf);
}
END_TEST

START_TEST(printf_and_big_writes)
{
	char *buf = NULL, big[20000];
	size_t len = 0;
	FILE *f = kvmcfg_memstream_open(&buf, &len);

	ck_assert_ptr_nonnull(f);
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(fprintf(f, "head %d %s|", 42, "mid"), 12);
	ck_assert_uint_eq(fwrite(big, 1, sizeof(big), f), sizeof(big));
	ck_assert_int_eq(fputs("|tail\n", f), 1);
	ck_assert_int_eq(fflush(f), 0);
	ck_assert(!ferror(f));
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_eq(len, 12 + sizeof(big) + 6);
	ck_assert_uint_eq(strlen(buf), len);
	ck_assert(memcmp(buf, "head 42 mid|", 12) == 0);
	ck_assert(buf[12] == 'x' && buf[12 + sizeof(big) - 1] == 'x');
	ck_assert_str_eq(buf + 12 + sizeof(big), "|tail\n");
	free(buf);
}
END_TEST

/* Two streams at once keep to their own buffers. */
START_TEST(independent)
{
	char *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;
	FILE *fa = kvmcfg_memstream_open(&a, &la), *fb = kvmcfg_memstream_open(&b, &lb);

	ck_assert_ptr_nonnull(fa);
	ck_assert_ptr_nonnull(fb);
	fputs("alpha", fa);
	fputs("beta", fb);
	fputs("!", fa);
	ck_assert_int_eq(fclose(fa), 0);
	ck_assert_int_eq(fclose(fb), 0);
	ck_assert_str_eq(a, "alpha!");
	ck_assert_str_eq(b, "beta");
	ck_assert_uint_eq(la, 6);
	ck_assert_uint_eq(lb, 4);
	free(a);
	free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("memstream");
	TCase *tc = tcase_create("memstream");

	tcase_add_test(tc, empty);
	tcase_add_test(tc, grows_across_the_start_size);
	tcase_add_test(tc, printf_and_big_writes);
	tcase_add_test(tc, independent);
	suite_add_tcase(s, tc);
	return check_run(s);
}
