// SPDX-License-Identifier: GPL-2.0-only
/*
 * json-out: json-c output with the UTF-8 rule applied to strings and the
 * terminal-unsafe characters (DEL, C1, U+2028/9) escaped in the text.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json-out.h"
#include "unit-test.h"

static char *ser(struct json_object *o)
{
	char *s = kvmcfg_json_serialize(o, JSON_C_TO_STRING_PLAIN);

	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(test_valid_utf8_kept)
{
	_cleanup_(json_object_putp) struct json_object *o = kvmcfg_json_new_string("caf\xc3\xa9 \xf0\x9f\x98\x80");
	_cleanup_free_ char *s = ser(o);

	ck_assert_str_eq(s, "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"\n");
}
END_TEST

START_TEST(test_invalid_bytes_replaced)
{
	/* 0xff, a lone continuation, an overlong '/', a surrogate, a cut sequence. */
	static const char in[] = "a\xff" "b\x80" "c\xc0\xaf" "d\xed\xa0\x80" "e\xe2\x82";
	_cleanup_(json_object_putp) struct json_object *o = kvmcfg_json_new_string_len(in, sizeof(in) - 1);
	_cleanup_free_ char *s = ser(o);
	_cleanup_(json_object_putp) struct json_object *back = json_tokener_parse(s);

	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(json_object_get_string(back),
			 "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd"
			 "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "e\xef\xbf\xbd\xef\xbf\xbd");
}
END_TEST

START_TEST(test_controls_escaped)
{
	/* ESC, DEL, U+009B (CSI), U+0085 (NEL), U+2028, U+2029, and a plain e-acute. */
	static const char in[] = "\x1b[2J\x7f\xc2\x9b" "1m\xc2\x85\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9";
	_cleanup_(json_object_putp) struct json_object *o = kvmcfg_json_new_string(in);
	_cleanup_free_ char *s = ser(o);
	_cleanup_(json_object_putp) struct json_object *back = json_tokener_parse(s);

	ck_assert_str_eq(s, "\"\\u001b[2J\\u007f\\u009b1m\\u0085\\u2028\\u2029\xc3\xa9\"\n");
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(json_object_get_string(back), in);
}
END_TEST

START_TEST(test_nul_inside_string)
{
	_cleanup_(json_object_putp) struct json_object *o = kvmcfg_json_new_string_len("a\0b", 3);
	_cleanup_free_ char *s = ser(o);

	ck_assert_str_eq(s, "\"a\\u0000b\"\n");
}
END_TEST

START_TEST(test_add_takes_reference)
{
	_cleanup_(json_object_putp) struct json_object *obj = json_object_new_object();
	_cleanup_(json_object_putp) struct json_object *arr = json_object_new_array();
	_cleanup_free_ char *s = NULL;

	ck_assert_int_eq(kvmcfg_json_add(obj, "k", kvmcfg_json_new_string("v")), 0);
	ck_assert_int_eq(kvmcfg_json_add(obj, "n", NULL), -ENOMEM);
	ck_assert_int_eq(kvmcfg_json_append(arr, json_object_new_int(7)), 0);
	ck_assert_int_eq(kvmcfg_json_append(arr, NULL), -ENOMEM);
	ck_assert_int_eq(kvmcfg_json_add(obj, "a", json_object_get(arr)), 0);
	s = ser(obj);
	ck_assert_str_eq(s, "{\"k\":\"v\",\"a\":[7]}\n");
}
END_TEST

START_TEST(test_add_string_and_fixed)
{
	_cleanup_(json_object_putp) struct json_object *obj = json_object_new_object();
	_cleanup_free_ char *s = NULL;

	ck_assert_int_eq(kvmcfg_json_add_string(obj, "s", "a\xff"), 0);
	ck_assert_int_eq(kvmcfg_json_add_string(obj, "null", NULL), 0);
	ck_assert_int_eq(kvmcfg_json_add(obj, "t", kvmcfg_json_new_fixed(0.1 + 0.2, 3)), 0);
	ck_assert_int_eq(kvmcfg_json_add(obj, "z", kvmcfg_json_new_fixed(2, 0)), 0);
	ck_assert_int_eq(kvmcfg_json_append(kvmcfg_json_add_array(obj, "a"), json_object_new_int(1)), 0);
	s = ser(obj);
	ck_assert_str_eq(s, "{\"s\":\"a\xef\xbf\xbd\",\"null\":null,\"t\":0.300,\"z\":2,\"a\":[1]}\n");
}
END_TEST

START_TEST(test_write_reports_errors)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_int(1);
	FILE *f = fopen("/dev/full", "w");

	ck_assert_ptr_nonnull(f);
	setvbuf(f, NULL, _IONBF, 0);
	ck_assert_int_eq(kvmcfg_json_write(f, o, JSON_C_TO_STRING_PLAIN), -EIO);
	fclose(f);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_valid_utf8_kept, test_invalid_bytes_replaced, test_controls_escaped,
		test_nul_inside_string, test_add_takes_reference, test_add_string_and_fixed,
		test_write_reports_errors, NULL,
	};

	return unit_test_run("json-out", tests);
}
