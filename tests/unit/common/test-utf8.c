// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for kvmcfg's one UTF-8 rule (utf8.h). Every writer replaces
 * what this check rejects, so each boundary of the rule is pinned here:
 * the edges of each sequence length, overlong forms, surrogates, the top of
 * Unicode, cut-short input, NUL and the noncharacters. A loop over every
 * code point checks the rule as a whole against an encoder written here.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-out.h"
#include "unit-test.h"
#include "prom-escape.h"
#include "utf8.h"

static size_t seq_len(const char *s, size_t avail)
{
	return kvmcfg_utf8_seq_len((const unsigned char *)s, avail);
}

/* @s, @len bytes, is one whole sequence of that length, or rejected at its first byte. */
#define accepted(s) ck_assert_uint_eq(seq_len(s, sizeof(s) - 1), sizeof(s) - 1)
#define rejected(s) ck_assert_uint_eq(seq_len(s, sizeof(s) - 1), 0)

START_TEST(ascii_and_nul)
{
	/* NUL is U+0000, valid UTF-8; control characters are each writer's business. */
	ck_assert_uint_eq(seq_len("\0", 1), 1);
	ck_assert_uint_eq(seq_len("\x01", 1), 1);
	ck_assert_uint_eq(seq_len("a", 1), 1);
	ck_assert_uint_eq(seq_len("\x7f", 1), 1);
	/* One byte is judged alone: what follows does not matter. */
	ck_assert_uint_eq(seq_len("a\xff", 2), 1);
}
END_TEST

START_TEST(length_edges)
{
	accepted("\xc2\x80");             /* U+0080, first two-byte */
	accepted("\xdf\xbf");             /* U+07FF, last two-byte */
	accepted("\xe0\xa0\x80");         /* U+0800, first three-byte */
	accepted("\xef\xbf\xbd");         /* U+FFFD */
	accepted("\xf0\x90\x80\x80");     /* U+10000, first four-byte */
	accepted("\xf4\x8f\xbf\xbd");     /* U+10FFFD */
}
END_TEST

START_TEST(overlong)
{
	rejected("\xc0\xaf");             /* '/' in two bytes */
	rejected("\xc0\x80");             /* NUL in two bytes ("modified UTF-8") */
	rejected("\xc1\xbf");             /* U+007F in two bytes */
	rejected("\xe0\x80\xaf");         /* '/' in three bytes */
	rejected("\xe0\x9f\xbf");         /* U+07FF in three bytes */
	rejected("\xf0\x80\x80\xaf");     /* '/' in four bytes */
	rejected("\xf0\x8f\xbf\xbd");     /* U+FFFD in four bytes */
}
END_TEST

START_TEST(surrogates_and_range)
{
	accepted("\xed\x9f\xbf");         /* U+D7FF, just below */
	rejected("\xed\xa0\x80");         /* U+D800 */
	rejected("\xed\xbf\xbf");         /* U+DFFF */
	accepted("\xee\x80\x80");         /* U+E000, just above */
	rejected("\xed\xa0\xbd\xed\xb8\x80"); /* a CESU-8 pair for U+1F600 */
	rejected("\xf4\x90\x80\x80");     /* U+110000 */
	rejected("\xf5\x80\x80\x80");     /* a lead byte past U+10FFFF */
	rejected("\xf8\x88\x80\x80\x80"); /* old five-byte form */
	rejected("\xff");
	rejected("\xfe");
}
END_TEST

START_TEST(broken_sequences)
{
	rejected("\x80");                 /* lone continuation */
	rejected("\xbf");
	rejected("\xc3" "A");             /* lead without its continuation */
	rejected("\xe2\x28\xa1");         /* bad second byte */
	rejected("\xe2\x82\x28");         /* bad third byte */
	rejected("\xf0\x9f\x98\x28");     /* bad fourth byte */
	/* Cut short by @avail, though the bytes past it would complete it. */
	ck_assert_uint_eq(seq_len("\xc3\xa9", 1), 0);
	ck_assert_uint_eq(seq_len("\xe2\x82\xac", 2), 0);
	ck_assert_uint_eq(seq_len("\xf0\x9f\x98\x80", 3), 0);
}
END_TEST

START_TEST(noncharacters)
{
	/* U+FFFE and U+FFFF are not XML characters: rejected for every writer. */
	rejected("\xef\xbf\xbe");
	rejected("\xef\xbf\xbf");
	/* The other noncharacters are allowed in every format we write. */
	accepted("\xef\xb7\x90");         /* U+FDD0 */
	accepted("\xef\xb7\xaf");         /* U+FDEF */
	accepted("\xf0\x9f\xbf\xbe");     /* U+1FFFE */
	accepted("\xf4\x8f\xbf\xbf");     /* U+10FFFF */
}
END_TEST

static size_t encode(unsigned int cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

START_TEST(every_code_point)
{
	unsigned int cp, accepted_n = 0, wrong = 0, first_wrong = 0;
	char buf[4];

	/* Plain comparisons: a libcheck assert per code point would take minutes. */
	for (cp = 0; cp <= 0x10ffff; cp++) {
		size_t len = encode(cp, buf);
		bool want = !(cp >= 0xd800 && cp <= 0xdfff) && cp != 0xfffe && cp != 0xffff;

		/* Any shorter input is cut short. */
		if (seq_len(buf, len) != (want ? len : 0) || (len > 1 && seq_len(buf, len - 1))) {
			if (!wrong++)
				first_wrong = cp;
		}
		accepted_n += want;
	}
	ck_assert_msg(wrong == 0, "%u code points judged wrong, first U+%04X", wrong, first_wrong);
	/* All code points but 2048 surrogates and the two XML noncharacters. */
	ck_assert_uint_eq(accepted_n, 0x110000 - 2048 - 2);
}
END_TEST

static char *through(bool json, const char *s)
{
	if (json) {
		_cleanup_(json_object_putp) struct json_object *o = kvmcfg_json_new_string(s);

		ck_assert_ptr_nonnull(o);
		return kvmcfg_json_serialize(o, JSON_C_TO_STRING_PLAIN);
	}
	return CAPTURE(f, kvmcfg_prom_label_value(f, s));
}

START_TEST(writers_agree)
{
	/* The same rule decides in both escapers: U+FFFE is replaced, U+FDD0 kept. */
	static const char *const in = "\xef\xbf\xbe|\xef\xb7\x90|\xed\xa0\x80";
	char *json = through(true, in), *prom = through(false, in);

	ck_assert_str_eq(json, "\"" KVMCFG_UTF8_REPLACEMENT KVMCFG_UTF8_REPLACEMENT
			 KVMCFG_UTF8_REPLACEMENT "|\xef\xb7\x90|" KVMCFG_UTF8_REPLACEMENT
			 KVMCFG_UTF8_REPLACEMENT KVMCFG_UTF8_REPLACEMENT "\"\n");
	ck_assert_str_eq(prom, KVMCFG_UTF8_REPLACEMENT KVMCFG_UTF8_REPLACEMENT
			 KVMCFG_UTF8_REPLACEMENT "|\xef\xb7\x90|" KVMCFG_UTF8_REPLACEMENT
			 KVMCFG_UTF8_REPLACEMENT KVMCFG_UTF8_REPLACEMENT);
	free(json);
	free(prom);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		ascii_and_nul, length_edges, overlong, surrogates_and_range, broken_sequences,
		noncharacters, every_code_point, writers_agree, NULL,
	};

	return unit_test_run("utf8", tests);
}
