/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Typed reads and writes of result-document members (json-c).
 *
 * Reads: a missing key, a
 * value of another type or a number that is not finite all read as absent:
 * result files come from other hosts and other versions, and a reader
 * must say "not there" rather than crash. Pure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/* @o's member @key; NULL when @o is not an object or has no such member. */
struct json_object *bench_json_get(struct json_object *o, const char *key);

/* @o's member @key if it is a string, else NULL. */
const char *bench_json_get_string(struct json_object *o, const char *key);

/* @v as a finite number (integer or double). */
bool bench_json_number(struct json_object *v, double *ret);

/* @o's member @key as a finite number. */
bool bench_json_get_number(struct json_object *o, const char *key, double *ret);

struct bench_estimate;

/* @o's "median", "ci_lo" and "ci_hi" as an estimate (n left 0); false if any is absent. */
bool bench_json_get_estimate(struct json_object *o, struct bench_estimate *ret);

/* The element of the array @paths whose "name" is @name, or NULL. */
struct json_object *bench_json_find_path(struct json_object *paths, const char *name);

/*
 * The numbers of the array @a, all positive, malloc'd into *ret: 0,
 * -EBADMSG when @a is not such an array of at least @min_n, -ENOMEM.
 */
int bench_json_positive_array(struct json_object *a, size_t min_n, double **ret, size_t *n);

/* Add JSON null under @key (json-c spells null as a NULL object); 0 or -ENOMEM. */
int bench_json_add_null(struct json_object *o, const char *key);

/* Add @v under @key, or null where JSON has no number (NaN, infinities); 0 or -ENOMEM. */
int bench_json_add_num(struct json_object *o, const char *key, double v);

/* Append @v to the array @a, or null where JSON has no number; 0 or -ENOMEM. */
int bench_json_append_num(struct json_object *a, double v);

/* Add @s (made text by kvmcfg's rule) under @key, or null for NULL; 0 or -ENOMEM. */
int bench_json_add_str(struct json_object *o, const char *key, const char *s);

/* @o when every add went well (@r == 0), else NULL with @o put. */
struct json_object *bench_json_built(struct json_object *o, int r);
