/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NULL-terminated vectors of malloc'd strings: the one string-list type in
 * kvmcfg (param names, policy files, command lines, config axes). A NULL
 * vector is an empty one everywhere. Pure; no I/O, no logging.
 */
#pragma once

#include <stdbool.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "macro.h"

/* Free every string and the vector; NULL is fine. Returns NULL. */
char **strv_free(char **v);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);

/* Number of strings in @v (0 for NULL). */
size_t strv_length(char *const *v);

/* Whether @v holds a string equal to @s. */
bool strv_contains(char *const *v, const char *s);

/*
 * Append @s to *@v, taking ownership of it; a NULL @s (a failed strdup) is
 * -ENOMEM. On failure @s is freed and *@v is unchanged and still valid.
 */
int strv_consume(char ***v, char *s);

/* Append a copy of @s. 0 or -ENOMEM (*@v unchanged). */
int strv_extend(char ***v, const char *s);

/* strv_extend() unless @s is already in *@v (then 0, nothing added). */
int strv_extend_unique(char ***v, const char *s);

/*
 * Append @s (taking ownership; NULL means a failed strdup) to the vector *v
 * of *n strings and keep it NULL-terminated. On failure @s is freed and *v
 * stays valid. (The counted form, for callers that keep the length.)
 */
static inline int strv_push(char ***v, size_t *n, char *s)
{
	char **nv;

	if (!s)
		return -ENOMEM;
	nv = realloc(*v, (*n + 2) * sizeof(*nv));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

/* strv_push() of a printf-formatted string. */
__attribute__((format(printf, 3, 4))) int strv_pushf(char ***v, size_t *n, const char *fmt, ...);
