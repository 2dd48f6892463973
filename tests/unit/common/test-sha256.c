// SPDX-License-Identifier: GPL-2.0-only
/* SHA-256 against the FIPS 180-4 examples and lengths around the padding boundary. */
#include <check.h>
#include <string.h>

#include "check-run.h"
#include "sha256.h"

static void expect(const char *data, size_t len, const char *want)
{
	char hex[KVMCFG_SHA256_HEX_LEN + 1];

	kvmcfg_sha256_hex(data, len, hex);
	ck_assert_str_eq(hex, want);
}

START_TEST(known_vectors)
{
	static char million[1000000];

	expect("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* 56 bytes: the length no longer fits in the first block. */
	expect("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	expect("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
	       "klmnopqrlmnopqrsmnopqrstnopqrstu", 112,
	       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	memset(million, 'a', sizeof(million));
	expect(million, sizeof(million),
	       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* 55 and 64 bytes: the last lengths with one and two padding blocks. */
	expect(million, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	expect(million, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("sha256");

	tcase_add_test(tc, known_vectors);
	suite_add_tcase(s, tc);
	return check_run(s);
}
