// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the one output filter (text-filter.h): kvmcfgctl's lines
 * and kvmcfgd's stderr log. Issue 19: a param value of
 * "Y\e]0;PWNED\a\e[2J\e[1;31mFAKE OK" reached an operator's terminal raw.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit-test.h"
#include "text-filter.h"

#define FFFD "\xef\xbf\xbd"

static void expect(const char *in, unsigned flags, const char *want)
{
	char *got = kvmcfg_text_filter_dup(in, flags);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(payload)
{
	expect("Y\x1b]0;PWNED\a\x1b[2J\x1b[1;31mFAKE OK", 0,
	       "Y\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[1;31mFAKE OK");
	expect("N\rY\x7f", 0, "N\\x0dY\\x7f");
	expect("N\rY\x7f", KVMCFG_TEXT_JSON_SAFE, "N\\u000dY\\u007f");
}
END_TEST

START_TEST(c1_and_not_utf8)
{
	expect("\xc2\x9b" "2J\xc2\x80\xc2\x9f\xc2\xa0", 0, "\\u009b2J\\u0080\\u009f\xc2\xa0");
	expect("\x9b" "2J", 0, FFFD "2J");
	expect("caf\xc3\xa9 \xe2\x9c\x93", 0, "caf\xc3\xa9 \xe2\x9c\x93");
}
END_TEST

START_TEST(lines_and_quotes)
{
	expect("a\nb\tc", 0, "a\nb\tc");
	expect("a\nb\tc", KVMCFG_TEXT_ONE_LINE, "a\\nb\\tc");
	expect("\"\\", 0, "\"\\");
	expect("\"\\", KVMCFG_TEXT_QUOTE, "\\\"\\\\");
}
END_TEST

/* The stream joins a UTF-8 sequence split between two writes, and filters what it gets. */
START_TEST(stream)
{
	char path[] = "/tmp/kvmcfg-text-filter-XXXXXX", got[256] = "";
	int fd = mkstemp(path), rfd;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = kvmcfg_text_filter_stream(fd);
	ck_assert_ptr_nonnull(f);
	setvbuf(f, NULL, _IONBF, 0);
	fputs("ok \xc2", f);
	fputs("\x9b" "2J \xe2\x9c", f);
	fputs("\x93 \x1b[31m\n", f);
	fputs("\xc3", f);
	ck_assert_int_eq(fclose(f), 0);
	rfd = open(path, O_RDONLY);
	ck_assert_int_ge(rfd, 0);
	ck_assert_int_gt(read(rfd, got, sizeof(got) - 1), 0);
	ck_assert_str_eq(got, "ok \\u009b2J \xe2\x9c\x93 \\u001b[31m\n" FFFD);
	close(rfd);
	unlink(path);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { payload, c1_and_not_utf8, lines_and_quotes, stream, NULL };

	return unit_test_run("text-filter", tests);
}
