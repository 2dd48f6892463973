/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * JSON output through json-c, with kvmcfg's text rule on top.
 *
 * json-c builds and serializes the documents; two things it does not do are
 * done here, once for every writer (the runner, the matrix, the bench,
 * kvmcfgctl --json):
 *   - strings come from outside (test output, param values, policy lines) and
 *     json-c copies their bytes as they are. kvmcfg_json_new_string_len() first
 *     replaces what is not UTF-8 by the one rule (utf8.h) with U+FFFD, so
 *     one bad byte cannot make a whole report invalid;
 *   - json-c escapes only U+0000..U+001F. kvmcfg_json_serialize() also
 *     escapes DEL, the C1 controls U+0080..U+009F (U+009B is CSI, a terminal
 *     escape in one character) and U+2028/U+2029 as \uXXXX, so a report
 *     piped to a terminal or pasted into JavaScript stays inert.
 * Pure apart from kvmcfg_json_write(), which writes to a FILE.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "macro.h"

/* A JSON string of @len bytes of @s, non-UTF-8 replaced; NULL only on ENOMEM. */
struct json_object *kvmcfg_json_new_string_len(const char *s, size_t len);

/* The same for a NUL-terminated @s; a NULL @s gives JSON null (NULL as json-c spells it). */
struct json_object *kvmcfg_json_new_string(const char *s);

/*
 * Add @val under @key to the object @obj, taking @val's reference in every
 * case. Returns 0, or -ENOMEM when @val is NULL (a failed constructor) or
 * the add fails, so constructors can be passed in directly.
 */
int kvmcfg_json_add(struct json_object *obj, const char *key, struct json_object *val);

/* Add kvmcfg_json_new_string(@s) under @key, or JSON null when @s is NULL; 0 or -ENOMEM. */
int kvmcfg_json_add_string(struct json_object *obj, const char *key, const char *s);

/*
 * A number serialized with @decimals digits after the point ("%.3f" for
 * seconds), not json-c's 17 significant digits. NULL only on ENOMEM.
 */
struct json_object *kvmcfg_json_new_fixed(double v, int decimals);

/* A new empty array added under @key of @obj; borrowed, NULL only on ENOMEM. */
struct json_object *kvmcfg_json_add_array(struct json_object *obj, const char *key);

/* Append @val to the array @arr, with kvmcfg_json_add()'s contract. */
int kvmcfg_json_append(struct json_object *arr, struct json_object *val);

/*
 * Serialize @o (json-c JSON_C_TO_STRING_* @flags; JSON_C_TO_STRING_NOSLASHESCAPE
 * is always added) with the extra escapes above, and a trailing newline.
 * Returns a malloc'd string, or NULL on ENOMEM.
 */
char *kvmcfg_json_serialize(struct json_object *o, int flags);

/* Write kvmcfg_json_serialize(@o, @flags) to @f; 0 or -errno (-EIO when the write fails). */
int kvmcfg_json_write(FILE *f, struct json_object *o, int flags);

/* _cleanup_(json_object_putp) puts a json_object. */
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put);
