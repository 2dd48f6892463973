/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough JSON for the benchmark's results: a streaming writer to a
 * FILE, and a small DOM parser so --compare can read two result files.
 *
 * The parser is pure (text in, tree out, no I/O, no logging). On a syntax
 * error it returns -EBADMSG and reports the line and column, so the caller
 * can print "FILE:LINE:COL: what".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- writer ---- */

#define JSON_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	unsigned int depth;
	bool first[JSON_MAX_DEPTH];	/* no member written yet at this depth */
	bool pending_key;		/* a key was written, its value comes next */
	int error;			/* first error (-errno), sticky */
};

void json_writer_init(struct json_writer *w, FILE *f);
/* Containers; @key is NULL inside arrays and at the top level. */
void json_begin_object(struct json_writer *w, const char *key);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w, const char *key);
void json_end_array(struct json_writer *w);
void json_string(struct json_writer *w, const char *key, const char *v);
void json_uint(struct json_writer *w, const char *key, uint64_t v);
void json_int(struct json_writer *w, const char *key, int64_t v);
/* A non-finite double is written as null (JSON has no NaN). */
void json_double(struct json_writer *w, const char *key, double v);
void json_bool(struct json_writer *w, const char *key, bool v);
void json_null(struct json_writer *w, const char *key);
/* Finish: newline, flush; 0 or the first error (-EINVAL for bad nesting, -EIO). */
int json_writer_finish(struct json_writer *w);

/* ---- parser ---- */

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_value {
	enum json_type type;
	bool boolean;
	double number;
	char *string;			/* JSON_STRING: NUL-terminated, decoded */
	size_t n;			/* members or elements */
	char **keys;			/* JSON_OBJECT: n keys */
	struct json_value **items;	/* JSON_OBJECT values / JSON_ARRAY elements */
};

struct json_error {
	unsigned int line, column;	/* 1-based position of the problem */
	char what[96];
};

/*
 * Parse @len bytes of @text (one value, surrounded only by whitespace).
 * 0 and *ret on success; -EBADMSG with @err filled on a syntax error;
 * -ENOMEM. Nesting deeper than JSON_MAX_DEPTH is a syntax error.
 * Strings must be UTF-8 by kvmcfg's rule (utf8.h), raw or escaped; a \u
 * surrogate pair decodes to one 4-byte character, a lone surrogate and
 * \u0000 are errors. @err->column counts bytes, not characters.
 */
int json_parse(const char *text, size_t len, struct json_value **ret, struct json_error *err);
struct json_value *json_value_free(struct json_value *v);
static inline void json_value_freep(struct json_value **v) { json_value_free(*v); }
#define _cleanup_json_ __attribute__((cleanup(json_value_freep)))

/* Member @key of an object, or NULL (also when @obj is not an object). */
const struct json_value *json_get(const struct json_value *obj, const char *key);
/* Member @key as a number/string, or -ENOENT / -EMEDIUMTYPE for the wrong type. */
int json_get_number(const struct json_value *obj, const char *key, double *ret);
int json_get_string(const struct json_value *obj, const char *key, const char **ret);
